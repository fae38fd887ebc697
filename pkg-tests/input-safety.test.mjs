// Inputs whose reading throws (a getter that throws, a revoked Proxy) are refused with a coded
// Error, and neither the instance nor the module is harmed: later orders on the same and on a
// new instance work (issue 15). And FastPaper.bracket is atomic: a bad stop-loss or
// take-profit changes nothing.
//   npm run build && node --test pkg-tests/input-safety.test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FastPaper, OrderExecutor, PaperTrader } from 'iftb-executor';

const BTC = 'BTC/USDT';
const market = (side = 'buy') => ({ symbol: BTC, side, type: 'market', amount: 0.01 });

function coded(code) {
  return (e) => {
    assert.ok(e instanceof Error, `an Error, got ${Object.prototype.toString.call(e)}`);
    assert.equal(e.code, code, `code (message: ${e.message})`);
    assert.equal(e.name, 'ValidationError');
    return true;
  };
}

function throwingGetter(field) {
  const o = market();
  Object.defineProperty(o, field, {
    enumerable: true,
    get() {
      throw new Error(`boom in ${field}`);
    },
  });
  return o;
}

function revoked() {
  const { proxy, revoke } = Proxy.revocable(market(), {});
  revoke();
  return proxy;
}

function proxyThrowingOn(field) {
  return new Proxy(market(), {
    get(target, key) {
      if (key === field) throw new TypeError(`trap on ${String(key)}`);
      return Reflect.get(target, key);
    },
  });
}

const bad = [
  ...['side', 'type', 'symbol', 'amount', 'price', 'id', 'leverage', 'reduceOnly'].map((f) => [`a getter of ${f} that throws`, () => throwingGetter(f)]),
  ['a revoked Proxy', revoked],
  ['a Proxy whose get trap throws on side', () => proxyThrowingOn('side')],
  ['a Proxy whose get trap throws on amount', () => proxyThrowingOn('amount')],
];

test('PaperTrader: a throwing input is a coded error and every instance stays usable', async () => {
  const t = new PaperTrader({ initialBalance: 1e6 });
  t.updatePrice(BTC, 50000);
  for (const [title, make] of bad) {
    assert.throws(() => t.placeOrderSync(make(), 50000), coded('INVALID_ARGUMENT'), `${title} (sync)`);
    await assert.rejects(t.placeOrder(make(), 50000), coded('INVALID_ARGUMENT'), `${title} (async)`);
    // The same instance still trades.
    const o = t.placeOrderSync(market(), 50000);
    assert.equal(o.status, 'filled', title);
    assert.equal(t.placeOrderSync(market('sell'), 50000).status, 'filled', title);
    // A new instance works too (the module is not poisoned).
    const fresh = new PaperTrader({});
    assert.equal(fresh.placeOrderSync(market(), 50000).status, 'filled', `${title}: new instance`);
    fresh.free();
  }
  assert.equal(t.getPositions().length, 0);
  assert.equal(t.getOrders().filter((o) => o.status === 'filled').length, 2 * bad.length);
});

test('a getter that re-enters the trader is refused, and the trader keeps working', () => {
  const t = new PaperTrader({ initialBalance: 1e6 });
  const o = market();
  Object.defineProperty(o, 'amount', {
    get() {
      return t.placeOrderSync(market(), 50000).amount; // recursive use of the same object
    },
  });
  assert.throws(() => t.placeOrderSync(o, 50000), (e) => e instanceof Error && typeof e.code === 'string');
  assert.equal(t.placeOrderSync(market(), 50000).status, 'filled');
});

test('other entry points refuse revoked proxies with a code and stay usable', async () => {
  assert.throws(() => new PaperTrader(revoked()), coded('INVALID_ARGUMENT'));
  assert.throws(() => new FastPaper(revoked()), coded('INVALID_ARGUMENT'));
  const ex = new OrderExecutor({ logger: null });
  await assert.rejects(ex.executeDecision(revoked()), coded('INVALID_ARGUMENT'));
  ex.updatePrice(BTC, 50000);
  const ok = await ex.executeDecision({ action: 'long', symbol: BTC, amount: 0.01 });
  assert.equal(ok.status, 'filled');
  assert.throws(() => OrderExecutor.restore(revoked(), { logger: null }), coded('INVALID_ARGUMENT'));
});

