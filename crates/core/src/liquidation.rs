//! Liquidation price of an isolated, one-way USD-M position (Binance formula).
//!
//! `LP = (WB + cum − side·q·EP) / (q·MMR − side·q)` with WB the isolated wallet balance
//! (the position margin), `side` +1 long / −1 short, `q` the absolute quantity, and
//! `MMR`/`cum` from the maintenance bracket. The bracket is chosen by the notional at entry;
//! when the notional at the computed price falls in another bracket the price is computed
//! again with that bracket (Binance FAQ). A result ≤ 0 means "cannot be liquidated".

use crate::types::PositionSide;
use rust_decimal::prelude::FromPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One maintenance-margin bracket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bracket {
    /// Lower bound of the notional (inclusive).
    pub notional_floor: Decimal,
    /// Upper bound of the notional (exclusive).
    pub notional_cap: Decimal,
    /// Largest leverage allowed in this bracket.
    pub max_leverage: u32,
    /// Maintenance margin rate.
    pub maint_margin_ratio: Decimal,
    /// Maintenance amount (`cum`).
    pub cum: Decimal,
}

/// A symbol's bracket table, ordered by notional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BracketTable(pub Vec<Bracket>);

fn d(v: u64) -> Decimal {
    Decimal::from_u64(v).unwrap_or_default()
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
        self.0
            .iter()
            .find(|b| notional < b.notional_cap)
            .or_else(|| self.0.last())
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
        if quantity <= Decimal::ZERO {
            return None;
        }
        let s = side.sign();
        let solve = |b: &Bracket| -> Option<Decimal> {
            let num = isolated_margin
                .checked_add(b.cum)?
                .checked_sub(s.checked_mul(quantity)?.checked_mul(entry_price)?)?;
            let den = quantity
                .checked_mul(b.maint_margin_ratio)?
                .checked_sub(s.checked_mul(quantity)?)?;
            num.checked_div(den)
        };
        let first = self.bracket_for(entry_price.checked_mul(quantity)?)?;
        let mut lp = solve(first)?;
        if let Some(at_lp) = lp
            .checked_mul(quantity)
            .and_then(|n| self.bracket_for(n))
            .filter(|b| *b != first)
        {
            lp = solve(at_lp)?;
        }
        (lp > Decimal::ZERO).then_some(lp)
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
