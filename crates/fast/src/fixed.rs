//! Exact fixed-point decimals for the fast engine: an [`Fx`] is an `i128` count of 10⁻¹²
//! (the money quantum [`iftb_core::num::MONEY_DP`]), so every value the paper engine keeps on its
//! books fits exactly, and `+`/`−` are single integer operations.
//!
//! Products are formed exactly in `u128` (or, past that, through `rust_decimal`) and rounded
//! once, half to even, to the quantum, exactly as [`iftb_core::num::money`] rounds.
//!
//! JS numbers come in through their shortest round-trip decimal text (what `String(x)`
//! prints), computed without formatting: see [`from_f64`]. A useful fact the engine relies on:
//! for finite positive doubles, "shortest decimal of x" is strictly increasing in x, so two
//! prices given as numbers compare exactly as their decimals compare.

use rust_decimal::Decimal;

/// Decimal places of an [`Fx`].
pub const DP: u32 = 12;
/// 10¹² (one unit).
pub const ONE: i128 = 1_000_000_000_000;

const fn pow10_table() -> [u128; 39] {
    let mut t = [1u128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
}
/// 10ⁱ for i in 0..=38.
pub const POW10: [u128; 39] = pow10_table();
/// 10ⁱ as doubles (exact for i ≤ 22).
const F64_POW10: [f64; 13] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
];

/// An exact decimal with 12 places: the value is `self.0 / 10¹²`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fx(pub i128);

impl Fx {
    /// Zero.
    pub const ZERO: Fx = Fx(0);

    /// Exact when `d` has at most 12 decimal places and fits; `None` otherwise.
    #[must_use]
    pub fn from_decimal(d: Decimal) -> Option<Fx> {
        let s = d.scale();
        if s > DP {
            let n = d.normalize();
            if n.scale() > DP {
                return None;
            }
            return Self::from_decimal(n);
        }
        let m = d.mantissa();
        m.checked_mul(POW10[(DP - s) as usize] as i128).map(Fx)
    }

    /// The same value as a `Decimal` (normalized). `None` only past `Decimal`'s range.
    #[must_use]
    pub fn to_decimal(self) -> Option<Decimal> {
        if let Ok(mut m) = i64::try_from(self.0) {
            // 64-bit steps (i128 division is a slow library call in wasm).
            let mut k = DP;
            while k > 0 && m % 10 == 0 {
                m /= 10;
                k -= 1;
            }
            return Some(Decimal::new(m, k));
        }
        let (mut m, mut k) = (self.0, DP);
        while k > 0 && m % 10 == 0 {
            m /= 10;
            k -= 1;
        }
        Decimal::try_from_i128_with_scale(m, k).ok()
    }

    /// `|self|` as `u128`.
    #[must_use]
    pub fn unsigned_abs(self) -> u128 {
        self.0.unsigned_abs()
    }

    /// Checked sum.
    #[must_use]
    pub fn checked_add(self, o: Fx) -> Option<Fx> {
        self.0.checked_add(o.0).map(Fx)
    }

    /// Checked difference.
    #[must_use]
    pub fn checked_sub(self, o: Fx) -> Option<Fx> {
        self.0.checked_sub(o.0).map(Fx)
    }

    /// Whether zero.
    #[must_use]
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The nearest double, when it can be had without formatting (always for values with at
    /// most 15 significant digits); `None` asks the caller for the slow path (decimal text).
    #[must_use]
    pub fn to_f64(self) -> Option<f64> {
        let neg = self.0 < 0;
        let a = self.0.unsigned_abs();
        let v = if a >> 64 == 0 {
            // Strip only as many trailing zeros as needed to get the mantissa below 2^53.
            let (mut m, mut k) = (a as u64, DP as usize);
            while m >= 1 << 53 {
                if k == 0 || m % 10 != 0 {
                    return None;
                }
                m /= 10;
                k -= 1;
            }
            // m and 10^k are exact doubles; one correctly rounded division gives the nearest.
            #[allow(clippy::cast_precision_loss)]
            let v = m as f64 / F64_POW10[k];
            v
        } else {
            let (mut m, mut k) = (a, DP as usize);
            while m >= 1 << 53 {
                if k == 0 || m % 10 != 0 {
                    return None;
                }
                m /= 10;
                k -= 1;
            }
            #[allow(clippy::cast_precision_loss)]
            let v = m as u64 as f64 / F64_POW10[k];
            v
        };
        Some(if neg { -v } else { v })
    }

    /// An approximation as a double (a few ulps; for estimates, never for the books).
    #[inline]
    #[must_use]
    pub fn approx_f64(self) -> f64 {
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        let v = if let Ok(x) = i64::try_from(self.0) {
            x as f64
        } else {
            self.0 as f64
        };
        v / 1e12
    }
}

impl std::fmt::Display for Fx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.to_decimal() {
            Some(d) => write!(f, "{d}"),
            None => write!(f, "{}e-12", self.0),
        }
    }
}

