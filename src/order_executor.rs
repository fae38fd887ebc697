//! `OrderExecutor`: the unified paper/live interface, as the spec's JS class.

use crate::convert::{self, get};
use crate::error::{Error, JsResult};
use crate::host;
use crate::paper_trader::{js_clock, promise};
use iftb_core::settings::SettingsPatch;
use iftb_core::{
    complete_now, Action, Decimal, DecisionAction, EntryType, ExecutionRequest, LogLevel,
    LogRecord, MarketRules, Money, OrderType, PaperVenue, Quantity, Snapshot, Subscription, Symbol,
    SymbolRules, TradingDecision, TradingSettings, ValidationError, MAX_LEVERAGE,
};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

type Core = iftb_core::OrderExecutor<PaperVenue>;
type LiveCore = iftb_core::OrderExecutor<crate::live_executor::Client>;

/// Paper engine in-process, or live over the exchange (shared, so async calls never hold a
/// borrow of the JS object across an await).
enum Mode {
    Paper(Box<Core>),
    Live(Rc<LiveCore>),
}

enum Logger {
    Console,
    Callback(js_sys::Function),
    Off,
}

/// Options of the executor beyond the trading settings.
struct Extras {
    rules: MarketRules,
    log_level: LogLevel,
    logger: Logger,
    state_path: Option<String>,
    /// `clock`: the executor's "now" (e.g. a replay's market time); `Date.now()` by default.
    clock: iftb_core::SharedClock,
}

/// The settings an options object gives (conversion only; precedence and checks are the
/// core's: `SettingsPatch::apply`, `TradingSettings::resolve`).
fn settings_patch(options: &JsValue) -> JsResult<SettingsPatch> {
    let mut p = SettingsPatch::default();
    if options.is_undefined() || options.is_null() {
        return Ok(p);
    }
    let o = convert::object(options, "options")?;
    let paper = get(o, "paperMode");
    if let Some(b) = paper.as_bool() {
        p.paper_trading = Some(b);
    } else if !paper.is_undefined() && !paper.is_null() {
        return Err(
            ValidationError::InvalidConfig("paperMode must be true or false".into()).into(),
        );
    }
    let rate = |key: &'static str| convert::opt_rate(key, &get(o, key));
    p.initial_balance =
        convert::opt_decimal("initialBalance", &get(o, "initialBalance"))?.map(Money);
    p.maker_fee = rate("makerFee")?;
    p.taker_fee = rate("takerFee")?;
    p.slippage = rate("slippage")?;
    p.max_position_size = rate("maxPositionSize")?;
    p.max_daily_loss = rate("maxDailyLoss")?;
    p.max_drawdown = rate("maxDrawdown")?;
    let lev = |key: &str| {
        convert::leverage(&get(o, key), MAX_LEVERAGE).map_err(|_| {
            ValidationError::InvalidConfig(format!(
                "{key} must be a whole number from 1 to {MAX_LEVERAGE}"
            ))
        })
    };
    p.max_leverage = lev("maxLeverage")?;
    p.default_leverage = lev("defaultLeverage")?;
    p.log_level = get(o, "logLevel").as_string();
    p.state_path = convert::opt_string(&get(o, "statePath"), |v| {
        ValidationError::InvalidConfig(format!("statePath must be a string, got {v}"))
    })?;
    Ok(p)
}

fn extras_from(options: &JsValue) -> JsResult<Extras> {
    let mut x = Extras {
        rules: MarketRules::defaults(),
        log_level: LogLevel::Info,
        logger: Logger::Console,
        state_path: None,
        clock: js_clock(),
    };
    if options.is_undefined() || options.is_null() {
        return Ok(x);
    }
    let clock = get(options, "clock");
    if clock.is_function() {
        x.clock = clock_from(clock.unchecked_into());
    } else if !clock.is_undefined() && !clock.is_null() {
        return Err(ValidationError::InvalidConfig(
            "clock must be a function returning the time in ms".into(),
        )
        .into());
    }
    let rules = get(options, "marketRules");
    if rules.is_null() {
        x.rules = MarketRules::default();
    } else if !rules.is_undefined() {
        x.rules = market_rules(&rules)?;
    }
    if let Some(l) = get(options, "logLevel").as_string() {
        x.log_level = l.parse()?;
    }
    let logger = get(options, "logger");
    if logger.is_function() {
        x.logger = Logger::Callback(logger.unchecked_into());
    } else if logger.is_null() || logger.as_bool() == Some(false) {
        x.logger = Logger::Off;
    } else if !logger.is_undefined() {
        return Err(ValidationError::InvalidConfig(
            "logger must be a function, null or false".into(),
        )
        .into());
    }
    x.state_path = convert::opt_string(&get(options, "statePath"), |v| {
        ValidationError::InvalidConfig(format!("statePath must be a string, got {v}"))
    })?;
    Ok(x)
}

