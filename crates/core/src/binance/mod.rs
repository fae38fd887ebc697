//! Binance REST, sans-IO: the wire format shared by the live client, the local
//! Binance-compatible exchange and the signing proxy (binance-api.md).

pub mod endpoints;
pub mod errors;
pub mod filters;
pub mod http;
pub mod sign;

pub use endpoints::{Endpoint, Kind, Market, Security, ENDPOINTS};
pub use http::{HttpRequest, HttpResponse, Method};
pub use sign::{Credentials, Params};

use crate::types::Symbol;

/// `BTC/USDT` → `BTCUSDT`.
#[must_use]
pub fn exchange_symbol(symbol: &Symbol) -> String {
    symbol.compact()
}
