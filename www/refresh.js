// After every change: save the paper account (with the market and the equity curve) and
// render every part of the page from the engine's answers.
import { book, renderAnalytics, savedCurve } from './analytics.js';
import { renderAccount } from './account.js';
import { renderChart } from './market.js';
import { marketState, renderFeedStatus } from './loop.js';
import * as F from './fmt.js';
import { $, LIST_LIMIT, S, ex } from './state.js';
import * as store from './store.js';
import { renderPositions, renderTables } from './tables.js';
import { exportAccount } from './settings.js';
import { renderTicket } from './ticket.js';
import { banner, hideBanner } from './ui.js';

/** Save (which also takes the snapshot the tables read), then render. */
export async function settle(force = true) {
  persist(force);
  await refresh();
}

export function persist(force = false) {
  if (S.mode !== 'paper' || !S.paper) return;
  const now = performance.now();
  // Saving is cheap while the account is small; if it ever gets slow, quiet price ticks are
  // saved at most once a second (user actions and fills always at once: force).
  if (!force && S.lastSaveMs > 8 && now - S.lastSaveAt < 1000) return;
  S.snapshot = S.paper.snapshot();
  if (S.saveBlocked) return;
  const r = store.save({ snapshot: S.snapshot, market: marketState(), analytics: { equity: savedCurve() } });
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

export async function refresh() {
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
    if (S.mode === 'paper') for (const ev of fresh) book.current.consume(ev);
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
  if (S.mode === 'paper') renderAnalytics(fresh.length > 0);
}
