// End-to-end tests of the trading simulator page (www/), served as `npm start` serves it and
// driven in Debian's Chromium with playwright-core (never a downloaded browser).
// Skipped when IFTB_SKIP_BROWSER=1 (npm test -- --quick). Screenshots: test-results/page-*.png.
// Helpers: page-helpers.mjs; the trader's tools (chart, ticket, tester, phone): page-tools.test.mjs.
// Every test opens a fresh browser context (empty storage) and fails on any console error.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import {
  D, confirm, exact, lastPrice, mul, noConsoleErrors, order, results, root, roundTick, rowsOf, shot, skip,
  tab, text, usePage, waitText,
} from './page-helpers.mjs';
import { parseCandles } from '../backtest/candles.mjs';

const P = usePage();
const open = P.open;

// ------------------------------------------------------------------ tests

test('full cycle: market long with SL/TP, the feed plays until the take-profit fires; balance and history add up exactly', { skip }, async (t) => {
  const { page, errors } = await open(t);
  try {
    assert.equal(await exact(page, '#st-balance'), '10000');
    assert.match(await text(page, '#mode-badge'), /PAPER/);
    assert.ok(Number(await page.getAttribute('#chart', 'data-candles')) >= 100, 'the chart is full of candles');
    const last = await lastPrice(page);
    assert.ok(last > 10000, `BTC replay price expected, got ${last}`);
    // In the bundled data the price rises 0.3% about 9 candles after the start and never
    // falls 1% first, so the take-profit fires, deterministically.
    const sl = roundTick(last * 0.99);
    const tp = roundTick(last * 1.003);
    await order(page, { amount: '0.01', stopLoss: sl, takeProfit: tp, leverage: 2 });
    await waitText(page, '#ticket-result', /filled at/);
    assert.equal(await text(page, '#st-positions'), '1');
    assert.match(await text(page, '#positions tbody'), /BTC\/USDT\s*long 2x/);
    assert.equal(await page.inputValue('#positions tbody input[name="stopLoss"]'), sl);
    assert.equal(await page.inputValue('#positions tbody input[name="takeProfit"]'), tp);
    const label = await page.getAttribute('#chart', 'aria-label');
    assert.match(label, /Open long 0.01/);
    assert.match(label, /take-profit [\d,]+/);
    assert.match(await text(page, '#pane-open'), /Take-profit[\s\S]*Stop-loss|Stop-loss[\s\S]*Take-profit/);
    await shot(page, 'cycle-open');

    // Play at the fastest speed until the position is gone, then pause.
    await page.selectOption('#speed', '100');
    await page.click('#play');
    assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'true');
    await waitText(page, '#st-positions', /^0$/, 30000);
    await page.click('#play');
    assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false');
    await waitText(page, '#toasts', /Take-profit hit/);

    await tab(page, 'history');
    const history = await rowsOf(page, 'history');
    const tpOrder = history.find((o) => o.type === 'Take-profit');
    assert.ok(tpOrder, `no take-profit order in ${JSON.stringify(history)}`);
    assert.equal(tpOrder.status, 'filled');
    assert.equal(history.find((o) => o.type === 'Stop-loss')?.status, 'cancelled');
    await tab(page, 'fills');
    const fills = await rowsOf(page, 'fills');
    assert.equal(fills.length, 2);
    const [exit, entry] = fills; // newest first
    assert.equal(entry.side, 'buy');
    assert.equal(exit.side, 'sell');
    assert.ok(Number(exit.price) >= Number(tp) * (1 - 0.0005) - 1e-9, `exit ${exit.price} vs TP ${tp}`);
    // Fees are the taker rate (0.04%) on each fill's value.
    for (const f of fills) assert.equal(D(f.fee), mul(mul(D(f.price), D(f.amount)), D('0.0004')));
    // Free balance = initial − fees + realized PnL, to the last decimal.
    const realized = mul(D(exit.price) - D(entry.price), D('0.01'));
    const expected = D('10000') - D(entry.fee) - D(exit.fee) + realized;
    assert.equal(D(await exact(page, '#st-balance')), expected);
    assert.equal(D(await exact(page, '#st-rpnl')), realized);
    assert.ok(realized > 0n, 'a take-profit realizes a gain');
    await tab(page, 'activity');
    assert.match(await text(page, '#pane-activity'), /take-profit triggered/);
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'cycle-closed');
  }
});

