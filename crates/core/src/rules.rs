//! Per-symbol exchange rules (lot size, tick size, minimum notional), checked before an
//! order is sent so paper rejects what a real exchange would reject.

use crate::error::ValidationError;
use crate::types::Symbol;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Trading rules of one symbol. A zero value disables its check (Binance convention).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SymbolRules {
    /// Smallest quantity.
    pub min_qty: Decimal,
    /// Largest quantity.
    pub max_qty: Decimal,
    /// Quantity increment.
    pub step_size: Decimal,
    /// Price increment.
    pub tick_size: Decimal,
    /// Smallest order value (quantity × price).
    pub min_notional: Decimal,
    /// Lowest price (PRICE_FILTER `minPrice`; 0 = no check).
    #[serde(default)]
    pub min_price: Decimal,
    /// Highest price (PRICE_FILTER `maxPrice`; 0 = no check).
    #[serde(default)]
    pub max_price: Decimal,
    /// MARKET_LOT_SIZE `minQty` for market orders (0 = use `min_qty`).
    #[serde(default)]
    pub market_min_qty: Decimal,
    /// MARKET_LOT_SIZE `maxQty` for market orders (0 = use `max_qty`).
    #[serde(default)]
    pub market_max_qty: Decimal,
    /// MARKET_LOT_SIZE `stepSize` for market orders (0 = use `step_size`).
    #[serde(default)]
    pub market_step_size: Decimal,
    /// Largest order value (NOTIONAL `maxNotional`; 0 = no check).
    #[serde(default)]
    pub max_notional: Decimal,
    /// PERCENT_PRICE `multiplierUp`: a price may be at most reference × this (0 = no check).
    #[serde(default)]
    pub multiplier_up: Decimal,
    /// PERCENT_PRICE `multiplierDown`: a price must be at least reference × this.
    #[serde(default)]
    pub multiplier_down: Decimal,
}

fn dec(m: i64, s: u32) -> Decimal {
    Decimal::new(m, s)
}

/// Rules per symbol; symbols not listed are unrestricted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MarketRules(pub BTreeMap<Symbol, SymbolRules>);

impl MarketRules {
    /// A default table for common USD-M perpetuals (Binance filter values at the time of
    /// writing; replace them with `exchangeInfo` for live trading).
    #[must_use]
    pub fn defaults() -> Self {
        let rows = [
            (
                "BTC/USDT",
                dec(1, 3),
                dec(1000, 0),
                dec(1, 3),
                dec(1, 1),
                dec(100, 0),
            ),
            (
                "ETH/USDT",
                dec(1, 3),
                dec(10_000, 0),
                dec(1, 3),
                dec(1, 2),
                dec(20, 0),
            ),
            (
                "BNB/USDT",
                dec(1, 2),
                dec(100_000, 0),
                dec(1, 2),
                dec(1, 2),
                dec(5, 0),
            ),
            (
                "SOL/USDT",
                dec(1, 0),
                dec(1_000_000, 0),
                dec(1, 0),
                dec(1, 2),
                dec(5, 0),
            ),
            (
                "XRP/USDT",
                dec(1, 1),
                dec(10_000_000, 0),
                dec(1, 1),
                dec(1, 4),
                dec(5, 0),
            ),
        ];
        Self(
            rows.into_iter()
                .filter_map(
                    |(s, min_qty, max_qty, step_size, tick_size, min_notional)| {
                        Some((
                            Symbol::parse(s).ok()?,
                            SymbolRules {
                                min_qty,
                                max_qty,
                                step_size,
                                tick_size,
                                min_notional,
                                ..SymbolRules::default()
                            },
                        ))
                    },
                )
                .collect(),
        )
    }

    /// Rules from a Binance `exchangeInfo` body (Spot or USD-M), so paper trading checks
    /// exactly the filters the live exchange publishes.
    ///
    /// # Errors
    /// A body that is not an `exchangeInfo` answer.
    pub fn from_exchange_info(body: &str) -> Result<Self, ValidationError> {
        let infos = crate::binance::filters::parse_exchange_info(body)
            .map_err(ValidationError::InvalidConfig)?;
        Ok(Self(
            infos.into_iter().map(|i| (i.symbol, i.rules)).collect(),
        ))
    }

    /// Rules of a symbol.
    #[must_use]
    pub fn get(&self, symbol: &Symbol) -> Option<&SymbolRules> {
        self.0.get(symbol)
    }
}

