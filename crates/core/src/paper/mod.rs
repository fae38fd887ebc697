//! The paper-trading venue: a synchronous, deterministic, step-driven simulator.
//!
//! Accounting (all exact decimals, every rule from the [`crate::ledger`]):
//! - `wallet = initial − fees + realized` (by construction: only fills and liquidations move it)
//! - `free = wallet − Σ position margin − Σ order reservations`
//! - `equity = wallet + Σ unrealized`
//!
//! Fills: market orders and triggered stops fill as takers at the mark moved against them by
//! the slippage; a limit that crosses on arrival fills as a taker at that price capped by its
//! limit; a resting limit fills as a maker at its limit price. Fees are `notional × rate`.
//! See `docs/engine-rules.md`.
//!
//! Layout: this file holds the engine, its queries and its commands; [`config`] the
//! configuration and the snapshot state; `execute` how orders execute against the books.

pub mod config;
mod execute;

pub use config::{PaperConfig, PaperState, MAX_LEVERAGE};

use crate::clock::SharedClock;
use crate::error::{EngineError, OrderError, Result, ValidationError};
use crate::events::{CloseReason, EngineEvent, EventRecord, Fill};
use crate::ledger::trigger::protection_error;
use crate::ledger::{BracketTable, Ledger};
use crate::money::{Money, Price};
use crate::num;
use crate::order::{closing_order, protective_trigger, Order, OrderRequest, OrderStatus};
use crate::position::{AccountState, Position, PositionState};
use crate::types::{OrderType, PositionSide, Symbol, TimeInForce};
use config::{check_input, check_leverage, check_price};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

/// Order id → index. Ids are ours or the caller's; no untrusted party can pick them to
/// collide, so a fast multiplicative hash (FxHash) replaces SipHash.
type IdMap = HashMap<String, usize, BuildHasherDefault<FxHasher>>;

#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The paper venue.
pub struct PaperEngine {
    state: PaperState,
    /// The rules of the configuration (fees, slippage, margin).
    ledger: Ledger<Decimal>,
    index: IdMap,
    /// Indices of pending orders, ascending (oldest first): what a price update looks at,
    /// instead of every order ever placed.
    pending: Vec<usize>,
    clock: SharedClock,
    /// Last liquidation level computed: (symbol, (side, amount, entry, margin), level).
    liq_cache: Option<LiqCache>,
    /// The clock read once at the start of each command: every record one call makes carries
    /// the same time (and the host clock is asked once, not once per event).
    stamp: u64,
}

type LiqCache = (
    Symbol,
    (PositionSide, Decimal, Decimal, Decimal),
    Option<Decimal>,
);

