//! TypeScript declarations of the plain objects that cross the boundary, and of
//! `OrderExecutor` (whose method types depend on its mode, which per-method attributes cannot
//! say). Everything else is declared by the `unchecked_*_type` attributes on the methods.
//! `pkg-tests/types.test.mjs` checks these declarations against real outputs.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
/** A money/quantity input: a JS number (read through its shortest decimal text) or a decimal string. */
export type DecimalInput = number | string;
export type Side = "buy" | "sell";
export type OrderType = "market" | "limit" | "stop_loss" | "take_profit";
/** Every status an order can have: paper orders use pending, filled, cancelled and failed;
 * a venue also reports partially filled, triggered (a conditional order's trigger reached) and expired. */
export type OrderStatus = "pending" | "triggered" | "partially_filled" | "filled" | "cancelled" | "expired" | "failed";
/** Why a venue refused an order (`FailedOrder.rejectReason`). */
export type RejectReason = "INSUFFICIENT_FUNDS" | "WOULD_TRIGGER_IMMEDIATELY" | "REDUCE_ONLY_REJECTED"
  | "POST_ONLY_WOULD_TAKE" | "FILL_OR_KILL_NOT_FILLED" | "DUPLICATE_ORDER";
export type PositionSide = "long" | "short";
export type Liquidity = "maker" | "taker";
export type LogLevel = "debug" | "info" | "warn" | "error";
export type ExecutorMode = "paper" | "live";
export type LiveExchange = "binance-usdm" | "binance-spot";
/** `FastPaper` sides: 0 buy, 1 sell. */
export type FastSide = 0 | 1;

// `[Symbol.dispose]()` on every class (`using trader = new PaperTrader()`) without requiring
// the esnext.disposable lib; the same augmentation @types/node makes.
declare global {
  interface SymbolConstructor { readonly dispose: unique symbol; }
}

export type ErrorCode =
  | "INVALID_CONFIG" | "INVALID_NUMBER" | "INVALID_AMOUNT" | "INVALID_PRICE" | "MISSING_PRICE"
  | "MISSING_STOP_PRICE" | "INVALID_SIDE" | "INVALID_ORDER_TYPE" | "INVALID_SYMBOL"
  | "INVALID_LEVERAGE" | "INVALID_ORDER_ID" | "INVALID_ARGUMENT" | "DUPLICATE_ORDER_ID"
  | "ORDER_NOT_FOUND" | "ORDER_NOT_CANCELLABLE" | "INVALID_TRANSITION" | "NO_POSITION"
  | "LEVERAGE_LOCKED" | "NO_PRICE" | "ARITHMETIC_OVERFLOW" | "INTERNAL"
  | "INVALID_STOP_LOSS" | "INVALID_TAKE_PROFIT" | "AMOUNT_BELOW_MINIMUM" | "AMOUNT_ABOVE_MAXIMUM"
  | "INVALID_STEP_SIZE" | "INVALID_TICK_SIZE" | "NOTIONAL_BELOW_MINIMUM" | "SNAPSHOT_INVALID"
  | "INVALID_REQUEST" | "LEVERAGE_EXCEEDED" | "POSITION_SIZE_EXCEEDED" | "LOSS_LIMIT_REACHED"
  | "IO_ERROR" | "NOT_SUPPORTED" | "NOT_AVAILABLE_IN_LIVE_MODE" | "NOT_INITIALIZED"
  | "PRICE_OUT_OF_RANGE" | "PRICE_OUTSIDE_BAND" | "NOTIONAL_ABOVE_MAXIMUM"
  | "NETWORK_ERROR" | "EXECUTION_STATUS_UNKNOWN" | "RATE_LIMITED" | "IP_BANNED" | "INSUFFICIENT_FUNDS"
  | "INVALID_ORDER" | "AUTHENTICATION_FAILED" | "INVALID_TIMESTAMP" | "EXCHANGE_ERROR" | "BAD_RESPONSE";
export type ErrorName =
  | "ValidationError" | "OrderError" | "RiskError" | "EngineError" | "NetworkError" | "RateLimitError" | "ExchangeError";
