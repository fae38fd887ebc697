// Analytics of the paper account: closed trades (net of fees) rebuilt from the engine's event
// log, an equity curve sampled at every candle, and the statistics the strategy tester reports
// (the same functions: iftb-executor/backtest's stats).
import { stats as ST, tradesToCsv } from 'iftb-executor/backtest';
import { LineChart } from './chart.js';
import * as F from './fmt.js';
import { $, fmtPrice } from './state.js';
import { TradeBook } from './trades.js';
import { download } from './ui.js';

/** Most equity samples kept (older halves are dropped: about 80 days of 5-minute candles). */
const MAX_SAMPLES = 24_000;
export const book = { current: new TradeBook() };

/** Start over (a new account): rebuild the trades from the executor's whole event log. */
export function rebuild(events) {
  const b = new TradeBook();
  b.onClose = book.current.onClose;
  const quiet = b.onClose;
  b.onClose = null; // no toasts for trades of the past
  for (const ev of events) b.consume(ev);
  b.onClose = quiet;
  book.current = b;
}

// ------------------------------------------------------------------ equity curve

export const curve = { t: [], v: [], m: [] };

export function resetCurve(saved) {
  curve.t = Array.isArray(saved?.t) ? saved.t.slice() : [];
  curve.v = Array.isArray(saved?.v) ? saved.v.slice() : [];
  curve.m = Array.isArray(saved?.m) ? saved.m.slice() : curve.t.map(() => 0);
  view.shown = -1;
  dirty = true;
}

/** One sample per finished candle of the selected market (market time). */
export function sample(t, equity, inMarket) {
  if (curve.t.length && t <= curve.t[curve.t.length - 1]) return;
  curve.t.push(t);
  curve.v.push(equity);
  curve.m.push(inMarket ? 1 : 0);
  if (curve.t.length > MAX_SAMPLES) for (const k of ['t', 'v', 'm']) curve[k].splice(0, MAX_SAMPLES / 2);
  dirty = true;
}

const points = () => curve.t.map((t, i) => ({ t, v: curve.v[i] }));

export const savedCurve = () => ({ t: curve.t, v: curve.v, m: curve.m });

// ------------------------------------------------------------------ panel

const view = { chart: null, shown: 0 };
let dirty = true;
let lastRender = 0;

export function initAnalytics() {
  $('export-trades').addEventListener('click', () => {
    const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '');
    download(`iftb-paper-trades-${stamp}.csv`, tradesToCsv(book.current.trades), 'text/csv');
  });
  $('analytics-details').addEventListener('toggle', () => {
    dirty = true;
    renderAnalytics(true);
  });
}

/** The figures the panel shows (also what a test reads). */
export function figures() {
  return ST.summarize({ trades: book.current.trades, equity: curve.v, inMarket: curve.m.reduce((s, x) => s + x, 0), minutes: 5 });
}

export function renderAnalytics(force = false) {
  const now = performance.now();
  if (!force && (!dirty || now - lastRender < 1000)) return;
  lastRender = now;
  dirty = false;
  const s = figures();
  const set = (id, text, sign) => {
    const el = $(id);
    el.textContent = text;
    el.classList.toggle('pos', sign > 0);
    el.classList.toggle('neg', sign < 0);
  };
  set('an-trades', String(s.trades));
  set('an-winrate', F.pct(s.winRate, 1));
  set('an-pf', F.ratio(s.profitFactor));
  set('an-net', `${F.money(s.netProfit, true)} USDT`, s.netProfit);
  set('an-fees', `${F.money(s.fees)} USDT`);
  set('an-dd', s.periods ? `${F.money(s.maxDrawdown)} USDT (${F.pct(s.maxDrawdownPct)})` : '–');
  set('an-sharpe', F.ratio(s.sharpe));
  set('an-sortino', F.ratio(s.sortino));
  set('an-exposure', F.pct(s.exposure, 1));
  $('analytics-panel').dataset.trades = String(s.trades);
  $('export-trades').disabled = s.trades === 0;
  const empty = curve.t.length < 2;
  $('equity-chart').hidden = empty;
  $('equity-empty').hidden = !empty;
  if ($('analytics-details').open && !empty) {
    if (!view.chart) view.chart = new LineChart($('equity-chart'));
    if (view.shown !== curve.t.length) {
      view.chart.setData(points());
      view.shown = curve.t.length;
    }
  }
}

/** Closed trades as rows for the Trades tab (newest first). */
export function tradeColumns() {
  return [
    { label: 'Closed (UTC)', value: (t) => F.time(t.exitTime) },
    { label: 'Symbol', value: (t) => t.symbol },
    { label: 'Side', value: (t) => t.side, cls: (t) => `side ${t.side}`, key: 'side' },
    { label: 'Amount', num: true, value: (t) => F.qty(t.amount) },
    { label: 'Entry', num: true, value: (t) => fmtPrice(t.symbol)(t.entryPrice) },
    { label: 'Exit', num: true, value: (t) => fmtPrice(t.symbol)(t.exitPrice) },
    { label: 'Gross PnL', num: true, value: (t) => F.money(t.grossPnl, true), key: 'gross' },
    { label: 'Fees', num: true, value: (t) => F.money(t.fees), key: 'fees' },
    { label: 'Net PnL', num: true, value: (t) => F.money(t.netPnl, true), cls: (t) => (t.netPnl > 0 ? 'pos' : t.netPnl < 0 ? 'neg' : ''), key: 'net' },
    { label: 'Exit', value: (t) => ({ takeProfit: 'take-profit', stopLoss: 'stop-loss', manual: 'by order', liquidation: 'liquidation' })[t.exitReason] ?? t.exitReason, key: 'reason' },
    { label: 'Opened (UTC)', value: (t) => F.time(t.entryTime) },
  ];
}

/** Chart markers for the selected symbol's trades, closed and open. */
export function tradeMarkers(sym) {
  const out = [];
  for (const t of book.current.trades) {
    if (t.symbol !== sym) continue;
    out.push({ time: t.entryTime, kind: t.side, price: t.entryPrice, text: t.side === 'long' ? 'Long' : 'Short' });
    out.push({ time: t.exitTime, kind: t.exitReason === 'liquidation' ? 'liquidation' : 'exit', price: t.exitPrice, text: `${t.exitReason === 'liquidation' ? 'Liq. ' : ''}${F.money(t.netPnl, true)}` });
  }
  const o = book.current.open.get(sym);
  if (o) out.push({ time: o.entryTime, kind: o.side, price: o.entryValue / o.entryAmount, text: o.side === 'long' ? 'Long' : 'Short' });
  return out;
}

export const markDirty = () => {
  dirty = true;
};
