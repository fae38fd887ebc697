//! `FastPaper`: the paper venue behind a numbers-only API and batch calls through views onto
//! wasm memory. Same accounting as `PaperTrader` (exact decimals inside); JS numbers cross the
//! boundary, read exactly through their shortest decimal text.

use crate::convert;
use crate::error::{Error, JsResult};
use crate::options::paper_config;
use iftb_core::{Decimal, OrderType, ValidationError};
use iftb_fast::fixed::{from_f64, FromF64};
use iftb_fast::{FastEngine, Fx};
use wasm_bindgen::prelude::*;

/// Decimal text of a JS number, parsed exactly: for the rare doubles the fixed-point reader
/// does not decide cheaply (more than ~15 significant digits).
fn slow(x: f64) -> Option<Fx> {
    let text = String::from(js_sys::Number::from(x).to_string_with_radix(10).ok()?);
    let d = iftb_core::num::parse_decimal("number", &text).ok()?;
    Fx::from_decimal(d)
}

/// An exact value as the nearest JS number.
fn num(v: Fx) -> f64 {
    v.to_f64().unwrap_or_else(|| {
        v.to_decimal()
            .map_or(f64::NAN, |d: Decimal| convert::number(d))
    })
}

fn amount(x: f64) -> JsResult<Fx> {
    match from_f64(x) {
        FromF64::Exact(v) => Ok(v),
        FromF64::Slow if x.is_finite() => slow(x).ok_or_else(|| bad("amount", x)),
        _ => Err(bad("amount", x)),
    }
}

/// `String(x)`.
fn js_text(x: f64) -> String {
    js_sys::Number::from(x)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}

fn bad(field: &'static str, x: f64) -> Error {
    ValidationError::InvalidNumber {
        field,
        value: js_text(x),
    }
    .into()
}

fn side(s: u32) -> JsResult<bool> {
    match s {
        0 => Ok(true),
        1 => Ok(false),
        _ => Err(ValidationError::InvalidSide(format!("{s} (0 = buy, 1 = sell)")).into()),
    }
}

/// Paper trading at full speed: symbols are interned ids, sides are `0` (buy) / `1` (sell),
/// amounts and prices are JS numbers (exact decimals inside, at most 12 decimal places), and
/// results are numbers. No per-order history: the fills of the last call are in `fills()`.
///
/// ```js
/// const fp = new FastPaper({ initialBalance: 10000, hedging: false });
/// const btc = fp.symbolId("BTC/USDT");
/// fp.updatePrice(btc, 50000);
/// fp.market(btc, 0, 0.1);       // 50025: buy 0.1 at the mark + 0.05% slippage
/// ```
///
/// Batches: write inputs into `fp.input(n)` (a `Float64Array` view onto wasm memory), call
/// `marketBatch(n)` / `updatePrices(sym, n)`, read `fp.output(n)`. Views detach when wasm
/// memory grows; take them again after calls that may open positions.
#[wasm_bindgen]
pub struct FastPaper {
    e: FastEngine,
    /// The last fill price and its number (prices repeat: the conversion is skipped).
    last_px: (Fx, f64),
    input: Vec<f64>,
    output: Vec<f64>,
    /// Earlier input/output buffers, kept alive for views JS may still hold.
    retired: Vec<Vec<f64>>,
    fills: Vec<f64>,
}

