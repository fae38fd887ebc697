// node bench/backtest.mjs [--runs 7] [--grid 96]
//
// The strategy tester's speed, measured (never asserted in tests): one backtest of the
// moving-average example over the 10,999 bundled BTC/USDT 5-minute candles (the page's
// default run), and a parameter sweep on 1 and 2 worker_threads (the speed-up). Each figure
// is min / median / max of --runs runs after one warm-up; a sweep includes starting its
// workers and their JIT warm-up (each worker compiles the strategy and the engine's hot paths
// again), as a user's sweep does, so small grids gain less. CPU / wall time shows how many
// cores the sweep really had (other work on the machine takes them).
// `npm run bench` takes its "sweep" row from measureSweep() (bench/cases.mjs).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { backtest, gridOf, parseCandles, sweep } from 'iftb-executor/backtest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const candles = parseCandles(readFileSync(path.join(root, 'www/data/btcusdt-5m.csv'), 'utf8'));
/** The page's default strategy (the SMA crossover example), as the page runs it. */
const source = readFileSync(path.join(root, 'www/strategies.js'), 'utf8').match(/const SMA = `([\s\S]*?)`;/)[1];

const summary = (xs) => {
  const s = xs.slice().sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1], runs: s.length };
};

/** Wall times (ms) of `runs` calls after one warm-up, and CPU / wall over them. */
async function timeRuns(fn, runs) {
  await fn();
  const out = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  const c = process.cpuUsage(c0);
  return { ...summary(out), cpuPerWall: (c.user + c.system) / 1000 / out.reduce((a, b) => a + b, 0) };
}

/** A sweep grid of about `size` runs over the example's fast and slow averages. */
export function sweepGrid(size = 96) {
  const fast = [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60];
  const slow = [70, 80, 90, 100, 110, 120, 130, 140];
  return { fast: fast.slice(0, Math.max(1, Math.ceil(size / slow.length))), slow };
}

/** One backtest of the example over the 10,999 candles: ms per run. */
export async function measureBacktest({ runs = 7 } = {}) {
  const r = await backtest({ candles, strategy: source });
  return { ...(await timeRuns(() => backtest({ candles, strategy: source }), runs)), candles: candles.length, trades: r.trades.length };
}

/**
 * The sweep on 1 and 2 workers, alternated run by run (so both see the same machine):
 * the speed-up per pair (1-worker time / 2-worker time) as min / median / max.
 */
export async function measureSweep({ runs = 5, grid = sweepGrid() } = {}) {
  const go = (workers) => sweep({ candles, strategy: source, grid, workers });
  await go(1);
  await go(2);
  const t = { 1: [], 2: [] };
  const cpu = { 1: [], 2: [] };
  for (let i = 0; i < runs; i++) {
    for (const w of [1, 2]) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await go(w);
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      t[w].push(wall);
      cpu[w].push((c.user + c.system) / 1000 / wall);
    }
  }
  const speedups = t[1].map((x, i) => x / t[2][i]);
  return {
    ...summary(speedups),
    sweepRuns: gridOf(grid).length,
    oneWorkerMs: summary(t[1]).median,
    twoWorkersMs: summary(t[2]).median,
    cpuPerWall: { 1: summary(cpu[1]).median, 2: summary(cpu[2]).median },
    load: os.loadavg(),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const opt = (f, d) => (argv.includes(f) ? Number(argv[argv.indexOf(f) + 1]) : d);
  const RUNS = opt('--runs', 7);
  const grid = sweepGrid(opt('--grid', 96));
  const f = (x, d = 1) => x.toFixed(d);
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism?.() ?? os.cpus().length}, load ${os.loadavg().map((x) => f(x, 2)).join(' ')}`);
  const b = await measureBacktest({ runs: RUNS });
  console.log(`backtest, SMA crossover over ${b.candles} candles (${b.trades} trades), in-process after warm-up: ${f(b.median)} ms [${f(b.min)}, ${f(b.max)}] = ${f(b.candles / (b.median / 1000) / 1e6, 2)} M candles/s`);
  const s = await measureSweep({ runs: RUNS, grid });
  console.log(`sweep, ${s.sweepRuns} runs: 1 worker ${f(s.oneWorkerMs / 1000, 2)} s (CPU/wall ${f(s.cpuPerWall[1], 2)}), 2 workers ${f(s.twoWorkersMs / 1000, 2)} s (CPU/wall ${f(s.cpuPerWall[2], 2)})`);
  console.log(`sweep speed-up, 2 workers vs 1: ${f(s.median, 2)}× [${f(s.min, 2)}, ${f(s.max, 2)}] over ${s.runs} pairs`);
}