test('rejected orders show the engine\'s reason next to the field that caused it, and change nothing', { skip }, async (t) => {
  const { page, errors } = await open(t);
  try {
    const last = await lastPrice(page);
    const cases = [
      [{ amount: '0.0001' }, 'amount', 'AMOUNT_BELOW_MINIMUM', /smallest BTC\/USDT order is 0\.001 BTC/],
      [{ amount: '0.0015' }, 'amount', 'INVALID_STEP_SIZE', /steps of 0\.001 BTC; try 0\.001/],
      [{ amount: '0.005' }, 'amount', 'NOTIONAL_BELOW_MINIMUM', /minimum of 100 USDT/],
      [{ amount: '' }, 'amount', 'INVALID_AMOUNT', /amount greater than zero/],
      [{ amount: '1' }, 'amount', 'POSITION_SIZE_EXCEEDED', /risk limit.*at most 1,000\.00 USDT \(10% of equity\)/],
      [{ amount: '0.01', stopLoss: roundTick(last * 1.01) }, 'stopLoss', 'INVALID_STOP_LOSS', /stop-loss must be below the entry price/],
      [{ amount: '0.01', action: 'short', takeProfit: roundTick(last * 1.01) }, 'takeProfit', 'INVALID_TAKE_PROFIT', /For a short, the take-profit must be below/],
      [{ amount: '0.01', stopLoss: '16000.05' }, 'stopLoss', 'INVALID_TICK_SIZE', /steps of 0\.1 USDT/],
      [{ amount: '0.01', type: 'limit', price: '' }, 'price', 'MISSING_PRICE', /needs a limit price/],
      [{ amount: '0.01', action: 'close' }, 'action', 'NO_POSITION', /no open BTC\/USDT position to close/],
    ];
    for (const [o, field, code, re] of cases) {
      await order(page, { type: 'market', ...o });
      const sel = `#err-${field}`;
      await waitText(page, sel, re);
      assert.equal(await page.getAttribute(sel, 'data-code'), code, `${JSON.stringify(o)}`);
      if (field !== 'action') assert.equal(await page.getAttribute(`#${field}`, 'aria-invalid'), 'true');
      // Only that field shows an error.
      const shown = await page.$$eval('#ticket .field-error, #ticket-error', (els) => els.filter((e) => e.textContent).map((e) => e.id));
      assert.deepEqual(shown, [`err-${field}`]);
      if (code === 'POSITION_SIZE_EXCEEDED') await shot(page, 'rejected');
    }
    // Leverage is locked while a position is open at another leverage.
    await order(page, { amount: '0.01', leverage: 1 });
    await waitText(page, '#ticket-result', /filled/);
    await order(page, { amount: '0.01', leverage: 3 });
    await waitText(page, '#err-leverage', /uses 1x/);
    assert.equal(await page.getAttribute('#err-leverage', 'data-code'), 'LEVERAGE_LOCKED');
    // Nothing but the one accepted order happened.
    await tab(page, 'history');
    assert.equal((await rowsOf(page, 'history')).length, 1);
    assert.equal(await text(page, '#st-positions'), '1');
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'rejected-end');
  }
});

