//! Signing proxy, core level: reliability.md F1–F12 (the parts that are decisions, not I/O)
//! and D2 (the request parser never panics; canonicalisation is idempotent).
//! The same scenarios through real sockets: pkg-tests/proxy.test.mjs.

use iftb_core::binance::sign::{parse_form, verify_hmac_sha256_hex};
use iftb_core::binance::{Credentials, HttpResponse, Market};
use iftb_core::proxy::{
    check_bind_address, check_origin, normalize_base_url, resolve_credentials, ConfigError,
    CredentialSource, Decision, Forward, Incoming, ProxyConfig, Reason, Refusal, SigningProxy,
    Upstream, UpstreamFailure, HEALTH_PATH, LOCAL_UPSTREAM_URL,
};
use proptest::prelude::*;

const PORT: u16 = 8787;
const TOKEN: &str = "tok_0123456789abcdefghijklmnopqrstuvwxyzABCDEF";
const KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const ORIGIN: &str = "http://127.0.0.1:8080";
const NOW: u64 = 1_499_827_319_559;

fn upstream(market: &str) -> Upstream {
    Upstream::resolve(None, Some("http://127.0.0.1:9999"), Some(market)).unwrap()
}

fn proxy_for(market: &str) -> SigningProxy {
    let cfg = ProxyConfig::new(upstream(market), PORT, TOKEN, Credentials::new(KEY, SECRET));
    SigningProxy::new(cfg).unwrap()
}

fn proxy() -> SigningProxy {
    proxy_for("binance-usdm")
}

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn auth() -> String {
    format!("Bearer {TOKEN}")
}

/// A well-formed browser request with extra headers.
fn browser(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let a = auth();
    let mut h = headers(&[
        ("Host", "127.0.0.1:8787"),
        ("Origin", ORIGIN),
        ("Authorization", &a),
    ]);
    for (k, v) in extra {
        h.retain(|(n, _)| !n.eq_ignore_ascii_case(k));
        h.push(((*k).to_owned(), (*v).to_owned()));
    }
    h
}

fn decide_h(
    p: &mut SigningProxy,
    method: &str,
    target: &str,
    h: &[(String, String)],
    body: &str,
) -> Decision {
    p.decide(
        &Incoming {
            method,
            target,
            headers: h,
            body: body.as_bytes(),
            peer: "127.0.0.1",
        },
        NOW,
    )
}

fn decide(p: &mut SigningProxy, method: &str, target: &str, body: &str) -> Decision {
    let ct = if body.is_empty() {
        browser(&[])
    } else {
        browser(&[("Content-Type", "application/x-www-form-urlencoded")])
    };
    decide_h(p, method, target, &ct, body)
}

fn forward(d: Decision) -> Forward {
    match d {
        Decision::Forward(f) => f,
        other => panic!("expected a forward, got {other:?}"),
    }
}

