// The strategy tester: a strategy written as a JS function runs over the whole replay at
// engine speed (FastPaper's batch calls) in a Web Worker with a progress bar; the report, the
// equity curve and the trades on a chart; a parameter sweep over Web Workers with a sortable
// table. The backtest code is the package's (iftb-executor/backtest): Node's backtest() gives
// the same report for the same strategy, candles and options.
import { TIMEFRAMES, aggregate, compileStrategy, gridOf, rankRows, sweep, tradesToCsv } from 'iftb-executor/backtest';
import { PriceChart } from './chart.js';
import * as F from './fmt.js';
import { $, S, rulesOf } from './state.js';
import { EXAMPLES } from './strategies.js';
import { download, table } from './ui.js';

const WORKER_URL = new URL('./tester-worker.js', import.meta.url);
const TRADE_ROWS = 500;

const X = { worker: null, runId: 0, report: null, chart: null, sweepRows: [], sortKey: 'netProfit', sortDesc: true, cancelSweep: null, module: null };

/** The compiled wasm module, shared with every worker (one download and compile). */
async function wasmModule() {
  if (!X.module) {
    const glue = import.meta.resolve('iftb-executor/web');
    X.module = WebAssembly.compileStreaming(fetch(new URL('iftb_executor_bg.wasm', glue)));
  }
  return X.module;
}

async function newWorker() {
  const w = new Worker(WORKER_URL, { type: 'module' });
  w.postMessage({ type: 'wasm', module: await wasmModule() });
  return w;
}

const candles = () => S.datasets['btcusdt-5m'];

/** Run options from the form and the paper account's fees. */
function runOptions() {
  const s = S.snapshot?.settings ?? {};
  const r = rulesOf('BTC/USDT');
  return {
    symbol: 'BTC/USDT',
    timeframe: TIMEFRAMES[$('bt-timeframe').value],
    leverage: Number($('bt-leverage').value),
    initialBalance: Number($('bt-balance').value),
    size: Number($('bt-size').value) / 100,
    makerFee: Number(s.makerFee ?? 0.0002),
    takerFee: Number(s.takerFee ?? 0.0004),
    slippage: Number(s.slippage ?? 0.0005),
    stepSize: Number(r.stepSize ?? 0.001),
    tickSize: Number(r.tickSize ?? 0.1),
  };
}

function setError(text) {
  $('bt-error').textContent = text;
  $('bt-error').hidden = !text;
}

/** Check the source compiles here first (a syntax error is shown at once, not from a worker). */
function checkedSource() {
  const source = $('bt-code').value;
  try {
    return { source, strategy: compileStrategy(source) };
  } catch (err) {
    setError(`${err.message}`);
    $('bt-code').setAttribute('aria-invalid', 'true');
    return null;
  }
}

// ------------------------------------------------------------------ single run

export async function runBacktest(params) {
  setError('');
  $('bt-code').removeAttribute('aria-invalid');
  const checked = checkedSource();
  if (!checked || !candles()) return;
  X.worker ??= await newWorker();
  const id = ++X.runId;
  const progress = $('bt-progress');
  progress.value = 0;
  progress.max = 1;
  $('bt-progress-text').textContent = 'Starting…';
  $('bt-run').disabled = true;
  $('bt-cancel').hidden = false;
  $('tester-panel').dataset.state = 'running';
  const options = runOptions();
  if (params) options.params = params;
  const done = new Promise((resolve) => {
    X.finish = resolve;
    X.worker.onmessage = (e) => {
      const m = e.data;
      if (m.id !== id) return;
      if (m.type === 'progress') {
        progress.value = m.done / m.total;
        $('bt-progress-text').textContent = `${F.num(m.done)} of ${F.num(m.total)} candles`;
        $('tester-panel').dataset.progressUpdates = String(Number($('tester-panel').dataset.progressUpdates ?? 0) + 1);
      } else if (m.type === 'report' || m.type === 'fatal') resolve(m);
    };
    X.worker.onerror = (e) => resolve({ error: { message: e.message ?? 'the worker failed' } });
  });
  X.worker.postMessage({ type: 'backtest', id, source: checked.source, candles: candles(), options });
  const m = await done;
  $('bt-run').disabled = false;
  $('bt-cancel').hidden = true;
  if (m.cancelled) {
    $('tester-panel').dataset.state = 'cancelled';
    $('bt-progress-text').textContent = 'Cancelled.';
    return;
  }
  if (m.error) {
    $('tester-panel').dataset.state = 'error';
    $('bt-progress-text').textContent = '';
    setError(m.error.message);
    return;
  }
  progress.value = 1;
  $('bt-progress-text').textContent = `${F.num(m.report.market.candles)} candles in ${F.num(m.report.elapsedMs, 0, 0)} ms (engine and strategy, in a Web Worker)`;
  showReport(m.report);
  $('tester-panel').dataset.state = 'done';
}

