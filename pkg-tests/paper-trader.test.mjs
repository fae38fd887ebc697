// PaperTrader behaviour through the built npm package, imported exactly as a user does (ESM).
// Contract: docs/js-api.md. Exact values: crates/core/tests/paper.rs.
//   npm run build && node --test pkg-tests/paper-trader.test.mjs
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { PaperTrader } from 'iftb-executor';

const BTC = 'BTC/USDT';
const ETH = 'ETH/USDT';
const SPEC_CONFIG = { initialBalance: 10000, makerFee: 0.0002, takerFee: 0.0004 };

// ---- helpers ---------------------------------------------------------------------------

/** Exact decimal string -> BigInt scaled by 1e18 (throws rather than silently rounding). */
const SCALE = 18;
function dec(s) {
  assert.equal(typeof s, 'string', `exact value must be a string, got ${typeof s}: ${s}`);
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  assert.ok(m, `not a plain decimal string: ${JSON.stringify(s)}`);
  const frac = m[3] ?? '';
  assert.ok(frac.length <= SCALE, `more than ${SCALE} decimals: ${s}`);
  const v = BigInt(m[2] + frac.padEnd(SCALE, '0'));
  return m[1] ? -v : v;
}
const sum = (xs) => xs.reduce((a, b) => a + b, 0n);
/** Same exact decimal value (representation may differ: "1.0" equals "1"). */
function eqExact(actual, expected, msg) {
  assert.equal(typeof actual, 'string', `${msg ?? 'exact value'} must be a string, got ${actual}`);
  assert.equal(dec(actual), dec(expected), `${msg ?? 'exact value'}: ${actual} is not ${expected}`);
}
/** Two output objects carry the same values (numbers equal, exact strings equal in value). */
function sameValues(actual, expected) {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const k of Object.keys(expected)) {
    if (k === 'exact') {
      for (const [f, s] of Object.entries(expected.exact)) {
        if (s === null) assert.equal(actual.exact[f], null, `exact.${f}`);
        else eqExact(actual.exact[f], s, `exact.${f}`);
      }
    } else {
      assert.deepEqual(actual[k], expected[k], k);
    }
  }
}
const fracDigits = (s) => (s.split('.')[1] ?? '').length;

const order = (o) => ({ symbol: BTC, ...o });
const mkt = (side, amount, extra = {}) => order({ side, type: 'market', amount, ...extra });
const lim = (side, amount, price, extra = {}) => order({ side, type: 'limit', amount, price, ...extra });
const types = (events) => events.map((e) => e.type);

/** Deep copy without wall-clock fields (timestamps may differ between two engines). */
function untimed(v) {
  if (Array.isArray(v)) return v.map(untimed);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v).filter(([k]) => k !== 'timestamp' && k !== 'openedAt').map(([k, x]) => [k, untimed(x)]),
    );
  }
  return v;
}

// ---- the spec example ------------------------------------------------------------------

test('module exports PaperTrader (ESM and CJS entry give the same class)', () => {
  assert.equal(typeof PaperTrader, 'function');
  const cjs = createRequire(import.meta.url)('iftb-executor');
  assert.equal(cjs.PaperTrader, PaperTrader, 'index.mjs must re-export the CJS module, not a second instance');
});

test('spec example: market buy 0.1 BTC/USDT at 50000', async () => {
  const trader = new PaperTrader(SPEC_CONFIG);
  assert.equal(trader.getBalance(), 10000);
  const id = crypto.randomUUID();
  const pending = trader.placeOrder(
    { id, symbol: BTC, side: 'buy', type: 'market', amount: 0.1, price: 50000 },
    50000,
  );
  assert.ok(pending instanceof Promise, 'placeOrder returns a Promise');
  const o = await pending;
  assert.equal(o.id, id);
  assert.equal(o.symbol, BTC);
  assert.equal(o.side, 'buy');
  assert.equal(o.type, 'market');
  assert.equal(o.status, 'filled');
  assert.equal(o.amount, 0.1);
  assert.equal(o.filledPrice, 50025);
  assert.equal(o.filledAmount, 0.1);
  assert.equal(o.fee, 2.001);
  assert.equal(o.errorMessage, null);
  assert.equal(o.stopPrice, null);
  assert.equal(o.leverage, 1);
  assert.equal(o.reduceOnly, false);
  assert.equal(typeof o.timestamp, 'number');
  assert.ok(Number.isInteger(o.timestamp) && o.timestamp > 0, `timestamp ms: ${o.timestamp}`);
  assert.equal(o.exact.fee, '2.001');
  assert.equal(o.exact.filledPrice, '50025');
  assert.equal(o.exact.filledAmount, '0.1');
  assert.equal(o.exact.amount, '0.1');
  assert.equal(o.exact.stopPrice, null);

  assert.equal(trader.getBalance(), 4995.499);

  const positions = trader.getPositions();
  assert.equal(positions.length, 1);
  const p = positions[0];
  assert.equal(p.symbol, BTC);
  assert.equal(p.side, 'long');
  assert.equal(p.entryPrice, 50025);
  assert.equal(p.currentPrice, 50000);
  assert.equal(p.amount, 0.1);
  assert.equal(p.leverage, 1);
  assert.equal(p.margin, 5002.5);
  assert.equal(p.unrealizedPnl, -2.5);
  assert.equal(p.realizedPnl, 0);
  assert.equal(p.liquidationPrice, null, '1x long cannot be liquidated');
  assert.equal(p.stopLoss, null);
  assert.equal(p.takeProfit, null);
  assert.equal(typeof p.openedAt, 'number');
  eqExact(p.exact.entryPrice, '50025');
  eqExact(p.exact.margin, '5002.5');
  eqExact(p.exact.unrealizedPnl, '-2.5');
  assert.deepEqual(trader.getPosition(BTC), p);
  assert.equal(trader.getPosition(ETH), null);

  const a = trader.getAccount();
  eqExact(a.exact.balance, '4995.499');
  eqExact(a.exact.walletBalance, '9997.999');
  eqExact(a.exact.feesPaid, '2.001');
  eqExact(a.exact.marginUsed, '5002.5');
  assert.equal(a.positionsCount, 1);
  assert.equal(a.openOrdersCount, 0);
  assert.equal(a.balance, trader.getBalance());
  assert.equal(trader.getPrice(BTC), 50000);
});

