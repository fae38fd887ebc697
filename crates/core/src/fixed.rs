//! Exact fixed-point decimals for the fast engine: an [`Fx`] is an `i128` count of 10⁻¹²
//! (the money quantum [`crate::num::MONEY_DP`]), so every value the paper engine keeps on its
//! books fits exactly, and `+`/`−` are single integer operations.
//!
//! Products are formed exactly in `u128` (or, past that, through `rust_decimal`) and rounded
//! once, half to even, to the quantum, exactly as [`crate::num::money`] rounds.
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
const POW5_13: [u32; 14] = {
    let mut t = [1u32; 14];
    let mut i = 1;
    while i < 14 {
        t[i] = t[i - 1] * 5;
        i += 1;
    }
    t
};

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
        let mut m = self.0.unsigned_abs();
        let mut k = DP as usize;
        // Strip trailing zeros (cheap: at most 12 steps, usually 2-3 with the 10⁴ step).
        while k >= 4 && m.is_multiple_of(10_000) {
            m /= 10_000;
            k -= 4;
        }
        while k > 0 && m.is_multiple_of(10) {
            m /= 10;
            k -= 1;
        }
        if m >= 1 << 53 {
            return None;
        }
        // m and 10^k are exact doubles; one correctly rounded division gives the nearest.
        #[allow(clippy::cast_precision_loss)]
        let v = m as f64 / POW10[k] as f64;
        Some(if neg { -v } else { v })
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
        #[allow(clippy::cast_possible_truncation)]
        let v = (m as i128) * POW10[(DP - scale) as usize] as i128;
        FromF64::Exact(Fx(if neg { -v } else { v }))
    };
    if a < 8192.0 {
        let y = a * 1e12;
        let m = y.round();
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
        let m = y.round();
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

/// `(n / d, n % d)` for a small divisor, without 128-bit division.
#[inline]
fn divrem_small(n: u128, d: u32) -> (u128, u32) {
    let d64 = u64::from(d);
    if n >> 64 == 0 {
        let n = n as u64;
        return (u128::from(n / d64), (n % d64) as u32);
    }
    let mut q: u128 = 0;
    let mut r: u64 = 0;
    for shift in [96u32, 64, 32, 0] {
        let cur = (r << 32) | ((n >> shift) as u64 & 0xffff_ffff);
        q |= u128::from(cur / d64) << shift;
        r = cur % d64;
    }
    (q, r as u32)
}

/// `(n / 10^k, n % 10^k)` for `k ≤ 38`.
fn divrem_pow10(n: u128, k: u32) -> (u128, u128) {
    if k == 0 {
        return (n, 0);
    }
    if k <= 13 {
        if n >> 64 == 0 {
            let (n, d) = (n as u64, POW10[k as usize] as u64);
            return (u128::from(n / d), u128::from(n % d));
        }
        // 10^k = 2^k · 5^k: shift, then divide by 5^k (< 2^31) in 32-bit chunks.
        let low = n & ((1u128 << k) - 1);
        let (q, r5) = divrem_small(n >> k, POW5_13[k as usize]);
        return (q, (u128::from(r5) << k) | low);
    }
    let (q1, r1) = divrem_pow10(n, 13);
    let (q, r2) = divrem_pow10(q1, k - 13);
    (q, r2 * POW10[13] + r1)
}

/// `round_half_even(n / (10^k · d))` for `n ≥ 0`, `k ≤ 36`, `1 ≤ d < 2^32`.
#[must_use]
pub fn div_round(n: u128, k: u32, d: u32) -> u128 {
    let (q1, r1) = divrem_pow10(n, k);
    let (q, r2) = if d == 1 { (q1, 0) } else { divrem_small(q1, d) };
    // Remainder of n by D = 10^k·d is r2·10^k + r1; compare it with D/2.
    let rem = u128::from(r2) * POW10[k as usize] + r1;
    let den = POW10[k as usize] * u128::from(d);
    let twice = rem * 2;
    if twice > den || (twice == den && q & 1 == 1) {
        q + 1
    } else {
        q
    }
}

/// `round_half_even(n / d)` for `n ≥ 0`, `d > 0` (general 128-bit division; cold paths).
#[must_use]
pub fn div_round_u128(n: u128, d: u128) -> u128 {
    let (q, r) = (n / d, n % d);
    // r < d, so comparing r with d - r avoids overflow of 2r.
    let other = d - r;
    if r > other || (r == other && q & 1 == 1) {
        q + 1
    } else {
        q
    }
}

/// A rate or factor `num / 10^k` in lowest terms of 10 (0.0004 → 4 / 10⁴).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Mantissa.
    pub num: u128,
    /// Decimal places.
    pub k: u32,
}

