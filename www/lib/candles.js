// Candle CSV, written once: the page's replay feed (www/feed.js), the local exchange's replay
// feed (server/exchange.mjs), the benchmarks and the tests read candles through it.
// Plain ES module with no imports: the page loads it from www/, Node from the package.

const COLUMNS = ['timestamp_ms', 'open', 'high', 'low', 'close'];

function invalid(message) {
  return Object.assign(new Error(message), { code: 'INVALID_FEED' });
}

/**
 * Parse `timestamp_ms,open,high,low,close[,volume]` CSV into candles `{ t, o, h, l, c, v }`
 * (numbers). With `{ text: true }` each candle also keeps its prices as the CSV wrote them:
 * `open`, `high`, `low`, `close` (strings, for exact decimals). A header line names the columns
 * (any order); without one the columns are in that order. Throws an Error with code
 * `INVALID_FEED` for a missing column or a line that is not a candle.
 */
export function parseCandles(text, { text: keepText = false } = {}) {
  let col = [0, 1, 2, 3, 4, 5];
  const out = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const f = line.split(',');
    if (!/^\s*\d/.test(line)) {
      // The header.
      const names = f.map((s) => s.trim());
      col = [...COLUMNS, 'volume'].map((n) => names.indexOf(n));
      const missing = COLUMNS.find((n, i) => col[i] < 0);
      if (missing) throw invalid(`no column ${missing} in the candle header: ${line}`);
      continue;
    }
    const [t, o, h, l, c] = col.slice(0, 5).map((i) => Number(f[i]));
    if ([t, o, h, l, c].some((x) => !Number.isFinite(x))) throw invalid(`bad candle line: ${line}`);
    const v = col[5] >= 0 ? Number(f[col[5]]) : NaN;
    const k = { t, o, h, l, c, v: Number.isFinite(v) ? v : 0 };
    if (keepText) [k.open, k.high, k.low, k.close] = col.slice(1, 5).map((i) => f[i].trim());
    out.push(k);
  }
  return out;
}

/** The four tick prices a candle is replayed as: open, the nearer extreme first (the low for a
 * rising candle), the other extreme, close. `k` is `{ o, h, l, c }` (numbers, or decimal
 * strings: they are returned as given). */
export function candlePath(k) {
  return Number(k.c) >= Number(k.o) ? [k.o, k.l, k.h, k.c] : [k.o, k.h, k.l, k.c];
}
