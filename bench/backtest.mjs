// node bench/backtest.mjs [--runs 7] [--grid 24]
//
// The strategy tester's speed, measured (never asserted in tests): one backtest of the
// moving-average example over the 10,999 bundled BTC/USDT 5-minute candles (the page's
// default run), and a parameter sweep on 1 and 2 worker_threads (the speed-up). Each figure
// is min / median / max of --runs runs after one warm-up; the sweep includes starting the
// workers (each instantiates the wasm), as a user's sweep does.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { backtest, gridOf, parseCandles, sweep } from 'iftb-executor/backtest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (f, d) => (argv.includes(f) ? Number(argv[argv.indexOf(f) + 1]) : d);
const RUNS = opt('--runs', 7);
const GRID = opt('--grid', 24);

const candles = parseCandles(readFileSync(path.join(root, 'www/data/btcusdt-5m.csv'), 'utf8'));
const source = readFileSync(path.join(root, 'www/strategies.js'), 'utf8').match(/const SMA = `([\s\S]*?)`;/)[1];

const stats = (xs) => {
  const s = xs.slice().sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
const fmt = ({ min, median, max }, unit = 'ms', d = 1) => `${median.toFixed(d)} ${unit} [${min.toFixed(d)}, ${max.toFixed(d)}]`;

async function timeRuns(fn) {
  await fn(); // warm-up
  const out = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return stats(out);
}

const fast = [5, 10, 15, 20, 25, 30];
const slow = [40, 60, 80, 100];
const grid = { fast: fast.slice(0, Math.max(1, Math.ceil(GRID / slow.length))), slow };
const combos = gridOf(grid).length;

console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism?.() ?? os.cpus().length}, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const r = await backtest({ candles, strategy: source });
console.log(`strategy: SMA crossover (fast 10, slow 30, SL 1 %, TP 2 %), ${candles.length} candles, ${r.trades.length} trades`);
const one = await timeRuns(() => backtest({ candles, strategy: source }));
console.log(`backtest, 10,999 candles (in-process, after warm-up): ${fmt(one)}  = ${(candles.length / (one.median / 1000) / 1e6).toFixed(2)} M candles/s`);
const sweeps = {};
for (const workers of [1, 2]) {
  sweeps[workers] = await timeRuns(() => sweep({ candles, strategy: source, grid, workers }));
  const s = Object.fromEntries(Object.entries(sweeps[workers]).map(([k, v]) => [k, v / 1000]));
  console.log(`sweep, ${combos} runs on ${workers} worker${workers > 1 ? 's' : ''}: ${fmt(s, 's', 2)}`);
}
console.log(`sweep speed-up, 2 workers vs 1 (medians): ${(sweeps[1].median / sweeps[2].median).toFixed(2)}×`);
