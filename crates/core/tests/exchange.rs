//! The local Binance-compatible exchange, driven through signed HTTP requests exactly as a
//! client would send them.

use iftb_core::binance::sign::{hmac_sha256_hex, Params};
use iftb_core::binance::{HttpRequest, Method};
use iftb_core::exchange::{ExchangeConfig, Handled, LocalExchange, DEV_API_KEY, DEV_API_SECRET};
use iftb_core::rules::SymbolRules;
use iftb_core::{Decimal, MarketRules, Symbol};
use serde_json::Value;
use std::str::FromStr;

const T0: i64 = 1_700_000_000_000;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

struct Answer {
    status: u16,
    body: Value,
    h: Handled,
}

impl Answer {
    fn code(&self) -> Option<i64> {
        self.body.get("code").and_then(Value::as_i64)
    }
    fn msg(&self) -> &str {
        self.body.get("msg").and_then(Value::as_str).unwrap_or("")
    }
    fn header(&self, k: &str) -> Option<&str> {
        self.h.response.header(k)
    }
    fn s(&self, k: &str) -> &str {
        self.body[k]
            .as_str()
            .unwrap_or_else(|| panic!("{k} in {}", self.body))
    }
    #[track_caller]
    fn ok(self) -> Self {
        assert_eq!(self.status, 200, "{}", self.body);
        self
    }
    #[track_caller]
    fn err(self, status: u16, code: i64) -> Self {
        assert_eq!(
            (self.status, self.code()),
            (status, Some(code)),
            "{}",
            self.body
        );
        self
    }
}

/// A client that signs like the real ones: `timestamp` appended, HMAC over the encoded
/// query (GET/DELETE) or body (POST), `signature` last.
struct Client {
    ex: LocalExchange,
    key: String,
    secret: String,
    now: i64,
}

impl Client {
    fn new() -> Self {
        Self::with(ExchangeConfig::default())
    }
    fn with(cfg: ExchangeConfig) -> Self {
        Self {
            ex: LocalExchange::new(cfg),
            key: DEV_API_KEY.into(),
            secret: DEV_API_SECRET.into(),
            now: T0,
        }
    }
    fn raw(&mut self, req: &HttpRequest) -> Answer {
        let h = self.ex.handle(req, self.now);
        Answer {
            status: h.response.status,
            body: serde_json::from_str(&h.response.body).unwrap_or(Value::Null),
            h,
        }
    }
    fn build(&self, method: Method, path: &str, params: &[(&str, &str)], ts: i64) -> HttpRequest {
        let mut p = Params::new();
        for (k, v) in params {
            p.push(k, *v);
        }
        if !params.iter().any(|(k, _)| *k == "timestamp") {
            p.push("timestamp", ts.to_string());
        }
        let payload = p.encode();
        let sig = hmac_sha256_hex(self.secret.as_bytes(), payload.as_bytes());
        let signed = format!("{payload}&signature={sig}");
        let mut req = HttpRequest::new(method, path);
        if method == Method::Post {
            req.body = signed;
            req.headers.push((
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ));
        } else {
            req.query = signed;
        }
        req.headers.push(("X-MBX-APIKEY".into(), self.key.clone()));
        req
    }
    fn call(&mut self, method: Method, path: &str, params: &[(&str, &str)]) -> Answer {
        let req = self.build(method, path, params, self.now);
        self.raw(&req)
    }
    fn get(&mut self, path: &str, params: &[(&str, &str)]) -> Answer {
        self.call(Method::Get, path, params)
    }
    fn post(&mut self, path: &str, params: &[(&str, &str)]) -> Answer {
        self.call(Method::Post, path, params)
    }
    fn delete(&mut self, path: &str, params: &[(&str, &str)]) -> Answer {
        self.call(Method::Delete, path, params)
    }
    fn public(&mut self, path: &str, query: &str) -> Answer {
        let mut req = HttpRequest::new(Method::Get, path);
        req.query = query.into();
        self.raw(&req)
    }
    fn price(&mut self, sym: &str, p: &str) {
        self.ex.set_price(sym, d(p), self.now).unwrap();
    }
    fn fut_market(&mut self, side: &str, qty: &str) -> Answer {
        self.post(
            "/fapi/v1/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", side),
                ("type", "MARKET"),
                ("quantity", qty),
                ("newOrderRespType", "RESULT"),
            ],
        )
    }
    fn position(&mut self) -> Value {
        let a = self
            .get("/fapi/v2/positionRisk", &[("symbol", "BTCUSDT")])
            .ok();
        a.body[0].clone()
    }
    fn usdt(&mut self) -> Value {
        let a = self.get("/fapi/v2/balance", &[]).ok();
        a.body[0].clone()
    }
    fn spot_balance(&mut self, asset: &str) -> (String, String) {
        let a = self.get("/api/v3/account", &[]).ok();
        let b = a.body["balances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["asset"] == asset)
            .unwrap()
            .clone();
        (
            b["free"].as_str().unwrap().into(),
            b["locked"].as_str().unwrap().into(),
        )
    }
    fn posts(&self, path: &str) -> usize {
        self.ex
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == path)
            .count()
    }
}

// ----- signing, timestamps ----------------------------------------------------------------

