//! USD-M futures (`/fapi`): one-way mode (`positionSide` BOTH), orders and positions kept
//! by the paper engine ([`PaperEngine`]: isolated margin, fees, liquidation — the ledger's
//! rules), with Binance's order table, conditional (algo) orders, parameters, filters and
//! errors on top.
//!
//! An exchange order is one or more paper orders ("parts"): a partially filled order that
//! keeps resting is a filled part plus a resting part. Conditional orders live here (the
//! Binance Algo Service): when the price reaches their trigger they place a regular order.
//!
//! Layout: this file holds the book, its records and the request dispatch; `orders` regular
//! orders (placement, parts, status, cancel), `algo` conditional orders, `account` positions,
//! balances, leverage and margin type, `wire` the JSON answers.

mod account;
mod algo;
mod orders;
mod wire;

use super::params::{BookOrder, Listing, Req};
use super::reply::{places, plain, ApiError, ApiResult};
use super::Ctx;
use crate::binance::Method;
use crate::clock::ManualClock;
use crate::error::{EngineError, ValidationError};
use crate::ledger::{BracketTable, Trigger};
use crate::money::Price;
use crate::order::{OrderStatus, OrderTransition};
use crate::paper::{PaperConfig, PaperEngine};
use crate::rules::{MarketRules, SymbolRules};
use crate::types::{Side, Symbol, TimeInForce};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// A futures order type, as Binance names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FutType {
    Market,
    Limit,
    StopMarket,
    TakeProfitMarket,
    Stop,
    TakeProfit,
}

impl FutType {
    fn binance(self) -> &'static str {
        match self {
            Self::Market => "MARKET",
            Self::Limit => "LIMIT",
            Self::StopMarket => "STOP_MARKET",
            Self::TakeProfitMarket => "TAKE_PROFIT_MARKET",
            Self::Stop => "STOP",
            Self::TakeProfit => "TAKE_PROFIT",
        }
    }

    /// A conditional type of the Algo endpoint.
    fn conditional(s: &str) -> Option<Self> {
        Some(match s {
            "STOP_MARKET" => Self::StopMarket,
            "TAKE_PROFIT_MARKET" => Self::TakeProfitMarket,
            "STOP" => Self::Stop,
            "TAKE_PROFIT" => Self::TakeProfit,
            _ => return None,
        })
    }

    /// How the price reaches a conditional order of this type (the ledger's table).
    fn trigger(self) -> Trigger {
        match self {
            Self::StopMarket | Self::Stop => Trigger::StopLoss,
            Self::TakeProfitMarket | Self::TakeProfit => Trigger::TakeProfit,
            Self::Market | Self::Limit => Trigger::Limit,
        }
    }

    /// Whether the order it places is a market order.
    fn is_market(self) -> bool {
        matches!(
            self,
            Self::Market | Self::StopMarket | Self::TakeProfitMarket
        )
    }
}

/// A regular futures order.
#[derive(Debug, Clone)]
struct FutOrder {
    order_id: u64,
    client_order_id: String,
    symbol: Symbol,
    side: Side,
    is_market: bool,
    orig_type: FutType,
    tif: TimeInForce,
    price: Decimal,
    orig_qty: Decimal,
    reduce_only: bool,
    close_position: bool,
    stop_price: Decimal,
    working_type: String,
    /// Paper order ids, in submission order.
    parts: Vec<String>,
    /// Quantity not yet given to the paper engine (rests, fills on a later price update).
    deferred: Decimal,
    /// Cancelled / expired once decided here.
    final_status: Option<OrderStatus>,
    time: i64,
    update_time: i64,
    visible_at: i64,
}

impl BookOrder for FutOrder {
    fn symbol(&self) -> &Symbol {
        &self.symbol
    }
    fn client_order_id(&self) -> &str {
        &self.client_order_id
    }
    fn visible_at(&self) -> i64 {
        self.visible_at
    }
}

/// A conditional order of the Algo Service.
#[derive(Debug, Clone)]
struct AlgoOrder {
    algo_id: u64,
    client_algo_id: String,
    symbol: Symbol,
    side: Side,
    order_type: FutType,
    quantity: Option<Decimal>,
    price: Option<Decimal>,
    trigger_price: Decimal,
    working_type: String,
    tif: TimeInForce,
    close_position: bool,
    reduce_only: bool,
    price_protect: bool,
    /// Pending until triggered (then derived from the actual order), or cancelled, expired,
    /// rejected, through the status table.
    status: OrderStatus,
    actual_order: Option<usize>,
    create_time: i64,
    update_time: i64,
    trigger_time: i64,
}

