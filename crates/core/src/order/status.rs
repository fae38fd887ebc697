//! Order status and its lifecycle: one transition table, used by the paper engine, the
//! local exchange's books and the live codec, and one table to Binance's status words.
//!
//! | from \ event | trigger | partial fill | fill | cancel | expire | reject |
//! |---|---|---|---|---|---|---|
//! | pending | triggered | partially filled | filled | cancelled | expired | failed |
//! | triggered | – | partially filled | filled | cancelled | expired | failed |
//! | partially filled | – | partially filled | filled | cancelled | expired | – |
//! | filled, cancelled, expired, failed | – | – | – | – | – | – |
//!
//! Anything the table does not list is `InvalidTransition`, never a silent overwrite.
//!
//! | status | Binance order | Binance algo order |
//! |---|---|---|
//! | pending | `NEW` | `NEW` |
//! | triggered | `NEW` | `TRIGGERED` |
//! | partially filled | `PARTIALLY_FILLED` | `TRIGGERED` |
//! | filled | `FILLED` | `FINISHED` |
//! | cancelled | `CANCELED` | `CANCELED` |
//! | expired | `EXPIRED` | `EXPIRED` |
//! | failed | `REJECTED` | `REJECTED` |

use crate::error::OrderError;
use serde::{Deserialize, Serialize};

/// Order status (the spec's four, plus the states a venue reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Accepted and resting (or about to be executed).
    Pending,
    /// A conditional order whose trigger was reached; its order is working.
    Triggered,
    /// Part of the quantity executed; the rest is still working.
    PartiallyFilled,
    /// Completely filled.
    Filled,
    /// Cancelled before filling completely.
    Cancelled,
    /// Left the book unfilled (or partly filled) by its own terms: IOC/FOK remainder, a
    /// conditional order with nothing left to close.
    Expired,
    /// Rejected by the venue (e.g. insufficient balance).
    Failed,
}

/// What happens to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderTransition {
    /// Its trigger was reached.
    Trigger,
    /// Part of it filled.
    PartialFill,
    /// It filled (the rest of it).
    Fill,
    /// It was cancelled.
    Cancel,
    /// It expired.
    Expire,
    /// It was rejected.
    Reject,
}

impl OrderTransition {
    /// The status this event leads to, where the table allows it.
    fn target(self) -> OrderStatus {
        match self {
            Self::Trigger => OrderStatus::Triggered,
            Self::PartialFill => OrderStatus::PartiallyFilled,
            Self::Fill => OrderStatus::Filled,
            Self::Cancel => OrderStatus::Cancelled,
            Self::Expire => OrderStatus::Expired,
            Self::Reject => OrderStatus::Failed,
        }
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl OrderStatus {
    /// Every status.
    pub const ALL: [Self; 7] = [
        Self::Pending,
        Self::Triggered,
        Self::PartiallyFilled,
        Self::Filled,
        Self::Cancelled,
        Self::Expired,
        Self::Failed,
    ];

    /// Wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Triggered => "triggered",
            Self::PartiallyFilled => "partially_filled",
            Self::Filled => "filled",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
            Self::Failed => "failed",
        }
    }

    /// Still working on the venue: pending, triggered or partially filled.
    #[must_use]
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::Pending | Self::Triggered | Self::PartiallyFilled
        )
    }

    /// Finished: filled, cancelled, expired or failed.
    #[must_use]
    pub fn is_terminal(self) -> bool {
        !self.is_open()
    }

    /// The lifecycle table.
    ///
    /// # Errors
    /// `InvalidTransition` for every edge the table does not list.
    pub fn transition(self, event: OrderTransition) -> Result<Self, OrderError> {
        use OrderTransition as E;
        let ok = match (self, event) {
            (Self::Pending, _) => true,
            (Self::Triggered, E::Trigger) => false,
            (Self::Triggered, _) => true,
            (Self::PartiallyFilled, E::Trigger | E::Reject) => false,
            (Self::PartiallyFilled, _) => true,
            (Self::Filled | Self::Cancelled | Self::Expired | Self::Failed, _) => false,
        };
        if ok {
            Ok(event.target())
        } else {
            Err(OrderError::InvalidTransition {
                from: self,
                to: event.target(),
            })
        }
    }

    /// Binance's word for an order in this status.
    #[must_use]
    pub fn binance(self) -> &'static str {
        match self {
            Self::Pending | Self::Triggered => "NEW",
            Self::PartiallyFilled => "PARTIALLY_FILLED",
            Self::Filled => "FILLED",
            Self::Cancelled => "CANCELED",
            Self::Expired => "EXPIRED",
            Self::Failed => "REJECTED",
        }
    }

    /// Binance's word for a conditional (algo) order in this status.
    #[must_use]
    pub fn binance_algo(self) -> &'static str {
        match self {
            Self::Pending => "NEW",
            Self::Triggered | Self::PartiallyFilled => "TRIGGERED",
            Self::Filled => "FINISHED",
            Self::Cancelled => "CANCELED",
            Self::Expired => "EXPIRED",
            Self::Failed => "REJECTED",
        }
    }

    /// The status of a Binance order or algo-order status word (`None` for an unknown word).
    #[must_use]
    pub fn from_binance(s: &str) -> Option<Self> {
        Some(match s {
            "NEW" | "PENDING_NEW" => Self::Pending,
            "TRIGGERED" => Self::Triggered,
            "PARTIALLY_FILLED" => Self::PartiallyFilled,
            "FILLED" | "FINISHED" => Self::Filled,
            "CANCELED" | "CANCELLED" | "PENDING_CANCEL" => Self::Cancelled,
            "EXPIRED" | "EXPIRED_IN_MATCH" => Self::Expired,
            "REJECTED" => Self::Failed,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_table() {
        use OrderStatus::*;
        use OrderTransition::*;
        assert_eq!(Pending.transition(Fill), Ok(Filled));
        assert_eq!(Pending.transition(Cancel), Ok(Cancelled));
        assert_eq!(Pending.transition(Reject), Ok(Failed));
        assert_eq!(Pending.transition(Trigger), Ok(Triggered));
        assert_eq!(Triggered.transition(PartialFill), Ok(PartiallyFilled));
        assert_eq!(PartiallyFilled.transition(PartialFill), Ok(PartiallyFilled));
        assert_eq!(PartiallyFilled.transition(Expire), Ok(Expired));
        assert!(PartiallyFilled.transition(Reject).is_err());
        assert!(Triggered.transition(Trigger).is_err());
        for from in [Filled, Cancelled, Failed, Expired] {
            for ev in [Trigger, PartialFill, Fill, Cancel, Expire, Reject] {
                assert!(matches!(
                    from.transition(ev),
                    Err(OrderError::InvalidTransition { .. })
                ));
            }
        }
    }

    #[test]
    fn binance_words_round_trip() {
        for s in OrderStatus::ALL {
            let back = OrderStatus::from_binance(s.binance()).unwrap();
            // A triggered regular order reads back as pending (Binance shows both as NEW).
            assert_eq!(
                back,
                if s == OrderStatus::Triggered {
                    OrderStatus::Pending
                } else {
                    s
                }
            );
            let algo = OrderStatus::from_binance(s.binance_algo()).unwrap();
            assert_eq!(algo.is_open(), s.is_open(), "{s:?}");
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
    }
}