#[test]
fn binance_documented_signature_vectors_are_accepted() {
    let key = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
    let secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
    let cfg = ExchangeConfig {
        api_keys: vec![(key.into(), secret.into())],
        ..ExchangeConfig::default()
    };
    let mut c = Client::with(cfg);
    c.now = 1_499_827_319_559 + 100;
    let payload = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
    let mut req = HttpRequest::new(Method::Post, "/api/v3/order");
    req.headers.push(("X-MBX-APIKEY".into(), key.into()));
    // All in the query string: the signature is accepted, then the symbol is unknown here.
    req.query = format!(
        "{payload}&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    );
    c.raw(&req).err(400, -1121);
    // All in the body.
    req.query = String::new();
    req.body = format!(
        "{payload}&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    );
    c.raw(&req).err(400, -1121);
    // Mixed: query + body, signed without a separator between them.
    req.query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC".into();
    req.body = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77".into();
    c.raw(&req).err(400, -1121);
    // The same mixed request with the all-in-one signature is refused.
    req.body = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71".into();
    let a = c.raw(&req).err(400, -1022);
    assert_eq!(a.msg(), "Signature for this request is not valid.");
}

#[test]
fn api_key_and_signature_checks() {
    let mut c = Client::new();
    c.get("/fapi/v2/balance", &[]).ok();
    // Tampering after signing.
    let mut req = c.build(
        Method::Get,
        "/fapi/v2/balance",
        &[("recvWindow", "5000")],
        c.now,
    );
    req.query = req.query.replace("recvWindow=5000", "recvWindow=6000");
    c.raw(&req).err(400, -1022);
    // Wrong secret.
    c.secret = "wrong".into();
    c.get("/fapi/v2/balance", &[]).err(400, -1022);
    c.secret = DEV_API_SECRET.into();
    // Unknown key, no key.
    c.key = "someone-else".into();
    let a = c.get("/fapi/v2/balance", &[]).err(401, -2015);
    assert_eq!(a.msg(), "Invalid API-key, IP, or permissions for action.");
    let mut req = c.build(Method::Get, "/fapi/v2/balance", &[], c.now);
    req.headers.clear();
    c.raw(&req).err(401, -2014);
    c.key = DEV_API_KEY.into();
    // No signature.
    let mut req = HttpRequest::new(Method::Get, "/fapi/v2/balance");
    req.query = format!("timestamp={}", c.now);
    req.headers
        .push(("X-MBX-APIKEY".into(), DEV_API_KEY.into()));
    let a = c.raw(&req).err(400, -1102);
    assert!(a.msg().contains("'signature'"), "{}", a.msg());
    // Public endpoints need nothing.
    c.public("/fapi/v1/time", "").ok();
    // Signature is case-insensitive hex.
    let mut req = c.build(Method::Get, "/fapi/v2/balance", &[], c.now);
    let (head, sig) = req.query.split_once("signature=").unwrap();
    req.query = format!("{head}signature={}", sig.to_uppercase());
    c.raw(&req).ok();
}

#[test]
fn query_wins_over_body_and_duplicates_are_refused() {
    let mut c = Client::new();
    // symbol in the query and in the body: the query's is used (both signed).
    let mut req = HttpRequest::new(Method::Post, "/fapi/v1/order");
    let query = "symbol=BTCUSDT".to_string();
    let body = format!(
        "symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.01&newOrderRespType=RESULT&timestamp={}",
        c.now
    );
    let sig = hmac_sha256_hex(
        DEV_API_SECRET.as_bytes(),
        format!("{query}{body}").as_bytes(),
    );
    req.query = query;
    req.body = format!("{body}&signature={sig}");
    req.headers
        .push(("X-MBX-APIKEY".into(), DEV_API_KEY.into()));
    let a = c.raw(&req).ok();
    assert_eq!(a.s("symbol"), "BTCUSDT");
    assert_eq!(a.s("executedQty"), "0.010");
    // The same name twice in one place.
    c.get(
        "/fapi/v1/openOrders",
        &[("symbol", "BTCUSDT"), ("symbol", "ETHUSDT")],
    )
    .err(400, -1101);
}

#[test]
fn timestamp_and_recv_window() {
    let mut c = Client::new();
    let now = c.now;
    let at = |c: &mut Client, ts: i64, extra: &[(&str, &str)], path: &str| {
        let req = c.build(Method::Get, path, extra, ts);
        c.raw(&req)
    };
    at(&mut c, now - 4_999, &[], "/fapi/v2/balance").ok();
    let a = at(&mut c, now - 5_001, &[], "/fapi/v2/balance").err(400, -1021);
    assert_eq!(
        a.msg(),
        "Timestamp for this request is outside of the recvWindow."
    );
    at(
        &mut c,
        now - 5_001,
        &[("recvWindow", "10000")],
        "/fapi/v2/balance",
    )
    .ok();
    at(&mut c, now + 999, &[], "/fapi/v2/balance").ok();
    let a = at(&mut c, now + 1_000, &[], "/fapi/v2/balance").err(400, -1021);
    assert!(a.msg().contains("ahead of the server's time"));
    // Spot: recvWindow at most 60000 (futures has no maximum); microsecond timestamps.
    at(&mut c, now, &[("recvWindow", "70000")], "/api/v3/account").err(400, -1131);
    at(&mut c, now, &[("recvWindow", "70000")], "/fapi/v2/account").ok();
    at(
        &mut c,
        now,
        &[("recvWindow", "6000.346")],
        "/api/v3/account",
    )
    .ok();
    let req = c.build(
        Method::Get,
        "/api/v3/account",
        &[("timestamp", &(now * 1000).to_string())],
        now,
    );
    c.raw(&req).ok();
}

#[test]
fn clock_skew_fault_moves_the_exchange_clock() {
    let mut c = Client::new();
    c.ex.faults_mut().clock_skew_ms = -2_000;
    // The client's clock is 2 s ahead of the exchange's.
    let a = c.get("/fapi/v2/balance", &[]).err(400, -1021);
    assert!(a.msg().contains("ahead"));
    let t = c.public("/fapi/v1/time", "").ok();
    assert_eq!(t.body["serverTime"].as_i64(), Some(T0 - 2_000));
    c.ex.faults_mut().clock_skew_ms = 6_000;
    c.get("/fapi/v2/balance", &[]).err(400, -1021);
    c.ex.faults_mut().clock_skew_ms = 0;
    c.get("/fapi/v2/balance", &[]).ok();
}

// ----- filters ----------------------------------------------------------------------------

#[test]
fn futures_filters_give_binance_codes() {
    let mut rules = MarketRules::defaults();
    rules.0.insert(
        Symbol::parse("BTC/USDT").unwrap(),
        SymbolRules {
            min_qty: d("0.005"),
            max_qty: d("100"),
            step_size: d("0.005"),
            tick_size: d("0.5"),
            min_notional: d("100"),
            ..SymbolRules::default()
        },
    );
    let mut c = Client::with(ExchangeConfig {
        futures_rules: rules,
        ..ExchangeConfig::default()
    });
    let limit = |c: &mut Client, qty: &str, price: &str| {
        c.post(
            "/fapi/v1/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", qty),
                ("price", price),
            ],
        )
    };
    limit(&mut c, "0.006", "40000").err(400, -4023);
    let a = limit(&mut c, "0.010", "40000.5").ok();
    assert_eq!(a.s("status"), "NEW");
    let a = limit(&mut c, "0.010", "40000.3").err(400, -4014);
    assert_eq!(a.msg(), "Price not increased by tick size.");
    limit(&mut c, "0.0101", "40000").err(400, -1111);
    limit(&mut c, "0.010", "40000.25").err(400, -1111);
    limit(&mut c, "0.000", "40000").err(400, -4003);
    limit(&mut c, "200", "40000").err(400, -4005);
    let a = limit(&mut c, "0.005", "10000").err(400, -4164);
    assert_eq!(
        a.msg(),
        "Order's notional must be no smaller than 100 (unless you choose reduce only)."
    );
    limit(&mut c, "1e-3", "40000").err(400, -1100);
    c.post(
        "/fapi/v1/order",
        &[
            ("symbol", "NOPEUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "1"),
        ],
    )
    .err(400, -1121);
    c.post(
        "/fapi/v1/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "UP"),
            ("type", "MARKET"),
            ("quantity", "1"),
        ],
    )
    .err(400, -1117);
    c.post(
        "/fapi/v1/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "ICEBERG"),
            ("quantity", "1"),
        ],
    )
    .err(400, -1116);
    c.post(
        "/fapi/v1/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("quantity", "0.01"),
            ("price", "40000"),
        ],
    )
    .err(400, -1102);
    c.post(
        "/fapi/v1/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "0.01"),
            ("positionSide", "LONG"),
        ],
    )
    .err(400, -4061);
    // Conditional types moved to the Algo endpoints.
    let a = c
        .post(
            "/fapi/v1/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "SELL"),
                ("type", "STOP_MARKET"),
                ("stopPrice", "40000"),
                ("closePosition", "true"),
            ],
        )
        .err(400, -4120);
    assert_eq!(a.msg(), "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.");
}