function cancelRun() {
  X.worker?.terminate();
  X.worker = null;
  X.finish?.({ cancelled: true });
}

// ------------------------------------------------------------------ report

const STATS = [
  ['netProfit', 'Net profit', (s) => `${F.money(s.netProfit, true)} USDT`, (s) => s.netProfit],
  ['returnPct', 'Return', (s) => (s.returnPct === null ? '–' : `${F.num(s.returnPct, 2, 2, true)}%`), (s) => s.returnPct],
  ['trades', 'Trades', (s) => F.num(s.trades)],
  ['winRate', 'Win rate', (s) => F.pct(s.winRate, 1)],
  ['profitFactor', 'Profit factor', (s) => F.ratio(s.profitFactor)],
  ['maxDrawdownPct', 'Max drawdown', (s) => `${F.money(s.maxDrawdown)} USDT (${F.pct(s.maxDrawdownPct)})`],
  ['sharpe', 'Sharpe (annual)', (s) => F.ratio(s.sharpe)],
  ['sortino', 'Sortino (annual)', (s) => F.ratio(s.sortino)],
  ['exposure', 'Exposure', (s) => F.pct(s.exposure, 1)],
  ['fees', 'Fees', (s) => `${F.money(s.fees)} USDT`],
  ['avgTrade', 'Average trade', (s) => `${F.money(s.avgTrade, true)} USDT`, (s) => s.avgTrade],
  ['finalEquity', 'Final equity', (s) => `${F.money(s.finalEquity)} USDT`],
];

