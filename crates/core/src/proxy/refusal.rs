//! The proxy's own answers when it does not forward: `{"error":"PROXY_<REASON>","msg":…}`
//! with a fitting status and `X-IFTB-Proxy: refused`. Messages never contain a credential,
//! the token, a signature or a client-supplied value (parameter names at most).

use serde_json::json;

/// Why the proxy answered itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Method other than GET/POST/DELETE (OPTIONS for preflight), e.g. CONNECT, TRACE, PUT.
    MethodNotAllowed,
    /// Request-target refused (absolute-form, traversal, escapes, …).
    BadTarget(&'static str),
    /// Request-target too long.
    UriTooLong,
    /// `Host` is not this proxy's loopback name:port (DNS rebinding).
    BadHost,
    /// `Origin` not on the allowlist.
    OriginForbidden,
    /// Preflight asks for a method or header the proxy does not allow.
    PreflightRefused(&'static str),
    /// No or wrong access token.
    Unauthorized,
    /// Too many wrong tokens from this address; retry after this many seconds.
    AuthRateLimited(u64),
    /// Endpoint not on the allowlist.
    ForbiddenEndpoint(&'static str),
    /// Endpoint of the other market.
    WrongMarket {
        /// Market of the path.
        path_market: &'static str,
        /// Market of this run.
        run_market: &'static str,
    },
    /// The client sent a parameter only the proxy may set.
    ForgedParam(String),
    /// The client sent a header only the proxy may set (`X-MBX-*`).
    ForgedHeader,
    /// A parameter appears twice.
    DuplicateParam(String),
    /// A security-relevant header appears twice.
    DuplicateHeader(&'static str),
    /// A malformed parameter.
    BadParam(String),
    /// More parameters than allowed.
    TooManyParams(usize),
    /// Body too large.
    BodyTooLarge(usize),
    /// Header section too large (raised by the Node shell's HTTP parser).
    HeadersTooLarge,
    /// Body on GET/DELETE.
    BodyNotAllowed,
    /// Body that is not `application/x-www-form-urlencoded` UTF-8.
    UnsupportedMediaType,
    /// The client was too slow sending its request.
    RequestTimeout,
    /// Too many requests in flight.
    Busy,
    /// Upstream asked us to slow down (429/418) or the proxy's weight budget is spent.
    RateLimited {
        /// Seconds until sending resumes.
        retry_after_s: u64,
        /// Upstream ban (418) rather than throttling.
        banned: bool,
        /// The proxy's own budget rather than an upstream answer.
        budget: bool,
    },
    /// Upstream did not answer in time.
    UpstreamTimeout {
        /// The request placed an order: its status is unknown.
        place: bool,
    },
    /// Upstream could not be reached (nothing was sent).
    UpstreamUnreachable,
    /// The connection broke after the request was sent.
    UpstreamFailed {
        /// The request placed an order: its status is unknown.
        place: bool,
    },
    /// Upstream answered with a redirect, which is never followed.
    UpstreamRedirect {
        /// The request placed an order: its status is unknown.
        place: bool,
    },
    /// Upstream answer larger than the proxy accepts.
    UpstreamTooLarge,
    /// A protocol upgrade (WebSocket) request.
    UpgradeRefused,
    /// A bug in the proxy (the answer says nothing more).
    Internal,
}

const UNKNOWN_ORDER: &str = " The order's status is UNKNOWN: it may have been placed. Do not resend it; query it by its client order id (newClientOrderId) first.";

impl Reason {
    /// HTTP status.
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            Self::BadTarget(_)
            | Self::ForgedParam(_)
            | Self::ForgedHeader
            | Self::DuplicateParam(_)
            | Self::DuplicateHeader(_)
            | Self::BadParam(_)
            | Self::BodyNotAllowed
            | Self::UpgradeRefused => 400,
            Self::Unauthorized => 401,
            Self::BadHost
            | Self::OriginForbidden
            | Self::PreflightRefused(_)
            | Self::ForbiddenEndpoint(_)
            | Self::WrongMarket { .. } => 403,
            Self::MethodNotAllowed => 405,
            Self::RequestTimeout => 408,
            Self::TooManyParams(_) | Self::BodyTooLarge(_) => 413,
            Self::UriTooLong => 414,
            Self::UnsupportedMediaType => 415,
            Self::AuthRateLimited(_) | Self::RateLimited { .. } => 429,
            Self::HeadersTooLarge => 431,
            Self::UpstreamUnreachable
            | Self::UpstreamFailed { .. }
            | Self::UpstreamRedirect { .. }
            | Self::UpstreamTooLarge => 502,
            Self::Internal => 500,
            Self::Busy => 503,
            Self::UpstreamTimeout { .. } => 504,
        }
    }

    /// Stable code, `PROXY_…`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::MethodNotAllowed => "PROXY_METHOD_NOT_ALLOWED",
            Self::BadTarget(_) => "PROXY_BAD_TARGET",
            Self::UriTooLong => "PROXY_URI_TOO_LONG",
            Self::BadHost => "PROXY_BAD_HOST",
            Self::OriginForbidden => "PROXY_ORIGIN_FORBIDDEN",
            Self::PreflightRefused(_) => "PROXY_PREFLIGHT_REFUSED",
            Self::Unauthorized => "PROXY_UNAUTHORIZED",
            Self::AuthRateLimited(_) => "PROXY_AUTH_RATE_LIMITED",
            Self::ForbiddenEndpoint(_) => "PROXY_FORBIDDEN_ENDPOINT",
            Self::WrongMarket { .. } => "PROXY_WRONG_MARKET",
            Self::ForgedParam(_) => "PROXY_FORGED_PARAM",
            Self::ForgedHeader => "PROXY_FORGED_HEADER",
            Self::DuplicateParam(_) => "PROXY_DUPLICATE_PARAM",
            Self::DuplicateHeader(_) => "PROXY_DUPLICATE_HEADER",
            Self::BadParam(_) => "PROXY_BAD_PARAM",
            Self::TooManyParams(_) => "PROXY_TOO_MANY_PARAMS",
            Self::BodyTooLarge(_) => "PROXY_BODY_TOO_LARGE",
            Self::HeadersTooLarge => "PROXY_HEADERS_TOO_LARGE",
            Self::BodyNotAllowed => "PROXY_BODY_NOT_ALLOWED",
            Self::UnsupportedMediaType => "PROXY_UNSUPPORTED_MEDIA_TYPE",
            Self::RequestTimeout => "PROXY_REQUEST_TIMEOUT",
            Self::Busy => "PROXY_BUSY",
            Self::RateLimited { budget: true, .. } => "PROXY_WEIGHT_BUDGET",
            Self::RateLimited { .. } => "PROXY_RATE_LIMITED",
            Self::UpstreamTimeout { .. } => "PROXY_UPSTREAM_TIMEOUT",
            Self::UpstreamUnreachable => "PROXY_UPSTREAM_UNREACHABLE",
            Self::UpstreamFailed { .. } => "PROXY_UPSTREAM_FAILED",
            Self::UpstreamRedirect { .. } => "PROXY_UPSTREAM_REDIRECT",
            Self::UpstreamTooLarge => "PROXY_UPSTREAM_TOO_LARGE",
            Self::UpgradeRefused => "PROXY_UPGRADE_REFUSED",
            Self::Internal => "PROXY_INTERNAL",
        }
    }

    /// A code from its name (for refusals raised by the Node shell).
    #[must_use]
    pub fn from_code(code: &str, arg: u64) -> Option<Self> {
        let n = usize::try_from(arg).unwrap_or(usize::MAX);
        Some(match code {
            "PROXY_BODY_TOO_LARGE" => Self::BodyTooLarge(n),
            "PROXY_HEADERS_TOO_LARGE" => Self::HeadersTooLarge,
            "PROXY_REQUEST_TIMEOUT" => Self::RequestTimeout,
            "PROXY_BUSY" => Self::Busy,
            "PROXY_METHOD_NOT_ALLOWED" => Self::MethodNotAllowed,
            "PROXY_BAD_TARGET" => Self::BadTarget("malformed request"),
            "PROXY_URI_TOO_LONG" => Self::UriTooLong,
            "PROXY_UPGRADE_REFUSED" => Self::UpgradeRefused,
            "PROXY_INTERNAL" => Self::Internal,
            _ => return None,
        })
    }

    /// Whether an order placement may have happened anyway.
    #[must_use]
    pub fn status_unknown(&self) -> bool {
        matches!(
            self,
            Self::UpstreamTimeout { place: true }
                | Self::UpstreamFailed { place: true }
                | Self::UpstreamRedirect { place: true }
        )
    }

    /// Words for a person.
    #[must_use]
    pub fn message(&self) -> String {
        let unknown = |place: bool| if place { UNKNOWN_ORDER } else { "" };
        match self {
            Self::MethodNotAllowed => "method not allowed: the proxy accepts GET, POST and DELETE (and OPTIONS preflights)".into(),
            Self::BadTarget(why) => format!("request refused: {why}"),
            Self::UriTooLong => "request-target too long".into(),
            Self::BadHost => "Host header refused: the proxy only answers to 127.0.0.1:PORT, localhost:PORT or [::1]:PORT (DNS-rebinding protection)".into(),
            Self::OriginForbidden => "Origin not allowed: start the proxy with --origin <this page's origin> to allow it".into(),
            Self::PreflightRefused(why) => format!("CORS preflight refused: {why}"),
            Self::Unauthorized => "missing or wrong access token: send Authorization: Bearer <token> with the token the proxy printed at start (it changes every run)".into(),
            Self::AuthRateLimited(s) => format!("too many requests with a wrong token from this address; try again in {s} s"),
            Self::ForbiddenEndpoint(why) => format!("endpoint not allowed: {why}"),
            Self::WrongMarket { path_market, run_market } => format!(
                "endpoint not allowed: it belongs to {path_market}, and this proxy runs for {run_market} (choose the upstream with --upstream)"
            ),
            Self::ForgedParam(name) => format!(
                "parameter {name:?} is not accepted from the client: the proxy adds timestamp, recvWindow and signature itself and keeps the credentials"
            ),
            Self::ForgedHeader => "X-MBX-* headers are not accepted from the client: the proxy adds the API key itself".into(),
            Self::DuplicateParam(name) => format!("parameter {name:?} is given more than once (query and body count together)"),
            Self::DuplicateHeader(name) => format!("header {name} is given more than once"),
            Self::BadParam(why) => format!("malformed parameters: {why}"),
            Self::TooManyParams(n) => format!("too many parameters (at most {n})"),
            Self::BodyTooLarge(n) => format!("request body too large (at most {n} bytes)"),
            Self::HeadersTooLarge => "request headers too large".into(),
            Self::BodyNotAllowed => "GET and DELETE requests take their parameters in the query string, not a body".into(),
            Self::UnsupportedMediaType => "a POST body must be application/x-www-form-urlencoded (UTF-8)".into(),
            Self::RequestTimeout => "the request was not received in time".into(),
            Self::Busy => "too many requests in flight; try again shortly".into(),
            Self::RateLimited { retry_after_s, banned: true, .. } => format!(
                "upstream banned this IP (HTTP 418); the proxy sends nothing for {retry_after_s} more s"
            ),
            Self::RateLimited { retry_after_s, budget: true, .. } => format!(
                "the proxy's request-weight budget for this minute is spent (it stays below the exchange's IP limit so the IP is not banned); retry in {retry_after_s} s"
            ),
            Self::RateLimited { retry_after_s, .. } => format!(
                "upstream asked to slow down (HTTP 429); the proxy holds all requests for {retry_after_s} more s to protect the IP from a ban"
            ),
            Self::UpstreamTimeout { place } => format!("upstream did not answer in time.{}", unknown(*place)),
            Self::UpstreamUnreachable => "upstream unreachable: nothing was sent (connection refused or name not resolved)".into(),
            Self::UpstreamFailed { place } => format!("the upstream connection failed after the request was sent.{}", unknown(*place)),
            Self::UpstreamRedirect { place } => format!("upstream answered with a redirect, which the proxy never follows.{}", unknown(*place)),
            Self::UpstreamTooLarge => "upstream answer too large".into(),
            Self::UpgradeRefused => "protocol upgrades (WebSocket) are not supported by the proxy".into(),
            Self::Internal => "internal error in the proxy".into(),
        }
    }

    /// The JSON body.
    #[must_use]
    pub fn body(&self) -> String {
        let mut v = json!({ "error": self.code(), "msg": self.message() });
        if self.status_unknown() {
            v["orderStatus"] = json!("UNKNOWN");
        }
        v.to_string()
    }

    /// Seconds for a `Retry-After` header.
    #[must_use]
    pub fn retry_after_s(&self) -> Option<u64> {
        match self {
            Self::AuthRateLimited(s)
            | Self::RateLimited {
                retry_after_s: s, ..
            } => Some(*s),
            Self::Busy => Some(1),
            _ => None,
        }
    }
}
