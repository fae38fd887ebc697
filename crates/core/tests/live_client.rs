//! Live client policy tests (reliability A1–A10, B1–B5) against a scripted transport with a
//! fake clock. Every request is recorded, so "exactly one POST" is checked, not assumed.

use iftb_core::binance::{Credentials, HttpRequest, HttpResponse, Market, Method};
use iftb_core::live::codec::PlaceSpec;
use iftb_core::live::{LiveClient, LiveConfig, Signing, Transport, TransportError};
use iftb_core::{
    complete_now, Decimal, EngineError, LiveError, OrderStatus, OrderType, Side, Symbol,
};
use std::cell::{Cell, RefCell};
use std::str::FromStr;

enum Reply {
    Ok(HttpResponse),
    Timeout,
}

type Handler = Box<dyn FnMut(&HttpRequest, i64) -> Reply>;

struct Fake {
    now: Cell<i64>,
    sent: RefCell<Vec<(i64, HttpRequest)>>,
    sleeps: RefCell<Vec<u64>>,
    handler: RefCell<Handler>,
}

impl Transport for &Fake {
    async fn send(
        &self,
        req: HttpRequest,
        _timeout_ms: u64,
    ) -> Result<HttpResponse, TransportError> {
        self.sent.borrow_mut().push((self.now.get(), req.clone()));
        match (self.handler.borrow_mut())(&req, self.now.get()) {
            Reply::Ok(r) => Ok(r),
            Reply::Timeout => Err(TransportError::Timeout),
        }
    }
    async fn sleep(&self, ms: u64) {
        self.sleeps.borrow_mut().push(ms);
        self.now.set(self.now.get() + i64::try_from(ms).unwrap());
    }
    fn now_ms(&self) -> i64 {
        self.now.get()
    }
}

const T0: i64 = 1_764_000_000_000;

fn fake(handler: impl FnMut(&HttpRequest, i64) -> Reply + 'static) -> Fake {
    Fake {
        now: Cell::new(T0),
        sent: RefCell::new(Vec::new()),
        sleeps: RefCell::new(Vec::new()),
        handler: RefCell::new(Box::new(handler)),
    }
}

fn client(f: &Fake) -> LiveClient<&Fake> {
    let mut c = LiveConfig::new(
        Market::UsdM,
        Signing::InProcess(Credentials::new("key", "secret")),
    );
    c.seed = 42;
    LiveClient::new(f, c)
}

/// A decimal, as whatever money type it is compared with.
fn dx<T: From<Decimal>>(s: &str) -> T {
    T::from(Decimal::from_str(s).unwrap())
}

fn json(status: u16, body: &str) -> Reply {
    Reply::Ok(HttpResponse::json(status, body.to_owned()))
}

fn param(req: &HttpRequest, key: &str) -> Option<String> {
    let text = if req.body.is_empty() {
        &req.query
    } else {
        &req.body
    };
    iftb_core::binance::sign::parse_form(text, 100)
        .ok()?
        .get(key)
        .map(str::to_owned)
}

const EXCHANGE_INFO: &str = r#"{"symbols":[{"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","filters":[{"filterType":"PRICE_FILTER","minPrice":"0.1","maxPrice":"1000000","tickSize":"0.1"},{"filterType":"LOT_SIZE","minQty":"0.001","maxQty":"1000","stepSize":"0.001"},{"filterType":"MIN_NOTIONAL","notional":"100"}]}]}"#;

fn order_json(client_id: &str, status: &str, executed: &str) -> String {
    format!(
        r#"{{"orderId":7,"symbol":"BTCUSDT","status":"{status}","clientOrderId":"{client_id}","price":"0","avgPrice":"50000","origQty":"0.010","executedQty":"{executed}","type":"MARKET","side":"BUY","reduceOnly":false,"closePosition":false,"updateTime":{T0}}}"#
    )
}

