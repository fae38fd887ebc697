// OrderExecutor `statePath` persistence: written after every call, restored exactly, and a
// process killed with SIGKILL loses nothing it acknowledged.
// Contract: src/order_executor.rs (`statePath`: "persist after every change; an existing file
// is restored"; src/host.rs write_file_atomic: temp file + fsync + rename).
//   npm run build && node --test pkg-tests/persistence.test.mjs
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OrderExecutor } from 'iftb-executor';

const BTC = 'BTC/USDT';
const ETH = 'ETH/USDT';
const KIND = 'iftb-executor/paper-snapshot';
const CHILD = fileURLToPath(new URL('./fixtures/persist-child.mjs', import.meta.url));

function withTempDir(fn) {
  return async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'iftb-persist-'));
    try {
      await fn(dir, t);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const readState = (p) => JSON.parse(readFileSync(p, 'utf8'));

test('statePath: the file is written after every call and restores exactly', withTempDir(async (dir) => {
  const statePath = path.join(dir, 'state.json');
  const ex = new OrderExecutor({ paperMode: true, statePath, logger: null, maxDrawdown: 0.5 });
  assert.ok(existsSync(statePath), 'written at construction');

  /** After each call the file holds exactly the executor's current snapshot. */
  const persisted = (what) => {
    const s = readState(statePath);
    assert.equal(s.kind, KIND, what);
    assert.equal(s.version, 1, what);
    assert.deepEqual(s, ex.snapshot(), `file is stale after ${what}`);
  };
  persisted('construction');

  const o = await ex.executeDecision({ action: 'long', symbol: BTC, amount: 0.01, entryPrice: 50000, stopLoss: 49000 });
  assert.equal(o.status, 'filled');
  persisted('executeDecision (market)');
  const lim = await ex.executeDecision({ action: 'short', symbol: ETH, amount: 0.1, entryPrice: 3100, orderType: 'limit', stopLoss: 3200 });
  assert.equal(lim.status, 'pending');
  persisted('executeDecision (limit)');
  ex.updatePrice(BTC, 50100);
  persisted('updatePrice');
  await ex.updateStopLoss(BTC, 49500);
  persisted('updateStopLoss');
  await ex.updateTakeProfit(BTC, 52000);
  persisted('updateTakeProfit');
  await ex.cancelOrder(lim.id);
  persisted('cancelOrder');
  await ex.executeDecision({ action: 'short', symbol: ETH, amount: 0.1, entryPrice: 3000 });
  persisted('executeDecision (short)');
  ex.resetLossLimits();
  persisted('resetLossLimits');
  await assert.rejects(ex.executeDecision({ action: 'long', symbol: BTC, amount: 0, entryPrice: 50000 }), { code: 'INVALID_AMOUNT' });
  persisted('a rejected call');

  const back = new OrderExecutor({ paperMode: true, statePath, logger: null });
  assert.deepEqual(back.snapshot(), ex.snapshot(), 'restored from the file');
  assert.deepEqual(back.getOrders(), ex.getOrders());
  assert.deepEqual(back.getPositions(), ex.getPositions());
  assert.deepEqual(await back.getAccountStatus(), await ex.getAccountStatus());

  // The restored executor carries on and keeps persisting.
  const closed = await back.emergencyCloseAll();
  assert.equal(closed.length, 2);
  assert.deepEqual(readState(statePath), back.snapshot());
  const again = new OrderExecutor({ paperMode: true, statePath, logger: null });
  assert.deepEqual(again.getPositions(), []);
  assert.deepEqual(again.snapshot(), back.snapshot());
  assert.deepEqual(readdirSync(dir), ['state.json'], 'no temporary files left behind');
}));

test('OrderExecutor.restore with statePath persists the restored state', withTempDir(async (dir) => {
  const src = new OrderExecutor({ paperMode: true, logger: null });
  await src.executeDecision({ action: 'long', symbol: BTC, amount: 0.01, entryPrice: 50000 });
  const statePath = path.join(dir, 'restored.json');
  const ex = OrderExecutor.restore(src.snapshot(), { statePath, logger: null });
  assert.deepEqual(readState(statePath), src.snapshot());
  ex.updatePrice(BTC, 50500);
  assert.deepEqual(readState(statePath), ex.snapshot());
}));

test('kill -9 loses nothing acknowledged', { timeout: 20_000 }, withTempDir(async (dir) => {
  const statePath = path.join(dir, 'state.json');
  const ACKS = 50;
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, PERSIST_STATE_PATH: statePath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

  const acks = [];
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    acks.push(JSON.parse(line));
    if (acks.length === ACKS) {
      child.kill('SIGKILL');
      break;
    }
  }
  const { signal, code } = await exited;
  assert.equal(signal, 'SIGKILL', `child ended by itself (code ${code}): ${stderr}`);
  assert.equal(acks.length, ACKS, `only ${acks.length} acknowledgements: ${stderr}`);
  assert.ok(acks.every((a, i) => a.n === i), 'acknowledgements in order');

  // Nothing but the state file and, at most, the killed writer's own temp file.
  const leftovers = readdirSync(dir).filter((f) => f !== 'state.json');
  for (const f of leftovers) assert.equal(f, `state.json.tmp-${child.pid}`, `unexpected file ${f}`);

  const ex = new OrderExecutor({ paperMode: true, statePath, logger: null });
  const ids = new Set(ex.getOrders().map((o) => o.id));
  const acked = acks.filter((a) => a.orderId);
  assert.ok(acked.length >= ACKS / 2 - 1);
  for (const a of acked) {
    assert.ok(ids.has(a.orderId), `acknowledged order ${a.orderId} (call ${a.n}) is missing after the kill`);
    // Filled and failed are final: the restored order has the acknowledged status.
    const o = ex.getOrders().find((x) => x.id === a.orderId);
    if (a.status === 'filled' || a.status === 'failed') assert.equal(o.status, a.status, a.orderId);
  }
  const events = ex.getEvents();
  const lastSeq = events.length ? events[events.length - 1].seq : 0;
  assert.ok(lastSeq >= acks[acks.length - 1].seq, `restored seq ${lastSeq} < acknowledged ${acks[acks.length - 1].seq}`);
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), 'event log intact');
}));
