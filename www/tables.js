// Open positions (with stop-loss / take-profit editing), open orders, order history, fills,
// closed trades and the activity log. Times are market time (UTC), as on the chart.
import { book, tradeColumns } from './analytics.js';
import { cancelOrder, closePosition, setProtection } from './actions.js';
import * as F from './fmt.js';
import { $, LIST_LIMIT, S, ex, fmtPrice } from './state.js';
import { keepFocus, markOverflow, table } from './ui.js';

/** "takeProfit" → "take-profit", "positionClosed" → "position closed". */
const words = (code) => ({ takeProfit: 'take-profit', stopLoss: 'stop-loss', order: 'by order' })[code]
  ?? String(code).replace(/([A-Z])/g, ' $1').toLowerCase();

export function describeEvent(ev) {
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
    case 'positionReduced': return `${sym} ${ev.side} reduced to ${a}, realized ${F.money(ev.realizedPnl, true)} USDT before fees`;
    case 'positionClosed': return `${sym} ${ev.side} closed (${words(ev.reason)}), realized ${F.money(ev.realizedPnl, true)} USDT before fees`;
    case 'positionLiquidated': return `${sym} ${ev.side} LIQUIDATED at ${fp(ev.price)}, realized ${F.money(ev.realizedPnl, true)} USDT`;
    case 'stopLossTriggered': return `${sym} stop-loss triggered at ${fp(ev.price)}`;
    case 'takeProfitTriggered': return `${sym} take-profit triggered at ${fp(ev.price)}`;
    default: return `${ev.type} ${sym}`;
  }
}

// ------------------------------------------------------------------ positions

/** Keyed rows: numbers update in place, and a stop-loss being typed is never overwritten. */
const rows = new Map();

const KIND_LABEL = { stopLoss: 'stop-loss', takeProfit: 'take-profit' };

function protectionCell(r, sym, kind, cell) {
  const label = KIND_LABEL[kind];
  const td = cell('wide');
  td.dataset.label = kind === 'stopLoss' ? 'Stop-loss' : 'Take-profit';
  const form = document.createElement('form');
  form.className = 'edit';
  const input = document.createElement('input');
  input.inputMode = 'decimal';
  input.autocomplete = 'off';
  input.name = kind;
  input.dataset.key = `${sym}:${kind}`;
  input.setAttribute('aria-label', `${label[0].toUpperCase()}${label.slice(1)} for ${sym}`);
  const errId = `err-${kind}-${sym.replace('/', '-')}`;
  input.setAttribute('aria-describedby', errId);
  const set = document.createElement('button');
  set.className = 'ghost small';
  set.textContent = 'Set';
  set.dataset.key = `${sym}:${kind}:set`;
  set.setAttribute('aria-label', `Set ${label} for ${sym}`);
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'ghost small remove';
  remove.textContent = '×';
  remove.dataset.key = `${sym}:${kind}:remove`;
  remove.setAttribute('aria-label', `Remove the ${label} of ${sym}`);
  remove.title = `Remove the ${label}`;
  const err = document.createElement('span');
  err.className = 'row-error';
  err.id = errId;
  err.setAttribute('role', 'alert');
  form.append(input, set, remove);
  td.append(form, err);
  input.addEventListener('input', () => {
    input.dataset.dirty = '1';
  });
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
    // An empty box removes the level.
    setProtection(sym, kind, input.value.trim() === '' ? null : input.value.trim(), { input, err });
  });
  remove.addEventListener('click', () => setProtection(sym, kind, null, { input, err }));
  r[kind] = input;
  r[`${kind}Remove`] = remove;
}

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
  symBtn.addEventListener('click', () => S.selectSymbol(sym));
  symTd.append(symBtn);
  const r = {
    tr, side: cell('side'), size: cell('num'), entry: cell('num'), mark: cell('num'), pnl: cell('num'),
    liq: cell('num'), margin: cell('num'),
  };
  const labels = { side: 'Side', size: 'Size', entry: 'Entry', mark: 'Mark', pnl: 'Unrealized PnL', liq: 'Liq. price', margin: 'Margin' };
  for (const [k, label] of Object.entries(labels)) r[k].dataset.label = label;
  protectionCell(r, sym, 'stopLoss', cell);
  protectionCell(r, sym, 'takeProfit', cell);
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

