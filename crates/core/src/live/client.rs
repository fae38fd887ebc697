//! The live client: requests with the retry policy, order placement with ambiguity
//! resolution, cached reads, reconciliation.

use super::backoff::{jittered, Backoff, Rng};
use super::codec::{self, PlaceSpec};
use super::limiter::{Gate, Limiter, Limits};
use crate::binance::errors::{self, Outcome};
use crate::binance::filters::{parse_exchange_info, SymbolInfo};
use crate::binance::{
    endpoints, Credentials, HttpRequest, HttpResponse, Kind, Market, Method, Params, Security,
};
use crate::error::{EngineError, ExchangeReply, LiveError, OrderError, Result, ValidationError};
use crate::money::{Money, Price};
use crate::order::{Order, OrderStatus};
use crate::position::{AccountState, PositionState};
use crate::rules::SymbolRules;
use crate::types::{OrderType, Symbol};
use rust_decimal::Decimal;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// How requests are authenticated.
#[derive(Debug, Clone)]
pub enum Signing {
    /// Sign here (Node): key and secret in this process.
    InProcess(Credentials),
    /// Send unsigned to a signing proxy, which holds the secret (browser).
    Proxy,
}

/// A transport failure: no HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// No answer within the timeout (the request may have been processed).
    Timeout,
    /// Connection failed or was dropped (the request may have been processed).
    Failed(String),
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Timeout => f.write_str("no response before the timeout"),
            Self::Failed(why) => write!(f, "connection failed: {why}"),
        }
    }
}

/// Moves bytes and time for the client. The host implements it.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// Send a request (path relative to the base URL) and wait up to `timeout_ms`.
    async fn send(
        &self,
        req: HttpRequest,
        timeout_ms: u64,
    ) -> std::result::Result<HttpResponse, TransportError>;
    /// Wait.
    async fn sleep(&self, ms: u64);
    /// Local wall clock, ms since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// Configuration of the live client.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    /// Spot or USD-M.
    pub market: Market,
    /// Sign here or through the proxy.
    pub signing: Signing,
    /// `recvWindow` sent with signed requests.
    pub recv_window_ms: u64,
    /// Retries of a safe request after the first attempt.
    pub max_retries: u32,
    /// Backoff schedule.
    pub backoff: Backoff,
    /// Per-request timeout.
    pub timeout_ms: u64,
    /// Weight / order budgets.
    pub limits: Limits,
    /// How long positions and balances are reused before asking again.
    pub cache_ttl_ms: i64,
    /// Queries by client id before an ambiguous placement is reported unknown.
    pub resolve_attempts: u32,
    /// Seed of the jitter generator and of client ids' session part.
    pub seed: u64,
}

impl LiveConfig {
    /// Defaults for a market.
    #[must_use]
    pub fn new(market: Market, signing: Signing) -> Self {
        Self {
            market,
            signing,
            recv_window_ms: 5_000,
            max_retries: 3,
            backoff: Backoff::default(),
            timeout_ms: 10_000,
            limits: Limits::for_market(market),
            cache_ttl_ms: 1_000,
            resolve_attempts: 5,
            seed: 1,
        }
    }
}

#[derive(Debug, Clone)]
struct Tracked {
    order: Order,
    algo: bool,
    /// Sent, outcome not known yet.
    unknown: bool,
}

#[derive(Debug)]
struct State {
    offset_ms: i64,
    limiter: Limiter,
    rng: Rng,
    session: String,
    next_id: u64,
    symbols: BTreeMap<String, SymbolInfo>,
    leverage: BTreeMap<Symbol, u32>,
    orders: BTreeMap<String, Tracked>,
    order_seq: Vec<String>,
    positions: Option<(i64, Vec<PositionState>)>,
    account: Option<(i64, AccountState)>,
    marks: BTreeMap<Symbol, Decimal>,
    protection: BTreeMap<(Symbol, bool), (String, Decimal)>,
    requests_sent: u64,
}

/// What [`LiveClient::reconcile`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Orders whose state changed (including formerly unknown ones now found).
    pub updated: Vec<Order>,
    /// Placements still not found on the exchange.
    pub still_unknown: Vec<String>,
    /// Open orders on the exchange that this client did not place.
    pub foreign_open_orders: Vec<Order>,
}

enum CallError {
    Definite(EngineError),
    Ambiguous(String),
}

impl<E: Into<EngineError>> From<E> for CallError {
    fn from(e: E) -> Self {
        Self::Definite(e.into())
    }
}

fn internal(what: &'static str) -> EngineError {
    EngineError::Internal(what)
}

