// Trading actions outside the ticket: move or remove a position's stop-loss / take-profit,
// close a position, cancel or move a resting order, close everything.
import { describeTicketError, plain } from './errors.js';
import { S, ex, fmtPrice, positionOf, run } from './state.js';
import { settle } from './refresh.js';
import { confirmDialog, toast } from './ui.js';

const LABEL = { stopLoss: 'Stop-loss', takeProfit: 'Take-profit' };

/**
 * Set (a price as text) or remove (null) a position's stop-loss or take-profit. `row`, when
 * given ({ input, err }), shows a refusal next to the input. Resolves true when the engine
 * accepted it.
 */
export async function setProtection(sym, kind, value, row = null) {
  const executor = ex();
  if (!executor) return false;
  if (row) {
    row.err.textContent = '';
    row.input.removeAttribute('aria-invalid');
  }
  let ok = false;
  await run(async () => {
    try {
      if (kind === 'stopLoss') await executor.updateStopLoss(sym, value);
      else await executor.updateTakeProfit(sym, value);
      if (row) delete row.input.dataset.dirty;
      S.tablesDirty = true;
      ok = true;
      toast(value === null ? `${LABEL[kind]} for ${sym} removed` : `${LABEL[kind]} for ${sym} set at ${fmtPrice(sym)(value)}`, 'good');
    } catch (err) {
      if (!err?.code) throw err;
      const d = describeTicketError(err, { symbol: sym });
      if (row) {
        row.err.textContent = d.text;
        row.err.dataset.code = d.code;
        row.input.setAttribute('aria-invalid', 'true');
      } else toast(`${LABEL[kind]} not moved: ${d.text}`, 'bad');
    }
    await settle();
  }).catch(S.fatal);
  return ok;
}

export async function closePosition(sym) {
  const executor = ex();
  const p = positionOf(sym);
  if (!executor || !p) return;
  await run(async () => {
    try {
      const o = await executor.executeDecision({ action: 'close', symbol: sym, amount: p.exact.amount, orderType: 'market', reason: 'close button' });
      S.tablesDirty = true;
      // Paper: the closed trade's toast (net of fees) follows from the engine's events.
      if (o.status === 'filled' && S.mode !== 'paper') toast(`Closed ${sym} ${p.side} at ${fmtPrice(sym)(o.filledPrice)}`, 'good');
      else if (o.status !== 'filled') toast(`Could not close ${sym}: ${o.errorMessage ?? o.status}`, 'bad');
    } catch (err) {
      if (!err?.code) throw err;
      toast(`Could not close ${sym}: ${plain(err)}`, 'bad');
    }
    await settle();
  }).catch(S.fatal);
}

export async function cancelOrder(id) {
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
  }).catch(S.fatal);
}

/**
 * Move a resting limit order to a new price (a dragged line): it is cancelled and placed
 * again with its amount, leverage and the stop-loss / take-profit waiting for its fill. When
 * the engine refuses the new price, the order is placed again at its old price.
 */
export async function moveOrder(id, price) {
  const executor = ex();
  const o = S.orders.find((x) => x.id === id && x.status === 'pending');
  if (!executor || !o || o.type !== 'limit') return false;
  const [sl, tp] = S.snapshot?.executor?.pendingProtection?.[id] ?? [];
  const req = {
    action: o.reduceOnly ? 'close' : o.side === 'buy' ? 'long' : 'short',
    symbol: o.symbol, amount: o.exact.amount, orderType: 'limit', entryPrice: String(price), leverage: o.leverage, reason: 'moved on the chart',
  };
  if (sl) req.stopLoss = sl;
  if (tp) req.takeProfit = tp;
  let ok = false;
  await run(async () => {
    try {
      await executor.cancelOrder(id);
      const placed = await executor.executeDecision(req);
      ok = placed.status === 'pending' || placed.status === 'filled';
      toast(ok ? `Limit order moved to ${fmtPrice(o.symbol)(price)}${placed.status === 'filled' ? ' (it crossed the market and filled)' : ''}` : `The moved order failed: ${placed.errorMessage}`, ok ? 'good' : 'bad');
    } catch (err) {
      if (!err?.code) throw err;
      const back = await executor.executeDecision({ ...req, entryPrice: o.exact.price, reason: 'order ticket' }).catch(() => null);
      toast(`Order not moved: ${plain(err)}${back?.status === 'pending' ? ' It stays at its old price.' : ' It was cancelled; place it again from the ticket.'}`, 'bad');
    }
    S.tablesDirty = true;
    await settle();
  }).catch(S.fatal);
  return ok;
}

export async function closeAll() {
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
  }).catch(S.fatal);
}

