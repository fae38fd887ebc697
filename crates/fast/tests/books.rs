//! Differential tests between the engines, books compared exactly after every operation:
//!
//! - netting: the fast engine (fixed point, trigger index) against `PaperEngine` (decimals);
//! - hedging: the fast engine against a plain reference book written on the ledger's
//!   `Decimal` instantiation (every position on its own, linear scans, no index);
//!
//! each as a property test (shrinking) and as a seeded soak of at least 10^5 operations.
//! The Spot book has its own differential test in `iftb-core` (`tests/spot_model.rs`).

use iftb_core::ledger::{self, liquidation, Direction, Held, Ledger, Trigger};
use iftb_core::*;
use iftb_fast::{FastEngine, FillKind, Fx};
use proptest::prelude::*;
use std::str::FromStr;

fn slow(x: f64) -> Option<Fx> {
    Fx::from_decimal(Decimal::from_str(&format!("{x}")).ok()?)
}

/// A decimal, as whatever money type it is compared with.
fn d<T: From<Decimal>>(s: &str) -> T {
    T::from(Decimal::from_str(s).unwrap())
}

/// An exact fixed-point value as a decimal, or as whatever money type it is compared with.
fn fxd<T: From<Decimal>>(v: Fx) -> T {
    T::from(v.to_decimal().unwrap())
}

fn fx_of(x: Decimal) -> Fx {
    Fx::from_decimal(x).unwrap()
}

const SYMS: [&str; 2] = ["BTC/USDT", "ETH/USDT"];

#[derive(Debug, Clone)]
enum Op {
    Move {
        s: usize,
        bp: i32,
    },
    Market {
        s: usize,
        buy: bool,
        milli: u32,
    },
    Limit {
        s: usize,
        buy: bool,
        milli: u32,
        offset_bp: i32,
    },
    Protect {
        s: usize,
        sl: bool,
        offset_bp: u32,
    },
    Unprotect {
        s: usize,
        sl: bool,
    },
    Cancel {
        pick: usize,
    },
    Close {
        s: usize,
    },
    Leverage {
        s: usize,
        lev: u32,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let s = 0usize..2;
    prop_oneof![
        6 => (s.clone(), -500i32..500).prop_map(|(s, bp)| Op::Move { s, bp }),
        4 => (s.clone(), any::<bool>(), 1u32..4000).prop_map(|(s, buy, milli)| Op::Market { s, buy, milli }),
        3 => (s.clone(), any::<bool>(), 1u32..4000, -300i32..300).prop_map(|(s, buy, milli, offset_bp)| Op::Limit { s, buy, milli, offset_bp }),
        2 => (s.clone(), any::<bool>(), 1u32..800).prop_map(|(s, sl, offset_bp)| Op::Protect { s, sl, offset_bp }),
        1 => (s.clone(), any::<bool>()).prop_map(|(s, sl)| Op::Unprotect { s, sl }),
        1 => (0usize..8).prop_map(|pick| Op::Cancel { pick }),
        1 => s.clone().prop_map(|s| Op::Close { s }),
        1 => (s, 1u32..=50).prop_map(|(s, lev)| Op::Leverage { s, lev }),
    ]
}

fn order(s: usize, buy: bool, order_type: OrderType, amount: Decimal) -> OrderRequest {
    let side = if buy { Side::Buy } else { Side::Sell };
    OrderRequest::new(
        Symbol::parse(SYMS[s]).unwrap(),
        side,
        order_type,
        Quantity(amount),
    )
}

fn bp(price: Decimal, bp: i32) -> Decimal {
    (price * Decimal::from(10_000 + bp) / Decimal::from(10_000)).round_dp(2)
}

fn f(x: Decimal) -> f64 {
    x.to_string().parse().unwrap()
}

struct Pair {
    paper: PaperEngine,
    fast: FastEngine,
    ids: [u32; 2],
    marks: [Decimal; 2],
    /// (paper order id, fast order id) of resting limits.
    limits: Vec<(String, u32)>,
}

impl Pair {
    fn new(config: PaperConfig) -> Self {
        let clock = ManualClock::new(1_700_000_000_000);
        let paper = PaperEngine::new(config.clone(), std::rc::Rc::new(clock)).unwrap();
        let mut fast = FastEngine::new(config, false, slow).unwrap();
        let ids = [fast.symbol(SYMS[0]).unwrap(), fast.symbol(SYMS[1]).unwrap()];
        Self {
            paper,
            fast,
            ids,
            marks: [d("50000"), d("3000")],
            limits: Vec::new(),
        }
    }

