//! `LiveExecutor`: real orders on Binance (USD-M futures or Spot) over `fetch`.
//!
//! In Node it may sign in-process (`apiKey`/`apiSecret`); in a page it talks to the signing
//! proxy (`proxyUrl`/`proxyToken`) and never sees a secret. Every async method clones a
//! shared handle and never holds a borrow across an await, so calls may overlap.

use crate::convert::{self, get};
use crate::error::{Error, JsResult};
use crate::transport::{in_browser_page, FetchTransport};
use iftb_core::binance::{Credentials, Market};
use iftb_core::live::codec::PlaceSpec;
use iftb_core::live::{Intent, JournalEvent, LiveClient, LiveConfig, Signing};
use iftb_core::{OrderType, Side, Symbol, ValidationError, MAX_LEVERAGE};
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// The live client as the binding uses it.
pub(crate) type Client = LiveClient<FetchTransport>;

/// Default upstream: the local Binance-compatible exchange (`npm run exchange`).
pub(crate) const LOCAL_EXCHANGE_URL: &str = "http://127.0.0.1:8788";
/// Development credentials of the local exchange (not secrets: it is a simulator).
const LOCAL_KEY: &str = "iftb-local-key";
const LOCAL_SECRET: &str = "iftb-local-secret";

fn config_error(msg: impl Into<String>) -> Error {
    ValidationError::InvalidConfig(msg.into()).into()
}

fn opt_str(o: &JsValue, key: &'static str) -> JsResult<Option<String>> {
    convert::opt_string(&get(o, key), |v| {
        ValidationError::InvalidConfig(format!("{key} must be a string, got {v}"))
    })
}

fn opt_u64(o: &JsValue, key: &'static str, max: u64) -> JsResult<Option<u64>> {
    let v = get(o, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= max as f64 => {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let out = n as u64;
            Ok(Some(out))
        }
        _ => Err(config_error(format!(
            "{key} must be a whole number from 0 to {max}"
        ))),
    }
}

