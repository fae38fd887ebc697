//! Request-weight and order-count accounting (binance-api.md §4.1, reliability.md B):
//! weight per IP per minute, orders per API key per interval, 429 over the limit, 418 (ban)
//! for clients that keep going after 429s. Fixed windows aligned to the interval, as
//! Binance's `X-MBX-USED-WEIGHT-1M` resets at each minute.

use crate::binance::Market;
use std::collections::HashMap;

/// One fixed window.
#[derive(Debug, Clone, Copy, Default)]
struct Window {
    start: i64,
    used: u32,
    rejected: u32,
}

impl Window {
    fn roll(&mut self, now: i64, len: i64) {
        let start = now.div_euclid(len) * len;
        if start != self.start {
            *self = Self {
                start,
                ..Self::default()
            };
        }
    }
}

/// What the weight gate decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Go ahead.
    Pass,
    /// Over the limit: 429 with `Retry-After` seconds.
    Throttled(u64),
    /// Banned until this time (ms): 418.
    Banned(i64),
}

/// An order-count interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderInterval {
    /// Length in ms.
    pub len_ms: i64,
    /// Header suffix (`10S`, `1M`, `1D`).
    pub label: &'static str,
    /// Binance interval name for messages (`TEN_SECONDS`, `MINUTE`, `DAY`).
    pub name: &'static str,
    /// Most orders in the interval.
    pub limit: u32,
}

/// Weight limit and ban policy of one API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Weight per minute.
    pub limit: u32,
    /// 429s in one window before a ban.
    pub ban_after: u32,
    /// Ban length.
    pub ban_ms: i64,
}

/// Weight and order accounting.
#[derive(Debug, Default, Clone)]
pub struct Limits {
    weight: HashMap<(Market, String), Window>,
    orders: HashMap<(Market, String, &'static str), Window>,
    bans: HashMap<String, i64>,
}

const MINUTE: i64 = 60_000;

fn ceil_s(ms: i64) -> u64 {
    u64::try_from((ms.max(0) + 999) / 1000).unwrap_or(0).max(1)
}

impl Limits {
    /// Count `weight` for `ip` and decide. A request over the limit still counts; after
    /// more than `ban_after` rejected requests in one window the IP is banned for `ban_ms`.
    pub fn admit(&mut self, market: Market, ip: &str, weight: u32, p: Policy, now: i64) -> Gate {
        let Policy {
            limit,
            ban_after,
            ban_ms,
        } = p;
        if let Some(&until) = self.bans.get(ip) {
            if now < until {
                return Gate::Banned(until);
            }
            self.bans.remove(ip);
        }
        let w = self.weight.entry((market, ip.to_owned())).or_default();
        w.roll(now, MINUTE);
        w.used = w.used.saturating_add(weight);
        if w.used <= limit {
            return Gate::Pass;
        }
        w.rejected += 1;
        if w.rejected > ban_after {
            let until = now + ban_ms;
            self.bans.insert(ip.to_owned(), until);
            return Gate::Banned(until);
        }
        Gate::Throttled(ceil_s(w.start + MINUTE - now))
    }

    /// Weight used by `ip` in the current minute.
    #[must_use]
    pub fn used(&self, market: Market, ip: &str, now: i64) -> u32 {
        self.weight
            .get(&(market, ip.to_owned()))
            .filter(|w| w.start == now.div_euclid(MINUTE) * MINUTE)
            .map_or(0, |w| w.used)
    }

    /// The first interval whose limit a new order would exceed.
    #[must_use]
    pub fn order_blocked(
        &self,
        market: Market,
        key: &str,
        intervals: &[OrderInterval],
        now: i64,
    ) -> Option<OrderInterval> {
        intervals
            .iter()
            .copied()
            .find(|iv| self.order_count(market, key, iv, now) >= iv.limit)
    }

    fn order_count(&self, market: Market, key: &str, iv: &OrderInterval, now: i64) -> u32 {
        self.orders
            .get(&(market, key.to_owned(), iv.label))
            .filter(|w| w.start == now.div_euclid(iv.len_ms) * iv.len_ms)
            .map_or(0, |w| w.used)
    }

    /// Count one accepted order; returns `(header label, count)` per interval.
    pub fn count_order(
        &mut self,
        market: Market,
        key: &str,
        intervals: &[OrderInterval],
        now: i64,
    ) -> Vec<(&'static str, u32)> {
        intervals
            .iter()
            .map(|iv| {
                let w = self
                    .orders
                    .entry((market, key.to_owned(), iv.label))
                    .or_default();
                w.roll(now, iv.len_ms);
                w.used += 1;
                (iv.label, w.used)
            })
            .collect()
    }

    /// Current order counts (for headers of answers that did not place an order).
    #[must_use]
    pub fn order_counts(
        &self,
        market: Market,
        key: &str,
        intervals: &[OrderInterval],
        now: i64,
    ) -> Vec<(&'static str, u32)> {
        intervals
            .iter()
            .map(|iv| (iv.label, self.order_count(market, key, iv, now)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_window_throttle_and_ban() {
        let mut l = Limits::default();
        let m = Market::UsdM;
        let p = Policy {
            limit: 10,
            ban_after: 1,
            ban_ms: 120_000,
        };
        assert_eq!(l.admit(m, "ip", 5, p, 1_000), Gate::Pass);
        assert_eq!(l.admit(m, "ip", 5, p, 2_000), Gate::Pass);
        assert_eq!(l.used(m, "ip", 2_000), 10);
        assert_eq!(l.admit(m, "ip", 1, p, 3_000), Gate::Throttled(57));
        assert_eq!(l.admit(m, "ip", 1, p, 4_000), Gate::Banned(124_000));
        assert_eq!(l.admit(m, "ip", 1, p, 70_000), Gate::Banned(124_000));
        assert_eq!(l.admit(m, "other", 1, p, 70_000), Gate::Pass);
        assert_eq!(l.admit(m, "ip", 1, p, 124_000), Gate::Pass);
        assert_eq!(l.used(m, "ip", 124_000), 1);
    }
}