impl std::fmt::Debug for PaperEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaperEngine")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl PaperEngine {
    /// A new engine.
    ///
    /// # Errors
    /// Invalid configuration.
    pub fn new(config: PaperConfig, clock: SharedClock) -> Result<Self> {
        config.validate()?;
        let wallet = config.initial_balance;
        Self::from_parts(
            PaperState {
                config,
                wallet,
                fees_paid: Money::ZERO,
                realized_pnl: Money::ZERO,
                reserved: Money::ZERO,
                orders: Vec::new(),
                positions: BTreeMap::new(),
                marks: BTreeMap::new(),
                leverage: BTreeMap::new(),
                fills: Vec::new(),
                events: Vec::new(),
                next_id: 1,
            },
            IdMap::default(),
            Vec::new(),
            clock,
        )
    }

    fn from_parts(
        state: PaperState,
        index: IdMap,
        pending: Vec<usize>,
        clock: SharedClock,
    ) -> Result<Self> {
        let ledger = state.config.ledger()?;
        Ok(Self {
            state,
            ledger,
            index,
            pending,
            clock,
            stamp: 0,
            liq_cache: None,
        })
    }

    /// Rebuild from a state (snapshot restore).
    ///
    /// # Errors
    /// Invalid configuration or an inconsistent state (duplicate ids, wrong reservation sum).
    pub fn from_state(state: PaperState, clock: SharedClock) -> Result<Self> {
        state.config.validate()?;
        let mut index = IdMap::with_capacity_and_hasher(state.orders.len(), Default::default());
        let mut pending = Vec::new();
        let mut reserved = Decimal::ZERO;
        for (i, o) in state.orders.iter().enumerate() {
            if index.insert(o.id.clone(), i).is_some() {
                return Err(OrderError::DuplicateOrderId(o.id.clone()).into());
            }
            if o.is_open() {
                reserved = num::add(reserved, o.reserved.0, "reserved")?;
                pending.push(i);
            }
        }
        if reserved != state.reserved.0 {
            return Err(ValidationError::InvalidConfig(
                "state is inconsistent: reservations do not add up".into(),
            )
            .into());
        }
        Self::from_parts(state, index, pending, clock)
    }

    /// The whole state (for snapshots and inspection).
    #[must_use]
    pub fn state(&self) -> &PaperState {
        &self.state
    }

    /// Configuration.
    #[must_use]
    pub fn config(&self) -> &PaperConfig {
        &self.state.config
    }

    /// The rules in force.
    #[must_use]
    pub fn ledger(&self) -> &Ledger<Decimal> {
        &self.ledger
    }

    fn now(&self) -> u64 {
        self.stamp
    }

    /// Read the clock for the command that starts now.
    fn tick(&mut self) {
        self.stamp = self.clock.now_ms();
    }

    fn gen_id(&mut self, prefix: &str) -> String {
        let n = self.state.next_id;
        self.state.next_id += 1;
        // `{prefix}-{n}` without the formatting machinery (this runs twice per order).
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut v = n;
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        let mut s = String::with_capacity(prefix.len() + 1 + digits.len() - i);
        s.push_str(prefix);
        s.push('-');
        s.extend(digits[i..].iter().map(|&b| char::from(b)));
        s
    }

    fn emit(&mut self, event: EngineEvent) {
        let seq = self.state.events.len() as u64 + 1;
        let timestamp_ms = self.now();
        self.state.events.push(EventRecord {
            seq,
            timestamp_ms,
            event,
        });
    }

    fn brackets(&self, symbol: &Symbol) -> &BracketTable {
        self.state.config.brackets_of(symbol)
    }

    // ----- queries ---------------------------------------------------------------------

    fn margin_used(&self) -> Money {
        self.state.positions.values().map(|p| p.margin).sum()
    }

    /// Free balance: wallet − margin − reservations.
    #[must_use]
    pub fn free_balance(&self) -> Money {
        self.state.wallet - self.margin_used() - self.state.reserved
    }

    /// Account summary at the current marks.
    #[must_use]
    pub fn account(&self) -> AccountState {
        let margin_used = self.margin_used();
        let unrealized: Money = self
            .state
            .positions
            .values()
            .map(|p| p.unrealized_pnl(self.mark_of(&p.symbol).unwrap_or(p.entry_price)))
            .sum();
        AccountState {
            initial_balance: self.state.config.initial_balance,
            wallet_balance: self.state.wallet,
            balance: self.state.wallet - margin_used - self.state.reserved,
            equity: self.state.wallet + unrealized,
            margin_used,
            reserved: self.state.reserved,
            realized_pnl: self.state.realized_pnl,
            unrealized_pnl: unrealized,
            fees_paid: self.state.fees_paid,
            positions_count: self.state.positions.len(),
            open_orders_count: self.pending.len(),
        }
    }

    /// Last mark of a symbol.
    #[must_use]
    pub fn mark_of(&self, symbol: &Symbol) -> Option<Price> {
        self.state.marks.get(symbol).copied()
    }

    /// Liquidation price of the position in `symbol`, if it has one.
    fn liquidation_price(&self, symbol: &Symbol) -> Option<Price> {
        let p = self.state.positions.get(symbol)?;
        self.brackets(symbol)
            .liquidation_price(p.side, p.amount.0, p.entry_price.0, p.margin.0)
            .map(Price)
    }

    /// View of one position.
    #[must_use]
    pub fn position_state(&self, symbol: &Symbol) -> Option<PositionState> {
        let p = self.state.positions.get(symbol)?;
        let mark = self.mark_of(symbol).unwrap_or(p.entry_price);
        let stop = |id: &Option<String>| {
            id.as_ref()
                .and_then(|id| self.order(id))
                .and_then(|o| o.stop_price)
        };
        Some(PositionState {
            symbol: p.symbol.clone(),
            side: p.side,
            entry_price: p.entry_price,
            current_price: mark,
            amount: p.amount,
            leverage: p.leverage,
            unrealized_pnl: p.unrealized_pnl(mark),
            realized_pnl: p.realized_pnl,
            margin: p.margin,
            liquidation_price: self.liquidation_price(symbol),
            stop_loss: stop(&p.stop_loss_order),
            take_profit: stop(&p.take_profit_order),
            opened_at_ms: p.opened_at_ms,
        })
    }

    /// All positions, by symbol.
    #[must_use]
    pub fn positions(&self) -> Vec<PositionState> {
        self.state
            .positions
            .keys()
            .filter_map(|s| self.position_state(s))
            .collect()
    }

    /// An order by id.
    #[must_use]
    pub fn order(&self, id: &str) -> Option<&Order> {
        self.index.get(id).map(|&i| &self.state.orders[i])
    }

    /// Every order, oldest first.
    #[must_use]
    pub fn orders(&self) -> &[Order] {
        &self.state.orders
    }

    /// Pending orders, oldest first.
    pub fn open_orders(&self) -> impl Iterator<Item = &Order> {
        self.pending.iter().map(|&i| &self.state.orders[i])
    }

    /// Fills, oldest first.
    #[must_use]
    pub fn fills(&self) -> &[Fill] {
        &self.state.fills
    }

    /// Events with `seq > since`.
    #[must_use]
    pub fn events_since(&self, since: u64) -> &[EventRecord] {
        let start = usize::try_from(since)
            .unwrap_or(usize::MAX)
            .min(self.state.events.len());
        &self.state.events[start..]
    }

    /// Sequence number of the last event (0 when none).
    #[must_use]
    pub fn last_seq(&self) -> u64 {
        self.state.events.len() as u64
    }

    /// Leverage in force for a symbol.
    #[must_use]
    pub fn leverage_of(&self, symbol: &Symbol) -> u32 {
        self.state
            .positions
            .get(symbol)
            .map(|p| p.leverage)
            .or_else(|| self.state.leverage.get(symbol).copied())
            .unwrap_or(self.state.config.default_leverage)
    }

    // ----- commands --------------------------------------------------------------------

    /// Set a symbol's leverage (only while flat in it).
    ///
    /// # Errors
    /// Bad symbol or leverage; `LeverageLocked` while a position is open with another leverage.
    pub fn set_leverage(&mut self, symbol: &str, leverage: u32) -> Result<()> {
        let symbol = Symbol::parse(symbol)?;
        check_leverage(leverage)?;
        if let Some(p) = self.state.positions.get(&symbol) {
            if p.leverage != leverage {
                return Err(OrderError::LeverageLocked {
                    symbol: symbol.to_string(),
                    current: p.leverage,
                }
                .into());
            }
        }
        self.state.leverage.insert(symbol, leverage);
        Ok(())
    }

    fn validate_request(&self, req: &OrderRequest) -> Result<Order> {
        let amount = num::positive_amount(check_input("amount", req.amount.0)?)?;
        let price = req.price.map(|p| check_price("price", p)).transpose()?;
        let stop_price = req
            .stop_price
            .map(|p| check_price("stopPrice", p))
            .transpose()?;
        match req.order_type {
            OrderType::Limit if price.is_none() => return Err(ValidationError::MissingPrice.into()),
            OrderType::StopLoss | OrderType::TakeProfit if stop_price.is_none() => {
                return Err(ValidationError::MissingStopPrice(req.order_type.as_str()).into())
            }
            _ => {}
        }
        if req.time_in_force != TimeInForce::Gtc {
            return Err(ValidationError::InvalidRequest(format!(
                "timeInForce {} is not supported by the paper engine (GTC only)",
                req.time_in_force.as_str()
            ))
            .into());
        }
        let id = match &req.id {
            Some(id) => {
                if id.is_empty() || id.len() > 64 {
                    return Err(ValidationError::InvalidOrderId(id.clone()).into());
                }
                if self.index.contains_key(id) {
                    return Err(OrderError::DuplicateOrderId(id.clone()).into());
                }
                id.clone()
            }
            None => String::new(),
        };
        let symbol = &req.symbol;
        let leverage = match req.leverage {
            Some(l) => check_leverage(l)?,
            None => self.leverage_of(symbol),
        };
        if let Some(p) = self.state.positions.get(symbol) {
            if p.leverage != leverage && !req.reduce_only {
                return Err(OrderError::LeverageLocked {
                    symbol: symbol.to_string(),
                    current: p.leverage,
                }
                .into());
            }
        }
        let mut order = Order::new(
            id,
            symbol.clone(),
            req.side,
            req.order_type,
            amount.into(),
            leverage,
            self.now(),
        );
        order.price = price;
        order.stop_price = stop_price;
        order.reduce_only = req.reduce_only;
        Ok(order)
    }

    /// Place an order. When `current_price` is given the symbol is first marked at it
    /// (resting orders and liquidations at that price are processed), then the order runs.
    ///
    /// A venue rejection (insufficient balance, would trigger immediately, reduce-only with
    /// nothing to reduce) returns the order with status `failed`; bad input is an `Err` and
    /// leaves the engine unchanged.
    ///
    /// # Errors
    /// Validation errors, duplicate id, no known price for a market order.
    pub fn place_order(
        &mut self,
        req: &OrderRequest,
        current_price: Option<Price>,
    ) -> Result<Order> {
        self.place_order_ref(req, current_price).cloned()
    }

    /// [`Self::place_order`] returning the stored order instead of a copy.
    ///
    /// # Errors
    /// As `place_order`.
    pub fn place_order_ref(
        &mut self,
        req: &OrderRequest,
        current_price: Option<Price>,
    ) -> Result<&Order> {
        self.tick();
        let mut order = self.validate_request(req)?;
        let current_price = current_price
            .map(|p| check_price("currentPrice", p))
            .transpose()?;
        let mark = current_price.or_else(|| self.mark_of(&order.symbol));
        if order.order_type == OrderType::Market && mark.is_none() {
            return Err(OrderError::NoPrice(order.symbol.to_string()).into());
        }
        // Everything below succeeds or fails the order; no more input errors.
        if let Some(p) = current_price {
            self.mark(&order.symbol, p)?;
        }
        if order.id.is_empty() {
            order.id = self.gen_id("ord");
        }
        let idx = self.accept(order);
        self.execute_new(idx, mark)?;
        Ok(&self.state.orders[idx])
    }

    /// Cancel a pending order, releasing exactly what it reserved.
    ///
    /// # Errors
    /// `OrderNotFound`, `NotCancellable`.
    pub fn cancel_order(&mut self, id: &str) -> Result<Order> {
        self.tick();
        let idx = *self
            .index
            .get(id)
            .ok_or_else(|| OrderError::OrderNotFound(id.to_owned()))?;
        let status = self.state.orders[idx].status;
        if !status.is_open() {
            return Err(OrderError::NotCancellable {
                id: id.to_owned(),
                status,
            }
            .into());
        }
        self.cancel_idx(idx, CloseReason::User)?;
        Ok(self.state.orders[idx].clone())
    }

    /// The open position of `symbol` (parsed), or `NoPosition`.
    fn position_of(&self, symbol: &str) -> Result<(Symbol, &Position)> {
        let sym = Symbol::parse(symbol)?;
        match self.state.positions.get(&sym) {
            Some(p) => Ok((sym, p)),
            None => Err(OrderError::NoPosition(sym.to_string()).into()),
        }
    }

    /// Close a whole position with a reduce-only market order.
    ///
    /// # Errors
    /// `NoPosition`, bad price.
    pub fn close_position(&mut self, symbol: &str, current_price: Option<Price>) -> Result<Order> {
        let (sym, p) = self.position_of(symbol)?;
        let req = closing_order(sym, p.side.closing_side(), p.amount, p.leverage);
        self.place_order(&req, current_price)
    }

    /// Attach, move (`Some`) or remove (`None`) the position's stop-loss (`kind = StopLoss`)
    /// or take-profit (`kind = TakeProfit`). The protective order is a pending
    /// close-position order: it fires as a market order, and a fired SL cancels the TP
    /// (and vice versa) because the position closes.
    ///
    /// # Errors
    /// `NoPosition`; `InvalidPrice` when the level is on the wrong side of the mark.
    pub fn set_protection(
        &mut self,
        symbol: &str,
        kind: OrderType,
        price: Option<Price>,
    ) -> Result<PositionState> {
        self.tick();
        let (sym, p) = self.position_of(symbol)?;
        let existing = match kind {
            OrderType::StopLoss => p.stop_loss_order.clone(),
            _ => p.take_profit_order.clone(),
        };
        let field = if kind == OrderType::StopLoss {
            "stopLoss"
        } else {
            "takeProfit"
        };
        let Some(price) = price else {
            if let Some(i) = existing.and_then(|id| self.index.get(&id).copied()) {
                self.cancel_idx(i, CloseReason::User)?;
            }
            return self
                .position_state(&sym)
                .ok_or(EngineError::Internal("position vanished"));
        };
        let price = check_price(field, price)?;
        let (held_side, amount, leverage) = (p.side, p.amount, p.leverage);
        let mark = self.mark_of(&sym).unwrap_or(p.entry_price);
        let trigger = protective_trigger(kind);
        let side = held_side.closing_side();
        if trigger.reached(side, price, mark) {
            return Err(protection_error(trigger, held_side, price, "current", mark).into());
        }
        if let Some(i) = existing.and_then(|id| self.index.get(&id).copied()) {
            self.state.orders[i].stop_price = Some(price);
        } else {
            let mut order = Order::new(
                self.gen_id(if kind == OrderType::StopLoss {
                    "sl"
                } else {
                    "tp"
                }),
                sym.clone(),
                side,
                kind,
                amount,
                leverage,
                self.now(),
            );
            order.stop_price = Some(price);
            order.reduce_only = true;
            order.close_position = true;
            let idx = self.accept(order);
            let id = self.state.orders[idx].id.clone();
            if let Some(p) = self.state.positions.get_mut(&sym) {
                match kind {
                    OrderType::StopLoss => p.stop_loss_order = Some(id),
                    _ => p.take_profit_order = Some(id),
                }
            }
        }
        self.position_state(&sym)
            .ok_or(EngineError::Internal("position vanished"))
    }

    /// Mark `symbol` at `price`: liquidate positions past their liquidation price, then fill
    /// resting orders the price reaches (oldest first). Returns the events this produced.
    ///
    /// # Errors
    /// Bad symbol or price.
    pub fn update_price(&mut self, symbol: &str, price: Price) -> Result<&[EventRecord]> {
        self.tick();
        let sym = Symbol::parse(symbol)?;
        let price = check_price("price", price)?;
        let before = self.last_seq();
        self.mark(&sym, price)?;
        Ok(self.events_since(before))
    }
}

/// Drop `idx` from the sorted pending list (it just left `pending`).
fn unpend(pending: &mut Vec<usize>, idx: usize) {
    if let Ok(at) = pending.binary_search(&idx) {
        pending.remove(at);
    }
}

/// Whether an order is still pending (for the sibling check after a fill in one step).
fn is_pending(o: &Order) -> bool {
    o.status == OrderStatus::Pending
}
