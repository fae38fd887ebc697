//! Orders across the boundary, fast: reading a JS order object into the core's typed
//! [`OrderRequest`] and building the JS object of an [`Order`].
//!
//! `placeOrder` is the hot call of the spec-shaped API. Its input is read by one JS function
//! that writes codes and numbers into wasm memory, and its result object is built by one JS
//! function from numbers. Neither knows the order's shape: the property names, the enum
//! words and the leverage limit are handed over from here once ([`io`]), taken from the core
//! (the `Order` struct's serde fields, `Side::ALL`, `OrderType::ALL`, `OrderStatus::ALL`,
//! `RejectReason`). The objects are the same as the serde path's (`convert::to_js`): a pkg
//! test compares them, and a wasm test checks the field lists against the core's.
//!
//! A JS exception while reading (a throwing getter, a revoked Proxy) comes back here as an
//! `INVALID_ARGUMENT` error (the imports are `catch`), and no borrow is held across a call
//! into JS, so a bad input never poisons an instance or the module (issue 15).

use crate::convert::{self, thrown};
use crate::error::JsResult;
use iftb_core::order::serde_fields;
use iftb_core::{
    Decimal, Order, OrderRequest, OrderStatus, OrderType, Price, Quantity, RejectReason, Side,
    Symbol, ValidationError, MAX_LEVERAGE,
};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
// A fixed-arity record reader and builder. The property names, the enum words and the limits
// come from Rust (iftb_io_init); nothing here names a field or a word.
let i0, i1, i2, i3, i4, i5, i6, i7, i8, maxInt = 0, A = null, B = null, view = null, mk = null;
const n = (x) => (x === undefined ? null : x);
// Exact text: a number stands for its own shortest text, else the text given, else null.
const t = (x, s) => (x !== undefined ? String(x) : s === undefined ? null : s);
// The builder: an object literal compiled once from the keys (as fast as a literal written
// here); where code generation is not allowed (a Content-Security-Policy without
// 'unsafe-eval'), the same object built with a store per key.
function compile(keys, omit, exactKey, exactKeys) {
  const q = JSON.stringify;
  const args = keys.map((_, i) => `a${i}`).concat(exactKeys.flatMap((_, i) => [`n${i}`, `s${i}`]));
  const exact = `{${exactKeys.map((k, i) => `${q(k)}: t(n${i}, s${i})`).join(", ")}}`;
  const fields = (withOmit) => keys.map((k, i) => (i === omit ? (withOmit ? `${q(k)}: a${i}, ` : "") : `${q(k)}: n(a${i}), `)).join("");
  const body = `return function (${args.join(", ")}) { const e = ${exact};
    return a${omit} === undefined ? {${fields(false)}${q(exactKey)}: e} : {${fields(true)}${q(exactKey)}: e}; };`;
  try {
    return new Function("n", "t", body)(n, t);
  } catch {
    return function (...v) {
      const o = {};
      for (let i = 0; i < keys.length; i++) if (i !== omit || v[i] !== undefined) o[keys[i]] = i === omit ? v[i] : n(v[i]);
      const e = {};
      for (let i = 0; i < exactKeys.length; i++) e[exactKeys[i]] = t(v[keys.length + 2 * i], v[keys.length + 2 * i + 1]);
      o[exactKey] = e;
      return o;
    };
  }
}
export function iftb_io_init(inKeys, wordsA, wordsB, max, outKeys, omit, exactKey, exactKeys) {
  [i0, i1, i2, i3, i4, i5, i6, i7, i8] = inKeys;
  A = new Map(wordsA.map((w, i) => [w, i]));
  B = new Map(wordsB.map((w, i) => [w, i]));
  maxInt = max;
  mk = compile(outKeys, omit, exactKey, exactKeys);
}
const num = (x) => typeof x === "number" && Number.isFinite(x);
const opt = (x) => x === undefined || x === null || num(x);
const optStr = (x) => x === undefined || x === null || typeof x === "string";
// Layout (Rust's): 0 optional string, 1 string (returned), 2 word of A, 3 word of B, 4 number,
// 5 and 6 optional numbers, 7 optional whole number in 1..=max, 8 flag. The common,
// well-formed record in one call: 8 doubles into wasm memory at `ptr`, slot 1 returned.
// Anything else returns undefined and is read (and refused with the right error) the general way.
export function iftb_read_order(o, mem, ptr) {
  if (typeof o !== "object" || o === null || Array.isArray(o)) return undefined;
  const a0 = o[i0], a1 = o[i1], a2 = A.get(o[i2]), a3 = B.get(o[i3]), a4 = o[i4];
  const a5 = o[i5], a6 = o[i6], a7 = o[i7], a8 = o[i8];
  if (a2 === undefined || a3 === undefined || typeof a1 !== "string" || !num(a4)) return undefined;
  if (!opt(a5) || !opt(a6) || !optStr(a0)) return undefined;
  if (!(a7 === undefined || a7 === null || (Number.isInteger(a7) && a7 >= 1 && a7 <= maxInt))) return undefined;
  if (view === null || view.buffer !== mem.buffer) view = new Float64Array(mem.buffer);
  const i = ptr >>> 3;
  view[i] = a2; view[i + 1] = a3; view[i + 2] = a4;
  view[i + 3] = a5 ?? NaN; view[i + 4] = a6 ?? NaN; view[i + 5] = a7 ?? NaN;
  view[i + 6] = a8 === true ? 1 : 0; view[i + 7] = typeof a0 === "string" ? 1 : 0;
  return a1;
}
// The record in Rust's field order (undefined is null, except in the omitted-when-absent
// field), then its exact texts as (number, text) pairs.
export function iftb_mk_order(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14,
    a15, a16, a17, a18, n0, s0, n1, s1, n2, s2, n3, s3, n4, s4, n5, s5, n6, s6) {
  return mk(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14,
    a15, a16, a17, a18, n0, s0, n1, s1, n2, s2, n3, s3, n4, s4, n5, s5, n6, s6);
}
"#)]
extern "C" {
    #[allow(clippy::too_many_arguments)]
    fn iftb_io_init(
        in_keys: js_sys::Array,
        words_a: js_sys::Array,
        words_b: js_sys::Array,
        max: u32,
        out_keys: js_sys::Array,
        omit: u32,
        exact_key: &str,
        exact_keys: js_sys::Array,
    );

    #[wasm_bindgen(catch)]
    fn iftb_read_order(o: &JsValue, mem: &JsValue, ptr: u32) -> Result<JsValue, JsValue>;

    #[allow(clippy::too_many_arguments)]
    fn iftb_mk_order(
        id: &JsValue,
        symbol: &JsValue,
        side: &JsValue,
        ty: &JsValue,
        amount: f64,
        price: Option<f64>,
        stop_price: Option<f64>,
        status: &JsValue,
        filled_price: Option<f64>,
        filled_amount: Option<f64>,
        fee: Option<f64>,
        timestamp: f64,
        exchange_order_id: &JsValue,
        error_message: Option<String>,
        reject_reason: &JsValue,
        leverage: u32,
        reduce_only: bool,
        close_position: bool,
        reserved: f64,
        n_amount: Option<f64>,
        s_amount: Option<String>,
        n_price: Option<f64>,
        s_price: Option<String>,
        n_stop_price: Option<f64>,
        s_stop_price: Option<String>,
        n_filled_price: Option<f64>,
        s_filled_price: Option<String>,
        n_filled_amount: Option<f64>,
        s_filled_amount: Option<String>,
        n_fee: Option<f64>,
        s_fee: Option<String>,
        n_reserved: Option<f64>,
        s_reserved: Option<String>,
    ) -> JsValue;
}

