// The trading simulator page: the package's OrderExecutor (paper mode) driven by an offline
// market feed, with a chart, an order ticket, positions, orders, history, settings and
// persistence. Every check on an order is the engine's; the page only shows its answers.
import init, { OrderExecutor, version } from 'iftb-executor/web';
import { CandleChart } from './chart.js';
import { describeSettingsError, describeTicketError, plain } from './errors.js';
import { ReplayFeed, SimFeed, TICKS_PER_CANDLE, decimalsOf, feedFromState, parseCandles } from './feed.js';
import * as F from './fmt.js';
import { initLivePanel } from './live.js';
import * as store from './store.js';

const $ = (id) => document.getElementById(id);
const SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'BNB/USDT', 'XRP/USDT'];
const DATASETS = { 'btcusdt-5m': { url: './data/btcusdt-5m.csv', symbol: 'BTC/USDT' } };
const SIM_START = { 'BTC/USDT': 16700, 'ETH/USDT': 1600, 'SOL/USDT': 12, 'BNB/USDT': 260, 'XRP/USDT': 0.35 };
const LIST_LIMIT = 300;
/** A first amount for the ticket per symbol (above each market's minimum order value). */
const DEFAULT_AMOUNT = { 'BTC/USDT': '0.01', 'ETH/USDT': '0.1', 'SOL/USDT': '10', 'BNB/USDT': '0.5', 'XRP/USDT': '300' };
const MODE_KEY = 'iftb-executor.mode';

const S = {
  mode: 'paper',
  paper: null, // the paper OrderExecutor
  live: null, // a live executor, when live mode gets one
  datasets: {}, // name → candles
  feeds: {}, // symbol → feed
  selected: 'BTC/USDT',
  playing: false,
  speed: 2,
  snapshot: null, // last paper snapshot (rules, settings, pending protection)
  status: null, // last getAccountStatus()
  orders: [],
  fills: [],
  events: [],
  lastSeq: 0,
  tablesDirty: true,
  saveBlocked: false, // a saved account could not be restored: do not overwrite it
  lastSaveMs: 0,
  lastSaveAt: 0,
  queue: Promise.resolve(),
  ready: false,
};

const ex = () => (S.mode === 'live' ? S.live : S.paper);
const rulesOf = (sym) => S.snapshot?.rules?.[sym] ?? { stepSize: '0.001', tickSize: '0.01' };
const priceDecimals = (sym) => decimalsOf(rulesOf(sym).tickSize);
const fmtPrice = (sym) => (v) => F.price(v, priceDecimals(sym));
const positionOf = (sym) => S.status?.positions?.find((p) => p.symbol === sym) ?? null;
const lastPrice = (sym) => S.feeds[sym]?.last ?? null;

/** How often the live account is refreshed while the page is visible. */
const LIVE_POLL_MS = 3000;

/** Serialise work: ticks, user actions and renders never interleave. */
function run(fn) {
  const p = S.queue.then(fn);
  S.queue = p.catch(() => {});
  return p;
}

// ---------------------------------------------------------------- banner, toasts, dialogs

function banner(text, actions = []) {
  const b = $('banner');
  b.replaceChildren(text);
  for (const [label, fn] of actions) {
    const btn = document.createElement('button');
    btn.type = 'button';
    btn.className = 'ghost small';
    btn.textContent = label;
    btn.addEventListener('click', fn);
    b.append(btn);
  }
  b.hidden = !text;
}

function toast(text, kind = '') {
  const t = document.createElement('div');
  t.className = `toast ${kind}`;
  t.textContent = text;
  $('toasts').append(t);
  while ($('toasts').children.length > 4) $('toasts').firstChild.remove();
  setTimeout(() => t.remove(), 6000);
}

/** Ask for confirmation in the modal dialog; resolves true/false. */
function confirmDialog(title, text, okLabel = 'Confirm') {
  const d = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel;
  d.returnValue = '';
  d.showModal();
  $('confirm-cancel').focus();
  return new Promise((resolve) => d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true }));
}

// ---------------------------------------------------------------- executor lifecycle

function attach(executor) {
  executor.on('*', (ev) => {
    try {
      onEvent(ev);
    } catch (err) {
      console.warn('event display failed', err);
    }
  });
  return executor;
}

function newPaper(options) {
  return attach(new OrderExecutor({ ...options, logger: null }));
}

/** Replace the paper account (reset, new settings, import). */
async function usePaper(executor, { prime = true } = {}) {
  S.paper = executor;
  S.events = [];
  S.lastSeq = 0;
  S.tablesDirty = true;
  S.saveBlocked = false;
  if (prime) for (const [sym, f] of Object.entries(S.feeds)) if (f.last !== null) S.paper.updatePrice(sym, f.last);
  S.snapshot = S.paper.snapshot();
  fillSettingsForm();
  syncTicketLimits();
  await settle();
}

function settingsOptions(s) {
  const o = {
    initialBalance: s.initialBalance, makerFee: s.makerFee, takerFee: s.takerFee, slippage: s.slippage,
    maxPositionSize: s.maxPositionSize, maxLeverage: s.maxLeverage, defaultLeverage: s.defaultLeverage,
  };
  if (s.maxDailyLoss != null) o.maxDailyLoss = s.maxDailyLoss;
  if (s.maxDrawdown != null) o.maxDrawdown = s.maxDrawdown;
  return o;
}

// ---------------------------------------------------------------- feeds

function makeFeed(sym, source, { seed, vol } = {}) {
  const dataset = Object.keys(DATASETS).find((k) => DATASETS[k].symbol === sym && S.datasets[k]);
  if (source === 'replay' && dataset) return new ReplayFeed(sym, dataset, S.datasets[dataset]);
  return new SimFeed(sym, { seed: seed ?? 42, vol: vol ?? 0.003, start: SIM_START[sym] ?? 100, tickSize: rulesOf(sym).tickSize });
}

const hasReplay = (sym) => Object.values(DATASETS).some((d) => d.symbol === sym);

/** Make sure the symbol has a feed, and the engine its price. */
function ensureFeed(sym) {
  if (S.feeds[sym]) return;
  S.feeds[sym] = makeFeed(sym, hasReplay(sym) ? 'replay' : 'sim', { seed: seedFor(sym) });
  S.paper.updatePrice(sym, S.feeds[sym].last);
}

/** A different default seed per symbol, so markets do not move in lock-step. */
const seedFor = (sym) => 42 + SYMBOLS.indexOf(sym);

/** One tick of every market; true when the engine reported events (fills, triggers...). */
function tickAll() {
  let events = false;
  for (const [sym, f] of Object.entries(S.feeds)) {
    const p = f.next();
    if (p !== null && S.paper.updatePrice(sym, p).length) events = true;
  }
  return events;
}

function marketState() {
  return {
    selected: S.selected,
    speed: S.speed,
    feeds: Object.fromEntries(Object.entries(S.feeds).map(([s, f]) => [s, f.state()])),
  };
}

let timer = null;
let lastFrame = 0;
let owed = 0;

