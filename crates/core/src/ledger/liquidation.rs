//! Liquidation of an isolated, one-way USD-M position (Binance formula), maintenance margin,
//! and the settlement of a liquidation.
//!
//! `LP = (WB + cum − side·q·EP) / (q·MMR − side·q)` with WB the isolated wallet balance
//! (the position margin), `side` +1 long / −1 short, `q` the absolute quantity, and
//! `MMR`/`cum` from the maintenance bracket. The bracket is chosen by the notional at entry;
//! when the notional at the computed price falls in another bracket the price is computed
//! again with that bracket (Binance FAQ). A result ≤ 0 means "cannot be liquidated".
//!
//! The formula is written once, over [`Real`]: `Decimal` evaluates it exactly (the paper
//! engine, the exchange, and the fast engine's decision), the fast engine's interval type as an
//! enclosure (its trigger index key).

use super::num::{Num, Real};
use crate::money::{Money, Price, Quantity};
use crate::types::PositionSide;
use rust_decimal::prelude::FromPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One maintenance-margin bracket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bracket<N = Decimal> {
    /// Lower bound of the notional (inclusive).
    pub notional_floor: N,
    /// Upper bound of the notional (exclusive).
    pub notional_cap: N,
    /// Largest leverage allowed in this bracket.
    pub max_leverage: u32,
    /// Maintenance margin rate.
    pub maint_margin_ratio: N,
    /// Maintenance amount (`cum`).
    pub cum: N,
}

impl Bracket {
    /// The same bracket in another number type (exactly, or as an enclosure).
    #[must_use]
    pub fn to_real<R: Real>(&self) -> Bracket<R> {
        Bracket {
            notional_floor: R::of(self.notional_floor),
            notional_cap: R::of(self.notional_cap),
            max_leverage: self.max_leverage,
            maint_margin_ratio: R::of(self.maint_margin_ratio),
            cum: R::of(self.cum),
        }
    }
}

/// A symbol's bracket table, ordered by notional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BracketTable(pub Vec<Bracket>);

/// A comparison an enclosure could not decide: evaluate exactly instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Undecided;

fn d(v: u64) -> Decimal {
    Decimal::from_u64(v).unwrap_or_default()
}

/// Index of the bracket a notional falls in (the last one for notionals beyond the table).
fn bracket_index<R: Real>(rows: &[Bracket<R>], notional: R) -> Result<Option<usize>, Undecided> {
    for (i, b) in rows.iter().enumerate() {
        match notional.lt(b.notional_cap) {
            Some(true) => return Ok(Some(i)),
            Some(false) => {}
            None => return Err(Undecided),
        }
    }
    Ok(rows.len().checked_sub(1))
}

/// The liquidation price of a position, or `None` when it cannot be liquidated (LP ≤ 0);
/// `Err(Undecided)` only for an enclosure whose bracket or sign it could not decide.
///
/// # Errors
/// `Undecided` (never for `Decimal`).
#[inline]
pub fn liquidation_level<R: Real>(
    rows: &[Bracket<R>],
    side: PositionSide,
    quantity: R,
    entry_price: R,
    isolated_margin: R,
) -> Result<Option<R>, Undecided> {
    let zero = R::zero();
    if !zero.lt(quantity).ok_or(Undecided)? {
        return Ok(None);
    }
    let Some(notional) = entry_price.mul(quantity) else {
        return Ok(None);
    };
    // The formula with numerator and denominator multiplied by −side, so that every product
    // is of non-negative values: long `(q·EP − (WB + cum)) / (q − q·MMR)`, short
    // `(q·EP + (WB + cum)) / (q + q·MMR)`.
    let long = side == PositionSide::Long;
    let solve = |b: &Bracket<R>| -> Option<R> {
        let held = isolated_margin.add(b.cum)?;
        let qm = quantity.mul(b.maint_margin_ratio)?;
        let (num, den) = if long {
            (notional.sub(held)?, quantity.sub(qm)?)
        } else {
            (notional.add(held)?, quantity.add(qm)?)
        };
        num.div(den)
    };
    let Some(first) = bracket_index(rows, notional)? else {
        return Ok(None);
    };
    let Some(mut lp) = solve(&rows[first]) else {
        return Ok(None);
    };
    if let Some(at_lp) = lp.mul(quantity) {
        if let Some(i) = bracket_index(rows, at_lp)?.filter(|i| *i != first) {
            let Some(again) = solve(&rows[i]) else {
                return Ok(None);
            };
            lp = again;
        }
    }
    Ok(zero.lt(lp).ok_or(Undecided)?.then_some(lp))
}

