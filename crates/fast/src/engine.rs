//! The fast paper engine: the paper venue's accounting behind a numbers-only API.
//!
//! The same rules as [`iftb_core::paper::PaperEngine`] — they are the ledger's
//! ([`iftb_core::ledger`]), instantiated with exact fixed-point decimals ([`Fx`], 10⁻¹² quanta,
//! rounded half to even exactly where `PaperEngine` rounds) — but built for speed:
//!
//! - symbols are interned `u32` ids; positions and orders live in slabs addressed by `u32` ids
//!   (slot + generation; [`crate::slab`]); nothing is allocated per order once the slabs are
//!   warm;
//! - no per-order history: fills of the last call are in a small reusable log ([`FastFill`]);
//! - a **trigger index** per symbol ([`crate::index`]): a price update compares the price with
//!   two heap tops and is done when nothing is reached, whatever the number of open positions.
//!
//! Prices and levels given by the caller are doubles whose exact value is their shortest
//! decimal (see [`crate::fixed`]); since that map is strictly increasing, comparing the doubles
//! decides "reached?" exactly.
//!
//! Two position modes: **netting** (one position per symbol, as `PaperEngine`: opposite
//! orders reduce, close or flip it) and **hedging** (every filled order opens its own position,
//! closed by its stop-loss, take-profit, liquidation or [`FastEngine::close`]), the model of
//! backtesting.py's `hedging=True` and Nautilus's HEDGING OMS.

use crate::chunked::ChunkVec;
use crate::fixed::{self, from_f64, FromF64};
use crate::index::{dec, outward_key, Heap, Trig, K_LIMIT, K_LIQ, K_SL};
use crate::interval::Iv;
use crate::slab::{overflow, Ord, Pos, F96, NONE};
use crate::view::{FastFill, FillKind};
use crate::Fx;
use iftb_core::error::{EngineError, OrderError, Result, ValidationError};
use iftb_core::ledger::{
    self, liquidation, Bracket, BracketTable, Direction, Held, Ledger, Trigger,
};
use iftb_core::money::{Money, Price, Quantity, Rate};
use iftb_core::order::{OrderStatus, OrderTransition};
use iftb_core::paper::{PaperConfig, MAX_LEVERAGE};
use iftb_core::types::{Liquidity, Side, Symbol};
use rust_decimal::Decimal;
use std::collections::HashMap;

const MAX_INPUT: f64 = 1e12;

#[derive(Debug)]
pub(crate) struct Sym {
    pub(crate) name: Symbol,
    /// Last mark (0 = none). Its exact value is its shortest decimal.
    pub(crate) mark: f64,
    pub(crate) mark_fx: Fx,
    pub(crate) mark_fx_of: f64,
    /// Taker prices (buy, sell) at `mark_fx`.
    pub(crate) taker: [Fx; 2],
    pub(crate) leverage: u32,
    pub(crate) table: usize,
    /// Netting: the open position's slot.
    pub(crate) net: u32,
    /// Netting: realized by partial reductions of the open position.
    pub(crate) realized: Fx,
    pub(crate) below: Heap,
    pub(crate) above: Heap,
    /// Compact the heaps (drop stale entries) when they grow past this.
    pub(crate) compact_at: usize,
}

/// The fast paper engine. See the module docs.
pub struct FastEngine {
    pub(crate) hedging: bool,
    pub(crate) config: PaperConfig,
    /// The rules (fees, slippage, margin) in fixed point.
    pub(crate) ledger: Ledger<Fx>,
    pub(crate) tables: Vec<BracketTable>,
    /// The same tables as enclosing intervals, for the liquidation-level index key.
    pub(crate) itables: Vec<Vec<Bracket<Iv>>>,
    pub(crate) slow: fn(f64) -> Option<Fx>,
    pub(crate) syms: Vec<Sym>,
    pub(crate) names: HashMap<String, u32>,
    pub(crate) pos: ChunkVec<Pos>,
    pub(crate) pos_free: Vec<u32>,
    pub(crate) ords: Vec<Ord>,
    pub(crate) ord_free: Vec<u32>,
    pub(crate) wallet: Fx,
    pub(crate) fees: Fx,
    pub(crate) realized: Fx,
    pub(crate) reserved: Fx,
    pub(crate) margin: Fx,
    pub(crate) open_positions: u32,
    pub(crate) open_orders: u32,
    pub(crate) seq: u32,
    pub(crate) filled: u64,
    pub(crate) rejected: u64,
    pub(crate) last_position: u32,
    pub(crate) last_order: u32,
    pub(crate) log: Vec<FastFill>,
    pub(crate) fired: Vec<Trig>,
}