/// A clock reading a JS function (ms since the epoch). A call that throws or returns
/// something other than a finite number ≥ 0 reads the wall clock instead.
fn clock_from(f: js_sys::Function) -> iftb_core::SharedClock {
    Rc::new(move || {
        f.call0(&JsValue::NULL)
            .ok()
            .and_then(|v| v.as_f64())
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
            // A finite, non-negative time in ms is well inside u64.
            .map_or_else(crate::paper_trader::now_ms, |ms| {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let ms = ms as u64;
                ms
            })
    })
}

fn market_rules(v: &JsValue) -> JsResult<MarketRules> {
    let o = convert::object(v, "marketRules")?;
    // `{ exchangeInfo }`: the exchange's own filters (an exchangeInfo answer, text or object).
    let info = get(o, "exchangeInfo");
    if !info.is_undefined() {
        let text = match info.as_string() {
            Some(t) => t,
            None => js_sys::JSON::stringify(&info)
                .map(String::from)
                .map_err(|_| {
                    ValidationError::InvalidConfig("marketRules.exchangeInfo is not JSON".into())
                })?,
        };
        return Ok(MarketRules::from_exchange_info(&text)?);
    }
    let mut rules = MarketRules::default();
    for key in js_sys::Object::keys(&js_sys::Object::from(o.clone())).iter() {
        let name = key.as_string().unwrap_or_default();
        let r = get(o, &name);
        let f = |k: &'static str| -> JsResult<Decimal> {
            Ok(convert::opt_decimal(k, &get(&r, k))?.unwrap_or(Decimal::ZERO))
        };
        rules.0.insert(
            Symbol::parse(&name)?,
            SymbolRules {
                min_qty: f("minQty")?,
                max_qty: f("maxQty")?,
                step_size: f("stepSize")?,
                tick_size: f("tickSize")?,
                min_notional: f("minNotional")?,
                min_price: f("minPrice")?,
                max_price: f("maxPrice")?,
                market_min_qty: f("marketMinQty")?,
                market_max_qty: f("marketMaxQty")?,
                market_step_size: f("marketStepSize")?,
                max_notional: f("maxNotional")?,
                multiplier_up: f("multiplierUp")?,
                multiplier_down: f("multiplierDown")?,
            },
        );
    }
    Ok(rules)
}

/// `orderType`: `"market"` (default) or `"limit"`.
fn entry_type(o: &JsValue) -> JsResult<EntryType> {
    Ok(
        convert::opt_string(&get(o, "orderType"), ValidationError::InvalidOrderType)?
            .map(|t| t.parse::<EntryType>())
            .transpose()?
            .unwrap_or_default(),
    )
}

fn opt_dec_field<T: From<Decimal>>(o: &JsValue, key: &'static str) -> JsResult<Option<T>> {
    Ok(convert::opt_decimal(key, &get(o, key))?.map(T::from))
}

fn execution_request(v: &JsValue) -> JsResult<ExecutionRequest> {
    let o = convert::object(v, "request")?;
    let action = convert::string(&get(o, "action"), |g| {
        ValidationError::InvalidRequest(format!(
            "action must be \"long\", \"short\" or \"close\", got {g}"
        ))
    })?;
    let action: Action = action.parse()?;
    let amount = get(o, "amount");
    if amount.is_undefined() || amount.is_null() {
        return Err(ValidationError::InvalidAmount("missing".into()).into());
    }
    let order_type = entry_type(o)?;
    Ok(ExecutionRequest {
        action,
        symbol: convert::string(&get(o, "symbol"), ValidationError::InvalidSymbol)?,
        amount: Quantity(convert::decimal("amount", &amount)?),
        entry_price: opt_dec_field(o, "entryPrice")?,
        stop_loss: opt_dec_field(o, "stopLoss")?,
        take_profit: opt_dec_field(o, "takeProfit")?,
        leverage: convert::leverage(&get(o, "leverage"), MAX_LEVERAGE)?,
        order_type,
        reason: convert::opt_string(&get(o, "reason"), |g| {
            ValidationError::InvalidRequest(format!("reason must be a string, got {g}"))
        })?,
    })
}

fn trading_decision(v: &JsValue) -> JsResult<TradingDecision> {
    let o = convert::object(v, "decision")?;
    let action: DecisionAction = convert::string(&get(o, "action"), |g| {
        ValidationError::InvalidRequest(format!(
            "decision action must be LONG, SHORT, CLOSE or HOLD, got {g}"
        ))
    })?
    .parse()?;
    Ok(TradingDecision {
        action,
        symbol: convert::string(&get(o, "symbol"), ValidationError::InvalidSymbol)?,
        confidence: opt_dec_field(o, "confidence")?,
        position_size: opt_dec_field(o, "positionSize")?,
        entry_price: opt_dec_field(o, "entryPrice")?,
        stop_loss: opt_dec_field(o, "stopLoss")?,
        take_profit: opt_dec_field(o, "takeProfit")?,
        leverage: convert::leverage(&get(o, "leverage"), MAX_LEVERAGE)?,
        vetoed: get(o, "vetoed").as_bool().unwrap_or(false),
        reason: get(o, "reason").as_string(),
    })
}

