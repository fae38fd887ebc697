// npm run bench [-- --quick] [-- --runs 7] [-- --no-peers] [-- --nautilus] [-- --build]
//
// Runs every benchmark case in a fresh Node process (bench/cases.mjs), the Python peer in its
// venv, prints a table and writes bench/results.json (machine, versions, every figure as
// min / median / max of several runs, ratios to ours, targets). Peers are installed into
// bench/.peers at bench time; a peer that cannot be installed is reported as unavailable with
// the reason, and the rest still runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tiledCandles } from './candles.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const peersDir = path.join(here, '.peers');
const dataDir = path.join(here, '.data');
const argv = process.argv.slice(2);
const flag = (f) => argv.includes(f);
const opt = (f, d) => (argv.includes(f) ? Number(argv[argv.indexOf(f) + 1]) : d);
const QUICK = flag('--quick');
const RUNS = opt('--runs', QUICK ? 3 : 7);
const WARMUP = QUICK ? 1 : 2;
const PY_RUNS = QUICK ? 1 : 3;

// grademark 0.3.0 requires chai at run time without declaring it (chai 4: CommonJS).
const PEER_NPM = ['nodejs-order-book@10.1.1', 'grademark@0.3.0', 'data-forge@1.10.5', 'chai@4.5.0'];
const PEER_PIP = ['backtesting==0.6.6'];
const NAUTILUS = 'nautilus_trader==1.221.0';

function log(msg) {
  process.stderr.write(`${msg}\n`);
}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 15 * 60_000, ...opts });
  return { ok: r.status === 0, out: (r.stdout || '').trim(), err: (r.stderr || r.error?.message || '').trim() };
}

function version(cmd, args) {
  const r = sh(cmd, args);
  return r.ok ? (r.out || r.err).split('\n')[0] : `unavailable (${r.err.split('\n')[0]})`;
}

// ----- set-up ------------------------------------------------------------------------------

function ensureBuild() {
  if (flag('--build') || !existsSync(path.join(root, 'pkg/web/iftb_executor_bg.wasm'))) {
    log('building the package (node scripts/build.mjs)...');
    execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  }
}

function setupPeers() {
  const status = {};
  if (flag('--no-peers')) {
    for (const p of ['nodejs-order-book', 'grademark', 'backtesting']) status[p] = { available: false, reason: '--no-peers' };
    return status;
  }
  mkdirSync(peersDir, { recursive: true });
  if (!existsSync(path.join(peersDir, 'package.json'))) writeFileSync(path.join(peersDir, 'package.json'), '{ "private": true }\n');
  log(`peers: npm install --prefix bench/.peers ${PEER_NPM.join(' ')}`);
  const npm = sh('npm', ['install', '--prefix', peersDir, '--no-audit', '--no-fund', '--loglevel=error', ...PEER_NPM]);
  for (const spec of PEER_NPM) {
    const name = spec.slice(0, spec.lastIndexOf('@'));
    const pj = path.join(peersDir, 'node_modules', name, 'package.json');
    status[name] = existsSync(pj)
      ? { available: true, version: JSON.parse(readFileSync(pj, 'utf8')).version }
      : { available: false, reason: `npm install failed: ${npm.err.split('\n').slice(-3).join(' ')}` };
  }
  const venv = path.join(peersDir, 'btpy');
  const py = path.join(venv, 'bin', 'python');
  if (!existsSync(py)) {
    log('peers: python3 -m venv bench/.peers/btpy');
    const r = sh('python3', ['-m', 'venv', venv]);
    if (!r.ok) status.backtesting = { available: false, reason: `venv failed: ${r.err.split('\n').pop()}` };
  }
  if (existsSync(py)) {
    const pkgs = flag('--nautilus') ? [...PEER_PIP, NAUTILUS] : PEER_PIP;
    log(`peers: pip install ${pkgs.join(' ')}`);
    const r = sh(py, ['-m', 'pip', 'install', '-q', ...pkgs]);
    const v = sh(py, ['-c', 'import backtesting; print(backtesting.__version__)']);
    status.backtesting = v.ok
      ? { available: true, version: v.out }
      : { available: false, reason: `pip install backtesting==0.6.6 failed: ${(r.err || v.err).split('\n').pop()}` };
    if (flag('--nautilus')) {
      const n = sh(py, ['-c', 'import nautilus_trader; print(nautilus_trader.__version__)']);
      status.nautilus_trader = n.ok
        ? { available: false, version: n.out, reason: 'installed, but no replay case is written for it yet' }
        : { available: false, reason: `pip install ${NAUTILUS} failed: ${(r.err || n.err).split('\n').pop()}` };
    }
    status.python = { version: sh(py, ['--version']).out };
  }
  if (!flag('--nautilus')) status.nautilus_trader = { available: false, reason: 'optional; not run (pass --nautilus to install it)' };
  return status;
}

