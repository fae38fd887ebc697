// Types of iftb-executor/backtest (backtest/index.mjs); backtest/index.d.cts for require().

export interface Candle { t: number; o: number; h: number; l: number; c: number; v?: number; partial?: boolean }

/** Options of an entry: absolute levels, or percent from the fill price; risk sizing; pyramiding. */
export interface EntryOptions {
  sl?: number | null; tp?: number | null; slPct?: number; tpPct?: number; trailPct?: number;
  /** Size the order so that hitting the stop-loss loses this fraction of equity (needs sl or slPct). */
  risk?: number;
  /** Add to a position already open the same way (otherwise such an entry is ignored). */
  add?: boolean;
}

export interface StrategyPosition { side: "long" | "short"; amount: number; entryPrice: number; stopLoss: number | null; takeProfit: number | null }

/** What onCandle(ctx) sees: values as of the current candle's close. Orders run at the next open. */
export interface StrategyContext<P = Record<string, number>> {
  i: number; time: number; candle: Candle; candles: readonly Candle[]; params: P; symbol: string; timeframe: number;
  /** The current candle's close (`close()` is the action that closes the position). */
  price: number;
  open: number; high: number; low: number; volume: number;
  position: StrategyPosition | null; equity: number; balance: number;
  /** Scratch space kept between candles. */
  state: Record<string, unknown>;
  buy(amount?: number | EntryOptions, options?: EntryOptions): void;
  sell(amount?: number | EntryOptions, options?: EntryOptions): void;
  close(amount?: number): void;
  setStopLoss(price: number | null): void;
  setTakeProfit(price: number | null): void;
  trail(pct: number | null): void;
  sma(n: number, back?: number, source?: PriceSource): number;
  ema(n: number, back?: number, source?: PriceSource): number;
  rsi(n?: number, back?: number, source?: PriceSource): number;
  atr(n?: number, back?: number): number;
  highest(n: number, back?: number, source?: PriceSource): number;
  lowest(n: number, back?: number, source?: PriceSource): number;
  stdev(n: number, back?: number, source?: PriceSource): number;
  crossover(a: (back: number) => number, b: (back: number) => number): boolean;
  crossunder(a: (back: number) => number, b: (back: number) => number): boolean;
}
export type PriceSource = "open" | "high" | "low" | "close" | "volume";

export interface StrategyObject<P = Record<string, number>> {
  onCandle(ctx: StrategyContext<P>): void;
  init?(ctx: StrategyContext<P>): void;
  params?: P;
  name?: string;
}
/** Source text (declaring function onCandle(ctx), optionally const params / name, function init), a function, or an object. */
export type Strategy = string | ((ctx: StrategyContext) => void) | StrategyObject;

export interface RunOptions {
  candles: readonly Candle[] | string;
  strategy: Strategy;
  params?: Record<string, unknown>;
  /** Minutes; the candles are aggregated to it (a multiple of theirs). */
  timeframe?: number;
  symbol?: string; initialBalance?: number; makerFee?: number; takerFee?: number; slippage?: number;
  leverage?: number;
  /** Fraction of the free balance (× leverage) an order without an amount uses (0.95). */
  size?: number;
  stepSize?: number; tickSize?: number;
}
export interface BacktestOptions extends RunOptions {
  /** FastPaper: loaded from the package in Node; in a browser pass it (iftb-executor/web after init()). */
  FastPaper?: unknown;
  onProgress?: (p: { done: number; total: number }) => void;
  progressEvery?: number;
}

export interface Trade {
  id: number; symbol: string; side: "long" | "short"; entryTime: number; exitTime: number;
  entryIndex: number; exitIndex: number; bars: number; entryPrice: number; exitPrice: number | null;
  amount: number; grossPnl: number; fees: number; netPnl: number; returnPct: number;
  exitReason: "signal" | "reverse" | "stopLoss" | "takeProfit" | "trailingStop" | "liquidation" | "limit" | "end";
}
export interface Stats {
  trades: number; wins: number; losses: number; winRate: number | null; grossProfit: number; grossLoss: number;
  netProfit: number; profitFactor: number | null; avgTrade: number | null; avgWin: number | null; avgLoss: number | null;
  largestWin: number | null; largestLoss: number | null; fees: number; initialEquity: number; finalEquity: number;
  returnPct: number | null; maxDrawdown: number; maxDrawdownPct: number; sharpe: number | null; sortino: number | null;
  exposure: number | null; periods: number;
}
export interface Report {
  version: 1;
  strategy: { name: string | null; params: Record<string, unknown> };
  market: { symbol: string; timeframe: number; candles: number; from: number; to: number };
  settings: { initialBalance: number; makerFee: number; takerFee: number; slippage: number; leverage: number; size: number; stepSize: number; tickSize: number };
  stats: Stats;
  trades: Trade[];
  equity: { t: number[]; v: number[] };
  warnings: string[]; warningCount: number;
  elapsedMs: number;
}