/// What a double reads as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FromF64 {
    /// Its shortest round-trip decimal, exactly.
    Exact(Fx),
    /// Its shortest decimal has more than 12 places (e.g. `0.1 + 0.2`).
    TooPrecise,
    /// Not decided here (more than ~15 significant digits, huge, or not finite): format it
    /// (`String(x)`) and parse the text.
    Slow,
}

/// The shortest round-trip decimal of `x` (what JS `String(x)` prints), as an [`Fx`], decided
/// with a few floating-point operations and no formatting.
///
/// Why it is exact: below 8192 a double's rounding interval is narrower than 10⁻¹², so it
/// holds at most one 12-place decimal, which is then also its shortest decimal, and `m / 10¹²`
/// (both exact doubles, one correctly rounded division) equals `x` exactly when that decimal
/// exists. From 8192 up the smallest `k` with `round(x·10ᵏ) / 10ᵏ == x` gives the shortest
/// decimal while `x·10ᵏ < 2⁵⁰` (then at most one `k`-place decimal fits the interval).
#[must_use]
pub fn from_f64(x: f64) -> FromF64 {
    if !x.is_finite() {
        return FromF64::Slow;
    }
    let neg = x < 0.0;
    let a = x.abs();
    if a == 0.0 {
        return FromF64::Exact(Fx::ZERO);
    }
    let wrap = |m: f64, scale: u32| {
        // m is a whole number below 2^53, so the cast is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let m = m as u64;
        let v = if scale == DP {
            i128::from(m)
        } else {
            mul_64(m, POW10[(DP - scale) as usize] as u64) as i128
        };
        FromF64::Exact(Fx(if neg { -v } else { v }))
    };
    if a < 8192.0 {
        let y = a * 1e12;
        let m = y.round_ties_even();
        for c in [m, m - 1.0, m + 1.0] {
            if c >= 0.0 && c / 1e12 == a {
                return wrap(c, DP);
            }
        }
        return FromF64::TooPrecise;
    }
    let mut p = 1.0f64;
    for k in 0..=DP {
        let y = a * p;
        if y >= 1_125_899_906_842_624.0 {
            // 2^50: from here on, not decided cheaply.
            return FromF64::Slow;
        }
        let m = y.round_ties_even();
        if m / p == a {
            return wrap(m, k);
        }
        p *= 10.0;
    }
    FromF64::TooPrecise
}

/// Whether the shortest decimal of a finite positive double has at most 12 places (cheap:
/// one multiply and at most three divisions). Used to validate prices without converting.
#[must_use]
pub fn fits_dp(a: f64) -> bool {
    if a >= 8192.0 {
        // Every double this large has a rounding interval wider than 10^-12: some 12-place
        // decimal (and so the shortest one) lies in it.
        return true;
    }
    matches!(from_f64(a), FromF64::Exact(_))
}

// ----- arithmetic -------------------------------------------------------------------------
//
// wasm32 has no 128-bit instructions: `u128` multiplies, divides and variable shifts become
// calls into compiler-builtins. The hot paths below use only 64-bit operations, and divide
// only by the constants 10¹² and 5¹² (which V8 and LLVM turn into multiply-and-shift).

const E12: u64 = 1_000_000_000_000;
const HALF_E12: u64 = 500_000_000_000;
/// 5¹²: 10¹² = 2¹² · 5¹².
const P5_12: u64 = 244_140_625;

