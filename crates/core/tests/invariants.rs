//! Property tests: accounting invariants over random sequences of orders, price moves,
//! protective orders and cancels.

use iftb_core::*;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Market {
        buy: bool,
        milli: u32,
        lev: u32,
    },
    Limit {
        buy: bool,
        milli: u32,
        offset_bp: i32,
    },
    Stop {
        buy: bool,
        milli: u32,
        offset_bp: i32,
        tp: bool,
    },
    Protect {
        sl: bool,
        offset_bp: u32,
    },
    Move {
        bp: i32,
    },
    Cancel {
        pick: usize,
    },
    Close,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<bool>(), 1u32..3000, 1u32..=20).prop_map(|(buy, milli, lev)| Op::Market { buy, milli, lev }),
        2 => (any::<bool>(), 1u32..3000, -300i32..300).prop_map(|(buy, milli, offset_bp)| Op::Limit { buy, milli, offset_bp }),
        1 => (any::<bool>(), 1u32..3000, 1i32..300, any::<bool>()).prop_map(|(buy, milli, offset_bp, tp)| Op::Stop { buy, milli, offset_bp, tp }),
        1 => (any::<bool>(), 1u32..500).prop_map(|(sl, offset_bp)| Op::Protect { sl, offset_bp }),
        5 => (-400i32..400).prop_map(|bp| Op::Move { bp }),
        1 => (0usize..8).prop_map(|pick| Op::Cancel { pick }),
        1 => Just(Op::Close),
    ]
}

fn bp(price: Decimal, bp: i32) -> Decimal {
    (price * (Decimal::from(10_000 + bp)) / Decimal::from(10_000)).round_dp(2)
}

fn order(buy: bool, order_type: OrderType, milli: u32) -> OrderRequest {
    let side = if buy { Side::Buy } else { Side::Sell };
    OrderRequest::new(
        sym(),
        side,
        order_type,
        Quantity(Decimal::new(i64::from(milli), 3)),
    )
}

fn sym() -> Symbol {
    Symbol::parse("BTC/USDT").unwrap()
}

/// Σ realized PnL as the event log reports it.
fn realized_from_events(e: &PaperEngine) -> Money {
    e.events_since(0)
        .iter()
        .map(|r| match &r.event {
            EngineEvent::PositionReduced { realized_pnl, .. }
            | EngineEvent::PositionClosed { realized_pnl, .. }
            | EngineEvent::PositionLiquidated { realized_pnl, .. } => *realized_pnl,
            _ => Money::ZERO,
        })
        .sum()
}

