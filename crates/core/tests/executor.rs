//! OrderExecutor: validation checks (both sides), risk controls, SL/TP lifecycle, emergency
//! close, loss limits, the execution log and snapshots.

use iftb_core::*;
use proptest::prelude::*;
use std::rc::Rc;
use std::str::FromStr;

/// A decimal, as whatever money type the assertion compares it with.
fn d<T: From<Decimal>>(s: &str) -> T {
    T::from(Decimal::from_str(s).unwrap())
}

type Ex = OrderExecutor<PaperVenue>;

fn executor_with(settings: TradingSettings) -> (Ex, ManualClock) {
    let clock = ManualClock::new(1_700_000_000_000);
    let shared: SharedClock = Rc::new(clock.clone());
    let ex = Ex::paper(settings, MarketRules::defaults(), shared).unwrap();
    ex.set_log_level(LogLevel::Debug);
    (ex, clock)
}

fn executor() -> (Ex, ManualClock) {
    executor_with(TradingSettings::default())
}

fn long(amount: &str, entry: &str) -> ExecutionRequest {
    ExecutionRequest {
        action: Action::Long,
        symbol: "BTC/USDT".into(),
        amount: d(amount),
        entry_price: Some(d(entry)),
        stop_loss: None,
        take_profit: None,
        leverage: None,
        order_type: EntryType::Market,
        reason: None,
    }
}

fn short(amount: &str, entry: &str) -> ExecutionRequest {
    ExecutionRequest {
        action: Action::Short,
        ..long(amount, entry)
    }
}

fn run<T>(f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    complete_now(f)
}

fn code<T: std::fmt::Debug>(r: Result<T>) -> &'static str {
    r.unwrap_err().code()
}

#[test]
fn spec_flow_with_sl_tp_updates() {
    let (ex, _) = executor();
    // 0.01 BTC at 50,000 with 2x leverage: margin 250 ≤ 10% of 10,000.
    let req = ExecutionRequest {
        stop_loss: Some(d("48000")),
        take_profit: Some(d("55000")),
        leverage: Some(2),
        reason: Some("Bullish signal from strategy".into()),
        ..long("0.01", "50000")
    };
    let order = run(ex.execute(&req)).unwrap();
    assert_eq!(order.status, OrderStatus::Filled);
    assert_eq!(order.filled_price, Some(d("50025")));
    let p = run(ex.update_stop_loss("BTC/USDT", d("49000"))).unwrap();
    assert_eq!(p.stop_loss, Some(d("49000")));
    let p = run(ex.update_take_profit("BTC/USDT", d("56000"))).unwrap();
    assert_eq!(p.take_profit, Some(d("56000")));
    let s = run(ex.account_status("paper")).unwrap();
    assert_eq!(s.positions_count, 1);
    assert_eq!(s.total_equity, s.wallet_balance + s.unrealized_pnl);
    let closed = run(ex.emergency_close_all()).unwrap();
    assert_eq!(closed.len(), 1);
    assert_eq!(run(ex.account_status("paper")).unwrap().positions_count, 0);
    assert_eq!(
        ex.venue().borrow().open_orders().count(),
        0,
        "protective orders cancelled"
    );
}

#[test]
fn spec_example_amount_exceeds_max_position_size() {
    // The spec's numbers: 0.1 BTC at 50,000 with 2x is 2,500 of margin, a quarter of a
    // 10,000 balance, over the 10% limit.
    let (ex, _) = executor();
    let req = ExecutionRequest {
        leverage: Some(2),
        ..long("0.1", "50000")
    };
    assert_eq!(code(run(ex.execute(&req))), "POSITION_SIZE_EXCEEDED");
    let ok = TradingSettings {
        max_position_size: d("0.3"),
        ..TradingSettings::default()
    };
    let (ex, _) = executor_with(ok);
    assert_eq!(run(ex.execute(&req)).unwrap().status, OrderStatus::Filled);
}

