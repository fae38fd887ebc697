//! Pure Binance request builders and response parsers for the live client (no I/O).
//!
//! Quantities and prices go on the wire as plain decimal text (`0.001`, never `1e-3`), from
//! `Decimal`, so nothing is rounded by a float on the way.

use crate::binance::{Market, Method, Params};
use crate::error::LiveError;
use crate::money::{Money, Price, Quantity};
use crate::order::{Order, OrderStatus};
use crate::position::{AccountState, PositionState};
use crate::types::{OrderType, PositionSide, Side, Symbol};
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

/// Wire text of a decimal: normalised, no exponent.
#[must_use]
pub fn wire(d: Decimal) -> String {
    d.normalize().to_string()
}

/// What to place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceSpec {
    /// Our symbol.
    pub symbol: Symbol,
    /// Side.
    pub side: Side,
    /// Market, limit, stop-loss or take-profit.
    pub order_type: OrderType,
    /// Quantity (`None` with `close_position`).
    pub amount: Option<Quantity>,
    /// Limit price.
    pub price: Option<Price>,
    /// Trigger price (SL/TP).
    pub stop_price: Option<Price>,
    /// Only reduce.
    pub reduce_only: bool,
    /// Close the whole position when it fires (futures SL/TP).
    pub close_position: bool,
    /// Client order id, minted once per intent.
    pub client_id: String,
}

impl PlaceSpec {
    /// Whether this goes to the futures Algo endpoint (conditional orders since 2025-12-09).
    #[must_use]
    pub fn is_algo(&self, market: Market) -> bool {
        market == Market::UsdM
            && matches!(self.order_type, OrderType::StopLoss | OrderType::TakeProfit)
    }
}

/// Method, path and parameters of an order placement.
///
/// USD-M: MARKET/LIMIT on `/fapi/v1/order` (`RESULT` answer); stop-loss / take-profit as
/// `STOP_MARKET` / `TAKE_PROFIT_MARKET` conditional orders on `/fapi/v1/algoOrder`
/// (`triggerPrice`, `clientAlgoId`). Spot: `STOP_LOSS` / `TAKE_PROFIT` with `stopPrice` on
/// `/api/v3/order` (`FULL` answer, with fills and commissions).
#[must_use]
pub fn place_request(market: Market, o: &PlaceSpec) -> (Method, &'static str, Params) {
    let futures = market == Market::UsdM;
    let algo = o.is_algo(market);
    let ty = match (o.order_type, futures) {
        (OrderType::Market, _) => "MARKET",
        (OrderType::Limit, _) => "LIMIT",
        (OrderType::StopLoss, true) => "STOP_MARKET",
        (OrderType::TakeProfit, true) => "TAKE_PROFIT_MARKET",
        (OrderType::StopLoss, false) => "STOP_LOSS",
        (OrderType::TakeProfit, false) => "TAKE_PROFIT",
    };
    let mut p = Params::new();
    p.push("symbol", o.symbol.compact());
    p.push("side", o.side.binance());
    if algo {
        p.push("algoType", "CONDITIONAL");
    }
    p.push("type", ty);
    let limit = o.order_type == OrderType::Limit;
    if limit {
        p.push("timeInForce", "GTC");
    }
    if !o.close_position {
        p.push_opt("quantity", o.amount.map(|q| wire(q.0)));
    }
    p.push_opt("price", o.price.filter(|_| limit).map(|x| wire(x.0)));
    let trigger = o
        .stop_price
        .filter(|_| !matches!(o.order_type, OrderType::Market | OrderType::Limit));
    p.push_opt(
        if futures { "triggerPrice" } else { "stopPrice" },
        trigger.map(|x| wire(x.0)),
    );
    if o.close_position {
        p.push("closePosition", "true");
    } else if o.reduce_only && futures {
        p.push("reduceOnly", "true");
    }
    let (id_key, resp) = match (algo, futures) {
        (true, _) => ("clientAlgoId", None),
        (false, true) => ("newClientOrderId", Some("RESULT")),
        (false, false) => ("newClientOrderId", Some("FULL")),
    };
    p.push(id_key, o.client_id.clone());
    p.push_opt("newOrderRespType", resp);
    let path = match (algo, futures) {
        (true, _) => "/fapi/v1/algoOrder",
        (false, true) => "/fapi/v1/order",
        (false, false) => "/api/v3/order",
    };
    (Method::Post, path, p)
}

