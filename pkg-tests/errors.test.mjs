// Every bad input throws a real Error with the documented name and code (docs/js-api.md
// "Errors"), and leaves the engine state unchanged.
//   npm run build && node --test pkg-tests/errors.test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PaperTrader } from 'iftb-executor';

const BTC = 'BTC/USDT';
const ETH = 'ETH/USDT';
const CONFIG = { initialBalance: 10000, makerFee: 0.0002, takerFee: 0.0004 };
const V = 'ValidationError';
const O = 'OrderError';

/** Predicate for assert.throws/rejects: a real Error with this name and one of these codes. */
function isError(name, codes) {
  const allowed = [].concat(codes);
  return (e) => {
    assert.notEqual(typeof e, 'string', `a string was thrown: ${JSON.stringify(e)}`);
    assert.ok(e instanceof Error, `expected an Error instance, got ${Object.prototype.toString.call(e)}: ${safe(e)}`);
    assert.equal(e.name, name, `name (code ${e.code}, message ${JSON.stringify(e.message)})`);
    assert.ok(allowed.includes(e.code), `code ${JSON.stringify(e.code)} not in ${allowed.join('|')} (message ${JSON.stringify(e.message)})`);
    assert.equal(typeof e.message, 'string');
    assert.ok(e.message.length > 0, 'message is non-empty');
    return true;
  };
}
function safe(v) {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** Everything observable about the engine's state. */
function snapshot(t) {
  return JSON.stringify({
    account: t.getAccount(),
    orders: t.getOrders(),
    open: t.getOpenOrders(),
    positions: t.getPositions(),
    fills: t.getFills(),
    events: t.getEvents(),
    prices: [t.getPrice(BTC), t.getPrice(ETH)],
    balance: t.getBalance(),
  });
}

async function rejectsUnchanged(t, fn, name, codes) {
  const before = snapshot(t);
  await assert.rejects(async () => fn(), isError(name, codes));
  assert.equal(snapshot(t), before, 'state changed by a rejected call');
}
function throwsUnchanged(t, fn, name, codes) {
  const before = snapshot(t);
  assert.throws(fn, isError(name, codes));
  assert.equal(snapshot(t), before, 'state changed by a throwing call');
}

/** A trader with a 1x BTC long, a resting limit "rest" and BTC marked at 50000. */
function seeded() {
  const t = new PaperTrader(CONFIG);
  const a = t.placeOrderSync({ id: 'seed', symbol: BTC, side: 'buy', type: 'market', amount: 0.01 }, 50000);
  assert.equal(a.status, 'filled');
  const b = t.placeOrderSync({ id: 'rest', symbol: BTC, side: 'buy', type: 'limit', amount: 0.01, price: 40000 }, 50000);
  assert.equal(b.status, 'pending');
  return t;
}

const base = { symbol: BTC, side: 'buy', type: 'market', amount: 0.01 };
// currentPrice 50100 differs from the seeded mark: a call that marked before failing would show.
const P = 50100;

// [title, order, currentPrice, name, codes]
const ORDER_CASES = [
  ['amount 0', { ...base, amount: 0 }, P, V, 'INVALID_AMOUNT'],
  ['amount -1', { ...base, amount: -1 }, P, V, 'INVALID_AMOUNT'],
  ['amount "0"', { ...base, amount: '0' }, P, V, 'INVALID_AMOUNT'],
  ['amount "-1"', { ...base, amount: '-1' }, P, V, 'INVALID_AMOUNT'],
  ['amount NaN', { ...base, amount: NaN }, P, V, 'INVALID_NUMBER'],
  ['amount Infinity', { ...base, amount: Infinity }, P, V, 'INVALID_NUMBER'],
  ['amount -Infinity', { ...base, amount: -Infinity }, P, V, 'INVALID_NUMBER'],
  ['amount "abc"', { ...base, amount: 'abc' }, P, V, 'INVALID_NUMBER'],
  ['amount "NaN"', { ...base, amount: 'NaN' }, P, V, 'INVALID_NUMBER'],
  ['amount "Infinity"', { ...base, amount: 'Infinity' }, P, V, 'INVALID_NUMBER'],
  ['amount ""', { ...base, amount: '' }, P, V, 'INVALID_NUMBER'],
  ['amount "1.2.3"', { ...base, amount: '1.2.3' }, P, V, 'INVALID_NUMBER'],
  ['amount "0x10"', { ...base, amount: '0x10' }, P, V, 'INVALID_NUMBER'],
  ['limit without price', { ...base, type: 'limit' }, P, V, 'MISSING_PRICE'],
  ['limit with negative price', { ...base, type: 'limit', price: -1 }, P, V, 'INVALID_PRICE'],
  ['limit with price 0', { ...base, type: 'limit', price: 0 }, P, V, 'INVALID_PRICE'],
  ['limit with price NaN', { ...base, type: 'limit', price: NaN }, P, V, 'INVALID_NUMBER'],
  ['stop_loss without stopPrice', { ...base, side: 'sell', type: 'stop_loss' }, P, V, 'MISSING_STOP_PRICE'],
  ['take_profit without stopPrice', { ...base, side: 'sell', type: 'take_profit' }, P, V, 'MISSING_STOP_PRICE'],
  ['stop_loss with stopPrice -5', { ...base, side: 'sell', type: 'stop_loss', stopPrice: -5 }, P, V, 'INVALID_PRICE'],
  ['side "hold"', { ...base, side: 'hold' }, P, V, 'INVALID_SIDE'],
  ['type "trailing"', { ...base, type: 'trailing' }, P, V, 'INVALID_ORDER_TYPE'],
  ['symbol "btcusdt"', { ...base, symbol: 'btcusdt' }, P, V, 'INVALID_SYMBOL'],
  ['symbol "BTCUSDT"', { ...base, symbol: 'BTCUSDT' }, P, V, 'INVALID_SYMBOL'],
  ['symbol ""', { ...base, symbol: '' }, P, V, 'INVALID_SYMBOL'],
  ['leverage 0', { ...base, leverage: 0 }, P, V, 'INVALID_LEVERAGE'],
  ['leverage 200', { ...base, leverage: 200 }, P, V, 'INVALID_LEVERAGE'],
  ['leverage 126', { ...base, leverage: 126 }, P, V, 'INVALID_LEVERAGE'],
  ['leverage -1', { ...base, leverage: -1 }, P, V, 'INVALID_LEVERAGE'],
  ['leverage 2.5 (not an integer)', { ...base, leverage: 2.5 }, P, V, 'INVALID_LEVERAGE'],
  ['empty id', { ...base, id: '' }, P, V, 'INVALID_ORDER_ID'],
  ['id of 65 characters', { ...base, id: 'x'.repeat(65) }, P, V, 'INVALID_ORDER_ID'],
  ['duplicate id of a filled order', { ...base, id: 'seed' }, P, O, 'DUPLICATE_ORDER_ID'],
  ['duplicate id of a pending order', { ...base, id: 'rest' }, P, O, 'DUPLICATE_ORDER_ID'],
  ['leverage 5 while the 1x position is open', { ...base, leverage: 5 }, P, O, 'LEVERAGE_LOCKED'],
  ['currentPrice -5', base, -5, V, 'INVALID_PRICE'],
  ['currentPrice 0', base, 0, V, 'INVALID_PRICE'],
  ['currentPrice NaN', base, NaN, V, 'INVALID_NUMBER'],
  ['currentPrice "abc"', base, 'abc', V, 'INVALID_NUMBER'],
  ['market on a never-priced symbol without currentPrice', { ...base, symbol: ETH }, undefined, O, 'NO_PRICE'],
  ['order is a string', 'buy', P, V, 'INVALID_ARGUMENT'],
  ['order is a number', 42, P, V, 'INVALID_ARGUMENT'],
  ['order is null', null, P, V, 'INVALID_ARGUMENT'],
  ['order is undefined', undefined, P, V, 'INVALID_ARGUMENT'],
];

for (const [title, ord, price, name, codes] of ORDER_CASES) {
  test(`placeOrder: ${title} -> ${name} ${codes}`, async () => {
    const t = seeded();
    await rejectsUnchanged(t, () => t.placeOrder(ord, price), name, codes);
  });
  test(`placeOrderSync: ${title} -> ${name} ${codes}`, () => {
    const t = seeded();
    throwsUnchanged(t, () => t.placeOrderSync(ord, price), name, codes);
  });
}

test('placeOrder with wrongly typed fields is a ValidationError', async () => {
  const cases = [
    [{ ...base, amount: true }, ['INVALID_NUMBER', 'INVALID_ARGUMENT']],
    [{ ...base, amount: {} }, ['INVALID_NUMBER', 'INVALID_ARGUMENT']],
    [{ symbol: BTC, side: 'buy', type: 'market' }, ['INVALID_ARGUMENT', 'INVALID_AMOUNT', 'INVALID_NUMBER']],
    [{ ...base, side: 1 }, ['INVALID_ARGUMENT', 'INVALID_SIDE']],
    [{ ...base, symbol: 7 }, ['INVALID_ARGUMENT', 'INVALID_SYMBOL']],
  ];
  for (const [ord, codes] of cases) {
    const t = seeded();
    await rejectsUnchanged(t, () => t.placeOrder(ord, P), V, codes);
  }
});

test('cancelOrder of an unknown id -> OrderError ORDER_NOT_FOUND', () => {
  const t = seeded();
  throwsUnchanged(t, () => t.cancelOrder('nope'), O, 'ORDER_NOT_FOUND');
});

test('cancelOrder twice -> ORDER_NOT_CANCELLABLE; cancelling a filled order too', () => {
  const t = seeded();
  assert.equal(t.cancelOrder('rest').status, 'cancelled');
  throwsUnchanged(t, () => t.cancelOrder('rest'), O, 'ORDER_NOT_CANCELLABLE');
  throwsUnchanged(t, () => t.cancelOrder('seed'), O, 'ORDER_NOT_CANCELLABLE');
});

test('getOrder of an unknown id -> ORDER_NOT_FOUND', () => {
  const t = seeded();
  throwsUnchanged(t, () => t.getOrder('nope'), O, 'ORDER_NOT_FOUND');
});

test('closePosition with no position -> NO_POSITION', async () => {
  const t = new PaperTrader(CONFIG);
  t.placeOrderSync({ id: 'x', symbol: BTC, side: 'buy', type: 'limit', amount: 0.01, price: 40000 }, 50000);
  await rejectsUnchanged(t, () => t.closePosition(BTC, 50000), O, 'NO_POSITION');
  await rejectsUnchanged(t, () => t.closePosition(ETH, 2000), O, 'NO_POSITION');
  // After a close, a second close has nothing to close.
  const s = seeded();
  await s.closePosition(BTC, 50500);
  await rejectsUnchanged(s, () => s.closePosition(BTC, 1), O, 'NO_POSITION');
});

test('closePosition with a bad symbol or price', async () => {
  const t = seeded();
  await rejectsUnchanged(t, () => t.closePosition('btc', 50000), V, 'INVALID_SYMBOL');
  await rejectsUnchanged(t, () => t.closePosition(BTC, -1), V, 'INVALID_PRICE');
});

// Wrong-side levels: INVALID_STOP_LOSS / INVALID_TAKE_PROFIT (docs/js-api.md, protective orders).
test('setStopLoss / setTakeProfit errors', () => {
  const t = seeded(); // long at mark 50000
  throwsUnchanged(t, () => t.setStopLoss(ETH, 1000), O, 'NO_POSITION');
  throwsUnchanged(t, () => t.setTakeProfit(ETH, 1000), O, 'NO_POSITION');
  throwsUnchanged(t, () => t.setStopLoss(BTC, 51000), V, 'INVALID_STOP_LOSS'); // SL above a long
  throwsUnchanged(t, () => t.setTakeProfit(BTC, 49000), V, 'INVALID_TAKE_PROFIT'); // TP below a long
  throwsUnchanged(t, () => t.setStopLoss(BTC, -1), V, 'INVALID_PRICE');
  throwsUnchanged(t, () => t.setStopLoss(BTC, NaN), V, 'INVALID_NUMBER');
  throwsUnchanged(t, () => t.setStopLoss('nope', 1), V, 'INVALID_SYMBOL');
  // A short: TP must be below, SL above.
  const s = new PaperTrader(CONFIG);
  s.placeOrderSync({ symbol: BTC, side: 'sell', type: 'market', amount: 1 }, 100);
  throwsUnchanged(s, () => s.setTakeProfit(BTC, 101), V, 'INVALID_TAKE_PROFIT');
  throwsUnchanged(s, () => s.setStopLoss(BTC, 99), V, 'INVALID_STOP_LOSS');
});

test('setLeverage errors', () => {
  const t = seeded(); // 1x position open
  throwsUnchanged(t, () => t.setLeverage(BTC, 10), O, 'LEVERAGE_LOCKED');
  throwsUnchanged(t, () => t.setLeverage(ETH, 0), V, 'INVALID_LEVERAGE');
  throwsUnchanged(t, () => t.setLeverage(ETH, 200), V, 'INVALID_LEVERAGE');
  throwsUnchanged(t, () => t.setLeverage('eth', 2), V, 'INVALID_SYMBOL');
});

test('updatePrice errors', () => {
  const t = seeded();
  throwsUnchanged(t, () => t.updatePrice(BTC, -1), V, 'INVALID_PRICE');
  throwsUnchanged(t, () => t.updatePrice(BTC, 0), V, 'INVALID_PRICE');
  throwsUnchanged(t, () => t.updatePrice(BTC, NaN), V, 'INVALID_NUMBER');
  throwsUnchanged(t, () => t.updatePrice(BTC, Infinity), V, 'INVALID_NUMBER');
  throwsUnchanged(t, () => t.updatePrice(BTC, 'abc'), V, 'INVALID_NUMBER');
  throwsUnchanged(t, () => t.updatePrice('BTC-USDT', 50000), V, 'INVALID_SYMBOL');
});

// Non-string where a string (symbol or order id) is expected: a coded ValidationError, never a
// wasm trap or a bare TypeError, and the instance keeps working.
const WRONG_TYPE_CASES = [
  ['cancelOrder(7)', (t) => t.cancelOrder(7), ['INVALID_ARGUMENT', 'INVALID_ORDER_ID']],
  ['cancelOrder(null)', (t) => t.cancelOrder(null), ['INVALID_ARGUMENT', 'INVALID_ORDER_ID']],
  ['cancelOrder(undefined)', (t) => t.cancelOrder(undefined), ['INVALID_ARGUMENT', 'INVALID_ORDER_ID']],
  ['getOrder(5)', (t) => t.getOrder(5), ['INVALID_ARGUMENT', 'INVALID_ORDER_ID']],
  ['getPosition(123)', (t) => t.getPosition(123), ['INVALID_ARGUMENT', 'INVALID_SYMBOL']],
  ['getPosition(null)', (t) => t.getPosition(null), ['INVALID_ARGUMENT', 'INVALID_SYMBOL']],
  ['getPrice(undefined)', (t) => t.getPrice(undefined), ['INVALID_ARGUMENT', 'INVALID_SYMBOL']],
  ['updatePrice(123, 1)', (t) => t.updatePrice(123, 1), ['INVALID_ARGUMENT', 'INVALID_SYMBOL']],
  ['setStopLoss(null, 1)', (t) => t.setStopLoss(null, 1), ['INVALID_ARGUMENT', 'INVALID_SYMBOL']],
  ['setLeverage(5, 2)', (t) => t.setLeverage(5, 2), ['INVALID_ARGUMENT', 'INVALID_SYMBOL']],
];
for (const [title, fn, codes] of WRONG_TYPE_CASES) {
  test(`wrongly typed argument: ${title} -> ValidationError ${codes.join('|')}`, () => {
    const t = seeded();
    throwsUnchanged(t, () => fn(t), V, codes);
    assert.equal(t.placeOrderSync({ symbol: BTC, side: 'buy', type: 'market', amount: 0.01 }, 50000).status, 'filled');
  });
}
test('wrongly typed argument: closePosition(undefined, 1) rejects with a ValidationError', async () => {
  const t = seeded();
  await rejectsUnchanged(t, () => t.closePosition(undefined, 1), V, ['INVALID_ARGUMENT', 'INVALID_SYMBOL']);
});

test('constructor: bad options throw ValidationError', () => {
  const cases = [
    [{ makerFee: -1 }, 'INVALID_CONFIG'],
    [{ takerFee: 2 }, 'INVALID_CONFIG'],
    [{ takerFee: 1 }, 'INVALID_CONFIG'],
    [{ slippage: 1.5 }, 'INVALID_CONFIG'],
    [{ initialBalance: -1 }, 'INVALID_CONFIG'],
    [{ initialBalance: 'x' }, ['INVALID_CONFIG', 'INVALID_NUMBER']],
    [{ initialBalance: NaN }, ['INVALID_CONFIG', 'INVALID_NUMBER']],
    [{ makerFee: 'abc' }, ['INVALID_CONFIG', 'INVALID_NUMBER']],
    [{ defaultLeverage: 0 }, ['INVALID_CONFIG', 'INVALID_LEVERAGE']],
    [{ defaultLeverage: 126 }, ['INVALID_CONFIG', 'INVALID_LEVERAGE']],
    [{ defaultLeverage: 2.5 }, ['INVALID_CONFIG', 'INVALID_LEVERAGE']],
    ['10000', ['INVALID_CONFIG', 'INVALID_ARGUMENT']],
  ];
  for (const [opts, codes] of cases) {
    assert.throws(() => new PaperTrader(opts), isError(V, codes), `new PaperTrader(${safe(opts)})`);
  }
});

test('the engine keeps working after errors', async () => {
  const t = seeded();
  for (const [, ord, price] of ORDER_CASES) {
    await assert.rejects(async () => t.placeOrder(ord, price));
    assert.throws(() => t.placeOrderSync(ord, price));
  }
  assert.throws(() => t.cancelOrder('nope'));
  await assert.rejects(async () => t.closePosition(ETH, 1));
  const o = await t.placeOrder({ symbol: BTC, side: 'buy', type: 'market', amount: 0.01 }, 50000);
  assert.equal(o.status, 'filled');
  assert.equal(t.getPosition(BTC).exact.amount, '0.02');
  assert.deepEqual(t.getEvents().map((e) => e.seq), t.getEvents().map((_, i) => i + 1));
});

test('insufficient balance is not thrown', async () => {
  const t = new PaperTrader(CONFIG);
  const o = await t.placeOrder({ symbol: BTC, side: 'buy', type: 'market', amount: 100 }, 50000);
  assert.equal(o.status, 'failed');
  assert.match(o.errorMessage, /Insufficient balance/);
});
