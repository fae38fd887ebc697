//! The ledger: every trading rule of the engines, written once.
//!
//! Pure functions over a number type ([`Num`]: `Decimal` here, the fast engine's fixed-point
//! `Fx` in `iftb-fast`) and the money types ([`crate::money`]). The paper engine, the fast
//! engine, the executor and the local exchange's futures and Spot books call these and
//! nothing else to price a fill, charge a fee, size a margin, realize PnL, average an entry,
//! decide whether a level is reached, liquidate or settle.
//!
//! | rule | where |
//! |---|---|
//! | taker price (mark moved against the taker by the slippage, rounded) | [`FillModel`], [`Slippage`] |
//! | limit crossing on arrival: taker price capped by the limit | [`Ledger::crossing_price`] |
//! | fee = notional × rate (maker or taker), rounded | [`FeeModel`], [`MakerTaker`] |
//! | initial margin = notional ÷ leverage, rounded | [`MarginModel`], [`Isolated`] |
//! | a fill against a position: reduce / close / open / flip, fee, realized PnL, margin released | [`Ledger::plan`], [`FillPlan`] |
//! | funds check: margin + fee against what is free | [`FillPlan::funds`] |
//! | average entry, partial margin release | [`FillPlan::after_open`], [`FillPlan::after_reduce`] |
//! | reservation of a resting order | [`Ledger::reservation`] |
//! | reduce-only / close-position quantity | [`fill_quantity`] |
//! | PnL | [`pnl`] |
//! | liquidation price, maintenance margin, settlement | [`liquidation`] |
//! | "price reached" for limits, stops, take-profits, liquidations | [`trigger`] |
//!
//! Fee, fill price and margin are small swappable models (traits with one default each, as
//! nautilus_trader's fee and fill models): a venue with fixed fees, a book-walking fill model
//! or cross margin is a new implementation, not a change to every engine. A fill model that
//! walks a book yields several (price, quantity) chunks per order; each chunk is one
//! [`Ledger::plan`] against the position as the previous chunk left it.

pub mod liquidation;
pub mod num;
pub mod trigger;

pub use liquidation::{Bracket, BracketTable, Settlement, Undecided};
pub use num::{Num, Real};
pub use trigger::{Direction, Trigger};

use crate::money::{Money, Price, Quantity, Rate};
use crate::types::{Liquidity, PositionSide, Side};
use std::marker::PhantomData;

/// How fees are charged.
pub trait FeeModel<N: Num> {
    /// The fee of a fill of this notional (price × quantity, exact).
    fn fee(&self, notional: N::Wide, liquidity: Liquidity) -> Option<Money<N>>;
}

/// A maker rate and a taker rate on the notional: `round(notional × rate)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MakerTaker<N> {
    /// Rate of fills that added liquidity.
    pub maker: Rate<N>,
    /// Rate of fills that took liquidity.
    pub taker: Rate<N>,
}

impl<N: Num> MakerTaker<N> {
    /// The rate for a fill.
    #[inline]
    #[must_use]
    pub fn rate(&self, liquidity: Liquidity) -> Rate<N> {
        match liquidity {
            Liquidity::Maker => self.maker,
            Liquidity::Taker => self.taker,
        }
    }
}

impl<N: Num> FeeModel<N> for MakerTaker<N> {
    #[inline(always)]
    fn fee(&self, notional: N::Wide, liquidity: Liquidity) -> Option<Money<N>> {
        N::round_wide_mul(notional, self.rate(liquidity).0).map(Money)
    }
}

/// At what price a taker fills.
pub trait FillModel<N: Num> {
    /// The price a taker order on `side` fills at when the market is at `mark`.
    fn taker_price(&self, side: Side, mark: Price<N>) -> Option<Price<N>>;
}

/// A fixed fraction against the taker: `round(mark × (1 ± slippage))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slippage<N> {
    /// `1 + slippage`.
    buy: N,
    /// `1 − slippage`.
    sell: N,
}

impl<N: Num> Slippage<N> {
    /// A slippage of `rate` (a fraction in `[0, 1)`).
    #[must_use]
    pub fn new(rate: Rate<N>) -> Option<Self> {
        Some(Self {
            buy: N::ONE.add(rate.0)?,
            sell: N::ONE.sub(rate.0)?,
        })
    }
}

impl<N: Num> FillModel<N> for Slippage<N> {
    #[inline(always)]
    fn taker_price(&self, side: Side, mark: Price<N>) -> Option<Price<N>> {
        let factor = match side {
            Side::Buy => self.buy,
            Side::Sell => self.sell,
        };
        N::round_mul(mark.0, factor).map(Price)
    }
}

