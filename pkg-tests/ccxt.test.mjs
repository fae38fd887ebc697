// An unmodified third-party client, the `ccxt` npm package, trading on the local exchange:
// only its URLs are pointed at it (every API of the class, so nothing can reach Binance) and
// `fetchCurrencies: false` (that call needs /sapi, which the local exchange does not serve).
//   npm run build && node --test pkg-tests/ccxt.test.mjs
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import ccxt from 'ccxt';
import { ccxtUrls, startExchange } from 'iftb-executor/server/exchange.mjs';

const CCXT_VERSION = JSON.parse(readFileSync(new URL('../node_modules/ccxt/package.json', import.meta.url), 'utf8')).version;
const BTC = 'BTC/USDT:USDT';

let srv;
before(async () => {
  srv = await startExchange({ port: 0, feed: 'none' });
});
after(async () => {
  await srv?.close();
});

/** A ccxt instance of `Class` whose every API URL points at the local server. */
function client(Class, options = {}) {
  const template = new Class().urls.api;
  return new Class({
    apiKey: srv.apiKey,
    secret: srv.apiSecret,
    urls: { api: ccxtUrls(srv.url, template) },
    options: { fetchCurrencies: false, ...options },
  });
}

/** `METHOD path` of every request since `from`, in order. */
function calls(from = 0) {
  return srv.requests().slice(from).map((r) => `${r.method} ${r.path}`);
}

