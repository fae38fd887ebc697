//! USD-M futures (`/fapi`): one-way mode (`positionSide` BOTH), orders and positions kept
//! by the paper engine ([`PaperEngine`]: isolated margin, fees, liquidation), with
//! Binance's order table, conditional (algo) orders, parameters, filters and errors on top.
//!
//! An exchange order is one or more paper orders ("parts"): a partially filled order that
//! keeps resting is a filled part plus a resting part. Conditional orders live here (the
//! Binance Algo Service): when the price reaches their trigger they place a regular order.

use super::params::{valid_client_id, BookOrder, Listing, Req};
use super::reply::{extra, fixed, places, plain, ApiError, ApiResult};
use super::Ctx;
use crate::binance::errors::code;
use crate::binance::filters::filters_json;
use crate::binance::{Market, Method};
use crate::clock::ManualClock;
use crate::error::{EngineError, ValidationError};
use crate::events::EngineEvent;
use crate::liquidation::BracketTable;
use crate::order::{OrderRequest, OrderStatus};
use crate::paper::{PaperConfig, PaperEngine};
use crate::rules::{MarketRules, OrderCheck, SymbolRules};
use crate::types::{PositionSide, Side, Symbol};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// Time in force of a futures order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tif {
    Gtc,
    Ioc,
    Fok,
    Gtx,
    Gtd,
}

impl Tif {
    fn parse(s: &str) -> Result<Self, ApiError> {
        Ok(match s {
            "GTC" => Self::Gtc,
            "IOC" => Self::Ioc,
            "FOK" => Self::Fok,
            "GTX" => Self::Gtx,
            "GTD" => Self::Gtd,
            _ => return Err(ApiError::bad(extra::INVALID_TIF, "Invalid timeInForce.")),
        })
    }
    fn as_str(self) -> &'static str {
        match self {
            Self::Gtc => "GTC",
            Self::Ioc => "IOC",
            Self::Fok => "FOK",
            Self::Gtx => "GTX",
            Self::Gtd => "GTD",
        }
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
    orig_type: &'static str,
    tif: Tif,
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
    /// CANCELED / EXPIRED once decided here.
    final_status: Option<&'static str>,
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
    order_type: &'static str,
    quantity: Option<Decimal>,
    price: Option<Decimal>,
    trigger_price: Decimal,
    working_type: String,
    tif: Tif,
    close_position: bool,
    reduce_only: bool,
    price_protect: bool,
    /// NEW, CANCELED, EXPIRED, REJECTED; TRIGGERED/FINISHED are derived from the actual order.
    status: &'static str,
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
    tif: Tif,
    qty: Decimal,
    price: Decimal,
    reduce_only: bool,
    close_position: bool,
    client_order_id: String,
    orig_type: &'static str,
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

fn side_str(s: Side) -> &'static str {
    match s {
        Side::Buy => "BUY",
        Side::Sell => "SELL",
    }
}

fn ok_200(msg: &str) -> Value {
    json!({"code": 200, "msg": msg})
}

/// Map a filter failure to the futures code and message.
fn filter_error(e: &ValidationError) -> ApiError {
    use extra::*;
    match e {
        ValidationError::InvalidStepSize { .. } => ApiError::bad(
            code::QTY_NOT_INCREASED_BY_STEP_SIZE,
            "Qty not increased by step size.",
        ),
        ValidationError::InvalidTickSize { .. } => ApiError::bad(
            code::PRICE_NOT_INCREASED_BY_TICK_SIZE,
            "Price not increased by tick size.",
        ),
        ValidationError::AmountBelowMinimum { .. } => {
            ApiError::bad(QTY_LESS_THAN_MIN_QTY, "Quantity less than min quantity.")
        }
        ValidationError::AmountAboveMaximum { .. } => ApiError::bad(
            QTY_GREATER_THAN_MAX_QTY,
            "Quantity greater than max quantity.",
        ),
        ValidationError::PriceOutOfRange { price, min, .. } => {
            if !min.is_empty() && min != "0" && price.parse::<Decimal>().ok() < min.parse().ok() {
                ApiError::bad(PRICE_LESS_THAN_MIN_PRICE, "Price less than min price.")
            } else {
                ApiError::bad(
                    PRICE_GREATER_THAN_MAX_PRICE,
                    "Price greater than max price.",
                )
            }
        }
        ValidationError::PriceOutsideBand { side, limit, .. } => match side {
            Side::Buy => ApiError::bad(
                PRICE_HIGHER_THAN_MULTIPLIER_UP,
                format!("Limit price can't be higher than {limit}."),
            ),
            Side::Sell => ApiError::bad(
                PRICE_LOWER_THAN_MULTIPLIER_DOWN,
                format!("Limit price can't be lower than {limit}."),
            ),
        },
        ValidationError::NotionalBelowMinimum { min, .. } => ApiError::bad(
            code::MIN_NOTIONAL,
            format!(
                "Order's notional must be no smaller than {min} (unless you choose reduce only)."
            ),
        ),
        other => ApiError::bad(code::INVALID_MESSAGE, other.to_string()),
    }
}

fn precision_error() -> ApiError {
    ApiError::bad(
        code::BAD_PRECISION,
        "Precision is over the maximum defined for this asset.",
    )
}

