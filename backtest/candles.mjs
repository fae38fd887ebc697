// Candles: the CSV reader, the order a candle's prices are replayed in, and timeframes.
// Shared by the page (chart, replay feed, strategy tester) and by `iftb-executor/backtest`.

/** Timeframes the page and the tester offer, in minutes. */
export const TIMEFRAMES = { '5m': 5, '15m': 15, '1h': 60, '4h': 240, '1d': 1440 };

/** Parse `timestamp_ms,open,high,low,close[,volume]` CSV into candles (numbers). */
export function parseCandles(text) {
  const out = [];
  for (const line of String(text).split(/\r?\n/)) {
    if (!line || !/^\d/.test(line)) continue; // header, blank lines
    const [t, o, h, l, c, v] = line.split(',').map(Number);
    if ([t, o, h, l, c].some((x) => !Number.isFinite(x))) throw new Error(`bad candle line: ${line}`);
    out.push({ t, o, h, l, c, v: Number.isFinite(v) ? v : 0 });
  }
  return out;
}

/**
 * The prices a candle is replayed as: open, then low and high in the order the candle most
 * plausibly took (low first for a rising candle), then close.
 */
export function candlePath(k) {
  return k.c >= k.o ? [k.o, k.l, k.h, k.c] : [k.o, k.h, k.l, k.c];
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
