//! Scenario tests of the paper engine.

use iftb_core::*;
use std::str::FromStr;

/// A decimal, as whatever money type the assertion compares it with.
fn d<T: From<Decimal>>(s: &str) -> T {
    T::from(Decimal::from_str(s).unwrap())
}

fn engine() -> (PaperEngine, ManualClock) {
    let clock = ManualClock::new(1_700_000_000_000);
    let e = PaperEngine::new(PaperConfig::default(), std::rc::Rc::new(clock.clone())).unwrap();
    (e, clock)
}

fn req(side: &str, ty: &str, amount: &str) -> OrderRequest {
    OrderRequest::parse("BTC/USDT", side, ty, d(amount)).unwrap()
}

fn try_req(side: &str, ty: &str, amount: &str) -> Result<OrderRequest, ValidationError> {
    OrderRequest::parse("BTC/USDT", side, ty, d(amount))
}

fn btc() -> Symbol {
    Symbol::parse("BTC/USDT").unwrap()
}

#[test]
fn spec_example_market_buy() {
    let (mut e, _) = engine();
    let mut r = req("buy", "market", "0.1");
    r.id = Some("o1".into());
    r.price = Some(d("50000"));
    let o = e.place_order(&r, Some(d("50000"))).unwrap();
    assert_eq!(o.status, OrderStatus::Filled);
    // 0.05% slippage against the buyer, 0.04% taker fee on the notional.
    assert_eq!(o.filled_price, Some(d("50025")));
    assert_eq!(o.filled_amount, Some(d("0.1")));
    assert_eq!(o.fee, Some(d("2.001")));
    // 1x: margin = notional 5002.5; free = 10000 - 2.001 - 5002.5
    assert_eq!(e.free_balance(), d("4995.499"));
    let p = e.position_state(&btc()).unwrap();
    assert_eq!(p.side, PositionSide::Long);
    assert_eq!(p.entry_price, d("50025"));
    assert_eq!(p.unrealized_pnl, d("-2.5"));
    assert_eq!(p.liquidation_price, None);
    let a = e.account();
    assert_eq!(
        a.equity,
        a.initial_balance - a.fees_paid + a.realized_pnl + a.unrealized_pnl
    );
}

#[test]
fn sell_slippage_and_round_trip_pnl() {
    let (mut e, _) = engine();
    e.place_order(&req("buy", "market", "1"), Some(d("100")))
        .unwrap();
    let o = e
        .place_order(&req("sell", "market", "1"), Some(d("110")))
        .unwrap();
    assert_eq!(o.filled_price, Some(d("109.945")));
    assert!(e.positions().is_empty());
    let a = e.account();
    // realized = 109.945 - 100.05; fees = 100.05*0.0004 + 109.945*0.0004
    assert_eq!(a.realized_pnl, d("9.895"));
    assert_eq!(a.fees_paid, d("0.083998"));
    assert_eq!(a.wallet_balance, d("10009.811002"));
    assert_eq!(a.balance, a.wallet_balance);
}

#[test]
fn limit_rests_then_fills_as_maker() {
    let (mut e, _) = engine();
    let mut r = req("buy", "limit", "0.1");
    r.price = Some(d("49000"));
    let o = e.place_order(&r, Some(d("50000"))).unwrap();
    assert_eq!(o.status, OrderStatus::Pending);
    // reserved: margin 4900 + maker fee 0.98
    assert_eq!(o.reserved, d("4900.98"));
    assert_eq!(e.free_balance(), d("5099.02"));
    assert!(e.update_price("BTC/USDT", d("49500")).unwrap().is_empty());
    let ev = e.update_price("BTC/USDT", d("48900")).unwrap().to_vec();
    let filled = e.order(&o.id).unwrap();
    assert_eq!(filled.status, OrderStatus::Filled);
    assert_eq!(filled.filled_price, Some(d("49000")));
    assert_eq!(filled.fee, Some(d("0.98")));
    assert!(ev.iter().any(|r| matches!(
        r.event,
        EngineEvent::OrderFilled {
            liquidity: Liquidity::Maker,
            ..
        }
    )));
    assert!(ev
        .iter()
        .any(|r| matches!(r.event, EngineEvent::PositionOpened { .. })));
    assert_eq!(e.account().reserved, Money::ZERO);
}

