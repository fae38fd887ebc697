//! Conversions at the JS boundary: numbers-or-strings in, objects with `exact` strings out.

use crate::error::{Error, JsResult};
use iftb_core::num::parse_decimal;
use iftb_core::{Decimal, ValidationError};
use js_sys::{Object, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;

// JS operations that run user code (getters, Proxy traps) and so may throw. Every one is
// imported with `catch`: an exception comes back as an `Err` here, never unwinds through wasm
// (which would leave borrows taken and poison the instance).
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn array_is_array(v: &JsValue) -> Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn object_keys(v: &JsValue) -> Result<js_sys::Array, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Array, js_name = from)]
    fn array_from(v: &JsValue) -> Result<js_sys::Array, JsValue>;
}

/// A JS exception met while reading an argument, as a coded `INVALID_ARGUMENT` error.
#[must_use]
pub fn thrown(what: &str, e: &JsValue) -> Error {
    let msg = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "a non-Error value".into());
    ValidationError::InvalidArgument(format!("reading {what} threw: {msg}")).into()
}

/// `Array.isArray(v)`; a revoked Proxy (which makes it throw) is an `INVALID_ARGUMENT`.
///
/// # Errors
/// `INVALID_ARGUMENT` when the check throws.
pub fn is_array(v: &JsValue, what: &str) -> JsResult<bool> {
    array_is_array(v).map_err(|e| thrown(what, &e))
}

/// `Object.keys(v)` as strings.
///
/// # Errors
/// `INVALID_ARGUMENT` when it throws (a Proxy trap).
pub fn keys(v: &JsValue, what: &str) -> JsResult<Vec<String>> {
    let a = object_keys(v).map_err(|e| thrown(what, &e))?;
    Ok(a.iter().filter_map(|k| k.as_string()).collect())
}

/// `Array.from(v)`.
///
/// # Errors
/// `INVALID_ARGUMENT` when it throws (a getter, an iterator, a Proxy trap).
pub fn array(v: &JsValue, what: &str) -> JsResult<js_sys::Array> {
    array_from(v).map_err(|e| thrown(what, &e))
}

/// `obj[key]`, with an exception from a getter or a Proxy trap as an `INVALID_ARGUMENT`
/// (undefined when `obj` is not an object).
///
/// # Errors
/// `INVALID_ARGUMENT` when reading throws.
pub fn try_get(obj: &JsValue, key: &JsValue, what: &str) -> JsResult<JsValue> {
    if obj.is_object() {
        Reflect::get(obj, key).map_err(|e| thrown(what, &e))
    } else {
        Ok(JsValue::UNDEFINED)
    }
}

/// Fields that carry money or quantities: in outputs they become JS numbers, with the exact
/// decimal string kept under `exact`. These are the ones outside an order; an order's are
/// [`EXACT_FIELDS`](crate::order_io::EXACT_FIELDS), and both lists are walked.
const OTHER_DECIMAL_FIELDS: &[&str] = &[
    "entryPrice",
    "currentPrice",
    "unrealizedPnl",
    "realizedPnl",
    "margin",
    "liquidationPrice",
    "stopLoss",
    "takeProfit",
    "initialBalance",
    "walletBalance",
    "balance",
    "equity",
    "marginUsed",
    "feesPaid",
    "totalEquity",
    "notional",
];

/// A decimal as the nearest JS number (JS parses the exact decimal text).
#[must_use]
pub fn number(d: Decimal) -> f64 {
    js_sys::Number::parse_float(tidy(&d.to_string()))
}

/// An optional event sequence number: a whole non-negative number; anything else reads as 0.
#[must_use]
pub fn since_seq(v: Option<f64>) -> u64 {
    // Finite and positive; the cast saturates at u64::MAX.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    v.filter(|s| s.is_finite() && *s > 0.0)
        .map_or(0, |s| s as u64)
}

/// A string argument, with `err` for anything else (never a wasm trap on bad types).
///
/// # Errors
/// `err(description)` when `v` is not a string.
pub fn str_arg(v: &JsValue, err: impl Fn(String) -> ValidationError) -> JsResult<String> {
    v.as_string().ok_or_else(|| err(describe(v)).into())
}