impl std::fmt::Debug for FastEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FastEngine")
            .field("hedging", &self.hedging)
            .field("books", &self.books())
            .finish_non_exhaustive()
    }
}

/// A double as text for error messages, without float formatting (which costs ~14 KB of
/// wasm): its exact binary value when finite.
pub(crate) fn describe(x: f64) -> String {
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

pub(crate) fn bad_number(field: &'static str, x: f64) -> EngineError {
    ValidationError::InvalidNumber {
        field,
        value: describe(x),
    }
    .into()
}

/// A price or level: finite, > 0, ≤ 1e12, at most 12 decimals.
pub(crate) fn check_price(field: &'static str, x: f64) -> Result<()> {
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

#[inline]
pub(crate) fn side_of(buy: bool) -> Side {
    if buy {
        Side::Buy
    } else {
        Side::Sell
    }
}

#[inline]
pub(crate) fn liquidity_of(maker: bool) -> Liquidity {
    if maker {
        Liquidity::Maker
    } else {
        Liquidity::Taker
    }
}

impl FastEngine {
    /// A new engine with `PaperEngine`'s configuration; `hedging` picks the position mode.
    /// `slow` converts the rare doubles with more than ~15 significant digits exactly.
    ///
    /// # Errors
    /// Invalid configuration.
    pub fn new(config: PaperConfig, hedging: bool, slow: SlowConvert) -> Result<Self> {
        config.validate()?;
        let cfg_err = |what: &str| ValidationError::InvalidConfig(format!("{what} out of range"));
        let rate =
            |d: Rate, what: &str| Fx::from_decimal(d.0).map(Rate).ok_or_else(|| cfg_err(what));
        let ledger = Ledger::new(
            rate(config.maker_fee, "makerFee")?,
            rate(config.taker_fee, "takerFee")?,
            rate(config.slippage, "slippage")?,
        )
        .ok_or_else(|| cfg_err("slippage"))?;
        let wallet = Fx::from_decimal(config.initial_balance.0)
            .ok_or_else(|| cfg_err("initialBalance (at most 12 decimals)"))?;
        let mut tables = vec![config.default_brackets.clone()];
        tables.extend(config.brackets.values().cloned());
        let itables = tables.iter().map(BracketTable::to_real).collect();
        Ok(Self {
            hedging,
            config,
            ledger,
            tables,
            itables,
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

    pub(crate) fn sym(&self, id: u32) -> Result<&Sym> {
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
    pub(crate) fn leverage_of(&self, sym: u32) -> u32 {
        let s = &self.syms[sym as usize];
        if s.net == NONE {
            s.leverage
        } else {
            u32::from(self.pos[s.net as usize].lev)
        }
    }

    pub(crate) fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    pub(crate) fn to_fx(&self, field: &'static str, x: f64) -> Result<Fx> {
        match from_f64(x) {
            FromF64::Exact(v) => Ok(v),
            FromF64::TooPrecise => Err(bad_number(field, x)),
            FromF64::Slow => (self.slow)(x).ok_or_else(|| bad_number(field, x)),
        }
    }

    pub(crate) fn mark_fx(&mut self, sym: u32) -> Result<Fx> {
        let s = &self.syms[sym as usize];
        if s.mark_fx_of.to_bits() == s.mark.to_bits() {
            return Ok(s.mark_fx);
        }
        let m = s.mark;
        let v = self.to_fx("price", m)?;
        let taker = [
            self.taker_price(Side::Buy, v)?,
            self.taker_price(Side::Sell, v)?,
        ];
        let s = &mut self.syms[sym as usize];
        s.mark_fx = v;
        s.mark_fx_of = m;
        s.taker = taker;
        Ok(v)
    }

    /// Taker fill price at the mark (cached per mark).
    #[inline]
    pub(crate) fn taker_at_mark(&mut self, sym: u32, buy: bool) -> Result<Fx> {
        self.mark_fx(sym)?;
        Ok(self.syms[sym as usize].taker[usize::from(!buy)])
    }

    pub(crate) fn taker_price(&self, side: Side, mark: Fx) -> Result<Fx> {
        self.ledger
            .taker_price(side, Price(mark))
            .map(|p| p.0)
            .ok_or_else(overflow)
    }

    #[inline]
    pub(crate) fn free(&self) -> Fx {
        Fx(self.wallet.0 - self.margin.0 - self.reserved.0)
    }

    /// The position a slot holds, as the ledger sees it.
    #[inline]
    pub(crate) fn held(&self, slot: u32) -> Held<Fx> {
        let p = &self.pos[slot as usize];
        Held {
            side: p.side(),
            entry: Price(p.entry()),
            amount: Quantity(p.amount()),
            margin: Money(p.margin()),
        }
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
    pub(crate) fn mark(&mut self, sym: u32, price: f64) -> Result<()> {
        let Some(s) = self.syms.get_mut(sym as usize) else {
            return Err(self.sym(sym).err().unwrap_or_else(overflow));
        };
        if !(price > 0.0 && price <= MAX_INPUT && (price >= 8192.0 || fixed::fits_dp(price))) {
            return check_price("price", price);
        }
        s.mark = price;
        // The heaps hold levels reached by a fall (`below`) and by a rise (`above`).
        let hit_below = s
            .below
            .top()
            .is_some_and(|k| Direction::Falls.reached(k, price));
        let hit_above = s
            .above
            .top()
            .is_some_and(|k| Direction::Rises.reached(k, price));
        if hit_below || hit_above {
            self.process(sym, price)?;
        }
        Ok(())
    }

    #[cold]
    pub(crate) fn process(&mut self, sym: u32, price: f64) -> Result<()> {
        let mut fired = std::mem::take(&mut self.fired);
        fired.clear();
        {
            let s = &mut self.syms[sym as usize];
            while s
                .below
                .top()
                .is_some_and(|k| Direction::Falls.reached(k, price))
            {
                if let Some(t) = s.below.pop(true) {
                    fired.push(t);
                }
            }
            while s
                .above
                .top()
                .is_some_and(|k| Direction::Rises.reached(k, price))
            {
                if let Some(t) = s.above.pop(false) {
                    fired.push(t);
                }
            }
        }
        fired.retain(|t| self.trig_valid(*t));
        // Liquidation keys were bounds: decide exactly, re-index the ones not reached.
        let mut i = 0;
        let price_fx = self.mark_fx(sym)?;
        let price_dec = dec(price_fx)?;
        while i < fired.len() {
            let t = fired[i];
            if t.kind() == K_LIQ {
                let p = self.pos[t.slot()];
                let dir = Direction::liquidation(p.side());
                let lp = self.exact_liq(&p)?;
                if !lp.is_some_and(|lp| dir.reached(lp, price_dec)) {
                    fired.swap_remove(i);
                    if let Some(lp) = lp {
                        self.push_trig(
                            sym,
                            dir,
                            Trig {
                                key: outward_key(lp, dir),
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

    pub(crate) fn check_amount(&self, amount: Fx) -> Result<()> {
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
        let side = side_of(buy);
        let limit = self.to_fx("price", price)?;
        if mark != 0.0 && Trigger::Limit.reached(side, price, mark) {
            let tp = self.taker_at_mark(sym, buy)?;
            let px = ledger::cap_at_limit(side, Price(tp), Price(limit)).0;
            let ok = self.fill(sym, buy, amount, px, false, lev, Fx::ZERO, FillKind::Limit)?;
            return Ok(ok.then_some(px));
        }
        let held = self.net_held(sym);
        let opposing = ledger::opposing(held.as_ref(), side);
        let need = self
            .ledger
            .reservation(
                Price(limit),
                Quantity(amount),
                opposing,
                lev,
                Liquidity::Maker,
            )
            .ok_or_else(overflow)?
            .0;
        if need > self.free() {
            self.rejected += 1;
            return Ok(None);
        }
        let seq = self.next_seq();
        let slot = self.new_ord(Ord {
            amount,
            reserved: need,
            price,
            seq,
            sym,
            gen: 0,
            lev: lev as u8,
            buy,
            status: OrderStatus::Pending,
        })?;
        self.reserved = self.reserved.checked_add(need).ok_or_else(overflow)?;
        self.last_order = self.ord_id(slot);
        self.push_trig(
            sym,
            Trigger::Limit.direction(side),
            Trig::new(price, seq, K_LIMIT, slot),
        );
        Ok(None)
    }

    /// Cancel a resting order, releasing exactly its reservation.
    ///
    /// # Errors
    /// `ORDER_NOT_FOUND`.
    pub fn cancel(&mut self, order_id: u32) -> Result<()> {
        let slot = self
            .ord_slot(order_id)
            .ok_or_else(|| OrderError::OrderNotFound(format!("order id {order_id}")))?;
        let o = &mut self.ords[slot as usize];
        self.reserved = Fx(self.reserved.0 - o.reserved.0);
        o.reserved = Fx::ZERO;
        self.free_ord(slot, OrderTransition::Cancel);
        Ok(())
    }

    pub(crate) fn fill_limit(&mut self, slot: u32) -> Result<()> {
        let o = self.ords[slot as usize];
        let px = self.to_fx("price", o.price)?;
        // The order leaves the book either way (filled, or refused for funds); its
        // reservation is released by `fill`.
        let filled = self.fill(
            o.sym,
            o.buy,
            o.amount,
            px,
            true,
            u32::from(o.lev),
            o.reserved,
            FillKind::Limit,
        )?;
        let event = if filled {
            OrderTransition::Fill
        } else {
            OrderTransition::Reject
        };
        self.free_ord(slot, event);
        Ok(())
    }

    /// Netting: the symbol's position as the ledger sees it (hedging: none).
    pub(crate) fn net_held(&self, sym: u32) -> Option<Held<Fx>> {
        if self.hedging {
            return None;
        }
        let net = self.syms[sym as usize].net;
        (net != NONE).then(|| self.held(net))
    }

    /// Execute `qty` at `px`: the ledger plans the fill, this commits it to the books.
    /// Returns false when rejected for balance (reservation released).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn fill(
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
        let net = if self.hedging {
            NONE
        } else {
            self.syms[sym as usize].net
        };
        let held = (net != NONE).then(|| self.held(net));
        let plan = self
            .ledger
            .plan(
                held.as_ref(),
                side_of(buy),
                Quantity(qty),
                Price(px),
                liquidity_of(maker),
                lev,
            )
            .ok_or_else(overflow)?;
        let refused = plan.short_of_funds(Money(self.free()), Money(reserved));
        // Filled or refused, the order's reservation is released.
        self.reserved = Fx(self.reserved.0 - reserved.0);
        if refused {
            self.rejected += 1;
            return Ok(false);
        }
        // Commit.
        let (fee, realized) = (plan.fee.0, plan.realized.0);
        self.wallet = Fx(self.wallet.0 + realized.0 - fee.0);
        self.fees = Fx(self.fees.0 + fee.0);
        self.realized = Fx(self.realized.0 + realized.0);
        self.filled += 1;
        let mut position = NONE;
        if let Some(h) = held.filter(|_| plan.reduce.0 .0 > 0) {
            position = self.pos_id(net);
            if plan.closes {
                self.margin = Fx(self.margin.0 - h.margin.0 .0);
                self.free_pos(net);
            } else {
                let after = plan.after_reduce(&h).ok_or_else(overflow)?;
                let p = &mut self.pos[net as usize];
                p.amount = F96::of(after.amount.0)?;
                p.margin = F96::of(after.margin.0)?;
                let r = &mut self.syms[sym as usize].realized;
                *r = Fx(r.0 + realized.0);
                self.margin = Fx(self.margin.0 - plan.released.0 .0);
                self.key_liq(net)?;
            }
        }
        if plan.open.0 .0 > 0 {
            let cur = if self.hedging {
                NONE
            } else {
                self.syms[sym as usize].net
            };
            self.margin = Fx(self.margin.0 + plan.open_margin.0 .0);
            if cur == NONE {
                let after = plan.after_open(None).ok_or_else(overflow)?;
                let slot = self.new_pos(Pos {
                    entry: F96::of(after.entry.0)?,
                    amount: F96::of(after.amount.0)?,
                    margin: F96::of(after.margin.0)?,
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
                // A position that can never be liquidated (every 1x long) is not indexed.
                if !plan.opens_unliquidable() {
                    self.key_liq(slot)?;
                }
                position = self.pos_id(slot);
            } else {
                let h = self.held(cur);
                let after = plan.after_open(Some(&h)).ok_or_else(overflow)?;
                let p = &mut self.pos[cur as usize];
                p.entry = F96::of(after.entry.0)?;
                p.amount = F96::of(after.amount.0)?;
                p.margin = F96::of(after.margin.0)?;
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

    /// Close a whole position at `px` (SL/TP/close): the ledger's fill of its full amount
    /// against it.
    pub(crate) fn close_slot(
        &mut self,
        slot: u32,
        px: Fx,
        maker: bool,
        kind: FillKind,
    ) -> Result<()> {
        let h = self.held(slot);
        let p = self.pos[slot as usize];
        let plan = self
            .ledger
            .plan(
                Some(&h),
                p.side().closing_side(),
                h.amount,
                Price(px),
                liquidity_of(maker),
                u32::from(p.lev),
            )
            .ok_or_else(overflow)?;
        let (fee, realized) = (plan.fee.0, plan.realized.0);
        let position = self.pos_id(slot);
        self.wallet = Fx(self.wallet.0 + realized.0 - fee.0);
        self.fees = Fx(self.fees.0 + fee.0);
        self.realized = Fx(self.realized.0 + realized.0);
        self.margin = Fx(self.margin.0 - plan.released.0 .0);
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

    pub(crate) fn liquidate(&mut self, slot: u32, price: Fx) -> Result<()> {
        let h = self.held(slot);
        let p = self.pos[slot as usize];
        let s = liquidation::settle(h.side, h.entry, h.amount, h.margin, Price(price))
            .ok_or_else(overflow)?;
        let (realized, clearance) = (s.realized.0, s.clearance.0);
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
}
