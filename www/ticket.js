// The order ticket. It says what the order will do before it is sent: the engine runs it on a
// copy of the account (OrderExecutor.previewDecision) and the ticket shows the result: opens,
// increases, reduces, closes or flips the position; the fill price, maker or taker fee and
// margin; a refusal. Sizing: an amount, a percentage of the most the engine accepts (risk
// limit and free balance), or the risk to the stop-loss as a percentage of equity.
import { describeTicketError } from './errors.js';
import { decimalsOf } from './feed.js';
import * as F from './fmt.js';
import { $, DEFAULT_AMOUNT, S, ex, fmtPrice, lastPrice, positionOf, rulesOf, run } from './state.js';
import { settle } from './refresh.js';
import { confirmDialog } from './ui.js';

const FIELDS = ['action', 'price', 'amount', 'leverage', 'stopLoss', 'takeProfit'];
/** Codes meaning "too big" when searching the largest accepted amount. */
const TOO_BIG = new Set(['POSITION_SIZE_EXCEEDED', 'AMOUNT_ABOVE_MAXIMUM', 'NOTIONAL_ABOVE_MAXIMUM', 'INSUFFICIENT_BALANCE']);
const PREVIEW_MS = 250;
const MAX_MS = 2000;

const T = { preview: null, max: null };

export function ticket() {
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

const stepOf = () => rulesOf(S.selected).stepSize;
const fromSteps = (k, step) => (k * Number(step)).toFixed(decimalsOf(step));

/** The amount the engine will get, as text: typed, or sized from a percentage. */
export function ticketAmount(t) {
  const sym = S.selected;
  const step = stepOf();
  const pct = Number(t.amount);
  if (t.unit === 'base' || t.amount === '' || !Number.isFinite(pct)) return t.amount;
  if (t.action === 'close') {
    const p = positionOf(sym);
    if (!p) return t.amount; // the engine answers NO_POSITION
    return pct >= 100 ? p.exact.amount : F.floorToStep((p.amount * pct) / 100, step);
  }
  if (t.unit === 'pct' && S.mode === 'live') {
    // Live: no engine preview; a share of the free balance at this leverage and price.
    const price = ticketPrice(t);
    return price ? F.floorToStep(((S.status?.balance ?? 0) * (pct / 100) * t.leverage) / price, step) : '0';
  }
  if (t.unit === 'pct') return T.max === null ? '' : F.floorToStep((T.max * Math.min(pct, 100)) / 100, step);
  // Risk: lose `pct` % of equity if the stop-loss is hit (before fees).
  const sl = Number(t.stopLoss);
  const ref = ticketPrice(t);
  const equity = S.status?.totalEquity;
  if (t.stopLoss === '' || !(sl > 0) || !ref || !equity || sl === ref) return '';
  const amount = F.floorToStep((equity * pct) / 100 / Math.abs(ref - sl), step);
  return T.max !== null && Number(amount) > T.max ? F.floorToStep(T.max, step) : amount;
}

/** The ExecutionRequest the ticket sends. */
function request(t) {
  const req = { action: t.action, symbol: S.selected, orderType: t.orderType, reason: 'order ticket' };
  const amount = ticketAmount(t);
  if (amount !== '') req.amount = amount;
  if (t.orderType === 'limit' && t.price !== '') req.entryPrice = t.price;
  if (t.action !== 'close') {
    req.leverage = t.leverage;
    if (t.stopLoss !== '') req.stopLoss = t.stopLoss;
    if (t.takeProfit !== '') req.takeProfit = t.takeProfit;
  }
  return req;
}

// ------------------------------------------------------------------ engine previews

const canPreview = () => S.mode === 'paper' && S.paper && S.ready;

function preview(req) {
  try {
    return { result: S.paper.previewDecision(req) };
  } catch (err) {
    if (!err?.code) throw err;
    return { error: err };
  }
}

/**
 * Is a cached answer still good? A new key (the request, or the account changed) is answered
 * at once; a moved price at most every `ms`, with one more render scheduled for the last move.
 */
function stale(slot, key, ms, force) {
  const now = performance.now();
  const price = lastPrice(S.selected);
  if (force || key !== T[`${slot}Key`]) return true;
  if (price === T[`${slot}Price`]) return false;
  if (now - T[`${slot}At`] >= ms) return true;
  clearTimeout(T[`${slot}Timer`]);
  T[`${slot}Timer`] = setTimeout(() => renderTicket(), ms - (now - T[`${slot}At`]));
  return false;
}

function mark(slot, key) {
  T[`${slot}Key`] = key;
  T[`${slot}At`] = performance.now();
  T[`${slot}Price`] = lastPrice(S.selected);
}

/** Refresh the preview of the ticket's order. */
function updatePreview(t, force) {
  if (!canPreview()) {
    T.preview = null;
    return;
  }
  const req = request(t);
  const key = `${JSON.stringify(req)}|${S.lastSeq}`;
  if (!stale('preview', key, PREVIEW_MS, force)) return;
  mark('preview', key);
  T.preview = req.amount === undefined ? null : preview(req);
}

/** The largest amount (on the step grid) the engine accepts for this side, type and leverage. */
function updateMax(t, force) {
  if (!canPreview() || t.action === 'close') {
    T.max = null;
    return;
  }
  const ref = ticketPrice(t);
  const key = JSON.stringify([S.selected, t.action, t.orderType, t.price, t.leverage, S.lastSeq]);
  if (!ref || !stale('max', key, MAX_MS, force)) return;
  mark('max', key);
  const step = stepOf();
  const base = { action: t.action, symbol: S.selected, orderType: t.orderType, leverage: t.leverage, reason: 'size check' };
  if (t.orderType === 'limit') base.entryPrice = t.price;
  const tooBig = (k) => {
    const r = preview({ ...base, amount: fromSteps(k, step) });
    if (r.error) return TOO_BIG.has(r.error.code);
    return r.result.order.status === 'failed';
  };
  const p = positionOf(S.selected);
  const equity = S.status?.totalEquity ?? 0;
  let hi = Math.ceil(((equity * t.leverage) / ref + (p?.amount ?? 0)) / Number(step)) + 1;
  let lo = 0;
  if (!tooBig(hi)) lo = hi;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (tooBig(mid)) hi = mid;
    else lo = mid;
  }
  T.max = Number(fromSteps(lo, step));
}

