//! # iftb-executor (wasm binding)
//!
//! Thin wasm-bindgen layer over [`iftb_core`]: convert JS values in, call the core, convert
//! results out. One file per JS class; errors in [`error`], conversions in [`convert`].
#![deny(missing_docs)]

pub mod convert;
pub mod error;
mod fast_paper;
mod host;
mod live_executor;
#[cfg(feature = "server")]
mod local_exchange;
mod options;
mod order_executor;
pub mod order_io;
mod paper_trader;
#[cfg(feature = "server")]
mod signing_proxy;
mod transport;
mod types;

pub use fast_paper::FastPaper;
pub use live_executor::LiveExecutor;
#[cfg(feature = "server")]
pub use local_exchange::LocalExchange;
pub use order_executor::{convert_decision_to_request, OrderExecutor};
pub use paper_trader::PaperTrader;
#[cfg(feature = "server")]
pub use signing_proxy::SigningProxy;

use wasm_bindgen::prelude::*;

/// Package version.
#[wasm_bindgen]
#[must_use]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