#[wasm_bindgen]
impl FastPaper {
    /// Options as `PaperTrader`'s, plus `hedging` (default false): every fill opens its own
    /// position (closed by its stop-loss, take-profit, liquidation or `close(id)`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "FastPaperOptions")] options: JsValue,
    ) -> JsResult<FastPaper> {
        let config = paper_config(&options)?;
        let hedging = convert::get(&options, "hedging").as_bool().unwrap_or(false);
        Ok(Self {
            e: FastEngine::new(config, hedging, slow)?,
            last_px: (Fx::ZERO, 0.0),
            input: Vec::new(),
            output: Vec::new(),
            retired: Vec::new(),
            fills: Vec::new(),
        })
    }

    /// The id of a `BASE/QUOTE` symbol (interned on first use).
    #[wasm_bindgen(js_name = symbolId)]
    pub fn symbol_id(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] symbol: JsValue,
    ) -> JsResult<u32> {
        let s = convert::str_arg(&symbol, ValidationError::InvalidSymbol)?;
        Ok(self.e.symbol(&s)?)
    }

    /// Reserve room for `positions` positions and `orders` resting orders, and, given a
    /// `symbol`, trigger-index room in it: later calls then do not grow wasm memory.
    pub fn reserve(&mut self, positions: u32, orders: u32, symbol: Option<u32>) -> JsResult<()> {
        self.e.reserve(positions as usize, orders as usize);
        if let Some(s) = symbol {
            self.e
                .reserve_symbol(s, positions as usize, orders as usize)?;
        }
        Ok(())
    }

    /// Set a symbol's leverage (1..=125).
    #[wasm_bindgen(js_name = setLeverage)]
    pub fn set_leverage(&mut self, symbol: u32, leverage: u32) -> JsResult<()> {
        Ok(self.e.set_leverage(symbol, leverage)?)
    }

    /// Mark a symbol: liquidations, reached stop-losses / take-profits / limits. Returns how
    /// many fills it produced (details: `fills()`).
    #[wasm_bindgen(js_name = updatePrice)]
    pub fn update_price(&mut self, symbol: u32, price: f64) -> JsResult<u32> {
        Ok(self.e.update_price(symbol, price)?)
    }

    /// Market order at the mark: the fill price, or `NaN` when rejected (insufficient balance).
    pub fn market(
        &mut self,
        symbol: u32,
        #[wasm_bindgen(unchecked_param_type = "FastSide")] side: u32,
        amount: f64,
    ) -> JsResult<f64> {
        let a = self::amount(amount)?;
        Ok(self
            .e
            .market(symbol, self::side(side)?, a)?
            .map_or(f64::NAN, num))
    }

    /// Limit order: the fill price if it crossed, else `NaN` (resting: `lastOrder` is its id;
    /// rejected: `lastOrder` is -1).
    pub fn limit(
        &mut self,
        symbol: u32,
        #[wasm_bindgen(unchecked_param_type = "FastSide")] side: u32,
        amount: f64,
        price: f64,
    ) -> JsResult<f64> {
        let a = self::amount(amount)?;
        Ok(self
            .e
            .limit(symbol, self::side(side)?, a, price)?
            .map_or(f64::NAN, num))
    }

    /// Cancel a resting order.
    pub fn cancel(&mut self, order: u32) -> JsResult<()> {
        Ok(self.e.cancel(order)?)
    }

    /// Close a position at the market; returns the fill price.
    pub fn close(&mut self, position: u32) -> JsResult<f64> {
        Ok(num(self.e.close(position)?))
    }

    /// Attach, move or (`null`) remove a position's stop-loss.
    #[wasm_bindgen(js_name = setStopLoss)]
    pub fn set_stop_loss(&mut self, position: u32, level: Option<f64>) -> JsResult<()> {
        Ok(self
            .e
            .set_protection(position, OrderType::StopLoss, level)?)
    }

    /// Attach, move or (`null`) remove a position's take-profit.
    #[wasm_bindgen(js_name = setTakeProfit)]
    pub fn set_take_profit(&mut self, position: u32, level: Option<f64>) -> JsResult<()> {
        Ok(self
            .e
            .set_protection(position, OrderType::TakeProfit, level)?)
    }

    /// Market order plus stop-loss and take-profit on the position it opens or changes:
    /// the fill price (`NaN` when rejected). One boundary crossing for the usual entry.
    /// Atomic: the levels (`NaN` for none) are checked before the order executes, and a bad
    /// level throws with nothing changed.
    pub fn bracket(
        &mut self,
        symbol: u32,
        #[wasm_bindgen(unchecked_param_type = "FastSide")] side: u32,
        amount: f64,
        #[wasm_bindgen(js_name = stopLoss)] stop_loss: f64,
        #[wasm_bindgen(js_name = takeProfit)] take_profit: f64,
    ) -> JsResult<f64> {
        let a = self::amount(amount)?;
        let level = |x: f64| x.is_finite().then_some(x);
        Ok(self
            .e
            .bracket(
                symbol,
                self::side(side)?,
                a,
                level(stop_loss),
                level(take_profit),
            )?
            .map_or(f64::NAN, num))
    }

    /// Bytes of wasm linear memory (all instances of this module share it).
    #[wasm_bindgen(js_name = wasmMemoryBytes)]
    #[must_use]
    pub fn wasm_memory_bytes() -> f64 {
        #[cfg(target_arch = "wasm32")]
        {
            (core::arch::wasm32::memory_size(0) * 65536) as f64
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            0.0
        }
    }
}

impl FastPaper {
    /// A fill price as a number, remembering the last one.
    #[inline]
    fn price_num(&mut self, px: Fx) -> f64 {
        if px != self.last_px.0 {
            self.last_px = (px, num(px));
        }
        self.last_px.1
    }
}