function setPlaying(on) {
  S.playing = on && S.mode === 'paper';
  const b = $('play');
  b.setAttribute('aria-pressed', String(S.playing));
  b.textContent = S.playing ? '❚❚ Pause' : '▶ Play';
  clearTimeout(timer);
  if (S.playing) {
    lastFrame = performance.now();
    owed = 0;
    timer = setTimeout(frame, 40);
  }
}

function frame() {
  run(async () => {
    if (!S.playing) return;
    const now = performance.now();
    owed += ((now - lastFrame) / 1000) * S.speed * TICKS_PER_CANDLE;
    lastFrame = now;
    const n = Math.min(Math.floor(owed), 400);
    owed -= Math.floor(owed);
    let events = false;
    for (let i = 0; i < n; i++) events = tickAll() || events;
    if (S.feeds[S.selected]?.ended) {
      setPlaying(false);
      toast('End of the historical data: press Restart, or switch this symbol to simulated prices.');
    }
    if (n) await settle(events);
  }).catch(fatal).finally(() => {
    if (S.playing) timer = setTimeout(frame, 40);
  });
}

/** Advance every market until the selected symbol's current candle is complete. */
function stepCandle() {
  return run(async () => {
    const f = S.feeds[S.selected];
    if (!f || f.ended) return;
    do tickAll(); while (!f.ended && !candleDone(f));
    await settle();
  });
}
const candleDone = (f) => (f.source === 'replay' ? f.tick === 0 : f.sent === 0);

async function restartFeed(source) {
  const sym = S.selected;
  const exposed = S.status?.positions?.some((p) => p.symbol === sym) || S.orders.some((o) => o.symbol === sym && o.status === 'pending');
  if (exposed && !(await confirmDialog('Restart prices?', `You have an open ${sym} position or order. The price will jump to the start of the new feed, which can trigger stops, take-profits or liquidation.`, 'Restart prices'))) {
    $('source').value = S.feeds[sym].source;
    return;
  }
  const seed = Number.parseInt($('seed').value, 10);
  const volPct = Number($('vol').value);
  await run(async () => {
    S.feeds[sym] = makeFeed(sym, source, {
      seed: Number.isFinite(seed) && seed >= 0 ? seed : seedFor(sym),
      vol: Number.isFinite(volPct) && volPct > 0 ? volPct / 100 : 0.003,
    });
    S.paper.updatePrice(sym, S.feeds[sym].last);
    await settle();
  });
  syncFeedControls();
}

// ---------------------------------------------------------------- persistence

/** After a change: save (which also takes the snapshot the tables read), then render. */
async function settle(force = true) {
  persist(force);
  await refresh();
}

function persist(force = false) {
  if (S.mode !== 'paper' || !S.paper) return;
  const now = performance.now();
  // Saving is cheap while the account is small; if it ever gets slow, quiet price ticks are
  // saved at most once a second (user actions and fills always at once: force).
  if (!force && S.lastSaveMs > 8 && now - S.lastSaveAt < 1000) return;
  S.snapshot = S.paper.snapshot();
  if (S.saveBlocked) return;
  const r = store.save({ snapshot: S.snapshot, market: marketState() });
  S.lastSaveAt = now;
  if (r.ok) {
    S.lastSaveMs = performance.now() - now; // snapshot + JSON + setItem
    $('storage-info').textContent = `Saved in this browser after every change (${F.num(r.bytes / 1024, 1, 1)} KB).`;
    if ($('banner').dataset.kind === 'storage') hideBanner();
  } else {
    const why = store.isQuotaError(r.error)
      ? 'Browser storage is full, so the account is NOT being saved.'
      : `The account could not be saved in this browser (${r.error?.message ?? r.error}).`;
    banner(`${why} Export it to a file to keep it.`, [['Export now', exportAccount]]);
    $('banner').dataset.kind = 'storage';
  }
}

function hideBanner() {
  banner('');
  delete $('banner').dataset.kind;
}

// ---------------------------------------------------------------- events → activity, toasts

function onEvent(ev) {
  const sym = ev.symbol;
  const fp = fmtPrice(sym);
  if (ev.type === 'positionClosed' && ev.reason !== 'order') {
    const why = { takeProfit: 'Take-profit hit', stopLoss: 'Stop-loss hit' }[ev.reason] ?? 'Position closed';
    toast(`${why}: ${sym} ${ev.side} closed, PnL ${F.money(ev.realizedPnl, true)} USDT`, ev.realizedPnl >= 0 ? 'good' : 'bad');
  } else if (ev.type === 'positionLiquidated') {
    toast(`LIQUIDATED: ${sym} ${ev.side} at ${fp(ev.price)}, lost ${F.money(-ev.realizedPnl)} USDT`, 'bad');
  } else if (ev.type === 'orderFilled' && ev.liquidity === 'maker') {
    toast(`Limit order filled: ${ev.side} ${F.qty(ev.amount)} ${F.base(sym)} at ${fp(ev.price)}`, 'good');
  }
}

/** "takeProfit" → "take-profit", "positionClosed" → "position closed". */
const words = (code) => ({ takeProfit: 'take-profit', stopLoss: 'stop-loss', order: 'by order' })[code]
  ?? String(code).replace(/([A-Z])/g, ' $1').toLowerCase();

function describeEvent(ev) {
  const sym = ev.symbol ?? '';
  const fp = fmtPrice(sym);
  const a = `${F.qty(ev.amount)} ${F.base(sym)}`;
  switch (ev.type) {
    case 'orderAccepted': return `Order ${ev.orderId} accepted: ${ev.orderType.replace('_', '-')} ${ev.side} ${a}`;
    case 'orderFilled': return `Order ${ev.orderId} filled: ${ev.side} ${a} at ${fp(ev.price)}, fee ${F.money(ev.fee)} USDT (${ev.liquidity})`;
    case 'orderCancelled': return `Order ${ev.orderId} cancelled${ev.reason ? ` (${words(ev.reason)})` : ''}`;
    case 'orderFailed': return `Order ${ev.orderId} failed: ${ev.reason ?? ev.errorMessage ?? ''}`;
    case 'positionOpened': return `${sym} ${ev.side} opened: ${a} at ${fp(ev.entryPrice)}, ${ev.leverage}x`;
    case 'positionIncreased': return `${sym} ${ev.side} increased to ${a}, average entry ${fp(ev.entryPrice)}`;
    case 'positionReduced': return `${sym} ${ev.side} reduced to ${a}, realized ${F.money(ev.realizedPnl, true)} USDT`;
    case 'positionClosed': return `${sym} ${ev.side} closed (${words(ev.reason)}), realized ${F.money(ev.realizedPnl, true)} USDT`;
    case 'positionLiquidated': return `${sym} ${ev.side} LIQUIDATED at ${fp(ev.price)}, realized ${F.money(ev.realizedPnl, true)} USDT`;
    case 'stopLossTriggered': return `${sym} stop-loss triggered at ${fp(ev.price)}`;
    case 'takeProfitTriggered': return `${sym} take-profit triggered at ${fp(ev.price)}`;
    default: return `${ev.type} ${sym}`;
  }
}

