// The simulator page as a trader uses it (issue 16), in Debian's Chromium at 1440×900 and on a
// 390×844 phone: the chart (crosshair readout, zoom, pan, timeframes, markers, dragged stops
// and orders), the ticket that says what an order does, the figures that add up, replay
// controls and hotkeys, analytics, the strategy tester (its report equals Node's backtest()
// for the same strategy and candles) and its sweep, the phone layout and accessibility.
// Screenshots: test-results/page-*.png. Skipped when IFTB_SKIP_BROWSER=1.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { aggregate, backtest, parseCandles } from 'iftb-executor/backtest';
import {
  D, DESKTOP, PHONE, confirm, exact, lastPrice, mul, noConsoleErrors, openTicket, order, root, roundTick,
  rowsOf, shot, skip, tab, text, usePage, waitText,
} from './page-helpers.mjs';

const P = usePage({ viewport: DESKTOP });
const open = P.open;
const candles = parseCandles(readFileSync(path.join(root, 'www/data/btcusdt-5m.csv'), 'utf8'));
const attr = async (page, sel, name) => page.getAttribute(sel, name);
const num = async (page, sel, name) => Number(await attr(page, sel, name));

/** Drag a chart line by `dy` pixels (mouse: pointer events like a finger or a pen). */
async function dragLine(page, key, dy) {
  const h = await page.$eval('#chart', (el, k) => el.lineAt(k), key);
  assert.ok(h, `line ${key} is not on the chart`);
  await page.mouse.move(h.x, h.y);
  await page.mouse.down();
  await page.mouse.move(h.x, h.y + dy / 2, { steps: 3 });
  await page.mouse.move(h.x, h.y + dy, { steps: 3 });
  await page.mouse.up();
}

