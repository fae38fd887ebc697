//! The live client as an [`ExecutionVenue`], so `OrderExecutor` runs the same decisions live.

use super::client::{LiveClient, Transport};
use super::codec::PlaceSpec;
use crate::error::{EngineError, LiveError, OrderError, Result, ValidationError};
use crate::events::EventRecord;
use crate::ledger::trigger::protection_error;
use crate::money::{Price, Quantity};
use crate::num;
use crate::order::{protective_trigger, Order, OrderRequest, OrderTransition, RejectReason};
use crate::position::{AccountState, PositionState};
use crate::types::{OrderType, Side, Symbol};
use crate::venue::ExecutionVenue;

impl<T: Transport> LiveClient<T> {
    /// Turn a definite exchange rejection into a `failed` order (the venue contract: a venue
    /// rejection is an order, not an error). Insufficient funds keep the spec's wording.
    fn failed_order(&self, spec: &PlaceSpec, e: &LiveError) -> Order {
        let mut o = Order::new(
            spec.client_id.clone(),
            spec.symbol.clone(),
            spec.side,
            spec.order_type,
            spec.amount.unwrap_or_default(),
            1,
            u64::try_from(self.server_now()).unwrap_or(0),
        );
        o.price = spec.price;
        o.stop_price = spec.stop_price;
        let _ = o.apply(OrderTransition::Reject);
        o.error_message = Some(match e {
            LiveError::InsufficientFunds(r) => format!("Insufficient balance: {r}"),
            other => other.to_string(),
        });
        o.reject_reason = match e {
            LiveError::InsufficientFunds(_) => Some(RejectReason::InsufficientFunds),
            other => other
                .reply()
                .and_then(|r| RejectReason::from_binance(r.code?, &r.msg)),
        };
        o
    }

    /// Place from an engine-style request (validated like the paper engine).
    ///
    /// # Errors
    /// Bad input, exchange filters, leverage refusal, `EXECUTION_STATUS_UNKNOWN`.
    pub async fn place_request(
        &self,
        req: &OrderRequest,
        current_price: Option<Price>,
    ) -> Result<Order> {
        let (symbol, side, order_type) = (req.symbol.clone(), req.side, req.order_type);
        let amount = Quantity(num::positive_amount(req.amount.0)?);
        let price = match order_type {
            OrderType::Limit => Some(Price(num::positive_price(
                "price",
                req.price.ok_or(ValidationError::MissingPrice)?.0,
            )?)),
            _ => None,
        };
        let stop_price = match order_type {
            OrderType::StopLoss | OrderType::TakeProfit => Some(Price(num::positive_price(
                "stopPrice",
                req.stop_price
                    .ok_or(ValidationError::MissingStopPrice(order_type.as_str()))?
                    .0,
            )?)),
            _ => None,
        };
        if let Some(p) = current_price {
            self.set_mark(&symbol, num::positive_price("currentPrice", p.0)?);
        }
        if let Some(l) = req.leverage {
            self.ensure_leverage(&symbol, l).await?;
        }
        let client_id = match &req.id {
            Some(id) => id.clone(),
            None => self.new_client_id(),
        };
        let spec = PlaceSpec {
            symbol,
            side,
            order_type,
            amount: Some(amount),
            price,
            stop_price,
            reduce_only: req.reduce_only,
            close_position: false,
            client_id,
        };
        match self.place(spec.clone(), current_price.map(|p| p.0)).await {
            Err(EngineError::Live(
                e @ (LiveError::InsufficientFunds(_) | LiveError::InvalidOrder(_)),
            )) => Ok(self.failed_order(&spec, &e)),
            other => other,
        }
    }

    /// The open position in a symbol.
    ///
    /// # Errors
    /// Network failure.
    pub async fn position(&self, symbol: &Symbol) -> Result<Option<PositionState>> {
        Ok(self
            .positions()
            .await?
            .into_iter()
            .find(|p| &p.symbol == symbol))
    }

