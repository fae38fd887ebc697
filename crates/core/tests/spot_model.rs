//! Differential test of the local exchange's Spot book against a plain model of it written on
//! the ledger's rules (taker price, limit crossing, fees, "price reached", the status table):
//! random orders of every Spot type and time in force, cancels and price moves, with the
//! balances (free and locked, per asset), every order's status and executed quantity and the
//! refusals compared exactly after every operation; a seeded soak of at least 10^5 operations.

use iftb_core::binance::Method;
use iftb_core::exchange::default_spot_rules;
use iftb_core::exchange::params::Req;
use iftb_core::exchange::spot::{Spot, SpotConfig};
use iftb_core::exchange::Ctx;
use iftb_core::ledger::{FeeModel, Ledger, Trigger};
use iftb_core::*;
use std::collections::BTreeMap;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn round8(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(8, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Market,
    Limit,
    LimitMaker,
    StopLoss,
    StopLossLimit,
    TakeProfit,
    TakeProfitLimit,
}

impl Ty {
    fn wire(self) -> &'static str {
        match self {
            Ty::Market => "MARKET",
            Ty::Limit => "LIMIT",
            Ty::LimitMaker => "LIMIT_MAKER",
            Ty::StopLoss => "STOP_LOSS",
            Ty::StopLossLimit => "STOP_LOSS_LIMIT",
            Ty::TakeProfit => "TAKE_PROFIT",
            Ty::TakeProfitLimit => "TAKE_PROFIT_LIMIT",
        }
    }
    fn is_stop(self) -> bool {
        matches!(
            self,
            Ty::StopLoss | Ty::StopLossLimit | Ty::TakeProfit | Ty::TakeProfitLimit
        )
    }
    fn has_price(self) -> bool {
        matches!(
            self,
            Ty::Limit | Ty::LimitMaker | Ty::StopLossLimit | Ty::TakeProfitLimit
        )
    }
    fn is_market(self) -> bool {
        matches!(self, Ty::Market | Ty::StopLoss | Ty::TakeProfit)
    }
    fn trigger(self) -> Trigger {
        match self {
            Ty::StopLoss | Ty::StopLossLimit => Trigger::StopLoss,
            Ty::TakeProfit | Ty::TakeProfitLimit => Trigger::TakeProfit,
            _ => Trigger::Limit,
        }
    }
}

#[derive(Debug, Clone)]
struct MOrder {
    id: u64,
    side: Side,
    ty: Ty,
    tif: TimeInForce,
    price: Decimal,
    stop: Decimal,
    qty: Decimal,
    executed: Decimal,
    locked: Decimal,
    status: OrderStatus,
    working: bool,
}

/// The model: balances and orders, moved by the ledger's rules.
struct Model {
    ledger: Ledger<Decimal>,
    mark: Decimal,
    /// (free, locked) of BTC and USDT.
    bal: BTreeMap<&'static str, (Decimal, Decimal)>,
    orders: Vec<MOrder>,
    next_id: u64,
}

fn spend_asset(side: Side) -> &'static str {
    if side == Side::Buy {
        "USDT"
    } else {
        "BTC"
    }
}

