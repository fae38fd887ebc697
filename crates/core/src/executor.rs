//! `OrderExecutor`: the unified interface over a venue (paper or live) with validation, risk
//! controls, stop-loss / take-profit management, loss limits and a structured execution log.

use crate::decision::{Action, EntryType, ExecutionRequest};
use crate::error::{EngineError, OrderError, Result, RiskError, ValidationError};
use crate::events::{EngineEvent, EventRecord};
use crate::ledger::trigger::protection_error;
use crate::ledger::{Direction, Isolated, MarginModel, Trigger};
use crate::money::{Money, Price, Quantity, Rate};
use crate::num;
use crate::order::{closing_order, Order, OrderRequest, OrderStatus};
use crate::position::{AccountState, PositionState};
use crate::rules::MarketRules;
use crate::settings::TradingSettings;
use crate::types::{OrderType, PositionSide, Symbol};
use crate::venue::ExecutionVenue;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

const DAY_MS: u64 = 86_400_000;

/// Log levels, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Everything.
    Debug,
    /// Normal operation.
    Info,
    /// Refusals and unusual events.
    Warn,
    /// Failures.
    Error,
}

impl std::str::FromStr for LogLevel {
    type Err = ValidationError;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "debug" => Ok(Self::Debug),
            "info" => Ok(Self::Info),
            "warn" | "warning" => Ok(Self::Warn),
            "error" => Ok(Self::Error),
            _ => Err(ValidationError::InvalidConfig(format!(
                "logLevel must be debug, info, warn or error, got {s:?}"
            ))),
        }
    }
}

/// One structured execution-log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogRecord {
    /// When, ms.
    #[serde(rename = "timestamp")]
    pub timestamp_ms: u64,
    /// Severity.
    pub level: LogLevel,
    /// What kind of step: `request`, `validation`, `order`, `fill`, `protection`,
    /// `emergencyClose`, `lossLimit`, `position`.
    pub event: String,
    /// Human-readable text.
    pub message: String,
    /// Order concerned.
    pub order_id: Option<String>,
    /// Symbol concerned.
    pub symbol: Option<String>,
}

/// Loss-limit bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RiskState {
    /// UTC day number (ms / 86.4M) the daily figures belong to.
    pub day: u64,
    /// Equity at the start of that day (or at the last reset).
    pub day_start_equity: Money,
    /// Highest equity seen since the last reset.
    pub peak_equity: Money,
    /// Why new risk is refused, when it is.
    pub tripped: Option<String>,
}

/// Executor state that is not the venue's (persisted in snapshots).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExecutorState {
    /// Stop-loss / take-profit to attach when a resting entry order fills.
    pub pending_protection: BTreeMap<String, (Option<Price>, Option<Price>)>,
    /// Loss limits.
    pub risk: RiskState,
}

/// The unified executor.
///
/// Every method takes `&self`: state lives in cells that are borrowed only between awaits,
/// never across one, so calls may run concurrently (a live venue awaits the network).
pub struct OrderExecutor<V> {
    venue: V,
    settings: TradingSettings,
    rules: MarketRules,
    state: RefCell<ExecutorState>,
    log_level: Cell<LogLevel>,
    log: RefCell<Vec<LogRecord>>,
    now: crate::clock::SharedClock,
}

impl<V> std::fmt::Debug for OrderExecutor<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderExecutor")
            .field("settings", &self.settings)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// What `account_status` reports (the spec's `get_account_status` dict).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountStatus {
    /// `"paper"` or `"live"`.
    pub mode: &'static str,
    /// Free balance.
    pub balance: Money,
    /// Wallet balance (initial − fees + realized).
    pub wallet_balance: Money,
    /// Wallet + unrealized PnL.
    pub total_equity: Money,
    /// Open positions.
    pub positions_count: usize,
    /// The positions.
    pub positions: Vec<PositionState>,
    /// Unrealized PnL.
    pub unrealized_pnl: Money,
    /// Realized PnL.
    pub realized_pnl: Money,
    /// Margin held by positions.
    pub margin_used: Money,
    /// Held by resting orders.
    pub reserved: Money,
    /// Fees paid.
    pub fees_paid: Money,
    /// Pending orders.
    pub open_orders_count: usize,
    /// Why new risk is refused, if it is.
    pub loss_limit: Option<String>,
}