#[test]
fn spot_filters_give_filter_failures() {
    let mut c = Client::new();
    let order = |c: &mut Client, ty: &str, qty: &str, price: Option<&str>| {
        let mut p = vec![
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", ty),
            ("quantity", qty),
        ];
        if let Some(px) = price {
            p.push(("price", px));
            p.push(("timeInForce", "GTC"));
        }
        c.post("/api/v3/order", &p)
    };
    let a = order(&mut c, "LIMIT", "0.000015", Some("40000")).err(400, -1013);
    assert_eq!(a.msg(), "Filter failure: LOT_SIZE");
    let a = order(&mut c, "MARKET", "0.000015", None).err(400, -1013);
    assert_eq!(a.msg(), "Filter failure: MARKET_LOT_SIZE");
    let a = order(&mut c, "LIMIT", "0.001", Some("40000.001")).err(400, -1013);
    assert_eq!(a.msg(), "Filter failure: PRICE_FILTER");
    let a = order(&mut c, "LIMIT", "0.0001", Some("40000")).err(400, -1013);
    assert_eq!(a.msg(), "Filter failure: NOTIONAL");
    let a = order(&mut c, "LIMIT", "0.000000001", Some("40000")).err(400, -1111);
    assert_eq!(a.msg(), "Parameter 'quantity' has too much precision.");
    let a = order(&mut c, "LIMIT", "1", Some("40000")).err(400, -2010);
    assert_eq!(
        a.msg(),
        "Account has insufficient balance for requested action."
    );
    let a = c
        .post(
            "/api/v3/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "LIMIT_MAKER"),
                ("quantity", "0.01"),
                ("price", "50001"),
            ],
        )
        .err(400, -2010);
    assert_eq!(a.msg(), "Order would immediately match and take.");
    let a = c
        .post(
            "/api/v3/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "SELL"),
                ("type", "STOP_LOSS"),
                ("quantity", "0.01"),
                ("stopPrice", "51000"),
            ],
        )
        .err(400, -2010);
    assert_eq!(a.msg(), "Order would trigger immediately.");
}

// ----- futures: margin, leverage, positions -----------------------------------------------

#[test]
fn futures_market_round_trip_books_fees_and_pnl_exactly() {
    let mut c = Client::new();
    let l = c
        .post(
            "/fapi/v1/leverage",
            &[("symbol", "BTCUSDT"), ("leverage", "10")],
        )
        .ok();
    assert_eq!(l.body["leverage"], 10);
    assert_eq!(l.s("maxNotionalValue"), "100000000");
    c.post(
        "/fapi/v1/leverage",
        &[("symbol", "BTCUSDT"), ("leverage", "126")],
    )
    .err(400, -4028);
    c.post(
        "/fapi/v1/leverage",
        &[("symbol", "BTCUSDT"), ("leverage", "0")],
    )
    .err(400, -4028);

    let o = c.fut_market("BUY", "0.100").ok();
    assert_eq!(o.s("status"), "FILLED");
    assert_eq!(o.s("avgPrice"), "50000.00000");
    assert_eq!(o.s("cumQuote"), "5000.0000");
    let p = c.position();
    assert_eq!(p["positionAmt"], "0.100");
    assert_eq!(p["entryPrice"], "50000.0000000");
    assert_eq!(p["leverage"], "10");
    assert_eq!(p["isolatedWallet"], "500.00000000");
    assert_eq!(p["marginType"], "isolated");
    // taker fee 0.05% of 5000 = 2.5; margin 500 held.
    let b = c.usdt();
    assert_eq!(b["balance"], "9997.50000000");
    assert_eq!(b["availableBalance"], "9497.50000000");
    // Leverage is locked while the position is open (isolated accounting).
    c.post(
        "/fapi/v1/leverage",
        &[("symbol", "BTCUSDT"), ("leverage", "5")],
    )
    .err(400, -4161);

    c.price("BTCUSDT", "51000");
    let p = c.position();
    assert_eq!(p["unRealizedProfit"], "100.00000000");
    assert_eq!(p["notional"], "5100.00000000");
    let acct = c.get("/fapi/v3/account", &[]).ok();
    assert_eq!(acct.s("totalUnrealizedProfit"), "100.00000000");
    assert_eq!(acct.s("totalMarginBalance"), "10097.50000000");
    assert_eq!(acct.body["positions"].as_array().unwrap().len(), 1);

    let o = c.fut_market("SELL", "0.100").ok();
    assert_eq!(o.s("status"), "FILLED");
    // +100 realized, fee 0.05% of 5100 = 2.55.
    assert_eq!(c.usdt()["balance"], "10094.95000000");
    assert_eq!(c.position()["positionAmt"], "0.000");
    let v3 = c.get("/fapi/v3/positionRisk", &[]).ok();
    assert_eq!(
        v3.body.as_array().unwrap().len(),
        0,
        "v3 lists only open positions"
    );
    let trades = c.get("/fapi/v1/userTrades", &[("symbol", "BTCUSDT")]).ok();
    let t = trades.body.as_array().unwrap();
    assert_eq!(t.len(), 2);
    assert_eq!(t[1]["realizedPnl"], "100.00000000");
    assert_eq!(t[1]["commission"], "2.55000000");
}

