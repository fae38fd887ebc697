//! Execution requests and decisions from a decision engine (the spec's `ExecutionRequest`,
//! `TradingDecision` and `convert_decision_to_request`).

use crate::error::ValidationError;
use crate::money::{Price, Quantity, Rate};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Buy: open or add to a long (reduces a short first).
    Long,
    /// Sell: open or add to a short (reduces a long first).
    Short,
    /// Close the position.
    Close,
}

impl FromStr for Action {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "long" => Ok(Self::Long),
            "short" => Ok(Self::Short),
            "close" => Ok(Self::Close),
            _ => Err(ValidationError::InvalidRequest(format!(
                "action must be \"long\", \"short\" or \"close\", got {s:?}"
            ))),
        }
    }
}

impl Action {
    /// Wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Long => "long",
            Self::Short => "short",
            Self::Close => "close",
        }
    }
}

/// `market` or `limit` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EntryType {
    /// Fill now.
    #[default]
    Market,
    /// Rest at `entry_price`.
    Limit,
}

impl FromStr for EntryType {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "market" => Ok(Self::Market),
            "limit" => Ok(Self::Limit),
            _ => Err(ValidationError::InvalidOrderType(s.to_owned())),
        }
    }
}

/// Request object for executing trades (the spec's `ExecutionRequest`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionRequest {
    /// long / short / close.
    pub action: Action,
    /// Trading pair text.
    pub symbol: String,
    /// Quantity in base currency.
    pub amount: Quantity,
    /// Limit price, or the current market price for a market order (last mark when `None`).
    pub entry_price: Option<Price>,
    /// Stop-loss level to attach.
    pub stop_loss: Option<Price>,
    /// Take-profit level to attach.
    pub take_profit: Option<Price>,
    /// Leverage; the configured default when `None`.
    pub leverage: Option<u32>,
    /// market / limit.
    pub order_type: EntryType,
    /// Why (logged).
    pub reason: Option<String>,
}

/// Action of a decision engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DecisionAction {
    /// Go long.
    Long,
    /// Go short.
    Short,
    /// Close.
    Close,
    /// Do nothing.
    Hold,
}

impl FromStr for DecisionAction {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "LONG" => Ok(Self::Long),
            "SHORT" => Ok(Self::Short),
            "CLOSE" => Ok(Self::Close),
            "HOLD" => Ok(Self::Hold),
            _ => Err(ValidationError::InvalidRequest(format!(
                "decision action must be LONG, SHORT, CLOSE or HOLD, got {s:?}"
            ))),
        }
    }
}

/// A decision engine's output (the spec's `TradingDecision`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TradingDecision {
    /// LONG / SHORT / CLOSE / HOLD.
    pub action: DecisionAction,
    /// Trading pair text.
    pub symbol: String,
    /// 0..1.
    pub confidence: Option<Rate>,
    /// Fraction of the balance to commit (0..1).
    pub position_size: Option<Rate>,
    /// Intended entry.
    pub entry_price: Option<Price>,
    /// Stop-loss level.
    pub stop_loss: Option<Price>,
    /// Take-profit level.
    pub take_profit: Option<Price>,
    /// Leverage.
    pub leverage: Option<u32>,
    /// Vetoed by a risk layer.
    pub vetoed: bool,
    /// Why.
    pub reason: Option<String>,
}

/// Turn a decision into an execution request with the caller's `amount` and order type.
///
/// # Errors
/// `INVALID_REQUEST` for HOLD or vetoed decisions (they must not be executed).
pub fn convert_decision_to_request(
    decision: &TradingDecision,
    amount: Quantity,
    order_type: EntryType,
) -> Result<ExecutionRequest, ValidationError> {
    let action = match decision.action {
        DecisionAction::Long => Action::Long,
        DecisionAction::Short => Action::Short,
        DecisionAction::Close => Action::Close,
        DecisionAction::Hold => {
            return Err(ValidationError::InvalidRequest(
                "a HOLD decision cannot become an execution request".into(),
            ))
        }
    };
    if decision.vetoed {
        return Err(ValidationError::InvalidRequest(format!(
            "a vetoed decision cannot become an execution request{}",
            decision
                .reason
                .as_ref()
                .map(|r| format!(" (reason: {r})"))
                .unwrap_or_default()
        )));
    }
    Ok(ExecutionRequest {
        action,
        symbol: decision.symbol.clone(),
        amount,
        entry_price: decision.entry_price,
        stop_loss: decision.stop_loss,
        take_profit: decision.take_profit,
        leverage: decision.leverage,
        order_type,
        reason: decision.reason.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn decision(action: DecisionAction, vetoed: bool) -> TradingDecision {
        TradingDecision {
            action,
            symbol: "BTC/USDT".into(),
            confidence: Some(Rate(Decimal::new(8, 1))),
            position_size: Some(Rate(Decimal::new(1, 1))),
            entry_price: Some(Price(Decimal::new(50_000, 0))),
            stop_loss: Some(Price(Decimal::new(48_000, 0))),
            take_profit: Some(Price(Decimal::new(55_000, 0))),
            leverage: Some(2),
            vetoed,
            reason: Some("signal".into()),
        }
    }

    #[test]
    fn converts_actionable_decisions_only() {
        let r = convert_decision_to_request(
            &decision(DecisionAction::Long, false),
            Quantity(Decimal::ONE),
            EntryType::Market,
        )
        .unwrap();
        assert_eq!(r.action, Action::Long);
        assert_eq!(r.stop_loss, Some(Price(Decimal::new(48_000, 0))));
        assert_eq!(r.leverage, Some(2));
        assert!(convert_decision_to_request(
            &decision(DecisionAction::Hold, false),
            Quantity(Decimal::ONE),
            EntryType::Market
        )
        .is_err());
        assert!(convert_decision_to_request(
            &decision(DecisionAction::Short, true),
            Quantity(Decimal::ONE),
            EntryType::Market
        )
        .is_err());
    }
}
