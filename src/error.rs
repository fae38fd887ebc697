//! Core errors → real JS `Error` objects with a stable `name` and `code`.

use iftb_core::{EngineError, LiveError, OrderError, ValidationError};
use wasm_bindgen::prelude::*;

/// An error on its way to JS. Always a `js_sys::Error` with `name` and `code` set.
#[derive(Debug)]
pub struct Error(JsValue);

impl Error {
    /// Build an `Error` with the given family name, code and message.
    #[must_use]
    pub fn new(name: &str, code: &str, message: &str) -> Self {
        let e = js_sys::Error::new(message);
        e.set_name(name);
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&e, &JsValue::from_str("code"), &JsValue::from_str(code));
        Self(e.into())
    }

    /// The JS value.
    #[must_use]
    pub fn into_js(self) -> JsValue {
        self.0
    }
}

impl From<Error> for JsValue {
    fn from(e: Error) -> Self {
        e.0
    }
}

impl Error {
    fn set(&self, key: &str, value: &JsValue) {
        let _ = js_sys::Reflect::set(&self.0, &JsValue::from_str(key), value);
    }
}

impl From<EngineError> for Error {
    fn from(e: EngineError) -> Self {
        let out = Self::new(e.kind(), e.code(), &e.to_string());
        if let EngineError::Live(live) = &e {
            // The exchange's own answer, kept verbatim for callers and logs.
            if let Some(r) = live.reply() {
                out.set("httpStatus", &JsValue::from(r.http_status));
                if let Some(c) = r.code {
                    // Binance codes are small negative integers, exact as f64.
                    #[allow(clippy::cast_precision_loss)]
                    out.set("exchangeCode", &JsValue::from(c as f64));
                }
                out.set("exchangeMessage", &JsValue::from_str(&r.msg));
            }
            match live {
                LiveError::RateLimited { retry_after_ms, .. }
                | LiveError::IpBanned { retry_after_ms, .. } => {
                    #[allow(clippy::cast_precision_loss)]
                    out.set("retryAfterMs", &JsValue::from(*retry_after_ms as f64));
                }
                LiveError::StatusUnknown {
                    client_order_id, ..
                } => {
                    out.set("clientOrderId", &JsValue::from_str(client_order_id));
                }
                _ => {}
            }
        }
        out
    }
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        EngineError::from(e).into()
    }
}

impl From<OrderError> for Error {
    fn from(e: OrderError) -> Self {
        EngineError::from(e).into()
    }
}

/// Result of exported functions.
pub type JsResult<T> = Result<T, Error>;