#[test]
fn insufficient_margin_and_reduce_only() {
    let mut c = Client::new();
    // 20x default: 5 BTC × 50000 / 20 = 12500 > 10000.
    let a = c.fut_market("BUY", "5.000").err(400, -2019);
    assert_eq!(a.msg(), "Margin is insufficient.");
    let a = c
        .post(
            "/fapi/v1/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "SELL"),
                ("type", "MARKET"),
                ("quantity", "0.010"),
                ("reduceOnly", "true"),
            ],
        )
        .err(400, -2022);
    assert_eq!(a.msg(), "ReduceOnly Order is rejected.");
    c.fut_market("BUY", "0.010").ok();
    // Reduce-only is exempt from MIN_NOTIONAL (0.001 × 50000 = 50 < 100).
    c.post(
        "/fapi/v1/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "MARKET"),
            ("quantity", "0.001"),
            ("reduceOnly", "true"),
        ],
    )
    .ok();
    assert_eq!(c.position()["positionAmt"], "0.009");
    assert_eq!(
        c.ex.requests().iter().filter(|r| r.status == 400).count(),
        2
    );
}

#[test]
fn resting_limit_reserves_margin_and_fills_as_maker() {
    let mut c = Client::new();
    let o = c
        .post(
            "/fapi/v1/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "0.100"),
                ("price", "49000"),
                ("newClientOrderId", "rest-1"),
            ],
        )
        .ok();
    let id = o.body["orderId"].as_u64().unwrap().to_string();
    assert_eq!(o.s("status"), "NEW");
    // 4900 / 20 = 245 margin + maker fee 0.98 reserved.
    assert_eq!(c.usdt()["availableBalance"], "9754.02000000");
    let open = c.get("/fapi/v1/openOrders", &[("symbol", "BTCUSDT")]).ok();
    assert_eq!(open.body.as_array().unwrap().len(), 1);
    assert_eq!(open.body[0]["clientOrderId"], "rest-1");
    c.price("BTCUSDT", "49500");
    assert_eq!(
        c.get("/fapi/v1/order", &[("symbol", "BTCUSDT"), ("orderId", &id)])
            .ok()
            .s("status"),
        "NEW"
    );
    c.price("BTCUSDT", "48900");
    let q = c
        .get(
            "/fapi/v1/order",
            &[("symbol", "BTCUSDT"), ("origClientOrderId", "rest-1")],
        )
        .ok();
    assert_eq!(q.s("status"), "FILLED");
    assert_eq!(q.s("avgPrice"), "49000.00000");
    assert_eq!(q.body["time"].as_i64(), Some(T0));
    assert_eq!(c.position()["entryPrice"], "49000.0000000");
    assert_eq!(c.usdt()["balance"], "9999.02000000");
    // Cancel semantics: filled orders are unknown to DELETE.
    let a = c
        .delete("/fapi/v1/order", &[("symbol", "BTCUSDT"), ("orderId", &id)])
        .err(400, -2011);
    assert_eq!(a.msg(), "Unknown order sent.");
    let a = c
        .get(
            "/fapi/v1/order",
            &[("symbol", "BTCUSDT"), ("orderId", "999999")],
        )
        .err(400, -2013);
    assert_eq!(a.msg(), "Order does not exist.");
    // Cancel a resting order releases its reservation exactly.
    let o = c
        .post(
            "/fapi/v1/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "SELL"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "0.500"),
                ("price", "60000"),
            ],
        )
        .ok();
    let before = c.usdt()["availableBalance"].clone();
    let id = o.body["orderId"].as_u64().unwrap().to_string();
    let cxl = c
        .delete("/fapi/v1/order", &[("symbol", "BTCUSDT"), ("orderId", &id)])
        .ok();
    assert_eq!(cxl.s("status"), "CANCELED");
    assert_ne!(c.usdt()["availableBalance"], before);
    assert_eq!(c.usdt()["availableBalance"], "9754.02000000");
    // allOpenOrders.
    c.post(
        "/fapi/v1/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.003"),
            ("price", "45000"),
        ],
    )
    .ok();
    let a = c
        .delete("/fapi/v1/allOpenOrders", &[("symbol", "BTCUSDT")])
        .ok();
    assert_eq!(a.body["code"], 200);
    assert_eq!(
        c.get("/fapi/v1/openOrders", &[])
            .ok()
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn time_in_force_variants() {
    let mut c = Client::new();
    let lim = |c: &mut Client, tif: &str, price: &str| {
        c.post(
            "/fapi/v1/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", tif),
                ("quantity", "0.010"),
                ("price", price),
                ("newOrderRespType", "RESULT"),
            ],
        )
    };
    assert_eq!(lim(&mut c, "IOC", "49000").ok().s("status"), "EXPIRED");
    assert_eq!(lim(&mut c, "FOK", "49000").ok().s("status"), "EXPIRED");
    lim(&mut c, "GTX", "50100").err(400, -5022);
    assert_eq!(lim(&mut c, "GTX", "49000").ok().s("status"), "NEW");
    let a = lim(&mut c, "IOC", "50100").ok();
    assert_eq!((a.s("status"), a.s("avgPrice")), ("FILLED", "50000.00000"));
    lim(&mut c, "DAY", "50100").err(400, -1115);
}

#[test]
fn liquidation_on_price_update() {
    let mut c = Client::new();
    c.fut_market("BUY", "1.000").ok();
    let p = c.position();
    let liq = d(p["liquidationPrice"].as_str().unwrap());
    assert!(liq > d("47000") && liq < d("48500"), "{liq}");
    assert_eq!(c.usdt()["balance"], "9975.00000000");
    c.price("BTCUSDT", "47000");
    assert_eq!(c.position()["positionAmt"], "0.000");
    // The whole isolated margin (2500) is lost.
    assert_eq!(c.usdt()["balance"], "7475.00000000");
}