#[inline(always)]
fn split(n: u128) -> (u64, u64) {
    ((n >> 64) as u64, n as u64)
}

#[inline(always)]
fn join(hi: u64, lo: u64) -> u128 {
    (u128::from(hi) << 64) | u128::from(lo)
}

/// `a · b` exactly, from 32-bit halves (no `__multi3`).
#[inline(always)]
fn mul_64(a: u64, b: u64) -> u128 {
    let (a1, a0) = (a >> 32, a & 0xffff_ffff);
    let (b1, b0) = (b >> 32, b & 0xffff_ffff);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 32) + (p01 & 0xffff_ffff) + (p10 & 0xffff_ffff);
    let lo = (p00 & 0xffff_ffff) | (mid << 32);
    let hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    join(hi, lo)
}

/// `a · b`, or `None` past 128 bits.
#[inline(always)]
#[must_use]
pub fn mul(a: u128, b: u128) -> Option<u128> {
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    if ah == 0 && bh == 0 {
        return Some(mul_64(al, bl));
    }
    if ah != 0 && bh != 0 {
        return None;
    }
    // One factor fits in 64 bits: (h·2⁶⁴ + l)·s = h·s·2⁶⁴ + l·s.
    let (h, l, small) = if ah == 0 { (bh, bl, al) } else { (ah, al, bl) };
    let top = mul_64(h, small);
    if top >> 64 != 0 {
        return None;
    }
    mul_64(l, small).checked_add((top as u64 as u128) << 64)
}

/// `(n / 10¹², n % 10¹²)` with 64-bit operations by constants only.
#[inline]
fn divrem_e12(n: u128) -> (u128, u64) {
    let (hi, lo) = split(n);
    if hi == 0 {
        return (u128::from(lo / E12), lo % E12);
    }
    // n = 2¹²·m + low; m / 5¹² in four 32-bit steps (remainders stay below 5¹² < 2²⁸).
    let low = lo & 0xfff;
    let (mh, ml) = (hi >> 12, (lo >> 12) | (hi << 52));
    let step = |r: u64, c: u64| {
        let cur = (r << 32) | c;
        let q = cur / P5_12;
        (q, cur - q * P5_12)
    };
    let (q3, r) = step(0, mh >> 32);
    let (q2, r) = step(r, mh & 0xffff_ffff);
    let (q1, r) = step(r, ml >> 32);
    let (q0, r) = step(r, ml & 0xffff_ffff);
    (join((q3 << 32) | q2, (q1 << 32) | q0), (r << 12) | low)
}

/// Round half to even, given the quotient and whether the remainder is below, at or above
/// half the divisor.
#[inline(always)]
fn round_even(q: u128, cmp: std::cmp::Ordering) -> u128 {
    match cmp {
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal if q & 1 == 1 => q + 1,
        _ => q,
    }
}

/// `round_half_even(n / 10¹²)`.
#[inline]
#[must_use]
pub fn div_e12_round(n: u128) -> u128 {
    let (q, r) = divrem_e12(n);
    round_even(q, r.cmp(&HALF_E12))
}

/// `round_half_even(n / 10²⁴)`.
#[inline]
#[must_use]
pub fn div_e24_round(n: u128) -> u128 {
    let (q1, r1) = divrem_e12(n);
    let (q, r2) = divrem_e12(q1);
    // Remainder r2·10¹² + r1 against 10²⁴ / 2 = 5·10¹¹ · 10¹².
    round_even(q, (r2, r1).cmp(&(HALF_E12, 0)))
}

/// `round_half_even(n / (10¹² · d))` for `1 ≤ d < 2³²`.
#[inline]
#[must_use]
pub fn div_round(n: u128, d: u32) -> u128 {
    let (q1, r1) = divrem_e12(n);
    if d == 1 {
        return round_even(q1, r1.cmp(&HALF_E12));
    }
    let d = u64::from(d);
    let (h, l) = split(q1);
    let (q, r2) = if h == 0 {
        (u128::from(l / d), l % d)
    } else {
        let step = |r: u64, c: u64| {
            let cur = (r << 32) | c;
            let q = cur / d;
            (q, cur - q * d)
        };
        let (q3, r) = step(0, h >> 32);
        let (q2, r) = step(r, h & 0xffff_ffff);
        let (q1, r) = step(r, l >> 32);
        let (q0, r) = step(r, l & 0xffff_ffff);
        (join((q3 << 32) | q2, (q1 << 32) | q0), r)
    };
    // Remainder r2·10¹² + r1 (< d·10¹² < 2⁷², compared as (r2, r1) pairs) against d·10¹²/2.
    let twice = (2 * r2 + r1 / HALF_E12, 2 * (r1 % HALF_E12));
    round_even(q, twice.cmp(&(d, 0)))
}

