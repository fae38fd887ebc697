//! How orders execute against the paper books: acceptance, resting and reservations,
//! rejection and cancellation, fills (through the ledger's fill plan), protective orders,
//! price marks and liquidations.

use super::{is_pending, unpend, PaperEngine};
use crate::error::{EngineError, Result};
use crate::events::{CloseReason, EngineEvent, Fill};
use crate::ledger::{self, liquidation, Held};
use crate::money::{Money, Price, Quantity};
use crate::order::{Order, OrderTransition, RejectReason};
use crate::position::Position;
use crate::types::{Liquidity, OrderType, Symbol};

fn overflow(what: &'static str) -> EngineError {
    EngineError::Overflow(what)
}

impl PaperEngine {
    pub(super) fn accept(&mut self, mut order: Order) -> usize {
        order.exchange_order_id = Some(self.gen_id("paper"));
        let idx = self.state.orders.len();
        self.index.insert(order.id.clone(), idx);
        self.pending.push(idx); // idx is the largest so far: the list stays sorted
        self.emit(EngineEvent::OrderAccepted {
            order_id: order.id.clone(),
            symbol: order.symbol.clone(),
            side: order.side,
            order_type: order.order_type,
            amount: order.amount,
        });
        self.state.orders.push(order);
        idx
    }

    pub(super) fn execute_new(&mut self, idx: usize, mark: Option<Price>) -> Result<()> {
        let o = &self.state.orders[idx];
        match (o.order_type, mark) {
            (OrderType::Market, Some(m)) => {
                let px = self.taker_price(o.side, m)?;
                self.fill(idx, px, Liquidity::Taker)
            }
            (OrderType::Limit, Some(m)) if o.triggers_at(m) => {
                let limit = o.price.unwrap_or(m);
                let px = self
                    .ledger
                    .crossing_price(o.side, m, limit)
                    .ok_or_else(|| overflow("slippage price"))?;
                self.fill(idx, px, Liquidity::Taker)
            }
            (OrderType::StopLoss | OrderType::TakeProfit, Some(m)) if o.triggers_at(m) => {
                self.reject(idx, RejectReason::WouldTriggerImmediately, None)
            }
            _ => self.rest(idx),
        }
    }

    /// Reservation for a resting order: margin of the part that would open exposure plus the
    /// fee at its reference price (the limit, or a stop's taker price).
    fn reservation(&self, o: &Order) -> Result<Money> {
        if o.reduce_only || o.close_position {
            return Ok(Money::ZERO);
        }
        let Some(px) = o.reference_price() else {
            return Ok(Money::ZERO);
        };
        let (liquidity, px) = match o.order_type {
            OrderType::Limit => (Liquidity::Maker, px),
            _ => (Liquidity::Taker, self.taker_price(o.side, px)?),
        };
        let held = self.state.positions.get(&o.symbol).map(Position::held);
        let opposing = ledger::opposing(held.as_ref(), o.side);
        self.ledger
            .reservation(px, o.amount, opposing, o.leverage, liquidity)
            .ok_or_else(|| overflow("reservation"))
    }

    fn rest(&mut self, idx: usize) -> Result<()> {
        let need = self.reservation(&self.state.orders[idx])?;
        let free = self.free_balance();
        if need > free {
            return self.reject(idx, RejectReason::InsufficientFunds, Some((need, free)));
        }
        self.state.orders[idx].reserved = need;
        self.state.reserved += need;
        Ok(())
    }

    pub(super) fn taker_price(&self, side: crate::types::Side, mark: Price) -> Result<Price> {
        self.ledger
            .taker_price(side, mark)
            .ok_or_else(|| overflow("slippage price"))
    }

    fn release(&mut self, idx: usize) {
        let r = std::mem::take(&mut self.state.orders[idx].reserved);
        self.state.reserved -= r;
    }

