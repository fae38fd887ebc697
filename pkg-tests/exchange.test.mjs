// The local Binance-compatible exchange over real HTTP: requests signed with node:crypto
// HMAC exactly like a real client, control endpoints, fault switches, feeds, the CLI.
//   npm run build && node --test pkg-tests/exchange.test.mjs
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LocalExchange } from 'iftb-executor/server';
import { candlePath, ccxtUrls, isLoopback, readCandles, startExchange } from 'iftb-executor/server/exchange.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ---- a minimal signing client -----------------------------------------------------------

/** Sign `params` (+ timestamp) with HMAC-SHA256; GET/DELETE in the query, POST in the body. */
async function call(ex, method, p, params = {}, { key = ex.apiKey, secret = ex.apiSecret, ts = Date.now(), signed = true } = {}) {
  const qs = new URLSearchParams({ ...params, ...(signed ? { timestamp: String(ts) } : {}) }).toString();
  const payload = signed ? `${qs}&signature=${createHmac('sha256', secret).update(qs).digest('hex')}` : qs;
  const headers = signed ? { 'X-MBX-APIKEY': key } : {};
  let url = `${ex.url}${p}`;
  let body;
  if (method === 'POST') {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = payload;
  } else if (payload) {
    url += `?${payload}`;
  }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, body: json };
}

async function control(ex, method, p, body) {
  const res = await fetch(`${ex.url}${p}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const market = (side, quantity, extra = {}) => ({ symbol: 'BTCUSDT', side, type: 'MARKET', quantity, newOrderRespType: 'RESULT', ...extra });

let ex;
before(async () => {
  ex = await startExchange({ port: 0, feed: 'none' });
});
after(async () => {
  await ex?.close();
});

// ---- Binance endpoints ------------------------------------------------------------------

test('signed futures order: fills, fees, position, weight and order-count headers', async () => {
  ex.reset();
  const r = await call(ex, 'POST', '/fapi/v1/order', market('BUY', '0.100', { newClientOrderId: 'js-1' }));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'FILLED');
  assert.equal(r.body.avgPrice, '50000.00000');
  assert.equal(r.headers.get('x-mbx-order-count-10s'), '1');
  assert.equal(r.headers.get('x-mbx-order-count-1m'), '1');
  assert.equal(r.headers.get('x-mbx-used-weight-1m'), '0');
  const bal = await call(ex, 'GET', '/fapi/v2/balance');
  assert.equal(bal.headers.get('x-mbx-used-weight-1m'), '5');
  // 20x default leverage: margin 250; taker 0.05% of 5000 = 2.5.
  assert.equal(bal.body[0].balance, '9997.50000000');
  assert.equal(bal.body[0].availableBalance, '9747.50000000');
  const pos = await call(ex, 'GET', '/fapi/v3/positionRisk', { symbol: 'BTCUSDT' });
  assert.equal(pos.body.length, 1);
  assert.equal(pos.body[0].positionAmt, '0.100');
  assert.equal(pos.body[0].entryPrice, '50000.0000000');
  const q = await call(ex, 'GET', '/fapi/v1/order', { symbol: 'BTCUSDT', origClientOrderId: 'js-1' });
  assert.equal(q.body.status, 'FILLED');
  const posts = ex.requests().filter((x) => x.method === 'POST' && x.path === '/fapi/v1/order');
  assert.equal(posts.length, 1);
  assert.equal(posts[0].params.newClientOrderId, 'js-1');
  assert.equal(posts[0].params.signature, undefined);
});

test('authentication errors over HTTP', async () => {
  const wrong = await call(ex, 'GET', '/fapi/v2/account', {}, { secret: 'not-the-secret' });
  assert.deepEqual([wrong.status, wrong.body.code, wrong.body.msg], [400, -1022, 'Signature for this request is not valid.']);
  const key = await call(ex, 'GET', '/fapi/v2/account', {}, { key: 'other' });
  assert.deepEqual([key.status, key.body.code], [401, -2015]);
  const old = await call(ex, 'GET', '/api/v3/account', {}, { ts: Date.now() - 10_000 });
  assert.deepEqual([old.status, old.body.code], [400, -1021]);
  const ok = await call(ex, 'GET', '/api/v3/account', { recvWindow: '20000' }, { ts: Date.now() - 10_000 });
  assert.equal(ok.status, 200);
  // Mixed query + body signing, as the Binance docs describe.
  const query = 'symbol=BTCUSDT&side=BUY&type=MARKET';
  const body = `quantity=0.01&timestamp=${Date.now()}`;
  const sig = createHmac('sha256', ex.apiSecret).update(query + body).digest('hex');
  const res = await fetch(`${ex.url}/api/v3/order?${query}`, {
    method: 'POST',
    headers: { 'X-MBX-APIKEY': ex.apiKey, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `${body}&signature=${sig}`,
  });
  const j = await res.json();
  assert.equal(res.status, 200, JSON.stringify(j));
  assert.equal(j.executedQty, '0.01000000');
  assert.equal(j.fills[0].commissionAsset, 'BTC');
});

test('paths are matched raw; unknown ones are 404; bodies are bounded', async () => {
  // fetch would normalise the path; node:http sends it as written.
  for (const raw of ['/fapi/v1/../v1/time', '/fapi/v1/%74ime', '//fapi/v1/time', 'http://evil.example/fapi/v1/time']) {
    const status = await new Promise((resolve, reject) => {
      const u = new URL(ex.url);
      http.get({ host: u.hostname, port: u.port, path: raw }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject);
    });
    assert.equal(status, 404, raw);
  }
  const sapi = await call(ex, 'POST', '/sapi/v1/capital/withdraw/apply', { coin: 'BTC' });
  assert.deepEqual([sapi.status, sapi.body.code], [404, -1000]);
  const big = await fetch(`${ex.url}/fapi/v1/order`, { method: 'POST', body: 'x'.repeat(70 * 1024) });
  assert.equal(big.status, 413);
  const t = await call(ex, 'GET', '/fapi/v1/time', {}, { signed: false });
  assert.equal(t.status, 200);
  assert.ok(Math.abs(t.body.serverTime - Date.now()) < 5_000);
});

test('weight is counted per client address; a spoofed address header does not help', async () => {
  const small = await startExchange({ port: 0, feed: 'none', futuresWeightLimit: 3, banAfter: 1 });
  try {
    const codes = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${small.url}/fapi/v1/ping`, { headers: { 'x-iftb-remote-addr': `10.0.0.${i}` } });
      codes.push([res.status, res.headers.get('retry-after') !== null]);
      await res.arrayBuffer();
    }
    assert.deepEqual(codes, [[200, false], [200, false], [200, false], [429, true], [418, true]]);
  } finally {
    await small.close();
  }
});