/// The properties of a JS order input, in the reader's slot order.
pub(crate) const INPUT_FIELDS: [&str; 9] = [
    "id",
    "symbol",
    "side",
    "type",
    "amount",
    "price",
    "stopPrice",
    "leverage",
    "reduceOnly",
];

/// The builder's argument order: the `Order` struct's serde fields, in order (a wasm test
/// checks this against `serde_fields::<Order>()`).
pub(crate) const ORDER_FIELDS: [&str; 19] = [
    "id",
    "symbol",
    "side",
    "type",
    "amount",
    "price",
    "stopPrice",
    "status",
    "filledPrice",
    "filledAmount",
    "fee",
    "timestamp",
    "exchangeOrderId",
    "errorMessage",
    "rejectReason",
    "leverage",
    "reduceOnly",
    "closePosition",
    "reserved",
];

/// The index in [`ORDER_FIELDS`] of the one field left out when absent (serde's
/// `skip_serializing_if`: `rejectReason`).
const OMITTED_WHEN_ABSENT: u32 = 14;

/// The decimal fields of an order that carry an exact text (`exact.*`), in order.
pub(crate) const EXACT_FIELDS: [&str; 7] = [
    "amount",
    "price",
    "stopPrice",
    "filledPrice",
    "filledAmount",
    "fee",
    "reserved",
];

