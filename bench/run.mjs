// npm run bench [-- --quick] [-- --repeat 3] [-- --runs 7] [-- --no-peers] [-- --no-nautilus] [-- --build]
//
// A full run executes every benchmark case, each in a fresh Node process (bench/cases.mjs),
// and the Python peers in their venvs; `--repeat R` takes R full runs (default 3; 1 with
// --quick). Every figure of a full run is min / median / max of `--runs` measured runs after
// warm-ups; across full runs each target is judged per run and reported as "yes" (held in
// every full run), "mixed (h of R)" or "no", with the spread of the run medians. Prints the
// tables and writes bench/results.json (machine, load, versions, every measurement, ratios,
// trade-count checks, targets). Peers are installed into bench/.peers at bench time; a peer
// that cannot be installed is reported as unavailable with the reason, and the rest still
// runs. Method and latest results: docs/performance.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tiledCandles, DATA_SOURCE } from './candles.mjs';
import { summarize } from './stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const peersDir = path.join(here, '.peers');
const dataDir = path.join(here, '.data');
const argv = process.argv.slice(2);
const flag = (f) => argv.includes(f);
const opt = (f, d) => (argv.includes(f) ? Number(argv[argv.indexOf(f) + 1]) : d);
const QUICK = flag('--quick');
const RUNS = opt('--runs', QUICK ? 3 : 7);
const REPEAT = opt('--repeat', QUICK ? 1 : 3);
const WARMUP = QUICK ? 1 : 2;
const PY_RUNS = QUICK ? 1 : 3;
const N = QUICK ? 0.2 : 1;

// grademark 0.3.0 requires chai at run time without declaring it (chai 4: CommonJS).
const PEER_NPM = ['nodejs-order-book@10.1.1', 'grademark@0.3.0', 'data-forge@1.10.5', 'chai@4.5.0'];
const PEER_PIP = ['backtesting==0.6.6'];
// The newest nautilus_trader with a wheel for CPython 3.11 (1.222+ need 3.12): checked with
// `pip index versions nautilus_trader` under python3.11. Its own venv (numpy/pandas pins).
const NAUTILUS = 'nautilus_trader==1.221.0';

// Replay lengths. Ours: 1,000,000 candles. The Python peers are too slow for that (nautilus
// at K = 100 does about 1,000 candles/s here and slows as its history grows), so they replay
// the first PY_BARS[K] candles, and ours is measured again on exactly those candles: their
// ratios are taken on the same data.
const BARS = QUICK ? 200_000 : 1_000_000;
const PY_BARS = QUICK ? { 1: 10_000, 10: 5000, 100: 2000 } : { 1: 100_000, 10: 50_000, 100: 20_000 };
const KS = [1, 10, 100];
const POSITIONS = [1, 100, 10_000, 100_000];

function log(msg) {
  process.stderr.write(`${msg}\n`);
}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30 * 60_000, maxBuffer: 1 << 28, ...opts });
  return { ok: r.status === 0, out: (r.stdout || '').trim(), err: (r.stderr || r.error?.message || '').trim() };
}

const lastLines = (text, n) => text.split('\n').filter(Boolean).slice(-n).join(' | ');

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

