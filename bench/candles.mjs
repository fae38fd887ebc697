// The replay data: www/data/btcusdt-5m.csv (10,999 five-minute BTCUSDT candles, the page's
// bundled replay) tiled to any length: the source forward, then time-reversed (each candle's
// open and close swapped), then forward again, and so on. Every repeat starts exactly where the
// previous one ended (no jump at the seams) and prices stay in the source's range (no drift from
// repeating a trend). Deterministic: every engine replays exactly the same numbers.
import { readFileSync } from 'node:fs';
import { parseCandles } from '../www/lib/candles.js';

export const CSV_URL = new URL('../www/data/btcusdt-5m.csv', import.meta.url);

/** Source candles as [open, high, low, close] rows. */
export function sourceCandles() {
  return parseCandles(readFileSync(CSV_URL, 'utf8')).map((k) => [k.o, k.h, k.l, k.c]);
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