    fn mark(&mut self, s: usize, price: Decimal) {
        self.marks[s] = price;
        self.paper.update_price(SYMS[s], Price(price)).unwrap();
        self.fast.update_price(self.ids[s], f(price)).unwrap();
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Move { s, bp: b } => {
                let p = bp(self.marks[s], b).max(d("1"));
                self.mark(s, p);
            }
            Op::Market { s, buy, milli } => {
                let amount = Decimal::new(i64::from(milli), 3);
                let req = order(s, buy, OrderType::Market, amount);
                let po = self.paper.place_order(&req, None).unwrap();
                let fo = self.fast.market(self.ids[s], buy, fx_of(amount)).unwrap();
                match po.status {
                    OrderStatus::Filled => {
                        assert_eq!(fo.map(fxd), po.filled_price, "market fill price");
                    }
                    _ => assert_eq!(fo, None, "paper: {po:?}"),
                }
            }
            Op::Limit {
                s,
                buy,
                milli,
                offset_bp,
            } => {
                let amount = Decimal::new(i64::from(milli), 3);
                let price = bp(self.marks[s], offset_bp);
                let req = OrderRequest {
                    price: Some(Price(price)),
                    ..order(s, buy, OrderType::Limit, amount)
                };
                let po = self.paper.place_order(&req, None).unwrap();
                let fo = self
                    .fast
                    .limit(self.ids[s], buy, fx_of(amount), f(price))
                    .unwrap();
                match po.status {
                    OrderStatus::Filled => assert_eq!(fo.map(fxd), po.filled_price),
                    OrderStatus::Pending => {
                        assert_eq!(fo, None);
                        assert_ne!(self.fast.last_order(), u32::MAX);
                        self.limits.push((po.id.clone(), self.fast.last_order()));
                    }
                    _ => {
                        assert_eq!(fo, None);
                        assert_eq!(self.fast.last_order(), u32::MAX);
                    }
                }
            }
            Op::Protect { s, sl, offset_bp } => {
                let Some(pos) = self.paper.position_state(&Symbol::parse(SYMS[s]).unwrap()) else {
                    return;
                };
                let long = pos.side == PositionSide::Long;
                let down = long == sl;
                let off = i32::try_from(offset_bp).unwrap();
                let level = bp(self.marks[s], if down { -off } else { off });
                let kind = if sl {
                    OrderType::StopLoss
                } else {
                    OrderType::TakeProfit
                };
                let pr = self.paper.set_protection(SYMS[s], kind, Some(Price(level)));
                let id = self.fast.position_of(self.ids[s]).unwrap();
                let fr = self.fast.set_protection(id, kind, Some(f(level)));
                assert_eq!(pr.is_ok(), fr.is_ok(), "{pr:?} {fr:?}");
            }
            Op::Unprotect { s, sl } => {
                if self
                    .paper
                    .position_state(&Symbol::parse(SYMS[s]).unwrap())
                    .is_none()
                {
                    return;
                }
                let kind = if sl {
                    OrderType::StopLoss
                } else {
                    OrderType::TakeProfit
                };
                self.paper.set_protection(SYMS[s], kind, None).unwrap();
                let id = self.fast.position_of(self.ids[s]).unwrap();
                self.fast.set_protection(id, kind, None).unwrap();
            }
            Op::Cancel { pick } => {
                if self.limits.is_empty() {
                    return;
                }
                let (pid, fid) = self.limits.remove(pick % self.limits.len());
                let pr = self.paper.cancel_order(&pid);
                let fr = self.fast.cancel(fid);
                assert_eq!(pr.is_ok(), fr.is_ok(), "{pr:?} {fr:?}");
            }
            Op::Close { s } => {
                let pr = self.paper.close_position(SYMS[s], None);
                let fr = self
                    .fast
                    .position_of(self.ids[s])
                    .map(|id| self.fast.close(id));
                match (pr, fr) {
                    (Ok(o), Some(Ok(px))) => assert_eq!(o.filled_price, Some(fxd(px))),
                    (Err(_), None) => {}
                    (a, b) => panic!("close differs: {a:?} / {b:?}"),
                }
            }
            Op::Leverage { s, lev } => {
                let pr = self.paper.set_leverage(SYMS[s], lev);
                let fr = self.fast.set_leverage(self.ids[s], lev);
                assert_eq!(pr.is_ok(), fr.is_ok(), "{pr:?} {fr:?}");
            }
        }
        // Orders filled or failed in the paper engine leave the limit list.
        self.limits.retain(|(pid, _)| {
            self.paper.order(pid).map(|o| o.status) == Some(OrderStatus::Pending)
        });
    }