test('defaults: new PaperTrader() and new PaperTrader({}) start with 10000 and 1x', () => {
  for (const t of [new PaperTrader(), new PaperTrader({})]) {
    assert.equal(t.getBalance(), 10000);
    const a = t.getAccount();
    assert.equal(a.initialBalance, 10000);
    eqExact(a.exact.equity, '10000');
    assert.deepEqual(t.getPositions(), []);
    assert.deepEqual(t.getOrders(), []);
    assert.deepEqual(t.getEvents(), []);
    // Default fees/slippage are the spec's: same result as the spec example.
    const o = t.placeOrderSync(mkt('buy', 0.1), 50000);
    assert.equal(o.exact.filledPrice, '50025');
    assert.equal(o.exact.fee, '2.001');
    assert.equal(o.leverage, 1);
  }
});

test('placeOrderSync returns the Order directly; id is generated when missing', () => {
  const t = new PaperTrader(SPEC_CONFIG);
  const a = t.placeOrderSync(mkt('buy', 0.01), 50000);
  const b = t.placeOrderSync(mkt('buy', 0.01), 50000);
  assert.ok(!(a instanceof Promise));
  assert.equal(a.status, 'filled');
  assert.equal(typeof a.id, 'string');
  assert.ok(a.id.length > 0);
  assert.notEqual(a.id, b.id);
  assert.equal(t.getOrder(a.id).id, a.id);
  assert.equal(typeof a.exchangeOrderId, 'string');
});

test('concurrent placeOrder calls (not awaited one by one) both succeed', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  const p1 = t.placeOrder(mkt('buy', 0.01, { id: 'c1' }), 50000);
  const p2 = t.placeOrder(mkt('buy', 0.01, { id: 'c2' }), 50000);
  // Other calls while the promises are outstanding must work too.
  assert.equal(typeof t.getBalance(), 'number');
  const [a, b] = await Promise.all([p1, p2]);
  assert.equal(a.status, 'filled');
  assert.equal(b.status, 'filled');
  assert.deepEqual(t.getOrders().map((o) => o.id), ['c1', 'c2']);
  eqExact(t.getPosition(BTC).exact.amount, '0.02');
});

// ---- numbers ---------------------------------------------------------------------------

test('numbers and decimal strings give identical results', async () => {
  const run = async (n) => {
    const t = new PaperTrader({
      initialBalance: n(10000), makerFee: n(0.0002), takerFee: n(0.0004), slippage: n(0.0005),
    });
    await t.placeOrder({ id: 'm1', symbol: BTC, side: 'buy', type: 'market', amount: n(0.1), price: n(50000) }, n(50000));
    await t.placeOrder({ id: 'l1', symbol: BTC, side: 'sell', type: 'limit', amount: n(0.05), price: n(51000.5) }, n(50000));
    await t.placeOrder({ id: 'l2', symbol: BTC, side: 'buy', type: 'limit', amount: n(0.02), price: n(49000.25) }, n(50000));
    t.updatePrice(BTC, n(51000.5));
    t.updatePrice(BTC, n(50500.1));
    t.setStopLoss(BTC, n(45000.5));
    return { a: t.getAccount(), p: t.getPositions(), o: t.getOrders(), f: t.getFills(), e: t.getEvents(), b: t.getBalance() };
  };
  const asNumber = await run((x) => x);
  const asString = await run((x) => String(x));
  assert.deepEqual(untimed(asString), untimed(asNumber));
  assert.equal(asNumber.o[0].exact.amount, '0.1');
  assert.equal(asString.o[1].exact.price, '51000.5');
});

