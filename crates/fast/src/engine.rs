//! The fast paper engine: the paper venue's accounting behind a numbers-only API.
//!
//! Same rules as [`iftb_core::paper::PaperEngine`] (slippage, maker/taker fees, leverage, isolated
//! margin, reservations for resting limits, stop-loss / take-profit, Binance liquidation), with
//! the books in exact fixed-point decimals ([`Fx`], 10⁻¹² quanta, rounded half to even exactly
//! where `PaperEngine` rounds), but built for speed:
//!
//! - symbols are interned `u32` ids; positions and orders live in slabs addressed by `u32` ids
//!   (slot + generation); nothing is allocated per order once the slabs are warm;
//! - no per-order history: fills of the last call are in a small reusable log ([`FastFill`]);
//! - a **trigger index** per symbol: two binary heaps of trigger levels (orders that fire when
//!   the price falls to a level, and those that fire when it rises to one). A price update
//!   compares the price with the two heap tops and is done when nothing is reached, whatever the
//!   number of open positions.
//!
//! Prices and levels given by the caller are doubles whose exact value is their shortest
//! decimal (see [`crate::fixed`]); since that map is strictly increasing, comparing the doubles
//! decides "reached?" exactly. Liquidation levels are computed decimals: the index keeps a
//! conservative double for them and decides with exact decimals (the same
//! [`BracketTable::liquidation_price`] `PaperEngine` uses) when the price gets there.
//!
//! Two position modes: **netting** (one position per symbol, as `PaperEngine`: opposite
//! orders reduce, close or flip it) and **hedging** (every filled order opens its own position,
//! closed by its stop-loss, take-profit, liquidation or [`FastEngine::close`]), the model of
//! backtesting.py's `hedging=True` and Nautilus's HEDGING OMS.

use crate::chunked::ChunkVec;
use crate::fixed::{self, from_f64, FromF64, Fx, Rate};
use iftb_core::error::{EngineError, OrderError, Result, ValidationError};
use iftb_core::liquidation::BracketTable;
use iftb_core::paper::{PaperConfig, MAX_LEVERAGE};
use iftb_core::types::{OrderType, PositionSide, Symbol};
use rust_decimal::Decimal;
use std::collections::HashMap;

const NONE: u32 = u32::MAX;
const SLOT_BITS: u32 = 20;
const SLOT_MASK: u32 = (1 << SLOT_BITS) - 1;
const GEN_MASK: u32 = (1 << (32 - SLOT_BITS)) - 1;
const KIND_SHIFT: u32 = 30;
const K_SL: u32 = 0;
const K_TP: u32 = 1;
const K_LIQ: u32 = 2;
const K_LIMIT: u32 = 3;
const MAX_INPUT: f64 = 1e12;

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

#[derive(Debug, Clone, Copy, Default)]
struct Trig {
    key: f64,
    seq: u32,
    /// kind << 30 | slot
    what: u32,
}

impl Trig {
    fn kind(self) -> u32 {
        self.what >> KIND_SHIFT
    }
    fn slot(self) -> usize {
        (self.what & ((1 << KIND_SHIFT) - 1)) as usize
    }
}

