//! The paper-trading venue: a synchronous, deterministic, step-driven simulator.
//!
//! Accounting (all exact decimals):
//! - `wallet = initial − fees + realized` (by construction: only fills and liquidations move it)
//! - `free = wallet − Σ position margin − Σ order reservations`
//! - `equity = wallet + Σ unrealized`
//!
//! Fills: market orders and triggered stops fill as takers at the mark moved against them by
//! the slippage; a limit that crosses on arrival fills as a taker at that price capped by its
//! limit; a resting limit fills as a maker at its limit price. Fees are `notional × rate`.

use crate::clock::SharedClock;
use crate::error::{EngineError, OrderError, Result, ValidationError};
use crate::events::{CloseReason, EngineEvent, EventRecord, Fill};
use crate::liquidation::BracketTable;
use crate::num;
use crate::order::{Order, OrderRequest, OrderStatus, OrderTransition};
use crate::position::{AccountState, Position, PositionState};
use crate::types::{Liquidity, OrderType, PositionSide, Side, Symbol};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
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

/// Largest leverage accepted.
pub const MAX_LEVERAGE: u32 = 125;

/// Values above this are rejected as input (keeps every product far from overflow).
fn max_input() -> Decimal {
    Decimal::new(1_000_000_000_000, 0)
}

/// Paper engine configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaperConfig {
    /// Starting wallet balance (quote currency).
    pub initial_balance: Decimal,
    /// Maker fee rate.
    pub maker_fee: Decimal,
    /// Taker fee rate.
    pub taker_fee: Decimal,
    /// Slippage fraction for taker fills.
    pub slippage: Decimal,
    /// Leverage for symbols without one set.
    pub default_leverage: u32,
    /// Maintenance brackets per symbol; `default_brackets` for the rest.
    pub brackets: BTreeMap<Symbol, BracketTable>,
    /// Brackets for symbols not in `brackets` (BTCUSDT's by default).
    pub default_brackets: BracketTable,
}

impl Default for PaperConfig {
    fn default() -> Self {
        Self {
            initial_balance: Decimal::new(10_000, 0),
            maker_fee: Decimal::new(2, 4),
            taker_fee: Decimal::new(4, 4),
            slippage: Decimal::new(5, 4),
            default_leverage: 1,
            brackets: BTreeMap::new(),
            default_brackets: BracketTable::btcusdt(),
        }
    }
}

impl PaperConfig {
    /// Check every value.
    ///
    /// # Errors
    /// `InvalidConfig` (or `InvalidLeverage`) naming the first bad value.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.initial_balance < Decimal::ZERO || self.initial_balance > max_input() {
            return Err(ValidationError::InvalidConfig(format!(
                "initialBalance must be between 0 and 1e12, got {}",
                self.initial_balance
            )));
        }
        num::rate("makerFee", self.maker_fee)?;
        num::rate("takerFee", self.taker_fee)?;
        num::rate("slippage", self.slippage)?;
        check_leverage(self.default_leverage)?;
        self.default_brackets
            .validate()
            .map_err(ValidationError::InvalidConfig)?;
        for (s, t) in &self.brackets {
            t.validate()
                .map_err(|e| ValidationError::InvalidConfig(format!("{s}: {e}")))?;
        }
        Ok(())
    }
}

fn check_leverage(l: u32) -> Result<u32, ValidationError> {
    if (1..=MAX_LEVERAGE).contains(&l) {
        Ok(l)
    } else {
        Err(ValidationError::InvalidLeverage {
            value: l.to_string(),
            max: MAX_LEVERAGE,
        })
    }
}

fn check_input(field: &'static str, d: Decimal) -> Result<Decimal, ValidationError> {
    if d > max_input() {
        return Err(ValidationError::InvalidNumber {
            field,
            value: d.to_string(),
        });
    }
    Ok(d)
}