/// How much margin a position holds.
pub trait MarginModel<N: Num> {
    /// Initial margin of a notional (price × quantity, exact) at `leverage`.
    fn initial(&self, notional: N::Wide, leverage: u32) -> Option<Money<N>>;
}

/// Isolated margin: `round(notional ÷ leverage)` per position (maintenance and liquidation:
/// [`liquidation`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Isolated;

impl<N: Num> MarginModel<N> for Isolated {
    #[inline(always)]
    fn initial(&self, notional: N::Wide, leverage: u32) -> Option<Money<N>> {
        N::round_wide_div(notional, leverage.max(1)).map(Money)
    }
}

/// The rules of one venue: its fee, fill and margin models over a number type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ledger<N, F = MakerTaker<N>, S = Slippage<N>, M = Isolated> {
    /// Fees.
    pub fees: F,
    /// Taker fill prices.
    pub fills: S,
    /// Margin.
    pub margin: M,
    n: PhantomData<N>,
}

impl<N: Num> Ledger<N> {
    /// Maker and taker fee rates, a slippage, isolated margin.
    #[must_use]
    pub fn new(maker: Rate<N>, taker: Rate<N>, slippage: Rate<N>) -> Option<Self> {
        Some(Self::with_models(
            MakerTaker { maker, taker },
            Slippage::new(slippage)?,
            Isolated,
        ))
    }

    /// The fee rate of a fill.
    #[inline]
    #[must_use]
    pub fn rate(&self, liquidity: Liquidity) -> Rate<N> {
        self.fees.rate(liquidity)
    }
}

/// The position a fill meets (netting: the symbol's position; hedging: none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held<N> {
    /// Long or short.
    pub side: PositionSide,
    /// Average entry price.
    pub entry: Price<N>,
    /// Quantity (> 0).
    pub amount: Quantity<N>,
    /// Isolated margin.
    pub margin: Money<N>,
}

/// What a fill of `qty` at `price` does to the books, before it is committed.
#[derive(Debug, Clone, Copy)]
pub struct FillPlan<N: Num> {
    /// Side of the order.
    pub side: Side,
    /// Execution price.
    pub price: Price<N>,
    /// Executed quantity.
    pub qty: Quantity<N>,
    /// Part that reduces the position met.
    pub reduce: Quantity<N>,
    /// Part that opens or increases exposure.
    pub open: Quantity<N>,
    /// Fee of the whole fill.
    pub fee: Money<N>,
    /// PnL realized by the reducing part.
    pub realized: Money<N>,
    /// Margin the reducing part releases.
    pub released: Money<N>,
    /// Margin the opening part needs.
    pub open_margin: Money<N>,
    /// Whether the reducing part closes the whole position met.
    pub closes: bool,
    /// `price × open`, exact (what the opening margin and, with nothing reduced, the fee were
    /// computed from).
    pub open_notional: Option<N::Wide>,
}

impl<N: Num, F: FeeModel<N>, S: FillModel<N>, M: MarginModel<N>> Ledger<N, F, S, M> {
    /// A ledger of these models.
    #[must_use]
    pub fn with_models(fees: F, fills: S, margin: M) -> Self {
        Self {
            fees,
            fills,
            margin,
            n: PhantomData,
        }
    }

    /// The price a taker order fills at, the market being at `mark`.
    #[inline]
    #[must_use]
    pub fn taker_price(&self, side: Side, mark: Price<N>) -> Option<Price<N>> {
        self.fills.taker_price(side, mark)
    }

    /// A limit that crosses on arrival fills as a taker, never worse than its limit.
    #[inline]
    #[must_use]
    pub fn crossing_price(&self, side: Side, mark: Price<N>, limit: Price<N>) -> Option<Price<N>> {
        Some(cap_at_limit(side, self.taker_price(side, mark)?, limit))
    }

    /// The fee of a fill.
    #[inline]
    #[must_use]
    pub fn fee(&self, price: Price<N>, qty: Quantity<N>, liquidity: Liquidity) -> Option<Money<N>> {
        self.fees.fee(N::wide(price.0, qty.0)?, liquidity)
    }

    /// Initial margin of `qty` at `price` and `leverage`.
    #[inline]
    #[must_use]
    pub fn initial_margin(
        &self,
        price: Price<N>,
        qty: Quantity<N>,
        leverage: u32,
    ) -> Option<Money<N>> {
        self.margin.initial(N::wide(price.0, qty.0)?, leverage)
    }

