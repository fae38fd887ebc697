// The market panel's chart: the selected symbol's candles in the chosen timeframe, the
// position's entry / stop-loss / take-profit / liquidation lines, resting limit orders and the
// ticket's levels (stops, targets, limits and ticket levels can be dragged), markers of the
// trades, and the same data as a table for screen readers and keyboard users.
import { TIMEFRAMES, aggregate } from 'iftb-executor/backtest';
import { moveOrder, setProtection } from './actions.js';
import { tradeMarkers } from './analytics.js';
import { PriceChart } from './chart.js';
import { roundToTick } from './feed.js';
import * as F from './fmt.js';
import { $, S, fmtPrice, positionOf, priceDecimals, rulesOf } from './state.js';
import { persist } from './refresh.js';
import { setTicketField, ticketLines } from './ticket.js';
import { table } from './ui.js';

const M = { chart: null, key: null, bars: [], baseN: 0, now: null, markersKey: '', tableAt: 0 };
const ids = new WeakMap();
let nextId = 1;
const idOf = (o) => {
  if (!ids.has(o)) ids.set(o, nextId++);
  return ids.get(o);
};

export function initMarket() {
  M.chart = new PriceChart($('chart'), {
    roundPrice: (p) => roundToTick(p, rulesOf(S.selected).tickSize),
    format: (p) => fmtPrice(S.selected)(p),
    onDrag: async (line, price) => {
      const sym = S.selected;
      if (line.field) return setTicketField(line.field, price);
      if (line.kind === 'stopLoss' || line.kind === 'takeProfit') return setProtection(sym, line.kind, String(price));
      if (line.order) return moveOrder(line.order, price);
      return false;
    },
  });
  for (const input of document.querySelectorAll('input[name="timeframe"]')) {
    input.addEventListener('change', () => {
      S.timeframe = input.value;
      M.key = null;
      renderChart();
      persist(true);
    });
  }
  $('chart-data').addEventListener('toggle', () => renderDataTable(true));
  // Where a line is drawn (page coordinates), for keyboard-free checks such as the page tests.
  $('chart').lineAt = lineHandle;
  M.chart.chart.timeScale().subscribeVisibleLogicalRangeChange(showRange);
}

/** What the chart shows now: how many candles, from which time (zoom, pan, scroll-back). */
function showRange() {
  const box = $('chart');
  box.dataset.candles = String(M.chart.visibleBars());
  const r = M.chart.chart.timeScale().getVisibleLogicalRange();
  const first = r ? M.bars[Math.max(0, Math.ceil(r.from))] : null;
  box.dataset.from = first ? String(first.t) : '';
}

/** Bars the chart shows at first: about one every 7 px. */
const fits = () => Math.max(30, Math.floor(($('chart').clientWidth - 70) / 7));

