//! `PaperTrader`: the in-process paper venue, as the spec's JS class.

use crate::convert::{self, get};
use crate::error::{Error, JsResult};
use iftb_core::{
    Bracket, BracketTable, Decimal, OrderRequest, OrderType, PaperConfig, PaperEngine, Symbol,
    ValidationError, MAX_LEVERAGE,
};
use wasm_bindgen::prelude::*;

/// The wall clock of the host (`Date.now()`), injected into the core.
pub(crate) fn js_clock() -> iftb_core::SharedClock {
    std::rc::Rc::new(now_ms)
}

/// `Date.now()` in whole ms.
pub(crate) fn now_ms() -> u64 {
    // Date.now() is a whole number of ms well inside u64.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let ms = js_sys::Date::now() as u64;
    ms
}

/// Read `PaperTrader` options (all optional) into a core configuration.
pub(crate) fn paper_config(options: &JsValue) -> JsResult<PaperConfig> {
    let mut c = PaperConfig::default();
    if options.is_undefined() || options.is_null() {
        return Ok(c);
    }
    let o = convert::object(options, "options")?;
    if let Some(v) = convert::opt_decimal("initialBalance", &get(o, "initialBalance"))? {
        c.initial_balance = v;
    }
    if let Some(v) = convert::opt_decimal("makerFee", &get(o, "makerFee"))? {
        c.maker_fee = v;
    }
    if let Some(v) = convert::opt_decimal("takerFee", &get(o, "takerFee"))? {
        c.taker_fee = v;
    }
    if let Some(v) = convert::opt_decimal("slippage", &get(o, "slippage"))? {
        c.slippage = v;
    }
    if let Some(v) = convert::leverage(&get(o, "defaultLeverage"), MAX_LEVERAGE)? {
        c.default_leverage = v;
    }
    let brackets = get(o, "brackets");
    if !brackets.is_undefined() && !brackets.is_null() {
        let b = convert::object(&brackets, "options.brackets")?;
        for key in js_sys::Object::keys(&js_sys::Object::from(b.clone())).iter() {
            let name = key.as_string().unwrap_or_default();
            let table = bracket_table(&get(b, &name))?;
            if name == "default" {
                c.default_brackets = table;
            } else {
                c.brackets.insert(Symbol::parse(&name)?, table);
            }
        }
    }
    c.validate()?;
    Ok(c)
}

fn bracket_table(v: &JsValue) -> JsResult<BracketTable> {
    if !js_sys::Array::is_array(v) {
        return Err(ValidationError::InvalidConfig(
            "a bracket table must be an array of {notionalFloor, notionalCap, maxLeverage, maintMarginRatio, cum}".into(),
        )
        .into());
    }
    js_sys::Array::from(v)
        .iter()
        .map(|row| {
            Ok(Bracket {
                notional_floor: convert::decimal("notionalFloor", &get(&row, "notionalFloor"))?,
                notional_cap: convert::decimal("notionalCap", &get(&row, "notionalCap"))?,
                max_leverage: convert::leverage(&get(&row, "maxLeverage"), MAX_LEVERAGE)?
                    .unwrap_or(MAX_LEVERAGE),
                maint_margin_ratio: convert::decimal(
                    "maintMarginRatio",
                    &get(&row, "maintMarginRatio"),
                )?,
                cum: convert::decimal("cum", &get(&row, "cum"))?,
            })
        })
        .collect::<JsResult<Vec<_>>>()
        .map(BracketTable)
}

// ----- the placeOrder fast path ---------------------------------------------------------------
//
// placeOrder is the hot call of the spec-shaped API. Its input is read with cached property
// keys and without decoding strings that repeat (the last symbol, "buy"/"sell", order types),
// numbers become decimals through `fixed::from_f64` (their shortest decimal, no toString), and
// the resulting order object is built by one JS function from numbers (its `exact` strings are
// `String(number)` whenever that text is the exact decimal, else passed explicitly). Same
// objects as the general path (a wasm test compares them).

