//! A local Binance-compatible exchange, sans-IO: one HTTP request in, one response out.
//!
//! USD-M futures (`/fapi`, one-way mode, conditional orders on the Algo endpoints) and Spot
//! (`/api/v3`), routed by the shared endpoint table ([`crate::binance::endpoints`]), with
//! Binance's signature, timestamp/recvWindow, filter, balance and margin checks, its error
//! codes and rate-limit headers, and fault switches ([`Faults`]) for reliability tests.
//! Prices come from [`LocalExchange::set_price`] (a replayed or simulated feed in the host).
//!
//! ```text
//! HttpRequest ─▶ route (ENDPOINTS) ─▶ injected 418/429 ─▶ weight gate ─▶ params ─▶ auth
//!             ─▶ futures | spot book ─▶ order count, after-accept faults ─▶ Handled
//! ```
//! Deterministic: ids are counters, time is the `now_ms` passed in (plus the clock-skew
//! fault), nothing reads a clock or a random source.

pub mod faults;
pub mod futures;
pub mod limits;
pub mod params;
pub mod reply;
pub mod spot;

pub use faults::Faults;

use crate::binance::endpoints::{self, Kind, Security};
use crate::binance::errors::code;
use crate::binance::http::{HttpRequest, HttpResponse, Method};
use crate::binance::sign::Credentials;
use crate::binance::Market;
use crate::error::{EngineError, ValidationError};
use crate::ledger::BracketTable;
use crate::money::{Money, Rate};
use crate::rules::{MarketRules, SymbolRules};
use crate::types::Symbol;
use futures::{Futures, FuturesConfig};
use limits::{Gate, Limits, OrderInterval};
use params::Req;
use reply::{extra, ApiError};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use spot::{Spot, SpotConfig};
use std::collections::BTreeMap;
use std::str::FromStr;

/// Dev API key of the default configuration.
pub const DEV_API_KEY: &str = "iftb-local-key";
/// Dev API secret of the default configuration.
pub const DEV_API_SECRET: &str = "iftb-local-secret";
/// Header through which the host passes the client's address (weight is counted per IP).
/// The host must overwrite any value a client sends.
pub const REMOTE_ADDR_HEADER: &str = "x-iftb-remote-addr";

/// Configuration of a [`LocalExchange`].
#[derive(Debug, Clone)]
pub struct ExchangeConfig {
    /// Accepted `(api key, secret)` pairs (HMAC-SHA256).
    pub api_keys: Vec<(String, String)>,
    /// Initial USD-M wallet balance (USDT).
    pub futures_balance: Decimal,
    /// Initial spot balances per asset.
    pub spot_balances: BTreeMap<String, Decimal>,
    /// USD-M symbols and their filters.
    pub futures_rules: MarketRules,
    /// Spot symbols and their filters.
    pub spot_rules: MarketRules,
    /// Initial price of every symbol (futures and spot share one price per symbol).
    pub prices: BTreeMap<Symbol, Decimal>,
    /// USD-M maker fee rate.
    pub futures_maker_fee: Decimal,
    /// USD-M taker fee rate.
    pub futures_taker_fee: Decimal,
    /// Spot maker commission rate.
    pub spot_maker_fee: Decimal,
    /// Spot taker commission rate.
    pub spot_taker_fee: Decimal,
    /// Taker fills are this fraction worse than the price (0 = at the price).
    pub slippage: Decimal,
    /// USD-M leverage of symbols not set with `POST /fapi/v1/leverage`.
    pub default_leverage: u32,
    /// USD-M maintenance brackets per symbol (`leverageBracket`, liquidation).
    pub brackets: BTreeMap<Symbol, BracketTable>,
    /// Brackets of the other symbols.
    pub default_brackets: BracketTable,
    /// Request weight per minute per IP on `/fapi`.
    pub futures_weight_limit: u32,
    /// Request weight per minute per IP on `/api`.
    pub spot_weight_limit: u32,
    /// USD-M orders per 10 s and per minute per API key.
    pub futures_order_limits: (u32, u32),
    /// Spot orders per 10 s and per day per API key.
    pub spot_order_limits: (u32, u32),
    /// Requests refused with 429 in one minute before the IP is banned (418).
    pub ban_after: u32,
    /// Length of a ban.
    pub ban_ms: i64,
    /// Requests kept in the log ([`LocalExchange::requests`]); older ones are dropped.
    pub max_logged_requests: usize,
}

