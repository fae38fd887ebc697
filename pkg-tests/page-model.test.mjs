// The page's DOM-free parts for the trader's tools, under Node (runs in `npm test -- --quick`):
// closed trades rebuilt from the real engine's events (net of fees, flips, liquidations), the
// engine calls the ticket relies on (previewDecision, the market clock, SL/TP removal), replay
// jumps and market time, readable numbers, and `node scripts/serve.mjs` serving on its own.
//   node --test pkg-tests/page-model.test.mjs
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OrderExecutor } from 'iftb-executor';
import { ReplayFeed, SimFeed, TICK_MS, WARMUP, feedFromState, parseCandles, simStartAt } from '../www/feed.js';
import { pct, ratio, readable, time } from '../www/fmt.js';
import { TradeBook } from '../www/trades.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const candles = parseCandles(readFileSync(path.join(root, 'www/data/btcusdt-5m.csv'), 'utf8'));
const BTC = 'BTC/USDT';
const close = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≠ ${b}`);

describe('closed trades from the engine\'s events', () => {
  test('a round trip, a partial close, a flip (fee shared by amount) and a liquidation', async () => {
    let now = Date.UTC(2023, 0, 3);
    const ex = new OrderExecutor({ logger: null, clock: () => now, maxPositionSize: 1, maxLeverage: 20 });
    const book = new TradeBook();
    const closed = [];
    book.onClose = (t) => closed.push(t);
    const price = (p) => {
      now += 60_000;
      ex.updatePrice(BTC, p);
    };
    const go = (action, amount, extra = {}) => ex.executeDecision({ action, symbol: BTC, amount, ...extra });
    price(20000);
    await go('long', '0.1');
    price(20100);
    await go('close', '0.04');
    price(20200);
    await go('close', '0.06');
    // A flip: long 0.05, then short 0.15 (closes 0.05, opens 0.10 in one fill).
    await go('long', '0.05');
    price(20000);
    await go('short', '0.15');
    price(19900);
    await go('close', '0.1');
    // A liquidation at 20x.
    price(20000);
    await go('long', '0.1', { leverage: 20 });
    price(18000);
    for (const ev of await ex.getEvents(0)) book.consume(ev);
    assert.equal(closed.length, 4);
    const fills = await ex.getFills();
    const acc = await ex.getAccountStatus();
    // Every fee and realized PnL of the account is in exactly one trade.
    close(book.trades.reduce((s, t) => s + t.fees, 0), acc.feesPaid, 1e-6);
    close(book.trades.reduce((s, t) => s + t.grossPnl, 0), acc.realizedPnl, 1e-6);
    const [a, b, c, d] = book.trades;
    assert.deepEqual([a.side, a.amount, a.exitReason], ['long', 0.1, 'manual']);
    close(a.entryPrice, fills[0].price);
    close(a.exitPrice, (fills[1].price * 0.04 + fills[2].price * 0.06) / 0.1);
    close(a.fees, fills[0].fee + fills[1].fee + fills[2].fee);
    close(a.netPnl, a.grossPnl - a.fees);
    // The flip's fill: a third of its fee closes b, two thirds open c.
    const flip = fills[4];
    close(b.fees, fills[3].fee + flip.fee / 3);
    assert.deepEqual([c.side, c.amount], ['short', 0.1]);
    close(c.fees, (flip.fee * 2) / 3 + fills[5].fee);
    assert.equal(c.entryTime, b.exitTime);
    assert.equal(d.exitReason, 'liquidation');
    close(d.netPnl, d.grossPnl - d.fees);
    assert.equal(a.entryTime, Date.UTC(2023, 0, 3) + 60_000, 'market time from the clock option');
    // Events seen twice change nothing.
    for (const ev of await ex.getEvents(0)) book.consume(ev);
    assert.equal(book.trades.length, 4);
  });
});

describe('engine calls the ticket uses', () => {
  test('previewDecision: the engine\'s fill, fee, liquidity and resulting position, and nothing changes', async () => {
    const ex = new OrderExecutor({ logger: null });
    ex.updatePrice(BTC, 16700);
    await ex.executeDecision({ action: 'long', symbol: BTC, amount: '0.01', leverage: 2 });
    const before = JSON.stringify(ex.snapshot());
    const flip = ex.previewDecision({ action: 'short', symbol: BTC, amount: '0.03', leverage: 2, stopLoss: '17000' });
    assert.deepEqual([flip.position.side, flip.position.amount, flip.position.stopLoss], ['short', 0.02, 17000]);
    assert.equal(flip.fills[0].liquidity, 'taker');
    const reduce = ex.previewDecision({ action: 'short', symbol: BTC, amount: '0.01', leverage: 2, stopLoss: '17000' });
    assert.equal(reduce.position, null, 'closes: the typed stop-loss has nowhere to go');
    const cross = ex.previewDecision({ action: 'long', symbol: BTC, amount: '0.01', orderType: 'limit', entryPrice: '17000', leverage: 2 });
    assert.deepEqual([cross.rests, cross.fills[0].liquidity, cross.fills[0].price], [false, 'taker', 16708.35]);
    const rest = ex.previewDecision({ action: 'long', symbol: BTC, amount: '0.01', orderType: 'limit', entryPrice: '16000', leverage: 2 });
    assert.deepEqual([rest.rests, rest.fills[0].liquidity, rest.fills[0].fee, rest.position.amount], [true, 'maker', 0.032, 0.02]);
    assert.ok(rest.order.reserved > 0);
    assert.throws(() => ex.previewDecision({ action: 'long', symbol: BTC, amount: '5', leverage: 2 }), { code: 'POSITION_SIZE_EXCEEDED' });
    assert.equal(JSON.stringify(ex.snapshot()), before, 'previews leave the account as it was');
  });

  test('the clock option stamps orders, fills and events; a bad clock is refused; null removes SL/TP', async () => {
    assert.throws(() => new OrderExecutor({ clock: 5 }), { code: 'INVALID_CONFIG' });
    const t = Date.UTC(2023, 0, 5, 12);
    const ex = new OrderExecutor({ logger: null, clock: () => t });
    ex.updatePrice(BTC, 16700);
    const o = await ex.executeDecision({ action: 'long', symbol: BTC, amount: '0.01', stopLoss: '16000', takeProfit: '17000' });
    assert.equal(o.timestamp, t);
    assert.ok((await ex.getEvents(0)).every((e) => e.timestamp === t));
    const p = await ex.updateStopLoss(BTC, null);
    assert.equal(p.stopLoss, null);
    assert.deepEqual((await ex.getOpenOrders()).map((x) => x.type), ['take_profit']);
    assert.equal((await ex.updateTakeProfit(BTC, null)).takeProfit, null);
    assert.equal((await ex.getOpenOrders()).length, 0);
    // A restored executor takes the clock too.
    const back = OrderExecutor.restore(ex.snapshot(), { logger: null, clock: () => t + 1000 });
    assert.equal((await back.executeDecision({ action: 'close', symbol: BTC, amount: '0.01' })).timestamp, t + 1000);
  });
});

describe('market time and replay jumps', () => {
  test('each tick has its market time; a jump lands on a candle; a simulated feed continues the clock', () => {
    const f = new ReplayFeed(BTC, 'btcusdt-5m', candles);
    assert.equal(f.now, candles[WARMUP - 1].t + 3 * TICK_MS, 'the close of the last warm-up candle');
    f.next();
    assert.equal(f.now, candles[WARMUP].t);
    f.next();
    assert.equal(f.now, candles[WARMUP].t + TICK_MS);
    assert.equal(f.length, WARMUP + 1);
    assert.equal(f.bar(WARMUP).partial, true);
    const t = Date.UTC(2023, 0, 20, 12);
    f.jump(f.indexAt(t) + 1);
    assert.equal(f.bar(f.length - 1).t, t);
    assert.equal(f.last, candles.find((k) => k.t === t).c);
    const g = feedFromState(BTC, JSON.parse(JSON.stringify(f.state())), { 'btcusdt-5m': candles });
    assert.equal(g.now, f.now);
    const sim = new SimFeed('ETH/USDT', { seed: 1, start: 1600, tickSize: '0.01', t0: simStartAt(f.now) });
    sim.next();
    assert.equal(sim.now, Math.floor(f.now / 300_000) * 300_000 + 300_000, 'its first candle is the next 5 minutes');
    const again = feedFromState('ETH/USDT', JSON.parse(JSON.stringify(sim.state())), {});
    assert.equal(again.now, sim.now);
  });
});

describe('numbers for people', () => {
  test('engine sentences, percentages, ratios, market time', () => {
    assert.equal(readable('daily loss limit reached: equity 9888.9856586375 is down 1.11% from 10000 (limit 1%)'),
      'daily loss limit reached: equity 9,888.99 is down 1.11% from 10,000 (limit 1%)');
    assert.equal(pct(0.20689655), '20.69%');
    assert.equal(ratio(Infinity), '∞');
    assert.equal(ratio(null), '–');
    assert.equal(time(Date.UTC(2023, 0, 3, 5, 13, 45)), '2023-01-03 05:13:45');
  });
});

describe('node scripts/serve.mjs', () => {
  test('serves the page, the package, the backtest module and the vendored chart library on its own', async (t) => {
    const child = spawn(process.execPath, [path.join(root, 'scripts/serve.mjs')], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => child.kill());
    const url = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code}: ${out}`)));
    });
    for (const [p, type, re] of [
      ['', 'text/html', /<h1/], ['pkg/web/iftb_executor.js', 'text/javascript', /export/], ['backtest/index.mjs', 'text/javascript', /export async function backtest/],
      ['vendor/lightweight-charts.mjs', 'text/javascript', /createChart/], ['data/btcusdt-5m.csv', 'text/csv', /^timestamp/],
    ]) {
      const res = await fetch(new URL(p, url));
      assert.equal(res.status, 200, p);
      assert.match(res.headers.get('content-type'), new RegExp(type));
      assert.match(await res.text(), re, p);
    }
    assert.equal((await fetch(new URL('vendor/nothing.mjs', url))).status, 403);
    // Nothing outside its folders: an encoded ../ stays inside backtest/.
    assert.equal((await fetch(`${url}backtest/..%2f..%2fpackage.json`)).status, 404);
  });
});
