//! `LocalExchange`: the local Binance-compatible exchange of the core, for the Node server
//! (`server/exchange.mjs`). Built only with the cargo feature `server` (pkg/node).

use crate::error::{Error, JsResult};
use iftb_core::binance::{HttpRequest, Method};
use iftb_core::exchange::{self, ExchangeConfig};
use iftb_core::num::parse_decimal;
use iftb_core::ValidationError;
use js_sys::{Array, JSON};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

fn arg_error(msg: impl Into<String>) -> Error {
    ValidationError::InvalidArgument(msg.into()).into()
}

/// A JS value as JSON (through `JSON.stringify`; `undefined` is `null`).
fn to_json(v: &JsValue, what: &str) -> JsResult<Value> {
    if v.is_undefined() || v.is_null() {
        return Ok(Value::Null);
    }
    let text = JSON::stringify(v)
        .map_err(|_| arg_error(format!("{what} cannot be converted to JSON")))?
        .as_string()
        .unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| arg_error(format!("{what}: {e}")))
}

/// JSON as a JS value (through `JSON.parse`).
fn from_json(v: &Value) -> JsValue {
    JSON::parse(&v.to_string()).unwrap_or(JsValue::NULL)
}

fn now_or(now_ms: Option<f64>) -> i64 {
    // Whole ms; Date.now() is far inside i64.
    #[allow(clippy::cast_possible_truncation)]
    now_ms
        .filter(|n| n.is_finite())
        .map_or_else(|| js_sys::Date::now() as i64, |n| n as i64)
}

fn text_field(v: &Value, k: &str) -> JsResult<String> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(arg_error(format!(
            "request.{k} must be a string, got {other}"
        ))),
    }
}

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
/** Options of `new LocalExchange(options)`; decimals as numbers or strings. */
export interface LocalExchangeOptions {
  apiKey?: string; apiSecret?: string; apiKeys?: { apiKey: string; apiSecret: string }[];
  futuresBalance?: DecimalInput; spotBalances?: Record<string, DecimalInput>;
  prices?: Record<string, DecimalInput>;
  makerFee?: DecimalInput; takerFee?: DecimalInput; spotMakerFee?: DecimalInput; spotTakerFee?: DecimalInput;
  slippage?: DecimalInput; defaultLeverage?: number;
  futuresRules?: Record<string, Record<string, DecimalInput>>; spotRules?: Record<string, Record<string, DecimalInput>>;
  futuresWeightLimit?: number; spotWeightLimit?: number;
  futuresOrderLimits?: [number, number]; spotOrderLimits?: [number, number];
  banAfter?: number; banMs?: number; maxLoggedRequests?: number;
}
export interface ExchangeRequest {
  method: string; path: string; query?: string; body?: string; headers?: Record<string, string | string[]>;
}
export interface ExchangeResponse {
  status: number; headers: Record<string, string>; body: string; dropResponse: boolean; delayMs: number;
}
export interface ExchangeFaults {
  latencyMs: number; errorAfterAccept: number; errorStatus: number; dropAfterAccept: number;
  rateLimitNext: number; retryAfterS: number; banNext: number; clockSkewMs: number;
  partialFill: string | null; lateLandingMs: number;
}
export interface LoggedExchangeRequest {
  method: string; path: string; params: Record<string, string>; status: number;
  code: number | null; time: number; dropped: boolean;
}
"#;

/// The local exchange. `handle()` answers one HTTP request; the host does the I/O.
#[wasm_bindgen]
pub struct LocalExchange {
    inner: exchange::LocalExchange,
}