test('a JS number is read through its shortest round-trip decimal form', () => {
  const t = new PaperTrader(SPEC_CONFIG);
  const a = t.placeOrderSync(mkt('buy', 0.1), 100);
  assert.equal(a.exact.amount, '0.1', 'not 0.1000000000000000055511151231257827…');
  const b = t.placeOrderSync(mkt('buy', 0.1 + 0.2), 100);
  assert.equal(b.exact.amount, '0.30000000000000004');
  const c = t.placeOrderSync(mkt('buy', 1e-8), 100);
  assert.equal(c.exact.amount, '0.00000001');
});

test('exact decimals: three buys of 0.1 make a position of exactly 0.3', () => {
  const t = new PaperTrader(SPEC_CONFIG);
  for (let i = 0; i < 3; i++) assert.equal(t.placeOrderSync(mkt('buy', 0.1), 100).status, 'filled');
  const p = t.getPosition(BTC);
  assert.equal(p.exact.amount, '0.3');
  assert.equal(p.amount, 0.3); // 0.1 + 0.1 + 0.1 would be 0.30000000000000004
  eqExact(p.exact.entryPrice, '100.05');
  eqExact(p.exact.margin, '30.015'); // 3 × 10.005
  const a = t.getAccount();
  eqExact(a.exact.feesPaid, '0.012006'); // 3 × 100.05 × 0.1 × 0.0004
  eqExact(a.exact.balance, '9969.972994'); // 10000 − 30.015 − 0.012006
  assert.equal(t.getBalance(), 9969.972994);
});

test('output numbers are the nearest doubles of the exact strings', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  await t.placeOrder(mkt('buy', '0.123', { leverage: 7 }), '43210.987');
  await t.placeOrder(lim('sell', '0.05', '44444.444444'), '43210.987');
  t.updatePrice(BTC, '43333.333');
  const check = (obj, what) => {
    assert.ok(obj.exact && typeof obj.exact === 'object', `${what} has exact`);
    for (const [k, s] of Object.entries(obj.exact)) {
      if (s === null) {
        assert.equal(obj[k], null, `${what}.${k}`);
      } else {
        assert.equal(typeof s, 'string', `${what}.exact.${k}`);
        assert.equal(obj[k], Number(s), `${what}.${k} (${obj[k]}) vs exact ${s}`);
      }
    }
  };
  check(t.getAccount(), 'account');
  for (const p of t.getPositions()) check(p, 'position');
  for (const o of t.getOrders()) check(o, `order ${o.id}`);
  for (const f of t.getFills()) check(f, 'fill');
});

// ---- order kinds -----------------------------------------------------------------------

test('sell slippage and round-trip PnL (core scenario)', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  await t.placeOrder(mkt('buy', 1), 100);
  const o = await t.placeOrder(mkt('sell', 1), 110);
  assert.equal(o.filledPrice, 109.945);
  eqExact(o.exact.filledPrice, '109.945');
  assert.deepEqual(t.getPositions(), []);
  const a = t.getAccount();
  eqExact(a.exact.realizedPnl, '9.895');
  eqExact(a.exact.feesPaid, '0.083998');
  eqExact(a.exact.walletBalance, '10009.811002');
  assert.equal(a.exact.balance, a.exact.walletBalance);
  assert.equal(t.getBalance(), 10009.811002);
});

test('limit order rests pending, then fills on updatePrice as maker', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  const o = await t.placeOrder(lim('buy', 0.1, 49000, { id: 'lim-1' }), 50000);
  assert.equal(o.status, 'pending');
  assert.equal(o.filledPrice, null);
  assert.equal(o.fee, null);
  eqExact(o.exact.price, '49000');
  // reserved = margin 4900 + maker fee 0.98
  eqExact(t.getAccount().exact.reserved, '4900.98');
  assert.equal(t.getBalance(), 5099.02);
  assert.deepEqual(t.getOpenOrders().map((x) => x.id), ['lim-1']);
  assert.equal(t.getAccount().openOrdersCount, 1);

  assert.deepEqual(t.updatePrice(BTC, 49500), [], 'not reached: no events');
  assert.equal(t.getOrder('lim-1').status, 'pending');

  const events = t.updatePrice(BTC, 48900);
  assert.ok(Array.isArray(events));
  assert.ok(types(events).includes('orderFilled'), JSON.stringify(types(events)));
  assert.ok(types(events).includes('positionOpened'), JSON.stringify(types(events)));
  const filledEv = events.find((e) => e.type === 'orderFilled');
  assert.equal(filledEv.orderId, 'lim-1');
  assert.equal(filledEv.symbol, BTC);
  assert.equal(filledEv.liquidity, 'maker');
  assert.equal(filledEv.price, 49000);
  assert.equal(filledEv.amount, 0.1);
  assert.equal(filledEv.fee, 0.98);

  const f = t.getOrder('lim-1');
  assert.equal(f.status, 'filled');
  assert.equal(f.filledPrice, 49000, 'maker fills at its limit, not at the mark');
  eqExact(f.exact.fee, '0.98'); // 49000 × 0.1 × 0.0002
  assert.equal(f.fee, 0.98);
  eqExact(t.getAccount().exact.reserved, '0');
  assert.equal(t.getAccount().openOrdersCount, 0);
  assert.equal(t.getBalance(), 5099.02); // wallet 9999.02 − margin 4900
  eqExact(t.getPosition(BTC).exact.entryPrice, '49000');
  assert.deepEqual(t.getOpenOrders(), []);
});

