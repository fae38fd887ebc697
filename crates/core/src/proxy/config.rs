//! Configuration of the signing proxy: the upstream (one fixed host per run), who may talk
//! to it, limits, and where the credentials come from. Everything is checked once, at start.

use crate::binance::{Credentials, Market};
use crate::settings::parse_dotenv;

/// Base URL of the local Binance-compatible exchange (the default upstream).
pub const LOCAL_UPSTREAM_URL: &str = "http://127.0.0.1:8788";
/// Development API key the local exchange accepts.
pub const LOCAL_API_KEY: &str = "iftb-local-key";
/// Development secret of [`LOCAL_API_KEY`].
pub const LOCAL_API_SECRET: &str = "iftb-local-secret";
/// `recvWindow` the proxy appends unless configured otherwise (Binance's own default).
pub const DEFAULT_RECV_WINDOW_MS: u64 = 5_000;
/// Largest `recvWindow` Binance accepts.
pub const MAX_RECV_WINDOW_MS: u64 = 60_000;
/// Origins allowed by default (the simulator page served by `npm start`).
pub const DEFAULT_ORIGINS: &[&str] = &["http://127.0.0.1:8080", "http://localhost:8080"];
/// `.env` / environment variable holding the API key.
pub const ENV_API_KEY: &str = "BINANCE_API_KEY";
/// `.env` / environment variable holding the secret.
pub const ENV_API_SECRET: &str = "BINANCE_API_SECRET";

/// A configuration the proxy refuses to start with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A value is malformed or out of range.
    #[error("{0}")]
    Invalid(String),
    /// Binding to a non-loopback address without the explicit flag.
    #[error("refusing to listen on {0}: the proxy signs trades with your keys and must only be reachable from this machine; bind 127.0.0.1 (default) or pass --allow-remote if you really mean it")]
    RemoteBind(String),
    /// No API key/secret for an upstream that needs real keys.
    #[error("{0}")]
    NoCredentials(String),
    /// The `.env` text does not parse.
    #[error("{0}")]
    Env(String),
}

impl ConfigError {
    /// Stable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "PROXY_CONFIG_INVALID",
            Self::RemoteBind(_) => "PROXY_REMOTE_BIND_REFUSED",
            Self::NoCredentials(_) => "PROXY_NO_CREDENTIALS",
            Self::Env(_) => "PROXY_ENV_INVALID",
        }
    }
}

/// The named upstreams (`--upstream NAME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// The local Binance-compatible exchange (default): [`LOCAL_UPSTREAM_URL`].
    Local,
    /// Binance Spot production.
    BinanceSpot,
    /// Binance USDⓈ-M futures production.
    BinanceUsdm,
    /// Binance Spot testnet.
    SpotTestnet,
    /// Binance USDⓈ-M futures demo trading.
    UsdmDemo,
}

impl Preset {
    /// Every preset, for help texts.
    pub const ALL: [Self; 5] = [
        Self::Local,
        Self::BinanceSpot,
        Self::BinanceUsdm,
        Self::SpotTestnet,
        Self::UsdmDemo,
    ];
    /// Option value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::BinanceSpot => "binance-spot",
            Self::BinanceUsdm => "binance-usdm",
            Self::SpotTestnet => "spot-testnet",
            Self::UsdmDemo => "usdm-demo",
        }
    }
    /// Parse an option value.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
    /// The market a preset fixes (`None`: the local exchange serves both).
    #[must_use]
    pub fn market(self) -> Option<Market> {
        match self {
            Self::Local => None,
            Self::BinanceSpot | Self::SpotTestnet => Some(Market::Spot),
            Self::BinanceUsdm | Self::UsdmDemo => Some(Market::UsdM),
        }
    }
    fn url(self) -> &'static str {
        match self {
            Self::Local => LOCAL_UPSTREAM_URL,
            Self::BinanceSpot => Market::Spot.production_url(),
            Self::BinanceUsdm => Market::UsdM.production_url(),
            Self::SpotTestnet => Market::Spot.testnet_url(),
            Self::UsdmDemo => Market::UsdM.testnet_url(),
        }
    }
}

/// The one upstream of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// Preset name, or `custom` for an explicit URL.
    pub name: String,
    /// Which API (only its endpoints are forwarded).
    pub market: Market,
    /// Base URL, `scheme://host[:port]`, no trailing slash.
    pub url: String,
    /// The local exchange (development keys are allowed as defaults).
    pub local: bool,
}

