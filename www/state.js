// The page's shared state and small helpers every part of the page uses.
import { decimalsOf } from './feed.js';
import * as F from './fmt.js';

export const $ = (id) => document.getElementById(id);
export const SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'BNB/USDT', 'XRP/USDT'];
export const DATASETS = { 'btcusdt-5m': { url: './data/btcusdt-5m.csv', symbol: 'BTC/USDT' } };
export const SIM_START = { 'BTC/USDT': 16700, 'ETH/USDT': 1600, 'SOL/USDT': 12, 'BNB/USDT': 260, 'XRP/USDT': 0.35 };
/** Rows kept in the history tables (the export has them all). */
export const LIST_LIMIT = 300;
/** A first amount for the ticket per symbol (above each market's minimum order value). */
export const DEFAULT_AMOUNT = { 'BTC/USDT': '0.01', 'ETH/USDT': '0.1', 'SOL/USDT': '10', 'BNB/USDT': '0.5', 'XRP/USDT': '300' };
export const MODE_KEY = 'iftb-executor.mode';
/** How often the live account is refreshed while the page is visible. */
export const LIVE_POLL_MS = 3000;

export const S = {
  mode: 'paper',
  paper: null, // the paper OrderExecutor
  live: null, // a live executor, when live mode gets one
  datasets: {}, // name → candles
  feeds: {}, // symbol → feed
  selected: 'BTC/USDT',
  timeframe: '5m',
  playing: false,
  speed: 2,
  snapshot: null, // last paper snapshot (rules, settings, pending protection)
  status: null, // last getAccountStatus()
  orders: [],
  fills: [],
  events: [],
  lastSeq: 0,
  tablesDirty: true,
  saveBlocked: false, // a saved account could not be restored: do not overwrite it
  lastSaveMs: 0,
  lastSaveAt: 0,
  queue: Promise.resolve(),
  ready: false,
};

export const ex = () => (S.mode === 'live' ? S.live : S.paper);
export const rulesOf = (sym) => S.snapshot?.rules?.[sym] ?? { stepSize: '0.001', tickSize: '0.01' };
export const priceDecimals = (sym) => decimalsOf(rulesOf(sym).tickSize);
export const fmtPrice = (sym) => (v) => F.price(v, priceDecimals(sym));
export const positionOf = (sym) => S.status?.positions?.find((p) => p.symbol === sym) ?? null;
export const lastPrice = (sym) => S.feeds[sym]?.last ?? null;

/** Serialise work: ticks, user actions and renders never interleave. */
export function run(fn) {
  const p = S.queue.then(fn);
  S.queue = p.catch(() => {});
  return p;
}