test('a limit that crosses on arrival fills as taker, capped at its limit', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  const o = await t.placeOrder(lim('buy', 1, 100.01), 100);
  assert.equal(o.status, 'filled');
  eqExact(o.exact.filledPrice, '100.01');
  eqExact(o.exact.fee, '0.040004');
  assert.equal(t.getFills()[0].liquidity, 'taker');
});

test('cancelOrder releases exactly what the order reserved', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  const before = t.getAccount();
  const o = await t.placeOrder(lim('sell', 0.1, 51000.123), 50000);
  assert.equal(o.status, 'pending');
  assert.ok(t.getBalance() < 10000);
  const c = t.cancelOrder(o.id);
  assert.equal(c.id, o.id);
  assert.equal(c.status, 'cancelled');
  assert.equal(t.getOrder(o.id).status, 'cancelled');
  assert.equal(t.getBalance(), 10000);
  const after = t.getAccount();
  eqExact(after.exact.balance, '10000');
  eqExact(after.exact.reserved, '0');
  sameValues(after, before);
  assert.ok(types(t.getEvents()).includes('orderCancelled'));
});

test('insufficient balance: status failed, nothing else changes', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  await t.placeOrder(mkt('buy', 0.01), 50000);
  const accountBefore = JSON.stringify(t.getAccount());
  const positionsBefore = JSON.stringify(t.getPositions());
  const balanceBefore = t.getBalance();
  const o = await t.placeOrder(mkt('buy', 1, { id: 'too-big' }), 50000);
  assert.equal(o.status, 'failed');
  assert.equal(typeof o.errorMessage, 'string');
  assert.ok(o.errorMessage.includes('Insufficient balance'), o.errorMessage);
  assert.equal(o.filledPrice, null);
  assert.equal(o.fee, null);
  assert.equal(t.getBalance(), balanceBefore);
  assert.equal(JSON.stringify(t.getAccount()), accountBefore);
  assert.equal(JSON.stringify(t.getPositions()), positionsBefore);
  assert.equal(t.getOrder('too-big').status, 'failed', 'failed orders are kept in the history');
  assert.ok(types(t.getEvents()).includes('orderFailed'));
  // A limit that cannot be reserved fails the same way.
  const l = await t.placeOrder(lim('buy', 1, 40000), 50000);
  assert.equal(l.status, 'failed');
  assert.ok(l.errorMessage.includes('Insufficient balance'), l.errorMessage);
  assert.equal(JSON.stringify(t.getAccount()), accountBefore);
});

test('leverage 10 makes the same order fit (margin = notional / 10)', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  assert.equal((await t.placeOrder(mkt('buy', 1), 50000)).status, 'failed');
  const o = await t.placeOrder(mkt('buy', 1, { leverage: 10 }), 50000);
  assert.equal(o.status, 'filled');
  assert.equal(o.leverage, 10);
  const p = t.getPosition(BTC);
  assert.equal(p.leverage, 10);
  eqExact(p.exact.margin, '5002.5');
});

test('setLeverage applies to the next position', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  assert.equal(t.setLeverage(BTC, 5), undefined);
  await t.placeOrder(mkt('buy', 0.1), 50000);
  const p = t.getPosition(BTC);
  assert.equal(p.leverage, 5);
  eqExact(p.exact.margin, '1000.5'); // 5002.5 / 5
  assert.equal(t.setLeverage(BTC, 5), undefined, 'same leverage while open is allowed');
});

test('reduceOnly never opens a position', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  const r = await t.placeOrder(mkt('sell', 1, { reduceOnly: true }), 100);
  assert.equal(r.status, 'failed');
  assert.equal(r.reduceOnly, true);
  await t.placeOrder(mkt('buy', 0.5), 100);
  const r2 = await t.placeOrder(mkt('sell', 1, { reduceOnly: true }), 100);
  assert.equal(r2.status, 'filled');
  eqExact(r2.exact.filledAmount, '0.5');
  assert.deepEqual(t.getPositions(), []);
});