    /// What a resting order holds back: the margin of the part that would open exposure
    /// (beyond the `opposing` position it would reduce) plus its fee, both at `price`.
    #[inline]
    #[must_use]
    pub fn reservation(
        &self,
        price: Price<N>,
        amount: Quantity<N>,
        opposing: Quantity<N>,
        leverage: u32,
        liquidity: Liquidity,
    ) -> Option<Money<N>> {
        let open = if amount > opposing {
            Quantity(amount.0.sub(opposing.0)?)
        } else {
            Quantity(N::ZERO)
        };
        let margin = self.initial_margin(price, open, leverage)?;
        let fee = self.fee(price, amount, liquidity)?;
        margin.0.add(fee.0).map(Money)
    }

    /// Plan a fill of `qty` on `side` at `price` against the position `held` (if any): how
    /// much reduces it and how much opens exposure, the fee, the PnL realized and the margin
    /// released by the reduction, the margin of the opening part.
    #[inline(always)]
    #[must_use]
    pub fn plan(
        &self,
        held: Option<&Held<N>>,
        side: Side,
        qty: Quantity<N>,
        price: Price<N>,
        liquidity: Liquidity,
        leverage: u32,
    ) -> Option<FillPlan<N>> {
        let opposing = opposing(held, side);
        let reduce = qty.min(opposing);
        let open = Quantity(qty.0.sub(reduce.0)?);
        let open_notional = if open.0 > N::ZERO {
            Some(N::wide(price.0, open.0)?)
        } else {
            None
        };
        // The notional of the whole fill; when nothing reduces it is the opening notional.
        let notional = match open_notional {
            Some(n) if reduce.0 == N::ZERO => n,
            _ => N::wide(price.0, qty.0)?,
        };
        let fee = self.fees.fee(notional, liquidity)?;
        let (realized, released, closes) = match held {
            Some(h) if reduce.0 > N::ZERO => {
                let closes = reduce == h.amount;
                let released = if closes {
                    h.margin
                } else {
                    Money(N::round_mul_div(h.margin.0, reduce.0, h.amount.0)?)
                };
                (pnl(h.side, h.entry, price, reduce)?, released, closes)
            }
            _ => (Money(N::ZERO), Money(N::ZERO), false),
        };
        let open_margin = match open_notional {
            Some(n) => self.margin.initial(n, leverage)?,
            None => Money(N::ZERO),
        };
        Some(FillPlan {
            side,
            price,
            qty,
            reduce,
            open,
            fee,
            realized,
            released,
            open_margin,
            closes,
            open_notional,
        })
    }
}

/// A taker price no worse than `limit` for an order on `side` (a crossing limit's fill price).
#[inline]
#[must_use]
pub fn cap_at_limit<N: Num>(side: Side, taker: Price<N>, limit: Price<N>) -> Price<N> {
    match side {
        Side::Buy => taker.min(limit),
        Side::Sell => taker.max(limit),
    }
}

/// The quantity of the position met that an order on `side` would reduce.
#[inline]
#[must_use]
pub fn opposing<N: Num>(held: Option<&Held<N>>, side: Side) -> Quantity<N> {
    match held {
        Some(h) if h.side != side.position_side() => h.amount,
        _ => Quantity(N::ZERO),
    }
}

/// The quantity an order executes: a close-position order the whole opposing position, a
/// reduce-only order at most that, any other order its amount. Zero means there is nothing
/// to do (a close-position order is then cancelled, a reduce-only order rejected).
#[inline]
#[must_use]
pub fn fill_quantity<N: Num>(
    amount: Quantity<N>,
    opposing: Quantity<N>,
    reduce_only: bool,
    close_position: bool,
) -> Quantity<N> {
    if close_position {
        opposing
    } else if reduce_only {
        amount.min(opposing)
    } else {
        amount
    }
}

/// PnL of `qty` of a position entered at `entry`, valued at `price`:
/// `round(side × (price − entry) × qty)`.
#[inline(always)]
#[must_use]
pub fn pnl<N: Num>(
    side: PositionSide,
    entry: Price<N>,
    price: Price<N>,
    qty: Quantity<N>,
) -> Option<Money<N>> {
    let diff = match side {
        PositionSide::Long => price.0.sub(entry.0)?,
        PositionSide::Short => entry.0.sub(price.0)?,
    };
    N::round_mul(diff, qty.0).map(Money)
}

impl<N: Num> FillPlan<N> {
    /// How the wallet moves: `realized − fee`.
    #[inline(always)]
    #[must_use]
    pub fn wallet_delta(&self) -> Option<Money<N>> {
        self.realized.0.sub(self.fee.0).map(Money)
    }

