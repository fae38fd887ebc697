//! Exponential backoff with jitter (reliability B5), driven by a seeded generator so tests
//! are deterministic.

/// Backoff schedule: `base × 2^attempt`, capped at `max`, each delay scaled by a random
/// factor in `[1 − jitter, 1 + jitter]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// First delay, ms.
    pub base_ms: u64,
    /// Largest delay, ms.
    pub max_ms: u64,
    /// Jitter fraction (0.2 = ±20 %).
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base_ms: 200,
            max_ms: 5_000,
            jitter: 0.2,
        }
    }
}

impl Backoff {
    /// Delay before retry number `attempt` (0-based).
    #[must_use]
    pub fn delay_ms(&self, attempt: u32, rng: &mut Rng) -> u64 {
        let exp = self
            .base_ms
            .saturating_mul(1u64 << attempt.min(20))
            .min(self.max_ms);
        jittered(exp, self.jitter, rng)
    }
}

/// Scale `ms` by a random factor in `[1 − jitter, 1 + jitter]` (never below 0).
#[must_use]
pub fn jittered(ms: u64, jitter: f64, rng: &mut Rng) -> u64 {
    let j = jitter.clamp(0.0, 1.0);
    let factor = 1.0 - j + 2.0 * j * rng.next_f64();
    // Delays are far below 2^52 ms, so the round trip through f64 is exact enough.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let out = (ms as f64 * factor).round().max(0.0) as u64;
    out
}

/// xorshift64*: small, fast, seeded (not for secrets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is replaced by a fixed odd constant).
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let v = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_is_exponential_capped_and_jittered() {
        let b = Backoff::default();
        let mut rng = Rng::new(7);
        let mut prev_mid = 0;
        for attempt in 0..10 {
            let mid = (200u64 << attempt).min(5_000);
            let d = b.delay_ms(attempt, &mut rng);
            assert!(d >= mid * 8 / 10 && d <= mid * 12 / 10, "{attempt}: {d}");
            assert!(mid >= prev_mid);
            prev_mid = mid;
        }
        let total: u64 = (0..5).map(|a| b.delay_ms(a, &mut rng)).sum();
        assert!(total <= 6_200 * 12 / 10);
        let no_jitter = Backoff { jitter: 0.0, ..b };
        assert_eq!(no_jitter.delay_ms(3, &mut rng), 1_600);
    }
}
