//! Classifying Binance answers (binance-api.md §4): which are definite rejections, which
//! leave an order's fate unknown, which ask us to slow down.

use super::endpoints::Kind;
use super::http::HttpResponse;
use crate::error::{ExchangeReply, LiveError};
use serde::Deserialize;

/// Codes with a meaning the client acts on.
pub mod code {
    /// Unknown error while processing; execution status unknown.
    pub const UNKNOWN: i64 = -1000;
    /// Unexpected response from the backend; execution status unknown.
    pub const UNEXPECTED_RESP: i64 = -1006;
    /// Timeout waiting for the backend; execution status unknown.
    pub const TIMEOUT: i64 = -1007;
    /// System-level throttling (futures).
    pub const THROTTLED: i64 = -1008;
    /// Too much request weight.
    pub const TOO_MANY_REQUESTS: i64 = -1003;
    /// Filter failure (spot) / invalid message.
    pub const INVALID_MESSAGE: i64 = -1013;
    /// Timestamp outside recvWindow / ahead of server time.
    pub const INVALID_TIMESTAMP: i64 = -1021;
    /// Bad signature.
    pub const INVALID_SIGNATURE: i64 = -1022;
    /// Too much precision.
    pub const BAD_PRECISION: i64 = -1111;
    /// Unknown symbol.
    pub const BAD_SYMBOL: i64 = -1121;
    /// Mandatory parameter missing or malformed.
    pub const MANDATORY_PARAM_EMPTY_OR_MALFORMED: i64 = -1102;
    /// A parameter was sent that is not allowed / recognised.
    pub const ILLEGAL_CHARS: i64 = -1100;
    /// Parameter value not valid.
    pub const BAD_PARAM: i64 = -1130;
    /// Order rejected by the matching engine.
    pub const NEW_ORDER_REJECTED: i64 = -2010;
    /// Cancel rejected (e.g. unknown order).
    pub const CANCEL_REJECTED: i64 = -2011;
    /// Order does not exist.
    pub const NO_SUCH_ORDER: i64 = -2013;
    /// API-key format invalid.
    pub const BAD_API_KEY_FMT: i64 = -2014;
    /// Invalid API-key, IP, or permissions.
    pub const REJECTED_MBX_KEY: i64 = -2015;
    /// Balance insufficient (futures).
    pub const BALANCE_NOT_SUFFICIENT: i64 = -2018;
    /// Margin insufficient (futures).
    pub const MARGIN_NOT_SUFFICIENT: i64 = -2019;
    /// Order would immediately trigger.
    pub const ORDER_WOULD_IMMEDIATELY_TRIGGER: i64 = -2021;
    /// Reduce-only rejected.
    pub const REDUCE_ONLY_REJECT: i64 = -2022;
    /// Price not a multiple of the tick.
    pub const PRICE_NOT_INCREASED_BY_TICK_SIZE: i64 = -4014;
    /// Quantity not a multiple of the step.
    pub const QTY_NOT_INCREASED_BY_STEP_SIZE: i64 = -4023;
    /// Invalid leverage.
    pub const INVALID_LEVERAGE: i64 = -4028;
    /// Conditional order sent to the plain order endpoint.
    pub const STOP_ORDER_SWITCH_ALGO: i64 = -4120;
    /// Notional below the minimum.
    pub const MIN_NOTIONAL: i64 = -4164;
    /// Post-only rejected.
    pub const POST_ONLY_REJECT: i64 = -5022;
    /// FOK order could not be filled in full.
    pub const FOK_REJECTED: i64 = -5021;
    /// Client order id already used by an open order (futures).
    pub const DUPLICATED_CLIENT_ORDER_ID: i64 = -4116;
}

#[derive(Deserialize)]
struct ErrorBody {
    code: Option<serde_json::Value>,
    msg: Option<String>,
}

/// `{code, msg}` of a body, if it has that shape. Futures success bodies such as
/// `{"code":200,"msg":"success"}` give `code` 200.
#[must_use]
pub fn error_body(body: &str) -> Option<(i64, String)> {
    let b: ErrorBody = serde_json::from_str(body).ok()?;
    let code = match b.code? {
        serde_json::Value::Number(n) => n.as_i64()?,
        serde_json::Value::String(s) => s.parse().ok()?,
        _ => return None,
    };
    Some((code, b.msg.unwrap_or_default()))
}