#[test]
fn crossing_limit_fills_as_taker_capped_at_limit() {
    let (mut e, _) = engine();
    let mut r = req("buy", "limit", "1");
    r.price = Some(d("100.01"));
    let o = e.place_order(&r, Some(d("100"))).unwrap();
    assert_eq!(o.status, OrderStatus::Filled);
    // mark * 1.0005 = 100.05 > limit: capped at 100.01
    assert_eq!(o.filled_price, Some(d("100.01")));
    assert_eq!(o.fee, Some(d("0.040004")));
}

#[test]
fn cancel_releases_exactly() {
    let (mut e, _) = engine();
    let before = e.free_balance();
    let mut r = req("sell", "limit", "0.1");
    r.price = Some(d("51000.123"));
    let o = e.place_order(&r, Some(d("50000"))).unwrap();
    assert!(e.free_balance() < before);
    let c = e.cancel_order(&o.id).unwrap();
    assert_eq!(c.status, OrderStatus::Cancelled);
    assert_eq!(e.free_balance(), before);
    assert_eq!(
        e.cancel_order(&o.id).unwrap_err().code(),
        "ORDER_NOT_CANCELLABLE"
    );
    assert_eq!(
        e.cancel_order("nope").unwrap_err().code(),
        "ORDER_NOT_FOUND"
    );
}

#[test]
fn insufficient_balance_fails_without_change() {
    let (mut e, _) = engine();
    let before = e.account();
    let o = e
        .place_order(&req("buy", "market", "1"), Some(d("50000")))
        .unwrap();
    assert_eq!(o.status, OrderStatus::Failed);
    assert!(o
        .error_message
        .as_deref()
        .unwrap()
        .contains("Insufficient balance"));
    assert_eq!(e.account(), before);
    assert!(e.positions().is_empty());
    // With 10x leverage it fits.
    let mut r = req("buy", "market", "1");
    r.leverage = Some(10);
    let o = e.place_order(&r, Some(d("50000"))).unwrap();
    assert_eq!(o.status, OrderStatus::Filled);
    assert_eq!(e.position_state(&btc()).unwrap().margin, d("5002.5"));
}

#[test]
fn rejected_input_leaves_state_unchanged() {
    let (mut e, _) = engine();
    e.place_order(&req("buy", "market", "0.01"), Some(d("50000")))
        .unwrap();
    let before = e.state().clone();
    let cases: Vec<(Result<OrderRequest, ValidationError>, Option<Price>, &str)> = vec![
        (
            Ok(req("buy", "market", "0")),
            Some(d("50000")),
            "INVALID_AMOUNT",
        ),
        (
            Ok(req("buy", "market", "-1")),
            Some(d("50000")),
            "INVALID_AMOUNT",
        ),
        (
            try_req("hold", "market", "1"),
            Some(d("50000")),
            "INVALID_SIDE",
        ),
        (
            try_req("buy", "trailing", "1"),
            Some(d("50000")),
            "INVALID_ORDER_TYPE",
        ),
        (
            Ok(req("buy", "limit", "1")),
            Some(d("50000")),
            "MISSING_PRICE",
        ),
        (
            Ok(req("sell", "stop_loss", "1")),
            Some(d("50000")),
            "MISSING_STOP_PRICE",
        ),
        (
            Ok(req("buy", "market", "1")),
            Some(d("-5")),
            "INVALID_PRICE",
        ),
        (
            OrderRequest::parse("btcusdt", "buy", "market", d("1")),
            Some(d("50000")),
            "INVALID_SYMBOL",
        ),
        (
            Ok(OrderRequest {
                leverage: Some(0),
                ..req("buy", "market", "1")
            }),
            Some(d("50000")),
            "INVALID_LEVERAGE",
        ),
        (
            Ok(OrderRequest {
                leverage: Some(5),
                ..req("buy", "market", "0.001")
            }),
            Some(d("50000")),
            "LEVERAGE_LOCKED",
        ),
        (
            OrderRequest::parse("ETH/USDT", "buy", "market", d("1")),
            None,
            "NO_PRICE",
        ),
        (
            Ok(OrderRequest {
                price: Some(d("-1")),
                ..req("buy", "limit", "1")
            }),
            Some(d("50000")),
            "INVALID_PRICE",
        ),
    ];
    for (r, p, code) in cases {
        let err = match &r {
            Ok(r) => e.place_order(r, p).unwrap_err(),
            Err(v) => EngineError::from(v.clone()),
        };
        assert_eq!(err.code(), code, "{r:?}: {err}");
        assert_eq!(e.state(), &before, "state changed by rejected {r:?}");
    }
    let id = e.orders()[0].id.clone();
    let dup = OrderRequest {
        id: Some(id),
        ..req("buy", "market", "0.01")
    };
    assert_eq!(
        e.place_order(&dup, Some(d("50000"))).unwrap_err().code(),
        "DUPLICATE_ORDER_ID"
    );
    assert_eq!(e.state(), &before);
}

