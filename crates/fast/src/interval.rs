//! Intervals of doubles that always contain an exact real value: the fast engine evaluates the
//! ledger's liquidation formula ([`iftb_core::ledger::liquidation::liquidation_level`]) on
//! them to key its trigger index, and decides exactly (in decimals) only when the price gets
//! there or when the interval cannot decide a bracket or a sign.
//!
//! Every operation computes its bounds in doubles and widens them outward by more than the
//! rounding error (2⁻⁵⁰ relative plus 10⁻³⁰⁰ absolute; one rounding is at most 2⁻⁵³), so the
//! exact value stays inside. An operation that cannot be bounded (division by an interval
//! holding 0, an overflow) gives the whole line, and every comparison with it is undecided.

use iftb_core::ledger::Real;
use iftb_core::Decimal;

use crate::Fx;

/// `[lo, hi]`, holding the exact value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Iv {
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

const EPS: f64 = 8.881_784_197_001_252e-16; // 2^-50
const TINY: f64 = 1e-300;
const ALL: Iv = Iv {
    lo: f64::NEG_INFINITY,
    hi: f64::INFINITY,
};

#[inline]
fn down(x: f64) -> f64 {
    x - x.abs() * EPS - TINY
}

#[inline]
fn up(x: f64) -> f64 {
    x + x.abs() * EPS + TINY
}

impl Iv {
    /// An interval around `x`, a double within 3 units in the last place of the value
    /// (the widening is 2⁻⁵⁰ relative, 4 ulps).
    #[inline]
    #[must_use]
    pub fn around(x: f64) -> Self {
        if x.is_finite() {
            Self {
                lo: down(x),
                hi: up(x),
            }
        } else {
            ALL
        }
    }

    /// The value of a fixed-point number.
    #[inline]
    #[must_use]
    pub fn of_fx(v: Fx) -> Self {
        Self::around(v.approx_f64())
    }

    #[inline]
    fn span(a: f64, b: f64) -> Self {
        if a.is_nan() || b.is_nan() {
            return ALL;
        }
        Self {
            lo: down(a.min(b)),
            hi: up(a.max(b)),
        }
    }

    #[inline]
    fn span4(p: [f64; 4]) -> Self {
        if p.iter().any(|x| x.is_nan()) {
            return ALL;
        }
        Self {
            lo: down(p[0].min(p[1]).min(p[2]).min(p[3])),
            hi: up(p[0].max(p[1]).max(p[2]).max(p[3])),
        }
    }
}

/// A decimal as a double within 3 ulps (no formatting): the mantissa rounded once (½ ulp),
/// divided by an exact power of ten (½ ulp; two divisions past 10²², 1½ ulps).
#[must_use]
pub fn decimal_f64(d: Decimal) -> f64 {
    const P: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    #[allow(clippy::cast_precision_loss)]
    let m = d.mantissa() as f64;
    let s = d.scale() as usize;
    if s < P.len() {
        m / P[s]
    } else {
        m / P[22] / P[s - 22]
    }
}

impl Real for Iv {
    #[inline]
    fn zero() -> Self {
        Self { lo: 0.0, hi: 0.0 }
    }
    #[inline]
    fn of(d: Decimal) -> Self {
        Self::around(decimal_f64(d))
    }
    #[inline]
    fn add(self, o: Self) -> Option<Self> {
        Some(Self::span(self.lo + o.lo, self.hi + o.hi))
    }
    #[inline]
    fn sub(self, o: Self) -> Option<Self> {
        Some(Self::span(self.lo - o.hi, self.hi - o.lo))
    }
    #[inline]
    fn mul(self, o: Self) -> Option<Self> {
        if self.lo >= 0.0 && o.lo >= 0.0 {
            return Some(Self::span(self.lo * o.lo, self.hi * o.hi));
        }
        Some(Self::span4([
            self.lo * o.lo,
            self.lo * o.hi,
            self.hi * o.lo,
            self.hi * o.hi,
        ]))
    }
    #[inline]
    fn div(self, o: Self) -> Option<Self> {
        if o.lo <= 0.0 && o.hi >= 0.0 {
            return Some(ALL);
        }
        if self.lo >= 0.0 && o.lo > 0.0 {
            return Some(Self::span(self.lo / o.hi, self.hi / o.lo));
        }
        Some(Self::span4([
            self.lo / o.lo,
            self.lo / o.hi,
            self.hi / o.lo,
            self.hi / o.hi,
        ]))
    }
    #[inline]
    fn neg(self) -> Self {
        Self {
            lo: -self.hi,
            hi: -self.lo,
        }
    }
    #[inline]
    fn lt(self, o: Self) -> Option<bool> {
        if self.hi < o.lo {
            Some(true)
        } else if self.lo >= o.hi {
            Some(false)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iftb_core::ledger::liquidation::liquidation_level;
    use iftb_core::{BracketTable, PositionSide};

    #[test]
    fn encloses_the_exact_liquidation_price() {
        let table = BracketTable::btcusdt();
        let rows = table.to_real::<Iv>();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut undecided = 0;
        for i in 0..20_000 {
            let q = Decimal::new((next() % 5_000_000 + 1) as i64, 6);
            let ep = Decimal::new((next() % 10_000_000 + 100) as i64, 2);
            let lev = Decimal::from(next() % 125 + 1);
            let wb = (q * ep / lev).round_dp(12);
            let side = if i % 2 == 0 {
                PositionSide::Long
            } else {
                PositionSide::Short
            };
            let exact = liquidation_level(&table.0, side, q, ep, wb).unwrap();
            let fx = |d: Decimal| Iv::of_fx(Fx::from_decimal(d).unwrap());
            match liquidation_level(&rows, side, fx(q), fx(ep), fx(wb)) {
                Ok(Some(iv)) => {
                    let e = decimal_f64(exact.expect("enclosure says liquidable"));
                    assert!(iv.lo <= e && e <= iv.hi, "{e} not in {iv:?}");
                    assert!(iv.hi - iv.lo <= 1e-9 * e.abs(), "loose: {iv:?}");
                }
                Ok(None) => assert_eq!(exact, None),
                Err(_) => undecided += 1,
            }
        }
        assert!(undecided < 200, "{undecided} undecided");
    }
}
