//! Injected time. The core never reads a wall clock.

use std::cell::Cell;
use std::rc::Rc;

/// A source of "now" in milliseconds since the Unix epoch.
pub trait Clock {
    /// Current time in ms.
    fn now_ms(&self) -> u64;
}

impl<F: Fn() -> u64> Clock for F {
    fn now_ms(&self) -> u64 {
        self()
    }
}

/// A clock shared by the engine and the executor.
pub type SharedClock = Rc<dyn Clock>;

/// A clock that only moves when told to; clones share the same time (tests, replays).
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Rc<Cell<u64>>);

impl ManualClock {
    /// Start at `ms`.
    #[must_use]
    pub fn new(ms: u64) -> Self {
        Self(Rc::new(Cell::new(ms)))
    }
    /// Set the time.
    pub fn set(&self, ms: u64) {
        self.0.set(ms);
    }
    /// Move forward.
    pub fn advance(&self, ms: u64) {
        self.0.set(self.0.get().saturating_add(ms));
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.0.get()
    }
}