fn dec(m: i64, s: u32) -> Decimal {
    Decimal::new(m, s)
}

/// Spot filters close to Binance's for the default symbols.
#[must_use]
pub fn default_spot_rules() -> MarketRules {
    let rows = [
        ("BTC/USDT", dec(1, 5), dec(9000, 0), dec(1, 2)),
        ("ETH/USDT", dec(1, 4), dec(9000, 0), dec(1, 2)),
        ("BNB/USDT", dec(1, 3), dec(9000, 0), dec(1, 2)),
        ("SOL/USDT", dec(1, 3), dec(9000, 0), dec(1, 2)),
        ("XRP/USDT", dec(1, 1), dec(9_000_000, 0), dec(1, 4)),
    ];
    MarketRules(
        rows.into_iter()
            .filter_map(|(s, step, max_qty, tick)| {
                Some((
                    Symbol::parse(s).ok()?,
                    SymbolRules {
                        min_qty: step,
                        max_qty,
                        step_size: step,
                        tick_size: tick,
                        min_notional: dec(5, 0),
                        min_price: tick,
                        max_price: dec(1_000_000, 0),
                        max_notional: dec(9_000_000, 0),
                        ..SymbolRules::default()
                    },
                ))
            })
            .collect(),
    )
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        let prices = [
            ("BTC/USDT", dec(50_000, 0)),
            ("ETH/USDT", dec(3_000, 0)),
            ("BNB/USDT", dec(600, 0)),
            ("SOL/USDT", dec(150, 0)),
            ("XRP/USDT", dec(6, 1)),
        ]
        .into_iter()
        .filter_map(|(s, p)| Some((Symbol::parse(s).ok()?, p)))
        .collect();
        Self {
            api_keys: vec![(DEV_API_KEY.into(), DEV_API_SECRET.into())],
            futures_balance: dec(10_000, 0),
            spot_balances: [
                ("USDT".to_owned(), dec(10_000, 0)),
                ("BTC".to_owned(), Decimal::ONE),
            ]
            .into_iter()
            .collect(),
            futures_rules: MarketRules::defaults(),
            spot_rules: default_spot_rules(),
            prices,
            futures_maker_fee: dec(2, 4),
            futures_taker_fee: dec(5, 4),
            spot_maker_fee: dec(1, 3),
            spot_taker_fee: dec(1, 3),
            slippage: Decimal::ZERO,
            default_leverage: 20,
            brackets: BTreeMap::new(),
            default_brackets: BracketTable::btcusdt(),
            futures_weight_limit: 2400,
            spot_weight_limit: 6000,
            futures_order_limits: (300, 1200),
            spot_order_limits: (100, 200_000),
            ban_after: 5,
            ban_ms: 120_000,
            max_logged_requests: 10_000,
        }
    }
}

/// One request as the exchange saw it (no signature, no headers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// Method (`GET`, …; `?` when not one of Binance's).
    pub method: String,
    /// Path.
    pub path: String,
    /// Decoded parameters (query and body merged, query first), without `signature`.
    pub params: Vec<(String, String)>,
    /// HTTP status answered (or that would have been, when dropped).
    pub status: u16,
    /// Binance error code of the answer, if any.
    pub code: Option<i64>,
    /// Exchange time (ms, clock skew included).
    pub time_ms: i64,
    /// Whether the response was dropped (`drop_after_accept`).
    pub dropped: bool,
}

impl LoggedRequest {
    /// A parameter value.
    #[must_use]
    pub fn param(&self, k: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
}

/// What the host must do with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    /// The response.
    pub response: HttpResponse,
    /// Close the connection without answering (the request WAS executed).
    pub drop_response: bool,
    /// Wait this long before answering (or dropping).
    pub delay_ms: u64,
}

/// Per-request context passed to the books.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    /// Exchange time (ms).
    pub now: i64,
    /// Fill ratio fault.
    pub partial_fill: Option<Decimal>,
    /// Late-landing fault.
    pub late_landing_ms: u64,
}