#[wasm_bindgen(inline_js = r#"
const SIDES = new Map([["buy", 0], ["sell", 1]]);
const TYPES = new Map([["market", 0], ["limit", 1], ["stop_loss", 2], ["take_profit", 3]]);
const num = (x) => typeof x === "number" && Number.isFinite(x);
const opt = (x) => x === undefined || x === null || num(x);
let view = null;
// The common, well-formed order in one call: codes and numbers into wasm memory at `ptr`
// (8 doubles), the symbol string returned. Anything else returns undefined and is read (and
// refused with the right error) the general way.
export function iftb_read_order(o, mem, ptr) {
  if (typeof o !== "object" || o === null || Array.isArray(o)) return undefined;
  const side = SIDES.get(o.side), type = TYPES.get(o.type), symbol = o.symbol, id = o.id;
  const amount = o.amount, price = o.price, stopPrice = o.stopPrice, lev = o.leverage;
  if (side === undefined || type === undefined || typeof symbol !== "string" || !num(amount)) return undefined;
  if (!opt(price) || !opt(stopPrice)) return undefined;
  if (!(lev === undefined || lev === null || (Number.isInteger(lev) && lev >= 1 && lev <= 125))) return undefined;
  if (!(id === undefined || id === null || typeof id === "string")) return undefined;
  if (view === null || view.buffer !== mem.buffer) view = new Float64Array(mem.buffer);
  const i = ptr >>> 3;
  view[i] = side; view[i + 1] = type; view[i + 2] = amount;
  view[i + 3] = price ?? NaN; view[i + 4] = stopPrice ?? NaN; view[i + 5] = lev ?? NaN;
  view[i + 6] = o.reduceOnly === true ? 1 : 0; view[i + 7] = typeof id === "string" ? 1 : 0;
  return symbol;
}
const S = ["buy", "sell"], T = ["market", "limit", "stop_loss", "take_profit"];
const ST = ["pending", "filled", "cancelled", "failed"];
const n = (x) => (x === undefined ? null : x);
export function iftb_mk_order(id, symbol, side, type, status, amount, price, stopPrice, filledPrice,
    filledAmount, fee, timestamp, exchangeOrderId, errorMessage, leverage, flags, reserved, ex) {
  const e = (x, i) => (x === undefined ? null : ex !== null && ex[i] !== undefined ? ex[i] : String(x));
  return {
    id, symbol, side: S[side], type: T[type], amount, price: n(price), stopPrice: n(stopPrice),
    status: ST[status], filledPrice: n(filledPrice), filledAmount: n(filledAmount), fee: n(fee),
    timestamp, exchangeOrderId, errorMessage: n(errorMessage), leverage,
    reduceOnly: (flags & 1) !== 0, closePosition: (flags & 2) !== 0, reserved,
    exact: { amount: e(amount, 0), price: e(price, 1), stopPrice: e(stopPrice, 2), filledPrice: e(filledPrice, 3),
      filledAmount: e(filledAmount, 4), fee: e(fee, 5), reserved: e(reserved, 6) },
  };
}
"#)]
extern "C" {
    fn iftb_read_order(o: &JsValue, mem: &JsValue, ptr: u32) -> JsValue;

    #[allow(clippy::too_many_arguments)]
    fn iftb_mk_order(
        id: &JsValue,
        symbol: &JsValue,
        side: u32,
        ty: u32,
        status: u32,
        amount: f64,
        price: Option<f64>,
        stop_price: Option<f64>,
        filled_price: Option<f64>,
        filled_amount: Option<f64>,
        fee: Option<f64>,
        timestamp: f64,
        exchange_order_id: &JsValue,
        error_message: Option<String>,
        leverage: u32,
        flags: u32,
        reserved: f64,
        ex: &JsValue,
    ) -> JsValue;
}

