//! What the fast engine shows: its fills, positions and books (exact values), and the
//! queries that read them.

use crate::engine::{FastEngine, Sym};
use crate::index::Trig;
use crate::slab::{overflow, Ord, Pos, NONE};
use crate::Fx;
use iftb_core::error::Result;
use iftb_core::ledger;
use iftb_core::money::{Price, Quantity};
use iftb_core::types::PositionSide;

/// What produced a fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum FillKind {
    /// A market order.
    Market = 0,
    /// A limit order (taker on arrival or maker when reached).
    Limit = 1,
    /// A position's stop-loss.
    StopLoss = 2,
    /// A position's take-profit.
    TakeProfit = 3,
    /// A liquidation (price = mark, fee = clearance).
    Liquidation = 4,
    /// [`FastEngine::close`].
    Close = 5,
}

/// One fill of the last call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FastFill {
    /// What filled.
    pub kind: FillKind,
    /// Position id it opened, changed or closed.
    pub position: u32,
    /// Buy (true) or sell.
    pub buy: bool,
    /// Execution price.
    pub price: Fx,
    /// Quantity.
    pub amount: Fx,
    /// Fee (for a liquidation: the clearance).
    pub fee: Fx,
    /// PnL realized by this fill.
    pub realized: Fx,
}

/// A position as seen from outside.
#[derive(Debug, Clone, PartialEq)]
pub struct FastPosition {
    /// Position id.
    pub id: u32,
    /// Symbol id.
    pub symbol: u32,
    /// Long or short.
    pub side: PositionSide,
    /// Average entry price.
    pub entry_price: Fx,
    /// Quantity.
    pub amount: Fx,
    /// Isolated margin.
    pub margin: Fx,
    /// Leverage.
    pub leverage: u32,
    /// Realized by partial reductions (netting mode).
    pub realized_pnl: Fx,
    /// Stop-loss level.
    pub stop_loss: Option<f64>,
    /// Take-profit level.
    pub take_profit: Option<f64>,
}

/// Account totals, exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FastBooks {
    /// initial − fees + realized.
    pub wallet: Fx,
    /// Fees paid (including liquidation clearance).
    pub fees_paid: Fx,
    /// Realized PnL.
    pub realized_pnl: Fx,
    /// Held by resting orders.
    pub reserved: Fx,
    /// Σ position margin.
    pub margin_used: Fx,
    /// wallet − margin − reserved.
    pub free: Fx,
}

impl FastEngine {
    /// Fills of the last call (for `update_prices`: of the last prices, at most 4096).
    #[must_use]
    pub fn fills(&self) -> &[FastFill] {
        &self.log
    }

    /// Position touched by the last fill (`u32::MAX` when none).
    #[must_use]
    pub fn last_position(&self) -> u32 {
        self.last_position
    }

    /// Id of the order the last `limit` left resting (`u32::MAX` when none).
    #[must_use]
    pub fn last_order(&self) -> u32 {
        self.last_order
    }

    /// Open positions.
    #[must_use]
    pub fn open_positions(&self) -> u32 {
        self.open_positions
    }

    /// Resting orders.
    #[must_use]
    pub fn open_orders(&self) -> u32 {
        self.open_orders
    }

    /// Fills since creation.
    #[must_use]
    pub fn fill_count(&self) -> u64 {
        self.filled
    }

    /// Orders rejected for balance since creation.
    #[must_use]
    pub fn reject_count(&self) -> u64 {
        self.rejected
    }

    /// Netting mode: the id of the symbol's position, if any.
    #[must_use]
    pub fn position_of(&self, sym: u32) -> Option<u32> {
        let s = self.syms.get(sym as usize)?;
        (s.net != NONE).then(|| self.pos_id(s.net))
    }

    /// Exact account totals.
    #[must_use]
    pub fn books(&self) -> FastBooks {
        FastBooks {
            wallet: self.wallet,
            fees_paid: self.fees,
            realized_pnl: self.realized,
            reserved: self.reserved,
            margin_used: self.margin,
            free: self.free(),
        }
    }

    /// Last mark of a symbol.
    #[must_use]
    pub fn mark_of(&self, sym: u32) -> Option<f64> {
        self.syms
            .get(sym as usize)
            .map(|s| s.mark)
            .filter(|m| *m > 0.0)
    }

    /// One open position.
    #[must_use]
    pub fn position(&self, id: u32) -> Option<FastPosition> {
        let slot = self.pos_slot(id).ok()?;
        let p = &self.pos[slot as usize];
        Some(FastPosition {
            id,
            symbol: u32::from(p.sym),
            side: p.side(),
            entry_price: p.entry(),
            amount: p.amount(),
            margin: p.margin(),
            leverage: u32::from(p.lev),
            realized_pnl: if self.syms[p.sym as usize].net == slot {
                self.syms[p.sym as usize].realized
            } else {
                Fx::ZERO
            },
            stop_loss: (p.sl_seq != 0).then_some(p.sl),
            take_profit: (p.tp_seq != 0).then_some(p.tp),
        })
    }

    /// Every open position, by slot.
    #[must_use]
    pub fn positions(&self) -> Vec<FastPosition> {
        (0..self.pos.len() as u32)
            .filter(|&s| self.pos[s as usize].live)
            .filter_map(|s| self.position(self.pos_id(s)))
            .collect()
    }

    /// Unrealized PnL of all positions at their marks (entry when unmarked).
    ///
    /// # Errors
    /// Overflow.
    pub fn unrealized(&self) -> Result<Fx> {
        let mut sum = Fx::ZERO;
        for p in self.pos.iter().filter(|p| p.live) {
            let s = &self.syms[p.sym as usize];
            let mark = if s.mark > 0.0 {
                self.to_fx("price", s.mark)?
            } else {
                p.entry()
            };
            let pnl = ledger::pnl(
                p.side(),
                Price(p.entry()),
                Price(mark),
                Quantity(p.amount()),
            )
            .ok_or_else(overflow)?;
            sum = sum.checked_add(pnl.0).ok_or_else(overflow)?;
        }
        Ok(sum)
    }

    /// Bytes held by the engine's tables (capacity, not length): positions, orders, trigger
    /// heaps, symbols, logs.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let heaps: usize = self
            .syms
            .iter()
            .map(|s| (s.below.v.capacity() + s.above.v.capacity()) * size_of::<Trig>())
            .sum();
        self.pos.capacity() * size_of::<Pos>()
            + self.pos_free.capacity() * 4
            + self.ords.capacity() * size_of::<Ord>()
            + self.ord_free.capacity() * 4
            + self.syms.capacity() * size_of::<Sym>()
            + heaps
            + self.log.capacity() * size_of::<FastFill>()
            + self.fired.capacity() * size_of::<Trig>()
    }
}