/// One executed trade (`userTrades`).
#[derive(Debug, Clone)]
struct Trade {
    id: u64,
    order: usize,
    price: Decimal,
    qty: Decimal,
    commission: Decimal,
    realized_pnl: Decimal,
    maker: bool,
    time: i64,
}

/// A regular order to place.
#[derive(Debug, Clone)]
struct NewOrder {
    symbol: Symbol,
    side: Side,
    is_market: bool,
    tif: TimeInForce,
    qty: Decimal,
    price: Decimal,
    reduce_only: bool,
    close_position: bool,
    client_order_id: String,
    orig_type: FutType,
    stop_price: Decimal,
    working_type: String,
}

/// How a placed order is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resp {
    Ack,
    Result,
}

/// Settings of the futures book.
#[derive(Debug, Clone)]
pub struct FuturesConfig {
    /// The account: USDT wallet (`initial_balance`), fees, slippage, leverage, brackets.
    pub paper: PaperConfig,
    /// Filters.
    pub rules: MarketRules,
}

/// The futures book.
pub struct Futures {
    paper: PaperEngine,
    clock: ManualClock,
    cfg: FuturesConfig,
    by_name: Listing,
    orders: Vec<FutOrder>,
    by_id: HashMap<u64, usize>,
    algos: Vec<AlgoOrder>,
    isolated: BTreeMap<Symbol, bool>,
    pos_update: BTreeMap<Symbol, i64>,
    trades: Vec<Trade>,
    account_update: i64,
    next_order_id: u64,
    next_algo_id: u64,
    next_client_id: u64,
}

impl std::fmt::Debug for Futures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Futures")
            .field("orders", &self.orders.len())
            .field("algos", &self.algos.len())
            .finish_non_exhaustive()
    }
}

fn engine_err(e: &EngineError) -> ApiError {
    ApiError::internal(e.to_string())
}

fn ok_200(msg: &str) -> Value {
    json!({"code": 200, "msg": msg})
}

impl Futures {
    /// A new book with `prices` as the first marks.
    ///
    /// # Errors
    /// Invalid paper configuration or price (`INVALID_CONFIG`).
    pub fn new(
        cfg: FuturesConfig,
        prices: &BTreeMap<Symbol, Decimal>,
        now: i64,
    ) -> Result<Self, ValidationError> {
        let clock = ManualClock::new(u64::try_from(now).unwrap_or(0));
        let paper_cfg = cfg.paper.clone();
        let config = |e: EngineError| match e {
            EngineError::Validation(ValidationError::InvalidConfig(m)) => {
                ValidationError::InvalidConfig(m)
            }
            other => ValidationError::InvalidConfig(other.to_string()),
        };
        let mut paper = PaperEngine::new(paper_cfg, Rc::new(clock.clone())).map_err(config)?;
        for s in cfg.rules.0.keys() {
            let p = prices.get(s).ok_or_else(|| {
                ValidationError::InvalidConfig(format!("no initial price for futures symbol {s}"))
            })?;
            paper.update_price(s.as_str(), Price(*p)).map_err(config)?;
        }
        let by_name = Listing::new(cfg.rules.0.keys());
        Ok(Self {
            paper,
            clock,
            cfg,
            by_name,
            orders: Vec::new(),
            by_id: HashMap::new(),
            algos: Vec::new(),
            isolated: BTreeMap::new(),
            pos_update: BTreeMap::new(),
            trades: Vec::new(),
            account_update: now,
            next_order_id: 1,
            next_algo_id: 1,
            next_client_id: 1,
        })
    }

    /// The paper engine behind the book (read-only).
    #[must_use]
    pub fn paper(&self) -> &PaperEngine {
        &self.paper
    }

    fn set_now(&self, now: i64) {
        self.clock.set(u64::try_from(now).unwrap_or(0));
    }

    fn rules(&self, s: &Symbol) -> SymbolRules {
        self.cfg.rules.get(s).cloned().unwrap_or_default()
    }

    fn mark(&self, s: &Symbol) -> Decimal {
        self.paper.mark_of(s).unwrap_or_default().0
    }

    fn pdp(&self, s: &Symbol) -> u32 {
        places(self.rules(s).tick_size)
    }

    fn qdp(&self, s: &Symbol) -> u32 {
        places(self.rules(s).step_size)
    }

    fn brackets(&self, s: &Symbol) -> &BracketTable {
        self.cfg.paper.brackets_of(s)
    }

    /// Signed position amount (long > 0).
    fn position_amt(&self, s: &Symbol) -> Decimal {
        self.paper
            .state()
            .positions
            .get(s)
            .map_or(Decimal::ZERO, |p| p.side.sign() * p.amount.0)
    }

