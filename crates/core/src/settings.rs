//! `TradingSettings`: the spec's configuration, with its defaults, readable from
//! `IFTB_`-prefixed environment variables and `.env` text.

use crate::error::ValidationError;
use crate::money::{Money, Rate};
use crate::num::parse_decimal;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Trading configuration (spec defaults: paper trading on, leverage 1, max position size 0.1,
/// max leverage 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TradingSettings {
    /// Paper (true) or live (false).
    pub paper_trading: bool,
    /// Leverage when a request gives none.
    pub default_leverage: u32,
    /// Largest position margin as a fraction of equity.
    pub max_position_size: Rate,
    /// Largest leverage.
    pub max_leverage: u32,
    /// Paper starting balance.
    pub initial_balance: Money,
    /// Maker fee rate.
    pub maker_fee: Rate,
    /// Taker fee rate.
    pub taker_fee: Rate,
    /// Slippage fraction.
    pub slippage: Rate,
    /// Largest loss in a UTC day, as a fraction of the day's starting equity (off when `None`).
    pub max_daily_loss: Option<Rate>,
    /// Largest fall from peak equity, as a fraction (off when `None`).
    pub max_drawdown: Option<Rate>,
}

impl Default for TradingSettings {
    fn default() -> Self {
        Self {
            paper_trading: true,
            default_leverage: 1,
            max_position_size: Rate(Decimal::new(1, 1)),
            max_leverage: 5,
            initial_balance: Money(Decimal::new(10_000, 0)),
            maker_fee: Rate(Decimal::new(2, 4)),
            taker_fee: Rate(Decimal::new(4, 4)),
            slippage: Rate(Decimal::new(5, 4)),
            max_daily_loss: None,
            max_drawdown: None,
        }
    }
}

fn fraction(name: &str, d: Rate) -> Result<Rate, ValidationError> {
    if d.0 > Decimal::ZERO && d.0 <= Decimal::ONE {
        Ok(d)
    } else {
        Err(ValidationError::InvalidConfig(format!(
            "{name} must be above 0 and at most 1, got {d}"
        )))
    }
}

impl TradingSettings {
    /// The paper venue's configuration for these settings.
    #[must_use]
    pub fn paper_config(&self) -> crate::paper::PaperConfig {
        crate::paper::PaperConfig {
            initial_balance: self.initial_balance,
            maker_fee: self.maker_fee,
            taker_fee: self.taker_fee,
            slippage: self.slippage,
            default_leverage: self.default_leverage,
            ..crate::paper::PaperConfig::default()
        }
    }

    /// Check every value.
    ///
    /// # Errors
    /// `INVALID_CONFIG` naming the first bad setting.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if !(1..=crate::paper::MAX_LEVERAGE).contains(&self.max_leverage) {
            return Err(ValidationError::InvalidConfig(format!(
                "maxLeverage must be 1 to {}, got {}",
                crate::paper::MAX_LEVERAGE,
                self.max_leverage
            )));
        }
        if self.default_leverage < 1 || self.default_leverage > self.max_leverage {
            return Err(ValidationError::InvalidConfig(format!(
                "defaultLeverage must be 1 to maxLeverage ({}), got {}",
                self.max_leverage, self.default_leverage
            )));
        }
        fraction("maxPositionSize", self.max_position_size)?;
        if let Some(d) = self.max_daily_loss {
            fraction("maxDailyLoss", d)?;
        }
        if let Some(d) = self.max_drawdown {
            fraction("maxDrawdown", d)?;
        }
        Ok(())
    }

    /// Apply `IFTB_*` variables (later pairs win). With `strict` (a `.env` file, which exists
    /// for this program) an unknown `IFTB_` name is an error, so a typo never silently falls
    /// back to a default; otherwise (the process environment, shared with other programs)
    /// unknown names are returned for a warning.
    ///
    /// # Errors
    /// `INVALID_CONFIG` naming the variable.
    pub fn apply_env<'a>(
        &mut self,
        vars: impl IntoIterator<Item = (&'a str, &'a str)>,
        strict: bool,
    ) -> Result<Vec<String>, ValidationError> {
        let mut unknown = Vec::new();
        for (key, value) in vars {
            let Some(name) = key.strip_prefix("IFTB_") else {
                continue;
            };
            let bad = |what: &str| {
                ValidationError::InvalidConfig(format!("{key}={value:?}: expected {what}"))
            };
            let dec = || parse_decimal("env", value).map_err(|_| bad("a decimal number"));
            let rate = || dec().map(Rate);
            let int = || {
                value
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| bad("a whole number"))
            };
            match name {
                "PAPER_TRADING" => {
                    self.paper_trading = match value.trim().to_ascii_lowercase().as_str() {
                        "1" | "true" | "yes" | "on" => true,
                        "0" | "false" | "no" | "off" => false,
                        _ => return Err(bad("true or false")),
                    }
                }
                "DEFAULT_LEVERAGE" => self.default_leverage = int()?,
                "MAX_LEVERAGE" => self.max_leverage = int()?,
                "MAX_POSITION_SIZE" => self.max_position_size = rate()?,
                "INITIAL_BALANCE" => self.initial_balance = Money(dec()?),
                "MAKER_FEE" => self.maker_fee = rate()?,
                "TAKER_FEE" => self.taker_fee = rate()?,
                "SLIPPAGE" => self.slippage = rate()?,
                "MAX_DAILY_LOSS" => self.max_daily_loss = Some(rate()?),
                "MAX_DRAWDOWN" => self.max_drawdown = Some(rate()?),
                // Keys for live mode and the proxy are read elsewhere.
                "API_KEY" | "API_SECRET" | "PROXY_URL" | "PROXY_TOKEN" | "BASE_URL" | "EXCHANGE"
                | "LOG_LEVEL" | "STATE_PATH" => {}
                _ if !strict => unknown.push(key.to_owned()),
                _ => {
                    return Err(ValidationError::InvalidConfig(format!(
                        "unknown setting {key} (known: IFTB_PAPER_TRADING, IFTB_DEFAULT_LEVERAGE, IFTB_MAX_LEVERAGE, IFTB_MAX_POSITION_SIZE, IFTB_INITIAL_BALANCE, IFTB_MAKER_FEE, IFTB_TAKER_FEE, IFTB_SLIPPAGE, IFTB_MAX_DAILY_LOSS, IFTB_MAX_DRAWDOWN, IFTB_LOG_LEVEL, IFTB_STATE_PATH)"
                    )))
                }
            }
        }
        self.validate()?;
        Ok(unknown)
    }
}

