//! The paper engine's configuration and state (what a snapshot holds).

use crate::error::ValidationError;
use crate::events::{EventRecord, Fill};
use crate::ledger::{BracketTable, Ledger};
use crate::money::{Money, Price, Rate};
use crate::num;
use crate::order::Order;
use crate::position::Position;
use crate::types::Symbol;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Largest leverage accepted.
pub const MAX_LEVERAGE: u32 = 125;

/// Values above this are rejected as input (keeps every product far from overflow).
pub(crate) fn max_input() -> Decimal {
    Decimal::new(1_000_000_000_000, 0)
}

/// Paper engine configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PaperConfig {
    /// Starting wallet balance (quote currency).
    pub initial_balance: Money,
    /// Maker fee rate.
    pub maker_fee: Rate,
    /// Taker fee rate.
    pub taker_fee: Rate,
    /// Slippage fraction for taker fills.
    pub slippage: Rate,
    /// Leverage for symbols without one set.
    pub default_leverage: u32,
    /// Maintenance brackets per symbol; `default_brackets` for the rest.
    pub brackets: BTreeMap<Symbol, BracketTable>,
    /// Brackets for symbols not in `brackets` (BTCUSDT's by default).
    pub default_brackets: BracketTable,
}

impl Default for PaperConfig {
    fn default() -> Self {
        Self {
            initial_balance: Money(Decimal::new(10_000, 0)),
            maker_fee: Rate(Decimal::new(2, 4)),
            taker_fee: Rate(Decimal::new(4, 4)),
            slippage: Rate(Decimal::new(5, 4)),
            default_leverage: 1,
            brackets: BTreeMap::new(),
            default_brackets: BracketTable::btcusdt(),
        }
    }
}

impl PaperConfig {
    /// Check every value.
    ///
    /// # Errors
    /// `InvalidConfig` (or `InvalidLeverage`) naming the first bad value.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let initial = self.initial_balance.0;
        if initial < Decimal::ZERO || initial > max_input() {
            return Err(ValidationError::InvalidConfig(format!(
                "initialBalance must be between 0 and 1e12, got {initial}"
            )));
        }
        num::rate("makerFee", self.maker_fee.0)?;
        num::rate("takerFee", self.taker_fee.0)?;
        num::rate("slippage", self.slippage.0)?;
        check_leverage(self.default_leverage)?;
        self.default_brackets
            .validate()
            .map_err(ValidationError::InvalidConfig)?;
        for (s, t) in &self.brackets {
            t.validate()
                .map_err(|e| ValidationError::InvalidConfig(format!("{s}: {e}")))?;
        }
        Ok(())
    }

    /// The rules of this configuration (fees, slippage, isolated margin) in decimals.
    ///
    /// # Errors
    /// `InvalidConfig` when a rate is out of range.
    pub fn ledger(&self) -> Result<Ledger<Decimal>, ValidationError> {
        Ledger::new(self.maker_fee, self.taker_fee, self.slippage).ok_or_else(|| {
            ValidationError::InvalidConfig("fee or slippage rates out of range".into())
        })
    }

    /// The bracket table of a symbol.
    #[must_use]
    pub fn brackets_of(&self, symbol: &Symbol) -> &BracketTable {
        self.brackets.get(symbol).unwrap_or(&self.default_brackets)
    }
}

pub(crate) fn check_leverage(l: u32) -> Result<u32, ValidationError> {
    if (1..=MAX_LEVERAGE).contains(&l) {
        Ok(l)
    } else {
        Err(ValidationError::InvalidLeverage {
            value: l.to_string(),
            max: MAX_LEVERAGE,
        })
    }
}

pub(crate) fn check_input(field: &'static str, d: Decimal) -> Result<Decimal, ValidationError> {
    if d > max_input() {
        return Err(ValidationError::InvalidNumber {
            field,
            value: d.to_string(),
        });
    }
    Ok(d)
}

/// A price given by the caller: ≤ 1e12 and > 0.
pub(crate) fn check_price(field: &'static str, p: Price) -> Result<Price, ValidationError> {
    num::positive_price(field, check_input(field, p.0)?).map(Price)
}

/// Everything the paper venue knows; serialisable for snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PaperState {
    /// Configuration.
    pub config: PaperConfig,
    /// initial − fees + realized.
    pub wallet: Money,
    /// Total fees.
    pub fees_paid: Money,
    /// Total realized PnL.
    pub realized_pnl: Money,
    /// Σ reservations of pending orders.
    pub reserved: Money,
    /// Every order ever accepted, oldest first.
    pub orders: Vec<Order>,
    /// Open positions.
    pub positions: BTreeMap<Symbol, Position>,
    /// Last mark per symbol.
    pub marks: BTreeMap<Symbol, Price>,
    /// Leverage per symbol.
    pub leverage: BTreeMap<Symbol, u32>,
    /// Fills, oldest first.
    pub fills: Vec<Fill>,
    /// Event log.
    pub events: Vec<EventRecord>,
    /// Counter for generated ids.
    pub next_id: u64,
}