/// A binary heap of triggers: `below` = max-heap (fires when price ≤ key), else min-heap.
#[derive(Debug, Default)]
struct Heap {
    v: ChunkVec<Trig>,
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
    fn top(&self) -> Option<f64> {
        self.v.first().map(|t| t.key)
    }
    fn pop(&mut self, below: bool) -> Option<Trig> {
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

#[derive(Debug)]
struct Sym {
    name: Symbol,
    /// Last mark (0 = none). Its exact value is its shortest decimal.
    mark: f64,
    mark_fx: Fx,
    mark_fx_of: f64,
    /// Taker prices (buy, sell) at `mark_fx`.
    taker: [Fx; 2],
    leverage: u32,
    table: usize,
    /// Netting: the open position's slot.
    net: u32,
    /// Netting: realized by partial reductions of the open position.
    realized: Fx,
    below: Heap,
    above: Heap,
    /// Compact the heaps (drop stale entries) when they grow past this.
    compact_at: usize,
}

/// An [`Fx`] stored in 96 bits (12 bytes, 4-byte aligned): positions stay at 72 bytes.
/// Values past ±2⁹⁵ quanta (±3.9·10¹⁶ quote units) are refused as an overflow.
#[derive(Debug, Clone, Copy, Default)]
struct F96([u32; 3]);

impl F96 {
    #[inline]
    fn get(self) -> Fx {
        let v = u128::from(self.0[0]) | u128::from(self.0[1]) << 32 | u128::from(self.0[2]) << 64;
        // Sign-extend from 96 bits.
        Fx(((v << 32) as i128) >> 32)
    }
    #[inline]
    fn of(v: Fx) -> Result<F96> {
        const LIM: i128 = 1 << 95;
        if v.0 >= -LIM && v.0 < LIM {
            let u = v.0 as u128;
            Ok(F96([u as u32, (u >> 32) as u32, (u >> 64) as u32]))
        } else {
            Err(EngineError::Overflow("position value past 3.9e16"))
        }
    }
}

/// 72 bytes.
#[derive(Debug, Clone, Copy, Default)]
struct Pos {
    sl: f64,
    tp: f64,
    entry: F96,
    amount: F96,
    margin: F96,
    sl_seq: u32,
    tp_seq: u32,
    liq_seq: u32,
    sym: u16,
    gen: u16,
    lev: u8,
    long: bool,
    live: bool,
}

impl Pos {
    #[inline]
    fn entry(&self) -> Fx {
        self.entry.get()
    }
    #[inline]
    fn amount(&self) -> Fx {
        self.amount.get()
    }
    #[inline]
    fn margin(&self) -> Fx {
        self.margin.get()
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Ord {
    amount: Fx,
    reserved: Fx,
    price: f64,
    seq: u32,
    sym: u32,
    gen: u16,
    lev: u8,
    buy: bool,
    live: bool,
}

/// The fast paper engine. See the module docs.
pub struct FastEngine {
    hedging: bool,
    config: PaperConfig,
    maker: Rate,
    taker: Rate,
    slip_buy: Rate,
    slip_sell: Rate,
    tables: Vec<BracketTable>,
    /// The same tables in doubles `(cap, mmr, cum)` for the liquidation-level estimate.
    ftables: Vec<Vec<[f64; 3]>>,
    slow: fn(f64) -> Option<Fx>,
    syms: Vec<Sym>,
    names: HashMap<String, u32>,
    pos: ChunkVec<Pos>,
    pos_free: Vec<u32>,
    ords: Vec<Ord>,
    ord_free: Vec<u32>,
    wallet: Fx,
    fees: Fx,
    realized: Fx,
    reserved: Fx,
    margin: Fx,
    open_positions: u32,
    open_orders: u32,
    seq: u32,
    filled: u64,
    rejected: u64,
    last_position: u32,
    last_order: u32,
    log: Vec<FastFill>,
    fired: Vec<Trig>,
}

impl std::fmt::Debug for FastEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FastEngine")
            .field("hedging", &self.hedging)
            .field("books", &self.books())
            .finish_non_exhaustive()
    }
}

fn overflow() -> EngineError {
    EngineError::Overflow("fast engine value")
}

#[inline]
fn u(v: Fx) -> u128 {
    v.unsigned_abs()
}

#[inline]
fn fx(v: u128) -> Result<Fx> {
    i128::try_from(v).map(Fx).map_err(|_| overflow())
}

fn dec(v: Fx) -> Result<Decimal> {
    v.to_decimal().ok_or_else(overflow)
}

/// A double as text for error messages, without float formatting (which costs ~14 KB of
/// wasm): its exact binary value when finite.
fn describe(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        match from_f64(x) {
            FromF64::Exact(v) => v.to_string(),
            _ => Decimal::from_f64_retain(x).map_or_else(|| "?".into(), |d| d.to_string()),
        }
    }
}

fn bad_number(field: &'static str, x: f64) -> EngineError {
    ValidationError::InvalidNumber {
        field,
        value: describe(x),
    }
    .into()
}

/// A price or level: finite, > 0, ≤ 1e12, at most 12 decimals.
fn check_price(field: &'static str, x: f64) -> Result<()> {
    if x.is_nan() || x.is_infinite() || x > MAX_INPUT {
        return Err(bad_number(field, x));
    }
    if x <= 0.0 {
        return Err(ValidationError::InvalidPrice {
            field,
            value: describe(x),
        }
        .into());
    }
    if !fixed::fits_dp(x) {
        return Err(bad_number(field, x));
    }
    Ok(())
}

/// An exact double-to-decimal converter for doubles [`from_f64`] leaves undecided; a native
/// caller may use `|x| format!("{x}").parse().ok().and_then(Fx::from_decimal)`.
pub type SlowConvert = fn(f64) -> Option<Fx>;

impl FastEngine {
    /// A new engine with `PaperEngine`'s configuration; `hedging` picks the position mode.
    /// `slow` converts the rare doubles with more than ~15 significant digits exactly.
    ///
    /// # Errors
    /// Invalid configuration.
    pub fn new(config: PaperConfig, hedging: bool, slow: SlowConvert) -> Result<Self> {
        config.validate()?;
        let cfg_err = |what: &str| ValidationError::InvalidConfig(format!("{what} out of range"));
        let maker = Rate::from_decimal(config.maker_fee).ok_or_else(|| cfg_err("makerFee"))?;
        let taker = Rate::from_decimal(config.taker_fee).ok_or_else(|| cfg_err("takerFee"))?;
        let slip_buy = Rate::from_decimal(Decimal::ONE + config.slippage)
            .ok_or_else(|| cfg_err("slippage"))?;
        let slip_sell = Rate::from_decimal(Decimal::ONE - config.slippage)
            .ok_or_else(|| cfg_err("slippage"))?;
        let wallet = Fx::from_decimal(config.initial_balance)
            .ok_or_else(|| cfg_err("initialBalance (at most 12 decimals)"))?;
        let mut tables = vec![config.default_brackets.clone()];
        tables.extend(config.brackets.values().cloned());
        let ftables = tables
            .iter()
            .map(|t| {
                t.0.iter()
                    .map(|b| {
                        [
                            decimal_f64(b.notional_cap),
                            decimal_f64(b.maint_margin_ratio),
                            decimal_f64(b.cum),
                        ]
                    })
                    .collect()
            })
            .collect();
        Ok(Self {
            hedging,
            config,
            maker,
            taker,
            slip_buy,
            slip_sell,
            tables,
            ftables,
            slow,
            syms: Vec::new(),
            names: HashMap::new(),
            pos: ChunkVec::new(),
            pos_free: Vec::new(),
            ords: Vec::new(),
            ord_free: Vec::new(),
            wallet,
            fees: Fx::ZERO,
            realized: Fx::ZERO,
            reserved: Fx::ZERO,
            margin: Fx::ZERO,
            open_positions: 0,
            open_orders: 0,
            seq: 0,
            filled: 0,
            rejected: 0,
            last_position: NONE,
            last_order: NONE,
            log: Vec::new(),
            fired: Vec::new(),
        })
    }