const KEY_NAMES: [&str; 9] = [
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

struct Cache {
    /// wasm memory and an 8-double scratch area the JS reader fills.
    memory: JsValue,
    scratch: Box<[f64; 8]>,
    keys: Vec<JsValue>,
    symbol: Option<(JsValue, String)>,
    words: Vec<(JsValue, &'static str)>,
}

thread_local! {
    static CACHE: std::cell::RefCell<Cache> = std::cell::RefCell::new(Cache {
        memory: wasm_bindgen::memory(),
        scratch: Box::new([0.0; 8]),
        keys: KEY_NAMES.iter().map(|k| JsValue::from_str(k)).collect(),
        symbol: None,
        words: ["buy", "sell", "market", "limit", "stop_loss", "take_profit"]
            .iter()
            .map(|w| (JsValue::from_str(w), *w))
            .collect(),
    });
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

fn fast_decimal(field: &'static str, v: &JsValue) -> JsResult<Decimal> {
    if let Some(x) = v.as_f64() {
        if let iftb_fast::fixed::FromF64::Exact(f) = iftb_fast::fixed::from_f64(x) {
            if let Some(d) = f.to_decimal() {
                return Ok(d);
            }
        }
    }
    convert::decimal(field, v)
}

fn fast_opt_decimal(field: &'static str, v: &JsValue) -> JsResult<Option<Decimal>> {
    if v.is_undefined() || v.is_null() {
        Ok(None)
    } else {
        fast_decimal(field, v).map(Some)
    }
}

/// A string field that is usually one of a few words: compared by identity first.
fn word(c: &Cache, v: &JsValue, err: impl Fn(String) -> ValidationError) -> JsResult<String> {
    if let Some((_, w)) = c.words.iter().find(|(k, _)| k == v) {
        return Ok((*w).to_owned());
    }
    convert::string(v, err)
}

/// `order_request` with cached keys and fewer crossings; returns the request and the JS
/// values of `id` and `symbol` (reused in the output object).
fn order_request_fast(order: &JsValue) -> JsResult<(OrderRequest, JsValue, JsValue)> {
    const SIDES: [&str; 2] = ["buy", "sell"];
    const TYPES: [&str; 4] = ["market", "limit", "stop_loss", "take_profit"];
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        let ptr = c.scratch.as_mut_ptr();
        // The pointer goes to JS as an integer; JS writes the 8 doubles there.
        #[allow(clippy::cast_possible_truncation)]
        let sym = iftb_read_order(order, &c.memory, ptr as usize as u32);
        if sym.is_string() {
            // SAFETY: `ptr` points at the 8 doubles of `c.scratch`, alive and not otherwise
            // borrowed; volatile reads because JS wrote them behind the compiler's back.
            let f: [f64; 8] =
                std::array::from_fn(|i| unsafe { std::ptr::read_volatile(ptr.add(i)) });
            let symbol = match &c.symbol {
                Some((k, s)) if *k == sym => s.clone(),
                _ => {
                    let s = sym.as_string().unwrap_or_default();
                    c.symbol = Some((sym.clone(), s.clone()));
                    s
                }
            };
            let id = if f[7] == 1.0 {
                js_sys::Reflect::get(order, &c.keys[0]).unwrap_or(JsValue::UNDEFINED)
            } else {
                JsValue::UNDEFINED
            };
            let number = |field: &'static str, x: f64| -> JsResult<Option<Decimal>> {
                if x.is_nan() {
                    Ok(None)
                } else {
                    f64_decimal(field, x).map(Some)
                }
            };
            // Whole numbers 0..=3 written by the reader: exact casts.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let req = OrderRequest {
                id: id.as_string(),
                symbol,
                side: SIDES[f[0] as usize].to_owned(),
                order_type: TYPES[f[1] as usize].to_owned(),
                amount: f64_decimal("amount", f[2])?,
                price: number("price", f[3])?,
                stop_price: number("stopPrice", f[4])?,
                leverage: (!f[5].is_nan()).then_some(f[5] as u32),
                reduce_only: f[6] == 1.0,
            };
            return Ok((req, id, sym));
        }
        let o = convert::object(order, "order")?;
        let f: Vec<JsValue> = c
            .keys
            .iter()
            .map(|k| js_sys::Reflect::get(o, k).unwrap_or(JsValue::UNDEFINED))
            .collect();
        let amount = &f[4];
        if amount.is_undefined() || amount.is_null() {
            return Err(ValidationError::InvalidAmount("missing".into()).into());
        }
        let symbol = match &c.symbol {
            Some((k, s)) if *k == f[1] => s.clone(),
            _ => {
                let s = convert::string(&f[1], ValidationError::InvalidSymbol)?;
                c.symbol = Some((f[1].clone(), s.clone()));
                s
            }
        };
        let req = OrderRequest {
            id: convert::opt_string(&f[0], ValidationError::InvalidOrderId)?,
            symbol,
            side: word(&c, &f[2], ValidationError::InvalidSide)?,
            order_type: word(&c, &f[3], ValidationError::InvalidOrderType)?,
            amount: fast_decimal("amount", amount)?,
            price: fast_opt_decimal("price", &f[5])?,
            stop_price: fast_opt_decimal("stopPrice", &f[6])?,
            leverage: convert::leverage(&f[7], MAX_LEVERAGE)?,
            reduce_only: f[8].as_bool().unwrap_or(false),
        };
        Ok((req, f[0].clone(), f[1].clone()))
    })
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