#[wasm_bindgen]
impl LocalExchange {
    /// A new exchange. Options (all optional): `apiKey`/`apiSecret` or `apiKeys`,
    /// `futuresBalance`, `spotBalances`, `prices`, `makerFee`, `takerFee`, `spotMakerFee`,
    /// `spotTakerFee`, `slippage`, `defaultLeverage`, `futuresRules`, `spotRules`,
    /// `futuresWeightLimit`, `spotWeightLimit`, `futuresOrderLimits`, `spotOrderLimits`,
    /// `banAfter`, `banMs`, `maxLoggedRequests`.
    ///
    /// # Errors
    /// `ValidationError` `INVALID_CONFIG` naming the bad option.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "LocalExchangeOptions | undefined")] options: JsValue,
    ) -> JsResult<LocalExchange> {
        let v = to_json(&options, "options")?;
        let cfg = ExchangeConfig::from_json(&v)?;
        let inner = exchange::LocalExchange::try_new(cfg)?;
        Ok(Self { inner })
    }

    /// Answer one request `{ method, path, query?, body?, headers? }` (headers an object)
    /// at `nowMs` (default `Date.now()`): `{ status, headers, body, dropResponse, delayMs }`.
    ///
    /// # Errors
    /// `ValidationError` `INVALID_ARGUMENT` for a malformed request object.
    #[wasm_bindgen(unchecked_return_type = "ExchangeResponse")]
    pub fn handle(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "ExchangeRequest")] request: JsValue,
        now_ms: Option<f64>,
    ) -> JsResult<JsValue> {
        let v = to_json(&request, "request")?;
        if !v.is_object() {
            return Err(arg_error(
                "request must be an object {method, path, query, body, headers}",
            ));
        }
        let method = text_field(&v, "method")?;
        let mut req = HttpRequest {
            method: Method::parse(&method),
            path: text_field(&v, "path")?,
            query: text_field(&v, "query")?,
            body: text_field(&v, "body")?,
            headers: Vec::new(),
        };
        if let Some(h) = v.get("headers").and_then(Value::as_object) {
            for (k, val) in h {
                let text = match val {
                    Value::String(s) => s.clone(),
                    Value::Array(a) => a
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", "),
                    Value::Null => continue,
                    other => other.to_string(),
                };
                req.headers.push((k.clone(), text));
            }
        }
        let out = self.inner.handle(&req, now_or(now_ms));
        let headers: serde_json::Map<String, Value> = out
            .response
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        Ok(from_json(&json!({
            "status": out.response.status,
            "headers": headers,
            "body": out.response.body,
            "dropResponse": out.drop_response,
            "delayMs": out.delay_ms,
        })))
    }

    /// Set a symbol's price (`"BTCUSDT"` or `"BTC/USDT"`; number or decimal string):
    /// fills resting and conditional orders it reaches, liquidates.
    ///
    /// # Errors
    /// `ValidationError`: unknown symbol (`INVALID_SYMBOL`), bad price (`INVALID_PRICE`).
    #[wasm_bindgen(js_name = setPrice)]
    pub fn set_price(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] symbol: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DecimalInput")] price: JsValue,
        now_ms: Option<f64>,
    ) -> JsResult<()> {
        let sym = symbol
            .as_string()
            .ok_or_else(|| Error::from(ValidationError::InvalidSymbol(format!("{symbol:?}"))))?;
        if self.inner.symbol(&sym).is_none() {
            return Err(ValidationError::InvalidSymbol(sym).into());
        }
        let p = match price.as_f64() {
            Some(n) => parse_decimal("price", &format!("{n}"))?,
            None => parse_decimal("price", &price.as_string().unwrap_or_default())?,
        };
        if p <= iftb_core::Decimal::ZERO {
            return Err(ValidationError::InvalidPrice {
                field: "price",
                value: p.to_string(),
            }
            .into());
        }
        Ok(self.inner.set_price(&sym, p, now_or(now_ms))?)
    }

    /// Current price of a symbol as a decimal string, or `null` for an unknown symbol.
    #[wasm_bindgen(js_name = getPrice)]
    pub fn get_price(&self, symbol: &str) -> Option<String> {
        self.inner.price(symbol).map(|d| d.normalize().to_string())
    }

    /// Symbols traded (`BTCUSDT` form), futures and spot together.
    #[wasm_bindgen(unchecked_return_type = "string[]")]
    pub fn symbols(&self) -> Array {
        let c = self.inner.config();
        let mut names: Vec<String> = c
            .futures_rules
            .0
            .keys()
            .chain(c.spot_rules.0.keys())
            .map(iftb_core::Symbol::compact)
            .collect();
        names.sort();
        names.dedup();
        names.into_iter().map(JsValue::from).collect()
    }

    /// Change fault switches (only the keys given): `latencyMs`, `errorAfterAccept`,
    /// `errorStatus`, `dropAfterAccept`, `rateLimitNext`, `retryAfterS`, `banNext`,
    /// `clockSkewMs`, `partialFill`, `lateLandingMs`. Returns all switches.
    ///
    /// # Errors
    /// `ValidationError` `INVALID_ARGUMENT` naming the bad key; nothing changes then.
    #[wasm_bindgen(js_name = setFaults, unchecked_return_type = "ExchangeFaults")]
    pub fn set_faults(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Partial<ExchangeFaults>")] faults: JsValue,
    ) -> JsResult<JsValue> {
        let v = to_json(&faults, "faults")?;
        self.inner.faults_mut().merge_json(&v)?;
        Ok(from_json(&self.inner.faults().to_json()))
    }

    /// All fault switches.
    #[wasm_bindgen(js_name = getFaults, unchecked_return_type = "ExchangeFaults")]
    pub fn get_faults(&self) -> JsValue {
        from_json(&self.inner.faults().to_json())
    }

    /// Requests handled so far: `{ method, path, params, status, code, time, dropped }`
    /// (`params` without `signature`).
    #[wasm_bindgen(unchecked_return_type = "LoggedExchangeRequest[]")]
    pub fn requests(&self) -> JsValue {
        let list: Vec<Value> = self
            .inner
            .requests()
            .iter()
            .map(|r| {
                let params: serde_json::Map<String, Value> = r
                    .params
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                json!({
                    "method": r.method, "path": r.path, "params": params, "status": r.status,
                    "code": r.code, "time": r.time_ms, "dropped": r.dropped,
                })
            })
            .collect();
        from_json(&Value::Array(list))
    }

    /// Forget the request log.
    #[wasm_bindgen(js_name = clearRequests)]
    pub fn clear_requests(&mut self) {
        self.inner.clear_requests();
    }

    /// A summary: prices, futures wallet/positions/open orders, spot balances/open orders,
    /// faults.
    #[wasm_bindgen(unchecked_return_type = "Record<string, unknown>")]
    pub fn state(&self, now_ms: Option<f64>) -> JsValue {
        from_json(&self.inner.state_json(now_or(now_ms)))
    }

    /// The first API key.
    #[wasm_bindgen(getter, js_name = apiKey)]
    pub fn api_key(&self) -> String {
        self.inner
            .config()
            .api_keys
            .first()
            .map(|k| k.0.clone())
            .unwrap_or_default()
    }

    /// The first API secret (a local test credential, printed by the CLI).
    #[wasm_bindgen(getter, js_name = apiSecret)]
    pub fn api_secret(&self) -> String {
        self.inner
            .config()
            .api_keys
            .first()
            .map(|k| k.1.clone())
            .unwrap_or_default()
    }
}
