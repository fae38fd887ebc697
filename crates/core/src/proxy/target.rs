//! Strict parsing of what a client sends: the request-target, the headers and the
//! parameters. Anything unusual is refused rather than normalised: the proxy never guesses
//! what a path "means" (reliability F3, F4).

use super::refusal::Reason;
use crate::binance::sign::{parse_form, FormError, Params};

/// An origin-form request-target: `/path` and the raw query (without `?`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target<'a> {
    /// Path: `/` then `[A-Za-z0-9_/-]`, no empty segment.
    pub path: &'a str,
    /// Raw query string (may be empty).
    pub query: &'a str,
}

/// Parse a request-target. Only origin-form is accepted: no absolute-form (`http://…`), no
/// authority-form (`CONNECT host:port`), no asterisk-form, no `%`-escapes, dots or
/// backslashes in the path, no empty segments (`//`), no fragment.
///
/// # Errors
/// [`Reason::BadTarget`] or [`Reason::UriTooLong`].
pub fn parse_target(target: &str, max_bytes: usize) -> Result<Target<'_>, Reason> {
    if target.len() > max_bytes {
        return Err(Reason::UriTooLong);
    }
    if !target.starts_with('/') {
        return Err(Reason::BadTarget(if target.contains("://") {
            "absolute URLs are refused: the proxy has one fixed upstream and never follows a client-supplied host"
        } else {
            "the request-target must be a path starting with /"
        }));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path.contains("//") {
        return Err(Reason::BadTarget("empty path segments (//) are refused"));
    }
    if path.bytes().any(|b| b == b'%') {
        return Err(Reason::BadTarget(
            "percent-escapes in the path are refused (Binance paths never need them)",
        ));
    }
    if path.bytes().any(|b| b == b'.' || b == b'\\') {
        return Err(Reason::BadTarget(
            "dots and backslashes in the path are refused",
        ));
    }
    if !path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-'))
    {
        return Err(Reason::BadTarget(
            "the path may only contain letters, digits, /, _ and -",
        ));
    }
    if path.len() > 1 && path.ends_with('/') {
        return Err(Reason::BadTarget("trailing slashes are refused"));
    }
    if !query.bytes().all(query_byte_ok) {
        return Err(Reason::BadTarget(
            "the query contains a character that must be percent-encoded (space, #, quotes, <>, \\, ^, `, {|}, control or non-ASCII)",
        ));
    }
    Ok(Target { path, query })
}

fn query_byte_ok(b: u8) -> bool {
    b.is_ascii_graphic()
        && !matches!(
            b,
            b'"' | b'#' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
        )
}

/// Parameter names the client may never send: the proxy adds them (timestamp, recvWindow,
/// signature) or they are credentials. Compared case-insensitively.
pub const FORBIDDEN_PARAMS: &[&str] = &[
    "signature",
    "timestamp",
    "recvwindow",
    "apikey",
    "api_key",
    "x-mbx-apikey",
    "secret",
    "secretkey",
];

/// Parameters of a request, checked and in canonical order (query first, then body, each in
/// the client's order). Refuses duplicates (within or across query and body), forbidden or
/// malformed names, oversized or control-character values, and too many parameters.
///
/// # Errors
/// The matching [`Reason`].
pub fn parse_params(
    query: &str,
    body: &str,
    max_params: usize,
    max_value_bytes: usize,
) -> Result<Params, Reason> {
    let form = |s: &str, max: usize| {
        parse_form(s, max).map_err(|e| match e {
            FormError::TooMany(_) => Reason::TooManyParams(max_params),
            FormError::BadEncoding(_) => Reason::BadParam("malformed percent-encoding".into()),
            FormError::EmptyName => Reason::BadParam("a parameter has an empty name".into()),
        })
    };
    let mut params = form(query, max_params)?;
    let from_body = form(body, max_params - params.0.len().min(max_params))?;
    if params.0.len() + from_body.0.len() > max_params {
        return Err(Reason::TooManyParams(max_params));
    }
    params.0.extend(from_body.0);
    for (i, (k, v)) in params.0.iter().enumerate() {
        let lower = k.to_ascii_lowercase();
        if FORBIDDEN_PARAMS.contains(&lower.as_str()) {
            return Err(Reason::ForgedParam(k.clone()));
        }
        if k.len() > 64 || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(Reason::BadParam(
                "parameter names may only contain letters, digits and _ (at most 64)".into(),
            ));
        }
        if v.len() > max_value_bytes {
            return Err(Reason::BadParam(format!(
                "value of {k} is longer than {max_value_bytes} bytes"
            )));
        }
        if v.chars().any(char::is_control) {
            return Err(Reason::BadParam(format!(
                "value of {k} contains control characters"
            )));
        }
        if params.0[..i].iter().any(|(o, _)| o == k) {
            return Err(Reason::DuplicateParam(k.clone()));
        }
    }
    Ok(params)
}

/// The first value of a header, or an error when it is repeated.
///
/// # Errors
/// [`Reason::DuplicateHeader`].
pub fn single_header<'a>(
    headers: &'a [(String, String)],
    name: &'static str,
) -> Result<Option<&'a str>, Reason> {
    let mut found = None;
    for (k, v) in headers {
        if k.eq_ignore_ascii_case(name) {
            if found.is_some() {
                return Err(Reason::DuplicateHeader(name));
            }
            found = Some(v.as_str());
        }
    }
    Ok(found)
}

/// The token of `Authorization: Bearer <token>`.
#[must_use]
pub fn bearer_token(authorization: Option<&str>) -> Option<&str> {
    let v = authorization?.trim();
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Whether `Content-Type` is `application/x-www-form-urlencoded` (optionally with
/// `charset=utf-8`, as browsers send for `URLSearchParams`).
#[must_use]
pub fn is_form_content_type(ct: &str) -> bool {
    let mut parts = ct.split(';').map(str::trim);
    let Some(mime) = parts.next() else {
        return false;
    };
    mime.eq_ignore_ascii_case("application/x-www-form-urlencoded")
        && parts.all(|p| {
            p.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("charset")
                    && v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            })
        })
}
