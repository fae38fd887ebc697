// Placeholder page for the wasm PaperTrader (the full simulator comes later).
import init, { PaperTrader } from '/pkg/web/iftb_executor.js';

const $ = (id) => document.getElementById(id);
const SYMBOL = 'BTC/USDT';
const fmt = (v) => (v === null || v === undefined ? '–' : String(v));

function showError(err) {
  $('error').textContent = err ? `${err.code ?? err.name ?? 'Error'}: ${err.message ?? err}` : '';
}

/** Render rows of objects into a <table> with the given [header, key] columns. */
function renderTable(table, columns, rows) {
  const head = `<tr>${columns.map(([h]) => `<th>${h}</th>`).join('')}</tr>`;
  const body = rows.length
    ? rows.map((r) => `<tr>${columns.map(([, k]) => `<td class="${k === 'side' ? r.side : ''}">${escape(fmt(r[k]))}</td>`).join('')}</tr>`)
    : [`<tr><td colspan="${columns.length}" class="muted">none</td></tr>`];
  table.innerHTML = head + body.join('');
}

const escape = (s) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function render(trader) {
  $('balance').textContent = fmt(trader.getBalance());
  renderTable($('positions'), [
    ['Symbol', 'symbol'], ['Side', 'side'], ['Amount', 'amount'], ['Entry', 'entryPrice'],
    ['Mark', 'currentPrice'], ['Unrealized PnL', 'unrealizedPnl'], ['Margin', 'margin'],
  ], trader.getPositions());
  renderTable($('orders'), [
    ['Id', 'id'], ['Side', 'side'], ['Type', 'type'], ['Amount', 'amount'], ['Status', 'status'],
    ['Filled at', 'filledPrice'], ['Fee', 'fee'], ['Error', 'errorMessage'],
  ], trader.getOrders().slice().reverse());
}

async function main() {
  await init();
  const trader = new PaperTrader({ initialBalance: 10000 });
  const price = () => $('price').value;
  const amount = () => $('amount').value;

  // Run an action, show its error (code + message) if it throws, then re-render.
  const act = (fn) => async () => {
    showError(null);
    try {
      await fn();
    } catch (err) {
      showError(err);
    }
    render(trader);
  };

  const order = (side) => act(async () => {
    const o = await trader.placeOrder({ symbol: SYMBOL, side, type: 'market', amount: amount(), price: price() }, price());
    if (o.status === 'failed') showError({ code: 'ORDER_FAILED', message: o.errorMessage });
  });
  $('buy').addEventListener('click', order('buy'));
  $('sell').addEventListener('click', order('sell'));
  $('update').addEventListener('click', act(() => trader.updatePrice(SYMBOL, price())));

  for (const id of ['buy', 'sell', 'update']) $(id).disabled = false;
  render(trader);
  $('status').textContent = 'ready';
}

main().catch((err) => {
  $('status').textContent = 'failed';
  showError(err);
  console.error(err);
});
