//! # iftb-core
//!
//! The order-execution and position engine behind `iftb-executor`, in pure Rust.
//!
//! - **Sans-IO and deterministic**: no wall clock ([`clock::Clock`] is injected), no
//!   randomness, no network. The same calls give byte-identical state.
//! - **Exact money**: every price, quantity, fee and PnL is a `rust_decimal::Decimal`, typed by
//!   unit ([`money`]: `Price`, `Quantity`, `Money`, `Rate`).
//! - **One ledger** ([`ledger`]): every trading rule (fees, slippage, margin, PnL,
//!   liquidation, triggers) written once, generic over the number type, and called by every
//!   engine: the paper engine, the fast engine (`iftb-fast`), the executor and the local
//!   exchange's books.
//! - **One venue trait** ([`venue::ExecutionVenue`]) implemented by the paper engine
//!   ([`paper::PaperEngine`]) and, in the binding, by the live executor.
//!
//! ```text
//! OrderRequest ──validate──▶ Order(pending) ──fill / cancel / reject──▶ filled | cancelled | failed
//!                                   │
//! update_price(symbol, p) ──▶ liquidations, triggered SL/TP, resting limits ──▶ EventRecord log
//! ```
#![deny(missing_docs)]

pub mod binance;
pub mod clock;
pub mod decision;
pub mod error;
pub mod events;
pub mod exchange;
pub mod executor;
pub mod ledger;
pub mod live;
pub mod money;
pub mod num;
pub mod order;
pub mod paper;
pub mod position;
pub mod proxy;
pub mod rules;
pub mod settings;
pub mod snapshot;
pub mod types;
pub mod venue;

pub use clock::{Clock, ManualClock, SharedClock};
pub use decision::{
    convert_decision_to_request, Action, DecisionAction, EntryType, ExecutionRequest,
    TradingDecision,
};
pub use error::{
    EngineError, ErrorCode, ExchangeReply, LiveError, OrderError, Result, RiskError,
    ValidationError,
};
pub use events::{CloseReason, EngineEvent, EventRecord, Fill, Subscription};
pub use executor::{AccountStatus, ExecutorState, LogLevel, LogRecord, OrderExecutor, RiskState};
pub use ledger::{Bracket, BracketTable, Ledger};
pub use money::{Money, Price, Quantity, Rate};
pub use order::{Order, OrderRequest, OrderStatus, OrderTransition, RejectReason};
pub use paper::{PaperConfig, PaperEngine, PaperState, MAX_LEVERAGE};
pub use position::{AccountState, Position, PositionState};
pub use rules::{MarketRules, SymbolRules};
pub use rust_decimal::Decimal;
pub use settings::{parse_dotenv, TradingSettings};
pub use snapshot::{Snapshot, SNAPSHOT_KIND, SNAPSHOT_VERSION};
pub use types::{Liquidity, OrderType, PositionSide, Side, Symbol, TimeInForce};
pub use venue::{complete_now, ExecutionVenue, PaperVenue};