// ---------------------------------------------------------------- rendering

async function refresh() {
  const e = ex();
  if (!e) {
    S.status = null;
    renderAccount(null);
    renderPositions([]);
    renderTables(true);
    renderChart();
    renderTicket();
    return;
  }
  S.status = await e.getAccountStatus();
  // (A live executor may not keep an event log or fills; the page then shows what it has.)
  const fresh = e.getEvents ? await e.getEvents(S.lastSeq) : [];
  if (fresh.length) {
    S.lastSeq = fresh[fresh.length - 1].seq;
    S.events.push(...fresh);
    if (S.events.length > LIST_LIMIT * 2) S.events.splice(0, S.events.length - LIST_LIMIT);
    S.tablesDirty = true;
  }
  if (S.tablesDirty) {
    S.orders = await e.getOrders();
    S.fills = e.getFills ? await e.getFills() : [];
  }
  renderAccount(S.status);
  renderPositions(S.status.positions);
  if (S.tablesDirty) renderTables();
  S.tablesDirty = false;
  renderChart();
  renderTicket();
  renderFeedStatus();
}

function setStat(id, value, { fmt = F.money, sign = false, exact } = {}) {
  const el = $(id);
  el.textContent = value === null || value === undefined ? '–' : fmt(value, sign);
  el.classList.toggle('pos', sign && value > 0);
  el.classList.toggle('neg', sign && value < 0);
  if (exact !== undefined) el.dataset.exact = exact;
  else delete el.dataset.exact;
}

function renderAccount(st) {
  const x = st?.exact ?? {};
  setStat('st-balance', st?.balance, { exact: x.balance });
  setStat('st-equity', st?.totalEquity, { exact: x.totalEquity });
  setStat('st-upnl', st?.unrealizedPnl, { sign: true, exact: x.unrealizedPnl });
  setStat('st-rpnl', st?.realizedPnl, { sign: true, exact: x.realizedPnl });
  setStat('st-margin', st?.marginUsed, { exact: x.marginUsed });
  setStat('st-fees', st?.feesPaid, { exact: x.feesPaid });
  setStat('st-positions', st?.positionsCount, { fmt: String });
  setStat('st-orders', st?.openOrdersCount, { fmt: String });
  $('loss-limit').hidden = !st?.lossLimit;
  $('loss-limit').textContent = st?.lossLimit ? `New positions are blocked: ${st.lossLimit}. Closing still works; reset the loss limits in Settings.` : '';
  $('close-all').disabled = !st || (st.positionsCount === 0 && st.openOrdersCount === 0);
}

/** Keyed rows: numbers update in place, and a stop-loss being typed is never overwritten. */
const rows = new Map();

function positionRow(sym) {
  const tr = document.createElement('tr');
  tr.dataset.symbol = sym;
  const cell = (cls = '') => {
    const td = document.createElement('td');
    td.className = cls;
    tr.append(td);
    return td;
  };
  const symTd = cell();
  const symBtn = document.createElement('button');
  symBtn.type = 'button';
  symBtn.className = 'ghost small';
  symBtn.textContent = sym;
  symBtn.title = `Show ${sym} on the chart`;
  symBtn.addEventListener('click', () => selectSymbol(sym));
  symTd.append(symBtn);
  const r = {
    tr, side: cell('side'), size: cell('num'), entry: cell('num'), mark: cell('num'), pnl: cell('num'),
    liq: cell('num'), margin: cell('num'),
  };
  const labels = { side: 'Side', size: 'Size', entry: 'Entry', mark: 'Mark', pnl: 'Unrealized PnL', liq: 'Liq. price', margin: 'Margin' };
  for (const [k, label] of Object.entries(labels)) r[k].dataset.label = label;
  for (const kind of ['stopLoss', 'takeProfit']) {
    const td = cell('wide');
    td.dataset.label = kind === 'stopLoss' ? 'Stop-loss' : 'Take-profit';
    const form = document.createElement('form');
    form.className = 'edit';
    const input = document.createElement('input');
    input.inputMode = 'decimal';
    input.autocomplete = 'off';
    input.name = kind;
    input.dataset.key = `${sym}:${kind}`;
    input.setAttribute('aria-label', `${kind === 'stopLoss' ? 'Stop-loss' : 'Take-profit'} for ${sym}`);
    const errId = `err-${kind}-${sym.replace('/', '-')}`;
    input.setAttribute('aria-describedby', errId);
    const btn = document.createElement('button');
    btn.className = 'ghost small';
    btn.textContent = 'Set';
    btn.setAttribute('aria-label', `Set ${kind === 'stopLoss' ? 'stop-loss' : 'take-profit'} for ${sym}`);
    const err = document.createElement('span');
    err.className = 'row-error';
    err.id = errId;
    err.setAttribute('role', 'alert');
    form.append(input, btn);
    td.append(form, err);
    input.addEventListener('input', () => { input.dataset.dirty = '1'; });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        delete input.dataset.dirty;
        err.textContent = '';
        input.removeAttribute('aria-invalid');
        renderPositions(S.status?.positions ?? []);
      }
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      setProtection(sym, kind, input, err);
    });
    r[kind] = input;
  }
  const act = cell('wide');
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'ghost small';
  close.textContent = 'Close';
  close.dataset.key = `${sym}:close`;
  close.setAttribute('aria-label', `Close ${sym} position at market`);
  close.addEventListener('click', () => closePosition(sym));
  act.append(close);
  return r;
}

function renderPositions(positions) {
  const body = $('positions').tBodies[0];
  const seen = new Set();
  for (const p of positions) {
    seen.add(p.symbol);
    let r = rows.get(p.symbol);
    if (!r) {
      r = positionRow(p.symbol);
      rows.set(p.symbol, r);
      body.append(r.tr);
    }
    const fp = fmtPrice(p.symbol);
    r.tr.className = p.side;
    r.side.textContent = `${p.side} ${p.leverage}x`;
    r.size.textContent = `${F.qty(p.amount)} ${F.base(p.symbol)}`;
    r.size.dataset.exact = p.exact.amount;
    r.entry.textContent = fp(p.entryPrice);
    r.mark.textContent = fp(p.currentPrice);
    const roe = p.margin ? (p.unrealizedPnl / p.margin) * 100 : 0;
    r.pnl.textContent = `${F.money(p.unrealizedPnl, true)} (${F.num(roe, 2, 2, true)}%)`;
    r.pnl.dataset.exact = p.exact.unrealizedPnl;
    r.pnl.className = `num ${p.unrealizedPnl > 0 ? 'pos' : p.unrealizedPnl < 0 ? 'neg' : ''}`;
    r.liq.textContent = fp(p.liquidationPrice);
    r.margin.textContent = F.money(p.margin);
    for (const kind of ['stopLoss', 'takeProfit']) {
      const input = r[kind];
      if (document.activeElement !== input && !input.dataset.dirty) input.value = p.exact[kind] ?? '';
      input.placeholder = 'none';
    }
  }
  for (const [sym, r] of rows) {
    if (!seen.has(sym)) {
      r.tr.remove();
      rows.delete(sym);
    }
  }
  $('positions-empty').hidden = positions.length > 0;
  $('positions').hidden = positions.length === 0;
  $('positions-empty').textContent = ex() ? 'No open positions. Use the order ticket to open one.' : 'Not connected to a live account.';
  $('positions-count').textContent = positions.length ? `(${positions.length})` : '';
}