impl Futures {
    /// A new book with `prices` as the first marks.
    ///
    /// # Errors
    /// Invalid paper configuration or price.
    pub fn new(
        cfg: FuturesConfig,
        prices: &BTreeMap<Symbol, Decimal>,
        now: i64,
    ) -> Result<Self, String> {
        let clock = ManualClock::new(u64::try_from(now).unwrap_or(0));
        let paper_cfg = cfg.paper.clone();
        let mut paper =
            PaperEngine::new(paper_cfg, Rc::new(clock.clone())).map_err(|e| e.to_string())?;
        for s in cfg.rules.0.keys() {
            let p = prices
                .get(s)
                .ok_or_else(|| format!("no initial price for futures symbol {s}"))?;
            paper
                .update_price(s.as_str(), *p)
                .map_err(|e| e.to_string())?;
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
        self.paper.mark_of(s).unwrap_or_default()
    }

    fn pdp(&self, s: &Symbol) -> u32 {
        places(self.rules(s).tick_size)
    }

    fn qdp(&self, s: &Symbol) -> u32 {
        places(self.rules(s).step_size)
    }

    fn brackets(&self, s: &Symbol) -> &BracketTable {
        self.cfg
            .paper
            .brackets
            .get(s)
            .unwrap_or(&self.cfg.paper.default_brackets)
    }

    fn max_leverage(&self, s: &Symbol) -> u32 {
        self.brackets(s)
            .0
            .iter()
            .map(|b| b.max_leverage)
            .max()
            .unwrap_or(1)
            .min(crate::paper::MAX_LEVERAGE)
    }

    fn max_notional(&self, s: &Symbol, leverage: u32) -> Decimal {
        self.brackets(s)
            .0
            .iter()
            .filter(|b| b.max_leverage >= leverage)
            .map(|b| b.notional_cap)
            .max()
            .unwrap_or_default()
    }

    /// Signed position amount (long > 0).
    fn position_amt(&self, s: &Symbol) -> Decimal {
        self.paper
            .state()
            .positions
            .get(s)
            .map_or(Decimal::ZERO, |p| p.side.sign() * p.amount)
    }

    // ----- order state ---------------------------------------------------------------

    /// (executed qty, cumulative quote, any part still resting)
    fn progress(&self, o: &FutOrder) -> (Decimal, Decimal, bool) {
        let mut executed = Decimal::ZERO;
        let mut quote = Decimal::ZERO;
        let mut pending = false;
        for id in &o.parts {
            if let Some(p) = self.paper.order(id) {
                match p.status {
                    OrderStatus::Filled => {
                        let q = p.filled_amount.unwrap_or_default();
                        executed += q;
                        quote += q * p.filled_price.unwrap_or_default();
                    }
                    OrderStatus::Pending => pending = true,
                    _ => {}
                }
            }
        }
        (executed, quote, pending)
    }

    fn status(&self, o: &FutOrder) -> &'static str {
        let (executed, _, pending) = self.progress(o);
        if o.final_status.is_none() && (pending || o.deferred > Decimal::ZERO) {
            return if executed > Decimal::ZERO {
                "PARTIALLY_FILLED"
            } else {
                "NEW"
            };
        }
        if let Some(s) = o.final_status {
            return s;
        }
        if executed == o.orig_qty && executed > Decimal::ZERO {
            "FILLED"
        } else {
            "EXPIRED"
        }
    }

    fn is_open(&self, o: &FutOrder) -> bool {
        matches!(self.status(o), "NEW" | "PARTIALLY_FILLED")
    }

    fn order_json(&self, o: &FutOrder, resp: Resp, with_time: bool) -> Value {
        let (pdp, qdp) = (self.pdp(&o.symbol), self.qdp(&o.symbol));
        let (mut executed, mut quote, mut status, mut update) =
            (Decimal::ZERO, Decimal::ZERO, "NEW", o.time);
        if resp == Resp::Result {
            let (e, q, _) = self.progress(o);
            (executed, quote, status, update) = (e, q, self.status(o), o.update_time);
        }
        let avg = if executed.is_zero() {
            Decimal::ZERO
        } else {
            quote / executed
        };
        let mut v = json!({
            "orderId": o.order_id,
            "symbol": o.symbol.compact(),
            "status": status,
            "clientOrderId": o.client_order_id,
            "price": fixed(o.price, pdp),
            "avgPrice": fixed(avg, pdp.max(5)),
            "origQty": fixed(o.orig_qty, qdp),
            "executedQty": fixed(executed, qdp),
            "cumQty": fixed(executed, qdp),
            "cumQuote": fixed(quote, pdp + qdp),
            "timeInForce": o.tif.as_str(),
            "type": if o.is_market { "MARKET" } else { "LIMIT" },
            "reduceOnly": o.reduce_only,
            "closePosition": o.close_position,
            "side": side_str(o.side),
            "positionSide": "BOTH",
            "stopPrice": fixed(o.stop_price, pdp),
            "workingType": o.working_type,
            "priceProtect": false,
            "origType": o.orig_type,
            "priceMatch": "NONE",
            "selfTradePreventionMode": "EXPIRE_MAKER",
            "goodTillDate": 0,
            "updateTime": update,
        });
        if with_time {
            v["time"] = json!(o.time);
        }
        v
    }

