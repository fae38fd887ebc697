// OrderExecutor.estimateOrder: the order ticket's estimate comes from the engine's own rules
// (the ledger), so it equals what the paper engine then does.
//   npm run build && node --test pkg-tests/estimate.test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OrderExecutor } from 'iftb-executor';

const BTC = 'BTC/USDT';

test('a market estimate is the fill the engine makes', async () => {
  const ex = new OrderExecutor({ logger: null, maxPositionSize: 1, maxLeverage: 10 });
  ex.updatePrice(BTC, 50000);
  const est = ex.estimateOrder({ side: 'buy', amount: '0.1', price: 50000, leverage: 4 });
  assert.deepEqual(
    [est.exact.price, est.exact.notional, est.exact.fee, est.exact.margin, est.liquidity],
    ['50025', '5002.5', '2.001', '1250.625', 'taker'],
  );
  const o = await ex.executeDecision({ action: 'long', symbol: BTC, amount: 0.1, leverage: 4 });
  assert.equal(o.exact.filledPrice, est.exact.price);
  assert.equal(o.exact.fee, est.exact.fee);
  const [p] = ex.getPositions();
  assert.equal(p.exact.margin, est.exact.margin);
});

test('a limit estimate: resting at its price as a maker, or crossing as a capped taker', () => {
  const ex = new OrderExecutor({ logger: null });
  const rest = ex.estimateOrder({ side: 'buy', orderType: 'limit', amount: 1, price: 50000, limitPrice: 49000 });
  assert.deepEqual([rest.exact.price, rest.exact.fee, rest.liquidity], ['49000', '9.8', 'maker']);
  const cross = ex.estimateOrder({ side: 'buy', orderType: 'limit', amount: 1, price: 50000, limitPrice: 50010 });
  assert.deepEqual([cross.exact.price, cross.liquidity], ['50010', 'taker']);
  assert.throws(() => ex.estimateOrder({ side: 'buy', orderType: 'limit', amount: 1, price: 50000 }), (e) => e.code === 'MISSING_PRICE');
  assert.throws(() => ex.estimateOrder({ side: 'hold', amount: 1, price: 50000 }), (e) => e.code === 'INVALID_SIDE');
});