    /// Fail order `idx`; `funds` gives the figures of an insufficient-funds rejection.
    fn reject(
        &mut self,
        idx: usize,
        why: RejectReason,
        funds: Option<(Money, Money)>,
    ) -> Result<()> {
        self.release(idx);
        let reason = match funds {
            Some((need, available)) => RejectReason::insufficient(need, available),
            None => why.message().to_owned(),
        };
        let o = &mut self.state.orders[idx];
        o.apply(OrderTransition::Reject)?;
        unpend(&mut self.pending, idx);
        o.error_message = Some(reason.clone());
        o.reject_reason = Some(why);
        let (order_id, symbol) = (o.id.clone(), o.symbol.clone());
        self.unlink(idx);
        self.emit(EngineEvent::OrderFailed {
            order_id,
            symbol,
            reason,
        });
        Ok(())
    }

    pub(super) fn cancel_idx(&mut self, idx: usize, reason: CloseReason) -> Result<()> {
        self.state.orders[idx].apply(OrderTransition::Cancel)?;
        unpend(&mut self.pending, idx);
        self.release(idx);
        self.unlink(idx);
        let o = &self.state.orders[idx];
        self.emit(EngineEvent::OrderCancelled {
            order_id: o.id.clone(),
            symbol: o.symbol.clone(),
            reason,
        });
        Ok(())
    }

    /// Forget a protective order's link from its position.
    fn unlink(&mut self, idx: usize) {
        let o = &self.state.orders[idx];
        if let Some(p) = self.state.positions.get_mut(&o.symbol) {
            if p.stop_loss_order.as_deref() == Some(&o.id) {
                p.stop_loss_order = None;
            }
            if p.take_profit_order.as_deref() == Some(&o.id) {
                p.take_profit_order = None;
            }
        }
    }

    /// Execute a fill of order `idx` at `price`: the ledger plans it, this commits it.
    fn fill(&mut self, idx: usize, price: Price, liquidity: Liquidity) -> Result<()> {
        let o = &self.state.orders[idx];
        let (symbol, side, order_type, leverage) =
            (o.symbol.clone(), o.side, o.order_type, o.leverage);
        let (close_position, reserved) = (o.close_position, o.reserved);
        let held = self.state.positions.get(&symbol).map(Position::held);
        let opposing = ledger::opposing(held.as_ref(), side);
        let qty = ledger::fill_quantity(o.amount, opposing, o.reduce_only, close_position);
        if qty.is_zero() {
            return if close_position {
                self.cancel_idx(idx, CloseReason::PositionClosed)
            } else {
                self.reject(idx, RejectReason::ReduceOnlyRejected, None)
            };
        }
        let plan = self
            .ledger
            .plan(held.as_ref(), side, qty, price, liquidity, leverage)
            .ok_or_else(|| overflow("fill"))?;
        if let Some((need, available)) = plan.funds(self.free_balance(), reserved) {
            if need > available {
                return self.reject(
                    idx,
                    RejectReason::InsufficientFunds,
                    Some((need, available)),
                );
            }
        }

        // Commit.
        self.release(idx);
        let now = self.now();
        self.state.wallet += plan.wallet_delta().ok_or_else(|| overflow("wallet"))?;
        self.state.fees_paid += plan.fee;
        self.state.realized_pnl += plan.realized;
        self.record_fill(idx, price, qty, plan.fee, liquidity)?;

        if let Some(h) = held.filter(|_| !plan.reduce.is_zero()) {
            let close_reason = match order_type {
                _ if !close_position => CloseReason::Order,
                OrderType::StopLoss => CloseReason::StopLoss,
                OrderType::TakeProfit => CloseReason::TakeProfit,
                _ => CloseReason::Order,
            };
            if plan.closes {
                self.remove_position(&symbol, plan.realized, close_reason)?;
            } else {
                let after = plan.after_reduce(&h).ok_or_else(|| overflow("position"))?;
                let pm = self
                    .state
                    .positions
                    .get_mut(&symbol)
                    .ok_or(EngineError::Internal("position vanished"))?;
                pm.amount = after.amount;
                pm.margin = after.margin;
                pm.realized_pnl += plan.realized;
                self.sync_protective_amounts(&symbol);
                self.emit(EngineEvent::PositionReduced {
                    symbol: symbol.clone(),
                    side: after.side,
                    amount: after.amount,
                    realized_pnl: plan.realized,
                });
            }
        }
        if !plan.open.is_zero() {
            let held = self.state.positions.get(&symbol).map(Position::held);
            let after = plan
                .after_open(held.as_ref())
                .ok_or_else(|| overflow("entry"))?;
            match self.state.positions.get_mut(&symbol) {
                Some(p) => {
                    p.entry_price = after.entry;
                    p.amount = after.amount;
                    p.margin = after.margin;
                    self.sync_protective_amounts(&symbol);
                    self.emit(EngineEvent::PositionIncreased {
                        symbol,
                        side: after.side,
                        amount: after.amount,
                        entry_price: after.entry,
                    });
                }
                None => self.open_position(symbol, after, leverage, now),
            }
        }
        Ok(())
    }