/// Build a live client from options shared by `LiveExecutor` and `OrderExecutor`:
/// `exchange` ("binance-usdm" | "binance-spot"), `proxyUrl` + `proxyToken` (browser), or
/// `apiKey` + `apiSecret` + `baseUrl` (Node; `baseUrl` defaults to the local exchange, whose
/// development key is used when none is given), `maxRetries`, `timeoutMs`, `recvWindow`,
/// `cacheTtlMs`.
pub(crate) fn client_from(options: &JsValue) -> JsResult<Client> {
    let o = convert::object(options, "options")?;
    let market = match opt_str(o, "exchange")? {
        None => Market::UsdM,
        Some(s) => Market::parse(&s).ok_or_else(|| {
            config_error(format!(
                "exchange must be \"binance-usdm\" or \"binance-spot\", got {s:?}"
            ))
        })?,
    };
    let proxy_url = opt_str(o, "proxyUrl")?;
    let api_key = opt_str(o, "apiKey")?;
    let api_secret = opt_str(o, "apiSecret")?;
    let base_url = opt_str(o, "baseUrl")?;
    let (transport, signing) = match (proxy_url, api_key, api_secret) {
        (Some(_), _, Some(_)) => {
            return Err(config_error(
                "give either proxyUrl (the proxy signs) or apiKey/apiSecret (sign here), not both",
            ))
        }
        (Some(url), _, None) => {
            let token = opt_str(o, "proxyToken")?;
            (FetchTransport::new(&url, token), Signing::Proxy)
        }
        (None, key, secret) => {
            if secret.is_some() && in_browser_page() {
                return Err(config_error(
                    "apiSecret in a web page would expose it to every script on the page; run the signing proxy (npx iftb-proxy) and pass proxyUrl/proxyToken instead",
                ));
            }
            let url = base_url.unwrap_or_else(|| LOCAL_EXCHANGE_URL.to_owned());
            let creds =
                match (key, secret) {
                    (Some(k), Some(s)) => Credentials::new(&k, &s),
                    (None, None) if url == LOCAL_EXCHANGE_URL => {
                        Credentials::new(LOCAL_KEY, LOCAL_SECRET)
                    }
                    _ => return Err(config_error(
                        "apiKey and apiSecret are both required to sign requests (or use proxyUrl)",
                    )),
                };
            (FetchTransport::new(&url, None), Signing::InProcess(creds))
        }
    };
    let mut c = LiveConfig::new(market, signing);
    if let Some(v) = opt_u64(o, "maxRetries", 10)? {
        c.max_retries = u32::try_from(v).unwrap_or(10);
    }
    if let Some(v) = opt_u64(o, "timeoutMs", 120_000)? {
        c.timeout_ms = v.max(1);
    }
    if let Some(v) = opt_u64(o, "recvWindow", 60_000)? {
        c.recv_window_ms = v.max(1);
    }
    if let Some(v) = opt_u64(o, "cacheTtlMs", 600_000)? {
        c.cache_ttl_ms = i64::try_from(v).unwrap_or(0);
    }
    if let Some(v) = opt_u64(o, "resolveAttempts", 100)? {
        c.resolve_attempts = u32::try_from(v).unwrap_or(5);
    }
    // A random session part keeps client order ids unique across reloads.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let seed =
        (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64 ^ (js_sys::Date::now() as u64);
    c.seed = seed;
    let client = LiveClient::new(transport, c);
    let journal = get(o, "journal");
    if journal.is_function() {
        let f: js_sys::Function = journal.unchecked_into();
        client.set_journal(Some(Box::new(move |ev: &JournalEvent| {
            let entry = match ev {
                JournalEvent::Intent(i) => JournalJs {
                    kind: "intent",
                    client_order_id: &i.client_order_id,
                    symbol: Some(i.symbol.as_str()),
                    algo: Some(i.algo),
                },
                JournalEvent::Settled(id) => JournalJs {
                    kind: "settled",
                    client_order_id: id,
                    symbol: None,
                    algo: None,
                },
            };
            if let Ok(v) = convert::to_js(&entry) {
                if let Err(e) = f.call1(&JsValue::NULL, &v) {
                    crate::host::console("error", "iftb-executor: the journal callback threw", &e);
                }
            }
        })));
    } else if !journal.is_undefined() && !journal.is_null() {
        return Err(config_error("journal must be a function"));
    }
    Ok(client)
}

/// `resume(intents)` shared by `LiveExecutor` and live `OrderExecutor`.
pub(crate) fn resume(client: &Client, intents: JsValue) -> JsResult<u32> {
    let arr: Vec<Intent> = serde_wasm_bindgen::from_value(intents).map_err(|e| {
        Error::from(ValidationError::InvalidArgument(format!(
            "resume() takes [{{ clientOrderId, symbol, algo }}] as journaled: {e}"
        )))
    })?;
    Ok(u32::try_from(client.resume(&arr)).unwrap_or(u32::MAX))
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct JournalJs<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    client_order_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    symbol: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    algo: Option<bool>,
}

/// Run an async core call on a shared client and convert the result to a JS promise.
pub(crate) fn spawn<F, T>(f: F) -> js_sys::Promise
where
    F: Future<Output = iftb_core::Result<T>> + 'static,
    T: serde::Serialize,
{
    promise_of(Box::pin(async move {
        match f.await {
            Ok(v) => convert::to_js(&v).map_err(Error::into_js),
            Err(e) => Err(Error::from(e).into_js()),
        }
    }))
}

/// A boxed JS-facing future.
pub(crate) type JsFuture = std::pin::Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

/// One instantiation of `future_to_promise` for every async export (each export's future
/// is boxed), which keeps the wasm from carrying a copy of the executor per call site.
pub(crate) fn promise_of(f: JsFuture) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(f)
}

fn reject(e: Error) -> js_sys::Promise {
    js_sys::Promise::reject(&e.into_js())
}