/// The exchange.
#[derive(Debug)]
pub struct LocalExchange {
    config: ExchangeConfig,
    creds: Vec<Credentials>,
    futures: Futures,
    spot: Spot,
    faults: Faults,
    limits: Limits,
    log: Vec<LoggedRequest>,
    symbols: BTreeMap<String, Symbol>,
}

const TIMEOUT_MSG: &str =
    "Timeout waiting for response from backend server. Send status unknown; execution status unknown.";

impl LocalExchange {
    /// A new exchange.
    ///
    /// # Panics
    /// When the configuration is invalid (see [`LocalExchange::try_new`]).
    #[must_use]
    pub fn new(config: ExchangeConfig) -> Self {
        match Self::try_new(config) {
            Ok(x) => x,
            Err(e) => panic!("invalid exchange configuration: {e}"),
        }
    }

    /// A new exchange, or why the configuration is invalid.
    ///
    /// # Errors
    /// `INVALID_CONFIG`: a symbol without a price, bad fees/leverage/brackets, no API key.
    pub fn try_new(config: ExchangeConfig) -> Result<Self, ValidationError> {
        Self::build(config).map_err(ValidationError::InvalidConfig)
    }

    fn build(config: ExchangeConfig) -> Result<Self, String> {
        if config.api_keys.is_empty() {
            return Err("at least one API key is needed".into());
        }
        for (s, p) in &config.prices {
            if *p <= Decimal::ZERO {
                return Err(format!("price of {s} must be > 0"));
            }
        }
        let futures = Futures::new(
            FuturesConfig {
                paper: crate::paper::PaperConfig {
                    initial_balance: Money(config.futures_balance),
                    maker_fee: Rate(config.futures_maker_fee),
                    taker_fee: Rate(config.futures_taker_fee),
                    slippage: Rate(config.slippage),
                    default_leverage: config.default_leverage,
                    brackets: config.brackets.clone(),
                    default_brackets: config.default_brackets.clone(),
                },
                rules: config.futures_rules.clone(),
            },
            &config.prices,
            0,
        )
        .map_err(config_text)?;
        for (r, name) in [
            (&config.spot_maker_fee, "spotMakerFee"),
            (&config.spot_taker_fee, "spotTakerFee"),
        ] {
            if *r < Decimal::ZERO || *r >= Decimal::ONE {
                return Err(format!("{name} must be in [0, 1)"));
            }
        }
        for (a, v) in &config.spot_balances {
            if *v < Decimal::ZERO {
                return Err(format!("spot balance of {a} must be ≥ 0"));
            }
        }
        let spot = Spot::new(
            SpotConfig {
                balances: config.spot_balances.clone(),
                maker_fee: config.spot_maker_fee,
                taker_fee: config.spot_taker_fee,
                slippage: config.slippage,
                rules: config.spot_rules.clone(),
            },
            &config.prices,
            0,
        )
        .map_err(config_text)?;
        let symbols = config
            .futures_rules
            .0
            .keys()
            .chain(config.spot_rules.0.keys())
            .map(|s| (s.compact(), s.clone()))
            .collect();
        Ok(Self {
            creds: config
                .api_keys
                .iter()
                .map(|(k, s)| Credentials::new(k, s))
                .collect(),
            config,
            futures,
            spot,
            faults: Faults::default(),
            limits: Limits::default(),
            log: Vec::new(),
            symbols,
        })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &ExchangeConfig {
        &self.config
    }

    /// Fault switches.
    pub fn faults_mut(&mut self) -> &mut Faults {
        &mut self.faults
    }

    /// Fault switches (read).
    #[must_use]
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Requests handled so far (oldest first, at most `max_logged_requests`).
    #[must_use]
    pub fn requests(&self) -> &[LoggedRequest] {
        &self.log
    }

    /// Forget the request log.
    pub fn clear_requests(&mut self) {
        self.log.clear();
    }

    /// The futures book (positions, orders; read-only).
    #[must_use]
    pub fn futures(&self) -> &Futures {
        &self.futures
    }

    /// The spot book (balances, orders; read-only).
    #[must_use]
    pub fn spot(&self) -> &Spot {
        &self.spot
    }

    /// Exchange time for a host time (clock-skew fault applied).
    #[must_use]
    pub fn server_time(&self, now_ms: i64) -> i64 {
        now_ms.saturating_add(self.faults.clock_skew_ms)
    }

    fn ctx(&self, now_ms: i64) -> Ctx {
        Ctx {
            now: self.server_time(now_ms),
            partial_fill: self.faults.partial_fill,
            late_landing_ms: self.faults.late_landing_ms,
        }
    }

    /// Resolve `BTCUSDT` or `BTC/USDT`.
    #[must_use]
    pub fn symbol(&self, name: &str) -> Option<Symbol> {
        self.symbols.get(name).cloned().or_else(|| {
            Symbol::parse(name)
                .ok()
                .filter(|s| self.symbols.contains_key(&s.compact()))
        })
    }

    /// Current price of a symbol (`BTCUSDT` or `BTC/USDT`).
    #[must_use]
    pub fn price(&self, name: &str) -> Option<Decimal> {
        self.config.prices.get(&self.symbol(name)?).copied()
    }

    /// New price for a symbol (`BTCUSDT` or `BTC/USDT`): USD-M liquidations, resting
    /// limits, remainders of partial fills and conditional orders; spot resting limits and
    /// stops.
    ///
    /// # Errors
    /// `INVALID_SYMBOL`, `INVALID_PRICE` (≤ 0), `INVALID_NUMBER` (too large).
    pub fn set_price(
        &mut self,
        symbol: &str,
        price: Decimal,
        now_ms: i64,
    ) -> Result<(), EngineError> {
        let s = self
            .symbol(symbol)
            .ok_or_else(|| ValidationError::InvalidSymbol(symbol.to_owned()))?;
        crate::num::positive_price("price", price)?;
        let ctx = self.ctx(now_ms);
        self.futures.set_price(&s, price, &ctx)?;
        self.spot.set_price(&s, price, &ctx);
        self.config.prices.insert(s, price);
        Ok(())
    }

    /// A JSON summary of the whole exchange (for `/_iftb/state`).
    #[must_use]
    pub fn state_json(&self, now_ms: i64) -> Value {
        let now = self.server_time(now_ms);
        json!({
            "serverTime": now,
            "prices": self.config.prices.iter().map(|(s, p)| (s.compact(), json!(reply::plain(*p)))).collect::<serde_json::Map<_, _>>(),
            "futures": self.futures.state_json(now),
            "spot": self.spot.state_json(),
            "faults": self.faults.to_json(),
            "requests": self.log.len(),
            "weight": {
                "futures": self.limits.used(Market::UsdM, "local", now),
                "spot": self.limits.used(Market::Spot, "local", now),
            },
        })
    }

    fn order_intervals(&self, m: Market) -> Vec<OrderInterval> {
        match m {
            Market::UsdM => vec![
                OrderInterval {
                    len_ms: 10_000,
                    label: "10S",
                    name: "TEN_SECONDS",
                    limit: self.config.futures_order_limits.0,
                },
                OrderInterval {
                    len_ms: 60_000,
                    label: "1M",
                    name: "MINUTE",
                    limit: self.config.futures_order_limits.1,
                },
            ],
            Market::Spot => vec![
                OrderInterval {
                    len_ms: 10_000,
                    label: "10S",
                    name: "TEN_SECONDS",
                    limit: self.config.spot_order_limits.0,
                },
                OrderInterval {
                    len_ms: 86_400_000,
                    label: "1D",
                    name: "DAY",
                    limit: self.config.spot_order_limits.1,
                },
            ],
        }
    }

    /// Handle one HTTP request at host time `now_ms`.
    pub fn handle(&mut self, req: &HttpRequest, now_ms: i64) -> Handled {
        let ctx = self.ctx(now_ms);
        let now = ctx.now;
        let ip = req.header(REMOTE_ADDR_HEADER).unwrap_or("local").to_owned();
        let method = req.method;
        let parsed = Req::parse(&req.query, &req.body);
        let params = parsed.as_ref().map(Req::pairs).unwrap_or_default();
        let mut out = Handled {
            response: HttpResponse::default(),
            drop_response: false,
            delay_ms: self.faults.latency_ms,
        };
        let Some(ep) = method.and_then(|m| endpoints::find(m, &req.path)) else {
            let e = ApiError {
                status: 404,
                code: code::UNKNOWN,
                msg: format!(
                    "Unknown endpoint: {} {}",
                    method.map_or("?", Method::as_str),
                    req.path
                ),
            };
            out.response = HttpResponse::json(404, e.body());
            self.record(req, params, &out, Some(e.code), now);
            return out;
        };
        let weight_limit = match ep.market {
            Market::UsdM => self.config.futures_weight_limit,
            Market::Spot => self.config.spot_weight_limit,
        };
        let mut headers: Vec<(String, String)> = Vec::new();
        let result = self.gate_and_run(ep, req, &parsed, &ip, &ctx, weight_limit, &mut headers);
        let used = self.limits.used(ep.market, &ip, now);
        headers.insert(0, ("X-MBX-USED-WEIGHT-1M".into(), used.to_string()));
        let (status, body, code) = match result {
            Ok(v) => (200, v.to_string(), None),
            Err(e) => (e.status, e.body(), Some(e.code)),
        };
        let mut resp = HttpResponse::json(status, body);
        resp.headers.extend(headers);
        out.response = resp;
        // After-accept faults: the order was executed; the answer is lost or ambiguous.
        if ep.kind == Kind::Place && status == 200 {
            if self.faults.drop_after_accept > 0 {
                self.faults.drop_after_accept -= 1;
                out.drop_response = true;
            } else if self.faults.error_after_accept > 0 {
                self.faults.error_after_accept -= 1;
                let e = ApiError {
                    status: self.faults.error_status,
                    code: code::TIMEOUT,
                    msg: TIMEOUT_MSG.into(),
                };
                out.response.status = e.status;
                out.response.body = e.body();
                self.record(req, params, &out, Some(e.code), now);
                return out;
            }
        }
        self.record(req, params, &out, code, now);
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn gate_and_run(
        &mut self,
        ep: &'static endpoints::Endpoint,
        req: &HttpRequest,
        parsed: &Result<Req, ApiError>,
        ip: &str,
        ctx: &Ctx,
        weight_limit: u32,
        headers: &mut Vec<(String, String)>,
    ) -> Result<Value, ApiError> {
        let now = ctx.now;
        // Injected bans and throttles come first, as a real limiter answers before anything.
        if self.faults.ban_next > 0 {
            self.faults.ban_next -= 1;
            let secs = self.faults.retry_after_s;
            headers.push(("Retry-After".into(), secs.to_string()));
            return Err(banned(now + i64::try_from(secs * 1000).unwrap_or(0)));
        }
        if self.faults.rate_limit_next > 0 {
            self.faults.rate_limit_next -= 1;
            headers.push(("Retry-After".into(), self.faults.retry_after_s.to_string()));
            return Err(throttled(ep.market, weight_limit));
        }
        let has_symbol = parsed.as_ref().is_ok_and(|r| r.get("symbol").is_some());
        let policy = limits::Policy {
            limit: weight_limit,
            ban_after: self.config.ban_after,
            ban_ms: self.config.ban_ms,
        };
        match self
            .limits
            .admit(ep.market, ip, ep.weight_for(has_symbol), policy, now)
        {
            Gate::Pass => {}
            Gate::Throttled(secs) => {
                headers.push(("Retry-After".into(), secs.to_string()));
                return Err(throttled(ep.market, weight_limit));
            }
            Gate::Banned(until) => {
                let secs = u64::try_from((until - now + 999) / 1000)
                    .unwrap_or(1)
                    .max(1);
                headers.push(("Retry-After".into(), secs.to_string()));
                return Err(banned(until));
            }
        }
        let r = parsed.as_ref().map_err(Clone::clone)?;
        let api_key = if ep.security == Security::Signed {
            self.authenticate(ep.market, req, r, now)?
        } else {
            String::new()
        };
        let intervals = self.order_intervals(ep.market);
        if ep.kind == Kind::Place {
            if let Some(iv) = self
                .limits
                .order_blocked(ep.market, &api_key, &intervals, now)
            {
                return Err(ApiError {
                    status: 429,
                    code: extra::TOO_MANY_ORDERS,
                    msg: format!(
                        "Too many new orders; current limit is {} orders per {}.",
                        iv.limit, iv.name
                    ),
                });
            }
        }
        let method = ep.method;
        let result = match ep.market {
            Market::UsdM => self.futures.handle(method, ep.path, r, ctx),
            Market::Spot => self.spot.handle(method, ep.path, r, ctx),
        };
        if ep.kind == Kind::Place && result.is_ok() {
            for (label, n) in self
                .limits
                .count_order(ep.market, &api_key, &intervals, now)
            {
                headers.push((format!("X-MBX-ORDER-COUNT-{label}"), n.to_string()));
            }
        }
        result
    }

    /// API key, signature, timestamp and recvWindow (binance-api.md §1). Returns the key.
    fn authenticate(
        &self,
        market: Market,
        req: &HttpRequest,
        r: &Req,
        now: i64,
    ) -> Result<String, ApiError> {
        let key = req
            .header("X-MBX-APIKEY")
            .filter(|k| !k.is_empty())
            .ok_or(ApiError {
                status: 401,
                code: code::BAD_API_KEY_FMT,
                msg: "API-key format invalid.".into(),
            })?;
        let cred = self
            .creds
            .iter()
            .find(|c| c.api_key() == key)
            .ok_or(ApiError {
                status: 401,
                code: code::REJECTED_MBX_KEY,
                msg: "Invalid API-key, IP, or permissions for action.".into(),
            })?;
        let ts_text = r.required("timestamp")?;
        let ts = ts_text
            .parse::<i64>()
            .map_err(|_| ApiError::bad(code::ILLEGAL_CHARS, "Illegal characters found in parameter 'timestamp'; legal range is '^[0-9]{1,20}$'."))?;
        // Microseconds (spot accepts both) → ms.
        let ts_ms = if ts > 100_000_000_000_000 {
            ts / 1000
        } else {
            ts
        };
        let recv = match r.get("recvWindow") {
            None => Decimal::from(5000),
            Some(v) => {
                let d = params::plain_decimal("recvWindow", v)?;
                if d.scale() > 3 {
                    return Err(ApiError::invalid_value("recvWindow"));
                }
                d
            }
        };
        if market == Market::Spot && recv > Decimal::from(60_000) {
            return Err(ApiError::bad(
                extra::BAD_RECV_WINDOW,
                "recvWindow must be less than 60000",
            ));
        }
        let sig = r
            .signature
            .as_deref()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::mandatory("signature"))?;
        let payload = format!(
            "{}{}",
            without_signature(&req.query),
            without_signature(&req.body)
        );
        if !cred.verify(&payload, sig) {
            return Err(ApiError::bad(
                code::INVALID_SIGNATURE,
                "Signature for this request is not valid.",
            ));
        }
        if ts_ms >= now + 1000 {
            return Err(ApiError::bad(
                code::INVALID_TIMESTAMP,
                "Timestamp for this request was 1000ms ahead of the server's time.",
            ));
        }
        if Decimal::from(now - ts_ms) > recv {
            return Err(ApiError::bad(
                code::INVALID_TIMESTAMP,
                "Timestamp for this request is outside of the recvWindow.",
            ));
        }
        Ok(key.to_owned())
    }

    fn record(
        &mut self,
        req: &HttpRequest,
        params: Vec<(String, String)>,
        out: &Handled,
        code: Option<i64>,
        now: i64,
    ) {
        if self.config.max_logged_requests == 0 {
            return;
        }
        if self.log.len() >= self.config.max_logged_requests {
            let drop = self.log.len() + 1 - self.config.max_logged_requests;
            self.log.drain(..drop);
        }
        self.log.push(LoggedRequest {
            method: req.method.map_or("?", Method::as_str).to_owned(),
            path: req.path.clone(),
            params,
            status: out.response.status,
            code,
            time_ms: now,
            dropped: out.drop_response,
        });
    }
}

/// The message of a configuration error (without the "invalid configuration" prefix).
fn config_text(e: ValidationError) -> String {
    match e {
        ValidationError::InvalidConfig(m) => m,
        other => other.to_string(),
    }
}

fn throttled(market: Market, limit: u32) -> ApiError {
    let msg = match market {
        Market::UsdM => format!("Too many requests; current limit is {limit} requests per minute. Please use the websocket for live updates to avoid polling the API."),
        Market::Spot => format!("Too much request weight used; current limit is {limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API."),
    };
    ApiError {
        status: 429,
        code: code::TOO_MANY_REQUESTS,
        msg,
    }
}

fn banned(until: i64) -> ApiError {
    ApiError {
        status: 418,
        code: code::TOO_MANY_REQUESTS,
        msg: format!("Way too much request weight used; IP banned until {until}. Please use WebSocket Streams for live updates to avoid bans."),
    }
}

/// The raw text with its `signature=…` parameter removed (the signed payload is the query
/// concatenated with the body, both as sent, without the signature).
#[must_use]
pub fn without_signature(raw: &str) -> String {
    raw.split('&')
        .filter(|seg| !seg.is_empty() && *seg != "signature" && !seg.starts_with("signature="))
        .collect::<Vec<_>>()
        .join("&")
}

// ----- configuration from JSON ---------------------------------------------------------

fn json_decimal(k: &str, v: &Value) -> Result<Decimal, String> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err(format!("{k} must be a number or a decimal string, got {v}")),
    };
    Decimal::from_str(text.trim())
        .or_else(|_| Decimal::from_scientific(text.trim()))
        .map(|d| d.normalize())
        .map_err(|_| format!("{k} is not a decimal number: {text}"))
}