/** What the order does to the position, in words, from the engine's preview. */
function describeIntent(t, pv) {
  const sym = S.selected;
  const asset = F.base(sym);
  const q = (x) => `${F.qty(x)} ${asset}`;
  const p = positionOf(sym);
  const r = pv.result;
  if (r.order.status === 'failed') return { text: `Would be refused: ${r.order.errorMessage}.`, kind: 'bad', effect: 'refused' };
  const after = r.position;
  const when = r.rests ? `Rests at ${fmtPrice(sym)(r.order.price)}; when it fills, it ` : 'It ';
  let effect;
  let text;
  if (!p && after) [effect, text] = ['open', `opens a ${after.side} of ${q(after.amount)}.`];
  else if (p && !after) [effect, text] = ['close', `closes your ${p.side} of ${q(p.amount)}.`];
  else if (p && after && after.side !== p.side) [effect, text] = ['flip', `flips your ${p.side} of ${q(p.amount)} into a ${after.side} of ${q(after.amount)}.`];
  else if (p && after && after.amount > p.amount) [effect, text] = ['increase', `increases your ${p.side} from ${q(p.amount)} to ${q(after.amount)}.`];
  else if (p && after && after.amount < p.amount) [effect, text] = ['reduce', `reduces your ${p.side} from ${q(p.amount)} to ${q(after.amount)}.`];
  else [effect, text] = ['none', 'leaves the position as it is.'];
  const against = p && t.action !== 'close' && (t.action === 'long') !== (p.side === 'long');
  return { text: `${when}${text}`, kind: against ? 'warn' : '', effect };
}

/** Typed stop-loss / take-profit the order would not set (it only reduces or closes). */
function droppedProtection(t, intent) {
  if (t.action === 'close' || !intent) return [];
  if (!['reduce', 'close'].includes(intent.effect)) return [];
  return [t.stopLoss !== '' && 'stop-loss', t.takeProfit !== '' && 'take-profit'].filter(Boolean);
}

// ------------------------------------------------------------------ rendering