function showReport(r) {
  X.report = r;
  $('bt-report').hidden = false;
  const dl = $('bt-stats');
  dl.replaceChildren();
  for (const [key, label, fmt, sign] of STATS) {
    const div = document.createElement('div');
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = fmt(r.stats);
    dd.dataset.stat = key;
    const v = sign?.(r.stats);
    if (v > 0) dd.className = 'pos';
    if (v < 0) dd.className = 'neg';
    div.append(dt, dd);
    dl.append(div);
  }
  const p = Object.entries(r.strategy.params).map(([k, v]) => `${k} ${v}`).join(', ');
  $('bt-summary').textContent = `${r.strategy.name ?? 'Strategy'}${p ? ` (${p})` : ''} · ${r.market.symbol} ${F.num(r.market.candles)} × ${r.market.timeframe}-minute candles, ${F.utcTime(r.market.from)} to ${F.utcTime(r.market.to)} UTC · ${r.settings.leverage}x · fees from Settings`;
  $('bt-warnings').textContent = r.warningCount ? `${r.warningCount} order(s) were not placed: ${r.warnings.slice(0, 3).join('; ')}${r.warningCount > 3 ? '; …' : ''}` : '';
  $('bt-warnings').hidden = !r.warningCount;

  // Candles of the tested timeframe with the trades, and the equity curve under them.
  X.chart ??= new PriceChart($('bt-chart-box'), { format: (v) => F.price(v, 1) });
  const bars = r.market.timeframe === 5 ? candles() : aggregate(candles(), r.market.timeframe);
  X.chart.setPrecision(1);
  X.chart.setData(bars);
  const ms = r.market.timeframe * 60_000;
  const at = (t) => Math.floor(t / ms) * ms;
  X.chart.setMarkers(r.trades.flatMap((t) => [
    { time: at(t.entryTime), kind: t.side, price: t.entryPrice, text: '' },
    { time: at(t.exitTime), kind: t.exitReason === 'liquidation' ? 'liquidation' : 'exit', price: t.exitPrice, text: '' },
  ]));
  X.chart.setEquity(r.equity.t.map((t, i) => ({ t, v: r.equity.v[i] })));
  X.chart.chart.timeScale().fitContent();

  const t = table([
    { label: '#', value: (x) => String(x.id) },
    { label: 'Side', value: (x) => x.side, cls: (x) => `side ${x.side}` },
    { label: 'Entry (UTC)', value: (x) => F.utcTime(x.entryTime) },
    { label: 'Entry', num: true, value: (x) => F.price(x.entryPrice, 1) },
    { label: 'Exit (UTC)', value: (x) => F.utcTime(x.exitTime) },
    { label: 'Exit', num: true, value: (x) => F.price(x.exitPrice, 1) },
    { label: 'Amount', num: true, value: (x) => F.qty(x.amount) },
    { label: 'Net PnL', num: true, value: (x) => F.money(x.netPnl, true), cls: (x) => (x.netPnl > 0 ? 'pos' : x.netPnl < 0 ? 'neg' : '') },
    { label: 'Fees', num: true, value: (x) => F.money(x.fees) },
    { label: 'Exit by', value: (x) => x.exitReason },
  ], r.trades.slice(0, TRADE_ROWS), 'No trades: the strategy never entered.');
  const note = document.createElement('p');
  note.className = 'hint';
  note.textContent = r.trades.length > TRADE_ROWS ? `The first ${TRADE_ROWS} of ${F.num(r.trades.length)} trades (export them all as CSV).` : `${F.num(r.trades.length)} trades.`;
  $('bt-trades').replaceChildren(note, t);
  $('bt-report').dataset.trades = String(r.trades.length);
}

function exportReport(kind) {
  const r = X.report;
  if (!r) return;
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '');
  if (kind === 'json') download(`iftb-backtest-${stamp}.json`, JSON.stringify(r, null, 2));
  else download(`iftb-backtest-trades-${stamp}.csv`, tradesToCsv(r.trades), 'text/csv');
}

// ------------------------------------------------------------------ sweep

/** "5, 10, 20" → [5, 10, 20]; "5..30 step 5" → { from: 5, to: 30, step: 5 }. */
export function parseValues(text) {
  const range = /^\s*(-?[\d.]+)\s*\.\.\s*(-?[\d.]+)\s*(?:step\s*(-?[\d.]+))?\s*$/i.exec(text);
  if (range) return { from: Number(range[1]), to: Number(range[2]), step: Number(range[3] ?? 1) };
  const vals = text.split(/[,\s]+/).filter(Boolean).map((v) => (Number.isFinite(Number(v)) ? Number(v) : v));
  return vals;
}

function renderGridInputs() {
  let params = {};
  try {
    params = compileStrategy($('bt-code').value).params;
  } catch {
    // shown when it runs
  }
  const box = $('bt-grid');
  const old = Object.fromEntries([...box.querySelectorAll('input')].map((i) => [i.name, i.value]));
  box.replaceChildren();
  for (const [k, v] of Object.entries(params)) {
    const label = document.createElement('label');
    label.className = 'field';
    const span = document.createElement('span');
    span.textContent = k;
    const input = document.createElement('input');
    input.name = k;
    input.id = `bt-grid-${k}`;
    input.autocomplete = 'off';
    input.spellcheck = false;
    input.value = old[k] ?? String(v);
    input.setAttribute('aria-describedby', 'bt-grid-hint');
    label.append(span, input);
    box.append(label);
  }
  $('bt-sweep-run').disabled = !Object.keys(params).length;
}