/// Whether a position can never be liquidated, decided exactly: a long whose isolated margin
/// covers its whole notional (every 1x long). The formula gives LP ≤ 0 for it in every
/// bracket (`cum ≥ 0`, `MMR < 1`); this is the cheap exact form of that fact.
#[inline(always)]
#[must_use]
pub fn never_liquidated<N: Num>(
    side: PositionSide,
    entry: Price<N>,
    amount: Quantity<N>,
    margin: Money<N>,
) -> bool {
    side == PositionSide::Long
        && N::wide(entry.0, amount.0).is_some_and(|n| covered(side, margin, n))
}

/// [`never_liquidated`] from the notional `entry × amount` (exact).
#[inline(always)]
#[must_use]
pub fn covered<N: Num>(side: PositionSide, margin: Money<N>, notional: N::Wide) -> bool {
    side == PositionSide::Long && N::covers(margin.0, notional)
}

/// What a liquidation at `mark` settles: the realized PnL (the loss, never more than the
/// margin) and the clearance fee (what is left of the margin, kept by the venue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settlement<N = Decimal> {
    /// PnL realized: `max(PnL at the mark, −margin)`.
    pub realized: Money<N>,
    /// Clearance fee: `max(margin + realized, 0)`.
    pub clearance: Money<N>,
}

/// Settle a liquidation of a position at `mark`.
#[inline]
#[must_use]
pub fn settle<N: Num>(
    side: PositionSide,
    entry: Price<N>,
    amount: Quantity<N>,
    margin: Money<N>,
    mark: Price<N>,
) -> Option<Settlement<N>> {
    let pnl = super::pnl(side, entry, mark, amount)?;
    let realized = pnl.max(Money(margin.0.neg()));
    let clearance = Money(margin.0.add(realized.0)?.max(N::ZERO));
    Some(Settlement {
        realized,
        clearance,
    })
}

impl BracketTable {
    /// Binance BTCUSDT brackets (leverageBracket, Oct 2024; `binance-api.md` §6.2).
    #[must_use]
    pub fn btcusdt() -> Self {
        let rows: [(u64, u64, u32, Decimal, u64); 6] = [
            (0, 50_000, 125, Decimal::new(4, 3), 0),
            (50_000, 600_000, 100, Decimal::new(5, 3), 50),
            (600_000, 3_000_000, 75, Decimal::new(65, 4), 950),
            (3_000_000, 12_000_000, 50, Decimal::new(1, 2), 11_450),
            (12_000_000, 70_000_000, 25, Decimal::new(2, 2), 131_450),
            (70_000_000, 100_000_000, 20, Decimal::new(25, 3), 481_450),
        ];
        Self(
            rows.iter()
                .map(|&(floor, cap, lev, mmr, cum)| Bracket {
                    notional_floor: d(floor),
                    notional_cap: d(cap),
                    max_leverage: lev,
                    maint_margin_ratio: mmr,
                    cum: d(cum),
                })
                .collect(),
        )
    }

    /// Check the table: non-empty, contiguous, rates in [0,1), leverage ≥ 1.
    ///
    /// # Errors
    /// A message naming the first problem.
    pub fn validate(&self) -> Result<(), String> {
        let first = self.0.first().ok_or("bracket table is empty")?;
        if !first.notional_floor.is_zero() {
            return Err("first bracket must start at notional 0".into());
        }
        for (i, b) in self.0.iter().enumerate() {
            if b.notional_cap <= b.notional_floor {
                return Err(format!("bracket {} has cap ≤ floor", i + 1));
            }
            if b.maint_margin_ratio < Decimal::ZERO || b.maint_margin_ratio >= Decimal::ONE {
                return Err(format!("bracket {} maintenance ratio out of [0,1)", i + 1));
            }
            if b.max_leverage == 0 || b.cum < Decimal::ZERO {
                return Err(format!("bracket {} has bad leverage or cum", i + 1));
            }
            if i > 0 && self.0[i - 1].notional_cap != b.notional_floor {
                return Err(format!(
                    "bracket {} does not start where the previous ends",
                    i + 1
                ));
            }
        }
        Ok(())
    }