    fn check(&self) {
        let a = self.paper.account();
        let b = self.fast.books();
        assert_eq!(fxd::<Money>(b.wallet), a.wallet_balance, "wallet");
        assert_eq!(fxd::<Money>(b.fees_paid), a.fees_paid, "fees");
        assert_eq!(fxd::<Money>(b.realized_pnl), a.realized_pnl, "realized");
        assert_eq!(fxd::<Money>(b.reserved), a.reserved, "reserved");
        assert_eq!(fxd::<Money>(b.margin_used), a.margin_used, "margin");
        assert_eq!(fxd::<Money>(b.free), a.balance, "free");
        assert_eq!(
            fxd::<Money>(self.fast.unrealized().unwrap()),
            a.unrealized_pnl,
            "unrealized"
        );
        assert_eq!(self.fast.open_positions() as usize, a.positions_count);
        let limits = self
            .paper
            .open_orders()
            .filter(|o| o.order_type == OrderType::Limit)
            .count();
        assert_eq!(self.fast.open_orders() as usize, limits, "resting limits");
        for (s, name) in SYMS.iter().enumerate() {
            let ps = self.paper.position_state(&Symbol::parse(name).unwrap());
            let fp = self
                .fast
                .position_of(self.ids[s])
                .and_then(|id| self.fast.position(id));
            match (ps, fp) {
                (None, None) => {}
                (Some(p), Some(q)) => {
                    assert_eq!(p.side, q.side);
                    assert_eq!(p.entry_price, fxd(q.entry_price), "entry");
                    assert_eq!(p.amount, fxd(q.amount), "amount");
                    assert_eq!(p.margin, fxd(q.margin), "margin");
                    assert_eq!(p.leverage, q.leverage);
                    assert_eq!(p.realized_pnl, fxd(q.realized_pnl), "position realized");
                    assert_eq!(p.stop_loss, q.stop_loss.map(|x| d(&format!("{x}"))));
                    assert_eq!(p.take_profit, q.take_profit.map(|x| d(&format!("{x}"))));
                }
                (p, q) => panic!("position differs: {p:?} / {q:?}"),
            }
        }
    }
}

// ----- seeded operations ------------------------------------------------------------------

/// xorshift64*: a deterministic stream for the soaks.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo) as u64) as i64
    }
}

/// An operation with the proptest's weights; price moves lean back towards `home` so that a
/// long session stays in a realistic range.
fn seeded_op(r: &mut Rng, marks: &[Decimal; 2], home: &[Decimal; 2]) -> Op {
    let s = r.below(2) as usize;
    let buy = r.below(2) == 0;
    match r.below(19) {
        0..=5 => {
            let mut bp = r.range(-500, 500) as i32;
            if marks[s] > home[s] * Decimal::TWO {
                bp = -bp.abs();
            } else if marks[s] < home[s] / Decimal::TWO {
                bp = bp.abs();
            }
            Op::Move { s, bp }
        }
        6..=9 => Op::Market {
            s,
            buy,
            milli: r.range(1, 4000) as u32,
        },
        10..=12 => Op::Limit {
            s,
            buy,
            milli: r.range(1, 4000) as u32,
            offset_bp: r.range(-300, 300) as i32,
        },
        13 | 14 => Op::Protect {
            s,
            sl: buy,
            offset_bp: r.range(1, 800) as u32,
        },
        15 => Op::Unprotect { s, sl: buy },
        16 => Op::Cancel {
            pick: r.below(8) as usize,
        },
        17 => Op::Close { s },
        _ => Op::Leverage {
            s,
            lev: r.range(1, 51) as u32,
        },
    }
}

const SOAK_OPS: usize = 100_000;
const SESSION: usize = 2_000;

#[test]
fn soak_netting_same_books_as_paper_engine() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let home = [d("50000"), d("3000")];
    let (mut done, mut seen) = (0, [0u32; 6]);
    while done < SOAK_OPS {
        let config = PaperConfig {
            initial_balance: d("20000"),
            ..PaperConfig::default()
        };
        let mut pair = Pair::new(config);
        pair.mark(0, home[0]);
        pair.mark(1, home[1]);
        for _ in 0..SESSION {
            let op = seeded_op(&mut r, &pair.marks, &home);
            pair.apply(&op);
            pair.check();
            done += 1;
        }
        for e in pair.paper.events_since(0) {
            let k = match &e.event {
                EngineEvent::PositionLiquidated { .. } => 0,
                EngineEvent::StopLossTriggered { .. } => 1,
                EngineEvent::TakeProfitTriggered { .. } => 2,
                EngineEvent::OrderFilled {
                    liquidity: Liquidity::Maker,
                    ..
                } => 3,
                EngineEvent::OrderFailed { .. } => 4,
                EngineEvent::PositionReduced { .. } => 5,
                _ => continue,
            };
            seen[k] += 1;
        }
    }
    assert!(done >= 100_000);
    // What the soak went through: liquidations, stop-losses, take-profits, maker fills,
    // refusals, partial reductions.
    assert!(seen.iter().all(|n| *n > 10), "{seen:?}");
}