    /// Dispatch a `/fapi` request (already authenticated).
    ///
    /// # Errors
    /// The Binance error answer.
    pub fn handle(&mut self, method: Method, path: &str, req: &Req, ctx: &Ctx) -> ApiResult {
        self.set_now(ctx.now);
        if self.account_update == 0 {
            // A funded account has a real update time (clients skip assets with 0).
            self.account_update = ctx.now;
        }
        match (method, path) {
            (Method::Get, "/fapi/v1/ping") => Ok(json!({})),
            (Method::Get, "/fapi/v1/time") => Ok(json!({"serverTime": ctx.now})),
            (Method::Get, "/fapi/v1/exchangeInfo") => Ok(self.exchange_info(ctx.now)),
            (Method::Get, "/fapi/v1/ticker/price") => self.ticker(req, ctx.now),
            (Method::Get, "/fapi/v1/premiumIndex") => self.premium_index(req, ctx.now),
            (Method::Post, "/fapi/v1/order") => self.new_order(req, ctx),
            (Method::Get, "/fapi/v1/order") => {
                let idx = self.find_order(req, ctx.now, false)?;
                Ok(self.order_json(&self.orders[idx], Resp::Result, true))
            }
            (Method::Delete, "/fapi/v1/order") => {
                let idx = self.find_order(req, ctx.now, true)?;
                self.cancel(idx, ctx.now)?;
                Ok(self.order_json(&self.orders[idx], Resp::Result, false))
            }
            (Method::Get, "/fapi/v1/openOrders") => {
                let sym = self.by_name.opt_symbol(req)?;
                Ok(Value::Array(
                    self.orders
                        .iter()
                        .filter(|o| sym.as_ref().is_none_or(|s| *s == o.symbol))
                        .filter(|o| o.visible_at <= ctx.now && self.is_open(o))
                        .map(|o| self.order_json(o, Resp::Result, true))
                        .collect(),
                ))
            }
            (Method::Get, "/fapi/v1/allOrders") => {
                let sym = self.by_name.symbol(req)?;
                Ok(Value::Array(
                    self.orders
                        .iter()
                        .filter(|o| o.symbol == sym && o.visible_at <= ctx.now)
                        .map(|o| self.order_json(o, Resp::Result, true))
                        .collect(),
                ))
            }
            (Method::Delete, "/fapi/v1/allOpenOrders") => {
                let sym = self.by_name.symbol(req)?;
                let open: Vec<usize> = (0..self.orders.len())
                    .filter(|&i| self.orders[i].symbol == sym && self.is_open(&self.orders[i]))
                    .collect();
                for i in open {
                    self.cancel(i, ctx.now)?;
                }
                Ok(ok_200("The operation of cancel all open order is done."))
            }
            (Method::Post, "/fapi/v1/algoOrder") => self.new_algo(req, ctx),
            (Method::Get, "/fapi/v1/algoOrder") => {
                let i = self.find_algo(req)?.ok_or_else(ApiError::no_such_order)?;
                Ok(self.algo_json(&self.algos[i]))
            }
            (Method::Delete, "/fapi/v1/algoOrder") => {
                let i = self.find_algo(req)?.ok_or_else(ApiError::unknown_order)?;
                if self.algo_status(&self.algos[i]) != OrderStatus::Pending {
                    return Err(ApiError::unknown_order());
                }
                let a = &mut self.algos[i];
                a.apply(OrderTransition::Cancel, ctx.now);
                Ok(
                    json!({"algoId": a.algo_id, "clientAlgoId": a.client_algo_id, "code": "200", "msg": "success"}),
                )
            }
            (Method::Get, "/fapi/v1/openAlgoOrders") => {
                let sym = self.by_name.opt_symbol(req)?;
                Ok(Value::Array(
                    self.algos
                        .iter()
                        .filter(|a| sym.as_ref().is_none_or(|s| *s == a.symbol))
                        .filter(|a| self.algo_status(a) == OrderStatus::Pending)
                        .map(|a| self.algo_json(a))
                        .collect(),
                ))
            }
            (Method::Delete, "/fapi/v1/algoOpenOrders") => {
                let sym = self.by_name.symbol(req)?;
                for a in &mut self.algos {
                    if a.symbol == sym
                        && a.status == OrderStatus::Pending
                        && a.actual_order.is_none()
                    {
                        a.apply(OrderTransition::Cancel, ctx.now);
                    }
                }
                Ok(ok_200("The operation of cancel all open order is done."))
            }
            (Method::Post, "/fapi/v1/leverage") => self.set_leverage(req, ctx.now),
            (Method::Post, "/fapi/v1/marginType") => self.set_margin_type(req),
            (Method::Get, "/fapi/v1/leverageBracket") => self.leverage_bracket(req),
            (Method::Get, "/fapi/v1/userTrades") => self.user_trades(req),
            (Method::Get, "/fapi/v2/positionRisk") => self.position_risk(req, false, ctx.now),
            (Method::Get, "/fapi/v3/positionRisk") => self.position_risk(req, true, ctx.now),
            (Method::Get, "/fapi/v2/balance" | "/fapi/v3/balance") => Ok(self.balance(ctx.now)),
            (Method::Get, "/fapi/v2/account") => Ok(self.account(false, ctx.now)),
            (Method::Get, "/fapi/v3/account") => Ok(self.account(true, ctx.now)),
            _ => Err(ApiError::internal(format!(
                "{} {path} is listed but not served",
                method.as_str()
            ))),
        }
    }

