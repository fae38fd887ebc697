//! Exact decimal parsing and checks for money and quantities.
//!
//! Arithmetic table (all `rust_decimal::Decimal`, 96-bit mantissa, scale ≤ 28):
//! - notional = price × amount (exact while the scale stays ≤ 28)
//! - fee = notional × rate (exact)
//! - margin = notional ÷ leverage (may round at the 28th digit; the same value is moved
//!   between buckets, so conservation stays exact)
//! - average entry = (e₁q₁ + e₂q₂) ÷ (q₁ + q₂) (may round at the 28th digit)
//!
//! Every operation is `checked_*`; overflow is an error, never a panic.
//!
//! Quantum: every quote-currency amount that reaches the books (fees, margins, reservations,
//! realized and unrealized PnL) and every computed price (slippage, average entry) is rounded
//! half-to-even to [`MONEY_DP`] decimal places with [`money`]. Inputs are kept as given. With
//! a fixed quantum, sums of book entries never lose a digit, so the accounting identities
//! (`equity = initial − fees + realized + unrealized`, buckets adding up to the wallet) hold
//! exactly, not approximately.

use crate::error::{EngineError, ValidationError};
use rust_decimal::Decimal;
use std::str::FromStr;

/// Decimal places kept for money and computed prices (1e-12 of a quote unit).
pub const MONEY_DP: u32 = 12;

/// Round to the money quantum ([`MONEY_DP`] places, half to even) and drop trailing zeros.
#[must_use]
pub fn money(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(
        MONEY_DP,
        rust_decimal::RoundingStrategy::MidpointNearestEven,
    )
    .normalize()
}

/// Parse a decimal string exactly. Accepts plain (`"0.1"`) and scientific (`"1e-8"`) forms.
///
/// # Errors
/// `InvalidNumber` for anything that is not a finite decimal in range.
pub fn parse_decimal(field: &'static str, s: &str) -> Result<Decimal, ValidationError> {
    let t = s.trim();
    let bad = || ValidationError::InvalidNumber {
        field,
        value: s.to_owned(),
    };
    if t.is_empty() || t.len() > 64 {
        return Err(bad());
    }
    let d = if t.contains(['e', 'E']) {
        Decimal::from_scientific(t).map_err(|_| bad())?
    } else {
        Decimal::from_str(t).map_err(|_| bad())?
    };
    Ok(d.normalize())
}

/// A strictly positive amount.
///
/// # Errors
/// `InvalidAmount` when ≤ 0.
pub fn positive_amount(d: Decimal) -> Result<Decimal, ValidationError> {
    if d > Decimal::ZERO {
        Ok(d)
    } else {
        Err(ValidationError::InvalidAmount(d.to_string()))
    }
}

/// A strictly positive price.
///
/// # Errors
/// `InvalidPrice` when ≤ 0.
pub fn positive_price(field: &'static str, d: Decimal) -> Result<Decimal, ValidationError> {
    if d > Decimal::ZERO {
        Ok(d)
    } else {
        Err(ValidationError::InvalidPrice {
            field,
            value: d.to_string(),
        })
    }
}

/// A rate in `[0, 1)` (fees, slippage).
///
/// # Errors
/// `InvalidConfig` when out of range.
pub fn rate(field: &'static str, d: Decimal) -> Result<Decimal, ValidationError> {
    if d >= Decimal::ZERO && d < Decimal::ONE {
        Ok(d)
    } else {
        Err(ValidationError::InvalidConfig(format!(
            "{field} must be at least 0 and below 1, got {d}"
        )))
    }
}

/// Checked multiply.
///
/// # Errors
/// `Overflow` naming `what`.
pub fn mul(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal, EngineError> {
    a.checked_mul(b).ok_or(EngineError::Overflow(what))
}

/// Checked add.
///
/// # Errors
/// `Overflow` naming `what`.
pub fn add(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal, EngineError> {
    a.checked_add(b).ok_or(EngineError::Overflow(what))
}

/// Checked subtract.
///
/// # Errors
/// `Overflow` naming `what`.
pub fn sub(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal, EngineError> {
    a.checked_sub(b).ok_or(EngineError::Overflow(what))
}

/// Checked divide (divisor must be non-zero).
///
/// # Errors
/// `Overflow` naming `what` (also on division by zero).
pub fn div(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal, EngineError> {
    a.checked_div(b).ok_or(EngineError::Overflow(what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        assert_eq!(parse_decimal("x", "0.1").unwrap().to_string(), "0.1");
        assert_eq!(
            parse_decimal("x", "1e-8").unwrap().to_string(),
            "0.00000001"
        );
        assert_eq!(
            parse_decimal("x", "50000.000").unwrap().to_string(),
            "50000"
        );
        for bad in [
            "", "NaN", "Infinity", "-inf", "1.2.3", "abc", "1e400", "0x10",
        ] {
            assert!(parse_decimal("x", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sign_checks() {
        assert!(positive_amount(Decimal::ZERO).is_err());
        assert!(positive_amount(Decimal::NEGATIVE_ONE).is_err());
        assert!(positive_price("price", Decimal::ONE).is_ok());
        assert!(rate("fee", Decimal::ONE).is_err());
    }
}