impl Model {
    fn free(&self, a: &str) -> Decimal {
        self.bal[a].0
    }
    fn taker(&self, side: Side) -> Decimal {
        self.ledger.taker_price(side, Price(self.mark)).unwrap().0
    }
    fn apply(o: &mut MOrder, ev: OrderTransition) {
        o.status = o.status.transition(ev).unwrap();
    }
    fn lock(&mut self, i: usize, amount: Decimal) {
        let a = spend_asset(self.orders[i].side);
        let b = self.bal.get_mut(a).unwrap();
        b.0 -= amount;
        b.1 += amount;
        self.orders[i].locked += amount;
    }
    fn unlock_all(&mut self, i: usize) {
        let a = spend_asset(self.orders[i].side);
        let amount = std::mem::take(&mut self.orders[i].locked);
        let b = self.bal.get_mut(a).unwrap();
        b.0 += amount;
        b.1 -= amount;
    }
    fn fill(&mut self, i: usize, price: Decimal, qty: Decimal, maker: bool, from_locked: bool) {
        let side = self.orders[i].side;
        let cost = price * qty;
        let liquidity = if maker {
            Liquidity::Maker
        } else {
            Liquidity::Taker
        };
        let charged = if side == Side::Buy { qty } else { cost };
        let commission = round8(self.ledger.fees.fee(charged, liquidity).unwrap().0);
        let (spend, spend_a, get, get_a) = match side {
            Side::Buy => (cost, "USDT", qty - commission, "BTC"),
            Side::Sell => (qty, "BTC", cost - commission, "USDT"),
        };
        if from_locked {
            let used = spend.min(self.orders[i].locked);
            self.orders[i].locked -= used;
            let b = self.bal.get_mut(spend_a).unwrap();
            b.1 -= used;
            b.0 -= spend - used;
        } else {
            self.bal.get_mut(spend_a).unwrap().0 -= spend;
        }
        self.bal.get_mut(get_a).unwrap().0 += get;
        let o = &mut self.orders[i];
        o.executed += qty;
        let ev = if o.executed >= o.qty {
            OrderTransition::Fill
        } else {
            OrderTransition::PartialFill
        };
        Self::apply(o, ev);
        if o.status == OrderStatus::Filled && o.locked > Decimal::ZERO {
            self.unlock_all(i);
        }
    }
    fn execute(&mut self, i: usize) {
        let o = self.orders[i].clone();
        let remaining = o.qty - o.executed;
        let crossing = o.ty.is_market() || Trigger::Limit.reached(o.side, o.price, self.mark);
        let lock_rest = |rest: Decimal| {
            if o.side == Side::Buy {
                rest * o.price
            } else {
                rest
            }
        };
        if !crossing {
            if o.tif == TimeInForce::Gtc {
                self.lock(i, lock_rest(remaining));
            } else {
                Self::apply(&mut self.orders[i], OrderTransition::Expire);
            }
            return;
        }
        let px = if o.ty.is_market() {
            self.taker(o.side)
        } else {
            self.ledger
                .crossing_price(o.side, Price(self.mark), Price(o.price))
                .unwrap()
                .0
        };
        let can = match o.side {
            Side::Buy => self.free("USDT") >= px * remaining,
            Side::Sell => self.free("BTC") >= remaining,
        };
        if can {
            self.fill(i, px, remaining, false, false);
        }
        let rest = o.qty - self.orders[i].executed;
        if rest > Decimal::ZERO {
            if !o.ty.is_market() && o.tif == TimeInForce::Gtc {
                self.lock(i, lock_rest(rest));
            } else {
                Self::apply(&mut self.orders[i], OrderTransition::Expire);
            }
        }
    }
    /// A new order: `Err(reason)` when the model refuses it.
    #[allow(clippy::too_many_arguments)]
    fn place(
        &mut self,
        side: Side,
        ty: Ty,
        tif: TimeInForce,
        qty: Decimal,
        price: Decimal,
        stop: Decimal,
    ) -> Result<u64, RejectReason> {
        if ty.is_stop() && ty.trigger().reached(side, stop, self.mark) {
            return Err(RejectReason::WouldTriggerImmediately);
        }
        if ty == Ty::LimitMaker && Trigger::Limit.reached(side, price, self.mark) {
            return Err(RejectReason::PostOnlyWouldTake);
        }
        let need = match side {
            Side::Buy => {
                qty * match ty {
                    Ty::Market => self.taker(side),
                    Ty::StopLoss | Ty::TakeProfit => stop,
                    _ => price,
                }
            }
            Side::Sell => qty,
        };
        if need > self.free(spend_asset(side)) {
            return Err(RejectReason::InsufficientFunds);
        }
        self.next_id += 1;
        self.orders.push(MOrder {
            id: self.next_id,
            side,
            ty,
            tif,
            price,
            stop,
            qty,
            executed: Decimal::ZERO,
            locked: Decimal::ZERO,
            status: OrderStatus::Pending,
            working: !ty.is_stop(),
        });
        let i = self.orders.len() - 1;
        if ty.is_stop() {
            self.lock(i, need);
        } else {
            self.execute(i);
        }
        Ok(self.next_id)
    }
    fn set_price(&mut self, price: Decimal) {
        self.mark = price;
        for i in 0..self.orders.len() {
            let o = self.orders[i].clone();
            if !o.status.is_open() {
                continue;
            }
            if o.working {
                if Trigger::Limit.reached(o.side, o.price, price) {
                    self.fill(i, o.price, o.qty - o.executed, true, true);
                }
            } else if o.ty.trigger().reached(o.side, o.stop, price) {
                self.unlock_all(i);
                Self::apply(&mut self.orders[i], OrderTransition::Trigger);
                self.orders[i].working = true;
                self.execute(i);
            }
        }
    }
    fn cancel(&mut self, i: usize) {
        self.unlock_all(i);
        Self::apply(&mut self.orders[i], OrderTransition::Cancel);
    }
}