impl<V: ExecutionVenue> OrderExecutor<V> {
    /// Wrap a venue.
    ///
    /// # Errors
    /// Invalid settings.
    pub fn new(
        venue: V,
        settings: TradingSettings,
        rules: MarketRules,
        clock: crate::clock::SharedClock,
        equity: Money,
    ) -> Result<Self> {
        settings.validate()?;
        let day = clock.now_ms() / DAY_MS;
        Ok(Self {
            venue,
            settings,
            rules,
            state: RefCell::new(ExecutorState {
                pending_protection: BTreeMap::new(),
                risk: RiskState {
                    day,
                    day_start_equity: equity,
                    peak_equity: equity,
                    tripped: None,
                },
            }),
            log_level: Cell::new(LogLevel::Info),
            log: RefCell::new(Vec::new()),
            now: clock,
        })
    }

    /// Rebuild with saved executor state.
    pub fn with_state(self, state: ExecutorState) -> Self {
        *self.state.borrow_mut() = state;
        self
    }

    /// The venue.
    pub fn venue(&self) -> &V {
        &self.venue
    }

    /// Settings.
    pub fn settings(&self) -> &TradingSettings {
        &self.settings
    }

    /// Market rules.
    pub fn rules(&self) -> &MarketRules {
        &self.rules
    }

    /// Executor state (for snapshots).
    pub fn state(&self) -> ExecutorState {
        self.state.borrow().clone()
    }

    /// Set the minimum level recorded in the log.
    pub fn set_log_level(&self, level: LogLevel) {
        self.log_level.set(level);
    }

    /// Take the log records written since the last call.
    pub fn drain_log(&self) -> Vec<LogRecord> {
        std::mem::take(&mut *self.log.borrow_mut())
    }

    fn log(
        &self,
        level: LogLevel,
        event: &str,
        message: String,
        order_id: Option<&str>,
        symbol: Option<&str>,
    ) {
        if level < self.log_level.get() {
            return;
        }
        self.log.borrow_mut().push(LogRecord {
            timestamp_ms: self.now.now_ms(),
            level,
            event: event.to_owned(),
            message,
            order_id: order_id.map(str::to_owned),
            symbol: symbol.map(str::to_owned),
        });
    }

    fn log_err<T>(&self, symbol: &str, r: Result<T>) -> Result<T> {
        if let Err(e) = &r {
            self.log(
                LogLevel::Warn,
                "validation",
                format!("rejected [{}]: {e}", e.code()),
                None,
                Some(symbol),
            );
        }
        r
    }

    /// Execute a request: validate, check risk, place, attach SL/TP.
    ///
    /// # Errors
    /// Every validation check and risk control has its own code (see the README); an order
    /// the venue rejects (e.g. insufficient balance) is returned with status `failed`.
    pub async fn execute(&self, req: &ExecutionRequest) -> Result<Order> {
        self.log(
            LogLevel::Info,
            "request",
            format!(
                "{} {} {}{}{}",
                req.action.as_str(),
                req.amount,
                req.symbol,
                req.entry_price
                    .map(|p| format!(" @ {p}"))
                    .unwrap_or_default(),
                req.reason
                    .as_ref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ),
            None,
            Some(&req.symbol),
        );
        let plan = self.plan(req).await;
        let plan = self.log_err(&req.symbol, plan)?;
        let order = self
            .venue
            .place_order(&plan.order, plan.current_price)
            .await;
        let order = self.log_err(&req.symbol, order)?;
        let (sl, tp) = if plan.opens {
            (req.stop_loss, req.take_profit)
        } else {
            if req.stop_loss.is_some() || req.take_profit.is_some() {
                self.log(
                    LogLevel::Warn,
                    "protection",
                    "stopLoss/takeProfit ignored: this request only reduces or closes a position (use updateStopLoss/updateTakeProfit)".into(),
                    Some(&order.id),
                    Some(&req.symbol),
                );
            }
            (None, None)
        };
        self.after_order(&order, sl, tp).await;
        self.check_loss_limits().await?;
        Ok(order)
    }