    /// The bracket a notional falls in (the last one for notionals beyond the table).
    #[must_use]
    pub fn bracket_for(&self, notional: Decimal) -> Option<&Bracket> {
        match bracket_index(&self.0, notional) {
            Ok(Some(i)) => self.0.get(i),
            _ => None,
        }
    }

    /// The same table in another number type (exactly, or as enclosures).
    #[must_use]
    pub fn to_real<R: Real>(&self) -> Vec<Bracket<R>> {
        self.0.iter().map(Bracket::to_real).collect()
    }

    /// Liquidation price, or `None` when the position cannot be liquidated (LP ≤ 0).
    #[must_use]
    pub fn liquidation_price(
        &self,
        side: PositionSide,
        quantity: Decimal,
        entry_price: Decimal,
        isolated_margin: Decimal,
    ) -> Option<Decimal> {
        if never_liquidated(
            side,
            Price(entry_price),
            Quantity(quantity),
            Money(isolated_margin),
        ) {
            return None;
        }
        liquidation_level(&self.0, side, quantity, entry_price, isolated_margin)
            .ok()
            .flatten()
    }

    /// Maintenance margin of a position of this notional: `notional × MMR − cum` of its
    /// bracket, never below 0.
    #[must_use]
    pub fn maintenance_margin(&self, notional: Money) -> Money {
        self.bracket_for(notional.0)
            .map_or(Money::ZERO, |b| {
                Money(notional.0 * b.maint_margin_ratio - b.cum)
            })
            .max(Money::ZERO)
    }

    /// Largest leverage any bracket allows.
    #[must_use]
    pub fn max_leverage(&self) -> u32 {
        self.0.iter().map(|b| b.max_leverage).max().unwrap_or(1)
    }

    /// Largest notional a position at `leverage` may reach (the highest cap of the brackets
    /// that allow that leverage).
    #[must_use]
    pub fn max_notional(&self, leverage: u32) -> Decimal {
        self.0
            .iter()
            .filter(|b| b.max_leverage >= leverage)
            .map(|b| b.notional_cap)
            .max()
            .unwrap_or_default()
    }
}

impl Default for BracketTable {
    fn default() -> Self {
        Self::btcusdt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn table_is_consistent_and_cum_matches_recurrence() {
        let t = BracketTable::btcusdt();
        t.validate().unwrap();
        for w in t.0.windows(2) {
            let cum = w[1].notional_floor * (w[1].maint_margin_ratio - w[0].maint_margin_ratio)
                + w[0].cum;
            assert_eq!(cum, w[1].cum);
        }
    }

    #[test]
    fn long_10x_first_bracket() {
        // 0.1 BTC at 50,000, 10x: margin 500. LP = (500 - 5000) / (0.1*0.004 - 0.1)
        let lp = BracketTable::btcusdt()
            .liquidation_price(PositionSide::Long, dec("0.1"), dec("50000"), dec("500"))
            .unwrap();
        assert_eq!(lp.round_dp(2), dec("45180.72"));
        // At LP the remaining margin equals the maintenance margin.
        let remaining = dec("500") - (dec("50000") - lp) * dec("0.1");
        let mm = lp * dec("0.1") * dec("0.004");
        assert!((remaining - mm).abs() < dec("0.0000001"));
    }

    #[test]
    fn long_1x_cannot_be_liquidated_short_1x_can() {
        let t = BracketTable::btcusdt();
        assert_eq!(
            t.liquidation_price(PositionSide::Long, dec("1"), dec("100"), dec("100")),
            None
        );
        let lp = t
            .liquidation_price(PositionSide::Short, dec("1"), dec("100"), dec("100"))
            .unwrap();
        assert_eq!(lp, dec("200") / dec("1.004"));
    }

    #[test]
    fn second_bracket_uses_cum() {
        // 2 BTC at 50,000 = 100,000 notional (bracket 2: 0.5%, cum 50), 20x: margin 5,000.
        let lp = BracketTable::btcusdt()
            .liquidation_price(PositionSide::Long, dec("2"), dec("50000"), dec("5000"))
            .unwrap();
        let expect =
            (dec("5000") + dec("50") - dec("100000")) / (dec("2") * dec("0.005") - dec("2"));
        assert_eq!(lp, expect);
    }
}