test('reload and reopen restore the account, positions, orders, history and feed exactly', { skip }, async (t) => {
  const { page, context, errors } = await open(t);
  let again;
  try {
    const last = await lastPrice(page);
    await order(page, { amount: '0.02', stopLoss: roundTick(last * 0.95), takeProfit: roundTick(last * 1.2), leverage: 3 });
    await waitText(page, '#ticket-result', /filled/);
    await order(page, { type: 'limit', price: roundTick(last * 0.9), amount: '0.01', leverage: 3 });
    await waitText(page, '#ticket-result', /waiting/);
    // A finished trade for the history: open and close an ETH short on its simulated feed.
    await page.selectOption('#symbol', 'ETH/USDT');
    await waitText(page, '#feed-status', /Simulated prices · seed 43/);
    await order(page, { action: 'short', amount: '0.1', leverage: 1 });
    await waitText(page, '#ticket-result', /filled/);
    for (let i = 0; i < 3; i++) await page.click('#step');
    await page.click('#positions tbody tr[data-symbol="ETH/USDT"] button[aria-label^="Close"]');
    await waitText(page, '#st-positions', /^1$/);
    await page.selectOption('#symbol', 'BTC/USDT');
    for (let i = 0; i < 2; i++) await page.click('#step');

    const capture = async (p) => ({
      saved: await p.evaluate(() => {
        const d = JSON.parse(localStorage.getItem('iftb-executor.page.v1'));
        return JSON.stringify({ snapshot: d.snapshot, market: d.market });
      }),
      account: await p.textContent('#account-panel dl'),
      positions: await p.textContent('#positions tbody'),
      inputs: await p.$$eval('#positions input', (els) => els.map((e) => e.value)),
      open: await p.textContent('#pane-open'),
      history: await p.$eval('#pane-history', (e) => e.textContent),
      fills: await p.$eval('#pane-fills', (e) => e.textContent),
      feed: await p.textContent('#feed-status'),
      chart: await p.getAttribute('#chart', 'aria-label'),
    });
    const before = await capture(page);
    assert.match(before.positions, /BTC\/USDT/);
    assert.match(before.history, /cancelled|filled/);

    await page.reload();
    await page.waitForSelector('body[data-ready="1"]');
    assert.match(await text(page, '#status'), /account restored/);
    assert.deepEqual(await capture(page), before);
    await shot(page, 'reloaded');

    // Reopen: a new tab in the same browser profile.
    await page.close();
    again = await context.newPage();
    again.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    again.on('pageerror', (e) => errors.push(String(e)));
    await again.goto(P.server.url);
    await again.waitForSelector('body[data-ready="1"]');
    assert.deepEqual(await capture(again), before);
    // And it carries on from there.
    await again.click('#step');
    assert.notEqual(await again.textContent('#feed-status'), before.feed);
    noConsoleErrors(errors);
  } finally {
    if (again) await shot(again, 'reopened');
  }
});

test('emergency close all asks for confirmation, then closes every position and cancels every order', { skip }, async (t) => {
  const { page, errors } = await open(t);
  try {
    assert.equal(await page.isDisabled('#close-all'), true, 'nothing to close yet');
    const last = await lastPrice(page);
    await order(page, { amount: '0.01', stopLoss: roundTick(last * 0.9), leverage: 2 });
    await waitText(page, '#ticket-result', /filled/);
    await order(page, { type: 'limit', price: roundTick(last * 0.8), amount: '0.01', leverage: 2 });
    await waitText(page, '#ticket-result', /waiting/);
    await page.selectOption('#symbol', 'ETH/USDT');
    await waitText(page, '#feed-status', /Simulated/);
    await order(page, { action: 'short', amount: '0.1', leverage: 1 });
    await waitText(page, '#ticket-result', /filled/);
    assert.equal(await text(page, '#st-positions'), '2');
    assert.equal(await text(page, '#st-orders'), '2'); // the BTC stop-loss and the limit order

    await page.click('#close-all');
    await page.waitForSelector('#confirm[open]');
    assert.match(await text(page, '#confirm-text'), /Close 2 positions at the market price and cancel 2 open orders/);
    await shot(page, 'close-all-confirm');
    await confirm(page, false);
    assert.equal(await text(page, '#st-positions'), '2', 'cancel keeps everything');

    await page.click('#close-all');
    await confirm(page, true);
    await waitText(page, '#st-positions', /^0$/);
    assert.equal(await text(page, '#st-orders'), '0');
    assert.equal(await exact(page, '#st-margin'), '0');
    await waitText(page, '#toasts', /Closed 2 positions/);
    await tab(page, 'history');
    const h = await rowsOf(page, 'history');
    assert.equal(h.filter((o) => o.status === 'cancelled').length, 2);
    assert.equal(h.filter((o) => o.status === 'filled').length, 4);
    assert.equal(await page.locator('#positions-empty').isVisible(), true);
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'close-all-done');
  }
});

