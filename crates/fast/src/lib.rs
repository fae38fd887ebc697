//! # iftb-fast
//!
//! The paper venue of [`iftb_core`] built for speed: the same accounting as
//! [`iftb_core::PaperEngine`] (exact decimals, same rounding), behind a numbers-only API with
//! interned symbol ids, slab storage and a per-symbol trigger index ([`engine`]), on exact
//! fixed-point decimals ([`fixed`]).
//!
//! A crate of its own so that it can be compiled for speed (`opt-level = 3` in the workspace's
//! release profile) while the rest of the package is compiled for size: Cargo sets
//! optimisation per crate, not per module.
#![deny(missing_docs)]

pub mod chunked;
pub mod engine;
pub mod fixed;

pub use engine::{FastBooks, FastEngine, FastFill, FastPosition, FillKind};
pub use fixed::Fx;