const TYPE_LABEL = { market: 'Market', limit: 'Limit', stop_loss: 'Stop-loss', take_profit: 'Take-profit' };

function table(columns, rowsData, emptyText, cls = '') {
  if (!rowsData.length) {
    const p = document.createElement('p');
    p.className = 'empty muted';
    p.textContent = emptyText;
    return p;
  }
  const t = document.createElement('table');
  t.className = cls;
  const head = t.createTHead().insertRow();
  for (const c of columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = c.label;
    if (c.num) th.className = 'num';
    head.append(th);
  }
  const body = t.createTBody();
  for (const r of rowsData) {
    const tr = body.insertRow();
    for (const c of columns) {
      const td = tr.insertCell();
      if (c.num) td.className = 'num';
      if (c.label) td.dataset.label = c.label;
      else td.className = 'wide';
      const v = c.value(r);
      if (v instanceof Node) td.append(v);
      else td.textContent = v ?? '–';
      if (c.cls) td.classList.add(...c.cls(r).split(' ').filter(Boolean));
      if (c.exact) {
        const x = c.exact(r);
        if (x != null) td.dataset.exact = x;
      }
      if (c.key) td.dataset.col = c.key;
    }
  }
  return t;
}

function orderPrice(o) {
  const fp = fmtPrice(o.symbol);
  if (o.type === 'stop_loss' || o.type === 'take_profit') return `trigger ${fp(o.stopPrice)}`;
  return o.price !== null ? fp(o.price) : 'market';
}

function renderTables(disconnected = false) {
  // Keep keyboard focus on the same control across a re-render.
  const focusKey = document.activeElement?.dataset?.key;
  const pending = S.orders.filter((o) => o.status === 'pending');
  const done = S.orders.filter((o) => o.status !== 'pending').reverse().slice(0, LIST_LIMIT);
  const protection = S.snapshot?.executor?.pendingProtection ?? {};
  const none = disconnected ? 'Not connected.' : null;
  $('open-count').textContent = pending.length ? `(${pending.length})` : '';

  $('pane-open').replaceChildren(table([
    { label: 'Time', value: (o) => F.time(o.timestamp) },
    { label: 'Order', value: (o) => o.id },
    { label: 'Symbol', value: (o) => o.symbol },
    { label: 'Type', value: (o) => TYPE_LABEL[o.type] ?? o.type },
    { label: 'Side', value: (o) => o.side, cls: (o) => `side ${o.side}` },
    { label: 'Amount', num: true, value: (o) => F.qty(o.amount), exact: (o) => o.exact.amount },
    { label: 'Price', num: true, value: orderPrice },
    { label: 'On fill', value: (o) => {
      const pp = protection[o.id];
      if (!pp) return o.reduceOnly ? 'closes position' : '';
      const fp = fmtPrice(o.symbol);
      return [pp[0] && `SL ${fp(pp[0])}`, pp[1] && `TP ${fp(pp[1])}`].filter(Boolean).join(', ');
    } },
    { label: '', value: (o) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'ghost small';
      b.textContent = 'Cancel';
      b.dataset.key = `cancel:${o.id}`;
      b.setAttribute('aria-label', `Cancel order ${o.id}`);
      b.addEventListener('click', () => cancelOrder(o.id));
      return b;
    } },
  ], pending, none ?? 'No open orders. Limit orders and stop-loss / take-profit orders wait here.', 'cards'));

  $('pane-history').replaceChildren(historyNote(S.orders.length - pending.length), table([
    { label: 'Time', value: (o) => F.time(o.timestamp) },
    { label: 'Order', value: (o) => o.id, key: 'id' },
    { label: 'Symbol', value: (o) => o.symbol },
    { label: 'Type', value: (o) => (o.id.startsWith('liq-') ? 'Liquidation' : TYPE_LABEL[o.type] ?? o.type), key: 'type' },
    { label: 'Side', value: (o) => o.side, cls: (o) => `side ${o.side}` },
    { label: 'Amount', num: true, value: (o) => F.qty(o.amount), exact: (o) => o.exact.amount },
    { label: 'Price', num: true, value: orderPrice },
    { label: 'Filled at', num: true, value: (o) => (o.filledPrice === null ? '–' : fmtPrice(o.symbol)(o.filledPrice)), exact: (o) => o.exact.filledPrice, key: 'filledPrice' },
    { label: 'Fee', num: true, value: (o) => (o.fee === null ? '–' : F.money(o.fee)), exact: (o) => o.exact.fee, key: 'fee' },
    { label: 'Status', value: (o) => o.status, cls: (o) => `status-${o.status}`, key: 'status' },
    { label: 'Note', value: (o) => o.errorMessage ?? '' },
  ], done, none ?? 'No finished orders yet.'));

  $('pane-fills').replaceChildren(table([
    { label: 'Time', value: (f) => F.time(f.timestamp) },
    { label: 'Order', value: (f) => f.orderId, key: 'order' },
    { label: 'Symbol', value: (f) => f.symbol },
    { label: 'Side', value: (f) => f.side, cls: (f) => `side ${f.side}`, key: 'side' },
    { label: 'Price', num: true, value: (f) => fmtPrice(f.symbol)(f.price), exact: (f) => f.exact.price, key: 'price' },
    { label: 'Amount', num: true, value: (f) => F.qty(f.amount), exact: (f) => f.exact.amount, key: 'amount' },
    { label: 'Fee (USDT)', num: true, value: (f) => F.money(f.fee), exact: (f) => f.exact.fee, key: 'fee' },
    { label: 'Liquidity', value: (f) => f.liquidity },
  ], S.fills.slice().reverse().slice(0, LIST_LIMIT), none ?? 'No fills yet.'));

  const list = document.createElement('ol');
  list.className = 'activity';
  list.reversed = true;
  for (const ev of S.events.slice().reverse().slice(0, LIST_LIMIT)) {
    const li = document.createElement('li');
    const t = document.createElement('time');
    t.textContent = F.time(ev.timestamp);
    li.append(t, describeEvent(ev));
    list.append(li);
  }
  $('pane-activity').replaceChildren(S.events.length ? list : table([], [], none ?? 'Nothing has happened yet.'));

  if (focusKey) document.querySelector(`[data-key="${CSS.escape(focusKey)}"]`)?.focus();
}

function historyNote(total) {
  const p = document.createElement('p');
  p.className = 'hint';
  p.textContent = total > LIST_LIMIT ? `Showing the latest ${LIST_LIMIT} of ${total} orders (export the account for all of them).` : '';
  return p;
}