test('export the account as JSON, reset, import it back; a foreign file is refused with a reason', { skip }, async (t) => {
  const { page, errors } = await open(t);
  try {
    const last = await lastPrice(page);
    await order(page, { amount: '0.01', takeProfit: roundTick(last * 1.1), leverage: 2 });
    await waitText(page, '#ticket-result', /filled/);
    await page.click('#step');
    const before = { account: await page.textContent('#account-panel dl'), positions: await page.textContent('#positions tbody') };

    await page.click('#settings-details summary');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    assert.match(download.suggestedFilename(), /^iftb-paper-account-\d{12}\.json$/);
    const file = path.join(results, 'page-export.json');
    await download.saveAs(file);
    const snap = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(snap.version, 1);
    assert.equal(snap.paper.positions.length ?? Object.keys(snap.paper.positions).length, 1);

    await page.click('#reset-account');
    await confirm(page, true);
    await waitText(page, '#st-positions', /^0$/);
    assert.equal(await exact(page, '#st-balance'), '10000');

    await page.setInputFiles('#import-file', file);
    await page.waitForSelector('#confirm[open]');
    assert.match(await text(page, '#confirm-text'), /1 position/);
    await confirm(page, true);
    await waitText(page, '#st-positions', /^1$/);
    assert.deepEqual({ account: await page.textContent('#account-panel dl'), positions: await page.textContent('#positions tbody') }, before);

    const bad = path.join(results, 'page-foreign.json');
    writeFileSync(bad, JSON.stringify({ hello: 'world' }));
    await page.setInputFiles('#import-file', bad);
    await waitText(page, '#data-error', /cannot be imported/);
    assert.equal(await page.getAttribute('#data-error', 'data-code'), 'SNAPSHOT_INVALID');
    assert.equal(await text(page, '#st-positions'), '1', 'a refused import changes nothing');
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'export-import');
  }
});

test('settings: new limits and fees start a new account; a bad value is explained next to its field', { skip }, async (t) => {
  const { page, errors } = await open(t);
  try {
    await page.click('#settings-details summary');
    assert.equal(await page.inputValue('#set-takerFee'), '0.04');
    assert.equal(await page.inputValue('#set-maxLeverage'), '5');
    await page.fill('#set-makerFee', '150');
    await page.click('#apply-settings');
    await waitText(page, '#serr-makerFee', /below 100%/);
    assert.equal(await page.isVisible('#confirm[open]'), false, 'nothing to confirm for a refused value');

    await page.fill('#set-makerFee', '0.01');
    await page.fill('#set-initialBalance', '5000');
    await page.fill('#set-takerFee', '0.05');
    await page.fill('#set-maxLeverage', '10');
    await page.fill('#set-maxPositionSize', '50');
    await page.click('#apply-settings');
    await confirm(page, true);
    await waitText(page, '#st-balance', /^5,000\.00$/);
    assert.ok(Number(await page.getAttribute('#chart', 'data-candles')) >= 100, 'the chart still fills its width');
    assert.equal(await page.getAttribute('#leverage', 'max'), '10');
    await order(page, { amount: '0.1', leverage: 8 });
    await waitText(page, '#ticket-result', /filled/);
    await tab(page, 'fills');
    const [fill] = await rowsOf(page, 'fills');
    assert.equal(D(fill.fee), mul(mul(D(fill.price), D(fill.amount)), D('0.0005')));
    assert.match(await text(page, '#positions tbody'), /long 8x/);
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'settings');
  }
});

