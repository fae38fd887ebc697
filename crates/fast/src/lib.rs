//! # iftb-fast
//!
//! The paper venue of [`iftb_core`] built for speed: the same rules as
//! [`iftb_core::PaperEngine`] — the core's ledger, instantiated with exact fixed-point
//! decimals ([`fixed`]) — behind a numbers-only API ([`engine`]) with interned symbol ids, slab
//! storage and a per-symbol trigger index keyed by interval bounds ([`interval`]).
//!
//! A crate of its own so that it can be compiled for speed (`opt-level = 3` in the workspace's
//! release profile) while the rest of the package is compiled for size: Cargo sets
//! optimisation per crate, not per module.
#![deny(missing_docs)]

pub mod chunked;
pub mod engine;
pub mod fixed;
mod index;
pub mod interval;
mod protect;
mod slab;
pub mod view;

pub use engine::FastEngine;
pub use fixed::Fx;
pub use view::{FastBooks, FastFill, FastPosition, FillKind};
