//! Error types of the core. Every variant maps to a stable, documented code string.

use rust_decimal::Decimal;
use thiserror::Error;

/// Bad input: the request itself is wrong, whatever the engine state.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValidationError {
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// A value is not a finite decimal number (NaN, Infinity, garbage text).
    #[error("{field} is not a finite decimal number: {value}")]
    InvalidNumber {
        /// Field name.
        field: &'static str,
        /// What was given.
        value: String,
    },
    /// An amount is zero or negative.
    #[error("amount must be greater than 0, got {0}")]
    InvalidAmount(String),
    /// A price is zero or negative.
    #[error("{field} must be greater than 0, got {value}")]
    InvalidPrice {
        /// Field name.
        field: &'static str,
        /// What was given.
        value: String,
    },
    /// A limit order without a limit price.
    #[error("a limit order needs a price")]
    MissingPrice,
    /// A stop-loss / take-profit order without a trigger price.
    #[error("a {0} order needs a stopPrice")]
    MissingStopPrice(&'static str),
    /// Side is not buy/sell (or long/short where a position side is expected).
    #[error("side must be \"buy\" or \"sell\", got {0:?}")]
    InvalidSide(String),
    /// Order type is not one of market/limit/stop_loss/take_profit.
    #[error(
        "type must be one of \"market\", \"limit\", \"stop_loss\", \"take_profit\", got {0:?}"
    )]
    InvalidOrderType(String),
    /// Symbol is not of the form BASE/QUOTE.
    #[error("symbol must look like \"BTC/USDT\" (BASE/QUOTE, letters and digits), got {0:?}")]
    InvalidSymbol(String),
    /// Leverage outside 1..=125 or not an integer.
    #[error("leverage must be a whole number from 1 to {max}, got {value}")]
    InvalidLeverage {
        /// What was given.
        value: String,
        /// Largest allowed.
        max: u32,
    },
    /// A stop-loss on the wrong side of the entry/current price.
    #[error(
        "stop-loss {price} must be {must} the {reference} price {against} for a {side} position"
    )]
    InvalidStopLoss {
        /// Stop level.
        price: Decimal,
        /// "below" / "above".
        must: &'static str,
        /// "entry" / "current".
        reference: &'static str,
        /// The price it is checked against.
        against: Decimal,
        /// The position's side.
        side: crate::types::PositionSide,
    },
    /// A take-profit on the wrong side of the entry/current price.
    #[error(
        "take-profit {price} must be {must} the {reference} price {against} for a {side} position"
    )]
    InvalidTakeProfit {
        /// Take-profit level.
        price: Decimal,
        /// "below" / "above".
        must: &'static str,
        /// "entry" / "current".
        reference: &'static str,
        /// The price it is checked against.
        against: Decimal,
        /// The position's side.
        side: crate::types::PositionSide,
    },
    /// Amount below the symbol's minimum quantity.
    #[error("amount {amount} is below the minimum {min} for {symbol}")]
    AmountBelowMinimum {
        /// Symbol.
        symbol: String,
        /// Amount.
        amount: String,
        /// Minimum.
        min: String,
    },
    /// Amount above the symbol's maximum quantity.
    #[error("amount {amount} is above the maximum {max} for {symbol}")]
    AmountAboveMaximum {
        /// Symbol.
        symbol: String,
        /// Amount.
        amount: String,
        /// Maximum.
        max: String,
    },
    /// Amount not a multiple of the step size.
    #[error("amount {amount} is not a multiple of the step size {step} for {symbol} (nearest below: {rounded})")]
    InvalidStepSize {
        /// Symbol.
        symbol: String,
        /// Amount.
        amount: String,
        /// Step.
        step: String,
        /// Amount rounded down to the step.
        rounded: String,
    },
    /// Price not a multiple of the tick size.
    #[error("{field} {price} is not a multiple of the tick size {tick} for {symbol}")]
    InvalidTickSize {
        /// Which price.
        field: &'static str,
        /// Symbol.
        symbol: String,
        /// Price.
        price: String,
        /// Tick.
        tick: String,
    },
    /// Order value below the symbol's minimum notional.
    #[error("order value {notional} is below the minimum {min} for {symbol}")]
    NotionalBelowMinimum {
        /// Symbol.
        symbol: String,
        /// amount × price.
        notional: String,
        /// Minimum.
        min: String,
    },
    /// Price outside PRICE_FILTER's min/max.
    #[error("{field} {price} is outside the allowed range for {symbol} (min {min}, max {max}; 0 = none)")]
    PriceOutOfRange {
        /// Which price.
        field: &'static str,
        /// Symbol.
        symbol: String,
        /// Price.
        price: String,
        /// Minimum.
        min: String,
        /// Maximum.
        max: String,
    },
    /// Price too far from the market (PERCENT_PRICE).
    #[error("a {} price of {price} for {symbol} must be {} {limit} (the allowed band around the market price {reference})", side.as_str(), if matches!(side, crate::types::Side::Buy) { "at most" } else { "at least" })]
    PriceOutsideBand {
        /// Symbol.
        symbol: String,
        /// Order side.
        side: crate::types::Side,
        /// Price.
        price: String,
        /// Band edge.
        limit: String,
        /// Market price used.
        reference: String,
    },
    /// Order value above NOTIONAL's maximum.
    #[error("order value {notional} is above the maximum {max} for {symbol}")]
    NotionalAboveMaximum {
        /// Symbol.
        symbol: String,
        /// amount × price.
        notional: String,
        /// Maximum.
        max: String,
    },
    /// A snapshot that cannot be restored.
    #[error("snapshot cannot be restored: {0}")]
    InvalidSnapshot(String),
    /// An execution request / decision that cannot be executed.
    #[error("{0}")]
    InvalidRequest(String),
    /// An argument has the wrong shape (e.g. not an object where one is expected).
    #[error("{0}")]
    InvalidArgument(String),
    /// Order id empty or too long.
    #[error("order id must be 1 to 64 characters, got {0:?}")]
    InvalidOrderId(String),
}

