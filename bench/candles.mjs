// The replay data: www/data/btcusdt-5m.csv (10,999 five-minute BTCUSDT candles, the page's
// bundled copy; see www/data/README.md) tiled to any length: the source forward, then
// time-reversed (each candle's open and close swapped), then forward again, and so on. Every
// repeat starts exactly where the previous one ended (no jump at the seams) and prices stay in
// the source's range (no drift from repeating a trend). Deterministic: every engine replays
// exactly the same numbers.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCandles } from '../backtest/candles.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The source file, in the repository. */
export const CSV = path.resolve(here, '../www/data/btcusdt-5m.csv');
/** How results.json names the data. */
export const DATA_SOURCE = 'www/data/btcusdt-5m.csv';

/** Source candles as [open, high, low, close] rows (the shared candle parser). */
export function sourceCandles() {
  return parseCandles(readFileSync(CSV, 'utf8')).map((k) => [k.o, k.h, k.l, k.c]);
}

/** `n` candles as one Float64Array [o, h, l, c] × n, plus how many repeats of the source. */
export function tiledCandles(n) {
  const src = sourceCandles();
  const out = new Float64Array(4 * n);
  let i = 0;
  let tiles = 0;
  while (i < n) {
    const backward = tiles % 2 === 1;
    tiles++;
    for (let j = 0; j < src.length && i < n; j++, i++) {
      const [o, h, l, c] = backward ? src[src.length - 1 - j] : src[j];
      // Reversed in time, a candle opens at its close and closes at its open.
      out.set(backward ? [c, h, l, o] : [o, h, l, c], 4 * i);
    }
  }
  return { bars: out, tiles, sourceRows: src.length };
}