#[derive(Deserialize)]
struct ProxyRefusal {
    error: String,
    msg: Option<String>,
}

/// The reply of a response: status, code and message. A refusal by our signing proxy
/// (`{"error":"PROXY_…","msg":…}`) keeps its reason in the message.
#[must_use]
pub fn reply_of(resp: &HttpResponse) -> ExchangeReply {
    if let Ok(p) = serde_json::from_str::<ProxyRefusal>(&resp.body) {
        if p.error.starts_with("PROXY_") {
            return ExchangeReply {
                http_status: resp.status,
                code: None,
                msg: format!(
                    "signing proxy refused ({}): {}",
                    p.error,
                    p.msg.unwrap_or_default()
                ),
            };
        }
    }
    match error_body(&resp.body) {
        Some((code, msg)) => ExchangeReply {
            http_status: resp.status,
            code: Some(code),
            msg,
        },
        None => ExchangeReply {
            http_status: resp.status,
            code: None,
            msg: resp.body.chars().take(200).collect(),
        },
    }
}

/// `Retry-After` in milliseconds (the header is in seconds), with a floor when absent.
#[must_use]
pub fn retry_after_ms(resp: &HttpResponse, default_ms: u64) -> u64 {
    resp.header("Retry-After")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(default_ms, |s| s.saturating_mul(1000))
}

/// Whether a response is a success (2xx without an error code).
#[must_use]
pub fn is_success(resp: &HttpResponse) -> bool {
    (200..300).contains(&resp.status)
        && error_body(&resp.body).is_none_or(|(c, _)| c == 200 || c == 0)
}

/// What an unsuccessful response means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A definite failure; nothing happened on the exchange.
    Failed(LiveError),
    /// The request may have been executed (5xx, -1006, -1007, 408): for an order placement
    /// resolve by querying; a read may simply be repeated.
    Unknown(ExchangeReply),
    /// Slow down: pause all sending for this long (429, -1003), then repeat a safe request.
    Throttled(u64, ExchangeReply),
    /// IP ban (418): stop sending until it ends.
    Banned(u64, ExchangeReply),
    /// Our clock is off (-1021): re-sync from server time and repeat once.
    ClockSkew(ExchangeReply),
    /// Transient and definitely not executed (503 "Service Unavailable", -1008): safe to
    /// repeat after a backoff, even for a placement.
    Retryable(ExchangeReply),
}

/// Classify a non-success response of an endpoint of this kind.
#[must_use]
pub fn classify(kind: Kind, resp: &HttpResponse) -> Outcome {
    let reply = reply_of(resp);
    let msg_lc = reply.msg.to_ascii_lowercase();
    match (resp.status, reply.code) {
        (418, _) => Outcome::Banned(retry_after_ms(resp, 120_000), reply),
        (429, _) | (_, Some(code::TOO_MANY_REQUESTS)) => {
            Outcome::Throttled(retry_after_ms(resp, 1_000), reply)
        }
        (_, Some(code::INVALID_TIMESTAMP)) => Outcome::ClockSkew(reply),
        (_, Some(code::THROTTLED)) => Outcome::Retryable(reply),
        (503, _) if msg_lc.contains("service unavailable") || msg_lc.contains("internal error") => {
            Outcome::Retryable(reply)
        }
        (_, Some(code::UNKNOWN | code::UNEXPECTED_RESP | code::TIMEOUT)) => Outcome::Unknown(reply),
        (408 | 500..=599, _) => Outcome::Unknown(reply),
        (_, Some(c)) => Outcome::Failed(definite(kind, c, &msg_lc, reply)),
        (401 | 403, None) => Outcome::Failed(LiveError::Authentication(reply)),
        _ => Outcome::Failed(LiveError::Exchange(reply)),
    }
}