#[test]
fn each_validation_check_has_a_passing_and_a_failing_side() {
    let cases: Vec<(ExecutionRequest, Option<&str>)> = vec![
        (long("0.01", "50000"), None),
        (long("0", "50000"), Some("INVALID_AMOUNT")),
        (long("-0.01", "50000"), Some("INVALID_AMOUNT")),
        (
            ExecutionRequest {
                entry_price: Some(d("-1")),
                ..long("0.01", "50000")
            },
            Some("INVALID_PRICE"),
        ),
        (
            ExecutionRequest {
                order_type: EntryType::Limit,
                entry_price: None,
                ..long("0.01", "50000")
            },
            Some("MISSING_PRICE"),
        ),
        (
            ExecutionRequest {
                order_type: EntryType::Limit,
                ..long("0.01", "49000")
            },
            None,
        ),
        (
            ExecutionRequest {
                stop_loss: Some(d("49000")),
                ..long("0.01", "50000")
            },
            None,
        ),
        (
            ExecutionRequest {
                stop_loss: Some(d("51000")),
                ..long("0.01", "50000")
            },
            Some("INVALID_STOP_LOSS"),
        ),
        (
            ExecutionRequest {
                stop_loss: Some(d("51000")),
                ..short("0.01", "50000")
            },
            None,
        ),
        (
            ExecutionRequest {
                stop_loss: Some(d("49000")),
                ..short("0.01", "50000")
            },
            Some("INVALID_STOP_LOSS"),
        ),
        (
            ExecutionRequest {
                take_profit: Some(d("51000")),
                ..long("0.01", "50000")
            },
            None,
        ),
        (
            ExecutionRequest {
                take_profit: Some(d("49000")),
                ..long("0.01", "50000")
            },
            Some("INVALID_TAKE_PROFIT"),
        ),
        (
            ExecutionRequest {
                take_profit: Some(d("49000")),
                ..short("0.01", "50000")
            },
            None,
        ),
        (
            ExecutionRequest {
                take_profit: Some(d("51000")),
                ..short("0.01", "50000")
            },
            Some("INVALID_TAKE_PROFIT"),
        ),
        (
            ExecutionRequest {
                leverage: Some(5),
                ..long("0.01", "50000")
            },
            None,
        ),
        (
            ExecutionRequest {
                leverage: Some(10),
                ..long("0.01", "50000")
            },
            Some("LEVERAGE_EXCEEDED"),
        ),
        (long("0.02", "50000"), None),
        (long("0.03", "50000"), Some("POSITION_SIZE_EXCEEDED")),
        (long("0.0005", "50000"), Some("AMOUNT_BELOW_MINIMUM")),
        (long("2000", "50000"), Some("AMOUNT_ABOVE_MAXIMUM")),
        (long("0.0105", "50000"), Some("INVALID_STEP_SIZE")),
        (
            ExecutionRequest {
                order_type: EntryType::Limit,
                ..long("0.01", "49000.05")
            },
            Some("INVALID_TICK_SIZE"),
        ),
        (
            ExecutionRequest {
                stop_loss: Some(d("48000.01")),
                ..long("0.01", "50000")
            },
            Some("INVALID_TICK_SIZE"),
        ),
        (long("0.001", "50000"), Some("NOTIONAL_BELOW_MINIMUM")),
        (
            ExecutionRequest {
                symbol: "BTCUSDT".into(),
                ..long("0.01", "50000")
            },
            Some("INVALID_SYMBOL"),
        ),
        (
            ExecutionRequest {
                entry_price: None,
                ..long("0.01", "50000")
            },
            Some("NO_PRICE"),
        ),
        (
            ExecutionRequest {
                action: Action::Close,
                ..long("0.01", "50000")
            },
            Some("NO_POSITION"),
        ),
    ];
    for (req, expect) in cases {
        let (ex, _) = executor();
        let before = ex.venue().borrow().state().clone();
        let r = run(ex.execute(&req));
        match expect {
            None => assert!(r.is_ok(), "{req:?} should pass: {r:?}"),
            Some(c) => {
                assert_eq!(code(r), c, "{req:?}");
                assert_eq!(
                    ex.venue().borrow().state(),
                    &before,
                    "state changed by rejected {req:?}"
                );
                let log = ex.drain_log();
                assert!(
                    log.iter()
                        .any(|l| l.event == "validation" && l.message.contains(c)),
                    "{c} not logged"
                );
            }
        }
    }
}

#[test]
fn insufficient_balance_is_a_failed_order_not_an_error() {
    let s = TradingSettings {
        max_position_size: d("1"),
        ..TradingSettings::default()
    };
    let (ex, _) = executor_with(s);
    let o = run(ex.execute(&long("0.2", "50000"))).unwrap(); // margin 10,005 + fee > 10,000
    assert_eq!(o.status, OrderStatus::Failed);
    assert!(o.error_message.unwrap().contains("Insufficient balance"));
}