// ----- hedging: a reference book on the ledger ---------------------------------------------

/// One position of the reference book.
#[derive(Debug, Clone)]
struct RefPos {
    /// The fast engine's id of the same position.
    id: u32,
    sym: usize,
    held: Held<Decimal>,
    lev: u32,
    /// (level, age) of its stop-loss and take-profit.
    sl: Option<(Decimal, u64)>,
    tp: Option<(Decimal, u64)>,
}

/// One resting limit of the reference book.
#[derive(Debug, Clone)]
struct RefOrd {
    id: u32,
    sym: usize,
    side: Side,
    amount: Decimal,
    price: Decimal,
    lev: u32,
    reserved: Decimal,
    age: u64,
}

/// The hedging book, written plainly on the ledger's decimal rules: every fill opens its own
/// position; a price update liquidates, then fires stops, take-profits and limits, oldest
/// first.
struct RefHedge {
    ledger: Ledger<Decimal>,
    table: BracketTable,
    wallet: Decimal,
    fees: Decimal,
    realized: Decimal,
    reserved: Decimal,
    margin: Decimal,
    marks: [Decimal; 2],
    lev: [u32; 2],
    positions: Vec<RefPos>,
    orders: Vec<RefOrd>,
    age: u64,
}

impl RefHedge {
    fn new(c: &PaperConfig) -> Self {
        Self {
            ledger: c.ledger().unwrap(),
            table: c.default_brackets.clone(),
            wallet: c.initial_balance.0,
            fees: Decimal::ZERO,
            realized: Decimal::ZERO,
            reserved: Decimal::ZERO,
            margin: Decimal::ZERO,
            marks: [Decimal::ZERO; 2],
            lev: [c.default_leverage; 2],
            positions: Vec::new(),
            orders: Vec::new(),
            age: 0,
        }
    }

    fn free(&self) -> Decimal {
        self.wallet - self.margin - self.reserved
    }

    fn next_age(&mut self) -> u64 {
        self.age += 1;
        self.age
    }

    /// A fill that opens a position (hedging: nothing is met). `None` when refused.
    fn open(
        &mut self,
        side: Side,
        qty: Decimal,
        px: Decimal,
        liquidity: Liquidity,
        lev: u32,
        reserved: Decimal,
    ) -> Option<Held<Decimal>> {
        let plan = self
            .ledger
            .plan(None, side, Quantity(qty), Price(px), liquidity, lev)
            .unwrap();
        let refused = plan.short_of_funds(Money(self.free()), Money(reserved));
        self.reserved -= reserved;
        if refused {
            return None;
        }
        self.wallet += plan.wallet_delta().unwrap().0;
        self.fees += plan.fee.0;
        self.margin += plan.open_margin.0;
        plan.after_open(None)
    }

    fn close(&mut self, i: usize, px: Decimal) {
        let p = self.positions.remove(i);
        let plan = self
            .ledger
            .plan(
                Some(&p.held),
                p.held.side.closing_side(),
                p.held.amount,
                Price(px),
                Liquidity::Taker,
                p.lev,
            )
            .unwrap();
        assert!(plan.closes);
        self.wallet += plan.wallet_delta().unwrap().0;
        self.fees += plan.fee.0;
        self.realized += plan.realized.0;
        self.margin -= plan.released.0;
    }

    fn taker(&self, sym: usize, side: Side) -> Decimal {
        self.ledger
            .taker_price(side, Price(self.marks[sym]))
            .unwrap()
            .0
    }

