// node bench/backtest.mjs [--runs 7] [--grid 96]
//
// The strategy tester's speed, measured (never asserted in tests): one backtest of the
// moving-average example over the 10,999 bundled BTC/USDT 5-minute candles (the page's
// default run), and a parameter sweep on 1 and 2 worker_threads (the speed-up). Each figure
// is min / median / max of --runs runs after one warm-up; a sweep includes starting its
// workers and their JIT warm-up (each worker compiles the strategy and the engine's hot paths
// again), as a user's sweep does, so small grids gain less. CPU / wall time shows how many
// cores the sweep really had (other work on the machine takes them).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { backtest, gridOf, parseCandles, sweep } from 'iftb-executor/backtest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (f, d) => (argv.includes(f) ? Number(argv[argv.indexOf(f) + 1]) : d);
const RUNS = opt('--runs', 7);
const GRID = opt('--grid', 96);

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
  const c0 = process.cpuUsage();
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  const c = process.cpuUsage(c0);
  const r = stats(out);
  r.cpuPerWall = (c.user + c.system) / 1000 / out.reduce((a, b) => a + b, 0);
  return r;
}

const fast = [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60];
const slow = [70, 80, 90, 100, 110, 120, 130, 140];
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
  const { min, median, max, cpuPerWall } = sweeps[workers];
  console.log(`sweep, ${combos} runs on ${workers} worker${workers > 1 ? 's' : ''}: ${fmt({ min: min / 1000, median: median / 1000, max: max / 1000 }, 's', 2)}, CPU/wall ${cpuPerWall.toFixed(2)}`);
}
console.log(`sweep speed-up, 2 workers vs 1 (medians): ${(sweeps[1].median / sweeps[2].median).toFixed(2)}×`);