fn check(e: &PaperEngine, prev: &[Order]) {
    let a = e.account();
    let st = e.state();
    // Fees: every fee is recorded in exactly one fill.
    let fill_fees: Money = e.fills().iter().map(|f| f.fee).sum();
    assert_eq!(a.fees_paid, fill_fees);
    assert!(e.fills().iter().all(|f| f.fee >= Money::ZERO));
    // Realized PnL agrees with the event log.
    assert_eq!(a.realized_pnl, realized_from_events(e));
    // Wallet identity and equity identity, exactly.
    assert_eq!(
        a.wallet_balance,
        a.initial_balance - a.fees_paid + a.realized_pnl
    );
    assert_eq!(
        a.equity,
        a.initial_balance - a.fees_paid + a.realized_pnl + a.unrealized_pnl
    );
    // Buckets add up: nothing created or lost between free, margin and reservations.
    assert_eq!(a.balance + a.margin_used + a.reserved, a.wallet_balance);
    // Reservations: never negative, and the total is the sum over pending orders.
    assert!(a.reserved >= Money::ZERO);
    let pending: Money = e.open_orders().map(|o| o.reserved).sum();
    assert_eq!(pending, a.reserved);
    assert!(e.orders().iter().all(|o| o.reserved >= Money::ZERO));
    assert!(e
        .orders()
        .iter()
        .filter(|o| o.status != OrderStatus::Pending)
        .all(|o| o.reserved.is_zero()));
    // Positions: positive size, non-negative margin.
    for p in st.positions.values() {
        assert!(p.amount > Quantity::ZERO);
        assert!(p.margin >= Money::ZERO);
    }
    // Lifecycle: a finished order never changes again; fills carry their numbers.
    for (old, new) in prev.iter().zip(e.orders()) {
        if old.status.is_terminal() {
            assert_eq!(old, new);
        }
    }
    for o in e.orders() {
        let has_fill = o.filled_price.is_some() && o.filled_amount.is_some() && o.fee.is_some();
        assert_eq!(o.status == OrderStatus::Filled, has_fill, "{o:?}");
        if let Some(f) = o.filled_amount {
            assert!(f <= o.amount || o.close_position);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn accounting_invariants(ops in prop::collection::vec(op(), 1..60)) {
        let clock = ManualClock::new(1_000);
        let mut e = PaperEngine::new(PaperConfig::default(), std::rc::Rc::new(clock.clone())).unwrap();
        let mut price = Decimal::from(20_000);
        e.update_price("BTC/USDT", Price(price)).unwrap();
        let mut cash_flow = Decimal::ZERO; // Σ sell notional − Σ buy notional (non-liquidation fills)
        let mut liquidated = false;
        for op in ops {
            clock.advance(1);
            let prev = e.orders().to_vec();
            let fills_before = e.fills().len();
            match op {
                Op::Market { buy, milli, lev } => {
                    let _ = e.set_leverage("BTC/USDT", lev);
                    let r = order(buy, OrderType::Market, milli);
                    e.place_order(&r, Some(Price(price))).unwrap();
                }
                Op::Limit { buy, milli, offset_bp } => {
                    let r = OrderRequest {
                        price: Some(Price(bp(price, offset_bp))),
                        ..order(buy, OrderType::Limit, milli)
                    };
                    e.place_order(&r, None).unwrap();
                }
                Op::Stop { buy, milli, offset_bp, tp } => {
                    // A buy stop-loss / sell take-profit sits above the market.
                    let above = buy != tp;
                    let r = OrderRequest {
                        stop_price: Some(Price(bp(price, if above { offset_bp } else { -offset_bp }))),
                        ..order(buy, if tp { OrderType::TakeProfit } else { OrderType::StopLoss }, milli)
                    };
                    let o = e.place_order(&r, None).unwrap();
                    prop_assert!(o.status != OrderStatus::Failed || o.error_message.as_deref().unwrap().contains("Insufficient balance"));
                }
                Op::Protect { sl, offset_bp } => {
                    if let Some(p) = e.position_state(&sym()) {
                        let off = i32::try_from(offset_bp).unwrap();
                        let below = (p.side == PositionSide::Long) == sl;
                        let level = bp(price, if below { -off } else { off });
                        let kind = if sl { OrderType::StopLoss } else { OrderType::TakeProfit };
                        e.set_protection("BTC/USDT", kind, Some(Price(level))).unwrap();
                    }
                }
                Op::Move { bp: m } => {
                    price = bp(price, m).max(Decimal::ONE);
                    e.update_price("BTC/USDT", Price(price)).unwrap();
                }
                Op::Cancel { pick } => {
                    let open: Vec<Order> = e.open_orders().cloned().collect();
                    if let Some(o) = open.get(pick % open.len().max(1)) {
                        let free = e.free_balance();
                        let c = e.cancel_order(&o.id).unwrap();
                        prop_assert_eq!(c.status, OrderStatus::Cancelled);
                        prop_assert_eq!(e.free_balance(), free + o.reserved);
                    }
                }
                Op::Close => {
                    let had = e.position_state(&sym()).is_some();
                    let r = e.close_position("BTC/USDT", Some(Price(price)));
                    prop_assert_eq!(r.is_ok(), had);
                }
            }
            for f in &e.fills()[fills_before..] {
                if f.order_id.starts_with("liq-") {
                    liquidated = true;
                }
                let n = (f.price * f.amount).0;
                cash_flow += if f.side == Side::Sell { n } else { -n };
            }
            check(&e, &prev);
            // PnL = trading cash flow + inventory at the mark, up to the 1e-12 money quantum
            // per fill (average entry and PnL rounding); liquidations cap losses, so skip
            // after one.
            if !liquidated {
                let a = e.account();
                let inventory: Decimal = e.positions().iter()
                    .map(|p| p.side.sign() * (p.current_price * p.amount).0)
                    .sum();
                let diff = ((a.realized_pnl + a.unrealized_pnl).0 - cash_flow - inventory).abs();
                prop_assert!(diff < Decimal::new(1, 9), "pnl identity off by {}", diff);
            }
        }
    }

    #[test]
    fn decimal_text_round_trips(mantissa in any::<i64>(), scale in 0u32..=18) {
        let x = Decimal::new(mantissa, scale);
        let parsed = iftb_core::num::parse_decimal("x", &x.to_string()).unwrap();
        prop_assert_eq!(parsed, x);
    }
}
