//! Live trading over Binance REST, sans-IO: the client decides what to send, when to wait,
//! what an answer means and how to recover; a [`Transport`] supplied by the host moves the
//! bytes (fetch in the binding, an in-process exchange in tests).
//!
//! Promises (reliability.md): an order placement is sent **at most once**; an ambiguous
//! outcome (timeout, dropped connection, 5xx, -1006, -1007) is resolved by querying the
//! order by its client id, never by re-sending. Reads and cancels retry with exponential
//! backoff and jitter. 429 pauses every request for `Retry-After`; 418 stops sending until
//! the ban ends; -1021 re-syncs the clock once and retries. A client-side limiter keeps
//! request weight and order rate under the exchange's budgets.

pub mod backoff;
pub mod client;
pub mod codec;
pub mod limiter;
mod venue;

pub use backoff::{Backoff, Rng};
pub use client::{
    Intent, JournalEvent, LiveClient, LiveConfig, Reconciliation, Signing, Transport,
    TransportError,
};
pub use limiter::{Gate, Limiter, Limits};
