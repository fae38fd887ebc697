// The page's DOM-free modules under Node (runs in `npm test -- --quick` too):
// feeds (replay, seeded random walk, state round trips), decimal helpers, the mapping of the
// engine's real errors to ticket fields, and the live-mode proxy health check.
//   node --test pkg-tests/page-units.test.mjs
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OrderExecutor } from 'iftb-executor';
import { describeSettingsError, describeTicketError } from '../www/errors.js';
import { ReplayFeed, SimFeed, TICKS_PER_CANDLE, WARMUP, candlePath, feedFromState, parseCandles, roundToTick } from '../www/feed.js';
import { floorToStep, shiftDecimal } from '../www/fmt.js';
import { checkProxyHealth, createLiveExecutor, describeLiveError } from '../www/live.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const candles = parseCandles(readFileSync(path.join(root, 'www/data/btcusdt-5m.csv'), 'utf8'));
const take = (feed, n) => Array.from({ length: n }, () => feed.next());

describe('feeds', () => {
  test('the bundled candles parse: 10,999 rows, consistent OHLC', () => {
    assert.equal(candles.length, 10999);
    for (const k of candles) assert.ok(k.l <= Math.min(k.o, k.c) && k.h >= Math.max(k.o, k.c), JSON.stringify(k));
    assert.deepEqual(candles[0], { t: 1672677900000, o: 16727.3, h: 16728.8, l: 16726, c: 16726.1, v: 691.508 });
  });

  test('a replayed candle is open, low, high, close when rising (high first when falling)', () => {
    assert.deepEqual(candlePath({ o: 10, h: 12, l: 9, c: 11 }), [10, 9, 12, 11]);
    assert.deepEqual(candlePath({ o: 11, h: 12, l: 9, c: 10 }), [11, 12, 9, 10]);
    const f = new ReplayFeed('BTC/USDT', 'btcusdt-5m', candles);
    assert.equal(f.last, candles[WARMUP - 1].c);
    assert.deepEqual(take(f, TICKS_PER_CANDLE), candlePath(candles[WARMUP]));
    assert.equal(f.view(5).at(-1), candles[WARMUP]);
    f.next();
    const forming = f.view(5).at(-1);
    assert.equal(forming.partial, true);
    assert.equal(forming.o, candles[WARMUP + 1].o);
  });

  test('replay state round-trips mid-candle and ends at the end of the data', () => {
    const a = new ReplayFeed('BTC/USDT', 'btcusdt-5m', candles);
    take(a, 4 * 10 + 2);
    const b = feedFromState('BTC/USDT', JSON.parse(JSON.stringify(a.state())), { 'btcusdt-5m': candles });
    assert.equal(b.last, a.last);
    assert.deepEqual(take(b, 50), take(a, 50));
    assert.deepEqual(b.view(30), a.view(30));
    const end = new ReplayFeed('BTC/USDT', 'btcusdt-5m', candles, { index: candles.length - 1, tick: 0 });
    assert.deepEqual(take(end, 5), [...candlePath(candles.at(-1)), null]);
    assert.equal(end.ended, true);
  });

  test('the simulated feed is deterministic per seed, on the tick grid, and restores from its state', () => {
    const opts = { seed: 7, vol: 0.003, start: 16700, tickSize: '0.1' };
    const a = new SimFeed('BTC/USDT', opts);
    const b = new SimFeed('BTC/USDT', opts);
    const pa = take(a, 400);
    assert.deepEqual(take(b, 400), pa);
    assert.notDeepEqual(take(new SimFeed('BTC/USDT', { ...opts, seed: 8 }), 400), pa);
    for (const p of pa) assert.match(String(p), /^\d+(\.\d)?$/, `${p} is not on the 0.1 tick grid`);
    // Volatility: per-candle moves have about the configured size.
    const closes = a.candles.map((k) => k.c);
    const moves = closes.slice(1).map((c, i) => Math.log(c / closes[i]));
    const sd = Math.sqrt(moves.reduce((s, m) => s + m * m, 0) / moves.length);
    assert.ok(sd > 0.002 && sd < 0.004, `per-candle volatility ${sd}`);
    // Restore mid-candle from the few numbers of its state.
    take(a, 3);
    const c = feedFromState('BTC/USDT', JSON.parse(JSON.stringify(a.state())), {});
    assert.equal(c.last, a.last);
    assert.deepEqual(c.view(20), a.view(20));
    assert.deepEqual(take(c, 100), take(a, 100));
  });

  test('roundToTick gives clean decimals', () => {
    assert.equal(String(roundToTick(16727.349999, '0.1')), '16727.3');
    assert.equal(String(roundToTick(0.351749, '0.0001')), '0.3517');
  });
});