#[test]
fn algo_stop_loss_and_take_profit_fire_on_price() {
    let mut c = Client::new();
    c.fut_market("BUY", "0.100").ok();
    let algo = |c: &mut Client, ty: &str, trig: &str, extra: &[(&str, &str)]| {
        let mut p = vec![
            ("algoType", "CONDITIONAL"),
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", ty),
            ("triggerPrice", trig),
        ];
        p.extend_from_slice(extra);
        c.post("/fapi/v1/algoOrder", &p)
    };
    let a = algo(&mut c, "STOP_MARKET", "51000", &[("closePosition", "true")]).err(400, -2021);
    assert_eq!(a.msg(), "Order would immediately trigger.");
    algo(
        &mut c,
        "STOP_MARKET",
        "49000",
        &[("closePosition", "true"), ("quantity", "0.1")],
    )
    .err(400, -1106);
    let sl = algo(
        &mut c,
        "STOP_MARKET",
        "49000",
        &[("closePosition", "true"), ("clientAlgoId", "sl-1")],
    )
    .ok();
    assert_eq!(
        (sl.s("algoStatus"), sl.s("orderType"), sl.s("triggerPrice")),
        ("NEW", "STOP_MARKET", "49000.0")
    );
    let tp = algo(
        &mut c,
        "TAKE_PROFIT_MARKET",
        "55000",
        &[("quantity", "0.050"), ("reduceOnly", "true")],
    )
    .ok();
    let tp_id = tp.body["algoId"].as_u64().unwrap().to_string();
    let open = c
        .get("/fapi/v1/openAlgoOrders", &[("symbol", "BTCUSDT")])
        .ok();
    assert_eq!(open.body.as_array().unwrap().len(), 2);
    // Algo orders are not regular open orders.
    assert_eq!(
        c.get("/fapi/v1/openOrders", &[])
            .ok()
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );

    c.price("BTCUSDT", "56000");
    assert_eq!(c.position()["positionAmt"], "0.050");
    let q = c.get("/fapi/v1/algoOrder", &[("algoId", &tp_id)]).ok();
    assert_eq!(q.s("algoStatus"), "FINISHED");
    let actual = q.s("actualOrderId").to_string();
    let o = c
        .get(
            "/fapi/v1/order",
            &[("symbol", "BTCUSDT"), ("orderId", &actual)],
        )
        .ok();
    assert_eq!(
        (o.s("status"), o.s("origType"), o.s("executedQty")),
        ("FILLED", "TAKE_PROFIT_MARKET", "0.050")
    );
    assert!(o.body["reduceOnly"].as_bool().unwrap());

    c.price("BTCUSDT", "48000");
    assert_eq!(c.position()["positionAmt"], "0.000");
    let q = c
        .get("/fapi/v1/algoOrder", &[("clientAlgoId", "sl-1")])
        .ok();
    assert_eq!(q.s("algoStatus"), "FINISHED");
    assert!(q.body["triggerTime"].as_i64().unwrap() > 0);
    // Wallet: -2.5 open fee; TP: +300 - 1.4 fee; SL at 48000: -100 - 1.2 fee.
    assert_eq!(c.usdt()["balance"], "10194.90000000");

    // Cancelling: unknown and already-finished algo orders.
    let o = algo(
        &mut c,
        "STOP_MARKET",
        "40000",
        &[("quantity", "0.010"), ("reduceOnly", "true")],
    )
    .ok();
    let id = o.body["algoId"].as_u64().unwrap().to_string();
    let x = c.delete("/fapi/v1/algoOrder", &[("algoId", &id)]).ok();
    assert_eq!((x.s("code"), x.s("msg")), ("200", "success"));
    c.delete("/fapi/v1/algoOrder", &[("algoId", &id)])
        .err(400, -2011);
    c.get("/fapi/v1/algoOrder", &[("algoId", "424242")])
        .err(400, -2013);
    algo(&mut c, "STOP_MARKET", "40000", &[("closePosition", "true")]).ok();
    c.delete("/fapi/v1/algoOpenOrders", &[("symbol", "BTCUSDT")])
        .ok();
    assert_eq!(
        c.get("/fapi/v1/openAlgoOrders", &[])
            .ok()
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // A close-position stop with nothing to close expires when triggered.
    let o = algo(&mut c, "STOP_MARKET", "47000", &[("closePosition", "true")]).ok();
    let id = o.body["algoId"].as_u64().unwrap().to_string();
    c.price("BTCUSDT", "46000");
    assert_eq!(
        c.get("/fapi/v1/algoOrder", &[("algoId", &id)])
            .ok()
            .s("algoStatus"),
        "EXPIRED"
    );
}

#[test]
fn margin_type_and_brackets() {
    let mut c = Client::new();
    c.post(
        "/fapi/v1/marginType",
        &[("symbol", "BTCUSDT"), ("marginType", "ISOLATED")],
    )
    .err(400, -4046);
    c.post(
        "/fapi/v1/marginType",
        &[("symbol", "BTCUSDT"), ("marginType", "CROSSED")],
    )
    .ok();
    assert_eq!(c.position()["marginType"], "cross");
    c.fut_market("BUY", "0.010").ok();
    c.post(
        "/fapi/v1/marginType",
        &[("symbol", "BTCUSDT"), ("marginType", "ISOLATED")],
    )
    .err(400, -4048);
    let b = c
        .get("/fapi/v1/leverageBracket", &[("symbol", "BTCUSDT")])
        .ok();
    assert_eq!(b.body["brackets"][0]["initialLeverage"], 125);
    assert_eq!(b.body["brackets"][1]["cum"].as_f64(), Some(50.0));
    let all = c.get("/fapi/v1/leverageBracket", &[]).ok();
    assert_eq!(all.body.as_array().unwrap().len(), 5);
}

// ----- client order ids (reliability F2) ----------------------------------------------------

#[test]
fn client_order_id_is_unique_among_open_orders_only() {
    let mut c = Client::new();
    let mk = |c: &mut Client| {
        c.post(
            "/fapi/v1/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "MARKET"),
                ("quantity", "0.010"),
                ("newClientOrderId", "intent-1"),
                ("newOrderRespType", "RESULT"),
            ],
        )
    };
    let first = mk(&mut c).ok();
    // A naive retry with the same id after the first filled: accepted as a SECOND order.
    let second = mk(&mut c).ok();
    assert_ne!(first.body["orderId"], second.body["orderId"]);
    assert_eq!(c.position()["positionAmt"], "0.020");
    assert_eq!(c.posts("/fapi/v1/order"), 2);
    // Query by client id finds the latest.
    let q = c
        .get(
            "/fapi/v1/order",
            &[("symbol", "BTCUSDT"), ("origClientOrderId", "intent-1")],
        )
        .ok();
    assert_eq!(q.body["orderId"], second.body["orderId"]);
    // While an order with the id is open, the id is refused.
    let rest = |c: &mut Client| {
        c.post(
            "/fapi/v1/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "0.010"),
                ("price", "40000"),
                ("newClientOrderId", "intent-2"),
            ],
        )
    };
    rest(&mut c).ok();
    let a = rest(&mut c).err(400, -4116);
    assert_eq!(a.msg(), "ClientOrderId is duplicated.");
    c.post(
        "/fapi/v1/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "0.010"),
            ("newClientOrderId", "bad id!"),
        ],
    )
    .err(400, -4015);
    // Spot: same rule, spot's code.
    let sp = |c: &mut Client, ty: &str| {
        let mut p = vec![
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", ty),
            ("quantity", "0.01"),
            ("newClientOrderId", "s-1"),
        ];
        if ty == "LIMIT" {
            p.extend([("price", "40000"), ("timeInForce", "GTC")]);
        }
        c.post("/api/v3/order", &p)
    };
    sp(&mut c, "MARKET").ok();
    sp(&mut c, "MARKET").ok();
    sp(&mut c, "LIMIT").ok();
    let a = sp(&mut c, "LIMIT").err(400, -2010);
    assert_eq!(a.msg(), "Duplicate order sent.");
}

