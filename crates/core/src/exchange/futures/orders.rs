//! Regular futures orders: placement (crossing, post-only, reduce-only, FOK/IOC, partial
//! fills), the paper orders ("parts") behind them, their status, cancels, and the paper
//! events that become trades.

use super::wire::{filter_error, precision_error};
use super::{engine_err, FutOrder, FutType, Futures, NewOrder, Resp, Trade};
use crate::binance::errors::code;
use crate::binance::Market;
use crate::error::ValidationError;
use crate::events::EngineEvent;
use crate::exchange::params::{valid_client_id, Req};
use crate::exchange::reply::{extra, ApiError, ApiResult};
use crate::exchange::Ctx;
use crate::ledger::{self, Trigger};
use crate::money::{Price, Quantity};
use crate::order::{Order, OrderRequest, OrderStatus, RejectReason};
use crate::position::Position;
use crate::rules::OrderCheck;
use crate::types::{OrderType, Symbol, TimeInForce};
use rust_decimal::Decimal;
use std::str::FromStr;

/// The futures answer for a refused order (the reject table).
pub(super) fn rejected(why: RejectReason) -> ApiError {
    let (code, msg) = why.binance(Market::UsdM);
    ApiError::bad(code, msg)
}

/// `timeInForce`.
pub(super) fn tif(s: &str) -> Result<TimeInForce, ApiError> {
    TimeInForce::from_str(s).map_err(|_| ApiError::bad(extra::INVALID_TIF, "Invalid timeInForce."))
}

impl Futures {
    /// (executed qty, cumulative quote, any part still resting)
    pub(super) fn progress(&self, o: &FutOrder) -> (Decimal, Decimal, bool) {
        let mut executed = Decimal::ZERO;
        let mut quote = Decimal::ZERO;
        let mut pending = false;
        for id in &o.parts {
            if let Some(p) = self.paper.order(id) {
                if p.status == OrderStatus::Filled {
                    let q = p.filled_amount.unwrap_or_default().0;
                    executed += q;
                    quote += q * p.filled_price.unwrap_or_default().0;
                } else if p.is_open() {
                    pending = true;
                }
            }
        }
        (executed, quote, pending)
    }

    /// The order's status, from its parts: working (pending, or partially filled once
    /// something executed), else cancelled / expired as decided here, else filled in full or
    /// expired.
    pub(super) fn status(&self, o: &FutOrder) -> OrderStatus {
        let (executed, _, pending) = self.progress(o);
        if o.final_status.is_none() && (pending || o.deferred > Decimal::ZERO) {
            return if executed > Decimal::ZERO {
                OrderStatus::PartiallyFilled
            } else {
                OrderStatus::Pending
            };
        }
        if let Some(s) = o.final_status {
            return s;
        }
        if executed == o.orig_qty && executed > Decimal::ZERO {
            OrderStatus::Filled
        } else {
            OrderStatus::Expired
        }
    }

    pub(super) fn is_open(&self, o: &FutOrder) -> bool {
        self.status(o).is_open()
    }