#[wasm_bindgen]
impl FastPaper {
    /// Position touched by the last fill (-1 when none).
    #[wasm_bindgen(getter, js_name = lastPosition)]
    pub fn last_position(&self) -> f64 {
        id_or_minus_one(self.e.last_position())
    }

    /// Order left resting by the last `limit` (-1 when none).
    #[wasm_bindgen(getter, js_name = lastOrder)]
    pub fn last_order(&self) -> f64 {
        id_or_minus_one(self.e.last_order())
    }

    /// Netting mode: the symbol's position id, or -1.
    #[wasm_bindgen(js_name = positionOf)]
    pub fn position_of(&self, symbol: u32) -> f64 {
        self.e.position_of(symbol).map_or(-1.0, f64::from)
    }

    /// Open positions.
    #[wasm_bindgen(getter, js_name = openPositions)]
    pub fn open_positions(&self) -> u32 {
        self.e.open_positions()
    }

    /// Resting orders.
    #[wasm_bindgen(getter, js_name = openOrders)]
    pub fn open_orders(&self) -> u32 {
        self.e.open_orders()
    }

    /// Fills since creation.
    #[wasm_bindgen(getter, js_name = fillCount)]
    pub fn fill_count(&self) -> f64 {
        // Counts stay far below 2^53.
        #[allow(clippy::cast_precision_loss)]
        let n = self.e.fill_count() as f64;
        n
    }

    /// Bytes held by the engine's tables (positions, orders, trigger index, symbols).
    #[wasm_bindgen(getter, js_name = tableBytes)]
    pub fn table_bytes(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let n = self.e.heap_bytes() as f64;
        n
    }

    /// Fills of the last call, 7 numbers each: `kind` (0 market, 1 limit, 2 stop-loss,
    /// 3 take-profit, 4 liquidation, 5 close), `position`, `side` (0 buy / 1 sell), `price`,
    /// `amount`, `fee`, `realizedPnl`. A fresh copy.
    pub fn fills(&mut self) -> js_sys::Float64Array {
        self.fills.clear();
        for f in self.e.fills() {
            self.fills.extend_from_slice(&[
                f64::from(f.kind as u8),
                f64::from(f.position),
                if f.buy { 0.0 } else { 1.0 },
                num(f.price),
                num(f.amount),
                num(f.fee),
                num(f.realized),
            ]);
        }
        js_sys::Float64Array::from(&self.fills[..])
    }

    /// Account totals: numbers plus `exact` decimal strings.
    #[wasm_bindgen(unchecked_return_type = "FastBooks")]
    pub fn books(&self) -> JsResult<JsValue> {
        let b = self.e.books();
        let unrealized = self.e.unrealized()?;
        let o = js_sys::Object::new();
        let exact = js_sys::Object::new();
        for (k, v) in [
            ("wallet", b.wallet),
            ("feesPaid", b.fees_paid),
            ("realizedPnl", b.realized_pnl),
            ("reserved", b.reserved),
            ("marginUsed", b.margin_used),
            ("free", b.free),
            ("unrealizedPnl", unrealized),
            ("equity", Fx(b.wallet.0 + unrealized.0)),
        ] {
            set(&o, k, &JsValue::from_f64(num(v)));
            set(&exact, k, &JsValue::from_str(&v.to_string()));
        }
        set(&o, "exact", &exact);
        Ok(o.into())
    }

    /// Equity (wallet + unrealized PnL) as a number: `books().equity` without building the
    /// object (the per-candle read of a backtest's equity curve).
    #[wasm_bindgen(getter)]
    pub fn equity(&self) -> JsResult<f64> {
        let wallet = self.e.books().wallet;
        Ok(num(Fx(wallet.0 + self.e.unrealized()?.0)))
    }

    /// Free balance as a number: `books().free` without building the object. (Not `free`:
    /// that is the method releasing the instance's memory.)
    #[wasm_bindgen(getter, js_name = freeBalance)]
    pub fn free_balance(&self) -> f64 {
        num(self.e.books().free)
    }

