// FastPaper (numbers-only and batch API) through the built package: correctness smoke tests,
// never timings (speed lives in `npm run bench`).
//   npm run build && node --test pkg-tests/fast-paper.test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FastPaper, PaperTrader } from 'iftb-executor';

const BTC = 'BTC/USDT';
const BUY = 0;
const SELL = 1;

/** Exact decimal text → BigInt in 1e-18 units (compares "1.50" and "1.5" as equal). */
function dec(s) {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  assert.ok(m, `not a plain decimal: ${s}`);
  const v = BigInt(m[2] + (m[3] ?? '').padEnd(18, '0'));
  return m[1] ? -v : v;
}

test('same books as PaperTrader for the same orders (netting)', async () => {
  const cfg = { initialBalance: 20000, makerFee: 0.0002, takerFee: 0.0004, slippage: 0.0005 };
  const pt = new PaperTrader(cfg);
  const fp = new FastPaper(cfg);
  const s = fp.symbolId(BTC);
  // A scripted session: opens, adds, partial and full closes, a flip, a resting limit that
  // fills as a maker, protective orders that fire, leverage changes while flat.
  const script = [
    ['price', 50000], ['market', BUY, 0.1], ['price', 50250.5], ['market', BUY, 0.05],
    ['market', SELL, 0.07], ['price', 49800], ['market', SELL, 0.2], ['limit', BUY, 0.03, 49500],
    ['price', 49700], ['price', 49499.9], ['sl', 50500], ['tp', 48000], ['price', 50600],
    ['lev', 5], ['price', 50000], ['market', BUY, 0.3], ['sl', 48000.5], ['price', 47999],
    ['market', SELL, 0.123], ['limit', SELL, 0.05, 51000], ['price', 51000.1],
  ];
  for (const [op, a, b, c] of script) {
    if (op === 'price') {
      pt.updatePrice(BTC, a);
      fp.updatePrice(s, a);
    } else if (op === 'market') {
      const o = await pt.placeOrder({ symbol: BTC, side: a === BUY ? 'buy' : 'sell', type: 'market', amount: b });
      const px = fp.market(s, a, b);
      if (o.status === 'filled') assert.equal(px, o.filledPrice);
      else assert.ok(Number.isNaN(px));
    } else if (op === 'limit') {
      const o = await pt.placeOrder({ symbol: BTC, side: a === BUY ? 'buy' : 'sell', type: 'limit', amount: b, price: c });
      const px = fp.limit(s, a, b, c);
      assert.equal(o.status === 'pending', fp.lastOrder >= 0);
      if (o.status === 'filled') assert.equal(px, o.filledPrice);
    } else if (op === 'sl' || op === 'tp') {
      const id = fp.positionOf(s);
      if (op === 'sl') {
        pt.setStopLoss(BTC, a);
        fp.setStopLoss(id, a);
      } else {
        pt.setTakeProfit(BTC, a);
        fp.setTakeProfit(id, a);
      }
    } else if (op === 'lev') {
      pt.setLeverage(BTC, a);
      fp.setLeverage(s, a);
    }
    const acc = pt.getAccount();
    const books = fp.books();
    for (const [ours, theirs] of [['wallet', 'walletBalance'], ['feesPaid', 'feesPaid'], ['realizedPnl', 'realizedPnl'],
      ['reserved', 'reserved'], ['marginUsed', 'marginUsed'], ['free', 'balance'], ['unrealizedPnl', 'unrealizedPnl']]) {
      assert.equal(dec(books.exact[ours]), dec(acc.exact[theirs]), `${op} ${a}: ${ours}`);
    }
    const pos = pt.getPosition(BTC);
    const id = fp.positionOf(s);
    assert.equal(pos === null, id < 0, `${op}: position presence`);
    if (pos) {
      const q = fp.position(id);
      assert.equal(q.side, pos.side);
      for (const k of ['entryPrice', 'amount', 'margin', 'realizedPnl']) assert.equal(dec(q.exact[k]), dec(pos.exact[k]), `${op}: ${k}`);
      assert.equal(q.stopLoss, pos.stopLoss);
      assert.equal(q.takeProfit, pos.takeProfit);
    }
  }
  assert.ok(fp.fillCount > 5);
});

