//! The account side of the futures book: per-symbol figures (margins, maintenance,
//! liquidation price — the ledger's), `positionRisk`, `balance`, `account`, leverage and
//! margin type, brackets and trades.

use super::wire::num;
use super::{engine_err, ok_200, Futures};
use crate::binance::errors::code;
use crate::error::EngineError;
use crate::exchange::params::Req;
use crate::exchange::reply::{extra, fixed, plain, ApiError, ApiResult};
use crate::money::Price;
use crate::types::{PositionSide, Side, Symbol};
use rust_decimal::Decimal;
use serde_json::{json, Value};

#[derive(Debug, Clone, Default)]
pub(super) struct Figures {
    pub(super) amt: Decimal,
    pub(super) entry: Decimal,
    pub(super) mark: Decimal,
    pub(super) unrealized: Decimal,
    pub(super) wallet: Decimal,
    pub(super) initial: Decimal,
    pub(super) maint: Decimal,
    pub(super) order_im: Decimal,
    pub(super) liq: Decimal,
    pub(super) leverage: u32,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Totals {
    pub(super) wallet: Decimal,
    pub(super) available: Decimal,
    pub(super) unrealized: Decimal,
    pub(super) position_im: Decimal,
    pub(super) order_im: Decimal,
    pub(super) maint: Decimal,
    pub(super) isolated_wallet: Decimal,
}

impl Futures {
    /// Per-symbol figures: (amount signed, entry, mark, unrealized, isolated wallet,
    /// position initial margin, maintenance margin, open-order initial margin, liq price).
    pub(super) fn figures(&self, s: &Symbol) -> Figures {
        let mark = self.mark(s);
        let order_im: Decimal = self
            .paper
            .open_orders()
            .filter(|o| &o.symbol == s)
            .map(|o| o.reserved.0)
            .sum();
        let leverage = self.paper.leverage_of(s);
        match self.paper.position_state(s) {
            Some(p) => {
                let sign = if p.side == PositionSide::Long {
                    Decimal::ONE
                } else {
                    -Decimal::ONE
                };
                let notional = Price(mark) * p.amount;
                let maint = self.brackets(s).maintenance_margin(notional).0;
                let initial = self
                    .paper
                    .ledger()
                    .initial_margin(Price(mark), p.amount, p.leverage)
                    .unwrap_or_default()
                    .0;
                Figures {
                    amt: sign * p.amount.0,
                    entry: p.entry_price.0,
                    mark,
                    unrealized: p.unrealized_pnl.0,
                    wallet: p.margin.0,
                    initial,
                    maint,
                    order_im,
                    liq: p.liquidation_price.unwrap_or_default().0,
                    leverage: p.leverage,
                }
            }
            None => Figures {
                mark,
                order_im,
                leverage,
                ..Figures::default()
            },
        }
    }