struct OrderArgs {
    symbol: Symbol,
    side: Side,
    amount: iftb_core::Decimal,
    price: Option<iftb_core::Decimal>,
    stop_price: Option<iftb_core::Decimal>,
    reduce_only: bool,
    client_id: Option<String>,
    leverage: Option<u32>,
}

fn order_args(v: &JsValue) -> JsResult<OrderArgs> {
    let o = convert::object(v, "order")?;
    Ok(OrderArgs {
        symbol: Symbol::parse(&convert::string(
            &get(o, "symbol"),
            ValidationError::InvalidSymbol,
        )?)?,
        side: convert::string(&get(o, "side"), ValidationError::InvalidSide)?.parse()?,
        amount: iftb_core::num::positive_amount(convert::decimal("amount", &get(o, "amount"))?)?,
        price: convert::opt_decimal("price", &get(o, "price"))?,
        stop_price: convert::opt_decimal("stopPrice", &get(o, "stopPrice"))?,
        reduce_only: get(o, "reduceOnly").as_bool().unwrap_or(false),
        client_id: convert::opt_string(&get(o, "clientOrderId"), ValidationError::InvalidOrderId)?,
        leverage: convert::leverage(&get(o, "leverage"), MAX_LEVERAGE)?,
    })
}

/// Real order execution on Binance with safe retries (the spec's `LiveExecutor`).
///
/// ```js
/// // Node, signing in-process (defaults to the local exchange of `npm run exchange`):
/// const live = new LiveExecutor({ exchange: "binance-usdm", apiKey, apiSecret, baseUrl });
/// // Browser, through the signing proxy (the page never sees a secret):
/// const live = new LiveExecutor({ exchange: "binance-usdm", proxyUrl: "http://127.0.0.1:8787", proxyToken });
/// await live.placeMarketOrder({ symbol: "BTC/USDT", side: "buy", amount: 0.01 });
/// ```
#[wasm_bindgen]
pub struct LiveExecutor {
    client: Rc<Client>,
}

impl LiveExecutor {
    fn place(&self, args: &JsValue, order_type: OrderType) -> js_sys::Promise {
        let a = match order_args(args) {
            Ok(a) => a,
            Err(e) => return reject(e),
        };
        let needs = match order_type {
            OrderType::Limit if a.price.is_none() => Some(ValidationError::MissingPrice),
            OrderType::StopLoss | OrderType::TakeProfit if a.stop_price.is_none() => {
                Some(ValidationError::MissingStopPrice(order_type.as_str()))
            }
            _ => None,
        };
        if let Some(e) = needs {
            return reject(e.into());
        }
        let c = self.client.clone();
        spawn(async move {
            if let Some(l) = a.leverage {
                c.ensure_leverage(&a.symbol, l).await?;
            }
            let protective = matches!(order_type, OrderType::StopLoss | OrderType::TakeProfit);
            let spec = PlaceSpec {
                symbol: a.symbol,
                side: a.side,
                order_type,
                amount: Some(a.amount),
                price: a.price.filter(|_| order_type == OrderType::Limit),
                stop_price: a.stop_price.filter(|_| protective),
                reduce_only: a.reduce_only || protective,
                close_position: false,
                client_id: a.client_id.unwrap_or_else(|| c.new_client_id()),
            };
            c.place(spec, None).await
        })
    }
}

impl LiveExecutor {
    fn rules_of(&self, symbol: &str) -> JsResult<(Symbol, iftb_core::SymbolRules)> {
        let sym = Symbol::parse(symbol)?;
        let rules = self.client.rules(&sym).ok_or_else(|| {
            Error::from(ValidationError::InvalidSymbol(format!(
                "{sym}: no exchange rules loaded (await loadMarkets() first, or the symbol is not traded)"
            )))
        })?;
        Ok((sym, rules))
    }
}