describe('decimal helpers', () => {
  test('shiftDecimal moves the point exactly (percent ⇄ fraction)', () => {
    assert.equal(shiftDecimal('0.04', -2), '0.0004');
    assert.equal(shiftDecimal('10', -2), '0.1');
    assert.equal(shiftDecimal('0.0004', 2), '0.04');
    assert.equal(shiftDecimal('150', -2), '1.5');
    assert.equal(shiftDecimal('-1', -2), '-0.01');
    assert.equal(shiftDecimal('.5', -2), '0.005');
    assert.equal(shiftDecimal('0.1', 2), '10');
    assert.equal(shiftDecimal('abc', -2), null);
    assert.equal(shiftDecimal('', -2), null);
  });

  test('floorToStep never rounds up and keeps the step\'s decimals', () => {
    assert.equal(floorToStep(0.0299999, '0.001'), '0.029');
    assert.equal(floorToStep(0.03, '0.001'), '0.030');
    assert.equal(floorToStep(12.9, '1'), '12');
    assert.equal(floorToStep(0, '0.001'), '0');
  });
});

describe('engine errors → ticket fields, from the real engine', () => {
  const ex = new OrderExecutor({ logger: null });
  ex.updatePrice('BTC/USDT', '16691');
  const reject = async (req) => {
    try {
      await ex.executeDecision({ action: 'long', symbol: 'BTC/USDT', amount: '0.01', orderType: 'market', ...req });
    } catch (err) {
      return describeTicketError(err, { symbol: req.symbol ?? 'BTC/USDT' });
    }
    assert.fail(`accepted: ${JSON.stringify(req)}`);
  };
  const cases = [
    [{ amount: '0.0001' }, 'amount', /smallest BTC\/USDT order is 0\.001 BTC/],
    [{ amount: '0.0015' }, 'amount', /steps of 0\.001 BTC; try 0\.001\./],
    [{ amount: '0.005' }, 'amount', /Order value 83\.4\d USDT is below the BTC\/USDT minimum of 100 USDT/],
    [{ amount: '-1' }, 'amount', /greater than zero/],
    [{ amount: 'abc' }, 'amount', /Enter an amount/],
    [{ amount: '1' }, 'amount', /needs 16,691\.00 USDT of margin, but at most 1,000\.00 USDT \(10% of equity\)/],
    [{ leverage: 9 }, 'leverage', /9x is above your maximum leverage of 5x/],
    [{ leverage: 2.5 }, 'leverage', /whole number from 1 to 125/],
    [{ stopLoss: '17000' }, 'stopLoss', /For a long, the stop-loss must be below the entry price \(16,691\)/],
    [{ takeProfit: '16000' }, 'takeProfit', /For a long, the take-profit must be above the entry price/],
    [{ stopLoss: '16000.05' }, 'stopLoss', /prices move in steps of 0\.1 USDT; round the stop-loss/],
    [{ takeProfit: 'x' }, 'takeProfit', /take-profit as a number/],
    [{ orderType: 'limit' }, 'price', /needs a limit price/],
    [{ orderType: 'limit', entryPrice: '0' }, 'price', /limit price must be above zero/],
    [{ orderType: 'limit', entryPrice: '16000.01' }, 'price', /round the limit price/],
    [{ action: 'close' }, 'action', /no open BTC\/USDT position to close/],
  ];
  for (const [req, field, re] of cases) {
    test(`${JSON.stringify(req)} → ${field}`, async () => {
      const d = await reject(req);
      assert.equal(d.field, field, `${d.code}: ${d.text}`);
      assert.match(d.text, re);
    });
  }

  test('NO_PRICE and LEVERAGE_LOCKED', async () => {
    const d = await reject({ symbol: 'ETH/USDT' });
    assert.equal(d.field, null);
    assert.match(d.text, /No ETH\/USDT price yet: press Play or Step/);
    await ex.executeDecision({ action: 'long', symbol: 'BTC/USDT', amount: '0.01', leverage: 2 });
    const l = await reject({ leverage: 3 });
    assert.equal(l.field, 'leverage');
    assert.match(l.text, /uses 2x/);
  });

  test('settings errors name their field', () => {
    const bad = (o) => {
      try {
        new OrderExecutor({ logger: null, ...o });
      } catch (err) {
        return describeSettingsError(err);
      }
      assert.fail(`accepted ${JSON.stringify(o)}`);
    };
    assert.deepEqual(bad({ makerFee: '1.5' }), { field: 'makerFee', text: 'Must be at least 0% and below 100%.', code: 'INVALID_CONFIG' });
    assert.equal(bad({ maxPositionSize: '0' }).text, 'Must be above 0% and at most 100%.');
    assert.equal(bad({ maxLeverage: 200 }).field, 'maxLeverage');
    assert.equal(bad({ initialBalance: '-5' }).field, 'initialBalance');
    assert.equal(bad({ takerFee: 'x' }).field, 'takerFee');
  });
});