    /// Log the outcome and attach protection. The order has executed by now, so a failure to
    /// attach is logged at error level, never turned into a rejection of the executed order.
    async fn after_order(&self, order: &Order, sl: Option<Price>, tp: Option<Price>) {
        let sym = order.symbol.to_string();
        match order.status {
            OrderStatus::Filled => {
                self.log(
                    LogLevel::Info,
                    "fill",
                    format!(
                        "{} {} {} filled at {} (fee {})",
                        order.side.as_str(),
                        order.filled_amount.unwrap_or_default(),
                        sym,
                        order.filled_price.unwrap_or_default(),
                        order.fee.unwrap_or_default()
                    ),
                    Some(&order.id),
                    Some(&sym),
                );
                if let Err(e) = self.protect(&sym, sl, tp).await {
                    let msg = format!("could not attach stop-loss/take-profit after the fill: {e}");
                    self.log(
                        LogLevel::Error,
                        "protection",
                        msg,
                        Some(&order.id),
                        Some(&sym),
                    );
                }
            }
            OrderStatus::Pending | OrderStatus::Triggered | OrderStatus::PartiallyFilled => {
                self.log(
                    LogLevel::Info,
                    "order",
                    format!("{} order resting", order.order_type.as_str()),
                    Some(&order.id),
                    Some(&sym),
                );
                if sl.is_some() || tp.is_some() {
                    self.state
                        .borrow_mut()
                        .pending_protection
                        .insert(order.id.clone(), (sl, tp));
                }
            }
            OrderStatus::Failed => {
                let msg = order.error_message.clone().unwrap_or_default();
                self.log(
                    LogLevel::Warn,
                    "order",
                    format!("order failed: {msg}"),
                    Some(&order.id),
                    Some(&sym),
                );
            }
            OrderStatus::Cancelled | OrderStatus::Expired => {
                self.log(
                    LogLevel::Info,
                    "order",
                    format!("order {}", order.status.as_str()),
                    Some(&order.id),
                    Some(&sym),
                );
            }
        }
    }

    async fn protect(&self, symbol: &str, sl: Option<Price>, tp: Option<Price>) -> Result<()> {
        for (kind, level) in [(OrderType::StopLoss, sl), (OrderType::TakeProfit, tp)] {
            if let Some(level) = level {
                self.venue.set_protection(symbol, kind, Some(level)).await?;
                self.log(
                    LogLevel::Info,
                    "protection",
                    format!("{} set at {level}", kind.as_str()),
                    None,
                    Some(symbol),
                );
            }
        }
        Ok(())
    }

