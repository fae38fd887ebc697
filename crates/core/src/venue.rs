//! The one venue trait that the paper engine and the live executor both implement.
//!
//! Methods are `async` so a network venue can implement them; the paper engine completes
//! every call immediately (its futures are ready on first poll).

use crate::error::Result;
use crate::order::{Order, OrderRequest};
use crate::paper::PaperEngine;
use crate::position::{AccountState, PositionState};
use rust_decimal::Decimal;

/// An execution venue: where orders go.
#[allow(async_fn_in_trait)]
pub trait ExecutionVenue {
    /// Submit an order; `current_price` is the caller's view of the market, when it has one.
    ///
    /// # Errors
    /// Bad input or a state that does not allow the order. A venue rejection is an order
    /// with status `failed`, not an error.
    async fn place_order(
        &mut self,
        req: &OrderRequest,
        current_price: Option<Decimal>,
    ) -> Result<Order>;
    /// Cancel a pending order.
    ///
    /// # Errors
    /// Unknown or finished order.
    async fn cancel_order(&mut self, id: &str) -> Result<Order>;
    /// Close a whole position at the market.
    ///
    /// # Errors
    /// No position.
    async fn close_position(
        &mut self,
        symbol: &str,
        current_price: Option<Decimal>,
    ) -> Result<Order>;
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
}

impl ExecutionVenue for PaperEngine {
    async fn place_order(
        &mut self,
        req: &OrderRequest,
        current_price: Option<Decimal>,
    ) -> Result<Order> {
        PaperEngine::place_order(self, req, current_price)
    }
    async fn cancel_order(&mut self, id: &str) -> Result<Order> {
        PaperEngine::cancel_order(self, id)
    }
    async fn close_position(
        &mut self,
        symbol: &str,
        current_price: Option<Decimal>,
    ) -> Result<Order> {
        PaperEngine::close_position(self, symbol, current_price)
    }
    async fn positions(&self) -> Result<Vec<PositionState>> {
        Ok(PaperEngine::positions(self))
    }
    async fn account(&self) -> Result<AccountState> {
        Ok(PaperEngine::account(self))
    }
}
