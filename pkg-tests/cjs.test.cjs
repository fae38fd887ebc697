// CommonJS smoke test: require("iftb-executor") as a CJS user does (docs/js-api.md).
//   npm run build && node --test pkg-tests/cjs.test.cjs
'use strict';
const assert = require('node:assert/strict');
const { test } = require('node:test');
const { PaperTrader } = require('iftb-executor');

test('require("iftb-executor") gives a working PaperTrader', () => {
  assert.equal(typeof PaperTrader, 'function');
  const t = new PaperTrader({ initialBalance: 10000, makerFee: 0.0002, takerFee: 0.0004 });
  const o = t.placeOrderSync({ id: 'cjs-1', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.1, price: 50000 }, 50000);
  assert.equal(o.id, 'cjs-1');
  assert.equal(o.status, 'filled');
  assert.equal(o.filledPrice, 50025);
  assert.equal(o.exact.fee, '2.001');
  assert.equal(t.getBalance(), 4995.499);
  assert.equal(t.getPositions().length, 1);
  assert.equal(t.getPositions()[0].side, 'long');
});

test('placeOrder is async under CJS too', async () => {
  const t = new PaperTrader();
  const p = t.placeOrder({ symbol: 'BTC/USDT', side: 'sell', type: 'market', amount: '0.1' }, '50000');
  assert.ok(p instanceof Promise);
  const o = await p;
  assert.equal(o.exact.filledPrice, '49975');
});

test('errors are Error instances with name and code', async () => {
  const t = new PaperTrader();
  assert.throws(
    () => t.placeOrderSync({ symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0 }, 50000),
    (e) => e instanceof Error && e.name === 'ValidationError' && e.code === 'INVALID_AMOUNT' && e.message.length > 0,
  );
  assert.throws(
    () => t.cancelOrder('nope'),
    (e) => e instanceof Error && e.name === 'OrderError' && e.code === 'ORDER_NOT_FOUND',
  );
  await assert.rejects(
    async () => t.placeOrder({ symbol: 'BTC/USDT', side: 'hold', type: 'market', amount: 1 }, 50000),
    (e) => e instanceof Error && e.name === 'ValidationError' && e.code === 'INVALID_SIDE',
  );
  assert.throws(
    () => new PaperTrader({ makerFee: -1 }),
    (e) => e instanceof Error && e.name === 'ValidationError' && e.code === 'INVALID_CONFIG',
  );
  assert.equal(t.getBalance(), 10000);
});

test('require("iftb-executor/package.json") works', () => {
  const pkg = require('iftb-executor/package.json');
  assert.equal(pkg.name, 'iftb-executor');
  assert.equal(typeof pkg.version, 'string');
});