fn refused(d: &Decision) -> &Refusal {
    match d {
        Decision::Refuse(r) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Refused with this code and status, a JSON body naming it, the refusal header, counted.
/// (A refusal never creates a pending request: see `d2_decide_never_panics`.)
fn assert_refused(d: &Decision, p: &SigningProxy, code: &str, status: u16) {
    let r = refused(d);
    assert_eq!(r.reason.code(), code, "{:?}", r.reason);
    assert_eq!(r.response.status, status, "{code}");
    let v: serde_json::Value = serde_json::from_str(&r.response.body).unwrap();
    assert_eq!(v["error"], code);
    assert!(v["msg"].as_str().is_some_and(|m| m.len() > 10));
    assert_eq!(r.response.header("X-IFTB-Proxy"), Some("refused"));
    assert!(p.stats().refused.get(code).is_some_and(|n| *n > 0));
}

fn signed_payload(f: &Forward) -> (&str, &str) {
    let wire = if f.request.body.is_empty() {
        &f.request.query
    } else {
        &f.request.body
    };
    wire.rsplit_once("&signature=").expect("signature last")
}

// ---- F1 ----------------------------------------------------------------------------------

#[test]
fn f1_binance_documented_vector_through_the_proxy() {
    let mut cfg = ProxyConfig::new(
        upstream("binance-spot"),
        PORT,
        TOKEN,
        Credentials::new(KEY, SECRET),
    );
    cfg.recv_window_ms = 5000;
    let mut p = SigningProxy::new(cfg).unwrap();
    // Client params unsigned, in the query; the proxy moves them to the form body.
    let f = forward(decide(
        &mut p,
        "POST",
        "/api/v3/order?symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1",
        "",
    ));
    assert_eq!(f.url, "http://127.0.0.1:9999/api/v3/order");
    assert_eq!(
        f.request.body,
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    );
    assert_eq!(f.request.header("X-MBX-APIKEY"), Some(KEY));
    assert_eq!(
        f.request.header("Content-Type"),
        Some("application/x-www-form-urlencoded")
    );
    assert!(f.request.query.is_empty());
    // Same with the parameters in a form body, split between query and body.
    let f = forward(decide(
        &mut p,
        "POST",
        "/api/v3/order?symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
        "quantity=1&price=0.1",
    ));
    assert!(f
        .request
        .body
        .ends_with("&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"));
    // Non-ASCII: percent-encoded before signing (the third documented vector).
    let f = forward(decide(
        &mut p,
        "POST",
        "/api/v3/order",
        "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1",
    ));
    assert!(f
        .request
        .body
        .ends_with("&signature=e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"));
}

#[test]
fn f1_get_and_delete_are_signed_in_the_query_public_calls_are_not_signed() {
    let mut p = proxy();
    let f = forward(decide(
        &mut p,
        "GET",
        "/fapi/v1/order?symbol=BTCUSDT&origClientOrderId=abc",
        "",
    ));
    assert!(f.signed);
    assert!(f.request.body.is_empty());
    assert!(f.url.starts_with("http://127.0.0.1:9999/fapi/v1/order?symbol=BTCUSDT&origClientOrderId=abc&recvWindow=5000&timestamp=1499827319559&signature="));
    let (payload, sig) = signed_payload(&f);
    assert!(verify_hmac_sha256_hex(
        SECRET.as_bytes(),
        payload.as_bytes(),
        sig
    ));
    let f = forward(decide(
        &mut p,
        "DELETE",
        "/fapi/v1/order?symbol=BTCUSDT&orderId=7",
        "",
    ));
    assert_eq!(f.request.method(), iftb_core::binance::Method::Delete);
    assert!(f.request.query.contains("&signature="));
    let f = forward(decide(&mut p, "GET", "/fapi/v1/exchangeInfo", ""));
    assert!(!f.signed);
    assert_eq!(f.url, "http://127.0.0.1:9999/fapi/v1/exchangeInfo");
    assert!(
        f.request.header("X-MBX-APIKEY").is_none(),
        "public calls carry no key"
    );
}

// ---- F2 ----------------------------------------------------------------------------------

#[test]
fn f2_wallet_and_unknown_endpoints_are_refused() {
    let mut p = proxy();
    for (m, path) in [
        (
            "POST",
            "/sapi/v1/capital/withdraw/apply?coin=BTC&address=x&amount=1",
        ),
        (
            "POST",
            "/sapi/v1/asset/transfer?type=MAIN_UMFUTURE&asset=USDT&amount=1",
        ),
        ("GET", "/sapi/v1/account/status"),
        ("POST", "/sapi/v1/sub-account/transfer/subToMaster"),
        ("GET", "/sapi"),
        ("POST", "/wapi/v3/withdraw"),
        ("GET", "/fapi/v1/income"),
        ("POST", "/fapi/v1/listenKey"),
        ("GET", "/"),
        ("DELETE", "/fapi/v1/leverage"),
        ("POST", "/fapi/v1/time"),
    ] {
        let d = decide(&mut p, m, path, "");
        assert_refused(&d, &p, "PROXY_FORBIDDEN_ENDPOINT", 403);
    }
    let d = decide(&mut p, "POST", "/sapi/v1/capital/withdraw/apply", "");
    assert!(refused(&d).response.body.contains("withdrawals"));
    // The other market's endpoints are refused too (one upstream market per run).
    let d = decide(&mut p, "POST", "/api/v3/order?symbol=BTCUSDT", "");
    assert_refused(&d, &p, "PROXY_WRONG_MARKET", 403);
    assert_eq!(p.stats().forwarded, 0);
}

// ---- F3 ----------------------------------------------------------------------------------

#[test]
fn f3_path_tricks_and_foreign_targets_are_refused() {
    let mut p = proxy();
    for target in [
        "/fapi/v1/../v1/order",
        "/fapi/v1/%2e%2e/order",
        "/fapi/v1%2Forder",
        "/fapi//v1/order",
        "//fapi/v1/order",
        "/fapi/v1/order/",
        "/fapi\\v1\\order",
        "/fapi/v1/./order",
        "http://evil.example/fapi/v1/order",
        "https://fapi.binance.com/fapi/v1/order",
        "evil.example:443",
        "*",
        "",
        "/fapi/v1/order#x",
        "/fapi/v1/order?symbol=BTC USDT",
        "/fapi/v1/order?symbol=\u{00e9}",
        "/fapi/v1/ord\u{0000}er",
    ] {
        let d = decide(&mut p, "GET", target, "");
        assert_refused(&d, &p, "PROXY_BAD_TARGET", 400);
    }
    // Case tricks do not match the exact allowlist.
    for target in [
        "/FAPI/v1/order",
        "/fapi/V1/order",
        "/fapi/v1/ORDER",
        "/SAPI/v1/capital/withdraw/apply",
    ] {
        let d = decide(&mut p, "POST", target, "");
        assert_refused(&d, &p, "PROXY_FORBIDDEN_ENDPOINT", 403);
    }
    for m in [
        "CONNECT", "TRACE", "HEAD", "PUT", "PATCH", "get", "Post", "PROPFIND",
    ] {
        let d = decide(&mut p, m, "/fapi/v1/order", "");
        assert_refused(&d, &p, "PROXY_METHOD_NOT_ALLOWED", 405);
        assert!(refused(&d).response.header("Allow").is_some());
    }
    let long = format!("/fapi/v1/order?symbol={}", "A".repeat(5000));
    assert_refused(
        &decide(&mut p, "GET", &long, ""),
        &p,
        "PROXY_URI_TOO_LONG",
        414,
    );
    assert_eq!(p.stats().forwarded, 0);
}

// ---- F4 ----------------------------------------------------------------------------------

#[test]
fn f4_client_cannot_forge_signature_timestamp_window_or_key() {
    let mut p = proxy();
    for (target, body) in [
        ("/fapi/v1/order?symbol=BTCUSDT&signature=00", ""),
        ("/fapi/v1/order?symbol=BTCUSDT&timestamp=1", ""),
        ("/fapi/v1/order?symbol=BTCUSDT&recvWindow=60000", ""),
        ("/fapi/v1/order?symbol=BTCUSDT&recvWindow=100", ""),
        ("/fapi/v1/order?symbol=BTCUSDT", "signature=abc"),
        ("/fapi/v1/order?symbol=BTCUSDT", "timestamp=1"),
        ("/fapi/v1/order?symbol=BTCUSDT&Signature=00", ""),
        ("/fapi/v1/order?symbol=BTCUSDT&RECVWINDOW=1", ""),
        ("/fapi/v1/order?symbol=BTCUSDT&%73ignature=00", ""),
        ("/fapi/v1/order?symbol=BTCUSDT&apiKey=x", ""),
        ("/fapi/v1/order?symbol=BTCUSDT&api_key=x", ""),
    ] {
        let d = decide(&mut p, "POST", target, body);
        assert_refused(&d, &p, "PROXY_FORGED_PARAM", 400);
    }
    // The proxy's credentials or token smuggled into a value.
    for v in [TOKEN, SECRET, KEY] {
        let d = decide(
            &mut p,
            "POST",
            &format!("/fapi/v1/order?symbol=BTCUSDT&newClientOrderId={v}"),
            "",
        );
        assert_refused(&d, &p, "PROXY_FORGED_PARAM", 400);
        assert!(!refused(&d).response.body.contains(v));
    }
    for (k, v) in [
        ("X-MBX-APIKEY", KEY),
        ("x-mbx-apikey", "other"),
        ("X-MBX-Whatever", "1"),
    ] {
        let h = browser(&[(k, v)]);
        let d = decide_h(&mut p, "GET", "/fapi/v1/openOrders", &h, "");
        assert_refused(&d, &p, "PROXY_FORGED_HEADER", 400);
    }
    // Duplicates: within the query, within the body, across query and body (Binance would
    // silently prefer the query one).
    for (target, body) in [
        ("/fapi/v1/order?symbol=BTCUSDT&side=BUY&side=SELL", ""),
        ("/fapi/v1/order", "symbol=BTCUSDT&quantity=1&quantity=100"),
        ("/fapi/v1/order?quantity=1", "symbol=BTCUSDT&quantity=100"),
        ("/fapi/v1/order?quantity=1&quantit%79=100", ""),
    ] {
        let d = decide(&mut p, "POST", target, body);
        assert_refused(&d, &p, "PROXY_DUPLICATE_PARAM", 400);
    }
    for (target, body) in [
        ("/fapi/v1/order?symbol=%zz", ""),
        ("/fapi/v1/order?=1", ""),
        ("/fapi/v1/order?sym-bol=1", ""),
        ("/fapi/v1/order?symbol=a%0Ab", ""),
        ("/fapi/v1/order?symbol=%C3", ""),
    ] {
        let d = decide(&mut p, "POST", target, body);
        assert_refused(&d, &p, "PROXY_BAD_PARAM", 400);
    }
    assert_eq!(p.stats().forwarded, 0);
}

#[test]
fn f4_params_are_re_encoded_canonically_and_the_signed_bytes_are_the_sent_bytes() {
    let mut p = proxy();
    let f = forward(decide(
        &mut p,
        "POST",
        "/fapi/v1/order?symbol=BTC%55SDT&newClientOrderId=a%3Ab%2Fc",
        "side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000&x=a+b",
    ));
    let (payload, sig) = signed_payload(&f);
    assert_eq!(
        payload,
        "symbol=BTCUSDT&newClientOrderId=a%3Ab%2Fc&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000&x=a%20b&recvWindow=5000&timestamp=1499827319559"
    );
    assert_eq!(sig, Credentials::new(KEY, SECRET).sign(payload));
    // The body sent is exactly payload + "&signature=" + sig: nothing else is added later.
    assert_eq!(f.request.body, format!("{payload}&signature={sig}"));
    // Form bodies as browsers send them (URLSearchParams) are accepted.
    let h = browser(&[(
        "Content-Type",
        "application/x-www-form-urlencoded;charset=UTF-8",
    )]);
    forward(decide_h(
        &mut p,
        "POST",
        "/fapi/v1/order",
        &h,
        "symbol=BTCUSDT",
    ));
    for ct in [
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded; charset=latin1",
    ] {
        let h = browser(&[("Content-Type", ct)]);
        let d = decide_h(&mut p, "POST", "/fapi/v1/order", &h, "symbol=BTCUSDT");
        assert_refused(&d, &p, "PROXY_UNSUPPORTED_MEDIA_TYPE", 415);
    }
    let h = browser(&[]);
    let d = decide_h(&mut p, "POST", "/fapi/v1/order", &h, "symbol=BTCUSDT");
    assert_refused(&d, &p, "PROXY_UNSUPPORTED_MEDIA_TYPE", 415);
    let h = browser(&[("Content-Type", "application/x-www-form-urlencoded")]);
    let d = decide_h(&mut p, "GET", "/fapi/v1/order", &h, "symbol=BTCUSDT");
    assert_refused(&d, &p, "PROXY_BODY_NOT_ALLOWED", 400);
}

// ---- F5 ----------------------------------------------------------------------------------

#[test]
fn f5_token_required_and_wrong_tokens_rate_limited() {
    let mut p = proxy();
    let bad = [
        None,
        Some(""),
        Some("Bearer"),
        Some("Bearer "),
        Some("Basic dXNlcjpwYXNz"),
        Some("Bearer tok_0123456789abcdefghijklmnopqrstuvwxyzABCDE"),
        Some("Bearer tok_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"),
        Some("Bearer TOK_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"),
    ];
    for a in bad {
        let mut h = headers(&[("Host", "127.0.0.1:8787"), ("Origin", ORIGIN)]);
        if let Some(a) = a {
            h.push(("Authorization".into(), a.into()));
        }
        let d = decide_h(&mut p, "GET", "/fapi/v1/openOrders", &h, "");
        assert_refused(&d, &p, "PROXY_UNAUTHORIZED", 401);
        let r = refused(&d);
        assert!(r.response.header("WWW-Authenticate").is_some());
        // Readable by the allowed page (CORS on refusals too), never the token.
        assert_eq!(
            r.response.header("Access-Control-Allow-Origin"),
            Some(ORIGIN)
        );
        assert!(!r.response.body.contains(TOKEN));
    }
    // Case of the scheme does not matter; the token does.
    let h = browser(&[("Authorization", &format!("bearer {TOKEN}"))]);
    forward(decide_h(&mut p, "GET", "/fapi/v1/openOrders", &h, ""));
    // Two Authorization headers are refused.
    let mut h = browser(&[]);
    h.push(("authorization".into(), "Bearer x".into()));
    assert_refused(
        &decide_h(&mut p, "GET", "/fapi/v1/openOrders", &h, ""),
        &p,
        "PROXY_DUPLICATE_HEADER",
        400,
    );

    // 30 wrong tokens a minute per address, then 429 without comparing (even a right one).
    let mut p = proxy();
    let wrong = headers(&[("Host", "127.0.0.1:8787"), ("Authorization", "Bearer nope")]);
    for _ in 0..30 {
        assert_refused(
            &decide_h(&mut p, "GET", "/fapi/v1/openOrders", &wrong, ""),
            &p,
            "PROXY_UNAUTHORIZED",
            401,
        );
    }
    let d = decide_h(&mut p, "GET", "/fapi/v1/openOrders", &wrong, "");
    assert_refused(&d, &p, "PROXY_AUTH_RATE_LIMITED", 429);
    assert!(refused(&d).response.header("Retry-After").is_some());
    assert!(
        refused(&d).audit.is_none(),
        "flooding is counted, not audited line by line"
    );
    let good = browser(&[]);
    assert_refused(
        &decide_h(&mut p, "GET", "/fapi/v1/openOrders", &good, ""),
        &p,
        "PROXY_AUTH_RATE_LIMITED",
        429,
    );
    // Another address is not affected; the next minute the first one may try again.
    let d = p.decide(
        &Incoming {
            method: "GET",
            target: "/fapi/v1/openOrders",
            headers: &good,
            body: b"",
            peer: "::1",
        },
        NOW,
    );
    forward(d);
    let d = p.decide(
        &Incoming {
            method: "GET",
            target: "/fapi/v1/openOrders",
            headers: &good,
            body: b"",
            peer: "127.0.0.1",
        },
        NOW + 60_000,
    );
    forward(d);
}

// ---- F6 ----------------------------------------------------------------------------------

#[test]
fn f6_host_header_must_be_this_loopback_port() {
    let mut p = proxy();
    for host in [
        "evil.com",
        "evil.com:8787",
        "127.0.0.1",
        "127.0.0.1:80",
        "127.0.0.1:87870",
        "localhost.evil.com:8787",
        "rebind.1u.ms:8787",
        "127.0.0.2:8787",
        "0.0.0.0:8787",
        "[::1]",
        "",
    ] {
        let h = browser(&[("Host", host)]);
        let d = decide_h(&mut p, "GET", "/fapi/v1/openOrders", &h, "");
        assert_refused(&d, &p, "PROXY_BAD_HOST", 403);
    }
    let mut h = browser(&[]);
    h.retain(|(k, _)| k != "Host");
    assert_refused(
        &decide_h(&mut p, "GET", "/fapi/v1/openOrders", &h, ""),
        &p,
        "PROXY_BAD_HOST",
        403,
    );
    let mut h = browser(&[]);
    h.push(("host".into(), "evil.com".into()));
    assert_refused(
        &decide_h(&mut p, "GET", "/fapi/v1/openOrders", &h, ""),
        &p,
        "PROXY_DUPLICATE_HEADER",
        400,
    );
    for host in [
        "127.0.0.1:8787",
        "localhost:8787",
        "LOCALHOST:8787",
        "[::1]:8787",
    ] {
        let h = browser(&[("Host", host)]);
        forward(decide_h(&mut p, "GET", "/fapi/v1/openOrders", &h, ""));
    }
}

// ---- F7 ----------------------------------------------------------------------------------

#[test]
fn f7_origin_exact_allowlist_and_preflight() {
    let mut p = proxy();
    for origin in [
        "https://evil.example",
        "http://127.0.0.1:8081",
        "http://127.0.0.1:8080/",
        "HTTP://127.0.0.1:8080",
        "http://127.0.0.1",
        "null",
        "*",
        "http://localhost:8080.evil.com",
    ] {
        let h = browser(&[
            ("Origin", origin),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ]);
        let d = decide_h(&mut p, "POST", "/fapi/v1/order", &h, "symbol=BTCUSDT");
        assert_refused(&d, &p, "PROXY_ORIGIN_FORBIDDEN", 403);
        assert!(refused(&d)
            .response
            .header("Access-Control-Allow-Origin")
            .is_none());
        let pre = headers(&[
            ("Host", "127.0.0.1:8787"),
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "authorization"),
        ]);
        let d = decide_h(&mut p, "OPTIONS", "/fapi/v1/order", &pre, "");
        assert_refused(&d, &p, "PROXY_ORIGIN_FORBIDDEN", 403);
        assert!(refused(&d)
            .response
            .headers
            .iter()
            .all(|(k, _)| !k.starts_with("Access-Control")));
    }
    // Allowed preflight: the exact origin echoed, never *, only our method/headers.
    let pre = headers(&[
        ("Host", "127.0.0.1:8787"),
        ("Origin", "http://localhost:8080"),
        ("Access-Control-Request-Method", "POST"),
        (
            "Access-Control-Request-Headers",
            "authorization,content-type",
        ),
        ("Access-Control-Request-Private-Network", "true"),
    ]);
    let Decision::Preflight(r) = decide_h(&mut p, "OPTIONS", "/fapi/v1/order", &pre, "") else {
        panic!("preflight")
    };
    assert_eq!(r.status, 204);
    assert_eq!(
        r.header("Access-Control-Allow-Origin"),
        Some("http://localhost:8080")
    );
    assert_eq!(
        r.header("Access-Control-Allow-Methods"),
        Some("GET, POST, DELETE")
    );
    assert_eq!(
        r.header("Access-Control-Allow-Headers"),
        Some("Authorization, Content-Type")
    );
    assert_eq!(
        r.header("Access-Control-Allow-Private-Network"),
        Some("true")
    );
    assert!(r.header("Vary").is_some_and(|v| v.contains("Origin")));
    assert!(r.header("Access-Control-Allow-Credentials").is_none());
    for (m, hs) in [
        ("PUT", "authorization"),
        ("POST", "authorization, x-mbx-apikey"),
        ("CONNECT", ""),
    ] {
        let pre = headers(&[
            ("Host", "127.0.0.1:8787"),
            ("Origin", ORIGIN),
            ("Access-Control-Request-Method", m),
            ("Access-Control-Request-Headers", hs),
        ]);
        assert_refused(
            &decide_h(&mut p, "OPTIONS", "/fapi/v1/order", &pre, ""),
            &p,
            "PROXY_PREFLIGHT_REFUSED",
            403,
        );
    }
    // Forwarded answers carry the exact origin and expose the rate-limit headers.
    let f = forward(decide(&mut p, "GET", "/fapi/v1/openOrders", ""));
    let up = HttpResponse {
        status: 200,
        headers: headers(&[
            ("content-type", "application/json"),
            ("x-mbx-used-weight-1m", "5"),
        ]),
        body: "[]".into(),
    };
    let fin = p.finish(f.id, &up, NOW + 5).unwrap();
    assert_eq!(
        fin.response.header("Access-Control-Allow-Origin"),
        Some(ORIGIN)
    );
    let expose = fin
        .response
        .header("Access-Control-Expose-Headers")
        .unwrap();
    assert!(expose.contains("x-mbx-used-weight-1m") && expose.contains("X-IFTB-Proxy"));
    // No Origin (a non-browser client with the token): allowed, no CORS headers.
    let h = headers(&[("Host", "127.0.0.1:8787"), ("Authorization", &auth())]);
    let f = forward(decide_h(&mut p, "GET", "/fapi/v1/openOrders", &h, ""));
    let fin = p.finish(f.id, &up, NOW).unwrap();
    assert!(fin.response.header("Access-Control-Allow-Origin").is_none());
    // Configuration: no wildcards.
    for bad in [
        "*",
        "null",
        "http://x/",
        "http://X.com",
        "ftp://x",
        "http://x/path",
    ] {
        assert!(check_origin(bad).is_err(), "{bad}");
    }
    assert!(check_origin("https://app.example.com:8443").is_ok());
}

// ---- F8 ----------------------------------------------------------------------------------

#[test]
fn f8_bind_loopback_only_unless_explicit() {
    for h in ["127.0.0.1", "localhost", "::1", "127.0.0.5"] {
        check_bind_address(h, false).unwrap();
    }
    for h in [
        "0.0.0.0",
        "::",
        "192.168.1.10",
        "example.com",
        "127.0.0.1.nip.io",
    ] {
        let e = check_bind_address(h, false).unwrap_err();
        assert_eq!(e.code(), "PROXY_REMOTE_BIND_REFUSED");
        check_bind_address(h, true).unwrap();
    }
}

// ---- F9 ----------------------------------------------------------------------------------

#[test]
fn f9_size_and_count_limits() {
    let mut p = proxy();
    let big = format!("symbol=BTCUSDT&newClientOrderId={}", "a".repeat(16 * 1024));
    assert_refused(
        &decide(&mut p, "POST", "/fapi/v1/order", &big),
        &p,
        "PROXY_BODY_TOO_LARGE",
        413,
    );
    let many: String = (0..10_000)
        .map(|i| format!("p{i}=1"))
        .collect::<Vec<_>>()
        .join("&");
    assert_refused(
        &decide(&mut p, "POST", "/fapi/v1/order", &many[..16_000]),
        &p,
        "PROXY_TOO_MANY_PARAMS",
        413,
    );
    let forty_one: String = (0..41)
        .map(|i| format!("p{i}=1"))
        .collect::<Vec<_>>()
        .join("&");
    assert_refused(
        &decide(&mut p, "POST", "/fapi/v1/order", &forty_one),
        &p,
        "PROXY_TOO_MANY_PARAMS",
        413,
    );
    let split = format!(
        "/fapi/v1/order?{}",
        (0..20)
            .map(|i| format!("q{i}=1"))
            .collect::<Vec<_>>()
            .join("&")
    );
    let body = (0..21)
        .map(|i| format!("b{i}=1"))
        .collect::<Vec<_>>()
        .join("&");
    assert_refused(
        &decide(&mut p, "POST", &split, &body),
        &p,
        "PROXY_TOO_MANY_PARAMS",
        413,
    );
    let long_value = format!("/fapi/v1/order?symbol={}", "A".repeat(1025));
    assert_refused(
        &decide(&mut p, "POST", &long_value, ""),
        &p,
        "PROXY_BAD_PARAM",
        400,
    );
    let forty: String = (0..40)
        .map(|i| format!("p{i}=1"))
        .collect::<Vec<_>>()
        .join("&");
    forward(decide(&mut p, "POST", "/fapi/v1/order", &forty));
    // Shell-raised refusals (size limits enforced while reading) have the same shape.
    let h = browser(&[]);
    let r = p.shell_refusal(
        Reason::HeadersTooLarge,
        &Incoming {
            method: "GET",
            target: "/",
            headers: &h,
            body: b"",
            peer: "127.0.0.1",
        },
        NOW,
    );
    assert_eq!(r.response.status, 431);
    assert_eq!(
        r.response.header("Access-Control-Allow-Origin"),
        Some(ORIGIN)
    );
}

#[test]
fn f9_pending_requests_are_capped() {
    let mut p = proxy();
    let mut ids = Vec::new();
    for _ in 0..64 {
        ids.push(
            forward(decide(
                &mut p,
                "GET",
                "/fapi/v1/openOrders?symbol=BTCUSDT",
                "",
            ))
            .id,
        );
    }
    assert_refused_busy(&mut p);
    p.abandon(ids[0]);
    forward(decide(
        &mut p,
        "GET",
        "/fapi/v1/openOrders?symbol=BTCUSDT",
        "",
    ));
}

fn assert_refused_busy(p: &mut SigningProxy) {
    let d = decide(p, "GET", "/fapi/v1/openOrders?symbol=BTCUSDT", "");
    let r = refused(&d);
    assert_eq!(r.reason.code(), "PROXY_BUSY");
    assert_eq!(r.response.status, 503);
}

// ---- F10 ---------------------------------------------------------------------------------

#[test]
fn f10_upstream_timeout_redirect_and_unreachable() {
    let mut p = proxy();
    let place = forward(decide(
        &mut p,
        "POST",
        "/fapi/v1/order",
        "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1&newClientOrderId=x1",
    ));
    let fin = p
        .fail(place.id, UpstreamFailure::Timeout, NOW + 15_000)
        .unwrap();
    assert_eq!(fin.response.status, 504);
    let v: serde_json::Value = serde_json::from_str(&fin.response.body).unwrap();
    assert_eq!(v["error"], "PROXY_UPSTREAM_TIMEOUT");
    assert_eq!(v["orderStatus"], "UNKNOWN");
    assert!(v["msg"].as_str().unwrap().contains("UNKNOWN"));
    assert!(!fin.pass_body);
    let a = fin.audit.unwrap();
    assert_eq!(
        (a.status, a.error, a.latency_ms),
        (Some(504), Some("PROXY_UPSTREAM_TIMEOUT"), Some(15_000))
    );
    // A read that timed out: 504 without the order warning.
    let read = forward(decide(&mut p, "GET", "/fapi/v1/openOrders", ""));
    let fin = p.fail(read.id, UpstreamFailure::Timeout, NOW).unwrap();
    assert!(!fin.response.body.contains("UNKNOWN"));
    assert!(fin.audit.is_none(), "reads are not audited");
    // Unreachable: 502, nothing sent.
    let place = forward(decide(&mut p, "POST", "/fapi/v1/order", "symbol=BTCUSDT"));
    let fin = p.fail(place.id, UpstreamFailure::Unreachable, NOW).unwrap();
    assert_eq!(fin.response.status, 502);
    assert!(fin.response.body.contains("PROXY_UPSTREAM_UNREACHABLE"));
    let place = forward(decide(&mut p, "POST", "/fapi/v1/order", "symbol=BTCUSDT"));
    let fin = p.fail(place.id, UpstreamFailure::Broken, NOW).unwrap();
    assert!(fin.response.body.contains("UNKNOWN"));
    // 3xx is not followed and its Location never reaches the client.
    let place = forward(decide(&mut p, "POST", "/fapi/v1/order", "symbol=BTCUSDT"));
    let up = HttpResponse {
        status: 302,
        headers: headers(&[
            ("Location", "http://evil.example/steal"),
            ("Content-Type", "text/html"),
        ]),
        body: String::new(),
    };
    let fin = p.finish(place.id, &up, NOW).unwrap();
    assert_eq!(fin.response.status, 502);
    assert!(fin.response.body.contains("PROXY_UPSTREAM_REDIRECT"));
    assert!(fin.response.header("Location").is_none());
    assert!(!fin.pass_body);
    assert!(
        p.finish(place.id, &up, NOW).is_none(),
        "an id finishes once"
    );
}

// ---- F11 ---------------------------------------------------------------------------------

#[test]
fn f11_no_secret_key_token_or_signature_in_debug_audit_or_answers() {
    let mut p = proxy();
    let mut emitted = vec![format!("{p:?}"), format!("{:?}", p.config())];
    let f = forward(decide(
        &mut p,
        "POST",
        "/fapi/v1/order",
        "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1",
    ));
    let (_, sig) = signed_payload(&f);
    let sig = sig.to_owned();
    emitted.push(format!("{f:?}"));
    emitted.push(f.audit.to_json());
    let up = HttpResponse::json(
        400,
        r#"{"code":-2019,"msg":"Margin is insufficient."}"#.into(),
    );
    let fin = p.finish(f.id, &up, NOW + 3).unwrap();
    let audit = fin.audit.unwrap();
    assert_eq!(audit.code, Some(-2019));
    assert_eq!(audit.status, Some(400));
    assert!(audit.params.as_deref().unwrap().contains("timestamp="));
    emitted.push(audit.to_json());
    emitted.push(format!("{:?}", fin.response));
    for (m, t, b) in [
        ("POST", "/sapi/v1/capital/withdraw/apply", ""),
        ("GET", &format!("/{TOKEN}") as &str, ""),
        ("POST", "/fapi/v1/order?signature=abc", ""),
        (
            "POST",
            &format!("/fapi/v1/order?newClientOrderId={SECRET}"),
            "",
        ),
    ] {
        let d = decide(&mut p, m, t, b);
        let r = refused(&d);
        emitted.push(format!("{d:?}"));
        emitted.push(r.audit.as_ref().map(|a| a.to_json()).unwrap_or_default());
    }
    let all = emitted.join("\n");
    for needle in [SECRET, KEY, TOKEN, sig.as_str()] {
        assert!(!all.contains(needle), "leaked {needle:.8}… in:\n{all}");
    }
    assert_eq!(
        p.redact(&format!("a {SECRET} b {KEY} c {TOKEN}")),
        "a [REDACTED] b [REDACTED] c [REDACTED]"
    );
}

// ---- F12 ---------------------------------------------------------------------------------

#[test]
fn f12_rate_limit_headers_pass_through_and_the_proxy_holds() {
    let mut p = proxy();
    let f = forward(decide(&mut p, "GET", "/fapi/v1/openOrders", ""));
    let up = HttpResponse {
        status: 429,
        headers: headers(&[
            ("Content-Type", "application/json"),
            ("Retry-After", "7"),
            ("X-MBX-USED-WEIGHT-1M", "2401"),
            ("X-MBX-ORDER-COUNT-10S", "3"),
            ("Set-Cookie", "a=b"),
            ("Server", "x"),
        ]),
        body: r#"{"code":-1003,"msg":"Too many requests."}"#.into(),
    };
    let fin = p.finish(f.id, &up, NOW).unwrap();
    assert_eq!(fin.response.status, 429);
    assert!(fin.pass_body);
    for (k, v) in [
        ("Retry-After", "7"),
        ("X-MBX-USED-WEIGHT-1M", "2401"),
        ("X-MBX-ORDER-COUNT-10S", "3"),
        ("Content-Type", "application/json"),
    ] {
        assert_eq!(fin.response.header(k), Some(v), "{k}");
    }
    assert!(fin.response.header("Set-Cookie").is_none() && fin.response.header("Server").is_none());
    assert_eq!(fin.response.header("X-IFTB-Proxy"), Some("forwarded"));
    // The proxy now holds every request for Retry-After, answering 429 itself.
    let d = decide(&mut p, "POST", "/fapi/v1/order", "symbol=BTCUSDT");
    assert_refused(&d, &p, "PROXY_RATE_LIMITED", 429);
    assert_eq!(refused(&d).response.header("Retry-After"), Some("7"));
    assert!(!p.needs_time_sync(NOW + 1000), "no time sync during a hold");
    assert!(p.time_request(NOW + 1000).is_none());
    let d = p.decide(
        &Incoming {
            method: "GET",
            target: "/fapi/v1/openOrders",
            headers: &browser(&[]),
            body: b"",
            peer: "127.0.0.1",
        },
        NOW + 7_000,
    );
    forward(d);

    // 418: hold for the ban.
    let mut p = proxy();
    let f = forward(decide(&mut p, "GET", "/fapi/v1/openOrders", ""));
    let up = HttpResponse {
        status: 418,
        headers: headers(&[("Retry-After", "120")]),
        body: r#"{"code":-1003,"msg":"banned"}"#.into(),
    };
    p.finish(f.id, &up, NOW).unwrap();
    let d = p.decide(
        &Incoming {
            method: "GET",
            target: "/fapi/v1/openOrders",
            headers: &browser(&[]),
            body: b"",
            peer: "127.0.0.1",
        },
        NOW + 60_000,
    );
    assert_refused(&d, &p, "PROXY_RATE_LIMITED", 429);
    assert_eq!(refused(&d).response.header("Retry-After"), Some("60"));
    assert!(refused(&d).response.body.contains("418"));
}

#[test]
fn f12_weight_budget_stays_below_the_ip_limit() {
    let mut p = proxy();
    let t0 = 1_700_000_000_000 - 1_700_000_000_000 % 60_000;
    let get = |p: &mut SigningProxy, target: &str, now: u64| {
        p.decide(
            &Incoming {
                method: "GET",
                target,
                headers: &browser(&[]),
                body: b"",
                peer: "127.0.0.1",
            },
            now,
        )
    };
    // allOrders weighs 5: 400 of them spend the default 2000/min USDⓈ-M budget.
    for _ in 0..400 {
        let f = forward(get(&mut p, "/fapi/v1/allOrders?symbol=BTCUSDT", t0));
        p.abandon(f.id);
    }
    let d = get(&mut p, "/fapi/v1/allOrders?symbol=BTCUSDT", t0 + 1_500);
    assert_refused(&d, &p, "PROXY_WEIGHT_BUDGET", 429);
    assert_eq!(refused(&d).response.header("Retry-After"), Some("59"));
    forward(get(
        &mut p,
        "/fapi/v1/allOrders?symbol=BTCUSDT",
        t0 + 60_000,
    ));
    // The upstream's own count (used-weight header) is taken into account.
    let mut p = proxy();
    let f = forward(get(&mut p, "/fapi/v1/openOrders?symbol=BTCUSDT", t0));
    let up = HttpResponse {
        status: 200,
        headers: headers(&[("x-mbx-used-weight-1m", "1999")]),
        body: "[]".into(),
    };
    p.finish(f.id, &up, t0 + 10).unwrap();
    forward(get(&mut p, "/fapi/v1/openOrders?symbol=BTCUSDT", t0 + 20));
    assert_refused(
        &get(&mut p, "/fapi/v1/openOrders?symbol=BTCUSDT", t0 + 30),
        &p,
        "PROXY_WEIGHT_BUDGET",
        429,
    );
}

// ---- clock -------------------------------------------------------------------------------

#[test]
fn server_time_offset_and_resync_after_1021() {
    let mut p = proxy();
    assert!(p.needs_time_sync(NOW));
    let (url, req) = p.time_request(NOW).unwrap();
    assert_eq!(url, "http://127.0.0.1:9999/fapi/v1/time");
    assert_eq!(req.query, "");
    // sent at NOW, answered at NOW+100: midpoint NOW+50; server says NOW+2050 → +2000.
    let resp = HttpResponse::json(200, format!(r#"{{"serverTime":{}}}"#, NOW + 2050));
    assert_eq!(p.observe_time(NOW, NOW + 100, &resp), Ok(2000));
    assert!(!p.needs_time_sync(NOW + 200));
    let f = forward(decide(&mut p, "GET", "/fapi/v1/openOrders", ""));
    assert!(f
        .request
        .query
        .contains(&format!("timestamp={}", NOW + 2000)));
    // -1021 passes through unchanged and triggers a re-sync before the next request.
    let up = HttpResponse::json(
        400,
        r#"{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}"#.into(),
    );
    let fin = p.finish(f.id, &up, NOW).unwrap();
    assert!(fin.resync && fin.pass_body);
    assert_eq!(fin.response.status, 400);
    assert!(p.needs_time_sync(NOW + 1));
    // A pending request can be re-signed with the new offset.
    let f = forward(decide(&mut p, "GET", "/fapi/v1/openOrders", ""));
    let resp = HttpResponse::json(200, format!(r#"{{"serverTime":{}}}"#, NOW - 450));
    assert_eq!(p.observe_time(NOW, NOW + 100, &resp), Ok(-500));
    let g = p.resign(f.id, NOW + 100).unwrap();
    assert!(g
        .request
        .query
        .contains(&format!("timestamp={}", NOW - 400)));
    let (payload, sig) = signed_payload(&g);
    assert!(verify_hmac_sha256_hex(
        SECRET.as_bytes(),
        payload.as_bytes(),
        sig
    ));
    // Garbage answers are errors, not panics; the offset stays.
    assert!(p
        .observe_time(NOW, NOW + 1, &HttpResponse::json(200, "{}".into()))
        .is_err());
    assert!(p
        .observe_time(NOW, NOW + 1, &HttpResponse::json(500, "".into()))
        .is_err());
    assert!(p.observe_time(NOW + 1, NOW, &resp).is_err());
    assert_eq!(p.server_time_offset_ms(), -500);
    // Periodic re-sync.
    assert!(p.needs_time_sync(NOW + 100 + 10 * 60 * 1000));
}

#[test]
fn health_needs_the_token_and_reports_the_upstream() {
    let mut p = proxy();
    let h = headers(&[("Host", "127.0.0.1:8787"), ("Origin", ORIGIN)]);
    assert_refused(
        &decide_h(&mut p, "GET", HEALTH_PATH, &h, ""),
        &p,
        "PROXY_UNAUTHORIZED",
        401,
    );
    let Decision::Reply(r) = decide(&mut p, "GET", HEALTH_PATH, "") else {
        panic!("health")
    };
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["ok"], false, "not synced yet");
    assert_eq!(v["upstream"]["market"], "binance-usdm");
    assert_eq!(v["upstream"]["url"], "http://127.0.0.1:9999");
    assert_eq!(r.header("Access-Control-Allow-Origin"), Some(ORIGIN));
    let resp = HttpResponse::json(200, format!(r#"{{"serverTime":{}}}"#, NOW + 10));
    p.observe_time(NOW, NOW, &resp).unwrap();
    let Decision::Reply(r) = decide(&mut p, "GET", HEALTH_PATH, "") else {
        panic!("health")
    };
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        (v["ok"].as_bool(), v["serverTimeOffsetMs"].as_i64()),
        (Some(true), Some(10))
    );
    assert!(!r.body.contains(TOKEN) && !r.body.contains(KEY));
    assert_refused(
        &decide(&mut p, "POST", HEALTH_PATH, ""),
        &p,
        "PROXY_METHOD_NOT_ALLOWED",
        405,
    );
}

// ---- configuration -----------------------------------------------------------------------

#[test]
fn upstream_choice_is_one_option() {
    let u = Upstream::resolve(None, None, None).unwrap();
    assert_eq!(
        (u.name.as_str(), u.market, u.url.as_str(), u.local),
        ("local", Market::UsdM, LOCAL_UPSTREAM_URL, true)
    );
    let u = Upstream::resolve(Some("local"), None, Some("spot")).unwrap();
    assert_eq!(u.market, Market::Spot);
    let u = Upstream::resolve(Some("binance-usdm"), None, None).unwrap();
    assert_eq!(
        (u.market, u.url.as_str(), u.local),
        (Market::UsdM, "https://fapi.binance.com", false)
    );
    assert_eq!(
        Upstream::resolve(Some("binance-spot"), None, None)
            .unwrap()
            .url,
        "https://api.binance.com"
    );
    assert_eq!(
        Upstream::resolve(Some("spot-testnet"), None, None)
            .unwrap()
            .url,
        "https://testnet.binance.vision"
    );
    assert_eq!(
        Upstream::resolve(Some("usdm-demo"), None, None)
            .unwrap()
            .url,
        "https://demo-fapi.binance.com"
    );
    assert!(Upstream::resolve(Some("binance-spot"), None, Some("usdm")).is_err());
    assert!(Upstream::resolve(Some("binance-usdm"), Some("https://x.example"), None).is_err());
    assert!(Upstream::resolve(Some("nope"), None, None).is_err());
    assert!(
        Upstream::resolve(None, Some("https://x.example"), None).is_err(),
        "custom URL needs a market"
    );
    assert!(
        Upstream::resolve(Some("local"), Some("https://x.example"), None).is_err(),
        "local must be loopback"
    );
    let u = Upstream::resolve(Some("local"), Some("http://127.0.0.1:4000/"), None).unwrap();
    assert_eq!((u.url.as_str(), u.local), ("http://127.0.0.1:4000", true));
    for bad in [
        "http://example.com",
        "ftp://x",
        "https://user:pw@x.example",
        "https://x.example/path",
        "https://x.example?q",
        "https://x.example#f",
        "https://x.example:0",
        "https://x.example:99999",
        "https://",
        "x.example",
    ] {
        assert!(normalize_base_url(bad).is_err(), "{bad}");
    }
    assert_eq!(
        normalize_base_url("https://API.example.com:443").unwrap(),
        "https://api.example.com:443"
    );
    assert_eq!(
        normalize_base_url("http://[::1]:8788").unwrap(),
        "http://[::1]:8788"
    );
}

#[test]
fn credentials_come_from_options_then_dotenv_then_local_default() {
    let local = Upstream::resolve(None, None, None).unwrap();
    let prod = Upstream::resolve(Some("binance-usdm"), None, None).unwrap();
    let (_, src) = resolve_credentials(&local, None, None, None).unwrap();
    assert_eq!(src, CredentialSource::LocalDefault);
    let env = "# keys\nBINANCE_API_KEY=abc\nexport BINANCE_API_SECRET='s3cr3t'\nOTHER=1\n";
    let (c, src) = resolve_credentials(&prod, None, None, Some(env)).unwrap();
    assert_eq!((src, c.api_key()), (CredentialSource::DotEnv, "abc"));
    assert_eq!(c.sign("x"), Credentials::new("abc", "s3cr3t").sign("x"));
    let (c, src) = resolve_credentials(&prod, Some("k"), Some("s"), Some(env)).unwrap();
    assert_eq!((src, c.api_key()), (CredentialSource::Explicit, "k"));
    let e = resolve_credentials(&prod, None, None, None).unwrap_err();
    assert_eq!(e.code(), "PROXY_NO_CREDENTIALS");
    assert!(e.to_string().contains("BINANCE_API_KEY"));
    assert!(resolve_credentials(&prod, None, None, Some("BINANCE_API_KEY=a\n")).is_err());
    assert!(resolve_credentials(
        &prod,
        None,
        None,
        Some("BINANCE_API_KEY=a b\nBINANCE_API_SECRET=c\n")
    )
    .is_err());
    let e = resolve_credentials(&prod, None, None, Some("NOT A LINE\n")).unwrap_err();
    assert!(matches!(e, ConfigError::Env(_)));
    // Never the secret in an error.
    let e = resolve_credentials(&prod, Some("k"), Some("sec ret"), None).unwrap_err();
    assert!(!e.to_string().contains("sec ret"));
}

#[test]
fn configuration_is_checked() {
    let mk = |f: &dyn Fn(&mut ProxyConfig)| {
        let mut c = ProxyConfig::new(upstream("usdm"), PORT, TOKEN, Credentials::new(KEY, SECRET));
        f(&mut c);
        SigningProxy::new(c)
    };
    assert!(mk(&|_| {}).is_ok());
    assert!(mk(&|c| c.token = "short".into()).is_err());
    assert!(mk(&|c| c.token = format!("{TOKEN} x")).is_err());
    assert!(mk(&|c| c.port = 0).is_err());
    assert!(mk(&|c| c.recv_window_ms = 60_001).is_err());
    assert!(mk(&|c| c.recv_window_ms = 0).is_err());
    assert!(mk(&|c| c.allowed_origins.push("*".into())).is_err());
    assert!(mk(&|c| c.limits.max_params = 0).is_err());
    let p = mk(&|c| c.recv_window_ms = 3000).unwrap();
    assert!(!format!("{p:?}").contains(TOKEN));
}

// ---- D2: fuzz-style properties -------------------------------------------------------------

fn header_strategy() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        Just("Host".to_owned()),
        Just("Origin".to_owned()),
        Just("Authorization".to_owned()),
        Just("Content-Type".to_owned()),
        Just("X-MBX-APIKEY".to_owned()),
        Just("Access-Control-Request-Method".to_owned()),
        Just("Access-Control-Request-Headers".to_owned()),
        "[A-Za-z-]{1,12}",
    ];
    let value = prop_oneof![
        Just("127.0.0.1:8787".to_owned()),
        Just(ORIGIN.to_owned()),
        Just(format!("Bearer {TOKEN}")),
        Just("application/x-www-form-urlencoded".to_owned()),
        Just("POST".to_owned()),
        ".{0,40}",
    ];
    prop::collection::vec((name, value), 0..8)
}

fn target_strategy() -> impl Strategy<Value = String> {
    let path = prop_oneof![
        Just("/fapi/v1/order".to_owned()),
        Just("/fapi/v1/openOrders".to_owned()),
        Just("/api/v3/order".to_owned()),
        Just("/sapi/v1/capital/withdraw/apply".to_owned()),
        Just(HEALTH_PATH.to_owned()),
        "[/a-zA-Z0-9%.\\\\_:-]{0,30}",
        ".{0,30}",
    ];
    let query = prop_oneof![Just(String::new()), "[a-zA-Z0-9=&%+._~-]{0,60}", ".{0,40}",];
    (path, query, any::<bool>())
        .prop_map(|(p, q, has_q)| if has_q { format!("{p}?{q}") } else { p })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// D2: any method, target, headers and body → a decision, never a panic; a refusal never
    /// leaves a pending request; a forward is signed over exactly the bytes it sends.
    #[test]
    fn d2_decide_never_panics(
        method in prop_oneof![Just("GET".to_owned()), Just("POST".to_owned()), Just("DELETE".to_owned()), Just("OPTIONS".to_owned()), Just("CONNECT".to_owned()), "[A-Za-z]{0,8}"],
        target in target_strategy(),
        mut hdrs in header_strategy(),
        body in prop::collection::vec(any::<u8>(), 0..200),
        well_formed in any::<bool>(),
        now in prop_oneof![Just(NOW), any::<u64>()],
    ) {
        let mut p = proxy();
        if well_formed {
            hdrs.extend(browser(&[("Content-Type", "application/x-www-form-urlencoded")]));
        }
        let before = p.pending_count();
        let d = p.decide(&Incoming { method: &method, target: &target, headers: &hdrs, body: &body, peer: "127.0.0.1" }, now);
        match d {
            Decision::Refuse(r) => {
                prop_assert_eq!(p.pending_count(), before);
                prop_assert!(r.response.status >= 400);
                prop_assert!(r.response.header("Access-Control-Allow-Origin") != Some("*"));
                let v: serde_json::Value = serde_json::from_str(&r.response.body).unwrap();
                prop_assert!(v["error"].as_str().unwrap().starts_with("PROXY_"));
            }
            Decision::Forward(f) => {
                prop_assert!(f.url.starts_with("http://127.0.0.1:9999/"));
                // Whatever the clock, the answer paths do not panic either.
                let up = HttpResponse {
                    status: 429,
                    headers: headers(&[("Retry-After", "99999999999999999"), ("X-MBX-USED-WEIGHT-1M", "4294967295")]),
                    body: r#"{"code":-1021,"msg":"x"}"#.into(),
                };
                let mut q = proxy();
                let g = forward(q.decide(&Incoming { method: &method, target: &target, headers: &hdrs, body: &body, peer: "127.0.0.1" }, now));
                prop_assert!(q.finish(g.id, &up, now).is_some());
                prop_assert!(!q.needs_time_sync(now) || now == u64::MAX);
                if f.signed {
                    let (payload, sig) = signed_payload(&f);
                    prop_assert!(verify_hmac_sha256_hex(SECRET.as_bytes(), payload.as_bytes(), sig));
                    // Exactly one timestamp, recvWindow and signature, all the proxy's.
                    let wire = if f.request.body.is_empty() { &f.request.query } else { &f.request.body };
                    let parsed = parse_form(wire, 100).unwrap();
                    for k in ["timestamp", "recvWindow", "signature"] {
                        prop_assert_eq!(parsed.0.iter().filter(|(n, _)| n == k).count(), 1);
                    }
                }
            }
            Decision::Preflight(r) | Decision::Reply(r) => prop_assert!(r.status < 300),
        }
    }

    /// D2: canonicalisation is idempotent: parse → encode → parse gives the same pairs and
    /// encode of that is the same text.
    #[test]
    fn d2_canonicalisation_is_idempotent(
        pairs in prop::collection::vec(("[A-Za-z0-9_]{1,12}", ".{0,24}"), 0..12),
        raw in "[a-zA-Z0-9=&%+._~-]{0,80}",
    ) {
        let mut params = iftb_core::binance::Params::new();
        for (k, v) in &pairs {
            params.push(k, v.clone());
        }
        let once = params.encode();
        let parsed = parse_form(&once, 100).unwrap();
        prop_assert_eq!(&parsed, &params);
        prop_assert_eq!(parsed.encode(), once);
        if let Ok(p) = parse_form(&raw, 100) {
            let canon = p.encode();
            let again = parse_form(&canon, 100).unwrap();
            prop_assert_eq!(again.encode(), canon);
        }
    }
}