/** WCAG contrast of every visible text on the page, from computed styles: the failures. */
function contrastFailures() {
  const parse = (c) => {
    const m = /rgba?\(([^)]+)\)/.exec(c);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return [r, g, b, a];
  };
  const lum = (rgb) => {
    const f = (v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(rgb[0]) + 0.7152 * f(rgb[1]) + 0.0722 * f(rgb[2]);
  };
  const over = (top, bottom) => bottom.map((v, i) => top[i] * top[3] + v * (1 - top[3]));
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) {
        layers.push(c);
        if (c[3] >= 1) break;
      }
    }
    let bg = [11, 15, 20];
    for (const c of layers.reverse()) bg = over(c, bg);
    return bg;
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('[hidden], .sr-only, option, script, style, dialog:not([open]), details:not([open]) > :not(summary)')) continue;
    if (el.closest('button:disabled, [aria-disabled="true"]')) continue; // disabled controls are exempt
    if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    if (!r.width || !r.height || cs.visibility === 'hidden' || Number(cs.opacity) === 0) continue;
    const bg = background(el);
    const fg = over(parse(cs.color), bg);
    const [a, b] = [lum(fg), lum(bg)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(cs.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return out;
}

// ------------------------------------------------------------------ chart

test('chart: lightweight-charts candles with volume, a crosshair OHLC readout, zoom, scroll-back and timeframes', { skip }, async (t) => {
  const { page, errors } = await open(t);
  try {
    assert.equal(await page.locator('#chart canvas').count() > 0, true, 'drawn by lightweight-charts on canvases');
    const shown = await num(page, '#chart', 'data-candles');
    assert.ok(shown >= 100, `${shown} candles in view`);
    assert.equal(await num(page, '#chart', 'data-total'), 150, 'the warm-up candles before the first tick');
    // The readout shows the newest candle, then the one under the crosshair.
    const last = candles[149];
    assert.match(await text(page, '#chart .readout'), new RegExp(`O ${last.o.toLocaleString('en-US', { minimumFractionDigits: 2 })}`));
    const box = await page.locator('#chart .chart-canvas').boundingBox();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await waitText(page, '#chart .readout', /^(?!2023-01-03 05:10)\d{4}-\d\d-\d\d \d\d:\d\d.*O [\d,.]+.*H [\d,.]+.*L [\d,.]+.*C [\d,.]+.*Vol/);
    await shot(page, 'chart-crosshair');
    // Zoom in with the wheel: fewer candles in view.
    await page.mouse.wheel(0, -600);
    await page.waitForFunction((n) => Number(document.querySelector('#chart').dataset.candles) < n, shown);
    // Drag right: older candles come into view (scroll-back).
    const from = await num(page, '#chart', 'data-from');
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.5, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction((f) => Number(document.querySelector('#chart').dataset.from) < f, from);
    // Timeframes are aggregated from the 5-minute data.
    await page.click('label[for="tf-1h"]');
    assert.equal(await num(page, '#chart', 'data-total'), aggregate(candles.slice(0, 150), 60).length);
    await page.click('label[for="tf-4h"]');
    assert.equal(await num(page, '#chart', 'data-total'), aggregate(candles.slice(0, 150), 240).length);
    await shot(page, 'chart-4h');
    await page.click('label[for="tf-5m"]');
    // The same data as a table.
    await page.click('#chart-data summary');
    await page.waitForSelector('#chart-table tbody tr');
    const rows = await page.$$eval('#chart-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.equal(rows.length, 30);
    assert.equal(rows[0][0], '2023-01-03 05:10');
    assert.match(await page.getAttribute('#chart', 'aria-label'), /BTC\/USDT 5m candlestick chart\. Last price 16,691\.00 USDT/);
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'chart');
  }
});

test('a dragged stop-loss moves the order; a dragged limit line moves the limit order; a refused drag snaps back', { skip }, async (t) => {
  const { page, errors } = await open(t);
  try {
    const last = await lastPrice(page);
    const sl = roundTick(last * 0.99);
    await order(page, { amount: '0.01', stopLoss: sl, takeProfit: roundTick(last * 1.01), leverage: 2 });
    await waitText(page, '#ticket-result', /filled/);
    assert.match(await attr(page, '#chart', 'data-lines'), /pos:stopLoss/);
    assert.match(await attr(page, '#chart', 'data-markers'), /long/, 'an entry marker');
    await shot(page, 'drag-before');
    await dragLine(page, 'pos:stopLoss', 40); // down: a lower stop
    await waitText(page, '#toasts', /Stop-loss for BTC\/USDT set at/);
    const moved = await page.inputValue('#positions input[name="stopLoss"]');
    assert.ok(Number(moved) < Number(sl), `stop moved down: ${sl} → ${moved}`);
    assert.match(moved, /^\d+(\.\d)?$/, 'on the 0.1 tick grid');
    // The engine's stop-loss order has the new trigger.
    await tab(page, 'open');
    assert.match(await text(page, '#pane-open'), new RegExp(`trigger ${Number(moved).toLocaleString('en-US', { minimumFractionDigits: 2 })}`));
    await shot(page, 'drag-after');

    // Above the price a stop-loss is refused: the line goes back, the engine says why.
    const y = (k) => page.$eval('#chart', (el, key) => el.lineAt(key).y, k);
    await dragLine(page, 'pos:stopLoss', (await y('pos:takeProfit')) - (await y('pos:stopLoss')));
    await waitText(page, '#toasts', /Stop-loss not moved: .*below/);
    assert.equal(await page.inputValue('#positions input[name="stopLoss"]'), moved);

    // A resting limit order's line.
    await order(page, { type: 'limit', price: roundTick(last * 0.995), amount: '0.01', leverage: 2 });
    await waitText(page, '#ticket-result', /waiting at/);
    const key = (await attr(page, '#chart', 'data-lines')).split(' ').find((k) => k.startsWith('order:'));
    await dragLine(page, key, 25);
    await waitText(page, '#toasts', /Limit order moved to/);
    await tab(page, 'open');
    const limits = await page.$$eval('#pane-open tbody tr', (trs) => trs.map((tr) => tr.textContent).filter((x) => /Limit/.test(x)));
    assert.equal(limits.length, 1, 'still one limit order');
    assert.ok(!limits[0].includes(Number(roundTick(last * 0.995)).toLocaleString('en-US', { minimumFractionDigits: 2 })), 'at a new price');
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'drag');
  }
});

