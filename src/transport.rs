//! `fetch` transport for the live client (gloo-net; works in browsers and in Node ≥ 18,
//! whose global `fetch` it uses). Timeouts abort the request with an `AbortController`.

use iftb_core::binance::{HttpRequest, HttpResponse, Method};
use iftb_core::live::{Transport, TransportError};
use wasm_bindgen::JsCast;

/// Sends requests to `base_url` (the exchange, or the signing proxy with a bearer token).
#[derive(Debug, Clone)]
pub struct FetchTransport {
    base_url: String,
    bearer: Option<String>,
}

impl FetchTransport {
    /// A transport to a base URL (no trailing slash needed).
    pub fn new(base_url: &str, bearer: Option<String>) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            bearer,
        }
    }
}

fn js_message(e: &gloo_net::Error) -> String {
    match e {
        gloo_net::Error::JsError(j) => j.message.clone(),
        other => other.to_string(),
    }
}

impl Transport for FetchTransport {
    async fn send(
        &self,
        req: HttpRequest,
        timeout_ms: u64,
    ) -> Result<HttpResponse, TransportError> {
        let url = format!("{}{}", self.base_url, req.path_and_query());
        let controller = web_sys::AbortController::new()
            .map_err(|_| TransportError::Failed("AbortController is not available".into()))?;
        let signal = controller.signal();
        let mut b = gloo_net::http::RequestBuilder::new(&url)
            .method(match req.method() {
                Method::Get => gloo_net::http::Method::GET,
                Method::Post => gloo_net::http::Method::POST,
                Method::Put => gloo_net::http::Method::PUT,
                Method::Delete => gloo_net::http::Method::DELETE,
            })
            .abort_signal(Some(&signal));
        for (k, v) in &req.headers {
            b = b.header(k, v);
        }
        if let Some(t) = &self.bearer {
            b = b.header("Authorization", &format!("Bearer {t}"));
        }
        let request = if req.body.is_empty() {
            b.build()
        } else {
            b.body(req.body.clone())
        }
        .map_err(|e| TransportError::Failed(js_message(&e)))?;
        let ms = u32::try_from(timeout_ms).unwrap_or(u32::MAX);
        let abort = controller.clone();
        let timer = gloo_timers::callback::Timeout::new(ms, move || abort.abort());
        let sent = request.send().await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                drop(timer);
                return Err(if signal.aborted() {
                    TransportError::Timeout
                } else {
                    TransportError::Failed(js_message(&e))
                });
            }
        };
        let status = resp.status();
        let headers: Vec<(String, String)> = resp.headers().entries().collect();
        let body = resp.text().await;
        drop(timer);
        let body = body.map_err(|e| {
            if signal.aborted() {
                TransportError::Timeout
            } else {
                TransportError::Failed(js_message(&e))
            }
        })?;
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }

    async fn sleep(&self, ms: u64) {
        gloo_timers::future::TimeoutFuture::new(u32::try_from(ms).unwrap_or(u32::MAX)).await;
    }

    fn now_ms(&self) -> i64 {
        // Date.now() is a whole number of ms well inside i64.
        #[allow(clippy::cast_possible_truncation)]
        let ms = js_sys::Date::now() as i64;
        ms
    }
}

/// Whether this runs in a page (a `window` with a `document`), where secrets must not be.
pub fn in_browser_page() -> bool {
    let g = js_sys::global();
    js_sys::Reflect::get(&g, &"document".into()).is_ok_and(|d| !d.is_undefined())
        && g.dyn_ref::<js_sys::Object>().is_some()
}