/// The request is well formed but the engine's state does not allow it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrderError {
    /// An order with this id exists already.
    #[error("an order with id {0:?} already exists")]
    DuplicateOrderId(String),
    /// No order with this id.
    #[error("no order with id {0:?}")]
    OrderNotFound(String),
    /// The order is not pending any more.
    #[error("order {id:?} is {status} and cannot be cancelled")]
    NotCancellable {
        /// Order id.
        id: String,
        /// Its current status.
        status: crate::order::OrderStatus,
    },
    /// A status change the lifecycle table forbids.
    #[error("order status cannot go from {from} to {to}")]
    InvalidTransition {
        /// Current status.
        from: crate::order::OrderStatus,
        /// Requested status.
        to: crate::order::OrderStatus,
    },
    /// No open position in the symbol.
    #[error("no open position in {0}")]
    NoPosition(String),
    /// Leverage cannot change while a position is open.
    #[error("leverage of {symbol} is {current}x while a position is open; close it before changing leverage")]
    LeverageLocked {
        /// Symbol.
        symbol: String,
        /// Leverage in force.
        current: u32,
    },
    /// No price known for the symbol and none given.
    #[error("no market price known for {0}; pass the current price")]
    NoPrice(String),
}

/// A risk control refused the request.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RiskError {
    /// Leverage above the configured maximum.
    #[error("leverage {requested}x exceeds the maximum of {max}x")]
    LeverageExceeded {
        /// Asked for.
        requested: u32,
        /// Allowed.
        max: u32,
    },
    /// The position's margin would exceed `maxPositionSize` × equity.
    #[error("position margin {margin} (notional {notional} / {leverage}x) would exceed the maximum position size {max_fraction} × equity {equity} = {limit}")]
    PositionSizeExceeded {
        /// Resulting margin.
        margin: Decimal,
        /// Resulting notional.
        notional: Decimal,
        /// Leverage.
        leverage: u32,
        /// Configured fraction.
        max_fraction: Decimal,
        /// Account equity.
        equity: Decimal,
        /// Limit in quote currency.
        limit: Decimal,
    },
    /// A loss limit tripped; only closing / reducing orders are accepted until reset.
    #[error("{0}; only closing or reducing orders are accepted until the loss limits are reset")]
    LossLimitReached(String),
}

/// What an exchange answered: HTTP status, Binance `code` and `msg`, kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeReply {
    /// HTTP status.
    pub http_status: u16,
    /// Binance error code (negative), when the body carried one.
    pub code: Option<i64>,
    /// Binance message (or the body text).
    pub msg: String,
}

impl std::fmt::Display for ExchangeReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.code {
            Some(c) => write!(f, "{} (code {c}, HTTP {})", self.msg, self.http_status),
            None => write!(f, "{} (HTTP {})", self.msg, self.http_status),
        }
    }
}

