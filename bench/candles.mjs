// The replay data: ../shared/data/btcusdt-5m.csv (10,999 five-minute BTCUSDT candles) tiled to
// any length. Each repeat is scaled so that its first open equals the previous repeat's last
// close (no jump at the seams), then rounded to the 0.1 tick, so the series stays a plausible
// BTC path. Deterministic: every engine replays exactly the same numbers.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CSV_CANDIDATES = [
  path.resolve(here, '../../shared/data/btcusdt-5m.csv'),
  '/work/shared/data/btcusdt-5m.csv',
];

export function csvPath() {
  const p = CSV_CANDIDATES.find((c) => existsSync(c));
  if (!p) throw new Error(`btcusdt-5m.csv not found (looked in ${CSV_CANDIDATES.join(', ')})`);
  return p;
}

/** Source candles as [open, high, low, close] rows. */
export function sourceCandles() {
  const lines = readFileSync(csvPath(), 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => {
    const [, o, h, lo, c] = l.split(',').map(Number);
    return [o, h, lo, c];
  });
}

const tick = (x) => Math.round(x * 10) / 10;

/** `n` candles as one Float64Array [o, h, l, c] × n, plus how many times the source was tiled. */
export function tiledCandles(n) {
  const src = sourceCandles();
  const out = new Float64Array(4 * n);
  let scale = 1;
  let i = 0;
  let tiles = 0;
  while (i < n) {
    tiles++;
    for (let j = 0; j < src.length && i < n; j++, i++) {
      const [o, h, l, c] = src[j];
      let O = tick(o * scale), H = tick(h * scale), L = tick(l * scale), C = tick(c * scale);
      H = Math.max(H, O, C);
      L = Math.min(L, O, C);
      out.set([O, H, L, C], 4 * i);
    }
    // Next repeat starts where this one ended.
    scale = (out[4 * (i - 1) + 3]) / src[0][0];
  }
  return { bars: out, tiles, sourceRows: src.length };
}
