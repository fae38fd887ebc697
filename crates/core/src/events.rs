//! The engine's event log: everything that happened, in order, with a sequence number.

use crate::types::{Liquidity, OrderType, PositionSide, Side, Symbol};
use rust_decimal::Decimal;
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
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
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
        amount: Decimal,
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
        price: Decimal,
        /// Executed quantity.
        amount: Decimal,
        /// Fee paid.
        fee: Decimal,
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
        amount: Decimal,
        /// Entry price.
        entry_price: Decimal,
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
        amount: Decimal,
        /// New average entry price.
        entry_price: Decimal,
    },
    /// A position shrank but stays open.
    PositionReduced {
        /// Symbol.
        symbol: Symbol,
        /// Long or short.
        side: PositionSide,
        /// Remaining quantity.
        amount: Decimal,
        /// PnL realized by this reduction.
        realized_pnl: Decimal,
    },
    /// A position closed.
    PositionClosed {
        /// Symbol.
        symbol: Symbol,
        /// Long or short.
        side: PositionSide,
        /// PnL realized by the closing fill.
        realized_pnl: Decimal,
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
        price: Decimal,
        /// Quantity liquidated.
        amount: Decimal,
        /// PnL realized (≥ −margin).
        realized_pnl: Decimal,
        /// Clearance fee (the rest of the margin).
        fee: Decimal,
    },
    /// A stop-loss order triggered.
    StopLossTriggered {
        /// Order id.
        order_id: String,
        /// Symbol.
        symbol: Symbol,
        /// Price that triggered it.
        price: Decimal,
    },
    /// A take-profit order triggered.
    TakeProfitTriggered {
        /// Order id.
        order_id: String,
        /// Symbol.
        symbol: Symbol,
        /// Price that triggered it.
        price: Decimal,
    },
}

/// An event with its sequence number and time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[serde(rename_all = "camelCase")]
pub struct Fill {
    /// Order id.
    pub order_id: String,
    /// Symbol.
    pub symbol: Symbol,
    /// Side.
    pub side: Side,
    /// Execution price.
    pub price: Decimal,
    /// Quantity.
    pub amount: Decimal,
    /// Fee paid.
    pub fee: Decimal,
    /// Maker or taker.
    pub liquidity: Liquidity,
    /// When.
    #[serde(rename = "timestamp")]
    pub timestamp_ms: u64,
}
