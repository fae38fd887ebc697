// The account figures: available + margin + in orders + unrealized PnL = equity, always.
import * as F from './fmt.js';
import { $ } from './state.js';

function setStat(id, value, { fmt = F.money, sign = false, exact } = {}) {
  const el = $(id);
  el.textContent = value === null || value === undefined ? '–' : fmt(value, sign);
  el.classList.toggle('pos', sign && value > 0);
  el.classList.toggle('neg', sign && value < 0);
  if (exact !== undefined) el.dataset.exact = exact;
  else delete el.dataset.exact;
}

export function renderAccount(st) {
  const x = st?.exact ?? {};
  setStat('st-balance', st?.balance, { exact: x.balance });
  setStat('st-margin', st?.marginUsed, { exact: x.marginUsed });
  setStat('st-reserved', st?.reserved, { exact: x.reserved });
  setStat('st-upnl', st?.unrealizedPnl, { sign: true, exact: x.unrealizedPnl });
  setStat('st-equity', st?.totalEquity, { exact: x.totalEquity });
  setStat('st-rpnl', st?.realizedPnl, { sign: true, exact: x.realizedPnl });
  setStat('st-fees', st?.feesPaid, { exact: x.feesPaid });
  setStat('st-positions', st?.positionsCount, { fmt: String });
  setStat('st-orders', st?.openOrdersCount, { fmt: String });
  // The compact summary (phones).
  $('sum-equity').textContent = st ? F.money(st.totalEquity) : '–';
  $('sum-upnl').textContent = st ? F.money(st.unrealizedPnl, true) : '–';
  $('sum-upnl').className = st?.unrealizedPnl > 0 ? 'pos' : st?.unrealizedPnl < 0 ? 'neg' : '';
  $('sum-balance').textContent = st ? F.money(st.balance) : '–';
  $('loss-limit').hidden = !st?.lossLimit;
  $('loss-limit').textContent = st?.lossLimit
    ? `New positions are blocked: ${F.readable(st.lossLimit)}. Closing still works; reset the loss limits in Settings.`
    : '';
  $('close-all').disabled = !st || (st.positionsCount === 0 && st.openOrdersCount === 0);
}