    /// Apply paper events after `since`: update times, trades, position times.
    pub(super) fn absorb(&mut self, since: u64, now: i64) {
        let events: Vec<EngineEvent> = self
            .paper
            .events_since(since)
            .iter()
            .map(|r| r.event.clone())
            .collect();
        let mut last_trade_of: Option<(Symbol, usize)> = None;
        for ev in events {
            match ev {
                EngineEvent::OrderFilled {
                    order_id,
                    price,
                    amount,
                    fee,
                    liquidity,
                    ..
                } => {
                    last_trade_of = None;
                    if let Some(idx) = self.part_owner(&order_id) {
                        self.orders[idx].update_time = now;
                        self.trades.push(Trade {
                            id: self.trades.len() as u64 + 1,
                            order: idx,
                            price: price.0,
                            qty: amount.0,
                            commission: fee.0,
                            realized_pnl: Decimal::ZERO,
                            maker: liquidity == crate::types::Liquidity::Maker,
                            time: now,
                        });
                        last_trade_of =
                            Some((self.orders[idx].symbol.clone(), self.trades.len() - 1));
                    }
                    self.account_update = now;
                }
                EngineEvent::OrderCancelled { order_id, .. }
                | EngineEvent::OrderFailed { order_id, .. } => {
                    if let Some(idx) = self.part_owner(&order_id) {
                        self.orders[idx].update_time = now;
                    }
                }
                EngineEvent::PositionReduced {
                    symbol,
                    realized_pnl,
                    ..
                }
                | EngineEvent::PositionClosed {
                    symbol,
                    realized_pnl,
                    ..
                } => {
                    if let Some((s, t)) = &last_trade_of {
                        if *s == symbol {
                            self.trades[*t].realized_pnl += realized_pnl.0;
                        }
                    }
                    self.pos_update.insert(symbol, now);
                }
                EngineEvent::PositionOpened { symbol, .. }
                | EngineEvent::PositionIncreased { symbol, .. }
                | EngineEvent::PositionLiquidated { symbol, .. } => {
                    self.pos_update.insert(symbol, now);
                    self.account_update = now;
                }
                _ => {}
            }
        }
    }

    /// The exchange order a paper order id belongs to (`f<orderId>` or `f<orderId>.<n>`).
    pub(super) fn part_owner(&self, paper_id: &str) -> Option<usize> {
        let rest = paper_id.strip_prefix('f')?;
        let num = rest.split('.').next()?;
        self.by_id.get(&num.parse::<u64>().ok()?).copied()
    }

    pub(super) fn submit_part(
        &mut self,
        order_id: u64,
        part_no: usize,
        o: &NewOrder,
        qty: Decimal,
    ) -> Result<String, ApiError> {
        let id = if part_no == 0 {
            format!("f{order_id}")
        } else {
            format!("f{order_id}.{part_no}")
        };
        let order_type = if o.is_market {
            OrderType::Market
        } else {
            OrderType::Limit
        };
        let mut req = OrderRequest::new(o.symbol.clone(), o.side, order_type, Quantity(qty));
        req.id = Some(id.clone());
        req.price = (!o.is_market).then_some(Price(o.price));
        req.reduce_only = o.reduce_only || o.close_position;
        let placed = self
            .paper
            .place_order_ref(&req, None)
            .map_err(|e| engine_err(&e))?;
        if placed.status == OrderStatus::Failed {
            return Err(match placed.reject_reason {
                Some(why) => rejected(why),
                None => ApiError::bad(
                    code::NEW_ORDER_REJECTED,
                    placed.error_message.clone().unwrap_or_default(),
                ),
            });
        }
        Ok(id)
    }

    /// Execute a validated order; records it and returns its index.
    pub(super) fn place(&mut self, o: NewOrder, ctx: &Ctx) -> Result<usize, ApiError> {
        let now = ctx.now;
        self.set_now(now);
        let mark = self.mark(&o.symbol);
        let crossing = o.is_market || Trigger::Limit.reached(o.side, o.price, mark);
        if o.tif == TimeInForce::Gtx && crossing {
            return Err(rejected(RejectReason::PostOnlyWouldTake));
        }
        let held = self
            .paper
            .state()
            .positions
            .get(&o.symbol)
            .map(Position::held);
        let opposing = ledger::opposing(held.as_ref(), o.side);
        if (o.reduce_only || o.close_position) && opposing.is_zero() {
            return Err(rejected(RejectReason::ReduceOnlyRejected));
        }
        let rules = self.rules(&o.symbol);
        let (now_qty, deferred) = if !crossing {
            match o.tif {
                TimeInForce::Ioc | TimeInForce::Fok => (Decimal::ZERO, Decimal::ZERO),
                _ => (o.qty, Decimal::ZERO),
            }
        } else {
            let fill = match ctx.partial_fill {
                Some(r) if r < Decimal::ONE => rules.round_amount_down(o.qty * r),
                _ => o.qty,
            };
            if o.tif == TimeInForce::Fok && fill < o.qty {
                return Err(rejected(RejectReason::FillOrKillNotFilled));
            }
            let rest = o.qty - fill;
            if o.is_market || o.tif == TimeInForce::Ioc {
                (fill, Decimal::ZERO)
            } else {
                (fill, rest)
            }
        };
        // Ids are used up by rejected orders too (the paper engine keeps them).
        let order_id = self.next_order_id;
        self.next_order_id += 1;
        let before = self.paper.last_seq();
        let mut parts = Vec::new();
        if now_qty > Decimal::ZERO {
            parts.push(self.submit_part(order_id, 0, &o, now_qty)?);
        }
        let idx = self.orders.len();
        self.orders.push(FutOrder {
            order_id,
            client_order_id: o.client_order_id,
            symbol: o.symbol,
            side: o.side,
            is_market: o.is_market,
            orig_type: o.orig_type,
            tif: o.tif,
            price: o.price,
            orig_qty: o.qty,
            reduce_only: o.reduce_only,
            close_position: o.close_position,
            stop_price: o.stop_price,
            working_type: o.working_type,
            parts,
            deferred,
            final_status: None,
            time: now,
            update_time: now,
            visible_at: now + i64::try_from(ctx.late_landing_ms).unwrap_or(i64::MAX / 4),
        });
        self.by_id.insert(order_id, idx);
        self.absorb(before, now);
        Ok(idx)
    }