/// A placement in flight, as written to the journal before it is sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Intent {
    /// The client order id the placement carries.
    pub client_order_id: String,
    /// Its symbol.
    pub symbol: Symbol,
    /// Sent to the futures Algo endpoint.
    pub algo: bool,
}

/// What the journal hook hears: an intent before its request is sent, and its settlement
/// once the outcome is known (found, rejected). Persist intents and drop settled ones; after
/// a restart hand the unsettled ones to [`LiveClient::resume`] (reliability A6, A10, E1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalEvent {
    /// About to send this placement.
    Intent(Intent),
    /// Outcome known (the order exists with a status, or it was definitely rejected).
    Settled(String),
}

type Journal = Box<dyn Fn(&JournalEvent)>;

/// The live client.
pub struct LiveClient<T> {
    transport: T,
    config: LiveConfig,
    state: RefCell<State>,
    journal: RefCell<Option<Journal>>,
}

impl<T> std::fmt::Debug for LiveClient<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

const ID_CHARS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Whether a client order id is acceptable to Binance (`^[.A-Z:/a-z0-9_-]{1,36}$`).
#[must_use]
pub fn valid_client_id(id: &str) -> bool {
    (1..=36).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'/' | b'_' | b'-'))
}

impl<T: Transport> LiveClient<T> {
    /// A client over a transport.
    pub fn new(transport: T, config: LiveConfig) -> Self {
        let mut rng = Rng::new(config.seed);
        let mut session = String::with_capacity(8);
        for _ in 0..8 {
            session.push(ID_CHARS[(rng.next_u64() % 36) as usize] as char);
        }
        let state = State {
            offset_ms: 0,
            limiter: Limiter::new(config.limits),
            rng,
            session,
            next_id: 0,
            symbols: BTreeMap::new(),
            leverage: BTreeMap::new(),
            orders: BTreeMap::new(),
            order_seq: Vec::new(),
            positions: None,
            account: None,
            marks: BTreeMap::new(),
            protection: BTreeMap::new(),
            requests_sent: 0,
        };
        Self {
            transport,
            config,
            state: RefCell::new(state),
            journal: RefCell::new(None),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &LiveConfig {
        &self.config
    }
    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// A fresh client order id for one intent: `iftb-<session>-<n>` (≤ 36 characters,
    /// unique across reloads through the random session part).
    pub fn new_client_id(&self) -> String {
        let mut s = self.state.borrow_mut();
        s.next_id += 1;
        format!("iftb-{}-{}", s.session, s.next_id)
    }

    /// Exchange time as we estimate it.
    pub fn server_now(&self) -> i64 {
        self.transport.now_ms() + self.state.borrow().offset_ms
    }
    /// Clock offset to the exchange (ms).
    pub fn clock_offset_ms(&self) -> i64 {
        self.state.borrow().offset_ms
    }
    /// Requests sent so far.
    pub fn requests_sent(&self) -> u64 {
        self.state.borrow().requests_sent
    }
    /// `(used weight this minute, paused until, banned until)`.
    pub fn rate_status(&self) -> (u32, i64, i64) {
        let s = self.state.borrow();
        (
            s.limiter.used_weight(),
            s.limiter.paused_until(),
            s.limiter.banned_until(),
        )
    }

    fn build(
        &self,
        method: Method,
        path: &str,
        security: Security,
        params: &Params,
    ) -> HttpRequest {
        let mut req = HttpRequest::new(method, path);
        let mut query = params.encode();
        if let (Security::Signed, Signing::InProcess(creds)) = (security, &self.config.signing) {
            let mut extra = Params::new();
            extra.push("recvWindow", self.config.recv_window_ms.to_string());
            extra.push("timestamp", self.server_now().to_string());
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&extra.encode());
            let sig = creds.sign(&query);
            query.push_str("&signature=");
            query.push_str(&sig);
            req.headers
                .push(("X-MBX-APIKEY".into(), creds.api_key().to_owned()));
        }
        if method == Method::Post || method == Method::Put {
            req.body = query;
            req.headers.push((
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ));
        } else {
            req.query = query;
        }
        req
    }

    fn observe(&self, resp: &HttpResponse) {
        let h = |name: &str| resp.header(name).and_then(|v| v.trim().parse::<u32>().ok());
        let now = self.server_now();
        self.state.borrow_mut().limiter.observe(
            now,
            h("X-MBX-USED-WEIGHT-1M"),
            h("X-MBX-ORDER-COUNT-10S"),
        );
    }

    async fn gate(&self, weight: u32, is_order: bool) -> Result<()> {
        loop {
            let now = self.server_now();
            let gate = self
                .state
                .borrow_mut()
                .limiter
                .acquire(now, weight, is_order);
            match gate {
                Gate::Go => return Ok(()),
                Gate::Wait(ms) => self.transport.sleep(ms).await,
                Gate::Banned(until) => {
                    return Err(LiveError::IpBanned {
                        retry_after_ms: u64::try_from(until - now).unwrap_or(0),
                        reply: ExchangeReply {
                            http_status: 418,
                            code: None,
                            msg:
                                "not sent: the exchange banned this IP; waiting for the ban to end"
                                    .into(),
                        },
                    }
                    .into())
                }
            }
        }
    }

    fn backoff(&self, attempt: u32) -> u64 {
        let mut s = self.state.borrow_mut();
        self.config.backoff.delay_ms(attempt, &mut s.rng)
    }

    /// Re-sync the clock offset from the exchange's server time (RTT midpoint).
    ///
    /// # Errors
    /// Network or exchange failure.
    pub async fn sync_time(&self) -> Result<i64> {
        self.gate(1, false).await?;
        let t0 = self.transport.now_ms();
        let req = HttpRequest::new(Method::Get, self.config.market.time_path());
        self.state.borrow_mut().requests_sent += 1;
        let resp = self
            .transport
            .send(req, self.config.timeout_ms)
            .await
            .map_err(|e| LiveError::Network(e.to_string()))?;
        let t1 = self.transport.now_ms();
        self.observe(&resp);
        if !errors::is_success(&resp) {
            return Err(LiveError::Exchange(errors::reply_of(&resp)).into());
        }
        let server = codec::parse_server_time(&resp.body)?;
        let offset = server - (t0 + t1) / 2;
        self.state.borrow_mut().offset_ms = offset;
        Ok(offset)
    }

    /// One logical call with the retry policy. Ambiguous outcomes of non-idempotent calls
    /// are returned as `Ambiguous`, never retried.
    async fn call(
        &self,
        method: Method,
        path: &str,
        params: &Params,
    ) -> std::result::Result<HttpResponse, CallError> {
        let ep = endpoints::find(method, path)
            .ok_or_else(|| internal("call to an endpoint missing from the table"))?;
        if ep.market != self.config.market {
            return Err(ValidationError::InvalidArgument(format!(
                "{path} is not a {} endpoint",
                self.config.market.as_str()
            ))
            .into());
        }
        let weight = ep.weight_for(params.contains("symbol"));
        let is_order = ep.kind == Kind::Place;
        let mut attempt = 0u32;
        let mut resynced = false;
        loop {
            self.gate(weight, is_order).await?;
            let req = self.build(method, path, ep.security, params);
            self.state.borrow_mut().requests_sent += 1;
            let failure: EngineError = match self.transport.send(req, self.config.timeout_ms).await
            {
                Err(e) => {
                    if !ep.idempotent() {
                        return Err(CallError::Ambiguous(e.to_string()));
                    }
                    LiveError::Network(e.to_string()).into()
                }
                Ok(resp) => {
                    self.observe(&resp);
                    if errors::is_success(&resp) {
                        return Ok(resp);
                    }
                    match errors::classify(ep.kind, &resp) {
                        Outcome::Failed(e) => return Err(CallError::Definite(e.into())),
                        Outcome::Banned(ms, reply) => {
                            let now = self.server_now();
                            self.state.borrow_mut().limiter.ban(now, ms);
                            return Err(LiveError::IpBanned {
                                retry_after_ms: ms,
                                reply,
                            }
                            .into());
                        }
                        Outcome::Throttled(ms, reply) => {
                            // Rejected before processing: nothing executed, so even a
                            // placement may be repeated once the pause is over.
                            let now = self.server_now();
                            let pause = {
                                let mut s = self.state.borrow_mut();
                                let p = jittered(ms, 0.1, &mut s.rng).max(ms);
                                s.limiter.pause(now, p);
                                p
                            };
                            if attempt >= self.config.max_retries {
                                return Err(LiveError::RateLimited {
                                    retry_after_ms: pause,
                                    reply,
                                }
                                .into());
                            }
                            attempt += 1;
                            continue; // the gate waits out the pause
                        }
                        Outcome::ClockSkew(reply) => {
                            if resynced {
                                return Err(LiveError::Timestamp(reply).into());
                            }
                            resynced = true;
                            if matches!(self.config.signing, Signing::InProcess(_)) {
                                self.sync_time().await?;
                            }
                            continue;
                        }
                        Outcome::Retryable(reply) => LiveError::Exchange(reply).into(),
                        Outcome::Unknown(reply) => {
                            if !ep.idempotent() {
                                return Err(CallError::Ambiguous(reply.to_string()));
                            }
                            LiveError::Exchange(reply).into()
                        }
                    }
                }
            };
            if attempt >= self.config.max_retries {
                return Err(CallError::Definite(failure));
            }
            let d = self.backoff(attempt);
            attempt += 1;
            self.transport.sleep(d).await;
        }
    }

    async fn call_ok(&self, method: Method, path: &str, params: &Params) -> Result<HttpResponse> {
        match self.call(method, path, params).await {
            Ok(r) => Ok(r),
            Err(CallError::Definite(e)) => Err(e),
            Err(CallError::Ambiguous(why)) => Err(LiveError::Network(why).into()),
        }
    }

    /// Load `exchangeInfo` once (symbols and their filters).
    ///
    /// # Errors
    /// Network or exchange failure.
    pub async fn load_markets(&self, force: bool) -> Result<()> {
        if !force && !self.state.borrow().symbols.is_empty() {
            return Ok(());
        }
        let path = match self.config.market {
            Market::UsdM => "/fapi/v1/exchangeInfo",
            Market::Spot => "/api/v3/exchangeInfo",
        };
        let resp = self.call_ok(Method::Get, path, &Params::new()).await?;
        let infos = parse_exchange_info(&resp.body).map_err(LiveError::BadResponse)?;
        let mut s = self.state.borrow_mut();
        s.symbols = infos
            .into_iter()
            .map(|i| (i.exchange_symbol.clone(), i))
            .collect();
        Ok(())
    }

    /// The exchange's rules of a symbol (after `load_markets`).
    pub fn rules(&self, symbol: &Symbol) -> Option<SymbolRules> {
        self.state
            .borrow()
            .symbols
            .get(&symbol.compact())
            .map(|i| i.rules.clone())
    }

    fn our_symbol(&self, exchange: &str) -> Option<Symbol> {
        self.state
            .borrow()
            .symbols
            .get(exchange)
            .map(|i| i.symbol.clone())
    }

    /// Current mark (futures) or last (spot) price, fetched.
    ///
    /// # Errors
    /// Network or exchange failure.
    pub async fn fetch_price(&self, symbol: &Symbol) -> Result<Decimal> {
        let path = match self.config.market {
            Market::UsdM => "/fapi/v1/premiumIndex",
            Market::Spot => "/api/v3/ticker/price",
        };
        let mut p = Params::new();
        p.push("symbol", symbol.compact());
        let resp = self.call_ok(Method::Get, path, &p).await?;
        let price = codec::parse_price(&resp.body)?;
        self.state.borrow_mut().marks.insert(symbol.clone(), price);
        Ok(price)
    }

    /// Record a market price seen elsewhere.
    pub fn set_mark(&self, symbol: &Symbol, price: Decimal) {
        self.state.borrow_mut().marks.insert(symbol.clone(), price);
    }
    /// Last known price.
    pub fn mark(&self, symbol: &Symbol) -> Option<Decimal> {
        self.state.borrow().marks.get(symbol).copied()
    }

    /// Set a futures symbol's leverage if it differs from what we know.
    ///
    /// # Errors
    /// Exchange refusal (`INVALID_ORDER` for -4028) or network failure.
    pub async fn ensure_leverage(&self, symbol: &Symbol, leverage: u32) -> Result<()> {
        if self.config.market != Market::UsdM
            || self.state.borrow().leverage.get(symbol) == Some(&leverage)
        {
            return Ok(());
        }
        let (m, path, p) = codec::leverage_request(symbol, leverage);
        self.call_ok(m, path, &p).await?;
        self.state
            .borrow_mut()
            .leverage
            .insert(symbol.clone(), leverage);
        Ok(())
    }

    fn leverage_of(&self, symbol: &Symbol) -> u32 {
        self.state
            .borrow()
            .leverage
            .get(symbol)
            .copied()
            .unwrap_or(1)
    }

    fn invalidate(&self) {
        let mut s = self.state.borrow_mut();
        s.positions = None;
        s.account = None;
    }

    /// Record (or update) an order; fills only ever grow (duplicated or out-of-order
    /// answers never move `filledAmount` back).
    fn record(&self, mut order: Order, algo: bool) -> Order {
        let mut s = self.state.borrow_mut();
        if let Some(prev) = s.orders.get(&order.id) {
            let old = &prev.order;
            if old.filled_amount.unwrap_or_default() > order.filled_amount.unwrap_or_default() {
                order.filled_amount = old.filled_amount;
                order.filled_price = old.filled_price;
            }
            if old.status.is_terminal() && !order.status.is_terminal() {
                order.status = old.status;
            }
            if order.fee.is_none() {
                order.fee = old.fee;
            }
            if order.leverage == 1 {
                order.leverage = old.leverage;
            }
        } else {
            s.order_seq.push(order.id.clone());
        }
        s.orders.insert(
            order.id.clone(),
            Tracked {
                order: order.clone(),
                algo,
                unknown: false,
            },
        );
        order
    }

    /// Place an order: validated against the exchange's filters, sent at most once. An
    /// ambiguous outcome is resolved by querying the client id; if that does not settle
    /// it, `EXECUTION_STATUS_UNKNOWN` (the order stays tracked; `reconcile` finds it later).
    ///
    /// # Errors
    /// Validation against exchange rules; definite exchange rejections with their code;
    /// `EXECUTION_STATUS_UNKNOWN`.
    pub async fn place(&self, spec: PlaceSpec, reference: Option<Decimal>) -> Result<Order> {
        if !valid_client_id(&spec.client_id) {
            return Err(ValidationError::InvalidOrderId(spec.client_id).into());
        }
        if self.state.borrow().orders.contains_key(&spec.client_id) {
            return Err(OrderError::DuplicateOrderId(spec.client_id).into());
        }
        self.load_markets(false).await?;
        let rules = self.rules(&spec.symbol).ok_or_else(|| {
            ValidationError::InvalidSymbol(format!(
                "{} is not traded on {}",
                spec.symbol,
                self.config.market.as_str()
            ))
        })?;
        if let Some(amount) = spec.amount {
            let reference = match reference.or_else(|| self.mark(&spec.symbol)) {
                Some(p) => p,
                None => self.fetch_price(&spec.symbol).await?,
            };
            rules.check_order(
                &spec.symbol,
                &crate::rules::OrderCheck {
                    is_market: matches!(
                        spec.order_type,
                        OrderType::Market | OrderType::StopLoss | OrderType::TakeProfit
                    ),
                    side: spec.side,
                    amount: amount.0,
                    price: spec.price.map(|p| p.0),
                    stop_price: spec.stop_price.map(|p| p.0),
                    reference: Some(reference),
                },
            )?;
        } else if let Some(sp) = spec.stop_price {
            rules.check_price(&spec.symbol, "stopPrice", sp.0)?;
            rules.check_price_range(&spec.symbol, "stopPrice", sp.0)?;
        }
        let algo = spec.is_algo(self.config.market);
        let (method, path, params) = codec::place_request(self.config.market, &spec);
        // The intent is tracked before anything is sent (reliability A6).
        let mut placeholder = Order::new(
            spec.client_id.clone(),
            spec.symbol.clone(),
            spec.side,
            spec.order_type,
            spec.amount.unwrap_or_default(),
            self.leverage_of(&spec.symbol),
            u64::try_from(self.server_now()).unwrap_or(0),
        );
        placeholder.price = spec.price;
        placeholder.stop_price = spec.stop_price;
        placeholder.reduce_only = spec.reduce_only;
        placeholder.close_position = spec.close_position;
        {
            let mut s = self.state.borrow_mut();
            s.order_seq.push(spec.client_id.clone());
            s.orders.insert(
                spec.client_id.clone(),
                Tracked {
                    order: placeholder,
                    algo,
                    unknown: true,
                },
            );
        }
        self.note(&JournalEvent::Intent(Intent {
            client_order_id: spec.client_id.clone(),
            symbol: spec.symbol.clone(),
            algo,
        }));
        let outcome = self.call(method, path, &params).await;
        self.invalidate();
        match outcome {
            Ok(resp) => {
                let v = codec::json(&resp.body)?;
                let order = codec::parse_order(&v, &spec.symbol, self.leverage_of(&spec.symbol))?;
                let order = self.record(order, algo);
                self.note(&JournalEvent::Settled(order.id.clone()));
                Ok(self.with_fee(order).await)
            }
            Err(CallError::Definite(e)) => {
                {
                    let mut s = self.state.borrow_mut();
                    s.orders.remove(&spec.client_id);
                    s.order_seq.retain(|id| id != &spec.client_id);
                }
                self.note(&JournalEvent::Settled(spec.client_id.clone()));
                Err(e)
            }
            Err(CallError::Ambiguous(why)) => {
                self.resolve(&spec.symbol, &spec.client_id, algo, why).await
            }
        }
    }

    /// Query by client id until the order is found or the attempts run out.
    async fn resolve(
        &self,
        symbol: &Symbol,
        client_id: &str,
        algo: bool,
        why: String,
    ) -> Result<Order> {
        for attempt in 0..self.config.resolve_attempts {
            let d = self.backoff(attempt);
            self.transport.sleep(d).await;
            match self.query(symbol, client_id, algo).await {
                Ok(order) => {
                    self.note(&JournalEvent::Settled(order.id.clone()));
                    return Ok(self.with_fee(order).await);
                }
                Err(EngineError::Live(LiveError::IpBanned { .. })) => break,
                Err(_) => {}
            }
        }
        if let Some(t) = self.state.borrow_mut().orders.get_mut(client_id) {
            t.unknown = true;
        }
        Err(LiveError::StatusUnknown {
            client_order_id: client_id.to_owned(),
            detail: format!("{why}; not found by client id after {} queries; it was not re-sent. Call reconcile() later.", self.config.resolve_attempts),
        }
        .into())
    }

    /// Look an order up on the exchange by client id and record it.
    ///
    /// # Errors
    /// `ORDER_NOT_FOUND` (-2013) and other exchange/network failures.
    pub async fn query(&self, symbol: &Symbol, client_id: &str, algo: bool) -> Result<Order> {
        let (m, path, p) = codec::query_request(self.config.market, symbol, client_id, algo);
        let resp = self.call_ok(m, path, &p).await?;
        let v = codec::json(&resp.body)?;
        let order = codec::parse_order(&v, symbol, self.leverage_of(symbol))?;
        self.invalidate();
        Ok(self.record(order, algo))
    }

    /// Add the commission of a filled futures order (from `userTrades`), best effort.
    async fn with_fee(&self, order: Order) -> Order {
        if order.fee.is_some()
            || self.config.market != Market::UsdM
            || order.filled_amount.is_none()
            || order.exchange_order_id.is_none()
        {
            return order;
        }
        let mut p = Params::new();
        p.push("symbol", order.symbol.compact());
        p.push(
            "orderId",
            order.exchange_order_id.clone().unwrap_or_default(),
        );
        let Ok(resp) = self.call_ok(Method::Get, "/fapi/v1/userTrades", &p).await else {
            return order;
        };
        let Ok(fee) = codec::parse_trades_fee(&resp.body) else {
            return order;
        };
        let mut o = order;
        o.fee = Some(Money(fee));
        let algo = self
            .state
            .borrow()
            .orders
            .get(&o.id)
            .is_some_and(|t| t.algo);
        self.record(o, algo)
    }

    /// Cancel a tracked order. Repeating a cancel is harmless; "unknown order" means it is
    /// already gone, and the order is then queried to report its real final state.
    ///
    /// # Errors
    /// `ORDER_NOT_FOUND` for an id this client does not know or the exchange never had;
    /// `ORDER_NOT_CANCELLABLE` when it filled first.
    pub async fn cancel(&self, client_id: &str) -> Result<Order> {
        let (symbol, algo) = {
            let s = self.state.borrow();
            let t = s
                .orders
                .get(client_id)
                .ok_or_else(|| OrderError::OrderNotFound(client_id.to_owned()))?;
            (t.order.symbol.clone(), t.algo)
        };
        let (m, path, p) = codec::cancel_request(self.config.market, &symbol, client_id, algo);
        let result = self.call_ok(m, path, &p).await;
        self.invalidate();
        let order = match result {
            Ok(resp) => {
                let v = codec::json(&resp.body)?;
                match codec::parse_order(&v, &symbol, self.leverage_of(&symbol)) {
                    Ok(o) => o,
                    // The algo cancel answers {algoId, clientAlgoId, code, msg}.
                    Err(_) => self.query(&symbol, client_id, algo).await?,
                }
            }
            Err(EngineError::Live(LiveError::OrderNotFound(_))) => {
                self.query(&symbol, client_id, algo).await?
            }
            Err(e) => return Err(e),
        };
        let order = self.record(order, algo);
        match order.status {
            OrderStatus::Cancelled | OrderStatus::Expired => Ok(order),
            s if s.is_open() => {
                // The cancel answer was not final; ask once more.
                self.query(&symbol, client_id, algo).await
            }
            s => Err(OrderError::NotCancellable {
                id: client_id.to_owned(),
                status: s,
            }
            .into()),
        }
    }

    /// Positions (futures), cached for `cache_ttl_ms` and refreshed after every order change.
    ///
    /// # Errors
    /// Network or exchange failure.
    pub async fn positions(&self) -> Result<Vec<PositionState>> {
        let now = self.transport.now_ms();
        if let Some((t, p)) = &self.state.borrow().positions {
            if now - t < self.config.cache_ttl_ms {
                return Ok(p.clone());
            }
        }
        let list = match self.config.market {
            Market::UsdM => {
                self.load_markets(false).await?;
                let resp = self
                    .call_ok(Method::Get, "/fapi/v2/positionRisk", &Params::new())
                    .await?;
                let mut list = codec::parse_positions(&resp.body, &|s| self.our_symbol(s))?;
                let mut st = self.state.borrow_mut();
                for p in &mut list {
                    st.leverage.insert(p.symbol.clone(), p.leverage);
                    st.marks.insert(p.symbol.clone(), p.current_price.0);
                    p.stop_loss = st
                        .protection
                        .get(&(p.symbol.clone(), true))
                        .map(|x| Price(x.1));
                    p.take_profit = st
                        .protection
                        .get(&(p.symbol.clone(), false))
                        .map(|x| Price(x.1));
                }
                list
            }
            Market::Spot => Vec::new(),
        };
        self.state.borrow_mut().positions = Some((now, list.clone()));
        Ok(list)
    }

    /// Balances as an account summary (USDT), cached like positions.
    ///
    /// # Errors
    /// Network or exchange failure.
    pub async fn account(&self) -> Result<AccountState> {
        let now = self.transport.now_ms();
        if let Some((t, a)) = &self.state.borrow().account {
            if now - t < self.config.cache_ttl_ms {
                return Ok(a.clone());
            }
        }
        let mut a = match self.config.market {
            Market::UsdM => {
                let resp = self
                    .call_ok(Method::Get, "/fapi/v2/account", &Params::new())
                    .await?;
                codec::parse_futures_account(&resp.body)?
            }
            Market::Spot => {
                let resp = self
                    .call_ok(Method::Get, "/api/v3/account", &Params::new())
                    .await?;
                let balances = codec::parse_spot_balances(&resp.body)?;
                let (free, locked) = balances
                    .iter()
                    .find(|b| b.0 == "USDT")
                    .map_or((Decimal::ZERO, Decimal::ZERO), |b| (b.1, b.2));
                AccountState {
                    initial_balance: Money(free + locked),
                    wallet_balance: Money(free + locked),
                    balance: Money(free),
                    equity: Money(free + locked),
                    margin_used: Money::ZERO,
                    reserved: Money(locked),
                    realized_pnl: Money::ZERO,
                    unrealized_pnl: Money::ZERO,
                    fees_paid: Money::ZERO,
                    positions_count: 0,
                    open_orders_count: 0,
                }
            }
        };
        a.open_orders_count = self
            .state
            .borrow()
            .orders
            .values()
            .filter(|t| t.order.is_open() && !t.unknown)
            .count();
        self.state.borrow_mut().account = Some((now, a.clone()));
        Ok(a)
    }

    /// Spot balance of an asset: `(free, locked)`.
    ///
    /// # Errors
    /// Network or exchange failure.
    pub async fn spot_balance(&self, asset: &str) -> Result<(Decimal, Decimal)> {
        let resp = self
            .call_ok(Method::Get, "/api/v3/account", &Params::new())
            .await?;
        let b = codec::parse_spot_balances(&resp.body)?;
        Ok(b.iter()
            .find(|x| x.0 == asset)
            .map_or((Decimal::ZERO, Decimal::ZERO), |x| (x.1, x.2)))
    }

    /// Install the journal hook (called synchronously, before a placement is sent).
    pub fn set_journal(&self, hook: Option<Journal>) {
        *self.journal.borrow_mut() = hook;
    }

    fn note(&self, ev: &JournalEvent) {
        if let Some(hook) = self.journal.borrow().as_ref() {
            hook(ev);
        }
    }

    /// Placements sent whose outcome is not known yet, as journal intents.
    pub fn inflight(&self) -> Vec<Intent> {
        let s = self.state.borrow();
        s.orders
            .values()
            .filter(|t| t.unknown)
            .map(|t| Intent {
                client_order_id: t.order.id.clone(),
                symbol: t.order.symbol.clone(),
                algo: t.algo,
            })
            .collect()
    }

    /// After a restart: track intents from the journal as unknown, so `reconcile` looks
    /// each up by its client id (never re-sending it). Returns how many were new.
    pub fn resume(&self, intents: &[Intent]) -> usize {
        let now = u64::try_from(self.server_now()).unwrap_or(0);
        let mut s = self.state.borrow_mut();
        let mut added = 0;
        for i in intents {
            if s.orders.contains_key(&i.client_order_id) {
                continue;
            }
            let mut o = Order::new(
                i.client_order_id.clone(),
                i.symbol.clone(),
                crate::types::Side::Buy,
                OrderType::Market,
                crate::money::Quantity::ZERO,
                1,
                now,
            );
            o.error_message =
                Some("restored from the journal: status unknown until reconciled".into());
            s.order_seq.push(o.id.clone());
            s.orders.insert(
                o.id.clone(),
                Tracked {
                    order: o,
                    algo: i.algo,
                    unknown: true,
                },
            );
            added += 1;
        }
        added
    }

    /// A tracked order.
    pub fn order(&self, client_id: &str) -> Option<Order> {
        self.state
            .borrow()
            .orders
            .get(client_id)
            .map(|t| t.order.clone())
    }
    /// Every tracked order, in placement order.
    pub fn orders(&self) -> Vec<Order> {
        let s = self.state.borrow();
        s.order_seq
            .iter()
            .filter_map(|id| s.orders.get(id).map(|t| t.order.clone()))
            .collect()
    }
    /// Placements whose outcome is still unknown.
    pub fn unknown_orders(&self) -> Vec<String> {
        self.state
            .borrow()
            .orders
            .iter()
            .filter(|(_, t)| t.unknown)
            .map(|(k, _)| k.clone())
            .collect()
    }
    /// Whether a tracked order went to the algo endpoint.
    pub fn is_algo(&self, client_id: &str) -> bool {
        self.state
            .borrow()
            .orders
            .get(client_id)
            .is_some_and(|t| t.algo)
    }

    /// Remember (or forget) the protective order of a position.
    pub fn set_protection_order(
        &self,
        symbol: &Symbol,
        stop_loss: bool,
        order: Option<(String, Decimal)>,
    ) {
        let mut s = self.state.borrow_mut();
        match order {
            Some(o) => s.protection.insert((symbol.clone(), stop_loss), o),
            None => s.protection.remove(&(symbol.clone(), stop_loss)),
        };
        s.positions = None;
    }
    /// The protective order of a position, if any: `(client id, trigger price)`.
    pub fn protection_order(&self, symbol: &Symbol, stop_loss: bool) -> Option<(String, Decimal)> {
        self.state
            .borrow()
            .protection
            .get(&(symbol.clone(), stop_loss))
            .cloned()
    }

    /// Bring every tracked, unfinished or unknown order up to date by client id, and list
    /// open orders on the exchange this client did not place (reliability A10).
    ///
    /// # Errors
    /// Network or exchange failure of the open-orders listing.
    pub async fn reconcile(&self) -> Result<Reconciliation> {
        let mut out = Reconciliation::default();
        let todo: Vec<(String, Symbol, bool, bool, Order)> = self
            .state
            .borrow()
            .orders
            .iter()
            .filter(|(_, t)| t.unknown || t.order.is_open())
            .map(|(k, t)| {
                (
                    k.clone(),
                    t.order.symbol.clone(),
                    t.algo,
                    t.unknown,
                    t.order.clone(),
                )
            })
            .collect();
        for (id, symbol, algo, unknown, before) in todo {
            match self.query(&symbol, &id, algo).await {
                Ok(o) => {
                    if unknown {
                        self.note(&JournalEvent::Settled(o.id.clone()));
                    }
                    if unknown || o != before {
                        out.updated.push(o);
                    }
                }
                Err(_) if unknown => {
                    if let Some(t) = self.state.borrow_mut().orders.get_mut(&id) {
                        t.unknown = true;
                    }
                    out.still_unknown.push(id);
                }
                Err(_) => {}
            }
        }
        self.load_markets(false).await?;
        let path = match self.config.market {
            Market::UsdM => "/fapi/v1/openOrders",
            Market::Spot => "/api/v3/openOrders",
        };
        let resp = self.call_ok(Method::Get, path, &Params::new()).await?;
        if let Some(arr) = codec::json(&resp.body)?.as_array() {
            for v in arr {
                let Some(sym) = v
                    .get("symbol")
                    .and_then(|s| s.as_str())
                    .and_then(|s| self.our_symbol(s))
                else {
                    continue;
                };
                if let Ok(o) = codec::parse_order(v, &sym, self.leverage_of(&sym)) {
                    if !self.state.borrow().orders.contains_key(&o.id) {
                        out.foreign_open_orders.push(o);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Cancel every open order of a symbol (plain and algo).
    ///
    /// # Errors
    /// Network or exchange failure.
    pub async fn cancel_all(&self, symbol: &Symbol) -> Result<()> {
        let mut p = Params::new();
        p.push("symbol", symbol.compact());
        match self.config.market {
            Market::UsdM => {
                self.call_ok(Method::Delete, "/fapi/v1/allOpenOrders", &p)
                    .await?;
                self.call_ok(Method::Delete, "/fapi/v1/algoOpenOrders", &p)
                    .await?;
            }
            Market::Spot => match self.call_ok(Method::Delete, "/api/v3/openOrders", &p).await {
                Ok(_) | Err(EngineError::Live(LiveError::OrderNotFound(_))) => {}
                Err(e) => return Err(e),
            },
        }
        let mut s = self.state.borrow_mut();
        for t in s.orders.values_mut() {
            if t.order.symbol == *symbol && t.order.is_open() && !t.unknown {
                let _ = t.order.apply(crate::order::OrderTransition::Cancel);
            }
        }
        s.protection.retain(|(sym, _), _| sym != symbol);
        s.positions = None;
        s.account = None;
        Ok(())
    }
}
