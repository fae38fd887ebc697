//! Answers of the local exchange: Binance error bodies (`{"code":…,"msg":…}`) with their
//! HTTP status, and the number formats Binance uses in JSON (decimal strings).

use crate::binance::errors::code;
use rust_decimal::Decimal;

/// Codes the exchange answers with that the client layer does not need (binance-api.md §4.2
/// where documented there; the rest are Binance's published codes as commonly seen).
pub mod extra {
    /// Too many parameters / duplicate values for a parameter.
    pub const TOO_MANY_PARAMETERS: i64 = -1101;
    /// A parameter was sent that the order type does not take.
    pub const PARAM_NOT_REQUIRED: i64 = -1106;
    /// Invalid `timeInForce`.
    pub const INVALID_TIF: i64 = -1115;
    /// Invalid order type.
    pub const INVALID_ORDER_TYPE: i64 = -1116;
    /// Invalid side.
    pub const INVALID_SIDE: i64 = -1117;
    /// recvWindow above the spot maximum.
    pub const BAD_RECV_WINDOW: i64 = -1131;
    /// Too many new orders (order-count limit).
    pub const TOO_MANY_ORDERS: i64 = -1015;
    /// Futures: price ≤ 0.
    pub const PRICE_LESS_THAN_ZERO: i64 = -4001;
    /// Futures: price above PRICE_FILTER maxPrice.
    pub const PRICE_GREATER_THAN_MAX_PRICE: i64 = -4002;
    /// Futures: quantity ≤ 0.
    pub const QTY_LESS_THAN_ZERO: i64 = -4003;
    /// Futures: quantity below LOT_SIZE minQty.
    pub const QTY_LESS_THAN_MIN_QTY: i64 = -4004;
    /// Futures: quantity above LOT_SIZE maxQty.
    pub const QTY_GREATER_THAN_MAX_QTY: i64 = -4005;
    /// Futures: price below PRICE_FILTER minPrice.
    pub const PRICE_LESS_THAN_MIN_PRICE: i64 = -4013;
    /// Futures: client order id malformed.
    pub const INVALID_CLIENT_ORDER_ID: i64 = -4015;
    /// Futures: limit price above mark × multiplierUp.
    pub const PRICE_HIGHER_THAN_MULTIPLIER_UP: i64 = -4016;
    /// Futures: limit price below mark × multiplierDown.
    pub const PRICE_LOWER_THAN_MULTIPLIER_DOWN: i64 = -4024;
    /// Futures: margin type unchanged.
    pub const NO_NEED_TO_CHANGE_MARGIN_TYPE: i64 = -4046;
    /// Futures: margin type change with open orders.
    pub const THERE_EXISTS_OPEN_ORDERS: i64 = -4047;
    /// Futures: margin type change with a position.
    pub const THERE_EXISTS_QUANTITY: i64 = -4048;
    /// Futures: leverage change refused while a position is open (isolated margin).
    pub const LEVERAGE_REDUCTION_NOT_SUPPORTED: i64 = -4161;
}

/// A Binance error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Binance code.
    pub code: i64,
    /// Message.
    pub msg: String,
}

/// Result of an endpoint handler: a JSON value or a Binance error.
pub type ApiResult = Result<serde_json::Value, ApiError>;

impl ApiError {
    /// HTTP 400 with a code and message.
    #[must_use]
    pub fn bad(code: i64, msg: impl Into<String>) -> Self {
        Self {
            status: 400,
            code,
            msg: msg.into(),
        }
    }
    /// The JSON body.
    #[must_use]
    pub fn body(&self) -> String {
        serde_json::json!({"code": self.code, "msg": self.msg}).to_string()
    }
    /// -1102 for a missing mandatory parameter.
    #[must_use]
    pub fn mandatory(name: &str) -> Self {
        Self::bad(
            code::MANDATORY_PARAM_EMPTY_OR_MALFORMED,
            format!("Mandatory parameter '{name}' was not sent, was empty/null, or malformed."),
        )
    }
    /// -1100 for a value that is not a plain decimal.
    #[must_use]
    pub fn illegal_decimal(name: &str) -> Self {
        Self::bad(
            code::ILLEGAL_CHARS,
            format!("Illegal characters found in parameter '{name}'; legal range is '^([0-9]{{1,20}})(\\.[0-9]{{1,20}})?$'."),
        )
    }
    /// -1130 for a value that is not valid for the parameter.
    #[must_use]
    pub fn invalid_value(name: &str) -> Self {
        Self::bad(
            code::BAD_PARAM,
            format!("Data sent for parameter '{name}' is not valid."),
        )
    }
    /// -1106 for a parameter the order does not take.
    #[must_use]
    pub fn not_required(name: &str) -> Self {
        Self::bad(
            extra::PARAM_NOT_REQUIRED,
            format!("Parameter '{name}' sent when not required."),
        )
    }
    /// -1121 Invalid symbol.
    #[must_use]
    pub fn bad_symbol() -> Self {
        Self::bad(code::BAD_SYMBOL, "Invalid symbol.")
    }
    /// -2013 Order does not exist.
    #[must_use]
    pub fn no_such_order() -> Self {
        Self::bad(code::NO_SUCH_ORDER, "Order does not exist.")
    }
    /// -2011 Unknown order sent.
    #[must_use]
    pub fn unknown_order() -> Self {
        Self::bad(code::CANCEL_REJECTED, "Unknown order sent.")
    }
    /// -1000 with a message (internal problems; never expected).
    #[must_use]
    pub fn internal(msg: impl Into<String>) -> Self {
        Self {
            status: 500,
            code: code::UNKNOWN,
            msg: msg.into(),
        }
    }
}

/// `d` with exactly `dp` decimal places (rounded half-even), never `-0`.
#[must_use]
pub fn fixed(d: Decimal, dp: u32) -> String {
    let mut x = d.round_dp(dp);
    if x.is_zero() {
        x = Decimal::ZERO;
    }
    x.rescale(dp);
    x.to_string()
}

/// Number of decimal places of a step/tick (`0.001` → 3, `1` → 0).
#[must_use]
pub fn places(step: Decimal) -> u32 {
    step.normalize().scale()
}

/// Plain decimal text without trailing zeros.
#[must_use]
pub fn plain(d: Decimal) -> String {
    let n = d.normalize();
    if n.is_zero() {
        "0".into()
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(fixed(Decimal::new(15, 1), 3), "1.500");
        assert_eq!(fixed(Decimal::new(-1, 9), 2), "0.00");
        assert_eq!(places(Decimal::new(1000, 6)), 3);
        assert_eq!(places(Decimal::ONE), 0);
        assert_eq!(plain(Decimal::new(5000, 2)), "50");
    }
}
