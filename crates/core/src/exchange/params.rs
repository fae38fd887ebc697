//! Reading request parameters the way Binance does: query and body merged (the query wins
//! when a name is in both), duplicates within one of them refused, decimals as plain text.

use super::reply::{extra, ApiError};
use crate::binance::errors::code;
use crate::binance::sign::{parse_form, Params};
use crate::types::{Side, Symbol};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::str::FromStr;

/// Most parameters one request may carry.
pub const MAX_PARAMS: usize = 64;

/// The parameters of one request, decoded, without `signature`.
#[derive(Debug, Clone, Default)]
pub struct Req {
    /// Merged parameters in arrival order (query first).
    pub params: Params,
    /// The `signature` value, when sent.
    pub signature: Option<String>,
}

fn no_duplicates(p: &Params) -> Result<(), ApiError> {
    for (i, (k, _)) in p.0.iter().enumerate() {
        if p.0[..i].iter().any(|(o, _)| o == k) {
            return Err(ApiError::bad(
                extra::TOO_MANY_PARAMETERS,
                "Duplicate values for a parameter detected.",
            ));
        }
    }
    Ok(())
}

impl Req {
    /// Merge query and body.
    ///
    /// # Errors
    /// -1100 for malformed encoding, -1101 for duplicates or too many parameters.
    pub fn parse(query: &str, body: &str) -> Result<Self, ApiError> {
        let parse = |s: &str| {
            parse_form(s, MAX_PARAMS).map_err(|e| match e {
                crate::binance::sign::FormError::TooMany(n) => ApiError::bad(
                    extra::TOO_MANY_PARAMETERS,
                    format!("Too many parameters; expected at most '{n}'."),
                ),
                _ => ApiError::bad(
                    code::ILLEGAL_CHARS,
                    "Illegal characters found in a parameter.",
                ),
            })
        };
        let q = parse(query)?;
        let b = parse(body)?;
        no_duplicates(&q)?;
        no_duplicates(&b)?;
        let mut params = q;
        for (k, v) in b.0 {
            if !params.contains(&k) {
                params.0.push((k, v));
            }
        }
        let signature = params.get("signature").map(str::to_owned);
        params.0.retain(|(k, _)| k != "signature");
        Ok(Self { params, signature })
    }

    /// A parameter; an empty value counts as absent.
    #[must_use]
    pub fn get(&self, k: &str) -> Option<&str> {
        self.params.get(k).filter(|v| !v.is_empty())
    }

    /// A mandatory parameter.
    ///
    /// # Errors
    /// -1102.
    pub fn required(&self, k: &str) -> Result<&str, ApiError> {
        self.get(k).ok_or_else(|| ApiError::mandatory(k))
    }

    /// An optional plain decimal (`^([0-9]{1,20})(\.[0-9]{1,20})?$`).
    ///
    /// # Errors
    /// -1100 for anything else.
    pub fn decimal(&self, k: &str) -> Result<Option<Decimal>, ApiError> {
        self.get(k).map(|v| plain_decimal(k, v)).transpose()
    }

    /// A mandatory plain decimal.
    ///
    /// # Errors
    /// -1102 when missing, -1100 when malformed.
    pub fn required_decimal(&self, k: &str) -> Result<Decimal, ApiError> {
        plain_decimal(k, self.required(k)?)
    }

    /// An optional boolean (`true`/`false`, any case).
    ///
    /// # Errors
    /// -1130 for anything else.
    pub fn boolean(&self, k: &str) -> Result<Option<bool>, ApiError> {
        match self.get(k) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid_value(k)),
        }
    }

    /// An optional whole number.
    ///
    /// # Errors
    /// -1100 when not digits (with an optional minus sign).
    pub fn integer(&self, k: &str) -> Result<Option<i64>, ApiError> {
        self.get(k)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    ApiError::bad(
                        code::ILLEGAL_CHARS,
                        format!("Illegal characters found in parameter '{k}'; legal range is '^-?[0-9]{{1,20}}$'."),
                    )
                })
            })
            .transpose()
    }

    /// `side`: BUY or SELL.
    ///
    /// # Errors
    /// -1102 when missing, -1117 otherwise.
    pub fn side(&self) -> Result<Side, ApiError> {
        match self.required("side")? {
            "BUY" => Ok(Side::Buy),
            "SELL" => Ok(Side::Sell),
            _ => Err(ApiError::bad(extra::INVALID_SIDE, "Invalid side.")),
        }
    }

    /// Parameters for the request log.
    #[must_use]
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.params.0.clone()
    }
}

/// Parse a decimal in Binance's accepted form.
///
/// # Errors
/// -1100.
pub fn plain_decimal(k: &str, v: &str) -> Result<Decimal, ApiError> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    let digits = |s: &str, min: usize| {
        s.len() >= min && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(int, 1) || (v.contains('.') && !digits(frac, 1)) {
        return Err(ApiError::illegal_decimal(k));
    }
    Decimal::from_str(v).map_err(|_| ApiError::illegal_decimal(k))
}

