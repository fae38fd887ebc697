//! TypeScript declarations of the plain objects that cross the boundary.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
/** A money/quantity input: a JS number (read through its shortest decimal text) or a decimal string. */
export type DecimalInput = number | string;
export type Side = "buy" | "sell";
export type OrderType = "market" | "limit" | "stop_loss" | "take_profit";
export type OrderStatus = "pending" | "filled" | "cancelled" | "failed";
export type PositionSide = "long" | "short";
export type ErrorCode =
  | "INVALID_CONFIG" | "INVALID_NUMBER" | "INVALID_AMOUNT" | "INVALID_PRICE" | "MISSING_PRICE"
  | "MISSING_STOP_PRICE" | "INVALID_SIDE" | "INVALID_ORDER_TYPE" | "INVALID_SYMBOL"
  | "INVALID_LEVERAGE" | "INVALID_ORDER_ID" | "INVALID_ARGUMENT" | "DUPLICATE_ORDER_ID"
  | "ORDER_NOT_FOUND" | "ORDER_NOT_CANCELLABLE" | "INVALID_TRANSITION" | "NO_POSITION"
  | "LEVERAGE_LOCKED" | "NO_PRICE" | "ARITHMETIC_OVERFLOW" | "INTERNAL"
  | "INVALID_STOP_LOSS" | "INVALID_TAKE_PROFIT" | "AMOUNT_BELOW_MINIMUM" | "AMOUNT_ABOVE_MAXIMUM"
  | "INVALID_STEP_SIZE" | "INVALID_TICK_SIZE" | "NOTIONAL_BELOW_MINIMUM" | "SNAPSHOT_INVALID"
  | "INVALID_REQUEST" | "LEVERAGE_EXCEEDED" | "POSITION_SIZE_EXCEEDED" | "LOSS_LIMIT_REACHED"
  | "IO_ERROR" | "NOT_SUPPORTED" | "NOT_AVAILABLE_IN_LIVE_MODE"
  | "PRICE_OUT_OF_RANGE" | "PRICE_OUTSIDE_BAND" | "NOTIONAL_ABOVE_MAXIMUM"
  | "NETWORK_ERROR" | "EXECUTION_STATUS_UNKNOWN" | "RATE_LIMITED" | "IP_BANNED" | "INSUFFICIENT_FUNDS"
  | "INVALID_ORDER" | "AUTHENTICATION_FAILED" | "INVALID_TIMESTAMP" | "EXCHANGE_ERROR" | "BAD_RESPONSE";