// ----- running cases -----------------------------------------------------------------------

function runCase(name, args = {}) {
  const a = JSON.stringify({ runs: RUNS, warmup: WARMUP, ...args });
  log(`  case ${name} ${a}`);
  const r = sh(process.execPath, ['--max-old-space-size=8192', path.join(here, 'cases.mjs'), name, a], { cwd: root });
  if (!r.ok) return { error: r.err.split('\n').slice(-4).join(' | ') };
  return JSON.parse(r.out.split('\n').pop());
}

function runPython(bars, k, csv) {
  const py = path.join(peersDir, 'btpy', 'bin', 'python');
  log(`  case backtesting.py bars=${bars} k=${k}`);
  const r = sh(py, [path.join(here, 'peers', 'backtesting_peer.py'), csv, String(bars), String(k), String(PY_RUNS)]);
  if (!r.ok) return { error: r.err.split('\n').slice(-3).join(' | ') };
  return JSON.parse(r.out.split('\n').pop());
}

// ----- main --------------------------------------------------------------------------------

const startedAt = new Date().toISOString();
const loadBefore = os.loadavg();
ensureBuild();
const peers = setupPeers();
const rows = [];
const row = (group, name, engine, unit, r, extra = {}) => {
  const out = { group, name, engine, unit, ...extra };
  if (r?.error) out.error = r.error;
  else if (r) Object.assign(out, { min: r.min, median: r.median, max: r.max, runs: r.runs, detail: strip(r) });
  rows.push(out);
  return out;
};
const strip = (r) => Object.fromEntries(Object.entries(r).filter(([k]) => !['min', 'median', 'max', 'runs'].includes(k)));
const unavailable = (p) => ({ error: `unavailable: ${peers[p]?.reason ?? 'not installed'}` });
const have = (p) => peers[p]?.available;

log('market orders');
const N = QUICK ? 0.2 : 1;
const oObj = row('orders', 'spec-shaped async placeOrder(object)', 'ours', 'orders/s', runCase('orders-object', { n: Math.round(20000 * N) }));
const oFast = row('orders', 'numbers-only market(sym, side, amount)', 'ours', 'orders/s', runCase('orders-fast', { n: Math.round(2e6 * N) }));
const oBatch = row('orders', 'batch marketBatch(n) over a Float64Array view', 'ours', 'orders/s', runCase('orders-batch', { n: Math.round(8e6 * N) }));
row('orders', 'pure-JS floor market(sym, side, amount), BigInt exact', 'floor', 'orders/s', runCase('orders-floor', { n: Math.round(200000 * N) }), { vs: oFast });
row('orders', 'nodejs-order-book market({side,size}) vs a 1,000-level book', 'nodejs-order-book', 'orders/s',
  have('nodejs-order-book') ? runCase('orders-nob', { n: Math.round(1e6 * N) }) : unavailable('nodejs-order-book'), { vs: oFast });