test('batch calls give the same results as single calls', () => {
  const a = new FastPaper({ initialBalance: 1e6 });
  const b = new FastPaper({ initialBalance: 1e6 });
  const sa = a.symbolId(BTC);
  const sb = b.symbolId(BTC);
  a.updatePrice(sa, 50000);
  b.updatePrice(sb, 50000);
  const n = 1000;
  const input = b.input(3 * n);
  const single = [];
  for (let i = 0; i < n; i++) {
    const side = i % 3 === 0 ? SELL : BUY;
    const amount = ((i % 7) + 1) / 1000;
    single.push(a.market(sa, side, amount));
    input.set([sb, side, amount], 3 * i);
  }
  assert.equal(b.marketBatch(n), n);
  assert.deepEqual(Array.from(b.output(n)), single);
  assert.deepEqual(b.books(), a.books());

  // Prices: a batch equals the same prices one by one (with stops firing on the way).
  const ida = a.positionOf(sa);
  const idb = b.positionOf(sb);
  a.setStopLoss(ida, 49000);
  b.setStopLoss(idb, 49000);
  const prices = Array.from({ length: 500 }, (_, i) => 50000 - i * 3.5);
  let fills = 0;
  for (const p of prices) fills += a.updatePrice(sa, p);
  b.input(prices.length).set(prices);
  assert.equal(b.updatePrices(sb, prices.length), fills);
  assert.ok(fills >= 1, 'the stop-loss fired');
  assert.deepEqual(b.books(), a.books());
});

test('hedging: independent positions, stop-loss and take-profit fire from the index', () => {
  const fp = new FastPaper({ initialBalance: 1e9, hedging: true });
  const s = fp.symbolId(BTC);
  fp.updatePrice(s, 100);
  for (let i = 0; i < 100; i++) fp.bracket(s, i % 2, 1, i % 2 ? 110 + i / 10 : 90 - i / 10, i % 2 ? 90 - i / 10 : 110 + i / 10);
  assert.equal(fp.openPositions, 100);
  assert.equal(fp.updatePrice(s, 101), 0);
  const n = fp.updatePrice(s, 111);
  // Long TPs at 110 + i/10 ≤ 111 (i even ≤ 10) and short SLs at the same levels (i odd ≤ 10).
  assert.equal(n, 11);
  const fills = fp.fills();
  assert.equal(fills.length, 7 * n);
  const kinds = new Set();
  for (let i = 0; i < n; i++) kinds.add(fills[7 * i]);
  assert.deepEqual([...kinds].sort(), [2, 3]);
  assert.equal(fp.openPositions, 89);
  const b = fp.books();
  assert.equal(dec(b.exact.wallet), dec('1000000000') - dec(b.exact.feesPaid) + dec(b.exact.realizedPnl));
});

test('bad input throws real errors with codes', () => {
  const fp = new FastPaper({});
  const s = fp.symbolId(BTC);
  const code = (fn) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof Error);
      return e.code;
    }
    return 'no error';
  };
  assert.equal(code(() => fp.market(s, BUY, 1)), 'NO_PRICE');
  fp.updatePrice(s, 100);
  assert.equal(code(() => fp.market(s, 2, 1)), 'INVALID_SIDE');
  assert.equal(code(() => fp.market(s, BUY, NaN)), 'INVALID_NUMBER');
  assert.equal(code(() => fp.market(s, BUY, 0)), 'INVALID_AMOUNT');
  assert.equal(code(() => fp.market(7, BUY, 1)), 'INVALID_SYMBOL');
  assert.equal(code(() => fp.updatePrice(s, 0.1 + 0.2)), 'INVALID_NUMBER');
  assert.equal(code(() => fp.updatePrice(s, -1)), 'INVALID_PRICE');
  assert.equal(code(() => fp.symbolId('btc')), 'INVALID_SYMBOL');
  assert.equal(code(() => fp.marketBatch(10)), 'INVALID_ARGUMENT');
  assert.ok(Number.isNaN(fp.market(s, BUY, 1e9)), 'insufficient balance is a rejection, not an error');
});

test('placeOrder fast path builds the same objects as the general path', async () => {
  const t = new PaperTrader({ initialBalance: 1e6 });
  const orders = [
    [{ symbol: BTC, side: 'buy', type: 'market', amount: 0.01 }, 50000],
    [{ id: 'mine-1', symbol: BTC, side: 'sell', type: 'limit', amount: '0.0000001', price: 60000 }, 50000],
    [{ symbol: BTC, side: 'buy', type: 'market', amount: 1e6 }, 50000],
    [{ symbol: 'ETH/USDT', side: 'sell', type: 'market', amount: '1.123456789', leverage: 3 }, '3000.123456789012'],
    [{ symbol: BTC, side: 'sell', type: 'stop_loss', amount: 0.005, stopPrice: 40000, reduceOnly: true }, 50000],
  ];
  for (const [o, px] of orders) {
    const placed = await t.placeOrder(o, px);
    assert.deepStrictEqual(placed, t.getOrder(placed.id));
    assert.deepStrictEqual(Object.keys(placed), Object.keys(t.getOrder(placed.id)), 'same key order');
  }
});