test('average entry, partial reduce, and flip to short', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  await t.placeOrder(mkt('buy', 1), 100);
  await t.placeOrder(mkt('buy', 1), 200);
  let p = t.getPosition(BTC);
  eqExact(p.exact.amount, '2');
  eqExact(p.exact.entryPrice, '150.075'); // (100.05 + 200.1) / 2
  assert.equal(p.entryPrice, 150.075);
  const o = await t.placeOrder(mkt('sell', 0.5), 200);
  eqExact(o.exact.filledPrice, '199.9');
  p = t.getPosition(BTC);
  eqExact(p.exact.amount, '1.5');
  eqExact(p.exact.realizedPnl, '24.9125'); // (199.9 − 150.075) × 0.5
  await t.placeOrder(mkt('sell', 2.5), 200);
  p = t.getPosition(BTC);
  assert.equal(p.side, 'short');
  eqExact(p.exact.amount, '1');
  eqExact(p.exact.entryPrice, '199.9');
  const ev = t.getEvents();
  assert.ok(types(ev).includes('positionIncreased'));
  assert.ok(types(ev).includes('positionReduced'));
  assert.ok(ev.some((e) => e.type === 'positionClosed' && e.symbol === BTC && 'realizedPnl' in e));
  assert.ok(ev.some((e) => e.type === 'positionOpened' && e.side === 'short'));
});

// ---- protective orders -----------------------------------------------------------------

test('stop loss fires: position closes, take profit is cancelled', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  await t.placeOrder(mkt('buy', 0.1), 50000);
  let p = t.setStopLoss(BTC, 48000);
  assert.equal(p.stopLoss, 48000);
  assert.equal(p.symbol, BTC);
  p = t.setTakeProfit(BTC, 55000);
  assert.equal(p.stopLoss, 48000);
  assert.equal(p.takeProfit, 55000);
  eqExact(p.exact.takeProfit, '55000');
  assert.equal(t.getPosition(BTC).stopLoss, 48000);
  const open = t.getOpenOrders();
  assert.equal(open.length, 2);
  const sl = open.find((o) => o.type === 'stop_loss');
  const tp = open.find((o) => o.type === 'take_profit');
  assert.match(sl.id, /^sl-\d+$/);
  assert.match(tp.id, /^tp-\d+$/);
  assert.equal(sl.side, 'sell');
  assert.equal(sl.stopPrice, 48000);
  assert.equal(sl.status, 'pending');
  // Move the stop: same order, new level.
  p = t.setStopLoss(BTC, 49000);
  assert.equal(p.stopLoss, 49000);
  assert.equal(t.getOpenOrders().length, 2);
  assert.equal(t.getOrder(sl.id).stopPrice, 49000);

  assert.deepEqual(t.updatePrice(BTC, 49500), []);
  const events = t.updatePrice(BTC, 48990);
  const ty = types(events);
  assert.ok(ty.includes('stopLossTriggered'), JSON.stringify(ty));
  assert.ok(ty.includes('orderFilled'), JSON.stringify(ty));
  assert.ok(ty.includes('positionClosed'), JSON.stringify(ty));
  assert.ok(ty.includes('orderCancelled'), JSON.stringify(ty));
  assert.ok(ty.indexOf('stopLossTriggered') < ty.indexOf('positionClosed'));
  assert.equal(events.find((e) => e.type === 'stopLossTriggered').orderId, sl.id);
  assert.equal(events.find((e) => e.type === 'orderCancelled').orderId, tp.id);
  assert.deepEqual(t.getPositions(), []);
  assert.deepEqual(t.getOpenOrders(), []);
  const slAfter = t.getOrder(sl.id);
  assert.equal(slAfter.status, 'filled');
  eqExact(slAfter.exact.filledPrice, '48965.505'); // 48990 × 0.9995
  assert.equal(t.getOrder(tp.id).status, 'cancelled');
  const closed = events.find((e) => e.type === 'positionClosed');
  assert.equal(closed.realizedPnl, -105.9495); // (48965.505 − 50025) × 0.1
  const a = t.getAccount();
  eqExact(a.exact.realizedPnl, '-105.9495');
  eqExact(a.exact.feesPaid, '3.9596202'); // 2.001 + 4896.5505 × 0.0004
  eqExact(a.exact.walletBalance, '9890.0908798');
  assert.equal(t.getBalance(), 9890.0908798);
});

test('setStopLoss(symbol, null) removes the protective order', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  await t.placeOrder(mkt('buy', 0.1), 50000);
  t.setStopLoss(BTC, 48000);
  const p = t.setStopLoss(BTC, null);
  assert.equal(p.stopLoss, null);
  assert.deepEqual(t.getOpenOrders(), []);
  assert.equal(t.getOrders().find((o) => o.type === 'stop_loss').status, 'cancelled');
  assert.deepEqual(t.updatePrice(BTC, 47000).filter((e) => e.type === 'stopLossTriggered'), []);
  assert.equal(t.getPositions().length, 1);
});