log('price updates');
const pricesOurs = {};
for (const P of [1, 100, 10000]) {
  const single = row('prices', `updatePrice, ${P} open position(s)`, 'ours', 'updates/s', runCase('prices-fast', { positions: P, n: Math.round(4e6 * N), mode: 'single' }), { positions: P });
  const batch = row('prices', `updatePrices batch, ${P} open position(s)`, 'ours', 'updates/s', runCase('prices-fast', { positions: P, n: Math.round(8e6 * N), mode: 'batch' }), { positions: P });
  pricesOurs[P] = { single, batch };
  row('prices', `pure-JS floor updatePrice, ${P} open position(s)`, 'floor', 'updates/s', runCase('prices-floor', { positions: P, n: Math.max(2000, Math.round((P > 100 ? 2e4 : 1e6) * N)) }), { positions: P, vs: single });
}

log('backtest replay');
const BARS = QUICK ? 200_000 : 1_000_000;
const replayOurs = {};
const pyBars = { 1: QUICK ? 20000 : 100_000, 10: QUICK ? 10000 : 50_000, 100: QUICK ? 5000 : 20_000 };
let csv = null;
if (have('backtesting')) {
  mkdirSync(dataDir, { recursive: true });
  csv = path.join(dataDir, 'candles.csv');
  const maxBars = Math.max(...Object.values(pyBars));
  const { bars } = tiledCandles(maxBars);
  const lines = ['timestamp_ms,open,high,low,close'];
  for (let i = 0; i < maxBars; i++) lines.push(`${1672677900000 + i * 300000},${bars[4 * i]},${bars[4 * i + 1]},${bars[4 * i + 2]},${bars[4 * i + 3]}`);
  writeFileSync(csv, `${lines.join('\n')}\n`);
}
for (const K of [1, 10, 100]) {
  const ours = row('replay', `replay ${BARS.toLocaleString('en')} candles, K=${K}`, 'ours', 'bars/s', runCase('replay-fast', { bars: BARS, k: K }), { k: K });
  replayOurs[K] = ours;
  row('replay', `pure-JS floor, K=${K}`, 'floor', 'bars/s', runCase('replay-floor', { bars: K === 100 ? Math.round(BARS / 5) : BARS, k: K }), { k: K, vs: ours });
  row('replay', `backtesting.py 0.6.6 (hedging), K=${K}`, 'backtesting', 'bars/s', have('backtesting') ? runPython(pyBars[K], K, csv) : unavailable('backtesting'), { k: K, vs: ours });
  if (K === 1) {
    row('replay', 'grademark 0.3.0, one position at a time', 'grademark', 'bars/s',
      have('grademark') ? runCase('replay-grademark', { bars: QUICK ? 50000 : 200_000, runs: Math.min(RUNS, 5) }) : unavailable('grademark'), { k: 1, vs: ours });
  }
}

log('size, start-up, memory');
const size = runCase('size');
const startups = [];
for (let i = 0; i < (QUICK ? 5 : 15); i++) startups.push(runCase('startup', { runs: 1 }));
const st = (k) => summ(startups.filter((s) => !s.error).map((s) => s[k]));
const startup = { readMs: st('readMs'), compileMs: st('compileMs'), requireInstantiateMs: st('requireInstantiateMs'), firstFastCallMs: st('firstFastCallMs'), firstObjectCallMs: st('firstObjectCallMs') };
const browserStartup = existsSync(process.env.CHROMIUM || '/usr/bin/chromium')
  ? runCase('startup-browser', { runs: QUICK ? 3 : 9 })
  : { error: 'unavailable: no Chromium at /usr/bin/chromium (set CHROMIUM)' };
const memory = runCase('memory', { positions: 10000 });
const memoryReserved = runCase('memory', { positions: 10000, reserve: true });

function summ(v) {
  const s = [...v].sort((a, b) => a - b);
  return { min: s[0], median: s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2, max: s[s.length - 1], runs: v };
}