const chart = { view: null };

function renderChart() {
  if (!chart.view) return;
  const sym = S.selected;
  const f = S.feeds[sym];
  const fp = fmtPrice(sym);
  const lines = [];
  const p = positionOf(sym);
  if (p) {
    lines.push({ price: p.entryPrice, label: `Entry (${p.side})`, color: '#3b82f6' });
    if (p.stopLoss !== null) lines.push({ price: p.stopLoss, label: 'Stop-loss', color: '#f6465d', dash: [6, 4] });
    if (p.takeProfit !== null) lines.push({ price: p.takeProfit, label: 'Take-profit', color: '#2ebd85', dash: [6, 4] });
    if (p.liquidationPrice !== null) lines.push({ price: p.liquidationPrice, label: 'Liquidation', color: '#f0a020', dash: [2, 3] });
  }
  for (const o of S.orders) {
    if (o.symbol === sym && o.status === 'pending' && o.type === 'limit') {
      lines.push({ price: o.price, label: `${o.side === 'buy' ? 'Buy' : 'Sell'} limit ${F.qty(o.amount)}`, color: '#a78bfa', dash: [4, 4] });
    }
  }
  const candles = S.mode === 'paper' && f ? f.view(chart.view.capacity()) : [];
  chart.view.draw({ candles, lines, fmt: fp, empty: 'No prices yet' });
  $('chart').dataset.candles = String(candles.length);
  const last = f?.last;
  const parts = [`${sym} price chart. Last price ${fp(last)} USDT.`];
  if (p) parts.push(`Open ${p.side} ${F.qty(p.amount)} from ${fp(p.entryPrice)}; stop-loss ${fp(p.stopLoss)}; take-profit ${fp(p.takeProfit)}; liquidation ${fp(p.liquidationPrice)}.`);
  $('chart').setAttribute('aria-label', parts.join(' '));
}

function renderFeedStatus() {
  const f = S.feeds[S.selected];
  if (!f) {
    $('feed-status').textContent = '';
    return;
  }
  const k = f.view(1)[0];
  $('feed-status').dataset.last = String(f.last);
  const when = k ? F.utcTime(k.t) : '';
  const fp = fmtPrice(S.selected);
  if (f.source === 'replay') {
    const { done, total } = f.position;
    $('feed-status').textContent = f.ended
      ? `Historical replay finished (${F.num(total)} candles). Press Restart, or switch to simulated prices.`
      : `Historical replay (Binance, 5-minute candles) · candle ${F.num(done + 1)} of ${F.num(total)} · ${when} UTC · last ${fp(f.last)}`;
  } else {
    $('feed-status').textContent = `Simulated prices · seed ${f.seed} · volatility ${F.num(f.vol * 100, 0, 3)}% per candle · candle ${F.num(f.position.done + 1)} · ${when} (simulated time) · last ${fp(f.last)}`;
  }
}

// ---------------------------------------------------------------- ticket

const ticketFields = ['action', 'price', 'amount', 'leverage', 'stopLoss', 'takeProfit'];

function ticket() {
  const form = $('ticket');
  return {
    action: form.elements.action.value,
    orderType: form.elements.orderType.value,
    price: $('price').value.trim(),
    amount: $('amount').value.trim(),
    unit: $('amount-unit').value,
    leverage: Number($('leverage').value),
    stopLoss: $('stopLoss').value.trim(),
    takeProfit: $('takeProfit').value.trim(),
  };
}

/** Reference price of the ticket: the limit price when it is a number, else the last price. */
function ticketPrice(t) {
  const lp = Number(t.price);
  return t.orderType === 'limit' && t.price !== '' && Number.isFinite(lp) && lp > 0 ? lp : lastPrice(S.selected);
}

/** The amount the engine will get, as text: typed, or sized from a % of balance/position. */
function ticketAmount(t) {
  if (t.unit !== 'pct') return t.amount;
  const pct = Number(t.amount);
  if (t.amount === '' || !Number.isFinite(pct)) return t.amount;
  const sym = S.selected;
  const step = rulesOf(sym).stepSize;
  if (t.action === 'close') {
    const p = positionOf(sym);
    if (!p) return t.amount; // the engine answers NO_POSITION
    return pct === 100 ? p.exact.amount : F.floorToStep((p.amount * pct) / 100, step);
  }
  const price = ticketPrice(t);
  const bal = S.status?.balance ?? 0;
  return price ? F.floorToStep((bal * (pct / 100) * t.leverage) / price, step) : '0';
}

function clearTicketErrors() {
  for (const f of ticketFields) {
    $(`err-${f}`).textContent = '';
    $(f === 'action' ? 'act-long' : f)?.removeAttribute('aria-invalid');
  }
  $('ticket-error').textContent = '';
  $('ticket-error').removeAttribute('data-code');
}

function showTicketError(err) {
  const d = describeTicketError(err, { symbol: S.selected, action: ticket().action });
  const target = d.field ? $(`err-${d.field}`) : $('ticket-error');
  target.textContent = d.text;
  target.dataset.code = d.code;
  if (d.field && d.field !== 'action') {
    $(d.field).setAttribute('aria-invalid', 'true');
    $(d.field).focus();
  }
}

async function submitTicket(e) {
  e.preventDefault();
  const executor = ex();
  if (!executor) return;
  clearTicketErrors();
  $('ticket-result').textContent = '';
  const t = ticket();
  const sym = S.selected;
  const req = { action: t.action, symbol: sym, orderType: t.orderType, reason: 'order ticket' };
  const amount = ticketAmount(t);
  if (amount !== '') req.amount = amount;
  if (t.orderType === 'limit' && t.price !== '') req.entryPrice = t.price;
  if (t.action !== 'close') {
    req.leverage = t.leverage;
    if (t.stopLoss !== '') req.stopLoss = t.stopLoss;
    if (t.takeProfit !== '') req.takeProfit = t.takeProfit;
  }
  await run(async () => {
    try {
      const o = await executor.executeDecision(req);
      S.tablesDirty = true;
      const fp = fmtPrice(sym);
      const what = `${t.action === 'close' ? 'Close' : t.action === 'long' ? 'Long' : 'Short'} ${F.qty(o.amount)} ${F.base(sym)}`;
      if (o.status === 'failed') {
        showTicketError({ code: /insufficient balance/i.test(o.errorMessage ?? '') ? 'INSUFFICIENT_BALANCE' : 'ORDER_FAILED', message: o.errorMessage ?? 'order failed' });
      } else if (o.status === 'filled') {
        $('ticket-result').textContent = `${what} filled at ${fp(o.filledPrice)} · fee ${F.money(o.fee)} USDT`;
        if (t.action !== 'close') $('stopLoss').value = $('takeProfit').value = '';
        if (t.action === 'close') $('amount').value = $('amount-unit').value === 'pct' ? '100' : '';
      } else {
        $('ticket-result').textContent = `${what}: limit order ${o.id} waiting at ${fp(o.price)}`;
        $('stopLoss').value = $('takeProfit').value = '';
      }
    } catch (err) {
      if (!err?.code) throw err;
      showTicketError(err);
    }
    await settle();
  }).catch(fatal);
}