fn json_u32(k: &str, v: &Value) -> Result<u32, String> {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("{k} must be a whole number, got {v}"))
}

fn json_str<'a>(k: &str, v: &'a Value) -> Result<&'a str, String> {
    v.as_str()
        .ok_or_else(|| format!("{k} must be a string, got {v}"))
}

fn numbers_to_strings(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), numbers_to_strings(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(numbers_to_strings).collect()),
        other => other.clone(),
    }
}

const CONFIG_KEYS: &[&str] = &[
    "apiKey",
    "apiSecret",
    "apiKeys",
    "futuresBalance",
    "spotBalances",
    "prices",
    "makerFee",
    "takerFee",
    "spotMakerFee",
    "spotTakerFee",
    "slippage",
    "defaultLeverage",
    "futuresRules",
    "spotRules",
    "futuresWeightLimit",
    "spotWeightLimit",
    "futuresOrderLimits",
    "spotOrderLimits",
    "banAfter",
    "banMs",
    "maxLoggedRequests",
];

impl ExchangeConfig {
    /// The default configuration with the options of a JS-style object applied
    /// (camelCase keys, decimals as numbers or strings; see the README).
    ///
    /// # Errors
    /// `INVALID_CONFIG`: an unknown key or a bad value, named.
    pub fn from_json(v: &Value) -> Result<Self, ValidationError> {
        Self::read_json(v).map_err(ValidationError::InvalidConfig)
    }