test('a limit order rests, fills as maker when the price comes to it; another is cancelled', { skip }, async (t) => {
  const { page, errors } = await open(t);
  try {
    // The bundled candles after the start: the lowest low of the next 20 is a level the
    // price reaches (and not at once: it is below the current price).
    const rows = parseCandles(readFileSync(path.join(root, 'www/data/btcusdt-5m.csv'), 'utf8'));
    const last = await lastPrice(page);
    const low = Math.min(...rows.slice(150, 170).map((k) => k.l));
    assert.ok(low < last);
    const limit = (Math.ceil(low * 10 + 1e-6) / 10 + 0.1).toFixed(1);
    await order(page, { type: 'limit', price: limit, amount: '0.01', leverage: 1 });
    await waitText(page, '#ticket-result', /waiting at/);
    await order(page, { type: 'limit', price: roundTick(last * 0.8), amount: '0.01', leverage: 1 });
    await waitText(page, '#ticket-result', /waiting at/);
    assert.equal(await text(page, '#st-orders'), '2');
    const pending = await page.$$eval('#pane-open tbody tr', (trs) => trs.length);
    assert.equal(pending, 2);
    // Cancel the far one (the second row: oldest first).
    await page.click('#pane-open tbody tr:nth-child(2) button');
    await waitText(page, '#st-orders', /^1$/);
    for (let i = 0; i < 25 && (await text(page, '#st-positions')) === '0'; i++) await page.click('#step');
    assert.equal(await text(page, '#st-positions'), '1', 'the limit order filled');
    await waitText(page, '#toasts', /Limit order filled/);
    await tab(page, 'fills');
    const [fill] = await rowsOf(page, 'fills');
    assert.equal(D(fill.price), D(limit), 'a maker fill is at the limit price');
    assert.equal(D(fill.fee), mul(mul(D(limit), D('0.01')), D('0.0002')), 'maker fee');
    await tab(page, 'history');
    assert.deepEqual((await rowsOf(page, 'history')).map((o) => o.status).sort(), ['cancelled', 'filled']);
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'limit');
  }
});

test('keyboard only: skip link, ticket, SL edit and tabs work without a mouse, with a visible focus ring', { skip }, async (t) => {
  const { page, errors } = await open(t);
  try {
    const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute('aria-label'));
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'act-long');
    const ring = await page.evaluate(() => {
      const label = document.querySelector('label[for="act-long"]');
      return getComputedStyle(label).outlineStyle;
    });
    assert.notEqual(ring, 'none', 'focused radio shows an outline');
    await page.keyboard.press('ArrowRight'); // Short
    assert.equal(await page.isChecked('#act-short'), true);
    await page.keyboard.press('ArrowLeft'); // back to Long
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'type-market');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'amount');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('0.01');
    await page.keyboard.press('Tab'); // unit
    await page.keyboard.press('Tab'); // leverage
    assert.equal(await focused(), 'leverage');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.inputValue('#leverage'), '2');
    const last = await lastPrice(page);
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'stopLoss');
    await page.keyboard.type(roundTick(last * 0.97));
    await page.keyboard.press('Tab');
    await page.keyboard.type(roundTick(last * 1.1));
    await page.keyboard.press('Enter');
    await waitText(page, '#ticket-result', /Long 0.01 BTC filled/);

    // Move the stop-loss from the positions table: type, Enter.
    await page.focus('#positions input[name="stopLoss"]');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(roundTick(last * 0.98));
    await page.keyboard.press('Enter');
    await waitText(page, '#toasts', /Stop-loss for BTC\/USDT set/);
    assert.equal(await page.inputValue('#positions input[name="stopLoss"]'), roundTick(last * 0.98));
    // A stop-loss above the price is refused, next to that input.
    await page.focus('#positions input[name="stopLoss"]');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(roundTick(last * 1.05));
    await page.keyboard.press('Enter');
    await waitText(page, '#positions .row-error', /stop-loss must be below the current price/);

    // Tabs: arrow keys move between them.
    await page.focus('#tab-open');
    await page.keyboard.press('ArrowRight');
    assert.equal(await focused(), 'tab-history');
    assert.equal(await page.isVisible('#pane-history'), true);
    assert.equal(await page.isVisible('#pane-open'), false);
    await page.keyboard.press('End');
    assert.equal(await focused(), 'tab-activity');

    // Play / pause from the keyboard.
    await page.focus('#play');
    await page.keyboard.press('Enter');
    assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'true');
    await page.keyboard.press('Space');
    assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false');

    // Every form control has an accessible name.
    const unnamed = await page.$$eval('input:not([type=hidden]):not([hidden]), select, button', (els) => els
      .filter((e) => !e.closest('[hidden]') && e.type !== 'file')
      .filter((e) => !(e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || e.textContent.trim()))
      .map((e) => e.outerHTML.slice(0, 80)));
    assert.deepEqual(unnamed, []);
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'keyboard');
  }
});