/** A venv under bench/.peers with `pkgs` installed; `probe` prints the version. */
function pipPeer(dir, pkgs, probe) {
  const venv = path.join(peersDir, dir);
  const py = path.join(venv, 'bin', 'python');
  if (!existsSync(py)) {
    log(`peers: python3 -m venv bench/.peers/${dir}`);
    const r = sh('python3', ['-m', 'venv', venv]);
    if (!r.ok) return { available: false, reason: `python3 -m venv failed: ${lastLines(r.err, 1)}` };
  }
  log(`peers: pip install ${pkgs.join(' ')}`);
  const r = sh(py, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', ...pkgs]);
  const v = sh(py, ['-c', probe]);
  return v.ok
    ? { available: true, version: v.out, python: sh(py, ['--version']).out, py }
    : { available: false, reason: `pip install ${pkgs.join(' ')} failed: ${lastLines(r.err || v.err, 2)}` };
}

function setupPeers() {
  const status = {};
  const all = ['nodejs-order-book', 'grademark', 'backtesting', 'nautilus_trader'];
  if (flag('--no-peers')) {
    for (const p of all) status[p] = { available: false, reason: 'not run (--no-peers)' };
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
      : { available: false, reason: `npm install failed: ${lastLines(npm.err, 3)}` };
  }
  status.backtesting = pipPeer('btpy', PEER_PIP, 'import backtesting; print(backtesting.__version__)');
  status.nautilus_trader = flag('--no-nautilus')
    ? { available: false, reason: 'not run (--no-nautilus)' }
    : pipPeer('nautilus', [NAUTILUS], 'import nautilus_trader; print(nautilus_trader.__version__)');
  return status;
}

/** The candles the Python peers read: the first max(PY_BARS) of the tiled series, as CSV. */
function writeCandlesCsv() {
  mkdirSync(dataDir, { recursive: true });
  const csv = path.join(dataDir, 'candles.csv');
  const n = Math.max(...Object.values(PY_BARS));
  const { bars } = tiledCandles(n);
  const lines = ['timestamp_ms,open,high,low,close'];
  for (let i = 0; i < n; i++) lines.push(`${1672677900000 + i * 300000},${bars[4 * i]},${bars[4 * i + 1]},${bars[4 * i + 2]},${bars[4 * i + 3]}`);
  writeFileSync(csv, `${lines.join('\n')}\n`);
  return csv;
}

// ----- running cases -----------------------------------------------------------------------

function runCase(name, args = {}) {
  const a = JSON.stringify({ runs: RUNS, warmup: WARMUP, ...args });
  log(`  case ${name} ${a}`);
  const r = sh(process.execPath, ['--max-old-space-size=8192', path.join(here, 'cases.mjs'), name, a], { cwd: root });
  if (!r.ok) return { error: lastLines(r.err, 4) };
  return JSON.parse(r.out.split('\n').pop());
}

function runPython(peer, script, args) {
  log(`  ${peer} ${args.join(' ')}`);
  const r = sh(peers[peer].py, [path.join(here, 'peers', script), ...args.map(String)]);
  if (!r.ok) return { error: lastLines(r.err, 3) };
  return JSON.parse(r.out.split('\n').pop());
}

// ----- one full run ------------------------------------------------------------------------

const startedAt = new Date().toISOString();
const loadBefore = os.loadavg();
ensureBuild();
const peers = setupPeers();
const have = (p) => peers[p]?.available;
const unavailable = (p) => ({ error: `unavailable: ${peers[p]?.reason ?? 'not installed'}` });
const csv = have('backtesting') || have('nautilus_trader') ? writeCandlesCsv() : null;
const once = {}; // deterministic figures, measured in the first full run only

function fullRun(index) {
  const rows = [];
  const byKey = {};
  const row = (key, group, name, engine, unit, r, extra = {}) => {
    const out = { key, group, name, engine, unit, ...extra };
    if (r?.error) out.error = r.error;
    else if (r) Object.assign(out, { min: r.min, median: r.median, max: r.max, runs: r.runs, detail: strip(r) });
    rows.push(out);
    byKey[key] = out;
    return out;
  };

  log(`full run ${index + 1} of ${REPEAT}: market orders`);
  row('orders.object', 'orders', 'spec-shaped async placeOrder(object)', 'ours', 'orders/s', runCase('orders-object', { n: Math.round(20000 * N) }));
  row('orders.fast', 'orders', 'numbers-only market(sym, side, amount)', 'ours', 'orders/s', runCase('orders-fast', { n: Math.round(2e6 * N) }));
  row('orders.batch', 'orders', 'batch marketBatch(n) over a Float64Array view', 'ours', 'orders/s', runCase('orders-batch', { n: Math.round(8e6 * N) }));
  row('orders.floor', 'orders', 'pure-JS floor market(sym, side, amount), BigInt exact', 'floor', 'orders/s',
    runCase('orders-floor', { n: Math.round(200000 * N) }), { vs: 'orders.fast' });
  row('orders.nob', 'orders', 'nodejs-order-book market({side,size}) vs a 1,000-level book', 'nodejs-order-book', 'orders/s',
    have('nodejs-order-book') ? runCase('orders-nob', { n: Math.round(1e6 * N) }) : unavailable('nodejs-order-book'), { vs: 'orders.fast' });
  row('orders.nautilus', 'orders', `nautilus_trader ${peers.nautilus_trader?.version ?? ''}: market order per trade tick, netting (net of the ticks' cost)`, 'nautilus_trader', 'orders/s',
    have('nautilus_trader') ? runPython('nautilus_trader', 'nautilus_peer.py', ['orders', QUICK ? 1000 : 5000, PY_RUNS]) : unavailable('nautilus_trader'),
    { vs: 'orders.object' });

  log('price updates and orders at P open positions');
  for (const P of POSITIONS) {
    row(`prices.single.${P}`, 'scaling', `updatePrice, ${P.toLocaleString('en')} open position(s)`, 'ours', 'updates/s',
      runCase('prices-fast', { positions: P, n: Math.round(4e6 * N), mode: 'single' }), { positions: P });
    row(`prices.batch.${P}`, 'scaling', `updatePrices batch, ${P.toLocaleString('en')} open position(s)`, 'ours', 'updates/s',
      runCase('prices-fast', { positions: P, n: Math.round(8e6 * N), mode: 'batch' }), { positions: P });
    row(`orders.open.${P}`, 'scaling', `bracket + close, ${P.toLocaleString('en')} open position(s)`, 'ours', 'orders/s',
      runCase('orders-open', { positions: P, n: Math.round(1e6 * N) }), { positions: P });
    const floorN = P <= 100 ? 1e6 * N : P <= 10_000 ? 2e4 * N : 2000;
    row(`prices.floor.${P}`, 'scaling', `pure-JS floor updatePrice, ${P.toLocaleString('en')} open position(s)`, 'floor', 'updates/s',
      runCase('prices-floor', { positions: P, n: Math.max(1000, Math.round(floorN)), runs: P > 10_000 ? Math.min(RUNS, 3) : RUNS }),
      { positions: P, vs: `prices.single.${P}` });
  }

  const flatness = runCase('flatness', { positions: POSITIONS, n: Math.round(5e5 * N), orders: Math.round(1e5 * N), runs: Math.max(RUNS, 21), warmup: 2 });

  log('backtest replay');
  const checks = [];
  for (const K of KS) {
    const nPy = PY_BARS[K];
    row(`replay.${K}`, 'replay', `replay ${BARS.toLocaleString('en')} candles, K=${K}`, 'ours', 'bars/s', runCase('replay-fast', { bars: BARS, k: K }), { k: K });
    row(`replay.floor.${K}`, 'replay', `pure-JS floor, K=${K}`, 'floor', 'bars/s',
      runCase('replay-floor', { bars: K === 100 ? Math.round(BARS / 5) : BARS, k: K }), { k: K, vs: `replay.${K}` });
    if (K === 1) {
      row('replay.grademark', 'replay', 'grademark 0.3.0, one position at a time', 'grademark', 'bars/s',
        have('grademark') ? runCase('replay-grademark', { bars: QUICK ? 50000 : 200_000, runs: Math.min(RUNS, 5) }) : unavailable('grademark'), { k: 1, vs: 'replay.1' });
    }
    const short = row(`replay.short.${K}`, 'replay', `replay the first ${nPy.toLocaleString('en')} candles, K=${K}`, 'ours', 'bars/s',
      runCase('replay-fast', { bars: nPy, k: K, runs: Math.max(RUNS, 21), warmup: 5 }), { k: K });
    row(`replay.backtesting.${K}`, 'replay', `backtesting.py ${peers.backtesting?.version ?? ''} (hedging), same ${nPy.toLocaleString('en')} candles, K=${K}`, 'backtesting', 'bars/s',
      have('backtesting') ? runPython('backtesting', 'backtesting_peer.py', [csv, nPy, K, PY_RUNS]) : unavailable('backtesting'), { k: K, vs: `replay.short.${K}` });
    const naut = row(`replay.nautilus.${K}`, 'replay', `nautilus_trader ${peers.nautilus_trader?.version ?? ''} (bars, hedging OMS), same ${nPy.toLocaleString('en')} candles, K=${K}`, 'nautilus_trader', 'bars/s',
      have('nautilus_trader') ? runPython('nautilus_trader', 'nautilus_peer.py', ['replay', csv, nPy, K, PY_RUNS]) : unavailable('nautilus_trader'), { k: K, vs: `replay.short.${K}` });
    if (index === 0) checks.push(tradeCheck(K, nPy, short, naut));
  }

  log('strategy-tester sweep');
  row('sweep', 'sweep', 'parameter sweep, 2 workers vs 1 (speed-up)', 'ours', '×', runCase('sweep', { runs: Math.min(RUNS, 3) }));

  log('start-up, size, memory');
  const startups = [];
  for (let i = 0; i < (QUICK ? 5 : 15); i++) startups.push(runCase('startup', { runs: 1 }));
  const st = (k) => summarize(startups.filter((s) => !s.error).map((s) => s[k]));
  const startup = { readMs: st('readMs'), compileMs: st('compileMs'), requireInstantiateMs: st('requireInstantiateMs'), firstFastCallMs: st('firstFastCallMs'), firstObjectCallMs: st('firstObjectCallMs') };
  const browserStartup = existsSync(process.env.CHROMIUM || '/usr/bin/chromium')
    ? runCase('startup-browser', { runs: QUICK ? 3 : 9 })
    : { error: 'unavailable: no Chromium at /usr/bin/chromium (set CHROMIUM)' };
  if (index === 0) {
    once.size = runCase('size');
    once.memory = runCase('memory', { positions: 10000 });
    once.memoryReserved = runCase('memory', { positions: 10000, reserve: true });
  }

  for (const r of rows) {
    const base = r.vs && byKey[r.vs];
    if (base?.median && r.median) r.oursOver = base.median / r.median;
  }
  return { index, loadAverage: os.loadavg(), rows, byKey, checks, flatness, startup, browserStartup, targets: targetsOf(byKey, flatness, startup, browserStartup) };
}

const strip = (r) => Object.fromEntries(Object.entries(r).filter(([k]) => !['min', 'median', 'max', 'runs'].includes(k)));

/**
 * Trade counts of nautilus_trader against ours on the same candles. Ours marks open, low, high,
 * close on a rising bar (high first on a falling one); nautilus's bar execution always goes
 * open, high, low, close. The counts can differ only on a bar that spans both a stop-loss and a
 * take-profit, so ours is also replayed along nautilus's path: that must match exactly.
 */
function tradeCheck(K, bars, short, naut) {
  const counts = (d) => (d ? { entries: d.entries, exits: d.closed, fills: d.fills, open: d.open ?? d.entries - d.closed, wallet: Number(d.wallet) } : null);
  const ours = counts(short.detail);
  const highFirst = runCase('replay-fast', { bars, k: K, path: 'high-first', runs: 1, warmup: 0 });
  const oursHighFirst = highFirst.error ? null : counts(highFirst);
  const theirs = naut.error ? null : counts({ ...naut.detail, open: naut.detail.positions - naut.detail.closed });
  const same = (a, b) => !!a && !!b && a.entries === b.entries && a.exits === b.exits && a.fills === b.fills;
  return {
    k: K,
    bars,
    ours,
    oursAlongNautilusPath: oursHighFirst,
    nautilus: theirs,
    equal: theirs ? same(ours, theirs) : null,
    equalAlongNautilusPath: theirs ? same(oursHighFirst, theirs) : null,
    ...(naut.error ? { error: naut.error } : {}),
  };
}

// ----- targets -----------------------------------------------------------------------------

function targetsOf(byKey, flatness, startup, browserStartup) {
  const med = (k) => byKey[k]?.median ?? NaN;
  const sec = (k) => byKey[k]?.detail?.seconds?.median ?? NaN;
  const t = (name, measured, goal, unit, pass) => ({ name, measured, goal, unit, pass: Number.isFinite(measured) && pass(measured) });
  const atLeast = (name, measured, goal, unit) => t(name, measured, goal, unit, (m) => m >= goal);
  const atMost = (name, measured, goal, unit) => t(name, measured, goal, unit, (m) => m <= goal);
  const { size, memory, memoryReserved } = once;
  const list = [
    atLeast('numbers-only single call', med('orders.fast'), 5e6, 'orders/s'),
    atLeast('batch', med('orders.batch'), 10e6, 'orders/s'),
    atLeast('spec-shaped async object API', med('orders.object'), 300e3, 'orders/s'),
    atLeast('price updates, single call, 100 positions', med('prices.single.100'), 20e6, 'updates/s'),
    atLeast('price updates, batch, 100 positions', med('prices.batch.100'), 50e6, 'updates/s'),
    atLeast('price updates, batch, 10,000 positions', med('prices.batch.10000'), 20e6, 'updates/s'),
    // The trigger index: a price update compares the price with two heap tops, whatever the
    // number of positions (O(1)); an order pushes its triggers into the heaps (O(log P)).
    // Measured interleaved in one process (case `flatness`): median of the per-round ratios.
    atMost('flat index: updatePrice cost at 100,000 positions ÷ at 1 (interleaved)', flatness.updateRatio?.median, 1.25, '×'),
    atMost('flat index: bracket + close cost at 100,000 positions ÷ at 1 (interleaved)', flatness.orderRatio?.median, 2, '×'),
    t(`replay ${BARS.toLocaleString('en')} candles K=100 wall time`, sec('replay.100'), 1, 's', (m) => m < 1 && BARS === 1e6),
    atMost('gzipped wasm, browser build (pkg/web)', size['pkg/web']?.wasmGzip, 100 * 1024, 'bytes'),
    atMost('gzipped wasm, Node build (pkg/node)', size['pkg/node']?.wasmGzip, 100 * 1024, 'bytes'),
    // The glue's require reads, compiles and instantiates the module (the separate compileMs
    // is a second, standalone compile, reported but not added in).
    atMost('instantiation (require: read + compile + instantiate, Node)', startup.requireInstantiateMs.median, 10, 'ms'),
    atMost('instantiation (compile + instantiate from bytes, Chromium)', browserStartup.instantiateBytesMs?.median, 10, 'ms'),
    atMost('wasm memory per open position (10,000, no reserve)', memory.wasmBytesPerPosition, 128, 'bytes'),
    atMost('wasm memory per open position (10,000, reserved)', memoryReserved.wasmBytesPerPosition, 128, 'bytes'),
  ];
  const compared = Object.values(byKey).filter((r) => r.oursOver !== undefined);
  const smallest = compared.reduce((a, r) => (a && a.oursOver <= r.oursOver ? a : r), null);
  list.push({ ...t('ahead of every peer on every comparable row', smallest?.oursOver ?? NaN, 1, '× (smallest ratio)', (m) => m > 1), smallestRow: smallest?.name });
  const nautRows = compared.filter((r) => r.engine === 'nautilus_trader');
  const nautSmallest = nautRows.reduce((a, r) => (a && a.oursOver <= r.oursOver ? a : r), null);
  list.push({ ...t('ahead of nautilus_trader on every comparable row', nautSmallest?.oursOver ?? NaN, 1, '× (smallest ratio)', (m) => m > 1), smallestRow: nautSmallest?.name });
  return list;
}

// ----- all full runs, aggregated -----------------------------------------------------------

const runs = [];
for (let i = 0; i < REPEAT; i++) runs.push(fullRun(i));

const spread = (values) => {
  const v = values.filter((x) => Number.isFinite(x));
  return v.length ? summarize(v) : { min: NaN, median: NaN, max: NaN, runs: [] };
};

// Rows: the median of the full runs' medians; min and max over every measurement of every run.
const rows = runs[0].rows.map((first) => {
  const all = runs.map((r) => r.byKey[first.key]);
  const ok = all.filter((r) => r && !r.error && Number.isFinite(r.median));
  const out = { key: first.key, group: first.group, name: first.name, engine: first.engine, unit: first.unit };
  for (const k of ['k', 'positions', 'vs']) if (first[k] !== undefined) out[k] = first[k];
  if (!ok.length) return { ...out, error: all.find((r) => r?.error)?.error ?? 'no result' };
  const medians = spread(ok.map((r) => r.median));
  Object.assign(out, {
    median: medians.median,
    min: Math.min(...ok.map((r) => r.min)),
    max: Math.max(...ok.map((r) => r.max)),
    fullRunMedians: medians.runs,
    fullRuns: ok.map((r) => ({ min: r.min, median: r.median, max: r.max, runs: r.runs, detail: r.detail })),
  });
  const ratios = ok.map((r) => r.oursOver).filter((x) => x !== undefined);
  if (ratios.length) out.oursOver = spread(ratios);
  if (ok.length < all.length) out.errors = all.filter((r) => r?.error).map((r) => r.error);
  return out;
});

// Targets: judged in each full run; the spread of the measured values across runs.
const targets = runs[0].targets.map((first, i) => {
  const per = runs.map((r) => r.targets[i]);
  const held = per.filter((t) => t.pass).length;
  return {
    name: first.name,
    goal: first.goal,
    unit: first.unit,
    measured: spread(per.map((t) => t.measured)),
    fullRuns: per.length,
    held,
    holds: held === per.length ? 'yes' : held === 0 ? 'no' : `mixed (${held} of ${per.length})`,
    ...(first.smallestRow !== undefined ? { smallestRows: per.map((t) => t.smallestRow) } : {}),
  };
});

const startupAll = (k) => spread(runs.flatMap((r) => r.startup[k].runs));
const startup = Object.fromEntries(Object.keys(runs[0].startup).map((k) => [k, startupAll(k)]));
const browserOk = runs.map((r) => r.browserStartup).filter((b) => !b.error);
const browserStartup = browserOk.length
  ? Object.fromEntries(Object.keys(browserOk[0]).map((k) => [k, spread(browserOk.flatMap((b) => b[k].runs))]))
  : runs[0].browserStartup;
const { checks } = runs[0];

// ----- report ------------------------------------------------------------------------------

const fmt = (x) => (x === undefined || x === null || Number.isNaN(x) ? '-' : Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en') : x.toPrecision(3));
const ratio = (o) => (o ? (REPEAT > 1 ? `${o.median.toFixed(1)}× [${o.min.toFixed(1)}, ${o.max.toFixed(1)}]` : `${o.median.toFixed(1)}×`) : '');
const lines = [];
const machine = `${os.cpus()[0]?.model}, ${os.cpus().length} cores, load average before ${loadBefore.map((x) => x.toFixed(2)).join(' / ')}`;
lines.push(`${REPEAT} full run(s) on ${machine}. Each figure: median of the full runs' medians (each of ${RUNS} measured runs after ${WARMUP} warm-up(s); Python peers ${PY_RUNS} after 1); min / max: every measured run of every full run; ratios: median [min, max] over the full runs.`);
lines.push('');
lines.push(`| group | row | median | min | max | unit | ours ÷ peer |`);
lines.push(`|---|---|---:|---:|---:|---|---:|`);
for (const r of rows) {
  lines.push(`| ${r.group} | ${r.name} | ${r.error ? r.error : fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${r.unit} | ${ratio(r.oursOver)} |`);
}
for (const K of KS) {
  const d = runs[0].byKey[`replay.${K}`]?.detail;
  if (d) lines.push(`| replay | K=${K} (full run 1): wall time ${fmt(d.seconds.median)} s (min ${fmt(d.seconds.min)}, max ${fmt(d.seconds.max)}), ${d.fills.toLocaleString('en')} fills, ${d.entries.toLocaleString('en')} entries, source tiled ${d.tiles}× | | | | | |`);
}
lines.push('');
lines.push('Scaling (ns per operation, median; the index must keep these flat):');
lines.push('');
lines.push('| open positions | updatePrice | updatePrices (batch) | bracket + close, per order | interleaved: updatePrice / per order | pure-JS floor updatePrice |');
lines.push('|---:|---:|---:|---:|---:|---:|');
const ns = (k) => { const r = rows.find((x) => x.key === k); return r?.median ? fmt(1e9 / r.median) : (r?.error ?? '-'); };
const flat = runs.map((r) => r.flatness).filter((f) => !f.error);
const flatNs = (k, i) => (flat.length ? fmt(spread(flat.map((f) => f[k][i].median)).median) : '-');
for (const [i, P] of POSITIONS.entries()) {
  lines.push(`| ${P.toLocaleString('en')} | ${ns(`prices.single.${P}`)} | ${ns(`prices.batch.${P}`)} | ${ns(`orders.open.${P}`)} | ${flatNs('updateNs', i)} / ${flatNs('orderNs', i)} | ${ns(`prices.floor.${P}`)} |`);
}
if (!flat.length) lines.push(`(interleaved case failed: ${runs[0].flatness.error})`);
lines.push('');
lines.push('Trade counts on the same candles (entries / exits / fills, end wallet):');
lines.push('');
lines.push('| K | candles | ours | ours along nautilus\'s bar path | nautilus_trader | counts equal |');
lines.push('|---:|---:|---|---|---|---|');
const cnt = (c) => (c ? `${c.entries.toLocaleString('en')} / ${c.exits.toLocaleString('en')} / ${c.fills.toLocaleString('en')}, ${c.wallet.toLocaleString('en', { maximumFractionDigits: 4 })}` : '-');
for (const c of checks) {
  const eq = c.error ? c.error : `${c.equal ? 'yes' : 'NO'} (along its path: ${c.equalAlongNautilusPath ? 'yes' : 'NO'})`;
  lines.push(`| ${c.k} | ${c.bars.toLocaleString('en')} | ${cnt(c.ours)} | ${cnt(c.oursAlongNautilusPath)} | ${cnt(c.nautilus)} | ${eq} |`);
}
lines.push('');
lines.push(`| size | raw | gzip -9 |`);
lines.push(`|---|---:|---:|`);
for (const [k, v] of Object.entries(once.size)) {
  if (v.wasmRaw) lines.push(`| ${k} wasm | ${v.wasmRaw.toLocaleString('en')} | ${v.wasmGzip.toLocaleString('en')} |`, `| ${k} JS glue | ${v.jsRaw.toLocaleString('en')} | ${v.jsGzip.toLocaleString('en')} |`);
}
lines.push('');
const mm = (s) => `${fmt(s.median)} [${fmt(s.min)}, ${fmt(s.max)}]`;
lines.push(`start-up (ms, median [min, max] of ${startup.requireInstantiateMs.runs.length} fresh processes): compile ${mm(startup.compileMs)}, require+instantiate ${mm(startup.requireInstantiateMs)}, first FastPaper call ${fmt(startup.firstFastCallMs.median)}, first PaperTrader order ${fmt(startup.firstObjectCallMs.median)}`);
if (browserStartup.error) lines.push(`browser start-up: ${browserStartup.error}`);
else lines.push(`browser start-up (headless Chromium, fresh context each, ms median [min, max]): fetch ${fmt(browserStartup.fetchMs.median)}, compile + instantiate from bytes ${mm(browserStartup.instantiateBytesMs)}, first FastPaper order ${fmt(browserStartup.firstFastCallMs.median)}, init() streaming from the URL ${mm(browserStartup.initStreamingMs)}`);
lines.push(`memory for 10,000 open positions (hedging, SL + TP, 10x): wasm memory +${fmt(once.memory.wasmMemoryGrowth)} B (${fmt(once.memory.wasmBytesPerPosition)} B/position), engine tables ${fmt(once.memory.tableBytesPerPosition)} B/position; with reserve(): +${fmt(once.memoryReserved.wasmMemoryGrowth)} B (${fmt(once.memoryReserved.wasmBytesPerPosition)} B/position)`);
lines.push('');
lines.push(`Targets over ${REPEAT} full run(s) (measured: each run's median; "mixed" = held in some full runs, not all):`);
lines.push('');
lines.push(`| target | goal | runs | min | median | max | holds |`);
lines.push(`|---|---:|---:|---:|---:|---:|---|`);
for (const t of targets) lines.push(`| ${t.name} | ${fmt(t.goal)} ${t.unit} | ${t.fullRuns} | ${fmt(t.measured.min)} | ${fmt(t.measured.median)} | ${fmt(t.measured.max)} | ${t.holds} |`);
const table = lines.join('\n');
console.log(table);

const results = {
  startedAt,
  finishedAt: new Date().toISOString(),
  quick: QUICK,
  fullRuns: REPEAT,
  runsPerFigure: RUNS,
  warmupRuns: WARMUP,
  pythonRunsPerFigure: PY_RUNS,
  machine: {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverageBefore: loadBefore,
    loadAverageAfterEachFullRun: runs.map((r) => r.loadAverage),
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
  peers: Object.fromEntries(Object.entries(peers).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).filter(([f]) => f !== 'py'))])),
  data: `${DATA_SOURCE} (10,999 five-minute BTCUSDT candles) tiled: forward, then time-reversed, alternately (continuous, no drift); ${BARS.toLocaleString('en')} candles for ours, the first ${Object.values(PY_BARS).map((n) => n.toLocaleString('en')).join(' / ')} for the Python peers at K = ${KS.join(' / ')}`,
  rows,
  tradeChecks: checks,
  flatness: runs.map((r) => r.flatness),
  size: once.size,
  startup,
  browserStartup,
  memory: { noReserve: once.memory, reserved: once.memoryReserved },
  targets,
  table,
};
writeFileSync(path.join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
log(`\nwrote bench/results.json`);