    async fn plan(&self, req: &ExecutionRequest) -> Result<Plan> {
        let symbol = Symbol::parse(&req.symbol)?;
        let amount = Quantity(num::positive_amount(req.amount.0)?);
        let positions = self.venue.positions().await?;
        let position = positions.iter().find(|p| p.symbol == symbol);
        let leverage = req
            .leverage
            .unwrap_or_else(|| position.map_or(self.settings.default_leverage, |p| p.leverage));
        if leverage == 0 {
            return Err(ValidationError::InvalidLeverage {
                value: "0".into(),
                max: self.settings.max_leverage,
            }
            .into());
        }
        if leverage > self.settings.max_leverage {
            return Err(RiskError::LeverageExceeded {
                requested: leverage,
                max: self.settings.max_leverage,
            }
            .into());
        }
        for (field, p) in [
            ("entryPrice", req.entry_price),
            ("stopLoss", req.stop_loss),
            ("takeProfit", req.take_profit),
        ] {
            if let Some(p) = p {
                num::positive_price(field, p.0)?;
            }
        }
        let reference = match (req.order_type, req.entry_price) {
            (EntryType::Limit, None) => return Err(ValidationError::MissingPrice.into()),
            (_, Some(p)) => p,
            (EntryType::Market, None) => self
                .venue
                .last_price(&symbol)
                .ok_or_else(|| OrderError::NoPrice(symbol.to_string()))?,
        };
        let rules = self.rules.get(&symbol).cloned();
        let order_type = match req.order_type {
            EntryType::Market => OrderType::Market,
            EntryType::Limit => OrderType::Limit,
        };
        let limit_price = (req.order_type == EntryType::Limit).then_some(reference);

        if req.action == Action::Close {
            let p = position.ok_or_else(|| OrderError::NoPosition(symbol.to_string()))?;
            let qty = amount.min(p.amount);
            if let Some(r) = &rules {
                if qty < p.amount {
                    r.check_amount(&symbol, qty.0)?;
                }
                if req.order_type == EntryType::Limit {
                    r.check_price(&symbol, "entryPrice", reference.0)?;
                }
            }
            let mut order = closing_order(symbol, p.side.closing_side(), qty, p.leverage);
            order.order_type = order_type;
            order.price = limit_price;
            return Ok(Plan {
                order,
                current_price: current_price(req),
                opens: false,
            });
        }

        let side = if req.action == Action::Long {
            PositionSide::Long
        } else {
            PositionSide::Short
        };
        let (same, opposite) = match position {
            Some(p) if p.side == side => (p.amount, Quantity::ZERO),
            Some(p) => (Quantity::ZERO, p.amount),
            None => (Quantity::ZERO, Quantity::ZERO),
        };
        let opening = (amount - opposite).max(Quantity::ZERO);
        let opens = !opening.is_zero();
        // Stop-loss / take-profit against the entry, when the request opens exposure (they
        // belong to the resulting position; a pure reduction ignores them). A level the entry
        // already reaches is on the wrong side (the ledger's trigger table).
        for (kind, level) in [
            (Trigger::StopLoss, req.stop_loss),
            (Trigger::TakeProfit, req.take_profit),
        ] {
            if let Some(level) = level.filter(|_| opens) {
                if Direction::protecting(kind, side).reached(level, reference) {
                    return Err(protection_error(kind, side, level, "entry", reference).into());
                }
            }
        }
        let order_side = side.opening_side();
        // Exchange rules: every filter the exchange applies (paper rejects what live would).
        if let Some(r) = &rules {
            let limit = req.order_type == EntryType::Limit;
            r.check_order(
                &symbol,
                &crate::rules::OrderCheck {
                    is_market: !limit,
                    side: order_side,
                    amount: amount.0,
                    price: limit.then_some(reference.0),
                    stop_price: None,
                    reference: Some(reference.0),
                },
            )
            .map_err(|e| match e {
                ValidationError::InvalidTickSize {
                    symbol,
                    price,
                    tick,
                    ..
                } => ValidationError::InvalidTickSize {
                    field: "entryPrice",
                    symbol,
                    price,
                    tick,
                },
                other => other,
            })?;
            if let Some(sl) = req.stop_loss.filter(|_| opens) {
                r.check_price(&symbol, "stopLoss", sl.0)?;
                r.check_price_range(&symbol, "stopLoss", sl.0)?;
            }
            if let Some(tp) = req.take_profit.filter(|_| opens) {
                r.check_price(&symbol, "takeProfit", tp.0)?;
                r.check_price_range(&symbol, "takeProfit", tp.0)?;
            }
        }
        // Risk: only a request that increases exposure is limited. The position's margin is
        // the ledger's initial margin (notional ÷ leverage) of the resulting size at the entry.
        if opens {
            let tripped = self.state.borrow().risk.tripped.clone();
            if let Some(why) = tripped {
                return Err(RiskError::LossLimitReached(why).into());
            }
            let account = self.venue.account().await?;
            let size = same + opening;
            let notional = num::mul(size.0, reference.0, "notional")?;
            let margin = Isolated
                .initial(notional, leverage)
                .ok_or(crate::error::EngineError::Overflow("margin"))?;
            let limit = Money(num::money(num::mul(
                self.settings.max_position_size.0,
                account.equity.0,
                "limit",
            )?));
            if margin > limit {
                return Err(RiskError::PositionSizeExceeded {
                    margin: margin.0,
                    notional: notional.normalize(),
                    leverage,
                    max_fraction: self.settings.max_position_size.0,
                    equity: account.equity.0,
                    limit: limit.0,
                }
                .into());
            }
        }
        let mut order = OrderRequest::new(symbol, order_side, order_type, amount);
        order.price = limit_price;
        order.leverage = Some(leverage);
        Ok(Plan {
            order,
            current_price: current_price(req),
            opens,
        })
    }

