//! Positions: the stored record and the spec's `PositionState` view.

use crate::ledger::{self, Held};
use crate::money::{Money, Price, Quantity};
use crate::types::{PositionSide, Symbol};
use serde::{Deserialize, Serialize};

/// An open position (one per symbol, one-way mode, isolated margin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Position {
    /// Symbol.
    pub symbol: Symbol,
    /// Long or short.
    pub side: PositionSide,
    /// Average entry price.
    pub entry_price: Price,
    /// Quantity (> 0).
    pub amount: Quantity,
    /// Leverage.
    pub leverage: u32,
    /// Isolated margin held for it.
    pub margin: Money,
    /// PnL realized by partial reductions so far.
    pub realized_pnl: Money,
    /// When it opened, ms.
    pub opened_at_ms: u64,
    /// Id of the attached stop-loss order.
    pub stop_loss_order: Option<String>,
    /// Id of the attached take-profit order.
    pub take_profit_order: Option<String>,
}

impl Position {
    /// Unrealized PnL at `mark` (the ledger's [`ledger::pnl`]; 0 on overflow).
    #[must_use]
    pub fn unrealized_pnl(&self, mark: Price) -> Money {
        ledger::pnl(self.side, self.entry_price, mark, self.amount).unwrap_or_default()
    }

    /// What a fill meets: side, entry, amount and margin.
    #[must_use]
    pub fn held(&self) -> Held<rust_decimal::Decimal> {
        Held {
            side: self.side,
            entry: self.entry_price,
            amount: self.amount,
            margin: self.margin,
        }
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
    pub entry_price: Price,
    /// Current market price.
    pub current_price: Price,
    /// Position size.
    pub amount: Quantity,
    /// Leverage multiplier.
    pub leverage: u32,
    /// Unrealized profit/loss at `current_price`.
    pub unrealized_pnl: Money,
    /// PnL realized by partial reductions.
    pub realized_pnl: Money,
    /// Isolated margin held.
    pub margin: Money,
    /// Estimated liquidation price (`None`: cannot be liquidated).
    pub liquidation_price: Option<Price>,
    /// Stop-loss trigger price.
    pub stop_loss: Option<Price>,
    /// Take-profit trigger price.
    pub take_profit: Option<Price>,
    /// Open time, ms.
    #[serde(rename = "openedAt")]
    pub opened_at_ms: u64,
}

/// Account summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountState {
    /// Starting balance.
    pub initial_balance: Money,
    /// initial − fees + realized PnL.
    pub wallet_balance: Money,
    /// Free balance: wallet − margin − reserved.
    pub balance: Money,
    /// wallet + unrealized PnL.
    pub equity: Money,
    /// Margin held by positions.
    pub margin_used: Money,
    /// Held back by resting orders.
    pub reserved: Money,
    /// Realized PnL (including liquidation losses).
    pub realized_pnl: Money,
    /// Unrealized PnL of all positions.
    pub unrealized_pnl: Money,
    /// Fees paid (including liquidation clearance).
    pub fees_paid: Money,
    /// Open positions.
    pub positions_count: usize,
    /// Pending orders.
    pub open_orders_count: usize,
}
