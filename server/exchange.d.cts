// `require("iftb-executor/server/exchange.mjs")`: the declarations of server/exchange.d.mts.
type M = typeof import('./exchange.mjs', { with: { 'resolution-mode': 'import' } });
export type { Candle, ExchangeServer, ExchangeServerOptions, FeedState } from './exchange.mjs' with { 'resolution-mode': 'import' };
export declare const DEFAULT_REPLAY_CSV: M['DEFAULT_REPLAY_CSV'];
export declare const isLoopback: M['isLoopback'];
export declare const ccxtUrls: M['ccxtUrls'];
export declare const readCandles: M['readCandles'];
export declare const candlePath: M['candlePath'];
export declare const startExchange: M['startExchange'];