impl Upstream {
    /// Resolve `--upstream NAME`, `--upstream-url URL` and `--market`.
    ///
    /// - a preset alone: its URL; its market (the local exchange: `market`, default USDⓈ-M);
    /// - `local` with a URL: the local exchange at that (loopback) URL;
    /// - a URL alone: a custom upstream; `market` is then required.
    ///
    /// # Errors
    /// Unknown names, a market that contradicts the preset, a malformed URL, plain `http`
    /// to a host that is not this machine.
    pub fn resolve(
        preset: Option<&str>,
        url: Option<&str>,
        market: Option<&str>,
    ) -> Result<Self, ConfigError> {
        let market = market
            .map(|m| {
                Market::parse(m).ok_or_else(|| {
                    ConfigError::Invalid(format!(
                        "unknown market {m:?} (use binance-spot or binance-usdm)"
                    ))
                })
            })
            .transpose()?;
        let preset = match preset {
            None if url.is_some() => None,
            None => Some(Preset::Local),
            Some(name) => Some(Preset::parse(name).ok_or_else(|| {
                ConfigError::Invalid(format!(
                    "unknown upstream {name:?} (one of: {}; or give an explicit URL with --upstream-url)",
                    Preset::ALL.map(Preset::as_str).join(", ")
                ))
            })?),
        };
        match preset {
            Some(p) => {
                let fixed = p.market();
                if let (Some(f), Some(m)) = (fixed, market) {
                    if f != m {
                        return Err(ConfigError::Invalid(format!(
                            "upstream {} is {}, not {}",
                            p.as_str(),
                            f.as_str(),
                            m.as_str()
                        )));
                    }
                }
                let local = p == Preset::Local;
                let url = match url {
                    Some(u) if local => {
                        let u = normalize_base_url(u)?;
                        if !is_loopback_url(&u) {
                            return Err(ConfigError::Invalid(format!(
                                "the local exchange must be on this machine (127.0.0.1, localhost or [::1]), got {u}"
                            )));
                        }
                        u
                    }
                    Some(_) => {
                        return Err(ConfigError::Invalid(format!(
                        "upstream {} has a fixed URL; give either a preset name or an explicit URL",
                        p.as_str()
                    )))
                    }
                    None => p.url().to_owned(),
                };
                Ok(Self {
                    name: p.as_str().to_owned(),
                    market: fixed.or(market).unwrap_or(Market::UsdM),
                    url,
                    local,
                })
            }
            None => {
                let url = normalize_base_url(url.unwrap_or_default())?;
                let market = market.ok_or_else(|| {
                    ConfigError::Invalid(
                        "an explicit upstream URL needs a market (binance-spot or binance-usdm)"
                            .into(),
                    )
                })?;
                Ok(Self {
                    name: "custom".into(),
                    market,
                    url,
                    local: false,
                })
            }
        }
    }
}

/// Check and normalise a base URL: `http(s)://host[:port]` with no user info, path, query
/// or fragment; plain `http` only to this machine (keys and orders must not cross a network
/// in clear text).
///
/// # Errors
/// [`ConfigError::Invalid`].
pub fn normalize_base_url(url: &str) -> Result<String, ConfigError> {
    let bad = |why: &str| ConfigError::Invalid(format!("upstream URL {url:?}: {why}"));
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("expected http(s)://host[:port]"))?;
    if scheme != "http" && scheme != "https" {
        return Err(bad("scheme must be http or https"));
    }
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.is_empty() {
        return Err(bad("missing host"));
    }
    if !authority
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
    {
        return Err(bad(
            "only scheme://host[:port] is accepted (no path, query, user info or fragment)",
        ));
    }
    let (host, port) = split_host_port(authority).ok_or_else(|| bad("malformed host:port"))?;
    if host.is_empty() || port.is_some_and(|p| p.parse::<u16>().map_or(true, |p| p == 0)) {
        return Err(bad("malformed host:port"));
    }
    let out = format!("{scheme}://{}", authority.to_ascii_lowercase());
    if scheme == "http" && !is_loopback_url(&out) {
        return Err(bad("plain http is only allowed to this machine; use https"));
    }
    Ok(out)
}

/// `host[:port]` → (host, port). IPv6 hosts keep their brackets.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, rest) = authority.split_at(end + 1);
        match rest {
            "" => Some((host, None)),
            r => Some((host, Some(r.strip_prefix(':')?))),
        }
    } else {
        match authority.split_once(':') {
            None => Some((authority, None)),
            Some((h, p)) if !p.contains(':') => Some((h, Some(p))),
            Some(_) => None,
        }
    }
}