/// Turn a decision engine's `TradingDecision` into an `ExecutionRequest` with your `amount`
/// and `orderType` (`"market"` by default). HOLD and vetoed decisions throw `INVALID_REQUEST`.
///
/// ```js
/// const req = convertDecisionToRequest(decision, { amount: 0.1, orderType: "market" });
/// ```
#[wasm_bindgen(js_name = convertDecisionToRequest, unchecked_return_type = "ConvertedRequest")]
pub fn convert_decision_to_request(
    #[wasm_bindgen(unchecked_param_type = "TradingDecision")] decision: JsValue,
    #[wasm_bindgen(
        unchecked_param_type = "{ amount: DecimalInput, orderType?: \"market\" | \"limit\" }"
    )]
    options: JsValue,
) -> JsResult<JsValue> {
    let d = trading_decision(&decision)?;
    let o = convert::object(&options, "options")?;
    let amount = Quantity(convert::decimal("amount", &get(o, "amount"))?);
    let order_type = entry_type(o)?;
    let req = iftb_core::convert_decision_to_request(&d, amount, order_type)?;
    convert::to_js(&req)
}

/// The unified executor: validation, risk controls, SL/TP management, emergency close,
/// account status, events, logging and snapshots, over the paper engine (live mode: later).
///
/// ```js
/// const ex = new OrderExecutor({ paperMode: true, initialBalance: 10000, maxPositionSize: 0.1, maxLeverage: 5 });
/// const order = await ex.executeDecision({ action: "long", symbol: "BTC/USDT", amount: 0.01, entryPrice: 50000,
///   stopLoss: 48000, takeProfit: 55000, leverage: 2, orderType: "market" });
/// ```
///
/// Its TypeScript declaration is in `types.rs`: the method types depend on the mode.
#[wasm_bindgen(skip_typescript)]
pub struct OrderExecutor {
    mode: Mode,
    logger: Rc<Logger>,
    listeners: Vec<(Subscription, js_sys::Function)>,
    dispatched_seq: u64,
    state_path: Option<String>,
    clock: iftb_core::SharedClock,
}

impl OrderExecutor {
    fn build(
        settings: TradingSettings,
        x: Extras,
        restore_from: Option<Snapshot>,
    ) -> JsResult<Self> {
        let clock = x.clock.clone();
        let inner = match restore_from {
            Some(snap) => Core::restore(snap, clock.clone())?,
            None => Core::paper(settings, x.rules, clock.clone())?,
        };
        inner.set_log_level(x.log_level);
        let dispatched_seq = inner.venue().borrow().last_seq();
        let me = Self {
            mode: Mode::Paper(Box::new(inner)),
            logger: Rc::new(x.logger),
            listeners: Vec::new(),
            dispatched_seq,
            state_path: x.state_path,
            clock,
        };
        me.persist()?;
        Ok(me)
    }

    fn build_live(settings: TradingSettings, x: Extras, options: &JsValue) -> JsResult<Self> {
        if x.state_path.is_some() {
            return Err(ValidationError::InvalidConfig(
                "statePath is for paper mode; in live mode the exchange holds the account (use reconcile() after a restart)".into(),
            )
            .into());
        }
        let client = crate::live_executor::client_from(options)?;
        // Loss limits start from the first equity the exchange reports (0 = not known yet).
        let core = LiveCore::new(client, settings, x.rules, x.clock.clone(), Money::ZERO)?;
        core.set_log_level(x.log_level);
        Ok(Self {
            mode: Mode::Live(Rc::new(core)),
            logger: Rc::new(x.logger),
            listeners: Vec::new(),
            dispatched_seq: 0,
            state_path: None,
            clock: x.clock,
        })
    }

    fn paper(&self) -> JsResult<&Core> {
        match &self.mode {
            Mode::Paper(c) => Ok(c),
            Mode::Live(_) => Err(not_in_live()),
        }
    }

    /// Run an async live call; forward its log records when it ends, success or not.
    fn live_call<F, Fut, T>(&self, f: F) -> Option<js_sys::Promise>
    where
        F: FnOnce(Rc<LiveCore>) -> Fut,
        Fut: std::future::Future<Output = iftb_core::Result<T>> + 'static,
        T: serde::Serialize,
    {
        let Mode::Live(core) = &self.mode else {
            return None;
        };
        let fut = f(core.clone());
        let core = core.clone();
        let logger = self.logger.clone();
        let log_listeners: Vec<js_sys::Function> = self
            .listeners
            .iter()
            .filter(|(t, _)| *t == Subscription::Log)
            .map(|(_, f)| f.clone())
            .collect();
        Some(crate::live_executor::promise_of(Box::pin(async move {
            let r = fut.await;
            for rec in core.drain_log() {
                emit_log(&logger, &rec);
                if let Ok(v) = convert::to_js(&rec) {
                    for l in &log_listeners {
                        let _ = l.call1(&JsValue::NULL, &v);
                    }
                }
            }
            match r {
                Ok(v) => convert::to_js(&v).map_err(Error::into_js),
                Err(e) => Err(Error::from(e).into_js()),
            }
        })))
    }

