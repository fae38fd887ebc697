// Declarations of server/proxy.mjs (`iftb-executor/proxy`). Kept beside the module;
// pkg-tests/types.test.mjs checks that every export of the module is declared here.
import type { Writable } from 'node:stream';

/** Named upstreams for `upstream`. */
export const UPSTREAMS: readonly ['local', 'binance-spot', 'binance-usdm', 'spot-testnet', 'usdm-demo'];
export const DEFAULT_PORT: 8787;

export interface ProxyOptions {
  /** Listen port (default 8787; 0: any free port). */
  port?: number;
  /** Listen address (default 127.0.0.1); non-loopback needs `allowRemote`. */
  host?: string;
  upstream?: (typeof UPSTREAMS)[number];
  /** Explicit upstream base URL (needs `market`): https, or http only to this machine. */
  upstreamUrl?: string;
  market?: 'binance-usdm' | 'binance-spot';
  /** File with BINANCE_API_KEY / BINANCE_API_SECRET (default `.env`). */
  envFile?: string;
  /** Override `.env` (default: process.env.BINANCE_API_KEY / BINANCE_API_SECRET). */
  apiKey?: string;
  apiSecret?: string;
  /** Exact page origins (default http://127.0.0.1:8080, http://localhost:8080). */
  allowedOrigins?: string[];
  /** Access token (default: 256 random bits, new every start). */
  token?: string;
  allowRemote?: boolean;
  /** JSON-lines audit log (default `iftb-proxy-audit.log`); `null` disables. */
  auditLog?: string | null;
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  recvWindow?: number;
  stdout?: Writable;
  stderr?: Writable;
  /** Print the URL and token on start (default true). */
  banner?: boolean;
  upstreamTimeoutMs?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxBodyBytes?: number;
  maxHeaderBytes?: number;
  maxConcurrent?: number;
  maxUpstreamBytes?: number;
  maxParams?: number;
  weightPerMinute?: number;
  authFailuresPerMinute?: number;
}

export interface ProxyStats {
  requests: number; preflights: number; forwarded: number; refused: Record<string, number>;
  upstreamStatus: Record<string, number>; upstreamFailures: number; timeSyncs: number;
  inflight: number; serverTimeOffsetMs: number;
}

export interface RunningProxy {
  url: string;
  port: number;
  token: string;
  upstream: { name: string; market: string; url: string; local: boolean };
  stats(): ProxyStats;
  close(): Promise<void>;
}

/** Start the signing proxy (keys stay in this process; see docs/proxy.md). */
export function startProxy(options?: ProxyOptions): Promise<RunningProxy>;