describe('live proxy health check', () => {
  const serveOnce = async (handler) => {
    const server = http.createServer(handler);
    await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
    return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((ok) => server.close(ok)) };
  };
  const code = (p) => p.then(() => 'resolved', (e) => e.code);

  test('not running, bad token, bad answers, timeout, healthy', async () => {
    const dead = await serveOnce(() => {});
    await dead.close();
    assert.equal(await code(checkProxyHealth(dead.url, 't')), 'PROXY_UNREACHABLE');
    assert.equal(await code(checkProxyHealth('ftp://x', 't')), 'INVALID_PROXY_URL');
    assert.equal(await code(checkProxyHealth('http://127.0.0.1:1', '')), 'PROXY_TOKEN_MISSING');

    let seen;
    const s = await serveOnce((req, res) => {
      seen = req.headers.authorization;
      const tok = seen?.slice('Bearer '.length);
      if (tok === 'slow') return setTimeout(() => res.end('{}'), 500);
      if (tok === 'html') return res.end('<html>');
      if (tok === 'down') return res.end('{"ok":false,"error":"upstream unreachable"}');
      if (tok === 'boom') return res.writeHead(500).end('oops');
      if (tok !== 'good') return res.writeHead(401).end();
      res.end(JSON.stringify({ ok: true, upstream: { market: 'binance-usdm', url: 'https://fapi.binance.com' }, serverTimeOffsetMs: -3 }));
    });
    try {
      assert.equal(await code(checkProxyHealth(s.url, 'nope')), 'PROXY_UNAUTHORIZED');
      assert.equal(await code(checkProxyHealth(s.url, 'html')), 'PROXY_BAD_RESPONSE');
      assert.equal(await code(checkProxyHealth(s.url, 'boom')), 'PROXY_HTTP_ERROR');
      await assert.rejects(checkProxyHealth(s.url, 'down'), { code: 'PROXY_NOT_READY', message: /upstream unreachable/ });
      assert.equal(await code(checkProxyHealth(s.url, 'slow', { timeoutMs: 100 })), 'PROXY_TIMEOUT');
      const h = await checkProxyHealth(s.url, 'good');
      assert.equal(seen, 'Bearer good');
      assert.deepEqual(h.upstream, { market: 'binance-usdm', url: 'https://fapi.binance.com' });
    } finally {
      await s.close();
    }
  });

  test('live placements left unknown by a reload are resumed from storage (E1)', () => {
    const mem = new Map([['iftb-executor.live.inflight', JSON.stringify([{ clientOrderId: 'iftb-abc-7', symbol: 'BTC/USDT', algo: false }])]]);
    const storage = { getItem: (k) => mem.get(k) ?? null, setItem: (k, v) => mem.set(k, v) };
    // A dead port: the reconcile it starts fails quietly and the intent stays saved.
    const live = createLiveExecutor(OrderExecutor, { proxyUrl: 'http://127.0.0.1:9', proxyToken: 't', storage });
    assert.deepEqual(live.getInflight(), [{ clientOrderId: 'iftb-abc-7', symbol: 'BTC/USDT', algo: false }]);
    assert.match(mem.get('iftb-executor.live.inflight'), /iftb-abc-7/);
  });

  test('the live executor is an OrderExecutor in live mode over the proxy (no request until used)', () => {
    const live = createLiveExecutor(OrderExecutor, { proxyUrl: 'http://127.0.0.1:8787', proxyToken: 't' });
    assert.equal(live.mode, 'live');
    assert.equal(typeof live.executeDecision, 'function');
    assert.match(describeLiveError({ code: 'NETWORK_ERROR', message: 'connection failed' }), /Network error talking to the proxy/);
  });
});