    fn snapshot_text(&self) -> JsResult<String> {
        let v = convert::to_js_exact(&self.paper()?.snapshot())?;
        js_sys::JSON::stringify(&v).map(String::from).map_err(|_| {
            Error::new(
                "EngineError",
                "INTERNAL",
                "snapshot could not be serialised",
            )
        })
    }

    fn persist(&self) -> JsResult<()> {
        if let Some(path) = &self.state_path {
            host::write_file_atomic(path, &self.snapshot_text()?)?;
        }
        Ok(())
    }

    /// After every call: forward log records, queue events for listeners, persist.
    fn settle(&mut self) -> JsResult<()> {
        let Mode::Paper(inner) = &self.mode else {
            return Ok(());
        };
        let logs = inner.drain_log();
        let events: Vec<iftb_core::EventRecord> = inner
            .venue()
            .borrow()
            .events_since(self.dispatched_seq)
            .to_vec();
        self.dispatched_seq = inner.venue().borrow().last_seq();
        let mut calls: Vec<(js_sys::Function, JsValue)> = Vec::new();
        for rec in &logs {
            emit_log(&self.logger, rec);
            for (t, f) in &self.listeners {
                if *t == Subscription::Log {
                    calls.push((f.clone(), convert::to_js(rec)?));
                }
            }
        }
        for ev in &events {
            let js = convert::to_js(ev)?;
            let ty = ev.event.type_name();
            for (t, f) in &self.listeners {
                if t.wants(ty) {
                    calls.push((f.clone(), js.clone()));
                }
            }
        }
        if !calls.is_empty() {
            // Listeners run after this call returns, so they may call the executor again.
            let run = Closure::once_into_js(move || {
                for (f, arg) in calls {
                    if let Err(e) = f.call1(&JsValue::NULL, &arg) {
                        host::console("error", "iftb-executor: an event listener threw", &e);
                    }
                }
            });
            let _ = host::call(
                &js_sys::Promise::resolve(&JsValue::NULL).into(),
                "then",
                &[run],
            );
        }
        self.persist()
    }

    fn warn(&self, event: &str, message: String) {
        let rec = LogRecord {
            timestamp_ms: crate::paper_trader::now_ms(),
            level: LogLevel::Warn,
            event: event.to_owned(),
            message,
            order_id: None,
            symbol: None,
        };
        emit_log(&self.logger, &rec);
    }

    /// Run a core call, then settle (logs, events, persistence) whether it failed or not.
    fn with<T>(&mut self, f: impl FnOnce(&Core) -> iftb_core::Result<T>) -> JsResult<T> {
        let r = match &self.mode {
            Mode::Paper(c) => f(c),
            Mode::Live(_) => return Err(not_in_live()),
        };
        self.settle()?;
        Ok(r?)
    }
}

fn not_in_live() -> Error {
    Error::new(
        "EngineError",
        "NOT_AVAILABLE_IN_LIVE_MODE",
        "this method is for paper mode; in live mode the exchange holds the state (use getAccountStatus, reconcile)",
    )
}

fn emit_log(logger: &Logger, rec: &LogRecord) {
    {
        match logger {
            Logger::Off => {}
            Logger::Callback(f) => {
                if let Ok(v) = convert::to_js(rec) {
                    if let Err(e) = f.call1(&JsValue::NULL, &v) {
                        host::console("error", "iftb-executor: the logger threw", &e);
                    }
                }
            }
            Logger::Console => {
                let method = match rec.level {
                    LogLevel::Debug => "debug",
                    LogLevel::Info => "info",
                    LogLevel::Warn => "warn",
                    LogLevel::Error => "error",
                };
                let mut text = format!("[iftb] {} {}", rec.event, rec.message);
                if let Some(s) = &rec.symbol {
                    text.push_str(&format!(" symbol={s}"));
                }
                if let Some(id) = &rec.order_id {
                    text.push_str(&format!(" order={id}"));
                }
                host::console(method, &text, &JsValue::UNDEFINED);
            }
        }
    }
}