    /// Mark a symbol; `limit_ids` gives the fast engine's ids of the positions its limit
    /// fills open, in order (the reference assigns them in the same order).
    fn mark(&mut self, sym: usize, price: Decimal, limit_ids: &mut dyn Iterator<Item = u32>) {
        self.marks[sym] = price;
        // Liquidations first.
        let mut i = 0;
        while i < self.positions.len() {
            let p = &self.positions[i];
            let h = p.held;
            let lp = self
                .table
                .liquidation_price(h.side, h.amount.0, h.entry.0, h.margin.0);
            if p.sym == sym
                && lp.is_some_and(|lp| Direction::liquidation(h.side).reached(lp, price))
            {
                let s =
                    liquidation::settle(h.side, h.entry, h.amount, h.margin, Price(price)).unwrap();
                self.wallet += s.realized.0 - s.clearance.0;
                self.realized += s.realized.0;
                self.fees += s.clearance.0;
                self.margin -= h.margin.0;
                self.positions.remove(i);
            } else {
                i += 1;
            }
        }
        // Then stops, take-profits and limits the price reaches, oldest first.
        enum Due {
            Stop(u32),
            Limit(u32),
        }
        let mut due: Vec<(u64, Due)> = Vec::new();
        for p in self.positions.iter().filter(|p| p.sym == sym) {
            for (kind, lvl) in [(Trigger::StopLoss, p.sl), (Trigger::TakeProfit, p.tp)] {
                if let Some((level, age)) = lvl {
                    if Direction::protecting(kind, p.held.side).reached(level, price) {
                        due.push((age, Due::Stop(p.id)));
                    }
                }
            }
        }
        for o in self.orders.iter().filter(|o| o.sym == sym) {
            if Trigger::Limit.reached(o.side, o.price, price) {
                due.push((o.age, Due::Limit(o.id)));
            }
        }
        due.sort_by_key(|d| d.0);
        for (_, d) in due {
            match d {
                Due::Stop(id) => {
                    if let Some(i) = self.positions.iter().position(|p| p.id == id) {
                        let px = self.taker(sym, self.positions[i].held.side.closing_side());
                        self.close(i, px);
                    }
                }
                Due::Limit(id) => {
                    let i = self.orders.iter().position(|o| o.id == id).unwrap();
                    let o = self.orders.remove(i);
                    let px = o.price;
                    if let Some(h) =
                        self.open(o.side, o.amount, px, Liquidity::Maker, o.lev, o.reserved)
                    {
                        let id = limit_ids
                            .next()
                            .expect("the fast engine filled this limit too");
                        self.positions.push(RefPos {
                            id,
                            sym: o.sym,
                            held: h,
                            lev: o.lev,
                            sl: None,
                            tp: None,
                        });
                    }
                }
            }
        }
    }
}

/// The fast engine in hedging mode and the reference book, driven together.
struct Hedge {
    fast: FastEngine,
    book: RefHedge,
    ids: [u32; 2],
    /// Resting limits by the fast engine's order id.
    home: [Decimal; 2],
}

impl Hedge {
    fn new(config: PaperConfig) -> Self {
        let book = RefHedge::new(&config);
        let mut fast = FastEngine::new(config, true, slow).unwrap();
        let ids = [fast.symbol(SYMS[0]).unwrap(), fast.symbol(SYMS[1]).unwrap()];
        let mut h = Self {
            fast,
            book,
            ids,
            home: [d("50000"), d("3000")],
        };
        for s in 0..2 {
            h.mark(s, h.home[s]);
        }
        h
    }

    fn mark(&mut self, s: usize, price: Decimal) {
        self.fast.update_price(self.ids[s], f(price)).unwrap();
        let mut limit_ids = self
            .fast
            .fills()
            .iter()
            .filter(|x| x.kind == FillKind::Limit)
            .map(|x| x.position)
            .collect::<Vec<_>>()
            .into_iter();
        self.book.mark(s, price, &mut limit_ids);
        assert_eq!(limit_ids.next(), None, "the fast engine filled more limits");
    }

    fn opened(&mut self, s: usize, h: Held<Decimal>, lev: u32) {
        self.book.positions.push(RefPos {
            id: self.fast.last_position(),
            sym: s,
            held: h,
            lev,
            sl: None,
            tp: None,
        });
    }