/** Leverage slider range from the settings; the open position's leverage when there is one. */
function syncTicketLimits() {
  const max = S.snapshot?.settings?.maxLeverage ?? 5;
  const lev = $('leverage');
  lev.max = String(max);
  if (Number(lev.value) > max) lev.value = String(max);
  const p = positionOf(S.selected);
  if (p) lev.value = String(Math.min(p.leverage, max));
  $('leverage-out').textContent = `${lev.value}x`;
}

function renderTicket() {
  const t = ticket();
  const sym = S.selected;
  const asset = F.base(sym);
  const closing = t.action === 'close';
  const p = positionOf(sym);
  const fp = fmtPrice(sym);
  $('submit').disabled = !ex() || !S.ready;
  $('price-field').hidden = t.orderType !== 'limit';
  $('leverage-field').hidden = closing;
  $('protection-fields').hidden = closing;
  const unit = $('amount-unit');
  unit.options[0].textContent = asset;
  unit.options[1].textContent = closing ? '% of position' : '% of balance';
  $('leverage-out').textContent = `${$('leverage').value}x`;
  $('leverage-hint').textContent = p && !closing
    ? `Your open ${sym} ${p.side} uses ${p.leverage}x. Maximum ${$('leverage').max}x (Settings).`
    : `1x to ${$('leverage').max}x (maximum set in Settings).`;

  const amount = ticketAmount(t);
  const q = Number(amount);
  const ref = ticketPrice(t);
  $('amount-hint').textContent = t.unit === 'pct'
    ? `= ${amount === '' ? '–' : amount} ${asset}${closing ? '' : ` (${t.amount || '–'}% of free balance × ${t.leverage}x at ${fp(ref)})`}`
    : closing && p ? `Position: ${F.qty(p.amount)} ${asset}` : '';

  const label = closing ? 'Close' : t.action === 'long' ? 'Buy / Long' : 'Sell / Short';
  const at = t.orderType === 'limit' ? ` limit ${t.price || '…'}` : ' at market';
  const live = S.mode === 'live' ? 'LIVE: ' : '';
  $('submit').textContent = `${live}${label} ${Number.isFinite(q) && q > 0 ? `${F.qty(q)} ${asset}` : ''}${at}`;
  $('submit').className = `submit ${t.action}`;

  // Display-only estimates (the engine decides): value, margin and fee by the engine's own
  // rules (estimateOrder), PnL at SL/TP.
  let est = null;
  if (Number.isFinite(q) && q > 0 && ref) {
    const side = closing ? (p?.side === 'short' ? 'buy' : 'sell') : t.action === 'short' ? 'sell' : 'buy';
    try {
      est = S.paper.estimateOrder({ side, orderType: t.orderType, amount, price: lastPrice(sym) ?? ref, limitPrice: t.orderType === 'limit' ? ref : null, leverage: t.leverage });
    } catch {
      est = null;
    }
  }
  if (est) {
    $('estimate').textContent = closing
      ? `Value ≈ ${F.money(est.notional)} USDT · fee ≈ ${F.money(est.fee)} USDT${p ? ` · PnL now ≈ ${F.money((p.unrealizedPnl * Math.min(q, p.amount)) / p.amount, true)} USDT` : ''}`
      : `Value ≈ ${F.money(est.notional)} USDT · margin ≈ ${F.money(est.margin)} USDT at ${t.leverage}x · fee ≈ ${F.money(est.fee)} USDT`;
  } else $('estimate').textContent = '';
  const dir = t.action === 'short' ? -1 : 1;
  for (const [id, hint] of [['stopLoss', 'sl-hint'], ['takeProfit', 'tp-hint']]) {
    const lvl = Number(t[id]);
    $(hint).textContent = t[id] !== '' && Number.isFinite(lvl) && ref && Number.isFinite(q) && q > 0
      ? `${F.num(((lvl - ref) / ref) * 100, 2, 2, true)}% from ${t.orderType === 'limit' ? 'limit' : 'last'} · PnL ≈ ${F.money(dir * (lvl - ref) * q, true)} USDT`
      : '';
  }
}

async function setProtection(sym, kind, input, errEl) {
  const executor = ex();
  if (!executor) return;
  errEl.textContent = '';
  input.removeAttribute('aria-invalid');
  const value = input.value.trim();
  await run(async () => {
    try {
      if (kind === 'stopLoss') await executor.updateStopLoss(sym, value);
      else await executor.updateTakeProfit(sym, value);
      delete input.dataset.dirty;
      S.tablesDirty = true;
      toast(`${kind === 'stopLoss' ? 'Stop-loss' : 'Take-profit'} for ${sym} set at ${fmtPrice(sym)(value)}`, 'good');
    } catch (err) {
      if (!err?.code) throw err;
      const d = describeTicketError(err, { symbol: sym });
      errEl.textContent = d.text;
      errEl.dataset.code = d.code;
      input.setAttribute('aria-invalid', 'true');
    }
    await settle();
  }).catch(fatal);
}

async function closePosition(sym) {
  const executor = ex();
  const p = positionOf(sym);
  if (!executor || !p) return;
  await run(async () => {
    try {
      const o = await executor.executeDecision({ action: 'close', symbol: sym, amount: p.exact.amount, orderType: 'market', reason: 'close button' });
      S.tablesDirty = true;
      if (o.status === 'filled') toast(`Closed ${sym} ${p.side} at ${fmtPrice(sym)(o.filledPrice)}`, 'good');
      else toast(`Could not close ${sym}: ${o.errorMessage ?? o.status}`, 'bad');
    } catch (err) {
      if (!err?.code) throw err;
      toast(`Could not close ${sym}: ${plain(err)}`, 'bad');
    }
    await settle();
  }).catch(fatal);
}

async function cancelOrder(id) {
  const executor = ex();
  if (!executor) return;
  await run(async () => {
    try {
      await executor.cancelOrder(id);
      S.tablesDirty = true;
      toast(`Order ${id} cancelled`);
    } catch (err) {
      if (!err?.code) throw err;
      toast(`Could not cancel ${id}: ${plain(err)}`, 'bad');
    }
    await settle();
  }).catch(fatal);
}