#[wasm_bindgen]
impl OrderExecutor {
    /// Create an executor. Options: `paperMode` (true), `initialBalance` (10000), `makerFee`,
    /// `takerFee`, `slippage`, `defaultLeverage` (1), `maxPositionSize` (0.1: the position's
    /// margin, notional ÷ leverage, may be at most this fraction of equity), `maxLeverage` (5),
    /// `maxDailyLoss` / `maxDrawdown` (fractions, off by default), `marketRules` (replaces the
    /// default per-symbol table; `null` disables), `logLevel` ("info"), `logger` (function,
    /// or `null` for silence; console by default), `statePath` (Node: persist after every
    /// change; an existing file is restored).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "OrderExecutorOptions")] options: JsValue,
    ) -> JsResult<OrderExecutor> {
        let patch = settings_patch(&options)?;
        let mut settings = TradingSettings::default();
        patch.apply(&mut settings)?;
        let x = extras_from(&options)?;
        if !settings.paper_trading {
            return Self::build_live(settings, x, &options);
        }
        let existing = match &x.state_path {
            Some(path) => host::read_file(path)?,
            None => None,
        };
        let snap = existing
            .map(|text| parse_snapshot_text(&text))
            .transpose()?;
        let restored = snap.is_some();
        let me = Self::build(settings, x, snap)?;
        if restored && (patch.has_settings() || !get(&options, "marketRules").is_undefined()) {
            me.warn(
                "config",
                "statePath: restored the saved account; the settings in these options were not applied (the saved ones were). Delete the state file to start over with new settings.".into(),
            );
        }
        Ok(me)
    }

    /// Settings from `IFTB_*` environment variables and a `.env` file (Node), then `overrides`.
    /// `.env` is read from `overrides.envPath` or `./.env` when it exists; `process.env` wins
    /// over `.env`; `overrides` win over both. Bad values throw `INVALID_CONFIG`; an unknown
    /// `IFTB_` name throws in `.env` (a typo there is yours) and is logged as a warning in the
    /// process environment (which other programs share).
    #[wasm_bindgen(js_name = fromEnv)]
    pub fn from_env(
        #[wasm_bindgen(unchecked_param_type = "OrderExecutorOptions & { envPath?: string }")]
        overrides: JsValue,
    ) -> JsResult<OrderExecutor> {
        let patch = settings_patch(&overrides)?;
        let (mut dotenv, mut env) = (None, Vec::new());
        if host::is_node() {
            let path = get(&overrides, "envPath")
                .as_string()
                .unwrap_or_else(|| ".env".into());
            dotenv = host::read_file(&path)?;
            env = host::env_vars();
        }
        // Precedence (defaults < .env < process.env < overrides) is the core's.
        let r = TradingSettings::resolve(dotenv.as_deref(), &env, &patch)?;
        let (settings, ignored) = (r.settings, r.ignored);
        let mut x = extras_from(&overrides)?;
        if let Some(l) = r.log_level {
            x.log_level = l.parse()?;
        }
        x.state_path = r.state_path;
        let snap = match &x.state_path {
            Some(p) => host::read_file(p)?
                .map(|t| parse_snapshot_text(&t))
                .transpose()?,
            None => None,
        };
        let me = if settings.paper_trading {
            Self::build(settings, x, snap)?
        } else {
            Self::build_live(settings, x, &overrides)?
        };
        for name in ignored {
            me.warn(
                "config",
                format!("environment variable {name} is not a setting; ignored"),
            );
        }
        Ok(me)
    }

    /// Rebuild an executor from `snapshot()` output. `options` may give `logger`, `logLevel`
    /// and `statePath`. A corrupt, truncated or foreign snapshot throws `SNAPSHOT_INVALID`.
    pub fn restore(
        #[wasm_bindgen(unchecked_param_type = "ExecutorSnapshot")] snapshot: JsValue,
        #[wasm_bindgen(unchecked_param_type = "OrderExecutorOptions")] options: JsValue,
    ) -> JsResult<OrderExecutor> {
        let snap = parse_snapshot(&snapshot)?;
        let x = extras_from(&options)?;
        let settings = snap.settings.clone();
        Self::build(settings, x, Some(snap))
    }

    /// The whole state as a JSON-compatible object (exact decimal strings, a `version`).
    #[wasm_bindgen(unchecked_return_type = "ExecutorSnapshot")]
    pub fn snapshot(&self) -> JsResult<JsValue> {
        convert::to_js_exact(&self.paper()?.snapshot())
    }

    /// Validate and execute an `ExecutionRequest` (`{ action: "long"|"short"|"close", symbol,
    /// amount, entryPrice?, stopLoss?, takeProfit?, leverage?, orderType?, reason? }`).
    /// Validation and risk failures reject with a coded `Error`; a venue rejection such as
    /// insufficient balance resolves to an order with `status: "failed"`.
    #[wasm_bindgen(js_name = executeDecision, unchecked_return_type = "Promise<Order>")]
    pub fn execute_decision(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "ExecutionRequest")] request: JsValue,
    ) -> js_sys::Promise {
        if let Mode::Live(_) = self.mode {
            let req = match execution_request(&request) {
                Ok(r) => r,
                Err(e) => return promise(Err(e)),
            };
            return self
                .live_call(|c| async move {
                    // A market order without entryPrice needs the market price for the
                    // risk checks: ask the exchange.
                    if req.entry_price.is_none() {
                        let sym = Symbol::parse(&req.symbol)?;
                        c.venue().fetch_price(&sym).await?;
                    }
                    c.execute(&req).await
                })
                .unwrap_or_else(|| promise(Err(not_in_live())));
        }
        let r = execution_request(&request).and_then(|req| {
            let o = self.with(|c| complete_now(c.execute(&req)))?;
            convert::to_js(&o)
        });
        promise(r)
    }

    /// Paper mode: what `executeDecision(request)` would do now, without doing it. The request
    /// runs on a copy of the account, so every check, the fill price (slippage, a limit that
    /// crosses fills as a taker), the fee, the margin and the resulting position are the
    /// engine's own. A limit order that would rest is then filled on the copy at its limit
    /// price, to show the maker fee and the position it would leave. Throws what
    /// `executeDecision` would reject with; returns `{ order, fills, position, rests }`.
    #[wasm_bindgen(js_name = previewDecision, unchecked_return_type = "DecisionPreview")]
    pub fn preview_decision(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ExecutionRequest")] request: JsValue,
    ) -> JsResult<JsValue> {
        let req = execution_request(&request)?;
        let copy = Core::restore(self.paper()?.snapshot(), self.clock.clone())?;
        copy.set_log_level(LogLevel::Error);
        let order = complete_now(copy.execute(&req))?;
        let rests = order.status == iftb_core::OrderStatus::Pending;
        if rests {
            if let Some(limit) = order.price {
                complete_now(copy.update_price(&req.symbol, limit))?;
            }
        }
        let venue = copy.venue().borrow();
        let preview = Preview {
            fills: venue
                .fills()
                .iter()
                .filter(|f| f.order_id == order.id)
                .collect(),
            position: venue.position_state(&Symbol::parse(&req.symbol)?),
            order,
            rests,
        };
        convert::to_js(&preview)
    }

    /// Feed a market price (drives fills, SL/TP, liquidations, loss limits). Returns events.
    #[wasm_bindgen(js_name = updatePrice, unchecked_return_type = "EngineEvent[]")]
    pub fn update_price(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] symbol: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DecimalInput")] price: JsValue,
    ) -> JsResult<JsValue> {
        let symbol = convert::str_arg(&symbol, ValidationError::InvalidSymbol)?;
        let price = convert::price("price", &price)?;
        if let Mode::Live(c) = &self.mode {
            // Live: the exchange triggers fills and SL/TP; the price is kept as the mark.
            let events = iftb_core::ExecutionVenue::update_price(c.venue(), &symbol, price)?;
            return convert::to_js(&events);
        }
        let events = self.with(|c| complete_now(c.update_price(&symbol, price)))?;
        convert::to_js(&events)
    }

    fn protection(&mut self, symbol: &JsValue, price: &JsValue, stop: bool) -> JsResult<JsValue> {
        let symbol = convert::str_arg(symbol, ValidationError::InvalidSymbol)?;
        // `null` removes the protection.
        let price = if price.is_null() {
            None
        } else {
            Some(convert::price(
                if stop { "stopLoss" } else { "takeProfit" },
                price,
            )?)
        };
        let kind = if stop {
            OrderType::StopLoss
        } else {
            OrderType::TakeProfit
        };
        let sym = symbol.clone();
        if let Some(p) =
            self.live_call(|c| async move { c.set_protection(&sym, kind, price).await })
        {
            return Ok(p.into());
        }
        let p = self.with(|c| complete_now(c.set_protection(&symbol, kind, price)))?;
        convert::to_js(&p)
    }

    /// Move (or set) the stop-loss of the position in `symbol`; `null` removes it.
    #[wasm_bindgen(js_name = updateStopLoss, unchecked_return_type = "Promise<PositionState>")]
    pub fn update_stop_loss(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] symbol: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DecimalInput | null")] price: JsValue,
    ) -> js_sys::Promise {
        match self.protection(&symbol, &price, true) {
            Ok(v) if v.is_instance_of::<js_sys::Promise>() => v.unchecked_into(),
            r => promise(r),
        }
    }

    /// Move (or set) the take-profit of the position in `symbol`; `null` removes it.
    #[wasm_bindgen(js_name = updateTakeProfit, unchecked_return_type = "Promise<PositionState>")]
    pub fn update_take_profit(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] symbol: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DecimalInput | null")] price: JsValue,
    ) -> js_sys::Promise {
        match self.protection(&symbol, &price, false) {
            Ok(v) if v.is_instance_of::<js_sys::Promise>() => v.unchecked_into(),
            r => promise(r),
        }
    }

    /// Cancel a pending order.
    #[wasm_bindgen(js_name = cancelOrder, unchecked_return_type = "Promise<Order>")]
    pub fn cancel_order(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
    ) -> js_sys::Promise {
        if let Mode::Live(_) = self.mode {
            let id = match convert::str_arg(&id, ValidationError::InvalidOrderId) {
                Ok(id) => id,
                Err(e) => return promise(Err(e)),
            };
            return self
                .live_call(|c| async move { c.cancel_order(&id).await })
                .unwrap_or_else(|| promise(Err(not_in_live())));
        }
        let r = convert::str_arg(&id, ValidationError::InvalidOrderId).and_then(|id| {
            let o = self.with(|c| complete_now(c.cancel_order(&id)))?;
            convert::to_js(&o)
        });
        promise(r)
    }

    /// Close every position at the market and cancel pending orders; resolves to the
    /// closing orders.
    #[wasm_bindgen(js_name = emergencyCloseAll, unchecked_return_type = "Promise<Order[]>")]
    pub fn emergency_close_all(&mut self) -> js_sys::Promise {
        if let Some(p) = self.live_call(|c| async move { c.emergency_close_all().await }) {
            return p;
        }
        let r = self
            .with(|c| complete_now(c.emergency_close_all()))
            .and_then(|orders| convert::to_js(&orders));
        promise(r)
    }

    /// `{ mode, balance, walletBalance, totalEquity, positionsCount, positions, unrealizedPnl,
    /// realizedPnl, marginUsed, reserved, feesPaid, openOrdersCount, lossLimit }`.
    #[wasm_bindgen(js_name = getAccountStatus, unchecked_return_type = "Promise<AccountStatus>")]
    pub fn get_account_status(&self) -> js_sys::Promise {
        if let Some(p) = self.live_call(|c| async move {
            c.check_loss_limits().await?;
            c.account_status("live").await
        }) {
            return p;
        }
        promise(self.paper().and_then(|c| {
            complete_now(c.account_status("paper"))
                .map_err(Error::from)
                .and_then(|s| convert::to_js(&s))
        }))
    }

    /// Clear a tripped daily-loss / drawdown limit and measure again from the current equity.
    /// In live mode this needs the exchange's equity and returns a `Promise`.
    #[wasm_bindgen(js_name = resetLossLimits, unchecked_return_type = "void | Promise<void>")]
    pub fn reset_loss_limits(&mut self) -> JsResult<JsValue> {
        if let Some(p) = self.live_call(|c| async move { c.reset_loss_limits().await }) {
            return Ok(p.into());
        }
        self.with(|c| complete_now(c.reset_loss_limits()))?;
        Ok(JsValue::UNDEFINED)
    }

    /// Set the log level (`"debug" | "info" | "warn" | "error"`).
    #[wasm_bindgen(js_name = setLogLevel)]
    pub fn set_log_level(&mut self, level: &str) -> JsResult<()> {
        let level = level.parse()?;
        match &self.mode {
            Mode::Paper(c) => c.set_log_level(level),
            Mode::Live(c) => c.set_log_level(level),
        }
        Ok(())
    }

    /// Subscribe to an event type (`"orderFilled"`/`"fill"`, `"positionClosed"`,
    /// `"positionLiquidated"`/`"liquidation"`, `"stopLossTriggered"`, ..., `"*"` for all,
    /// `"log"` for log records). Listeners run just after the call that caused the event.
    pub fn on(&mut self, event: &str, listener: js_sys::Function) -> JsResult<()> {
        self.listeners.push((Subscription::parse(event)?, listener));
        Ok(())
    }

    /// Remove a listener added with `on`.
    pub fn off(&mut self, event: &str, listener: &js_sys::Function) {
        if let Ok(t) = Subscription::parse(event) {
            self.listeners.retain(|(k, f)| !(*k == t && f == listener));
        }
    }

    /// Open positions.
    /// In live mode this asks the exchange and returns a `Promise`.
    #[wasm_bindgen(js_name = getPositions, unchecked_return_type = "PositionState[] | Promise<PositionState[]>")]
    pub fn get_positions(&self) -> JsResult<JsValue> {
        if let Some(p) =
            self.live_call(|c| async move { iftb_core::ExecutionVenue::positions(c.venue()).await })
        {
            return Ok(p.into());
        }
        convert::to_js(&self.paper()?.venue().borrow().positions())
    }

    /// Every order, oldest first.
    #[wasm_bindgen(js_name = getOrders, unchecked_return_type = "Order[]")]
    pub fn get_orders(&self) -> JsResult<JsValue> {
        match &self.mode {
            Mode::Live(c) => convert::to_js(&c.venue().orders()),
            Mode::Paper(c) => convert::to_js(c.venue().borrow().orders()),
        }
    }

    /// Pending orders.
    #[wasm_bindgen(js_name = getOpenOrders, unchecked_return_type = "Order[]")]
    pub fn get_open_orders(&self) -> JsResult<JsValue> {
        if let Mode::Live(c) = &self.mode {
            let open: Vec<_> = c
                .venue()
                .orders()
                .into_iter()
                .filter(|o| o.status == iftb_core::OrderStatus::Pending)
                .collect();
            return convert::to_js(&open);
        }
        convert::to_js(
            &self
                .paper()?
                .venue()
                .borrow()
                .open_orders()
                .collect::<Vec<_>>(),
        )
    }

    /// Fills, oldest first.
    /// (Live mode: the exchange keeps trades; this list is empty.)
    #[wasm_bindgen(js_name = getFills, unchecked_return_type = "Fill[]")]
    pub fn get_fills(&self) -> JsResult<JsValue> {
        if let Mode::Live(_) = self.mode {
            return Ok(js_sys::Array::new().into());
        }
        convert::to_js(self.paper()?.venue().borrow().fills())
    }

    /// Events with `seq > sinceSeq`.
    #[wasm_bindgen(js_name = getEvents, unchecked_return_type = "EngineEvent[]")]
    pub fn get_events(&self, since_seq: Option<f64>) -> JsResult<JsValue> {
        if let Mode::Live(_) = self.mode {
            // Live mode has no engine event log (the exchange fills and triggers).
            return Ok(js_sys::Array::new().into());
        }
        convert::to_js(
            self.paper()?
                .venue()
                .borrow()
                .events_since(convert::since_seq(since_seq)),
        )
    }

    /// `"paper"` or `"live"`.
    #[wasm_bindgen(getter)]
    pub fn mode(&self) -> String {
        match self.mode {
            Mode::Paper(_) => "paper".into(),
            Mode::Live(_) => "live".into(),
        }
    }

    /// Live mode: bring unfinished and unknown orders up to date by client id and list
    /// exchange orders this executor did not place.
    #[wasm_bindgen(unchecked_return_type = "Promise<Reconciliation>")]
    pub fn reconcile(&self) -> js_sys::Promise {
        self.reconcile_live()
    }

    /// Live mode: placements sent whose outcome is not known yet.
    #[wasm_bindgen(js_name = getInflight, unchecked_return_type = "Intent[]")]
    pub fn get_inflight(&self) -> JsResult<JsValue> {
        match &self.mode {
            Mode::Live(c) => convert::to_js(&c.venue().inflight()),
            Mode::Paper(_) => Err(live_only()),
        }
    }

    /// Live mode: after a restart, track journaled intents so `reconcile()` resolves them.
    pub fn resume(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Intent[]")] intents: JsValue,
    ) -> JsResult<u32> {
        match &self.mode {
            Mode::Live(c) => crate::live_executor::resume(c.venue(), intents),
            Mode::Paper(_) => Err(live_only()),
        }
    }
}

