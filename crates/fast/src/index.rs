//! The trigger index of the fast engine: per symbol, two binary heaps of levels (orders that
//! fire when the price falls to a level, and those that fire when it rises to one). A price
//! update compares the price with the two heap tops and is done when nothing is reached,
//! whatever the number of open positions.
//!
//! Which heap an entry goes to is the ledger's trigger table ([`Direction`]); liquidation
//! levels are keyed by the ledger's liquidation formula evaluated on intervals
//! ([`crate::interval::Iv`]), a bound on the safe side of the exact level, and decided
//! exactly (in decimals) when the price gets there.

use crate::chunked::ChunkVec;
use crate::engine::FastEngine;
use crate::interval::{decimal_f64, Iv};
use crate::slab::Pos;
use crate::Fx;
use iftb_core::error::{EngineError, Result};
use iftb_core::ledger::liquidation::{liquidation_level, never_liquidated};
use iftb_core::ledger::Direction;
use iftb_core::money::{Money, Price, Quantity};
use iftb_core::Decimal;

pub(crate) const KIND_SHIFT: u32 = 30;
pub(crate) const K_SL: u32 = 0;
pub(crate) const K_TP: u32 = 1;
pub(crate) const K_LIQ: u32 = 2;
pub(crate) const K_LIMIT: u32 = 3;

/// One index entry.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Trig {
    pub(crate) key: f64,
    pub(crate) seq: u32,
    /// kind << 30 | slot
    pub(crate) what: u32,
}

impl Trig {
    pub(crate) fn new(key: f64, seq: u32, kind: u32, slot: u32) -> Self {
        Self {
            key,
            seq,
            what: kind << KIND_SHIFT | slot,
        }
    }
    pub(crate) fn kind(self) -> u32 {
        self.what >> KIND_SHIFT
    }
    pub(crate) fn slot(self) -> usize {
        (self.what & ((1 << KIND_SHIFT) - 1)) as usize
    }
}

/// A binary heap of triggers: `below` = max-heap (fires when price ≤ key), else min-heap.
#[derive(Debug, Default)]
pub(crate) struct Heap {
    pub(crate) v: ChunkVec<Trig>,
}

impl Heap {
    #[inline]
    fn before(a: &Trig, b: &Trig, below: bool) -> bool {
        if below {
            a.key > b.key
        } else {
            a.key < b.key
        }
    }
    fn push(&mut self, t: Trig, below: bool) {
        self.v.push(t);
        let mut i = self.v.len() - 1;
        while i > 0 {
            let p = (i - 1) / 2;
            if Self::before(&self.v[i], &self.v[p], below) {
                self.v.swap(i, p);
                i = p;
            } else {
                break;
            }
        }
    }
    #[inline]
    pub(crate) fn top(&self) -> Option<f64> {
        self.v.first().map(|t| t.key)
    }
    pub(crate) fn pop(&mut self, below: bool) -> Option<Trig> {
        let last = self.v.pop()?;
        if self.v.is_empty() {
            return Some(last);
        }
        let top = self.v[0];
        self.v[0] = last;
        self.sift_down(0, below);
        Some(top)
    }
    /// Move the entry at `i` down until both children come after it.
    fn sift_down(&mut self, mut i: usize, below: bool) {
        let n = self.v.len();
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut m = i;
            if l < n && Self::before(&self.v[l], &self.v[m], below) {
                m = l;
            }
            if r < n && Self::before(&self.v[r], &self.v[m], below) {
                m = r;
            }
            if m == i {
                break;
            }
            self.v.swap(i, m);
            i = m;
        }
    }
    /// Drop the entries `keep` rejects and restore the heap order, in place (the capacity,
    /// e.g. from `reserve`, is kept).
    fn rebuild(&mut self, keep: impl Fn(&Trig) -> bool, below: bool) {
        self.v.retain(|t| keep(t));
        for start in (0..self.v.len() / 2).rev() {
            self.sift_down(start, below);
        }
    }
}

