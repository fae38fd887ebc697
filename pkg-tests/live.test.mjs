// Live mode against the local Binance-compatible exchange over loopback (never a real
// exchange), with faults injected: reliability.md A1–A10 and B1–B5 as a user sees them.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { LiveExecutor, OrderExecutor } from 'iftb-executor';
import { startExchange } from '../server/exchange.mjs';

let ex;
before(async () => {
  ex = await startExchange({ port: 0, feed: 'none' });
});
after(async () => {
  await ex?.close();
});

const SYM = 'BTC/USDT';
function live(opts = {}) {
  return new LiveExecutor({ exchange: 'binance-usdm', apiKey: ex.apiKey, apiSecret: ex.apiSecret, baseUrl: ex.url, cacheTtlMs: 0, ...opts });
}
// setFaults merges; this puts every switch back to its default.
const clearFaults = () => ex.setFaults({ latencyMs: 0, errorAfterAccept: 0, errorStatus: 503, dropAfterAccept: 0, rateLimitNext: 0, retryAfterS: 10, banNext: 0, clockSkewMs: 0, partialFill: null, lateLandingMs: 0 });
const orderPosts = () => ex.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order');
async function flat(l) {
  const p = await l.getPosition(SYM);
  if (p) await l.closePosition(SYM);
  clearFaults();
}
function coded(code) {
  return (e) => {
    assert.ok(e instanceof Error, `not an Error: ${e}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

describe('LiveExecutor on the local exchange', () => {
  test('places, protects, queries and closes a futures position', async () => {
    const l = live();
    ex.setPrice('BTCUSDT', 50000);
    await l.setLeverage(SYM, 5);
    const before = await l.getBalance();
    const entry = await l.placeMarketOrder({ symbol: SYM, side: 'buy', amount: 0.01 });
    assert.equal(entry.status, 'filled');
    assert.equal(entry.filledAmount, 0.01);
    assert.ok(entry.filledPrice > 0);
    assert.ok(entry.fee > 0, 'commission from the trades');
    assert.match(entry.id, /^iftb-[a-z0-9]+-\d+$/);
    const sl = await l.setStopLoss({ symbol: SYM, side: 'sell', amount: 0.01, stopPrice: 48000 });
    const tp = await l.setTakeProfit({ symbol: SYM, side: 'sell', amount: 0.01, stopPrice: 55000 });
    assert.equal(sl.status, 'pending');
    assert.equal(sl.type, 'stop_loss');
    assert.equal(tp.type, 'take_profit');
    const pos = await l.getPosition(SYM);
    assert.equal(pos.side, 'long');
    assert.equal(pos.amount, 0.01);
    assert.equal(pos.leverage, 5);
    assert.ok(pos.liquidationPrice > 0 && pos.liquidationPrice < 50000, `liq ${pos.liquidationPrice}`);
    const limit = await l.placeLimitOrder({ symbol: SYM, side: 'buy', amount: 0.01, price: 45000 });
    assert.equal(limit.status, 'pending');
    const cancelled = await l.cancelOrder(limit.id);
    assert.equal(cancelled.status, 'cancelled');
    const fetched = await l.fetchOrder(entry.id);
    assert.equal(fetched.status, 'filled');
    const close = await l.closePosition(SYM);
    assert.equal(close.status, 'filled');
    assert.deepEqual(l.getOrders().filter((o) => o.status === 'pending'), [], 'SL/TP of the closed position cancelled');
    assert.equal(close.side, 'sell');
    assert.equal(await l.getPosition(SYM), null);
    const after = await l.getBalance();
    assert.ok(after.walletBalance < before.walletBalance, 'fees were charged');
  });

  test('the exchange fires the take-profit when the price moves', async () => {
    const l = live();
    ex.setPrice('BTCUSDT', 50000);
    await l.placeMarketOrder({ symbol: SYM, side: 'buy', amount: 0.01 });
    await l.updateTakeProfit(SYM, 52000);
    await l.updateStopLoss(SYM, 48000);
    assert.equal((await l.getPosition(SYM)).takeProfit, 52000);
    ex.setPrice('BTCUSDT', 52500);
    assert.equal(await l.getPosition(SYM), null, 'closed by the TP on the exchange');
    const rec = await l.reconcile();
    assert.ok(rec.updated.some((o) => o.type === 'take_profit' && o.status === 'filled'), JSON.stringify(rec.updated));
    ex.setPrice('BTCUSDT', 50000);
  });

  test('rejections surface the exchange code; filter violations are refused before sending', async () => {
    const l = live();
    await assert.rejects(l.placeMarketOrder({ symbol: SYM, side: 'buy', amount: 500 }), (e) => {
      coded('INSUFFICIENT_FUNDS')(e);
      assert.equal(e.name, 'ExchangeError');
      assert.equal(e.exchangeCode, -2019);
      assert.equal(typeof e.exchangeMessage, 'string');
      return true;
    });
    const n = ex.requests().length;
    await assert.rejects(l.placeMarketOrder({ symbol: SYM, side: 'buy', amount: 0.0015 }), coded('INVALID_STEP_SIZE'));
    await assert.rejects(l.placeLimitOrder({ symbol: SYM, side: 'buy', amount: 0.01, price: 50000.05 }), coded('INVALID_TICK_SIZE'));
    assert.equal(ex.requests().length, n, 'nothing sent');
    await assert.rejects(l.placeMarketOrder({ symbol: 'BTC/USDT', side: 'hold', amount: 1 }), coded('INVALID_SIDE'));
  });

  test('A1/A9: the response of an accepted order is lost: found by client id, never re-sent', async () => {
    const l = live({ timeoutMs: 2000 });
    const posts = orderPosts().length;
    ex.setFaults({ dropAfterAccept: 1 });
    const o = await l.placeMarketOrder({ symbol: SYM, side: 'buy', amount: 0.01 });
    assert.equal(o.status, 'filled');
    assert.equal(orderPosts().length, posts + 1, 'exactly one POST');
    assert.equal((await l.getPosition(SYM)).amount, 0.01, 'one position, not two');
    await flat(l);
  });

  test('A3: 5xx / -1007 after accepting is ambiguous: resolved by query, no duplicate', async () => {
    const l = live();
    for (const errorStatus of [503, 408]) {
      const posts = orderPosts().length;
      ex.setFaults({ errorAfterAccept: 1, errorStatus });
      const o = await l.placeMarketOrder({ symbol: SYM, side: 'buy', amount: 0.01 });
      assert.equal(o.status, 'filled', `HTTP ${errorStatus}`);
      assert.equal(orderPosts().length, posts + 1);
      assert.equal((await l.getPosition(SYM)).amount, 0.01);
      await flat(l);
    }
  });

  test('A2: an order that lands late is reported unknown, then reconciled once', async () => {
    const l = live({ resolveAttempts: 2, timeoutMs: 2000 });
    const posts = orderPosts().length;
    ex.setFaults({ dropAfterAccept: 1, lateLandingMs: 3000 });
    const err = await l.placeMarketOrder({ symbol: SYM, side: 'buy', amount: 0.01 }).catch((e) => e);
    coded('EXECUTION_STATUS_UNKNOWN')(err);
    assert.equal(err.name, 'NetworkError');
    assert.match(err.clientOrderId, /^iftb-/);
    assert.equal(orderPosts().length, posts + 1, 'not re-sent');
    clearFaults();
    await new Promise((r) => setTimeout(r, 3000));
    const rec = await l.reconcile();
    assert.deepEqual(rec.stillUnknown, []);
    assert.equal(rec.updated.filter((o) => o.id === err.clientOrderId).length, 1, JSON.stringify(rec));
    assert.equal((await l.reconcile()).updated.length, 0, 'reported once');
    await flat(l);
  });

  test('A6/A10/E1: the intent is journaled before sending; after a restart it is resumed and reconciled, never re-sent', async () => {
    const journal = [];
    const l = live({ resolveAttempts: 1, timeoutMs: 2000, journal: (e) => journal.push({ ...e, posts: orderPosts().length }) });
    const posts = orderPosts().length;
    ex.setFaults({ dropAfterAccept: 1, lateLandingMs: 2500 });
    const err = await l.placeMarketOrder({ symbol: SYM, side: 'buy', amount: 0.01 }).catch((e) => e);
    coded('EXECUTION_STATUS_UNKNOWN')(err);
    clearFaults();
    assert.equal(journal[0].type, 'intent');
    assert.equal(journal[0].clientOrderId, err.clientOrderId);
    assert.equal(journal[0].posts, posts, 'written before the POST went out');
    assert.ok(!journal.some((e) => e.type === 'settled'));
    const saved = JSON.parse(JSON.stringify(l.getInflight())); // what a page/process would persist
    assert.deepEqual(saved, [{ clientOrderId: err.clientOrderId, symbol: SYM, algo: false }]);
    // Restart: a new executor that knows only the journal.
    const settled = [];
    const l2 = live({ journal: (e) => settled.push(e) });
    assert.equal(l2.resume(saved), 1);
    await new Promise((r) => setTimeout(r, 2600));
    const rec = await l2.reconcile();
    assert.deepEqual(rec.updated.map((o) => [o.id, o.status]), [[err.clientOrderId, 'filled']]);
    assert.deepEqual(settled, [{ type: 'settled', clientOrderId: err.clientOrderId }]);
    assert.equal(orderPosts().length, posts + 1, 'exactly one POST in all');
    assert.throws(() => l2.resume([{ clientOrderId: 1 }]), coded('INVALID_ARGUMENT'));
    await flat(l2);
  });

  test('A8: partial fill keeps its fills through cancel', async () => {
    const l = live();
    ex.setFaults({ partialFill: '0.5' });
    const o = await l.placeLimitOrder({ symbol: SYM, side: 'buy', amount: 0.02, price: 50100 });
    clearFaults();
    assert.equal(o.filledAmount, 0.01, JSON.stringify(o));
    if (o.status === 'pending') {
      const c = await l.cancelOrder(o.id);
      assert.equal(c.status, 'cancelled');
      assert.equal(c.filledAmount, 0.01);
    }
    await flat(l);
  });

  test('B1: 429 with Retry-After pauses sending, then the read succeeds', async () => {
    const l = live();
    ex.setFaults({ rateLimitNext: 1, retryAfterS: 1 });
    const t0 = Date.now();
    const b = await l.getBalance();
    assert.ok(b.walletBalance > 0);
    assert.ok(Date.now() - t0 >= 1000, 'waited Retry-After');
    assert.ok(l.getRateLimitStatus().pausedUntil > 0);
  });

  test('B2: 418 stops all sending until the ban ends, and says so', async () => {
    const l = live();
    ex.setFaults({ banNext: 1, retryAfterS: 120 });
    await assert.rejects(l.getBalance(), (e) => coded('IP_BANNED')(e) && e.retryAfterMs === 120000 && e.name === 'RateLimitError');
    const n = ex.requests().length;
    await assert.rejects(l.placeMarketOrder({ symbol: SYM, side: 'buy', amount: 0.01 }), coded('IP_BANNED'));
    assert.equal(ex.requests().length, n, 'no request while banned');
    clearFaults();
  });

  test('B3: the weight header is tracked', async () => {
    const l = live();
    await l.getBalance();
    assert.ok(l.getRateLimitStatus().usedWeight >= 5);
  });

  test('B4: a skewed clock is re-synced from server time and the request retried once', async () => {
    const l = live();
    ex.setFaults({ clockSkewMs: 20_000 });
    const b = await l.getBalance();
    assert.ok(b.walletBalance > 0);
    const off = l.getRateLimitStatus().clockOffsetMs;
    assert.ok(Math.abs(off - 20_000) < 1000, `offset ${off}`);
    clearFaults();
  });
});

describe('OrderExecutor({ paperMode: false })', () => {
  test('runs the same decisions live: validation, SL/TP, status, emergency close', async () => {
    ex.setPrice('BTCUSDT', 50000);
    await flat(live());
    const logs = [];
    const exe = new OrderExecutor({ paperMode: false, exchange: 'binance-usdm', apiKey: ex.apiKey, apiSecret: ex.apiSecret, baseUrl: ex.url, cacheTtlMs: 0, maxLeverage: 5, maxPositionSize: 0.5, logger: (r) => logs.push(r) });
    assert.equal(exe.mode, 'live');
    await assert.rejects(exe.executeDecision({ action: 'long', symbol: SYM, amount: 0.01, leverage: 10 }), coded('LEVERAGE_EXCEEDED'));
    await assert.rejects(exe.executeDecision({ action: 'long', symbol: SYM, amount: 0.01, stopLoss: 51000 }), coded('INVALID_STOP_LOSS'));
    const o = await exe.executeDecision({ action: 'long', symbol: SYM, amount: 0.01, stopLoss: 48000, takeProfit: 55000, leverage: 2 });
    assert.equal(o.status, 'filled');
    const st = await exe.getAccountStatus();
    assert.equal(st.mode, 'live');
    assert.equal(st.positionsCount, 1);
    assert.equal(st.positions[0].stopLoss, 48000);
    assert.equal(st.positions[0].takeProfit, 55000);
    await exe.updateStopLoss(SYM, 49000);
    assert.equal((await exe.getPositions())[0].stopLoss, 49000);
    const closed = await exe.emergencyCloseAll();
    assert.equal(closed.length, 1);
    assert.equal((await exe.getAccountStatus()).positionsCount, 0);
    assert.ok(logs.some((r) => r.event === 'fill'), JSON.stringify(logs.map((r) => r.event)));
    assert.ok(logs.some((r) => r.event === 'emergencyClose'));
  });
});

describe('through the signing proxy (browser-style: the client holds no secret)', () => {
  test('LiveExecutor with proxyUrl trades on the local exchange; refusals reach nothing upstream', async (t) => {
    const { startProxy } = await import('../server/proxy.mjs');
    const os = await import('node:os');
    const path = await import('node:path');
    const proxy = await startProxy({ port: 0, upstream: 'local', upstreamUrl: ex.url, banner: false, auditLog: path.join(os.tmpdir(), `iftb-live-audit-${process.pid}.log`), stderr: { write() {} } });
    t.after(() => proxy.close());
    ex.setPrice('BTCUSDT', 50000);
    const l = new LiveExecutor({ exchange: 'binance-usdm', proxyUrl: proxy.url, proxyToken: proxy.token, cacheTtlMs: 0 });
    const o = await l.placeMarketOrder({ symbol: SYM, side: 'buy', amount: 0.01 });
    assert.equal(o.status, 'filled');
    const last = orderPosts().at(-1);
    assert.equal(last.status, 200, 'the exchange verified the signature the proxy made');
    assert.equal(last.params.newClientOrderId, o.id);
    assert.equal((await l.getPosition(SYM)).amount, 0.01);
    assert.equal((await l.closePosition(SYM)).status, 'filled');
    const n = ex.requests().length;
    const bad = await fetch(`${proxy.url}/fapi/v1/order?symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01&signature=abc`, { method: 'POST', headers: { authorization: `Bearer ${proxy.token}` } });
    assert.equal(bad.status, 400);
    const noToken = await fetch(`${proxy.url}/fapi/v2/balance`);
    assert.equal(noToken.status, 401);
    const withdraw = await fetch(`${proxy.url}/sapi/v1/capital/withdraw/apply?coin=BTC`, { method: 'POST', headers: { authorization: `Bearer ${proxy.token}` } });
    assert.equal(withdraw.status, 403);
    assert.equal(ex.requests().length, n, 'zero upstream traffic for refusals');
    const wrong = new LiveExecutor({ exchange: 'binance-usdm', proxyUrl: proxy.url, proxyToken: 'wrong' });
    await assert.rejects(wrong.getBalance(), (e) => coded('AUTHENTICATION_FAILED')(e) && e.httpStatus === 401 && /signing proxy refused \(PROXY_/.test(e.message));
  });
});

describe('LiveExecutor on Spot', () => {
  test('market and limit orders, cancel, balances, fee in quote, close sells what is held (rounded down)', async () => {
    ex.setPrice('BTCUSDT', 50000);
    const l = new LiveExecutor({ exchange: 'binance-spot', apiKey: ex.apiKey, apiSecret: ex.apiSecret, baseUrl: ex.url, cacheTtlMs: 0 });
    assert.equal(l.exchange, 'binance-spot');
    const before = await l.getBalance();
    const buy = await l.placeMarketOrder({ symbol: SYM, side: 'buy', amount: 0.01 });
    assert.equal(buy.status, 'filled');
    assert.equal(buy.filledAmount, 0.01);
    assert.ok(buy.fee > 0 && buy.fee < 5, `fee in USDT: ${buy.fee}`);
    const posts = ex.requests().filter((r) => r.method === 'POST' && r.path === '/api/v3/order');
    assert.equal(posts.at(-1).status, 200);
    const after = await l.getBalance();
    assert.ok(Math.abs(before.balance - after.balance - 0.01 * buy.filledPrice) < 1e-6, `${before.balance} → ${after.balance}`);
    const limit = await l.placeLimitOrder({ symbol: SYM, side: 'buy', amount: 0.01, price: 40000 });
    assert.equal(limit.status, 'pending');
    assert.ok((await l.getBalance()).reserved >= 400, 'the limit locks its quote');
    assert.equal((await l.cancelOrder(limit.id)).status, 'cancelled');
    await l.loadMarkets();
    assert.equal(l.roundAmount(SYM, '0.0123456', '0.012'), 0.012, 'never above what is held');
    const step = l.getRules(SYM).stepSize;
    assert.equal(String(step), '0.00001', 'filters as exact decimal strings');
    assert.equal(l.roundAmount(SYM, '0.0123456'), 0.01234, 'down to the step');
    assert.equal(typeof l.roundPrice(SYM, '50000.123'), 'number');
    const close = await l.closePosition(SYM);
    assert.equal(close.side, 'sell');
    assert.equal(close.status, 'filled');
    assert.equal(await l.getPosition(SYM), null, 'spot keeps balances, not positions');
  });
});