    fn open_position(
        &mut self,
        symbol: Symbol,
        h: Held<rust_decimal::Decimal>,
        leverage: u32,
        now: u64,
    ) {
        self.state.positions.insert(
            symbol.clone(),
            Position {
                symbol: symbol.clone(),
                side: h.side,
                entry_price: h.entry,
                amount: h.amount,
                leverage,
                margin: h.margin,
                realized_pnl: Money::ZERO,
                opened_at_ms: now,
                stop_loss_order: None,
                take_profit_order: None,
            },
        );
        match self.state.leverage.get_mut(&symbol) {
            Some(l) => *l = leverage,
            None => {
                self.state.leverage.insert(symbol.clone(), leverage);
            }
        }
        self.emit(EngineEvent::PositionOpened {
            symbol,
            side: h.side,
            amount: h.amount,
            entry_price: h.entry,
            leverage,
        });
    }

    /// Mark order `idx` filled and record the fill (history, fill list, event).
    fn record_fill(
        &mut self,
        idx: usize,
        price: Price,
        qty: Quantity,
        fee: Money,
        liquidity: Liquidity,
    ) -> Result<()> {
        let timestamp_ms = self.now();
        let o = &mut self.state.orders[idx];
        o.apply(OrderTransition::Fill)?;
        unpend(&mut self.pending, idx);
        o.filled_price = Some(price);
        o.filled_amount = Some(qty);
        o.fee = Some(fee);
        let (order_id, symbol, side) = (o.id.clone(), o.symbol.clone(), o.side);
        self.state.fills.push(Fill {
            order_id: order_id.clone(),
            symbol: symbol.clone(),
            side,
            price,
            amount: qty,
            fee,
            liquidity,
            timestamp_ms,
        });
        self.emit(EngineEvent::OrderFilled {
            order_id,
            symbol,
            side,
            price,
            amount: qty,
            fee,
            liquidity,
        });
        Ok(())
    }

    /// Remove a closed position and cancel its protective orders.
    fn remove_position(
        &mut self,
        symbol: &Symbol,
        realized: Money,
        reason: CloseReason,
    ) -> Result<()> {
        let Some(p) = self.state.positions.remove(symbol) else {
            return Ok(());
        };
        for id in [&p.stop_loss_order, &p.take_profit_order]
            .into_iter()
            .flatten()
        {
            if let Some(&i) = self.index.get(id) {
                if self.state.orders[i].is_open() {
                    self.cancel_idx(i, CloseReason::PositionClosed)?;
                }
            }
        }
        if reason != CloseReason::Liquidation {
            self.emit(EngineEvent::PositionClosed {
                symbol: symbol.clone(),
                side: p.side,
                realized_pnl: realized,
                reason,
            });
        }
        Ok(())
    }