/// `round_half_even(n / d)` for `n ≥ 0`, `d > 0` (general 128-bit division; cold paths).
#[must_use]
pub fn div_round_u128(n: u128, d: u128) -> u128 {
    let (q, r) = (n / d, n % d);
    // r < d, so comparing r with d - r avoids overflow of 2r.
    round_even(q, r.cmp(&(d - r)))
}

/// A rate or factor in quanta (0.0004 → 400,000,000): fees, slippage factors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// The value × 10¹².
    pub num: u128,
}

impl Rate {
    /// From a non-negative decimal with at most 12 places.
    #[must_use]
    pub fn from_decimal(d: Decimal) -> Option<Rate> {
        if d.is_sign_negative() && !d.is_zero() {
            return None;
        }
        Fx::from_decimal(d).map(|f| Rate {
            num: f.0.unsigned_abs(),
        })
    }

    /// `round_half_even(v · rate)` on the quantum, or `None` on overflow.
    #[inline]
    #[must_use]
    pub fn apply(self, v: u128) -> Option<u128> {
        match mul(v, self.num) {
            Some(p) => Some(div_e12_round(p)),
            None => slow_mul(&[v], self, 1),
        }
    }
}

/// `round_half_even(a · b · r)` on the quantum, for `a`, `b` ≥ 0 in quanta (a fee on a
/// notional): exact in 128 bits when the product fits, else through `Decimal`.
#[inline]
#[must_use]
pub fn mul3(a: u128, b: u128, r: Rate) -> Option<u128> {
    match mul(a, b).and_then(|ab| mul(ab, r.num)) {
        Some(p) => Some(div_e24_round(p)),
        None => slow_mul(&[a, b], r, 1),
    }
}

/// `round_half_even(a · b / (10¹² · d))` on the quantum (a product of two quantities, e.g.
/// price × amount, optionally divided by a small integer such as the leverage).
#[inline]
#[must_use]
pub fn mul_div(a: u128, b: u128, d: u32) -> Option<u128> {
    match mul(a, b) {
        Some(p) => Some(div_round(p, d)),
        None => slow_mul(&[a, b], Rate { num: ONE as u128 }, d),
    }
}

/// The same through `Decimal` (products past 128 bits; never on realistic sizes).
#[cold]
fn slow_mul(vals: &[u128], r: Rate, d: u32) -> Option<u128> {
    let mut acc = Decimal::try_from_i128_with_scale(i128::try_from(r.num).ok()?, DP).ok()?;
    for &v in vals {
        let x = Fx(i128::try_from(v).ok()?).to_decimal()?;
        acc = acc.checked_mul(x)?;
    }
    if d > 1 {
        acc = acc.checked_div(Decimal::from(d))?;
    }
    let m = iftb_core::num::money(acc);
    Fx::from_decimal(m).and_then(|f| u128::try_from(f.0).ok())
}

// ----- the ledger's number type -----------------------------------------------------------

/// An exact product of two non-negative [`Fx`] values (a notional): in 10⁻²⁴ units when it
/// fits 128 bits, else kept as its factors (the slow paths go through `Decimal`).
#[derive(Debug, Clone, Copy)]
pub struct Wide {
    p: Option<u128>,
    a: Fx,
    b: Fx,
}

#[inline]
fn signed(neg: bool, m: u128) -> Option<Fx> {
    let v = i128::try_from(m).ok()?;
    Some(Fx(if neg { -v } else { v }))
}

/// The ledger's arithmetic on the fixed-point quantum: the same results as `Decimal` with
/// `iftb_core::num::money` rounding, in 64/128-bit integer operations.
impl iftb_core::ledger::Num for Fx {
    type Wide = Wide;
    const ZERO: Self = Fx(0);
    const ONE: Self = Fx(ONE);