test('FastPaper.bracket is atomic: a bad level throws before the order executes', () => {
  for (const hedging of [false, true]) {
    const fp = new FastPaper({ initialBalance: 1e6, hedging });
    const s = fp.symbolId(BTC);
    fp.updatePrice(s, 50000);
    const before = fp.books();
    // A long's stop-loss above the market, a long's take-profit below it, a short's the other way.
    for (const [side, sl, tp, code] of [
      [0, 50500, 55000, 'INVALID_STOP_LOSS'],
      [0, 49000, 45000, 'INVALID_TAKE_PROFIT'],
      [1, 49000, 45000, 'INVALID_STOP_LOSS'],
      [1, 55000, 50500, 'INVALID_TAKE_PROFIT'],
      [0, -1, 55000, 'INVALID_PRICE'],
      [0, 0.1 + 0.2, 55000, 'INVALID_NUMBER'],
    ]) {
      assert.throws(() => fp.bracket(s, side, 0.1, sl, tp), (e) => e instanceof Error && e.code === code, `${hedging} ${side} ${sl} ${tp}`);
      assert.deepEqual(fp.books(), before, 'nothing changed');
      assert.equal(fp.openPositions, 0);
      assert.equal(fp.fillCount, 0);
    }
    // Good levels: filled and protected.
    const px = fp.bracket(s, 0, 0.1, 49000, 51000);
    assert.equal(px, 50025);
    const p = fp.position(fp.lastPosition);
    assert.deepEqual([p.stopLoss, p.takeProfit], [49000, 51000]);
    fp.free();
  }
});

test('FastPaper.bracket that only reduces protects what is left (netting)', () => {
  const fp = new FastPaper({ initialBalance: 1e6 });
  const s = fp.symbolId(BTC);
  fp.updatePrice(s, 50000);
  fp.market(s, 0, 0.3);
  // A sell of 0.1 leaves a long of 0.2: its stop-loss must be below the market.
  assert.throws(() => fp.bracket(s, 1, 0.1, 51000, NaN), (e) => e.code === 'INVALID_STOP_LOSS');
  assert.equal(fp.position(fp.positionOf(s)).exact.amount, '0.3', 'unchanged');
  fp.bracket(s, 1, 0.1, 49000, NaN);
  const p = fp.position(fp.positionOf(s));
  assert.deepEqual([p.side, p.exact.amount, p.stopLoss], ['long', '0.2', 49000]);
  // A bracket that closes the position has nothing to protect: refused before it runs.
  assert.throws(() => fp.bracket(s, 1, 0.2, 51000, NaN), (e) => e.code === 'NO_POSITION');
  assert.equal(fp.position(fp.positionOf(s)).exact.amount, '0.2', 'unchanged');
});

test('a snapshot with a field it does not have, at any depth, is refused', async () => {
  const ex = new OrderExecutor({ logger: null });
  ex.updatePrice(BTC, 50000);
  await ex.executeDecision({ action: 'long', symbol: BTC, amount: 0.01, stopLoss: 49000 });
  const snap = ex.snapshot();
  assert.ok(OrderExecutor.restore(structuredClone(snap), { logger: null }));
  const edits = [
    (s) => { s.extra = 1; },
    (s) => { s.settings.typo = 1; },
    (s) => { s.paper.orders[0].surprise = true; },
    (s) => { s.paper.config.defaultBrackets[0].x = '1'; },
    (s) => { s.executor.risk.y = null; },
  ];
  for (const edit of edits) {
    const bad = structuredClone(snap);
    edit(bad);
    assert.throws(() => OrderExecutor.restore(bad, { logger: null }), (e) => e.code === 'SNAPSHOT_INVALID' && /unknown field/.test(e.message), edit.toString());
  }
});

test('order objects are the same with code generation disallowed (a strict Content-Security-Policy)', async () => {
  const { spawnSync } = await import('node:child_process');
  const script = `
    import assert from 'node:assert/strict';
    import { PaperTrader } from 'iftb-executor';
    assert.throws(() => new Function('return 1'), EvalError);
    const t = new PaperTrader({ initialBalance: 1000 });
    const orders = [
      [{ symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.01 }, 50000],
      [{ id: 'mine-1', symbol: 'BTC/USDT', side: 'sell', type: 'limit', amount: '0.0000001', price: 60000 }, 50000],
      [{ symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 10 }, 50000],
      [{ symbol: 'BTC/USDT', side: 'sell', type: 'stop_loss', amount: 0.005, stopPrice: 40000, reduceOnly: true }, 50000],
    ];
    for (const [o, px] of orders) {
      const placed = t.placeOrderSync(o, px);
      assert.deepStrictEqual(placed, t.getOrder(placed.id));
      assert.deepStrictEqual(Object.keys(placed), Object.keys(t.getOrder(placed.id)));
    }
    assert.equal(t.getOrders()[2].rejectReason, 'INSUFFICIENT_FUNDS');
    console.log('ok');
  `;
  const r = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: new URL('.', import.meta.url) });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'ok');
});
