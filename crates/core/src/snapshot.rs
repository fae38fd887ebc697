//! Snapshots: the whole paper executor as a JSON-compatible value (exact decimal strings),
//! and a restore that refuses anything corrupt or inconsistent instead of resetting.

use crate::clock::SharedClock;
use crate::error::{Result, ValidationError};
use crate::executor::{ExecutorState, OrderExecutor};
use crate::paper::{PaperEngine, PaperState};
use crate::rules::MarketRules;
use crate::settings::TradingSettings;
use crate::venue::PaperVenue;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

/// Snapshot format version this build writes and reads.
pub const SNAPSHOT_VERSION: u32 = 1;
/// Marker of the format.
pub const SNAPSHOT_KIND: &str = "iftb-executor/paper-snapshot";

/// Everything needed to rebuild an identical paper executor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Snapshot {
    /// Format marker.
    pub kind: String,
    /// Format version.
    pub version: u32,
    /// Executor settings.
    pub settings: TradingSettings,
    /// Market rules in force.
    pub rules: MarketRules,
    /// The paper venue.
    pub paper: PaperState,
    /// Executor state (pending protection, loss limits).
    pub executor: ExecutorState,
}

fn bad(msg: impl Into<String>) -> ValidationError {
    ValidationError::InvalidSnapshot(msg.into())
}

impl Snapshot {
    /// Read a snapshot from its JSON text, refusing anything that is not exactly one: an
    /// unknown field at any level, a missing one, a wrong type (every snapshot type denies
    /// unknown fields). Consistency is checked by [`OrderExecutor::restore`].
    ///
    /// # Errors
    /// `SNAPSHOT_INVALID` with serde's description (field, line, column).
    pub fn from_json(text: &str) -> Result<Self, ValidationError> {
        serde_json::from_str(text).map_err(|e| {
            if e.is_syntax() || e.is_eof() {
                bad(format!("not valid JSON (truncated or corrupt): {e}"))
            } else {
                bad(e.to_string())
            }
        })
    }

    /// The unknown-field check of [`Snapshot::from_json`] for a snapshot read another way
    /// (the JS binding reads it with its own deserializer, which skips unknown fields):
    /// `input` is the JSON text given, `canonical` the JSON text of the snapshot read from
    /// it. Every field of the input must be one the snapshot has, at every level.
    ///
    /// # Errors
    /// `SNAPSHOT_INVALID` naming the first unknown field by its path.
    pub fn check_fields(input: &str, canonical: &str) -> Result<(), ValidationError> {
        let parse = |t: &str| {
            serde_json::from_str::<serde_json::Value>(t)
                .map_err(|e| bad(format!("not valid JSON (truncated or corrupt): {e}")))
        };
        match unknown_field(&parse(input)?, &parse(canonical)?, "") {
            Some(path) => Err(bad(format!("unknown field `{path}`"))),
            None => Ok(()),
        }
    }
}

/// The path of the first field of `input` that `known` does not have.
fn unknown_field(input: &serde_json::Value, known: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value;
    match (input, known) {
        (Value::Object(a), Value::Object(b)) => a.iter().find_map(|(k, v)| {
            let path = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            match b.get(k) {
                Some(w) => unknown_field(v, w, &path),
                None => Some(path),
            }
        }),
        (Value::Array(a), Value::Array(b)) => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (v, w))| unknown_field(v, w, &format!("{at}[{i}]"))),
        _ => None,
    }
}

impl OrderExecutor<PaperVenue> {
    /// A new executor over a fresh paper venue configured from `settings`.
    ///
    /// # Errors
    /// Invalid settings.
    pub fn paper(
        settings: TradingSettings,
        rules: MarketRules,
        clock: SharedClock,
    ) -> Result<Self> {
        let engine = PaperEngine::new(settings.paper_config(), clock.clone())?;
        let equity = engine.account().equity;
        OrderExecutor::new(RefCell::new(engine), settings, rules, clock, equity)
    }

    /// Take a snapshot.
    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            kind: SNAPSHOT_KIND.into(),
            version: SNAPSHOT_VERSION,
            settings: self.settings().clone(),
            rules: self.rules().clone(),
            paper: self.venue().borrow().state().clone(),
            executor: self.state(),
        }
    }

    /// Rebuild from a snapshot.
    ///
    /// # Errors
    /// `SNAPSHOT_INVALID` naming what is wrong: other format or version, bad settings,
    /// inconsistent books.
    pub fn restore(snapshot: Snapshot, clock: SharedClock) -> Result<Self> {
        if snapshot.kind != SNAPSHOT_KIND {
            return Err(bad(format!(
                "not an iftb-executor snapshot (kind {:?})",
                snapshot.kind
            ))
            .into());
        }
        if snapshot.version != SNAPSHOT_VERSION {
            return Err(bad(format!(
                "snapshot version {} is not supported by this build (reads version {SNAPSHOT_VERSION})",
                snapshot.version
            ))
            .into());
        }
        snapshot
            .settings
            .validate()
            .map_err(|e| bad(format!("settings: {e}")))?;
        let p = &snapshot.paper;
        if p.wallet != p.config.initial_balance - p.fees_paid + p.realized_pnl {
            return Err(bad("books do not balance: wallet ≠ initial − fees + realized").into());
        }
        if p.positions.iter().any(|(s, pos)| {
            &pos.symbol != s
                || pos.amount <= crate::money::Quantity::ZERO
                || pos.margin < crate::money::Money::ZERO
        }) {
            return Err(
                bad("a position has a non-positive amount, negative margin or wrong key").into(),
            );
        }
        if p.events
            .iter()
            .enumerate()
            .any(|(i, e)| e.seq != i as u64 + 1)
        {
            return Err(bad("event sequence numbers are not 1, 2, 3, ...").into());
        }
        let pending_ok = snapshot
            .executor
            .pending_protection
            .keys()
            .all(|id| p.orders.iter().any(|o| &o.id == id && o.status.is_open()));
        if !pending_ok {
            return Err(bad("pending protection refers to an order that is not pending").into());
        }
        let engine = PaperEngine::from_state(snapshot.paper, clock.clone())
            .map_err(|e| bad(format!("paper state: {e}")))?;
        let equity = engine.account().equity;
        Ok(OrderExecutor::new(
            RefCell::new(engine),
            snapshot.settings,
            snapshot.rules,
            clock,
            equity,
        )?
        .with_state(snapshot.executor))
    }
}