/// A double on the safe side of an exact level: for a level reached by a fall a key ≥ the
/// level, for one reached by a rise a key ≤ it.
pub(crate) fn outward_key(lp: Decimal, dir: Direction) -> f64 {
    let iv = Iv::around(decimal_f64(lp));
    if dir.falls() {
        iv.hi
    } else {
        iv.lo
    }
}

impl FastEngine {
    pub(crate) fn push_trig(&mut self, sym: u32, dir: Direction, t: Trig) {
        let s = &mut self.syms[sym as usize];
        if dir.falls() {
            s.below.push(t, true);
        } else {
            s.above.push(t, false);
        }
        // Stale entries (moved, cancelled, closed) are dropped lazily; compact when the heaps
        // have doubled since the last compaction, so the cost stays O(1) amortized.
        if s.below.v.len() + s.above.v.len() > s.compact_at {
            self.compact(sym);
        }
    }

    fn compact(&mut self, sym: u32) {
        let mut s = std::mem::take(&mut self.syms[sym as usize].below);
        s.rebuild(|t| self.trig_valid(*t), true);
        let mut a = std::mem::take(&mut self.syms[sym as usize].above);
        a.rebuild(|t| self.trig_valid(*t), false);
        let live = s.v.len() + a.v.len();
        let sy = &mut self.syms[sym as usize];
        sy.compact_at = (2 * live)
            .max(64)
            .max(sy.compact_at.min(s.v.capacity() + a.v.capacity()));
        sy.below = s;
        sy.above = a;
    }

    pub(crate) fn trig_valid(&self, t: Trig) -> bool {
        let slot = t.slot();
        match t.kind() {
            K_LIMIT => self
                .ords
                .get(slot)
                .is_some_and(|o| o.status.is_open() && o.seq == t.seq),
            k => self.pos.get(slot).is_some_and(|p| {
                p.live
                    && match k {
                        K_SL => p.sl_seq == t.seq && p.sl.to_bits() == t.key.to_bits(),
                        K_TP => p.tp_seq == t.seq && p.tp.to_bits() == t.key.to_bits(),
                        _ => p.liq_seq == t.seq,
                    }
            }),
        }
    }

    /// The exact liquidation level of a position (the ledger's formula in decimals).
    pub(crate) fn exact_liq(&self, p: &Pos) -> Result<Option<Decimal>> {
        let table = &self.tables[self.syms[p.sym as usize].table];
        Ok(table.liquidation_price(
            p.side(),
            dec(p.amount())?,
            dec(p.entry())?,
            dec(p.margin())?,
        ))
    }

    /// (Re)index a position's liquidation level after it changed.
    pub(crate) fn key_liq(&mut self, slot: u32) -> Result<()> {
        let p = self.pos[slot as usize];
        let side = p.side();
        let dir = Direction::liquidation(side);
        let key = if never_liquidated(
            side,
            Price(p.entry()),
            Quantity(p.amount()),
            Money(p.margin()),
        ) {
            None
        } else {
            let rows = &self.itables[self.syms[p.sym as usize].table];
            let (q, ep, wb) = (
                Iv::of_fx(p.amount()),
                Iv::of_fx(p.entry()),
                Iv::of_fx(p.margin()),
            );
            match liquidation_level(rows, side, q, ep, wb) {
                Ok(None) => None,
                Ok(Some(lp)) => Some(if dir.falls() { lp.hi } else { lp.lo }),
                Err(_) => self.exact_liq(&p)?.map(|lp| outward_key(lp, dir)),
            }
        };
        let seq = self.next_seq();
        self.pos[slot as usize].liq_seq = seq;
        if let Some(key) = key {
            self.push_trig(u32::from(p.sym), dir, Trig::new(key, seq, K_LIQ, slot));
        }
        Ok(())
    }
}

pub(crate) fn dec(v: Fx) -> Result<Decimal> {
    v.to_decimal()
        .ok_or(EngineError::Overflow("fast engine value"))
}
