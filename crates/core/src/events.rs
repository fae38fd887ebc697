//! The engine's event log: everything that happened, in order, with a sequence number.

use crate::money::{Money, Price, Quantity};
use crate::types::{Liquidity, OrderType, PositionSide, Side, Symbol};
use serde::{Deserialize, Serialize};

/// Why an order left the book without filling, or a position closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CloseReason {
    /// A user request.
    User,
    /// The position it protected closed.
    PositionClosed,
    /// Its stop-loss fired.
    StopLoss,
    /// Its take-profit fired.
    TakeProfit,
    /// The position was liquidated.
    Liquidation,
    /// A regular order reduced it to zero.
    Order,
}

/// One thing that happened.
///
/// Serialised externally tagged (`{"orderFilled": {...}}`): cheap to deserialise, which keeps
/// snapshot restore small in wasm. The JS binding presents it flattened as
/// `{ seq, timestamp, type: "orderFilled", ...fields }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum EngineEvent {
    /// An order entered the book (pending).
    OrderAccepted {
        /// Order id.
        order_id: String,
        /// Symbol.
        symbol: Symbol,
        /// Side.
        side: Side,
        /// Type.
        order_type: OrderType,
        /// Quantity.
        amount: Quantity,
    },
    /// An order filled.
    OrderFilled {
        /// Order id.
        order_id: String,
        /// Symbol.
        symbol: Symbol,
        /// Side.
        side: Side,
        /// Execution price.
        price: Price,
        /// Executed quantity.
        amount: Quantity,
        /// Fee paid.
        fee: Money,
        /// Maker or taker.
        liquidity: Liquidity,
    },
    /// An order was cancelled.
    OrderCancelled {
        /// Order id.
        order_id: String,
        /// Symbol.
        symbol: Symbol,
        /// Why.
        reason: CloseReason,
    },
    /// An order was rejected (e.g. insufficient balance).
    OrderFailed {
        /// Order id.
        order_id: String,
        /// Symbol.
        symbol: Symbol,
        /// Message, as in `Order::error_message`.
        reason: String,
    },
    /// A new position.
    PositionOpened {
        /// Symbol.
        symbol: Symbol,
        /// Long or short.
        side: PositionSide,
        /// Quantity.
        amount: Quantity,
        /// Entry price.
        entry_price: Price,
        /// Leverage.
        leverage: u32,
    },
    /// A position grew.
    PositionIncreased {
        /// Symbol.
        symbol: Symbol,
        /// Long or short.
        side: PositionSide,
        /// New quantity.
        amount: Quantity,
        /// New average entry price.
        entry_price: Price,
    },
    /// A position shrank but stays open.
    PositionReduced {
        /// Symbol.
        symbol: Symbol,
        /// Long or short.
        side: PositionSide,
        /// Remaining quantity.
        amount: Quantity,
        /// PnL realized by this reduction.
        realized_pnl: Money,
    },
    /// A position closed.
    PositionClosed {
        /// Symbol.
        symbol: Symbol,
        /// Long or short.
        side: PositionSide,
        /// PnL realized by the closing fill.
        realized_pnl: Money,
        /// What closed it.
        reason: CloseReason,
    },
    /// A position was liquidated; its isolated margin is lost.
    PositionLiquidated {
        /// Symbol.
        symbol: Symbol,
        /// Long or short.
        side: PositionSide,
        /// Mark price at liquidation.
        price: Price,
        /// Quantity liquidated.
        amount: Quantity,
        /// PnL realized (≥ −margin).
        realized_pnl: Money,
        /// Clearance fee (the rest of the margin).
        fee: Money,
    },
    /// A stop-loss order triggered.
    StopLossTriggered {
        /// Order id.
        order_id: String,
        /// Symbol.
        symbol: Symbol,
        /// Price that triggered it.
        price: Price,
    },
    /// A take-profit order triggered.
    TakeProfitTriggered {
        /// Order id.
        order_id: String,
        /// Symbol.
        symbol: Symbol,
        /// Price that triggered it.
        price: Price,
    },
}

impl EngineEvent {
    /// Every event type, as it appears in JS (`event.type`) and in listener names.
    pub const TYPES: [&'static str; 11] = [
        "orderAccepted",
        "orderFilled",
        "orderCancelled",
        "orderFailed",
        "positionOpened",
        "positionIncreased",
        "positionReduced",
        "positionClosed",
        "positionLiquidated",
        "stopLossTriggered",
        "takeProfitTriggered",
    ];

    /// This event's type (one of [`EngineEvent::TYPES`]; its serde tag).
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        Self::TYPES[match self {
            Self::OrderAccepted { .. } => 0,
            Self::OrderFilled { .. } => 1,
            Self::OrderCancelled { .. } => 2,
            Self::OrderFailed { .. } => 3,
            Self::PositionOpened { .. } => 4,
            Self::PositionIncreased { .. } => 5,
            Self::PositionReduced { .. } => 6,
            Self::PositionClosed { .. } => 7,
            Self::PositionLiquidated { .. } => 8,
            Self::StopLossTriggered { .. } => 9,
            Self::TakeProfitTriggered { .. } => 10,
        }]
    }
}