#[wasm_bindgen]
impl LiveExecutor {
    /// Connect options: `exchange`, `proxyUrl`/`proxyToken` or `apiKey`/`apiSecret`/`baseUrl`,
    /// `maxRetries` (3), `timeoutMs` (10000), `recvWindow` (5000), `cacheTtlMs` (1000).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "LiveExecutorOptions")] options: JsValue,
    ) -> JsResult<LiveExecutor> {
        Ok(Self {
            client: Rc::new(client_from(&options)?),
        })
    }

    /// Market order `{ symbol, side, amount, reduceOnly?, clientOrderId?, leverage? }`.
    #[wasm_bindgen(js_name = placeMarketOrder, unchecked_return_type = "Promise<LiveOrder>")]
    pub fn place_market_order(
        &self,
        #[wasm_bindgen(unchecked_param_type = "LiveOrderInput")] order: JsValue,
    ) -> js_sys::Promise {
        self.place(&order, OrderType::Market)
    }

    /// Limit order `{ symbol, side, amount, price, reduceOnly?, clientOrderId?, leverage? }` (GTC).
    #[wasm_bindgen(js_name = placeLimitOrder, unchecked_return_type = "Promise<LiveOrder>")]
    pub fn place_limit_order(
        &self,
        #[wasm_bindgen(unchecked_param_type = "LiveLimitOrderInput")] order: JsValue,
    ) -> js_sys::Promise {
        self.place(&order, OrderType::Limit)
    }

    /// Reduce-only stop-market `{ symbol, side, amount, stopPrice }` (futures: Algo order).
    #[wasm_bindgen(js_name = setStopLoss, unchecked_return_type = "Promise<LiveOrder>")]
    pub fn set_stop_loss(
        &self,
        #[wasm_bindgen(unchecked_param_type = "LiveStopOrderInput")] order: JsValue,
    ) -> js_sys::Promise {
        self.place(&order, OrderType::StopLoss)
    }

    /// Reduce-only take-profit-market `{ symbol, side, amount, stopPrice }`.
    #[wasm_bindgen(js_name = setTakeProfit, unchecked_return_type = "Promise<LiveOrder>")]
    pub fn set_take_profit(
        &self,
        #[wasm_bindgen(unchecked_param_type = "LiveStopOrderInput")] order: JsValue,
    ) -> js_sys::Promise {
        self.place(&order, OrderType::TakeProfit)
    }

    /// Cancel an order placed by this executor (by its client order id, `order.id`).
    #[wasm_bindgen(js_name = cancelOrder, unchecked_return_type = "Promise<LiveOrder>")]
    pub fn cancel_order(&self, id: &str) -> js_sys::Promise {
        let c = self.client.clone();
        let id = id.to_owned();
        spawn(async move { c.cancel(&id).await })
    }

    /// Ask the exchange for an order's current state (by client order id).
    #[wasm_bindgen(js_name = fetchOrder, unchecked_return_type = "Promise<LiveOrder>")]
    pub fn fetch_order(&self, id: &str) -> js_sys::Promise {
        let c = self.client.clone();
        let id = id.to_owned();
        let Some(o) = c.order(&id) else {
            return reject(iftb_core::OrderError::OrderNotFound(id).into());
        };
        let algo = c.is_algo(&id);
        spawn(async move { c.query(&o.symbol, &id, algo).await })
    }

    /// The open position in `symbol`, or `null`.
    #[wasm_bindgen(js_name = getPosition, unchecked_return_type = "Promise<PositionState | null>")]
    pub fn get_position(&self, symbol: &str) -> js_sys::Promise {
        let sym = match Symbol::parse(symbol) {
            Ok(s) => s,
            Err(e) => return reject(e.into()),
        };
        let c = self.client.clone();
        spawn(async move { c.position(&sym).await })
    }

    /// Open positions (cached for `cacheTtlMs`, refreshed after every order change).
    #[wasm_bindgen(js_name = getPositions, unchecked_return_type = "Promise<PositionState[]>")]
    pub fn get_positions(&self) -> js_sys::Promise {
        let c = self.client.clone();
        spawn(async move { c.positions().await })
    }

    /// Balances: `{ balance, walletBalance, equity, marginUsed, unrealizedPnl, ... }` (USDT).
    #[wasm_bindgen(js_name = getBalance, unchecked_return_type = "Promise<AccountState>")]
    pub fn get_balance(&self) -> js_sys::Promise {
        let c = self.client.clone();
        spawn(async move { c.account().await })
    }

    /// Close the position in `symbol` at the market (reduce-only) and cancel its SL/TP.
    #[wasm_bindgen(js_name = closePosition, unchecked_return_type = "Promise<LiveOrder>")]
    pub fn close_position(&self, symbol: &str) -> js_sys::Promise {
        let sym = match Symbol::parse(symbol) {
            Ok(s) => s,
            Err(e) => return reject(e.into()),
        };
        let c = self.client.clone();
        spawn(async move { c.close(&sym).await })
    }

    /// Attach or move the position's stop-loss (`closePosition` order); `null` removes it.
    #[wasm_bindgen(js_name = updateStopLoss, unchecked_return_type = "Promise<PositionState>")]
    pub fn update_stop_loss(
        &self,
        symbol: &str,
        #[wasm_bindgen(unchecked_param_type = "DecimalInput | null")] price: JsValue,
    ) -> js_sys::Promise {
        self.protect(symbol, &price, OrderType::StopLoss)
    }

    /// Attach or move the position's take-profit; `null` removes it.
    #[wasm_bindgen(js_name = updateTakeProfit, unchecked_return_type = "Promise<PositionState>")]
    pub fn update_take_profit(
        &self,
        symbol: &str,
        #[wasm_bindgen(unchecked_param_type = "DecimalInput | null")] price: JsValue,
    ) -> js_sys::Promise {
        self.protect(symbol, &price, OrderType::TakeProfit)
    }

    fn protect(&self, symbol: &str, price: &JsValue, kind: OrderType) -> js_sys::Promise {
        let args = Symbol::parse(symbol).map_err(Error::from).and_then(|s| {
            let field = if kind == OrderType::StopLoss {
                "stopLoss"
            } else {
                "takeProfit"
            };
            Ok((s, convert::opt_decimal(field, price)?))
        });
        let (sym, level) = match args {
            Ok(a) => a,
            Err(e) => return reject(e),
        };
        let c = self.client.clone();
        spawn(async move { c.protect(&sym, kind, level).await })
    }

    /// Set a futures symbol's leverage.
    #[wasm_bindgen(js_name = setLeverage, unchecked_return_type = "Promise<void>")]
    pub fn set_leverage(&self, symbol: &str, leverage: u32) -> js_sys::Promise {
        let sym = match Symbol::parse(symbol) {
            Ok(s) => s,
            Err(e) => return reject(e.into()),
        };
        let c = self.client.clone();
        spawn(async move { c.ensure_leverage(&sym, leverage).await })
    }

    /// Bring unfinished and unknown orders up to date by client id and list open orders on
    /// the exchange this executor did not place: `{ updated, stillUnknown, foreignOpenOrders }`.
    #[wasm_bindgen(unchecked_return_type = "Promise<Reconciliation>")]
    pub fn reconcile(&self) -> js_sys::Promise {
        let c = self.client.clone();
        spawn(async move { Ok(ReconciliationJs::from(c.reconcile().await?)) })
    }

    /// Re-sync the clock offset from the exchange's server time; resolves to the offset (ms).
    #[wasm_bindgen(js_name = syncTime, unchecked_return_type = "Promise<number>")]
    pub fn sync_time(&self) -> js_sys::Promise {
        let c = self.client.clone();
        spawn(async move { c.sync_time().await })
    }

    /// Load (or reload) the exchange's symbols and filters.
    #[wasm_bindgen(js_name = loadMarkets, unchecked_return_type = "Promise<void>")]
    pub fn load_markets(&self) -> js_sys::Promise {
        let c = self.client.clone();
        spawn(async move { c.load_markets(true).await })
    }

    /// Placements sent whose outcome is not known yet: `[{ clientOrderId, symbol, algo }]`.
    #[wasm_bindgen(js_name = getInflight, unchecked_return_type = "Intent[]")]
    pub fn get_inflight(&self) -> JsResult<JsValue> {
        convert::to_js(&self.client.inflight())
    }

    /// After a restart: track journaled intents (`{ clientOrderId, symbol, algo }`) as unknown
    /// so `reconcile()` looks each up by client id; never re-sends. Returns how many were new.
    pub fn resume(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Intent[]")] intents: JsValue,
    ) -> JsResult<u32> {
        resume(&self.client, intents)
    }

    /// Round a quantity down to the symbol's step (after `loadMarkets()`); with `held`,
    /// never above what is held, so a sell never asks for more than the balance.
    #[wasm_bindgen(js_name = roundAmount)]
    pub fn round_amount(
        &self,
        symbol: &str,
        #[wasm_bindgen(unchecked_param_type = "DecimalInput")] amount: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "DecimalInput | null")] held: JsValue,
    ) -> JsResult<f64> {
        let (_, rules) = self.rules_of(symbol)?;
        let amount = convert::decimal("amount", &amount)?;
        let out = match convert::opt_decimal("held", &held)? {
            Some(h) => rules.round_sell_amount(amount, h),
            None => rules.round_amount_down(amount),
        };
        Ok(convert::number(out))
    }

    /// Round a price to the symbol's tick (after `loadMarkets()`).
    #[wasm_bindgen(js_name = roundPrice)]
    pub fn round_price(
        &self,
        symbol: &str,
        #[wasm_bindgen(unchecked_param_type = "DecimalInput")] price: JsValue,
    ) -> JsResult<f64> {
        let (_, rules) = self.rules_of(symbol)?;
        Ok(convert::number(
            rules.round_price(convert::decimal("price", &price)?),
        ))
    }

    /// The exchange's filters for a symbol (after `loadMarkets()`), as `marketRules` takes them.
    #[wasm_bindgen(js_name = getRules, unchecked_return_type = "SymbolRulesInput")]
    pub fn get_rules(&self, symbol: &str) -> JsResult<JsValue> {
        let (_, rules) = self.rules_of(symbol)?;
        convert::to_js(&rules)
    }

    /// Orders placed by this executor, oldest first (as last seen).
    #[wasm_bindgen(js_name = getOrders, unchecked_return_type = "LiveOrder[]")]
    pub fn get_orders(&self) -> JsResult<JsValue> {
        convert::to_js(&self.client.orders())
    }

    /// `{ usedWeight, pausedUntil, bannedUntil, requestsSent, clockOffsetMs }`.
    #[wasm_bindgen(js_name = getRateLimitStatus, unchecked_return_type = "RateLimitStatus")]
    pub fn get_rate_limit_status(&self) -> JsResult<JsValue> {
        let (used, paused, banned) = self.client.rate_status();
        convert::to_js(&RateStatusJs {
            used_weight: used,
            paused_until: paused,
            banned_until: banned,
            requests_sent: self.client.requests_sent(),
            clock_offset_ms: self.client.clock_offset_ms(),
        })
    }

    /// `"binance-usdm"` or `"binance-spot"`.
    #[wasm_bindgen(getter, unchecked_return_type = "LiveExchange")]
    pub fn exchange(&self) -> String {
        self.client.config().market.as_str().into()
    }
}

/// What `reconcile()` resolves to.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReconciliationJs {
    updated: Vec<iftb_core::Order>,
    still_unknown: Vec<String>,
    foreign_open_orders: Vec<iftb_core::Order>,
}

impl From<iftb_core::live::Reconciliation> for ReconciliationJs {
    fn from(r: iftb_core::live::Reconciliation) -> Self {
        Self {
            updated: r.updated,
            still_unknown: r.still_unknown,
            foreign_open_orders: r.foreign_open_orders,
        }
    }
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct RateStatusJs {
    used_weight: u32,
    paused_until: i64,
    banned_until: i64,
    requests_sent: u64,
    clock_offset_ms: i64,
}