struct Pair {
    spot: Spot,
    model: Model,
    btc: Symbol,
    now: i64,
    /// Orders both refused.
    refused: usize,
}

impl Pair {
    fn new(slippage: Decimal) -> Self {
        let btc = Symbol::parse("BTC/USDT").unwrap();
        let (maker, taker) = (d("0.001"), d("0.00075"));
        let rules = default_spot_rules();
        let prices: BTreeMap<Symbol, Decimal> = rules
            .0
            .keys()
            .map(|s| (s.clone(), d(if *s == btc { "50000" } else { "100" })))
            .collect();
        let spot = Spot::new(
            SpotConfig {
                balances: [("USDT".into(), d("100000")), ("BTC".into(), d("2"))]
                    .into_iter()
                    .collect(),
                maker_fee: maker,
                taker_fee: taker,
                slippage,
                rules: rules.clone(),
            },
            &prices,
            0,
        )
        .unwrap();
        let model = Model {
            ledger: Ledger::new(Rate(maker), Rate(taker), Rate(slippage)).unwrap(),
            mark: d("50000"),
            bal: [
                ("USDT", (d("100000"), Decimal::ZERO)),
                ("BTC", (d("2"), Decimal::ZERO)),
            ]
            .into_iter()
            .collect(),
            orders: Vec::new(),
            next_id: 0,
        };
        Self {
            spot,
            model,
            btc,
            now: 1,
            refused: 0,
        }
    }

    fn ctx(&mut self) -> Ctx {
        self.now += 1;
        Ctx {
            now: self.now,
            partial_fill: None,
            late_landing_ms: 0,
        }
    }

    fn call(
        &mut self,
        method: Method,
        path: &str,
        query: &str,
    ) -> Result<serde_json::Value, (i64, String)> {
        let req = Req::parse(query, "").unwrap();
        let ctx = self.ctx();
        self.spot
            .handle(method, path, &req, &ctx)
            .map_err(|e| (e.code, e.msg))
    }