    /// One open position (`null` when closed): `{ id, symbol, side, entryPrice, amount,
    /// margin, leverage, realizedPnl, stopLoss, takeProfit, exact }`.
    #[wasm_bindgen(unchecked_return_type = "FastPosition | null")]
    pub fn position(&self, id: u32) -> JsValue {
        let Some(p) = self.e.position(id) else {
            return JsValue::NULL;
        };
        let o = js_sys::Object::new();
        let exact = js_sys::Object::new();
        set(&o, "id", &JsValue::from_f64(f64::from(p.id)));
        set(&o, "symbol", &JsValue::from_f64(f64::from(p.symbol)));
        set(&o, "side", &JsValue::from_str(p.side.as_str()));
        for (k, v) in [
            ("entryPrice", p.entry_price),
            ("amount", p.amount),
            ("margin", p.margin),
            ("realizedPnl", p.realized_pnl),
        ] {
            set(&o, k, &JsValue::from_f64(num(v)));
            set(&exact, k, &JsValue::from_str(&v.to_string()));
        }
        set(&o, "leverage", &JsValue::from_f64(f64::from(p.leverage)));
        let opt = |v: Option<f64>| v.map_or(JsValue::NULL, JsValue::from_f64);
        set(&o, "stopLoss", &opt(p.stop_loss));
        set(&o, "takeProfit", &opt(p.take_profit));
        set(&o, "exact", &exact);
        o.into()
    }

    // ----- batches ---------------------------------------------------------------------

    /// A view of `n` input numbers in wasm memory (valid until memory grows).
    pub fn input(&mut self, n: u32) -> js_sys::Float64Array {
        view(&mut self.input, &mut self.retired, n as usize)
    }

    /// A view of `n` output numbers in wasm memory (valid until memory grows).
    pub fn output(&mut self, n: u32) -> js_sys::Float64Array {
        view(&mut self.output, &mut self.retired, n as usize)
    }

    /// `n` market orders from `input`: `[symbol, side, amount]` each. Writes each fill price
    /// (or `NaN` when rejected) to `output[i]`; returns how many filled. Stops at the first
    /// bad order with an error (orders before it stay executed).
    #[wasm_bindgen(js_name = marketBatch)]
    pub fn market_batch(&mut self, n: u32) -> JsResult<u32> {
        self.market_batch_inner(n)
    }

    /// `n` prices of one symbol from `input`, in order; returns the fills they produced.
    #[wasm_bindgen(js_name = updatePrices)]
    pub fn update_prices(&mut self, symbol: u32, n: u32) -> JsResult<u32> {
        let n = n as usize;
        if self.input.len() < n {
            return Err(too_small("input", n));
        }
        Ok(self.e.update_prices(symbol, &self.input[..n])?)
    }
}

impl FastPaper {
    fn market_batch_inner(&mut self, n: u32) -> JsResult<u32> {
        let n = n as usize;
        if self.input.len() < 3 * n {
            return Err(too_small("input", 3 * n));
        }
        ensure(&mut self.output, &mut self.retired, n);
        let mut filled = 0;
        for i in 0..n {
            let (s, d, a) = (
                self.input[3 * i],
                self.input[3 * i + 1],
                self.input[3 * i + 2],
            );
            // Out-of-range or fractional ids saturate to an unknown id and are refused.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let s = if s.fract() == 0.0 { s as u32 } else { u32::MAX };
            let buy = match d {
                0.0 => true,
                1.0 => false,
                _ => return Err(ValidationError::InvalidSide(js_text(d)).into()),
            };
            let r = self.e.market(s, buy, amount(a)?)?;
            self.output[i] = r.map_or(f64::NAN, |px| self.price_num(px));
            filled += u32::from(r.is_some());
        }
        Ok(filled)
    }
}

fn too_small(what: &str, need: usize) -> Error {
    ValidationError::InvalidArgument(format!(
        "{what} holds fewer than {need} numbers; call {what}({need}) first"
    ))
    .into()
}

fn view(buf: &mut Vec<f64>, retired: &mut Vec<Vec<f64>>, n: usize) -> js_sys::Float64Array {
    ensure(buf, retired, n);
    // SAFETY: the view aliases `buf`, which lives (as the current or a retired buffer) as
    // long as the FastPaper; JS is told the view is valid until wasm memory grows (then its
    // `buffer` detaches and it reads as empty).
    unsafe { js_sys::Float64Array::view(&buf[..n]) }
}

/// Make `buf` hold at least `n` numbers without freeing the old storage.
fn ensure(buf: &mut Vec<f64>, retired: &mut Vec<Vec<f64>>, n: usize) {
    if buf.len() < n {
        // A view JS still holds on the old buffer must never point at freed memory (writing
        // through it would corrupt the allocator): keep old buffers until the FastPaper is
        // freed. Growth doubles, so they add up to less than the current one.
        let new = vec![0.0; n.max(2 * buf.len())];
        retired.push(std::mem::replace(buf, new));
    }
}

fn set(o: &js_sys::Object, k: &str, v: &JsValue) {
    let _ = js_sys::Reflect::set(o, &JsValue::from_str(k), v);
}

fn id_or_minus_one(id: u32) -> f64 {
    if id == u32::MAX {
        -1.0
    } else {
        f64::from(id)
    }
}
