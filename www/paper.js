// The paper account's life: a new OrderExecutor (settings, reset, import, reload), its clock
// (the market's replay time), and the events that become toasts and closed trades.
import { OrderExecutor } from 'iftb-executor/web';
import * as analytics from './analytics.js';
import * as F from './fmt.js';
import { marketNow } from './loop.js';
import { S, fmtPrice } from './state.js';
import { settle } from './refresh.js';
import { fillSettingsForm } from './settings.js';
import { syncTicketLimits } from './ticket.js';
import { toast } from './ui.js';

/** Executor options every paper account gets: no console logging, the market's clock. */
const PAGE_OPTIONS = { logger: null, clock: () => marketNow() };

function onEvent(ev) {
  if (ev.type === 'orderFilled' && ev.liquidity === 'maker') {
    toast(`Limit order filled: ${ev.side} ${F.qty(ev.amount)} ${F.base(ev.symbol)} at ${fmtPrice(ev.symbol)(ev.price)}`, 'good');
  }
}

/** A closed trade (paper): its net PnL, after fees, in a toast. */
function onTradeClosed(t) {
  const why = { takeProfit: 'Take-profit hit', stopLoss: 'Stop-loss hit', liquidation: 'LIQUIDATED', manual: 'Trade closed' }[t.exitReason] ?? 'Trade closed';
  toast(`${why}: ${t.symbol} ${t.side} closed at ${fmtPrice(t.symbol)(t.exitPrice)}, net PnL ${F.money(t.netPnl, true)} USDT after ${F.money(t.fees)} USDT fees`, t.netPnl >= 0 ? 'good' : 'bad');
}

export function attach(executor) {
  executor.on('*', (ev) => {
    try {
      onEvent(ev);
    } catch (err) {
      console.warn('event display failed', err);
    }
  });
  return executor;
}

export const newPaper = (options) => attach(new OrderExecutor({ ...options, ...PAGE_OPTIONS }));
export const restorePaper = (snapshot) => attach(OrderExecutor.restore(snapshot, PAGE_OPTIONS));

/** Closed trades and the equity curve of the account now in use. */
export async function loadAnalytics(curve) {
  analytics.rebuild(await S.paper.getEvents(0));
  analytics.book.current.onClose = onTradeClosed;
  analytics.resetCurve(curve);
}

/** Replace the paper account (reset, new settings, import). */
export async function usePaper(executor, { prime = true } = {}) {
  S.paper = executor;
  S.events = [];
  S.lastSeq = 0;
  S.tablesDirty = true;
  S.saveBlocked = false;
  if (prime) for (const [sym, f] of Object.entries(S.feeds)) if (f.last !== null) S.paper.updatePrice(sym, f.last);
  S.snapshot = S.paper.snapshot();
  await loadAnalytics(null);
  fillSettingsForm();
  syncTicketLimits();
  await settle();
}