    fn op(&mut self, r: &mut Rng) {
        let m = &self.model;
        match r.below(10) {
            0..=3 => {
                // Price move of up to ±3%, leaning back towards 50,000.
                let mut bp = (r.below(601) as i64) - 300;
                if m.mark > d("75000") {
                    bp = -bp.abs();
                } else if m.mark < d("35000") {
                    bp = bp.abs();
                }
                let p = (m.mark * (Decimal::from(10_000 + bp) / Decimal::from(10_000))).round_dp(2);
                let ctx = self.ctx();
                self.spot.set_price(&self.btc, p, &ctx);
                self.model.set_price(p);
            }
            4 => {
                let open: Vec<usize> = (0..m.orders.len())
                    .filter(|&i| m.orders[i].status.is_open())
                    .collect();
                if open.is_empty() {
                    return;
                }
                let i = open[r.below(open.len() as u64) as usize];
                let id = m.orders[i].id;
                let got = self.call(
                    Method::Delete,
                    "/api/v3/order",
                    &format!("symbol=BTCUSDT&orderId={id}"),
                );
                assert!(got.is_ok(), "{got:?}");
                self.model.cancel(i);
            }
            _ => {
                let side = if r.below(2) == 0 {
                    Side::Buy
                } else {
                    Side::Sell
                };
                let ty = [
                    Ty::Market,
                    Ty::Market,
                    Ty::Limit,
                    Ty::Limit,
                    Ty::LimitMaker,
                    Ty::StopLoss,
                    Ty::StopLossLimit,
                    Ty::TakeProfit,
                    Ty::TakeProfitLimit,
                ][r.below(9) as usize];
                let tif = if ty == Ty::Limit {
                    [
                        TimeInForce::Gtc,
                        TimeInForce::Gtc,
                        TimeInForce::Ioc,
                        TimeInForce::Fok,
                    ][r.below(4) as usize]
                } else {
                    TimeInForce::Gtc
                };
                let qty = Decimal::new(20 + r.below(20_000) as i64, 5);
                let off = |r: &mut Rng| {
                    let bp = (r.below(601) as i64) - 300;
                    (m.mark * (Decimal::from(10_000 + bp) / Decimal::from(10_000))).round_dp(2)
                };
                let price = if ty.has_price() {
                    off(r)
                } else {
                    Decimal::ZERO
                };
                let stop = if ty.is_stop() { off(r) } else { Decimal::ZERO };
                let mut q = format!(
                    "symbol=BTCUSDT&side={}&type={}&quantity={qty}",
                    side.binance(),
                    ty.wire()
                );
                if ty.has_price() {
                    q.push_str(&format!("&price={price}"));
                }
                if ty.is_stop() {
                    q.push_str(&format!("&stopPrice={stop}"));
                }
                if matches!(ty, Ty::Limit | Ty::StopLossLimit | Ty::TakeProfitLimit) {
                    q.push_str(&format!("&timeInForce={}", tif.as_str()));
                }
                let got = self.call(Method::Post, "/api/v3/order", &q);
                let want = self.model.place(side, ty, tif, qty, price, stop);
                match (&got, want) {
                    (Ok(v), Ok(id)) => assert_eq!(v["orderId"].as_u64(), Some(id)),
                    (Err((code, msg)), Err(why)) => {
                        assert_eq!(
                            (*code, msg.as_str()),
                            why.binance(binance::Market::Spot),
                            "{q}"
                        );
                        self.refused += 1;
                    }
                    (g, w) => panic!("{q}: book {g:?}, model {w:?}"),
                }
            }
        }
    }

    fn check(&mut self) {
        for a in ["BTC", "USDT"] {
            let (free, locked) = self.spot.balance(a);
            assert_eq!((free, locked), self.model.bal[a], "{a}");
        }
        let orders = self.model.orders.clone();
        for o in orders.iter().rev().take(4) {
            let v = self
                .call(
                    Method::Get,
                    "/api/v3/order",
                    &format!("symbol=BTCUSDT&orderId={}", o.id),
                )
                .unwrap();
            assert_eq!(v["status"].as_str(), Some(o.status.binance()), "{o:?}");
            assert_eq!(
                Decimal::from_str(v["executedQty"].as_str().unwrap()).unwrap(),
                o.executed,
                "{o:?}"
            );
        }
    }
}

#[test]
fn spot_book_matches_the_ledger_model() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut done, mut filled, mut refused, mut expired) = (0, 0, 0, 0);
    while done < 100_000 {
        // Sessions with and without slippage (the ledger's rounded taker price).
        let mut p = Pair::new(if done % 4000 == 0 {
            d("0.0005")
        } else {
            Decimal::ZERO
        });
        for _ in 0..2_000 {
            p.op(&mut r);
            p.check();
            done += 1;
        }
        refused += p.refused;
        filled += p
            .model
            .orders
            .iter()
            .filter(|o| o.status == OrderStatus::Filled)
            .count();
        expired += p
            .model
            .orders
            .iter()
            .filter(|o| o.status == OrderStatus::Expired)
            .count();
    }
    assert!(done >= 100_000);
    assert!(
        filled > 1000 && refused > 1000 && expired > 100,
        "{filled} {refused} {expired}"
    );
}
