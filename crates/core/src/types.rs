//! Small enums of the domain, with their wire names (the spec's lowercase strings).

use crate::error::ValidationError;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Order side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Buy (opens/increases long, reduces short).
    Buy,
    /// Sell (opens/increases short, reduces long).
    Sell,
}

impl Side {
    /// Wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Buy => "buy",
            Self::Sell => "sell",
        }
    }
    /// The other side.
    #[must_use]
    pub fn opposite(self) -> Self {
        match self {
            Self::Buy => Self::Sell,
            Self::Sell => Self::Buy,
        }
    }
    /// Position side this order side builds.
    #[must_use]
    pub fn position_side(self) -> PositionSide {
        match self {
            Self::Buy => PositionSide::Long,
            Self::Sell => PositionSide::Short,
        }
    }
}

impl FromStr for Side {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "buy" | "BUY" | "Buy" => Ok(Self::Buy),
            "sell" | "SELL" | "Sell" => Ok(Self::Sell),
            _ => Err(ValidationError::InvalidSide(s.to_owned())),
        }
    }
}

/// Order type, as in the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderType {
    /// Fill now at the market, as taker.
    Market,
    /// Fill at `price` or better; rests until reached.
    Limit,
    /// Market order triggered when the price moves adversely through `stop_price`.
    StopLoss,
    /// Market order triggered when the price moves favourably through `stop_price`.
    TakeProfit,
}

impl OrderType {
    /// Wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Market => "market",
            Self::Limit => "limit",
            Self::StopLoss => "stop_loss",
            Self::TakeProfit => "take_profit",
        }
    }
}

impl FromStr for OrderType {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "market" => Ok(Self::Market),
            "limit" => Ok(Self::Limit),
            "stop_loss" => Ok(Self::StopLoss),
            "take_profit" => Ok(Self::TakeProfit),
            _ => Err(ValidationError::InvalidOrderType(s.to_owned())),
        }
    }
}

/// How long an order stays working (Binance's `timeInForce`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum TimeInForce {
    /// Good till cancelled (the default).
    #[default]
    #[serde(rename = "GTC")]
    Gtc,
    /// Immediate or cancel: what does not fill now expires.
    #[serde(rename = "IOC")]
    Ioc,
    /// Fill or kill: fills in full now or is rejected.
    #[serde(rename = "FOK")]
    Fok,
    /// Good till crossing (post-only): rejected if it would take liquidity.
    #[serde(rename = "GTX")]
    Gtx,
    /// Good till a date.
    #[serde(rename = "GTD")]
    Gtd,
}

impl TimeInForce {
    /// Binance's (and our wire) name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gtc => "GTC",
            Self::Ioc => "IOC",
            Self::Fok => "FOK",
            Self::Gtx => "GTX",
            Self::Gtd => "GTD",
        }
    }
}

impl FromStr for TimeInForce {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "GTC" => Self::Gtc,
            "IOC" => Self::Ioc,
            "FOK" => Self::Fok,
            "GTX" => Self::Gtx,
            "GTD" => Self::Gtd,
            _ => {
                return Err(ValidationError::InvalidRequest(format!(
                    "timeInForce must be GTC, IOC, FOK, GTX or GTD, got {s:?}"
                )))
            }
        })
    }
}

/// Binance's `side` word.
impl Side {
    /// `BUY` / `SELL`.
    #[must_use]
    pub fn binance(self) -> &'static str {
        match self {
            Self::Buy => "BUY",
            Self::Sell => "SELL",
        }
    }

    /// From `BUY` / `SELL`.
    #[must_use]
    pub fn from_binance(s: &str) -> Option<Self> {
        match s {
            "BUY" => Some(Self::Buy),
            "SELL" => Some(Self::Sell),
            _ => None,
        }
    }

    /// Every side, in wire order.
    pub const ALL: [Self; 2] = [Self::Buy, Self::Sell];
}

impl OrderType {
    /// Every type, in wire order.
    pub const ALL: [Self; 4] = [Self::Market, Self::Limit, Self::StopLoss, Self::TakeProfit];

    /// The trigger kind of a resting order of this type (`None` for market orders).
    #[must_use]
    pub fn trigger(self) -> Option<crate::ledger::Trigger> {
        match self {
            Self::Market => None,
            Self::Limit => Some(crate::ledger::Trigger::Limit),
            Self::StopLoss => Some(crate::ledger::Trigger::StopLoss),
            Self::TakeProfit => Some(crate::ledger::Trigger::TakeProfit),
        }
    }
}

/// Position side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PositionSide {
    /// Profits when the price rises.
    Long,
    /// Profits when the price falls.
    Short,
}

impl std::fmt::Display for PositionSide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PositionSide {
    /// Wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Long => "long",
            Self::Short => "short",
        }
    }
    /// +1 for long, -1 for short.
    #[must_use]
    pub fn sign(self) -> rust_decimal::Decimal {
        match self {
            Self::Long => rust_decimal::Decimal::ONE,
            Self::Short => rust_decimal::Decimal::NEGATIVE_ONE,
        }
    }
    /// The order side that opens (or adds to) this position.
    #[must_use]
    pub fn opening_side(self) -> Side {
        match self {
            Self::Long => Side::Buy,
            Self::Short => Side::Sell,
        }
    }
    /// The order side that closes this position.
    #[must_use]
    pub fn closing_side(self) -> Side {
        match self {
            Self::Long => Side::Sell,
            Self::Short => Side::Buy,
        }
    }
}

/// Whether a fill added (maker) or took (taker) liquidity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Liquidity {
    /// Resting order filled later.
    Maker,
    /// Filled on arrival or on trigger.
    Taker,
}

impl Liquidity {
    /// Wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Maker => "maker",
            Self::Taker => "taker",
        }
    }
}

/// A validated trading pair such as `BTC/USDT`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Symbol(String);

impl Symbol {
    /// Parse `BASE/QUOTE`: each part 1..=20 ASCII uppercase letters or digits.
    ///
    /// # Errors
    /// `InvalidSymbol` when malformed.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let ok_part = |p: &str| {
            !p.is_empty()
                && p.len() <= 20
                && p.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        };
        match s.split_once('/') {
            Some((base, quote)) if ok_part(base) && ok_part(quote) => Ok(Self(s.to_owned())),
            _ => Err(ValidationError::InvalidSymbol(s.to_owned())),
        }
    }
    /// The symbol text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Exchange form without the slash (`BTCUSDT`).
    #[must_use]
    pub fn compact(&self) -> String {
        self.0.replace('/', "")
    }
}

impl TryFrom<String> for Symbol {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Symbol> for String {
    fn from(s: Symbol) -> Self {
        s.0
    }
}

impl std::fmt::Display for Symbol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols() {
        assert!(Symbol::parse("BTC/USDT").is_ok());
        assert_eq!(
            Symbol::parse("1000PEPE/USDT").unwrap().compact(),
            "1000PEPEUSDT"
        );
        for bad in [
            "",
            "BTCUSDT",
            "btc/usdt",
            "BTC/",
            "/USDT",
            "BTC/USDT/X",
            "BTC /USDT",
        ] {
            assert!(Symbol::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn enums_round_trip() {
        for t in ["market", "limit", "stop_loss", "take_profit"] {
            assert_eq!(t.parse::<OrderType>().unwrap().as_str(), t);
        }
        assert!("stop".parse::<OrderType>().is_err());
        assert_eq!("buy".parse::<Side>().unwrap().opposite(), Side::Sell);
        assert!("long".parse::<Side>().is_err());
    }
}