/// Settings given explicitly (a JS options object, already converted): each `Some` wins over
/// every other source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsPatch {
    /// `paperMode`.
    pub paper_trading: Option<bool>,
    /// `defaultLeverage`.
    pub default_leverage: Option<u32>,
    /// `maxPositionSize`.
    pub max_position_size: Option<Rate>,
    /// `maxLeverage`.
    pub max_leverage: Option<u32>,
    /// `initialBalance`.
    pub initial_balance: Option<Money>,
    /// `makerFee`.
    pub maker_fee: Option<Rate>,
    /// `takerFee`.
    pub taker_fee: Option<Rate>,
    /// `slippage`.
    pub slippage: Option<Rate>,
    /// `maxDailyLoss`.
    pub max_daily_loss: Option<Rate>,
    /// `maxDrawdown`.
    pub max_drawdown: Option<Rate>,
    /// `logLevel`.
    pub log_level: Option<String>,
    /// `statePath`.
    pub state_path: Option<String>,
}

impl SettingsPatch {
    /// Apply every given value, then check the result.
    ///
    /// # Errors
    /// `INVALID_CONFIG` naming the first bad setting.
    pub fn apply(&self, s: &mut TradingSettings) -> Result<(), ValidationError> {
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = self.$f { s.$f = v; } )* };
        }
        set!(
            paper_trading,
            default_leverage,
            max_position_size,
            max_leverage,
            initial_balance,
            maker_fee,
            taker_fee,
            slippage
        );
        if self.max_daily_loss.is_some() {
            s.max_daily_loss = self.max_daily_loss;
        }
        if self.max_drawdown.is_some() {
            s.max_drawdown = self.max_drawdown;
        }
        s.validate()
    }

    /// Whether it sets any trading setting (beyond log level and state path).
    #[must_use]
    pub fn has_settings(&self) -> bool {
        self.default_leverage.is_some()
            || self.max_position_size.is_some()
            || self.max_leverage.is_some()
            || self.initial_balance.is_some()
            || self.maker_fee.is_some()
            || self.taker_fee.is_some()
            || self.slippage.is_some()
            || self.max_daily_loss.is_some()
            || self.max_drawdown.is_some()
    }
}

/// Settings resolved from every source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedSettings {
    /// The trading settings.
    pub settings: TradingSettings,
    /// The log level (`IFTB_LOG_LEVEL`, or the patch's).
    pub log_level: Option<String>,
    /// Where to persist (`IFTB_STATE_PATH`, or the patch's).
    pub state_path: Option<String>,
    /// `IFTB_*` names in the process environment that are not settings (to warn about).
    pub ignored: Vec<String>,
}