/// Everything the paper venue knows; serialisable for snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaperState {
    /// Configuration.
    pub config: PaperConfig,
    /// initial − fees + realized.
    pub wallet: Decimal,
    /// Total fees.
    pub fees_paid: Decimal,
    /// Total realized PnL.
    pub realized_pnl: Decimal,
    /// Σ reservations of pending orders.
    pub reserved: Decimal,
    /// Every order ever accepted, oldest first.
    pub orders: Vec<Order>,
    /// Open positions.
    pub positions: BTreeMap<Symbol, Position>,
    /// Last mark per symbol.
    pub marks: BTreeMap<Symbol, Decimal>,
    /// Leverage per symbol.
    pub leverage: BTreeMap<Symbol, u32>,
    /// Fills, oldest first.
    pub fills: Vec<Fill>,
    /// Event log.
    pub events: Vec<EventRecord>,
    /// Counter for generated ids.
    pub next_id: u64,
}

/// The paper venue.
pub struct PaperEngine {
    state: PaperState,
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
        Ok(Self {
            state: PaperState {
                config,
                wallet,
                fees_paid: Decimal::ZERO,
                realized_pnl: Decimal::ZERO,
                reserved: Decimal::ZERO,
                orders: Vec::new(),
                positions: BTreeMap::new(),
                marks: BTreeMap::new(),
                leverage: BTreeMap::new(),
                fills: Vec::new(),
                events: Vec::new(),
                next_id: 1,
            },
            index: IdMap::default(),
            pending: Vec::new(),
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
            if o.status == OrderStatus::Pending {
                reserved = num::add(reserved, o.reserved, "reserved")?;
                pending.push(i);
            }
        }
        if reserved != state.reserved {
            return Err(ValidationError::InvalidConfig(
                "state is inconsistent: reservations do not add up".into(),
            )
            .into());
        }
        Ok(Self {
            state,
            index,
            pending,
            clock,
            stamp: 0,
            liq_cache: None,
        })
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
        self.state
            .config
            .brackets
            .get(symbol)
            .unwrap_or(&self.state.config.default_brackets)
    }

    // ----- queries ---------------------------------------------------------------------

    /// Free balance: wallet − margin − reservations.
    #[must_use]
    pub fn free_balance(&self) -> Decimal {
        let margin: Decimal = self.state.positions.values().map(|p| p.margin).sum();
        self.state.wallet - margin - self.state.reserved
    }

