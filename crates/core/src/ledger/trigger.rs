//! "Price reached": when a resting limit, a stop-loss, a take-profit or a liquidation level is
//! reached by a price. One table, used by every engine and both exchange books.
//!
//! | order | side | reached when the price |
//! |---|---|---|
//! | limit | buy | falls to the level (`price ≤ level`) |
//! | limit | sell | rises to the level (`price ≥ level`) |
//! | stop-loss | sell / take-profit buy | falls to the level |
//! | stop-loss | buy / take-profit sell | rises to the level |
//! | liquidation | of a long / of a short | falls to / rises to the level |
//!
//! (Binance semantics: a SELL stop protects a long, a BUY stop a short; a liquidation is a
//! stop of the position's closing side.) The comparison is generic: decimals, fixed-point
//! values and the fast engine's doubles (whose order is that of their decimals) all use it.

use crate::types::{PositionSide, Side};

/// What kind of resting order a level belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// A limit order: reached at its price or better.
    Limit,
    /// A stop-loss (stop-market / stop-limit): reached when the price moves against.
    StopLoss,
    /// A take-profit: reached when the price moves in favour.
    TakeProfit,
}

/// Which way the price must move to reach a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Reached at or below the level.
    Falls,
    /// Reached at or above the level.
    Rises,
}

impl Trigger {
    /// The direction in which an order of this kind on `side` is reached.
    #[inline]
    #[must_use]
    pub fn direction(self, side: Side) -> Direction {
        match (self, side) {
            (Self::Limit, Side::Buy)
            | (Self::StopLoss, Side::Sell)
            | (Self::TakeProfit, Side::Buy) => Direction::Falls,
            (Self::Limit, Side::Sell)
            | (Self::StopLoss, Side::Buy)
            | (Self::TakeProfit, Side::Sell) => Direction::Rises,
        }
    }

    /// Whether an order of this kind on `side` resting at `level` is reached at `price`.
    #[inline]
    #[must_use]
    pub fn reached<T: PartialOrd>(self, side: Side, level: T, price: T) -> bool {
        self.direction(side).reached(level, price)
    }
}

impl Direction {
    /// Whether `price` has reached `level` moving this way.
    #[inline]
    #[must_use]
    pub fn reached<T: PartialOrd>(self, level: T, price: T) -> bool {
        match self {
            Self::Falls => price <= level,
            Self::Rises => price >= level,
        }
    }

    /// The direction of a position's protective stop of `kind` (`StopLoss`/`TakeProfit`,
    /// placed on its closing side).
    #[inline]
    #[must_use]
    pub fn protecting(kind: Trigger, position: PositionSide) -> Self {
        kind.direction(position.closing_side())
    }

    /// The direction of a position's liquidation: a stop-loss of its closing side.
    #[inline]
    #[must_use]
    pub fn liquidation(position: PositionSide) -> Self {
        Self::protecting(Trigger::StopLoss, position)
    }

    /// `below`: whether this is [`Direction::Falls`].
    #[inline]
    #[must_use]
    pub fn falls(self) -> bool {
        self == Self::Falls
    }
}

/// The error for a stop-loss / take-profit level on the wrong side of `against` (a level
/// the price `against` already reaches) for a `side` position.
#[must_use]
pub fn protection_error(
    kind: Trigger,
    side: PositionSide,
    price: crate::money::Price,
    reference: &'static str,
    against: crate::money::Price,
) -> crate::error::ValidationError {
    use crate::error::ValidationError;
    // A level reached when the price falls must sit below the reference, and vice versa.
    let must = if Direction::protecting(kind, side).falls() {
        "below"
    } else {
        "above"
    };
    let (price, against) = (price.0, against.0);
    if kind == Trigger::StopLoss {
        ValidationError::InvalidStopLoss {
            price,
            must,
            reference,
            against,
            side,
        }
    } else {
        ValidationError::InvalidTakeProfit {
            price,
            must,
            reference,
            against,
            side,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        use Direction::*;
        assert_eq!(Trigger::Limit.direction(Side::Buy), Falls);
        assert_eq!(Trigger::Limit.direction(Side::Sell), Rises);
        assert_eq!(Trigger::StopLoss.direction(Side::Sell), Falls);
        assert_eq!(Trigger::StopLoss.direction(Side::Buy), Rises);
        assert_eq!(Trigger::TakeProfit.direction(Side::Buy), Falls);
        assert_eq!(Trigger::TakeProfit.direction(Side::Sell), Rises);
        assert_eq!(Direction::liquidation(PositionSide::Long), Falls);
        assert_eq!(Direction::liquidation(PositionSide::Short), Rises);
        assert_eq!(
            Direction::protecting(Trigger::TakeProfit, PositionSide::Long),
            Rises
        );
        assert!(Trigger::Limit.reached(Side::Buy, 100, 100));
        assert!(!Trigger::Limit.reached(Side::Buy, 100, 101));
        assert!(Trigger::StopLoss.reached(Side::Buy, 100.0, 100.5));
    }
}
