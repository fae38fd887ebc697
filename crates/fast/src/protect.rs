//! Protective levels of the fast engine's positions (stop-loss, take-profit), and the
//! atomic bracket entry. Which way a level fires and when it is on the wrong side is the
//! ledger's trigger table.

use crate::engine::{check_price, side_of, FastEngine};
use crate::index::{dec, Trig, K_SL, K_TP};
use crate::slab::NONE;
use crate::Fx;
use iftb_core::error::{OrderError, Result};
use iftb_core::ledger::trigger::protection_error;
use iftb_core::ledger::Direction;
use iftb_core::money::Price;
use iftb_core::order::protective_trigger;
use iftb_core::types::OrderType;

impl FastEngine {
    /// Attach, move or (`None`) remove a position's stop-loss (`kind = StopLoss`) or
    /// take-profit. A level the mark (or, without one, the entry) already reaches is refused.
    ///
    /// # Errors
    /// `NO_POSITION`, `INVALID_STOP_LOSS` / `INVALID_TAKE_PROFIT`, bad number.
    pub fn set_protection(
        &mut self,
        position: u32,
        kind: OrderType,
        level: Option<f64>,
    ) -> Result<()> {
        let slot = self.pos_slot(position)?;
        let sl = kind == OrderType::StopLoss;
        let Some(level) = level else {
            let p = &mut self.pos[slot as usize];
            if sl {
                p.sl_seq = 0;
            } else {
                p.tp_seq = 0;
            }
            return Ok(());
        };
        self.check_protection(slot, kind, level)?;
        let p = self.pos[slot as usize];
        let dir = Direction::protecting(protective_trigger(kind), p.side());
        let old = if sl { p.sl_seq } else { p.tp_seq };
        // Moving keeps the original age (PaperEngine moves the same order).
        let seq = if old != 0 { old } else { self.next_seq() };
        {
            let q = &mut self.pos[slot as usize];
            if sl {
                q.sl = level;
                q.sl_seq = seq;
            } else {
                q.tp = level;
                q.tp_seq = seq;
            }
        }
        self.push_trig(
            u32::from(p.sym),
            dir,
            Trig::new(level, seq, if sl { K_SL } else { K_TP }, slot),
        );
        Ok(())
    }

    /// Whether a protective level may be set on the position in `slot`: a valid price that
    /// the mark (or, without one, the entry) does not already reach.
    ///
    /// # Errors
    /// `INVALID_STOP_LOSS` / `INVALID_TAKE_PROFIT`, bad number.
    fn check_protection(&self, slot: u32, kind: OrderType, level: f64) -> Result<()> {
        let sl = kind == OrderType::StopLoss;
        check_price(if sl { "stopLoss" } else { "takeProfit" }, level)?;
        let p = self.pos[slot as usize];
        let trigger = protective_trigger(kind);
        let dir = Direction::protecting(trigger, p.side());
        let mark = self.syms[p.sym as usize].mark;
        let reached = if mark != 0.0 {
            dir.reached(level, mark)
        } else {
            dir.reached(self.to_fx("level", level)?, p.entry())
        };
        if reached {
            let against = if mark != 0.0 {
                self.to_fx("price", mark)?
            } else {
                p.entry()
            };
            return Err(protection_error(
                trigger,
                p.side(),
                Price(dec(self.to_fx("level", level)?)?),
                "current",
                Price(dec(against)?),
            )
            .into());
        }
        Ok(())
    }

    /// A market order with a stop-loss and a take-profit on the position it opens or changes,
    /// atomically: the levels are checked first (against the position the order would leave,
    /// at the current mark), and a refusal changes nothing. Returns the fill price, `None`
    /// when the order is rejected for balance.
    ///
    /// # Errors
    /// As `market`, and `INVALID_STOP_LOSS` / `INVALID_TAKE_PROFIT` / bad numbers before
    /// anything executes.
    pub fn bracket(
        &mut self,
        sym: u32,
        buy: bool,
        amount: Fx,
        stop_loss: Option<f64>,
        take_profit: Option<f64>,
    ) -> Result<Option<Fx>> {
        // The side of the position after the fill: the order's, unless it only reduces a
        // netting position (then the levels protect what is left, on the other side).
        let s = self.sym(sym)?;
        if s.mark == 0.0 {
            return Err(OrderError::NoPrice(s.name.to_string()).into());
        }
        self.check_amount(amount)?;
        let side = side_of(buy);
        let held = self.net_held(sym);
        let remains = match &held {
            Some(h) if h.side != side.position_side() && h.amount.0 > amount => h.side,
            Some(h)
                if h.side != side.position_side()
                    && h.amount.0 == amount
                    && (stop_loss.is_some() || take_profit.is_some()) =>
            {
                return Err(OrderError::NoPosition(format!(
                    "{} after this order (it closes the position; nothing to protect)",
                    s.name
                ))
                .into());
            }
            _ => side.position_side(),
        };
        let mark = self.syms[sym as usize].mark;
        for (kind, level) in [
            (OrderType::StopLoss, stop_loss),
            (OrderType::TakeProfit, take_profit),
        ] {
            let Some(level) = level else { continue };
            check_price(
                if kind == OrderType::StopLoss {
                    "stopLoss"
                } else {
                    "takeProfit"
                },
                level,
            )?;
            let trigger = protective_trigger(kind);
            if Direction::protecting(trigger, remains).reached(level, mark) {
                return Err(protection_error(
                    trigger,
                    remains,
                    Price(dec(self.to_fx("level", level)?)?),
                    "current",
                    Price(dec(self.to_fx("price", mark)?)?),
                )
                .into());
            }
        }
        let Some(px) = self.market(sym, buy, amount)? else {
            return Ok(None);
        };
        let id = self.last_position;
        if id != NONE && self.pos_slot(id).is_ok() {
            for (kind, level) in [
                (OrderType::StopLoss, stop_loss),
                (OrderType::TakeProfit, take_profit),
            ] {
                if level.is_some() {
                    self.set_protection(id, kind, level)?;
                }
            }
        }
        Ok(Some(px))
    }
}