fn order_to_js_fast(o: &iftb_core::Order, id: &JsValue, symbol: &JsValue) -> JsValue {
    use iftb_core::{OrderStatus, Side};
    let mut ex: Option<js_sys::Array> = None;
    let mut field = |i: u32, d: Option<Decimal>| -> Option<f64> {
        let d = d?;
        let (v, simple) = dec_num(d);
        if !simple {
            let a = ex.get_or_insert_with(|| js_sys::Array::new_with_length(7));
            let t = d.to_string();
            a.set(i, JsValue::from_str(convert::tidy(&t)));
        }
        Some(v)
    };
    let amount = field(0, Some(o.amount)).unwrap_or(0.0);
    let price = field(1, o.price);
    let stop = field(2, o.stop_price);
    let filled_price = field(3, o.filled_price);
    let filled_amount = field(4, o.filled_amount);
    let fee = field(5, o.fee);
    let reserved = field(6, Some(o.reserved)).unwrap_or(0.0);
    let id = if id.is_undefined() || id.is_null() {
        JsValue::from_str(&o.id)
    } else {
        id.clone()
    };
    let symbol = if symbol.as_string().as_deref() == Some(o.symbol.as_str()) {
        symbol.clone()
    } else {
        JsValue::from_str(o.symbol.as_str())
    };
    let xid = o
        .exchange_order_id
        .as_deref()
        .map_or(JsValue::NULL, JsValue::from_str);
    #[allow(clippy::cast_precision_loss)]
    let ts = o.timestamp_ms as f64;
    iftb_mk_order(
        &id,
        &symbol,
        u32::from(o.side != Side::Buy),
        o.order_type as u32,
        match o.status {
            OrderStatus::Pending => 0,
            OrderStatus::Filled => 1,
            OrderStatus::Cancelled => 2,
            OrderStatus::Failed => 3,
        },
        amount,
        price,
        stop,
        filled_price,
        filled_amount,
        fee,
        ts,
        &xid,
        o.error_message.clone(),
        o.leverage,
        u32::from(o.reduce_only) | u32::from(o.close_position) << 1,
        reserved,
        &ex.map_or(JsValue::NULL, JsValue::from),
    )
}

fn symbol_arg(symbol: &JsValue) -> JsResult<String> {
    convert::str_arg(symbol, ValidationError::InvalidSymbol)
}

/// A settled promise from a synchronous result (errors reject it).
pub(crate) fn promise(r: JsResult<JsValue>) -> js_sys::Promise {
    match r {
        Ok(v) => js_sys::Promise::resolve(&v),
        Err(e) => js_sys::Promise::reject(&e.into_js()),
    }
}

/// Simulated trading with slippage, maker/taker fees, leverage, positions with PnL and
/// liquidation price, stop-loss / take-profit, balance and history.
///
/// ```js
/// const trader = new PaperTrader({ initialBalance: 10000, makerFee: 0.0002, takerFee: 0.0004 });
/// const filled = await trader.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "market", amount: 0.1 }, 50000);
/// filled.filledPrice; // 50025 (0.05% slippage)
/// ```
#[wasm_bindgen]
pub struct PaperTrader(pub(crate) PaperEngine);