test('short position: take profit fires below, stop loss is cancelled', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  const o = await t.placeOrder(mkt('sell', 1), 100);
  eqExact(o.exact.filledPrice, '99.95');
  assert.equal(t.getPosition(BTC).side, 'short');
  t.setTakeProfit(BTC, 90);
  t.setStopLoss(BTC, 110);
  const tp = t.getOpenOrders().find((x) => x.type === 'take_profit');
  const sl = t.getOpenOrders().find((x) => x.type === 'stop_loss');
  assert.equal(tp.side, 'buy');
  t.updatePrice(BTC, 95);
  assert.equal(t.getPositions().length, 1);
  const events = t.updatePrice(BTC, 89);
  assert.ok(types(events).includes('takeProfitTriggered'), JSON.stringify(types(events)));
  assert.deepEqual(t.getPositions(), []);
  assert.equal(t.getOrder(tp.id).status, 'filled');
  eqExact(t.getOrder(tp.id).exact.filledPrice, '89.0445'); // 89 × 1.0005
  assert.equal(t.getOrder(sl.id).status, 'cancelled');
  const a = t.getAccount();
  assert.ok(a.realizedPnl > 0);
  eqExact(a.exact.realizedPnl, '10.9055'); // 99.95 − 89.0445
  eqExact(a.exact.feesPaid, '0.0755978'); // 0.03998 + 0.0356178
});

test('standalone stop orders: trigger later, or fail when already reached', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  const o = await t.placeOrder(order({ side: 'buy', type: 'stop_loss', amount: 0.1, stopPrice: 51000 }), 50000);
  assert.equal(o.status, 'pending');
  assert.equal(o.stopPrice, 51000);
  assert.ok(t.getAccount().reserved > 0);
  t.updatePrice(BTC, 51200);
  const f = t.getOrder(o.id);
  assert.equal(f.status, 'filled');
  eqExact(f.exact.filledPrice, '51225.6'); // 51200 × 1.0005
  eqExact(t.getAccount().exact.reserved, '0');
  // Already reached: a venue rejection, not a throw. No currentPrice: the last mark is used.
  const r = await t.placeOrder(order({ side: 'sell', type: 'take_profit', amount: 0.1, stopPrice: 51000 }), undefined);
  assert.equal(r.status, 'failed');
  assert.equal(r.errorMessage, 'Order would immediately trigger');
});

test('market order without currentPrice uses the last mark', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  t.updatePrice(BTC, 50000);
  const o = await t.placeOrder(mkt('buy', 0.1), undefined);
  assert.equal(o.status, 'filled');
  eqExact(o.exact.filledPrice, '50025');
});

test('liquidation at 10x: event, no position, the isolated margin is lost', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  await t.placeOrder(mkt('buy', 0.1, { leverage: 10 }), 50000);
  const p = t.getPositions()[0];
  assert.equal(typeof p.liquidationPrice, 'number');
  assert.ok(p.liquidationPrice > 45000 && p.liquidationPrice < 46000, String(p.liquidationPrice));
  assert.equal(typeof p.exact.liquidationPrice, 'string');
  eqExact(p.exact.margin, '500.25');
  const walletBefore = t.getAccount().exact.walletBalance;
  assert.equal(walletBefore, '9997.999');

  assert.deepEqual(t.updatePrice(BTC, Math.ceil(p.liquidationPrice) + 1), [], 'just above LP: nothing');
  const events = t.updatePrice(BTC, 40000);
  assert.ok(types(events).includes('positionLiquidated'), JSON.stringify(types(events)));
  const liq = events.find((e) => e.type === 'positionLiquidated');
  assert.equal(liq.symbol, BTC);
  assert.equal(liq.realizedPnl, -500.25);
  assert.deepEqual(t.getPositions(), []);
  assert.equal(t.getPosition(BTC), null);
  const a = t.getAccount();
  eqExact(a.exact.walletBalance, '9497.749'); // 9997.999 − 500.25
  assert.equal(dec(a.exact.walletBalance), dec(walletBefore) - dec(p.exact.margin));
  assert.equal(dec(a.exact.equity), dec(a.exact.initialBalance) - dec(a.exact.feesPaid) + dec(a.exact.realizedPnl) + dec(a.exact.unrealizedPnl));
  // The history shows a filled market order liq-N.
  const lo = t.getOrders().at(-1);
  assert.match(lo.id, /^liq-\d+$/);
  assert.equal(lo.type, 'market');
  assert.equal(lo.side, 'sell');
  assert.equal(lo.status, 'filled');
  eqExact(lo.exact.filledAmount, '0.1');
  eqExact(lo.exact.fee, '0'); // price far below LP: the whole margin went to the loss
});

test('closePosition closes the whole position at market and cancels protection', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  await t.placeOrder(mkt('buy', 0.1), 50000);
  t.setStopLoss(BTC, 48000);
  const pending = t.closePosition(BTC, 50500);
  assert.ok(pending instanceof Promise, 'closePosition returns a Promise');
  const o = await pending;
  assert.equal(o.status, 'filled');
  assert.equal(o.side, 'sell');
  assert.equal(o.type, 'market');
  assert.equal(o.reduceOnly, true);
  eqExact(o.exact.amount, '0.1');
  eqExact(o.exact.filledPrice, '50474.75'); // 50500 × 0.9995
  assert.deepEqual(t.getPositions(), []);
  assert.deepEqual(t.getOpenOrders(), []);
  assert.equal(t.getOrders().find((x) => x.type === 'stop_loss').status, 'cancelled');
  const a = t.getAccount();
  eqExact(a.exact.realizedPnl, '44.975'); // (50474.75 − 50025) × 0.1
  eqExact(a.exact.feesPaid, '4.01999'); // 2.001 + 2.01899
  eqExact(a.exact.walletBalance, '10040.95501');
  assert.equal(a.positionsCount, 0);
});