    /// Feed a price: fills, SL/TP, liquidations; attaches protection to entries that filled;
    /// re-evaluates loss limits.
    ///
    /// # Errors
    /// Bad symbol or price.
    pub async fn update_price(&self, symbol: &str, price: Price) -> Result<Vec<EventRecord>> {
        let events = self.venue.update_price(symbol, price)?;
        for r in &events {
            match &r.event {
                EngineEvent::OrderFilled { order_id, .. } => {
                    let attach = self.state.borrow_mut().pending_protection.remove(order_id);
                    if let Some((sl, tp)) = attach {
                        if let Err(e) = self.protect(symbol, sl, tp).await {
                            self.log(
                                LogLevel::Error,
                                "protection",
                                format!("could not attach protection after fill: {e}"),
                                Some(order_id),
                                Some(symbol),
                            );
                        }
                    }
                }
                EngineEvent::OrderCancelled { order_id, .. }
                | EngineEvent::OrderFailed { order_id, .. } => {
                    self.state.borrow_mut().pending_protection.remove(order_id);
                }
                EngineEvent::StopLossTriggered {
                    order_id, price, ..
                } => {
                    self.log(
                        LogLevel::Warn,
                        "protection",
                        format!("stop-loss triggered at {price}"),
                        Some(order_id),
                        Some(symbol),
                    );
                }
                EngineEvent::TakeProfitTriggered {
                    order_id, price, ..
                } => {
                    self.log(
                        LogLevel::Info,
                        "protection",
                        format!("take-profit triggered at {price}"),
                        Some(order_id),
                        Some(symbol),
                    );
                }
                EngineEvent::PositionLiquidated {
                    price,
                    realized_pnl,
                    ..
                } => {
                    self.log(
                        LogLevel::Error,
                        "position",
                        format!("position liquidated at {price} (realized {realized_pnl})"),
                        None,
                        Some(symbol),
                    );
                }
                EngineEvent::PositionClosed {
                    realized_pnl,
                    reason,
                    ..
                } => {
                    self.log(
                        LogLevel::Info,
                        "position",
                        format!("position closed ({reason:?}), realized {realized_pnl}"),
                        None,
                        Some(symbol),
                    );
                }
                _ => {}
            }
        }
        self.check_loss_limits().await?;
        Ok(events)
    }

    /// Move the position's stop-loss (validated against the position side and current price).
    ///
    /// # Errors
    /// `NO_POSITION`, `INVALID_STOP_LOSS`, tick size.
    pub async fn update_stop_loss(&self, symbol: &str, price: Price) -> Result<PositionState> {
        self.set_protection(symbol, OrderType::StopLoss, Some(price))
            .await
    }

    /// Move the position's take-profit.
    ///
    /// # Errors
    /// `NO_POSITION`, `INVALID_TAKE_PROFIT`, tick size.
    pub async fn update_take_profit(&self, symbol: &str, price: Price) -> Result<PositionState> {
        self.set_protection(symbol, OrderType::TakeProfit, Some(price))
            .await
    }