#[test]
fn position_flip_reduce_and_average_entry() {
    let (mut e, _) = engine();
    e.place_order(&req("buy", "market", "1"), Some(d("100")))
        .unwrap();
    e.place_order(&req("buy", "market", "1"), Some(d("200")))
        .unwrap();
    let p = e.position_state(&btc()).unwrap();
    assert_eq!(p.amount, d("2"));
    assert_eq!(p.entry_price, d("150.075")); // (100.05 + 200.1) / 2
    let o = e
        .place_order(&req("sell", "market", "0.5"), Some(d("200")))
        .unwrap();
    let p = e.position_state(&btc()).unwrap();
    assert_eq!(p.amount, d("1.5"));
    assert_eq!(
        p.realized_pnl,
        (o.filled_price.unwrap() - d("150.075")) * d("0.5")
    );
    // Flip to short 1.
    e.place_order(&req("sell", "market", "2.5"), Some(d("200")))
        .unwrap();
    let p = e.position_state(&btc()).unwrap();
    assert_eq!(p.side, PositionSide::Short);
    assert_eq!(p.amount, d("1"));
    let types: Vec<_> = e.events_since(0).iter().map(|r| r.event.clone()).collect();
    assert!(types
        .iter()
        .any(|ev| matches!(ev, EngineEvent::PositionClosed { .. })));
    assert!(types.iter().any(|ev| matches!(
        ev,
        EngineEvent::PositionOpened {
            side: PositionSide::Short,
            ..
        }
    )));
}

#[test]
fn stop_loss_fires_and_cancels_take_profit() {
    let (mut e, _) = engine();
    e.place_order(&req("buy", "market", "0.1"), Some(d("50000")))
        .unwrap();
    e.set_protection("BTC/USDT", OrderType::StopLoss, Some(d("48000")))
        .unwrap();
    let p = e
        .set_protection("BTC/USDT", OrderType::TakeProfit, Some(d("55000")))
        .unwrap();
    assert_eq!(p.stop_loss, Some(d("48000")));
    assert_eq!(p.take_profit, Some(d("55000")));
    assert_eq!(e.open_orders().count(), 2);
    // Wrong side of the market is refused.
    assert_eq!(
        e.set_protection("BTC/USDT", OrderType::StopLoss, Some(d("51000")))
            .unwrap_err()
            .code(),
        "INVALID_STOP_LOSS"
    );
    // Move the stop.
    e.set_protection("BTC/USDT", OrderType::StopLoss, Some(d("49000")))
        .unwrap();
    assert_eq!(e.open_orders().count(), 2);
    let ev = e.update_price("BTC/USDT", d("48990")).unwrap().to_vec();
    assert!(ev
        .iter()
        .any(|r| matches!(r.event, EngineEvent::StopLossTriggered { .. })));
    assert!(ev.iter().any(|r| matches!(
        r.event,
        EngineEvent::PositionClosed {
            reason: CloseReason::StopLoss,
            ..
        }
    )));
    assert!(ev.iter().any(|r| matches!(
        r.event,
        EngineEvent::OrderCancelled {
            reason: CloseReason::PositionClosed,
            ..
        }
    )));
    assert!(e.positions().is_empty());
    assert_eq!(e.open_orders().count(), 0);
    let sl = e
        .orders()
        .iter()
        .find(|o| o.order_type == OrderType::StopLoss)
        .unwrap();
    assert_eq!(sl.status, OrderStatus::Filled);
    assert_eq!(sl.filled_price, Some(d("48965.505"))); // 48990 * 0.9995
}

