//! `exchangeInfo` symbol filters ⇄ [`SymbolRules`]: the client reads them, the local
//! exchange publishes them, and both check orders with the same rules.

use super::endpoints::Market;
use crate::rules::SymbolRules;
use crate::types::Symbol;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::str::FromStr;

/// One tradable symbol of an `exchangeInfo` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolInfo {
    /// Our form, `BTC/USDT`.
    pub symbol: Symbol,
    /// Exchange form, `BTCUSDT`.
    pub exchange_symbol: String,
    /// Whether `status` is `TRADING`.
    pub trading: bool,
    /// Filters.
    pub rules: SymbolRules,
}

fn dec_field(v: &Value, key: &str) -> Decimal {
    match v.get(key) {
        Some(Value::String(s)) => Decimal::from_str(s).unwrap_or_default(),
        Some(Value::Number(n)) => Decimal::from_str(&n.to_string()).unwrap_or_default(),
        _ => Decimal::ZERO,
    }
}

/// Read the rules from a symbol's `filters` array (unknown filters are ignored).
#[must_use]
pub fn rules_from_filters(filters: &[Value]) -> SymbolRules {
    let mut r = SymbolRules::default();
    for f in filters {
        match f.get("filterType").and_then(Value::as_str) {
            Some("PRICE_FILTER") => {
                r.min_price = dec_field(f, "minPrice");
                r.max_price = dec_field(f, "maxPrice");
                r.tick_size = dec_field(f, "tickSize");
            }
            Some("LOT_SIZE") => {
                r.min_qty = dec_field(f, "minQty");
                r.max_qty = dec_field(f, "maxQty");
                r.step_size = dec_field(f, "stepSize");
            }
            Some("MARKET_LOT_SIZE") => {
                r.market_min_qty = dec_field(f, "minQty");
                r.market_max_qty = dec_field(f, "maxQty");
                r.market_step_size = dec_field(f, "stepSize");
            }
            // Spot MIN_NOTIONAL uses `minNotional`; futures uses `notional`.
            Some("MIN_NOTIONAL") => {
                r.min_notional = dec_field(f, "minNotional").max(dec_field(f, "notional"));
            }
            Some("NOTIONAL") => {
                r.min_notional = dec_field(f, "minNotional");
                r.max_notional = dec_field(f, "maxNotional");
            }
            Some("PERCENT_PRICE") => {
                r.multiplier_up = dec_field(f, "multiplierUp");
                r.multiplier_down = dec_field(f, "multiplierDown");
            }
            _ => {}
        }
    }
    r
}

/// Parse an `exchangeInfo` body into its symbols.
///
/// # Errors
/// A body that is not an `exchangeInfo` object.
pub fn parse_exchange_info(body: &str) -> Result<Vec<SymbolInfo>, String> {
    let v: Value = serde_json::from_str(body).map_err(|e| format!("exchangeInfo: {e}"))?;
    let symbols = v
        .get("symbols")
        .and_then(Value::as_array)
        .ok_or("exchangeInfo has no symbols array")?;
    let mut out = Vec::with_capacity(symbols.len());
    for s in symbols {
        let (Some(name), Some(base), Some(quote)) = (
            s.get("symbol").and_then(Value::as_str),
            s.get("baseAsset").and_then(Value::as_str),
            s.get("quoteAsset").and_then(Value::as_str),
        ) else {
            continue;
        };
        let Ok(symbol) = Symbol::parse(&format!("{base}/{quote}")) else {
            continue;
        };
        let filters = s
            .get("filters")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        out.push(SymbolInfo {
            symbol,
            exchange_symbol: name.to_owned(),
            trading: s.get("status").and_then(Value::as_str) == Some("TRADING"),
            rules: rules_from_filters(filters),
        });
    }
    Ok(out)
}

fn s(d: Decimal) -> String {
    d.normalize().to_string()
}

/// The `filters` array Binance would publish for these rules.
#[must_use]
pub fn filters_json(market: Market, r: &SymbolRules) -> Vec<Value> {
    let market_lot = |v: Decimal, f: Decimal| s(if v.is_zero() { f } else { v });
    let mut out = vec![
        json!({"filterType": "PRICE_FILTER", "minPrice": s(r.min_price), "maxPrice": s(r.max_price), "tickSize": s(r.tick_size)}),
        json!({"filterType": "LOT_SIZE", "minQty": s(r.min_qty), "maxQty": s(r.max_qty), "stepSize": s(r.step_size)}),
        json!({"filterType": "MARKET_LOT_SIZE", "minQty": market_lot(r.market_min_qty, r.min_qty), "maxQty": market_lot(r.market_max_qty, r.max_qty), "stepSize": market_lot(r.market_step_size, r.step_size)}),
    ];
    match market {
        Market::UsdM => {
            out.push(json!({"filterType": "MAX_NUM_ORDERS", "limit": 200}));
            out.push(json!({"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10}));
            out.push(json!({"filterType": "MIN_NOTIONAL", "notional": s(r.min_notional)}));
        }
        Market::Spot => {
            out.push(json!({"filterType": "NOTIONAL", "minNotional": s(r.min_notional), "applyMinToMarket": true, "maxNotional": s(r.max_notional), "applyMaxToMarket": false, "avgPriceMins": 5}));
        }
    }
    if !r.multiplier_up.is_zero() || !r.multiplier_down.is_zero() {
        out.push(json!({"filterType": "PERCENT_PRICE", "multiplierUp": s(r.multiplier_up), "multiplierDown": s(r.multiplier_down), "multiplierDecimal": "4"}));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn futures_sample_filters() {
        let filters: Vec<Value> = serde_json::from_str(r#"[{"filterType":"PRICE_FILTER","maxPrice":"300","minPrice":"0.0001","tickSize":"0.0001"}, {"filterType":"LOT_SIZE","maxQty":"10000000","minQty":"1","stepSize":"1"}, {"filterType":"MARKET_LOT_SIZE","maxQty":"590119","minQty":"1","stepSize":"1"}, {"filterType":"MAX_NUM_ORDERS","limit":200}, {"filterType":"MAX_NUM_ALGO_ORDERS","limit":10}, {"filterType":"MIN_NOTIONAL","notional":"5.0"}, {"filterType":"PERCENT_PRICE","multiplierUp":"1.1500","multiplierDown":"0.8500","multiplierDecimal":"4"}]"#).unwrap();
        let r = rules_from_filters(&filters);
        assert_eq!(r.tick_size, Decimal::new(1, 4));
        assert_eq!(r.max_price, Decimal::from(300));
        assert_eq!(r.market_max_qty, Decimal::from(590_119));
        assert_eq!(r.min_notional, Decimal::new(50, 1));
        assert_eq!(r.multiplier_up, Decimal::new(11500, 4));
        for m in [Market::UsdM, Market::Spot] {
            let back = rules_from_filters(&filters_json(m, &r));
            assert_eq!(back.tick_size, r.tick_size);
            assert_eq!(back.min_qty, r.min_qty);
            assert_eq!(back.market_max_qty, r.market_max_qty);
            assert_eq!(back.min_notional, r.min_notional);
            assert_eq!(back.multiplier_down, r.multiplier_down);
        }
    }
}