// ----- ratios and targets ------------------------------------------------------------------

for (const r of rows) {
  if (r.vs && r.vs.median && r.median) r.oursOver = r.vs.median / r.median;
  if (r.vs) r.vs = r.vs.name;
}

const target = (name, measured, goal, pass, unit) => ({ name, measured, goal, pass, unit });
const med = (r) => r?.median ?? NaN;
const targets = [
  target('numbers-only single call', med(oFast), 5e6, med(oFast) >= 5e6, 'orders/s'),
  target('batch', med(oBatch), 10e6, med(oBatch) >= 10e6, 'orders/s'),
  target('spec-shaped async object API', med(oObj), 300e3, med(oObj) >= 300e3, 'orders/s'),
  target('price updates, single call, 100 positions', med(pricesOurs[100].single), 20e6, med(pricesOurs[100].single) >= 20e6, 'updates/s'),
  target('price updates, batch, 100 positions', med(pricesOurs[100].batch), 50e6, med(pricesOurs[100].batch) >= 50e6, 'updates/s'),
  target('price updates, batch, 10,000 positions', med(pricesOurs[10000].batch), 20e6, med(pricesOurs[10000].batch) >= 20e6, 'updates/s'),
  target(`replay ${BARS.toLocaleString('en')} candles K=100 wall time`, replayOurs[100].detail?.seconds?.median, 1, replayOurs[100].detail?.seconds?.median < 1 && BARS === 1e6, 's'),
  target('gzipped wasm, browser build (pkg/web)', size['pkg/web']?.wasmGzip, 100 * 1024, size['pkg/web']?.wasmGzip <= 100 * 1024, 'bytes'),
  target('gzipped wasm, Node build (pkg/node)', size['pkg/node']?.wasmGzip, 100 * 1024, size['pkg/node']?.wasmGzip <= 100 * 1024, 'bytes'),
  // The glue's require reads, compiles and instantiates the module (the separate compileMs
  // above is a second, standalone compile, reported but not added in).
  target('instantiation (require: read + compile + instantiate, Node)', startup.requireInstantiateMs.median, 10, startup.requireInstantiateMs.median <= 10, 'ms'),
  target('instantiation (compile + instantiate from bytes, Chromium)', browserStartup.instantiateBytesMs?.median, 10, browserStartup.instantiateBytesMs?.median <= 10, 'ms'),
  target('wasm memory per open position (10,000, no reserve)', memory.wasmBytesPerPosition, 128, memory.wasmBytesPerPosition <= 128, 'bytes'),
  target('wasm memory per open position (10,000, reserved)', memoryReserved.wasmBytesPerPosition, 128, memoryReserved.wasmBytesPerPosition <= 128, 'bytes'),
];
const compared = rows.filter((r) => r.oursOver !== undefined);
targets.push(target('ahead of every peer on every comparable row', Math.min(...compared.map((r) => r.oursOver)), 1, compared.every((r) => r.oursOver > 1), '× (smallest ratio)'));

// ----- report ------------------------------------------------------------------------------