/// Whether the builder's argument order is the core's `Order` shape.
#[must_use]
pub fn shape_matches_core() -> bool {
    serde_fields::<Order>() == ORDER_FIELDS
}

fn words<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> Vec<JsValue> {
    all.iter().map(|&v| JsValue::from_str(name(v))).collect()
}

fn js_array(v: &[JsValue]) -> js_sys::Array {
    v.iter().collect()
}

/// What the JS side was handed, kept to pass by reference (no clone crosses the boundary).
struct Words {
    memory: JsValue,
    keys: Vec<JsValue>,
    sides: Vec<JsValue>,
    types: Vec<JsValue>,
    statuses: Vec<JsValue>,
    rejects: Vec<JsValue>,
}

struct Io {
    words: Rc<Words>,
    /// An 8-double scratch area the JS reader fills.
    scratch: Box<[f64; 8]>,
    /// The last symbol read: its JS string and its parsed form.
    symbol: Option<(JsValue, Symbol)>,
}

thread_local! {
    static IO: RefCell<Io> = RefCell::new({
        let sides = words(&Side::ALL, Side::as_str);
        let types = words(&OrderType::ALL, OrderType::as_str);
        let keys: Vec<JsValue> = INPUT_FIELDS.iter().map(|k| JsValue::from_str(k)).collect();
        let out: Vec<JsValue> = ORDER_FIELDS.iter().map(|k| JsValue::from_str(k)).collect();
        let exact: Vec<JsValue> = EXACT_FIELDS.iter().map(|k| JsValue::from_str(k)).collect();
        iftb_io_init(
            js_array(&keys),
            js_array(&sides),
            js_array(&types),
            MAX_LEVERAGE,
            js_array(&out),
            OMITTED_WHEN_ABSENT,
            "exact",
            js_array(&exact),
        );
        Io {
            words: Rc::new(Words {
                memory: wasm_bindgen::memory(),
                keys,
                sides,
                types,
                statuses: words(&OrderStatus::ALL, OrderStatus::as_str),
                rejects: RejectReason::ALL
                    .iter()
                    .map(|r| serde_wasm_bindgen::to_value(r).unwrap_or(JsValue::UNDEFINED))
                    .collect(),
            }),
            scratch: Box::new([0.0; 8]),
            symbol: None,
        }
    });
}

fn words_now() -> Rc<Words> {
    IO.with(|io| io.borrow().words.clone())
}

/// A JS number or decimal string as a decimal: numbers through their shortest decimal
/// without formatting when it has at most 12 places.
fn f64_decimal(field: &'static str, x: f64) -> JsResult<Decimal> {
    if let iftb_fast::fixed::FromF64::Exact(f) = iftb_fast::fixed::from_f64(x) {
        if let Some(d) = f.to_decimal() {
            return Ok(d);
        }
    }
    convert::decimal(field, &JsValue::from_f64(x))
}

/// [`f64_decimal`] for any JS value.
pub(crate) fn fast_decimal(field: &'static str, v: &JsValue) -> JsResult<Decimal> {
    if let Some(x) = v.as_f64() {
        return f64_decimal(field, x);
    }
    convert::decimal(field, v)
}

/// An optional price, read as [`fast_decimal`] reads.
pub(crate) fn fast_opt_price(field: &'static str, v: &JsValue) -> JsResult<Option<Price>> {
    if v.is_undefined() || v.is_null() {
        Ok(None)
    } else {
        fast_decimal(field, v).map(|d| Some(Price(d)))
    }
}