/// Common routes: exchangeInfo, userTrades (fee), time, premiumIndex.
fn common(req: &HttpRequest) -> Option<Reply> {
    match req.path.as_str() {
        "/fapi/v1/exchangeInfo" => Some(json(200, EXCHANGE_INFO)),
        "/fapi/v1/userTrades" => Some(json(
            200,
            r#"[{"id":1,"commission":"0.2"},{"id":1,"commission":"0.2"}]"#,
        )),
        "/fapi/v1/premiumIndex" => Some(json(200, r#"{"symbol":"BTCUSDT","markPrice":"50000"}"#)),
        _ => None,
    }
}

fn market_buy(c: &LiveClient<&Fake>) -> PlaceSpec {
    PlaceSpec {
        symbol: Symbol::parse("BTC/USDT").unwrap(),
        side: Side::Buy,
        order_type: OrderType::Market,
        amount: Some(dx("0.01")),
        price: None,
        stop_price: None,
        reduce_only: false,
        close_position: false,
        client_id: c.new_client_id(),
    }
}

fn posts(f: &Fake) -> usize {
    f.sent
        .borrow()
        .iter()
        .filter(|(_, r)| r.method() == Method::Post && r.path == "/fapi/v1/order")
        .count()
}

#[test]
fn a1_a9_lost_response_is_resolved_by_client_id_without_resending() {
    let f = fake(|req, _| {
        if let Some(r) = common(req) {
            return r;
        }
        match (req.method(), req.path.as_str()) {
            (Method::Post, "/fapi/v1/order") => Reply::Timeout, // accepted, answer lost
            (Method::Get, "/fapi/v1/order") => {
                let id = param(req, "origClientOrderId").unwrap();
                json(200, &order_json(&id, "FILLED", "0.010"))
            }
            _ => json(404, r#"{"code":-1000,"msg":"unexpected"}"#),
        }
    });
    let c = client(&f);
    let spec = market_buy(&c);
    let id = spec.client_id.clone();
    let o = complete_now(c.place(spec, Some(Decimal::from(50_000)))).unwrap();
    assert_eq!(posts(&f), 1, "never re-POSTed");
    assert_eq!(o.id, id);
    assert_eq!(o.status, OrderStatus::Filled);
    assert_eq!(o.filled_amount, Some(dx("0.010")));
    assert_eq!(
        o.fee,
        Some(dx("0.2")),
        "fee from trades, deduplicated by trade id"
    );
    assert!(c.unknown_orders().is_empty());
    // The POST was signed, timestamped and carried the client id.
    let sent = f.sent.borrow();
    let post = &sent
        .iter()
        .find(|(_, r)| r.method() == Method::Post)
        .unwrap()
        .1;
    assert_eq!(
        param(post, "newClientOrderId").as_deref(),
        Some(id.as_str())
    );
    assert!(param(post, "signature").is_some() && param(post, "timestamp").is_some());
    assert_eq!(post.header("X-MBX-APIKEY"), Some("key"));
}

#[test]
fn a2_late_landing_is_bounded_then_unknown_then_reconciled() {
    let landed = std::rc::Rc::new(Cell::new(false));
    let l2 = landed.clone();
    let f = fake(move |req, _| {
        if let Some(r) = common(req) {
            return r;
        }
        match (req.method(), req.path.as_str()) {
            (Method::Post, "/fapi/v1/order") => json(
                503,
                r#"{"code":-1007,"msg":"Timeout waiting for response from backend server. Send status unknown; execution status unknown."}"#,
            ),
            (Method::Get, "/fapi/v1/order") if !l2.get() => {
                json(400, r#"{"code":-2013,"msg":"Order does not exist."}"#)
            }
            (Method::Get, "/fapi/v1/order") => json(
                200,
                &order_json(&param(req, "origClientOrderId").unwrap(), "FILLED", "0.010"),
            ),
            (Method::Get, "/fapi/v1/openOrders") => json(
                200,
                r#"[{"orderId":99,"symbol":"BTCUSDT","status":"NEW","clientOrderId":"someone-else","price":"40000","origQty":"0.01","executedQty":"0","type":"LIMIT","side":"BUY"}]"#,
            ),
            _ => json(404, r#"{"code":-1000,"msg":"unexpected"}"#),
        }
    });
    let c = client(&f);
    let spec = market_buy(&c);
    let id = spec.client_id.clone();
    let err = complete_now(c.place(spec, Some(Decimal::from(50_000)))).unwrap_err();
    assert_eq!(err.code(), "EXECUTION_STATUS_UNKNOWN");
    assert!(err.to_string().contains(&id));
    assert_eq!(posts(&f), 1);
    let queries = f
        .sent
        .borrow()
        .iter()
        .filter(|(_, r)| r.method() == Method::Get && r.path == "/fapi/v1/order")
        .count();
    assert_eq!(queries, 5, "bounded polling");
    assert_eq!(c.unknown_orders(), vec![id.clone()]);
    // Later the order shows up filled: reconcile adopts it once, and reports the foreign order.
    landed.set(true);
    let rec = complete_now(c.reconcile()).unwrap();
    assert_eq!(rec.updated.len(), 1);
    assert_eq!(rec.updated[0].status, OrderStatus::Filled);
    assert!(c.unknown_orders().is_empty());
    assert_eq!(rec.foreign_open_orders.len(), 1);
    assert_eq!(rec.foreign_open_orders[0].id, "someone-else");
    assert_eq!(posts(&f), 1);
    let again = complete_now(c.reconcile()).unwrap();
    assert!(again.updated.is_empty(), "reported once");
}

#[test]
fn a5_definite_rejection_is_not_retried_and_keeps_the_code() {
    let f = fake(|req, _| {
        common(req)
            .unwrap_or_else(|| json(400, r#"{"code":-2019,"msg":"Margin is insufficient."}"#))
    });
    let c = client(&f);
    let err = complete_now(c.place(market_buy(&c), Some(Decimal::from(50_000)))).unwrap_err();
    assert_eq!(err.code(), "INSUFFICIENT_FUNDS");
    match &err {
        EngineError::Live(LiveError::InsufficientFunds(r)) => {
            assert_eq!(
                (r.code, r.http_status, r.msg.as_str()),
                (Some(-2019), 400, "Margin is insufficient.")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(posts(&f), 1);
    assert!(
        f.sleeps.borrow().is_empty(),
        "no backoff for a definite reject"
    );
    assert!(c.orders().is_empty());
}

#[test]
fn a6_client_ids_are_unique_short_and_valid() {
    let f = fake(|_, _| Reply::Timeout);
    let c = client(&f);
    let other = {
        let mut cfg = LiveConfig::new(Market::UsdM, Signing::Proxy);
        cfg.seed = 43;
        LiveClient::new(&f, cfg)
    };
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..1000 {
        for id in [c.new_client_id(), other.new_client_id()] {
            assert!(iftb_core::live::client::valid_client_id(&id), "{id}");
            assert!(seen.insert(id));
        }
    }
}

#[test]
fn a7_reads_retry_with_backoff_then_fail_with_the_last_error() {
    let f = fake(|req, _| common(req).unwrap_or_else(|| json(502, "<html>Bad Gateway</html>")));
    let c = client(&f);
    let err = complete_now(c.positions()).unwrap_err();
    assert_eq!(err.code(), "EXCHANGE_ERROR");
    let tries = f
        .sent
        .borrow()
        .iter()
        .filter(|(_, r)| r.path == "/fapi/v2/positionRisk")
        .count();
    assert_eq!(tries, 4, "1 + maxRetries 3");
    let sleeps = f.sleeps.borrow().clone();
    assert_eq!(sleeps.len(), 3);
    for (i, s) in sleeps.iter().enumerate() {
        let mid = 200u64 << i;
        assert!(*s >= mid * 8 / 10 && *s <= mid * 12 / 10, "{sleeps:?}");
    }
}

#[test]
fn a7_cancel_of_an_order_already_gone_reports_its_real_state() {
    let f = fake(|req, _| {
        if let Some(r) = common(req) {
            return r;
        }
        match (req.method(), req.path.as_str()) {
            (Method::Post, "/fapi/v1/order") => json(
                200,
                &order_json(&param(req, "newClientOrderId").unwrap(), "NEW", "0"),
            ),
            (Method::Delete, "/fapi/v1/order") => {
                json(400, r#"{"code":-2011,"msg":"Unknown order sent."}"#)
            }
            (Method::Get, "/fapi/v1/order") => json(
                200,
                &order_json(&param(req, "origClientOrderId").unwrap(), "FILLED", "0.010"),
            ),
            _ => json(404, r#"{"code":-1000,"msg":"unexpected"}"#),
        }
    });
    let c = client(&f);
    let o = complete_now(c.place(market_buy(&c), Some(Decimal::from(50_000)))).unwrap();
    let err = complete_now(c.cancel(&o.id)).unwrap_err();
    assert_eq!(err.code(), "ORDER_NOT_CANCELLABLE");
    assert_eq!(c.order(&o.id).unwrap().status, OrderStatus::Filled);
}

#[test]
fn a8_fills_never_go_backwards_and_cancel_keeps_them() {
    let step = std::rc::Rc::new(Cell::new(0));
    let s2 = step.clone();
    let f = fake(move |req, _| {
        if let Some(r) = common(req) {
            return r;
        }
        let id = param(req, "origClientOrderId")
            .or_else(|| param(req, "newClientOrderId"))
            .unwrap_or_default();
        match (req.method(), req.path.as_str(), s2.get()) {
            (Method::Post, _, _) => json(200, &order_json(&id, "PARTIALLY_FILLED", "0.005")),
            (Method::Get, "/fapi/v1/order", 0) => json(200, &order_json(&id, "NEW", "0.003")), // stale
            (Method::Delete, "/fapi/v1/order", _) => {
                json(200, &order_json(&id, "CANCELED", "0.005"))
            }
            _ => json(404, r#"{"code":-1000,"msg":"unexpected"}"#),
        }
    });
    let c = client(&f);
    let o = complete_now(c.place(market_buy(&c), Some(Decimal::from(50_000)))).unwrap();
    // PARTIALLY_FILLED reads as partially filled (the status table), not as pending.
    assert_eq!(o.status, OrderStatus::PartiallyFilled);
    let stale = complete_now(c.query(&o.symbol, &o.id, false)).unwrap();
    assert_eq!(stale.filled_amount, Some(dx("0.005")));
    step.set(1);
    let cancelled = complete_now(c.cancel(&o.id)).unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(cancelled.filled_amount, Some(dx("0.005")));
}

#[test]
fn b1_429_pauses_every_request_for_retry_after() {
    let hits = std::rc::Rc::new(Cell::new(0));
    let h2 = hits.clone();
    let f = fake(move |req, _| {
        if let Some(r) = common(req) {
            return r;
        }
        h2.set(h2.get() + 1);
        if h2.get() == 1 {
            let mut r = HttpResponse::json(429, r#"{"code":-1003,"msg":"Too many requests; current limit is 2400 requests per minute."}"#.into());
            r.headers.push(("Retry-After".into(), "7".into()));
            Reply::Ok(r)
        } else {
            json(200, "[]")
        }
    });
    let c = client(&f);
    let list = complete_now(c.positions()).unwrap();
    assert!(list.is_empty());
    let sent = f.sent.borrow();
    let times: Vec<i64> = sent
        .iter()
        .filter(|(_, r)| r.path == "/fapi/v2/positionRisk")
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(times.len(), 2);
    assert!(times[1] - times[0] >= 7_000, "{times:?}");
    drop(sent);
    let (_, paused_until, _) = c.rate_status();
    assert!(paused_until >= times[0] + 7_000);
}

#[test]
fn b2_418_stops_all_sending_until_the_ban_ends() {
    let f = fake(|req, _| {
        common(req).unwrap_or_else(|| {
            let mut r = HttpResponse::json(418, r#"{"code":-1003,"msg":"Way too much request weight used; IP banned until 1764000120000."}"#.into());
            r.headers.push(("Retry-After".into(), "120".into()));
            Reply::Ok(r)
        })
    });
    let c = client(&f);
    let err = complete_now(c.positions()).unwrap_err();
    assert_eq!(err.code(), "IP_BANNED");
    let before = f.sent.borrow().len();
    let err = complete_now(c.place(market_buy(&c), Some(Decimal::from(50_000)))).unwrap_err();
    assert_eq!(err.code(), "IP_BANNED");
    assert_eq!(f.sent.borrow().len(), before, "nothing sent during a ban");
    assert_eq!(posts(&f), 0);
    f.now.set(T0 + 121_000);
    assert_eq!(
        complete_now(c.positions()).unwrap_err().code(),
        "IP_BANNED",
        "the server still says 418"
    );
    assert!(
        f.sent.borrow().len() > before,
        "sending resumes after the ban"
    );
}

#[test]
fn b3_weight_header_near_the_limit_throttles_before_sending() {
    let f = fake(|req, _| {
        let mut r = match common(req) {
            Some(Reply::Ok(r)) => r,
            _ => HttpResponse::json(200, "[]".into()),
        };
        r.headers
            .push(("X-MBX-USED-WEIGHT-1M".into(), "2155".into()));
        Reply::Ok(r)
    });
    let mut cfg = LiveConfig::new(Market::UsdM, Signing::Proxy);
    cfg.cache_ttl_ms = 0;
    let c = LiveClient::new(&f, cfg);
    complete_now(c.positions()).unwrap();
    assert!(f.sleeps.borrow().is_empty());
    complete_now(c.positions()).unwrap(); // 2155 + 5 ≤ 2160 (90 % of 2400)
    complete_now(c.positions()).unwrap(); // would exceed: waits for the next minute
    let sleeps = f.sleeps.borrow().clone();
    assert_eq!(sleeps.len(), 1, "{sleeps:?}");
    let sent = f.sent.borrow();
    let last = sent.last().unwrap().0;
    assert_eq!(last % 60_000, 0, "sent at the start of the next minute");
}

#[test]
fn b4_timestamp_error_resyncs_once_then_surfaces() {
    let calls = std::rc::Rc::new(Cell::new(0));
    let c2 = calls.clone();
    let f = fake(move |req, now| {
        if let Some(r) = common(req) {
            return r;
        }
        match req.path.as_str() {
            "/fapi/v1/time" => json(200, &format!(r#"{{"serverTime":{}}}"#, now - 2_000)),
            _ => {
                c2.set(c2.get() + 1);
                let ts: i64 = param(req, "timestamp").unwrap().parse().unwrap();
                if ts > now - 1_000 {
                    json(
                        400,
                        r#"{"code":-1021,"msg":"Timestamp for this request was 1000ms ahead of the server's time."}"#,
                    )
                } else {
                    json(200, "[]")
                }
            }
        }
    });
    let c = client(&f);
    complete_now(c.positions()).unwrap();
    assert_eq!(calls.get(), 2);
    assert_eq!(c.clock_offset_ms(), -2_000);
    let f2 = fake(|req, now| match req.path.as_str() {
        "/fapi/v1/time" => json(200, &format!(r#"{{"serverTime":{now}}}"#)),
        _ => json(
            400,
            r#"{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}"#,
        ),
    });
    let c = client(&f2);
    let err = complete_now(c.positions()).unwrap_err();
    assert_eq!(err.code(), "INVALID_TIMESTAMP");
    assert_eq!(
        f2.sent
            .borrow()
            .iter()
            .filter(|(_, r)| r.path == "/fapi/v1/time")
            .count(),
        1
    );
}

#[test]
fn filters_are_checked_before_anything_is_sent() {
    let f = fake(|req, _| common(req).unwrap_or_else(|| json(500, "{}")));
    let c = client(&f);
    let mut spec = market_buy(&c);
    spec.amount = Some(dx("0.0015"));
    let err = complete_now(c.place(spec, Some(Decimal::from(50_000)))).unwrap_err();
    assert_eq!(err.code(), "INVALID_STEP_SIZE");
    let mut spec = market_buy(&c);
    spec.amount = Some(dx("0.001"));
    assert_eq!(
        complete_now(c.place(spec, Some(Decimal::from(50_000))))
            .unwrap_err()
            .code(),
        "NOTIONAL_BELOW_MINIMUM"
    );
    assert_eq!(posts(&f), 0);
}

#[test]
fn a6_a10_intent_is_journaled_before_sending_and_a_restart_resumes_it() {
    use iftb_core::live::JournalEvent;
    use std::rc::Rc;
    let journal: Rc<RefCell<Vec<JournalEvent>>> = Rc::default();
    let seen_at_send: Rc<Cell<usize>> = Rc::default();
    let (j2, s2) = (journal.clone(), seen_at_send.clone());
    let landed = Rc::new(Cell::new(false));
    let l2 = landed.clone();
    let f = fake(move |req, _| {
        if let Some(r) = common(req) {
            return r;
        }
        match (req.method(), req.path.as_str()) {
            (Method::Post, "/fapi/v1/order") => {
                s2.set(j2.borrow().len());
                Reply::Timeout
            }
            (Method::Get, "/fapi/v1/order") if l2.get() => json(
                200,
                &order_json(&param(req, "origClientOrderId").unwrap(), "FILLED", "0.010"),
            ),
            (Method::Get, "/fapi/v1/openOrders") => json(200, "[]"),
            _ => json(400, r#"{"code":-2013,"msg":"Order does not exist."}"#),
        }
    });
    let c = client(&f);
    let j3 = journal.clone();
    c.set_journal(Some(Box::new(move |e| j3.borrow_mut().push(e.clone()))));
    let spec = market_buy(&c);
    let id = spec.client_id.clone();
    let err = complete_now(c.place(spec, Some(Decimal::from(50_000)))).unwrap_err();
    assert_eq!(err.code(), "EXECUTION_STATUS_UNKNOWN");
    assert_eq!(
        seen_at_send.get(),
        1,
        "the intent was journaled before the POST"
    );
    assert!(matches!(&journal.borrow()[0], JournalEvent::Intent(i) if i.client_order_id == id));
    assert_eq!(journal.borrow().len(), 1, "not settled");
    // "Restart": a new client with nothing in memory but the journal.
    let intents = c.inflight();
    let c2 = client(&f);
    let j4 = journal.clone();
    c2.set_journal(Some(Box::new(move |e| j4.borrow_mut().push(e.clone()))));
    assert_eq!(c2.resume(&intents), 1);
    assert_eq!(c2.resume(&intents), 0, "idempotent");
    landed.set(true);
    let rec = complete_now(c2.reconcile()).unwrap();
    assert_eq!(rec.updated.len(), 1);
    assert_eq!(rec.updated[0].id, id);
    assert_eq!(rec.updated[0].status, OrderStatus::Filled);
    assert!(c2.inflight().is_empty());
    assert!(matches!(journal.borrow().last(), Some(JournalEvent::Settled(s)) if *s == id));
    assert_eq!(posts(&f), 1, "resuming never re-sends");
}
