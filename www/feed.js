// Market-data feeds for the simulator, both offline and deterministic:
// - ReplayFeed: historical candles bundled with the page (www/data/*.csv);
// - SimFeed: a seeded random walk (same seed, same prices, on every machine).
// A feed turns candles into ticks: open, then low/high in the order the candle most
// plausibly took (low first for a rising candle), then close. Every tick is one
// executor.updatePrice() call, so stops and take-profits inside a candle's range fire.
// No DOM here: this module also runs under Node (pkg-tests/page-units.test.mjs).
// The candle reader and the replay order of a candle's prices are the strategy tester's
// (backtest/candles.mjs), so a replay and a backtest see the same ticks.
import { candlePath, parseCandles } from '../backtest/candles.mjs';
import { mulberry32 } from '../backtest/prng.mjs';

export { candlePath, mulberry32, parseCandles };

export const TICKS_PER_CANDLE = 4;
export const CANDLE_MS = 5 * 60 * 1000;
/** Time between two ticks of a candle. */
export const TICK_MS = CANDLE_MS / TICKS_PER_CANDLE;
/** Candles already on the chart when a feed starts (not sent to the engine). */
export const WARMUP = 150;

/** A candle being formed from the first `n` ticks of `path`. */
function partial(t, path, n) {
  const seen = path.slice(0, n);
  return { t, o: seen[0], h: Math.max(...seen), l: Math.min(...seen), c: seen[n - 1], v: 0, partial: n < path.length };
}

/** Replay of bundled candles. State: { index, tick } (the candle being formed, ticks sent). */
export class ReplayFeed {
  constructor(symbol, dataset, candles, state = {}) {
    this.symbol = symbol;
    this.source = 'replay';
    this.dataset = dataset;
    this.candles = candles;
    this.index = Math.min(state.index ?? WARMUP, candles.length);
    this.tick = state.tick ?? 0; // ticks of candles[index] already sent
  }

  get ended() {
    return this.index >= this.candles.length;
  }

  /** Price of the next tick, or null at the end of the data. */
  next() {
    if (this.ended) return null;
    const path = candlePath(this.candles[this.index]);
    const price = path[this.tick];
    this.tick += 1;
    if (this.tick === path.length) {
      this.index += 1;
      this.tick = 0;
    }
    return price;
  }

  /** The last price sent (or the warm-up close before the first tick). */
  get last() {
    if (this.tick > 0) return candlePath(this.candles[this.index])[this.tick - 1];
    return this.candles[Math.max(0, this.index - 1)]?.c ?? null;
  }

  /** Market time of the last price sent (the close of the last candle before the first tick). */
  get now() {
    if (this.tick > 0) return this.candles[this.index].t + (this.tick - 1) * TICK_MS;
    const k = this.candles[Math.max(0, this.index - 1)];
    return k ? k.t + (TICKS_PER_CANDLE - 1) * TICK_MS : 0;
  }

  /** Candles on the chart: every finished one and the one being formed. */
  get length() {
    return this.index + (this.tick > 0 ? 1 : 0);
  }

  /** Candle `i` of the chart (the last one may be partial). */
  bar(i) {
    if (i < this.index) return this.candles[i];
    const k = this.candles[this.index];
    return partial(k.t, candlePath(k), this.tick);
  }

  /** Move the replay to just before candle `index` (clamped to the data). */
  jump(index) {
    this.index = Math.max(1, Math.min(Math.round(index), this.candles.length));
    this.tick = 0;
  }