export function clearTicketErrors() {
  for (const f of FIELDS) {
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

/** Leverage slider range from the settings; the open position's leverage when there is one. */
export function syncTicketLimits() {
  const max = S.snapshot?.settings?.maxLeverage ?? 5;
  const lev = $('leverage');
  lev.max = String(max);
  if (Number(lev.value) > max) lev.value = String(max);
  const p = positionOf(S.selected);
  if (p) lev.value = String(Math.min(p.leverage, max));
  $('leverage-out').textContent = `${lev.value}x`;
}

/** A new symbol: a fresh ticket (side, type, amount, levels and messages), as for a first order. */
export function resetTicketFor(sym) {
  $('act-long').checked = true;
  $('type-market').checked = true;
  $('price').value = '';
  $('stopLoss').value = '';
  $('takeProfit').value = '';
  if ($('amount-unit').value === 'base') $('amount').value = DEFAULT_AMOUNT[sym] ?? '';
  clearTicketErrors();
  $('ticket-result').textContent = '';
  T.previewKey = T.maxKey = '';
}

export function renderTicket(force = false) {
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
  unit.options[1].textContent = closing ? '% of position' : S.mode === 'live' ? '% of balance' : '% of max';
  unit.options[2].hidden = closing;
  unit.options[2].disabled = closing;
  if (closing && unit.value === 'risk') unit.value = 'pct';
  $('size-pct-field').hidden = t.unit !== 'pct';
  if (t.unit === 'pct' && document.activeElement !== $('size-pct')) $('size-pct').value = String(Math.min(100, Number(t.amount) || 0));
  $('leverage-out').textContent = `${$('leverage').value}x`;
  $('leverage-hint').textContent = p && !closing
    ? `Your open ${sym} ${p.side} uses ${p.leverage}x. Maximum ${$('leverage').max}x (Settings).`
    : `1x to ${$('leverage').max}x (maximum set in Settings).`;

  updateMax(t, force);
  updatePreview(t, force);
  const amount = ticketAmount(t);
  const q = Number(amount);
  const ref = ticketPrice(t);
  const maxText = T.max === null ? '' : `the most you can open now is ${F.qty(T.max)} ${asset} (risk limit and free balance, at ${t.leverage}x)`;
  let hint = '';
  if (t.unit === 'pct' && closing) hint = `= ${amount || '–'} ${asset} of your position`;
  else if (t.unit === 'pct' && S.mode === 'live') hint = `= ${amount || '–'} ${asset} (${t.amount || '–'}% of free balance × ${t.leverage}x at ${fp(ref)})`;
  else if (t.unit === 'pct') hint = `= ${amount || '–'} ${asset}: ${t.amount || '–'}% of ${maxText || 'the most you can open'}`;
  else if (t.unit === 'risk') {
    const loss = q > 0 && ref ? q * Math.abs(ref - Number(t.stopLoss)) : null;
    const capped = T.max !== null && q >= T.max && loss !== null && loss < ((S.status?.totalEquity ?? 0) * (Number(t.amount) || 0)) / 100 * 0.999;
    hint = t.stopLoss === ''
      ? 'Enter a stop-loss: the amount is sized so that reaching it loses this % of equity.'
      : `= ${amount || '–'} ${asset}: about ${F.money(loss)} USDT lost at the stop-loss, before fees${capped ? ` (capped at the most you can open, ${F.qty(T.max)} ${asset})` : ` (${t.amount || '–'}% of equity)`}`;
  } else if (closing && p) hint = `Position: ${F.qty(p.amount)} ${asset}`;
  else if (maxText) hint = `Up to ${F.qty(T.max)} ${asset} now (risk limit and free balance at ${t.leverage}x).`;
  $('amount-hint').textContent = hint;
  $('ticket-panel').dataset.max = T.max === null ? '' : String(T.max);

  const label = closing ? 'Close' : t.action === 'long' ? 'Buy / Long' : 'Sell / Short';
  const at = t.orderType === 'limit' ? ` limit ${t.price || '…'}` : ' at market';
  const live = S.mode === 'live' ? 'LIVE: ' : '';
  $('submit').textContent = `${live}${label} ${Number.isFinite(q) && q > 0 ? `${F.qty(q)} ${asset}` : ''}${at}`;
  $('submit').className = `submit ${t.action}`;
  $('sheet-summary').textContent = `${label} ${Number.isFinite(q) && q > 0 ? `${F.qty(q)} ${asset}` : ''}`;

  // What it will do, from the engine.
  const pv = T.preview;
  const intent = pv?.result ? describeIntent(t, pv) : null;
  $('intent').textContent = intent?.text ?? (pv?.error ? `The engine would refuse this: ${describeTicketError(pv.error, { symbol: sym, action: t.action }).text}` : '');
  $('intent').dataset.effect = intent?.effect ?? (pv?.error ? 'refused' : '');
  $('intent').className = `intent ${intent?.kind ?? (pv?.error ? 'bad' : '')}`;
  const dropped = droppedProtection(t, intent);
  $('ticket-warn').textContent = dropped.length
    ? `This order only ${intent.effect === 'close' ? 'closes' : 'reduces'} your position, so the ${dropped.join(' and ')} you typed will NOT be set. Use Close instead, or set levels in Open positions.`
    : intent?.effect === 'flip' ? `Careful: this closes your ${p.side} and opens a ${pv.result.position.side}. The levels you typed go to the new ${pv.result.position.side}.` : '';
  $('ticket-warn').hidden = !$('ticket-warn').textContent;

  // Fill price, maker/taker fee and margin: the engine's numbers from the preview.
  const est = $('estimate');
  const r = pv?.result;
  if (r && r.order.status !== 'failed') {
    const fill = r.fills[0];
    const parts = [];
    if (r.rests) parts.push(`Holds ${F.money(r.order.reserved)} USDT while it rests`);
    if (fill) {
      parts.push(`${r.rests ? 'fills' : 'Fills'} ≈ ${fp(fill.price)} as ${fill.liquidity}${!r.rests && t.orderType === 'limit' ? ' (it crosses the market)' : ''}`);
      parts.push(`fee ${F.money(fill.fee)} USDT`);
    }
    if (r.position && !closing) parts.push(`position margin ${F.money(r.position.margin)} USDT`);
    est.textContent = parts.join(' · ');
    est.dataset.fee = fill?.exact?.fee ?? '';
    est.dataset.liquidity = fill?.liquidity ?? '';
  } else {
    est.textContent = '';
    est.dataset.fee = '';
    est.dataset.liquidity = '';
  }
  const dir = t.action === 'short' ? -1 : 1;
  for (const [id, hintId] of [['stopLoss', 'sl-hint'], ['takeProfit', 'tp-hint']]) {
    const lvl = Number(t[id]);
    $(hintId).textContent = t[id] !== '' && Number.isFinite(lvl) && ref && Number.isFinite(q) && q > 0
      ? `${F.num(((lvl - ref) / ref) * 100, 2, 2, true)}% from ${t.orderType === 'limit' ? 'limit' : 'last'} · PnL ≈ ${F.money(dir * (lvl - ref) * q, true)} USDT before fees`
      : '';
  }
}

/** The ticket's own levels (typed limit, stop-loss, take-profit) for the chart. */
export function ticketLines() {
  const t = ticket();
  const out = [];
  const add = (field, title, kind) => {
    const v = Number(t[field]);
    if (t[field] !== '' && Number.isFinite(v) && v > 0) out.push({ key: `ticket:${field}`, price: v, kind: 'ticket', title, draggable: true, field, ticketKind: kind });
  };
  if (t.orderType === 'limit') add('price', 'Ticket limit', 'price');
  if (t.action !== 'close') {
    add('stopLoss', 'Ticket SL', 'stopLoss');
    add('takeProfit', 'Ticket TP', 'takeProfit');
  }
  return out;
}

/** A ticket line was dragged: the ticket field takes the new price. */
export function setTicketField(field, price) {
  $(field).value = String(price);
  clearTicketErrors();
  renderTicket(true);
  return true;
}

// ------------------------------------------------------------------ submit

export async function submitTicket(e, { action } = {}) {
  e?.preventDefault();
  const executor = ex();
  if (!executor) return;
  if (action) {
    $(`act-${action}`).checked = true;
    renderTicket(true);
  }
  clearTicketErrors();
  $('ticket-result').textContent = '';
  const t = ticket();
  const sym = S.selected;
  renderTicket(true);
  const intent = T.preview?.result ? describeIntent(t, T.preview) : null;
  const dropped = droppedProtection(t, intent);
  if (dropped.length && !(await confirmDialog(
    `Send without the ${dropped.join(' and ')}?`,
    `${intent.text} The ${dropped.join(' and ')} you typed will not be set: an order that only reduces or closes a position does not change its levels.`,
    'Send anyway',
  ))) return;
  const req = request(t);
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
    T.previewKey = T.maxKey = '';
    await settle();
  }).catch(S.fatal);
}