#[test]
fn take_profit_on_short() {
    let (mut e, _) = engine();
    e.place_order(&req("sell", "market", "1"), Some(d("100")))
        .unwrap();
    assert!(e
        .set_protection("BTC/USDT", OrderType::TakeProfit, Some(d("101")))
        .is_err());
    e.set_protection("BTC/USDT", OrderType::TakeProfit, Some(d("90")))
        .unwrap();
    e.set_protection("BTC/USDT", OrderType::StopLoss, Some(d("110")))
        .unwrap();
    e.update_price("BTC/USDT", d("95")).unwrap();
    assert_eq!(e.positions().len(), 1);
    let ev = e.update_price("BTC/USDT", d("89")).unwrap().to_vec();
    assert!(ev
        .iter()
        .any(|r| matches!(r.event, EngineEvent::TakeProfitTriggered { .. })));
    assert!(e.positions().is_empty());
    assert!(e.account().realized_pnl > Money::ZERO);
}

#[test]
fn closing_position_cancels_protection() {
    let (mut e, _) = engine();
    e.place_order(&req("buy", "market", "0.1"), Some(d("50000")))
        .unwrap();
    e.set_protection("BTC/USDT", OrderType::StopLoss, Some(d("48000")))
        .unwrap();
    let o = e.close_position("BTC/USDT", Some(d("50500"))).unwrap();
    assert_eq!(o.status, OrderStatus::Filled);
    assert_eq!(e.open_orders().count(), 0);
    assert_eq!(
        e.close_position("BTC/USDT", Some(d("1")))
            .unwrap_err()
            .code(),
        "NO_POSITION"
    );
}

#[test]
fn standalone_stop_orders_trigger() {
    let (mut e, _) = engine();
    let mut r = req("buy", "stop_loss", "0.1");
    r.stop_price = Some(d("51000"));
    let o = e.place_order(&r, Some(d("50000"))).unwrap();
    assert_eq!(o.status, OrderStatus::Pending);
    assert!(o.reserved > Money::ZERO);
    e.update_price("BTC/USDT", d("51200")).unwrap();
    let o = e.order(&o.id).unwrap();
    assert_eq!(o.status, OrderStatus::Filled);
    assert_eq!(o.filled_price, Some(d("51225.6")));
    // Would-trigger-immediately is a venue rejection, not a throw.
    let mut r = req("sell", "take_profit", "0.1");
    r.stop_price = Some(d("51000"));
    let o = e.place_order(&r, None).unwrap();
    assert_eq!(o.status, OrderStatus::Failed);
    assert_eq!(
        o.error_message.as_deref(),
        Some("Order would immediately trigger")
    );
}

#[test]
fn liquidation_loses_the_isolated_margin() {
    let (mut e, _) = engine();
    let mut r = req("buy", "market", "0.1");
    r.leverage = Some(10);
    e.place_order(&r, Some(d("50000"))).unwrap();
    let p = e.position_state(&btc()).unwrap();
    let lp = p.liquidation_price.unwrap();
    assert!(lp > d("45000") && lp < d("46000"), "{lp}");
    let margin = p.margin;
    let wallet_before = e.account().wallet_balance;
    assert!(e.update_price("BTC/USDT", lp + d("1")).unwrap().is_empty());
    let ev = e.update_price("BTC/USDT", d("40000")).unwrap().to_vec();
    assert!(ev
        .iter()
        .any(|r| matches!(r.event, EngineEvent::PositionLiquidated { .. })));
    assert!(e.positions().is_empty());
    assert_eq!(e.account().wallet_balance, wallet_before - margin);
    let a = e.account();
    assert_eq!(
        a.equity,
        a.initial_balance - a.fees_paid + a.realized_pnl + a.unrealized_pnl
    );
}

