//! The futures book's JSON answers: orders, algo orders, tickers, exchange info, and the
//! filter-failure table.

use super::{AlgoOrder, FutOrder, Futures, Resp};
use crate::binance::errors::code;
use crate::binance::filters::filters_json;
use crate::binance::Market;
use crate::error::ValidationError;
use crate::exchange::params::Req;
use crate::exchange::reply::{extra, fixed, places, plain, ApiError, ApiResult};
use crate::order::OrderStatus;
use crate::types::{Side, Symbol};
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// Map a filter failure to the futures code and message.
pub(super) fn filter_error(e: &ValidationError) -> ApiError {
    use extra::*;
    match e {
        ValidationError::InvalidStepSize { .. } => ApiError::bad(
            code::QTY_NOT_INCREASED_BY_STEP_SIZE,
            "Qty not increased by step size.",
        ),
        ValidationError::InvalidTickSize { .. } => ApiError::bad(
            code::PRICE_NOT_INCREASED_BY_TICK_SIZE,
            "Price not increased by tick size.",
        ),
        ValidationError::AmountBelowMinimum { .. } => {
            ApiError::bad(QTY_LESS_THAN_MIN_QTY, "Quantity less than min quantity.")
        }
        ValidationError::AmountAboveMaximum { .. } => ApiError::bad(
            QTY_GREATER_THAN_MAX_QTY,
            "Quantity greater than max quantity.",
        ),
        ValidationError::PriceOutOfRange { price, min, .. } => {
            if !min.is_empty() && min != "0" && price.parse::<Decimal>().ok() < min.parse().ok() {
                ApiError::bad(PRICE_LESS_THAN_MIN_PRICE, "Price less than min price.")
            } else {
                ApiError::bad(
                    PRICE_GREATER_THAN_MAX_PRICE,
                    "Price greater than max price.",
                )
            }
        }
        ValidationError::PriceOutsideBand { side, limit, .. } => match side {
            Side::Buy => ApiError::bad(
                PRICE_HIGHER_THAN_MULTIPLIER_UP,
                format!("Limit price can't be higher than {limit}."),
            ),
            Side::Sell => ApiError::bad(
                PRICE_LOWER_THAN_MULTIPLIER_DOWN,
                format!("Limit price can't be lower than {limit}."),
            ),
        },
        ValidationError::NotionalBelowMinimum { min, .. } => ApiError::bad(
            code::MIN_NOTIONAL,
            format!(
                "Order's notional must be no smaller than {min} (unless you choose reduce only)."
            ),
        ),
        other => ApiError::bad(code::INVALID_MESSAGE, other.to_string()),
    }
}

pub(super) fn precision_error() -> ApiError {
    ApiError::bad(
        code::BAD_PRECISION,
        "Precision is over the maximum defined for this asset.",
    )
}

/// A decimal as a JSON number (leverageBracket publishes numbers).
pub(super) fn num(d: Decimal) -> Value {
    serde_json::from_str(&plain(d)).unwrap_or(Value::Null)
}

impl Futures {
    pub(super) fn order_json(&self, o: &FutOrder, resp: Resp, with_time: bool) -> Value {
        let (pdp, qdp) = (self.pdp(&o.symbol), self.qdp(&o.symbol));
        let (mut executed, mut quote, mut status, mut update) =
            (Decimal::ZERO, Decimal::ZERO, OrderStatus::Pending, o.time);
        if resp == Resp::Result {
            let (e, q, _) = self.progress(o);
            (executed, quote, status, update) = (e, q, self.status(o), o.update_time);
        }
        let avg = if executed.is_zero() {
            Decimal::ZERO
        } else {
            quote / executed
        };
        let mut v = json!({
            "orderId": o.order_id,
            "symbol": o.symbol.compact(),
            "status": status.binance(),
            "clientOrderId": o.client_order_id,
            "price": fixed(o.price, pdp),
            "avgPrice": fixed(avg, pdp.max(5)),
            "origQty": fixed(o.orig_qty, qdp),
            "executedQty": fixed(executed, qdp),
            "cumQty": fixed(executed, qdp),
            "cumQuote": fixed(quote, pdp + qdp),
            "timeInForce": o.tif.as_str(),
            "type": if o.is_market { "MARKET" } else { "LIMIT" },
            "reduceOnly": o.reduce_only,
            "closePosition": o.close_position,
            "side": o.side.binance(),
            "positionSide": "BOTH",
            "stopPrice": fixed(o.stop_price, pdp),
            "workingType": o.working_type,
            "priceProtect": false,
            "origType": o.orig_type.binance(),
            "priceMatch": "NONE",
            "selfTradePreventionMode": "EXPIRE_MAKER",
            "goodTillDate": 0,
            "updateTime": update,
        });
        if with_time {
            v["time"] = json!(o.time);
        }
        v
    }