/// Query an order (plain or algo) by client id.
#[must_use]
pub fn query_request(
    market: Market,
    symbol: &Symbol,
    client_id: &str,
    algo: bool,
) -> (Method, &'static str, Params) {
    let mut p = Params::new();
    if algo {
        p.push("clientAlgoId", client_id);
        return (Method::Get, "/fapi/v1/algoOrder", p);
    }
    p.push("symbol", symbol.compact());
    p.push("origClientOrderId", client_id);
    let path = match market {
        Market::UsdM => "/fapi/v1/order",
        Market::Spot => "/api/v3/order",
    };
    (Method::Get, path, p)
}

/// Cancel an order (plain or algo) by client id.
#[must_use]
pub fn cancel_request(
    market: Market,
    symbol: &Symbol,
    client_id: &str,
    algo: bool,
) -> (Method, &'static str, Params) {
    let (_, path, p) = query_request(market, symbol, client_id, algo);
    (Method::Delete, path, p)
}

/// Set the leverage of a futures symbol.
#[must_use]
pub fn leverage_request(symbol: &Symbol, leverage: u32) -> (Method, &'static str, Params) {
    let mut p = Params::new();
    p.push("symbol", symbol.compact());
    p.push("leverage", leverage.to_string());
    (Method::Post, "/fapi/v1/leverage", p)
}

fn bad(what: &str) -> LiveError {
    LiveError::BadResponse(what.to_owned())
}

/// A decimal field given as a string (Binance's way) or a number.
fn dec(v: &Value, key: &str) -> Option<Decimal> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Decimal::from_str(s).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    }
}