    #[inline(always)]
    fn add(self, o: Self) -> Option<Self> {
        self.checked_add(o)
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Option<Self> {
        self.checked_sub(o)
    }
    #[inline(always)]
    fn neg(self) -> Self {
        Fx(-self.0)
    }
    #[inline(always)]
    fn wide(a: Self, b: Self) -> Option<Wide> {
        Some(Wide {
            p: mul(a.unsigned_abs(), b.unsigned_abs()),
            a,
            b,
        })
    }
    #[inline(always)]
    fn round_wide_mul(w: Wide, r: Self) -> Option<Self> {
        let r = r.unsigned_abs();
        let m = match w.p.and_then(|p| mul(p, r)) {
            Some(x) => div_e24_round(x),
            None => mul3(w.a.unsigned_abs(), w.b.unsigned_abs(), Rate { num: r })?,
        };
        signed(false, m)
    }
    #[inline(always)]
    fn round_wide_div(w: Wide, d: u32) -> Option<Self> {
        let m = match w.p {
            Some(n) => div_round(n, d),
            None => mul_div(w.a.unsigned_abs(), w.b.unsigned_abs(), d)?,
        };
        signed(false, m)
    }
    /// Exact when the product fits 128 bits; beyond that (notionals past ~3·10¹⁴) it answers
    /// `false`, the safe side for its one use ("never liquidated").
    #[inline(always)]
    fn covers(a: Self, w: Wide) -> bool {
        a.0 >= 0
            && w.p
                .is_some_and(|n| mul(a.unsigned_abs(), ONE as u128).is_some_and(|m| m >= n))
    }
    #[inline(always)]
    fn round_mul(a: Self, b: Self) -> Option<Self> {
        signed(a.0 < 0, mul_div(a.unsigned_abs(), b.unsigned_abs(), 1)?)
    }
    #[inline(always)]
    fn round_mul_div(a: Self, b: Self, c: Self) -> Option<Self> {
        let (a, b, c) = (a.unsigned_abs(), b.unsigned_abs(), c.unsigned_abs());
        let m = match a.checked_mul(b) {
            Some(n) => div_round_u128(n, c),
            None => {
                let d = iftb_core::num::money(
                    Fx(i128::try_from(a).ok()?)
                        .to_decimal()?
                        .checked_mul(Fx(i128::try_from(b).ok()?).to_decimal()?)?
                        .checked_div(Fx(i128::try_from(c).ok()?).to_decimal()?)?,
                );
                Fx::from_decimal(d)?.unsigned_abs()
            }
        };
        signed(false, m)
    }
    #[inline(always)]
    fn round_weighted(a: Self, b: Self, c: Self, d: Self) -> Option<Self> {
        let (ua, ub, uc, ud) = (
            a.unsigned_abs(),
            b.unsigned_abs(),
            c.unsigned_abs(),
            d.unsigned_abs(),
        );
        let num = ua
            .checked_mul(ub)
            .and_then(|x| x.checked_add(uc.checked_mul(ud)?));
        let m = match num {
            Some(n) => div_round_u128(n, ub + ud),
            None => {
                let n = a
                    .to_decimal()?
                    .checked_mul(b.to_decimal()?)?
                    .checked_add(c.to_decimal()?.checked_mul(d.to_decimal()?)?)?;
                let q = iftb_core::num::money(
                    n.checked_div(b.to_decimal()?.checked_add(d.to_decimal()?)?)?,
                );
                Fx::from_decimal(q)?.unsigned_abs()
            }
        };
        signed(false, m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn shortest(x: f64) -> Option<Fx> {
        // Rust's Display for f64 prints the shortest round-trip decimal too.
        let d = Decimal::from_str(&format!("{x}")).ok()?;
        Fx::from_decimal(d)
    }

    #[test]
    fn from_f64_matches_shortest_text() {
        let mut samples = vec![
            0.1,
            0.2,
            0.3,
            1e-12,
            5e-13,
            16727.3,
            50000.0,
            50025.0,
            0.001,
            8191.999999999999,
            8192.0,
            9007.199254740993,
            123_456.123_456_789,
            1e12,
            999_999_999_999.99,
            0.000_123,
            7.000_000_000_001,
        ];
        // A deterministic sweep of "price-like" and "amount-like" numbers.
        let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let digits = (s % 9) as i32;
            let m = (s >> 8) % 10_000_000;
            samples.push(m as f64 / 10f64.powi(digits));
            samples.push(f64::from_bits(0x3f00_0000_0000_0000 + (s >> 14)));
        }
        for x in samples {
            let want = shortest(x);
            match from_f64(x) {
                FromF64::Exact(f) => assert_eq!(Some(f), want, "{x}"),
                FromF64::TooPrecise => assert_eq!(want, None, "{x}"),
                FromF64::Slow => {}
            }
            if x > 0.0 {
                assert_eq!(fits_dp(x), want.is_some() || x >= 8192.0, "{x}");
            }
        }
        assert_eq!(from_f64(0.1 + 0.2), FromF64::TooPrecise);
        assert_eq!(
            from_f64(16727.3),
            FromF64::Exact(Fx(16_727_300_000_000_000))
        );
    }

    #[test]
    fn to_f64_is_nearest() {
        for s in [
            "0.1",
            "16735.66365",
            "0.000000000001",
            "-2.5",
            "123456789.123456",
        ] {
            let d = Decimal::from_str(s).unwrap();
            let f = Fx::from_decimal(d).unwrap();
            assert_eq!(f.to_f64(), Some(s.parse::<f64>().unwrap()), "{s}");
        }
        assert_eq!(
            Fx::from_decimal(Decimal::from_str("1234567.123456789012").unwrap())
                .unwrap()
                .to_f64(),
            None
        );
    }

    #[test]
    fn products_round_half_even_like_money() {
        let dec = |s: &str| Decimal::from_str(s).unwrap();
        let fx = |s: &str| Fx::from_decimal(dec(s)).unwrap().0 as u128;
        let cases = [
            ("16735.66365", "0.001", "0.0004"),
            ("50025", "0.1", "0.0004"),
            ("0.000000000001", "0.5", "1"),
            ("0.000000000003", "0.5", "1"),
            ("99999.99", "123.456", "0.00075"),
            ("1000000000000", "1000", "0.0004"),
            ("99999.123456789", "7654.321", "0.00075"),
        ];
        for (a, b, r) in cases {
            let want = iftb_core::num::money(dec(a) * dec(b) * dec(r));
            let got = mul3(fx(a), fx(b), Rate::from_decimal(dec(r)).unwrap()).unwrap();
            assert_eq!(Fx(got as i128).to_decimal().unwrap(), want, "{a}*{b}*{r}");
            for lev in [1u32, 3, 7, 125] {
                let want = iftb_core::num::money(dec(a) * dec(b) / Decimal::from(lev));
                let got = mul_div(fx(a), fx(b), lev).unwrap();
                assert_eq!(Fx(got as i128).to_decimal().unwrap(), want, "{a}*{b}/{lev}");
            }
        }
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..200_000 {
            let n = (u128::from(next()) << (next() % 64)) | u128::from(next());
            let d = (next() % 300 + 1) as u32;
            assert_eq!(
                div_round(n, d),
                div_round_u128(n, 1_000_000_000_000 * u128::from(d)),
                "{n}/{d}"
            );
            assert_eq!(
                div_e24_round(n),
                div_round_u128(n, 1_000_000_000_000_000_000_000_000),
                "{n}"
            );
            let (a, b) = (next(), next() >> (next() % 64));
            assert_eq!(
                mul(u128::from(a), u128::from(b)),
                Some(u128::from(a) * u128::from(b))
            );
            let big = (u128::from(a) << 40) | u128::from(b);
            assert_eq!(mul(big, u128::from(b)), big.checked_mul(u128::from(b)));
        }
        for q in [0u128, 1, 2, 3] {
            // exact ties go to even
            assert_eq!(
                div_e12_round(q * 1_000_000_000_000 + 500_000_000_000),
                q + (q & 1)
            );
        }
        assert_eq!(div_round_u128(7, 2), 4);
        assert_eq!(div_round_u128(5, 2), 2);
    }
}