fn is_multiple(v: Decimal, step: Decimal) -> bool {
    step.is_zero() || (v % step).is_zero()
}

fn or(v: Decimal, fallback: Decimal) -> Decimal {
    if v.is_zero() {
        fallback
    } else {
        v
    }
}

/// What is being checked by [`SymbolRules::check_order`].
#[derive(Debug, Clone, Copy)]
pub struct OrderCheck {
    /// A market order (MARKET_LOT_SIZE applies, the reference price stands in for `price`).
    pub is_market: bool,
    /// Buy or sell (PERCENT_PRICE is one-sided on futures).
    pub side: crate::types::Side,
    /// Quantity.
    pub amount: Decimal,
    /// Limit price, when there is one.
    pub price: Option<Decimal>,
    /// Trigger price, when there is one.
    pub stop_price: Option<Decimal>,
    /// Current/mark price, for notional of market orders and the PERCENT_PRICE band.
    pub reference: Option<Decimal>,
}

impl SymbolRules {
    /// Check a quantity: minimum, maximum, step.
    ///
    /// # Errors
    /// `AmountBelowMinimum`, `AmountAboveMaximum`, `InvalidStepSize`.
    pub fn check_amount(&self, symbol: &Symbol, amount: Decimal) -> Result<(), ValidationError> {
        if !self.min_qty.is_zero() && amount < self.min_qty {
            return Err(ValidationError::AmountBelowMinimum {
                symbol: symbol.to_string(),
                amount: amount.to_string(),
                min: self.min_qty.normalize().to_string(),
            });
        }
        if !self.max_qty.is_zero() && amount > self.max_qty {
            return Err(ValidationError::AmountAboveMaximum {
                symbol: symbol.to_string(),
                amount: amount.to_string(),
                max: self.max_qty.normalize().to_string(),
            });
        }
        if !is_multiple(amount, self.step_size) {
            return Err(ValidationError::InvalidStepSize {
                symbol: symbol.to_string(),
                amount: amount.to_string(),
                step: self.step_size.normalize().to_string(),
                rounded: self.round_amount_down(amount).to_string(),
            });
        }
        Ok(())
    }

    /// Check a price against the tick size.
    ///
    /// # Errors
    /// `InvalidTickSize`.
    pub fn check_price(
        &self,
        symbol: &Symbol,
        field: &'static str,
        price: Decimal,
    ) -> Result<(), ValidationError> {
        if is_multiple(price, self.tick_size) {
            Ok(())
        } else {
            Err(ValidationError::InvalidTickSize {
                field,
                symbol: symbol.to_string(),
                price: price.to_string(),
                tick: self.tick_size.normalize().to_string(),
            })
        }
    }

    /// Check the order value.
    ///
    /// # Errors
    /// `NotionalBelowMinimum`.
    pub fn check_notional(
        &self,
        symbol: &Symbol,
        amount: Decimal,
        price: Decimal,
    ) -> Result<(), ValidationError> {
        let notional = amount.checked_mul(price).unwrap_or(Decimal::MAX);
        if !self.min_notional.is_zero() && notional < self.min_notional {
            return Err(ValidationError::NotionalBelowMinimum {
                symbol: symbol.to_string(),
                notional: notional.normalize().to_string(),
                min: self.min_notional.normalize().to_string(),
            });
        }
        Ok(())
    }

    /// Every exchange filter at once (LOT_SIZE or MARKET_LOT_SIZE, PRICE_FILTER on price and
    /// stop price, PERCENT_PRICE, MIN_NOTIONAL / NOTIONAL), in the order Binance applies them.
    ///
    /// # Errors
    /// The first filter that fails, as a [`ValidationError`] naming the field.
    pub fn check_order(&self, symbol: &Symbol, o: &OrderCheck) -> Result<(), ValidationError> {
        let lot = if o.is_market {
            SymbolRules {
                min_qty: or(self.market_min_qty, self.min_qty),
                max_qty: or(self.market_max_qty, self.max_qty),
                step_size: or(self.market_step_size, self.step_size),
                ..SymbolRules::default()
            }
        } else {
            self.clone()
        };
        lot.check_amount(symbol, o.amount)?;
        for (field, p) in [("price", o.price), ("stopPrice", o.stop_price)] {
            if let Some(p) = p {
                self.check_price(symbol, field, p)?;
                self.check_price_range(symbol, field, p)?;
            }
        }
        if let (Some(p), Some(r)) = (o.price, o.reference) {
            self.check_percent_price(symbol, o.side, p, r)?;
        }
        if let Some(p) = o.price.filter(|_| !o.is_market).or(o.reference) {
            self.check_notional(symbol, o.amount, p)?;
            let notional = o.amount.checked_mul(p).unwrap_or(Decimal::MAX);
            if !self.max_notional.is_zero() && notional > self.max_notional {
                return Err(ValidationError::NotionalAboveMaximum {
                    symbol: symbol.to_string(),
                    notional: notional.normalize().to_string(),
                    max: self.max_notional.normalize().to_string(),
                });
            }
        }
        Ok(())
    }

