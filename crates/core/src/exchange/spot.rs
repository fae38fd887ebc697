//! Spot (`/api/v3`): per-asset free/locked balances, orders against the current price
//! (taker at the price, makers at their limit when the price reaches them), commissions in
//! the received asset, Binance's parameters, filters (-1013) and errors. Taker prices, fees,
//! "price reached", statuses and refusals come from the ledger and the order tables.

use super::params::{valid_client_id, BookOrder, Listing, Req};
use super::reply::{extra, fixed, plain, ApiError, ApiResult};
use super::Ctx;
use crate::binance::errors::code;
use crate::binance::filters::filters_json;
use crate::binance::{Market, Method};
use crate::error::ValidationError;
use crate::ledger::{FeeModel, Ledger, Trigger};
use crate::money::{Price, Rate};
use crate::order::{OrderStatus, OrderTransition, RejectReason};
use crate::rules::{MarketRules, OrderCheck, SymbolRules};
use crate::types::{Liquidity, Side, Symbol, TimeInForce};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Decimal places of spot amounts in answers (Binance prints 8).
const DP: u32 = 8;

/// Settings of the spot book.
#[derive(Debug, Clone)]
pub struct SpotConfig {
    /// Initial balances per asset.
    pub balances: BTreeMap<String, Decimal>,
    /// Maker commission rate.
    pub maker_fee: Decimal,
    /// Taker commission rate.
    pub taker_fee: Decimal,
    /// Slippage of taker fills.
    pub slippage: Decimal,
    /// Filters.
    pub rules: MarketRules,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Limit,
    Market,
    LimitMaker,
    StopLoss,
    StopLossLimit,
    TakeProfit,
    TakeProfitLimit,
}

impl Ty {
    fn parse(s: &str) -> Result<Self, ApiError> {
        Ok(match s {
            "LIMIT" => Self::Limit,
            "MARKET" => Self::Market,
            "LIMIT_MAKER" => Self::LimitMaker,
            "STOP_LOSS" => Self::StopLoss,
            "STOP_LOSS_LIMIT" => Self::StopLossLimit,
            "TAKE_PROFIT" => Self::TakeProfit,
            "TAKE_PROFIT_LIMIT" => Self::TakeProfitLimit,
            _ => {
                return Err(ApiError::bad(
                    extra::INVALID_ORDER_TYPE,
                    "Invalid orderType.",
                ))
            }
        })
    }
    fn as_str(self) -> &'static str {
        match self {
            Self::Limit => "LIMIT",
            Self::Market => "MARKET",
            Self::LimitMaker => "LIMIT_MAKER",
            Self::StopLoss => "STOP_LOSS",
            Self::StopLossLimit => "STOP_LOSS_LIMIT",
            Self::TakeProfit => "TAKE_PROFIT",
            Self::TakeProfitLimit => "TAKE_PROFIT_LIMIT",
        }
    }
    fn has_price(self) -> bool {
        matches!(
            self,
            Self::Limit | Self::LimitMaker | Self::StopLossLimit | Self::TakeProfitLimit
        )
    }
    fn is_stop(self) -> bool {
        matches!(
            self,
            Self::StopLoss | Self::StopLossLimit | Self::TakeProfit | Self::TakeProfitLimit
        )
    }
    /// How the price reaches an order of this type (the ledger's table): stops and
    /// take-profits by their trigger, the rest as limits.
    fn trigger(self) -> Trigger {
        match self {
            Self::StopLoss | Self::StopLossLimit => Trigger::StopLoss,
            Self::TakeProfit | Self::TakeProfitLimit => Trigger::TakeProfit,
            Self::Limit | Self::Market | Self::LimitMaker => Trigger::Limit,
        }
    }
    fn needs_tif(self) -> bool {
        matches!(
            self,
            Self::Limit | Self::StopLossLimit | Self::TakeProfitLimit
        )
    }
}

#[derive(Debug, Clone)]
struct SpotFill {
    price: Decimal,
    qty: Decimal,
    commission: Decimal,
    commission_asset: String,
    trade_id: u64,
    maker: bool,
    time: i64,
}