    pub(super) fn client_id(&mut self, req: &Req, key: &str) -> Result<String, ApiError> {
        match req.get(key) {
            Some(id) => {
                if !valid_client_id(id, true) {
                    return Err(ApiError::bad(
                        extra::INVALID_CLIENT_ORDER_ID,
                        "Client order id is not valid.",
                    ));
                }
                Ok(id.to_owned())
            }
            None => {
                let n = self.next_client_id;
                self.next_client_id += 1;
                Ok(format!("iftb-local-{n:012}"))
            }
        }
    }

    pub(super) fn check_precision(
        &self,
        s: &Symbol,
        qty: Option<Decimal>,
        prices: &[Decimal],
    ) -> Result<(), ApiError> {
        if qty.is_some_and(|q| q.normalize().scale() > self.qdp(s))
            || prices.iter().any(|p| p.normalize().scale() > self.pdp(s))
        {
            return Err(precision_error());
        }
        Ok(())
    }

    pub(super) fn check_filters(
        &self,
        s: &Symbol,
        c: &OrderCheck,
        reduce_only: bool,
    ) -> Result<(), ApiError> {
        let (qty, price, stop) = (c.amount, c.price, c.stop_price);
        if qty <= Decimal::ZERO {
            return Err(ApiError::bad(
                extra::QTY_LESS_THAN_ZERO,
                "Quantity less than or equal to zero.",
            ));
        }
        if price.is_some_and(|p| p <= Decimal::ZERO) || stop.is_some_and(|p| p <= Decimal::ZERO) {
            return Err(ApiError::bad(
                extra::PRICE_LESS_THAN_ZERO,
                "Price less than or equal to zero.",
            ));
        }
        let mut rules = self.rules(s);
        if reduce_only {
            rules.min_notional = Decimal::ZERO;
        }
        // Futures LOT_SIZE: (quantity − minQty) % stepSize == 0.
        if !rules.step_size.is_zero()
            && qty >= rules.min_qty
            && !((qty - rules.min_qty) % rules.step_size).is_zero()
        {
            return Err(filter_error(&ValidationError::InvalidStepSize {
                symbol: s.to_string(),
                amount: qty.to_string(),
                step: rules.step_size.to_string(),
                rounded: String::new(),
            }));
        }
        rules
            .check_order(
                s,
                &OrderCheck {
                    reference: Some(self.mark(s)),
                    ..*c
                },
            )
            .map_err(|e| filter_error(&e))
    }

    pub(super) fn open_client_id_taken(&self, id: &str) -> bool {
        self.orders
            .iter()
            .any(|o| o.client_order_id == id && self.is_open(o))
            || self
                .algos
                .iter()
                .any(|a| a.client_algo_id == id && self.algo_status(a) == OrderStatus::Pending)
    }