test(`ccxt ${CCXT_VERSION} binanceusdm: markets, leverage, market + limit orders, query, cancel, positions, balance`, async () => {
  srv.reset();
  const ex = client(ccxt.binanceusdm);
  const markets = await ex.loadMarkets();
  assert.deepEqual(Object.keys(markets).sort(), ['BNB/USDT:USDT', 'BTC/USDT:USDT', 'ETH/USDT:USDT', 'SOL/USDT:USDT', 'XRP/USDT:USDT']);
  assert.equal(markets[BTC].precision.amount, 0.001);
  assert.equal(markets[BTC].limits.cost.min, 100);

  const lev = await ex.setLeverage(10, BTC);
  assert.equal(lev.leverage, 10);

  const m = await ex.createOrder(BTC, 'market', 'buy', 0.1);
  assert.equal(m.status, 'closed');
  assert.equal(m.filled, 0.1);
  assert.equal(m.average, 50000);
  assert.match(m.clientOrderId, /^x-/);

  const l = await ex.createOrder(BTC, 'limit', 'buy', 0.01, 45000);
  assert.equal(l.status, 'open');
  const f = await ex.fetchOrder(l.id, BTC);
  assert.deepEqual([f.id, f.status, f.price, f.amount, f.filled], [l.id, 'open', 45000, 0.01, 0]);
  const open = await ex.fetchOpenOrders(BTC);
  assert.deepEqual(open.map((o) => o.id), [l.id]);
  const c = await ex.cancelOrder(l.id, BTC);
  assert.equal(c.status, 'canceled');
  assert.equal((await ex.fetchOpenOrders(BTC)).length, 0);

  srv.setPrice('BTCUSDT', '51000');
  const [pos] = await ex.fetchPositions([BTC]);
  assert.equal(pos.symbol, BTC);
  assert.equal(pos.side, 'long');
  assert.equal(pos.contracts, 0.1);
  assert.equal(pos.entryPrice, 50000);
  assert.equal(pos.markPrice, 51000);
  assert.equal(pos.unrealizedPnl, 100);
  // /fapi/v3/positionRisk carries no leverage (as on Binance); ccxt derives the margin rate.
  assert.equal(pos.initialMarginPercentage, 0.1);
  assert.equal(pos.marginMode, 'isolated');

  // Wallet 10000 − 0.05% × 5000 = 9997.5; 500 margin in the position; ccxt's total is the
  // margin balance (wallet + 100 unrealized).
  const bal = await ex.fetchBalance();
  assert.equal(bal.info.assets[0].walletBalance, '9997.50000000');
  assert.equal(bal.USDT.total, 10097.5);
  assert.equal(bal.USDT.free, 9497.5);
  // used = initial margin at the mark: 0.1 × 51000 / 10.
  assert.equal(bal.USDT.used, 510);

  // Errors reach ccxt with Binance's codes. ccxt picks its USD-M-specific code table by the
  // host (https://fapi.binance.com/), so on a local URL only its common table applies:
  // -2019 is then a plain ExchangeError, -2013/-2011 are OrderNotFound as usual.
  await assert.rejects(ex.createOrder(BTC, 'market', 'buy', 50), (e) => e instanceof ccxt.ExchangeError && /"code":-2019,"msg":"Margin is insufficient."/.test(e.message));
  await assert.rejects(ex.fetchOrder('987654', BTC), (e) => e instanceof ccxt.OrderNotFound && /-2013/.test(e.message));
  await assert.rejects(ex.cancelOrder(l.id, BTC), (e) => e instanceof ccxt.OrderNotFound && /-2011/.test(e.message));
  await assert.rejects(ex.createOrder(BTC, 'limit', 'buy', 0.001, 45000), (e) => e instanceof ccxt.ExchangeError && /"code":-4164/.test(e.message));

  const used = [...new Set(calls())].sort();
  assert.ok(used.every((u) => /^(GET|POST|DELETE) \/fapi\//.test(u)), used.join('\n'));
  console.log(`# ccxt ${CCXT_VERSION} binanceusdm called: ${used.join(', ')}`);
});

test('ccxt binanceusdm: stop-market and take-profit through the Algo endpoint fire on price', async () => {
  srv.reset();
  const ex = client(ccxt.binanceusdm);
  await ex.loadMarkets();
  await ex.createOrder(BTC, 'market', 'buy', 0.1);
  const from = srv.requests().length;
  const sl = await ex.createOrder(BTC, 'market', 'sell', 0.1, undefined, { stopLossPrice: 48000, reduceOnly: true });
  assert.equal(sl.status, 'open');
  assert.equal(sl.triggerPrice, 48000);
  const tp = await ex.createOrder(BTC, 'market', 'sell', 0.1, undefined, { takeProfitPrice: 55000, reduceOnly: true });
  assert.deepEqual(calls(from), ['POST /fapi/v1/algoOrder', 'POST /fapi/v1/algoOrder']);
  const trig = await ex.fetchOpenOrders(BTC, undefined, undefined, { trigger: true });
  assert.deepEqual(trig.map((o) => o.id).sort(), [sl.id, tp.id].sort());

  srv.setPrice('BTCUSDT', '47900');
  const [pos] = await ex.fetchPositions([BTC]);
  assert.ok(pos === undefined || pos.contracts === 0, JSON.stringify(pos));
  const done = await ex.fetchOrder(sl.id, BTC, { trigger: true });
  assert.equal(done.status, 'closed');
  // The take-profit stays until cancelled (Binance does not cancel it with the position).
  const x = await ex.cancelOrder(tp.id, BTC, { trigger: true });
  assert.equal(x.id, tp.id);
  assert.equal((await ex.fetchOpenOrders(BTC, undefined, undefined, { trigger: true })).length, 0);
  // Wallet: 10000 − 2.5 (open fee) − 210 (loss 0.1 × 2100) − 2.395 (fee at 47900).
  const bal = await ex.fetchBalance();
  assert.equal(bal.USDT.total, 9785.105);
  // A conditional order on the plain endpoint is refused as Binance does since 2025-12-09.
  await assert.rejects(
    ex.fapiPrivatePostOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_MARKET', stopPrice: '40000', closePosition: 'true' }),
    (e) => /-4120/.test(e.message),
  );
});

test('ccxt binanceusdm: adjustForTimeDifference copes with a skewed exchange clock', async () => {
  srv.reset();
  srv.setFaults({ clockSkewMs: -3000 });
  try {
    const naive = client(ccxt.binanceusdm);
    await naive.loadMarkets();
    await assert.rejects(naive.fetchBalance(), (e) => e instanceof ccxt.InvalidNonce && /-1021/.test(e.message));
    const synced = client(ccxt.binanceusdm, { adjustForTimeDifference: true });
    await synced.loadMarkets();
    const bal = await synced.fetchBalance();
    assert.equal(bal.USDT.total, 10000);
  } finally {
    srv.setFaults({ clockSkewMs: 0 });
  }
});

test('ccxt binanceusdm: a retried createOrder after a lost response places a second order (reliability A4)', async () => {
  srv.reset();
  const ex = client(ccxt.binanceusdm);
  await ex.loadMarkets();
  srv.setFaults({ dropAfterAccept: 1 });
  await assert.rejects(ex.createOrder(BTC, 'market', 'buy', 0.01, undefined, { clientOrderId: 'intent-1' }), ccxt.NetworkError);
  // The order exists although the client never heard back.
  const found = await ex.fetchOrder(undefined, BTC, { origClientOrderId: 'intent-1' });
  assert.equal(found.status, 'closed');
  // Resending with the same client id is accepted as a new order: ids dedupe only open orders.
  const again = await ex.createOrder(BTC, 'market', 'buy', 0.01, undefined, { clientOrderId: 'intent-1' });
  assert.notEqual(again.id, found.id);
  const [pos] = await ex.fetchPositions([BTC]);
  assert.equal(pos.contracts, 0.02);
  assert.equal(srv.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order').length, 2);
});

test(`ccxt ${CCXT_VERSION} binance (spot): place, query, cancel, balance`, async () => {
  srv.reset();
  const ex = client(ccxt.binance, { fetchMargins: false, fetchMarkets: { types: ['spot'] }, defaultType: 'spot' });
  await ex.loadMarkets();
  assert.ok(ex.markets['BTC/USDT'].spot);
  const m = await ex.createOrder('BTC/USDT', 'market', 'buy', 0.01);
  assert.deepEqual([m.status, m.filled, m.average, m.cost], ['closed', 0.01, 50000, 500]);
  assert.equal(m.fees[0].cost, 0.00001);
  assert.equal(m.fees[0].currency, 'BTC');
  const l = await ex.createOrder('BTC/USDT', 'limit', 'sell', 0.5, 60000);
  assert.equal(l.status, 'open');
  let bal = await ex.fetchBalance();
  assert.deepEqual([bal.BTC.free, bal.BTC.used, bal.BTC.total], [0.50999, 0.5, 1.00999]);
  assert.deepEqual([bal.USDT.free, bal.USDT.total], [9500, 9500]);
  const f = await ex.fetchOrder(l.id, 'BTC/USDT');
  assert.deepEqual([f.status, f.price, f.amount], ['open', 60000, 0.5]);
  assert.deepEqual((await ex.fetchOpenOrders('BTC/USDT')).map((o) => o.id), [l.id]);
  const c = await ex.cancelOrder(l.id, 'BTC/USDT');
  assert.equal(c.status, 'canceled');
  bal = await ex.fetchBalance();
  assert.deepEqual([bal.BTC.free, bal.BTC.used], [1.00999, 0]);
  await assert.rejects(ex.createOrder('BTC/USDT', 'limit', 'buy', 1, 40000), (e) => e instanceof ccxt.InsufficientFunds || /-2010/.test(e.message));
  await assert.rejects(ex.createOrder('BTC/USDT', 'limit', 'buy', 0.00001, 40000), (e) => /Filter failure: NOTIONAL/.test(e.message));
  const used = [...new Set(calls())].sort();
  assert.ok(used.every((u) => /^(GET|POST|DELETE) \/api\/v3\//.test(u)), used.join('\n'));
  console.log(`# ccxt ${CCXT_VERSION} binance (spot) called: ${used.join(', ')}`);
});
