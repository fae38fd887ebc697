//! Fault injection switches of the local exchange (reliability.md A/B): each one makes the
//! exchange misbehave the way a real one does, so clients can be tested against it.

use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::str::FromStr;

/// Fault switches. Counters (`*_next`, `*_after_accept`) count down as they fire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Faults {
    /// Every response is delayed by this much (the host waits `Handled::delay_ms`).
    pub latency_ms: u64,
    /// The next N order placements are EXECUTED, then answered with `error_status` and
    /// `{"code":-1007,"msg":"Timeout waiting for response from backend server. …"}`.
    pub error_after_accept: u32,
    /// HTTP status of those answers (default 503; 408, 500, 502, 504 also make sense).
    pub error_status: u16,
    /// The next N order placements are EXECUTED and their response is dropped
    /// (`Handled::drop_response`; the host closes the connection without answering).
    pub drop_after_accept: u32,
    /// The next N requests get 429 / -1003 with `Retry-After: retry_after_s`.
    pub rate_limit_next: u32,
    /// `Retry-After` seconds of injected 429/418 answers.
    pub retry_after_s: u64,
    /// The next N requests get 418 (IP banned) with `Retry-After: retry_after_s`.
    pub ban_next: u32,
    /// The exchange clock runs this far ahead of (positive) or behind (negative) the host's.
    pub clock_skew_ms: i64,
    /// Orders that execute on arrival fill only this fraction (rounded down to the step):
    /// the rest of a MARKET or IOC order expires; the rest of a GTC limit rests and fills on
    /// a later price update.
    pub partial_fill: Option<Decimal>,
    /// Accepted orders stay invisible to queries (-2013 on GET, -2011 on DELETE, absent from
    /// openOrders) for this long after acceptance, although they execute at once.
    pub late_landing_ms: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            latency_ms: 0,
            error_after_accept: 0,
            error_status: 503,
            drop_after_accept: 0,
            rate_limit_next: 0,
            retry_after_s: 10,
            ban_next: 0,
            clock_skew_ms: 0,
            partial_fill: None,
            late_landing_ms: 0,
        }
    }
}

const KEYS: &[&str] = &[
    "latencyMs",
    "errorAfterAccept",
    "errorStatus",
    "dropAfterAccept",
    "rateLimitNext",
    "retryAfterS",
    "banNext",
    "clockSkewMs",
    "partialFill",
    "lateLandingMs",
];

fn uint(k: &str, v: &Value) -> Result<u64, String> {
    v.as_u64()
        .ok_or_else(|| format!("faults.{k} must be a whole number ≥ 0, got {v}"))
}

fn count(k: &str, v: &Value) -> Result<u32, String> {
    u32::try_from(uint(k, v)?).map_err(|_| format!("faults.{k} is too large"))
}

impl Faults {
    /// The switches as JSON (camelCase keys, `partialFill` a decimal string or null).
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "latencyMs": self.latency_ms,
            "errorAfterAccept": self.error_after_accept,
            "errorStatus": self.error_status,
            "dropAfterAccept": self.drop_after_accept,
            "rateLimitNext": self.rate_limit_next,
            "retryAfterS": self.retry_after_s,
            "banNext": self.ban_next,
            "clockSkewMs": self.clock_skew_ms,
            "partialFill": self.partial_fill.map(|d| d.normalize().to_string()),
            "lateLandingMs": self.late_landing_ms,
        })
    }

    /// Set the switches present in `v` (an object with the keys of [`Faults::to_json`]);
    /// the others keep their values. Nothing changes when any value is bad.
    ///
    /// # Errors
    /// A message naming the bad key or value.
    pub fn merge_json(&mut self, v: &Value) -> Result<(), crate::error::ValidationError> {
        self.merge(v)
            .map_err(crate::error::ValidationError::InvalidArgument)
    }

    fn merge(&mut self, v: &Value) -> Result<(), String> {
        let obj = v.as_object().ok_or("faults must be an object")?;
        let mut next = self.clone();
        for (k, v) in obj {
            match k.as_str() {
                "latencyMs" => next.latency_ms = uint(k, v)?,
                "errorAfterAccept" => next.error_after_accept = count(k, v)?,
                "errorStatus" => {
                    let s = uint(k, v)?;
                    if !(400..=599).contains(&s) {
                        return Err(format!("faults.errorStatus must be 400..599, got {s}"));
                    }
                    next.error_status = u16::try_from(s).map_err(|e| e.to_string())?;
                }
                "dropAfterAccept" => next.drop_after_accept = count(k, v)?,
                "rateLimitNext" => next.rate_limit_next = count(k, v)?,
                "retryAfterS" => next.retry_after_s = uint(k, v)?,
                "banNext" => next.ban_next = count(k, v)?,
                "clockSkewMs" => {
                    next.clock_skew_ms = v.as_i64().ok_or_else(|| {
                        format!("faults.clockSkewMs must be a whole number, got {v}")
                    })?;
                }
                "partialFill" => {
                    next.partial_fill = match v {
                        Value::Null => None,
                        Value::Number(n) => Some(ratio(&n.to_string())?),
                        Value::String(s) => Some(ratio(s)?),
                        _ => {
                            return Err(format!(
                                "faults.partialFill must be a number in (0, 1] or null, got {v}"
                            ))
                        }
                    };
                }
                "lateLandingMs" => next.late_landing_ms = uint(k, v)?,
                _ => return Err(format!("unknown fault {k:?}; known: {}", KEYS.join(", "))),
            }
        }
        *self = next;
        Ok(())
    }
}

fn ratio(s: &str) -> Result<Decimal, String> {
    let d = Decimal::from_str(s)
        .or_else(|_| Decimal::from_scientific(s))
        .map_err(|_| format!("faults.partialFill is not a number: {s}"))?;
    if d <= Decimal::ZERO || d > Decimal::ONE {
        return Err(format!("faults.partialFill must be in (0, 1], got {s}"));
    }
    Ok(d.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge() {
        let mut f = Faults::default();
        f.merge_json(&json!({"latencyMs": 5, "partialFill": 0.5, "clockSkewMs": -2000}))
            .unwrap();
        assert_eq!(f.latency_ms, 5);
        assert_eq!(f.partial_fill, Some(Decimal::new(5, 1)));
        assert_eq!(f.clock_skew_ms, -2000);
        let before = f.clone();
        assert!(f.merge_json(&json!({"latencyMs": 1, "nope": 1})).is_err());
        assert!(f.merge_json(&json!({"partialFill": 2})).is_err());
        assert!(f.merge_json(&json!({"errorStatus": 200})).is_err());
        assert_eq!(f, before);
        f.merge_json(&json!({"partialFill": null})).unwrap();
        assert_eq!(f.partial_fill, None);
        assert_eq!(f.to_json()["errorStatus"], 503);
    }
}