    pub(super) fn algo_json(&self, a: &AlgoOrder) -> Value {
        let (pdp, qdp) = (self.pdp(&a.symbol), self.qdp(&a.symbol));
        let actual = a.actual_order.map(|i| &self.orders[i]);
        let (actual_id, actual_price, actual_qty) =
            actual.map_or((String::new(), String::new(), String::new()), |o| {
                let (e, q, _) = self.progress(o);
                let avg = if e.is_zero() { Decimal::ZERO } else { q / e };
                (
                    o.order_id.to_string(),
                    fixed(avg, pdp.max(5)),
                    fixed(e, qdp),
                )
            });
        json!({
            "algoId": a.algo_id,
            "clientAlgoId": a.client_algo_id,
            "algoType": "CONDITIONAL",
            "orderType": a.order_type.binance(),
            "symbol": a.symbol.compact(),
            "side": a.side.binance(),
            "positionSide": "BOTH",
            "timeInForce": a.tif.as_str(),
            "quantity": fixed(a.quantity.unwrap_or_default(), qdp),
            "algoStatus": self.algo_status(a).binance_algo(),
            "triggerPrice": fixed(a.trigger_price, pdp),
            "price": fixed(a.price.unwrap_or_default(), pdp),
            "icebergQuantity": Value::Null,
            "selfTradePreventionMode": "EXPIRE_MAKER",
            "workingType": a.working_type,
            "priceMatch": "NONE",
            "closePosition": a.close_position,
            "priceProtect": a.price_protect,
            "reduceOnly": a.reduce_only,
            "activatePrice": "",
            "callbackRate": "",
            "createTime": a.create_time,
            "updateTime": a.update_time,
            "triggerTime": a.trigger_time,
            "goodTillDate": 0,
            "actualOrderId": actual_id,
            "actualPrice": actual_price,
            "actualQty": actual_qty,
        })
    }

    pub(super) fn ticker(&self, req: &Req, now: i64) -> ApiResult {
        let one = |s: &Symbol| json!({"symbol": s.compact(), "price": fixed(self.mark(s), self.pdp(s)), "time": now});
        match self.by_name.opt_symbol(req)? {
            Some(s) => Ok(one(&s)),
            None => Ok(Value::Array(self.cfg.rules.0.keys().map(one).collect())),
        }
    }

    pub(super) fn premium_index(&self, req: &Req, now: i64) -> ApiResult {
        let next_funding = (now.div_euclid(8 * 3_600_000) + 1) * 8 * 3_600_000;
        let one = |s: &Symbol| {
            let p = fixed(self.mark(s), self.pdp(s) + 1);
            json!({
                "symbol": s.compact(),
                "markPrice": p,
                "indexPrice": p,
                "estimatedSettlePrice": p,
                "lastFundingRate": "0.00000000",
                "interestRate": "0.00000000",
                "nextFundingTime": next_funding,
                "time": now,
            })
        };
        match self.by_name.opt_symbol(req)? {
            Some(s) => Ok(one(&s)),
            None => Ok(Value::Array(self.cfg.rules.0.keys().map(one).collect())),
        }
    }

    pub(super) fn exchange_info(&self, now: i64) -> Value {
        let symbols: Vec<Value> = self
            .cfg
            .rules
            .0
            .iter()
            .map(|(s, r)| {
                let (base, quote) = s.as_str().split_once('/').unwrap_or((s.as_str(), ""));
                json!({
                    "symbol": s.compact(),
                    "pair": s.compact(),
                    "contractType": "PERPETUAL",
                    "deliveryDate": 4_133_404_800_000_i64,
                    "onboardDate": 1_569_398_400_000_i64,
                    "status": "TRADING",
                    "maintMarginPercent": "2.5000",
                    "requiredMarginPercent": "5.0000",
                    "baseAsset": base,
                    "quoteAsset": quote,
                    "marginAsset": quote,
                    "pricePrecision": places(r.tick_size),
                    "quantityPrecision": places(r.step_size),
                    "baseAssetPrecision": 8,
                    "quotePrecision": 8,
                    "underlyingType": "COIN",
                    "underlyingSubType": [],
                    "settlePlan": 0,
                    "triggerProtect": "0.0500",
                    "liquidationFee": "0.012500",
                    "marketTakeBound": "0.05",
                    "maxMoveOrderLimit": 10000,
                    "filters": filters_json(Market::UsdM, r),
                    "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"],
                    "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
                })
            })
            .collect();
        json!({
            "timezone": "UTC",
            "serverTime": now,
            "futuresType": "U_MARGINED",
            "rateLimits": [
                {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400},
                {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
                {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300},
            ],
            "exchangeFilters": [],
            "assets": [{"asset": "USDT", "marginAvailable": true, "autoAssetExchange": "-10000"}],
            "symbols": symbols,
        })
    }
}
