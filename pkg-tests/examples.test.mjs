// The runnable examples: test-executor.mjs, trading-loop.mjs (incl. Ctrl-C) and live-futures.mjs.
//   npm run build && node --test pkg-tests/examples.test.mjs
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Run `node <script>`; resolve { code, signal, stdout, stderr }. `onStdout(text, child)` sees output as it comes. */
function run(script, { env = {}, onStdout } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      stdout += d;
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const tail = (s) => s.split('\n').slice(-25).join('\n');

test('node examples/test-executor.mjs', { timeout: 30_000 }, async () => {
  const r = await run('examples/test-executor.mjs');
  assert.equal(r.code, 0, `exit ${r.code}\n${tail(r.stdout)}\n${r.stderr}`);
  assert.match(r.stdout, /ALL CHECKS PASSED\s*$/);
  assert.doesNotMatch(r.stdout, /CHECK FAILED/);
  // The spec's prints, in order, for the 0.01 run; the 0.1 run refused first.
  assert.match(r.stdout, /POSITION_SIZE_EXCEEDED/);
  assert.match(r.stdout,
    /Order filled at \$50025\.00\nBalance: \$9749\.67\nTotal Equity: \$9999\.55\nPositions: 1\nClosed 1 positions\n/);
  assert.match(r.stdout, /Closed 3 positions/);
  for (const code of ['INVALID_AMOUNT', 'INVALID_STOP_LOSS', 'LEVERAGE_EXCEEDED', 'AMOUNT_BELOW_MINIMUM', 'NO_POSITION']) {
    assert.match(r.stdout, new RegExp(code));
  }
  assert.match(r.stdout, /stopLossTriggered/);
  assert.match(r.stdout, /take-profit \S+ cancelled/);
});

test('node examples/trading-loop.mjs (300 iterations, no delay)', { timeout: 30_000 }, async () => {
  const r = await run('examples/trading-loop.mjs', { env: { IFTB_LOOP_DELAY_MS: '0', IFTB_LOOP_ITERATIONS: '300' } });
  assert.equal(r.code, 0, `exit ${r.code}\n${tail(r.stdout)}\n${r.stderr}`);
  assert.equal(r.stderr, '');
  assert.equal((r.stdout.match(/^Decision: (LONG|SHORT|CLOSE|HOLD) \(confidence: \d+\.\d\d%\)$/gm) ?? []).length, 300);
  assert.equal((r.stdout.match(/^Account Status:$/gm) ?? []).length, 300);
  assert.match(r.stdout, /^ {2}Balance: \$\d+\.\d\d$/m);
  assert.match(r.stdout, /^ {2}Equity: \$\d+\.\d\d$/m);
  assert.match(r.stdout, /^ {2}Open Positions: \d+$/m);
  assert.match(r.stdout, /^Order filled: \S+\n {2}Price: \$\d+\.\d\d\n {2}Amount: [\d.]+\n {2}Fee: \$\d+\.\d\d$/m);
  assert.doesNotMatch(r.stdout, /Error in trading loop/);
  assert.match(r.stdout, /Shutting down\.\.\.\nClosed \d+ positions/);
});

test('trading loop: Ctrl-C (SIGINT) closes every position and exits 0', { timeout: 30_000 }, async () => {
  let sent = false;
  const r = await run('examples/trading-loop.mjs', {
    env: { IFTB_LOOP_DELAY_MS: '50', IFTB_LOOP_ITERATIONS: '' },
    onStdout: (out, child) => {
      // Wait until a position is open (the first trade comes after the moving averages warm
      // up, ~75 candles, ~4 s), then press Ctrl-C.
      if (!sent && /Open Positions: [1-9]/.test(out)) {
        sent = true;
        child.kill('SIGINT');
      }
    },
  });
  assert.ok(sent, `never saw an open position:\n${tail(r.stdout)}\n${r.stderr}`);
  assert.equal(r.signal, null, 'exited by itself, not killed by the signal');
  assert.equal(r.code, 0, `exit ${r.code}\n${tail(r.stdout)}\n${r.stderr}`);
  assert.equal(r.stderr, '');
  const m = /Shutting down\.\.\.\nClosed (\d+) positions\n/.exec(r.stdout);
  assert.ok(m, tail(r.stdout));
  assert.doesNotMatch(r.stdout, /End of price data/);
  // Every position open at the interrupt was closed.
  const before = r.stdout.slice(0, m.index);
  const open = [...before.matchAll(/Open Positions: (\d+)/g)].at(-1)[1];
  assert.equal(m[1], open);
  assert.ok(Number(m[1]) >= 1);
  assert.match(r.stdout.slice(m.index), /Final balance: \$\d+\.\d\d/);
});

test('node examples/live-futures.mjs (live mode on a local exchange it starts)', { timeout: 60_000 }, async () => {
  const r = await run('examples/live-futures.mjs');
  assert.equal(r.code, 0, `exit ${r.code}\n${tail(r.stdout)}\n${r.stderr}`);
  const lines = [
    /^entry +buy 0\.01 BTC\/USDT market → filled @ \d+/m,
    /^protection +sell 0\.01 BTC\/USDT stop_loss → pending \| sell 0\.01 BTC\/USDT take_profit → pending/m,
    /^cancelled +buy 0\.01 BTC\/USDT limit → cancelled/m,
    /^position +long 0\.01 @ \d+, leverage 5x, liq \d/m,
    /^closed +sell 0\.01 BTC\/USDT market → filled/m,
    /^position +null/m,
    /^executor +buy 0\.01 BTC\/USDT market → filled/m,
    /^status +mode live, positions 1,/m,
    /^emergency +sell 0\.01 BTC\/USDT market → filled/m,
    /^status +positions 0$/m,
  ];
  for (const re of lines) assert.match(r.stdout, re);
});
