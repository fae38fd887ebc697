//! Storage of the fast engine: positions and resting orders in slabs addressed by `u32` ids
//! (slot + generation), packed so that an open position takes 72 bytes. Nothing here knows a
//! trading rule; the accounting is in [`crate::engine`].

use crate::engine::FastEngine;
use crate::Fx;
use iftb_core::error::{EngineError, OrderError, Result};
use iftb_core::order::{OrderStatus, OrderTransition};
use iftb_core::PositionSide;

/// "No slot".
pub(crate) const NONE: u32 = u32::MAX;
pub(crate) const SLOT_BITS: u32 = 20;
pub(crate) const SLOT_MASK: u32 = (1 << SLOT_BITS) - 1;
pub(crate) const GEN_MASK: u32 = (1 << (32 - SLOT_BITS)) - 1;

/// An [`Fx`] stored in 96 bits (12 bytes, 4-byte aligned): positions stay at 72 bytes.
/// Values past ±2⁹⁵ quanta (±3.9·10¹⁶ quote units) are refused as an overflow.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct F96([u32; 3]);

impl F96 {
    #[inline]
    pub(crate) fn get(self) -> Fx {
        let v = u128::from(self.0[0]) | u128::from(self.0[1]) << 32 | u128::from(self.0[2]) << 64;
        // Sign-extend from 96 bits.
        Fx(((v << 32) as i128) >> 32)
    }
    #[inline]
    pub(crate) fn of(v: Fx) -> Result<F96> {
        const LIM: i128 = 1 << 95;
        if v.0 >= -LIM && v.0 < LIM {
            let u = v.0 as u128;
            Ok(F96([u as u32, (u >> 32) as u32, (u >> 64) as u32]))
        } else {
            Err(EngineError::Overflow("position value past 3.9e16"))
        }
    }
}

/// An open position. 72 bytes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Pos {
    pub(crate) sl: f64,
    pub(crate) tp: f64,
    pub(crate) entry: F96,
    pub(crate) amount: F96,
    pub(crate) margin: F96,
    pub(crate) sl_seq: u32,
    pub(crate) tp_seq: u32,
    pub(crate) liq_seq: u32,
    pub(crate) sym: u16,
    pub(crate) gen: u16,
    pub(crate) lev: u8,
    pub(crate) long: bool,
    pub(crate) live: bool,
}

impl Pos {
    #[inline]
    pub(crate) fn entry(&self) -> Fx {
        self.entry.get()
    }
    #[inline]
    pub(crate) fn amount(&self) -> Fx {
        self.amount.get()
    }
    #[inline]
    pub(crate) fn margin(&self) -> Fx {
        self.margin.get()
    }
    #[inline]
    pub(crate) fn side(&self) -> PositionSide {
        if self.long {
            PositionSide::Long
        } else {
            PositionSide::Short
        }
    }
}

/// A resting limit order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ord {
    pub(crate) amount: Fx,
    pub(crate) reserved: Fx,
    pub(crate) price: f64,
    pub(crate) seq: u32,
    pub(crate) sym: u32,
    pub(crate) gen: u16,
    pub(crate) lev: u8,
    pub(crate) buy: bool,
    /// Pending while it rests; it leaves the book through the status table.
    pub(crate) status: OrderStatus,
}

impl FastEngine {
    pub(crate) fn pos_id(&self, slot: u32) -> u32 {
        (u32::from(self.pos[slot as usize].gen) & GEN_MASK) << SLOT_BITS | slot
    }

    pub(crate) fn pos_slot(&self, id: u32) -> Result<u32> {
        let slot = id & SLOT_MASK;
        match self.pos.get(slot as usize) {
            Some(p) if p.live && (u32::from(p.gen) & GEN_MASK) == id >> SLOT_BITS => Ok(slot),
            _ => Err(OrderError::NoPosition(format!("position id {id}")).into()),
        }
    }

    pub(crate) fn ord_id(&self, slot: u32) -> u32 {
        (u32::from(self.ords[slot as usize].gen) & GEN_MASK) << SLOT_BITS | slot
    }

    /// The slot of a live order id.
    pub(crate) fn ord_slot(&self, id: u32) -> Option<u32> {
        let slot = id & SLOT_MASK;
        match self.ords.get(slot as usize) {
            Some(o) if o.status.is_open() && (u32::from(o.gen) & GEN_MASK) == id >> SLOT_BITS => {
                Some(slot)
            }
            _ => None,
        }
    }

    pub(crate) fn new_pos(&mut self, p: Pos) -> Result<u32> {
        let slot = match self.pos_free.pop() {
            Some(s) => s,
            None => {
                let s = u32::try_from(self.pos.len()).map_err(|_| overflow())?;
                if s > SLOT_MASK {
                    return Err(EngineError::Overflow("more than 2^20 open positions"));
                }
                self.pos.push(Pos::default());
                s
            }
        };
        let gen = self.pos[slot as usize].gen.wrapping_add(1);
        self.pos[slot as usize] = Pos {
            gen,
            live: true,
            ..p
        };
        self.open_positions += 1;
        Ok(slot)
    }

    pub(crate) fn free_pos(&mut self, slot: u32) {
        let p = &mut self.pos[slot as usize];
        p.live = false;
        p.sl_seq = 0;
        p.tp_seq = 0;
        p.liq_seq = 0;
        let sym = p.sym as usize;
        self.pos_free.push(slot);
        self.open_positions -= 1;
        if self.syms[sym].net == slot {
            self.syms[sym].net = NONE;
        }
    }

    pub(crate) fn new_ord(&mut self, o: Ord) -> Result<u32> {
        let o = Ord {
            status: OrderStatus::Pending,
            ..o
        };
        let slot = match self.ord_free.pop() {
            Some(s) => {
                let gen = self.ords[s as usize].gen.wrapping_add(1);
                self.ords[s as usize] = Ord { gen, ..o };
                s
            }
            None => {
                let s = u32::try_from(self.ords.len()).map_err(|_| overflow())?;
                if s > SLOT_MASK {
                    return Err(EngineError::Overflow("more than 2^20 resting orders"));
                }
                self.ords.push(Ord { gen: 1, ..o });
                s
            }
        };
        self.open_orders += 1;
        Ok(slot)
    }

    /// Take an order off the book through the status table (`Fill`, `Cancel`, `Reject`;
    /// its reservation is the caller's to release).
    pub(crate) fn free_ord(&mut self, slot: u32, event: OrderTransition) {
        let o = &mut self.ords[slot as usize];
        // Only open orders are freed: the table allows every one of these events.
        o.status = o.status.transition(event).unwrap_or(OrderStatus::Cancelled);
        self.ord_free.push(slot);
        self.open_orders -= 1;
    }
}

pub(crate) fn overflow() -> EngineError {
    EngineError::Overflow("fast engine value")
}
