//! Why a venue refuses an order: one enum, and one table to Binance's codes and messages
//! (what the local exchange answers, and how the live client reads Binance's answers).
//!
//! | reason | USD-M futures | Spot |
//! |---|---|---|
//! | insufficient funds | -2019 `Margin is insufficient.` | -2010 `Account has insufficient balance for requested action.` |
//! | would trigger immediately | -2021 `Order would immediately trigger.` | -2010 `Order would trigger immediately.` |
//! | reduce-only would not reduce | -2022 `ReduceOnly Order is rejected.` | (no reduce-only on Spot) |
//! | post-only would take | -5022 `Due to the order could not be executed as maker, …` | -2010 `Order would immediately match and take.` |
//! | FOK not filled in full | -5021 `Due to the order could not be filled immediately, …` | -2010 (same words) |
//! | duplicate client order id | -4116 `ClientOrderId is duplicated.` | -2010 `Duplicate order sent.` |

use crate::binance::errors::code;
use crate::binance::Market;
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// Why a venue refused an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RejectReason {
    /// Not enough free balance / margin for the order's margin and fee.
    InsufficientFunds,
    /// A stop or take-profit whose trigger the market already reaches.
    WouldTriggerImmediately,
    /// A reduce-only order with no position to reduce.
    ReduceOnlyRejected,
    /// A post-only (maker-only) order that would take liquidity.
    PostOnlyWouldTake,
    /// A fill-or-kill order that cannot fill in full now.
    FillOrKillNotFilled,
    /// A client order id already used by an open order.
    DuplicateOrder,
}

/// Binance's `-5022` message.
const POST_ONLY: &str = "Due to the order could not be executed as maker, the Post Only order will be rejected. The order will not be recorded in the order history";
/// Binance's `-5021` message.
const FOK: &str = "Due to the order could not be filled immediately, the FOK order has been rejected. The order will not be recorded in the order history";

impl RejectReason {
    /// Every reason.
    pub const ALL: [Self; 6] = [
        Self::InsufficientFunds,
        Self::WouldTriggerImmediately,
        Self::ReduceOnlyRejected,
        Self::PostOnlyWouldTake,
        Self::FillOrKillNotFilled,
        Self::DuplicateOrder,
    ];

    /// The table: Binance's code and message for this reason on a market.
    #[must_use]
    pub fn binance(self, market: Market) -> (i64, &'static str) {
        use Market::{Spot, UsdM};
        match (self, market) {
            (Self::InsufficientFunds, UsdM) => {
                (code::MARGIN_NOT_SUFFICIENT, "Margin is insufficient.")
            }
            (Self::InsufficientFunds, Spot) => (
                code::NEW_ORDER_REJECTED,
                "Account has insufficient balance for requested action.",
            ),
            (Self::WouldTriggerImmediately, UsdM) => (
                code::ORDER_WOULD_IMMEDIATELY_TRIGGER,
                "Order would immediately trigger.",
            ),
            (Self::WouldTriggerImmediately, Spot) => {
                (code::NEW_ORDER_REJECTED, "Order would trigger immediately.")
            }
            (Self::ReduceOnlyRejected, _) => {
                (code::REDUCE_ONLY_REJECT, "ReduceOnly Order is rejected.")
            }
            (Self::PostOnlyWouldTake, UsdM) => (code::POST_ONLY_REJECT, POST_ONLY),
            (Self::PostOnlyWouldTake, Spot) => (
                code::NEW_ORDER_REJECTED,
                "Order would immediately match and take.",
            ),
            (Self::FillOrKillNotFilled, UsdM) => (code::FOK_REJECTED, FOK),
            (Self::FillOrKillNotFilled, Spot) => (code::NEW_ORDER_REJECTED, FOK),
            (Self::DuplicateOrder, UsdM) => (
                code::DUPLICATED_CLIENT_ORDER_ID,
                "ClientOrderId is duplicated.",
            ),
            (Self::DuplicateOrder, Spot) => (code::NEW_ORDER_REJECTED, "Duplicate order sent."),
        }
    }

    /// The reason of a Binance answer, read through the same table: by code where the code
    /// alone says it (futures, and `-2018` balance), else by the table's message.
    #[must_use]
    pub fn from_binance(code_: i64, msg: &str) -> Option<Self> {
        if code_ == code::BALANCE_NOT_SUFFICIENT {
            return Some(Self::InsufficientFunds);
        }
        Self::ALL.into_iter().find(|r| {
            [Market::UsdM, Market::Spot].into_iter().any(|m| {
                let (c, text) = r.binance(m);
                c == code_
                    && (c != code::NEW_ORDER_REJECTED || text.eq_ignore_ascii_case(msg.trim()))
            })
        })
    }

    /// The paper engine's message (`Order.errorMessage`) for the reasons without figures.
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            Self::InsufficientFunds => "Insufficient balance",
            Self::WouldTriggerImmediately => "Order would immediately trigger",
            Self::ReduceOnlyRejected => "ReduceOnly order would not reduce a position",
            Self::PostOnlyWouldTake => "Post-only order would take liquidity",
            Self::FillOrKillNotFilled => "Fill-or-kill order could not be filled in full",
            Self::DuplicateOrder => "Duplicate order",
        }
    }

    /// The paper engine's message for insufficient funds, with the figures.
    #[must_use]
    pub fn insufficient(need: Money, available: Money) -> String {
        format!(
            "{}: needs {} (margin + fee), available {}",
            Self::InsufficientFunds.message(),
            need.0.round_dp(8).normalize(),
            available.0.round_dp(8).normalize()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_reads_back() {
        for r in RejectReason::ALL {
            for m in [Market::UsdM, Market::Spot] {
                let (c, msg) = r.binance(m);
                if r == RejectReason::FillOrKillNotFilled && m == Market::Spot {
                    continue; // same words as futures' -5021 under the generic -2010
                }
                assert_eq!(RejectReason::from_binance(c, msg), Some(r), "{r:?} {m:?}");
            }
        }
        assert_eq!(
            RejectReason::from_binance(-2010, "Some other reason."),
            None
        );
        assert_eq!(
            RejectReason::from_binance(-2018, "Balance is insufficient."),
            Some(RejectReason::InsufficientFunds)
        );
    }
}