async function closeAll() {
  const executor = ex();
  const st = S.status;
  if (!executor || !st) return;
  const n = st.positionsCount;
  const m = st.openOrdersCount;
  const ok = await confirmDialog(
    'Close everything?',
    `Close ${n} position${n === 1 ? '' : 's'} at the market price and cancel ${m} open order${m === 1 ? '' : 's'}${S.mode === 'live' ? ' on your LIVE account' : ''}. This cannot be undone.`,
    'Close all',
  );
  if (!ok) return;
  await run(async () => {
    try {
      const closed = await executor.emergencyCloseAll();
      // emergencyCloseAll cancels the positions' stops and the entries waiting to attach
      // SL/TP; plain resting limit orders are cancelled here so "close all" leaves nothing.
      let cancelled = 0;
      for (const o of await executor.getOpenOrders()) {
        await executor.cancelOrder(o.id);
        cancelled += 1;
      }
      S.tablesDirty = true;
      toast(`Closed ${closed.length} position${closed.length === 1 ? '' : 's'}${cancelled ? `, cancelled ${cancelled} more order${cancelled === 1 ? '' : 's'}` : ''}.`, 'good');
    } catch (err) {
      if (!err?.code) throw err;
      toast(`Close all failed: ${plain(err)}`, 'bad');
    }
    await settle();
  }).catch(fatal);
}

// ---------------------------------------------------------------- settings, import/export

const SETTING_PCT = ['makerFee', 'takerFee', 'slippage', 'maxPositionSize', 'maxDailyLoss', 'maxDrawdown'];

function fillSettingsForm() {
  const s = S.snapshot?.settings;
  if (!s) return;
  $('set-initialBalance').value = s.initialBalance;
  $('set-maxLeverage').value = s.maxLeverage;
  for (const k of SETTING_PCT) $(`set-${k}`).value = s[k] == null ? '' : F.shiftDecimal(s[k], 2);
  for (const el of document.querySelectorAll('#settings .field-error')) el.textContent = '';
  $('settings-error').textContent = '';
}

function settingsFromForm() {
  const o = { defaultLeverage: 1 };
  const bal = $('set-initialBalance').value.trim();
  o.initialBalance = bal;
  const lev = $('set-maxLeverage').value.trim();
  o.maxLeverage = /^\d+$/.test(lev) ? Number(lev) : lev;
  for (const k of SETTING_PCT) {
    const v = $(`set-${k}`).value.trim();
    if (v === '' && (k === 'maxDailyLoss' || k === 'maxDrawdown')) continue;
    o[k] = F.shiftDecimal(v, -2) ?? v;
  }
  return o;
}

async function applySettings(e) {
  e.preventDefault();
  for (const el of document.querySelectorAll('#settings .field-error')) el.textContent = '';
  for (const el of document.querySelectorAll('#settings input')) el.removeAttribute('aria-invalid');
  $('settings-error').textContent = '';
  let fresh;
  try {
    fresh = newPaper(settingsFromForm()); // the engine validates; nothing is replaced yet
  } catch (err) {
    if (!err?.code) throw err;
    const d = describeSettingsError(err);
    if (d.field) {
      $(`serr-${d.field}`).textContent = d.text;
      $(`set-${d.field}`).setAttribute('aria-invalid', 'true');
      $(`set-${d.field}`).focus();
    } else $('settings-error').textContent = d.text;
    return;
  }
  if (!(await confirmDialog('Start a new account?', 'The new settings start a fresh paper account: your positions, orders and history will be discarded. Export the account first if you want to keep it.', 'Reset with new settings'))) return;
  await run(() => usePaper(fresh));
  toast('New paper account started with your settings.', 'good');
}

async function resetAccount() {
  if (!(await confirmDialog('Reset the account?', 'Your positions, orders and history will be discarded and the balance goes back to the initial balance. Settings stay as they are.', 'Reset account'))) return;
  await run(() => usePaper(newPaper(settingsOptions(S.snapshot.settings))));
  toast('Account reset.', 'good');
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function exportAccount() {
  if (!S.paper) return;
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '');
  download(`iftb-paper-account-${stamp}.json`, JSON.stringify(S.paper.snapshot(), null, 2));
}

async function importAccount(file) {
  $('data-error').textContent = '';
  let snap;
  let fresh;
  try {
    snap = JSON.parse(await file.text());
  } catch {
    $('data-error').textContent = `${file.name} is not a JSON file.`;
    return;
  }
  try {
    fresh = attach(OrderExecutor.restore(snap, { logger: null }));
  } catch (err) {
    if (!err?.code) throw err;
    $('data-error').textContent = `${file.name} cannot be imported: ${err.message} (${err.code}).`;
    $('data-error').dataset.code = err.code;
    return;
  }
  const st = await fresh.getAccountStatus();
  const ok = await confirmDialog('Replace the current account?', `Import ${file.name}: equity ${F.money(st.totalEquity)} USDT, ${st.positionsCount} position(s), ${st.openOrdersCount} open order(s). The current account is replaced (export it first to keep it). Its positions are marked at the current prices.`, 'Import');
  if (!ok) return;
  await run(() => usePaper(fresh));
  toast(`Imported ${file.name}.`, 'good');
}

// ---------------------------------------------------------------- symbol, feed controls, mode

function selectSymbol(sym) {
  run(async () => {
    if (S.selected !== sym && $('amount-unit').value === 'base') $('amount').value = DEFAULT_AMOUNT[sym] ?? '';
    S.selected = sym;
    $('symbol').value = sym;
    ensureFeed(sym);
    syncFeedControls();
    syncTicketLimits();
    clearTicketErrors();
    $('ticket-result').textContent = '';
    await settle();
  }).catch(fatal);
}

function syncFeedControls() {
  const sym = S.selected;
  const f = S.feeds[sym];
  $('source').querySelector('[value="replay"]').disabled = !hasReplay(sym) || !Object.keys(S.datasets).length;
  $('source').value = f?.source ?? 'sim';
  $('sim-options').hidden = $('source').value !== 'sim';
  if (f?.source === 'sim') {
    $('seed').value = f.seed;
    $('vol').value = F.num(f.vol * 100, 0, 4).replace(/,/g, '');
  }
  $('speed').value = String(S.speed);
  $('amount-unit').options[0].textContent = F.base(sym);
}

function setMode(mode) {
  S.mode = mode;
  document.body.dataset.mode = mode;
  try {
    sessionStorage.setItem(MODE_KEY, mode);
  } catch {
    // not essential
  }
  const live = mode === 'live';
  $(`mode-${mode}`).checked = true;
  $('mode-badge').textContent = live ? 'LIVE · real money' : 'PAPER · simulated money';
  for (const el of document.querySelectorAll('[data-mode-tag]')) el.textContent = live ? 'LIVE' : 'PAPER';
  $('live-banner').hidden = !live;
  $('live-panel').hidden = !live;
  $('market-panel').hidden = live;
  $('settings-panel').hidden = live;
  $('ticket-panel').hidden = live && !S.live;
  if (S.live) document.body.dataset.liveReady = '1';
  else delete document.body.dataset.liveReady;
  if (live) setPlaying(false);
  S.events = [];
  S.lastSeq = 0;
  S.orders = [];
  S.fills = [];
  S.tablesDirty = true;
  document.title = `${live ? 'LIVE' : 'Paper'} · iftb-executor trading simulator`;
  run(refresh).catch(live ? liveFail : fatal);
  // Live: the exchange moves prices, fills and triggers; poll the account so positions and
  // PnL stay current (the executor caches briefly, so this costs at most a few requests).
  clearInterval(S.livePoll);
  S.livePoll = live && S.live ? setInterval(() => {
    if (document.visibilityState !== 'hidden') run(refresh).catch(liveFail);
  }, LIVE_POLL_MS) : null;
}