fn live_only() -> Error {
    Error::new(
        "EngineError",
        "NOT_SUPPORTED",
        "this method is for live mode (paper orders are never in flight)",
    )
}

impl OrderExecutor {
    fn reconcile_live(&self) -> js_sys::Promise {
        self.live_call(|c| async move {
            let r = c.venue().reconcile().await?;
            Ok(crate::live_executor::ReconciliationJs::from(r))
        })
        .unwrap_or_else(|| promise(Err(not_in_live())))
    }
}

fn parse_snapshot_text(text: &str) -> JsResult<Snapshot> {
    let v = js_sys::JSON::parse(text).map_err(|_| {
        Error::from(ValidationError::InvalidSnapshot(
            "the state file is not valid JSON (truncated or corrupt)".into(),
        ))
    })?;
    parse_snapshot(&v)
}

/// `previewDecision`'s answer.
#[derive(serde::Serialize)]
struct Preview<'a> {
    /// The order as placed on the copy (status filled, pending or failed).
    order: iftb_core::Order,
    /// Its fills on the copy (for a resting limit: at its limit price, as a maker).
    fills: Vec<&'a iftb_core::Fill>,
    /// The symbol's position afterwards (after that fill for a resting limit).
    position: Option<iftb_core::PositionState>,
    /// The order would rest on the book.
    rests: bool,
}

/// A snapshot object, read and then checked by the core for fields it does not have (the
/// deserializer here skips them): the given object's JSON against the snapshot's.
fn parse_snapshot(v: &JsValue) -> JsResult<Snapshot> {
    if !v.is_object() || v.is_null() || convert::is_array(v, "the snapshot")? {
        return Err(ValidationError::InvalidSnapshot(
            "a snapshot must be an object as returned by snapshot()".into(),
        )
        .into());
    }
    let text = |v: &JsValue| -> JsResult<String> {
        js_sys::JSON::stringify(v)
            .map(String::from)
            .map_err(|e| convert::thrown("the snapshot", &e))
    };
    let input = text(v)?;
    let snap = serde_wasm_bindgen::from_value::<Snapshot>(v.clone()).map_err(|e| {
        let msg = e.to_string();
        Error::from(ValidationError::InvalidSnapshot(
            msg.trim_start_matches("Error: ").to_owned(),
        ))
    })?;
    Snapshot::check_fields(&input, &text(&convert::to_js_exact(&snap)?)?)?;
    Ok(snap)
}
