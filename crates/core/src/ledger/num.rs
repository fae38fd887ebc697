//! The number types the ledger is written over.
//!
//! [`Num`]: exact money arithmetic where every result that reaches the books is rounded once,
//! half to even, to the money quantum (10⁻¹², [`crate::num::MONEY_DP`]). Implemented here for
//! `Decimal` (the paper engine, the local exchange, the executor) and in `iftb-fast` for its
//! fixed-point `Fx`. The two implementations give the same value for the same inputs: that is
//! what the differential tests between the engines check.
//!
//! [`Real`]: arithmetic on reals, for the liquidation formula, whose result is not rounded.
//! `Decimal` evaluates it exactly (28 significant digits); the fast engine's interval type
//! evaluates the same formula as a guaranteed enclosure, for its trigger index.

use crate::num::money;
use rust_decimal::Decimal;
use std::fmt::Debug;

/// Exact money arithmetic with one rounding to the money quantum. Operations return `None`
/// on overflow (values far outside any market's range).
pub trait Num: Copy + Ord + Default + Debug {
    /// An exact product of two non-negative values (a notional before rounding).
    type Wide: Copy + Debug;
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// `a + b`.
    fn add(self, o: Self) -> Option<Self>;
    /// `a − b`.
    fn sub(self, o: Self) -> Option<Self>;
    /// `−a`.
    fn neg(self) -> Self;
    /// `a · b` exactly, for `a, b ≥ 0`.
    fn wide(a: Self, b: Self) -> Option<Self::Wide>;
    /// `round(w · r)`, `r ≥ 0`.
    fn round_wide_mul(w: Self::Wide, r: Self) -> Option<Self>;
    /// `round(w / d)`, `d ≥ 1`.
    fn round_wide_div(w: Self::Wide, d: u32) -> Option<Self>;
    /// Whether `a ≥ w`, exactly.
    fn covers(a: Self, w: Self::Wide) -> bool;
    /// `round(a · b)`, `a` of any sign, `b ≥ 0`.
    fn round_mul(a: Self, b: Self) -> Option<Self>;
    /// `round(a · b / c)`, `a, b ≥ 0`, `c > 0`.
    fn round_mul_div(a: Self, b: Self, c: Self) -> Option<Self>;
    /// `round((a · b + c · d) / (b + d))`, all `≥ 0`, `b + d > 0` (a weighted average).
    fn round_weighted(a: Self, b: Self, c: Self, d: Self) -> Option<Self>;
}

impl Num for Decimal {
    type Wide = Decimal;
    const ZERO: Self = Decimal::ZERO;
    const ONE: Self = Decimal::ONE;

    #[inline]
    fn add(self, o: Self) -> Option<Self> {
        self.checked_add(o)
    }
    #[inline]
    fn sub(self, o: Self) -> Option<Self> {
        self.checked_sub(o)
    }
    #[inline]
    fn neg(self) -> Self {
        -self
    }
    #[inline]
    fn wide(a: Self, b: Self) -> Option<Self> {
        a.checked_mul(b)
    }
    #[inline]
    fn round_wide_mul(w: Self, r: Self) -> Option<Self> {
        w.checked_mul(r).map(money)
    }
    #[inline]
    fn round_wide_div(w: Self, d: u32) -> Option<Self> {
        w.checked_div(Decimal::from(d)).map(money)
    }
    #[inline]
    fn covers(a: Self, w: Self) -> bool {
        a >= w
    }
    #[inline]
    fn round_mul(a: Self, b: Self) -> Option<Self> {
        a.checked_mul(b).map(money)
    }
    #[inline]
    fn round_mul_div(a: Self, b: Self, c: Self) -> Option<Self> {
        a.checked_mul(b)?.checked_div(c).map(money)
    }
    #[inline]
    fn round_weighted(a: Self, b: Self, c: Self, d: Self) -> Option<Self> {
        let num = a.checked_mul(b)?.checked_add(c.checked_mul(d)?)?;
        num.checked_div(b.checked_add(d)?).map(money)
    }
}

/// Arithmetic on reals: exact (`Decimal`) or as an enclosure (an interval). Comparisons may
/// be undecided (`None`) for an enclosure that straddles the other value.
pub trait Real: Copy + Debug {
    /// 0.
    fn zero() -> Self;
    /// The value of a decimal (exactly, or an enclosure of it).
    fn of(d: Decimal) -> Self;
    /// `a + b`.
    fn add(self, o: Self) -> Option<Self>;
    /// `a − b`.
    fn sub(self, o: Self) -> Option<Self>;
    /// `a · b`.
    fn mul(self, o: Self) -> Option<Self>;
    /// `a / b`.
    fn div(self, o: Self) -> Option<Self>;
    /// `−a`.
    fn neg(self) -> Self;
    /// `a < b`, or `None` when undecided.
    fn lt(self, o: Self) -> Option<bool>;
}

impl Real for Decimal {
    #[inline]
    fn zero() -> Self {
        Decimal::ZERO
    }
    #[inline]
    fn of(d: Decimal) -> Self {
        d
    }
    #[inline]
    fn add(self, o: Self) -> Option<Self> {
        self.checked_add(o)
    }
    #[inline]
    fn sub(self, o: Self) -> Option<Self> {
        self.checked_sub(o)
    }
    #[inline]
    fn mul(self, o: Self) -> Option<Self> {
        self.checked_mul(o)
    }
    #[inline]
    fn div(self, o: Self) -> Option<Self> {
        self.checked_div(o)
    }
    #[inline]
    fn neg(self) -> Self {
        -self
    }
    #[inline]
    fn lt(self, o: Self) -> Option<bool> {
        Some(self < o)
    }
}