// ------------------------------------------------------------------ figures and ticket

test('figures add up: available + margin + in orders + unrealized PnL = equity, with a resting limit order', { skip }, async (t) => {
  const { page, errors } = await open(t);
  const identity = async () => {
    const [bal, margin, held, upnl, equity] = await Promise.all(['#st-balance', '#st-margin', '#st-reserved', '#st-upnl', '#st-equity'].map((s) => exact(page, s)));
    assert.equal(D(bal) + D(margin) + D(held) + D(upnl), D(equity), `${bal} + ${margin} + ${held} + ${upnl} = ${equity}`);
    return { held: D(held), margin: D(margin) };
  };
  try {
    const last = await lastPrice(page);
    await order(page, { type: 'limit', price: roundTick(last * 0.9), amount: '0.02', leverage: 2 });
    await waitText(page, '#ticket-result', /waiting/);
    const a = await identity();
    assert.ok(a.held > 0n, 'the resting order holds money');
    // The open-orders table says how much each order holds.
    await tab(page, 'open');
    assert.equal(D((await rowsOf(page, 'open'))[0].reserved), a.held);
    await order(page, { amount: '0.01', leverage: 2 });
    await waitText(page, '#ticket-result', /filled/);
    for (let i = 0; i < 3; i++) await page.click('#step');
    const b = await identity();
    assert.ok(b.margin > 0n && b.held > 0n);
    await shot(page, 'figures');
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'figures-end');
  }
});

test('ticket: says what an order does, warns before a flip or dropped SL/TP, sizes by risk and by the most allowed, removes SL/TP', { skip }, async (t) => {
  const { page, errors } = await open(t);
  try {
    const last = await lastPrice(page);
    await waitText(page, '#intent', /^It opens a long of 0\.01 BTC\.$/);
    await order(page, { amount: '0.01', stopLoss: roundTick(last * 0.98), leverage: 2 });
    await waitText(page, '#ticket-result', /filled/);

    // Short 0.01 with SL/TP while long 0.01: it closes the long; the levels would be dropped.
    await page.click('label[for="act-short"]');
    await page.fill('#amount', '0.01');
    await page.fill('#stopLoss', roundTick(last * 1.02));
    await page.fill('#takeProfit', roundTick(last * 0.97));
    await waitText(page, '#intent', /closes your long of 0\.01 BTC/);
    assert.equal(await attr(page, '#intent', 'data-effect'), 'close');
    await waitText(page, '#ticket-warn', /stop-loss and take-profit you typed will NOT be set/);
    await shot(page, 'ticket-drop-warning');
    await page.click('#submit');
    await page.waitForSelector('#confirm[open]');
    assert.match(await text(page, '#confirm-title'), /Send without the stop-loss and take-profit\?/);
    await confirm(page, false);
    assert.equal(await text(page, '#st-positions'), '1', 'cancelled: nothing sent');

    // Short 0.03: a flip, said before sending.
    await page.fill('#amount', '0.03');
    await page.fill('#stopLoss', '');
    await page.fill('#takeProfit', '');
    await waitText(page, '#intent', /flips your long of 0\.01 BTC into a short of 0\.02 BTC/);
    await waitText(page, '#ticket-warn', /closes your long and opens a short/);
    await shot(page, 'ticket-flip-warning');

    // Risk sizing: lose 1 % of equity at a stop 10 % away; capped by the most allowed.
    await page.click('label[for="act-long"]');
    await page.selectOption('#amount-unit', 'risk');
    await page.fill('#amount', '1');
    await page.fill('#stopLoss', roundTick(last * 0.995));
    await waitText(page, '#amount-hint', /capped at the most you can open/);
    const stop = roundTick(last * 0.9);
    await page.fill('#stopLoss', stop);
    const equity = Number(await exact(page, '#st-equity'));
    const want = Math.floor((equity * 0.01) / (last - Number(stop)) * 1000 + 1e-9) / 1000;
    await waitText(page, '#amount-hint', new RegExp(`^= ${want.toString().replace('.', '\\.')} BTC`));

    // % of max: 100 % is the most the engine accepts (risk limit), and it is accepted.
    await page.fill('#stopLoss', '');
    await page.selectOption('#amount-unit', 'pct');
    await page.fill('#amount', '100');
    await page.waitForFunction(() => document.querySelector('#ticket-panel').dataset.max > 0);
    const max = await num(page, '#ticket-panel', 'data-max');
    // The risk limit: margin ≤ 10 % of equity at 2x → about 0.2 × equity / price in total.
    assert.ok(max > 0.05 && max < (0.2 * equity) / last, `max ${max}`);
    await page.click('#submit');
    await waitText(page, '#ticket-result', /filled/);
    assert.equal(await text(page, '#err-amount'), '', '100 % of the most allowed is not refused');

    // Remove the stop-loss from the position.
    await page.selectOption('#amount-unit', 'base');
    await page.click('#positions button[aria-label^="Remove the stop-loss"]');
    await waitText(page, '#toasts', /Stop-loss for BTC\/USDT removed/);
    assert.equal(await page.inputValue('#positions input[name="stopLoss"]'), '');
    assert.doesNotMatch(await text(page, '#pane-open'), /Stop-loss/);

    // A new symbol: a fresh ticket (side, amount, messages).
    await page.click('label[for="act-short"]');
    await page.selectOption('#symbol', 'ETH/USDT');
    await waitText(page, '#feed-status', /Simulated prices/);
    assert.equal(await page.isChecked('#act-long'), true);
    assert.equal(await page.inputValue('#amount'), '0.1');
    assert.equal(await text(page, '#ticket-result'), '');
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'ticket');
  }
});