    /// Set, move or (`None`) remove the position's stop-loss or take-profit (`kind`); removing
    /// one that is not set is not an error.
    ///
    /// # Errors
    /// `NO_POSITION`, `INVALID_STOP_LOSS` / `INVALID_TAKE_PROFIT`, tick size, bad symbol.
    pub async fn set_protection(
        &self,
        symbol: &str,
        kind: OrderType,
        price: Option<Price>,
    ) -> Result<PositionState> {
        let sym = Symbol::parse(symbol)?;
        if let Some(price) = price {
            let field = if kind == OrderType::StopLoss {
                "stopLoss"
            } else {
                "takeProfit"
            };
            num::positive_price(field, price.0)?;
            if let Some(r) = self.rules.get(&sym) {
                let checked = r.check_price(&sym, field, price.0);
                self.log_err(symbol, checked.map_err(EngineError::from))?;
            }
        }
        let r = self.venue.set_protection(symbol, kind, price).await;
        let p = self.log_err(symbol, r)?;
        let what = price.map_or_else(|| "removed".to_owned(), |p| format!("moved to {p}"));
        self.log(
            LogLevel::Info,
            "protection",
            format!("{} {what}", kind.as_str()),
            None,
            Some(symbol),
        );
        Ok(p)
    }

    /// Cancel a pending order.
    ///
    /// # Errors
    /// Unknown or finished order.
    pub async fn cancel_order(&self, id: &str) -> Result<Order> {
        let o = self.venue.cancel_order(id).await?;
        self.state.borrow_mut().pending_protection.remove(id);
        self.log(
            LogLevel::Info,
            "order",
            "order cancelled".into(),
            Some(id),
            Some(o.symbol.as_str()),
        );
        Ok(o)
    }

    /// Close every open position at the market (cancelling their protective orders) and
    /// cancel every other pending order (resting entries included). Returns the closing
    /// orders.
    ///
    /// # Errors
    /// Venue failures (live); each position is attempted.
    pub async fn emergency_close_all(&self) -> Result<Vec<Order>> {
        let positions = self.venue.positions().await?;
        self.log(
            LogLevel::Warn,
            "emergencyClose",
            format!("closing {} position(s)", positions.len()),
            None,
            None,
        );
        let mut closed = Vec::new();
        let mut first_err = None;
        for p in positions {
            let sym = p.symbol.to_string();
            match self.venue.close_position(&sym, None).await {
                Ok(o) => {
                    self.log(
                        LogLevel::Warn,
                        "emergencyClose",
                        format!(
                            "closed {} {} at {}",
                            p.side.as_str(),
                            p.amount,
                            o.filled_price.unwrap_or_default()
                        ),
                        Some(&o.id),
                        Some(&sym),
                    );
                    closed.push(o);
                }
                Err(e) => {
                    self.log(
                        LogLevel::Error,
                        "emergencyClose",
                        format!("could not close: {e}"),
                        None,
                        Some(&sym),
                    );
                    first_err.get_or_insert(e);
                }
            }
        }
        // Then every order still resting: entries waiting to fill, and protective orders
        // of positions that are gone.
        for id in self.venue.open_order_ids() {
            if self
                .venue
                .find_order(&id)
                .is_some_and(|o| o.status.is_open())
            {
                if let Err(e) = self.cancel_order(&id).await {
                    self.log(
                        LogLevel::Error,
                        "emergencyClose",
                        format!("could not cancel: {e}"),
                        Some(&id),
                        None,
                    );
                    first_err.get_or_insert(e);
                }
            }
        }
        self.state.borrow_mut().pending_protection.clear();
        match first_err {
            Some(e) if closed.is_empty() => Err(e),
            _ => Ok(closed),
        }
    }