#[test]
fn sl_fires_on_long_and_tp_on_short() {
    let (ex, _) = executor();
    let req = ExecutionRequest {
        stop_loss: Some(d("49000")),
        take_profit: Some(d("52000")),
        ..long("0.01", "50000")
    };
    run(ex.execute(&req)).unwrap();
    let ev = run(ex.update_price("BTC/USDT", d("48900"))).unwrap();
    assert!(ev
        .iter()
        .any(|r| matches!(r.event, EngineEvent::StopLossTriggered { .. })));
    assert!(
        ev.iter()
            .any(|r| matches!(r.event, EngineEvent::OrderCancelled { .. })),
        "TP cancelled"
    );
    assert_eq!(ex.venue().borrow().positions().len(), 0);

    let req = ExecutionRequest {
        stop_loss: Some(d("3100")),
        take_profit: Some(d("2900")),
        symbol: "ETH/USDT".into(),
        ..short("0.1", "3000")
    };
    run(ex.execute(&req)).unwrap();
    let ev = run(ex.update_price("ETH/USDT", d("2890"))).unwrap();
    assert!(ev
        .iter()
        .any(|r| matches!(r.event, EngineEvent::TakeProfitTriggered { .. })));
    assert!(
        ev.iter()
            .any(|r| matches!(r.event, EngineEvent::OrderCancelled { .. })),
        "SL cancelled"
    );
    let log = ex.drain_log();
    for step in ["request", "fill", "protection", "position"] {
        assert!(log.iter().any(|l| l.event == step), "no {step} in the log");
    }
}

#[test]
fn limit_entry_gets_its_protection_when_it_fills() {
    let (ex, _) = executor();
    run(ex.update_price("BTC/USDT", d("50000"))).unwrap();
    let req = ExecutionRequest {
        order_type: EntryType::Limit,
        stop_loss: Some(d("48000")),
        take_profit: Some(d("52000")),
        ..long("0.01", "49000")
    };
    let o = run(ex.execute(&req)).unwrap();
    assert_eq!(o.status, OrderStatus::Pending);
    run(ex.update_price("BTC/USDT", d("48990"))).unwrap();
    let p = ex.venue().borrow().positions();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].stop_loss, Some(d("48000")));
    assert_eq!(p[0].take_profit, Some(d("52000")));
    assert!(ex.state().pending_protection.is_empty());
}

#[test]
fn update_sl_tp_validates_against_position_side() {
    let (ex, _) = executor();
    assert_eq!(
        code(run(ex.update_stop_loss("BTC/USDT", d("49000")))),
        "NO_POSITION"
    );
    run(ex.execute(&long("0.01", "50000"))).unwrap();
    assert_eq!(
        code(run(ex.update_stop_loss("BTC/USDT", d("50100")))),
        "INVALID_STOP_LOSS"
    );
    assert_eq!(
        code(run(ex.update_take_profit("BTC/USDT", d("49000")))),
        "INVALID_TAKE_PROFIT"
    );
    assert_eq!(
        code(run(ex.update_stop_loss("BTC/USDT", d("49000.05")))),
        "INVALID_TICK_SIZE"
    );
    assert!(run(ex.update_stop_loss("BTC/USDT", d("49000"))).is_ok());
}