    pub(super) fn position_risk(&self, req: &Req, v3: bool, now: i64) -> ApiResult {
        let only = self.by_name.opt_symbol(req)?;
        let mut out = Vec::new();
        for s in self.cfg.rules.0.keys() {
            if only.as_ref().is_some_and(|o| o != s) {
                continue;
            }
            let f = self.figures(s);
            let has_orders = self
                .orders
                .iter()
                .any(|o| &o.symbol == s && self.is_open(o));
            if v3 && f.amt.is_zero() && !has_orders {
                continue;
            }
            let (pdp, qdp) = (self.pdp(s), self.qdp(s));
            let taker = self.cfg.paper.taker_fee.0;
            let break_even = if f.amt > Decimal::ZERO {
                f.entry * (Decimal::ONE + taker * Decimal::TWO)
            } else {
                f.entry * (Decimal::ONE - taker * Decimal::TWO)
            };
            let update = self.pos_update.get(s).copied().unwrap_or(0);
            let mut v = json!({
                "symbol": s.compact(),
                "positionSide": "BOTH",
                "positionAmt": fixed(f.amt, qdp),
                "entryPrice": fixed(f.entry, pdp.max(7)),
                "breakEvenPrice": fixed(if f.amt.is_zero() { Decimal::ZERO } else { break_even }, pdp.max(7)),
                "markPrice": fixed(f.mark, pdp.max(8)),
                "unRealizedProfit": fixed(f.unrealized, 8),
                "liquidationPrice": fixed(f.liq, pdp.max(8)),
                "isolatedMargin": fixed(f.wallet + f.unrealized, 8),
                "notional": fixed(f.amt * f.mark, 8),
                "isolatedWallet": fixed(f.wallet, 8),
                "updateTime": if v3 { update } else { update.max(0) },
            });
            if v3 {
                v["marginAsset"] = json!("USDT");
                v["initialMargin"] = json!(fixed(f.initial + f.order_im, 8));
                v["maintMargin"] = json!(fixed(f.maint, 8));
                v["positionInitialMargin"] = json!(fixed(f.initial, 8));
                v["openOrderInitialMargin"] = json!(fixed(f.order_im, 8));
                v["adl"] = json!(0);
                v["bidNotional"] = json!("0");
                v["askNotional"] = json!("0");
            } else {
                v["marginType"] = json!(if self.is_isolated(s) {
                    "isolated"
                } else {
                    "cross"
                });
                v["isAutoAddMargin"] = json!("false");
                v["leverage"] = json!(f.leverage.to_string());
                v["maxNotionalValue"] = json!(plain(self.max_notional(s, f.leverage)));
            }
            out.push(v);
        }
        let _ = now;
        Ok(Value::Array(out))
    }

    pub(super) fn totals(&self) -> Totals {
        let mut t = Totals {
            wallet: self.paper.state().wallet.0,
            available: self.paper.free_balance().0,
            ..Totals::default()
        };
        for s in self.cfg.rules.0.keys() {
            let f = self.figures(s);
            t.unrealized += f.unrealized;
            t.position_im += f.initial;
            t.order_im += f.order_im;
            t.maint += f.maint;
            t.isolated_wallet += f.wallet;
        }
        t
    }

    pub(super) fn balance(&self, now: i64) -> Value {
        let t = self.totals();
        let _ = now;
        json!([{
            "accountAlias": "SgsR",
            "asset": "USDT",
            "balance": fixed(t.wallet, 8),
            "crossWalletBalance": fixed(t.wallet - t.isolated_wallet, 8),
            "crossUnPnl": fixed(Decimal::ZERO, 8),
            "availableBalance": fixed(t.available, 8),
            "maxWithdrawAmount": fixed(t.available, 8),
            "marginAvailable": true,
            "updateTime": self.account_update,
        }])
    }