    /// For a fill that opens exposure: `(need, available)`, the margin of the opening part plus
    /// the fee, and what is available for it (the free balance, this order's reservation, and
    /// what the reducing part releases and realizes). The fill is refused when
    /// `need > available`. `None` when the fill opens nothing (it always goes through).
    #[inline(always)]
    #[must_use]
    pub fn funds(&self, free: Money<N>, reserved: Money<N>) -> Option<(Money<N>, Money<N>)> {
        if self.open.0 <= N::ZERO {
            return None;
        }
        let available = free
            .0
            .add(reserved.0)
            .and_then(|a| a.add(self.released.0))
            .and_then(|a| a.add(self.realized.0))?;
        let need = self.open_margin.0.add(self.fee.0)?;
        Some((Money(need), Money(available)))
    }

    /// Whether the fill is refused for funds (see [`FillPlan::funds`]).
    #[inline(always)]
    #[must_use]
    pub fn short_of_funds(&self, free: Money<N>, reserved: Money<N>) -> bool {
        self.funds(free, reserved)
            .is_some_and(|(need, available)| need > available)
    }

    /// The position after a reduction that does not close it.
    #[inline(always)]
    #[must_use]
    pub fn after_reduce(&self, held: &Held<N>) -> Option<Held<N>> {
        Some(Held {
            amount: Quantity(held.amount.0.sub(self.reduce.0)?),
            margin: Money(held.margin.0.sub(self.released.0)?),
            ..*held
        })
    }

    /// Whether the position a fill opens (no position met) can never be liquidated
    /// ([`liquidation::never_liquidated`], from the notional already computed).
    #[inline(always)]
    #[must_use]
    pub fn opens_unliquidable(&self) -> bool {
        self.open_notional
            .is_some_and(|n| liquidation::covered(self.side.position_side(), self.open_margin, n))
    }

    /// The position after the opening part: `held` increased (average entry
    /// `round((e₁q₁ + e₂q₂) / (q₁ + q₂))`) or a new one at the fill price.
    #[inline(always)]
    #[must_use]
    pub fn after_open(&self, held: Option<&Held<N>>) -> Option<Held<N>> {
        Some(match held {
            Some(h) => Held {
                side: h.side,
                entry: Price(N::round_weighted(
                    h.entry.0,
                    h.amount.0,
                    self.price.0,
                    self.open.0,
                )?),
                amount: Quantity(h.amount.0.add(self.open.0)?),
                margin: Money(h.margin.0.add(self.open_margin.0)?),
            },
            None => Held {
                side: self.side.position_side(),
                entry: self.price,
                amount: self.open,
                margin: self.open_margin,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn ledger() -> Ledger<Decimal> {
        Ledger::new(Rate(d("0.0002")), Rate(d("0.0004")), Rate(d("0.0005"))).unwrap()
    }

    #[test]
    fn taker_price_and_fee() {
        let l = ledger();
        assert_eq!(
            l.taker_price(Side::Buy, Price(d("50000"))),
            Some(Price(d("50025")))
        );
        assert_eq!(
            l.taker_price(Side::Sell, Price(d("50000"))),
            Some(Price(d("49975")))
        );
        assert_eq!(
            l.crossing_price(Side::Buy, Price(d("50000")), Price(d("50010"))),
            Some(Price(d("50010")))
        );
        assert_eq!(
            l.fee(Price(d("50025")), Quantity(d("0.1")), Liquidity::Taker),
            Some(Money(d("2.001")))
        );
    }

    #[test]
    fn plan_flip() {
        let l = ledger();
        let held = Held {
            side: PositionSide::Long,
            entry: Price(d("100")),
            amount: Quantity(d("1")),
            margin: Money(d("100")),
        };
        let p = l
            .plan(
                Some(&held),
                Side::Sell,
                Quantity(d("3")),
                Price(d("110")),
                Liquidity::Taker,
                2,
            )
            .unwrap();
        assert_eq!((p.reduce, p.open), (Quantity(d("1")), Quantity(d("2"))));
        assert!(p.closes);
        assert_eq!(p.realized, Money(d("10")));
        assert_eq!(p.released, Money(d("100")));
        assert_eq!(p.open_margin, Money(d("110")));
        assert_eq!(p.fee, Money(d("0.132")));
        let new = p.after_open(None).unwrap();
        assert_eq!(new.side, PositionSide::Short);
        assert_eq!(new.amount, Quantity(d("2")));
        assert_eq!(
            fill_quantity(Quantity(d("5")), Quantity(d("1")), true, false),
            Quantity(d("1"))
        );
    }
}