    pub(super) fn new_order(&mut self, req: &Req, ctx: &Ctx) -> ApiResult {
        let symbol = self.by_name.symbol(req)?;
        let side = req.side()?;
        let ty = req.required("type")?;
        if FutType::conditional(ty).is_some() || ty == "TRAILING_STOP_MARKET" {
            return Err(ApiError::bad(
                code::STOP_ORDER_SWITCH_ALGO,
                "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.",
            ));
        }
        let is_market = match ty {
            "MARKET" => true,
            "LIMIT" => false,
            _ => {
                return Err(ApiError::bad(
                    extra::INVALID_ORDER_TYPE,
                    "Invalid orderType.",
                ))
            }
        };
        self.check_position_side(req)?;
        let resp = match req.get("newOrderRespType").unwrap_or("ACK") {
            "ACK" => Resp::Ack,
            "RESULT" => Resp::Result,
            _ => return Err(ApiError::invalid_value("newOrderRespType")),
        };
        let client_order_id = self.client_id(req, "newClientOrderId")?;
        if self.open_client_id_taken(&client_order_id) {
            return Err(rejected(RejectReason::DuplicateOrder));
        }
        let reduce_only = req.boolean("reduceOnly")?.unwrap_or(false);
        if req.boolean("closePosition")?.unwrap_or(false) {
            return Err(ApiError::not_required("closePosition"));
        }
        let qty = req.required_decimal("quantity")?;
        let (price, tif) = if is_market {
            if req.get("price").is_some() {
                return Err(ApiError::not_required("price"));
            }
            (Decimal::ZERO, TimeInForce::Gtc)
        } else {
            let price = req.required_decimal("price")?;
            let tif = tif(req.required("timeInForce")?)?;
            (price, tif)
        };
        self.check_precision(&symbol, Some(qty), &[price])?;
        self.check_filters(
            &symbol,
            &OrderCheck {
                is_market,
                side,
                amount: qty,
                price: (!is_market).then_some(price),
                stop_price: None,
                reference: None,
            },
            reduce_only,
        )?;
        let idx = self.place(
            NewOrder {
                symbol,
                side,
                is_market,
                tif,
                qty,
                price,
                reduce_only,
                close_position: false,
                client_order_id,
                orig_type: if is_market {
                    FutType::Market
                } else {
                    FutType::Limit
                },
                stop_price: Decimal::ZERO,
                working_type: "CONTRACT_PRICE".into(),
            },
            ctx,
        )?;
        Ok(self.order_json(&self.orders[idx], resp, false))
    }

    pub(super) fn check_position_side(&self, req: &Req) -> Result<(), ApiError> {
        match req.get("positionSide") {
            None | Some("BOTH") => Ok(()),
            Some("LONG" | "SHORT") => Err(ApiError::bad(
                -4061,
                "Order's position side does not match user's setting.",
            )),
            Some(_) => Err(ApiError::invalid_value("positionSide")),
        }
    }

    pub(super) fn find_order(&self, req: &Req, now: i64, cancel: bool) -> Result<usize, ApiError> {
        self.by_name.find_order(
            req,
            &self.orders,
            |id| {
                u64::try_from(id)
                    .ok()
                    .and_then(|id| self.by_id.get(&id).copied())
            },
            |o| self.is_open(o),
            now,
            cancel,
        )
    }

    pub(super) fn cancel(&mut self, idx: usize, now: i64) -> Result<(), ApiError> {
        let before = self.paper.last_seq();
        let parts = self.orders[idx].parts.clone();
        for p in parts {
            if self.paper.order(&p).is_some_and(Order::is_open) {
                self.paper.cancel_order(&p).map_err(|e| engine_err(&e))?;
            }
        }
        let o = &mut self.orders[idx];
        o.deferred = Decimal::ZERO;
        o.final_status = Some(OrderStatus::Cancelled);
        o.update_time = now;
        self.absorb(before, now);
        Ok(())
    }
}