    /// Close a futures position at the market (reduce-only) and cancel its protective
    /// orders; on spot, sell the free base balance rounded down to the step.
    ///
    /// # Errors
    /// `NO_POSITION`, exchange and network failures.
    pub async fn close(&self, symbol: &Symbol) -> Result<Order> {
        let (side, amount) = match self.config().market {
            crate::binance::Market::UsdM => {
                let p = self
                    .position(symbol)
                    .await?
                    .ok_or_else(|| OrderError::NoPosition(symbol.to_string()))?;
                (p.side.closing_side(), p.amount)
            }
            crate::binance::Market::Spot => {
                self.load_markets(false).await?;
                let base = symbol.as_str().split('/').next().unwrap_or_default();
                let (free, _) = self.spot_balance(base).await?;
                let held = self
                    .rules(symbol)
                    .map_or(free, |r| r.round_sell_amount(free, free));
                if held.is_zero() {
                    return Err(OrderError::NoPosition(symbol.to_string()).into());
                }
                (Side::Sell, Quantity(held))
            }
        };
        let spec = PlaceSpec {
            symbol: symbol.clone(),
            side,
            order_type: OrderType::Market,
            amount: Some(amount),
            price: None,
            stop_price: None,
            reduce_only: self.config().market == crate::binance::Market::UsdM,
            close_position: false,
            client_id: self.new_client_id(),
        };
        let order = self.place(spec, None).await?;
        // With the position gone, its protective and reduce-only orders are moot: cancel
        // them (a failure here is not a failure of the close).
        let moot: Vec<String> = self
            .orders()
            .into_iter()
            .filter(|o| &o.symbol == symbol && o.is_open() && (o.reduce_only || o.close_position))
            .map(|o| o.id)
            .collect();
        for id in moot {
            let _ = self.cancel(&id).await;
        }
        for sl in [true, false] {
            self.set_protection_order(symbol, sl, None);
        }
        Ok(order)
    }

    /// Attach, move or remove a position's stop-loss / take-profit (a `closePosition`
    /// conditional order on futures).
    ///
    /// # Errors
    /// `NO_POSITION`, a level on the wrong side of the market, exchange failures.
    pub async fn protect(
        &self,
        symbol: &Symbol,
        kind: OrderType,
        price: Option<Price>,
    ) -> Result<PositionState> {
        let stop = kind == OrderType::StopLoss;
        let p = self
            .position(symbol)
            .await?
            .ok_or_else(|| OrderError::NoPosition(symbol.to_string()))?;
        if let Some(level) = price {
            let mark = p.current_price;
            let trigger = protective_trigger(kind);
            if trigger.reached(p.side.closing_side(), level, mark) {
                return Err(protection_error(trigger, p.side, level, "current", mark).into());
            }
        }
        if let Some((old, _)) = self.protection_order(symbol, stop) {
            match self.cancel(&old).await {
                Ok(_)
                | Err(EngineError::Order(
                    OrderError::OrderNotFound(_) | OrderError::NotCancellable { .. },
                )) => {}
                Err(e) => return Err(e),
            }
            self.set_protection_order(symbol, stop, None);
        }
        if let Some(level) = price {
            let futures = self.config().market == crate::binance::Market::UsdM;
            let spec = PlaceSpec {
                symbol: symbol.clone(),
                side: p.side.closing_side(),
                order_type: kind,
                amount: (!futures).then_some(p.amount),
                price: None,
                stop_price: Some(level),
                reduce_only: false,
                close_position: futures,
                client_id: self.new_client_id(),
            };
            let o = self.place(spec, Some(p.current_price.0)).await?;
            self.set_protection_order(symbol, stop, Some((o.id, level.0)));
        }
        let mut out = self.position(symbol).await?.unwrap_or(p);
        out.stop_loss = self.protection_order(symbol, true).map(|x| Price(x.1));
        out.take_profit = self.protection_order(symbol, false).map(|x| Price(x.1));
        Ok(out)
    }
}

impl<T: Transport> ExecutionVenue for LiveClient<T> {
    async fn place_order(&self, req: &OrderRequest, current_price: Option<Price>) -> Result<Order> {
        self.place_request(req, current_price).await
    }
    async fn cancel_order(&self, id: &str) -> Result<Order> {
        self.cancel(id).await
    }
    async fn close_position(&self, symbol: &str, _current_price: Option<Price>) -> Result<Order> {
        self.close(&Symbol::parse(symbol)?).await
    }
    async fn positions(&self) -> Result<Vec<PositionState>> {
        LiveClient::positions(self).await
    }
    async fn account(&self) -> Result<AccountState> {
        LiveClient::account(self).await
    }
    async fn set_protection(
        &self,
        symbol: &str,
        kind: OrderType,
        price: Option<Price>,
    ) -> Result<PositionState> {
        self.protect(&Symbol::parse(symbol)?, kind, price).await
    }
    /// Live prices come from the exchange; a price fed here is only remembered as the
    /// latest mark (the exchange triggers SL/TP and fills; `reconcile` picks them up).
    fn update_price(&self, symbol: &str, price: Price) -> Result<Vec<EventRecord>> {
        let s = Symbol::parse(symbol)?;
        self.set_mark(&s, num::positive_price("price", price.0)?);
        Ok(Vec::new())
    }
    fn last_price(&self, symbol: &Symbol) -> Option<Price> {
        self.mark(symbol).map(Price)
    }
    fn find_order(&self, id: &str) -> Option<Order> {
        self.order(id)
    }
    fn open_order_ids(&self) -> Vec<String> {
        self.orders()
            .into_iter()
            .filter(Order::is_open)
            .map(|o| o.id)
            .collect()
    }
}