impl TradingSettings {
    /// Resolve settings with this precedence, lowest first: the defaults, the `.env` text
    /// (strict: an unknown `IFTB_` name there is an error), the process environment's
    /// `IFTB_*` variables (unknown names are returned in `ignored`), then `patch` (explicit
    /// options). The log level and state path follow the same order.
    ///
    /// # Errors
    /// `INVALID_CONFIG` naming the bad variable, `.env` line or setting.
    pub fn resolve(
        dotenv: Option<&str>,
        env: &[(String, String)],
        patch: &SettingsPatch,
    ) -> Result<ResolvedSettings, ValidationError> {
        let mut s = Self::default();
        let mut vars: Vec<(String, String)> = Vec::new();
        if let Some(text) = dotenv {
            let file = parse_dotenv(text)?;
            s.apply_env(file.iter().map(|(k, v)| (k.as_str(), v.as_str())), true)?;
            vars.extend(file);
        }
        let env: Vec<&(String, String)> =
            env.iter().filter(|(k, _)| k.starts_with("IFTB_")).collect();
        let ignored = s.apply_env(env.iter().map(|(k, v)| (k.as_str(), v.as_str())), false)?;
        vars.extend(env.into_iter().cloned());
        let last = |name: &str| {
            vars.iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        patch.apply(&mut s)?;
        Ok(ResolvedSettings {
            settings: s,
            log_level: patch.log_level.clone().or_else(|| last("IFTB_LOG_LEVEL")),
            state_path: patch.state_path.clone().or_else(|| last("IFTB_STATE_PATH")),
            ignored,
        })
    }
}

/// Parse `.env` text: `KEY=value` lines, `#` comments, optional `export `, single or double
/// quotes around the value. Malformed lines are errors naming the line number.
///
/// # Errors
/// `INVALID_CONFIG` with the line number.
pub fn parse_dotenv(text: &str) -> Result<Vec<(String, String)>, ValidationError> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((k, v)) = line.split_once('=') else {
            return Err(ValidationError::InvalidConfig(format!(
                ".env line {}: expected KEY=value",
                n + 1
            )));
        };
        let k = k.trim();
        if k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(ValidationError::InvalidConfig(format!(
                ".env line {}: bad variable name",
                n + 1
            )));
        }
        let v = v.trim();
        let v = match v.as_bytes() {
            [q @ (b'"' | b'\''), .., last] if last == q && v.len() >= 2 => &v[1..v.len() - 1],
            _ => v.split(" #").next().unwrap_or(v).trim_end(),
        };
        out.push((k.to_owned(), v.to_owned()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_defaults() {
        let s = TradingSettings::default();
        assert!(s.paper_trading);
        assert_eq!(s.default_leverage, 1);
        assert_eq!(s.max_position_size, Rate(Decimal::new(1, 1)));
        assert_eq!(s.max_leverage, 5);
        s.validate().unwrap();
    }

    #[test]
    fn env_and_dotenv() {
        let vars = parse_dotenv(
            "# comment\nexport IFTB_MAX_LEVERAGE=10\nIFTB_MAX_POSITION_SIZE=\"0.25\"\nIFTB_PAPER_TRADING=true # inline\nOTHER=x\n",
        )
        .unwrap();
        let mut s = TradingSettings::default();
        s.apply_env(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())), true)
            .unwrap();
        assert_eq!(s.max_leverage, 10);
        assert_eq!(s.max_position_size, Rate(Decimal::new(25, 2)));
        for bad in [
            ("IFTB_MAX_LEVERAGE", "ten"),
            ("IFTB_MAX_POSITION_SIZE", "2"),
            ("IFTB_MAXLEVERAGE", "3"),
            ("IFTB_PAPER_TRADING", "maybe"),
        ] {
            let mut s = TradingSettings::default();
            assert!(s.apply_env([bad], true).is_err(), "{bad:?}");
        }
        let mut s = TradingSettings::default();
        assert_eq!(
            s.apply_env([("IFTB_LOOP_DELAY_MS", "0")], false).unwrap(),
            vec!["IFTB_LOOP_DELAY_MS"]
        );
        assert!(parse_dotenv("NOEQUALS\n").is_err());
    }

    #[test]
    fn precedence_dotenv_then_env_then_patch() {
        let env = vec![
            ("IFTB_MAX_LEVERAGE".to_owned(), "8".to_owned()),
            ("IFTB_LOG_LEVEL".to_owned(), "debug".to_owned()),
            ("IFTB_UNKNOWN".to_owned(), "1".to_owned()),
            ("PATH".to_owned(), "/bin".to_owned()),
        ];
        let patch = SettingsPatch {
            default_leverage: Some(3),
            ..SettingsPatch::default()
        };
        let r = TradingSettings::resolve(
            Some("IFTB_MAX_LEVERAGE=10\nIFTB_DEFAULT_LEVERAGE=2\nIFTB_STATE_PATH=/tmp/x\n"),
            &env,
            &patch,
        )
        .unwrap();
        assert_eq!(r.settings.max_leverage, 8, "the environment wins over .env");
        assert_eq!(r.settings.default_leverage, 3, "the patch wins over both");
        assert_eq!(r.log_level.as_deref(), Some("debug"));
        assert_eq!(r.state_path.as_deref(), Some("/tmp/x"));
        assert_eq!(r.ignored, vec!["IFTB_UNKNOWN"]);
        assert!(TradingSettings::resolve(Some("IFTB_TYPO=1\n"), &[], &patch).is_err());
    }
}
