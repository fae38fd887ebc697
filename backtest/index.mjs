// iftb-executor/backtest: run a trading strategy over candles at engine speed.
//
// One module for the browser and Node: the page's strategy tester runs it in Web Workers, and
// Node scripts call backtest() / sweep() (worker_threads). The engine is FastPaper (the same
// paper venue as PaperTrader, numbers-only, prices fed through its batch call); the strategy is
// a JS function onCandle(ctx) called at every candle's close. Reports are deterministic: the
// same strategy, candles and options give the same report everywhere.

import { aggregate, candlePath, parseCandles, timeframeOf } from './candles.mjs';
import * as ind from './indicators.mjs';
import { summarize, tradesToCsv } from './stats.mjs';

export { TIMEFRAMES, aggregate, candlePath, parseCandles, timeframeOf } from './candles.mjs';
export * as indicators from './indicators.mjs';
export * as stats from './stats.mjs';
export { tradesToCsv };

/** Errors of this module: real Errors with a stable name and code. */
export class BacktestError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'BacktestError';
    this.code = code;
  }
}

/** Defaults of every run (the page's defaults too). */
export const DEFAULTS = Object.freeze({
  symbol: 'BTC/USDT',
  initialBalance: 10000,
  makerFee: 0.0002,
  takerFee: 0.0004,
  slippage: 0.0005,
  leverage: 1,
  size: 0.95,
  stepSize: 0.001,
  tickSize: 0.1,
});

const KIND = ['signal', 'limit', 'stopLoss', 'takeProfit', 'liquidation', 'signal'];
const MAX_WARNINGS = 20;

// ------------------------------------------------------------------ strategies

/**
 * A strategy object, as it is (it gives editors and TypeScript the types of `ctx` and
 * `params`): `backtest({ candles, strategy: defineStrategy({ params, onCandle(ctx) { … } }) })`.
 */
export const defineStrategy = (strategy) => strategy;

/**
 * Source text of a strategy, so it can be sent to a worker: a string is taken as it is; a
 * function becomes `onCandle`; an object `{ onCandle, init?, params?, name? }` is written out
 * member by member (its functions must not use variables from outside them).
 */