#[test]
fn emergency_close_with_several_positions() {
    let (ex, _) = executor();
    run(ex.execute(&ExecutionRequest {
        stop_loss: Some(d("49000")),
        ..long("0.01", "50000")
    }))
    .unwrap();
    run(ex.execute(&ExecutionRequest {
        symbol: "ETH/USDT".into(),
        ..short("0.1", "3000")
    }))
    .unwrap();
    run(ex.execute(&ExecutionRequest {
        symbol: "SOL/USDT".into(),
        ..long("5", "100")
    }))
    .unwrap();
    let pending = run(ex.execute(&ExecutionRequest {
        order_type: EntryType::Limit,
        take_profit: Some(d("3")),
        symbol: "XRP/USDT".into(),
        ..long("100", "2")
    }))
    .unwrap();
    assert_eq!(pending.status, OrderStatus::Pending);
    // A plain resting limit (no SL/TP waiting on it) is cancelled too.
    let plain = run(ex.execute(&ExecutionRequest {
        order_type: EntryType::Limit,
        symbol: "XRP/USDT".into(),
        ..long("100", "1.5")
    }))
    .unwrap();
    assert_eq!(plain.status, OrderStatus::Pending);
    let closed = run(ex.emergency_close_all()).unwrap();
    assert_eq!(closed.len(), 3);
    assert_eq!(
        ex.venue().borrow().order(&plain.id).unwrap().status,
        OrderStatus::Cancelled
    );
    assert!(closed
        .iter()
        .all(|o| o.status == OrderStatus::Filled && o.reduce_only));
    assert_eq!(ex.venue().borrow().positions().len(), 0);
    assert_eq!(ex.venue().borrow().open_orders().count(), 0);
    let log = ex.drain_log();
    assert!(log.iter().filter(|l| l.event == "emergencyClose").count() >= 4);
}

#[test]
fn loss_limit_trips_refuses_new_risk_allows_closing_and_resets() {
    let s = TradingSettings {
        max_drawdown: Some(d("0.02")),
        max_position_size: d("1"),
        max_leverage: 10,
        ..TradingSettings::default()
    };
    let (ex, _) = executor_with(s);
    run(ex.execute(&ExecutionRequest {
        leverage: Some(10),
        ..long("0.5", "50000")
    }))
    .unwrap();
    run(ex.update_price("BTC/USDT", d("49000"))).unwrap(); // −500 unrealized: 5% down
    assert!(ex.state().risk.tripped.is_some());
    assert_eq!(
        code(run(ex.execute(&long("0.01", "49000")))),
        "LOSS_LIMIT_REACHED"
    );
    // Reducing still works.
    let r = ExecutionRequest {
        action: Action::Close,
        ..long("0.2", "49000")
    };
    assert_eq!(run(ex.execute(&r)).unwrap().status, OrderStatus::Filled);
    assert_eq!(ex.venue().borrow().positions()[0].amount, d("0.3"));
    run(ex.reset_loss_limits()).unwrap();
    assert!(ex.state().risk.tripped.is_none());
    assert!(run(ex.execute(&long("0.01", "49000"))).is_ok());
    let log = ex.drain_log();
    assert!(log
        .iter()
        .any(|l| l.event == "lossLimit" && l.level == LogLevel::Error));
}

#[test]
fn daily_loss_limit_resets_on_a_new_day() {
    let s = TradingSettings {
        max_daily_loss: Some(d("0.01")),
        max_position_size: d("1"),
        ..TradingSettings::default()
    };
    let (ex, clock) = executor_with(s);
    run(ex.execute(&long("0.1", "50000"))).unwrap();
    run(ex.update_price("BTC/USDT", d("48000"))).unwrap(); // −200: 2% of the day
    assert!(ex
        .state()
        .risk
        .tripped
        .as_deref()
        .unwrap()
        .starts_with("daily"));
    clock.advance(86_400_000);
    run(ex.update_price("BTC/USDT", d("48000"))).unwrap();
    assert!(ex.state().risk.tripped.is_none());
}

#[test]
fn settings_are_validated() {
    for s in [
        TradingSettings {
            max_leverage: 0,
            ..TradingSettings::default()
        },
        TradingSettings {
            default_leverage: 6,
            ..TradingSettings::default()
        },
        TradingSettings {
            max_position_size: d("0"),
            ..TradingSettings::default()
        },
        TradingSettings {
            max_drawdown: Some(d("1.5")),
            ..TradingSettings::default()
        },
    ] {
        assert!(s.validate().is_err(), "{s:?}");
    }
}

#[test]
fn decisions_convert_and_hold_is_refused() {
    let dec = TradingDecision {
        action: DecisionAction::Long,
        symbol: "BTC/USDT".into(),
        confidence: Some(d("0.8")),
        position_size: Some(d("0.05")),
        entry_price: Some(d("50000")),
        stop_loss: Some(d("48000")),
        take_profit: Some(d("55000")),
        leverage: Some(2),
        vetoed: false,
        reason: Some("signal".into()),
    };
    let (ex, _) = executor();
    let req = convert_decision_to_request(&dec, d("0.01"), EntryType::Market).unwrap();
    assert_eq!(run(ex.execute(&req)).unwrap().status, OrderStatus::Filled);
    let hold = TradingDecision {
        action: DecisionAction::Hold,
        ..dec.clone()
    };
    assert!(convert_decision_to_request(&hold, d("0.01"), EntryType::Market).is_err());
    let vetoed = TradingDecision {
        vetoed: true,
        ..dec
    };
    assert_eq!(
        EngineError::from(
            convert_decision_to_request(&vetoed, d("0.01"), EntryType::Market).unwrap_err()
        )
        .code(),
        "INVALID_REQUEST"
    );
}

