//! `SigningProxy`: the core's signing-proxy policy for the Node shell (`server/proxy.mjs`).
//! Node-only (cargo feature `server`): pkg/web does not contain it.
//!
//! The shell hands every request to [`SigningProxy::decide`] and does what the answer says:
//! write a preflight/refusal/reply, or send the signed request upstream and pass the result
//! to `finish` / `fail`. The secret stays inside this object (wasm memory); what comes out
//! is the signed request (signature and API key header, for the transport only), answers
//! for the client and audit lines, none of which contain the secret.

use crate::error::{Error, JsResult};
use iftb_core::binance::HttpResponse;
use iftb_core::proxy::{
    self, check_bind_address, resolve_credentials, ConfigError, CredentialSource, Decision,
    Finished, Forward, Incoming, Limits, ProxyConfig, Reason, Refusal, Upstream, UpstreamFailure,
    DEFAULT_ORIGINS, DEFAULT_RECV_WINDOW_MS,
};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
/** Options of `new SigningProxy(...)` (the Node shell fills them from the CLI and `.env`). */
export interface SigningProxyOptions {
  /** local (default) | binance-spot | binance-usdm | spot-testnet | usdm-demo. */
  upstream?: string;
  /** Explicit upstream base URL (needs `market`; with upstream "local": the local exchange's URL). */
  upstreamUrl?: string;
  /** binance-spot | binance-usdm (the local exchange: default binance-usdm). */
  market?: string;
  /** Port actually listened on (for the Host check). */
  port: number;
  /** Per-run access token, at least 32 characters of [A-Za-z0-9-_.~]. */
  token: string;
  /** Exact browser origins allowed (default http://127.0.0.1:8080, http://localhost:8080). */
  allowedOrigins?: string[];
  /** Extra host names accepted in the Host header (the bind address with allowRemote). */
  extraHosts?: string[];
  /** recvWindow appended to signed requests (ms, default 5000, at most 60000). */
  recvWindow?: number;
  apiKey?: string;
  apiSecret?: string;
  /** Text of the .env file (BINANCE_API_KEY / BINANCE_API_SECRET). */
  dotenv?: string;
  maxBodyBytes?: number;
  maxParams?: number;
  maxPending?: number;
  authFailuresPerMinute?: number;
  /** Request weight sent upstream per minute (default 2000 USD-M, 5000 Spot). */
  weightPerMinute?: number;
}
/** A response the shell writes: headers as a flat [name, value, ...] list for writeHead. */
export interface ProxyAnswer {
  type: "preflight" | "reply" | "refuse";
  status: number;
  headers: string[];
  body: string;
  /** PROXY_... for refusals. */
  code?: string;
  /** One JSON line for the audit log. */
  audit?: string;
}
/** A request to send upstream. url, headers and body carry the signature and API key: never log them. */
export interface ProxyForward {
  type: "forward";
  id: number;
  method: string;
  /** Path only (safe to log). */
  path: string;
  kind: "read" | "place" | "cancel" | "setting";
  signed: boolean;
  url: string;
  headers: string[];
  body: string;
}
/** The answer after upstream: body null = write the upstream body bytes unchanged. */
export interface ProxyFinished {
  status: number;
  headers: string[];
  body: string | null;
  code?: string;
  audit?: string;
  resync: boolean;
}
"#;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Options {
    upstream: Option<String>,
    upstream_url: Option<String>,
    market: Option<String>,
    port: u16,
    token: String,
    allowed_origins: Option<Vec<String>>,
    extra_hosts: Option<Vec<String>>,
    recv_window: Option<u64>,
    api_key: Option<String>,
    api_secret: Option<String>,
    dotenv: Option<String>,
    max_body_bytes: Option<usize>,
    max_params: Option<usize>,
    max_pending: Option<usize>,
    auth_failures_per_minute: Option<u32>,
    weight_per_minute: Option<u32>,
}

const OPTION_NAMES: &[&str] = &[
    "upstream",
    "upstreamUrl",
    "market",
    "port",
    "token",
    "allowedOrigins",
    "extraHosts",
    "recvWindow",
    "apiKey",
    "apiSecret",
    "dotenv",
    "maxBodyBytes",
    "maxParams",
    "maxPending",
    "authFailuresPerMinute",
    "weightPerMinute",
];

fn config_error(e: &ConfigError) -> Error {
    Error::new("ProxyError", e.code(), &e.to_string())
}

fn invalid(msg: &str) -> Error {
    Error::new("ProxyError", "PROXY_CONFIG_INVALID", msg)
}

fn to_js<T: Serialize + ?Sized>(v: &T) -> JsResult<JsValue> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::new("ProxyError", "INTERNAL", &e.to_string()))
}