/// `obj[key]` (undefined when `obj` is not an object or has no such key).
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() {
        Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

fn set(obj: &JsValue, key: &str, value: &JsValue) {
    // Setting a property on a plain object we created cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

fn describe(v: &JsValue) -> String {
    v.as_string()
        .or_else(|| v.as_f64().map(js_number_text))
        .unwrap_or_else(|| v.js_typeof().as_string().unwrap_or_default())
}

/// A JS number's shortest round-trip text (`0.1` → "0.1", `1e-7` → "1e-7").
fn js_number_text(n: f64) -> String {
    js_sys::Number::from(n)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}

/// Read a money/quantity value: a finite JS number (through its shortest round-trip decimal
/// text, so `0.1` is exactly 0.1) or a decimal string.
///
/// # Errors
/// `INVALID_NUMBER` for NaN, ±Infinity, non-numeric strings and other types.
pub fn decimal(field: &'static str, v: &JsValue) -> JsResult<Decimal> {
    let bad = || ValidationError::InvalidNumber {
        field,
        value: describe(v),
    };
    if let Some(n) = v.as_f64() {
        if !n.is_finite() {
            return Err(bad().into());
        }
        return Ok(parse_decimal(field, &js_number_text(n))?);
    }
    if let Some(s) = v.as_string() {
        return Ok(parse_decimal(field, &s)?);
    }
    Err(bad().into())
}

/// Like [`decimal`], `None` for `undefined`/`null`.
///
/// # Errors
/// As [`decimal`].
pub fn opt_decimal(field: &'static str, v: &JsValue) -> JsResult<Option<Decimal>> {
    if v.is_undefined() || v.is_null() {
        Ok(None)
    } else {
        decimal(field, v).map(Some)
    }
}

/// A price (number or decimal string).
///
/// # Errors
/// As [`decimal`].
pub fn price(field: &'static str, v: &JsValue) -> JsResult<iftb_core::Price> {
    decimal(field, v).map(iftb_core::Price)
}

/// An optional price.
///
/// # Errors
/// As [`decimal`].
pub fn opt_price(field: &'static str, v: &JsValue) -> JsResult<Option<iftb_core::Price>> {
    Ok(opt_decimal(field, v)?.map(iftb_core::Price))
}

/// An optional rate (fee, slippage, fraction).
///
/// # Errors
/// As [`decimal`].
pub fn opt_rate(field: &'static str, v: &JsValue) -> JsResult<Option<iftb_core::Rate>> {
    Ok(opt_decimal(field, v)?.map(iftb_core::Rate))
}

/// A whole number in `1..=max` (leverage).
///
/// # Errors
/// `INVALID_LEVERAGE`.
pub fn leverage(v: &JsValue, max: u32) -> JsResult<Option<u32>> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n.fract() == 0.0 && n >= 1.0 && n <= f64::from(max) => {
            // In range 1..=max and whole, so the cast is exact.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Ok(Some(n as u32))
        }
        _ => Err(ValidationError::InvalidLeverage {
            value: describe(v),
            max,
        }
        .into()),
    }
}

/// A string field, or `None` when missing.
///
/// # Errors
/// `err` when present but not a string.
pub fn opt_string(
    v: &JsValue,
    err: impl FnOnce(String) -> ValidationError,
) -> JsResult<Option<String>> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string()
        .map(Some)
        .ok_or_else(|| err(describe(v)).into())
}

/// A required string field.
///
/// # Errors
/// `err` when missing or not a string.
pub fn string(v: &JsValue, err: impl Fn(String) -> ValidationError) -> JsResult<String> {
    opt_string(v, &err)?.ok_or_else(|| err(describe(v)).into())
}

/// Require a (non-null) object argument.
///
/// # Errors
/// `INVALID_ARGUMENT` naming `what`.
pub fn object<'a>(v: &'a JsValue, what: &str) -> JsResult<&'a JsValue> {
    if v.is_object() && !v.is_null() && !is_array(v, what)? {
        Ok(v)
    } else {
        Err(ValidationError::InvalidArgument(format!(
            "{what} must be an object, got {}",
            describe(v)
        ))
        .into())
    }
}

