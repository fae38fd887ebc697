//! Per-symbol exchange rules (lot size, tick size, minimum notional), checked before an
//! order is sent so paper rejects what a real exchange would reject.

use crate::error::ValidationError;
use crate::types::Symbol;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Trading rules of one symbol. A zero value disables its check (Binance convention).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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
                            },
                        ))
                    },
                )
                .collect(),
        )
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