test('the fee estimate is the engine\'s: a buy limit above the market is a taker fill, a resting one a maker fill', { skip }, async (t) => {
  const { page, errors } = await open(t);
  try {
    const last = await lastPrice(page);
    await openTicket(page);
    await page.click('label[for="type-limit"]');
    await page.fill('#amount', '0.01');
    await page.fill('#price', roundTick(last * 1.01));
    await waitText(page, '#estimate', /as taker \(it crosses the market\)/);
    const estimated = await attr(page, '#estimate', 'data-fee');
    await page.click('#submit');
    await waitText(page, '#ticket-result', /filled at/);
    await tab(page, 'fills');
    const [fill] = await rowsOf(page, 'fills');
    assert.equal(D(fill.fee), D(estimated), 'the fee charged is the fee estimated');
    assert.equal(D(fill.fee), mul(mul(D(fill.price), D('0.01')), D('0.0004')), 'taker rate');

    await page.fill('#price', roundTick(last * 0.99));
    await waitText(page, '#estimate', /Holds [\d,.]+ USDT while it rests · fills ≈ [\d,.]+ as maker · fee/);
    assert.equal(D(await attr(page, '#estimate', 'data-fee')), mul(mul(D(roundTick(last * 0.99)), D('0.01')), D('0.0002')), 'maker rate at the limit');
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'fee-estimate');
  }
});

// ------------------------------------------------------------------ replay, keys, analytics

