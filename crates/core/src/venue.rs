//! The one venue trait that the paper engine and the live executor both implement.
//!
//! Methods are `async` so a network venue can implement them; the paper engine completes
//! every call immediately (its futures are ready on first poll).

use crate::error::Result;
use crate::events::EventRecord;
use crate::money::Price;
use crate::order::{Order, OrderRequest};
use crate::paper::PaperEngine;
use crate::position::{AccountState, PositionState};
use crate::types::{OrderType, Symbol};
use std::cell::RefCell;

/// An execution venue: where orders go.
#[allow(async_fn_in_trait)]
pub trait ExecutionVenue {
    /// Submit an order; `current_price` is the caller's view of the market, when it has one.
    ///
    /// # Errors
    /// Bad input or a state that does not allow the order. A venue rejection is an order
    /// with status `failed`, not an error.
    async fn place_order(&self, req: &OrderRequest, current_price: Option<Price>) -> Result<Order>;
    /// Cancel a pending order.
    ///
    /// # Errors
    /// Unknown or finished order.
    async fn cancel_order(&self, id: &str) -> Result<Order>;
    /// Close a whole position at the market.
    ///
    /// # Errors
    /// No position.
    async fn close_position(&self, symbol: &str, current_price: Option<Price>) -> Result<Order>;
    /// Open positions.
    ///
    /// # Errors
    /// Venue unreachable (live).
    async fn positions(&self) -> Result<Vec<PositionState>>;
    /// Balances and PnL.
    ///
    /// # Errors
    /// Venue unreachable (live).
    async fn account(&self) -> Result<AccountState>;
    /// Attach, move (`Some`) or remove (`None`) a position's stop-loss or take-profit.
    ///
    /// # Errors
    /// No position; level on the wrong side of the market.
    async fn set_protection(
        &self,
        symbol: &str,
        kind: OrderType,
        price: Option<Price>,
    ) -> Result<PositionState>;
    /// Feed a market price; returns what it caused (fills, closes, liquidations).
    ///
    /// # Errors
    /// Bad symbol or price.
    fn update_price(&self, symbol: &str, price: Price) -> Result<Vec<EventRecord>>;
    /// Last known price of a symbol.
    fn last_price(&self, symbol: &Symbol) -> Option<Price>;
    /// A known order by id.
    fn find_order(&self, id: &str) -> Option<Order>;
    /// Ids of every pending order (resting entries and protective orders).
    fn open_order_ids(&self) -> Vec<String>;
}

/// The paper engine as a venue. Its calls complete at once, so the cell is borrowed only
/// for the duration of each synchronous engine call.
pub type PaperVenue = RefCell<PaperEngine>;

impl ExecutionVenue for PaperVenue {
    async fn place_order(&self, req: &OrderRequest, current_price: Option<Price>) -> Result<Order> {
        self.borrow_mut().place_order(req, current_price)
    }
    async fn cancel_order(&self, id: &str) -> Result<Order> {
        self.borrow_mut().cancel_order(id)
    }
    async fn close_position(&self, symbol: &str, current_price: Option<Price>) -> Result<Order> {
        self.borrow_mut().close_position(symbol, current_price)
    }
    async fn positions(&self) -> Result<Vec<PositionState>> {
        Ok(self.borrow().positions())
    }
    async fn account(&self) -> Result<AccountState> {
        Ok(self.borrow().account())
    }
    async fn set_protection(
        &self,
        symbol: &str,
        kind: OrderType,
        price: Option<Price>,
    ) -> Result<PositionState> {
        self.borrow_mut().set_protection(symbol, kind, price)
    }
    fn update_price(&self, symbol: &str, price: Price) -> Result<Vec<EventRecord>> {
        self.borrow_mut()
            .update_price(symbol, price)
            .map(<[EventRecord]>::to_vec)
    }
    fn last_price(&self, symbol: &Symbol) -> Option<Price> {
        self.borrow().mark_of(symbol)
    }
    fn find_order(&self, id: &str) -> Option<Order> {
        self.borrow().order(id).cloned()
    }
    fn open_order_ids(&self) -> Vec<String> {
        self.borrow().open_orders().map(|o| o.id.clone()).collect()
    }
}

/// Drive a future that must complete without waiting (the paper venue's futures).
///
/// # Errors
/// `INTERNAL` if the future is not ready on first poll.
pub fn complete_now<T>(f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match std::pin::pin!(f).poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => Err(crate::error::EngineError::Internal(
            "a venue call that must complete immediately was still pending",
        )),
    }
}