    /// Mark a symbol: liquidations and resting fills (paper engine), deferred remainders,
    /// then conditional orders that the price reaches.
    ///
    /// # Errors
    /// A bad price (≤ 0, too large).
    pub fn set_price(&mut self, s: &Symbol, price: Decimal, ctx: &Ctx) -> Result<(), EngineError> {
        if !self.cfg.rules.0.contains_key(s) {
            return Ok(());
        }
        let now = ctx.now;
        self.set_now(now);
        let before = self.paper.last_seq();
        self.paper.update_price(s.as_str(), Price(price))?;
        self.absorb(before, now);

        // Remainders of partially filled limit orders join the book now.
        let waiting: Vec<usize> = (0..self.orders.len())
            .filter(|&i| {
                let o = &self.orders[i];
                &o.symbol == s && o.final_status.is_none() && o.deferred > Decimal::ZERO
            })
            .collect();
        for i in waiting {
            let o = &self.orders[i];
            let part_no = o.parts.len();
            let qty = o.deferred;
            let new = NewOrder {
                symbol: o.symbol.clone(),
                side: o.side,
                is_market: false,
                tif: o.tif,
                qty,
                price: o.price,
                reduce_only: o.reduce_only,
                close_position: o.close_position,
                client_order_id: o.client_order_id.clone(),
                orig_type: o.orig_type,
                stop_price: o.stop_price,
                working_type: o.working_type.clone(),
            };
            let order_id = o.order_id;
            let before = self.paper.last_seq();
            let result = self.submit_part(order_id, part_no, &new, qty);
            let o = &mut self.orders[i];
            o.deferred = Decimal::ZERO;
            o.update_time = now;
            match result {
                Ok(id) => o.parts.push(id),
                Err(_) => o.final_status = Some(OrderStatus::Expired),
            }
            self.absorb(before, now);
        }

        // Conditional orders, oldest first.
        let due: Vec<usize> = (0..self.algos.len())
            .filter(|&i| {
                let a = &self.algos[i];
                &a.symbol == s
                    && a.status == OrderStatus::Pending
                    && a.actual_order.is_none()
                    && a.triggers(price)
            })
            .collect();
        for i in due {
            self.fire(i, ctx);
        }
        Ok(())
    }

    /// A JSON summary for `/_iftb/state`.
    #[must_use]
    pub fn state_json(&self, now: i64) -> Value {
        let t = self.totals();
        json!({
            "walletBalance": plain(t.wallet),
            "availableBalance": plain(t.available),
            "unrealizedProfit": plain(t.unrealized),
            "feesPaid": plain(self.paper.state().fees_paid.0),
            "realizedPnl": plain(self.paper.state().realized_pnl.0),
            "positions": self.cfg.rules.0.keys().filter_map(|s| {
                let f = self.figures(s);
                (!f.amt.is_zero()).then(|| json!({
                    "symbol": s.compact(), "positionAmt": plain(f.amt), "entryPrice": plain(f.entry),
                    "markPrice": plain(f.mark), "unrealizedProfit": plain(f.unrealized),
                    "liquidationPrice": plain(f.liq), "leverage": f.leverage,
                }))
            }).collect::<Vec<_>>(),
            "openOrders": self.orders.iter().filter(|o| self.is_open(o)).map(|o| self.order_json(o, Resp::Result, true)).collect::<Vec<_>>(),
            "openAlgoOrders": self.algos.iter().filter(|a| self.algo_status(a) == OrderStatus::Pending).map(|a| self.algo_json(a)).collect::<Vec<_>>(),
            "orders": self.orders.len(),
            "time": now,
        })
    }
}
