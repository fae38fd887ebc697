//! The Binance REST endpoints this library uses, with their documented request weights.
//! One table serves the live client (weights, retry safety), the local exchange (routing)
//! and the signing proxy (the allowlist: anything not here is refused).

use super::http::Method;
use serde::{Deserialize, Serialize};

/// Which Binance API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Market {
    /// Spot (`/api/v3`).
    #[serde(rename = "binance-spot")]
    Spot,
    /// USDⓈ-M futures (`/fapi`).
    #[serde(rename = "binance-usdm")]
    UsdM,
}

impl Market {
    /// Name used in options (`exchange: "binance-usdm"`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Spot => "binance-spot",
            Self::UsdM => "binance-usdm",
        }
    }
    /// Parse an option value (`binance`/`binance-spot`/`spot`, `binance-usdm`/`binanceusdm`/`usdm`).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "binance" | "binance-spot" | "spot" => Some(Self::Spot),
            "binance-usdm" | "binanceusdm" | "usdm" | "futures" => Some(Self::UsdM),
            _ => None,
        }
    }
    /// Path of the server-time endpoint.
    #[must_use]
    pub fn time_path(self) -> &'static str {
        match self {
            Self::Spot => "/api/v3/time",
            Self::UsdM => "/fapi/v1/time",
        }
    }
    /// Production base URL.
    #[must_use]
    pub fn production_url(self) -> &'static str {
        match self {
            Self::Spot => "https://api.binance.com",
            Self::UsdM => "https://fapi.binance.com",
        }
    }
    /// Test network base URL (Spot testnet; USD-M demo trading).
    #[must_use]
    pub fn testnet_url(self) -> &'static str {
        match self {
            Self::Spot => "https://testnet.binance.vision",
            Self::UsdM => "https://demo-fapi.binance.com",
        }
    }
}

/// Whether a call must be signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Public market data.
    None,
    /// `TRADE` / `USER_DATA`: API key header, `timestamp`, `signature`.
    Signed,
}

/// What a call does, for retry policy and for the proxy's allowlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Read-only; safe to repeat.
    Read,
    /// Places an order: never blindly repeated.
    Place,
    /// Cancels: repeating is harmless ("unknown order" means done).
    Cancel,
    /// Changes a setting to a given value (leverage, margin type): repeatable.
    Setting,
}

/// One endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// API.
    pub market: Market,
    /// Method.
    pub method: Method,
    /// Path.
    pub path: &'static str,
    /// Request weight (IP limit) with a `symbol` parameter.
    pub weight: u32,
    /// Weight without `symbol` (some reads cost more for all symbols).
    pub weight_all_symbols: u32,
    /// Signed or public.
    pub security: Security,
    /// Retry class.
    pub kind: Kind,
}

const fn ep(
    market: Market,
    method: Method,
    path: &'static str,
    weight: u32,
    weight_all_symbols: u32,
    security: Security,
    kind: Kind,
) -> Endpoint {
    Endpoint {
        market,
        method,
        path,
        weight,
        weight_all_symbols,
        security,
        kind,
    }
}

use Kind::{Cancel, Place, Read, Setting};
use Market::{Spot, UsdM};
use Method::{Delete, Get, Post};
use Security::{None as Public, Signed};

