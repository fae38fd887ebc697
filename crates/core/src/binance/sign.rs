//! Binance request encoding and HMAC-SHA256 signing (binance-api.md §1).
//!
//! The signed payload is the percent-encoded query string concatenated, without a
//! separator, with the body. `signature` is appended last. The secret never leaves
//! [`Credentials`], whose `Debug` prints `REDACTED`.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt::Write as _;

type HmacSha256 = Hmac<Sha256>;

/// An ordered list of request parameters (Binance accepts any order; we keep the caller's).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// Empty list.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
    /// Append a parameter.
    pub fn push(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.0.push((key.to_owned(), value.into()));
        self
    }
    /// Append a parameter when present.
    pub fn push_opt(&mut self, key: &str, value: Option<impl Into<String>>) -> &mut Self {
        if let Some(v) = value {
            self.push(key, v);
        }
        self
    }
    /// First value of a key.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    /// Whether a key is present.
    #[must_use]
    pub fn contains(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }
    /// `k=v&k=v`, percent-encoded.
    #[must_use]
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            percent_encode_into(&mut out, k);
            out.push('=');
            percent_encode_into(&mut out, v);
        }
        out
    }
}

/// Percent-encode everything except the unreserved set `A-Z a-z 0-9 - _ . ~`.
#[must_use]
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    percent_encode_into(&mut out, s);
    out
}

fn percent_encode_into(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// Why a form/query string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// A `%` not followed by two hex digits, or bytes that are not UTF-8 once decoded.
    #[error("malformed percent-encoding in {0:?}")]
    BadEncoding(String),
    /// More parameters than allowed.
    #[error("too many parameters (more than {0})")]
    TooMany(usize),
    /// An empty parameter name.
    #[error("empty parameter name")]
    EmptyName,
}

/// Decode `application/x-www-form-urlencoded` text (`+` is a space).
///
/// # Errors
/// [`FormError::BadEncoding`].
pub fn percent_decode(s: &str) -> Result<String, FormError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| FormError::BadEncoding(s.to_owned()))?;
                out.push(hex);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| FormError::BadEncoding(s.to_owned()))
}

/// Parse a query string or form body into decoded pairs, in order, keeping duplicates
/// (callers decide whether a duplicate is an error). At most `max_params` pairs.
///
/// # Errors
/// Bad encoding, an empty name, or too many parameters.
pub fn parse_form(s: &str, max_params: usize) -> Result<Params, FormError> {
    let mut out = Params::new();
    if s.is_empty() {
        return Ok(out);
    }
    for part in s.split('&') {
        if part.is_empty() {
            continue;
        }
        if out.0.len() >= max_params {
            return Err(FormError::TooMany(max_params));
        }
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let k = percent_decode(k)?;
        if k.is_empty() {
            return Err(FormError::EmptyName);
        }
        out.0.push((k, percent_decode(v)?));
    }
    Ok(out)
}

/// Hex HMAC-SHA256 of `payload` under `secret`.
#[must_use]
pub fn hmac_sha256_hex(secret: &[u8], payload: &[u8]) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    mac.update(payload);
    let tag = mac.finalize().into_bytes();
    let mut out = String::with_capacity(64);
    for b in tag {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Constant-time check of a hex signature (case-insensitive, as Binance accepts).
#[must_use]
pub fn verify_hmac_sha256_hex(secret: &[u8], payload: &[u8], signature_hex: &str) -> bool {
    let Some(sig) = decode_hex(signature_hex) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(secret) else {
        return false;
    };
    mac.update(payload);
    mac.verify_slice(&sig).is_ok()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Constant-time equality of two byte strings (for access tokens).
#[must_use]
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // Compare HMACs of both under a fixed key: equal-length digests, compared in constant
    // time by `verify_slice`, so neither length nor content leaks through timing.
    let Ok(mut mac) = HmacSha256::new_from_slice(b"iftb-token-compare") else {
        return false;
    };
    mac.update(a);
    let Ok(mut other) = HmacSha256::new_from_slice(b"iftb-token-compare") else {
        return false;
    };
    other.update(b);
    mac.verify_slice(&other.finalize().into_bytes()).is_ok()
}

/// API key and secret. `Debug` never prints them.
#[derive(Clone)]
pub struct Credentials {
    api_key: String,
    secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(REDACTED)")
    }
}

impl Drop for Credentials {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

impl Credentials {
    /// Key and secret (both case-sensitive).
    #[must_use]
    pub fn new(api_key: &str, secret: &str) -> Self {
        Self {
            api_key: api_key.to_owned(),
            secret: secret.to_owned(),
        }
    }
    /// The API key (sent in `X-MBX-APIKEY`; not a secret, but still never logged by us).
    #[must_use]
    pub fn api_key(&self) -> &str {
        &self.api_key
    }
    /// Signature of a payload.
    #[must_use]
    pub fn sign(&self, payload: &str) -> String {
        hmac_sha256_hex(self.secret.as_bytes(), payload.as_bytes())
    }
    /// Constant-time check of a signature.
    #[must_use]
    pub fn verify(&self, payload: &str, signature: &str) -> bool {
        verify_hmac_sha256_hex(self.secret.as_bytes(), payload.as_bytes(), signature)
    }
    /// Whether `text` contains the secret (used by tests and by output scrubbing).
    #[must_use]
    pub fn leaks_in(&self, text: &str) -> bool {
        !self.secret.is_empty() && text.contains(&self.secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

    #[test]
    fn binance_documented_vectors() {
        let creds = Credentials::new("k", SECRET);
        assert_eq!(
            creds.sign("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
        );
        assert_eq!(
            creds.sign("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"),
            "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
        );
        let mut p = Params::new();
        p.push("symbol", "１２３４５６")
            .push("side", "BUY")
            .push("type", "LIMIT")
            .push("timeInForce", "GTC")
            .push("quantity", "1")
            .push("price", "0.1")
            .push("recvWindow", "5000")
            .push("timestamp", "1499827319559");
        let payload = p.encode();
        assert!(payload.starts_with("symbol=%EF%BC%91%EF%BC%92"));
        assert_eq!(
            creds.sign(&payload),
            "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
        );
        assert!(creds.verify(
            &payload,
            "E1353EC6B14D888F1164AE9AF8228A3DBD508BC82EB867DB8AB6046442F33EF3"
        ));
        assert!(!creds.verify(&payload, "00"));
        assert_eq!(format!("{creds:?}"), "Credentials(REDACTED)");
    }

    #[test]
    fn form_round_trip_and_errors() {
        let mut p = Params::new();
        p.push("symbols", "[\"BTCUSDT\",\"ETH USDT\"]")
            .push("a", "b&c=d");
        let enc = p.encode();
        assert_eq!(parse_form(&enc, 10).unwrap(), p);
        assert!(parse_form("a=%zz", 10).is_err());
        assert!(parse_form("a=%C3", 10).is_err());
        assert!(parse_form("=x", 10).is_err());
        assert!(parse_form("a=1&b=2&c=3", 2).is_err());
        assert_eq!(parse_form("a=1+2", 10).unwrap().get("a"), Some("1 2"));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
