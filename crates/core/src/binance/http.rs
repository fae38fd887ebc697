//! Plain HTTP request/response values: what the sans-IO Binance code produces and consumes.
//! The host (fetch in the binding, node:http in the servers) moves the bytes.

use serde::{Deserialize, Serialize};

/// HTTP method of a Binance REST call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
}

impl Method {
    /// Wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }
    /// Parse an exact upper-case method name (anything else, `CONNECT` included, is `None`).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "GET" => Some(Self::Get),
            "POST" => Some(Self::Post),
            "PUT" => Some(Self::Put),
            "DELETE" => Some(Self::Delete),
            _ => None,
        }
    }
}

/// An HTTP request, without scheme or host (the transport adds its base URL).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HttpRequest {
    /// Method.
    pub method: Option<Method>,
    /// Absolute path, e.g. `/fapi/v1/order`.
    pub path: String,
    /// Encoded query string without the `?` (may be empty).
    pub query: String,
    /// `application/x-www-form-urlencoded` body (may be empty).
    pub body: String,
    /// Extra headers (`X-MBX-APIKEY`, `Content-Type`).
    pub headers: Vec<(String, String)>,
}

impl HttpRequest {
    /// A request with method and path.
    #[must_use]
    pub fn new(method: Method, path: &str) -> Self {
        Self {
            method: Some(method),
            path: path.to_owned(),
            ..Self::default()
        }
    }
    /// The method (GET when unset).
    #[must_use]
    pub fn method(&self) -> Method {
        self.method.unwrap_or(Method::Get)
    }
    /// Path plus `?query` when there is one.
    #[must_use]
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }
    /// A header value, looked up case-insensitively.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// An HTTP response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers (names as sent; look up with [`HttpResponse::header`]).
    pub headers: Vec<(String, String)>,
    /// Body text (JSON for Binance).
    pub body: String,
}

impl HttpResponse {
    /// A JSON response.
    #[must_use]
    pub fn json(status: u16, body: String) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body,
        }
    }
    /// A header value, looked up case-insensitively.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
