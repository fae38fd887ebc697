//! Positions: the stored record and the spec's `PositionState` view.

use crate::types::{PositionSide, Symbol};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An open position (one per symbol, one-way mode, isolated margin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Position {
    /// Symbol.
    pub symbol: Symbol,
    /// Long or short.
    pub side: PositionSide,
    /// Average entry price.
    pub entry_price: Decimal,
    /// Quantity (> 0).
    pub amount: Decimal,
    /// Leverage.
    pub leverage: u32,
    /// Isolated margin held for it.
    pub margin: Decimal,
    /// PnL realized by partial reductions so far.
    pub realized_pnl: Decimal,
    /// When it opened, ms.
    pub opened_at_ms: u64,
    /// Id of the attached stop-loss order.
    pub stop_loss_order: Option<String>,
    /// Id of the attached take-profit order.
    pub take_profit_order: Option<String>,
}

impl Position {
    /// Unrealized PnL at `mark` (`side × (mark − entry) × amount`), on the money quantum.
    #[must_use]
    pub fn unrealized_pnl(&self, mark: Decimal) -> Decimal {
        let diff = mark.checked_sub(self.entry_price).unwrap_or_default();
        crate::num::money(
            self.side
                .sign()
                .checked_mul(diff)
                .and_then(|d| d.checked_mul(self.amount))
                .unwrap_or_default(),
        )
    }
}

/// The spec's `PositionState`: a position as seen at the current mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionState {
    /// Trading pair.
    pub symbol: Symbol,
    /// Long or short.
    pub side: PositionSide,
    /// Average entry price.
    pub entry_price: Decimal,
    /// Current market price.
    pub current_price: Decimal,
    /// Position size.
    pub amount: Decimal,
    /// Leverage multiplier.
    pub leverage: u32,
    /// Unrealized profit/loss at `current_price`.
    pub unrealized_pnl: Decimal,
    /// PnL realized by partial reductions.
    pub realized_pnl: Decimal,
    /// Isolated margin held.
    pub margin: Decimal,
    /// Estimated liquidation price (`None`: cannot be liquidated).
    pub liquidation_price: Option<Decimal>,
    /// Stop-loss trigger price.
    pub stop_loss: Option<Decimal>,
    /// Take-profit trigger price.
    pub take_profit: Option<Decimal>,
    /// Open time, ms.
    #[serde(rename = "openedAt")]
    pub opened_at_ms: u64,
}

/// Account summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountState {
    /// Starting balance.
    pub initial_balance: Decimal,
    /// initial − fees + realized PnL.
    pub wallet_balance: Decimal,
    /// Free balance: wallet − margin − reserved.
    pub balance: Decimal,
    /// wallet + unrealized PnL.
    pub equity: Decimal,
    /// Margin held by positions.
    pub margin_used: Decimal,
    /// Held back by resting orders.
    pub reserved: Decimal,
    /// Realized PnL (including liquidation losses).
    pub realized_pnl: Decimal,
    /// Unrealized PnL of all positions.
    pub unrealized_pnl: Decimal,
    /// Fees paid (including liquidation clearance).
    pub fees_paid: Decimal,
    /// Open positions.
    pub positions_count: usize,
    /// Pending orders.
    pub open_orders_count: usize,
}