#[test]
fn snapshot_rejects_corruption() {
    let (ex, clock) = executor();
    run(ex.execute(&long("0.01", "50000"))).unwrap();
    let snap = ex.snapshot();
    let c: SharedClock = Rc::new(clock);
    let mut wrong = snap.clone();
    wrong.version = 99;
    assert_eq!(code(Ex::restore(wrong, c.clone())), "SNAPSHOT_INVALID");
    let mut wrong = snap.clone();
    wrong.paper.wallet += Money(Decimal::ONE);
    assert_eq!(code(Ex::restore(wrong, c.clone())), "SNAPSHOT_INVALID");
    let mut wrong = snap.clone();
    wrong.kind = "something".into();
    assert_eq!(code(Ex::restore(wrong, c.clone())), "SNAPSHOT_INVALID");
    let mut wrong = snap;
    wrong.paper.events.pop();
    wrong.paper.events.insert(0, wrong.paper.events[0].clone());
    assert_eq!(code(Ex::restore(wrong, c)), "SNAPSHOT_INVALID");
}

#[derive(Debug, Clone)]
enum Op {
    Open {
        long: bool,
        centi: u32,
        lev: u32,
        protect: bool,
    },
    Limit {
        long: bool,
        centi: u32,
        off: u32,
    },
    Move {
        bp: i32,
    },
    Close,
    Emergency,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<bool>(), 1u32..4, 1u32..=5, any::<bool>()).prop_map(|(long, centi, lev, protect)| Op::Open { long, centi, lev, protect }),
        2 => (any::<bool>(), 1u32..4, 1u32..50).prop_map(|(long, centi, off)| Op::Limit { long, centi, off }),
        4 => (-300i32..300).prop_map(|bp| Op::Move { bp }),
        1 => Just(Op::Close),
        1 => Just(Op::Emergency),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Snapshot → serde JSON text → restore gives an identical executor, and both behave the
    /// same afterwards.
    #[test]
    fn snapshot_round_trip_after_random_operations(ops in prop::collection::vec(op(), 1..30)) {
        let (ex, clock) = executor();
        let mut price: Decimal = d("50000");
        run(ex.update_price("BTC/USDT", Price(price))).unwrap();
        for op in ops {
            clock.advance(1000);
            let _ = match op {
                Op::Open { long: l, centi, lev, protect } => {
                    let amount = Decimal::new(i64::from(centi), 2).to_string();
                    let p = price.to_string();
                    let mut r = if l { long(&amount, &p) } else { short(&amount, &p) };
                    r.leverage = Some(lev);
                    if protect {
                        let (sl, tp): (Decimal, Decimal) = if l { (price - d::<Decimal>("1000"), price + d::<Decimal>("1000")) } else { (price + d::<Decimal>("1000"), price - d::<Decimal>("1000")) };
                        r.stop_loss = Some(Price(sl.round_dp(1)));
                        r.take_profit = Some(Price(tp.round_dp(1)));
                    }
                    run(ex.execute(&r)).map(|_| ())
                }
                Op::Limit { long: l, centi, off } => {
                    let amount = Decimal::new(i64::from(centi), 2).to_string();
                    let px = if l { price - Decimal::from(off) } else { price + Decimal::from(off) };
                    let mut r = if l { long(&amount, &px.round_dp(1).to_string()) } else { short(&amount, &px.round_dp(1).to_string()) };
                    r.order_type = EntryType::Limit;
                    run(ex.execute(&r)).map(|_| ())
                }
                Op::Move { bp } => {
                    price = (price * Decimal::from(10_000 + bp) / Decimal::from(10_000)).round_dp(1);
                    run(ex.update_price("BTC/USDT", Price(price))).map(|_| ())
                }
                Op::Close => run(ex.execute(&ExecutionRequest { action: Action::Close, ..long("1", &price.to_string()) })).map(|_| ()),
                Op::Emergency => run(ex.emergency_close_all()).map(|_| ()),
            };
            let snap = ex.snapshot();
            let text = serde_json::to_string(&snap).unwrap();
            let back: Snapshot = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(&back, &snap);
            let c: SharedClock = Rc::new(clock.clone());
            let restored = Ex::restore(back, c).unwrap();
            prop_assert_eq!(restored.snapshot(), snap);
            // Same behaviour afterwards.
            let next = (price * d::<Decimal>("0.97")).round_dp(1);
            let twin = Ex::restore(ex.snapshot(), Rc::new(clock.clone())).unwrap();
            run(restored.update_price("BTC/USDT", Price(next))).unwrap();
            run(twin.update_price("BTC/USDT", Price(next))).unwrap();
            prop_assert_eq!(restored.snapshot(), twin.snapshot());
        }
        // Truncated text is refused, never a silent reset.
        let text = serde_json::to_string(&ex.snapshot()).unwrap();
        prop_assert!(serde_json::from_str::<Snapshot>(&text[..text.len() / 2]).is_err());
    }
}