/// The symbol of a JS string, parsed once per distinct string in a row.
fn symbol_of(js: &JsValue) -> JsResult<Symbol> {
    let cached = IO.with(|io| {
        io.borrow()
            .symbol
            .as_ref()
            .filter(|(k, _)| k == js)
            .map(|(_, s)| s.clone())
    });
    if let Some(s) = cached {
        return Ok(s);
    }
    let text = js.as_string().unwrap_or_default();
    let s = Symbol::parse(&text)?;
    IO.with(|io| io.borrow_mut().symbol = Some((js.clone(), s.clone())));
    Ok(s)
}

/// Read a JS order into the core's typed request; also returns the JS values of `id` and
/// `symbol` (reused in the output object).
///
/// # Errors
/// The core's validation errors; `INVALID_ARGUMENT` when reading the object throws.
pub(crate) fn read_order(order: &JsValue) -> JsResult<(OrderRequest, JsValue, JsValue)> {
    // No borrow of the cache is held while JS runs (a getter may call back into wasm).
    let words = words_now();
    let ptr = IO.with(|io| io.borrow_mut().scratch.as_mut_ptr());
    // The pointer goes to JS as an integer; JS writes the 8 doubles there.
    #[allow(clippy::cast_possible_truncation)]
    let sym = iftb_read_order(order, &words.memory, ptr as usize as u32)
        .map_err(|e| thrown("the order", &e))?;
    if sym.is_string() {
        // SAFETY: `ptr` points at the 8 doubles of the cache's boxed scratch area, which lives
        // as long as the thread; volatile reads because JS wrote them behind the compiler's
        // back.
        let f: [f64; 8] = std::array::from_fn(|i| unsafe { std::ptr::read_volatile(ptr.add(i)) });
        let symbol = symbol_of(&sym)?;
        let id = if f[7] == 1.0 {
            convert::try_get(order, &words.keys[0], "the order")?
        } else {
            JsValue::UNDEFINED
        };
        let number = |field: &'static str, x: f64| -> JsResult<Option<Price>> {
            if x.is_nan() {
                Ok(None)
            } else {
                f64_decimal(field, x).map(|d| Some(Price(d)))
            }
        };
        // Indices into Side::ALL / OrderType::ALL and a whole leverage, written by the reader.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let req = OrderRequest {
            id: id.as_string(),
            price: number("price", f[3])?,
            stop_price: number("stopPrice", f[4])?,
            leverage: (!f[5].is_nan()).then_some(f[5] as u32),
            reduce_only: f[6] == 1.0,
            ..OrderRequest::new(
                symbol,
                Side::ALL[f[0] as usize],
                OrderType::ALL[f[1] as usize],
                Quantity(f64_decimal("amount", f[2])?),
            )
        };
        return Ok((req, id, sym));
    }
    read_order_general(order)
}

/// The general reader: every property read on its own, each refusal with its own code.
fn read_order_general(order: &JsValue) -> JsResult<(OrderRequest, JsValue, JsValue)> {
    let o = convert::object(order, "order")?;
    let words = words_now();
    let f: Vec<JsValue> = words
        .keys
        .iter()
        .map(|k| convert::try_get(o, k, "the order"))
        .collect::<JsResult<_>>()?;
    let amount = &f[4];
    if amount.is_undefined() || amount.is_null() {
        return Err(ValidationError::InvalidAmount("missing".into()).into());
    }
    let id = convert::opt_string(&f[0], ValidationError::InvalidOrderId)?;
    let symbol = convert::string(&f[1], ValidationError::InvalidSymbol)?;
    let side = convert::string(&f[2], ValidationError::InvalidSide)?;
    let ty = convert::string(&f[3], ValidationError::InvalidOrderType)?;
    let amount = fast_decimal("amount", amount)?;
    let price = fast_opt_price("price", &f[5])?;
    let stop_price = fast_opt_price("stopPrice", &f[6])?;
    let leverage = convert::leverage(&f[7], MAX_LEVERAGE)?;
    let mut req = OrderRequest::parse(&symbol, &side, &ty, Quantity(amount))?;
    req.id = id;
    req.price = price;
    req.stop_price = stop_price;
    req.leverage = leverage;
    req.reduce_only = f[8].as_bool().unwrap_or(false);
    Ok((req, f[0].clone(), f[1].clone()))
}