// ----- spot ---------------------------------------------------------------------------------

#[test]
fn spot_orders_move_balances_with_commission_in_the_received_asset() {
    let mut c = Client::new();
    let o = c
        .post(
            "/api/v3/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "MARKET"),
                ("quantity", "0.1"),
            ],
        )
        .ok();
    assert_eq!(o.s("status"), "FILLED");
    assert_eq!(o.body["fills"][0]["commission"], "0.00010000");
    assert_eq!(o.body["fills"][0]["commissionAsset"], "BTC");
    assert_eq!(
        c.spot_balance("USDT"),
        ("5000.00000000".into(), "0.00000000".into())
    );
    assert_eq!(c.spot_balance("BTC").0, "1.09990000");
    // Commission rates in basis points, as JSON numbers (0.1 % = 10).
    let acct = c.get("/api/v3/account", &[]).ok();
    assert_eq!(acct.body["makerCommission"], 10);
    assert_eq!(acct.body["takerCommission"], 10);
    // Resting sell locks base, fills as maker at its price.
    let o = c
        .post(
            "/api/v3/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "SELL"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "0.5"),
                ("price", "51000"),
            ],
        )
        .ok();
    assert_eq!(o.s("status"), "NEW");
    assert!(o.body["fills"].as_array().unwrap().is_empty());
    assert_eq!(
        c.spot_balance("BTC"),
        ("0.59990000".into(), "0.50000000".into())
    );
    let open = c.get("/api/v3/openOrders", &[("symbol", "BTCUSDT")]).ok();
    assert_eq!(open.body[0]["isWorking"], true);
    c.price("BTCUSDT", "51000");
    assert_eq!(
        c.spot_balance("BTC"),
        ("0.59990000".into(), "0.00000000".into())
    );
    // 25500 − 0.1% = 25474.5
    assert_eq!(c.spot_balance("USDT").0, "30474.50000000");
    let id = o.body["orderId"].as_u64().unwrap().to_string();
    let q = c
        .get("/api/v3/order", &[("symbol", "BTCUSDT"), ("orderId", &id)])
        .ok();
    assert_eq!(
        (q.s("status"), q.s("cummulativeQuoteQty")),
        ("FILLED", "25500.00000000")
    );
    // quoteOrderQty market buy, cancel of a resting buy releases the quote.
    let o = c
        .post(
            "/api/v3/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "MARKET"),
                ("quoteOrderQty", "1020"),
            ],
        )
        .ok();
    assert_eq!(
        (o.s("executedQty"), o.s("cummulativeQuoteQty")),
        ("0.02000000", "1020.00000000")
    );
    let r = c
        .post(
            "/api/v3/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "0.1"),
                ("price", "40000"),
                ("newClientOrderId", "buy-low"),
            ],
        )
        .ok();
    assert_eq!(
        c.spot_balance("USDT"),
        ("25454.50000000".into(), "4000.00000000".into())
    );
    let x = c
        .delete(
            "/api/v3/order",
            &[("symbol", "BTCUSDT"), ("origClientOrderId", "buy-low")],
        )
        .ok();
    assert_eq!(
        (x.s("status"), x.s("origClientOrderId")),
        ("CANCELED", "buy-low")
    );
    assert_eq!(
        c.spot_balance("USDT"),
        ("29454.50000000".into(), "0.00000000".into())
    );
    let id = r.body["orderId"].as_u64().unwrap().to_string();
    c.delete("/api/v3/order", &[("symbol", "BTCUSDT"), ("orderId", &id)])
        .err(400, -2011);
    c.delete("/api/v3/openOrders", &[("symbol", "BTCUSDT")])
        .err(400, -2011);
    // Stop-loss sell triggers on the way down.
    c.post(
        "/api/v3/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "STOP_LOSS"),
            ("quantity", "0.1"),
            ("stopPrice", "50000"),
        ],
    )
    .ok();
    assert_eq!(c.spot_balance("BTC").1, "0.10000000");
    c.price("BTCUSDT", "49900");
    assert_eq!(c.spot_balance("BTC").1, "0.00000000");
    let trades = c.get("/api/v3/myTrades", &[("symbol", "BTCUSDT")]).ok();
    assert_eq!(trades.body.as_array().unwrap().len(), 4);
    let acct = c
        .get("/api/v3/account", &[("omitZeroBalances", "true")])
        .ok();
    assert_eq!(acct.body["balances"].as_array().unwrap().len(), 2);
}

// ----- weights, limits -------------------------------------------------------------------

#[test]
fn weight_headers_429_then_418() {
    let mut c = Client::with(ExchangeConfig {
        futures_weight_limit: 10,
        ban_after: 2,
        ..ExchangeConfig::default()
    });
    c.now = 1_699_999_990_000; // 10 s into a minute
    let a = c.get("/fapi/v2/account", &[]).ok();
    assert_eq!(a.header("X-MBX-USED-WEIGHT-1M"), Some("5"));
    let a = c.get("/fapi/v2/account", &[]).ok();
    assert_eq!(a.header("x-mbx-used-weight-1m"), Some("10"));
    let a = c.get("/fapi/v2/account", &[]).err(429, -1003);
    assert_eq!(a.header("Retry-After"), Some("50"));
    assert!(a
        .msg()
        .starts_with("Too many requests; current limit is 10 requests per minute."));
    c.get("/fapi/v2/account", &[]).err(429, -1003);
    let a = c.get("/fapi/v2/account", &[]).err(418, -1003);
    assert_eq!(a.header("Retry-After"), Some("120"));
    // Banned: even public calls, even after the minute turns.
    c.now += 60_000;
    let a = c.public("/fapi/v1/time", "").err(418, -1003);
    assert_eq!(a.header("Retry-After"), Some("60"));
    // Spot has its own budget, but the ban is per IP.
    c.public("/api/v3/time", "").err(418, -1003);
    c.now += 60_000;
    let a = c.public("/fapi/v1/time", "").ok();
    assert_eq!(a.header("X-MBX-USED-WEIGHT-1M"), Some("1"));
    // Another IP is not affected by a ban.
    let mut c2 = Client::with(ExchangeConfig {
        futures_weight_limit: 1,
        ban_after: 0,
        ..ExchangeConfig::default()
    });
    c2.public("/fapi/v1/time", "").ok();
    c2.public("/fapi/v1/time", "").err(418, -1003);
    let mut req = HttpRequest::new(Method::Get, "/fapi/v1/time");
    req.headers
        .push(("x-iftb-remote-addr".into(), "10.0.0.2".into()));
    assert_eq!(c2.raw(&req).status, 200);
}