    pub(super) fn account(&self, v3: bool, now: i64) -> Value {
        let t = self.totals();
        let _ = now;
        let margin_balance = t.wallet + t.unrealized;
        let asset = json!({
            "asset": "USDT",
            "walletBalance": fixed(t.wallet, 8),
            "unrealizedProfit": fixed(t.unrealized, 8),
            "marginBalance": fixed(margin_balance, 8),
            "maintMargin": fixed(t.maint, 8),
            "initialMargin": fixed(t.position_im + t.order_im, 8),
            "positionInitialMargin": fixed(t.position_im, 8),
            "openOrderInitialMargin": fixed(t.order_im, 8),
            "crossWalletBalance": fixed(t.wallet - t.isolated_wallet, 8),
            "crossUnPnl": fixed(Decimal::ZERO, 8),
            "availableBalance": fixed(t.available, 8),
            "maxWithdrawAmount": fixed(t.available, 8),
            "marginAvailable": true,
            "updateTime": self.account_update,
        });
        let positions: Vec<Value> = self
            .cfg
            .rules
            .0
            .keys()
            .filter_map(|s| {
                let f = self.figures(s);
                if v3 && f.amt.is_zero() {
                    return None;
                }
                let (pdp, qdp) = (self.pdp(s), self.qdp(s));
                let update = self.pos_update.get(s).copied().unwrap_or(0);
                let mut v = json!({
                    "symbol": s.compact(),
                    "positionSide": "BOTH",
                    "positionAmt": fixed(f.amt, qdp),
                    "unrealizedProfit": fixed(f.unrealized, 8),
                    "isolatedMargin": fixed(f.wallet + f.unrealized, 8),
                    "notional": fixed(f.amt * f.mark, 8),
                    "isolatedWallet": fixed(f.wallet, 8),
                    "initialMargin": fixed(f.initial + f.order_im, 8),
                    "maintMargin": fixed(f.maint, 8),
                    "updateTime": update,
                });
                if !v3 {
                    v["positionInitialMargin"] = json!(fixed(f.initial, 8));
                    v["openOrderInitialMargin"] = json!(fixed(f.order_im, 8));
                    v["leverage"] = json!(f.leverage.to_string());
                    v["isolated"] = json!(self.is_isolated(s));
                    v["entryPrice"] = json!(fixed(f.entry, pdp.max(7)));
                    v["maxNotional"] = json!(plain(self.max_notional(s, f.leverage)));
                    v["bidNotional"] = json!("0");
                    v["askNotional"] = json!("0");
                }
                Some(v)
            })
            .collect();
        let mut v = json!({
            "totalInitialMargin": fixed(t.position_im + t.order_im, 8),
            "totalMaintMargin": fixed(t.maint, 8),
            "totalWalletBalance": fixed(t.wallet, 8),
            "totalUnrealizedProfit": fixed(t.unrealized, 8),
            "totalMarginBalance": fixed(margin_balance, 8),
            "totalPositionInitialMargin": fixed(t.position_im, 8),
            "totalOpenOrderInitialMargin": fixed(t.order_im, 8),
            "totalCrossWalletBalance": fixed(t.wallet - t.isolated_wallet, 8),
            "totalCrossUnPnl": fixed(Decimal::ZERO, 8),
            "availableBalance": fixed(t.available, 8),
            "maxWithdrawAmount": fixed(t.available, 8),
            "assets": [asset],
            "positions": positions,
        });
        if !v3 {
            v["feeTier"] = json!(0);
            v["feeBurn"] = json!(false);
            v["canTrade"] = json!(true);
            v["canDeposit"] = json!(true);
            v["canWithdraw"] = json!(true);
            v["updateTime"] = json!(0);
            v["multiAssetsMargin"] = json!(false);
            v["tradeGroupId"] = json!(-1);
        }
        v
    }

    pub(super) fn set_leverage(&mut self, req: &Req, now: i64) -> ApiResult {
        let symbol = self.by_name.symbol(req)?;
        let lev = req
            .integer("leverage")?
            .ok_or_else(|| ApiError::mandatory("leverage"))?;
        let max = self.max_leverage(&symbol);
        let lev = u32::try_from(lev)
            .ok()
            .filter(|l| (1..=max).contains(l))
            .ok_or_else(|| {
                ApiError::bad(
                    code::INVALID_LEVERAGE,
                    format!("Leverage {lev} is not valid"),
                )
            })?;
        match self.paper.set_leverage(symbol.as_str(), lev) {
            Ok(()) => {}
            Err(EngineError::Order(crate::error::OrderError::LeverageLocked { .. })) => {
                return Err(ApiError::bad(
                    extra::LEVERAGE_REDUCTION_NOT_SUPPORTED,
                    "Leverage reduction is not supported in Isolated Margin Mode with open positions.",
                ))
            }
            Err(e) => return Err(engine_err(&e)),
        }
        self.account_update = now;
        Ok(json!({
            "leverage": lev,
            "maxNotionalValue": plain(self.max_notional(&symbol, lev)),
            "symbol": symbol.compact(),
        }))
    }