#[wasm_bindgen]
impl PaperTrader {
    /// Create a paper trader. Options: `initialBalance` (10000), `makerFee` (0.0002),
    /// `takerFee` (0.0004), `slippage` (0.0005), `defaultLeverage` (1), `brackets`
    /// (`{ "BTC/USDT": [{notionalFloor, notionalCap, maxLeverage, maintMarginRatio, cum}], default: [...] }`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "PaperTraderOptions")] options: JsValue,
    ) -> JsResult<PaperTrader> {
        let config = paper_config(&options)?;
        Ok(Self(PaperEngine::new(config, js_clock())?))
    }

    fn place(&mut self, order: &JsValue, current_price: &JsValue) -> JsResult<JsValue> {
        let (req, id, symbol) = order_request_fast(order)?;
        let px = fast_opt_decimal("currentPrice", current_price)?;
        let o = self.0.place_order_ref(&req, px)?;
        Ok(order_to_js_fast(o, &id, &symbol))
    }

    /// Place an order at `currentPrice` (the symbol is marked there first). Resolves to the
    /// order: `filled`, `pending` (resting limit/stop) or `failed` (e.g. "Insufficient balance").
    #[wasm_bindgen(js_name = placeOrder, unchecked_return_type = "Promise<Order>")]
    pub fn place_order(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "OrderInput")] order: JsValue,
        #[wasm_bindgen(js_name = currentPrice, unchecked_optional_param_type = "DecimalInput")]
        current_price: JsValue,
    ) -> js_sys::Promise {
        promise(self.place(&order, &current_price))
    }

    /// Synchronous `placeOrder`.
    #[wasm_bindgen(js_name = placeOrderSync, unchecked_return_type = "Order")]
    pub fn place_order_sync(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "OrderInput")] order: JsValue,
        #[wasm_bindgen(js_name = currentPrice, unchecked_optional_param_type = "DecimalInput")]
        current_price: JsValue,
    ) -> JsResult<JsValue> {
        self.place(&order, &current_price)
    }

    /// Cancel a pending order; releases exactly what it reserved.
    #[wasm_bindgen(js_name = cancelOrder, unchecked_return_type = "Order")]
    pub fn cancel_order(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
    ) -> JsResult<JsValue> {
        let id = convert::str_arg(&id, ValidationError::InvalidOrderId)?;
        convert::to_js(&self.0.cancel_order(&id)?)
    }

    /// Mark `symbol` at `price`: liquidations, triggered SL/TP, resting limits. Returns the
    /// events this produced.
    #[wasm_bindgen(js_name = updatePrice, unchecked_return_type = "EngineEvent[]")]
    pub fn update_price(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] symbol: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DecimalInput")] price: JsValue,
    ) -> JsResult<JsValue> {
        let symbol = symbol_arg(&symbol)?;
        let price = convert::decimal("price", &price)?;
        convert::to_js(self.0.update_price(&symbol, price)?)
    }

    /// Close the whole position in `symbol` at the market.
    #[wasm_bindgen(js_name = closePosition, unchecked_return_type = "Promise<Order>")]
    pub fn close_position(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] symbol: JsValue,
        #[wasm_bindgen(js_name = currentPrice, unchecked_optional_param_type = "DecimalInput")]
        current_price: JsValue,
    ) -> js_sys::Promise {
        let r = (|| {
            let symbol = symbol_arg(&symbol)?;
            let px = convert::opt_decimal("currentPrice", &current_price)?;
            convert::to_js(&self.0.close_position(&symbol, px)?)
        })();
        promise(r)
    }

    fn protect(&mut self, symbol: &JsValue, kind: OrderType, price: &JsValue) -> JsResult<JsValue> {
        let symbol = symbol_arg(symbol)?;
        let field = if kind == OrderType::StopLoss {
            "stopLoss"
        } else {
            "takeProfit"
        };
        let price: Option<Decimal> = convert::opt_decimal(field, price)?;
        convert::to_js(&self.0.set_protection(&symbol, kind, price)?)
    }

    /// Attach, move or (with `null`) remove the position's stop-loss.
    #[wasm_bindgen(js_name = setStopLoss, unchecked_return_type = "PositionState")]
    pub fn set_stop_loss(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] symbol: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DecimalInput | null")] price: JsValue,
    ) -> JsResult<JsValue> {
        self.protect(&symbol, OrderType::StopLoss, &price)
    }

    /// Attach, move or (with `null`) remove the position's take-profit.
    #[wasm_bindgen(js_name = setTakeProfit, unchecked_return_type = "PositionState")]
    pub fn set_take_profit(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] symbol: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DecimalInput | null")] price: JsValue,
    ) -> JsResult<JsValue> {
        self.protect(&symbol, OrderType::TakeProfit, &price)
    }

    /// Set a symbol's leverage (1..=125) while flat in it.
    #[wasm_bindgen(js_name = setLeverage)]
    pub fn set_leverage(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] symbol: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] leverage: JsValue,
    ) -> JsResult<()> {
        let symbol = symbol_arg(&symbol)?;
        let lev = convert::leverage(&leverage, MAX_LEVERAGE)?.ok_or_else(|| {
            Error::from(ValidationError::InvalidLeverage {
                value: "missing".into(),
                max: MAX_LEVERAGE,
            })
        })?;
        Ok(self.0.set_leverage(&symbol, lev)?)
    }

    /// Free balance: wallet − position margin − reservations of resting orders.
    #[wasm_bindgen(js_name = getBalance)]
    pub fn get_balance(&self) -> f64 {
        convert::number(self.0.free_balance())
    }

    /// Balances, PnL and counts.
    #[wasm_bindgen(js_name = getAccount, unchecked_return_type = "Account")]
    pub fn get_account(&self) -> JsResult<JsValue> {
        convert::to_js(&self.0.account())
    }

    /// Open positions at the current marks.
    #[wasm_bindgen(js_name = getPositions, unchecked_return_type = "PositionState[]")]
    pub fn get_positions(&self) -> JsResult<JsValue> {
        convert::to_js(&self.0.positions())
    }

    /// The position in `symbol`, or `null`.
    #[wasm_bindgen(js_name = getPosition, unchecked_return_type = "PositionState | null")]
    pub fn get_position(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] symbol: JsValue,
    ) -> JsResult<JsValue> {
        let s = Symbol::parse(&symbol_arg(&symbol)?)?;
        convert::to_js(&self.0.position_state(&s))
    }

    /// Every order, oldest first.
    #[wasm_bindgen(js_name = getOrders, unchecked_return_type = "Order[]")]
    pub fn get_orders(&self) -> JsResult<JsValue> {
        convert::to_js(self.0.orders())
    }

    /// Pending orders, oldest first.
    #[wasm_bindgen(js_name = getOpenOrders, unchecked_return_type = "Order[]")]
    pub fn get_open_orders(&self) -> JsResult<JsValue> {
        convert::to_js(&self.0.open_orders().collect::<Vec<_>>())
    }

    /// One order by id.
    #[wasm_bindgen(js_name = getOrder, unchecked_return_type = "Order")]
    pub fn get_order(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
    ) -> JsResult<JsValue> {
        let id = convert::str_arg(&id, ValidationError::InvalidOrderId)?;
        let o = self
            .0
            .order(&id)
            .ok_or(iftb_core::OrderError::OrderNotFound(id))?;
        convert::to_js(o)
    }

    /// Fills, oldest first.
    #[wasm_bindgen(js_name = getFills, unchecked_return_type = "Fill[]")]
    pub fn get_fills(&self) -> JsResult<JsValue> {
        convert::to_js(self.0.fills())
    }

    /// Events with `seq > sinceSeq` (all when omitted).
    #[wasm_bindgen(js_name = getEvents, unchecked_return_type = "EngineEvent[]")]
    pub fn get_events(
        &self,
        #[wasm_bindgen(js_name = sinceSeq)] since_seq: Option<f64>,
    ) -> JsResult<JsValue> {
        convert::to_js(self.0.events_since(convert::since_seq(since_seq)))
    }

    /// Last mark of `symbol`, or `null`.
    #[wasm_bindgen(js_name = getPrice, unchecked_return_type = "number | null")]
    pub fn get_price(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] symbol: JsValue,
    ) -> JsResult<JsValue> {
        let s = Symbol::parse(&symbol_arg(&symbol)?)?;
        Ok(self
            .0
            .mark_of(&s)
            .map_or(JsValue::NULL, |d| JsValue::from_f64(convert::number(d))))
    }
}