fn int(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Parse JSON text.
///
/// # Errors
/// `BadResponse` for invalid JSON.
pub fn json(body: &str) -> Result<Value, LiveError> {
    serde_json::from_str(body).map_err(|e| bad(&format!("invalid JSON: {e}")))
}

/// Server time from `/time`.
///
/// # Errors
/// `BadResponse`.
pub fn parse_server_time(body: &str) -> Result<i64, LiveError> {
    int(&json(body)?, "serverTime").ok_or_else(|| bad("no serverTime"))
}

/// An order (plain, algo or spot) as our `Order`. `leverage` is the symbol's leverage.
///
/// # Errors
/// `BadResponse` when required fields are missing.
pub fn parse_order(v: &Value, symbol: &Symbol, leverage: u32) -> Result<Order, LiveError> {
    let algo = v.get("algoId").is_some();
    let client_id = text(
        v,
        if algo {
            "clientAlgoId"
        } else {
            "clientOrderId"
        },
    )
    .ok_or_else(|| bad("order without a client id"))?
    .to_owned();
    let side = text(v, "side")
        .and_then(Side::from_binance)
        .ok_or_else(|| bad("order side"))?;
    let ty_text = text(v, if algo { "orderType" } else { "type" }).unwrap_or("");
    let order_type = match ty_text {
        "MARKET" => OrderType::Market,
        "LIMIT" | "LIMIT_MAKER" => OrderType::Limit,
        "STOP_MARKET" | "STOP" | "STOP_LOSS" | "STOP_LOSS_LIMIT" => OrderType::StopLoss,
        "TAKE_PROFIT_MARKET" | "TAKE_PROFIT" | "TAKE_PROFIT_LIMIT" => OrderType::TakeProfit,
        other => return Err(bad(&format!("order type {other:?}"))),
    };
    let amount = dec(v, if algo { "quantity" } else { "origQty" }).unwrap_or_default();
    let ts = int(v, "updateTime")
        .or_else(|| int(v, "transactTime"))
        .or_else(|| int(v, "time"))
        .or_else(|| int(v, "createTime"))
        .unwrap_or(0);
    let mut o = Order::new(
        client_id,
        symbol.clone(),
        side,
        order_type,
        Quantity(amount),
        leverage,
        u64::try_from(ts).unwrap_or(0),
    );
    o.exchange_order_id = int(v, if algo { "algoId" } else { "orderId" }).map(|i| i.to_string());
    o.price = dec(v, "price").filter(|p| !p.is_zero()).map(Price);
    o.stop_price = dec(v, if algo { "triggerPrice" } else { "stopPrice" })
        .filter(|p| !p.is_zero())
        .map(Price);
    o.reduce_only = v
        .get("reduceOnly")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    o.close_position = v
        .get("closePosition")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let executed = dec(v, "executedQty").unwrap_or_default();
    if executed > Decimal::ZERO {
        o.filled_amount = Some(Quantity(executed));
        let avg = dec(v, "avgPrice").filter(|p| !p.is_zero()).or_else(|| {
            let quote = dec(v, "cummulativeQuoteQty")?;
            quote.checked_div(executed)
        });
        o.filled_price = avg.map(Price);
    }
    if let Some(fills) = v.get("fills").and_then(Value::as_array) {
        // Spot charges commission in the asset received; fees are reported in the quote
        // currency, so a commission in the base asset is valued at its fill price.
        let base = symbol.as_str().split('/').next().unwrap_or_default();
        let fee: Decimal = fills
            .iter()
            .filter_map(|f| {
                let c = dec(f, "commission")?;
                if text(f, "commissionAsset") == Some(base) {
                    c.checked_mul(dec(f, "price")?)
                } else {
                    Some(c)
                }
            })
            .sum();
        if !fills.is_empty() {
            o.fee = Some(Money(fee));
        }
    }
    // The status table (an unknown word reads as still working).
    let status = text(v, if algo { "algoStatus" } else { "status" }).unwrap_or("NEW");
    o.status = OrderStatus::from_binance(status).unwrap_or(OrderStatus::Pending);
    Ok(o)
}

/// Futures positions from `positionRisk` (v2 or v3); zero positions are left out.
///
/// # Errors
/// `BadResponse`.
pub fn parse_positions(
    body: &str,
    symbols: &dyn Fn(&str) -> Option<Symbol>,
) -> Result<Vec<PositionState>, LiveError> {
    let v = json(body)?;
    let arr = v
        .as_array()
        .ok_or_else(|| bad("positionRisk is not an array"))?;
    let mut out = Vec::new();
    for p in arr {
        let amt = dec(p, "positionAmt").unwrap_or_default();
        if amt.is_zero() {
            continue;
        }
        let Some(sym) = text(p, "symbol").and_then(symbols) else {
            continue;
        };
        let entry = dec(p, "entryPrice").unwrap_or_default();
        let mark = dec(p, "markPrice").unwrap_or(entry);
        let leverage = int(p, "leverage")
            .and_then(|l| u32::try_from(l).ok())
            .unwrap_or(1);
        let margin = dec(p, "isolatedMargin")
            .filter(|m| !m.is_zero())
            .or_else(|| dec(p, "initialMargin"))
            .unwrap_or_else(|| (amt.abs() * entry / Decimal::from(leverage.max(1))).round_dp(8));
        out.push(PositionState {
            symbol: sym,
            side: if amt > Decimal::ZERO {
                PositionSide::Long
            } else {
                PositionSide::Short
            },
            entry_price: Price(entry),
            current_price: Price(mark),
            amount: Quantity(amt.abs()),
            leverage,
            unrealized_pnl: Money(dec(p, "unRealizedProfit").unwrap_or_default()),
            realized_pnl: Money::ZERO,
            margin: Money(margin),
            liquidation_price: dec(p, "liquidationPrice")
                .filter(|l| !l.is_zero())
                .map(Price),
            stop_loss: None,
            take_profit: None,
            opened_at_ms: int(p, "updateTime")
                .and_then(|t| u64::try_from(t).ok())
                .unwrap_or(0),
        });
    }
    Ok(out)
}

/// Futures account (`/fapi/v2/account` or v3) as our `AccountState` (USDT figures).
///
/// # Errors
/// `BadResponse`.
pub fn parse_futures_account(body: &str) -> Result<AccountState, LiveError> {
    let v = json(body)?;
    let f = |k: &str| Money(dec(&v, k).unwrap_or_default());
    if v.get("totalWalletBalance").is_none() {
        return Err(bad("account without totalWalletBalance"));
    }
    let positions = v.get("positions").and_then(Value::as_array).map_or(0, |a| {
        a.iter()
            .filter(|p| dec(p, "positionAmt").is_some_and(|x| !x.is_zero()))
            .count()
    });
    Ok(AccountState {
        initial_balance: f("totalWalletBalance"),
        wallet_balance: f("totalWalletBalance"),
        balance: f("availableBalance"),
        equity: f("totalMarginBalance"),
        margin_used: f("totalPositionInitialMargin"),
        reserved: f("totalOpenOrderInitialMargin"),
        realized_pnl: Money::ZERO,
        unrealized_pnl: f("totalUnrealizedProfit"),
        fees_paid: Money::ZERO,
        positions_count: positions,
        open_orders_count: 0,
    })
}

/// Spot balances: `(asset, free, locked)`.
///
/// # Errors
/// `BadResponse`.
pub fn parse_spot_balances(body: &str) -> Result<Vec<(String, Decimal, Decimal)>, LiveError> {
    let v = json(body)?;
    let arr = v
        .get("balances")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("account without balances"))?;
    Ok(arr
        .iter()
        .filter_map(|b| {
            Some((
                text(b, "asset")?.to_owned(),
                dec(b, "free")?,
                dec(b, "locked").unwrap_or_default(),
            ))
        })
        .collect())
}