    fn apply(&mut self, op: &Op) {
        let marks = self.book.marks;
        match *op {
            Op::Move { s, bp: b } => self.mark(s, bp(marks[s], b).max(d("1"))),
            Op::Market { s, buy, milli } => {
                let amount = Decimal::new(i64::from(milli), 3);
                let side = if buy { Side::Buy } else { Side::Sell };
                let fo = self.fast.market(self.ids[s], buy, fx_of(amount)).unwrap();
                let px = self.book.taker(s, side);
                let lev = self.book.lev[s];
                match self
                    .book
                    .open(side, amount, px, Liquidity::Taker, lev, Decimal::ZERO)
                {
                    Some(h) => {
                        assert_eq!(fo.map(fxd::<Decimal>), Some(px), "market fill price");
                        self.opened(s, h, lev);
                    }
                    None => assert_eq!(fo, None, "refused by both"),
                }
            }
            Op::Limit {
                s,
                buy,
                milli,
                offset_bp,
            } => {
                let amount = Decimal::new(i64::from(milli), 3);
                let price = bp(marks[s], offset_bp);
                let side = if buy { Side::Buy } else { Side::Sell };
                let fo = self
                    .fast
                    .limit(self.ids[s], buy, fx_of(amount), f(price))
                    .unwrap();
                let lev = self.book.lev[s];
                if Trigger::Limit.reached(side, price, marks[s]) {
                    let px = self
                        .book
                        .ledger
                        .crossing_price(side, Price(marks[s]), Price(price))
                        .unwrap()
                        .0;
                    match self
                        .book
                        .open(side, amount, px, Liquidity::Taker, lev, Decimal::ZERO)
                    {
                        Some(h) => {
                            assert_eq!(fo.map(fxd::<Decimal>), Some(px));
                            self.opened(s, h, lev);
                        }
                        None => assert_eq!(fo, None),
                    }
                    return;
                }
                assert_eq!(fo, None);
                let need = self
                    .book
                    .ledger
                    .reservation(
                        Price(price),
                        Quantity(amount),
                        Quantity::ZERO,
                        lev,
                        Liquidity::Maker,
                    )
                    .unwrap()
                    .0;
                if need > self.book.free() {
                    assert_eq!(self.fast.last_order(), u32::MAX, "refused by both");
                    return;
                }
                let age = self.book.next_age();
                self.book.reserved += need;
                self.book.orders.push(RefOrd {
                    id: self.fast.last_order(),
                    sym: s,
                    side,
                    amount,
                    price,
                    lev,
                    reserved: need,
                    age,
                });
            }
            Op::Protect { s, sl, offset_bp } => {
                // The newest position of the symbol.
                let Some(i) = self.book.positions.iter().rposition(|p| p.sym == s) else {
                    return;
                };
                let p = self.book.positions[i].clone();
                let kind = if sl {
                    Trigger::StopLoss
                } else {
                    Trigger::TakeProfit
                };
                let dir = Direction::protecting(kind, p.held.side);
                let off = i32::try_from(offset_bp).unwrap();
                // Mostly on the right side; one in four on the wrong side (refused by both).
                let right = if dir.falls() { -off } else { off };
                let level = bp(marks[s], if offset_bp % 4 == 0 { -right } else { right });
                let ok = !dir.reached(level, marks[s]);
                let ty = if sl {
                    OrderType::StopLoss
                } else {
                    OrderType::TakeProfit
                };
                let fr = self.fast.set_protection(p.id, ty, Some(f(level)));
                assert_eq!(fr.is_ok(), ok, "{fr:?}");
                if ok {
                    let slot = if sl {
                        self.book.positions[i].sl
                    } else {
                        self.book.positions[i].tp
                    };
                    let age = slot.map_or_else(|| self.book.next_age(), |(_, a)| a);
                    let q = &mut self.book.positions[i];
                    if sl {
                        q.sl = Some((level, age));
                    } else {
                        q.tp = Some((level, age));
                    }
                }
            }
            Op::Unprotect { s, sl } => {
                let Some(i) = self.book.positions.iter().rposition(|p| p.sym == s) else {
                    return;
                };
                let ty = if sl {
                    OrderType::StopLoss
                } else {
                    OrderType::TakeProfit
                };
                self.fast
                    .set_protection(self.book.positions[i].id, ty, None)
                    .unwrap();
                let q = &mut self.book.positions[i];
                if sl {
                    q.sl = None;
                } else {
                    q.tp = None;
                }
            }
            Op::Cancel { pick } => {
                if self.book.orders.is_empty() {
                    return;
                }
                let o = self.book.orders.remove(pick % self.book.orders.len());
                self.fast.cancel(o.id).unwrap();
                self.book.reserved -= o.reserved;
            }
            Op::Close { s } => {
                // The oldest position of the symbol.
                let Some(i) = self.book.positions.iter().position(|p| p.sym == s) else {
                    return;
                };
                let px = self
                    .book
                    .taker(s, self.book.positions[i].held.side.closing_side());
                let got = self.fast.close(self.book.positions[i].id).unwrap();
                assert_eq!(fxd::<Decimal>(got), px);
                self.book.close(i, px);
            }
            Op::Leverage { s, lev } => {
                self.fast.set_leverage(self.ids[s], lev).unwrap();
                self.book.lev[s] = lev;
            }
        }
    }

