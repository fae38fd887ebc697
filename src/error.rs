//! Core errors → real JS `Error` objects with a stable `name` and `code`.

use iftb_core::{EngineError, OrderError, ValidationError};
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

impl From<EngineError> for Error {
    fn from(e: EngineError) -> Self {
        Self::new(e.kind(), e.code(), &e.to_string())
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