// ---- account, history, events, fills ----------------------------------------------------

test('account identities hold exactly (BigInt arithmetic on exact strings)', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  const steps = [
    () => t.placeOrder(mkt('buy', '0.3'), 100),
    () => t.placeOrder(mkt('buy', 0.2), 123.45),
    () => t.placeOrder(mkt('sell', '0.15'), '130.7'),
    () => t.placeOrder(lim('buy', 0.1, 90), 128),
    () => t.placeOrder(order({ symbol: ETH, side: 'sell', type: 'market', amount: 1.5, leverage: 3 }), '2000.3'),
    () => t.placeOrder(order({ symbol: ETH, side: 'buy', type: 'market', amount: '0.7' }), 1990.01),
    () => t.updatePrice(BTC, '127.77'),
    () => t.updatePrice(ETH, 1987.123),
    () => t.placeOrder(lim('sell', 0.33, 140.123456), 127.5),
  ];
  for (const step of steps) {
    await step();
    const a = t.getAccount();
    const x = Object.fromEntries(Object.entries(a.exact).map(([k, v]) => [k, v === null ? null : dec(v)]));
    assert.equal(x.equity, x.initialBalance - x.feesPaid + x.realizedPnl + x.unrealizedPnl,
      `equity identity: ${JSON.stringify(a.exact)}`);
    assert.equal(x.walletBalance, x.initialBalance - x.feesPaid + x.realizedPnl, 'wallet = initial − fees + realized');
    assert.equal(x.equity, x.walletBalance + x.unrealizedPnl, 'equity = wallet + unrealized');
    assert.equal(x.balance, x.walletBalance - x.marginUsed - x.reserved, 'free = wallet − margin − reserved');
    const ps = t.getPositions();
    assert.equal(x.marginUsed, sum(ps.map((p) => dec(p.exact.margin))), 'marginUsed = Σ position margin');
    assert.equal(x.unrealizedPnl, sum(ps.map((p) => dec(p.exact.unrealizedPnl))), 'unrealized = Σ positions');
    assert.equal(x.reserved > 0n, t.getOpenOrders().length > 0);
    assert.equal(x.feesPaid, sum(t.getFills().map((f) => dec(f.exact.fee))), 'fees = Σ fill fees');
    assert.equal(a.positionsCount, ps.length);
    assert.equal(a.openOrdersCount, t.getOpenOrders().length);
    assert.equal(t.getBalance(), a.balance);
    for (const k of ['feesPaid', 'realizedPnl', 'unrealizedPnl', 'marginUsed', 'reserved', 'balance', 'equity']) {
      assert.ok(fracDigits(a.exact[k]) <= 12, `${k} on the 12-dp quantum: ${a.exact[k]}`);
    }
  }
  assert.equal(t.getPositions().length, 2);
  assert.equal(t.getPosition(ETH).side, 'short');
  assert.equal(t.getPosition(ETH).leverage, 3);
});

test('getOrders: full history oldest first with statuses', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  await t.placeOrder(mkt('buy', 0.1, { id: 'a' }), 50000);
  await t.placeOrder(lim('buy', 0.1, 40000, { id: 'b' }), 50000);
  await t.placeOrder(mkt('buy', 10, { id: 'c' }), 50000);
  t.cancelOrder('b');
  await t.placeOrder(lim('sell', 0.05, 60000, { id: 'd' }), 50000);
  const orders = t.getOrders();
  assert.deepEqual(orders.map((o) => o.id), ['a', 'b', 'c', 'd']);
  assert.deepEqual(orders.map((o) => o.status), ['filled', 'cancelled', 'failed', 'pending']);
  assert.deepEqual(t.getOpenOrders().map((o) => o.id), ['d']);
  assert.equal(t.getOrder('b').status, 'cancelled');
  assert.equal(t.getOrder('c').status, 'failed');
  assert.deepEqual(t.getOrder('d'), orders[3]);
  assert.equal(t.getAccount().openOrdersCount, 1);
  for (const o of orders) {
    for (const k of ['amount', 'price', 'stopPrice', 'filledPrice', 'filledAmount', 'fee']) {
      assert.ok(k in o.exact, `order.exact.${k}`);
    }
  }
});