fn is_loopback_host(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    h == "localhost"
        || h == "[::1]"
        || h == "::1"
        || h.strip_prefix("127.").is_some_and(|rest| {
            let parts: Vec<&str> = rest.split('.').collect();
            parts.len() == 3 && parts.iter().all(|p| p.parse::<u8>().is_ok())
        })
}

fn is_loopback_url(url: &str) -> bool {
    url.split_once("://")
        .and_then(|(_, a)| split_host_port(a))
        .is_some_and(|(h, _)| is_loopback_host(h))
}

/// Refuse a listen address that other machines can reach unless `allow_remote`.
///
/// # Errors
/// [`ConfigError::RemoteBind`].
pub fn check_bind_address(host: &str, allow_remote: bool) -> Result<(), ConfigError> {
    if is_loopback_host(host) || allow_remote {
        Ok(())
    } else {
        Err(ConfigError::RemoteBind(host.to_owned()))
    }
}

/// Check an allowed origin: exactly `scheme://host[:port]` as browsers send it (lower case,
/// no path, no trailing slash); never `*` or `null`.
///
/// # Errors
/// [`ConfigError::Invalid`].
pub fn check_origin(origin: &str) -> Result<(), ConfigError> {
    let bad = |why: &str| ConfigError::Invalid(format!("allowed origin {origin:?}: {why}"));
    if origin == "*" || origin == "null" {
        return Err(bad(
            "wildcards and null are never allowed; list exact origins",
        ));
    }
    let (scheme, rest) = origin
        .split_once("://")
        .ok_or_else(|| bad("expected scheme://host[:port]"))?;
    if scheme != "http" && scheme != "https" {
        return Err(bad("scheme must be http or https"));
    }
    if rest.is_empty()
        || rest != rest.to_ascii_lowercase()
        || !rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
        || split_host_port(rest).is_none()
    {
        return Err(bad(
            "must be exactly scheme://host[:port], lower case, without path or trailing slash",
        ));
    }
    Ok(())
}

/// Size and rate limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body (bytes).
    pub max_body_bytes: usize,
    /// Longest request-target (bytes).
    pub max_target_bytes: usize,
    /// Most parameters (query and body together).
    pub max_params: usize,
    /// Longest parameter value.
    pub max_value_bytes: usize,
    /// Wrong-token requests per peer address per minute before 429.
    pub auth_failures_per_minute: u32,
    /// Request weight the proxy sends upstream per minute (below Binance's IP limit, so a
    /// misbehaving page cannot earn an IP ban). 0 = the market's default.
    pub weight_per_minute: u32,
    /// Requests waiting for upstream at once.
    pub max_pending: usize,
    /// Re-sync server time at least this often (ms).
    pub time_resync_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 16 * 1024,
            max_target_bytes: 4 * 1024,
            max_params: 40,
            max_value_bytes: 1024,
            auth_failures_per_minute: 30,
            weight_per_minute: 0,
            max_pending: 64,
            time_resync_ms: 10 * 60 * 1000,
        }
    }
}

impl Limits {
    /// The weight budget actually used: 2000/min for USDⓈ-M (limit 2400), 5000/min for
    /// Spot (limit 6000) unless configured.
    #[must_use]
    pub fn weight_budget(&self, market: Market) -> u32 {
        match (self.weight_per_minute, market) {
            (0, Market::UsdM) => 2_000,
            (0, Market::Spot) => 5_000,
            (w, _) => w,
        }
    }
}

/// Where the credentials came from (for the start-up message; never the values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialSource {
    /// Given directly (options / process environment).
    Explicit,
    /// Read from the `.env` text.
    DotEnv,
    /// The local exchange's development key.
    LocalDefault,
}

impl CredentialSource {
    /// Short description.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Explicit => "environment/options",
            Self::DotEnv => ".env",
            Self::LocalDefault => "local exchange development key",
        }
    }
}