test('live mode: clearly marked; a proxy that is not running, a bad token and a healthy proxy each get a clear status', { skip }, async (t) => {
  // A stand-in for the signing proxy's health endpoint (CORS like the real one must allow).
  const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'authorization' };
  const proxy = http.createServer((req, res) => {
    if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
    if (req.url !== '/_iftb/health') return res.writeHead(404, cors).end();
    if (req.headers.authorization !== 'Bearer good-token') return res.writeHead(401, { ...cors, 'content-type': 'application/json' }).end('{"ok":false}');
    res.writeHead(200, { ...cors, 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, upstream: { market: 'binance-usdm', url: 'https://testnet.binancefuture.com' }, serverTimeOffsetMs: 12 }));
  });
  await new Promise((ok) => proxy.listen(0, '127.0.0.1', ok));
  t.after(() => new Promise((ok) => proxy.close(ok)));
  const proxyUrl = `http://127.0.0.1:${proxy.address().port}`;
  // A port nobody listens on: bind one, then free it.
  const closed = http.createServer();
  await new Promise((ok) => closed.listen(0, '127.0.0.1', ok));
  const deadUrl = `http://127.0.0.1:${closed.address().port}`;
  await new Promise((ok) => closed.close(ok));

  // Chromium itself logs failed and refused requests; only those to the two test URLs are excused.
  const allowConsole = (msg) => /Failed to load resource/.test(msg.text()) && [proxyUrl, deadUrl].some((u) => msg.location().url.startsWith(u));
  const { page, errors } = await open(t, { allowConsole });
  try {
    await page.click('label[for="mode-live"]');
    assert.equal(await page.getAttribute('body', 'data-mode'), 'live');
    assert.equal(await page.isVisible('#live-banner'), true);
    assert.match(await text(page, '#mode-badge'), /LIVE/);
    assert.equal(await page.isVisible('#market-panel'), false, 'no simulated prices in live mode');
    assert.equal(await page.isVisible('#ticket-panel'), false, 'no ticket without a live executor');
    assert.match(await text(page, '#account-h'), /LIVE/);
    await waitText(page, '#st-balance', /^–$/); // the paper balance is not shown as live

    await page.fill('#live-url', deadUrl);
    await page.fill('#live-token', 'good-token');
    await page.click('#live-connect');
    await waitText(page, '#live-error', /Cannot reach the signing proxy at http:\/\/127\.0\.0\.1:\d+\. Is it running\?/);
    assert.equal(await page.getAttribute('#live-error', 'data-code'), 'PROXY_UNREACHABLE');
    assert.equal(await page.getAttribute('#live-status', 'data-state'), 'disconnected');
    await shot(page, 'live-unreachable');

    await page.fill('#live-url', proxyUrl);
    await page.fill('#live-token', 'wrong');
    await page.click('#live-connect');
    await waitText(page, '#live-error', /refused the token \(HTTP 401\)/);

    await page.fill('#live-token', 'good-token');
    await page.click('#live-connect');
    await waitText(page, '#live-status', /Proxy connected: binance-usdm at https:\/\/testnet\.binancefuture\.com, TESTNET, clock offset 12 ms/);
    await shot(page, 'live-connected');

    // The token is in this tab's sessionStorage only.
    const stores = await page.evaluate(() => ({ local: JSON.stringify(localStorage), session: JSON.stringify(sessionStorage) }));
    assert.ok(!stores.local.includes('good-token'), 'token must not be in localStorage (or the saved account)');
    assert.ok(stores.session.includes('good-token'));

    await page.click('label[for="mode-paper"]');
    assert.equal(await page.isVisible('#live-banner'), false);
    assert.equal(await page.isVisible('#ticket-panel'), true);
    await waitText(page, '#st-balance', /^10,000\.00$/);
    assert.equal(await page.isVisible('#market-panel'), true);
    assert.ok(Number(await page.getAttribute('#chart', 'data-candles')) >= 100, 'the chart refills its width after being hidden');
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'live-back-to-paper');
  }
});