// ---- control endpoints and faults ---------------------------------------------------------

test('control: price fills a resting limit, state, reset', async () => {
  ex.reset();
  const lim = await call(ex, 'POST', '/fapi/v1/order', {
    symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.010', price: '49000',
  });
  assert.equal(lim.body.status, 'NEW');
  const moved = await control(ex, 'POST', '/_iftb/price', { symbol: 'BTCUSDT', price: '48950.5' });
  assert.deepEqual(moved.body, { BTCUSDT: '48950.5' });
  const st = await control(ex, 'GET', '/_iftb/state');
  assert.equal(st.body.futures.positions.length, 1);
  assert.equal(st.body.futures.positions[0].entryPrice, '49000');
  assert.equal(st.body.prices.BTCUSDT, '48950.5');
  assert.equal(st.body.feed.feed, 'none');
  const q = await call(ex, 'GET', '/fapi/v1/order', { symbol: 'BTCUSDT', orderId: String(lim.body.orderId) });
  assert.equal(q.body.status, 'FILLED');
  // JSON content type required (a cross-origin page cannot send it without a preflight).
  const plain = await fetch(`${ex.url}/_iftb/reset`, { method: 'POST', body: '{}' });
  assert.equal(plain.status, 415);
  await plain.arrayBuffer();
  assert.equal((await control(ex, 'POST', '/_iftb/reset', {})).status, 200);
  const after = await control(ex, 'GET', '/_iftb/state');
  assert.equal(after.body.futures.positions.length, 0);
  assert.equal(after.body.prices.BTCUSDT, '50000');
  assert.equal((await control(ex, 'POST', '/_iftb/price', { symbol: 'NOPE', price: 1 })).status, 400);
  assert.equal((await control(ex, 'GET', '/_iftb/nothing')).status, 404);
});

test('fault: errorAfterAccept executes the order and answers 503 -1007', async () => {
  ex.reset();
  const f = await control(ex, 'POST', '/_iftb/faults', { errorAfterAccept: 1 });
  assert.equal(f.body.errorAfterAccept, 1);
  const r = await call(ex, 'POST', '/fapi/v1/order', market('BUY', '0.010', { newClientOrderId: 'amb-1' }));
  assert.deepEqual([r.status, r.body.code], [503, -1007]);
  const q = await call(ex, 'GET', '/fapi/v1/order', { symbol: 'BTCUSDT', origClientOrderId: 'amb-1' });
  assert.equal(q.body.status, 'FILLED');
  assert.equal((await control(ex, 'GET', '/_iftb/faults')).body.errorAfterAccept, 0);
});

