//! Conditional orders (the Binance Algo Service): `STOP_MARKET`, `TAKE_PROFIT_MARKET`, `STOP`,
//! `TAKE_PROFIT`; each places a regular order when the price reaches its trigger (the
//! ledger's trigger table).

use super::orders::{rejected, tif};
use super::{AlgoOrder, FutType, Futures, NewOrder};
use crate::binance::errors::code;
use crate::exchange::params::Req;
use crate::exchange::reply::{extra, ApiError, ApiResult};
use crate::exchange::Ctx;
use crate::order::{OrderStatus, OrderTransition, RejectReason};
use crate::rules::OrderCheck;
use crate::types::{Side, Symbol, TimeInForce};
use rust_decimal::Decimal;

impl AlgoOrder {
    /// Whether the price reaches its trigger.
    pub(super) fn triggers(&self, price: Decimal) -> bool {
        self.order_type
            .trigger()
            .reached(self.side, self.trigger_price, price)
    }

    /// Move its own status through the status table (a forbidden edge leaves it as it is).
    pub(super) fn apply(&mut self, event: OrderTransition, now: i64) {
        if let Ok(s) = self.status.transition(event) {
            self.status = s;
            self.update_time = now;
        }
    }
}

impl Futures {
    /// Its status: its own until triggered, then that of the order it placed (open:
    /// triggered, done: filled, Binance's `FINISHED`).
    pub(super) fn algo_status(&self, a: &AlgoOrder) -> OrderStatus {
        match a.actual_order {
            Some(i) if self.is_open(&self.orders[i]) => OrderStatus::Triggered,
            Some(_) => OrderStatus::Filled,
            None => a.status,
        }
    }

    pub(super) fn parse_conditional(
        &mut self,
        req: &Req,
        ctx: &Ctx,
        symbol: Symbol,
        side: Side,
        trigger_key: &str,
        client_key: &str,
    ) -> Result<AlgoOrder, ApiError> {
        let ty = req.required("type")?;
        let order_type = match FutType::conditional(ty) {
            Some(t) => t,
            None if ty == "TRAILING_STOP_MARKET" => {
                return Err(ApiError::bad(
                    code::NEW_ORDER_REJECTED,
                    "TRAILING_STOP_MARKET is not supported by the local exchange.",
                ))
            }
            _ => {
                return Err(ApiError::bad(
                    extra::INVALID_ORDER_TYPE,
                    "Invalid orderType.",
                ))
            }
        };
        self.check_position_side(req)?;
        let is_market = order_type.is_market();
        let close_position = req.boolean("closePosition")?.unwrap_or(false);
        let reduce_only = req.boolean("reduceOnly")?.unwrap_or(false);
        let trigger_price = req.required_decimal(trigger_key)?;
        let quantity = if close_position {
            if !is_market {
                return Err(ApiError::not_required("closePosition"));
            }
            if req.get("quantity").is_some() {
                return Err(ApiError::not_required("quantity"));
            }
            if req.get("reduceOnly").is_some() {
                return Err(ApiError::not_required("reduceOnly"));
            }
            None
        } else {
            Some(req.required_decimal("quantity")?)
        };
        let price = if is_market {
            if req.get("price").is_some() {
                return Err(ApiError::not_required("price"));
            }
            None
        } else {
            Some(req.required_decimal("price")?)
        };
        let tif = match req.get("timeInForce") {
            Some(t) => tif(t)?,
            None => TimeInForce::Gtc,
        };
        let working_type = match req.get("workingType").unwrap_or("CONTRACT_PRICE") {
            w @ ("CONTRACT_PRICE" | "MARK_PRICE") => w.to_owned(),
            _ => return Err(ApiError::invalid_value("workingType")),
        };
        let price_protect = req.boolean("priceProtect")?.unwrap_or(false);
        let mut prices = vec![trigger_price];
        prices.extend(price);
        self.check_precision(&symbol, quantity, &prices)?;
        let qty_for_check = quantity.unwrap_or_else(|| {
            self.rules(&symbol)
                .min_qty
                .max(self.rules(&symbol).step_size)
        });
        self.check_filters(
            &symbol,
            &OrderCheck {
                is_market,
                side,
                amount: qty_for_check,
                price,
                stop_price: Some(trigger_price),
                reference: None,
            },
            reduce_only || close_position,
        )?;
        let client_algo_id = self.client_id(req, client_key)?;
        if self.open_client_id_taken(&client_algo_id) {
            return Err(rejected(RejectReason::DuplicateOrder));
        }
        let mut a = AlgoOrder {
            algo_id: self.next_algo_id,
            client_algo_id,
            symbol,
            side,
            order_type,
            quantity,
            price,
            trigger_price,
            working_type,
            tif,
            close_position,
            reduce_only,
            price_protect,
            status: OrderStatus::Pending,
            actual_order: None,
            create_time: ctx.now,
            update_time: ctx.now,
            trigger_time: 0,
        };
        if a.triggers(self.mark(&a.symbol)) {
            return Err(rejected(RejectReason::WouldTriggerImmediately));
        }
        self.next_algo_id += 1;
        a.update_time = ctx.now;
        Ok(a)
    }