  /** The index of the first candle at or after time `t`. */
  indexAt(t) {
    let lo = 0;
    let hi = this.candles.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.candles[mid].t < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The last `n` candles, the one being formed included. */
  view(n) {
    const done = this.candles.slice(Math.max(0, this.index - n), this.index);
    if (this.tick > 0) {
      const k = this.candles[this.index];
      done.push(partial(k.t, candlePath(k), this.tick));
      if (done.length > n) done.shift();
    }
    return done;
  }

  get position() {
    return { done: this.index, total: this.candles.length };
  }

  state() {
    return { source: 'replay', dataset: this.dataset, index: this.index, tick: this.tick };
  }
}

/** Decimal places of a step like "0.01" (→ 2) or "1" (→ 0). */
export function decimalsOf(step) {
  const s = String(step);
  const i = s.indexOf('.');
  return i < 0 ? 0 : s.length - i - 1;
}

/** Round to the tick size; returns a number whose shortest text is the rounded decimal. */
export function roundToTick(price, tick) {
  const t = Number(tick);
  return Number((Math.round(price / t) * t).toFixed(decimalsOf(tick)));
}

export const SIM_T0 = Date.UTC(2024, 0, 1);

/** The start of a simulated feed whose first live candle follows market time `now`. */
export const simStartAt = (now) => Math.floor(now / CANDLE_MS) * CANDLE_MS + CANDLE_MS - WARMUP * CANDLE_MS;

/**
 * Seeded geometric random walk. Each candle is four ticks: open (= previous close) and three
 * steps of volatility vol/√3, so one candle moves about `vol` (a fraction, 0.003 = 0.3%).
 * State: { seed, vol, start, tickSize, ticks } — ticks sent after the warm-up; the prices are
 * regenerated from the seed on restore, so the state stays a few numbers.
 */
export class SimFeed {
  constructor(symbol, { seed, vol = 0.003, start, tickSize = '0.01', ticks = 0, t0 = SIM_T0 }) {
    this.symbol = symbol;
    this.source = 'sim';
    this.t0 = t0;
    this.seed = seed >>> 0;
    this.vol = vol;
    this.start = start;
    this.tickSize = String(tickSize);
    this.rand = mulberry32(this.seed);
    this.candles = [];
    this.pending = null; // { t, path } of the candle being sent
    this.sent = 0; // ticks of `pending` already sent
    this.ticks = 0;
    this.spare = null;
    for (let i = 0; i < WARMUP; i++) this.candles.push(this.makeCandle());
    for (let i = 0; i < ticks; i++) this.next();
  }

  gauss() {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u = 1 - this.rand();
    const v = this.rand();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  makePath() {
    const prev = this.candles.length ? this.candles[this.candles.length - 1].c : roundToTick(this.start, this.tickSize);
    const path = [prev];
    let p = prev;
    const sigma = this.vol / Math.sqrt(TICKS_PER_CANDLE - 1);
    for (let i = 1; i < TICKS_PER_CANDLE; i++) {
      p *= Math.exp(sigma * this.gauss());
      const min = Number(this.tickSize);
      path.push(Math.max(min, roundToTick(p, this.tickSize)));
    }
    return path;
  }

  makeCandle() {
    const path = this.makePath();
    const t = this.t0 + this.candles.length * CANDLE_MS;
    return { ...partial(t, path, path.length), partial: false };
  }

  get ended() {
    return false;
  }

  next() {
    if (!this.pending) this.pending = { t: this.t0 + this.candles.length * CANDLE_MS, path: this.makePath() };
    const price = this.pending.path[this.sent];
    this.sent += 1;
    this.ticks += 1;
    if (this.sent === this.pending.path.length) {
      this.candles.push({ ...partial(this.pending.t, this.pending.path, this.sent), partial: false });
      this.pending = null;
      this.sent = 0;
    }
    return price;
  }

  get last() {
    if (this.pending) return this.pending.path[this.sent - 1];
    return this.candles[this.candles.length - 1].c;
  }

  get now() {
    if (this.pending) return this.pending.t + (this.sent - 1) * TICK_MS;
    return this.candles[this.candles.length - 1].t + (TICKS_PER_CANDLE - 1) * TICK_MS;
  }

  get length() {
    return this.candles.length + (this.pending ? 1 : 0);
  }

  bar(i) {
    return i < this.candles.length ? this.candles[i] : partial(this.pending.t, this.pending.path, this.sent);
  }

  view(n) {
    const out = this.candles.slice(-n);
    if (this.pending) {
      out.push(partial(this.pending.t, this.pending.path, this.sent));
      if (out.length > n) out.shift();
    }
    return out;
  }

  get position() {
    return { done: this.candles.length - WARMUP, total: null };
  }

  state() {
    return { source: 'sim', seed: this.seed, vol: this.vol, start: this.start, tickSize: this.tickSize, ticks: this.ticks, t0: this.t0 };
  }
}

/** Rebuild a feed from its saved state. `datasets` maps a dataset name to its candles. */
export function feedFromState(symbol, state, datasets) {
  if (state?.source === 'replay') {
    const candles = datasets[state.dataset];
    if (!candles) throw new Error(`no bundled data set ${state.dataset}`);
    return new ReplayFeed(symbol, state.dataset, candles, state);
  }
  if (state?.source === 'sim') return new SimFeed(symbol, state);
  throw new Error(`unknown feed ${JSON.stringify(state)}`);
}
