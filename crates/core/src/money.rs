//! Money types: the unit is in the type, the exact value inside.
//!
//! | type | what | example |
//! |---|---|---|
//! | [`Price`] | quote currency per unit of base | 50,000 USDT per BTC |
//! | [`Quantity`] | base currency | 0.1 BTC |
//! | [`Money`] | quote currency (fees, margins, PnL, balances) | 5,000 USDT |
//! | [`Rate`] | a fraction (fee rate, slippage, maintenance ratio) | 0.0004 |
//!
//! Each is a transparent wrapper over its number type `N` (`Decimal` by default; the fast
//! engine instantiates them with its fixed-point type), serialised as the bare number, so
//! wire formats and snapshots do not change. Same-unit sums and differences are defined;
//! `Price × Quantity` is an exact `Money` (a notional) and `Money × Rate` an exact `Money`.
//! Where a rule rounds, the ledger ([`crate::ledger`]) rounds, on the money quantum.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

macro_rules! unit {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name<N = Decimal>(pub N);

        impl<N: fmt::Display> fmt::Display for $name<N> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Decimal> for $name {
            fn from(d: Decimal) -> Self {
                Self(d)
            }
        }

        impl<N: Add<Output = N>> Add for $name<N> {
            type Output = Self;
            fn add(self, o: Self) -> Self {
                Self(self.0 + o.0)
            }
        }

        impl<N: Sub<Output = N>> Sub for $name<N> {
            type Output = Self;
            fn sub(self, o: Self) -> Self {
                Self(self.0 - o.0)
            }
        }

        impl<N: Neg<Output = N>> Neg for $name<N> {
            type Output = Self;
            fn neg(self) -> Self {
                Self(-self.0)
            }
        }

        impl<N: AddAssign> AddAssign for $name<N> {
            fn add_assign(&mut self, o: Self) {
                self.0 += o.0;
            }
        }

        impl<N: SubAssign> SubAssign for $name<N> {
            fn sub_assign(&mut self, o: Self) {
                self.0 -= o.0;
            }
        }

        impl<N: Add<Output = N> + Default> Sum for $name<N> {
            fn sum<I: Iterator<Item = Self>>(it: I) -> Self {
                it.fold(Self::default(), |a, b| a + b)
            }
        }

        impl $name {
            /// Zero.
            pub const ZERO: Self = Self(Decimal::ZERO);

            /// Whether zero.
            #[must_use]
            pub fn is_zero(self) -> bool {
                self.0.is_zero()
            }

            /// The same value without trailing zeros.
            #[must_use]
            pub fn normalize(self) -> Self {
                Self(self.0.normalize())
            }
        }
    };
}

unit!(
    /// A price: quote currency per unit of base currency.
    Price
);
unit!(
    /// A quantity of base currency.
    Quantity
);
unit!(
    /// An amount of quote currency: fees, margins, PnL, balances, notionals.
    Money
);
unit!(
    /// A fraction: a fee rate, a slippage, a maintenance-margin ratio.
    Rate
);

/// `price × quantity`: the exact notional.
impl Mul<Quantity> for Price {
    type Output = Money;
    fn mul(self, q: Quantity) -> Money {
        Money(self.0 * q.0)
    }
}

/// `money × rate`, exact.
impl Mul<Rate> for Money {
    type Output = Money;
    fn mul(self, r: Rate) -> Money {
        Money(self.0 * r.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_wire_form() {
        let notional = Price(Decimal::new(50_000, 0)) * Quantity(Decimal::new(1, 1));
        assert_eq!(notional, Money(Decimal::new(5_000, 0)));
        assert_eq!(
            notional * Rate(Decimal::new(4, 4)),
            Money(Decimal::new(2, 0))
        );
        // Transparent: the bare decimal string, as before the types existed.
        assert_eq!(
            serde_json::to_string(&Price(Decimal::new(15, 1))).unwrap(),
            "\"1.5\""
        );
        let p: Price = serde_json::from_str("\"2.25\"").unwrap();
        assert_eq!(p, Price(Decimal::new(225, 2)));
        let total: Money = [Money(Decimal::ONE), Money(Decimal::TWO)].into_iter().sum();
        assert_eq!(total.to_string(), "3");
    }
}
