//! wasm-bindgen binding (placeholder, being written).
use wasm_bindgen::prelude::*;

/// Package version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