    fn read_json(v: &Value) -> Result<Self, String> {
        let mut c = Self::default();
        let Some(obj) = v.as_object() else {
            return if v.is_null() {
                Ok(c)
            } else {
                Err("options must be an object".into())
            };
        };
        if let Some(k) = obj.keys().find(|k| !CONFIG_KEYS.contains(&k.as_str())) {
            return Err(format!(
                "unknown option {k:?}; known: {}",
                CONFIG_KEYS.join(", ")
            ));
        }
        // Rules first: prices may name their symbols in either form.
        let rules = |k: &str, v: &Value| -> Result<MarketRules, String> {
            let m = v
                .as_object()
                .ok_or_else(|| format!("{k} must be an object of symbol → rules"))?;
            let mut out = MarketRules::default();
            for (name, r) in m {
                let s = Symbol::parse(name).map_err(|e| format!("{k}: {e}"))?;
                let r: SymbolRules = serde_json::from_value(numbers_to_strings(r))
                    .map_err(|e| format!("{k}.{name}: {e}"))?;
                out.0.insert(s, r);
            }
            Ok(out)
        };
        if let Some(v) = obj.get("futuresRules") {
            c.futures_rules = rules("futuresRules", v)?;
        }
        if let Some(v) = obj.get("spotRules") {
            c.spot_rules = rules("spotRules", v)?;
        }
        let names: BTreeMap<String, Symbol> = c
            .futures_rules
            .0
            .keys()
            .chain(c.spot_rules.0.keys())
            .chain(c.prices.keys())
            .map(|s| (s.compact(), s.clone()))
            .collect();
        for (k, v) in obj {
            match k.as_str() {
                "apiKey" | "apiSecret" => {}
                "apiKeys" => {
                    let arr = v
                        .as_array()
                        .ok_or("apiKeys must be an array of {apiKey, apiSecret}")?;
                    c.api_keys = arr
                        .iter()
                        .map(|e| {
                            let key = e
                                .get("apiKey")
                                .or_else(|| e.get("key"))
                                .ok_or("apiKeys[]: apiKey missing")?;
                            let sec = e
                                .get("apiSecret")
                                .or_else(|| e.get("secret"))
                                .ok_or("apiKeys[]: apiSecret missing")?;
                            Ok((
                                json_str("apiKey", key)?.to_owned(),
                                json_str("apiSecret", sec)?.to_owned(),
                            ))
                        })
                        .collect::<Result<_, String>>()?;
                }
                "futuresBalance" => c.futures_balance = json_decimal(k, v)?,
                "spotBalances" => {
                    let m = v
                        .as_object()
                        .ok_or("spotBalances must be an object of asset → amount")?;
                    c.spot_balances = m
                        .iter()
                        .map(|(a, x)| {
                            Ok((a.clone(), json_decimal(&format!("spotBalances.{a}"), x)?))
                        })
                        .collect::<Result<_, String>>()?;
                }
                "prices" => {
                    let m = v
                        .as_object()
                        .ok_or("prices must be an object of symbol → price")?;
                    for (name, p) in m {
                        let s = names
                            .get(name)
                            .cloned()
                            .or_else(|| Symbol::parse(name).ok())
                            .ok_or_else(|| format!("prices: unknown symbol {name:?}"))?;
                        c.prices
                            .insert(s, json_decimal(&format!("prices.{name}"), p)?);
                    }
                }
                "makerFee" => c.futures_maker_fee = json_decimal(k, v)?,
                "takerFee" => c.futures_taker_fee = json_decimal(k, v)?,
                "spotMakerFee" => c.spot_maker_fee = json_decimal(k, v)?,
                "spotTakerFee" => c.spot_taker_fee = json_decimal(k, v)?,
                "slippage" => c.slippage = json_decimal(k, v)?,
                "defaultLeverage" => c.default_leverage = json_u32(k, v)?,
                "futuresWeightLimit" => c.futures_weight_limit = json_u32(k, v)?,
                "spotWeightLimit" => c.spot_weight_limit = json_u32(k, v)?,
                "futuresOrderLimits" | "spotOrderLimits" => {
                    let a = v
                        .as_array()
                        .filter(|a| a.len() == 2)
                        .ok_or_else(|| format!("{k} must be [per10s, perLongInterval]"))?;
                    let pair = (json_u32(k, &a[0])?, json_u32(k, &a[1])?);
                    if k == "futuresOrderLimits" {
                        c.futures_order_limits = pair;
                    } else {
                        c.spot_order_limits = pair;
                    }
                }
                "banAfter" => c.ban_after = json_u32(k, v)?,
                "banMs" => c.ban_ms = i64::from(json_u32(k, v)?),
                "maxLoggedRequests" => c.max_logged_requests = json_u32(k, v)? as usize,
                _ => {}
            }
        }
        match (obj.get("apiKey"), obj.get("apiSecret")) {
            (None, None) => {}
            (Some(k), Some(s)) => {
                c.api_keys = vec![(
                    json_str("apiKey", k)?.to_owned(),
                    json_str("apiSecret", s)?.to_owned(),
                )]
            }
            _ => return Err("apiKey and apiSecret go together".into()),
        }
        if c.api_keys.iter().any(|(k, s)| k.is_empty() || s.is_empty()) {
            return Err("API keys and secrets must not be empty".into());
        }
        for s in c.futures_rules.0.keys().chain(c.spot_rules.0.keys()) {
            if !c.prices.contains_key(s) {
                return Err(format!("no price for {s}; add it to prices"));
            }
        }
        Ok(c)
    }
}
