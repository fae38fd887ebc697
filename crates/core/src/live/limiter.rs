//! Client-side request-weight and order-rate limiter (reliability B1–B3).
//!
//! Binance counts weight per clock minute (`X-MBX-USED-WEIGHT-1M`) and orders per 10 s
//! (`X-MBX-ORDER-COUNT-10S`). We reserve weight before sending, take the exchange's header as
//! the truth after each answer, and wait for the next window rather than exceed a budget.
//! A 429 pauses every request until `Retry-After`; a 418 stops everything until the ban ends.

/// Limits to stay under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Request weight per minute (USD-M 2400, Spot 6000).
    pub weight_per_minute: u32,
    /// Orders per 10 seconds (USD-M 300, Spot 100).
    pub orders_per_10s: u32,
    /// Share of each budget we allow ourselves (percent), leaving room for other clients
    /// on the same IP.
    pub headroom_percent: u32,
}

impl Limits {
    /// Documented defaults for a market.
    #[must_use]
    pub fn for_market(market: crate::binance::Market) -> Self {
        match market {
            crate::binance::Market::UsdM => Self {
                weight_per_minute: 2400,
                orders_per_10s: 300,
                headroom_percent: 90,
            },
            crate::binance::Market::Spot => Self {
                weight_per_minute: 6000,
                orders_per_10s: 100,
                headroom_percent: 90,
            },
        }
    }
}

/// Why a request must wait or may not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Send now (the weight is reserved).
    Go,
    /// Wait this many ms, then ask again.
    Wait(u64),
    /// IP ban in force until this time (ms); do not send.
    Banned(i64),
}

/// The limiter's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limiter {
    limits: Limits,
    minute: i64,
    used_weight: u32,
    ten_sec: i64,
    orders: u32,
    paused_until: i64,
    banned_until: i64,
}

const MINUTE: i64 = 60_000;
const TEN_SEC: i64 = 10_000;

impl Limiter {
    /// Fresh limiter.
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            minute: 0,
            used_weight: 0,
            ten_sec: 0,
            orders: 0,
            paused_until: 0,
            banned_until: 0,
        }
    }

    fn roll(&mut self, now: i64) {
        let m = now.div_euclid(MINUTE);
        if m != self.minute {
            self.minute = m;
            self.used_weight = 0;
        }
        let t = now.div_euclid(TEN_SEC);
        if t != self.ten_sec {
            self.ten_sec = t;
            self.orders = 0;
        }
    }

    fn budget(&self, limit: u32) -> u32 {
        (u64::from(limit) * u64::from(self.limits.headroom_percent) / 100).max(1) as u32
    }

    /// Ask to send a request of `weight` (and one order if `is_order`) at `now` (exchange
    /// time). On `Go` the weight is reserved.
    pub fn acquire(&mut self, now: i64, weight: u32, is_order: bool) -> Gate {
        if now < self.banned_until {
            return Gate::Banned(self.banned_until);
        }
        if now < self.paused_until {
            return Gate::Wait(u64::try_from(self.paused_until - now).unwrap_or(0));
        }
        self.roll(now);
        if self.used_weight + weight > self.budget(self.limits.weight_per_minute)
            && self.used_weight > 0
        {
            let next = (self.minute + 1) * MINUTE;
            return Gate::Wait(u64::try_from(next - now).unwrap_or(0).max(1));
        }
        if is_order && self.orders + 1 > self.budget(self.limits.orders_per_10s) {
            let next = (self.ten_sec + 1) * TEN_SEC;
            return Gate::Wait(u64::try_from(next - now).unwrap_or(0).max(1));
        }
        self.used_weight += weight;
        if is_order {
            self.orders += 1;
        }
        Gate::Go
    }

    /// Take the exchange's counters from a response's headers (they are the truth).
    pub fn observe(&mut self, now: i64, used_weight_1m: Option<u32>, order_count_10s: Option<u32>) {
        self.roll(now);
        if let Some(w) = used_weight_1m {
            self.used_weight = self.used_weight.max(w);
        }
        if let Some(o) = order_count_10s {
            self.orders = self.orders.max(o);
        }
    }

    /// A 429: pause everything for `ms`.
    pub fn pause(&mut self, now: i64, ms: u64) {
        let until = now.saturating_add(i64::try_from(ms).unwrap_or(i64::MAX));
        self.paused_until = self.paused_until.max(until);
    }

    /// A 418: ban until `now + ms`.
    pub fn ban(&mut self, now: i64, ms: u64) {
        let until = now.saturating_add(i64::try_from(ms).unwrap_or(i64::MAX));
        self.banned_until = self.banned_until.max(until);
    }

    /// Weight used in the current minute (as far as we know).
    #[must_use]
    pub fn used_weight(&self) -> u32 {
        self.used_weight
    }
    /// End of a 429 pause (0 when none).
    #[must_use]
    pub fn paused_until(&self) -> i64 {
        self.paused_until
    }
    /// End of a 418 ban (0 when none).
    #[must_use]
    pub fn banned_until(&self) -> i64 {
        self.banned_until
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttles_before_the_exchange_would() {
        let mut l = Limiter::new(Limits {
            weight_per_minute: 100,
            orders_per_10s: 3,
            headroom_percent: 90,
        });
        let t0 = 60_000 * 1000 + 5_000;
        let mut sent = 0;
        while l.acquire(t0, 5, false) == Gate::Go {
            sent += 1;
        }
        assert_eq!(sent, 18, "90 of 100 weight in 5s");
        assert_eq!(l.acquire(t0, 5, false), Gate::Wait(55_000));
        assert_eq!(l.acquire(t0 + 55_000, 5, false), Gate::Go);
        // The header says someone else used weight too.
        l.observe(t0 + 55_001, Some(88), None);
        assert!(matches!(l.acquire(t0 + 55_002, 5, false), Gate::Wait(_)));
        // Orders per 10 s: budget 90 % of 3 = 2.
        let t1 = t0 + 120_000;
        assert_eq!(l.acquire(t1, 0, true), Gate::Go);
        assert_eq!(l.acquire(t1, 0, true), Gate::Go);
        assert!(matches!(l.acquire(t1, 0, true), Gate::Wait(_)));
        l.pause(t1, 7_000);
        assert_eq!(l.acquire(t1 + 1_000, 1, false), Gate::Wait(6_000));
        l.ban(t1, 120_000);
        assert_eq!(l.acquire(t1 + 8_000, 1, false), Gate::Banned(t1 + 120_000));
        assert_eq!(l.acquire(t1 + 120_000, 1, false), Gate::Go);
    }
}