/// What a listener subscribes to: one event type, every event (`"*"`) or log records
/// (`"log"`). Short aliases: `"fill"` is `"orderFilled"`, `"liquidation"` is
/// `"positionLiquidated"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscription {
    /// One event type (one of [`EngineEvent::TYPES`]).
    Event(&'static str),
    /// Every event.
    All,
    /// Log records.
    Log,
}

impl Subscription {
    /// Read a listener name.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` naming the accepted names.
    pub fn parse(name: &str) -> Result<Self, crate::error::ValidationError> {
        let canonical = match name {
            "fill" => "orderFilled",
            "liquidation" => "positionLiquidated",
            other => other,
        };
        match canonical {
            "*" => Ok(Self::All),
            "log" => Ok(Self::Log),
            t => EngineEvent::TYPES
                .iter()
                .find(|k| **k == t)
                .map(|k| Self::Event(k))
                .ok_or_else(|| {
                    crate::error::ValidationError::InvalidArgument(format!(
                        "unknown event {name:?}; one of {}, fill, liquidation, log, *",
                        EngineEvent::TYPES.join(", ")
                    ))
                }),
        }
    }

    /// Whether an event of type `ty` goes to this subscription.
    #[must_use]
    pub fn wants(self, ty: &str) -> bool {
        match self {
            Self::All => true,
            Self::Log => false,
            Self::Event(t) => t == ty,
        }
    }
}

/// An event with its sequence number and time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    /// Strictly increasing from 1.
    pub seq: u64,
    /// When, ms since the Unix epoch.
    #[serde(rename = "timestamp")]
    pub timestamp_ms: u64,
    /// What.
    pub event: EngineEvent,
}

/// A fill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fill {
    /// Order id.
    pub order_id: String,
    /// Symbol.
    pub symbol: Symbol,
    /// Side.
    pub side: Side,
    /// Execution price.
    pub price: Price,
    /// Quantity.
    pub amount: Quantity,
    /// Fee paid.
    pub fee: Money,
    /// Maker or taker.
    pub liquidity: Liquidity,
    /// When.
    #[serde(rename = "timestamp")]
    pub timestamp_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::{Money, Price, Quantity};
    use crate::types::{Liquidity, OrderType, PositionSide, Side};

    #[test]
    fn type_names_are_the_serde_tags() {
        let s = || Symbol::parse("BTC/USDT").unwrap();
        let (p, q, m) = (Price::ZERO, Quantity::ZERO, Money::ZERO);
        let id = || "o".to_owned();
        let all = [
            EngineEvent::OrderAccepted {
                order_id: id(),
                symbol: s(),
                side: Side::Buy,
                order_type: OrderType::Market,
                amount: q,
            },
            EngineEvent::OrderFilled {
                order_id: id(),
                symbol: s(),
                side: Side::Buy,
                price: p,
                amount: q,
                fee: m,
                liquidity: Liquidity::Taker,
            },
            EngineEvent::OrderCancelled {
                order_id: id(),
                symbol: s(),
                reason: CloseReason::User,
            },
            EngineEvent::OrderFailed {
                order_id: id(),
                symbol: s(),
                reason: String::new(),
            },
            EngineEvent::PositionOpened {
                symbol: s(),
                side: PositionSide::Long,
                amount: q,
                entry_price: p,
                leverage: 1,
            },
            EngineEvent::PositionIncreased {
                symbol: s(),
                side: PositionSide::Long,
                amount: q,
                entry_price: p,
            },
            EngineEvent::PositionReduced {
                symbol: s(),
                side: PositionSide::Long,
                amount: q,
                realized_pnl: m,
            },
            EngineEvent::PositionClosed {
                symbol: s(),
                side: PositionSide::Long,
                realized_pnl: m,
                reason: CloseReason::Order,
            },
            EngineEvent::PositionLiquidated {
                symbol: s(),
                side: PositionSide::Long,
                price: p,
                amount: q,
                realized_pnl: m,
                fee: m,
            },
            EngineEvent::StopLossTriggered {
                order_id: id(),
                symbol: s(),
                price: p,
            },
            EngineEvent::TakeProfitTriggered {
                order_id: id(),
                symbol: s(),
                price: p,
            },
        ];
        assert_eq!(all.len(), EngineEvent::TYPES.len());
        for e in &all {
            let v = serde_json::to_value(e).unwrap();
            let tag = v.as_object().unwrap().keys().next().unwrap().clone();
            assert_eq!(tag, e.type_name());
        }
        assert_eq!(
            Subscription::parse("fill").unwrap(),
            Subscription::Event("orderFilled")
        );
        assert!(Subscription::parse("*").unwrap().wants("positionClosed"));
        assert!(Subscription::parse("nope").is_err());
    }
}