function gridFromInputs() {
  const grid = {};
  for (const input of $('bt-grid').querySelectorAll('input')) grid[input.name] = parseValues(input.value);
  return grid;
}

/** A Web Worker as the sweep's worker (the shared sweep() schedules the runs). */
function spawner(live) {
  return () => {
    const listeners = [];
    const pending = [];
    let w = null;
    newWorker().then((worker) => {
      w = worker;
      w.onmessage = (e) => listeners.forEach((cb) => cb(e.data));
      w.onerror = (e) => listeners.forEach((cb) => cb({ type: 'fatal', error: { message: e.message ?? 'a worker failed' } }));
      for (const m of pending) w.postMessage(m);
    });
    const adapter = {
      post: (m) => (w ? w.postMessage(m) : pending.push(m)),
      listen: (cb) => listeners.push(cb),
      terminate: () => w?.terminate(),
      cancel: () => listeners.forEach((cb) => cb({ type: 'fatal', error: { code: 'CANCELLED', message: 'cancelled' } })),
    };
    live.push(adapter);
    return adapter;
  };
}

async function runSweep() {
  setError('');
  const checked = checkedSource();
  if (!checked || !candles()) return;
  let grid;
  try {
    grid = gridFromInputs();
    gridOf(grid);
  } catch (err) {
    $('bt-sweep-error').textContent = err.message;
    return;
  }
  $('bt-sweep-error').textContent = '';
  const workers = Math.max(1, Math.min(16, Number($('bt-workers').value) || 1));
  const live = [];
  X.cancelSweep = () => live.forEach((a) => a.cancel());
  $('bt-sweep-run').disabled = true;
  $('bt-sweep-cancel').hidden = false;
  $('tester-panel').dataset.sweep = 'running';
  const progress = $('bt-sweep-progress');
  progress.value = 0;
  try {
    const res = await sweep({
      ...runOptions(), strategy: checked.source, candles: candles(), grid, workers, spawn: spawner(live),
      onProgress: ({ done, total }) => {
        progress.value = done / total;
        $('bt-sweep-text').textContent = `${done} of ${total} runs`;
      },
    });
    X.sweepRows = res.rows;
    $('bt-sweep-text').textContent = `${res.runs} runs on ${res.workers} worker${res.workers === 1 ? '' : 's'} in ${F.num(res.elapsedMs / 1000, 2, 2)} s`;
    $('tester-panel').dataset.sweep = 'done';
    $('tester-panel').dataset.sweepMs = String(Math.round(res.elapsedMs));
    renderSweep();
  } catch (err) {
    $('tester-panel').dataset.sweep = err.code === 'CANCELLED' ? 'cancelled' : 'error';
    $('bt-sweep-text').textContent = err.code === 'CANCELLED' ? 'Cancelled.' : '';
    if (err.code !== 'CANCELLED') $('bt-sweep-error').textContent = err.message;
  } finally {
    $('bt-sweep-run').disabled = false;
    $('bt-sweep-cancel').hidden = true;
  }
}

const SWEEP_COLS = [
  ['netProfit', 'Net profit', (s) => F.money(s.netProfit, true)],
  ['returnPct', 'Return %', (s) => F.num(s.returnPct, 2, 2, true)],
  ['trades', 'Trades', (s) => F.num(s.trades)],
  ['winRate', 'Win rate', (s) => F.pct(s.winRate, 1)],
  ['profitFactor', 'Profit factor', (s) => F.ratio(s.profitFactor)],
  ['maxDrawdownPct', 'Max DD', (s) => F.pct(s.maxDrawdownPct, 1)],
  ['sharpe', 'Sharpe', (s) => F.ratio(s.sharpe)],
  ['sortino', 'Sortino', (s) => F.ratio(s.sortino)],
  ['exposure', 'Exposure', (s) => F.pct(s.exposure, 0)],
];