export function renderChart() {
  if (!M.chart) return;
  const sym = S.selected;
  const f = S.feeds[sym];
  const box = $('chart');
  if (S.mode !== 'paper' || !f) {
    box.dataset.candles = '0';
    return;
  }
  const tf = TIMEFRAMES[S.timeframe] ?? 5;
  const ms = tf * 60_000;
  M.chart.setPrecision(Math.max(2, priceDecimals(sym)));
  const key = `${sym}|${idOf(f)}|${f.epoch ?? 0}|${S.timeframe}`;
  const n = f.length;
  if (key !== M.key || n < M.baseN) {
    const base = Array.from({ length: n }, (_, i) => f.bar(i));
    M.bars = tf === 5 ? base : aggregate(base, tf);
    M.chart.setData(M.bars);
    M.chart.showRecent(fits());
    Object.assign(M, { key, baseN: n, now: f.now, markersKey: '' });
  } else if (n !== M.baseN || f.now !== M.now) {
    // Rebuild the newest bucket (its last base candle may have been partial) and append.
    const from = Math.max(0, M.baseN - 1);
    const bucket = Math.floor(f.bar(from).t / ms) * ms;
    let i = from;
    while (i > 0 && Math.floor(f.bar(i - 1).t / ms) * ms === bucket) i--;
    while (M.bars.length && M.bars[M.bars.length - 1].t >= bucket) M.bars.pop();
    const tail = [];
    for (let j = i; j < n; j++) tail.push(f.bar(j));
    for (const b of tf === 5 ? tail : aggregate(tail, tf)) {
      M.bars.push(b);
      M.chart.update(b);
    }
    M.baseN = n;
    M.now = f.now;
  }

  const lines = [];
  const fp = fmtPrice(sym);
  const p = positionOf(sym);
  if (p) {
    lines.push({ key: 'pos:entry', price: p.entryPrice, kind: 'entry', title: `Entry ${p.side}` });
    if (p.stopLoss !== null) lines.push({ key: 'pos:stopLoss', price: p.stopLoss, kind: 'stopLoss', title: 'Stop-loss', draggable: true });
    if (p.takeProfit !== null) lines.push({ key: 'pos:takeProfit', price: p.takeProfit, kind: 'takeProfit', title: 'Take-profit', draggable: true });
    if (p.liquidationPrice !== null) lines.push({ key: 'pos:liquidation', price: p.liquidationPrice, kind: 'liquidation', title: 'Liquidation' });
  }
  for (const o of S.orders) {
    if (o.symbol === sym && o.status === 'pending' && o.type === 'limit') {
      lines.push({ key: `order:${o.id}`, order: o.id, price: o.price, kind: 'limit', title: `${o.side === 'buy' ? 'Buy' : 'Sell'} limit ${F.qty(o.amount)}`, draggable: true });
    }
  }
  lines.push(...ticketLines());
  M.chart.setLines(lines);
  box.dataset.lines = lines.map((l) => l.key).join(' ');

  const marks = tradeMarkers(sym);
  const mk = `${S.timeframe}|${marks.length}|${marks.at(-1)?.time ?? ''}|${M.key}`;
  if (mk !== M.markersKey) {
    M.markersKey = mk;
    const shown = marks.filter((m) => Number.isFinite(m.price)).map((m) => ({ ...m, time: Math.floor(m.time / ms) * ms }));
    M.chart.setMarkers(shown);
    box.dataset.markers = shown.map((m) => m.kind).join(' ');
  }

  showRange();
  box.dataset.total = String(M.bars.length);
  const last = f.last;
  const parts = [`${sym} ${S.timeframe} candlestick chart. Last price ${fp(last)} USDT at ${F.time(f.now)} UTC.`];
  if (p) parts.push(`Open ${p.side} ${F.qty(p.amount)} from ${fp(p.entryPrice)}; stop-loss ${fp(p.stopLoss)}; take-profit ${fp(p.takeProfit)}; liquidation ${fp(p.liquidationPrice)}.`);
  parts.push('The data is also in the table under the chart.');
  box.setAttribute('aria-label', parts.join(' '));
  renderDataTable();
}

/** The newest candles and the chart's lines as a table (when the table is open). */
function renderDataTable(force = false) {
  const d = $('chart-data');
  if (!d.open) return;
  const now = performance.now();
  if (!force && now - M.tableAt < 500) return;
  M.tableAt = now;
  const fp = fmtPrice(S.selected);
  const t = table([
    { label: 'Time (UTC)', value: (k) => F.utcTime(k.t) },
    { label: 'Open', num: true, value: (k) => fp(k.o) },
    { label: 'High', num: true, value: (k) => fp(k.h) },
    { label: 'Low', num: true, value: (k) => fp(k.l) },
    { label: 'Close', num: true, value: (k) => fp(k.c) },
    { label: 'Volume', num: true, value: (k) => F.num(k.v, 0, 2) },
  ], M.bars.slice(-30).reverse(), 'No candles yet.');
  const lines = document.createElement('ul');
  for (const l of M.chart.lines.values()) {
    const li = document.createElement('li');
    li.textContent = `${l.spec.title}: ${fp(l.spec.price)}`;
    lines.append(li);
  }
  if (t.createCaption) t.createCaption().textContent = `${S.selected}, ${S.timeframe} candles, newest first (the last 30 of ${F.num(M.bars.length)})`;
  $('chart-table').replaceChildren(t, lines);
}

/** Pixel position of a chart line, for tests of dragging: { x, y } in page coordinates. */
export function lineHandle(key) {
  const y = M.chart?.lineY(key);
  if (y === null || y === undefined) return null;
  const r = $('chart').querySelector('.chart-canvas').getBoundingClientRect();
  return { x: r.left + r.width * 0.4, y: r.top + y };
}
