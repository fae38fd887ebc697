//! Orders and their lifecycle.
//!
//! Lifecycle table (anything else is `InvalidTransition`, never a silent overwrite):
//!
//! | from \ event | fill     | cancel    | reject |
//! |--------------|----------|-----------|--------|
//! | pending      | filled   | cancelled | failed |
//! | filled       | error    | error     | error  |
//! | cancelled    | error    | error     | error  |
//! | failed       | error    | error     | error  |

use crate::error::OrderError;
use crate::types::{OrderType, Side, Symbol};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Order status, as in the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    /// Accepted and resting (or about to be executed).
    Pending,
    /// Completely filled.
    Filled,
    /// Cancelled before filling.
    Cancelled,
    /// Rejected by the venue (e.g. insufficient balance).
    Failed,
}

/// What happens to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderTransition {
    /// It filled.
    Fill,
    /// It was cancelled.
    Cancel,
    /// It was rejected.
    Reject,
}

impl OrderStatus {
    /// Wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Filled => "filled",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
        }
    }

    /// True for filled, cancelled and failed.
    #[must_use]
    pub fn is_terminal(self) -> bool {
        !matches!(self, Self::Pending)
    }

    /// The lifecycle table.
    ///
    /// # Errors
    /// `InvalidTransition` for every edge the table does not list.
    pub fn transition(self, event: OrderTransition) -> Result<Self, OrderError> {
        match (self, event) {
            (Self::Pending, OrderTransition::Fill) => Ok(Self::Filled),
            (Self::Pending, OrderTransition::Cancel) => Ok(Self::Cancelled),
            (Self::Pending, OrderTransition::Reject) => Ok(Self::Failed),
            (from, ev) => Err(OrderError::InvalidTransition {
                from: from.as_str(),
                to: match ev {
                    OrderTransition::Fill => "filled",
                    OrderTransition::Cancel => "cancelled",
                    OrderTransition::Reject => "failed",
                },
            }),
        }
    }
}

/// An order with full lifecycle tracking (the spec's `Order`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// Unique order identifier (client side).
    pub id: String,
    /// Trading pair.
    pub symbol: Symbol,
    /// Buy or sell.
    pub side: Side,
    /// Order type.
    #[serde(rename = "type")]
    pub order_type: OrderType,
    /// Quantity in base currency.
    pub amount: Decimal,
    /// Limit price (limit orders; informational on market orders).
    pub price: Option<Decimal>,
    /// Trigger price (stop-loss / take-profit orders).
    pub stop_price: Option<Decimal>,
    /// Lifecycle status. Change it only through [`Order::apply`].
    pub status: OrderStatus,
    /// Execution price.
    pub filled_price: Option<Decimal>,
    /// Executed quantity.
    pub filled_amount: Option<Decimal>,
    /// Fee paid, in quote currency.
    pub fee: Option<Decimal>,
    /// Creation time, ms since the Unix epoch (from the injected clock).
    #[serde(rename = "timestamp")]
    pub timestamp_ms: u64,
    /// Venue id.
    pub exchange_order_id: Option<String>,
    /// Why it failed.
    pub error_message: Option<String>,
    /// Leverage the order opens exposure with.
    pub leverage: u32,
    /// Only reduces an existing position, never opens or flips one.
    pub reduce_only: bool,
    /// Closes whatever position exists when it fires (position-attached SL/TP).
    pub close_position: bool,
    /// Quote amount held back while the order rests (margin + fee estimate).
    pub reserved: Decimal,
}

impl Order {
    /// A new pending order with no prices, flags or fill yet.
    #[must_use]
    pub fn new(
        id: String,
        symbol: Symbol,
        side: Side,
        order_type: OrderType,
        amount: Decimal,
        leverage: u32,
        timestamp_ms: u64,
    ) -> Self {
        Self {
            id,
            symbol,
            side,
            order_type,
            amount,
            price: None,
            stop_price: None,
            status: OrderStatus::Pending,
            filled_price: None,
            filled_amount: None,
            fee: None,
            timestamp_ms,
            exchange_order_id: None,
            error_message: None,
            leverage,
            reduce_only: false,
            close_position: false,
            reserved: Decimal::ZERO,
        }
    }

    /// Apply a lifecycle event through the table.
    ///
    /// # Errors
    /// `InvalidTransition` when the table forbids it; the order is then unchanged.
    pub fn apply(&mut self, event: OrderTransition) -> Result<(), OrderError> {
        self.status = self.status.transition(event)?;
        Ok(())
    }

    /// Notional at the limit/stop price, if it has one.
    #[must_use]
    pub fn reference_price(&self) -> Option<Decimal> {
        match self.order_type {
            OrderType::Limit => self.price,
            OrderType::StopLoss | OrderType::TakeProfit => self.stop_price,
            OrderType::Market => None,
        }
    }

    /// Whether a resting order is reached at `price`: a buy limit at or below its price, a
    /// sell limit at or above it; for stop-loss / take-profit, Binance semantics: SELL stop-loss and BUY take-profit trigger at or below the stop;
    /// BUY stop-loss and SELL take-profit at or above it.
    #[must_use]
    pub fn triggers_at(&self, price: Decimal) -> bool {
        let at = |level: Option<Decimal>, below: bool| {
            level.is_some_and(|l| if below { price <= l } else { price >= l })
        };
        match (self.order_type, self.side) {
            (OrderType::StopLoss, Side::Sell) | (OrderType::TakeProfit, Side::Buy) => {
                at(self.stop_price, true)
            }
            (OrderType::StopLoss, Side::Buy) | (OrderType::TakeProfit, Side::Sell) => {
                at(self.stop_price, false)
            }
            (OrderType::Limit, Side::Buy) => at(self.price, true),
            (OrderType::Limit, Side::Sell) => at(self.price, false),
            (OrderType::Market, _) => true,
        }
    }
}

/// What a caller asks for; validated by the engine into an [`Order`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrderRequest {
    /// Client id; generated when `None`.
    pub id: Option<String>,
    /// Trading pair text, validated.
    pub symbol: String,
    /// `buy` / `sell`.
    pub side: String,
    /// `market` / `limit` / `stop_loss` / `take_profit`.
    pub order_type: String,
    /// Quantity.
    pub amount: Decimal,
    /// Limit price.
    pub price: Option<Decimal>,
    /// Trigger price.
    pub stop_price: Option<Decimal>,
    /// Leverage; the symbol's current leverage when `None`.
    pub leverage: Option<u32>,
    /// Reduce-only flag.
    pub reduce_only: bool,
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
        for from in [Filled, Cancelled, Failed] {
            for ev in [Fill, Cancel, Reject] {
                assert!(matches!(
                    from.transition(ev),
                    Err(OrderError::InvalidTransition { .. })
                ));
            }
        }
    }
}