/// A decimal as a JS number, and whether `String(number)` is its exact text (at most 15
/// significant digits, and a magnitude JS prints without an exponent).
fn dec_num(d: Decimal) -> (f64, bool) {
    const P: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    let n = d.normalize();
    let (m, s) = (n.mantissa(), n.scale() as usize);
    if m.unsigned_abs() < 1_000_000_000_000_000 && s < P.len() {
        // m < 2^53 and 10^s are exact doubles: one correctly rounded division.
        #[allow(clippy::cast_precision_loss)]
        let v = m as f64 / P[s];
        let a = v.abs();
        (v, a == 0.0 || (1e-6..1e21).contains(&a))
    } else {
        (convert::number(d), false)
    }
}

/// A decimal field: its number, and its exact text as either that number (when `String` of
/// it is exact) or the decimal's text; nothing when absent.
fn field(d: Option<Decimal>) -> (Option<f64>, Option<f64>, Option<String>) {
    let Some(d) = d else {
        return (None, None, None);
    };
    let (v, simple) = dec_num(d);
    if simple {
        (Some(v), Some(v), None)
    } else {
        (
            Some(v),
            None,
            Some(convert::tidy(&d.to_string()).to_owned()),
        )
    }
}

/// The JS object of an order (as `convert::to_js` makes it), in one call.
pub(crate) fn order_to_js(o: &Order, id: &JsValue, symbol: &JsValue) -> JsValue {
    let (amount, n_amount, s_amount) = field(Some(o.amount.0));
    let (price, n_price, s_price) = field(o.price.map(|p| p.0));
    let (stop, n_stop, s_stop) = field(o.stop_price.map(|p| p.0));
    let (filled_price, n_fp, s_fp) = field(o.filled_price.map(|p| p.0));
    let (filled_amount, n_fa, s_fa) = field(o.filled_amount.map(|q| q.0));
    let (fee, n_fee, s_fee) = field(o.fee.map(|m| m.0));
    let (reserved, n_res, s_res) = field(Some(o.reserved.0));
    let own_id;
    let id = if id.is_string() {
        id
    } else {
        own_id = JsValue::from_str(&o.id);
        &own_id
    };
    let own_symbol;
    let symbol = if symbol.as_string().as_deref() == Some(o.symbol.as_str()) {
        symbol
    } else {
        own_symbol = JsValue::from_str(o.symbol.as_str());
        &own_symbol
    };
    let xid = o
        .exchange_order_id
        .as_deref()
        .map_or(JsValue::NULL, JsValue::from_str);
    let w = words_now();
    fn pick(all: &[JsValue], i: Option<usize>) -> Option<&JsValue> {
        i.and_then(|i| all.get(i))
    }
    let undefined = JsValue::UNDEFINED;
    let side = pick(&w.sides, Side::ALL.iter().position(|s| *s == o.side));
    let ty = pick(
        &w.types,
        OrderType::ALL.iter().position(|t| *t == o.order_type),
    );
    let status = pick(
        &w.statuses,
        OrderStatus::ALL.iter().position(|s| *s == o.status),
    );
    let reject = o
        .reject_reason
        .and_then(|r| pick(&w.rejects, RejectReason::ALL.iter().position(|x| *x == r)))
        .unwrap_or(&undefined);
    #[allow(clippy::cast_precision_loss)]
    let ts = o.timestamp_ms as f64;
    iftb_mk_order(
        id,
        symbol,
        side.unwrap_or(&undefined),
        ty.unwrap_or(&undefined),
        amount.unwrap_or(0.0),
        price,
        stop,
        status.unwrap_or(&undefined),
        filled_price,
        filled_amount,
        fee,
        ts,
        &xid,
        o.error_message.clone(),
        reject,
        o.leverage,
        o.reduce_only,
        o.close_position,
        reserved.unwrap_or(0.0),
        n_amount,
        s_amount,
        n_price,
        s_price,
        n_stop,
        s_stop,
        n_fp,
        s_fp,
        n_fa,
        s_fa,
        n_fee,
        s_fee,
        n_res,
        s_res,
    )
}