    /// Hedging mode?
    #[must_use]
    pub fn hedging(&self) -> bool {
        self.hedging
    }

    /// Reserve room for `positions` more positions and `orders` more resting orders (so
    /// later calls do not grow memory).
    pub fn reserve(&mut self, positions: usize, orders: usize) {
        self.pos.reserve(positions);
        self.ords.reserve(orders);
        self.fired.reserve(16);
        self.log.reserve(16);
    }

    /// Reserve trigger-index room in one symbol for `positions` positions (a stop-loss, a
    /// take-profit and a liquidation level each: 1.5 entries per heap on average) and `orders`
    /// resting limits.
    ///
    /// # Errors
    /// Unknown symbol.
    pub fn reserve_symbol(&mut self, sym: u32, positions: usize, orders: usize) -> Result<()> {
        self.sym(sym)?;
        let per_heap = positions * 3 / 2 + orders / 2 + 1;
        let s = &mut self.syms[sym as usize];
        s.below.v.reserve(per_heap);
        s.above.v.reserve(per_heap);
        s.compact_at = s.compact_at.max(2 * per_heap);
        Ok(())
    }

    /// The id of `symbol` (`BASE/QUOTE`), interning it on first use.
    ///
    /// # Errors
    /// `INVALID_SYMBOL`.
    pub fn symbol(&mut self, symbol: &str) -> Result<u32> {
        if let Some(&id) = self.names.get(symbol) {
            return Ok(id);
        }
        let name = Symbol::parse(symbol)?;
        let table = self
            .config
            .brackets
            .keys()
            .position(|k| *k == name)
            .map_or(0, |i| i + 1);
        let id = u16::try_from(self.syms.len())
            .map(u32::from)
            .map_err(|_| EngineError::Overflow("more than 65,536 symbols"))?;
        self.syms.push(Sym {
            name,
            mark: 0.0,
            mark_fx: Fx::ZERO,
            mark_fx_of: 0.0,
            taker: [Fx::ZERO; 2],
            leverage: self.config.default_leverage,
            table,
            net: NONE,
            realized: Fx::ZERO,
            below: Heap::default(),
            above: Heap::default(),
            compact_at: 64,
        });
        self.names.insert(symbol.to_owned(), id);
        Ok(id)
    }

    /// The text of a symbol id.
    #[must_use]
    pub fn symbol_name(&self, id: u32) -> Option<&Symbol> {
        self.syms.get(id as usize).map(|s| &s.name)
    }

    fn sym(&self, id: u32) -> Result<&Sym> {
        self.syms
            .get(id as usize)
            .ok_or_else(|| ValidationError::InvalidSymbol(format!("unknown symbol id {id}")).into())
    }

    /// Set a symbol's leverage (1..=125); in netting mode only while flat or equal.
    ///
    /// # Errors
    /// `INVALID_LEVERAGE`, `LEVERAGE_LOCKED`, unknown symbol.
    pub fn set_leverage(&mut self, sym: u32, leverage: u32) -> Result<()> {
        let s = self.sym(sym)?;
        if !(1..=MAX_LEVERAGE).contains(&leverage) {
            return Err(ValidationError::InvalidLeverage {
                value: leverage.to_string(),
                max: MAX_LEVERAGE,
            }
            .into());
        }
        if s.net != NONE {
            let p = &self.pos[s.net as usize];
            if u32::from(p.lev) != leverage {
                return Err(OrderError::LeverageLocked {
                    symbol: s.name.to_string(),
                    current: u32::from(p.lev),
                }
                .into());
            }
        }
        self.syms[sym as usize].leverage = leverage;
        Ok(())
    }