test('replay: scrubber, jump to a date, and replay time in every table', { skip }, async (t) => {
  const { page, errors } = await open(t);
  try {
    await page.$eval('#scrub', (el) => {
      el.value = '5000';
      el.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await waitText(page, '#feed-status', /candle 5,001 of 10,999 · 2023-01-20 /);
    await page.fill('#jump-at', '2023-01-25T12:00');
    await page.click('#jump-go');
    await waitText(page, '#feed-status', /2023-01-25 12:03:45 UTC/);
    const at = await lastPrice(page);
    assert.equal(at, candles.find((k) => k.t === Date.UTC(2023, 0, 25, 12, 0)).c);
    await order(page, { amount: '0.01', leverage: 1 });
    await waitText(page, '#ticket-result', /filled/);
    await tab(page, 'history');
    assert.match(await text(page, '#pane-history tbody tr'), /^2023-01-25 12:03:45/, 'orders carry market time, as the chart');
    await tab(page, 'fills');
    assert.match(await text(page, '#pane-fills tbody tr'), /^2023-01-25 12:03:45/);
    // With a position open, a jump asks first.
    await page.fill('#jump-at', '2023-02-01T00:00');
    await page.click('#jump-go');
    await page.waitForSelector('#confirm[open]');
    assert.match(await text(page, '#confirm-text'), /price will jump/);
    await confirm(page, false);
    await waitText(page, '#feed-status', /2023-01-25 12:03:45/);
    await page.fill('#jump-at', '2024-05-01T00:00');
    await page.click('#jump-go');
    await waitText(page, '#jump-error', /The replay covers 2023-01-02 16:45 to 2023-02-09/);
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'replay');
  }
});

test('hotkeys: help overlay, play/pause, step, buy, sell, close; ignored while typing', { skip }, async (t) => {
  const { page, errors } = await open(t);
  try {
    await page.keyboard.press('?');
    await page.waitForSelector('#keys-help[open]');
    assert.match(await text(page, '#keys-list'), /B\s*Buy \/ long[\s\S]*Space\s*Play or pause/);
    await shot(page, 'hotkeys-help');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#keys-help:not([open])', { state: 'attached' });
    const before = await text(page, '#feed-status');
    await page.keyboard.press('n');
    await waitText(page, '#feed-status', /candle 152 of/);
    assert.notEqual(await text(page, '#feed-status'), before);
    await page.keyboard.press('Space');
    assert.equal(await attr(page, '#play', 'aria-pressed'), 'true');
    await page.keyboard.press('Space');
    assert.equal(await attr(page, '#play', 'aria-pressed'), 'false');
    await page.keyboard.press('b');
    await waitText(page, '#st-positions', /^1$/);
    assert.match(await text(page, '#positions tbody'), /long/);
    await page.keyboard.press('c');
    await waitText(page, '#st-positions', /^0$/);
    await page.keyboard.press('s');
    await waitText(page, '#positions tbody', /short/);
    // Typing in a field is typing.
    await page.focus('#stopLoss');
    await page.keyboard.type('bsc');
    assert.equal(await page.inputValue('#stopLoss'), 'bsc');
    assert.equal(await text(page, '#st-positions'), '1');
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'hotkeys');
  }
});

test('analytics: closed trades net of fees, equity curve, statistics, CSV; the toast shows the net PnL', { skip }, async (t) => {
  const { page, errors } = await open(t);
  try {
    for (let i = 0; i < 2; i++) {
      await order(page, { amount: '0.01', leverage: 1 });
      await waitText(page, '#ticket-result', /filled/);
      for (let k = 0; k < 3; k++) await page.click('#step');
      await page.click('#positions button[aria-label^="Close"]');
      await waitText(page, '#st-positions', /^0$/);
    }
    await waitText(page, '#toasts', /Trade closed: BTC\/USDT long closed at [\d,.]+, net PnL [+-][\d,.]+ USDT after [\d.]+ USDT fees/);
    await tab(page, 'fills');
    const fills = (await rowsOf(page, 'fills')).reverse();
    await tab(page, 'trades');
    const trades = await page.$$eval('#pane-trades tbody tr', (trs) => trs.map((tr) => Object.fromEntries([...tr.querySelectorAll('td[data-col]')].map((td) => [td.dataset.col, td.textContent]))));
    assert.equal(trades.length, 2);
    // The first trade's fees are its two fills' fees; net = gross − fees.
    const first = trades[1];
    const fee = Number(fills[0].fee) + Number(fills[1].fee);
    assert.equal(first.fees, fee.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 }));
    const gross = (Number(fills[1].price) - Number(fills[0].price)) * 0.01;
    assert.equal(Number(first.net.replace(/[+,]/g, '')).toFixed(4), (gross - fee).toFixed(4));
    assert.equal(await text(page, '#an-trades'), '2');
    assert.match(await text(page, '#an-winrate'), /^\d+\.\d%$/);
    assert.match(await text(page, '#an-dd'), /USDT \(\d+\.\d\d%\)/);
    assert.ok(await page.locator('#equity-chart canvas').count() > 0);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-trades')]);
    const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'id,symbol,side,entryTime,exitTime,entryPrice,exitPrice,amount,grossPnl,fees,netPnl,exitReason');
    assert.equal(csv.length, 3);
    assert.match(csv[1], /^1,BTC\/USDT,long,2023-01-03T05:1\d:\d\d\.000Z,/);
    assert.match(await attr(page, '#chart', 'data-markers'), /long exit long exit/);
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'analytics');
  }
});