    fn algo_status(&self, a: &AlgoOrder) -> &'static str {
        match a.actual_order {
            Some(i) if self.is_open(&self.orders[i]) => "TRIGGERED",
            Some(_) => "FINISHED",
            None => a.status,
        }
    }

    fn algo_json(&self, a: &AlgoOrder) -> Value {
        let (pdp, qdp) = (self.pdp(&a.symbol), self.qdp(&a.symbol));
        let actual = a.actual_order.map(|i| &self.orders[i]);
        let (actual_id, actual_price, actual_qty) =
            actual.map_or((String::new(), String::new(), String::new()), |o| {
                let (e, q, _) = self.progress(o);
                let avg = if e.is_zero() { Decimal::ZERO } else { q / e };
                (
                    o.order_id.to_string(),
                    fixed(avg, pdp.max(5)),
                    fixed(e, qdp),
                )
            });
        json!({
            "algoId": a.algo_id,
            "clientAlgoId": a.client_algo_id,
            "algoType": "CONDITIONAL",
            "orderType": a.order_type,
            "symbol": a.symbol.compact(),
            "side": side_str(a.side),
            "positionSide": "BOTH",
            "timeInForce": a.tif.as_str(),
            "quantity": fixed(a.quantity.unwrap_or_default(), qdp),
            "algoStatus": self.algo_status(a),
            "triggerPrice": fixed(a.trigger_price, pdp),
            "price": fixed(a.price.unwrap_or_default(), pdp),
            "icebergQuantity": Value::Null,
            "selfTradePreventionMode": "EXPIRE_MAKER",
            "workingType": a.working_type,
            "priceMatch": "NONE",
            "closePosition": a.close_position,
            "priceProtect": a.price_protect,
            "reduceOnly": a.reduce_only,
            "activatePrice": "",
            "callbackRate": "",
            "createTime": a.create_time,
            "updateTime": a.update_time,
            "triggerTime": a.trigger_time,
            "goodTillDate": 0,
            "actualOrderId": actual_id,
            "actualPrice": actual_price,
            "actualQty": actual_qty,
        })
    }

    /// Apply paper events after `since`: update times, trades, position times.
    fn absorb(&mut self, since: u64, now: i64) {
        let events: Vec<EngineEvent> = self
            .paper
            .events_since(since)
            .iter()
            .map(|r| r.event.clone())
            .collect();
        let mut last_trade_of: Option<(Symbol, usize)> = None;
        for ev in events {
            match ev {
                EngineEvent::OrderFilled {
                    order_id,
                    price,
                    amount,
                    fee,
                    liquidity,
                    ..
                } => {
                    last_trade_of = None;
                    if let Some(idx) = self.part_owner(&order_id) {
                        self.orders[idx].update_time = now;
                        self.trades.push(Trade {
                            id: self.trades.len() as u64 + 1,
                            order: idx,
                            price,
                            qty: amount,
                            commission: fee,
                            realized_pnl: Decimal::ZERO,
                            maker: liquidity == crate::types::Liquidity::Maker,
                            time: now,
                        });
                        last_trade_of =
                            Some((self.orders[idx].symbol.clone(), self.trades.len() - 1));
                    }
                    self.account_update = now;
                }
                EngineEvent::OrderCancelled { order_id, .. }
                | EngineEvent::OrderFailed { order_id, .. } => {
                    if let Some(idx) = self.part_owner(&order_id) {
                        self.orders[idx].update_time = now;
                    }
                }
                EngineEvent::PositionReduced {
                    symbol,
                    realized_pnl,
                    ..
                }
                | EngineEvent::PositionClosed {
                    symbol,
                    realized_pnl,
                    ..
                } => {
                    if let Some((s, t)) = &last_trade_of {
                        if *s == symbol {
                            self.trades[*t].realized_pnl += realized_pnl;
                        }
                    }
                    self.pos_update.insert(symbol, now);
                }
                EngineEvent::PositionOpened { symbol, .. }
                | EngineEvent::PositionIncreased { symbol, .. }
                | EngineEvent::PositionLiquidated { symbol, .. } => {
                    self.pos_update.insert(symbol, now);
                    self.account_update = now;
                }
                _ => {}
            }
        }
    }

    /// The exchange order a paper order id belongs to (`f<orderId>` or `f<orderId>.<n>`).
    fn part_owner(&self, paper_id: &str) -> Option<usize> {
        let rest = paper_id.strip_prefix('f')?;
        let num = rest.split('.').next()?;
        self.by_id.get(&num.parse::<u64>().ok()?).copied()
    }

    fn submit_part(
        &mut self,
        order_id: u64,
        part_no: usize,
        o: &NewOrder,
        qty: Decimal,
    ) -> Result<String, ApiError> {
        let id = if part_no == 0 {
            format!("f{order_id}")
        } else {
            format!("f{order_id}.{part_no}")
        };
        let req = OrderRequest {
            id: Some(id.clone()),
            symbol: o.symbol.to_string(),
            side: o.side.as_str().to_owned(),
            order_type: if o.is_market { "market" } else { "limit" }.to_owned(),
            amount: qty,
            price: (!o.is_market).then_some(o.price),
            stop_price: None,
            leverage: None,
            reduce_only: o.reduce_only || o.close_position,
        };
        let placed = self
            .paper
            .place_order(&req, None)
            .map_err(|e| engine_err(&e))?;
        if placed.status == OrderStatus::Failed {
            let msg = placed.error_message.unwrap_or_default();
            return Err(if msg.starts_with("Insufficient") {
                ApiError::bad(code::MARGIN_NOT_SUFFICIENT, "Margin is insufficient.")
            } else if msg.starts_with("ReduceOnly") {
                ApiError::bad(code::REDUCE_ONLY_REJECT, "ReduceOnly Order is rejected.")
            } else {
                ApiError::bad(code::NEW_ORDER_REJECTED, msg)
            });
        }
        Ok(id)
    }

    /// Execute a validated order; records it and returns its index.
    fn place(&mut self, o: NewOrder, ctx: &Ctx) -> Result<usize, ApiError> {
        let now = ctx.now;
        self.set_now(now);
        let mark = self.mark(&o.symbol);
        let crossing = o.is_market
            || match o.side {
                Side::Buy => o.price >= mark,
                Side::Sell => o.price <= mark,
            };
        if o.tif == Tif::Gtx && crossing {
            return Err(ApiError::bad(
                code::POST_ONLY_REJECT,
                "Due to the order could not be executed as maker, the Post Only order will be rejected. The order will not be recorded in the order history",
            ));
        }
        let opposing = {
            let amt = self.position_amt(&o.symbol);
            match o.side {
                Side::Buy if amt < Decimal::ZERO => -amt,
                Side::Sell if amt > Decimal::ZERO => amt,
                _ => Decimal::ZERO,
            }
        };
        if (o.reduce_only || o.close_position) && opposing.is_zero() {
            return Err(ApiError::bad(
                code::REDUCE_ONLY_REJECT,
                "ReduceOnly Order is rejected.",
            ));
        }
        let rules = self.rules(&o.symbol);
        let (now_qty, deferred) = if !crossing {
            match o.tif {
                Tif::Ioc | Tif::Fok => (Decimal::ZERO, Decimal::ZERO),
                _ => (o.qty, Decimal::ZERO),
            }
        } else {
            let fill = match ctx.partial_fill {
                Some(r) if r < Decimal::ONE => rules.round_amount_down(o.qty * r),
                _ => o.qty,
            };
            if o.tif == Tif::Fok && fill < o.qty {
                return Err(ApiError::bad(
                    extra::FOK_REJECTED,
                    "Due to the order could not be filled immediately, the FOK order has been rejected. The order will not be recorded in the order history",
                ));
            }
            let rest = o.qty - fill;
            if o.is_market || o.tif == Tif::Ioc {
                (fill, Decimal::ZERO)
            } else {
                (fill, rest)
            }
        };
        // Ids are used up by rejected orders too (the paper engine keeps them).
        let order_id = self.next_order_id;
        self.next_order_id += 1;
        let before = self.paper.last_seq();
        let mut parts = Vec::new();
        if now_qty > Decimal::ZERO {
            parts.push(self.submit_part(order_id, 0, &o, now_qty)?);
        }
        let idx = self.orders.len();
        self.orders.push(FutOrder {
            order_id,
            client_order_id: o.client_order_id,
            symbol: o.symbol,
            side: o.side,
            is_market: o.is_market,
            orig_type: o.orig_type,
            tif: o.tif,
            price: o.price,
            orig_qty: o.qty,
            reduce_only: o.reduce_only,
            close_position: o.close_position,
            stop_price: o.stop_price,
            working_type: o.working_type,
            parts,
            deferred,
            final_status: None,
            time: now,
            update_time: now,
            visible_at: now + i64::try_from(ctx.late_landing_ms).unwrap_or(i64::MAX / 4),
        });
        self.by_id.insert(order_id, idx);
        self.absorb(before, now);
        Ok(idx)
    }

    fn client_id(&mut self, req: &Req, key: &str) -> Result<String, ApiError> {
        match req.get(key) {
            Some(id) => {
                if !valid_client_id(id, true) {
                    return Err(ApiError::bad(
                        extra::INVALID_CLIENT_ORDER_ID,
                        "Client order id is not valid.",
                    ));
                }
                Ok(id.to_owned())
            }
            None => {
                let n = self.next_client_id;
                self.next_client_id += 1;
                Ok(format!("iftb-local-{n:012}"))
            }
        }
    }

    fn check_precision(
        &self,
        s: &Symbol,
        qty: Option<Decimal>,
        prices: &[Decimal],
    ) -> Result<(), ApiError> {
        if qty.is_some_and(|q| q.normalize().scale() > self.qdp(s))
            || prices.iter().any(|p| p.normalize().scale() > self.pdp(s))
        {
            return Err(precision_error());
        }
        Ok(())
    }

    fn check_filters(&self, s: &Symbol, c: &OrderCheck, reduce_only: bool) -> Result<(), ApiError> {
        let (qty, price, stop) = (c.amount, c.price, c.stop_price);
        if qty <= Decimal::ZERO {
            return Err(ApiError::bad(
                extra::QTY_LESS_THAN_ZERO,
                "Quantity less than or equal to zero.",
            ));
        }
        if price.is_some_and(|p| p <= Decimal::ZERO) || stop.is_some_and(|p| p <= Decimal::ZERO) {
            return Err(ApiError::bad(
                extra::PRICE_LESS_THAN_ZERO,
                "Price less than or equal to zero.",
            ));
        }
        let mut rules = self.rules(s);
        if reduce_only {
            rules.min_notional = Decimal::ZERO;
        }
        // Futures LOT_SIZE: (quantity − minQty) % stepSize == 0.
        if !rules.step_size.is_zero()
            && qty >= rules.min_qty
            && !((qty - rules.min_qty) % rules.step_size).is_zero()
        {
            return Err(filter_error(&ValidationError::InvalidStepSize {
                symbol: s.to_string(),
                amount: qty.to_string(),
                step: rules.step_size.to_string(),
                rounded: String::new(),
            }));
        }
        rules
            .check_order(
                s,
                &OrderCheck {
                    reference: Some(self.mark(s)),
                    ..*c
                },
            )
            .map_err(|e| filter_error(&e))
    }

    fn open_client_id_taken(&self, id: &str) -> bool {
        self.orders
            .iter()
            .any(|o| o.client_order_id == id && self.is_open(o))
            || self
                .algos
                .iter()
                .any(|a| a.client_algo_id == id && self.algo_status(a) == "NEW")
    }

    // ----- endpoints ------------------------------------------------------------------

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
                if self.algo_status(&self.algos[i]) != "NEW" {
                    return Err(ApiError::unknown_order());
                }
                let a = &mut self.algos[i];
                a.status = "CANCELED";
                a.update_time = ctx.now;
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
                        .filter(|a| self.algo_status(a) == "NEW")
                        .map(|a| self.algo_json(a))
                        .collect(),
                ))
            }
            (Method::Delete, "/fapi/v1/algoOpenOrders") => {
                let sym = self.by_name.symbol(req)?;
                for a in &mut self.algos {
                    if a.symbol == sym && a.status == "NEW" && a.actual_order.is_none() {
                        a.status = "CANCELED";
                        a.update_time = ctx.now;
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

    fn new_order(&mut self, req: &Req, ctx: &Ctx) -> ApiResult {
        let symbol = self.by_name.symbol(req)?;
        let side = req.side()?;
        let ty = req.required("type")?;
        let legacy_types = [
            "STOP",
            "STOP_MARKET",
            "TAKE_PROFIT",
            "TAKE_PROFIT_MARKET",
            "TRAILING_STOP_MARKET",
        ];
        if legacy_types.contains(&ty) {
            return Err(ApiError::bad(
                code::STOP_ORDER_SWITCH_ALGO,
                "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.",
            ));
        }
        let is_market = match ty {
            "MARKET" => true,
            "LIMIT" => false,
            _ => {
                return Err(ApiError::bad(
                    extra::INVALID_ORDER_TYPE,
                    "Invalid orderType.",
                ))
            }
        };
        self.check_position_side(req)?;
        let resp = match req.get("newOrderRespType").unwrap_or("ACK") {
            "ACK" => Resp::Ack,
            "RESULT" => Resp::Result,
            _ => return Err(ApiError::invalid_value("newOrderRespType")),
        };
        let client_order_id = self.client_id(req, "newClientOrderId")?;
        if self.open_client_id_taken(&client_order_id) {
            return Err(ApiError::bad(
                extra::DUPLICATED_CLIENT_ORDER_ID,
                "ClientOrderId is duplicated.",
            ));
        }
        let reduce_only = req.boolean("reduceOnly")?.unwrap_or(false);
        if req.boolean("closePosition")?.unwrap_or(false) {
            return Err(ApiError::not_required("closePosition"));
        }
        let qty = req.required_decimal("quantity")?;
        let (price, tif) = if is_market {
            if req.get("price").is_some() {
                return Err(ApiError::not_required("price"));
            }
            (Decimal::ZERO, Tif::Gtc)
        } else {
            let price = req.required_decimal("price")?;
            let tif = Tif::parse(req.required("timeInForce")?)?;
            (price, tif)
        };
        self.check_precision(&symbol, Some(qty), &[price])?;
        self.check_filters(
            &symbol,
            &OrderCheck {
                is_market,
                side,
                amount: qty,
                price: (!is_market).then_some(price),
                stop_price: None,
                reference: None,
            },
            reduce_only,
        )?;
        let idx = self.place(
            NewOrder {
                symbol,
                side,
                is_market,
                tif,
                qty,
                price,
                reduce_only,
                close_position: false,
                client_order_id,
                orig_type: if is_market { "MARKET" } else { "LIMIT" },
                stop_price: Decimal::ZERO,
                working_type: "CONTRACT_PRICE".into(),
            },
            ctx,
        )?;
        Ok(self.order_json(&self.orders[idx], resp, false))
    }

    fn check_position_side(&self, req: &Req) -> Result<(), ApiError> {
        match req.get("positionSide") {
            None | Some("BOTH") => Ok(()),
            Some("LONG" | "SHORT") => Err(ApiError::bad(
                -4061,
                "Order's position side does not match user's setting.",
            )),
            Some(_) => Err(ApiError::invalid_value("positionSide")),
        }
    }

    fn parse_conditional(
        &mut self,
        req: &Req,
        ctx: &Ctx,
        symbol: Symbol,
        side: Side,
        trigger_key: &str,
        client_key: &str,
    ) -> Result<AlgoOrder, ApiError> {
        let order_type: &'static str = match req.required("type")? {
            "STOP_MARKET" => "STOP_MARKET",
            "TAKE_PROFIT_MARKET" => "TAKE_PROFIT_MARKET",
            "STOP" => "STOP",
            "TAKE_PROFIT" => "TAKE_PROFIT",
            "TRAILING_STOP_MARKET" => {
                return Err(ApiError::bad(
                    code::NEW_ORDER_REJECTED,
                    "TRAILING_STOP_MARKET is not supported by the local exchange.",
                ))
            }
            _ => {
                return Err(ApiError::bad(
                    extra::INVALID_ORDER_TYPE,
                    "Invalid orderType.",
                ))
            }
        };
        self.check_position_side(req)?;
        let is_market = order_type.ends_with("_MARKET");
        let close_position = req.boolean("closePosition")?.unwrap_or(false);
        let reduce_only = req.boolean("reduceOnly")?.unwrap_or(false);
        let trigger_price = req.required_decimal(trigger_key)?;
        let quantity = if close_position {
            if !is_market {
                return Err(ApiError::not_required("closePosition"));
            }
            if req.get("quantity").is_some() {
                return Err(ApiError::not_required("quantity"));
            }
            if req.get("reduceOnly").is_some() {
                return Err(ApiError::not_required("reduceOnly"));
            }
            None
        } else {
            Some(req.required_decimal("quantity")?)
        };
        let price = if is_market {
            if req.get("price").is_some() {
                return Err(ApiError::not_required("price"));
            }
            None
        } else {
            Some(req.required_decimal("price")?)
        };
        let tif = match req.get("timeInForce") {
            Some(t) => Tif::parse(t)?,
            None => Tif::Gtc,
        };
        let working_type = match req.get("workingType").unwrap_or("CONTRACT_PRICE") {
            w @ ("CONTRACT_PRICE" | "MARK_PRICE") => w.to_owned(),
            _ => return Err(ApiError::invalid_value("workingType")),
        };
        let price_protect = req.boolean("priceProtect")?.unwrap_or(false);
        let mut prices = vec![trigger_price];
        prices.extend(price);
        self.check_precision(&symbol, quantity, &prices)?;
        let qty_for_check = quantity.unwrap_or_else(|| {
            self.rules(&symbol)
                .min_qty
                .max(self.rules(&symbol).step_size)
        });
        self.check_filters(
            &symbol,
            &OrderCheck {
                is_market,
                side,
                amount: qty_for_check,
                price,
                stop_price: Some(trigger_price),
                reference: None,
            },
            reduce_only || close_position,
        )?;
        let client_algo_id = self.client_id(req, client_key)?;
        if self.open_client_id_taken(&client_algo_id) {
            return Err(ApiError::bad(
                extra::DUPLICATED_CLIENT_ORDER_ID,
                "ClientOrderId is duplicated.",
            ));
        }
        let mut a = AlgoOrder {
            algo_id: self.next_algo_id,
            client_algo_id,
            symbol,
            side,
            order_type,
            quantity,
            price,
            trigger_price,
            working_type,
            tif,
            close_position,
            reduce_only,
            price_protect,
            status: "NEW",
            actual_order: None,
            create_time: ctx.now,
            update_time: ctx.now,
            trigger_time: 0,
        };
        if Self::triggers(&a, self.mark(&a.symbol)) {
            return Err(ApiError::bad(
                code::ORDER_WOULD_IMMEDIATELY_TRIGGER,
                "Order would immediately trigger.",
            ));
        }
        self.next_algo_id += 1;
        a.update_time = ctx.now;
        Ok(a)
    }

    fn new_algo(&mut self, req: &Req, ctx: &Ctx) -> ApiResult {
        match req.required("algoType")? {
            "CONDITIONAL" => {}
            _ => return Err(ApiError::invalid_value("algoType")),
        }
        let symbol = self.by_name.symbol(req)?;
        let side = req.side()?;
        let a = self.parse_conditional(req, ctx, symbol, side, "triggerPrice", "clientAlgoId")?;
        let v = self.algo_json(&a);
        self.algos.push(a);
        Ok(v)
    }

    /// STOP/STOP_MARKET: BUY at price ≥ trigger, SELL at ≤; TAKE_PROFIT*: the reverse.
    fn triggers(a: &AlgoOrder, price: Decimal) -> bool {
        let stop = a.order_type.starts_with("STOP");
        match (stop, a.side) {
            (true, Side::Buy) | (false, Side::Sell) => price >= a.trigger_price,
            (true, Side::Sell) | (false, Side::Buy) => price <= a.trigger_price,
        }
    }

    fn find_order(&self, req: &Req, now: i64, cancel: bool) -> Result<usize, ApiError> {
        self.by_name.find_order(
            req,
            &self.orders,
            |id| {
                u64::try_from(id)
                    .ok()
                    .and_then(|id| self.by_id.get(&id).copied())
            },
            |o| self.is_open(o),
            now,
            cancel,
        )
    }

    fn find_algo(&self, req: &Req) -> Result<Option<usize>, ApiError> {
        if let Some(id) = req.integer("algoId")? {
            return Ok(self
                .algos
                .iter()
                .position(|a| i64::try_from(a.algo_id) == Ok(id)));
        }
        match req.get("clientAlgoId") {
            Some(c) => Ok(self.algos.iter().rposition(|a| a.client_algo_id == c)),
            None => Err(ApiError::bad(
                code::MANDATORY_PARAM_EMPTY_OR_MALFORMED,
                "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!",
            )),
        }
    }

    fn cancel(&mut self, idx: usize, now: i64) -> Result<(), ApiError> {
        let before = self.paper.last_seq();
        let parts = self.orders[idx].parts.clone();
        for p in parts {
            if self
                .paper
                .order(&p)
                .is_some_and(|o| o.status == OrderStatus::Pending)
            {
                self.paper.cancel_order(&p).map_err(|e| engine_err(&e))?;
            }
        }
        let o = &mut self.orders[idx];
        o.deferred = Decimal::ZERO;
        o.final_status = Some("CANCELED");
        o.update_time = now;
        self.absorb(before, now);
        Ok(())
    }

    fn set_leverage(&mut self, req: &Req, now: i64) -> ApiResult {
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

    fn set_margin_type(&mut self, req: &Req) -> ApiResult {
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
    fn is_isolated(&self, s: &Symbol) -> bool {
        self.isolated.get(s).copied().unwrap_or(true)
    }

    fn leverage_bracket(&self, req: &Req) -> ApiResult {
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

    fn user_trades(&self, req: &Req) -> ApiResult {
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
                        "side": side_str(o.side),
                        "positionSide": "BOTH",
                        "symbol": sym.compact(),
                        "time": t.time,
                    })
                })
                .collect(),
        ))
    }

    fn ticker(&self, req: &Req, now: i64) -> ApiResult {
        let one = |s: &Symbol| json!({"symbol": s.compact(), "price": fixed(self.mark(s), self.pdp(s)), "time": now});
        match self.by_name.opt_symbol(req)? {
            Some(s) => Ok(one(&s)),
            None => Ok(Value::Array(self.cfg.rules.0.keys().map(one).collect())),
        }
    }

    fn premium_index(&self, req: &Req, now: i64) -> ApiResult {
        let next_funding = (now.div_euclid(8 * 3_600_000) + 1) * 8 * 3_600_000;
        let one = |s: &Symbol| {
            let p = fixed(self.mark(s), self.pdp(s) + 1);
            json!({
                "symbol": s.compact(),
                "markPrice": p,
                "indexPrice": p,
                "estimatedSettlePrice": p,
                "lastFundingRate": "0.00000000",
                "interestRate": "0.00000000",
                "nextFundingTime": next_funding,
                "time": now,
            })
        };
        match self.by_name.opt_symbol(req)? {
            Some(s) => Ok(one(&s)),
            None => Ok(Value::Array(self.cfg.rules.0.keys().map(one).collect())),
        }
    }

    fn exchange_info(&self, now: i64) -> Value {
        let symbols: Vec<Value> = self
            .cfg
            .rules
            .0
            .iter()
            .map(|(s, r)| {
                let (base, quote) = s.as_str().split_once('/').unwrap_or((s.as_str(), ""));
                json!({
                    "symbol": s.compact(),
                    "pair": s.compact(),
                    "contractType": "PERPETUAL",
                    "deliveryDate": 4_133_404_800_000_i64,
                    "onboardDate": 1_569_398_400_000_i64,
                    "status": "TRADING",
                    "maintMarginPercent": "2.5000",
                    "requiredMarginPercent": "5.0000",
                    "baseAsset": base,
                    "quoteAsset": quote,
                    "marginAsset": quote,
                    "pricePrecision": places(r.tick_size),
                    "quantityPrecision": places(r.step_size),
                    "baseAssetPrecision": 8,
                    "quotePrecision": 8,
                    "underlyingType": "COIN",
                    "underlyingSubType": [],
                    "settlePlan": 0,
                    "triggerProtect": "0.0500",
                    "liquidationFee": "0.012500",
                    "marketTakeBound": "0.05",
                    "maxMoveOrderLimit": 10000,
                    "filters": filters_json(Market::UsdM, r),
                    "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"],
                    "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
                })
            })
            .collect();
        json!({
            "timezone": "UTC",
            "serverTime": now,
            "futuresType": "U_MARGINED",
            "rateLimits": [
                {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400},
                {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
                {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300},
            ],
            "exchangeFilters": [],
            "assets": [{"asset": "USDT", "marginAvailable": true, "autoAssetExchange": "-10000"}],
            "symbols": symbols,
        })
    }

    /// Per-symbol figures: (amount signed, entry, mark, unrealized, isolated wallet,
    /// position initial margin, maintenance margin, open-order initial margin, liq price).
    fn figures(&self, s: &Symbol) -> Figures {
        let mark = self.mark(s);
        let order_im: Decimal = self
            .paper
            .open_orders()
            .filter(|o| &o.symbol == s)
            .map(|o| o.reserved)
            .sum();
        let leverage = self.paper.leverage_of(s);
        match self.paper.position_state(s) {
            Some(p) => {
                let sign = if p.side == PositionSide::Long {
                    Decimal::ONE
                } else {
                    -Decimal::ONE
                };
                let notional = p.amount * mark;
                let maint = self
                    .brackets(s)
                    .bracket_for(notional)
                    .map_or(Decimal::ZERO, |b| notional * b.maint_margin_ratio - b.cum)
                    .max(Decimal::ZERO);
                Figures {
                    amt: sign * p.amount,
                    entry: p.entry_price,
                    mark,
                    unrealized: p.unrealized_pnl,
                    wallet: p.margin,
                    initial: notional / Decimal::from(p.leverage),
                    maint,
                    order_im,
                    liq: p.liquidation_price.unwrap_or_default(),
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

    fn position_risk(&self, req: &Req, v3: bool, now: i64) -> ApiResult {
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
            let taker = self.cfg.paper.taker_fee;
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

    fn totals(&self) -> Totals {
        let mut t = Totals {
            wallet: self.paper.state().wallet,
            available: self.paper.free_balance(),
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

    fn balance(&self, now: i64) -> Value {
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

    fn account(&self, v3: bool, now: i64) -> Value {
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

    // ----- price updates --------------------------------------------------------------

    /// Mark a symbol: liquidations and resting fills (paper engine), deferred remainders,
    /// then conditional orders that the price reaches.
    ///
    /// # Errors
    /// A bad price (≤ 0, too large).
    pub fn set_price(&mut self, s: &Symbol, price: Decimal, ctx: &Ctx) -> Result<(), String> {
        if !self.cfg.rules.0.contains_key(s) {
            return Ok(());
        }
        let now = ctx.now;
        self.set_now(now);
        let before = self.paper.last_seq();
        self.paper
            .update_price(s.as_str(), price)
            .map_err(|e| e.to_string())?;
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
                Err(_) => o.final_status = Some("EXPIRED"),
            }
            self.absorb(before, now);
        }

        // Conditional orders, oldest first.
        let due: Vec<usize> = (0..self.algos.len())
            .filter(|&i| {
                let a = &self.algos[i];
                &a.symbol == s
                    && a.status == "NEW"
                    && a.actual_order.is_none()
                    && Self::triggers(a, price)
            })
            .collect();
        for i in due {
            self.fire(i, ctx);
        }
        Ok(())
    }

    fn fire(&mut self, i: usize, ctx: &Ctx) {
        let a = self.algos[i].clone();
        let amt = self.position_amt(&a.symbol);
        let qty = if a.close_position {
            match a.side {
                Side::Sell if amt > Decimal::ZERO => amt,
                Side::Buy if amt < Decimal::ZERO => -amt,
                _ => Decimal::ZERO,
            }
        } else {
            a.quantity.unwrap_or_default()
        };
        self.algos[i].trigger_time = ctx.now;
        self.algos[i].update_time = ctx.now;
        if qty.is_zero() {
            self.algos[i].status = "EXPIRED";
            return;
        }
        let new = NewOrder {
            symbol: a.symbol.clone(),
            side: a.side,
            is_market: a.price.is_none(),
            tif: a.tif,
            qty,
            price: a.price.unwrap_or_default(),
            reduce_only: a.reduce_only || a.close_position,
            close_position: a.close_position,
            client_order_id: a.client_algo_id.clone(),
            orig_type: a.order_type,
            stop_price: a.trigger_price,
            working_type: a.working_type.clone(),
        };
        // Triggered orders are not subject to injected late landing.
        let quiet = Ctx {
            late_landing_ms: 0,
            ..*ctx
        };
        match self.place(new, &quiet) {
            Ok(idx) => self.algos[i].actual_order = Some(idx),
            Err(_) => self.algos[i].status = "REJECTED",
        }
    }

    /// A JSON summary for `/_iftb/state`.
    #[must_use]
    pub fn state_json(&self, now: i64) -> Value {
        let t = self.totals();
        json!({
            "walletBalance": plain(t.wallet),
            "availableBalance": plain(t.available),
            "unrealizedProfit": plain(t.unrealized),
            "feesPaid": plain(self.paper.state().fees_paid),
            "realizedPnl": plain(self.paper.state().realized_pnl),
            "positions": self.cfg.rules.0.keys().filter_map(|s| {
                let f = self.figures(s);
                (!f.amt.is_zero()).then(|| json!({
                    "symbol": s.compact(), "positionAmt": plain(f.amt), "entryPrice": plain(f.entry),
                    "markPrice": plain(f.mark), "unrealizedProfit": plain(f.unrealized),
                    "liquidationPrice": plain(f.liq), "leverage": f.leverage,
                }))
            }).collect::<Vec<_>>(),
            "openOrders": self.orders.iter().filter(|o| self.is_open(o)).map(|o| self.order_json(o, Resp::Result, true)).collect::<Vec<_>>(),
            "openAlgoOrders": self.algos.iter().filter(|a| self.algo_status(a) == "NEW").map(|a| self.algo_json(a)).collect::<Vec<_>>(),
            "orders": self.orders.len(),
            "time": now,
        })
    }
}

#[derive(Debug, Clone, Default)]
struct Figures {
    amt: Decimal,
    entry: Decimal,
    mark: Decimal,
    unrealized: Decimal,
    wallet: Decimal,
    initial: Decimal,
    maint: Decimal,
    order_im: Decimal,
    liq: Decimal,
    leverage: u32,
}

#[derive(Debug, Clone, Default)]
struct Totals {
    wallet: Decimal,
    available: Decimal,
    unrealized: Decimal,
    position_im: Decimal,
    order_im: Decimal,
    maint: Decimal,
    isolated_wallet: Decimal,
}

/// A decimal as a JSON number (leverageBracket publishes numbers).
fn num(d: Decimal) -> Value {
    serde_json::from_str(&plain(d)).unwrap_or(Value::Null)
}