function renderSweep() {
  const rows = X.sweepRows;
  if (!rows.length) return;
  const keys = Object.keys(rows[0].params);
  const sorted = keys.includes(X.sortKey)
    ? rows.slice().sort((a, b) => (X.sortDesc ? 1 : -1) * (b.params[X.sortKey] - a.params[X.sortKey]))
    : rankRows(rows, X.sortKey, X.sortDesc);
  const t = document.createElement('table');
  t.className = 'sortable';
  const head = t.createTHead().insertRow();
  const th = (key, label, num) => {
    const cell = document.createElement('th');
    cell.scope = 'col';
    if (num) cell.className = 'num';
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'sort';
    b.textContent = label;
    b.dataset.sort = key;
    cell.setAttribute('aria-sort', X.sortKey === key ? (X.sortDesc ? 'descending' : 'ascending') : 'none');
    b.addEventListener('click', () => {
      X.sortDesc = X.sortKey === key ? !X.sortDesc : true;
      X.sortKey = key;
      renderSweep();
      document.querySelector(`#bt-sweep-table [data-sort="${CSS.escape(key)}"]`)?.focus();
    });
    cell.append(b);
    head.append(cell);
  };
  for (const k of keys) th(k, k, true);
  for (const [k, label] of SWEEP_COLS) th(k, label, true);
  const blank = document.createElement('th');
  blank.innerHTML = '<span class="sr-only">Actions</span>';
  head.append(blank);
  const body = t.createTBody();
  for (const r of sorted) {
    const tr = body.insertRow();
    for (const k of keys) {
      const td = tr.insertCell();
      td.className = 'num';
      td.textContent = String(r.params[k]);
    }
    for (const [k, , fmt] of SWEEP_COLS) {
      const td = tr.insertCell();
      td.className = 'num';
      td.dataset.col = k;
      td.textContent = r.stats ? fmt(r.stats) : '–';
      if (k === 'netProfit' && r.stats) td.classList.add(r.stats.netProfit > 0 ? 'pos' : 'neg');
    }
    const td = tr.insertCell();
    if (r.error) td.textContent = r.error.message;
    else {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'ghost small';
      b.textContent = 'Run';
      b.setAttribute('aria-label', `Run with ${keys.map((k) => `${k} ${r.params[k]}`).join(', ')}`);
      b.addEventListener('click', () => runBacktest(r.params));
      td.append(b);
    }
  }
  $('bt-sweep-table').replaceChildren(t);
}

// ------------------------------------------------------------------ wiring

export function initTester() {
  const ex = $('bt-example');
  for (const e of EXAMPLES) ex.add(new Option(e.label, e.id));
  $('bt-code').value = EXAMPLES[0].source;
  ex.addEventListener('change', () => {
    $('bt-code').value = EXAMPLES.find((e) => e.id === ex.value).source;
    renderGridInputs();
  });
  for (const k of Object.keys(TIMEFRAMES)) $('bt-timeframe').add(new Option(k, k));
  $('bt-workers').value = String(Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2)));
  $('bt-code').addEventListener('change', renderGridInputs);
  $('bt-code').addEventListener('keydown', (e) => {
    // Tab indents in the editor; Esc then Tab leaves it (as in most code editors).
    if (e.key === 'Tab' && !e.shiftKey && !X.escaped) {
      e.preventDefault();
      document.execCommand('insertText', false, '  ');
    }
    X.escaped = e.key === 'Escape';
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') runBacktest().catch(S.fatal);
  });
  $('bt-run').addEventListener('click', () => runBacktest().catch(S.fatal));
  $('bt-cancel').addEventListener('click', cancelRun);
  $('bt-export-json').addEventListener('click', () => exportReport('json'));
  $('bt-export-csv').addEventListener('click', () => exportReport('csv'));
  $('bt-sweep-run').addEventListener('click', () => runSweep().catch(S.fatal));
  $('bt-sweep-cancel').addEventListener('click', () => X.cancelSweep?.());
  renderGridInputs();
}