/// Pick the API key and secret: explicit values first, then `.env`, then (local exchange
/// only) the development key. Key and secret must come together.
///
/// # Errors
/// Malformed `.env`, half a pair, missing keys for a real exchange, keys with spaces or
/// control characters.
pub fn resolve_credentials(
    upstream: &Upstream,
    api_key: Option<&str>,
    api_secret: Option<&str>,
    dotenv: Option<&str>,
) -> Result<(Credentials, CredentialSource), ConfigError> {
    let nonempty = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(str::to_owned);
    let (mut key, mut secret) = (nonempty(api_key), nonempty(api_secret));
    let mut source = CredentialSource::Explicit;
    if key.is_none() && secret.is_none() {
        if let Some(text) = dotenv {
            let vars = parse_dotenv(text).map_err(|e| ConfigError::Env(e.to_string()))?;
            let find = |name: &str| {
                vars.iter()
                    .rev()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .filter(|v| !v.is_empty())
            };
            key = find(ENV_API_KEY);
            secret = find(ENV_API_SECRET);
            source = CredentialSource::DotEnv;
        }
    }
    match (key, secret) {
        (Some(k), Some(s)) => {
            for (what, v) in [(ENV_API_KEY, &k), (ENV_API_SECRET, &s)] {
                if v.len() > 512 || !v.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(ConfigError::NoCredentials(format!(
                        "{what} must be printable ASCII without spaces (at most 512 characters)"
                    )));
                }
            }
            Ok((Credentials::new(&k, &s), source))
        }
        (None, None) if upstream.local => Ok((
            Credentials::new(LOCAL_API_KEY, LOCAL_API_SECRET),
            CredentialSource::LocalDefault,
        )),
        (None, None) => Err(ConfigError::NoCredentials(format!(
            "no API key for upstream {}: put {ENV_API_KEY}=… and {ENV_API_SECRET}=… in .env (chmod 600), use a key with trading only and no withdrawals",
            upstream.name
        ))),
        (Some(_), None) => Err(ConfigError::NoCredentials(format!(
            "{ENV_API_KEY} is set but {ENV_API_SECRET} is missing"
        ))),
        (None, Some(_)) => Err(ConfigError::NoCredentials(format!(
            "{ENV_API_SECRET} is set but {ENV_API_KEY} is missing"
        ))),
    }
}

/// Everything the proxy needs for one run.
#[derive(Clone)]
pub struct ProxyConfig {
    /// The one upstream.
    pub upstream: Upstream,
    /// Port the proxy listens on (for the `Host` check).
    pub port: u16,
    /// Extra host names accepted in `Host` (only with `--allow-remote`: the bind address).
    pub extra_hosts: Vec<String>,
    /// Exact origins allowed to call the proxy from a browser.
    pub allowed_origins: Vec<String>,
    /// Per-run access token (`Authorization: Bearer …`).
    pub token: String,
    /// `recvWindow` appended to signed requests.
    pub recv_window_ms: u64,
    /// Limits.
    pub limits: Limits,
    /// API key and secret.
    pub credentials: Credentials,
}

impl std::fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("upstream", &self.upstream)
            .field("port", &self.port)
            .field("extra_hosts", &self.extra_hosts)
            .field("allowed_origins", &self.allowed_origins)
            .field("token", &"REDACTED")
            .field("recv_window_ms", &self.recv_window_ms)
            .field("limits", &self.limits)
            .field("credentials", &self.credentials)
            .finish()
    }
}

impl ProxyConfig {
    /// A configuration with default origins, limits and `recvWindow`.
    #[must_use]
    pub fn new(upstream: Upstream, port: u16, token: &str, credentials: Credentials) -> Self {
        Self {
            upstream,
            port,
            extra_hosts: Vec::new(),
            allowed_origins: DEFAULT_ORIGINS.iter().map(|s| (*s).to_owned()).collect(),
            token: token.to_owned(),
            recv_window_ms: DEFAULT_RECV_WINDOW_MS,
            limits: Limits::default(),
            credentials,
        }
    }

    /// Check the whole configuration.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the bad value.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.port == 0 {
            return Err(ConfigError::Invalid(
                "port must be the port actually listened on (not 0)".into(),
            ));
        }
        if self.token.len() < 32
            || !self
                .token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
        {
            return Err(ConfigError::Invalid(
                "the access token must be at least 32 characters of [A-Za-z0-9-_.~] (the proxy generates a 256-bit one)".into(),
            ));
        }
        if !(1..=MAX_RECV_WINDOW_MS).contains(&self.recv_window_ms) {
            return Err(ConfigError::Invalid(format!(
                "recvWindow must be 1..={MAX_RECV_WINDOW_MS} ms, got {}",
                self.recv_window_ms
            )));
        }
        for o in &self.allowed_origins {
            check_origin(o)?;
        }
        for h in &self.extra_hosts {
            if h.is_empty()
                || !h.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
                })
            {
                return Err(ConfigError::Invalid(format!("bad host name {h:?}")));
            }
        }
        let l = &self.limits;
        if l.max_body_bytes == 0
            || l.max_params == 0
            || l.max_target_bytes < 64
            || l.max_value_bytes == 0
            || l.max_pending == 0
        {
            return Err(ConfigError::Invalid("limits must be positive".into()));
        }
        normalize_base_url(&self.upstream.url)?;
        Ok(())
    }
}