// ---------------------------------------------------------------- start-up

/** A live-account call failed (exchange or proxy): say so in the live panel, keep going. */
function liveFail(err) {
  $('live-error').textContent = `The live account could not be read: ${err?.message ?? err}`;
  $('live-error').dataset.code = err?.code ?? '';
}

function fatal(err) {
  console.error(err);
  setPlaying(false);
  banner(`Something went wrong: ${err?.message ?? err}. Your account was saved after the last change; reload the page.`);
}

async function loadDatasets() {
  for (const [name, d] of Object.entries(DATASETS)) {
    try {
      const res = await fetch(d.url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      S.datasets[name] = parseCandles(await res.text());
    } catch (err) {
      banner(`The historical prices (${d.url}) could not be loaded (${err.message}); simulated prices are used instead.`);
    }
  }
}

function restoreOrStart() {
  const { data, error, raw } = store.load();
  if (data) {
    try {
      S.paper = attach(OrderExecutor.restore(data.snapshot, { logger: null }));
      const m = data.market ?? {};
      S.speed = Number(m.speed) || 2;
      for (const [sym, st] of Object.entries(m.feeds ?? {})) {
        try {
          S.feeds[sym] = feedFromState(sym, st, S.datasets);
        } catch {
          S.feeds[sym] = makeFeed(sym, 'sim', { seed: seedFor(sym) });
          S.paper.updatePrice(sym, S.feeds[sym].last);
        }
      }
      S.selected = SYMBOLS.includes(m.selected) ? m.selected : 'BTC/USDT';
      return 'restored';
    } catch (err) {
      S.saveBlocked = true;
      banner(`Your saved account could not be restored: ${err.message} (${err.code ?? 'error'}). It is kept untouched until you decide.`, [
        ['Download the saved data', () => download('iftb-page-saved-state.json', JSON.stringify(data, null, 2))],
        ['Start a new account (discard it)', () => { store.clear(); location.reload(); }],
      ]);
    }
  } else if (error) {
    S.saveBlocked = raw !== undefined;
    banner(`Saved data could not be read: ${error.message}.`, raw !== undefined
      ? [['Download it', () => download('iftb-page-saved-state.json', raw)], ['Start a new account (discard it)', () => { store.clear(); location.reload(); }]]
      : []);
  }
  S.paper = newPaper({});
  S.feeds = {};
  return 'new';
}

function wire() {
  for (const sym of SYMBOLS) $('symbol').add(new Option(sym, sym));
  $('symbol').addEventListener('change', () => selectSymbol($('symbol').value));
  $('source').addEventListener('change', () => restartFeed($('source').value).catch(fatal));
  $('restart-feed').addEventListener('click', () => restartFeed($('source').value).catch(fatal));
  for (const id of ['seed', 'vol']) {
    $(id).addEventListener('keydown', (e) => {
      if (e.key === 'Enter') restartFeed('sim').catch(fatal);
    });
  }
  $('play').addEventListener('click', () => setPlaying(!S.playing));
  $('step').addEventListener('click', () => stepCandle().catch(fatal));
  $('speed').addEventListener('change', () => {
    S.speed = Number($('speed').value);
    persist(true);
  });

  $('ticket').addEventListener('submit', submitTicket);
  $('ticket').addEventListener('input', (e) => {
    if (e.target.name === 'action' && e.target.value === 'close') {
      const p = positionOf(S.selected);
      $('amount').value = $('amount-unit').value === 'pct' ? '100' : p ? p.exact.amount : $('amount').value;
    }
    if (e.target.name === 'action' || e.target.name === 'orderType') clearTicketErrors();
    renderTicket();
  });
  $('amount-unit').addEventListener('change', () => {
    $('amount').value = $('amount-unit').value === 'pct' ? (ticket().action === 'close' ? '100' : '10') : '';
    renderTicket();
  });
  $('price-last').addEventListener('click', () => {
    const last = lastPrice(S.selected);
    if (last !== null) $('price').value = String(last);
    renderTicket();
  });
  $('close-all').addEventListener('click', () => closeAll().catch(fatal));

  // Tabs: arrows / Home / End move between them (automatic activation).
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const select = (tab) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')).hidden = !on;
    }
  };
  tabs.forEach((t, i) => {
    t.addEventListener('click', () => select(t));
    t.addEventListener('keydown', (e) => {
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      const next = tabs[(to + tabs.length) % tabs.length];
      select(next);
      next.focus();
    });
  });

  $('settings').addEventListener('submit', (e) => applySettings(e).catch(fatal));
  $('reset-account').addEventListener('click', () => resetAccount().catch(fatal));
  $('reset-limits').addEventListener('click', () => run(async () => {
    await S.paper.resetLossLimits();
    await settle();
    toast('Loss limits reset.');
  }).catch(fatal));
  $('export').addEventListener('click', exportAccount);
  $('import').addEventListener('click', () => $('import-file').click());
  $('import-file').addEventListener('change', () => {
    const file = $('import-file').files[0];
    $('import-file').value = '';
    if (file) importAccount(file).catch(fatal);
  });

  for (const input of document.querySelectorAll('input[name="mode"]')) {
    input.addEventListener('change', () => setMode(input.value));
  }
  S.liveCtl = initLivePanel({
    form: $('live-form'), url: $('live-url'), token: $('live-token'), connect: $('live-connect'),
    disconnect: $('live-disconnect'), forget: $('live-forget'), status: $('live-status'), error: $('live-error'),
  }, {
    OrderExecutor,
    onExecutor: (executor) => {
      S.live = executor;
      if (executor) attach(executor);
      setMode(S.mode);
    },
  });

  new ResizeObserver(() => renderChart()).observe($('chart'));
  const flush = () => persist(true);
  addEventListener('pagehide', flush);
  document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && flush());
}

async function main() {
  await init();
  $('version').textContent = `iftb-executor ${version()}`;
  chart.view = new CandleChart($('chart'));
  wire();
  await loadDatasets();
  const how = restoreOrStart();
  S.snapshot = S.paper.snapshot();
  ensureFeed(S.selected);
  $('symbol').value = S.selected;
  syncFeedControls();
  fillSettingsForm();
  await refresh();
  syncTicketLimits();
  S.ready = true;
  let mode = 'paper';
  try {
    mode = sessionStorage.getItem(MODE_KEY) === 'live' ? 'live' : 'paper';
  } catch {
    // paper
  }
  setMode(mode);
  persist(true);
  $('status').textContent = how === 'restored' ? 'Ready · account restored' : 'Ready · new paper account';
  document.body.dataset.ready = '1';
}

main().catch((err) => {
  $('status').textContent = 'failed to start';
  banner(`The simulator could not start: ${err?.message ?? err}`);
  console.error(err);
});