export class BacktestError extends Error { name: "BacktestError"; code: "NO_ENGINE" | "INVALID_STRATEGY" | "STRATEGY_SYNTAX" | "STRATEGY_ERROR" | "INVALID_CANDLES" | "INVALID_OPTION" | "INVALID_GRID" | "WORKER_ERROR" | string }
export const DEFAULTS: Readonly<Required<Omit<RunOptions, "candles" | "strategy" | "params" | "timeframe">>>;
export const TIMEFRAMES: Readonly<Record<"5m" | "15m" | "1h" | "4h" | "1d", number>>;

export function backtest(options: BacktestOptions): Promise<Report>;
export function runBacktest(options: BacktestOptions & { FastPaper: unknown }): Report;

export type Grid = Record<string, readonly unknown[] | { from: number; to: number; step: number }>;
export interface SweepRow { params: Record<string, unknown>; stats?: Stats; error?: ErrorInfo }
export interface ErrorInfo { name: string; code: string; message: string }
type RunSettings = Omit<RunOptions, "candles" | "strategy" | "params">;
/** What the page and sweep() send a worker. */
export type WorkerRequest =
  | { type: "init"; source: string; candles: readonly Candle[]; options?: RunSettings }
  | { type: "run"; id: number; params: Record<string, unknown> }
  | { type: "backtest"; id: number; source: string; candles: readonly Candle[]; options?: RunSettings & { params?: Record<string, unknown> } };
/** What a worker answers. */
export type WorkerReply =
  | { type: "result"; id: number; stats?: Stats; error?: ErrorInfo }
  | { type: "progress"; id: number; done: number; total: number }
  | { type: "report"; id: number; report?: Report; error?: ErrorInfo }
  | { type: "fatal"; error: ErrorInfo };
export interface WorkerLike { post(message: WorkerRequest): void; listen(callback: (message: WorkerReply) => void): void; terminate(): unknown }
export function sweep(options: RunOptions & {
  grid: Grid; workers?: number; rank?: keyof Stats; onProgress?: (p: { done: number; total: number }) => void;
  /** Make a worker (default: worker_threads running backtest/node-worker.mjs). */
  spawn?: () => WorkerLike;
}): Promise<{ rows: SweepRow[]; workers: number; runs: number; elapsedMs: number }>;
export function gridOf(grid: Grid): Record<string, unknown>[];
export function rankRows(rows: readonly SweepRow[], key?: keyof Stats, desc?: boolean): SweepRow[];
export function workerHandler(getFastPaper: () => unknown): (message: WorkerRequest, post: (reply: WorkerReply) => void) => Promise<void>;

/** A strategy object, unchanged: it types `ctx` and `params` for editors and TypeScript. */
export function defineStrategy<P = Record<string, number>>(strategy: StrategyObject<P>): StrategyObject<P>;

export function strategySource(strategy: Strategy): string;
export function compileStrategy(source: Strategy): { onCandle: (ctx: StrategyContext) => void; init?: (ctx: StrategyContext) => void; params: Record<string, unknown>; name?: string };
/** With `{ text: true }` each candle also keeps its prices as the CSV's decimal text. */
export function parseCandles(csv: string, options?: { text?: false }): Candle[];
export function parseCandles(csv: string, options: { text: true }): (Candle & { open: string; high: string; low: string; close: string })[];
export function candlePath(candle: Candle): [number, number, number, number];
export function aggregate(candles: readonly Candle[], minutes: number): Candle[];
export function timeframeOf(candles: readonly Candle[]): number;
export function tradesToCsv(trades: readonly Partial<Trade>[]): string;

export namespace indicators {
  type Series = ArrayLike<number>;
  function sma(values: Series, n: number): Float64Array;
  function ema(values: Series, n: number): Float64Array;
  function rsi(values: Series, n: number): Float64Array;
  function trueRange(high: Series, low: Series, close: Series): Float64Array;
  function atr(high: Series, low: Series, close: Series, n: number): Float64Array;
  function highest(values: Series, n: number): Float64Array;
  function lowest(values: Series, n: number): Float64Array;
  function stdev(values: Series, n: number): Float64Array;
  function crossover(a: Series, b: Series, i: number): boolean;
  function crossunder(a: Series, b: Series, i: number): boolean;
}
export namespace stats {
  function tradeStats(trades: readonly { netPnl: number; fees?: number }[]): Omit<Stats, "initialEquity" | "finalEquity" | "returnPct" | "maxDrawdown" | "maxDrawdownPct" | "sharpe" | "sortino" | "exposure" | "periods">;
  function maxDrawdown(equity: readonly number[]): { maxDrawdown: number; maxDrawdownPct: number };
  function returnsOf(equity: readonly number[]): number[];
  function sharpe(returns: readonly number[], periodsPerYear: number): number | null;
  function sortino(returns: readonly number[], periodsPerYear: number): number | null;
  function periodsPerYear(minutes: number): number;
  function summarize(input: { trades: readonly { netPnl: number; fees?: number }[]; equity: readonly number[]; inMarket?: number; minutes?: number; initial?: number }): Stats;
  function tradesToCsv(trades: readonly Partial<Trade>[]): string;
}