fn ms(v: f64) -> u64 {
    // Date.now(): finite, positive, far below 2^53; anything else reads as 0.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    if v.is_finite() && v > 0.0 {
        v as u64
    } else {
        0
    }
}

fn pairs(flat: &[String]) -> Vec<(String, String)> {
    flat.chunks(2)
        .map(|c| (c[0].clone(), c.get(1).cloned().unwrap_or_default()))
        .collect()
}

fn flat(headers: &[(String, String)]) -> Vec<String> {
    headers
        .iter()
        .flat_map(|(k, v)| [k.clone(), v.clone()])
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    #[serde(rename = "type")]
    kind: &'static str,
    status: u16,
    headers: Vec<String>,
    body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audit: Option<String>,
}

impl Answer {
    fn of(kind: &'static str, r: HttpResponse) -> Self {
        Self {
            kind,
            status: r.status,
            headers: flat(&r.headers),
            body: r.body,
            code: None,
            audit: None,
        }
    }
    fn refusal(r: Refusal) -> Self {
        Self {
            code: Some(r.reason.code()),
            audit: r.audit.map(|a| a.to_json()),
            ..Self::of("refuse", r.response)
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ForwardJs {
    #[serde(rename = "type")]
    kind_tag: &'static str,
    id: u64,
    method: &'static str,
    path: String,
    kind: &'static str,
    signed: bool,
    url: String,
    headers: Vec<String>,
    body: String,
}

impl From<Forward> for ForwardJs {
    fn from(f: Forward) -> Self {
        Self {
            kind_tag: "forward",
            id: f.id,
            method: f.request.method().as_str(),
            kind: f.audit.kind.unwrap_or("read"),
            signed: f.signed,
            url: f.url,
            headers: flat(&f.request.headers),
            body: f.request.body,
            path: f.request.path,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FinishedJs {
    status: u16,
    headers: Vec<String>,
    body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audit: Option<String>,
    resync: bool,
}

impl From<Finished> for FinishedJs {
    fn from(f: Finished) -> Self {
        Self {
            status: f.response.status,
            headers: flat(&f.response.headers),
            body: (!f.pass_body).then_some(f.response.body),
            code: f.error,
            audit: f.audit.map(|a| a.to_json()),
            resync: f.resync,
        }
    }
}

/// The signing proxy's decisions (see the module docs and `server/proxy.mjs`).
#[wasm_bindgen]
pub struct SigningProxy {
    inner: proxy::SigningProxy,
    source: CredentialSource,
}

#[wasm_bindgen]
impl SigningProxy {
    /// Build from options (see `SigningProxyOptions`). Throws `ProxyError` with a code:
    /// `PROXY_CONFIG_INVALID`, `PROXY_NO_CREDENTIALS`, `PROXY_ENV_INVALID`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "SigningProxyOptions")] options: JsValue,
    ) -> JsResult<SigningProxy> {
        if options.is_object() {
            for key in js_sys::Object::keys(&js_sys::Object::from(options.clone())).iter() {
                let key = key.as_string().unwrap_or_default();
                if !OPTION_NAMES.contains(&key.as_str()) {
                    return Err(invalid(&format!(
                        "unknown SigningProxy option {key:?} (known: {})",
                        OPTION_NAMES.join(", ")
                    )));
                }
            }
        }
        let o: Options = serde_wasm_bindgen::from_value(options)
            .map_err(|e| invalid(&format!("SigningProxy options: {e}")))?;
        let upstream = Upstream::resolve(
            o.upstream.as_deref(),
            o.upstream_url.as_deref(),
            o.market.as_deref(),
        )
        .map_err(|e| config_error(&e))?;
        let (credentials, source) = resolve_credentials(
            &upstream,
            o.api_key.as_deref(),
            o.api_secret.as_deref(),
            o.dotenv.as_deref(),
        )
        .map_err(|e| config_error(&e))?;
        let mut cfg = ProxyConfig::new(upstream, o.port, &o.token, credentials);
        cfg.allowed_origins = o
            .allowed_origins
            .unwrap_or_else(|| DEFAULT_ORIGINS.iter().map(|s| (*s).to_owned()).collect());
        cfg.extra_hosts = o.extra_hosts.unwrap_or_default();
        cfg.recv_window_ms = o.recv_window.unwrap_or(DEFAULT_RECV_WINDOW_MS);
        let d = Limits::default();
        cfg.limits = Limits {
            max_body_bytes: o.max_body_bytes.unwrap_or(d.max_body_bytes),
            max_params: o.max_params.unwrap_or(d.max_params),
            max_pending: o.max_pending.unwrap_or(d.max_pending),
            auth_failures_per_minute: o
                .auth_failures_per_minute
                .unwrap_or(d.auth_failures_per_minute),
            weight_per_minute: o.weight_per_minute.unwrap_or(d.weight_per_minute),
            ..d
        };
        let inner = proxy::SigningProxy::new(cfg).map_err(|e| config_error(&e))?;
        Ok(Self { inner, source })
    }

    /// Throws `PROXY_REMOTE_BIND_REFUSED` unless `host` is a loopback address or
    /// `allowRemote` is true.
    #[wasm_bindgen(js_name = checkBindAddress)]
    pub fn check_bind_address(host: &str, allow_remote: bool) -> JsResult<()> {
        check_bind_address(host, allow_remote).map_err(|e| config_error(&e))
    }

    /// What the proxy runs with (no secrets): upstream, credential source, origins, limits.
    #[wasm_bindgen(
        getter,
        unchecked_return_type = "{ upstream: { name: string, market: string, url: string, local: boolean }, credentialSource: string, allowedOrigins: string[], recvWindowMs: number, weightPerMinute: number, maxBodyBytes: number }"
    )]
    pub fn info(&self) -> JsResult<JsValue> {
        #[derive(Serialize)]
        struct UpstreamInfo<'a> {
            name: &'a str,
            market: &'a str,
            url: &'a str,
            local: bool,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Info<'a> {
            upstream: UpstreamInfo<'a>,
            credential_source: &'a str,
            allowed_origins: &'a [String],
            recv_window_ms: u64,
            weight_per_minute: u32,
            max_body_bytes: usize,
        }
        let c = self.inner.config();
        let u = &c.upstream;
        to_js(&Info {
            upstream: UpstreamInfo {
                name: &u.name,
                market: u.market.as_str(),
                url: &u.url,
                local: u.local,
            },
            credential_source: self.source.as_str(),
            allowed_origins: &c.allowed_origins,
            recv_window_ms: c.recv_window_ms,
            weight_per_minute: c.limits.weight_budget(u.market),
            max_body_bytes: c.limits.max_body_bytes,
        })
    }

    /// Decide about one request. `rawHeaders` as Node's `req.rawHeaders` (flat, repeats kept).
    #[wasm_bindgen(unchecked_return_type = "ProxyAnswer | ProxyForward")]
    pub fn decide(
        &mut self,
        method: &str,
        target: &str,
        raw_headers: Vec<String>,
        body: &[u8],
        peer: &str,
        now_ms: f64,
    ) -> JsResult<JsValue> {
        let headers = pairs(&raw_headers);
        let req = Incoming {
            method,
            target,
            headers: &headers,
            body,
            peer,
        };
        match self.inner.decide(&req, ms(now_ms)) {
            Decision::Preflight(r) => to_js(&Answer::of("preflight", r)),
            Decision::Reply(r) => to_js(&Answer::of("reply", r)),
            Decision::Refuse(r) => to_js(&Answer::refusal(r)),
            Decision::Forward(f) => to_js(&ForwardJs::from(f)),
        }
    }

    /// A refusal the shell raises itself: `PROXY_BODY_TOO_LARGE`, `PROXY_HEADERS_TOO_LARGE`,
    /// `PROXY_REQUEST_TIMEOUT`, `PROXY_BUSY`, `PROXY_METHOD_NOT_ALLOWED`, `PROXY_BAD_TARGET`,
    /// `PROXY_URI_TOO_LONG`, `PROXY_UPGRADE_REFUSED`, `PROXY_INTERNAL`.
    #[wasm_bindgen(js_name = shellRefusal, unchecked_return_type = "ProxyAnswer")]
    #[allow(clippy::too_many_arguments)]
    pub fn shell_refusal(
        &mut self,
        code: &str,
        method: &str,
        target: &str,
        raw_headers: Vec<String>,
        peer: &str,
        now_ms: f64,
    ) -> JsResult<JsValue> {
        let reason = Reason::from_code(code, self.inner.config().limits.max_body_bytes as u64)
            .ok_or_else(|| invalid(&format!("unknown shell refusal {code}")))?;
        let headers = pairs(&raw_headers);
        let req = Incoming {
            method,
            target,
            headers: &headers,
            body: b"",
            peer,
        };
        to_js(&Answer::refusal(self.inner.shell_refusal(
            reason,
            &req,
            ms(now_ms),
        )))
    }

    /// Re-sign a pending request with a fresh timestamp (after a time sync).
    #[wasm_bindgen(unchecked_return_type = "ProxyForward | undefined")]
    pub fn resign(&mut self, id: f64, now_ms: f64) -> JsResult<JsValue> {
        match self.inner.resign(ms(id), ms(now_ms)) {
            Some(f) => to_js(&ForwardJs::from(f)),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// Forget a pending request that will not be sent.
    pub fn abandon(&mut self, id: f64) {
        self.inner.abandon(ms(id));
    }

    /// The answer for an upstream response. `bodyText`: the body (or its first 64 KiB) as
    /// text, only inspected for Binance error codes; the shell writes the real bytes.
    #[wasm_bindgen(unchecked_return_type = "ProxyFinished")]
    pub fn finish(
        &mut self,
        id: f64,
        status: u16,
        raw_headers: Vec<String>,
        body_text: String,
        now_ms: f64,
    ) -> JsResult<JsValue> {
        let resp = HttpResponse {
            status,
            headers: pairs(&raw_headers),
            body: body_text,
        };
        let f = self
            .inner
            .finish(ms(id), &resp, ms(now_ms))
            .ok_or_else(|| Error::new("ProxyError", "INTERNAL", "unknown request id"))?;
        to_js(&FinishedJs::from(f))
    }

    /// The answer when upstream failed: `timeout`, `unreachable`, `broken`, `too_large`.
    #[wasm_bindgen(unchecked_return_type = "ProxyFinished")]
    pub fn fail(&mut self, id: f64, failure: &str, now_ms: f64) -> JsResult<JsValue> {
        let failure = match failure {
            "timeout" => UpstreamFailure::Timeout,
            "unreachable" => UpstreamFailure::Unreachable,
            "too_large" => UpstreamFailure::TooLarge,
            _ => UpstreamFailure::Broken,
        };
        let f = self
            .inner
            .fail(ms(id), failure, ms(now_ms))
            .ok_or_else(|| Error::new("ProxyError", "INTERNAL", "unknown request id"))?;
        to_js(&FinishedJs::from(f))
    }

    /// Whether the server-time offset must be measured before the next signed request.
    #[wasm_bindgen(js_name = needsTimeSync)]
    pub fn needs_time_sync(&self, now_ms: f64) -> bool {
        self.inner.needs_time_sync(ms(now_ms))
    }

    /// `{ url, method }` of the server-time request, or undefined while holding.
    #[wasm_bindgen(js_name = timeRequest, unchecked_return_type = "{ url: string, method: string } | undefined")]
    pub fn time_request(&mut self, now_ms: f64) -> JsResult<JsValue> {
        match self.inner.time_request(ms(now_ms)) {
            Some((url, req)) => {
                #[derive(Serialize)]
                struct TimeRequest<'a> {
                    url: &'a str,
                    method: &'a str,
                }
                to_js(&TimeRequest {
                    url: &url,
                    method: req.method().as_str(),
                })
            }
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// Record a server-time answer; returns the new offset (ms). Throws
    /// `PROXY_TIME_SYNC_FAILED` for an unusable answer.
    #[wasm_bindgen(js_name = observeTime)]
    pub fn observe_time(
        &mut self,
        sent_ms: f64,
        received_ms: f64,
        status: u16,
        body_text: String,
    ) -> JsResult<f64> {
        let resp = HttpResponse {
            status,
            headers: Vec::new(),
            body: body_text,
        };
        #[allow(clippy::cast_precision_loss)]
        self.inner
            .observe_time(ms(sent_ms), ms(received_ms), &resp)
            .map(|o| o as f64)
            .map_err(|m| Error::new("ProxyError", "PROXY_TIME_SYNC_FAILED", &m))
    }

    /// The time sync could not reach upstream.
    #[wasm_bindgen(js_name = timeSyncFailed)]
    pub fn time_sync_failed(&mut self) {
        self.inner.time_sync_failed();
    }

    /// Server time minus local time (ms).
    #[wasm_bindgen(getter, js_name = serverTimeOffsetMs)]
    #[allow(clippy::cast_precision_loss)]
    pub fn server_time_offset_ms(&self) -> f64 {
        self.inner.server_time_offset_ms() as f64
    }

    /// Requests waiting for upstream.
    #[wasm_bindgen(getter, js_name = pendingCount)]
    pub fn pending_count(&self) -> u32 {
        u32::try_from(self.inner.pending_count()).unwrap_or(u32::MAX)
    }

    /// `text` with the secret, the API key and the token replaced by `[REDACTED]`.
    pub fn redact(&self, text: &str) -> String {
        self.inner.redact(text)
    }

    /// Counters: requests, preflights, forwarded, refused by code, upstream statuses.
    #[wasm_bindgen(
        unchecked_return_type = "{ requests: number, preflights: number, forwarded: number, refused: Record<string, number>, upstreamStatus: Record<string, number>, upstreamFailures: number, timeSyncs: number }"
    )]
    pub fn stats(&self) -> JsResult<JsValue> {
        to_js(self.inner.stats())
    }
}