/**
 * Every error thrown by this package (`catch (e) { const err = e as IftbError; err.code }`).
 * Live errors also carry the exchange's answer.
 */
export interface IftbError extends Error {
  name: ErrorName;
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

// ---- inputs -------------------------------------------------------------------------------

export interface LiveConnectionOptions {
  exchange?: LiveExchange;
  /** Browser: the signing proxy (`npx iftb-proxy`) and its per-run token. */
  proxyUrl?: string; proxyToken?: string;
  /** Node: sign in-process. `baseUrl` defaults to the local exchange (`npm run exchange`). */
  apiKey?: string; apiSecret?: string; baseUrl?: string;
  maxRetries?: number; timeoutMs?: number; recvWindow?: number; cacheTtlMs?: number; resolveAttempts?: number;
  /** Called before each placement is sent (`intent`) and when its outcome is known (`settled`). */
  journal?: (entry: JournalEntry) => void;
}
export type JournalEntry =
  | { type: "intent"; clientOrderId: string; symbol: string; algo: boolean }
  | { type: "settled"; clientOrderId: string };
export interface Intent { clientOrderId: string; symbol: string; algo: boolean; }
export interface LiveExecutorOptions extends LiveConnectionOptions {}
export interface LiveOrderInput {
  symbol: string; side: Side; amount: DecimalInput; price?: DecimalInput; stopPrice?: DecimalInput;
  reduceOnly?: boolean; clientOrderId?: string; leverage?: number;
}
export interface LiveLimitOrderInput extends LiveOrderInput { price: DecimalInput; }
export interface LiveStopOrderInput extends LiveOrderInput { stopPrice: DecimalInput; }
export interface BracketInput {
  notionalFloor: DecimalInput; notionalCap: DecimalInput; maxLeverage?: number;
  maintMarginRatio: DecimalInput; cum: DecimalInput;
}
export interface PaperTraderOptions {
  initialBalance?: DecimalInput; makerFee?: DecimalInput; takerFee?: DecimalInput;
  slippage?: DecimalInput; defaultLeverage?: number;
  /** Maintenance-margin brackets per symbol (`default` for the rest). */
  brackets?: Record<string, BracketInput[]>;
}
export interface FastPaperOptions extends PaperTraderOptions {
  /** Every fill opens its own position (default false: one position per symbol). */
  hedging?: boolean;
}
export interface OrderInput {
  /** Generated when missing. */
  id?: string; symbol: string; side: Side; type: OrderType; amount: DecimalInput;
  /** Required for `limit` (accepted and ignored on `market`). */
  price?: DecimalInput | null;
  /** Required for `stop_loss` / `take_profit`. */
  stopPrice?: DecimalInput | null;
  leverage?: number; reduceOnly?: boolean;
}
export interface SymbolRulesInput {
  minQty?: DecimalInput; maxQty?: DecimalInput; stepSize?: DecimalInput; tickSize?: DecimalInput; minNotional?: DecimalInput;
  minPrice?: DecimalInput; maxPrice?: DecimalInput; marketMinQty?: DecimalInput; marketMaxQty?: DecimalInput;
  marketStepSize?: DecimalInput; maxNotional?: DecimalInput; multiplierUp?: DecimalInput; multiplierDown?: DecimalInput;
}
export interface OrderExecutorOptions extends LiveConnectionOptions {
  /** Default true; `false` trades live (see `LiveConnectionOptions`). */
  paperMode?: boolean;
  initialBalance?: DecimalInput; makerFee?: DecimalInput; takerFee?: DecimalInput;
  slippage?: DecimalInput; defaultLeverage?: number; maxPositionSize?: DecimalInput; maxLeverage?: number;
  maxDailyLoss?: DecimalInput; maxDrawdown?: DecimalInput;
  /** Per-symbol exchange rules (replaces the default table), an `exchangeInfo` answer, or `null` to disable. */
  marketRules?: Record<string, SymbolRulesInput> | { exchangeInfo: unknown } | null;
  logLevel?: LogLevel;
  /** A function for each log record; `null` or `false` for silence; the console by default. */
  logger?: ((record: LogRecord) => void) | null | false;
  /** Node, paper mode: persist after every change; an existing file is restored. */
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

// ---- outputs ------------------------------------------------------------------------------
// Numbers for convenience; `exact` holds the same money/quantity fields as decimal strings.

export interface OrderExact {
  amount: string; price: string | null; stopPrice: string | null; filledPrice: string | null;
  filledAmount: string | null; fee: string | null; reserved: string;
}
/** What every order has, whatever its status. */
export interface OrderBase {
  id: string; symbol: string; side: Side; type: OrderType; amount: number;
  price: number | null; stopPrice: number | null;
  /** Creation time, ms since the epoch. */
  timestamp: number; exchangeOrderId: string | null;
  leverage: number; reduceOnly: boolean; closePosition: boolean;
  /** Quote amount held back while it rests (margin + fee estimate). */
  reserved: number;
}
export interface PendingOrder extends OrderBase {
  status: "pending"; filledPrice: number | null; filledAmount: number | null; fee: number | null;
  errorMessage: string | null; exact: OrderExact;
}
export interface FilledOrder extends OrderBase {
  status: "filled"; filledPrice: number; filledAmount: number; fee: number;
  errorMessage: string | null;
  exact: OrderExact & { filledPrice: string; filledAmount: string; fee: string };
}
export interface CancelledOrder extends OrderBase {
  status: "cancelled"; filledPrice: number | null; filledAmount: number | null; fee: number | null;
  errorMessage: string | null; exact: OrderExact;
}
/** Refused by the venue (e.g. `errorMessage` "Insufficient balance: ..."); nothing changed. */
export interface FailedOrder extends OrderBase {
  status: "failed"; filledPrice: number | null; filledAmount: number | null; fee: number | null;
  errorMessage: string;
  /** Why it was refused. */
  rejectReason?: RejectReason;
  exact: OrderExact;
}
/** A paper order; `status` tells which fields are set (`"filled"`: `filledPrice`, `filledAmount`, `fee`). */
export type Order = PendingOrder | FilledOrder | CancelledOrder | FailedOrder;
/**
 * An order as the exchange reported it. Unlike paper orders, a filled live order may lack
 * `fee` (fetched best-effort from the trade list) or `filledPrice` (a triggered algo order).
 */
export interface LiveOrder extends OrderBase {
  status: OrderStatus; filledPrice: number | null; filledAmount: number | null; fee: number | null;
  errorMessage: string | null; exact: OrderExact;
}
export interface PositionState {
  symbol: string; side: PositionSide; entryPrice: number; currentPrice: number; amount: number;
  leverage: number; unrealizedPnl: number; realizedPnl: number; margin: number;
  liquidationPrice: number | null; stopLoss: number | null; takeProfit: number | null;
  /** ms since the epoch. */
  openedAt: number;
  exact: {
    amount: string; entryPrice: string; currentPrice: string; unrealizedPnl: string; realizedPnl: string;
    margin: string; liquidationPrice: string | null; stopLoss: string | null; takeProfit: string | null;
  };
}
export interface Account {
  initialBalance: number; walletBalance: number;
  /** Free balance: wallet − position margin − reservations. */
  balance: number; equity: number; marginUsed: number;
  reserved: number; realizedPnl: number; unrealizedPnl: number; feesPaid: number;
  positionsCount: number; openOrdersCount: number;
  exact: {
    initialBalance: string; walletBalance: string; balance: string; equity: string; marginUsed: string;
    reserved: string; realizedPnl: string; unrealizedPnl: string; feesPaid: string;
  };
}
/** `LiveExecutor.getBalance()`: the same fields as `Account`. */
export type AccountState = Account;
export interface Fill {
  orderId: string; symbol: string; side: Side; price: number; amount: number; fee: number;
  liquidity: Liquidity; timestamp: number; exact: { price: string; amount: string; fee: string };
}
export interface LogRecord {
  timestamp: number; level: LogLevel; event: string; message: string;
  orderId: string | null; symbol: string | null;
}
export interface AccountStatus {
  mode: ExecutorMode; balance: number; walletBalance: number; totalEquity: number; positionsCount: number;
  positions: PositionState[]; unrealizedPnl: number; realizedPnl: number; marginUsed: number; reserved: number;
  feesPaid: number; openOrdersCount: number;
  /** Which loss limit has tripped, or `null`. */
  lossLimit: string | null;
  exact: {
    balance: string; walletBalance: string; totalEquity: string; unrealizedPnl: string; realizedPnl: string;
    marginUsed: string; reserved: string; feesPaid: string;
  };
}
/** `convertDecisionToRequest`'s result: an `ExecutionRequest` with numbers and `exact` strings. */
export interface ConvertedRequest {
  action: "long" | "short" | "close"; symbol: string; amount: number; entryPrice: number | null;
  stopLoss: number | null; takeProfit: number | null; leverage: number | null;
  orderType: "market" | "limit"; reason: string | null;
  exact: { amount: string; entryPrice: string | null; stopLoss: string | null; takeProfit: string | null };
}
/** JSON-compatible state of an OrderExecutor; decimals are exact strings. */
export interface ExecutorSnapshot { kind: "iftb-executor/paper-snapshot"; version: 1; [field: string]: unknown; }
export interface Reconciliation { updated: LiveOrder[]; stillUnknown: string[]; foreignOpenOrders: LiveOrder[]; }
export interface RateLimitStatus {
  usedWeight: number; pausedUntil: number; bannedUntil: number; requestsSent: number; clockOffsetMs: number;
}
export interface FastBooks {
  wallet: number; feesPaid: number; realizedPnl: number; reserved: number; marginUsed: number;
  free: number; unrealizedPnl: number; equity: number;
  exact: { wallet: string; feesPaid: string; realizedPnl: string; reserved: string; marginUsed: string;
    free: string; unrealizedPnl: string; equity: string };
}
export interface FastPosition {
  id: number; symbol: number; side: PositionSide; entryPrice: number; amount: number; margin: number;
  leverage: number; realizedPnl: number; stopLoss: number | null; takeProfit: number | null;
  exact: { entryPrice: string; amount: string; margin: string; realizedPnl: string };
}

// ---- events -------------------------------------------------------------------------------

/** Why an order left the book without filling, or a position closed. */
export type CloseReason = "user" | "positionClosed" | "stopLoss" | "takeProfit" | "liquidation" | "order";
interface EventBase {
  /** Strictly increasing from 1. */
  seq: number;
  /** ms since the epoch. */
  timestamp: number; symbol: string;
}
export interface OrderAcceptedEvent extends EventBase {
  type: "orderAccepted"; orderId: string; side: Side; orderType: OrderType; amount: number; exact: { amount: string };
}
export interface OrderFilledEvent extends EventBase {
  type: "orderFilled"; orderId: string; side: Side; price: number; amount: number; fee: number; liquidity: Liquidity;
  exact: { price: string; amount: string; fee: string };
}
export interface OrderCancelledEvent extends EventBase { type: "orderCancelled"; orderId: string; reason: CloseReason; }
export interface OrderFailedEvent extends EventBase {
  type: "orderFailed"; orderId: string;
  /** As the order's `errorMessage`. */
  reason: string;
}
export interface PositionOpenedEvent extends EventBase {
  type: "positionOpened"; side: PositionSide; amount: number; entryPrice: number; leverage: number;
  exact: { amount: string; entryPrice: string };
}
export interface PositionIncreasedEvent extends EventBase {
  type: "positionIncreased"; side: PositionSide; amount: number; entryPrice: number;
  exact: { amount: string; entryPrice: string };
}
export interface PositionReducedEvent extends EventBase {
  type: "positionReduced"; side: PositionSide; amount: number; realizedPnl: number;
  exact: { amount: string; realizedPnl: string };
}
export interface PositionClosedEvent extends EventBase {
  type: "positionClosed"; side: PositionSide; realizedPnl: number; reason: CloseReason; exact: { realizedPnl: string };
}
export interface PositionLiquidatedEvent extends EventBase {
  type: "positionLiquidated"; side: PositionSide; price: number; amount: number; realizedPnl: number;
  /** The clearance fee (the rest of the isolated margin). */
  fee: number;
  exact: { price: string; amount: string; realizedPnl: string; fee: string };
}
export interface StopLossTriggeredEvent extends EventBase {
  type: "stopLossTriggered"; orderId: string; price: number; exact: { price: string };
}
export interface TakeProfitTriggeredEvent extends EventBase {
  type: "takeProfitTriggered"; orderId: string; price: number; exact: { price: string };
}
/** One entry of the event log (`getEvents()`, `updatePrice()`, `on(...)` listeners); `type` tells which. */
export type EngineEvent =
  | OrderAcceptedEvent | OrderFilledEvent | OrderCancelledEvent | OrderFailedEvent
  | PositionOpenedEvent | PositionIncreasedEvent | PositionReducedEvent | PositionClosedEvent
  | PositionLiquidatedEvent | StopLossTriggeredEvent | TakeProfitTriggeredEvent;
export type EngineEventType = EngineEvent["type"];
/** What `OrderExecutor.on(name, listener)` passes to the listener, by name. */
export interface ExecutorEventMap {
  orderAccepted: OrderAcceptedEvent; orderFilled: OrderFilledEvent; orderCancelled: OrderCancelledEvent;
  orderFailed: OrderFailedEvent; positionOpened: PositionOpenedEvent; positionIncreased: PositionIncreasedEvent;
  positionReduced: PositionReducedEvent; positionClosed: PositionClosedEvent;
  positionLiquidated: PositionLiquidatedEvent; stopLossTriggered: StopLossTriggeredEvent;
  takeProfitTriggered: TakeProfitTriggeredEvent;
  /** Alias of `orderFilled`. */
  fill: OrderFilledEvent;
  /** Alias of `positionLiquidated`. */
  liquidation: PositionLiquidatedEvent;
  /** Every engine event. */
  "*": EngineEvent;
  /** Every log record. */
  log: LogRecord;
}
export type ExecutorEventName = keyof ExecutorEventMap;

// ---- OrderExecutor ------------------------------------------------------------------------

/** What an `OrderExecutor` does in either mode; `O` is its order type. */
export interface OrderExecutorMethods<O> {
  /** Release the wasm memory now (also on garbage collection, and with `using`). */
  free(): void;
  [Symbol.dispose](): void;
  /**
   * Validate and execute an `ExecutionRequest`. Validation and risk failures reject with a
   * coded `Error` (`IftbError`); a venue rejection such as insufficient balance resolves to
   * an order with `status: "failed"`.
   */
  executeDecision(request: ExecutionRequest): Promise<O>;
  /**
   * Feed a market price: paper mode fills, triggers SL/TP and liquidates and returns the
   * events; live mode records the mark (the exchange fills) and returns `[]`.
   */
  updatePrice(symbol: string, price: DecimalInput): EngineEvent[];
  /** Move (or set) the stop-loss of the position in `symbol`; `null` removes it. */
  updateStopLoss(symbol: string, price: DecimalInput | null): Promise<PositionState>;
  /** Move (or set) the take-profit of the position in `symbol`; `null` removes it. */
  updateTakeProfit(symbol: string, price: DecimalInput | null): Promise<PositionState>;
  /** Cancel a pending order. */
  cancelOrder(id: string): Promise<O>;
  /** Close every position at the market and cancel pending orders; resolves to the closing orders. */
  emergencyCloseAll(): Promise<O[]>;
  /** Balances, positions, PnL, counts and the loss-limit state. */
  getAccountStatus(): Promise<AccountStatus>;
  /** Every order, oldest first. */
  getOrders(): O[];
  /** Pending orders. */
  getOpenOrders(): O[];
  /** Fills, oldest first (live mode: the exchange keeps trades; empty). */
  getFills(): Fill[];
  /** Events with `seq > sinceSeq` (live mode: empty). */
  getEvents(sinceSeq?: number | null): EngineEvent[];
  setLogLevel(level: LogLevel): void;
  /**
   * Subscribe to an event (`"orderFilled"`/`"fill"`, `"positionClosed"`, ..., `"*"` for all,
   * `"log"` for log records). Listeners run just after the call that caused the event.
   */
  on<K extends ExecutorEventName>(event: K, listener: (event: ExecutorEventMap[K]) => void): void;
  /** Remove a listener added with `on`. */
  off<K extends ExecutorEventName>(event: K, listener: (event: ExecutorEventMap[K]) => void): void;
}
/** `new OrderExecutor({ paperMode: true, ... })` (the default): in-process, synchronous reads. */
export interface PaperOrderExecutor extends OrderExecutorMethods<Order> {
  readonly mode: "paper";
  /** Open positions at the current marks. */
  getPositions(): PositionState[];
  /** Clear a tripped daily-loss / drawdown limit and measure again from the current equity. */
  resetLossLimits(): void;
  /** The whole state as a JSON-compatible object (exact decimal strings, a `version`). */
  snapshot(): ExecutorSnapshot;
  /**
   * What `executeDecision(request)` would do now, without doing it: the request runs on a copy
   * of the account (every check, the fill price, maker or taker fee, the resulting position);
   * a limit that would rest is filled on the copy at its limit. Throws what
   * `executeDecision` would reject with.
   */
  previewDecision(request: ExecutionRequest): DecisionPreview;
}
/** `new OrderExecutor({ paperMode: false, ... })`: the same decisions on the exchange. */
export interface LiveOrderExecutor extends OrderExecutorMethods<LiveOrder> {
  readonly mode: "live";
  /** Open positions, from the exchange. */
  getPositions(): Promise<PositionState[]>;
  /** Clear a tripped loss limit, measured again from the exchange's equity. */
  resetLossLimits(): Promise<void>;
  /** Bring unfinished and unknown orders up to date and list exchange orders this executor did not place. */
  reconcile(): Promise<Reconciliation>;
  /** Placements sent whose outcome is not known yet. */
  getInflight(): Intent[];
  /** After a restart, track journaled intents so `reconcile()` resolves them; returns how many were new. */
  resume(intents: Intent[]): number;
}
/** An `OrderExecutor` in either mode; `mode` tells which. */
export type OrderExecutor = PaperOrderExecutor | LiveOrderExecutor;
type EnvOverrides = OrderExecutorOptions & { envPath?: string };
export interface OrderExecutorConstructor {
  /**
   * Create an executor. Options: `paperMode` (true), `initialBalance` (10000), `makerFee`,
   * `takerFee`, `slippage`, `defaultLeverage` (1), `maxPositionSize` (0.1: the position's
   * margin may be at most this fraction of equity), `maxLeverage` (5), `maxDailyLoss` /
   * `maxDrawdown`, `marketRules`, `logLevel`, `logger`, `statePath`; live mode also the
   * connection options of `LiveExecutor`.
   */
  new (options?: OrderExecutorOptions & { paperMode?: true }): PaperOrderExecutor;
  new (options: OrderExecutorOptions & { paperMode: false }): LiveOrderExecutor;
  new (options?: OrderExecutorOptions): OrderExecutor;
  readonly prototype: OrderExecutor;
  /**
   * Settings from `IFTB_*` environment variables and a `.env` file (Node), then `overrides`
   * (which win). Bad values throw `INVALID_CONFIG`.
   */
  fromEnv(overrides: EnvOverrides & { paperMode: true }): PaperOrderExecutor;
  fromEnv(overrides: EnvOverrides & { paperMode: false }): LiveOrderExecutor;
  fromEnv(overrides?: EnvOverrides): OrderExecutor;
  /**
   * Rebuild a paper executor from `snapshot()` output. `options` may give `logger`,
   * `logLevel` and `statePath`. A corrupt, truncated or foreign snapshot throws `SNAPSHOT_INVALID`.
   */
  restore(snapshot: ExecutorSnapshot, options?: Pick<OrderExecutorOptions, "logger" | "logLevel" | "statePath">): PaperOrderExecutor;
}
/**
 * The unified executor: validation, risk controls, SL/TP management, emergency close,
 * account status, events, logging and snapshots, over the paper engine or the exchange.
 */
export const OrderExecutor: OrderExecutorConstructor;
"#;