const fmt = (x) => (x === undefined || Number.isNaN(x) ? '-' : x >= 100 ? Math.round(x).toLocaleString('en') : x.toPrecision(3));
const lines = [];
lines.push(`| group | row | median | min | max | unit | ours ÷ peer |`);
lines.push(`|---|---|---:|---:|---:|---|---:|`);
for (const r of rows) {
  lines.push(`| ${r.group} | ${r.name} | ${r.error ? r.error : fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${r.unit} | ${r.oursOver ? `${r.oursOver.toFixed(1)}×` : ''} |`);
}
for (const K of [1, 10, 100]) {
  const d = replayOurs[K].detail;
  if (d) lines.push(`| replay | K=${K}: wall time ${fmt(d.seconds.median)} s (min ${fmt(d.seconds.min)}, max ${fmt(d.seconds.max)}), ${d.fills.toLocaleString('en')} fills, ${d.entries.toLocaleString('en')} entries, source tiled ${d.tiles}× | | | | | |`);
}
lines.push('');
lines.push(`| size | raw | gzip -9 |`);
lines.push(`|---|---:|---:|`);
for (const [k, v] of Object.entries(size)) {
  if (v.wasmRaw) lines.push(`| ${k} wasm | ${v.wasmRaw.toLocaleString('en')} | ${v.wasmGzip.toLocaleString('en')} |`, `| ${k} JS glue | ${v.jsRaw.toLocaleString('en')} | ${v.jsGzip.toLocaleString('en')} |`);
}
lines.push('');
lines.push(`start-up (ms, median of ${startups.length} fresh processes [min, max]): compile ${fmt(startup.compileMs.median)} [${fmt(startup.compileMs.min)}, ${fmt(startup.compileMs.max)}], require+instantiate ${fmt(startup.requireInstantiateMs.median)} [${fmt(startup.requireInstantiateMs.min)}, ${fmt(startup.requireInstantiateMs.max)}], first FastPaper call ${fmt(startup.firstFastCallMs.median)}, first PaperTrader order ${fmt(startup.firstObjectCallMs.median)}`);
if (browserStartup.error) lines.push(`browser start-up: ${browserStartup.error}`);
else lines.push(`browser start-up (headless Chromium, fresh context each, ms median [min, max]): fetch ${fmt(browserStartup.fetchMs.median)}, compile + instantiate from bytes ${fmt(browserStartup.instantiateBytesMs.median)} [${fmt(browserStartup.instantiateBytesMs.min)}, ${fmt(browserStartup.instantiateBytesMs.max)}], first FastPaper order ${fmt(browserStartup.firstFastCallMs.median)}, init() streaming from the URL ${fmt(browserStartup.initStreamingMs.median)} [${fmt(browserStartup.initStreamingMs.min)}, ${fmt(browserStartup.initStreamingMs.max)}]`);
lines.push(`memory for 10,000 open positions (hedging, SL + TP, 10x): wasm memory +${fmt(memory.wasmMemoryGrowth)} B (${fmt(memory.wasmBytesPerPosition)} B/position), engine tables ${fmt(memory.tableBytesPerPosition)} B/position; with reserve(): +${fmt(memoryReserved.wasmMemoryGrowth)} B (${fmt(memoryReserved.wasmBytesPerPosition)} B/position)`);
lines.push('');
lines.push(`| target | goal | measured | holds |`);
lines.push(`|---|---:|---:|---|`);
for (const t of targets) lines.push(`| ${t.name} | ${fmt(t.goal)} ${t.unit} | ${fmt(t.measured)} | ${t.pass ? 'yes' : 'NO'} |`);
const table = lines.join('\n');
console.log(table);

const results = {
  startedAt,
  finishedAt: new Date().toISOString(),
  quick: QUICK,
  runsPerFigure: RUNS,
  warmupRuns: WARMUP,
  machine: {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverageBefore: loadBefore,
    loadAverageAfter: os.loadavg(),
  },
  versions: {
    node: process.version,
    v8: process.versions.v8,
    rustc: version('rustc', ['--version']),
    wasmBindgen: version('wasm-bindgen', ['--version']),
    wasmOpt: version(path.join(root, 'node_modules/.bin/wasm-opt'), ['--version']),
    package: JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version,
    commit: version('git', ['-C', root, 'rev-parse', 'HEAD']),
  },
  peers,
  data: 'shared/data/btcusdt-5m.csv (10,999 five-minute BTCUSDT candles) tiled: each repeat scaled to start at the previous close, rounded to the 0.1 tick',
  rows,
  size,
  startup,
  browserStartup,
  memory: { noReserve: memory, reserved: memoryReserved },
  targets,
  table,
};
writeFileSync(path.join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
log(`\nwrote bench/results.json`);
