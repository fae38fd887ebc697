//! The fast engine keeps the same books as `PaperEngine` for the same orders (netting mode),
//! and its hedging mode and trigger index behave.

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
