//! Orders: the typed new-order request, the order record, its status table ([`status`]) and
//! why a venue refuses one ([`reject`]).

pub mod reject;
pub mod status;

pub use reject::RejectReason;
pub use status::{OrderStatus, OrderTransition};

use crate::error::{OrderError, ValidationError};
use crate::ledger::Trigger;
use crate::money::{Money, Price, Quantity};
use crate::types::{OrderType, Side, Symbol, TimeInForce};
use serde::{Deserialize, Serialize};

/// An order with full lifecycle tracking (the spec's `Order`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
    pub amount: Quantity,
    /// Limit price (limit orders; informational on market orders).
    pub price: Option<Price>,
    /// Trigger price (stop-loss / take-profit orders).
    pub stop_price: Option<Price>,
    /// Lifecycle status. Change it only through [`Order::apply`].
    pub status: OrderStatus,
    /// Execution price (average over its fills).
    pub filled_price: Option<Price>,
    /// Executed quantity.
    pub filled_amount: Option<Quantity>,
    /// Fee paid, in quote currency.
    pub fee: Option<Money>,
    /// Creation time, ms since the Unix epoch (from the injected clock).
    #[serde(rename = "timestamp")]
    pub timestamp_ms: u64,
    /// Venue id.
    pub exchange_order_id: Option<String>,
    /// Why it failed.
    pub error_message: Option<String>,
    /// Why it failed, as a code (failed orders only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reject_reason: Option<RejectReason>,
    /// Leverage the order opens exposure with.
    pub leverage: u32,
    /// Only reduces an existing position, never opens or flips one.
    pub reduce_only: bool,
    /// Closes whatever position exists when it fires (position-attached SL/TP).
    pub close_position: bool,
    /// Quote amount held back while the order rests (margin + fee estimate).
    pub reserved: Money,
}

impl Order {
    /// A new pending order with no prices, flags or fill yet.
    #[must_use]
    pub fn new(
        id: String,
        symbol: Symbol,
        side: Side,
        order_type: OrderType,
        amount: Quantity,
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
            reject_reason: None,
            leverage,
            reduce_only: false,
            close_position: false,
            reserved: Money::ZERO,
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
    pub fn reference_price(&self) -> Option<Price> {
        match self.order_type {
            OrderType::Limit => self.price,
            OrderType::StopLoss | OrderType::TakeProfit => self.stop_price,
            OrderType::Market => None,
        }
    }

    /// Whether a resting order is reached at `price` (the ledger's trigger table: a buy limit
    /// at or below its price, a sell limit at or above it; a SELL stop-loss or BUY take-profit
    /// at or below its stop, a BUY stop-loss or SELL take-profit at or above it). A market
    /// order is always reached.
    #[must_use]
    pub fn triggers_at(&self, price: Price) -> bool {
        match self.order_type.trigger() {
            None => true,
            Some(t) => self
                .reference_price()
                .is_some_and(|level| t.reached(self.side, level, price)),
        }
    }

    /// Whether it is still working.
    #[must_use]
    pub fn is_open(&self) -> bool {
        self.status.is_open()
    }
}

/// What a caller asks for: a typed new order, validated by the engine into an [`Order`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    /// Client id; generated when `None`.
    pub id: Option<String>,
    /// Trading pair.
    pub symbol: Symbol,
    /// Buy or sell.
    pub side: Side,
    /// Market, limit, stop-loss or take-profit.
    pub order_type: OrderType,
    /// How long it stays working (the paper engine supports GTC).
    pub time_in_force: TimeInForce,
    /// Quantity.
    pub amount: Quantity,
    /// Limit price.
    pub price: Option<Price>,
    /// Trigger price.
    pub stop_price: Option<Price>,
    /// Leverage; the symbol's current leverage when `None`.
    pub leverage: Option<u32>,
    /// Reduce-only flag.
    pub reduce_only: bool,
}

impl OrderRequest {
    /// A GTC order with no prices, flags, id or leverage.
    #[must_use]
    pub fn new(symbol: Symbol, side: Side, order_type: OrderType, amount: Quantity) -> Self {
        Self {
            id: None,
            symbol,
            side,
            order_type,
            time_in_force: TimeInForce::Gtc,
            amount,
            price: None,
            stop_price: None,
            leverage: None,
            reduce_only: false,
        }
    }

    /// From the text of a JS/JSON order: the symbol, then the side, then the type are
    /// checked, in that order.
    ///
    /// # Errors
    /// `INVALID_SYMBOL`, `INVALID_SIDE`, `INVALID_ORDER_TYPE`.
    pub fn parse(
        symbol: &str,
        side: &str,
        order_type: &str,
        amount: Quantity,
    ) -> Result<Self, ValidationError> {
        let symbol = Symbol::parse(symbol)?;
        Ok(Self::new(
            symbol,
            side.parse()?,
            order_type.parse()?,
            amount,
        ))
    }
}

/// A market order closing `amount` of a position on `side`'s opposite, reduce-only.
#[must_use]
pub fn closing_order(symbol: Symbol, side: Side, amount: Quantity, leverage: u32) -> OrderRequest {
    OrderRequest {
        leverage: Some(leverage),
        reduce_only: true,
        ..OrderRequest::new(symbol, side, OrderType::Market, amount)
    }
}

/// The serialised field names of a serde type, in declaration order (what a JS object built
/// from it has): read from its `Deserialize` implementation, so the struct stays the one
/// definition of the shape.
#[must_use]
pub fn serde_fields<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    use serde::de::{self, Deserializer, Visitor};
    struct Probe<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("probe"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// The trigger kind of a protective order type (`StopLoss` / `TakeProfit`).
#[must_use]
pub fn protective_trigger(kind: OrderType) -> Trigger {
    if kind == OrderType::StopLoss {
        Trigger::StopLoss
    } else {
        Trigger::TakeProfit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_fields_in_declaration_order() {
        let f = serde_fields::<Order>();
        assert_eq!(f.first(), Some(&"id"));
        assert_eq!(f.last(), Some(&"reserved"));
        assert!(f.contains(&"type") && f.contains(&"rejectReason") && f.contains(&"timestamp"));
        assert!(serde_fields::<Side>().is_empty(), "not a struct");
    }

    #[test]
    fn parse_checks_symbol_then_side_then_type() {
        let q = Quantity(rust_decimal::Decimal::ONE);
        let code = |r: Result<OrderRequest, ValidationError>| {
            crate::error::EngineError::from(r.unwrap_err()).code()
        };
        assert_eq!(
            code(OrderRequest::parse("x", "hold", "nope", q)),
            "INVALID_SYMBOL"
        );
        assert_eq!(
            code(OrderRequest::parse("A/B", "hold", "nope", q)),
            "INVALID_SIDE"
        );
        assert_eq!(
            code(OrderRequest::parse("A/B", "buy", "nope", q)),
            "INVALID_ORDER_TYPE"
        );
    }
}