/// A live-venue failure, classified so callers know whether anything may have happened.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LiveError {
    /// The request did not get an answer (connection refused, DNS, aborted before sending).
    #[error("network error: {0}")]
    Network(String),
    /// An order placement may or may not have reached the exchange, and querying it by
    /// client order id did not settle it. Do not resend: query again later.
    #[error("execution status unknown for client order id {client_order_id}: {detail}")]
    StatusUnknown {
        /// The id the placement carried.
        client_order_id: String,
        /// What happened.
        detail: String,
    },
    /// HTTP 429 / -1003: sending is paused for `retry_after_ms`.
    #[error("rate limited by the exchange; paused for {retry_after_ms} ms: {reply}")]
    RateLimited {
        /// Pause.
        retry_after_ms: u64,
        /// Exchange answer.
        reply: ExchangeReply,
    },
    /// HTTP 418: the IP is banned; nothing is sent until the ban ends.
    #[error(
        "IP banned by the exchange for {retry_after_ms} ms; no request is sent until then: {reply}"
    )]
    IpBanned {
        /// Ban length.
        retry_after_ms: u64,
        /// Exchange answer.
        reply: ExchangeReply,
    },
    /// Balance or margin too small for the order.
    #[error("insufficient funds: {0}")]
    InsufficientFunds(ExchangeReply),
    /// The exchange rejected the order (filters, precision, would trigger, …).
    #[error("order rejected by the exchange: {0}")]
    InvalidOrder(ExchangeReply),
    /// The exchange does not know the order.
    #[error("order not found on the exchange: {0}")]
    OrderNotFound(ExchangeReply),
    /// Bad API key, signature or permissions.
    #[error("authentication failed: {0}")]
    Authentication(ExchangeReply),
    /// -1021: the request's timestamp was outside `recvWindow` even after a clock re-sync.
    #[error("timestamp outside recvWindow: {0}")]
    Timestamp(ExchangeReply),
    /// Any other exchange error.
    #[error("exchange error: {0}")]
    Exchange(ExchangeReply),
    /// A response that could not be understood.
    #[error("unexpected response from the exchange: {0}")]
    BadResponse(String),
}

impl LiveError {
    /// The exchange's answer, when there was one.
    #[must_use]
    pub fn reply(&self) -> Option<&ExchangeReply> {
        match self {
            Self::RateLimited { reply, .. } | Self::IpBanned { reply, .. } => Some(reply),
            Self::InsufficientFunds(r)
            | Self::InvalidOrder(r)
            | Self::OrderNotFound(r)
            | Self::Authentication(r)
            | Self::Timestamp(r)
            | Self::Exchange(r) => Some(r),
            Self::Network(_) | Self::StatusUnknown { .. } | Self::BadResponse(_) => None,
        }
    }
}