    pub(super) fn new_algo(&mut self, req: &Req, ctx: &Ctx) -> ApiResult {
        match req.required("algoType")? {
            "CONDITIONAL" => {}
            _ => return Err(ApiError::invalid_value("algoType")),
        }
        let symbol = self.by_name.symbol(req)?;
        let side = req.side()?;
        let a = self.parse_conditional(req, ctx, symbol, side, "triggerPrice", "clientAlgoId")?;
        let v = self.algo_json(&a);
        self.algos.push(a);
        Ok(v)
    }

    pub(super) fn find_algo(&self, req: &Req) -> Result<Option<usize>, ApiError> {
        if let Some(id) = req.integer("algoId")? {
            return Ok(self
                .algos
                .iter()
                .position(|a| i64::try_from(a.algo_id) == Ok(id)));
        }
        match req.get("clientAlgoId") {
            Some(c) => Ok(self.algos.iter().rposition(|a| a.client_algo_id == c)),
            None => Err(ApiError::bad(
                code::MANDATORY_PARAM_EMPTY_OR_MALFORMED,
                "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!",
            )),
        }
    }

    pub(super) fn fire(&mut self, i: usize, ctx: &Ctx) {
        let a = self.algos[i].clone();
        let amt = self.position_amt(&a.symbol);
        let qty = if a.close_position {
            match a.side {
                Side::Sell if amt > Decimal::ZERO => amt,
                Side::Buy if amt < Decimal::ZERO => -amt,
                _ => Decimal::ZERO,
            }
        } else {
            a.quantity.unwrap_or_default()
        };
        self.algos[i].trigger_time = ctx.now;
        self.algos[i].apply(OrderTransition::Trigger, ctx.now);
        if qty.is_zero() {
            self.algos[i].apply(OrderTransition::Expire, ctx.now);
            return;
        }
        let new = NewOrder {
            symbol: a.symbol.clone(),
            side: a.side,
            is_market: a.price.is_none(),
            tif: a.tif,
            qty,
            price: a.price.unwrap_or_default(),
            reduce_only: a.reduce_only || a.close_position,
            close_position: a.close_position,
            client_order_id: a.client_algo_id.clone(),
            orig_type: a.order_type,
            stop_price: a.trigger_price,
            working_type: a.working_type.clone(),
        };
        // Triggered orders are not subject to injected late landing.
        let quiet = Ctx {
            late_landing_ms: 0,
            ..*ctx
        };
        match self.place(new, &quiet) {
            Ok(idx) => self.algos[i].actual_order = Some(idx),
            Err(_) => self.algos[i].apply(OrderTransition::Reject, ctx.now),
        }
    }
}