export function strategySource(strategy) {
  if (typeof strategy === 'string') return strategy;
  const fn = (name, f) => {
    const src = Function.prototype.toString.call(f);
    // Method shorthand (`onCandle(ctx) { … }`) is not an expression on its own.
    const expr = /^(async\s+)?(function\b|\(|[\w$]+\s*=>)/.test(src) ? src : `function ${src.replace(/^async\s+/, '')}`;
    return `const ${name} = (${expr});\n`;
  };
  if (typeof strategy === 'function') return fn('onCandle', strategy);
  if (strategy && typeof strategy === 'object' && typeof strategy.onCandle === 'function') {
    let out = fn('onCandle', strategy.onCandle);
    if (typeof strategy.init === 'function') out += fn('init', strategy.init);
    if (strategy.params) out += `const params = ${JSON.stringify(strategy.params)};\n`;
    if (typeof strategy.name === 'string') out += `const name = ${JSON.stringify(strategy.name)};\n`;
    return out;
  }
  throw new BacktestError('INVALID_STRATEGY', 'strategy must be source text, a function onCandle(ctx) or { onCandle, params? }');
}

/**
 * Compile strategy source. The source declares `function onCandle(ctx)` and may declare
 * `const params = {…}` (defaults the sweep varies), `function init(ctx)` and `const name`.
 * → { onCandle, init, params, name }.
 */
export function compileStrategy(source) {
  if (typeof source !== 'string') return compileStrategy(strategySource(source));
  let factory;
  try {
    // eslint-disable-next-line no-new-func
    factory = new Function(`"use strict";\n${source}\n;return {
      onCandle: typeof onCandle === "function" ? onCandle : undefined,
      init: typeof init === "function" ? init : undefined,
      params: typeof params === "object" && params !== null ? params : {},
      name: typeof name === "string" ? name : undefined };`);
  } catch (err) {
    throw new BacktestError('STRATEGY_SYNTAX', `the strategy does not compile: ${err.message}`, { cause: err });
  }
  let s;
  try {
    s = factory();
  } catch (err) {
    throw new BacktestError('STRATEGY_ERROR', `the strategy failed while loading: ${err.message}`, { cause: err });
  }
  if (!s.onCandle) throw new BacktestError('INVALID_STRATEGY', 'the strategy must define function onCandle(ctx)');
  return s;
}

/**
 * The strategy to run in this thread: functions as they are (they may use outside variables),
 * source text compiled.
 */
function strategyOf(s) {
  if (typeof s === 'function') return { onCandle: s, init: undefined, params: {}, name: undefined };
  if (s && typeof s === 'object') {
    if (typeof s.onCandle !== 'function') throw new BacktestError('INVALID_STRATEGY', 'the strategy object must have onCandle(ctx)');
    return { onCandle: s.onCandle, init: typeof s.init === 'function' ? s.init : undefined, params: s.params ?? {}, name: typeof s.name === 'string' ? s.name : undefined };
  }
  if (typeof s === 'string') return compileStrategy(s);
  throw new BacktestError('INVALID_STRATEGY', 'strategy must be source text, a function onCandle(ctx) or { onCandle, params? }');
}

// ------------------------------------------------------------------ checks

function checkCandles(candles) {
  if (typeof candles === 'string') candles = parseCandles(candles);
  if (!Array.isArray(candles) || candles.length === 0) {
    throw new BacktestError('INVALID_CANDLES', 'candles must be a non-empty array of { t, o, h, l, c, v? } (or CSV text)');
  }
  for (let i = 0; i < candles.length; i++) {
    const k = candles[i];
    const bad = !k || ![k.t, k.o, k.h, k.l, k.c].every(Number.isFinite) || k.o <= 0 || k.l <= 0
      || k.l > Math.min(k.o, k.c) || k.h < Math.max(k.o, k.c) || (i > 0 && k.t <= candles[i - 1].t);
    if (bad) throw new BacktestError('INVALID_CANDLES', `candle ${i} is not a valid candle after the one before it: ${JSON.stringify(k)}`);
  }
  return candles;
}

function positiveNumber(name, v) {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new BacktestError('INVALID_OPTION', `${name} must be a number above 0, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Largest multiple of `step` not above x, as a number with the step's decimals. */
function floorStep(x, step) {
  const dec = decimals(step);
  return Number((Math.floor(x / step + 1e-9) * step).toFixed(dec));
}
function roundStep(x, step) {
  return Number((Math.round(x / step) * step).toFixed(decimals(step)));
}
function decimals(step) {
  const s = String(step);
  if (s.includes('e-')) return Number(s.split('e-')[1]);
  const i = s.indexOf('.');
  return i < 0 ? 0 : s.length - i - 1;
}

// ------------------------------------------------------------------ the run

/**
 * Run a strategy over candles (synchronous; `backtest()` is the convenient entry).
 *
 * options: FastPaper (the class), candles, strategy (source, function or object), params
 * (override the strategy's defaults), timeframe (minutes; the candles are aggregated to it),
 * symbol, initialBalance, makerFee, takerFee, slippage, leverage, size (fraction of the free
 * balance a sizeless order uses), stepSize, tickSize, onProgress({ done, total }),
 * progressEvery (candles).
 */
export function runBacktest(options = {}) {
  const o = { ...DEFAULTS, ...options };
  const { FastPaper } = o;
  if (typeof FastPaper !== 'function') throw new BacktestError('NO_ENGINE', 'pass FastPaper (from iftb-executor, or iftb-executor/web after init())');
  const strategy = strategyOf(o.strategy);
  let candles = checkCandles(o.candles);
  const base = timeframeOf(candles);
  const minutes = o.timeframe ? positiveNumber('timeframe', o.timeframe) : base;
  if (minutes !== base) {
    if (minutes < base || minutes % base) throw new BacktestError('INVALID_OPTION', `timeframe ${minutes} min is not a multiple of the candles' ${base} min`);
    candles = aggregate(candles, minutes);
  }
  for (const k of ['initialBalance', 'size', 'stepSize', 'tickSize']) positiveNumber(k, o[k]);
  if (!Number.isInteger(o.leverage) || o.leverage < 1 || o.leverage > 125) {
    throw new BacktestError('INVALID_OPTION', `leverage must be a whole number from 1 to 125, got ${JSON.stringify(o.leverage)}`);
  }
  const params = { ...strategy.params, ...(o.params ?? {}) };
  const t0 = (globalThis.performance ?? Date).now();

  const fp = new FastPaper({ initialBalance: o.initialBalance, makerFee: o.makerFee, takerFee: o.takerFee, slippage: o.slippage });
  try {
    const run = new Run(fp, o, candles, strategy, params, minutes);
    const report = run.go();
    report.elapsedMs = (globalThis.performance ?? Date).now() - t0;
    return report;
  } finally {
    fp.free?.();
  }
}

class Run {
  constructor(fp, o, candles, strategy, params, minutes) {
    this.fp = fp;
    this.o = o;
    this.candles = candles;
    this.strategy = strategy;
    this.params = params;
    this.minutes = minutes;
    this.sym = fp.symbolId(o.symbol);
    fp.setLeverage(this.sym, o.leverage);
    this.queue = [];
    this.trades = [];
    this.cur = null; // the open trade
    this.warnings = [];
    this.warningCount = 0;
    this.series = {};
    this.view = null;
    this.posDirty = true; // the engine's position changed since it was last read
    this.posCache = null;
    this.i = 0;
    const n = candles.length;
    this.cols = { o: new Float64Array(n), h: new Float64Array(n), l: new Float64Array(n), c: new Float64Array(n), v: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      const k = candles[i];
      this.cols.o[i] = k.o;
      this.cols.h[i] = k.h;
      this.cols.l[i] = k.l;
      this.cols.c[i] = k.c;
      this.cols.v[i] = k.v ?? 0;
    }
  }

  warn(text) {
    this.warningCount += 1;
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(`candle ${this.i} (${new Date(this.candles[this.i].t).toISOString()}): ${text}`);
  }

  /** Feed prices[from..to) through the batch call: a view onto wasm memory (taken again if it detached). */
  feed(prices, from, to) {
    let v = this.view;
    if (!v || v.length < 4) v = this.view = this.fp.input(4);
    for (let j = from; j < to; j++) v[j - from] = prices[j];
    return this.fp.updatePrices(this.sym, to - from);
  }

  go() {
    const { fp, candles, o } = this;
    const n = candles.length;
    const every = o.progressEvery ?? 500;
    const ctx = this.context();
    const equityT = new Array(n);
    const equityV = new Array(n);
    let inMarket = 0;
    if (this.strategy.init) this.call(this.strategy.init, ctx);
    for (let i = 0; i < n; i++) {
      this.i = i;
      const path = candlePath(candles[i]);
      // The open (gaps fire stops at once), then the orders decided at the last close, then
      // the rest of the candle.
      if (this.feed(path, 0, 1)) this.onFills();
      if (this.queue.length) this.execute();
      if (this.feed(path, 1, 4)) this.onFills();
      this.trail();
      ctx.i = i;
      this.call(this.strategy.onCandle, ctx);
      equityT[i] = candles[i].t;
      equityV[i] = fp.equity;
      if (fp.positionOf(this.sym) >= 0) inMarket += 1;
      if (o.onProgress && (i % every === every - 1 || i === n - 1)) o.onProgress({ done: i + 1, total: n });
    }
    // Close what is still open at the last close, so every trade is counted.
    const pos = fp.positionOf(this.sym);
    if (pos >= 0) {
      this.queue.length = 0;
      fp.close(pos);
      this.onFills('end');
      equityV[n - 1] = fp.equity;
    }
    const trades = this.trades;
    return {
      version: 1,
      strategy: { name: this.strategy.name ?? null, params: this.params },
      market: { symbol: o.symbol, timeframe: this.minutes, candles: n, from: candles[0].t, to: candles[n - 1].t },
      settings: {
        initialBalance: o.initialBalance, makerFee: o.makerFee, takerFee: o.takerFee, slippage: o.slippage,
        leverage: o.leverage, size: o.size, stepSize: o.stepSize, tickSize: o.tickSize,
      },
      stats: summarize({ trades, equity: equityV, inMarket, minutes: this.minutes, initial: o.initialBalance }),
      trades,
      equity: { t: equityT, v: equityV },
      warnings: this.warnings,
      warningCount: this.warningCount,
    };
  }

  call(fn, ctx) {
    try {
      fn(ctx);
    } catch (err) {
      const k = this.candles[this.i];
      throw new BacktestError('STRATEGY_ERROR', `the strategy threw at candle ${this.i} (${new Date(k.t).toISOString()}): ${err?.message ?? err}`, { cause: err });
    }
  }

  /** Fills of the last engine call → the open trade (fills: kind, position, side, price, amount, fee, realizedPnl). */
  onFills(reason) {
    const f = this.fp.fills();
    for (let j = 0; j < f.length; j += 7) {
      const kind = f[j];
      const side = f[j + 2];
      const price = f[j + 3];
      const amount = f[j + 4];
      const fee = f[j + 5];
      const realized = f[j + 6];
      const dir = side === 0 ? 'long' : 'short';
      const t = this.candles[this.i].t;
      if (!this.cur) {
        this.cur = {
          side: dir, entryTime: t, entryIndex: this.i, amount: 0, maxAmount: 0, entryValue: 0, entryAmount: 0,
          exitValue: 0, exitAmount: 0, grossPnl: 0, fees: 0, trailPct: null, exitReason: null,
        };
      }
      const c = this.cur;
      c.fees += fee;
      if (dir === c.side) {
        c.amount += amount;
        c.entryValue += price * amount;
        c.entryAmount += amount;
        if (c.amount > c.maxAmount) c.maxAmount = c.amount;
      } else {
        c.amount -= amount;
        c.exitValue += price * amount;
        c.exitAmount += amount;
        c.grossPnl += realized;
        c.exitReason = reason ?? (kind === 2 && c.trailPct !== null ? 'trailingStop' : KIND[kind]);
      }
    }
    this.posDirty = true;
    if (this.cur && this.fp.positionOf(this.sym) < 0) this.finish();
  }

  /** The engine's open position ({ side, amount, entryPrice, stopLoss, takeProfit }) or null, read again only after it changed. */
  pos() {
    if (this.posDirty) {
      const id = this.fp.positionOf(this.sym);
      const p = id >= 0 ? this.fp.position(id) : null;
      this.posCache = p && { side: p.side, amount: p.amount, entryPrice: p.entryPrice, stopLoss: p.stopLoss, takeProfit: p.takeProfit };
      this.posDirty = false;
    }
    return this.posCache;
  }

  finish() {
    const c = this.cur;
    this.cur = null;
    const k = this.candles[this.i];
    this.trades.push({
      id: this.trades.length + 1,
      symbol: this.o.symbol,
      side: c.side,
      entryTime: c.entryTime,
      exitTime: k.t,
      entryIndex: c.entryIndex,
      exitIndex: this.i,
      bars: this.i - c.entryIndex,
      entryPrice: c.entryValue / c.entryAmount,
      exitPrice: c.exitAmount ? c.exitValue / c.exitAmount : null,
      amount: c.maxAmount,
      grossPnl: c.grossPnl,
      fees: c.fees,
      netPnl: c.grossPnl - c.fees,
      returnPct: ((c.grossPnl - c.fees) / c.entryValue) * 100,
      exitReason: c.exitReason ?? 'signal',
    });
  }

  /** Orders decided at the last close, at this candle's open. */
  execute() {
    const q = this.queue;
    this.queue = [];
    for (const a of q) {
      if (a.type === 'close') this.closeNow(a.amount);
      else if (a.type === 'entry') this.enter(a);
      else if (a.type === 'sl' || a.type === 'tp') this.protect(a.type, a.price);
      else if (a.type === 'trail') this.setTrail(a.pct);
    }
  }

  closeNow(amount) {
    const p = this.pos();
    if (!p) return;
    if (amount === undefined || amount >= p.amount) this.fp.close(this.fp.positionOf(this.sym));
    else {
      const q = floorStep(amount, this.o.stepSize);
      if (!(q > 0)) return this.warn(`close amount ${amount} is below the step ${this.o.stepSize}`);
      this.fp.market(this.sym, p.side === 'long' ? 1 : 0, q);
    }
    this.onFills('signal');
  }

  enter({ dir, amount, opts }) {
    const { fp, sym, o } = this;
    const p = this.pos();
    if (p) {
      if (p.side !== dir) {
        fp.close(fp.positionOf(sym)); // a reversal: close first, then open the other way
        this.onFills('reverse');
      } else if (!opts.add) return; // already in: an entry the same way is ignored (opts.add adds)
    }
    const price = this.cols.o[this.i];
    const sl = this.level(opts.sl, opts.slPct, dir, -1, price);
    const tp = this.level(opts.tp, opts.tpPct, dir, 1, price);
    // The most a sizeless order uses: `size` of the free balance at this leverage.
    const most = (fp.freeBalance * o.size * o.leverage) / price;
    let qty;
    if (amount !== undefined) qty = floorStep(amount, o.stepSize);
    else if (opts.risk !== undefined) {
      if (sl === null) return this.warn('risk sizing needs a stop-loss (sl or slPct)');
      qty = floorStep(Math.min((fp.equity * opts.risk) / Math.abs(price - sl), most), o.stepSize);
    } else qty = floorStep(most, o.stepSize);
    if (!(qty > 0)) return this.warn(`order size rounds to 0 (step ${o.stepSize})`);
    const px = fp.market(sym, dir === 'long' ? 0 : 1, qty);
    if (Number.isNaN(px)) return this.warn(`${dir} ${qty} refused: insufficient balance`);
    this.onFills();
    if (!this.cur) return;
    // Protection relative to the fill price when given in percent.
    const slAt = this.level(opts.sl, opts.slPct, dir, -1, px);
    const tpAt = this.level(opts.tp, opts.tpPct, dir, 1, px);
    if (slAt !== null) this.protect('sl', slAt);
    if (tpAt !== null) this.protect('tp', tpAt);
    if (opts.trailPct !== undefined) this.setTrail(opts.trailPct);
  }

  /** An absolute level, or one `pct` percent away from `ref` (sign −1: stop side, +1: target side). */
  level(abs, pct, dir, sign, ref) {
    if (abs !== undefined && abs !== null) return roundStep(abs, this.o.tickSize);
    if (pct === undefined || pct === null) return null;
    const s = dir === 'long' ? sign : -sign;
    return roundStep(ref * (1 + (s * pct) / 100), this.o.tickSize);
  }

  protect(type, price) {
    const pos = this.fp.positionOf(this.sym);
    if (pos < 0) return;
    try {
      this.posDirty = true;
      if (type === 'sl') this.fp.setStopLoss(pos, price);
      else this.fp.setTakeProfit(pos, price);
    } catch (err) {
      this.warn(`${type === 'sl' ? 'stop-loss' : 'take-profit'} ${price} refused: ${err.message}`);
    }
  }

  setTrail(pct) {
    if (!this.cur) return;
    this.cur.trailPct = pct === null ? null : positiveNumber('trailPct', pct);
    this.trail();
  }

  /** Trailing stop: at each close, move the stop to `trailPct` below the candle's high (long). */
  trail() {
    const c = this.cur;
    if (!c || c.trailPct === null) return;
    const p = this.pos();
    if (!p) return;
    const close = this.cols.c[this.i];
    const long = p.side === 'long';
    const lvl = roundStep(long ? this.cols.h[this.i] * (1 - c.trailPct / 100) : this.cols.l[this.i] * (1 + c.trailPct / 100), this.o.tickSize);
    const better = p.stopLoss === null || (long ? lvl > p.stopLoss : lvl < p.stopLoss);
    if (better && (long ? lvl < close : lvl > close)) this.protect('sl', lvl);
  }

  /** An indicator's whole series, computed once per (name, n, source). */
  ser(name, n, src, make) {
    const byN = (this.series[name] ??= new Map());
    const key = src === undefined || src === 'close' ? n : `${n}:${src}`;
    let s = byN.get(key);
    if (!s) {
      s = make();
      byN.set(key, s);
    }
    return s;
  }

  source(name) {
    const s = { open: 'o', high: 'h', low: 'l', close: 'c', volume: 'v' }[name ?? 'close'];
    if (!s) throw new Error(`unknown price source ${JSON.stringify(name)} (open, high, low, close or volume)`);
    return this.cols[s];
  }

  /** The object a strategy sees. Values are as of the current candle's close. */
  context() {
    const run = this;
    const { fp, cols, candles } = run;
    const at = (series, back = 0) => {
      const j = ctx.i - back;
      return j >= 0 ? series[j] : NaN;
    };
    const entry = (dir) => (amount, opts) => {
      if (amount !== null && typeof amount === 'object') [amount, opts] = [undefined, amount];
      run.queue.push({ type: 'entry', dir, amount, opts: opts ?? {} });
    };
    const ctx = {
      i: 0,
      params: run.params,
      symbol: run.o.symbol,
      timeframe: run.minutes,
      candles,
      state: {},
      get candle() { return candles[ctx.i]; },
      get time() { return candles[ctx.i].t; },
      /** The close of the current candle (`ctx.close` is the action that closes the position). */
      get price() { return cols.c[ctx.i]; },
      get open() { return cols.o[ctx.i]; },
      get high() { return cols.h[ctx.i]; },
      get low() { return cols.l[ctx.i]; },
      get volume() { return cols.v[ctx.i]; },
      /** The open position ({ side, amount, entryPrice, stopLoss, takeProfit }) or null. */
      get position() { return run.pos() && { ...run.pos() }; },
      get equity() { return fp.equity; },
      get balance() { return fp.freeBalance; },
      buy: entry('long'),
      sell: entry('short'),
      close: (amount) => run.queue.push({ type: 'close', amount }),
      setStopLoss: (price) => run.queue.push({ type: 'sl', price: price === null ? null : roundStep(price, run.o.tickSize) }),
      setTakeProfit: (price) => run.queue.push({ type: 'tp', price: price === null ? null : roundStep(price, run.o.tickSize) }),
      trail: (pct) => run.queue.push({ type: 'trail', pct }),
      sma: (n, back = 0, src) => at(run.ser('sma', n, src, () => ind.sma(run.source(src), n)), back),
      ema: (n, back = 0, src) => at(run.ser('ema', n, src, () => ind.ema(run.source(src), n)), back),
      rsi: (n = 14, back = 0, src) => at(run.ser('rsi', n, src, () => ind.rsi(run.source(src), n)), back),
      atr: (n = 14, back = 0) => at(run.ser('atr', n, undefined, () => ind.atr(cols.h, cols.l, cols.c, n)), back),
      highest: (n, back = 0, src = 'high') => at(run.ser('highest', n, src, () => ind.highest(run.source(src), n)), back),
      lowest: (n, back = 0, src = 'low') => at(run.ser('lowest', n, src, () => ind.lowest(run.source(src), n)), back),
      stdev: (n, back = 0, src) => at(run.ser('stdev', n, src, () => ind.stdev(run.source(src), n)), back),
      /** a(back) crossed above b(back) at this candle; a and b are functions of `back`. */
      crossover: (a, b) => a(1) <= b(1) && a(0) > b(0),
      crossunder: (a, b) => a(1) >= b(1) && a(0) < b(0),
    };
    return ctx;
  }
}

// ------------------------------------------------------------------ entry points

const isNode = () => typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/** FastPaper from the package (Node); in a browser pass `FastPaper` (iftb-executor/web after init()). */
async function engine(options) {
  if (options.FastPaper) return options.FastPaper;
  if (isNode()) return (await import('iftb-executor')).FastPaper;
  throw new BacktestError('NO_ENGINE', 'in a browser, pass FastPaper from iftb-executor/web (after await init())');
}

/**
 * Run a strategy over candles: → Promise<report>. See runBacktest for the options; FastPaper
 * is loaded from the package when not given (Node).
 *
 *   import { backtest } from "iftb-executor/backtest";
 *   const report = await backtest({ candles, strategy: { params: { fast: 10, slow: 30 }, onCandle(ctx) { … } } });
 */
export async function backtest(options = {}) {
  return runBacktest({ ...options, FastPaper: await engine(options) });
}

/** Run options a sweep passes on to every run (everything but the strategy, grid and plumbing). */
const RUN_OPTIONS = ['symbol', 'initialBalance', 'makerFee', 'takerFee', 'slippage', 'leverage', 'size', 'stepSize', 'tickSize', 'timeframe'];
const MAX_GRID = 10_000;

/**
 * The parameter sets of a grid: `{ fast: [5, 10], slow: { from: 20, to: 60, step: 20 } }` →
 * every combination (here 2 × 3), in order (the last key varies fastest).
 */
export function gridOf(grid) {
  if (!grid || typeof grid !== 'object') throw new BacktestError('INVALID_GRID', 'grid must be an object of parameter → values');
  const axes = Object.entries(grid).map(([k, v]) => {
    let values = v;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const { from, to, step } = v;
      if (![from, to, step].every(Number.isFinite) || step <= 0 || to < from) {
        throw new BacktestError('INVALID_GRID', `${k}: a range is { from, to, step } with step > 0 and to ≥ from`);
      }
      values = [];
      const dec = Math.max(decimals(step), decimals(from));
      for (let x = from; x <= to + step * 1e-9; x += step) values.push(Number(x.toFixed(dec)));
    }
    if (!Array.isArray(values) || !values.length) throw new BacktestError('INVALID_GRID', `${k}: give a list of values or a { from, to, step } range`);
    return [k, values];
  });
  const total = axes.reduce((n, [, v]) => n * v.length, 1);
  if (total > MAX_GRID) throw new BacktestError('INVALID_GRID', `the grid has ${total} combinations; at most ${MAX_GRID}`);
  let out = [{}];
  for (const [k, values] of axes) out = out.flatMap((p) => values.map((x) => ({ ...p, [k]: x })));
  return out;
}

