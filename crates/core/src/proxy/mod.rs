//! The signing proxy, sans-IO: every decision of the local proxy that keeps the Binance
//! secret away from the page (reliability.md §3, F1–F12). The Node shell
//! (`server/proxy.mjs`) only moves bytes:
//!
//! ```text
//! client request ──decide()──▶ Preflight / Reply / Refuse ──▶ answer, nothing sent upstream
//!                      └────▶ Forward{url, signed request} ──▶ upstream ──finish()/fail()──▶ answer
//! ```
//!
//! [`SigningProxy::decide`] checks, in order: duplicate security headers, the method, the
//! request-target (origin-form only, no traversal or escapes), `Host` (loopback name and
//! this port: DNS rebinding), `Origin` (exact allowlist), the preflight, the access token
//! (constant time, wrong tokens rate-limited per address), the endpoint (exact method and
//! path in [`ENDPOINTS`] of this run's market: everything else, `/sapi/*` included, is
//! refused), headers and parameters (no `X-MBX-*`, no client `signature`/`timestamp`/
//! `recvWindow`, no duplicates), then the proxy's own rate budget. Only then does it
//! re-encode the parameters canonically, append `recvWindow` and `timestamp` (its clock plus
//! the server-time offset), sign exactly the bytes it will send and name the one upstream URL.

pub mod config;
pub mod refusal;
pub mod target;

pub use config::{
    check_bind_address, check_origin, normalize_base_url, resolve_credentials, ConfigError,
    CredentialSource, Limits, Preset, ProxyConfig, Upstream, DEFAULT_ORIGINS,
    DEFAULT_RECV_WINDOW_MS, LOCAL_API_KEY, LOCAL_API_SECRET, LOCAL_UPSTREAM_URL,
};
pub use refusal::Reason;
pub use target::{parse_params, parse_target, Target};

use crate::binance::endpoints::{Endpoint, Kind, Security, ENDPOINTS};
use crate::binance::errors::{code, error_body, retry_after_ms};
use crate::binance::http::{HttpRequest, HttpResponse, Method};
use crate::binance::sign::{constant_time_eq, Params};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use target::{bearer_token, is_form_content_type, single_header};

/// Path of the proxy's own status endpoint (token required).
pub const HEALTH_PATH: &str = "/_iftb/health";
/// Response header marking the proxy's own answers.
pub const PROXY_HEADER: &str = "X-IFTB-Proxy";
const MINUTE_MS: u64 = 60_000;

/// One request as the Node shell received it.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    /// Method as sent (case-sensitive).
    pub method: &'a str,
    /// Raw request-target (`req.url`).
    pub target: &'a str,
    /// Headers in arrival order, repeats kept (`req.rawHeaders`).
    pub headers: &'a [(String, String)],
    /// Raw body bytes.
    pub body: &'a [u8],
    /// Peer address (for the wrong-token rate limit).
    pub peer: &'a str,
}

/// One line of the audit log: every forwarded order, cancel or setting and every refusal.
/// Never contains the key, the secret, a signature or the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// When the request arrived (ms since the epoch).
    pub ts: u64,
    /// `forward` or `refused`.
    pub event: &'static str,
    /// Peer address.
    pub peer: String,
    /// Method.
    pub method: String,
    /// Path (never the query).
    pub path: String,
    /// `place`, `cancel`, `setting` or `read`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    /// Parameters as sent upstream, without the signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<String>,
    /// HTTP status returned to the client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Binance error code of the upstream answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// The proxy's own error code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
    /// Upstream round trip (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
}

impl AuditEntry {
    /// One JSON line (no trailing newline).
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Read => "read",
        Kind::Place => "place",
        Kind::Cancel => "cancel",
        Kind::Setting => "setting",
    }
}

/// A refusal: the response and, unless suppressed for flooding, an audit line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Why.
    pub reason: Reason,
    /// The answer.
    pub response: HttpResponse,
    /// Audit line.
    pub audit: Option<AuditEntry>,
}