#[test]
fn reducing_requests_ignore_sl_tp_and_never_reject_after_executing() {
    let (ex, _) = executor();
    run(ex.execute(&long("0.02", "50000"))).unwrap();
    // A partial close carrying an SL that would be invalid for the remaining long.
    let partial = ExecutionRequest {
        action: Action::Close,
        stop_loss: Some(d("51000")),
        ..long("0.01", "50000")
    };
    let o = run(ex.execute(&partial)).unwrap();
    assert_eq!(o.status, OrderStatus::Filled);
    assert_eq!(ex.venue().borrow().positions()[0].amount, d("0.01"));
    assert!(ex
        .drain_log()
        .iter()
        .any(|l| l.event == "protection" && l.message.contains("ignored")));
    // A short that only closes the long, with SL/TP: executes, ignores them.
    let flat = ExecutionRequest {
        stop_loss: Some(d("51000")),
        take_profit: Some(d("49000")),
        ..short("0.01", "50000")
    };
    assert_eq!(run(ex.execute(&flat)).unwrap().status, OrderStatus::Filled);
    assert!(ex.venue().borrow().positions().is_empty());
    // A short that flips gets its SL/TP validated and attached to the new short.
    run(ex.execute(&long("0.01", "50000"))).unwrap();
    let flip = ExecutionRequest {
        stop_loss: Some(d("51000")),
        take_profit: Some(d("49000")),
        ..short("0.02", "50000")
    };
    assert_eq!(run(ex.execute(&flip)).unwrap().status, OrderStatus::Filled);
    let p = &ex.venue().borrow().positions()[0];
    assert_eq!(
        (p.side, p.stop_loss, p.take_profit),
        (PositionSide::Short, Some(d("51000")), Some(d("49000")))
    );
}

#[test]
fn snapshot_text_with_an_unknown_field_anywhere_is_refused() {
    let (ex, _) = executor();
    run(ex.update_price("BTC/USDT", d("50000"))).unwrap();
    run(ex.execute(&long("0.01", "50000"))).unwrap();
    let text = serde_json::to_string(&ex.snapshot()).unwrap();
    assert!(Snapshot::from_json(&text).is_ok());
    // Top level, inside the settings, inside an order, inside an event.
    for (from, to) in [
        ("{\"kind\"", "{\"extra\":1,\"kind\""),
        ("\"paperTrading\"", "\"typo\":1,\"paperTrading\""),
        (
            "\"exchangeOrderId\"",
            "\"surprise\":true,\"exchangeOrderId\"",
        ),
        ("{\"orderAccepted\":{", "{\"orderAccepted\":{\"x\":0,"),
    ] {
        let bad = text.replacen(from, to, 1);
        assert_ne!(bad, text, "{from}");
        let err = Snapshot::from_json(&bad).unwrap_err();
        assert_eq!(
            EngineError::from(err.clone()).code(),
            "SNAPSHOT_INVALID",
            "{err}"
        );
        let err = Snapshot::check_fields(&bad, &text).unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
    }
    assert!(Snapshot::check_fields(&text, &text).is_ok());
}