/// Whether `id` matches `^[a-zA-Z0-9-_]{1,36}$` (spot) or, with `futures`,
/// `^[.A-Z:/a-z0-9_-]{1,36}$`.
#[must_use]
pub fn valid_client_id(id: &str, futures: bool) -> bool {
    (1..=36).contains(&id.len())
        && id.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'-' | b'_')
                || (futures && matches!(b, b'.' | b':' | b'/'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_and_decimals() {
        let r = Req::parse("a=1&signature=abc", "a=2&b=3").unwrap();
        assert_eq!(r.get("a"), Some("1"));
        assert_eq!(r.get("b"), Some("3"));
        assert_eq!(r.signature.as_deref(), Some("abc"));
        assert!(!r.params.contains("signature"));
        assert_eq!(Req::parse("a=1&a=2", "").unwrap_err().code, -1101);
        assert!(plain_decimal("q", "0.001").is_ok());
        for bad in ["1e-3", "-1", ".5", "1.", "", "NaN", "1,5"] {
            assert_eq!(plain_decimal("q", bad).unwrap_err().code, -1100, "{bad}");
        }
        assert!(valid_client_id("x-abc_1", false));
        assert!(!valid_client_id("a.b", false));
        assert!(valid_client_id("a.b:c/d", true));
        assert!(!valid_client_id(&"a".repeat(37), true));
    }
}

/// Symbols a book lists, by exchange name (`BTCUSDT`).
#[derive(Debug, Clone, Default)]
pub struct Listing(pub HashMap<String, Symbol>);

impl Listing {
    /// Index symbols by their exchange names.
    pub fn new<'a>(symbols: impl IntoIterator<Item = &'a Symbol>) -> Self {
        Self(
            symbols
                .into_iter()
                .map(|s| (s.compact(), s.clone()))
                .collect(),
        )
    }

    /// The required `symbol` parameter, which must be listed (-1121 otherwise).
    ///
    /// # Errors
    /// Missing or unknown symbol.
    pub fn symbol(&self, req: &Req) -> Result<Symbol, ApiError> {
        let name = req.required("symbol")?;
        self.0.get(name).cloned().ok_or_else(ApiError::bad_symbol)
    }

    /// The order a `GET`/`DELETE` order request names: by `orderId` (looked up with `by_id`)
    /// or else by `origClientOrderId` (the latest visible order with it); it must belong to
    /// the request's `symbol`, be visible at `now` and, for a cancel, still be open (as
    /// `is_open` says). Not found is -2013 for a query and -2011 for a cancel.
    ///
    /// # Errors
    /// Missing ids, unknown symbol, not found.
    pub fn find_order<O: BookOrder>(
        &self,
        req: &Req,
        orders: &[O],
        by_id: impl Fn(i64) -> Option<usize>,
        is_open: impl Fn(&O) -> bool,
        now: i64,
        cancel: bool,
    ) -> Result<usize, ApiError> {
        let not_found = || {
            if cancel {
                ApiError::unknown_order()
            } else {
                ApiError::no_such_order()
            }
        };
        let symbol = self.symbol(req)?;
        let id = req.integer("orderId")?;
        let cid = req.get("origClientOrderId");
        let idx = match (id, cid) {
            (Some(id), _) => by_id(id),
            (None, Some(cid)) => orders
                .iter()
                .rposition(|o| o.client_order_id() == cid && o.visible_at() <= now),
            (None, None) => return Err(ApiError::bad(
                code::MANDATORY_PARAM_EMPTY_OR_MALFORMED,
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
            )),
        }
        .ok_or_else(not_found)?;
        let o = &orders[idx];
        if *o.symbol() != symbol
            || o.visible_at() > now
            || cid.is_some_and(|c| c != o.client_order_id())
        {
            return Err(not_found());
        }
        if cancel && !is_open(o) {
            return Err(ApiError::unknown_order());
        }
        Ok(idx)
    }

    /// The optional `symbol` parameter; when given it must be listed.
    ///
    /// # Errors
    /// Unknown symbol.
    pub fn opt_symbol(&self, req: &Req) -> Result<Option<Symbol>, ApiError> {
        match req.get("symbol") {
            None => Ok(None),
            Some(_) => self.symbol(req).map(Some),
        }
    }
}

/// What [`Listing::find_order`] reads of a book's order.
pub trait BookOrder {
    /// Its symbol.
    fn symbol(&self) -> &Symbol;
    /// Its client order id.
    fn client_order_id(&self) -> &str;
    /// When queries may see it (late-landing fault).
    fn visible_at(&self) -> i64;
}