test('fault: dropAfterAccept executes and closes the connection without an answer', async () => {
  ex.reset();
  ex.setFaults({ dropAfterAccept: 1 });
  await assert.rejects(call(ex, 'POST', '/fapi/v1/order', market('BUY', '0.010', { newClientOrderId: 'lost-1' })), TypeError);
  const q = await call(ex, 'GET', '/fapi/v1/order', { symbol: 'BTCUSDT', origClientOrderId: 'lost-1' });
  assert.equal(q.body.status, 'FILLED');
  const posts = ex.requests().filter((x) => x.method === 'POST');
  assert.equal(posts.length, 1);
  assert.equal(posts[0].dropped, true);
});

test('fault: latency, injected 429 with Retry-After, 418', async () => {
  ex.reset();
  ex.setFaults({ latencyMs: 200 });
  const t0 = performance.now();
  const r = await call(ex, 'GET', '/fapi/v1/ping', {}, { signed: false });
  assert.equal(r.status, 200);
  assert.ok(performance.now() - t0 >= 190, 'the answer waits at least latencyMs');
  ex.setFaults({ latencyMs: 0, rateLimitNext: 1, retryAfterS: 7 });
  const t = await call(ex, 'GET', '/fapi/v1/ping', {}, { signed: false });
  assert.deepEqual([t.status, t.body.code, t.headers.get('retry-after')], [429, -1003, '7']);
  assert.ok(t.headers.get('x-mbx-used-weight-1m') !== null);
  ex.setFaults({ banNext: 1 });
  const b = await call(ex, 'GET', '/api/v3/ping', {}, { signed: false });
  assert.deepEqual([b.status, b.headers.get('retry-after')], [418, '7']);
  assert.equal((await call(ex, 'GET', '/api/v3/ping', {}, { signed: false })).status, 200);
});

test('fault: clock skew makes timestamps fail until the client resyncs', async () => {
  ex.reset();
  ex.setFaults({ clockSkewMs: -3000 });
  const r = await call(ex, 'GET', '/fapi/v2/account');
  assert.deepEqual([r.status, r.body.code], [400, -1021]);
  const t = await call(ex, 'GET', '/fapi/v1/time', {}, { signed: false });
  const offset = t.body.serverTime - Date.now();
  assert.ok(offset < -2_000 && offset > -4_000, `offset ${offset}`);
  const ok = await call(ex, 'GET', '/fapi/v2/account', {}, { ts: Date.now() + offset });
  assert.equal(ok.status, 200);
  ex.setFaults({ clockSkewMs: 0 });
});

test('fault: partial fills and late landing', async () => {
  ex.reset();
  ex.setFaults({ partialFill: 0.5 });
  const m = await call(ex, 'POST', '/fapi/v1/order', market('BUY', '0.100'));
  assert.deepEqual([m.body.status, m.body.executedQty], ['EXPIRED', '0.050']);
  ex.setFaults({ partialFill: null, lateLandingMs: 60_000 });
  const l = await call(ex, 'POST', '/fapi/v1/order', market('BUY', '0.010', { newClientOrderId: 'late-1' }));
  assert.equal(l.status, 200);
  const q = await call(ex, 'GET', '/fapi/v1/order', { symbol: 'BTCUSDT', origClientOrderId: 'late-1' });
  assert.deepEqual([q.status, q.body.code], [400, -2013]);
  const bad = await control(ex, 'POST', '/_iftb/faults', { partialFill: 2 });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /partialFill/);
  ex.setFaults({ lateLandingMs: 0 });
});

// ---- the class, the feed, loopback, CLI -------------------------------------------------

test('LocalExchange errors are real Errors with name and code', () => {
  assert.throws(() => new LocalExchange({ futuresBalanse: 1 }), (e) => e instanceof Error && e.name === 'ValidationError' && e.code === 'INVALID_CONFIG' && /futuresBalanse/.test(e.message));
  const x = new LocalExchange({ apiKey: 'k', apiSecret: 's', futuresBalance: '123.45' });
  assert.equal(x.apiKey, 'k');
  assert.throws(() => x.setPrice('DOGEUSDT', 1), (e) => e.code === 'INVALID_SYMBOL');
  assert.throws(() => x.setPrice('BTCUSDT', -1), (e) => e.code === 'INVALID_PRICE');
  assert.throws(() => x.setFaults({ latency: 1 }), (e) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => x.handle('GET /'), (e) => e.code === 'INVALID_ARGUMENT');
  const r = x.handle({ method: 'GET', path: '/fapi/v1/premiumIndex', query: 'symbol=BTCUSDT' }, 1_700_000_000_000);
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).markPrice, '50000.00');
  assert.equal(x.state().futures.walletBalance, '123.45');
});

