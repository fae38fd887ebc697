// Candles: the CSV reader, the order a candle's prices are replayed in, and timeframes.
// Shared by the page (chart, replay feed, strategy tester) and by `iftb-executor/backtest`.

/** Timeframes the page and the tester offer, in minutes. */
export const TIMEFRAMES = { '5m': 5, '15m': 15, '1h': 60, '4h': 240, '1d': 1440 };

const COLUMNS = ['timestamp_ms', 'open', 'high', 'low', 'close', 'volume'];

/**
 * Parse `timestamp_ms,open,high,low,close[,volume]` CSV into candles `{ t, o, h, l, c, v }`
 * (numbers). A header line that names those columns may list them in any order; other header
 * lines are skipped (the columns are then in that order). With `{ text: true }` each candle also
 * keeps its prices as the CSV wrote them: `open`, `high`, `low`, `close` (exact decimal strings).
 * A line that is not a candle throws an Error with code `INVALID_FEED`.
 */
export function parseCandles(text, { text: keepText = false } = {}) {
  let col = [0, 1, 2, 3, 4, 5];
  const out = [];
  for (const line of String(text).split(/\r?\n/)) {
    if (!line) continue;
    const f = line.split(',');
    if (!/^\d/.test(line)) {
      // A header: named columns, when it names them all.
      const at = COLUMNS.map((n) => f.findIndex((s) => s.trim() === n));
      if (at.slice(0, 5).every((i) => i >= 0)) col = at;
      continue;
    }
    const [t, o, h, l, c] = col.slice(0, 5).map((i) => Number(f[i]));
    if ([t, o, h, l, c].some((x) => !Number.isFinite(x))) {
      throw Object.assign(new Error(`bad candle line: ${line}`), { code: 'INVALID_FEED' });
    }
    const v = col[5] >= 0 ? Number(f[col[5]]) : NaN;
    const k = { t, o, h, l, c, v: Number.isFinite(v) ? v : 0 };
    if (keepText) [k.open, k.high, k.low, k.close] = col.slice(1, 5).map((i) => f[i].trim());
    out.push(k);
  }
  return out;
}

/**
 * The prices a candle is replayed as: open, then low and high in the order the candle most
 * plausibly took (low first for a rising candle), then close.
 */
export function candlePath(k) {
  // Numbers, or decimal strings (returned as given).
  return Number(k.c) >= Number(k.o) ? [k.o, k.l, k.h, k.c] : [k.o, k.h, k.l, k.c];
}

/**
 * Candles of a longer timeframe (`minutes`), aligned to UTC: open of the first, highest high,
 * lowest low, close of the last, summed volume. A bucket holding a `partial` candle is partial.
 */
export function aggregate(candles, minutes) {
  const ms = minutes * 60_000;
  const out = [];
  let cur = null;
  for (const k of candles) {
    const t = Math.floor(k.t / ms) * ms;
    if (!cur || cur.t !== t) {
      cur = { t, o: k.o, h: k.h, l: k.l, c: k.c, v: k.v ?? 0 };
      if (k.partial) cur.partial = true;
      out.push(cur);
    } else {
      if (k.h > cur.h) cur.h = k.h;
      if (k.l < cur.l) cur.l = k.l;
      cur.c = k.c;
      cur.v += k.v ?? 0;
      if (k.partial) cur.partial = true;
    }
  }
  return out;
}

/** The candle spacing in minutes (the smallest gap between consecutive candles). */
export function timeframeOf(candles) {
  let gap = Infinity;
  for (let i = 1; i < Math.min(candles.length, 200); i++) gap = Math.min(gap, candles[i].t - candles[i - 1].t);
  return Number.isFinite(gap) && gap > 0 ? gap / 60_000 : 5;
}