/** Sort sweep rows by a stats key, best first (null last); `desc: false` for smallest first. */
export function rankRows(rows, key = 'netProfit', desc = true) {
  const v = (r) => r.stats?.[key];
  return rows.slice().sort((a, b) => {
    const x = v(a);
    const y = v(b);
    if (x === y) return 0;
    if (x === null || x === undefined || Number.isNaN(x)) return 1;
    if (y === null || y === undefined || Number.isNaN(y)) return -1;
    return desc ? y - x : x - y;
  });
}

async function nodeSpawner() {
  const { Worker } = await import('node:worker_threads');
  const url = new URL('./node-worker.mjs', import.meta.url);
  return () => {
    const w = new Worker(url);
    return {
      post: (m) => w.postMessage(m),
      listen: (cb) => {
        w.on('message', cb);
        w.on('error', (err) => cb({ type: 'fatal', error: { code: err.code ?? 'WORKER_ERROR', message: err.message } }));
      },
      terminate: () => w.terminate(),
    };
  };
}

async function defaultWorkers() {
  if (isNode()) {
    const os = await import('node:os');
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return globalThis.navigator?.hardwareConcurrency ?? 2;
}

/**
 * Run a strategy once per parameter set of `grid`, spread over `workers` workers
 * (worker_threads in Node; pass `spawn` to use others, as the page does with Web Workers).
 * → Promise<{ rows: [{ params, stats } | { params, error }], workers, runs, elapsedMs }>, rows
 * best first by `rank` (a stats key, default netProfit). The strategy must be self-contained
 * (source text, or functions that use no outside variables): it is sent to the workers as text.
 */
export async function sweep(options = {}) {
  const source = strategySource(options.strategy);
  compileStrategy(source);
  const combos = gridOf(options.grid);
  const candles = checkCandles(options.candles);
  const run = Object.fromEntries(RUN_OPTIONS.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]));
  const want = options.workers ?? (await defaultWorkers());
  if (!Number.isInteger(want) || want < 1) throw new BacktestError('INVALID_OPTION', `workers must be a whole number ≥ 1, got ${JSON.stringify(want)}`);
  const n = Math.min(want, combos.length);
  const spawn = options.spawn ?? (await nodeSpawner());
  const t0 = (globalThis.performance ?? Date).now();
  const rows = new Array(combos.length);
  const pool = [];
  try {
    await new Promise((resolve, reject) => {
      let next = 0;
      let done = 0;
      const give = (w) => {
        if (next >= combos.length) return;
        const id = next++;
        w.post({ type: 'run', id, params: combos[id] });
      };
      for (let k = 0; k < n; k++) {
        const w = spawn();
        pool.push(w);
        w.listen((m) => {
          if (m.type === 'fatal') return reject(new BacktestError(m.error.code ?? 'WORKER_ERROR', `a sweep worker failed: ${m.error.message}`));
          if (m.type !== 'result') return;
          rows[m.id] = m.error ? { params: combos[m.id], error: m.error } : { params: combos[m.id], stats: m.stats };
          done += 1;
          options.onProgress?.({ done, total: combos.length });
          if (done === combos.length) resolve();
          else give(w);
        });
        w.post({ type: 'init', source, candles, options: run });
        give(w);
      }
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return { rows: rankRows(rows, options.rank), workers: n, runs: combos.length, elapsedMs: (globalThis.performance ?? Date).now() - t0 };
}

/**
 * The worker side of sweeps and single runs (the page's Web Worker and the Node worker both
 * use it). getFastPaper: () → FastPaper or a promise of it. Messages:
 *   { type: "init", source, candles, options } then { type: "run", id, params } → { type: "result", id, stats | error }
 *   { type: "backtest", id, source, candles, options } → { type: "progress", id, done, total }…, { type: "report", id, report | error }
 */
export function workerHandler(getFastPaper) {
  let setup = null;
  const err = (e) => ({ name: e?.name ?? 'Error', code: e?.code ?? 'ERROR', message: e?.message ?? String(e) });
  return async (m, post) => {
    try {
      const FastPaper = await getFastPaper();
      if (m.type === 'init') {
        setup = { source: m.source, candles: m.candles, options: m.options ?? {} };
      } else if (m.type === 'run') {
        try {
          const r = runBacktest({ ...setup.options, FastPaper, candles: setup.candles, strategy: setup.source, params: m.params });
          post({ type: 'result', id: m.id, stats: r.stats });
        } catch (e) {
          post({ type: 'result', id: m.id, error: err(e) });
        }
      } else if (m.type === 'backtest') {
        try {
          const onProgress = (p) => post({ type: 'progress', id: m.id, ...p });
          const report = runBacktest({ ...m.options, FastPaper, candles: m.candles, strategy: m.source, onProgress });
          post({ type: 'report', id: m.id, report });
        } catch (e) {
          post({ type: 'report', id: m.id, error: err(e) });
        }
      }
    } catch (e) {
      post({ type: 'fatal', error: err(e) });
    }
  };
}