    /// Leverage in force: the open (netting) position's, else the symbol's.
    fn leverage_of(&self, sym: u32) -> u32 {
        let s = &self.syms[sym as usize];
        if s.net == NONE {
            s.leverage
        } else {
            u32::from(self.pos[s.net as usize].lev)
        }
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    fn to_fx(&self, field: &'static str, x: f64) -> Result<Fx> {
        match from_f64(x) {
            FromF64::Exact(v) => Ok(v),
            FromF64::TooPrecise => Err(bad_number(field, x)),
            FromF64::Slow => (self.slow)(x).ok_or_else(|| bad_number(field, x)),
        }
    }

    fn mark_fx(&mut self, sym: u32) -> Result<Fx> {
        let s = &self.syms[sym as usize];
        if s.mark_fx_of.to_bits() == s.mark.to_bits() {
            return Ok(s.mark_fx);
        }
        let m = s.mark;
        let v = self.to_fx("price", m)?;
        let taker = [self.taker_price(true, v)?, self.taker_price(false, v)?];
        let s = &mut self.syms[sym as usize];
        s.mark_fx = v;
        s.mark_fx_of = m;
        s.taker = taker;
        Ok(v)
    }

    /// Taker fill price at the mark (cached per mark).
    #[inline]
    fn taker_at_mark(&mut self, sym: u32, buy: bool) -> Result<Fx> {
        self.mark_fx(sym)?;
        Ok(self.syms[sym as usize].taker[usize::from(!buy)])
    }

    fn taker_price(&self, buy: bool, mark: Fx) -> Result<Fx> {
        let r = if buy { self.slip_buy } else { self.slip_sell };
        fx(r.apply(u(mark)).ok_or_else(overflow)?)
    }

    #[inline]
    fn free(&self) -> Fx {
        Fx(self.wallet.0 - self.margin.0 - self.reserved.0)
    }

    // ----- ids ---------------------------------------------------------------------------

    fn pos_id(&self, slot: u32) -> u32 {
        (u32::from(self.pos[slot as usize].gen) & GEN_MASK) << SLOT_BITS | slot
    }

    fn pos_slot(&self, id: u32) -> Result<u32> {
        let slot = id & SLOT_MASK;
        match self.pos.get(slot as usize) {
            Some(p) if p.live && (u32::from(p.gen) & GEN_MASK) == id >> SLOT_BITS => Ok(slot),
            _ => Err(OrderError::NoPosition(format!("position id {id}")).into()),
        }
    }

    fn ord_id(&self, slot: u32) -> u32 {
        (u32::from(self.ords[slot as usize].gen) & GEN_MASK) << SLOT_BITS | slot
    }

    fn new_pos(&mut self, p: Pos) -> Result<u32> {
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

    fn free_pos(&mut self, slot: u32) {
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

    // ----- trigger index -----------------------------------------------------------------

    fn push_trig(&mut self, sym: u32, below: bool, t: Trig) {
        let s = &mut self.syms[sym as usize];
        if below {
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

    fn trig_valid(&self, t: Trig) -> bool {
        let slot = t.slot();
        match t.kind() {
            K_LIMIT => self
                .ords
                .get(slot)
                .is_some_and(|o| o.live && o.seq == t.seq),
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

    fn exact_liq(&self, p: &Pos) -> Result<Option<Decimal>> {
        let side = if p.long {
            PositionSide::Long
        } else {
            PositionSide::Short
        };
        let table = &self.tables[self.syms[p.sym as usize].table];
        Ok(table.liquidation_price(side, dec(p.amount())?, dec(p.entry())?, dec(p.margin())?))
    }

    /// (Re)index a position's liquidation level after it changed.
    fn key_liq(&mut self, slot: u32) -> Result<()> {
        let p = self.pos[slot as usize];
        let table = &self.ftables[self.syms[p.sym as usize].table];
        let key = match liq_estimate(table, p.long, &p) {
            Estimate::None => None,
            Estimate::Key(k) => Some(k),
            Estimate::Exact => self.exact_liq(&p)?.map(|lp| outward_key(lp, p.long)),
        };
        let seq = self.next_seq();
        self.pos[slot as usize].liq_seq = seq;
        if let Some(key) = key {
            self.push_trig(
                u32::from(p.sym),
                p.long,
                Trig {
                    key,
                    seq,
                    what: K_LIQ << KIND_SHIFT | slot,
                },
            );
        }
        Ok(())
    }

    // ----- price updates -----------------------------------------------------------------

    /// Mark `sym` at `price`: liquidations, then reached stop-losses, take-profits and
    /// resting limits, oldest first. Returns how many fills this produced (see [`Self::fills`]).
    ///
    /// # Errors
    /// Unknown symbol; price not finite, ≤ 0, > 1e12 or with more than 12 decimals.
    #[inline]
    pub fn update_price(&mut self, sym: u32, price: f64) -> Result<u32> {
        self.log.clear();
        self.mark(sym, price)?;
        Ok(self.log.len() as u32)
    }

    /// Like [`Self::update_price`] over many prices of one symbol; returns the total fills
    /// (the log keeps those of the last price that had any).
    ///
    /// # Errors
    /// As `update_price`; prices before a bad one are applied.
    pub fn update_prices(&mut self, sym: u32, prices: &[f64]) -> Result<u32> {
        let mut n = 0;
        self.log.clear();
        for &p in prices {
            let before = self.log.len();
            self.mark(sym, p)?;
            n += (self.log.len() - before) as u32;
            if self.log.len() > 4096 {
                self.log.clear();
            }
        }
        Ok(n)
    }

    #[inline]
    fn mark(&mut self, sym: u32, price: f64) -> Result<()> {
        let Some(s) = self.syms.get_mut(sym as usize) else {
            return Err(self.sym(sym).err().unwrap_or_else(overflow));
        };
        if !(price > 0.0 && price <= MAX_INPUT && (price >= 8192.0 || fixed::fits_dp(price))) {
            return check_price("price", price);
        }
        s.mark = price;
        let hit_below = s.below.top().is_some_and(|k| price <= k);
        let hit_above = s.above.top().is_some_and(|k| price >= k);
        if hit_below || hit_above {
            self.process(sym, price)?;
        }
        Ok(())
    }

    #[cold]
    fn process(&mut self, sym: u32, price: f64) -> Result<()> {
        let mut fired = std::mem::take(&mut self.fired);
        fired.clear();
        {
            let s = &mut self.syms[sym as usize];
            while s.below.top().is_some_and(|k| price <= k) {
                if let Some(t) = s.below.pop(true) {
                    fired.push(t);
                }
            }
            while s.above.top().is_some_and(|k| price >= k) {
                if let Some(t) = s.above.pop(false) {
                    fired.push(t);
                }
            }
        }
        fired.retain(|t| self.trig_valid(*t));
        // Liquidation levels were conservative: decide exactly, re-index the ones not hit.
        let mut i = 0;
        let price_fx = self.mark_fx(sym)?;
        let price_dec = dec(price_fx)?;
        while i < fired.len() {
            let t = fired[i];
            if t.kind() == K_LIQ {
                let p = self.pos[t.slot()];
                let lp = self.exact_liq(&p)?;
                let hit = lp.is_some_and(|lp| {
                    if p.long {
                        price_dec <= lp
                    } else {
                        price_dec >= lp
                    }
                });
                if !hit {
                    fired.swap_remove(i);
                    if let Some(lp) = lp {
                        self.push_trig(
                            sym,
                            p.long,
                            Trig {
                                key: outward_key(lp, p.long),
                                ..t
                            },
                        );
                    }
                    continue;
                }
            }
            i += 1;
        }
        // Liquidations first, then by age (PaperEngine: liquidation, then orders oldest first).
        fired.sort_unstable_by_key(|t| (t.kind() != K_LIQ, t.seq));
        for t in &fired {
            if !self.trig_valid(*t) {
                continue; // e.g. the other side of an SL/TP pair, closed by an earlier fill
            }
            let slot = t.slot() as u32;
            match t.kind() {
                K_LIQ => self.liquidate(slot, price_fx)?,
                K_LIMIT => self.fill_limit(slot)?,
                k => {
                    let buy = !self.pos[slot as usize].long;
                    let px = self.taker_at_mark(sym, buy)?;
                    let kind = if k == K_SL {
                        FillKind::StopLoss
                    } else {
                        FillKind::TakeProfit
                    };
                    self.close_slot(slot, px, false, kind)?;
                }
            }
        }
        self.fired = fired;
        Ok(())
    }

    // ----- orders ------------------------------------------------------------------------

    fn check_amount(&self, amount: Fx) -> Result<()> {
        if amount.0 <= 0 {
            return Err(ValidationError::InvalidAmount(amount.to_string()).into());
        }
        if amount.0 > 1_000_000_000_000 * fixed::ONE {
            return Err(ValidationError::InvalidNumber {
                field: "amount",
                value: amount.to_string(),
            }
            .into());
        }
        Ok(())
    }

    /// A market order at the symbol's mark: the fill price, or `None` when the venue rejects
    /// it (insufficient balance). Netting: nets into the symbol's position; hedging: opens a
    /// new position ([`Self::last_position`]).
    ///
    /// # Errors
    /// Unknown symbol, no mark yet (`NO_PRICE`), bad amount.
    #[inline]
    pub fn market(&mut self, sym: u32, buy: bool, amount: Fx) -> Result<Option<Fx>> {
        self.log.clear();
        let s = self.sym(sym)?;
        if s.mark == 0.0 {
            return Err(OrderError::NoPrice(s.name.to_string()).into());
        }
        self.check_amount(amount)?;
        let lev = self.leverage_of(sym);
        let px = self.taker_at_mark(sym, buy)?;
        let ok = self.fill(sym, buy, amount, px, false, lev, Fx::ZERO, FillKind::Market)?;
        Ok(ok.then_some(px))
    }

    /// A limit order. Crossing on arrival it fills as a taker (never worse than `price`);
    /// otherwise it rests with its margin and fee reserved ([`Self::last_order`]) and fills
    /// as a maker at `price` when reached. Returns the fill price if it filled now, `None`
    /// if it rests or was rejected (see [`Self::last_order`]: `u32::MAX` when rejected).
    ///
    /// # Errors
    /// Unknown symbol, bad amount or price.
    pub fn limit(&mut self, sym: u32, buy: bool, amount: Fx, price: f64) -> Result<Option<Fx>> {
        self.log.clear();
        self.last_order = NONE;
        let s = self.sym(sym)?;
        check_price("price", price)?;
        self.check_amount(amount)?;
        let (mark, lev) = (s.mark, self.leverage_of(sym));
        let limit = self.to_fx("price", price)?;
        if mark != 0.0 && (if buy { mark <= price } else { mark >= price }) {
            let tp = self.taker_at_mark(sym, buy)?;
            let px = if buy { tp.min(limit) } else { tp.max(limit) };
            let ok = self.fill(sym, buy, amount, px, false, lev, Fx::ZERO, FillKind::Limit)?;
            return Ok(ok.then_some(px));
        }
        // Reservation: margin of the part that would open exposure + maker fee at the limit.
        let opposing = self.opposing(sym, buy);
        let open = Fx(amount.0.saturating_sub(opposing.0).max(0));
        let margin = fixed::mul_div(u(limit), u(open), lev).ok_or_else(overflow)?;
        let fee = fixed::mul3(u(limit), u(amount), self.maker).ok_or_else(overflow)?;
        let need = fx(margin + fee)?;
        if need > self.free() {
            self.rejected += 1;
            return Ok(None);
        }
        let seq = self.next_seq();
        let o = Ord {
            amount,
            reserved: need,
            price,
            seq,
            sym,
            gen: 0,
            lev: lev as u8,
            buy,
            live: true,
        };
        let slot = match self.ord_free.pop() {
            Some(s) => s,
            None => {
                let s = u32::try_from(self.ords.len()).map_err(|_| overflow())?;
                if s > SLOT_MASK {
                    return Err(EngineError::Overflow("more than 2^20 resting orders"));
                }
                self.ords.push(Ord::default());
                s
            }
        };
        let gen = self.ords[slot as usize].gen.wrapping_add(1);
        self.ords[slot as usize] = Ord { gen, ..o };
        self.reserved = self.reserved.checked_add(need).ok_or_else(overflow)?;
        self.open_orders += 1;
        self.last_order = self.ord_id(slot);
        self.push_trig(
            sym,
            buy,
            Trig {
                key: price,
                seq,
                what: K_LIMIT << KIND_SHIFT | slot,
            },
        );
        Ok(None)
    }

    /// Cancel a resting order, releasing exactly its reservation.
    ///
    /// # Errors
    /// `ORDER_NOT_FOUND`.
    pub fn cancel(&mut self, order_id: u32) -> Result<()> {
        let slot = order_id & SLOT_MASK;
        match self.ords.get(slot as usize) {
            Some(o) if o.live && (u32::from(o.gen) & GEN_MASK) == order_id >> SLOT_BITS => {
                self.drop_order(slot);
                Ok(())
            }
            _ => Err(OrderError::OrderNotFound(format!("order id {order_id}")).into()),
        }
    }

    fn drop_order(&mut self, slot: u32) {
        let o = &mut self.ords[slot as usize];
        o.live = false;
        self.reserved = Fx(self.reserved.0 - o.reserved.0);
        o.reserved = Fx::ZERO;
        self.ord_free.push(slot);
        self.open_orders -= 1;
    }

    fn fill_limit(&mut self, slot: u32) -> Result<()> {
        let o = self.ords[slot as usize];
        let px = self.to_fx("price", o.price)?;
        // The order leaves the book either way; its reservation is released by `fill`.
        self.ords[slot as usize].live = false;
        self.ord_free.push(slot);
        self.open_orders -= 1;
        self.fill(
            o.sym,
            o.buy,
            o.amount,
            px,
            true,
            u32::from(o.lev),
            o.reserved,
            FillKind::Limit,
        )?;
        Ok(())
    }

    fn opposing(&self, sym: u32, buy: bool) -> Fx {
        if self.hedging {
            return Fx::ZERO;
        }
        let net = self.syms[sym as usize].net;
        if net == NONE {
            return Fx::ZERO;
        }
        let p = &self.pos[net as usize];
        if p.long == buy {
            Fx::ZERO
        } else {
            p.amount()
        }
    }

    /// Execute `qty` at `px`. Returns false when rejected for balance (reservation released).
    #[allow(clippy::too_many_arguments, clippy::too_many_lines)]
    fn fill(
        &mut self,
        sym: u32,
        buy: bool,
        qty: Fx,
        px: Fx,
        maker: bool,
        lev: u32,
        reserved: Fx,
        kind: FillKind,
    ) -> Result<bool> {
        let rate = if maker { self.maker } else { self.taker };
        let net = if self.hedging {
            NONE
        } else {
            self.syms[sym as usize].net
        };
        let opposing = self.opposing(sym, buy);
        let reduce = qty.min(opposing);
        let open = Fx(qty.0 - reduce.0);
        // px × open once: margin, the fee when nothing is reduced, the 1x-long test below.
        let open_notional = if open.0 > 0 {
            fixed::mul(u(px), u(open))
        } else {
            Some(0)
        };
        let fee = match open_notional {
            Some(n) if reduce.0 == 0 => fixed::mul(n, rate.num).map(fixed::div_e24_round),
            _ => None,
        };
        let fee = match fee {
            Some(f) => fx(f)?,
            None => fx(fixed::mul3(u(px), u(qty), rate).ok_or_else(overflow)?)?,
        };
        let (realized, released) = if reduce.0 > 0 {
            let p = &self.pos[net as usize];
            let realized = pnl(p.long, px, p.entry(), reduce)?;
            let released = if reduce == p.amount() {
                p.margin()
            } else {
                part(p.margin(), reduce, p.amount())?
            };
            (realized, released)
        } else {
            (Fx::ZERO, Fx::ZERO)
        };
        let open_margin = match open_notional {
            _ if open.0 == 0 => Fx::ZERO,
            Some(n) => fx(fixed::div_round(n, lev))?,
            None => fx(fixed::mul_div(u(px), u(open), lev).ok_or_else(overflow)?)?,
        };
        if open.0 > 0 {
            let available = Fx(self.free().0 + reserved.0 + released.0 + realized.0);
            if open_margin.0 + fee.0 > available.0 {
                self.reserved = Fx(self.reserved.0 - reserved.0);
                self.rejected += 1;
                return Ok(false);
            }
        }
        // Commit.
        self.reserved = Fx(self.reserved.0 - reserved.0);
        self.wallet = Fx(self.wallet.0 + realized.0 - fee.0);
        self.fees = Fx(self.fees.0 + fee.0);
        self.realized = Fx(self.realized.0 + realized.0);
        self.filled += 1;
        let mut position = NONE;
        if reduce.0 > 0 {
            position = self.pos_id(net);
            let p = &mut self.pos[net as usize];
            if reduce == p.amount() {
                self.margin = Fx(self.margin.0 - p.margin().0);
                self.free_pos(net);
            } else {
                p.amount = F96::of(Fx(p.amount().0 - reduce.0))?;
                p.margin = F96::of(Fx(p.margin().0 - released.0))?;
                let r = &mut self.syms[sym as usize].realized;
                *r = Fx(r.0 + realized.0);
                self.margin = Fx(self.margin.0 - released.0);
                self.key_liq(net)?;
            }
        }
        if open.0 > 0 {
            let cur = if self.hedging {
                NONE
            } else {
                self.syms[sym as usize].net
            };
            self.margin = Fx(self.margin.0 + open_margin.0);
            if cur == NONE {
                let slot = self.new_pos(Pos {
                    entry: F96::of(px)?,
                    amount: F96::of(open)?,
                    margin: F96::of(open_margin)?,
                    sym: sym as u16,
                    lev: lev as u8,
                    long: buy,
                    ..Pos::default()
                })?;
                if !self.hedging {
                    // As PaperEngine: the symbol's leverage becomes the position's.
                    let sy = &mut self.syms[sym as usize];
                    sy.net = slot;
                    sy.realized = Fx::ZERO;
                    sy.leverage = lev;
                }
                // A long whose margin covers its whole notional (every 1x long) cannot be
                // liquidated: no index entry. Otherwise index its liquidation level.
                let covered = buy
                    && open_notional.is_some_and(|n| {
                        fixed::mul(u(open_margin), fixed::ONE as u128).is_some_and(|m| m >= n)
                    });
                if !covered {
                    self.key_liq(slot)?;
                }
                position = self.pos_id(slot);
            } else {
                let p = &mut self.pos[cur as usize];
                p.entry = F96::of(average(p.entry(), p.amount(), px, open)?)?;
                p.amount = F96::of(Fx(p.amount().0 + open.0))?;
                p.margin = F96::of(Fx(p.margin().0 + open_margin.0))?;
                self.key_liq(cur)?;
                position = self.pos_id(cur);
            }
        }
        self.last_position = position;
        self.log.push(FastFill {
            kind,
            position,
            buy,
            price: px,
            amount: qty,
            fee,
            realized,
        });
        Ok(true)
    }

    /// Close a whole position at `px` (SL/TP/close): a reduce of its full amount.
    fn close_slot(&mut self, slot: u32, px: Fx, maker: bool, kind: FillKind) -> Result<()> {
        let p = self.pos[slot as usize];
        let rate = if maker { self.maker } else { self.taker };
        let fee = fx(fixed::mul3(u(px), u(p.amount()), rate).ok_or_else(overflow)?)?;
        let realized = pnl(p.long, px, p.entry(), p.amount())?;
        let position = self.pos_id(slot);
        self.wallet = Fx(self.wallet.0 + realized.0 - fee.0);
        self.fees = Fx(self.fees.0 + fee.0);
        self.realized = Fx(self.realized.0 + realized.0);
        self.margin = Fx(self.margin.0 - p.margin().0);
        self.filled += 1;
        self.free_pos(slot);
        self.log.push(FastFill {
            kind,
            position,
            buy: !p.long,
            price: px,
            amount: p.amount(),
            fee,
            realized,
        });
        Ok(())
    }

    fn liquidate(&mut self, slot: u32, price: Fx) -> Result<()> {
        let p = self.pos[slot as usize];
        let upnl = pnl(p.long, price, p.entry(), p.amount())?;
        let realized = upnl.max(Fx(-p.margin().0));
        let clearance = Fx((p.margin().0 + realized.0).max(0));
        let position = self.pos_id(slot);
        self.wallet = Fx(self.wallet.0 + realized.0 - clearance.0);
        self.realized = Fx(self.realized.0 + realized.0);
        self.fees = Fx(self.fees.0 + clearance.0);
        self.margin = Fx(self.margin.0 - p.margin().0);
        self.filled += 1;
        self.free_pos(slot);
        self.log.push(FastFill {
            kind: FillKind::Liquidation,
            position,
            buy: !p.long,
            price,
            amount: p.amount(),
            fee: clearance,
            realized,
        });
        Ok(())
    }

    /// Close a whole position with a market order at the symbol's mark (slippage, taker fee).
    /// Returns the fill price.
    ///
    /// # Errors
    /// `NO_POSITION`, `NO_PRICE`.
    pub fn close(&mut self, position: u32) -> Result<Fx> {
        self.log.clear();
        let slot = self.pos_slot(position)?;
        let p = self.pos[slot as usize];
        let s = &self.syms[p.sym as usize];
        if s.mark == 0.0 {
            return Err(OrderError::NoPrice(s.name.to_string()).into());
        }
        let px = self.taker_at_mark(u32::from(p.sym), !p.long)?;
        self.close_slot(slot, px, false, FillKind::Close)?;
        Ok(px)
    }

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
        check_price(if sl { "stopLoss" } else { "takeProfit" }, level)?;
        let p = self.pos[slot as usize];
        // Sell-side (long) SL and buy-side (short) TP fire on a fall to the level.
        let below = p.long == sl;
        let mark = self.syms[p.sym as usize].mark;
        let reached = if mark != 0.0 {
            if below {
                mark <= level
            } else {
                mark >= level
            }
        } else {
            let l = self.to_fx("level", level)?;
            if below {
                p.entry() <= l
            } else {
                p.entry() >= l
            }
        };
        if reached {
            let side = if p.long {
                PositionSide::Long
            } else {
                PositionSide::Short
            };
            let against = if mark != 0.0 {
                self.to_fx("price", mark)?
            } else {
                p.entry()
            };
            let k = if sl {
                OrderType::StopLoss
            } else {
                OrderType::TakeProfit
            };
            return Err(iftb_core::paper::protection_error(
                k,
                side,
                dec(self.to_fx("level", level)?)?,
                "current",
                dec(against)?,
            )
            .into());
        }
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
            below,
            Trig {
                key: level,
                seq,
                what: (if sl { K_SL } else { K_TP }) << KIND_SHIFT | slot,
            },
        );
        Ok(())
    }

    // ----- queries -----------------------------------------------------------------------

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
            side: if p.long {
                PositionSide::Long
            } else {
                PositionSide::Short
            },
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
            sum = sum
                .checked_add(pnl(p.long, mark, p.entry(), p.amount())?)
                .ok_or_else(overflow)?;
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

/// `side × (px − entry) × qty`, on the quantum.
#[inline]
fn pnl(long: bool, px: Fx, entry: Fx, qty: Fx) -> Result<Fx> {
    let diff = if long { px.0 - entry.0 } else { entry.0 - px.0 };
    let m = fx(fixed::mul_div(diff.unsigned_abs(), u(qty), 1).ok_or_else(overflow)?)?;
    Ok(if diff < 0 { Fx(-m.0) } else { m })
}

/// `round(margin × reduce / amount)`.
fn part(margin: Fx, reduce: Fx, amount: Fx) -> Result<Fx> {
    match u(margin).checked_mul(u(reduce)) {
        Some(n) => fx(fixed::div_round_u128(n, u(amount))),
        None => {
            let d = iftb_core::num::money(
                dec(margin)?
                    .checked_mul(dec(reduce)?)
                    .and_then(|x| x.checked_div(dec(amount).ok()?))
                    .ok_or_else(overflow)?,
            );
            Fx::from_decimal(d).ok_or_else(overflow)
        }
    }
}

/// `round((e₁q₁ + e₂q₂) / (q₁ + q₂))`.
fn average(e1: Fx, q1: Fx, e2: Fx, q2: Fx) -> Result<Fx> {
    let num = u(e1)
        .checked_mul(u(q1))
        .and_then(|a| a.checked_add(u(e2).checked_mul(u(q2))?));
    match num {
        Some(n) => fx(fixed::div_round_u128(n, u(q1) + u(q2))),
        None => {
            let n = dec(e1)? * dec(q1)? + dec(e2)? * dec(q2)?;
            let d = iftb_core::num::money(n.checked_div(dec(q1)? + dec(q2)?).ok_or_else(overflow)?);
            Fx::from_decimal(d).ok_or_else(overflow)
        }
    }
}

enum Estimate {
    None,
    Key(f64),
    Exact,
}

/// A double on the safe side of an exact level: for a long (fires at price ≤ level) a key
/// ≥ the level, for a short one ≤ it.
fn outward_key(lp: Decimal, long: bool) -> f64 {
    let f = decimal_f64(lp);
    let nudge = f.abs() * 1e-12 + 1e-300;
    if long {
        f + nudge
    } else {
        f - nudge
    }
}

fn decimal_f64(d: Decimal) -> f64 {
    // Mantissa up to 96 bits and scale up to 28: relative error a few ulps at most.
    #[allow(clippy::cast_precision_loss)]
    let m = d.mantissa() as f64;
    m / 10f64.powi(d.scale() as i32)
}

fn fx_f64(v: Fx) -> f64 {
    v.approx_f64()
}

/// A double on the safe side of the liquidation level, from doubles with an error bound
/// (1e-12 of the magnitudes, far above the ~1e-15 of the arithmetic); `Exact` when the
/// notional is close to a bracket boundary, where doubles could pick another bracket.
fn liq_estimate(rows: &[[f64; 3]], long: bool, p: &Pos) -> Estimate {
    if long {
        // Exactly: margin ≥ entry × amount means WB + cum − q·EP ≥ 0 in every bracket, so
        // LP ≤ 0, "cannot be liquidated" (every 1x long).
        if let Some(n) = fixed::mul(u(p.entry()), u(p.amount())) {
            if fixed::mul(u(p.margin()), fixed::ONE as u128).is_some_and(|m| m >= n) {
                return Estimate::None;
            }
        }
    }
    let (q, ep, wb) = (fx_f64(p.amount()), fx_f64(p.entry()), fx_f64(p.margin()));
    let near = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (a.abs() + b.abs());
    let pick = |notional: f64| -> Option<usize> {
        rows.iter()
            .position(|b| notional < b[0])
            .or(rows.len().checked_sub(1))
    };
    let near_edge = |notional: f64| rows.iter().any(|b| near(notional, b[0]));
    // LP = (WB + cum − s·q·EP) / (q·MMR − s·q); as a bound on the safe side.
    let solve = |i: usize| -> f64 {
        let [_, mmr, cum] = rows[i];
        let err = 1e-12 * (wb + cum + q * ep) + 1e-300;
        if long {
            // den = q(1 − mmr) > 0 after the sign flip; upper bound.
            (q * ep - wb - cum + err) / (q * (1.0 - mmr)) * (1.0 + 1e-12)
        } else {
            // den = q(1 + mmr); lower bound.
            (wb + cum + q * ep - err) / (q * (1.0 + mmr)) * (1.0 - 1e-12)
        }
    };
    let n0 = ep * q;
    if near_edge(n0) {
        return Estimate::Exact;
    }
    let Some(i0) = pick(n0) else {
        return Estimate::None;
    };
    let mut lp = solve(i0);
    let n1 = lp * q;
    if near_edge(n1) {
        return Estimate::Exact;
    }
    if let Some(i1) = pick(n1).filter(|i| *i != i0) {
        lp = solve(i1);
    }
    if long && lp <= 0.0 {
        // Even the upper bound is ≤ 0: the exact level is ≤ 0, "cannot be liquidated".
        return Estimate::None;
    }
    Estimate::Key(lp.max(0.0))
}