/// A request to send upstream. `request` carries the API key header and the signature:
/// hand it to the transport, never to a log (`Debug` prints neither).
#[derive(Clone, PartialEq, Eq)]
pub struct Forward {
    /// Pass back to [`SigningProxy::finish`] / [`SigningProxy::fail`].
    pub id: u64,
    /// Full upstream URL (`{upstream}{path}` plus the signed query for GET/DELETE).
    pub url: String,
    /// Method, path, query, body and headers as sent.
    pub request: HttpRequest,
    /// What the call does.
    pub kind: Kind,
    /// Whether it was signed (timestamp in it: re-sign after a time sync).
    pub signed: bool,
    /// Audit line (completed by `finish`).
    pub audit: AuditEntry,
}

impl std::fmt::Debug for Forward {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forward")
            .field("id", &self.id)
            .field("method", &self.request.method())
            .field("path", &self.request.path)
            .field("kind", &self.kind)
            .field("signed", &self.signed)
            .finish_non_exhaustive()
    }
}

/// What to do with an incoming request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Answer a CORS preflight.
    Preflight(HttpResponse),
    /// Answer from the proxy itself (health).
    Reply(HttpResponse),
    /// Refuse; nothing goes upstream.
    Refuse(Refusal),
    /// Send upstream.
    Forward(Forward),
}

/// How an upstream exchange failed, as the transport saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamFailure {
    /// No answer within the time limit (the request may have arrived).
    Timeout,
    /// Nothing was sent (connection refused, name not resolved).
    Unreachable,
    /// The connection failed after (part of) the request was sent.
    Broken,
    /// The answer was larger than accepted.
    TooLarge,
}

/// The answer to give after an upstream exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// Status and headers (and the body when `pass_body` is false).
    pub response: HttpResponse,
    /// Send the upstream body bytes unchanged (true), or `response.body` (false).
    pub pass_body: bool,
    /// Audit line, for orders, cancels and settings.
    pub audit: Option<AuditEntry>,
    /// Upstream said -1021: the server-time offset is re-synced before the next request.
    pub resync: bool,
    /// The proxy's own code when it answered instead of passing upstream's answer through.
    pub error: Option<&'static str>,
}

/// Counters for `stats()`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProxyStats {
    /// Requests decided.
    pub requests: u64,
    /// Preflights answered.
    pub preflights: u64,
    /// Requests forwarded upstream.
    pub forwarded: u64,
    /// Refusals by code.
    pub refused: BTreeMap<&'static str, u64>,
    /// Upstream answers by status (`"200"`, `"429"`, …).
    pub upstream_status: BTreeMap<String, u64>,
    /// Upstream failures (timeouts, unreachable, broken).
    pub upstream_failures: u64,
    /// Server-time syncs done.
    pub time_syncs: u64,
}

struct Pending {
    endpoint: &'static Endpoint,
    params: Params,
    cors: Option<String>,
    audit: AuditEntry,
    started_ms: u64,
}

/// The proxy's state: configuration, server-time offset, rate budget, pending requests.
pub struct SigningProxy {
    cfg: ProxyConfig,
    offset_ms: i64,
    synced_at_ms: Option<u64>,
    needs_sync: bool,
    upstream_ok: Option<bool>,
    hold_until_ms: u64,
    hold_banned: bool,
    weight_minute: u64,
    weight_used: u32,
    auth_failures: BTreeMap<String, (u64, u32)>,
    pending: BTreeMap<u64, Pending>,
    next_id: u64,
    stats: ProxyStats,
}