/// Any error the engine returns.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EngineError {
    /// Bad input.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// State does not allow the request.
    #[error(transparent)]
    Order(#[from] OrderError),
    /// A risk control refused it.
    #[error(transparent)]
    Risk(#[from] RiskError),
    /// A live venue failed.
    #[error(transparent)]
    Live(#[from] LiveError),
    /// A decimal computation overflowed (values far outside any market's range).
    #[error("arithmetic overflow while computing {0}")]
    Overflow(&'static str),
    /// A bug: an internal expectation did not hold.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

macro_rules! error_codes {
    ($($(#[$doc:meta])* $v:ident = $s:literal,)*) => {
        /// Every error code the package throws (`Error.code` in JS), defined once; the
        /// TypeScript `ErrorCode` union is tested against [`ErrorCode::ALL`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $v,)*
        }
        impl ErrorCode {
            /// Every code, in definition order.
            pub const ALL: &'static [ErrorCode] = &[$(Self::$v,)*];
            /// The code text (SCREAMING_SNAKE_CASE).
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$v => $s,)*
                }
            }
        }
    };
}

error_codes! {
    /// A configuration value is out of range.
    InvalidConfig = "INVALID_CONFIG",
    /// Not a finite decimal number.
    InvalidNumber = "INVALID_NUMBER",
    /// Amount ≤ 0.
    InvalidAmount = "INVALID_AMOUNT",
    /// Price ≤ 0.
    InvalidPrice = "INVALID_PRICE",
    /// A limit order without a price.
    MissingPrice = "MISSING_PRICE",
    /// A stop order without a stop price.
    MissingStopPrice = "MISSING_STOP_PRICE",
    /// Side not buy/sell.
    InvalidSide = "INVALID_SIDE",
    /// Unknown order type.
    InvalidOrderType = "INVALID_ORDER_TYPE",
    /// Malformed symbol.
    InvalidSymbol = "INVALID_SYMBOL",
    /// Leverage out of range.
    InvalidLeverage = "INVALID_LEVERAGE",
    /// Order id empty or too long.
    InvalidOrderId = "INVALID_ORDER_ID",
    /// An argument of the wrong shape, or one whose reading threw.
    InvalidArgument = "INVALID_ARGUMENT",
    /// An order id that exists already.
    DuplicateOrderId = "DUPLICATE_ORDER_ID",
    /// No such order.
    OrderNotFound = "ORDER_NOT_FOUND",
    /// The order is not open any more.
    OrderNotCancellable = "ORDER_NOT_CANCELLABLE",
    /// A status change the lifecycle table forbids.
    InvalidTransition = "INVALID_TRANSITION",
    /// No open position.
    NoPosition = "NO_POSITION",
    /// Leverage change while a position is open.
    LeverageLocked = "LEVERAGE_LOCKED",
    /// No price known.
    NoPrice = "NO_PRICE",
    /// Arithmetic overflow.
    ArithmeticOverflow = "ARITHMETIC_OVERFLOW",
    /// A bug.
    Internal = "INTERNAL",
    /// Stop-loss on the wrong side.
    InvalidStopLoss = "INVALID_STOP_LOSS",
    /// Take-profit on the wrong side.
    InvalidTakeProfit = "INVALID_TAKE_PROFIT",
    /// Below the minimum quantity.
    AmountBelowMinimum = "AMOUNT_BELOW_MINIMUM",
    /// Above the maximum quantity.
    AmountAboveMaximum = "AMOUNT_ABOVE_MAXIMUM",
    /// Not a multiple of the step.
    InvalidStepSize = "INVALID_STEP_SIZE",
    /// Not a multiple of the tick.
    InvalidTickSize = "INVALID_TICK_SIZE",
    /// Below the minimum notional.
    NotionalBelowMinimum = "NOTIONAL_BELOW_MINIMUM",
    /// A snapshot that cannot be restored.
    SnapshotInvalid = "SNAPSHOT_INVALID",
    /// A request that cannot be executed.
    InvalidRequest = "INVALID_REQUEST",
    /// Leverage above the maximum.
    LeverageExceeded = "LEVERAGE_EXCEEDED",
    /// Position size above the maximum.
    PositionSizeExceeded = "POSITION_SIZE_EXCEEDED",
    /// A loss limit tripped.
    LossLimitReached = "LOSS_LIMIT_REACHED",
    /// A file could not be read or written (Node).
    IoError = "IO_ERROR",
    /// Not supported here (this host, this mode).
    NotSupported = "NOT_SUPPORTED",
    /// A paper-mode method called in live mode.
    NotAvailableInLiveMode = "NOT_AVAILABLE_IN_LIVE_MODE",
    /// A class used before the package's wasm was initialised (thrown by the package's JS
    /// entry, before any Rust runs; listed here so the list of codes stays whole).
    NotInitialized = "NOT_INITIALIZED",
    /// Price outside PRICE_FILTER.
    PriceOutOfRange = "PRICE_OUT_OF_RANGE",
    /// Price outside PERCENT_PRICE.
    PriceOutsideBand = "PRICE_OUTSIDE_BAND",
    /// Above the maximum notional.
    NotionalAboveMaximum = "NOTIONAL_ABOVE_MAXIMUM",
    /// No answer from the exchange.
    NetworkError = "NETWORK_ERROR",
    /// A placement whose outcome is unknown.
    ExecutionStatusUnknown = "EXECUTION_STATUS_UNKNOWN",
    /// Rate limited.
    RateLimited = "RATE_LIMITED",
    /// IP banned.
    IpBanned = "IP_BANNED",
    /// Not enough balance or margin.
    InsufficientFunds = "INSUFFICIENT_FUNDS",
    /// The exchange rejected the order.
    InvalidOrder = "INVALID_ORDER",
    /// Bad key or signature.
    AuthenticationFailed = "AUTHENTICATION_FAILED",
    /// Timestamp outside recvWindow.
    InvalidTimestamp = "INVALID_TIMESTAMP",
    /// Another exchange error.
    ExchangeError = "EXCHANGE_ERROR",
    /// An answer that could not be understood.
    BadResponse = "BAD_RESPONSE",
}

impl EngineError {
    /// Stable machine-readable code (SCREAMING_SNAKE_CASE), part of the public API.
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// The code as an [`ErrorCode`].
    #[must_use]
    pub fn error_code(&self) -> ErrorCode {
        use ErrorCode as C;
        match self {
            Self::Validation(e) => match e {
                ValidationError::InvalidConfig(_) => C::InvalidConfig,
                ValidationError::InvalidNumber { .. } => C::InvalidNumber,
                ValidationError::InvalidAmount(_) => C::InvalidAmount,
                ValidationError::InvalidPrice { .. } => C::InvalidPrice,
                ValidationError::MissingPrice => C::MissingPrice,
                ValidationError::MissingStopPrice(_) => C::MissingStopPrice,
                ValidationError::InvalidSide(_) => C::InvalidSide,
                ValidationError::InvalidOrderType(_) => C::InvalidOrderType,
                ValidationError::InvalidSymbol(_) => C::InvalidSymbol,
                ValidationError::InvalidLeverage { .. } => C::InvalidLeverage,
                ValidationError::InvalidOrderId(_) => C::InvalidOrderId,
                ValidationError::InvalidArgument(_) => C::InvalidArgument,
                ValidationError::InvalidStopLoss { .. } => C::InvalidStopLoss,
                ValidationError::InvalidTakeProfit { .. } => C::InvalidTakeProfit,
                ValidationError::AmountBelowMinimum { .. } => C::AmountBelowMinimum,
                ValidationError::AmountAboveMaximum { .. } => C::AmountAboveMaximum,
                ValidationError::InvalidStepSize { .. } => C::InvalidStepSize,
                ValidationError::InvalidTickSize { .. } => C::InvalidTickSize,
                ValidationError::NotionalBelowMinimum { .. } => C::NotionalBelowMinimum,
                ValidationError::PriceOutOfRange { .. } => C::PriceOutOfRange,
                ValidationError::PriceOutsideBand { .. } => C::PriceOutsideBand,
                ValidationError::NotionalAboveMaximum { .. } => C::NotionalAboveMaximum,
                ValidationError::InvalidSnapshot(_) => C::SnapshotInvalid,
                ValidationError::InvalidRequest(_) => C::InvalidRequest,
            },
            Self::Order(e) => match e {
                OrderError::DuplicateOrderId(_) => C::DuplicateOrderId,
                OrderError::OrderNotFound(_) => C::OrderNotFound,
                OrderError::NotCancellable { .. } => C::OrderNotCancellable,
                OrderError::InvalidTransition { .. } => C::InvalidTransition,
                OrderError::NoPosition(_) => C::NoPosition,
                OrderError::LeverageLocked { .. } => C::LeverageLocked,
                OrderError::NoPrice(_) => C::NoPrice,
            },
            Self::Risk(e) => match e {
                RiskError::LeverageExceeded { .. } => C::LeverageExceeded,
                RiskError::PositionSizeExceeded { .. } => C::PositionSizeExceeded,
                RiskError::LossLimitReached(_) => C::LossLimitReached,
            },
            Self::Live(e) => match e {
                LiveError::Network(_) => C::NetworkError,
                LiveError::StatusUnknown { .. } => C::ExecutionStatusUnknown,
                LiveError::RateLimited { .. } => C::RateLimited,
                LiveError::IpBanned { .. } => C::IpBanned,
                LiveError::InsufficientFunds(_) => C::InsufficientFunds,
                LiveError::InvalidOrder(_) => C::InvalidOrder,
                LiveError::OrderNotFound(_) => C::OrderNotFound,
                LiveError::Authentication(_) => C::AuthenticationFailed,
                LiveError::Timestamp(_) => C::InvalidTimestamp,
                LiveError::Exchange(_) => C::ExchangeError,
                LiveError::BadResponse(_) => C::BadResponse,
            },
            Self::Overflow(_) => C::ArithmeticOverflow,
            Self::Internal(_) => C::Internal,
        }
    }

    /// Error family name, used as the JS `Error.name`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Validation(_) => "ValidationError",
            Self::Order(_) => "OrderError",
            Self::Risk(_) => "RiskError",
            Self::Live(LiveError::Network(_) | LiveError::StatusUnknown { .. }) => "NetworkError",
            Self::Live(LiveError::RateLimited { .. } | LiveError::IpBanned { .. }) => {
                "RateLimitError"
            }
            Self::Live(_) => "ExchangeError",
            Self::Overflow(_) | Self::Internal(_) => "EngineError",
        }
    }
}

/// Result alias of the core.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;