/// Every endpoint the library calls (binance-api.md §2, §3). Nothing else is allowed
/// through the signing proxy.
pub const ENDPOINTS: &[Endpoint] = &[
    // USD-M futures
    ep(UsdM, Get, "/fapi/v1/ping", 1, 1, Public, Read),
    ep(UsdM, Get, "/fapi/v1/time", 1, 1, Public, Read),
    ep(UsdM, Get, "/fapi/v1/exchangeInfo", 1, 1, Public, Read),
    ep(UsdM, Get, "/fapi/v1/ticker/price", 1, 2, Public, Read),
    ep(UsdM, Get, "/fapi/v1/premiumIndex", 1, 10, Public, Read),
    ep(UsdM, Post, "/fapi/v1/order", 0, 0, Signed, Place),
    ep(UsdM, Get, "/fapi/v1/order", 1, 1, Signed, Read),
    ep(UsdM, Delete, "/fapi/v1/order", 1, 1, Signed, Cancel),
    ep(UsdM, Get, "/fapi/v1/openOrders", 1, 40, Signed, Read),
    ep(UsdM, Get, "/fapi/v1/allOrders", 5, 5, Signed, Read),
    ep(UsdM, Delete, "/fapi/v1/allOpenOrders", 1, 1, Signed, Cancel),
    ep(UsdM, Post, "/fapi/v1/algoOrder", 0, 0, Signed, Place),
    ep(UsdM, Get, "/fapi/v1/algoOrder", 1, 1, Signed, Read),
    ep(UsdM, Delete, "/fapi/v1/algoOrder", 1, 1, Signed, Cancel),
    ep(UsdM, Get, "/fapi/v1/openAlgoOrders", 1, 40, Signed, Read),
    ep(
        UsdM,
        Delete,
        "/fapi/v1/algoOpenOrders",
        1,
        1,
        Signed,
        Cancel,
    ),
    ep(UsdM, Post, "/fapi/v1/leverage", 1, 1, Signed, Setting),
    ep(UsdM, Post, "/fapi/v1/marginType", 1, 1, Signed, Setting),
    ep(UsdM, Get, "/fapi/v1/leverageBracket", 1, 1, Signed, Read),
    ep(UsdM, Get, "/fapi/v1/userTrades", 5, 5, Signed, Read),
    ep(UsdM, Get, "/fapi/v2/positionRisk", 5, 5, Signed, Read),
    ep(UsdM, Get, "/fapi/v3/positionRisk", 5, 5, Signed, Read),
    ep(UsdM, Get, "/fapi/v2/balance", 5, 5, Signed, Read),
    ep(UsdM, Get, "/fapi/v3/balance", 5, 5, Signed, Read),
    ep(UsdM, Get, "/fapi/v2/account", 5, 5, Signed, Read),
    ep(UsdM, Get, "/fapi/v3/account", 5, 5, Signed, Read),
    // Spot
    ep(Spot, Get, "/api/v3/ping", 1, 1, Public, Read),
    ep(Spot, Get, "/api/v3/time", 1, 1, Public, Read),
    ep(Spot, Get, "/api/v3/exchangeInfo", 20, 20, Public, Read),
    ep(Spot, Get, "/api/v3/ticker/price", 2, 4, Public, Read),
    ep(Spot, Post, "/api/v3/order", 1, 1, Signed, Place),
    ep(Spot, Get, "/api/v3/order", 4, 4, Signed, Read),
    ep(Spot, Delete, "/api/v3/order", 1, 1, Signed, Cancel),
    ep(Spot, Get, "/api/v3/openOrders", 6, 80, Signed, Read),
    ep(Spot, Delete, "/api/v3/openOrders", 1, 1, Signed, Cancel),
    ep(Spot, Get, "/api/v3/allOrders", 20, 20, Signed, Read),
    ep(Spot, Get, "/api/v3/myTrades", 20, 20, Signed, Read),
    ep(Spot, Get, "/api/v3/account", 20, 20, Signed, Read),
];

/// The endpoint for an exact method and path (case-sensitive, no normalisation).
#[must_use]
pub fn find(method: Method, path: &str) -> Option<&'static Endpoint> {
    ENDPOINTS
        .iter()
        .find(|e| e.method == method && e.path == path)
}

impl Endpoint {
    /// Weight of a call with these parameters.
    #[must_use]
    pub fn weight_for(&self, has_symbol: bool) -> u32 {
        if has_symbol {
            self.weight
        } else {
            self.weight_all_symbols
        }
    }
    /// Whether the call may be repeated after an ambiguous failure.
    #[must_use]
    pub fn idempotent(&self) -> bool {
        !matches!(self.kind, Kind::Place)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for (i, e) in ENDPOINTS.iter().enumerate() {
            let prefix = match e.market {
                Market::Spot => "/api/v3/",
                Market::UsdM => "/fapi/",
            };
            assert!(e.path.starts_with(prefix), "{}", e.path);
            assert!(
                !ENDPOINTS[..i]
                    .iter()
                    .any(|o| o.method == e.method && o.path == e.path),
                "duplicate {}",
                e.path
            );
        }
        assert!(find(Method::Post, "/fapi/v1/order").is_some_and(|e| !e.idempotent()));
        assert!(find(Method::Post, "/sapi/v1/capital/withdraw/apply").is_none());
        assert!(find(Method::Get, "/FAPI/v1/order").is_none());
    }
}
