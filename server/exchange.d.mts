// Declarations of server/exchange.mjs (`iftb-executor/server/exchange.mjs`). Kept beside the
// module; pkg-tests/types.test.mjs checks that every export of the module is declared here.
import type { DecimalInput, ExchangeFaults, LocalExchange, LocalExchangeOptions, LoggedExchangeRequest } from '../pkg/server/iftb_executor.js';

/** Default replay data: 2,000 real BTC/USDT 5-minute candles shipped with the package. */
export const DEFAULT_REPLAY_CSV: string;

/** Whether a bind address is loopback-only (`127.x.x.x`, `::1`, `localhost`). */
export function isLoopback(host: string): boolean;

/**
 * ccxt's `urls.api` for a `binance` / `binanceusdm` instance pointed at `baseUrl`. With
 * `template` (an instance's own `urls.api`) every entry is rewritten to the local origin.
 */
export function ccxtUrls(baseUrl: string, template?: Record<string, string | object>): Record<string, string>;

export interface Candle { t: number; open: string; high: string; low: string; close: string; }
/** Rows of a `timestamp_ms,open,high,low,close,volume` CSV. */
export function readCandles(file: string): Candle[];
/** The four prices a candle is replayed as: open, the nearer extreme, the other, close. */
export function candlePath(k: Pick<Candle, 'open' | 'high' | 'low' | 'close'>): [string, string, string, string];

export interface ExchangeServerOptions extends LocalExchangeOptions {
  /** Default 8788; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1; loopback only unless `allowRemote`. */
  host?: string;
  allowRemote?: boolean;
  /** Price feed (default `replay`). */
  feed?: 'replay' | 'random' | 'none';
  /** Replay: simulated seconds per real second (default 300); random: steps per `tickMs`. */
  speed?: number;
  /** Random walk seed (default 1). */
  seed?: number;
  /** Replay file (default `DEFAULT_REPLAY_CSV`). */
  csv?: string;
  /** Symbol the replay drives (default BTCUSDT); the others follow its relative moves. */
  replaySymbol?: string;
  tickMs?: number;
  volatility?: number;
  quiet?: boolean;
}

export interface FeedState { feed: 'replay' | 'random' | 'none'; speed: number; position: number; ticks: number; }

export interface ExchangeServer {
  url: string;
  port: number;
  host: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** The wasm `LocalExchange` (replaced by a fresh one on `reset()`). */
  readonly exchange: LocalExchange;
  feed: FeedState;
  ccxtUrls(): Record<string, string>;
  setPrice(symbol: string, price: DecimalInput): void;
  getPrice(symbol: string): string | undefined;
  setFaults(faults: Partial<ExchangeFaults>): ExchangeFaults;
  getFaults(): ExchangeFaults;
  requests(): LoggedExchangeRequest[];
  clearRequests(): void;
  state(): Record<string, unknown>;
  /** Fresh accounts, faults off. */
  reset(): void;
  close(): Promise<void>;
}

/** Start the local Binance-compatible exchange on loopback. */
export function startExchange(options?: ExchangeServerOptions): Promise<ExchangeServer>;