/** Every error thrown by this package. Live errors also carry the exchange's answer. */
export interface IftbError extends Error {
  name: "ValidationError" | "OrderError" | "RiskError" | "EngineError" | "NetworkError" | "RateLimitError" | "ExchangeError";
  code: ErrorCode;
  /** Binance error code (e.g. -2019), when the exchange answered with one. */
  exchangeCode?: number;
  exchangeMessage?: string;
  httpStatus?: number;
  /** 429 / 418: how long sending is paused. */
  retryAfterMs?: number;
  /** EXECUTION_STATUS_UNKNOWN: the placement's client order id (query it later; never re-send). */
  clientOrderId?: string;
}
export interface LiveConnectionOptions {
  exchange?: "binance-usdm" | "binance-spot";
  /** Browser: the signing proxy (`npx iftb-proxy`) and its per-run token. */
  proxyUrl?: string; proxyToken?: string;
  /** Node: sign in-process. `baseUrl` defaults to the local exchange (`npm run exchange`). */
  apiKey?: string; apiSecret?: string; baseUrl?: string;
  maxRetries?: number; timeoutMs?: number; recvWindow?: number; cacheTtlMs?: number; resolveAttempts?: number;
  /** Called before each placement is sent (`intent`) and when its outcome is known (`settled`). */
  journal?: (entry: { type: "intent" | "settled"; clientOrderId: string; symbol?: string; algo?: boolean }) => void;
}
export interface Intent { clientOrderId: string; symbol: string; algo: boolean; }
export interface LiveExecutorOptions extends LiveConnectionOptions {}
export interface LiveOrderInput {
  symbol: string; side: Side; amount: DecimalInput; price?: DecimalInput; stopPrice?: DecimalInput;
  reduceOnly?: boolean; clientOrderId?: string; leverage?: number;
}
export interface AccountState {
  initialBalance: number; walletBalance: number; balance: number; equity: number; marginUsed: number;
  reserved: number; realizedPnl: number; unrealizedPnl: number; feesPaid: number;
  positionsCount: number; openOrdersCount: number; exact: Record<string, string>;
}
export interface Reconciliation { updated: Order[]; stillUnknown: string[]; foreignOpenOrders: Order[]; }
export interface RateLimitStatus {
  usedWeight: number; pausedUntil: number; bannedUntil: number; requestsSent: number; clockOffsetMs: number;
}
export interface BracketInput {
  notionalFloor: DecimalInput; notionalCap: DecimalInput; maxLeverage?: number;
  maintMarginRatio: DecimalInput; cum: DecimalInput;
}
export interface PaperTraderOptions {
  initialBalance?: DecimalInput; makerFee?: DecimalInput; takerFee?: DecimalInput;
  slippage?: DecimalInput; defaultLeverage?: number;
  brackets?: Record<string, BracketInput[]>;
}
export interface OrderInput {
  id?: string; symbol: string; side: Side; type: OrderType; amount: DecimalInput;
  price?: DecimalInput | null; stopPrice?: DecimalInput | null; leverage?: number; reduceOnly?: boolean;
}
export interface Order {
  id: string; symbol: string; side: Side; type: OrderType; amount: number;
  price: number | null; stopPrice: number | null; status: OrderStatus;
  filledPrice: number | null; filledAmount: number | null; fee: number | null;
  timestamp: number; exchangeOrderId: string | null; errorMessage: string | null;
  leverage: number; reduceOnly: boolean; closePosition: boolean; reserved: number;
  exact: { amount: string; price: string | null; stopPrice: string | null; filledPrice: string | null;
           filledAmount: string | null; fee: string | null; reserved: string };
}
export interface PositionState {
  symbol: string; side: PositionSide; entryPrice: number; currentPrice: number; amount: number;
  leverage: number; unrealizedPnl: number; realizedPnl: number; margin: number;
  liquidationPrice: number | null; stopLoss: number | null; takeProfit: number | null; openedAt: number;
  exact: Record<string, string | null>;
}
export interface Account {
  initialBalance: number; walletBalance: number; balance: number; equity: number; marginUsed: number;
  reserved: number; realizedPnl: number; unrealizedPnl: number; feesPaid: number;
  positionsCount: number; openOrdersCount: number; exact: Record<string, string>;
}
export interface Fill {
  orderId: string; symbol: string; side: Side; price: number; amount: number; fee: number;
  liquidity: "maker" | "taker"; timestamp: number; exact: Record<string, string>;
}
export interface SymbolRulesInput {
  minQty?: DecimalInput; maxQty?: DecimalInput; stepSize?: DecimalInput; tickSize?: DecimalInput; minNotional?: DecimalInput;
  minPrice?: DecimalInput; maxPrice?: DecimalInput; marketMinQty?: DecimalInput; marketMaxQty?: DecimalInput;
  marketStepSize?: DecimalInput; maxNotional?: DecimalInput; multiplierUp?: DecimalInput; multiplierDown?: DecimalInput;
}
export interface LogRecord {
  timestamp: number; level: "debug" | "info" | "warn" | "error"; event: string; message: string;
  orderId: string | null; symbol: string | null;
}
export interface OrderExecutorOptions extends LiveConnectionOptions {
  paperMode?: boolean; initialBalance?: DecimalInput; makerFee?: DecimalInput; takerFee?: DecimalInput;
  slippage?: DecimalInput; defaultLeverage?: number; maxPositionSize?: DecimalInput; maxLeverage?: number;
  maxDailyLoss?: DecimalInput; maxDrawdown?: DecimalInput; marketRules?: Record<string, SymbolRulesInput> | { exchangeInfo: unknown } | null;
  logLevel?: "debug" | "info" | "warn" | "error"; logger?: ((record: LogRecord) => void) | null | false;
  statePath?: string;
  /** The executor's "now" in ms (e.g. a replay's market time); Date.now() by default. */
  clock?: () => number;
}
/** OrderExecutor.previewDecision: what executeDecision would do, computed on a copy. */
export interface DecisionPreview {
  order: Order; fills: Fill[]; position: PositionState | null; rests: boolean;
}
export interface ExecutionRequest {
  action: "long" | "short" | "close"; symbol: string; amount: DecimalInput; entryPrice?: DecimalInput | null;
  stopLoss?: DecimalInput | null; takeProfit?: DecimalInput | null; leverage?: number | null;
  orderType?: "market" | "limit"; reason?: string | null;
}
export interface TradingDecision {
  action: "LONG" | "SHORT" | "CLOSE" | "HOLD"; symbol: string; confidence?: DecimalInput; positionSize?: DecimalInput;
  entryPrice?: DecimalInput; stopLoss?: DecimalInput; takeProfit?: DecimalInput; leverage?: number;
  vetoed?: boolean; reason?: string;
}
export interface AccountStatus {
  mode: "paper" | "live"; balance: number; walletBalance: number; totalEquity: number; positionsCount: number;
  positions: PositionState[]; unrealizedPnl: number; realizedPnl: number; marginUsed: number; reserved: number;
  feesPaid: number; openOrdersCount: number; lossLimit: string | null; exact: Record<string, string>;
}
/** JSON-compatible state of an OrderExecutor; decimals are exact strings. */
export interface ExecutorSnapshot { kind: "iftb-executor/paper-snapshot"; version: 1; [field: string]: unknown; }
export interface EngineEvent {
  seq: number; timestamp: number;
  type: "orderAccepted" | "orderFilled" | "orderCancelled" | "orderFailed" | "positionOpened"
      | "positionIncreased" | "positionReduced" | "positionClosed" | "positionLiquidated"
      | "stopLossTriggered" | "takeProfitTriggered";
  symbol: string; orderId?: string; [field: string]: unknown;
}
"#;