// ------------------------------------------------------------------ strategy tester

test('strategy tester: a moving-average strategy over the 10,999 candles in a Web Worker; its report equals Node\'s backtest()', { skip }, async (t) => {
  const { page, errors } = await open(t);
  try {
    await page.click('#tester-details summary');
    const source = await page.inputValue('#bt-code');
    assert.match(source, /SMA crossover/);
    await page.click('#bt-run');
    await page.waitForSelector('#tester-panel[data-state="done"]', { timeout: 60_000 });
    assert.equal(await page.$eval('#bt-progress', (p) => p.value), 1);
    assert.ok(await num(page, '#tester-panel', 'data-progress-updates') >= 10, 'progress reported while it ran');
    assert.match(await text(page, '#bt-progress-text'), /^10,999 candles in \d+ ms/);
    await shot(page, 'tester-report');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#bt-export-json')]);
    const fromPage = JSON.parse(readFileSync(await download.path(), 'utf8'));
    const fromNode = await backtest({
      candles, strategy: source, symbol: 'BTC/USDT', timeframe: 5, leverage: 1, initialBalance: 10000, size: 0.95,
      makerFee: 0.0002, takerFee: 0.0004, slippage: 0.0005, stepSize: 0.001, tickSize: 0.1,
    });
    delete fromPage.elapsedMs;
    delete fromNode.elapsedMs;
    assert.ok(fromNode.trades.length > 100);
    assert.deepEqual(fromPage, JSON.parse(JSON.stringify(fromNode)), 'the page and Node give the same report');
    assert.equal(await text(page, '#bt-stats [data-stat="trades"]'), fromNode.stats.trades.toLocaleString('en-US'));
    assert.equal(await text(page, '#bt-stats [data-stat="netProfit"]'), `${fromNode.stats.netProfit.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' })} USDT`);
    assert.equal(await num(page, '#bt-report', 'data-trades'), fromNode.trades.length);
    assert.ok(await page.locator('#bt-chart-box canvas').count() > 0);
    // A syntax error is shown, nothing runs.
    await page.fill('#bt-code', 'function onCandle(ctx) {');
    await page.click('#bt-run');
    await waitText(page, '#bt-error', /does not compile/);
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'tester');
  }
});