    /// The spec's account status.
    ///
    /// # Errors
    /// Venue failures (live).
    pub async fn account_status(&self, mode: &'static str) -> Result<AccountStatus> {
        let a: AccountState = self.venue.account().await?;
        let positions = self.venue.positions().await?;
        Ok(AccountStatus {
            mode,
            balance: a.balance,
            wallet_balance: a.wallet_balance,
            total_equity: a.equity,
            positions_count: positions.len(),
            positions,
            unrealized_pnl: a.unrealized_pnl,
            realized_pnl: a.realized_pnl,
            margin_used: a.margin_used,
            reserved: a.reserved,
            fees_paid: a.fees_paid,
            open_orders_count: a.open_orders_count,
            loss_limit: self.state.borrow().risk.tripped.clone(),
        })
    }

    /// Re-evaluate the daily-loss and drawdown limits at the current equity.
    ///
    /// # Errors
    /// Venue failures (live).
    pub async fn check_loss_limits(&self) -> Result<()> {
        let equity = self.venue.account().await?.equity;
        let day = self.now.now_ms() / DAY_MS;
        let mut state = self.state.borrow_mut();
        let risk = &mut state.risk;
        if risk.day_start_equity.is_zero() {
            // A live venue's equity is not known at construction: the first reading is
            // the baseline.
            risk.day_start_equity = equity;
        }
        if day != risk.day {
            risk.day = day;
            risk.day_start_equity = equity;
            if risk
                .tripped
                .as_deref()
                .is_some_and(|t| t.starts_with("daily"))
            {
                risk.tripped = None;
            }
        }
        risk.peak_equity = risk.peak_equity.max(equity);
        if risk.tripped.is_some() {
            return Ok(());
        }
        let mut why = None;
        if let Some(Rate(max)) = self.settings.max_daily_loss {
            let (start, equity) = (risk.day_start_equity.0, equity.0);
            if start > Decimal::ZERO && (start - equity) / start >= max {
                why = Some(format!("daily loss limit reached: equity {equity} is down {}% from {start} (limit {}%)", ((start - equity) / start * Decimal::ONE_HUNDRED).round_dp(2), max * Decimal::ONE_HUNDRED));
            }
        }
        if let Some(Rate(max)) = self.settings.max_drawdown {
            let (peak, equity) = (risk.peak_equity.0, equity.0);
            if why.is_none() && peak > Decimal::ZERO && (peak - equity) / peak >= max {
                why = Some(format!("drawdown limit reached: equity {equity} is down {}% from its peak {peak} (limit {}%)", ((peak - equity) / peak * Decimal::ONE_HUNDRED).round_dp(2), max * Decimal::ONE_HUNDRED));
            }
        }
        if let Some(w) = why {
            risk.tripped = Some(w.clone());
            drop(state);
            self.log(LogLevel::Error, "lossLimit", w, None, None);
        }
        Ok(())
    }

    /// Clear a tripped loss limit and start measuring again from the current equity.
    ///
    /// # Errors
    /// Venue failures (live).
    pub async fn reset_loss_limits(&self) -> Result<()> {
        let equity = self.venue.account().await?.equity;
        {
            let risk = &mut self.state.borrow_mut().risk;
            risk.tripped = None;
            risk.day_start_equity = equity;
            risk.peak_equity = equity;
            risk.day = self.now.now_ms() / DAY_MS;
        }
        self.log(
            LogLevel::Warn,
            "lossLimit",
            format!("loss limits reset at equity {equity}"),
            None,
            None,
        );
        Ok(())
    }

    /// Unwrap into the venue (snapshot/restore).
    pub fn into_parts(self) -> (V, ExecutorState) {
        (self.venue, self.state.into_inner())
    }
}

struct Plan {
    order: OrderRequest,
    current_price: Option<Price>,
    /// The request opens or increases exposure (so SL/TP apply to the resulting position).
    opens: bool,
}

/// For a market order the request's entry price is the current market price (the spec:
/// "uses market if None"); a limit order's entry price is its limit, not the market.
fn current_price(req: &ExecutionRequest) -> Option<Price> {
    match req.order_type {
        EntryType::Market => req.entry_price,
        EntryType::Limit => None,
    }
}