    /// Account summary at the current marks.
    #[must_use]
    pub fn account(&self) -> AccountState {
        let margin_used: Decimal = self.state.positions.values().map(|p| p.margin).sum();
        let unrealized: Decimal = self
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
    pub fn mark_of(&self, symbol: &Symbol) -> Option<Decimal> {
        self.state.marks.get(symbol).copied()
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
            liquidation_price: self.brackets(symbol).liquidation_price(
                p.side,
                p.amount,
                p.entry_price,
                p.margin,
            ),
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
        let symbol = Symbol::parse(&req.symbol)?;
        let side: Side = req.side.parse()?;
        let order_type: OrderType = req.order_type.parse()?;
        let amount = num::positive_amount(check_input("amount", req.amount)?)?;
        let price = req
            .price
            .map(|p| check_input("price", p).and_then(|p| num::positive_price("price", p)))
            .transpose()?;
        let stop_price = req
            .stop_price
            .map(|p| check_input("stopPrice", p).and_then(|p| num::positive_price("stopPrice", p)))
            .transpose()?;
        match order_type {
            OrderType::Limit if price.is_none() => return Err(ValidationError::MissingPrice.into()),
            OrderType::StopLoss | OrderType::TakeProfit if stop_price.is_none() => {
                return Err(ValidationError::MissingStopPrice(order_type.as_str()).into())
            }
            _ => {}
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
        let leverage = match req.leverage {
            Some(l) => check_leverage(l)?,
            None => self.leverage_of(&symbol),
        };
        if let Some(p) = self.state.positions.get(&symbol) {
            if p.leverage != leverage && !req.reduce_only {
                return Err(OrderError::LeverageLocked {
                    symbol: symbol.to_string(),
                    current: p.leverage,
                }
                .into());
            }
        }
        let mut order = Order::new(id, symbol, side, order_type, amount, leverage, self.now());
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
        current_price: Option<Decimal>,
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
        current_price: Option<Decimal>,
    ) -> Result<&Order> {
        self.tick();
        let mut order = self.validate_request(req)?;
        let current_price = current_price
            .map(|p| {
                check_input("currentPrice", p).and_then(|p| num::positive_price("currentPrice", p))
            })
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

    fn accept(&mut self, mut order: Order) -> usize {
        order.exchange_order_id = Some(self.gen_id("paper"));
        let idx = self.state.orders.len();
        self.index.insert(order.id.clone(), idx);
        self.pending.push(idx); // idx is the largest so far: the list stays sorted
        self.emit(EngineEvent::OrderAccepted {
            order_id: order.id.clone(),
            symbol: order.symbol.clone(),
            side: order.side,
            order_type: order.order_type,
            amount: order.amount,
        });
        self.state.orders.push(order);
        idx
    }

    fn execute_new(&mut self, idx: usize, mark: Option<Decimal>) -> Result<()> {
        let o = &self.state.orders[idx];
        match (o.order_type, mark) {
            (OrderType::Market, Some(m)) => {
                let px = self.taker_price(o.side, m)?;
                self.fill(idx, px, Liquidity::Taker)
            }
            (OrderType::Limit, Some(m)) if o.triggers_at(m) => {
                let limit = o.price.unwrap_or(m);
                let px = self.taker_price(o.side, m)?;
                let px = match o.side {
                    Side::Buy => px.min(limit),
                    Side::Sell => px.max(limit),
                };
                self.fill(idx, px, Liquidity::Taker)
            }
            (OrderType::StopLoss | OrderType::TakeProfit, Some(m)) if o.triggers_at(m) => {
                self.reject(idx, "Order would immediately trigger".into())
            }
            _ => self.rest(idx),
        }
    }

    /// Reservation for a resting order: margin of the part that would open exposure plus the
    /// fee at its reference price.
    fn reservation(&self, o: &Order) -> Result<Decimal> {
        if o.reduce_only || o.close_position {
            return Ok(Decimal::ZERO);
        }
        let Some(px) = o.reference_price() else {
            return Ok(Decimal::ZERO);
        };
        let (rate, px) = match o.order_type {
            OrderType::Limit => (self.state.config.maker_fee, px),
            _ => (self.state.config.taker_fee, self.taker_price(o.side, px)?),
        };
        let opposing = self
            .state
            .positions
            .get(&o.symbol)
            .filter(|p| p.side != o.side.position_side())
            .map_or(Decimal::ZERO, |p| p.amount);
        let open_qty = (o.amount - opposing).max(Decimal::ZERO);
        let notional = num::mul(px, o.amount, "notional")?;
        let open_notional = num::mul(px, open_qty, "notional")?;
        let margin = num::money(num::div(
            open_notional,
            Decimal::from(o.leverage),
            "margin",
        )?);
        let fee = num::money(num::mul(notional, rate, "fee")?);
        num::add(margin, fee, "reservation")
    }

    fn rest(&mut self, idx: usize) -> Result<()> {
        let need = self.reservation(&self.state.orders[idx])?;
        let free = self.free_balance();
        if need > free {
            return self.reject(idx, insufficient(need, free));
        }
        self.state.orders[idx].reserved = need;
        self.state.reserved = num::add(self.state.reserved, need, "reserved")?;
        Ok(())
    }

    fn taker_price(&self, side: Side, mark: Decimal) -> Result<Decimal> {
        let s = self.state.config.slippage;
        let factor = match side {
            Side::Buy => num::add(Decimal::ONE, s, "slippage")?,
            Side::Sell => num::sub(Decimal::ONE, s, "slippage")?,
        };
        Ok(num::money(num::mul(mark, factor, "slippage price")?))
    }

    fn release(&mut self, idx: usize) {
        let r = std::mem::take(&mut self.state.orders[idx].reserved);
        self.state.reserved -= r;
    }

    fn reject(&mut self, idx: usize, reason: String) -> Result<()> {
        self.release(idx);
        let o = &mut self.state.orders[idx];
        o.apply(OrderTransition::Reject)?;
        unpend(&mut self.pending, idx);
        o.error_message = Some(reason.clone());
        let (order_id, symbol) = (o.id.clone(), o.symbol.clone());
        self.unlink(idx);
        self.emit(EngineEvent::OrderFailed {
            order_id,
            symbol,
            reason,
        });
        Ok(())
    }

    fn cancel_idx(&mut self, idx: usize, reason: CloseReason) -> Result<()> {
        self.state.orders[idx].apply(OrderTransition::Cancel)?;
        unpend(&mut self.pending, idx);
        self.release(idx);
        self.unlink(idx);
        let o = &self.state.orders[idx];
        self.emit(EngineEvent::OrderCancelled {
            order_id: o.id.clone(),
            symbol: o.symbol.clone(),
            reason,
        });
        Ok(())
    }

    /// Forget a protective order's link from its position.
    fn unlink(&mut self, idx: usize) {
        let o = &self.state.orders[idx];
        if let Some(p) = self.state.positions.get_mut(&o.symbol) {
            if p.stop_loss_order.as_deref() == Some(&o.id) {
                p.stop_loss_order = None;
            }
            if p.take_profit_order.as_deref() == Some(&o.id) {
                p.take_profit_order = None;
            }
        }
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
        if status != OrderStatus::Pending {
            return Err(OrderError::NotCancellable {
                id: id.to_owned(),
                status: status.as_str(),
            }
            .into());
        }
        self.cancel_idx(idx, CloseReason::User)?;
        Ok(self.state.orders[idx].clone())
    }

    /// Execute a fill of order `idx` at `price`.
    #[allow(clippy::too_many_lines)]
    fn fill(&mut self, idx: usize, price: Decimal, liquidity: Liquidity) -> Result<()> {
        // What the fill needs of the order and the position, without cloning their strings.
        let o = {
            let x = &self.state.orders[idx];
            FillOrder {
                symbol: x.symbol.clone(),
                side: x.side,
                order_type: x.order_type,
                amount: x.amount,
                leverage: x.leverage,
                reduce_only: x.reduce_only,
                close_position: x.close_position,
                reserved: x.reserved,
            }
        };
        let pos = self.state.positions.get(&o.symbol).map(|p| FillPosition {
            side: p.side,
            entry_price: p.entry_price,
            amount: p.amount,
            margin: p.margin,
        });
        let opposing = pos
            .as_ref()
            .filter(|p| p.side != o.side.position_side())
            .map_or(Decimal::ZERO, |p| p.amount);
        let qty = if o.close_position {
            opposing
        } else if o.reduce_only {
            o.amount.min(opposing)
        } else {
            o.amount
        };
        if qty.is_zero() {
            return if o.close_position {
                self.cancel_idx(idx, CloseReason::PositionClosed)
            } else {
                self.reject(idx, "ReduceOnly order would not reduce a position".into())
            };
        }
        let reduce = qty.min(opposing);
        let open = qty - reduce;
        let rate = match liquidity {
            Liquidity::Maker => self.state.config.maker_fee,
            Liquidity::Taker => self.state.config.taker_fee,
        };
        let fee = num::money(num::mul(num::mul(price, qty, "notional")?, rate, "fee")?);

        // PnL and margin released by the reducing part.
        let (realized, released) = match &pos {
            Some(p) if reduce > Decimal::ZERO => {
                let diff = num::sub(price, p.entry_price, "pnl")?;
                let realized = num::money(num::mul(
                    num::mul(p.side.sign(), diff, "pnl")?,
                    reduce,
                    "pnl",
                )?);
                let released = if reduce == p.amount {
                    p.margin
                } else {
                    num::money(num::div(
                        num::mul(p.margin, reduce, "margin")?,
                        p.amount,
                        "margin",
                    )?)
                };
                (realized, released)
            }
            _ => (Decimal::ZERO, Decimal::ZERO),
        };
        let open_margin = if open > Decimal::ZERO {
            num::money(num::div(
                num::mul(price, open, "notional")?,
                Decimal::from(o.leverage),
                "margin",
            )?)
        } else {
            Decimal::ZERO
        };
        if open > Decimal::ZERO {
            let available = self.free_balance() + o.reserved + released + realized;
            let need = open_margin + fee;
            if need > available {
                return self.reject(idx, insufficient(need, available));
            }
        }

        // Commit.
        self.release(idx);
        let now = self.now();
        self.state.wallet = num::sub(
            num::add(self.state.wallet, realized, "wallet")?,
            fee,
            "wallet",
        )?;
        self.state.fees_paid += fee;
        self.state.realized_pnl += realized;
        self.record_fill(idx, price, qty, fee, liquidity)?;

        if let Some(p) = pos.filter(|_| reduce > Decimal::ZERO) {
            let close_reason = match o.order_type {
                _ if !o.close_position => CloseReason::Order,
                OrderType::StopLoss => CloseReason::StopLoss,
                OrderType::TakeProfit => CloseReason::TakeProfit,
                _ => CloseReason::Order,
            };
            if reduce == p.amount {
                self.remove_position(&o.symbol, realized, close_reason)?;
            } else {
                let pm = self
                    .state
                    .positions
                    .get_mut(&o.symbol)
                    .ok_or(EngineError::Internal("position vanished"))?;
                pm.amount -= reduce;
                pm.margin -= released;
                pm.realized_pnl += realized;
                let (side, amount) = (pm.side, pm.amount);
                self.sync_protective_amounts(&o.symbol);
                self.emit(EngineEvent::PositionReduced {
                    symbol: o.symbol.clone(),
                    side,
                    amount,
                    realized_pnl: realized,
                });
            }
        }
        if open > Decimal::ZERO {
            match self.state.positions.get_mut(&o.symbol) {
                Some(p) => {
                    let total = p.amount + open;
                    let cost = num::add(
                        num::mul(p.entry_price, p.amount, "entry")?,
                        num::mul(price, open, "entry")?,
                        "entry",
                    )?;
                    p.entry_price = num::money(num::div(cost, total, "entry")?);
                    p.amount = total;
                    p.margin += open_margin;
                    let (side, amount, entry_price) = (p.side, p.amount, p.entry_price);
                    self.sync_protective_amounts(&o.symbol);
                    self.emit(EngineEvent::PositionIncreased {
                        symbol: o.symbol.clone(),
                        side,
                        amount,
                        entry_price,
                    });
                }
                None => {
                    let side = o.side.position_side();
                    self.state.positions.insert(
                        o.symbol.clone(),
                        Position {
                            symbol: o.symbol.clone(),
                            side,
                            entry_price: price,
                            amount: open,
                            leverage: o.leverage,
                            margin: open_margin,
                            realized_pnl: Decimal::ZERO,
                            opened_at_ms: now,
                            stop_loss_order: None,
                            take_profit_order: None,
                        },
                    );
                    match self.state.leverage.get_mut(&o.symbol) {
                        Some(l) => *l = o.leverage,
                        None => {
                            self.state.leverage.insert(o.symbol.clone(), o.leverage);
                        }
                    }
                    self.emit(EngineEvent::PositionOpened {
                        symbol: o.symbol.clone(),
                        side,
                        amount: open,
                        entry_price: price,
                        leverage: o.leverage,
                    });
                }
            }
        }
        Ok(())
    }

    /// Mark order `idx` filled and record the fill (history, fill list, event).
    fn record_fill(
        &mut self,
        idx: usize,
        price: Decimal,
        qty: Decimal,
        fee: Decimal,
        liquidity: Liquidity,
    ) -> Result<()> {
        let timestamp_ms = self.now();
        let o = &mut self.state.orders[idx];
        o.apply(OrderTransition::Fill)?;
        unpend(&mut self.pending, idx);
        o.filled_price = Some(price);
        o.filled_amount = Some(qty);
        o.fee = Some(fee);
        let (order_id, symbol, side) = (o.id.clone(), o.symbol.clone(), o.side);
        self.state.fills.push(Fill {
            order_id: order_id.clone(),
            symbol: symbol.clone(),
            side,
            price,
            amount: qty,
            fee,
            liquidity,
            timestamp_ms,
        });
        self.emit(EngineEvent::OrderFilled {
            order_id,
            symbol,
            side,
            price,
            amount: qty,
            fee,
            liquidity,
        });
        Ok(())
    }

    /// Remove a closed position and cancel its protective orders.
    fn remove_position(
        &mut self,
        symbol: &Symbol,
        realized: Decimal,
        reason: CloseReason,
    ) -> Result<()> {
        let Some(p) = self.state.positions.remove(symbol) else {
            return Ok(());
        };
        for id in [&p.stop_loss_order, &p.take_profit_order]
            .into_iter()
            .flatten()
        {
            if let Some(&i) = self.index.get(id) {
                if self.state.orders[i].status == OrderStatus::Pending {
                    self.cancel_idx(i, CloseReason::PositionClosed)?;
                }
            }
        }
        if reason != CloseReason::Liquidation {
            self.emit(EngineEvent::PositionClosed {
                symbol: symbol.clone(),
                side: p.side,
                realized_pnl: realized,
                reason,
            });
        }
        Ok(())
    }

    fn sync_protective_amounts(&mut self, symbol: &Symbol) {
        let Some(p) = self.state.positions.get(symbol) else {
            return;
        };
        let amount = p.amount;
        for id in [p.stop_loss_order.clone(), p.take_profit_order.clone()]
            .into_iter()
            .flatten()
        {
            if let Some(&i) = self.index.get(&id) {
                self.state.orders[i].amount = amount;
            }
        }
    }

    /// Close a whole position with a reduce-only market order.
    ///
    /// # Errors
    /// `NoPosition`, bad price.
    pub fn close_position(
        &mut self,
        symbol: &str,
        current_price: Option<Decimal>,
    ) -> Result<Order> {
        let sym = Symbol::parse(symbol)?;
        let p = self
            .state
            .positions
            .get(&sym)
            .ok_or_else(|| OrderError::NoPosition(sym.to_string()))?;
        let req = OrderRequest {
            id: None,
            symbol: symbol.to_owned(),
            side: p.side.closing_side().as_str().to_owned(),
            order_type: "market".to_owned(),
            amount: p.amount,
            price: None,
            stop_price: None,
            leverage: Some(p.leverage),
            reduce_only: true,
        };
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
        price: Option<Decimal>,
    ) -> Result<PositionState> {
        self.tick();
        let sym = Symbol::parse(symbol)?;
        let p = self
            .state
            .positions
            .get(&sym)
            .ok_or_else(|| OrderError::NoPosition(sym.to_string()))?;
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
        let price = num::positive_price(field, check_input(field, price)?)?;
        let mark = self.mark_of(&sym).unwrap_or(p.entry_price);
        let side = p.side.closing_side();
        let mut probe = Order::new(
            String::new(),
            sym.clone(),
            side,
            kind,
            p.amount,
            p.leverage,
            self.now(),
        );
        probe.stop_price = Some(price);
        probe.reduce_only = true;
        probe.close_position = true;
        if probe.triggers_at(mark) {
            return Err(protection_error(kind, p.side, price, "current", mark).into());
        }
        if let Some(i) = existing.and_then(|id| self.index.get(&id).copied()) {
            self.state.orders[i].stop_price = Some(price);
        } else {
            let mut order = probe;
            order.id = self.gen_id(if kind == OrderType::StopLoss {
                "sl"
            } else {
                "tp"
            });
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
    pub fn update_price(&mut self, symbol: &str, price: Decimal) -> Result<&[EventRecord]> {
        self.tick();
        let sym = Symbol::parse(symbol)?;
        let price = num::positive_price("price", check_input("price", price)?)?;
        let before = self.last_seq();
        self.mark(&sym, price)?;
        Ok(self.events_since(before))
    }

    fn mark(&mut self, sym: &Symbol, price: Decimal) -> Result<()> {
        match self.state.marks.get_mut(sym) {
            Some(m) => *m = price,
            None => {
                self.state.marks.insert(sym.clone(), price);
            }
        }
        self.check_liquidation(sym, price)?;
        let candidates: Vec<usize> = self
            .pending
            .iter()
            .copied()
            .filter(|&i| {
                let o = &self.state.orders[i];
                &o.symbol == sym && o.triggers_at(price)
            })
            .collect();
        for i in candidates {
            if self.state.orders[i].status != OrderStatus::Pending {
                continue; // cancelled by an earlier fill in this step (OCO sibling)
            }
            let o = &self.state.orders[i];
            match o.order_type {
                OrderType::Limit => {
                    let px = o.price.unwrap_or(price);
                    self.fill(i, px, Liquidity::Maker)?;
                }
                OrderType::StopLoss | OrderType::TakeProfit => {
                    let ev = if o.order_type == OrderType::StopLoss {
                        EngineEvent::StopLossTriggered {
                            order_id: o.id.clone(),
                            symbol: sym.clone(),
                            price,
                        }
                    } else {
                        EngineEvent::TakeProfitTriggered {
                            order_id: o.id.clone(),
                            symbol: sym.clone(),
                            price,
                        }
                    };
                    let px = self.taker_price(o.side, price)?;
                    self.emit(ev);
                    self.fill(i, px, Liquidity::Taker)?;
                }
                OrderType::Market => {}
            }
        }
        Ok(())
    }

    fn check_liquidation(&mut self, sym: &Symbol, price: Decimal) -> Result<()> {
        let Some(p) = self.state.positions.get(sym) else {
            return Ok(());
        };
        // The level depends only on the position: remember the last one computed.
        let key = (p.side, p.amount, p.entry_price, p.margin);
        let lp = match &self.liq_cache {
            Some((s, k, lp)) if s == sym && *k == key => *lp,
            _ => {
                let lp =
                    self.brackets(sym)
                        .liquidation_price(p.side, p.amount, p.entry_price, p.margin);
                self.liq_cache = Some((sym.clone(), key, lp));
                lp
            }
        };
        let Some(lp) = lp else {
            return Ok(());
        };
        let hit = match p.side {
            PositionSide::Long => price <= lp,
            PositionSide::Short => price >= lp,
        };
        if !hit {
            return Ok(());
        }
        let p = p.clone();
        let pnl = p.unrealized_pnl(price);
        let realized = pnl.max(-p.margin);
        let clearance = (p.margin + realized).max(Decimal::ZERO);
        self.state.wallet = self.state.wallet + realized - clearance;
        self.state.realized_pnl += realized;
        self.state.fees_paid += clearance;
        // A filled market order records the liquidation in the history.
        let id = self.gen_id("liq");
        let mut order = Order::new(
            id,
            sym.clone(),
            p.side.closing_side(),
            OrderType::Market,
            p.amount,
            p.leverage,
            self.now(),
        );
        order.reduce_only = true;
        order.close_position = true;
        let idx = self.accept(order);
        self.record_fill(idx, price, p.amount, clearance, Liquidity::Taker)?;
        self.emit(EngineEvent::PositionLiquidated {
            symbol: sym.clone(),
            side: p.side,
            price,
            amount: p.amount,
            realized_pnl: realized,
            fee: clearance,
        });
        self.remove_position(sym, realized, CloseReason::Liquidation)
    }
}

type LiqCache = (
    Symbol,
    (PositionSide, Decimal, Decimal, Decimal),
    Option<Decimal>,
);

/// The order fields a fill reads.
struct FillOrder {
    symbol: Symbol,
    side: Side,
    order_type: OrderType,
    amount: Decimal,
    leverage: u32,
    reduce_only: bool,
    close_position: bool,
    reserved: Decimal,
}

/// The position fields a fill reads.
#[derive(Clone, Copy)]
struct FillPosition {
    side: PositionSide,
    entry_price: Decimal,
    amount: Decimal,
    margin: Decimal,
}

/// Drop `idx` from the sorted pending list (it just left `pending`).
fn unpend(pending: &mut Vec<usize>, idx: usize) {
    if let Ok(at) = pending.binary_search(&idx) {
        pending.remove(at);
    }
}

/// The error for a stop-loss / take-profit level on the wrong side of `against`.
#[must_use]
pub fn protection_error(
    kind: OrderType,
    side: PositionSide,
    price: Decimal,
    reference: &'static str,
    against: Decimal,
) -> ValidationError {
    let below = matches!(
        (kind, side),
        (OrderType::StopLoss, PositionSide::Long) | (OrderType::TakeProfit, PositionSide::Short)
    );
    let (must, side) = (if below { "below" } else { "above" }, side.as_str());
    if kind == OrderType::StopLoss {
        ValidationError::InvalidStopLoss {
            price,
            must,
            reference,
            against,
            side,
        }
    } else {
        ValidationError::InvalidTakeProfit {
            price,
            must,
            reference,
            against,
            side,
        }
    }
}

fn insufficient(need: Decimal, available: Decimal) -> String {
    format!(
        "Insufficient balance: needs {} (margin + fee), available {}",
        need.round_dp(8).normalize(),
        available.round_dp(8).normalize()
    )
}