#[derive(Debug, Clone)]
struct SpotOrder {
    order_id: u64,
    client_order_id: String,
    symbol: Symbol,
    side: Side,
    ty: Ty,
    tif: TimeInForce,
    price: Decimal,
    stop_price: Decimal,
    orig_qty: Decimal,
    orig_quote_qty: Decimal,
    executed: Decimal,
    cum_quote: Decimal,
    status: OrderStatus,
    /// Working on the book (false for a stop order until triggered).
    working: bool,
    /// Amount held back (quote for buys, base for sells).
    locked: Decimal,
    time: i64,
    update_time: i64,
    working_time: i64,
    visible_at: i64,
    fills: Vec<SpotFill>,
}

impl BookOrder for SpotOrder {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resp {
    Ack,
    Result,
    Full,
}

#[derive(Debug, Clone, Copy, Default)]
struct Bal {
    free: Decimal,
    locked: Decimal,
}

/// The spot book.
#[derive(Debug)]
pub struct Spot {
    cfg: SpotConfig,
    /// Fees and taker prices (the ledger's models at the Spot rates).
    ledger: Ledger<Decimal>,
    by_name: Listing,
    marks: BTreeMap<Symbol, Decimal>,
    balances: BTreeMap<String, Bal>,
    orders: Vec<SpotOrder>,
    next_order_id: u64,
    next_trade_id: u64,
    next_client_id: u64,
    update_time: i64,
}

fn parts(s: &Symbol) -> (String, String) {
    let (b, q) = s.as_str().split_once('/').unwrap_or((s.as_str(), ""));
    (b.to_owned(), q.to_owned())
}

/// The Spot answer for a refused order (the reject table).
fn rejected(why: RejectReason) -> ApiError {
    let (code, msg) = why.binance(Market::Spot);
    ApiError::bad(code, msg)
}

fn filter_failure(e: &ValidationError, is_market: bool) -> ApiError {
    let name = match e {
        ValidationError::AmountBelowMinimum { .. }
        | ValidationError::AmountAboveMaximum { .. }
        | ValidationError::InvalidStepSize { .. } => {
            if is_market {
                "MARKET_LOT_SIZE"
            } else {
                "LOT_SIZE"
            }
        }
        ValidationError::InvalidTickSize { .. } | ValidationError::PriceOutOfRange { .. } => {
            "PRICE_FILTER"
        }
        ValidationError::PriceOutsideBand { .. } => "PERCENT_PRICE",
        ValidationError::NotionalBelowMinimum { .. }
        | ValidationError::NotionalAboveMaximum { .. } => "NOTIONAL",
        _ => return ApiError::bad(code::INVALID_MESSAGE, e.to_string()),
    };
    ApiError::bad(code::INVALID_MESSAGE, format!("Filter failure: {name}"))
}

fn round8(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(DP, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

impl Spot {
    /// A new book.
    ///
    /// # Errors
    /// A symbol without an initial price.
    pub fn new(
        cfg: SpotConfig,
        prices: &BTreeMap<Symbol, Decimal>,
        now: i64,
    ) -> Result<Self, ValidationError> {
        let mut marks = BTreeMap::new();
        let mut balances: BTreeMap<String, Bal> = cfg
            .balances
            .iter()
            .map(|(a, v)| {
                (
                    a.clone(),
                    Bal {
                        free: *v,
                        locked: Decimal::ZERO,
                    },
                )
            })
            .collect();
        for s in cfg.rules.0.keys() {
            let p = prices.get(s).ok_or_else(|| {
                ValidationError::InvalidConfig(format!("no initial price for spot symbol {s}"))
            })?;
            marks.insert(s.clone(), *p);
            let (b, q) = parts(s);
            balances.entry(b).or_default();
            balances.entry(q).or_default();
        }
        let by_name = Listing::new(cfg.rules.0.keys());
        let ledger = Ledger::new(Rate(cfg.maker_fee), Rate(cfg.taker_fee), Rate(cfg.slippage))
            .ok_or_else(|| {
                ValidationError::InvalidConfig("spot fee or slippage rates out of range".into())
            })?;
        Ok(Self {
            cfg,
            ledger,
            by_name,
            marks,
            balances,
            orders: Vec::new(),
            next_order_id: 1,
            next_trade_id: 1,
            next_client_id: 1,
            update_time: now,
        })
    }

    fn rules(&self, s: &Symbol) -> SymbolRules {
        self.cfg.rules.get(s).cloned().unwrap_or_default()
    }

    fn mark(&self, s: &Symbol) -> Decimal {
        self.marks.get(s).copied().unwrap_or_default()
    }

    fn bal(&mut self, asset: &str) -> &mut Bal {
        self.balances.entry(asset.to_owned()).or_default()
    }

    fn free(&self, asset: &str) -> Decimal {
        self.balances.get(asset).map_or(Decimal::ZERO, |b| b.free)
    }

    fn taker_price(&self, side: Side, mark: Decimal) -> Decimal {
        self.ledger
            .taker_price(side, Price(mark))
            .unwrap_or_default()
            .0
    }

    /// Move an order through the status table (a forbidden edge leaves it as it is).
    fn apply(o: &mut SpotOrder, event: OrderTransition) {
        if let Ok(s) = o.status.transition(event) {
            o.status = s;
        }
    }

    fn is_open(o: &SpotOrder) -> bool {
        o.status.is_open()
    }

    /// Lock `amount` of the order's asset.
    fn lock(&mut self, idx: usize, amount: Decimal) {
        let (b, q) = parts(&self.orders[idx].symbol);
        let asset = if self.orders[idx].side == Side::Buy {
            q
        } else {
            b
        };
        let bal = self.bal(&asset);
        bal.free -= amount;
        bal.locked += amount;
        self.orders[idx].locked += amount;
    }

    /// Release what the order still holds.
    fn unlock_all(&mut self, idx: usize) {
        let (b, q) = parts(&self.orders[idx].symbol);
        let asset = if self.orders[idx].side == Side::Buy {
            q
        } else {
            b
        };
        let amount = std::mem::take(&mut self.orders[idx].locked);
        let bal = self.bal(&asset);
        bal.free += amount;
        bal.locked -= amount;
    }

    /// Execute `qty` of order `idx` at `price`; funds come from the order's lock when
    /// `from_locked`, else from free balances.
    fn fill(
        &mut self,
        idx: usize,
        price: Decimal,
        qty: Decimal,
        maker: bool,
        from_locked: bool,
        now: i64,
    ) {
        let (base, quote) = parts(&self.orders[idx].symbol);
        let side = self.orders[idx].side;
        let cost = price * qty;
        let liquidity = if maker {
            Liquidity::Maker
        } else {
            Liquidity::Taker
        };
        // The fee rule (amount × rate, rounded) on the asset received, at its precision.
        let (charged, commission_asset) = match side {
            Side::Buy => (qty, base.clone()),
            Side::Sell => (cost, quote.clone()),
        };
        let commission = round8(
            self.ledger
                .fees
                .fee(charged, liquidity)
                .unwrap_or_default()
                .0,
        );
        let spend = if side == Side::Buy { cost } else { qty };
        let (spend_asset, get_asset, get) = match side {
            Side::Buy => (quote, base, qty - commission),
            Side::Sell => (base, quote, cost - commission),
        };
        if from_locked {
            let o = &mut self.orders[idx];
            let used = spend.min(o.locked);
            o.locked -= used;
            let b = self.bal(&spend_asset);
            b.locked -= used;
            b.free -= spend - used;
        } else {
            self.bal(&spend_asset).free -= spend;
        }
        self.bal(&get_asset).free += get;
        let trade_id = self.next_trade_id;
        self.next_trade_id += 1;
        let o = &mut self.orders[idx];
        o.executed += qty;
        o.cum_quote += cost;
        o.update_time = now;
        Self::apply(
            o,
            if o.executed >= o.orig_qty {
                OrderTransition::Fill
            } else {
                OrderTransition::PartialFill
            },
        );
        o.fills.push(SpotFill {
            price,
            qty,
            commission,
            commission_asset,
            trade_id,
            maker,
            time: now,
        });
        self.update_time = now;
        if o.status == OrderStatus::Filled && o.locked > Decimal::ZERO {
            // A buy limit filled below its limit leaves quote locked: give it back.
            self.unlock_all(idx);
        }
    }

    /// Run a working order against the price now: taker fill of what crosses (`partial`
    /// applies), the rest rests (locked) or expires.
    fn execute(&mut self, idx: usize, partial: Option<Decimal>, now: i64) {
        let o = self.orders[idx].clone();
        let mark = self.mark(&o.symbol);
        let px = self.taker_price(o.side, mark);
        let remaining = o.orig_qty - o.executed;
        let is_market = matches!(o.ty, Ty::Market | Ty::StopLoss | Ty::TakeProfit);
        let crossing = is_market || Trigger::Limit.reached(o.side, o.price, mark);
        if !crossing {
            if o.tif == TimeInForce::Gtc {
                let lock = if o.side == Side::Buy {
                    remaining * o.price
                } else {
                    remaining
                };
                self.lock(idx, lock);
            } else {
                Self::apply(&mut self.orders[idx], OrderTransition::Expire);
            }
            return;
        }
        let fill_px = if is_market {
            px
        } else {
            self.ledger
                .crossing_price(o.side, Price(mark), Price(o.price))
                .unwrap_or_default()
                .0
        };
        let rules = self.rules(&o.symbol);
        let mut qty = match partial {
            Some(r) if r < Decimal::ONE => rules.round_amount_down(remaining * r),
            _ => remaining,
        };
        if o.tif == TimeInForce::Fok && qty < remaining {
            qty = Decimal::ZERO;
        }
        // A market buy never spends more than is free (a stop triggered later may find less).
        let can = match o.side {
            Side::Buy => self.free(&parts(&o.symbol).1) >= fill_px * qty,
            Side::Sell => self.free(&parts(&o.symbol).0) >= qty,
        };
        if !can {
            qty = Decimal::ZERO;
        }
        if qty > Decimal::ZERO {
            self.fill(idx, fill_px, qty, false, false, now);
        }
        let rest = o.orig_qty - self.orders[idx].executed;
        if rest > Decimal::ZERO {
            if !is_market && o.tif == TimeInForce::Gtc {
                let lock = if o.side == Side::Buy {
                    rest * o.price
                } else {
                    rest
                };
                self.lock(idx, lock);
            } else {
                Self::apply(&mut self.orders[idx], OrderTransition::Expire);
                self.orders[idx].update_time = now;
            }
        }
    }

    // ----- JSON -----------------------------------------------------------------------

    fn result_fields(o: &SpotOrder, v: &mut Value) {
        v["price"] = json!(fixed(o.price, DP));
        v["origQty"] = json!(fixed(o.orig_qty, DP));
        v["executedQty"] = json!(fixed(o.executed, DP));
        v["origQuoteOrderQty"] = json!(fixed(o.orig_quote_qty, DP));
        v["cummulativeQuoteQty"] = json!(fixed(o.cum_quote, DP));
        v["status"] = json!(o.status.binance());
        v["timeInForce"] = json!(o.tif.as_str());
        v["type"] = json!(o.ty.as_str());
        v["side"] = json!(o.side.binance());
        v["selfTradePreventionMode"] = json!("NONE");
        if o.ty.is_stop() {
            v["stopPrice"] = json!(fixed(o.stop_price, DP));
        }
    }

    fn placed_json(o: &SpotOrder, resp: Resp) -> Value {
        let mut v = json!({
            "symbol": o.symbol.compact(),
            "orderId": o.order_id,
            "orderListId": -1,
            "clientOrderId": o.client_order_id,
            "transactTime": o.time,
        });
        if resp == Resp::Ack {
            return v;
        }
        Self::result_fields(o, &mut v);
        v["workingTime"] = json!(if o.working { o.working_time } else { -1 });
        if resp == Resp::Full {
            v["fills"] = Value::Array(
                o.fills
                    .iter()
                    .map(|f| {
                        json!({
                            "price": fixed(f.price, DP),
                            "qty": fixed(f.qty, DP),
                            "commission": fixed(f.commission, DP),
                            "commissionAsset": f.commission_asset,
                            "tradeId": f.trade_id,
                        })
                    })
                    .collect(),
            );
        }
        v
    }

    fn query_json(o: &SpotOrder) -> Value {
        let mut v = json!({
            "symbol": o.symbol.compact(),
            "orderId": o.order_id,
            "orderListId": -1,
            "clientOrderId": o.client_order_id,
            "stopPrice": fixed(o.stop_price, DP),
            "icebergQty": fixed(Decimal::ZERO, DP),
            "time": o.time,
            "updateTime": o.update_time,
            "isWorking": o.working,
            "workingTime": if o.working { o.working_time } else { -1 },
        });
        Self::result_fields(o, &mut v);
        v["stopPrice"] = json!(fixed(o.stop_price, DP));
        v
    }

    fn cancel_json(o: &SpotOrder, new_client_id: &str, now: i64) -> Value {
        let mut v = json!({
            "symbol": o.symbol.compact(),
            "origClientOrderId": o.client_order_id,
            "orderId": o.order_id,
            "orderListId": -1,
            "clientOrderId": new_client_id,
            "transactTime": now,
        });
        Self::result_fields(o, &mut v);
        v
    }

    // ----- endpoints ------------------------------------------------------------------

    /// Dispatch an `/api/v3` request (already authenticated).
    ///
    /// # Errors
    /// The Binance error answer.
    pub fn handle(&mut self, method: Method, path: &str, req: &Req, ctx: &Ctx) -> ApiResult {
        if self.update_time == 0 {
            self.update_time = ctx.now;
        }
        match (method, path) {
            (Method::Get, "/api/v3/ping") => Ok(json!({})),
            (Method::Get, "/api/v3/time") => Ok(json!({"serverTime": ctx.now})),
            (Method::Get, "/api/v3/exchangeInfo") => Ok(self.exchange_info(ctx.now)),
            (Method::Get, "/api/v3/ticker/price") => {
                let one =
                    |s: &Symbol| json!({"symbol": s.compact(), "price": fixed(self.mark(s), DP)});
                match self.by_name.opt_symbol(req)? {
                    Some(s) => Ok(one(&s)),
                    None => Ok(Value::Array(self.cfg.rules.0.keys().map(one).collect())),
                }
            }
            (Method::Post, "/api/v3/order") => self.new_order(req, ctx),
            (Method::Get, "/api/v3/order") => {
                let idx = self.find(req, ctx.now, false)?;
                Ok(Self::query_json(&self.orders[idx]))
            }
            (Method::Delete, "/api/v3/order") => {
                let idx = self.find(req, ctx.now, true)?;
                let new_id = self.new_client_id(req)?;
                self.cancel(idx, ctx.now);
                Ok(Self::cancel_json(&self.orders[idx], &new_id, ctx.now))
            }
            (Method::Get, "/api/v3/openOrders") => {
                let sym = self.by_name.opt_symbol(req)?;
                Ok(Value::Array(
                    self.orders
                        .iter()
                        .filter(|o| sym.as_ref().is_none_or(|s| *s == o.symbol))
                        .filter(|o| Self::is_open(o) && o.visible_at <= ctx.now)
                        .map(Self::query_json)
                        .collect(),
                ))
            }
            (Method::Get, "/api/v3/allOrders") => {
                let sym = self.by_name.symbol(req)?;
                Ok(Value::Array(
                    self.orders
                        .iter()
                        .filter(|o| o.symbol == sym && o.visible_at <= ctx.now)
                        .map(Self::query_json)
                        .collect(),
                ))
            }
            (Method::Delete, "/api/v3/openOrders") => {
                let sym = self.by_name.symbol(req)?;
                let open: Vec<usize> = (0..self.orders.len())
                    .filter(|&i| self.orders[i].symbol == sym && Self::is_open(&self.orders[i]))
                    .collect();
                if open.is_empty() {
                    return Err(ApiError::unknown_order());
                }
                let mut out = Vec::new();
                for i in open {
                    self.cancel(i, ctx.now);
                    let id = self.gen_client_id();
                    out.push(Self::cancel_json(&self.orders[i], &id, ctx.now));
                }
                Ok(Value::Array(out))
            }
            (Method::Get, "/api/v3/myTrades") => self.my_trades(req),
            (Method::Get, "/api/v3/account") => {
                let omit = req.boolean("omitZeroBalances")?.unwrap_or(false);
                Ok(self.account(omit))
            }
            _ => Err(ApiError::internal(format!(
                "{} {path} is listed but not served",
                method.as_str()
            ))),
        }
    }

    fn gen_client_id(&mut self) -> String {
        let n = self.next_client_id;
        self.next_client_id += 1;
        format!("iftb-local-{n:012}")
    }

    fn new_client_id(&mut self, req: &Req) -> Result<String, ApiError> {
        match req.get("newClientOrderId") {
            Some(id) if valid_client_id(id, false) => Ok(id.to_owned()),
            Some(_) => Err(ApiError::bad(
                code::ILLEGAL_CHARS,
                "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[a-zA-Z0-9-_]{1,36}$'.",
            )),
            None => Ok(self.gen_client_id()),
        }
    }

    fn new_order(&mut self, req: &Req, ctx: &Ctx) -> ApiResult {
        let now = ctx.now;
        let symbol = self.by_name.symbol(req)?;
        let side = req.side()?;
        let ty = Ty::parse(req.required("type")?)?;
        let tif = if ty.needs_tif() {
            match req.required("timeInForce")? {
                "GTC" => TimeInForce::Gtc,
                "IOC" => TimeInForce::Ioc,
                "FOK" => TimeInForce::Fok,
                _ => return Err(ApiError::bad(extra::INVALID_TIF, "Invalid timeInForce.")),
            }
        } else {
            if ty != Ty::Market && req.get("timeInForce").is_some() {
                return Err(ApiError::not_required("timeInForce"));
            }
            TimeInForce::Gtc
        };
        let resp = match req.get("newOrderRespType") {
            Some("ACK") => Resp::Ack,
            Some("RESULT") => Resp::Result,
            Some("FULL") => Resp::Full,
            Some(_) => return Err(ApiError::invalid_value("newOrderRespType")),
            None if matches!(ty, Ty::Market | Ty::Limit) => Resp::Full,
            None => Resp::Ack,
        };
        let client_order_id = self.new_client_id(req)?;
        let mark = self.mark(&symbol);
        let rules = self.rules(&symbol);
        let price = if ty.has_price() {
            req.required_decimal("price")?
        } else {
            if req.get("price").is_some() {
                return Err(ApiError::not_required("price"));
            }
            Decimal::ZERO
        };
        let stop_price = if ty.is_stop() {
            req.required_decimal("stopPrice")?
        } else {
            if req.get("stopPrice").is_some() {
                return Err(ApiError::not_required("stopPrice"));
            }
            Decimal::ZERO
        };
        let quote_qty = req.decimal("quoteOrderQty")?;
        let (qty, orig_quote_qty) = match (ty, req.decimal("quantity")?, quote_qty) {
            (Ty::Market, Some(_), Some(_)) => return Err(ApiError::not_required("quoteOrderQty")),
            (Ty::Market, None, Some(q)) => {
                if q <= Decimal::ZERO {
                    return Err(ApiError::invalid_value("quoteOrderQty"));
                }
                let px = self.taker_price(side, mark);
                (rules.round_amount_down(q / px), q)
            }
            (Ty::Market, None, None) => {
                return Err(ApiError::bad(
                    code::MANDATORY_PARAM_EMPTY_OR_MALFORMED,
                    "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!",
                ))
            }
            (_, Some(q), None) => (q, Decimal::ZERO),
            (_, None, _) => return Err(ApiError::mandatory("quantity")),
            (_, Some(_), Some(_)) => return Err(ApiError::not_required("quoteOrderQty")),
        };
        for (k, v) in [
            ("quantity", qty),
            ("price", price),
            ("stopPrice", stop_price),
        ] {
            if v.normalize().scale() > DP {
                return Err(ApiError::bad(
                    code::BAD_PRECISION,
                    format!("Parameter '{k}' has too much precision."),
                ));
            }
        }
        if qty <= Decimal::ZERO && quote_qty.is_none() {
            return Err(ApiError::invalid_value("quantity"));
        }
        let is_market = matches!(ty, Ty::Market);
        rules
            .check_order(
                &symbol,
                &OrderCheck {
                    is_market,
                    side,
                    amount: qty,
                    price: ty.has_price().then_some(price),
                    stop_price: ty.is_stop().then_some(stop_price),
                    reference: Some(mark),
                },
            )
            .map_err(|e| filter_failure(&e, is_market))?;
        if self
            .orders
            .iter()
            .any(|o| o.client_order_id == client_order_id && Self::is_open(o))
        {
            return Err(rejected(RejectReason::DuplicateOrder));
        }
        if ty.is_stop() && ty.trigger().reached(side, stop_price, mark) {
            return Err(rejected(RejectReason::WouldTriggerImmediately));
        }
        if ty == Ty::LimitMaker && Trigger::Limit.reached(side, price, mark) {
            return Err(rejected(RejectReason::PostOnlyWouldTake));
        }
        // Funds for the whole order.
        let (base, quote) = parts(&symbol);
        let need = match side {
            Side::Buy => {
                qty * match ty {
                    Ty::Market => self.taker_price(side, mark),
                    Ty::StopLoss | Ty::TakeProfit => stop_price,
                    _ => price,
                }
            }
            Side::Sell => qty,
        };
        let have = self.free(if side == Side::Buy { &quote } else { &base });
        if need > have {
            return Err(rejected(RejectReason::InsufficientFunds));
        }
        let order_id = self.next_order_id;
        self.next_order_id += 1;
        let idx = self.orders.len();
        self.orders.push(SpotOrder {
            order_id,
            client_order_id,
            symbol,
            side,
            ty,
            tif,
            price,
            stop_price,
            orig_qty: qty,
            orig_quote_qty,
            executed: Decimal::ZERO,
            cum_quote: Decimal::ZERO,
            status: OrderStatus::Pending,
            working: !ty.is_stop(),
            locked: Decimal::ZERO,
            time: now,
            update_time: now,
            working_time: now,
            visible_at: now + i64::try_from(ctx.late_landing_ms).unwrap_or(i64::MAX / 4),
            fills: Vec::new(),
        });
        if ty.is_stop() {
            self.lock(idx, need);
        } else {
            self.execute(idx, ctx.partial_fill, now);
        }
        self.update_time = now;
        Ok(Self::placed_json(&self.orders[idx], resp))
    }

    fn find(&self, req: &Req, now: i64, cancel: bool) -> Result<usize, ApiError> {
        self.by_name.find_order(
            req,
            &self.orders,
            |id| {
                self.orders
                    .iter()
                    .position(|o| i64::try_from(o.order_id) == Ok(id))
            },
            Self::is_open,
            now,
            cancel,
        )
    }

    fn cancel(&mut self, idx: usize, now: i64) {
        self.unlock_all(idx);
        let o = &mut self.orders[idx];
        Self::apply(o, OrderTransition::Cancel);
        o.update_time = now;
        self.update_time = now;
    }

    fn my_trades(&self, req: &Req) -> ApiResult {
        let sym = self.by_name.symbol(req)?;
        let order_id = req.integer("orderId")?;
        let mut out = Vec::new();
        for o in self.orders.iter().filter(|o| o.symbol == sym) {
            if order_id.is_some_and(|id| i64::try_from(o.order_id) != Ok(id)) {
                continue;
            }
            for f in &o.fills {
                out.push(json!({
                    "symbol": sym.compact(),
                    "id": f.trade_id,
                    "orderId": o.order_id,
                    "orderListId": -1,
                    "price": fixed(f.price, DP),
                    "qty": fixed(f.qty, DP),
                    "quoteQty": fixed(f.price * f.qty, DP),
                    "commission": fixed(f.commission, DP),
                    "commissionAsset": f.commission_asset,
                    "time": f.time,
                    "isBuyer": o.side == Side::Buy,
                    "isMaker": f.maker,
                    "isBestMatch": true,
                }));
            }
        }
        out.sort_by_key(|v| v["id"].as_u64());
        Ok(Value::Array(out))
    }

    fn account(&self, omit_zero: bool) -> Value {
        // Commission in basis points, a JSON number as Binance sends it (from the decimal's
        // text, so no float arithmetic touches the rate).
        let bp = |r: Decimal| {
            let text = (r * Decimal::from(10_000)).normalize().to_string();
            text.parse::<serde_json::Number>()
                .map_or(Value::from(0), Value::Number)
        };
        json!({
            "makerCommission": bp(self.cfg.maker_fee),
            "takerCommission": bp(self.cfg.taker_fee),
            "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": {
                "maker": fixed(self.cfg.maker_fee, DP),
                "taker": fixed(self.cfg.taker_fee, DP),
                "buyer": fixed(Decimal::ZERO, DP),
                "seller": fixed(Decimal::ZERO, DP),
            },
            "canTrade": true,
            "canWithdraw": false,
            "canDeposit": false,
            "brokered": false,
            "requireSelfTradePrevention": false,
            "preventSor": false,
            "updateTime": self.update_time,
            "accountType": "SPOT",
            "balances": self.balances.iter()
                .filter(|(_, b)| !omit_zero || !(b.free + b.locked).is_zero())
                .map(|(a, b)| json!({"asset": a, "free": fixed(b.free, DP), "locked": fixed(b.locked, DP)}))
                .collect::<Vec<_>>(),
            "permissions": ["SPOT"],
            "uid": 1,
        })
    }

    fn exchange_info(&self, now: i64) -> Value {
        let symbols: Vec<Value> = self
            .cfg
            .rules
            .0
            .iter()
            .map(|(s, r)| {
                let (base, quote) = parts(s);
                json!({
                    "symbol": s.compact(),
                    "status": "TRADING",
                    "baseAsset": base,
                    "baseAssetPrecision": 8,
                    "quoteAsset": quote,
                    "quotePrecision": 8,
                    "quoteAssetPrecision": 8,
                    "baseCommissionPrecision": 8,
                    "quoteCommissionPrecision": 8,
                    "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"],
                    "icebergAllowed": false,
                    "ocoAllowed": false,
                    "otoAllowed": false,
                    "quoteOrderQtyMarketAllowed": true,
                    "allowTrailingStop": false,
                    "cancelReplaceAllowed": false,
                    "isSpotTradingAllowed": true,
                    "isMarginTradingAllowed": false,
                    "filters": filters_json(Market::Spot, r),
                    "permissions": [],
                    "permissionSets": [["SPOT"]],
                    "defaultSelfTradePreventionMode": "NONE",
                    "allowedSelfTradePreventionModes": ["NONE"],
                })
            })
            .collect();
        json!({
            "timezone": "UTC",
            "serverTime": now,
            "rateLimits": [
                {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
                {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
                {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200_000},
            ],
            "exchangeFilters": [],
            "symbols": symbols,
        })
    }

    /// New price: resting limits it reaches fill at their limit (maker), stops it reaches
    /// start working.
    pub fn set_price(&mut self, s: &Symbol, price: Decimal, ctx: &Ctx) {
        if !self.marks.contains_key(s) {
            return;
        }
        self.marks.insert(s.clone(), price);
        let now = ctx.now;
        for idx in 0..self.orders.len() {
            let o = &self.orders[idx];
            if &o.symbol != s || !Self::is_open(o) {
                continue;
            }
            if o.working {
                if Trigger::Limit.reached(o.side, o.price, price) {
                    let (p, q) = (o.price, o.orig_qty - o.executed);
                    self.fill(idx, p, q, true, true, now);
                }
            } else if o.ty.trigger().reached(o.side, o.stop_price, price) {
                self.unlock_all(idx);
                let o = &mut self.orders[idx];
                Self::apply(o, OrderTransition::Trigger);
                o.working = true;
                o.working_time = now;
                o.update_time = now;
                self.execute(idx, None, now);
            }
        }
    }

    /// A JSON summary for `/_iftb/state`.
    #[must_use]
    pub fn state_json(&self) -> Value {
        json!({
            "balances": self.balances.iter().map(|(a, b)| (a.clone(), json!({"free": plain(b.free), "locked": plain(b.locked)}))).collect::<serde_json::Map<_, _>>(),
            "openOrders": self.orders.iter().filter(|o| Self::is_open(o)).map(Self::query_json).collect::<Vec<_>>(),
            "orders": self.orders.len(),
        })
    }

    /// Balance of an asset (free, locked).
    #[must_use]
    pub fn balance(&self, asset: &str) -> (Decimal, Decimal) {
        self.balances
            .get(asset)
            .map_or((Decimal::ZERO, Decimal::ZERO), |b| (b.free, b.locked))
    }
}