#[test]
fn order_count_headers_and_limit() {
    let mut c = Client::with(ExchangeConfig {
        futures_order_limits: (2, 100),
        ..ExchangeConfig::default()
    });
    let a = c.fut_market("BUY", "0.010").ok();
    assert_eq!(a.header("X-MBX-ORDER-COUNT-10S"), Some("1"));
    assert_eq!(a.header("X-MBX-ORDER-COUNT-1M"), Some("1"));
    assert_eq!(
        a.header("X-MBX-USED-WEIGHT-1M"),
        Some("0"),
        "order placement has IP weight 0"
    );
    c.fut_market("BUY", "0.010").ok();
    let a = c.fut_market("BUY", "0.010").err(429, -1015);
    assert_eq!(
        a.msg(),
        "Too many new orders; current limit is 2 orders per TEN_SECONDS."
    );
    c.now += 10_000;
    let a = c.fut_market("BUY", "0.010").ok();
    assert_eq!(a.header("X-MBX-ORDER-COUNT-10S"), Some("1"));
    assert_eq!(a.header("X-MBX-ORDER-COUNT-1M"), Some("3"));
    let s = c
        .post(
            "/api/v3/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "MARKET"),
                ("quantity", "0.01"),
            ],
        )
        .ok();
    assert_eq!(s.header("X-MBX-ORDER-COUNT-1D"), Some("1"));
    assert_eq!(s.header("X-MBX-USED-WEIGHT-1M"), Some("1"));
    // Weight of all-symbol reads.
    let a = c.get("/fapi/v1/openOrders", &[]).ok();
    assert_eq!(a.header("X-MBX-USED-WEIGHT-1M"), Some("40"));
}

#[test]
fn unknown_endpoints_are_404_and_logged_without_signature() {
    let mut c = Client::new();
    let a = c.get("/sapi/v1/capital/withdraw/apply", &[("coin", "BTC")]);
    assert_eq!(a.status, 404);
    assert_eq!(a.code(), Some(-1000));
    let a = c.public("/FAPI/v1/time", "");
    assert_eq!(a.status, 404);
    let log = c.ex.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].param("coin"), Some("BTC"));
    assert!(log[0].param("signature").is_none());
    assert!(log[0].param("timestamp").is_some());
}

// ----- faults -------------------------------------------------------------------------------

#[test]
fn error_after_accept_executes_then_answers_503() {
    let mut c = Client::new();
    c.ex.faults_mut().error_after_accept = 1;
    let a = c
        .post(
            "/fapi/v1/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "MARKET"),
                ("quantity", "0.010"),
                ("newClientOrderId", "amb-1"),
            ],
        )
        .err(503, -1007);
    assert!(a.msg().contains("execution status unknown"));
    // It was executed: the query by client id finds it.
    let q = c
        .get(
            "/fapi/v1/order",
            &[("symbol", "BTCUSDT"), ("origClientOrderId", "amb-1")],
        )
        .ok();
    assert_eq!(q.s("status"), "FILLED");
    assert_eq!(c.position()["positionAmt"], "0.010");
    assert_eq!(c.ex.faults().error_after_accept, 0);
    c.fut_market("BUY", "0.010").ok();
    // Rejected placements do not use up the switch.
    c.ex.faults_mut().error_after_accept = 1;
    c.fut_market("BUY", "9.000").err(400, -2019);
    assert_eq!(c.ex.faults().error_after_accept, 1);
    c.ex.faults_mut().error_status = 502;
    c.post(
        "/api/v3/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "0.01"),
        ],
    )
    .err(502, -1007);
    assert_eq!(c.spot_balance("BTC").0, "1.00999000");
}

#[test]
fn drop_after_accept_executes_and_drops() {
    let mut c = Client::new();
    c.ex.faults_mut().drop_after_accept = 1;
    c.ex.faults_mut().latency_ms = 250;
    let a = c.post(
        "/fapi/v1/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "0.010"),
            ("newClientOrderId", "lost-1"),
        ],
    );
    assert!(a.h.drop_response);
    assert_eq!(a.h.delay_ms, 250);
    let q = c
        .get(
            "/fapi/v1/order",
            &[("symbol", "BTCUSDT"), ("origClientOrderId", "lost-1")],
        )
        .ok();
    assert_eq!(q.s("status"), "FILLED");
    assert!(!q.h.drop_response);
    let log = c.ex.requests();
    assert!(log[0].dropped && log[0].status == 200);
    assert_eq!(c.posts("/fapi/v1/order"), 1);
}

#[test]
fn injected_rate_limit_and_ban() {
    let mut c = Client::new();
    c.ex.faults_mut().rate_limit_next = 2;
    c.ex.faults_mut().retry_after_s = 7;
    for _ in 0..2 {
        let a = c.public("/fapi/v1/ping", "").err(429, -1003);
        assert_eq!(a.header("Retry-After"), Some("7"));
        assert!(a.header("X-MBX-USED-WEIGHT-1M").is_some());
    }
    c.public("/fapi/v1/ping", "").ok();
    c.ex.faults_mut().ban_next = 1;
    let a = c.fut_market("BUY", "0.010").err(418, -1003);
    assert_eq!(a.header("Retry-After"), Some("7"));
    assert_eq!(
        c.position()["positionAmt"],
        "0.000",
        "a banned request is not executed"
    );
}

#[test]
fn partial_fills() {
    let mut c = Client::new();
    c.ex.faults_mut().partial_fill = Some(d("0.5"));
    // Market: half fills, the rest expires.
    let a = c.fut_market("BUY", "0.101").ok();
    assert_eq!(
        (a.s("status"), a.s("executedQty"), a.s("origQty")),
        ("EXPIRED", "0.050", "0.101")
    );
    // GTC limit that crosses: half now, the rest rests and fills on a later price.
    let a = c
        .post(
            "/fapi/v1/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "0.100"),
                ("price", "50000"),
                ("newOrderRespType", "RESULT"),
            ],
        )
        .ok();
    assert_eq!(
        (a.s("status"), a.s("executedQty")),
        ("PARTIALLY_FILLED", "0.050")
    );
    let id = a.body["orderId"].as_u64().unwrap().to_string();
    assert_eq!(
        c.get("/fapi/v1/openOrders", &[])
            .ok()
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    c.price("BTCUSDT", "49990");
    let q = c
        .get("/fapi/v1/order", &[("symbol", "BTCUSDT"), ("orderId", &id)])
        .ok();
    assert_eq!((q.s("status"), q.s("executedQty")), ("FILLED", "0.100"));
    assert_eq!(c.position()["positionAmt"], "0.150");
    // FOK cannot partially fill.
    c.post(
        "/fapi/v1/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "FOK"),
            ("quantity", "0.010"),
            ("price", "50000"),
        ],
    )
    .err(400, -5021);
    // Cancel a partially filled order: CANCELED keeps the fills.
    let a = c
        .post(
            "/fapi/v1/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "SELL"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "0.100"),
                ("price", "49000"),
                ("newOrderRespType", "RESULT"),
            ],
        )
        .ok();
    let id = a.body["orderId"].as_u64().unwrap().to_string();
    let x = c
        .delete("/fapi/v1/order", &[("symbol", "BTCUSDT"), ("orderId", &id)])
        .ok();
    assert_eq!((x.s("status"), x.s("executedQty")), ("CANCELED", "0.050"));
    assert_eq!(c.position()["positionAmt"], "0.100");
    // Spot market.
    let s = c
        .post(
            "/api/v3/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "SELL"),
                ("type", "MARKET"),
                ("quantity", "0.3"),
            ],
        )
        .ok();
    assert_eq!(
        (s.s("status"), s.s("executedQty")),
        ("EXPIRED", "0.15000000")
    );
    assert_eq!(c.spot_balance("BTC").0, "0.85000000");
}