    pub(super) fn set_margin_type(&mut self, req: &Req) -> ApiResult {
        let symbol = self.by_name.symbol(req)?;
        let isolated = match req.required("marginType")? {
            "ISOLATED" => true,
            "CROSSED" => false,
            _ => return Err(ApiError::invalid_value("marginType")),
        };
        if self.is_isolated(&symbol) == isolated {
            return Err(ApiError::bad(
                extra::NO_NEED_TO_CHANGE_MARGIN_TYPE,
                "No need to change margin type.",
            ));
        }
        if !self.position_amt(&symbol).is_zero() {
            return Err(ApiError::bad(
                extra::THERE_EXISTS_QUANTITY,
                "Margin type cannot be changed if there exists position.",
            ));
        }
        if self
            .orders
            .iter()
            .any(|o| o.symbol == symbol && self.is_open(o))
        {
            return Err(ApiError::bad(
                extra::THERE_EXISTS_OPEN_ORDERS,
                "Margin type cannot be changed if there exists open orders.",
            ));
        }
        self.isolated.insert(symbol, isolated);
        Ok(ok_200("success"))
    }

    /// Margin type as reported. The accounting is always isolated (the paper engine's).
    pub(super) fn is_isolated(&self, s: &Symbol) -> bool {
        self.isolated.get(s).copied().unwrap_or(true)
    }

    pub(super) fn max_leverage(&self, s: &Symbol) -> u32 {
        self.brackets(s)
            .max_leverage()
            .min(crate::paper::MAX_LEVERAGE)
    }

    pub(super) fn max_notional(&self, s: &Symbol, leverage: u32) -> Decimal {
        self.brackets(s).max_notional(leverage)
    }

    pub(super) fn leverage_bracket(&self, req: &Req) -> ApiResult {
        let one = |s: &Symbol| {
            let brackets: Vec<Value> = self
                .brackets(s)
                .0
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    json!({
                        "bracket": i + 1,
                        "initialLeverage": b.max_leverage,
                        "notionalCap": num(b.notional_cap),
                        "notionalFloor": num(b.notional_floor),
                        "maintMarginRatio": num(b.maint_margin_ratio),
                        "cum": num(b.cum),
                    })
                })
                .collect();
            json!({"symbol": s.compact(), "notionalCoef": 1.0, "brackets": brackets})
        };
        match self.by_name.opt_symbol(req)? {
            Some(s) => Ok(one(&s)),
            None => Ok(Value::Array(self.cfg.rules.0.keys().map(one).collect())),
        }
    }

    pub(super) fn user_trades(&self, req: &Req) -> ApiResult {
        let sym = self.by_name.symbol(req)?;
        let order_id = req.integer("orderId")?;
        let (pdp, qdp) = (self.pdp(&sym), self.qdp(&sym));
        Ok(Value::Array(
            self.trades
                .iter()
                .filter(|t| self.orders[t.order].symbol == sym)
                .filter(|t| {
                    order_id.is_none_or(|id| i64::try_from(self.orders[t.order].order_id) == Ok(id))
                })
                .map(|t| {
                    let o = &self.orders[t.order];
                    json!({
                        "buyer": o.side == Side::Buy,
                        "commission": fixed(t.commission, 8),
                        "commissionAsset": "USDT",
                        "id": t.id,
                        "maker": t.maker,
                        "orderId": o.order_id,
                        "price": fixed(t.price, pdp),
                        "qty": fixed(t.qty, qdp),
                        "quoteQty": fixed(t.price * t.qty, pdp + qdp),
                        "realizedPnl": fixed(t.realized_pnl, 8),
                        "side": o.side.binance(),
                        "positionSide": "BOTH",
                        "symbol": sym.compact(),
                        "time": t.time,
                    })
                })
                .collect(),
        ))
    }
}