test('parameter sweep over Web Workers: every combination, a sortable table, and the page keeps working meanwhile', { skip }, async (t) => {
  const { page, errors } = await open(t);
  try {
    await page.click('#tester-details summary');
    await page.fill('#bt-grid-fast', '5, 10, 20');
    await page.fill('#bt-grid-slow', '30..50 step 20');
    await page.fill('#bt-grid-slPct', '1');
    await page.fill('#bt-grid-tpPct', '2, 3');
    await page.fill('#bt-workers', '2');
    await page.click('#bt-sweep-run');
    // The page answers while the workers run.
    await page.click('#play');
    assert.equal(await attr(page, '#play', 'aria-pressed'), 'true');
    assert.equal(await attr(page, '#tester-panel', 'data-sweep'), 'running', 'the click was handled during the sweep');
    await page.click('#play');
    await page.waitForSelector('#tester-panel[data-sweep="done"]', { timeout: 120_000 });
    assert.match(await text(page, '#bt-sweep-text'), /^12 runs on 2 workers in [\d.]+ s$/);
    const rows = () => page.$$eval('#bt-sweep-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    const r = await rows();
    assert.equal(r.length, 12);
    const net = (row) => Number(row[4].replace(/[+,]/g, ''));
    for (let i = 1; i < r.length; i++) assert.ok(net(r[i - 1]) >= net(r[i]), 'best net profit first');
    // One row equals a single Node run with those parameters.
    const source = await page.inputValue('#bt-code');
    const [fast, slow, slPct, tpPct] = r[0].slice(0, 4).map(Number);
    const one = await backtest({ candles, strategy: source, params: { fast, slow, slPct, tpPct } });
    assert.equal(r[0][4], one.stats.netProfit.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' }));
    // Sort by trades, ascending after a second click.
    await page.click('#bt-sweep-table [data-sort="trades"]');
    await page.click('#bt-sweep-table [data-sort="trades"]');
    assert.equal(await page.getAttribute('#bt-sweep-table th:has([data-sort="trades"])', 'aria-sort'), 'ascending');
    const trades = (await rows()).map((row) => Number(row[6].replace(/,/g, '')));
    assert.deepEqual(trades, trades.slice().sort((a, b) => a - b));
    await shot(page, 'sweep');
    // Run a row: its report.
    await page.click('#bt-sweep-table tbody tr:first-child button');
    await page.waitForSelector('#tester-panel[data-state="done"]', { timeout: 60_000 });
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'sweep-end');
  }
});

// ------------------------------------------------------------------ phone and accessibility

test('phone: the chart on the first screen, the ticket as a bottom sheet, 44 px targets, scrollable tables with a hint, toasts away from controls', { skip }, async (t) => {
  const { page, errors } = await open(t, { viewport: PHONE, hasTouch: true });
  try {
    const chart = await page.locator('#chart').boundingBox();
    assert.ok(chart.y < 500 && chart.width > 330, `chart at y ${chart.y}`);
    const sheet = await page.locator('#sheet-toggle').boundingBox();
    assert.ok(sheet.y + sheet.height <= PHONE.height, 'the ticket sheet is on the first screen');
    assert.equal(await page.isVisible('#st-fees'), false, 'a compact account summary');
    assert.match(await text(page, '.summary'), /Equity 10,000\.00/);
    await shot(page, 'phone-first-screen', { fullPage: false });

    const small = () => page.evaluate(() => [...document.querySelectorAll('button, select, input, summary, .segmented label, a[href]')]
      .filter((el) => !el.closest('[hidden], .sr-only, #chart, .segmented input') && el.type !== 'file' && !el.classList.contains('skip'))
      .filter((el) => !(el.tagName === 'INPUT' && el.closest('.segmented')))
      .filter((el) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && (r.width < 44 || r.height < 44) && !el.closest('footer');
      })
      .map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className} ${Math.round(el.getBoundingClientRect().width)}×${Math.round(el.getBoundingClientRect().height)}`));
    assert.deepEqual(await small(), [], 'touch targets under 44 px');

    const last = await lastPrice(page);
    await order(page, { amount: '0.01', stopLoss: roundTick(last * 0.98), takeProfit: roundTick(last * 1.02), leverage: 3 });
    await waitText(page, '#ticket-result', /filled/);
    await shot(page, 'phone-sheet', { fullPage: false });
    assert.deepEqual(await small(), [], 'touch targets under 44 px (ticket open, a position)');
    await page.click('#sheet-toggle');
    // Toasts sit at the top and let taps through; the position's controls stay usable.
    await page.click('#positions button[aria-label^="Set take-profit"]');
    await waitText(page, '#toasts', /Take-profit for BTC\/USDT set/);
    assert.equal(await page.$eval('#toasts', (el) => getComputedStyle(el).pointerEvents), 'none');
    const toast = await page.locator('#toasts .toast').last().boundingBox();
    const tp = await page.locator('#positions input[name="takeProfit"]').boundingBox();
    assert.ok(toast.y + toast.height < tp.y || toast.y > tp.y + tp.height, 'the toast does not cover the take-profit input');
    // Wide history: it scrolls sideways and says so; the tabs fit the screen.
    await page.click('#step');
    await tab(page, 'history');
    const wrap = await page.$eval('#pane-history', (el) => ({ sw: el.scrollWidth, cw: el.clientWidth, overflow: el.dataset.overflow, x: getComputedStyle(el).overflowX, hint: getComputedStyle(el, '::before').content }));
    assert.ok(wrap.sw > wrap.cw && wrap.x === 'auto' && wrap.overflow === 'more', JSON.stringify(wrap));
    assert.match(wrap.hint, /Scroll sideways/);
    for (const box of await page.$$eval('[role="tab"]', (els) => els.map((e) => e.getBoundingClientRect().toJSON()))) {
      assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, `tab clipped at ${JSON.stringify(box)}`);
    }
    const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
    assert.ok(scroll <= inner, `page is ${scroll}px wide on a ${inner}px screen`);
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'phone');
  }
});

test('phone: drag a stop on the chart, switch timeframe, run the strategy tester; AA contrast', { skip }, async (t) => {
  const { page, errors } = await open(t, { viewport: PHONE });
  try {
    const last = await lastPrice(page);
    await order(page, { amount: '0.01', stopLoss: roundTick(last * 0.99), leverage: 2 });
    await waitText(page, '#ticket-result', /filled/);
    await page.click('#sheet-toggle');
    const before = await page.inputValue('#positions input[name="stopLoss"]');
    await page.locator('#chart').scrollIntoViewIfNeeded();
    await dragLine(page, 'pos:stopLoss', 30);
    await waitText(page, '#toasts', /Stop-loss for BTC\/USDT set at/);
    assert.ok(Number(await page.inputValue('#positions input[name="stopLoss"]')) < Number(before));
    await page.click('label[for="tf-15m"]');
    assert.equal(await num(page, '#chart', 'data-total'), aggregate(candles.slice(0, 150), 15).length);
    await shot(page, 'phone-chart', { fullPage: false });
    await page.click('#tester-details summary');
    await page.click('#bt-run');
    await page.waitForSelector('#tester-panel[data-state="done"]', { timeout: 60_000 });
    assert.equal(await page.$eval('#bt-progress', (p) => p.value), 1);
    const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
    assert.ok(scroll <= inner, `page is ${scroll}px wide on a ${inner}px screen`);
    await page.locator('#bt-report').scrollIntoViewIfNeeded();
    await shot(page, 'phone-tester', { fullPage: false });
    assert.deepEqual(await page.evaluate(contrastFailures), [], 'text under AA contrast (phone)');
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'phone-tools');
  }
});

test('accessibility: one h1, AA contrast from computed styles (paper and live), focus kept after closing a position', { skip }, async (t) => {
  const { page, errors } = await open(t);
  try {
    assert.equal(await page.locator('h1').count(), 1);
    assert.match(await text(page, 'h1'), /trading simulator/);
    const last = await lastPrice(page);
    await order(page, { amount: '0.01', stopLoss: roundTick(last * 0.98), leverage: 1 });
    await waitText(page, '#ticket-result', /filled/);
    await page.click('label[for="act-short"]'); // the red Sell button
    await page.click('#tester-details summary');
    await page.click('#analytics-details summary');
    await page.click('#analytics-details summary');
    assert.deepEqual(await page.evaluate(contrastFailures), [], 'text under AA contrast (paper)');
    // Close the position from its row with the keyboard: focus stays in the panel.
    await page.focus('#positions button[aria-label^="Close"]');
    await page.keyboard.press('Enter');
    await waitText(page, '#st-positions', /^0$/);
    const focused = await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
    assert.equal(focused, 'positions-h', 'focus moved to the positions heading, not lost to <body>');
    await page.click('label[for="mode-live"]');
    await page.waitForSelector('#live-banner:not([hidden])');
    assert.deepEqual(await page.evaluate(contrastFailures), [], 'text under AA contrast (live)');
    noConsoleErrors(errors);
  } finally {
    await shot(page, 'a11y');
  }
});