    /// PRICE_FILTER `minPrice` / `maxPrice`.
    ///
    /// # Errors
    /// `PriceOutOfRange`.
    pub fn check_price_range(
        &self,
        symbol: &Symbol,
        field: &'static str,
        price: Decimal,
    ) -> Result<(), ValidationError> {
        let below = !self.min_price.is_zero() && price < self.min_price;
        let above = !self.max_price.is_zero() && price > self.max_price;
        if below || above {
            return Err(ValidationError::PriceOutOfRange {
                field,
                symbol: symbol.to_string(),
                price: price.normalize().to_string(),
                min: self.min_price.normalize().to_string(),
                max: self.max_price.normalize().to_string(),
            });
        }
        Ok(())
    }

    /// PERCENT_PRICE (futures semantics): a buy at most reference × `multiplierUp`, a sell
    /// at least reference × `multiplierDown`.
    ///
    /// # Errors
    /// `PriceOutsideBand`.
    pub fn check_percent_price(
        &self,
        symbol: &Symbol,
        side: crate::types::Side,
        price: Decimal,
        reference: Decimal,
    ) -> Result<(), ValidationError> {
        let (ok, limit) = match side {
            crate::types::Side::Buy if !self.multiplier_up.is_zero() => {
                let hi = reference * self.multiplier_up;
                (price <= hi, hi)
            }
            crate::types::Side::Sell if !self.multiplier_down.is_zero() => {
                let lo = reference * self.multiplier_down;
                (price >= lo, lo)
            }
            _ => return Ok(()),
        };
        if ok {
            Ok(())
        } else {
            Err(ValidationError::PriceOutsideBand {
                symbol: symbol.to_string(),
                side,
                price: price.normalize().to_string(),
                limit: limit.normalize().to_string(),
                reference: reference.normalize().to_string(),
            })
        }
    }

    /// A sell quantity that never exceeds what is held: rounded down to the step, capped
    /// at `held` rounded down.
    #[must_use]
    pub fn round_sell_amount(&self, amount: Decimal, held: Decimal) -> Decimal {
        self.round_amount_down(amount.min(held))
    }

    /// Round a quantity down to the step (never above what was asked or held).
    #[must_use]
    pub fn round_amount_down(&self, amount: Decimal) -> Decimal {
        if self.step_size.is_zero() {
            return amount;
        }
        ((amount / self.step_size).floor() * self.step_size).normalize()
    }

    /// Round a price to the nearest tick.
    #[must_use]
    pub fn round_price(&self, price: Decimal) -> Decimal {
        if self.tick_size.is_zero() {
            return price;
        }
        ((price / self.tick_size).round() * self.tick_size).normalize()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn btc_rules() {
        let rules = MarketRules::defaults();
        let s = Symbol::parse("BTC/USDT").unwrap();
        let r = rules.get(&s).unwrap();
        assert!(r.check_amount(&s, d("0.01")).is_ok());
        assert!(matches!(
            r.check_amount(&s, d("0.0005")),
            Err(ValidationError::AmountBelowMinimum { .. })
        ));
        assert!(matches!(
            r.check_amount(&s, d("2000")),
            Err(ValidationError::AmountAboveMaximum { .. })
        ));
        assert!(matches!(
            r.check_amount(&s, d("0.0015")),
            Err(ValidationError::InvalidStepSize { .. })
        ));
        assert!(r.check_price(&s, "price", d("50000.1")).is_ok());
        assert!(r.check_price(&s, "price", d("50000.15")).is_err());
        assert!(r.check_notional(&s, d("0.001"), d("50000")).is_err());
        assert!(r.check_notional(&s, d("0.002"), d("50000")).is_ok());
        assert_eq!(r.round_amount_down(d("0.0019")), d("0.001"));
        assert_eq!(r.round_price(d("50000.16")), d("50000.2"));
    }
}