export function wireTicket() {
  $('ticket').addEventListener('submit', (e) => submitTicket(e));
  $('ticket').addEventListener('input', (e) => {
    const name = e.target.name || e.target.id;
    if (name === 'action' && e.target.value === 'close') {
      const p = positionOf(S.selected);
      $('amount').value = $('amount-unit').value === 'pct' ? '100' : p ? p.exact.amount : $('amount').value;
    }
    if (name === 'size-pct') $('amount').value = e.target.value;
    if (name === 'action' || name === 'orderType') clearTicketErrors();
    // An old result does not describe the order being typed.
    $('ticket-result').textContent = '';
    renderTicket();
  });
  $('amount-unit').addEventListener('change', () => {
    const u = $('amount-unit').value;
    $('amount').value = u === 'pct' ? (ticket().action === 'close' ? '100' : '50') : u === 'risk' ? '1' : DEFAULT_AMOUNT[S.selected] ?? '';
    renderTicket(true);
  });
  $('price-last').addEventListener('click', () => {
    const last = lastPrice(S.selected);
    if (last !== null) $('price').value = String(last);
    renderTicket(true);
  });
  // Phones: the ticket is a bottom sheet.
  $('sheet-toggle').addEventListener('click', () => setSheet(!document.body.classList.contains('sheet-open')));
}

/** Open or fold the ticket's bottom sheet (phones). */
export function setSheet(open) {
  document.body.classList.toggle('sheet-open', open);
  $('sheet-toggle').setAttribute('aria-expanded', String(open));
  $('sheet-toggle').textContent = open ? 'Hide ticket' : 'Trade';
  if (open) $('act-long').focus({ preventScroll: true });
}