impl Rate {
    /// From a non-negative decimal with at most 28 places.
    #[must_use]
    pub fn from_decimal(d: Decimal) -> Option<Rate> {
        let n = d.normalize();
        if n.is_sign_negative() && !n.is_zero() {
            return None;
        }
        Some(Rate {
            num: n.mantissa().unsigned_abs(),
            k: n.scale(),
        })
    }

    /// `round_half_even(|v| · rate)` on the quantum, or `None` on overflow.
    #[must_use]
    pub fn apply(self, v: u128) -> Option<u128> {
        v.checked_mul(self.num).map(|p| div_round(p, self.k, 1))
    }
}

/// `round_half_even(a · b · r)` on the quantum, for `a`, `b` ≥ 0 in quanta (a fee on a
/// notional): exact in `u128` when the product fits, else through `Decimal`.
#[must_use]
pub fn mul3(a: u128, b: u128, r: Rate) -> Option<u128> {
    if let Some(p) = a.checked_mul(b).and_then(|ab| ab.checked_mul(r.num)) {
        if r.k + DP <= 36 {
            return Some(div_round(p, r.k + DP, 1));
        }
    }
    slow_mul(&[a, b], r, 0)
}

/// `round_half_even(a · b / (10¹² · d))` on the quantum (a product of two quantities, e.g.
/// price × amount, optionally divided by a small integer such as the leverage).
#[must_use]
pub fn mul_div(a: u128, b: u128, d: u32) -> Option<u128> {
    match a.checked_mul(b) {
        Some(p) => Some(div_round(p, DP, d)),
        None => slow_mul(&[a, b], Rate { num: 1, k: 0 }, d),
    }
}

fn slow_mul(vals: &[u128], r: Rate, d: u32) -> Option<u128> {
    let mut acc = Decimal::try_from_i128_with_scale(i128::try_from(r.num).ok()?, r.k).ok()?;
    for &v in vals {
        let x = Decimal::try_from_i128_with_scale(i128::try_from(v).ok()?, DP).ok()?;
        acc = acc.checked_mul(x)?;
    }
    if d > 1 {
        acc = acc.checked_div(Decimal::from(d))?;
    }
    let m = crate::num::money(acc);
    Fx::from_decimal(m).and_then(|f| u128::try_from(f.0).ok())
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
            let want = crate::num::money(dec(a) * dec(b) * dec(r));
            let got = mul3(fx(a), fx(b), Rate::from_decimal(dec(r)).unwrap()).unwrap();
            assert_eq!(Fx(got as i128).to_decimal().unwrap(), want, "{a}*{b}*{r}");
            for lev in [1u32, 3, 7, 125] {
                let want = crate::num::money(dec(a) * dec(b) / Decimal::from(lev));
                let got = mul_div(fx(a), fx(b), lev).unwrap();
                assert_eq!(Fx(got as i128).to_decimal().unwrap(), want, "{a}*{b}/{lev}");
            }
        }
        assert_eq!(div_round(25, 1, 1), 2);
        assert_eq!(div_round(35, 1, 1), 4);
        for n in [
            u128::MAX / 3,
            u128::MAX / 10,
            1 << 100,
            12_345_678_901_234_567_890_123,
        ] {
            for (k, d) in [(20u32, 7u32), (12, 1), (13, 125), (16, 3), (24, 1)] {
                assert_eq!(
                    div_round(n, k, d),
                    div_round_u128(n, POW10[k as usize] * u128::from(d))
                );
            }
        }
        assert_eq!(div_round_u128(7, 2), 4);
        assert_eq!(div_round_u128(5, 2), 2);
    }
}