impl std::fmt::Debug for SigningProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningProxy")
            .field("cfg", &self.cfg)
            .field("offset_ms", &self.offset_ms)
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl SigningProxy {
    /// A proxy for a checked configuration.
    ///
    /// # Errors
    /// [`ConfigError`] from [`ProxyConfig::validate`].
    pub fn new(cfg: ProxyConfig) -> Result<Self, ConfigError> {
        cfg.validate()?;
        Ok(Self {
            cfg,
            offset_ms: 0,
            synced_at_ms: None,
            needs_sync: true,
            upstream_ok: None,
            hold_until_ms: 0,
            hold_banned: false,
            weight_minute: 0,
            weight_used: 0,
            auth_failures: BTreeMap::new(),
            pending: BTreeMap::new(),
            next_id: 1,
            stats: ProxyStats::default(),
        })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &ProxyConfig {
        &self.cfg
    }

    /// Counters.
    #[must_use]
    pub fn stats(&self) -> &ProxyStats {
        &self.stats
    }

    /// Server time minus local time (ms), as last measured.
    #[must_use]
    pub fn server_time_offset_ms(&self) -> i64 {
        self.offset_ms
    }

    /// Replace every occurrence of the secret, the API key and the token in `text` by
    /// `[REDACTED]` (a last line of defence for log output).
    #[must_use]
    pub fn redact(&self, text: &str) -> String {
        let out = self.cfg.credentials.redact(text);
        if out.contains(self.cfg.token.as_str()) {
            out.replace(self.cfg.token.as_str(), "[REDACTED]")
        } else {
            out
        }
    }

    // ---- decisions -------------------------------------------------------------------

    /// Decide what to do with a request (no I/O; `now_ms` is the local wall clock).
    pub fn decide(&mut self, req: &Incoming<'_>, now_ms: u64) -> Decision {
        self.stats.requests += 1;
        let cors = self.allowed_origin(req.headers);
        let d = self.decide_inner(req, cors.as_deref(), now_ms);
        match d {
            Ok(d) => {
                match &d {
                    Decision::Preflight(_) => self.stats.preflights += 1,
                    Decision::Forward(_) => self.stats.forwarded += 1,
                    _ => {}
                }
                d
            }
            Err(reason) => Decision::Refuse(self.refusal(reason, cors.as_deref(), req, now_ms)),
        }
    }

    /// A refusal raised by the shell itself (body or headers too large, slow client, busy),
    /// with CORS headers when the request's origin is allowed.
    #[must_use]
    pub fn shell_refusal(&mut self, reason: Reason, req: &Incoming<'_>, now_ms: u64) -> Refusal {
        self.stats.requests += 1;
        let cors = self.allowed_origin(req.headers);
        self.refusal(reason, cors.as_deref(), req, now_ms)
    }

    fn refusal(
        &mut self,
        reason: Reason,
        cors: Option<&str>,
        req: &Incoming<'_>,
        now_ms: u64,
    ) -> Refusal {
        *self.stats.refused.entry(reason.code()).or_default() += 1;
        let audit = (!matches!(reason, Reason::AuthRateLimited(_))).then(|| AuditEntry {
            ts: now_ms,
            event: "refused",
            peer: self.clip(req.peer, 64),
            method: self.clip(req.method, 16),
            path: self.clip(req.target.split('?').next().unwrap_or(""), 160),
            kind: None,
            params: None,
            status: Some(reason.status()),
            code: None,
            error: Some(reason.code()),
            latency_ms: None,
        });
        Refusal {
            response: refusal_response(&reason, cors),
            reason,
            audit,
        }
    }

    fn clip(&self, s: &str, max: usize) -> String {
        let s: String = s
            .chars()
            .take(max)
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        self.redact(&s)
    }

    fn allowed_origin(&self, headers: &[(String, String)]) -> Option<String> {
        let origin = single_header(headers, "origin").ok()??;
        self.cfg
            .allowed_origins
            .iter()
            .any(|o| o == origin)
            .then(|| origin.to_owned())
    }

    fn host_ok(&self, host: &str) -> bool {
        let port = self.cfg.port.to_string();
        let Some((name, p)) = host.rsplit_once(':') else {
            return false;
        };
        if p != port {
            return false;
        }
        let name = name.to_ascii_lowercase();
        name == "127.0.0.1"
            || name == "localhost"
            || name == "[::1]"
            || self
                .cfg
                .extra_hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(&name))
    }

    #[allow(clippy::too_many_lines)]
    fn decide_inner(
        &mut self,
        req: &Incoming<'_>,
        cors: Option<&str>,
        now_ms: u64,
    ) -> Result<Decision, Reason> {
        let h = req.headers;
        let host = single_header(h, "host")?;
        let origin = single_header(h, "origin")?;
        let authorization = single_header(h, "authorization")?;
        let content_type = single_header(h, "content-type")?;

        let preflight = req.method == "OPTIONS";
        let method = if preflight {
            None
        } else {
            match Method::parse(req.method) {
                Some(m @ (Method::Get | Method::Post | Method::Delete)) => Some(m),
                _ => return Err(Reason::MethodNotAllowed),
            }
        };
        let target = parse_target(req.target, self.cfg.limits.max_target_bytes)?;
        if !host.is_some_and(|v| self.host_ok(v)) {
            return Err(Reason::BadHost);
        }
        if origin.is_some() && cors.is_none() {
            return Err(Reason::OriginForbidden);
        }
        let Some(method) = method else {
            return self.preflight(h, cors).map(Decision::Preflight);
        };

        self.check_token(authorization, req.peer, now_ms)?;

        if target.path == HEALTH_PATH {
            if method != Method::Get {
                return Err(Reason::MethodNotAllowed);
            }
            if !req.body.is_empty() || !target.query.is_empty() {
                return Err(Reason::BadParam(
                    "the health check takes no parameters".into(),
                ));
            }
            return Ok(Decision::Reply(self.health(cors, now_ms)));
        }

        let endpoint = self.endpoint(method, target.path)?;

        if h.iter()
            .any(|(k, _)| k.len() >= 6 && k.as_bytes()[..6].eq_ignore_ascii_case(b"x-mbx-"))
        {
            return Err(Reason::ForgedHeader);
        }
        let body = if req.body.is_empty() {
            ""
        } else {
            if method != Method::Post {
                return Err(Reason::BodyNotAllowed);
            }
            if req.body.len() > self.cfg.limits.max_body_bytes {
                return Err(Reason::BodyTooLarge(self.cfg.limits.max_body_bytes));
            }
            if !content_type.is_some_and(is_form_content_type) {
                return Err(Reason::UnsupportedMediaType);
            }
            std::str::from_utf8(req.body)
                .map_err(|_| Reason::BadParam("the body is not UTF-8".into()))?
        };
        let params = parse_params(
            target.query,
            body,
            self.cfg.limits.max_params,
            self.cfg.limits.max_value_bytes,
        )?;
        if params.0.iter().any(|(k, v)| {
            [k, v].iter().any(|s| {
                self.cfg.credentials.leaks_in(s)
                    || s.contains(self.cfg.token.as_str())
                    || s.contains(self.cfg.credentials.api_key())
            })
        }) {
            return Err(Reason::ForgedParam(
                "(a credential or the access token)".into(),
            ));
        }

        self.check_hold(now_ms)?;
        if self.pending.len() >= self.cfg.limits.max_pending {
            return Err(Reason::Busy);
        }
        self.charge(endpoint.weight_for(params.contains("symbol")), now_ms)?;

        let id = self.next_id;
        self.next_id += 1;
        let audit = AuditEntry {
            ts: now_ms,
            event: "forward",
            peer: self.clip(req.peer, 64),
            method: method.as_str().to_owned(),
            path: endpoint.path.to_owned(),
            kind: Some(kind_name(endpoint.kind)),
            params: None,
            status: None,
            code: None,
            error: None,
            latency_ms: None,
        };
        let mut pending = Pending {
            endpoint,
            params,
            cors: cors.map(str::to_owned),
            audit,
            started_ms: now_ms,
        };
        let fwd = self.build(id, &pending, now_ms);
        pending.audit.params.clone_from(&fwd.audit.params);
        self.pending.insert(id, pending);
        Ok(Decision::Forward(fwd))
    }

    fn preflight(
        &self,
        h: &[(String, String)],
        cors: Option<&str>,
    ) -> Result<HttpResponse, Reason> {
        let Some(origin) = cors else {
            return Err(Reason::PreflightRefused("no Origin header"));
        };
        let m = single_header(h, "access-control-request-method")?
            .ok_or(Reason::PreflightRefused("no Access-Control-Request-Method"))?;
        if !matches!(m, "GET" | "POST" | "DELETE") {
            return Err(Reason::PreflightRefused(
                "only GET, POST and DELETE are allowed",
            ));
        }
        if let Some(hs) = single_header(h, "access-control-request-headers")? {
            for name in hs.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                if !name.eq_ignore_ascii_case("authorization")
                    && !name.eq_ignore_ascii_case("content-type")
                {
                    return Err(Reason::PreflightRefused(
                        "only the Authorization and Content-Type request headers are allowed",
                    ));
                }
            }
        }
        let mut headers = vec![
            ("Access-Control-Allow-Origin".into(), origin.to_owned()),
            (
                "Access-Control-Allow-Methods".into(),
                "GET, POST, DELETE".into(),
            ),
            (
                "Access-Control-Allow-Headers".into(),
                "Authorization, Content-Type".into(),
            ),
            ("Access-Control-Max-Age".into(), "600".into()),
            (
                "Vary".into(),
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network".into(),
            ),
            ("Cache-Control".into(), "no-store".into()),
        ];
        if single_header(h, "access-control-request-private-network")?
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            headers.push(("Access-Control-Allow-Private-Network".into(), "true".into()));
        }
        Ok(HttpResponse {
            status: 204,
            headers,
            body: String::new(),
        })
    }

    fn check_token(
        &mut self,
        authorization: Option<&str>,
        peer: &str,
        now_ms: u64,
    ) -> Result<(), Reason> {
        let minute = now_ms / MINUTE_MS;
        let limit = self.cfg.limits.auth_failures_per_minute;
        if let Some((m, n)) = self.auth_failures.get(peer) {
            if *m == minute && *n >= limit {
                let wait = ms_to_next_minute(now_ms).div_ceil(1000);
                return Err(Reason::AuthRateLimited(wait.max(1)));
            }
        }
        let given = bearer_token(authorization).unwrap_or("");
        if constant_time_eq(given.as_bytes(), self.cfg.token.as_bytes()) {
            return Ok(());
        }
        if self.auth_failures.len() >= 4096 {
            self.auth_failures.retain(|_, (m, _)| *m == minute);
            if self.auth_failures.len() >= 4096 {
                self.auth_failures.clear();
            }
        }
        let e = self
            .auth_failures
            .entry(peer.to_owned())
            .or_insert((minute, 0));
        if e.0 != minute {
            *e = (minute, 0);
        }
        e.1 = e.1.saturating_add(1);
        Err(Reason::Unauthorized)
    }

    fn endpoint(&self, method: Method, path: &str) -> Result<&'static Endpoint, Reason> {
        if path.starts_with("/sapi/") || path == "/sapi" {
            return Err(Reason::ForbiddenEndpoint(
                "/sapi/* (wallet, withdrawals, transfers, sub-accounts) is never forwarded",
            ));
        }
        let run = self.cfg.upstream.market;
        match ENDPOINTS
            .iter()
            .find(|e| e.method == method && e.path == path)
        {
            Some(e) if e.market == run => Ok(e),
            Some(e) => Err(Reason::WrongMarket {
                path_market: e.market.as_str(),
                run_market: run.as_str(),
            }),
            None if ENDPOINTS.iter().any(|e| e.path == path) => Err(Reason::ForbiddenEndpoint(
                "this method is not allowed on this path",
            )),
            None => Err(Reason::ForbiddenEndpoint(
                "only the trading and account endpoints the live executor uses are forwarded",
            )),
        }
    }

    fn check_hold(&mut self, now_ms: u64) -> Result<(), Reason> {
        if now_ms < self.hold_until_ms {
            return Err(Reason::RateLimited {
                retry_after_s: (self.hold_until_ms - now_ms).div_ceil(1000).max(1),
                banned: self.hold_banned,
                budget: false,
            });
        }
        Ok(())
    }

    fn charge(&mut self, weight: u32, now_ms: u64) -> Result<(), Reason> {
        let minute = now_ms / MINUTE_MS;
        if minute != self.weight_minute {
            self.weight_minute = minute;
            self.weight_used = 0;
        }
        let budget = self.cfg.limits.weight_budget(self.cfg.upstream.market);
        if self.weight_used.saturating_add(weight) > budget {
            return Err(Reason::RateLimited {
                retry_after_s: ms_to_next_minute(now_ms).div_ceil(1000).max(1),
                banned: false,
                budget: true,
            });
        }
        self.weight_used += weight;
        Ok(())
    }

    fn timestamp(&self, now_ms: u64) -> u64 {
        let now = i64::try_from(now_ms).unwrap_or(i64::MAX);
        u64::try_from(now.saturating_add(self.offset_ms)).unwrap_or(0)
    }

    fn build(&self, id: u64, p: &Pending, now_ms: u64) -> Forward {
        let e = p.endpoint;
        let signed = e.security == Security::Signed;
        let mut params = p.params.clone();
        if signed {
            params
                .push("recvWindow", self.cfg.recv_window_ms.to_string())
                .push("timestamp", self.timestamp(now_ms).to_string());
        }
        let payload = params.encode();
        let wire = if signed {
            format!(
                "{payload}&signature={}",
                self.cfg.credentials.sign(&payload)
            )
        } else {
            payload.clone()
        };
        let mut request = HttpRequest::new(e.method, e.path);
        if e.method == Method::Post {
            request.body = wire;
            request.headers.push((
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ));
        } else {
            request.query = wire;
        }
        if signed {
            request.headers.push((
                "X-MBX-APIKEY".into(),
                self.cfg.credentials.api_key().to_owned(),
            ));
        }
        let url = format!("{}{}", self.cfg.upstream.url, request.path_and_query());
        let mut audit = p.audit.clone();
        audit.params = Some(payload);
        Forward {
            id,
            url,
            request,
            kind: e.kind,
            signed,
            audit,
        }
    }

    /// Re-sign a pending request with a fresh timestamp (after a time sync).
    #[must_use]
    pub fn resign(&mut self, id: u64, now_ms: u64) -> Option<Forward> {
        let fwd = self.build(id, self.pending.get(&id)?, now_ms);
        if let Some(p) = self.pending.get_mut(&id) {
            p.audit.params.clone_from(&fwd.audit.params);
        }
        Some(fwd)
    }

    /// Drop a pending request that will not be sent.
    pub fn abandon(&mut self, id: u64) {
        self.pending.remove(&id);
    }

    /// Requests waiting for upstream.
    #[must_use]
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    // ---- upstream answers --------------------------------------------------------------

    /// The answer for a forwarded request: upstream status, body and the rate-limit and
    /// content-type headers unchanged, plus CORS for an allowed origin. 3xx is never
    /// followed (refused instead). Learns from 429/418 (`Retry-After` hold), the used-weight
    /// header and -1021 (re-sync before the next request). `None` for an unknown id.
    pub fn finish(&mut self, id: u64, upstream: &HttpResponse, now_ms: u64) -> Option<Finished> {
        let p = self.pending.remove(&id)?;
        self.upstream_ok = Some(true);
        *self
            .stats
            .upstream_status
            .entry(upstream.status.to_string())
            .or_default() += 1;
        let place = p.endpoint.kind == Kind::Place;
        let mut audit = p.audit;
        audit.latency_ms = Some(now_ms.saturating_sub(p.started_ms));
        if (300..400).contains(&upstream.status) {
            let reason = Reason::UpstreamRedirect { place };
            *self.stats.refused.entry(reason.code()).or_default() += 1;
            audit.status = Some(reason.status());
            audit.error = Some(reason.code());
            return Some(Finished {
                response: refusal_response(&reason, p.cors.as_deref()),
                pass_body: false,
                audit: (p.endpoint.kind != Kind::Read).then_some(audit),
                resync: false,
                error: Some(reason.code()),
            });
        }
        if matches!(upstream.status, 418 | 429) {
            let banned = upstream.status == 418;
            let wait = retry_after_ms(upstream, if banned { 120_000 } else { 1_000 });
            let until = now_ms.saturating_add(wait);
            if until > self.hold_until_ms {
                self.hold_until_ms = until;
                self.hold_banned = banned;
            }
        }
        if let Some(w) = upstream
            .header("x-mbx-used-weight-1m")
            .and_then(|v| v.trim().parse::<u32>().ok())
        {
            if now_ms / MINUTE_MS == self.weight_minute {
                self.weight_used = self.weight_used.max(w);
            }
        }
        let code = error_body(&upstream.body).map(|(c, _)| c);
        let resync = code == Some(code::INVALID_TIMESTAMP);
        if resync {
            self.needs_sync = true;
        }
        let mut headers: Vec<(String, String)> = upstream
            .headers
            .iter()
            .filter(|(k, _)| pass_through(k))
            .cloned()
            .collect();
        headers.push((PROXY_HEADER.into(), "forwarded".into()));
        let expose: Vec<String> = headers
            .iter()
            .map(|(k, _)| k.clone())
            .filter(|k| !k.eq_ignore_ascii_case("content-type"))
            .collect();
        add_cors(&mut headers, p.cors.as_deref(), &expose);
        audit.status = Some(upstream.status);
        audit.code = code.filter(|c| *c < 0);
        Some(Finished {
            response: HttpResponse {
                status: upstream.status,
                headers,
                body: String::new(),
            },
            pass_body: true,
            audit: (p.endpoint.kind != Kind::Read).then_some(audit),
            resync,
            error: None,
        })
    }

    /// The answer when the upstream exchange failed. For an order placement that may have
    /// arrived (timeout, broken connection) the answer says the status is unknown.
    pub fn fail(&mut self, id: u64, failure: UpstreamFailure, now_ms: u64) -> Option<Finished> {
        let p = self.pending.remove(&id)?;
        self.stats.upstream_failures += 1;
        let place = p.endpoint.kind == Kind::Place;
        let reason = match failure {
            UpstreamFailure::Timeout => Reason::UpstreamTimeout { place },
            UpstreamFailure::Unreachable => Reason::UpstreamUnreachable,
            UpstreamFailure::Broken => Reason::UpstreamFailed { place },
            UpstreamFailure::TooLarge => Reason::UpstreamTooLarge,
        };
        if matches!(
            failure,
            UpstreamFailure::Timeout | UpstreamFailure::Unreachable
        ) {
            self.upstream_ok = Some(false);
        }
        *self.stats.refused.entry(reason.code()).or_default() += 1;
        let mut audit = p.audit;
        audit.latency_ms = Some(now_ms.saturating_sub(p.started_ms));
        audit.status = Some(reason.status());
        audit.error = Some(reason.code());
        Some(Finished {
            response: refusal_response(&reason, p.cors.as_deref()),
            pass_body: false,
            audit: (p.endpoint.kind != Kind::Read).then_some(audit),
            resync: false,
            error: Some(reason.code()),
        })
    }

    // ---- server time -------------------------------------------------------------------

    /// Whether the offset must be (re-)measured before the next signed request: never
    /// measured, upstream said -1021, or older than the resync interval. False while
    /// upstream asked us to hold.
    #[must_use]
    pub fn needs_time_sync(&self, now_ms: u64) -> bool {
        now_ms >= self.hold_until_ms
            && (self.needs_sync
                || self
                    .synced_at_ms
                    .is_none_or(|t| now_ms.saturating_sub(t) >= self.cfg.limits.time_resync_ms))
    }

    /// The server-time request (`GET {upstream}/fapi/v1/time` or `/api/v3/time`), or `None`
    /// while holding or out of budget.
    pub fn time_request(&mut self, now_ms: u64) -> Option<(String, HttpRequest)> {
        self.check_hold(now_ms).ok()?;
        self.charge(1, now_ms).ok()?;
        let req = HttpRequest::new(Method::Get, self.cfg.upstream.market.time_path());
        Some((format!("{}{}", self.cfg.upstream.url, req.path), req))
    }

    /// Record a server-time answer: offset = serverTime − midpoint(sent, received).
    ///
    /// # Errors
    /// A message when the answer is not a 200 `{"serverTime": n}` or the times are reversed.
    pub fn observe_time(
        &mut self,
        sent_ms: u64,
        received_ms: u64,
        resp: &HttpResponse,
    ) -> Result<i64, String> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Time {
            server_time: u64,
        }
        if resp.status != 200 {
            self.upstream_ok = Some(resp.status < 500);
            return Err(format!("server time: HTTP {}", resp.status));
        }
        let t: Time = serde_json::from_str(&resp.body)
            .map_err(|_| "server time: unexpected answer".to_owned())?;
        if received_ms < sent_ms {
            return Err("server time: clock went backwards".into());
        }
        let mid = sent_ms + (received_ms - sent_ms) / 2;
        let server = i64::try_from(t.server_time).map_err(|_| "server time out of range")?;
        let mid = i64::try_from(mid).map_err(|_| "local time out of range")?;
        self.offset_ms = server - mid;
        self.synced_at_ms = Some(received_ms);
        self.needs_sync = false;
        self.upstream_ok = Some(true);
        self.stats.time_syncs += 1;
        Ok(self.offset_ms)
    }

    /// The time sync could not reach upstream.
    pub fn time_sync_failed(&mut self) {
        self.upstream_ok = Some(false);
    }

    fn health(&self, cors: Option<&str>, now_ms: u64) -> HttpResponse {
        let u = &self.cfg.upstream;
        let body = json!({
            "ok": self.upstream_ok == Some(true),
            "upstream": { "name": u.name, "market": u.market.as_str(), "url": u.url },
            "serverTimeOffsetMs": self.offset_ms,
            "timeSynced": self.synced_at_ms.is_some(),
            "recvWindowMs": self.cfg.recv_window_ms,
            "rateLimitedForMs": self.hold_until_ms.saturating_sub(now_ms),
        });
        let mut r = HttpResponse::json(200, body.to_string());
        r.headers.push(("Cache-Control".into(), "no-store".into()));
        add_cors(&mut r.headers, cors, &[]);
        r
    }
}