test('loopback only unless allowRemote', async () => {
  for (const h of ['127.0.0.1', 'localhost', '::1', '127.1.2.3', '[::1]']) assert.ok(isLoopback(h), h);
  for (const h of ['0.0.0.0', '::', '192.168.1.2', 'example.com', '10.0.0.1']) assert.ok(!isLoopback(h), h);
  await assert.rejects(startExchange({ port: 0, host: '0.0.0.0', feed: 'none' }), (e) => e.code === 'NON_LOOPBACK');
  await assert.rejects(startExchange({ port: 0, feed: 'sideways' }), (e) => e.code === 'INVALID_FEED');
});

test('replay feed drives BTCUSDT from the candles, others follow', async () => {
  const candles = readCandles(path.join(root, 'examples/data/btcusdt-5m.csv'));
  assert.equal(candles.length, 2000);
  const r = await startExchange({ port: 0, feed: 'replay', speed: 300_000 });
  try {
    assert.equal(r.getPrice('BTCUSDT'), candles[0].open);
    const eth0 = Number(r.getPrice('ETHUSDT'));
    assert.equal(eth0, 3000);
    const deadline = Date.now() + 5_000;
    while (r.feed.ticks < 8 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    assert.ok(r.feed.ticks >= 8, `ticks ${r.feed.ticks}`);
    // Read synchronously: no tick can happen between these two reads.
    const t = r.feed.ticks;
    const price = r.getPrice('BTCUSDT');
    const points = candles.flatMap(candlePath);
    // The exchange keeps canonical decimal text ("16704" for the CSV's "16704.0"): compare values.
    assert.equal(Number(price), Number(points[t % points.length]), `tick ${t}: ${price} vs ${points[t % points.length]}`);
    const ratio = Number(r.getPrice('BTCUSDT')) / Number(candles[0].open);
    assert.ok(Math.abs(Number(r.getPrice('ETHUSDT')) / 3000 - ratio) < 1e-6, 'ETH follows BTC');
  } finally {
    await r.close();
  }
  const w = await startExchange({ port: 0, feed: 'random', speed: 200, seed: 7 });
  try {
    const deadline = Date.now() + 5_000;
    while (w.feed.ticks < 3 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    assert.notEqual(w.getPrice('BTCUSDT'), '50000');
  } finally {
    await w.close();
  }
});

test('ccxtUrls points every ccxt API at the local server', () => {
  const u = ccxtUrls('http://127.0.0.1:1/');
  assert.equal(u.fapiPrivateV3, 'http://127.0.0.1:1/fapi/v3');
  assert.equal(u.private, 'http://127.0.0.1:1/api/v3');
  assert.ok(Object.values(u).every((v) => v.startsWith('http://127.0.0.1:1/')));
  const t = ccxtUrls('http://127.0.0.1:1', { sapi: 'https://api.binance.com/sapi/v1', x: 'https://fapi.binance.com/fapi/v2/' });
  assert.deepEqual(t, { sapi: 'http://127.0.0.1:1/sapi/v1', x: 'http://127.0.0.1:1/fapi/v2' });
});

test('CLI: prints URL and credentials, serves, exits cleanly on SIGINT', async () => {
  const child = spawn(process.execPath, [path.join(root, 'bin/iftb-exchange.mjs'), '--port', '0', '--feed', 'none'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => {
    out += c;
  });
  const deadline = Date.now() + 10_000;
  while (!/listening on (http:\S+)/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  const url = /listening on (http:\S+)/.exec(out)?.[1];
  assert.ok(url, out);
  assert.match(out, /API key: +iftb-local-key/);
  assert.match(out, /API secret: +iftb-local-secret/);
  const ping = await fetch(`${url}/fapi/v1/ping`);
  assert.deepEqual(await ping.json(), {});
  child.kill('SIGINT');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  const help = spawn(process.execPath, [path.join(root, 'bin/iftb-exchange.mjs'), '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const [hc] = await once(help, 'exit');
  assert.equal(hc, 0);
  const bad = spawn(process.execPath, [path.join(root, 'bin/iftb-exchange.mjs'), '--host', '0.0.0.0', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const [bc] = await once(bad, 'exit');
  assert.equal(bc, 1);
});
