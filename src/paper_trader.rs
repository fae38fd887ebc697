//! `PaperTrader`: the in-process paper venue, as the spec's JS class.

use crate::convert;
use crate::error::{Error, JsResult};
use crate::options::paper_config;
use crate::order_io::{fast_opt_price, order_to_js, read_order};
use iftb_core::{OrderType, PaperEngine, Price, Symbol, ValidationError, MAX_LEVERAGE};
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
        let (req, id, symbol) = read_order(order)?;
        let px = fast_opt_price("currentPrice", current_price)?;
        let o = self.0.place_order_ref(&req, px)?;
        Ok(order_to_js(o, &id, &symbol))
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
        let price = convert::price("price", &price)?;
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
            let px = convert::opt_price("currentPrice", &current_price)?;
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
        let price: Option<Price> = convert::opt_price(field, price)?;
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
        convert::number(self.0.free_balance().0)
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
            .map_or(JsValue::NULL, |d| JsValue::from_f64(convert::number(d.0))))
    }
}