#[test]
fn late_landing_hides_accepted_orders_for_a_while() {
    let mut c = Client::new();
    c.ex.faults_mut().late_landing_ms = 3_000;
    c.ex.faults_mut().drop_after_accept = 1;
    let a = c.post(
        "/fapi/v1/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "0.010"),
            ("newClientOrderId", "late-1"),
        ],
    );
    assert!(a.h.drop_response);
    let q = [("symbol", "BTCUSDT"), ("origClientOrderId", "late-1")];
    c.get("/fapi/v1/order", &q).err(400, -2013);
    c.delete("/fapi/v1/order", &q).err(400, -2011);
    c.now += 2_999;
    c.get("/fapi/v1/order", &q).err(400, -2013);
    c.now += 1;
    assert_eq!(c.get("/fapi/v1/order", &q).ok().s("status"), "FILLED");
    // Spot too.
    c.ex.faults_mut().drop_after_accept = 0;
    let a = c
        .post(
            "/api/v3/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "0.01"),
                ("price", "40000"),
            ],
        )
        .ok();
    let id = a.body["orderId"].as_u64().unwrap().to_string();
    c.get("/api/v3/order", &[("symbol", "BTCUSDT"), ("orderId", &id)])
        .err(400, -2013);
    assert_eq!(
        c.get("/api/v3/openOrders", &[])
            .ok()
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
    c.now += 3_000;
    assert_eq!(
        c.get("/api/v3/openOrders", &[])
            .ok()
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

// ----- misc ---------------------------------------------------------------------------------

#[test]
fn public_market_data() {
    let mut c = Client::new();
    let info = c.public("/fapi/v1/exchangeInfo", "").ok();
    let btc = info.body["symbols"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["symbol"] == "BTCUSDT")
        .unwrap()
        .clone();
    assert_eq!(btc["filters"][0]["tickSize"], "0.1");
    assert_eq!(btc["quantityPrecision"], 3);
    let t = c.public("/fapi/v1/ticker/price", "symbol=ETHUSDT").ok();
    assert_eq!(t.s("price"), "3000.00");
    let p = c.public("/fapi/v1/premiumIndex", "symbol=BTCUSDT").ok();
    assert_eq!(p.s("markPrice"), "50000.00");
    c.public("/fapi/v1/ticker/price", "symbol=NOPE")
        .err(400, -1121);
    let s = c.public("/api/v3/ticker/price", "").ok();
    assert_eq!(s.body.as_array().unwrap().len(), 5);
    let si = c.public("/api/v3/exchangeInfo", "").ok();
    assert_eq!(
        si.body["symbols"][0]["filters"][3]["filterType"],
        "NOTIONAL"
    );
    c.public("/api/v3/ping", "").ok();
    assert!(c.ex.set_price("NOPE", d("1"), T0).is_err());
    assert!(c.ex.set_price("BTC/USDT", d("0"), T0).is_err());
    c.ex.set_price("BTC/USDT", d("51234.5"), T0).unwrap();
    assert_eq!(c.ex.price("BTCUSDT"), Some(d("51234.5")));
}

#[test]
fn config_from_json() {
    let cfg = ExchangeConfig::from_json(&serde_json::json!({
        "apiKey": "k", "apiSecret": "s", "futuresBalance": 500, "spotBalances": {"USDT": "100"},
        "prices": {"BTCUSDT": 60000, "ETH/USDT": "2500.5"}, "takerFee": 0.0004
    }))
    .unwrap();
    assert_eq!(cfg.api_keys, vec![("k".to_string(), "s".to_string())]);
    assert_eq!(cfg.futures_balance, d("500"));
    assert_eq!(cfg.prices[&Symbol::parse("ETH/USDT").unwrap()], d("2500.5"));
    assert_eq!(cfg.futures_taker_fee, d("0.0004"));
    assert!(ExchangeConfig::from_json(&serde_json::json!({"apiKye": 1})).is_err());
    assert!(ExchangeConfig::from_json(&serde_json::json!({"apiKey": "k"})).is_err());
    assert!(ExchangeConfig::from_json(&serde_json::json!({"prices": {"BTCUSDT": "x"}})).is_err());
    let cfg = ExchangeConfig::from_json(&serde_json::json!({
        "futuresRules": {"DOGE/USDT": {"minQty": 1, "maxQty": 1000000, "stepSize": 1, "tickSize": "0.00001", "minNotional": 5}},
        "prices": {"DOGEUSDT": 0.1}
    }));
    let cfg = cfg.unwrap();
    let mut c = Client::with(cfg);
    let info = c.public("/fapi/v1/exchangeInfo", "").ok();
    assert_eq!(info.body["symbols"].as_array().unwrap().len(), 1);
    c.post(
        "/fapi/v1/order",
        &[
            ("symbol", "DOGEUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "100"),
        ],
    )
    .ok();
}

#[test]
fn same_requests_same_answers() {
    let run = || {
        let mut c = Client::new();
        let mut out = Vec::new();
        out.push(c.fut_market("BUY", "0.100").body);
        c.price("BTCUSDT", "50500");
        out.push(
            c.post(
                "/api/v3/order",
                &[
                    ("symbol", "BTCUSDT"),
                    ("side", "BUY"),
                    ("type", "MARKET"),
                    ("quantity", "0.01"),
                ],
            )
            .body,
        );
        out.push(c.get("/fapi/v2/account", &[]).body);
        out.push(c.get("/api/v3/account", &[]).body);
        out
    };
    assert_eq!(run(), run());
}