#[test]
fn liquidation_price_of_short() {
    let (mut e, _) = engine();
    let mut r = req("sell", "market", "1");
    r.leverage = Some(20);
    e.place_order(&r, Some(d("1000"))).unwrap();
    let p = e.position_state(&btc()).unwrap();
    let lp = p.liquidation_price.unwrap();
    assert!(lp > d("1000") && lp < d("1050"), "{lp}");
    e.update_price("BTC/USDT", lp).unwrap();
    assert!(e.positions().is_empty());
}

#[test]
fn reduce_only_never_opens() {
    let (mut e, _) = engine();
    let mut r = req("sell", "market", "1");
    r.reduce_only = true;
    let o = e.place_order(&r, Some(d("100"))).unwrap();
    assert_eq!(o.status, OrderStatus::Failed);
    e.place_order(&req("buy", "market", "0.5"), Some(d("100")))
        .unwrap();
    let o = e.place_order(&r, Some(d("100"))).unwrap();
    assert_eq!(o.filled_amount, Some(d("0.5")));
    assert!(e.positions().is_empty());
}

#[test]
fn event_log_is_deterministic() {
    let run = || {
        let (mut e, clock) = engine();
        e.place_order(&req("buy", "market", "0.1"), Some(d("50000")))
            .unwrap();
        clock.advance(1000);
        e.set_protection("BTC/USDT", OrderType::TakeProfit, Some(d("51000")))
            .unwrap();
        clock.advance(1000);
        e.update_price("BTC/USDT", d("51001")).unwrap();
        e.state().clone()
    };
    let (a, b) = (run(), run());
    assert_eq!(a, b);
    let seqs: Vec<u64> = a.events.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=a.events.len() as u64).collect::<Vec<_>>());
}

#[test]
fn venue_trait_drives_the_paper_engine() {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};
    fn ready<T>(f: impl Future<Output = T>) -> T {
        let mut cx = Context::from_waker(Waker::noop());
        match pin!(f).poll(&mut cx) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("paper venue must complete immediately"),
        }
    }
    async fn trade<V: ExecutionVenue>(v: &V) -> Result<usize> {
        v.place_order(&req("buy", "market", "0.1"), Some(d("50000")))
            .await?;
        Ok(v.positions().await?.len())
    }
    let (e, _) = engine();
    let venue = std::cell::RefCell::new(e);
    assert_eq!(ready(trade(&venue)).unwrap(), 1);
}

#[test]
fn config_is_validated() {
    let bad = [
        PaperConfig {
            maker_fee: d("-0.1"),
            ..Default::default()
        },
        PaperConfig {
            taker_fee: d("1"),
            ..Default::default()
        },
        PaperConfig {
            slippage: d("1.5"),
            ..Default::default()
        },
        PaperConfig {
            initial_balance: d("-1"),
            ..Default::default()
        },
        PaperConfig {
            default_leverage: 0,
            ..Default::default()
        },
        PaperConfig {
            default_leverage: 126,
            ..Default::default()
        },
    ];
    for c in bad {
        let err = PaperEngine::new(c, std::rc::Rc::new(ManualClock::new(0))).unwrap_err();
        assert!(matches!(err.code(), "INVALID_CONFIG" | "INVALID_LEVERAGE"));
    }
}

#[test]
fn from_state_round_trips() {
    let (mut e, clock) = engine();
    e.place_order(&req("buy", "market", "0.1"), Some(d("50000")))
        .unwrap();
    let mut r = req("sell", "limit", "0.05");
    r.price = Some(d("52000"));
    e.place_order(&r, None).unwrap();
    let st = e.state().clone();
    let mut e2 = PaperEngine::from_state(st.clone(), std::rc::Rc::new(clock)).unwrap();
    assert_eq!(e2.state(), &st);
    e2.update_price("BTC/USDT", d("52000")).unwrap();
    assert_eq!(e2.position_state(&btc()).unwrap().amount, d("0.05"));
    let mut broken = st;
    broken.reserved += Money(Decimal::ONE);
    assert!(PaperEngine::from_state(broken, std::rc::Rc::new(ManualClock::new(0))).is_err());
}