test('getEvents: seq strictly increasing from 1, getEvents(n) returns only later ones', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  await t.placeOrder(mkt('buy', 0.1, { id: 'e1' }), 50000);
  const first = t.getEvents();
  assert.deepEqual(types(first), ['orderAccepted', 'orderFilled', 'positionOpened']);
  assert.equal(first[0].orderId, 'e1');
  t.setTakeProfit(BTC, 51000);
  await t.placeOrder(lim('buy', 0.05, 49000, { id: 'e2' }), 50000);
  const fromUpdate = t.updatePrice(BTC, 51001);
  t.cancelOrder('e2');

  const all = t.getEvents();
  assert.ok(all.length >= 8);
  assert.deepEqual(all.map((e) => e.seq), all.map((_, i) => i + 1));
  const KNOWN = new Set(['orderAccepted', 'orderFilled', 'orderCancelled', 'orderFailed', 'positionOpened',
    'positionIncreased', 'positionReduced', 'positionClosed', 'positionLiquidated', 'stopLossTriggered',
    'takeProfitTriggered']);
  for (const e of all) {
    assert.ok(KNOWN.has(e.type), e.type);
    assert.equal(e.symbol, BTC);
    assert.equal(typeof e.timestamp, 'number');
    if (e.type.startsWith('order')) assert.equal(typeof e.orderId, 'string', `${e.type}.orderId`);
    if (e.type === 'orderFilled') {
      for (const k of ['price', 'amount', 'fee']) assert.equal(typeof e[k], 'number', `orderFilled.${k}`);
      assert.ok(['maker', 'taker'].includes(e.liquidity));
    }
    if (e.type === 'positionClosed') assert.equal(typeof e.realizedPnl, 'number');
  }
  // updatePrice returned exactly the events it appended.
  const k = first.length + 2; // + TP accepted, e2 accepted (rests)
  assert.deepEqual(fromUpdate, all.filter((e) => e.seq > k && e.seq <= k + fromUpdate.length));
  assert.ok(types(fromUpdate).includes('takeProfitTriggered'));

  for (const n of [0, 1, 3, all.length - 1, all.length, all.length + 5]) {
    const later = t.getEvents(n);
    assert.deepEqual(later, all.filter((e) => e.seq > n), `getEvents(${n})`);
    assert.ok(later.every((e) => e.seq > n));
  }
  assert.deepEqual(t.getEvents(0), all);
  assert.deepEqual(t.getEvents(all.length), []);
});

test('events carry exact strings for their money fields', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  await t.placeOrder(mkt('buy', 0.1), 50000);
  const filled = t.getEvents().find((e) => e.type === 'orderFilled');
  assert.ok(filled.exact && typeof filled.exact === 'object', `event has exact: ${JSON.stringify(filled)}`);
  eqExact(filled.exact.price, '50025');
  eqExact(filled.exact.fee, '2.001');
  eqExact(filled.exact.amount, '0.1');
});

test('getFills: liquidity taker for market, maker for a resting limit', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  await t.placeOrder(mkt('buy', 0.1, { id: 'f-mkt' }), 50000);
  await t.placeOrder(lim('sell', 0.05, 50500, { id: 'f-lim' }), 50000);
  assert.equal(t.getFills().length, 1);
  t.updatePrice(BTC, 50600);
  const fills = t.getFills();
  assert.equal(fills.length, 2);
  const [a, b] = fills;
  assert.equal(a.orderId, 'f-mkt');
  assert.equal(a.liquidity, 'taker');
  assert.equal(a.side, 'buy');
  assert.equal(a.symbol, BTC);
  assert.equal(a.price, 50025);
  assert.equal(a.amount, 0.1);
  assert.equal(a.fee, 2.001);
  eqExact(a.exact.fee, '2.001');
  assert.equal(typeof a.timestamp, 'number');
  assert.equal(b.orderId, 'f-lim');
  assert.equal(b.liquidity, 'maker');
  assert.equal(b.side, 'sell');
  eqExact(b.exact.price, '50500');
  eqExact(b.exact.fee, '0.505'); // 50500 × 0.05 × 0.0002
  eqExact(t.getPosition(BTC).exact.amount, '0.05');
  eqExact(t.getPosition(BTC).exact.realizedPnl, '23.75'); // (50500 − 50025) × 0.05
});

test('getPrice returns the last mark', async () => {
  const t = new PaperTrader(SPEC_CONFIG);
  assert.equal(t.getPrice(BTC), null);
  t.updatePrice(BTC, '50100.5');
  assert.equal(t.getPrice(BTC), 50100.5);
  await t.placeOrder(mkt('buy', 0.01), 50200);
  assert.equal(t.getPrice(BTC), 50200);
  assert.equal(t.getPrice(ETH), null);
});

test('independent instances do not share state', async () => {
  const a = new PaperTrader(SPEC_CONFIG);
  const b = new PaperTrader({ initialBalance: 500 });
  await a.placeOrder(mkt('buy', 0.1, { id: 'same' }), 50000);
  assert.equal(b.getBalance(), 500);
  assert.deepEqual(b.getOrders(), []);
  const o = await b.placeOrder(mkt('buy', 0.001, { id: 'same' }), 50000);
  assert.equal(o.status, 'filled');
});