    fn check(&self) {
        let b = self.fast.books();
        let r = &self.book;
        assert_eq!(fxd::<Decimal>(b.wallet), r.wallet, "wallet");
        assert_eq!(fxd::<Decimal>(b.fees_paid), r.fees, "fees");
        assert_eq!(fxd::<Decimal>(b.realized_pnl), r.realized, "realized");
        assert_eq!(fxd::<Decimal>(b.reserved), r.reserved, "reserved");
        assert_eq!(fxd::<Decimal>(b.margin_used), r.margin, "margin");
        assert_eq!(fxd::<Decimal>(b.free), r.free(), "free");
        let unrealized: Decimal = r
            .positions
            .iter()
            .map(|p| {
                ledger::pnl(
                    p.held.side,
                    p.held.entry,
                    Price(r.marks[p.sym]),
                    p.held.amount,
                )
                .unwrap()
                .0
            })
            .sum();
        assert_eq!(
            fxd::<Decimal>(self.fast.unrealized().unwrap()),
            unrealized,
            "unrealized"
        );
        assert_eq!(
            self.fast.open_positions() as usize,
            r.positions.len(),
            "positions"
        );
        assert_eq!(self.fast.open_orders() as usize, r.orders.len(), "orders");
        for p in &r.positions {
            let q = self.fast.position(p.id).expect("the same position");
            assert_eq!(q.side, p.held.side);
            assert_eq!(fxd::<Price>(q.entry_price), p.held.entry, "entry");
            assert_eq!(fxd::<Quantity>(q.amount), p.held.amount, "amount");
            assert_eq!(fxd::<Money>(q.margin), p.held.margin, "margin");
            assert_eq!(q.leverage, p.lev);
            let lvl = |x: Option<f64>| x.map(|x| d::<Decimal>(&format!("{x}")));
            assert_eq!(lvl(q.stop_loss), p.sl.map(|x| x.0), "stop-loss");
            assert_eq!(lvl(q.take_profit), p.tp.map(|x| x.0), "take-profit");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn hedging_same_books_as_the_reference(ops in proptest::collection::vec(op(), 1..80)) {
        let mut h = Hedge::new(PaperConfig { initial_balance: d("20000"), ..PaperConfig::default() });
        for op in &ops {
            h.apply(op);
            h.check();
        }
    }
}

#[test]
fn soak_hedging_same_books_as_the_reference() {
    let mut r = Rng(0x2545_f491_4f6c_dd1d);
    let (mut done, mut seen) = (0, [0u64; 7]);
    while done < SOAK_OPS {
        let mut h = Hedge::new(PaperConfig {
            initial_balance: d("20000"),
            ..PaperConfig::default()
        });
        for _ in 0..SESSION {
            let op = seeded_op(&mut r, &h.book.marks, &h.home);
            h.apply(&op);
            h.check();
            for x in h.fast.fills() {
                seen[x.kind as usize] += 1;
            }
            done += 1;
        }
        seen[6] += h.fast.reject_count();
    }
    assert!(done >= 100_000);
    // Every kind of fill (market, limit, stop-loss, take-profit, liquidation, close) and
    // refusals for funds.
    assert!(seen.iter().all(|n| *n > 10), "{seen:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn same_books_as_paper_engine(ops in proptest::collection::vec(op(), 1..80)) {
        let config = PaperConfig { initial_balance: d("20000"), ..PaperConfig::default() };
        let mut pair = Pair::new(config);
        pair.mark(0, d("50000"));
        pair.mark(1, d("3000"));
        for op in &ops {
            pair.apply(op);
            pair.check();
        }
    }
}

#[test]
fn liquidation_matches_paper_engine() {
    let mut pair = Pair::new(PaperConfig::default());
    pair.mark(0, d("50000"));
    pair.apply(&Op::Leverage { s: 0, lev: 20 });
    pair.apply(&Op::Market {
        s: 0,
        buy: true,
        milli: 1000,
    });
    pair.check();
    // Walk down through the liquidation price (~47,700 at 20x) in small steps.
    let mut p = d("50000");
    while p > d("47000") {
        p -= d::<Decimal>("17.5");
        pair.mark(0, p);
        pair.check();
    }
    assert_eq!(pair.fast.open_positions(), 0, "liquidated");
    assert!(pair
        .paper
        .events_since(0)
        .iter()
        .any(|e| matches!(e.event, EngineEvent::PositionLiquidated { .. })));
    // Short at 10x, up through its level.
    pair.apply(&Op::Leverage { s: 0, lev: 10 });
    pair.apply(&Op::Market {
        s: 0,
        buy: false,
        milli: 500,
    });
    while pair.fast.open_positions() > 0 {
        p += d::<Decimal>("41.25");
        pair.mark(0, p);
        pair.check();
    }
}

#[test]
fn hedging_positions_and_trigger_index() {
    let mut e = FastEngine::new(
        PaperConfig {
            initial_balance: d("1000000000"),
            ..PaperConfig::default()
        },
        true,
        slow,
    )
    .unwrap();
    let btc = e.symbol("BTC/USDT").unwrap();
    e.update_price(btc, 100.0).unwrap();
    let mut ids = Vec::new();
    for i in 0..1000 {
        let buy = i % 2 == 0;
        e.market(btc, buy, fx_of(d("1"))).unwrap().unwrap();
        let id = e.last_position();
        let (sl, tp) = if buy {
            (f64::from(9000 - i) / 100.0, f64::from(11000 + i) / 100.0)
        } else {
            (f64::from(11000 + i) / 100.0, f64::from(9000 - i) / 100.0)
        };
        e.set_protection(id, OrderType::StopLoss, Some(sl)).unwrap();
        e.set_protection(id, OrderType::TakeProfit, Some(tp))
            .unwrap();
        ids.push(id);
    }
    assert_eq!(e.open_positions(), 1000);
    // Nothing near: no fills.
    for k in 0..10_000 {
        assert_eq!(
            e.update_price(btc, f64::from(9500 + k % 1000) / 100.0)
                .unwrap(),
            0
        );
    }
    // Down to 89.5: the long SLs above 89.5 (90 - 0.01 i for even i ≤ 50) and short TPs at the
    // same levels fire.
    let n = e.update_price(btc, 89.5).unwrap();
    let expect = (0..1000)
        .filter(|i| f64::from(9000 - *i) / 100.0 >= 89.5)
        .count() as u32;
    assert_eq!(n, expect);
    assert!(e
        .fills()
        .iter()
        .all(|f| matches!(f.kind, FillKind::StopLoss | FillKind::TakeProfit)));
    assert_eq!(e.open_positions(), 1000 - n);
    // Books: wallet = initial − fees + realized, margin = Σ position margin.
    let b = e.books();
    assert_eq!(
        fxd::<Decimal>(b.wallet),
        d::<Decimal>("1000000000") - fxd::<Decimal>(b.fees_paid) + fxd::<Decimal>(b.realized_pnl)
    );
    let margin: Decimal = e.positions().iter().map(|p| fxd::<Decimal>(p.margin)).sum();
    assert_eq!(fxd::<Decimal>(b.margin_used), margin);
    // Close the rest by hand.
    for id in ids {
        if e.position(id).is_some() {
            e.close(id).unwrap();
        }
    }
    assert_eq!(e.open_positions(), 0);
    assert_eq!(e.books().margin_used, Fx::ZERO);
    // A stale id is refused.
    assert!(e.close(e.last_position()).is_err());
}

#[test]
fn rejects_bad_numbers() {
    let mut e = FastEngine::new(PaperConfig::default(), false, slow).unwrap();
    let s = e.symbol("BTC/USDT").unwrap();
    for bad in [f64::NAN, f64::INFINITY, -1.0, 0.0, 1e13, 0.1 + 0.2] {
        assert!(e.update_price(s, bad).is_err(), "{bad}");
    }
    assert!(e.market(s, true, fx_of(d("1"))).is_err(), "no price yet");
    e.update_price(s, 100.0).unwrap();
    assert!(e.market(s, true, Fx::ZERO).is_err());
    assert!(e.market(99, true, fx_of(d("1"))).is_err());
    assert!(e.symbol("btc").is_err());
}

#[test]
fn moved_levels_and_cancels_do_not_grow_the_index() {
    let mut e = FastEngine::new(
        PaperConfig {
            initial_balance: d("1000000"),
            ..PaperConfig::default()
        },
        true,
        slow,
    )
    .unwrap();
    let s = e.symbol("BTC/USDT").unwrap();
    e.update_price(s, 100.0).unwrap();
    e.market(s, true, fx_of(d("1"))).unwrap().unwrap();
    let id = e.last_position();
    // A trailing stop moved 100,000 times: stale index entries are dropped as they pile up.
    let mut peak = 0;
    for i in 0..100_000u32 {
        e.set_protection(
            id,
            OrderType::StopLoss,
            Some(f64::from(5000 + i % 4000) / 100.0),
        )
        .unwrap();
        if i % 1000 == 999 {
            e.limit(s, true, fx_of(d("0.1")), 10.0).unwrap();
            e.cancel(e.last_order()).unwrap();
            peak = peak.max(e.heap_bytes());
        }
    }
    assert!(peak < 64 * 1024, "index grew to {peak} bytes");
    // The stop in force is the last one set (89.99): 90 does not reach it, 89.99 does.
    assert_eq!(e.update_price(s, 90.0).unwrap(), 0);
    assert_eq!(e.update_price(s, 89.99).unwrap(), 1);
    assert_eq!(e.fills()[0].kind, FillKind::StopLoss);
    assert_eq!(e.open_positions(), 0);
    assert_eq!(e.open_orders(), 0);
    assert_eq!(e.books().reserved, Fx::ZERO);
}