    fn sync_protective_amounts(&mut self, symbol: &Symbol) {
        let Some(p) = self.state.positions.get(symbol) else {
            return;
        };
        let amount = p.amount;
        for id in [p.stop_loss_order.clone(), p.take_profit_order.clone()]
            .into_iter()
            .flatten()
        {
            if let Some(&i) = self.index.get(&id) {
                self.state.orders[i].amount = amount;
            }
        }
    }

    pub(super) fn mark(&mut self, sym: &Symbol, price: Price) -> Result<()> {
        match self.state.marks.get_mut(sym) {
            Some(m) => *m = price,
            None => {
                self.state.marks.insert(sym.clone(), price);
            }
        }
        self.check_liquidation(sym, price)?;
        let candidates: Vec<usize> = self
            .pending
            .iter()
            .copied()
            .filter(|&i| {
                let o = &self.state.orders[i];
                &o.symbol == sym && o.triggers_at(price)
            })
            .collect();
        for i in candidates {
            if !is_pending(&self.state.orders[i]) {
                continue; // cancelled by an earlier fill in this step (OCO sibling)
            }
            let o = &self.state.orders[i];
            match o.order_type {
                OrderType::Limit => {
                    let px = o.price.unwrap_or(price);
                    self.fill(i, px, Liquidity::Maker)?;
                }
                OrderType::StopLoss | OrderType::TakeProfit => {
                    let ev = if o.order_type == OrderType::StopLoss {
                        EngineEvent::StopLossTriggered {
                            order_id: o.id.clone(),
                            symbol: sym.clone(),
                            price,
                        }
                    } else {
                        EngineEvent::TakeProfitTriggered {
                            order_id: o.id.clone(),
                            symbol: sym.clone(),
                            price,
                        }
                    };
                    let px = self.taker_price(o.side, price)?;
                    self.emit(ev);
                    self.fill(i, px, Liquidity::Taker)?;
                }
                OrderType::Market => {}
            }
        }
        Ok(())
    }

    fn check_liquidation(&mut self, sym: &Symbol, price: Price) -> Result<()> {
        let Some(p) = self.state.positions.get(sym) else {
            return Ok(());
        };
        // The level depends only on the position: remember the last one computed.
        let key = (p.side, p.amount.0, p.entry_price.0, p.margin.0);
        let lp = match &self.liq_cache {
            Some((s, k, lp)) if s == sym && *k == key => *lp,
            _ => {
                let lp = self.brackets(sym).liquidation_price(
                    p.side,
                    p.amount.0,
                    p.entry_price.0,
                    p.margin.0,
                );
                self.liq_cache = Some((sym.clone(), key, lp));
                lp
            }
        };
        let Some(lp) = lp else {
            return Ok(());
        };
        if !ledger::Direction::liquidation(p.side).reached(Price(lp), price) {
            return Ok(());
        }
        let p = p.clone();
        let s = liquidation::settle(p.side, p.entry_price, p.amount, p.margin, price)
            .ok_or_else(|| overflow("liquidation"))?;
        self.state.wallet = self.state.wallet + s.realized - s.clearance;
        self.state.realized_pnl += s.realized;
        self.state.fees_paid += s.clearance;
        // A filled market order records the liquidation in the history.
        let id = self.gen_id("liq");
        let mut order = Order::new(
            id,
            sym.clone(),
            p.side.closing_side(),
            OrderType::Market,
            p.amount,
            p.leverage,
            self.now(),
        );
        order.reduce_only = true;
        order.close_position = true;
        let idx = self.accept(order);
        self.record_fill(idx, price, p.amount, s.clearance, Liquidity::Taker)?;
        self.emit(EngineEvent::PositionLiquidated {
            symbol: sym.clone(),
            side: p.side,
            price,
            amount: p.amount,
            realized_pnl: s.realized,
            fee: s.clearance,
        });
        self.remove_position(sym, s.realized, CloseReason::Liquidation)
    }
}