/// Milliseconds until the next clock minute (1..=60 000).
fn ms_to_next_minute(now_ms: u64) -> u64 {
    MINUTE_MS - now_ms % MINUTE_MS
}

/// Upstream headers the client sees unchanged.
fn pass_through(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l == "content-type"
        || l == "retry-after"
        || l.starts_with("x-mbx-used-weight-")
        || l.starts_with("x-mbx-order-count-")
}

fn add_cors(headers: &mut Vec<(String, String)>, origin: Option<&str>, expose: &[String]) {
    if let Some(o) = origin {
        headers.push(("Access-Control-Allow-Origin".into(), o.to_owned()));
        headers.push(("Vary".into(), "Origin".into()));
        let mut names: Vec<&str> = expose.iter().map(String::as_str).collect();
        if !names.iter().any(|n| n.eq_ignore_ascii_case(PROXY_HEADER)) {
            names.push(PROXY_HEADER);
        }
        headers.push(("Access-Control-Expose-Headers".into(), names.join(", ")));
    }
}

/// The JSON refusal for a reason, with CORS headers when `origin` is allowed.
#[must_use]
pub fn refusal_response(reason: &Reason, origin: Option<&str>) -> HttpResponse {
    let mut r = HttpResponse::json(reason.status(), reason.body());
    r.headers.push((PROXY_HEADER.into(), "refused".into()));
    r.headers.push(("Cache-Control".into(), "no-store".into()));
    r.headers
        .push(("X-Content-Type-Options".into(), "nosniff".into()));
    let mut expose = Vec::new();
    if let Some(s) = reason.retry_after_s() {
        r.headers.push(("Retry-After".into(), s.to_string()));
        expose.push("Retry-After".to_owned());
    }
    match reason {
        Reason::Unauthorized => r.headers.push((
            "WWW-Authenticate".into(),
            "Bearer realm=\"iftb-proxy\"".into(),
        )),
        Reason::MethodNotAllowed => r
            .headers
            .push(("Allow".into(), "GET, POST, DELETE, OPTIONS".into())),
        _ => {}
    }
    add_cors(&mut r.headers, origin, &expose);
    r
}