export function renderPositions(positions) {
  const prev = document.activeElement;
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
      r[`${kind}Remove`].hidden = p[kind] === null;
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
  // A closed position's row took the focus with it: keep it in the panel.
  keepFocus(prev, ['#positions button[aria-label^="Close"]', '#positions-h']);
}

// ------------------------------------------------------------------ tables

const TYPE_LABEL = { market: 'Market', limit: 'Limit', stop_loss: 'Stop-loss', take_profit: 'Take-profit' };

function orderPrice(o) {
  const fp = fmtPrice(o.symbol);
  if (o.type === 'stop_loss' || o.type === 'take_profit') return `trigger ${fp(o.stopPrice)}`;
  return o.price !== null ? fp(o.price) : 'market';
}

function historyNote(total) {
  const p = document.createElement('p');
  p.className = 'hint';
  p.textContent = total > LIST_LIMIT ? `Showing the latest ${LIST_LIMIT} of ${total} orders (export the account for all of them).` : '';
  return p;
}

export function renderTables(disconnected = false) {
  // Keep keyboard focus on the same control across a re-render.
  const prev = document.activeElement;
  const focusKey = prev?.dataset?.key;
  const pending = S.orders.filter((o) => o.status === 'pending');
  const done = S.orders.filter((o) => o.status !== 'pending').reverse().slice(0, LIST_LIMIT);
  const protection = S.snapshot?.executor?.pendingProtection ?? {};
  const none = disconnected ? 'Not connected.' : null;
  $('open-count').textContent = pending.length ? `(${pending.length})` : '';

  $('pane-open').replaceChildren(table([
    { label: 'Time (UTC)', value: (o) => F.time(o.timestamp) },
    { label: 'Order', value: (o) => o.id },
    { label: 'Symbol', value: (o) => o.symbol },
    { label: 'Type', value: (o) => TYPE_LABEL[o.type] ?? o.type },
    { label: 'Side', value: (o) => o.side, cls: (o) => `side ${o.side}` },
    { label: 'Amount', num: true, value: (o) => F.qty(o.amount), exact: (o) => o.exact.amount },
    { label: 'Price', num: true, value: orderPrice },
    { label: 'Holds', num: true, value: (o) => (o.reserved ? `${F.money(o.reserved)} USDT` : '–'), exact: (o) => o.exact.reserved, key: 'reserved' },
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
    { label: 'Time (UTC)', value: (o) => F.time(o.timestamp) },
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
    { label: 'Time (UTC)', value: (f) => F.time(f.timestamp), key: 'time' },
    { label: 'Order', value: (f) => f.orderId, key: 'order' },
    { label: 'Symbol', value: (f) => f.symbol },
    { label: 'Side', value: (f) => f.side, cls: (f) => `side ${f.side}`, key: 'side' },
    { label: 'Price', num: true, value: (f) => fmtPrice(f.symbol)(f.price), exact: (f) => f.exact.price, key: 'price' },
    { label: 'Amount', num: true, value: (f) => F.qty(f.amount), exact: (f) => f.exact.amount, key: 'amount' },
    { label: 'Fee (USDT)', num: true, value: (f) => F.money(f.fee), exact: (f) => f.exact.fee, key: 'fee' },
    { label: 'Liquidity', value: (f) => f.liquidity },
  ], S.fills.slice().reverse().slice(0, LIST_LIMIT), none ?? 'No fills yet.'));

  const trades = S.mode === 'paper' ? book.current.trades : [];
  $('trades-count').textContent = trades.length ? `(${trades.length})` : '';
  $('pane-trades').replaceChildren(table(tradeColumns(), trades.slice().reverse().slice(0, LIST_LIMIT),
    none ?? 'No closed trades yet. A trade is counted when its position is closed; PnL is net of fees.'));

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

  for (const id of ['pane-open', 'pane-history', 'pane-fills', 'pane-trades', 'pane-activity']) markOverflow($(id));
  if (focusKey) document.querySelector(`[data-key="${CSS.escape(focusKey)}"]`)?.focus();
  keepFocus(prev, ['#pane-open button[aria-label^="Cancel"]', '#tab-open']);
}
