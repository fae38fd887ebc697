//! Reading the options objects of `PaperTrader` and `FastPaper` into the core's configuration.

use crate::convert::{self, get};
use crate::error::JsResult;
use iftb_core::{
    Bracket, BracketTable, Money, PaperConfig, Rate, Symbol, ValidationError, MAX_LEVERAGE,
};
use wasm_bindgen::prelude::*;

/// Read `PaperTrader` options (all optional) into a core configuration.
pub(crate) fn paper_config(options: &JsValue) -> JsResult<PaperConfig> {
    let mut c = PaperConfig::default();
    if options.is_undefined() || options.is_null() {
        return Ok(c);
    }
    let o = convert::object(options, "options")?;
    if let Some(v) = convert::opt_decimal("initialBalance", &get(o, "initialBalance"))? {
        c.initial_balance = Money(v);
    }
    for (key, field) in [
        ("makerFee", &mut c.maker_fee),
        ("takerFee", &mut c.taker_fee),
        ("slippage", &mut c.slippage),
    ] {
        if let Some(v) = convert::opt_decimal(key, &get(o, key))? {
            *field = Rate(v);
        }
    }
    if let Some(v) = convert::leverage(&get(o, "defaultLeverage"), MAX_LEVERAGE)? {
        c.default_leverage = v;
    }
    let brackets = get(o, "brackets");
    if !brackets.is_undefined() && !brackets.is_null() {
        let b = convert::object(&brackets, "options.brackets")?;
        for name in convert::keys(b, "options.brackets")? {
            let table = bracket_table(&get(b, &name))?;
            if name == "default" {
                c.default_brackets = table;
            } else {
                c.brackets.insert(Symbol::parse(&name)?, table);
            }
        }
    }
    c.validate()?;
    Ok(c)
}

fn bracket_table(v: &JsValue) -> JsResult<BracketTable> {
    if !convert::is_array(v, "a bracket table")? {
        return Err(ValidationError::InvalidConfig(
            "a bracket table must be an array of {notionalFloor, notionalCap, maxLeverage, maintMarginRatio, cum}".into(),
        )
        .into());
    }
    convert::array(v, "a bracket table")?
        .iter()
        .map(|row| {
            Ok(Bracket {
                notional_floor: convert::decimal("notionalFloor", &get(&row, "notionalFloor"))?,
                notional_cap: convert::decimal("notionalCap", &get(&row, "notionalCap"))?,
                max_leverage: convert::leverage(&get(&row, "maxLeverage"), MAX_LEVERAGE)?
                    .unwrap_or(MAX_LEVERAGE),
                maint_margin_ratio: convert::decimal(
                    "maintMarginRatio",
                    &get(&row, "maintMarginRatio"),
                )?,
                cum: convert::decimal("cum", &get(&row, "cum"))?,
            })
        })
        .collect::<JsResult<Vec<_>>>()
        .map(BracketTable)
}