fn definite(kind: Kind, c: i64, msg_lc: &str, reply: ExchangeReply) -> LiveError {
    use code::*;
    match c {
        INVALID_SIGNATURE | BAD_API_KEY_FMT | REJECTED_MBX_KEY => LiveError::Authentication(reply),
        BALANCE_NOT_SUFFICIENT | MARGIN_NOT_SUFFICIENT => LiveError::InsufficientFunds(reply),
        NEW_ORDER_REJECTED if msg_lc.contains("insufficient") => {
            LiveError::InsufficientFunds(reply)
        }
        NO_SUCH_ORDER => LiveError::OrderNotFound(reply),
        CANCEL_REJECTED if msg_lc.contains("unknown order") => LiveError::OrderNotFound(reply),
        INVALID_MESSAGE
        | BAD_PRECISION
        | BAD_SYMBOL
        | MANDATORY_PARAM_EMPTY_OR_MALFORMED
        | ILLEGAL_CHARS
        | BAD_PARAM
        | NEW_ORDER_REJECTED
        | ORDER_WOULD_IMMEDIATELY_TRIGGER
        | REDUCE_ONLY_REJECT
        | PRICE_NOT_INCREASED_BY_TICK_SIZE
        | QTY_NOT_INCREASED_BY_STEP_SIZE
        | INVALID_LEVERAGE
        | STOP_ORDER_SWITCH_ALGO
        | MIN_NOTIONAL
        | POST_ONLY_REJECT => LiveError::InvalidOrder(reply),
        _ if matches!(kind, Kind::Place) && (-1199..=-1100).contains(&c) => {
            LiveError::InvalidOrder(reply)
        }
        _ => LiveError::Exchange(reply),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse::json(status, body.to_owned())
    }

    #[test]
    fn classification() {
        let k = Kind::Place;
        assert!(matches!(
            classify(
                k,
                &resp(400, r#"{"code":-2019,"msg":"Margin is insufficient."}"#)
            ),
            Outcome::Failed(LiveError::InsufficientFunds(_))
        ));
        assert!(matches!(
            classify(
                k,
                &resp(
                    400,
                    r#"{"code":-2010,"msg":"Account has insufficient balance for requested action."}"#
                )
            ),
            Outcome::Failed(LiveError::InsufficientFunds(_))
        ));
        assert!(matches!(
            classify(k, &resp(400, r#"{"code":-1013,"msg":"Filter failure: LOT_SIZE"}"#)),
            Outcome::Failed(LiveError::InvalidOrder(r)) if r.code == Some(-1013) && r.msg == "Filter failure: LOT_SIZE"
        ));
        assert!(matches!(
            classify(k, &resp(502, "<html>bad gateway</html>")),
            Outcome::Unknown(_)
        ));
        assert!(matches!(
            classify(
                k,
                &resp(
                    400,
                    r#"{"code":-1007,"msg":"Timeout waiting for response from backend server. Send status unknown; execution status unknown."}"#
                )
            ),
            Outcome::Unknown(_)
        ));
        let mut r429 = resp(429, r#"{"code":-1003,"msg":"Too many requests"}"#);
        r429.headers.push(("retry-after".into(), "7".into()));
        assert!(matches!(classify(k, &r429), Outcome::Throttled(7000, _)));
        assert!(matches!(
            classify(k, &resp(418, "{}")),
            Outcome::Banned(120_000, _)
        ));
        assert!(matches!(
            classify(
                k,
                &resp(
                    400,
                    r#"{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}"#
                )
            ),
            Outcome::ClockSkew(_)
        ));
        assert!(matches!(
            classify(
                Kind::Cancel,
                &resp(400, r#"{"code":-2011,"msg":"Unknown order sent."}"#)
            ),
            Outcome::Failed(LiveError::OrderNotFound(_))
        ));
        assert!(matches!(
            classify(
                k,
                &resp(
                    401,
                    r#"{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}"#
                )
            ),
            Outcome::Failed(LiveError::Authentication(_))
        ));
        assert!(is_success(&resp(200, r#"{"code":200,"msg":"success"}"#)));
        assert!(is_success(&resp(200, r#"[]"#)));
        assert!(!is_success(&resp(200, r#"{"code":-1000,"msg":"x"}"#)));
    }
}