/// Serialise a core value to a plain JS object: `None` → `null`, decimals → numbers, with the
/// exact decimal strings under `exact`.
///
/// # Errors
/// `INTERNAL` if serialisation fails (it does not for the core's types).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> JsResult<JsValue> {
    let ser = serde_wasm_bindgen::Serializer::new()
        .serialize_missing_as_null(true)
        .serialize_maps_as_objects(true);
    let v = value
        .serialize(&ser)
        .map_err(|e| Error::new("EngineError", "INTERNAL", &e.to_string()))?;
    numberize(&v);
    Ok(v)
}

/// Canonical decimal text: no trailing fractional zeros, no negative zero ("1.50" → "1.5").
pub(crate) fn tidy(s: &str) -> &str {
    let t = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    };
    if t == "-0" {
        "0"
    } else {
        t
    }
}

/// `{ seq, timestamp, event: { orderFilled: { ... } } }` → `{ seq, timestamp, type: "orderFilled", ... }`.
fn flatten_event(v: &JsValue) {
    let key = JsValue::from_str("event");
    let ev = Reflect::get(v, &key).unwrap_or(JsValue::UNDEFINED);
    if !ev.is_object() || ev.is_null() {
        return;
    }
    let keys = Object::keys(&Object::from(ev.clone()));
    if keys.length() != 1 {
        return;
    }
    let ty = keys.get(0);
    let body = Reflect::get(&ev, &ty).unwrap_or(JsValue::UNDEFINED);
    let _ = Reflect::delete_property(&Object::from(v.clone()), &key);
    set(v, "type", &ty);
    if body.is_object() && !body.is_null() {
        for k in Object::keys(&Object::from(body.clone())).iter() {
            let _ = Reflect::set(v, &k, &Reflect::get(&body, &k).unwrap_or(JsValue::NULL));
        }
    }
}

/// Apply the decimal-field rewrite to an object, or to each element of an array.
fn numberize(v: &JsValue) {
    if js_sys::Array::is_array(v) {
        for item in js_sys::Array::from(v).iter() {
            numberize(&item);
        }
        return;
    }
    if !v.is_object() || v.is_null() {
        return;
    }
    flatten_event(v);
    let exact = Object::new();
    let mut any = false;
    for &key in crate::order_io::EXACT_FIELDS
        .iter()
        .chain(OTHER_DECIMAL_FIELDS)
    {
        let k = JsValue::from_str(key);
        if !Reflect::has(v, &k).unwrap_or(false) {
            continue;
        }
        let field = Reflect::get(v, &k).unwrap_or(JsValue::NULL);
        if let Some(s) = field.as_string() {
            let s = tidy(&s);
            set(&exact, key, &JsValue::from_str(s));
            set(v, key, &JsValue::from_f64(js_sys::Number::parse_float(s)));
            any = true;
        } else if field.is_null() {
            set(&exact, key, &JsValue::NULL);
            any = true;
        }
    }
    if any {
        set(v, "exact", &exact);
    }
    // Nested objects and arrays (e.g. the positions of an account status).
    for key in Object::keys(&Object::from(v.clone())).iter() {
        let child = Reflect::get(v, &key).unwrap_or(JsValue::NULL);
        if child.is_object() && !child.is_null() && key.as_string().as_deref() != Some("exact") {
            numberize(&child);
        }
    }
}

/// Serialise without the number rewrite: decimals stay exact strings (snapshots).
///
/// # Errors
/// `INTERNAL` if serialisation fails.
pub fn to_js_exact<T: Serialize + ?Sized>(value: &T) -> JsResult<JsValue> {
    let ser = serde_wasm_bindgen::Serializer::new()
        .serialize_missing_as_null(true)
        .serialize_maps_as_objects(true);
    value
        .serialize(&ser)
        .map_err(|e| Error::new("EngineError", "INTERNAL", &e.to_string()))
}