test('live mode trades through the real signing proxy into the local exchange, which verifies the signature', { skip }, async (t) => {
  const { startExchange } = await import('../server/exchange.mjs');
  const { startProxy } = await import('../server/proxy.mjs');
  const os = await import('node:os');
  const exchange = await startExchange({ port: 0, feed: 'none' });
  t.after(() => exchange.close());
  const origin = new URL(P.server.url).origin;
  const auditLog = path.join(os.tmpdir(), `iftb-page-audit-${process.pid}.log`);
  const proxy = await startProxy({ port: 0, upstream: 'local', upstreamUrl: exchange.url, allowedOrigins: [origin], banner: false, auditLog, stderr: { write() {} } });
  t.after(() => proxy.close());
  const { page, errors } = await open(t);
  try {
    await page.click('label[for="mode-live"]');
    await page.fill('#live-url', proxy.url);
    await page.fill('#live-token', proxy.token);
    await page.click('#live-connect');
    await waitText(page, '#live-status', /Proxy connected: binance-usdm/);
    await page.waitForSelector('body[data-live-ready="1"]');
    assert.equal(await page.isVisible('#ticket-panel'), true, 'the ticket trades live once connected');
    await waitText(page, '#st-balance', /^10,000\.00$/); // the local exchange's USDT balance
    await order(page, { action: 'long', type: 'market', amount: '0.01' });
    await waitText(page, '#st-positions', /^1$/, 15_000);
    const posts = exchange.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order');
    assert.equal(posts.length, 1, 'one order reached the exchange');
    assert.equal(posts[0].status, 200, 'accepted: the exchange verified the proxy\'s signature');
    assert.equal(posts[0].params.side, 'BUY');
    assert.ok(!JSON.stringify(await page.evaluate(() => ({ ...localStorage, ...sessionStorage }))).includes(exchange.apiSecret), 'no secret in the page');
    // The exchange moves the price: the page's polling shows the new unrealized PnL.
    exchange.setPrice('BTCUSDT', 51000);
    await waitText(page, '#st-upnl', /^\+(9|10)\.\d\d$/, 10_000); // 0.01 × (51,000 − entry ≈ 50,000)
    await shot(page, 'live-trade');
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'live-trade-end');
  }
});

test('when browser storage is full the page says so, and offers the export', { skip }, async (t) => {
  const { page, errors } = await open(t);
  try {
    // From now on every localStorage write fails as a full quota does.
    await page.evaluate(() => {
      Storage.prototype.setItem = () => {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      };
    });
    await order(page, { amount: '0.01', leverage: 1 });
    await waitText(page, '#banner', /Browser storage is full, so the account is NOT being saved\. Export it to a file to keep it\./);
    assert.equal(await page.isVisible('#banner button'), true);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#banner button')]);
    assert.match(download.suggestedFilename(), /^iftb-paper-account-/);
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'storage-full');
  }
});

test('narrow mobile screen: everything fits the width, and a trade works', { skip }, async (t) => {
  const { page, errors } = await open(t, { viewport: { width: 390, height: 844 } });
  try {
    const last = await lastPrice(page);
    await order(page, { amount: '0.01', stopLoss: roundTick(last * 0.98), takeProfit: roundTick(last * 1.02), leverage: 3 });
    await waitText(page, '#ticket-result', /filled/);
    await page.click('#sheet-toggle'); // fold the ticket's bottom sheet
    await page.click('#step');
    const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
    assert.ok(scroll <= inner, `page is ${scroll}px wide on a ${inner}px screen`);
    const box = await page.locator('#chart').boundingBox();
    assert.ok(box.width > 300 && box.height > 200, `chart ${box.width}x${box.height}`);
    const drawn = Number(await page.getAttribute('#chart', 'data-candles'));
    assert.ok(drawn >= 30 && drawn <= 60, `${drawn} candles on a ${box.width}px chart`);
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'mobile');
  }
});