/// Mark price from `premiumIndex` or last price from `ticker/price`.
///
/// # Errors
/// `BadResponse`.
pub fn parse_price(body: &str) -> Result<Decimal, LiveError> {
    let v = json(body)?;
    dec(&v, "markPrice")
        .or_else(|| dec(&v, "price"))
        .ok_or_else(|| bad("no price"))
}

/// Commission total and average price of a futures order's trades (`userTrades`),
/// deduplicated by trade id.
///
/// # Errors
/// `BadResponse`.
pub fn parse_trades_fee(body: &str) -> Result<Decimal, LiveError> {
    let v = json(body)?;
    let arr = v
        .as_array()
        .ok_or_else(|| bad("userTrades is not an array"))?;
    let mut seen = std::collections::BTreeSet::new();
    Ok(arr
        .iter()
        .filter(|t| seen.insert(int(t, "id").unwrap_or(-1)))
        .filter_map(|t| dec(t, "commission"))
        .sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn btc() -> Symbol {
        Symbol::parse("BTC/USDT").unwrap()
    }

    #[test]
    fn futures_requests() {
        let spec = PlaceSpec {
            symbol: btc(),
            side: Side::Buy,
            order_type: OrderType::Limit,
            amount: Some(Quantity(Decimal::new(1, 3))),
            price: Some(Price(Decimal::new(490_000, 1))),
            stop_price: None,
            reduce_only: false,
            close_position: false,
            client_id: "iftb-1".into(),
        };
        let (m, path, p) = place_request(Market::UsdM, &spec);
        assert_eq!((m, path), (Method::Post, "/fapi/v1/order"));
        assert_eq!(p.encode(), "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=49000&newClientOrderId=iftb-1&newOrderRespType=RESULT");
        let sl = PlaceSpec {
            order_type: OrderType::StopLoss,
            side: Side::Sell,
            amount: None,
            price: None,
            stop_price: Some(Price(Decimal::from(48_000))),
            close_position: true,
            ..spec
        };
        let (_, path, p) = place_request(Market::UsdM, &sl);
        assert_eq!(path, "/fapi/v1/algoOrder");
        assert_eq!(p.encode(), "symbol=BTCUSDT&side=SELL&algoType=CONDITIONAL&type=STOP_MARKET&triggerPrice=48000&closePosition=true&clientAlgoId=iftb-1");
    }

    #[test]
    fn parses_documented_responses() {
        let v: Value = serde_json::from_str(r#"{"orderId":4087922044,"symbol":"BTCUSDT","status":"NEW","clientOrderId":"x-xcKtGhcu04075babaeb34c55af79ba","price":"110001.00","avgPrice":"0.00","origQty":"0.200","executedQty":"0.000","cumQty":"0.000","cumQuote":"0.00000","timeInForce":"GTC","type":"LIMIT","reduceOnly":false,"closePosition":false,"side":"SELL","positionSide":"BOTH","stopPrice":"0.00","workingType":"CONTRACT_PRICE","priceProtect":false,"origType":"LIMIT","priceMatch":"NONE","selfTradePreventionMode":"NONE","goodTillDate":0,"updateTime":1739781831932}"#).unwrap();
        let o = parse_order(&v, &btc(), 5).unwrap();
        assert_eq!(o.status, OrderStatus::Pending);
        assert_eq!(
            o.price,
            Some(Price(Decimal::from_str("110001.00").unwrap()))
        );
        assert_eq!(o.amount, Quantity(Decimal::from_str("0.2").unwrap()));
        assert_eq!(o.exchange_order_id.as_deref(), Some("4087922044"));
        let a: Value = serde_json::from_str(r#"{"algoId":2146760,"clientAlgoId":"6B2I9XVcJpCjqPAJ4YoFX7","algoType":"CONDITIONAL","orderType":"TAKE_PROFIT","symbol":"BNBUSDT","side":"SELL","positionSide":"BOTH","timeInForce":"GTC","quantity":"0.01","algoStatus":"NEW","triggerPrice":"750.000","price":"750.000","icebergQuantity":"null","selfTradePreventionMode":"EXPIRE_MAKER","workingType":"CONTRACT_PRICE","priceMatch":"NONE","closePosition":false,"priceProtect":false,"reduceOnly":false,"activatePrice":"","callbackRate":"","createTime":1750485492076,"updateTime":1750485492076,"triggerTime":0,"goodTillDate":0}"#).unwrap();
        let o = parse_order(&a, &Symbol::parse("BNB/USDT").unwrap(), 1).unwrap();
        assert_eq!(
            (o.order_type, o.status),
            (OrderType::TakeProfit, OrderStatus::Pending)
        );
        assert_eq!(o.stop_price, Some(Price(Decimal::from(750))));
        let s: Value = serde_json::from_str(r#"{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":"c1","transactTime":1507725176595,"price":"0.00000000","origQty":"10.00000000","executedQty":"10.00000000","origQuoteOrderQty":"0.000000","cummulativeQuoteQty":"40000.00000000","status":"FILLED","timeInForce":"GTC","type":"MARKET","side":"SELL","fills":[{"price":"4000.00000000","qty":"1.00000000","commission":"4.00000000","commissionAsset":"USDT","tradeId":56},{"price":"4000","qty":"9","commission":"36","commissionAsset":"USDT","tradeId":57}]}"#).unwrap();
        let o = parse_order(&s, &btc(), 1).unwrap();
        assert_eq!(o.status, OrderStatus::Filled);
        assert_eq!(o.filled_price, Some(Price(Decimal::from(4000))));
        assert_eq!(o.fee, Some(Money(Decimal::from(40))));
        let b: Value = serde_json::from_str(r#"{"symbol":"BTCUSDT","orderId":29,"clientOrderId":"c2","side":"BUY","type":"MARKET","origQty":"0.01","executedQty":"0.01","cummulativeQuoteQty":"500","status":"FILLED","fills":[{"price":"50000","qty":"0.01","commission":"0.00001","commissionAsset":"BTC","tradeId":58}]}"#).unwrap();
        assert_eq!(
            parse_order(&b, &btc(), 1).unwrap().fee,
            Some(Money(Decimal::new(5, 1))),
            "0.00001 BTC at 50000 = 0.5 USDT"
        );
        let pos = parse_positions(r#"[{"entryPrice":"50000","marginType":"isolated","isAutoAddMargin":"false","isolatedMargin":"1000","leverage":"5","liquidationPrice":"40400","markPrice":"51000","maxNotionalValue":"20000000","positionAmt":"-0.100","notional":"-5100","isolatedWallet":"1000","symbol":"BTCUSDT","unRealizedProfit":"-100.00000000","positionSide":"BOTH","updateTime":1625474304765},{"symbol":"ETHUSDT","positionAmt":"0.000"}]"#, &|s| (s == "BTCUSDT").then(btc)).unwrap();
        assert_eq!(pos.len(), 1);
        assert_eq!(
            (pos[0].side, pos[0].amount, pos[0].leverage),
            (PositionSide::Short, Quantity(Decimal::new(1, 1)), 5)
        );
        assert_eq!(pos[0].liquidation_price, Some(Price(Decimal::from(40_400))));
        assert!(parse_order(&serde_json::json!({"side":"BUY"}), &btc(), 1).is_err());
        assert!(json("{").is_err());
    }
}
