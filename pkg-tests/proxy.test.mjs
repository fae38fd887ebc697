// The signing proxy through real sockets: reliability.md F1–F12 against a recording fake
// upstream on loopback that checks every signature itself (node:crypto), plus end-to-end
// browser-style client → proxy → upstream. Decisions in detail: crates/core/tests/proxy.rs.
//   npm run build && node --test pkg-tests/proxy.test.mjs
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SigningProxy } from 'iftb-executor/server';
import { startProxy } from 'iftb-executor/proxy';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KEY = `test-key-${randomBytes(12).toString('hex')}`;
const SECRET = randomBytes(32).toString('hex');
const ORIGIN = 'http://127.0.0.1:8080';
const tmp = mkdtempSync(path.join(tmpdir(), 'iftb-proxy-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

// Everything any proxy in this file emitted (stdout, stderr, responses, audit logs) and every
// token and signature, for the final F11 grep.
const EMITTED = [];
const TOKENS = [];
const SIGNATURES = new Set();

// ---- fake upstream ---------------------------------------------------------------------

/** A Binance-like upstream that records every request and verifies its signature. */
async function fakeUpstream({ key = KEY, secret = SECRET, port = 0 } = {}) {
  const f = { requests: [], handler: null, skewMs: 0 };
  const verify = (rec) => {
    const wire = rec.method === 'POST' ? rec.body : rec.query;
    const m = /^(.*)&signature=([0-9a-f]{64})$/.exec(wire);
    if (!m) return { signed: /signature=/.test(wire) ? 'malformed' : false };
    const [, payload, sig] = m;
    SIGNATURES.add(sig);
    const want = createHmac('sha256', secret).update(payload).digest();
    const sigOk = timingSafeEqual(want, Buffer.from(sig, 'hex'));
    const p = new URLSearchParams(payload);
    const serverTime = Date.now() + f.skewMs;
    const ts = Number(p.get('timestamp'));
    const rw = Number(p.get('recvWindow') ?? 5000);
    return {
      signed: true,
      payload,
      sigOk,
      keyOk: rec.headers['x-mbx-apikey'] === key,
      timeOk: ts < serverTime + 1000 && serverTime - ts <= rw,
      bodyAndQuerySplit: rec.method === 'POST' && rec.query !== '',
      params: p,
    };
  };
  const defaultAnswer = (rec) => {
    if (rec.path.endsWith('/time')) return json(200, { serverTime: Date.now() + f.skewMs });
    const v = rec.verify;
    if (v.signed) {
      if (!v.keyOk) return json(401, { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
      if (!v.sigOk || v.bodyAndQuerySplit) return json(400, { code: -1022, msg: 'Signature for this request is not valid.' });
      if (!v.timeOk) return json(400, { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' });
    }
    if (rec.method === 'POST' && rec.path.endsWith('/order')) {
      const p = v.params;
      return json(200, { orderId: f.requests.length, symbol: p.get('symbol'), clientOrderId: p.get('newClientOrderId'), status: 'NEW' },
        { 'X-MBX-USED-WEIGHT-1M': '3', 'X-MBX-ORDER-COUNT-10S': '1', 'X-MBX-ORDER-COUNT-1M': '1' });
    }
    return json(200, [], { 'X-MBX-USED-WEIGHT-1M': '2' });
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url, 'http://upstream');
      const rec = { method: req.method, url: req.url, path: u.pathname, query: u.search.slice(1), body: Buffer.concat(chunks).toString('utf8'), headers: req.headers };
      rec.verify = verify(rec);
      f.requests.push(rec);
      const out = f.handler?.(rec) ?? defaultAnswer(rec);
      if (out === 'hang') return;
      if (out === 'destroy') return req.socket.destroy();
      res.writeHead(out.status, out.headers);
      res.end(out.body);
    });
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  f.url = `http://127.0.0.1:${server.address().port}`;
  f.count = () => f.requests.length;
  f.orders = () => f.requests.filter((r) => !r.path.endsWith('/time'));
  f.close = () => new Promise((r) => { server.closeAllConnections(); server.close(r); });
  return f;
}

function json(status, obj, headers = {}) {
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(obj) };
}

// ---- proxy and client helpers -----------------------------------------------------------

function sink(name) {
  const s = { name, text: '', write(x) { s.text += String(x); return true; } };
  return s;
}

/** Start a proxy on a free port in front of `up`, run `fn`, close; output kept for F11. */
async function withProxy(up, opts, fn) {
  const out = sink('stdout');
  const err = sink('stderr');
  const auditLog = path.join(tmp, `audit-${randomBytes(4).toString('hex')}.log`);
  const proxy = await startProxy({
    port: 0,
    upstreamUrl: up?.url ?? 'http://127.0.0.1:9',
    market: 'binance-usdm',
    apiKey: KEY,
    apiSecret: SECRET,
    auditLog,
    logLevel: 'debug',
    stdout: out,
    stderr: err,
    ...opts,
  });
  TOKENS.push(proxy.token);
  const ctx = { proxy, out, err, auditLog, port: proxy.port, token: proxy.token };
  ctx.audit = () => (existsSync(auditLog) ? readFileSync(auditLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
  try {
    await fn(ctx);
  } finally {
    await proxy.close();
    EMITTED.push({ what: 'stdout', text: out.text, tokenOnce: proxy.token }, { what: 'stderr', text: err.text });
    if (existsSync(auditLog)) EMITTED.push({ what: 'audit', text: readFileSync(auditLog, 'utf8') });
  }
}

/** One HTTP request to the proxy; defaults are a well-behaved browser page. */
function call(ctx, method, target, { body, headers = {}, token = ctx.token, origin = ORIGIN } = {}) {
  const h = { Host: `127.0.0.1:${ctx.port}`, ...headers };
  if (token !== null) h.Authorization = `Bearer ${token}`;
  if (origin !== null) h.Origin = origin;
  if (body !== undefined) {
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/x-www-form-urlencoded';
    h['Content-Length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: ctx.port, method, path: target, headers: h, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        EMITTED.push({ what: `response ${method} ${target.slice(0, 60)}`, text: `${res.statusCode}\n${res.rawHeaders.join('\n')}\n${text}` });
        let data = null;
        try { data = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, json: data });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Write raw bytes on a socket; resolve with everything received until close or `waitMs`. */
function raw(port, text, waitMs = 3000) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      clearTimeout(t);
      s.destroy();
      EMITTED.push({ what: 'raw response', text: got });
      resolve(got);
    };
    const t = setTimeout(done, waitMs);
    s.on('data', (c) => { got += c.toString('utf8'); });
    s.on('close', done);
    s.on('error', done);
    s.write(text);
  });
}

/** A proxy refusal: status, JSON code, the refusal header, and no upstream request at all. */
async function refused(up, p, status, code) {
  const before = up.count();
  const r = await p;
  assert.equal(r.status, status, r.text);
  assert.equal(r.json?.error, code, r.text);
  assert.ok(r.json.msg.length > 10);
  assert.equal(r.headers['x-iftb-proxy'], 'refused');
  assert.equal(up.count(), before, 'a refusal must cause zero upstream requests');
  return r;
}

const ORDER = 'symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000&newClientOrderId=iftb-1';

// ---- F1 ---------------------------------------------------------------------------------

describe('F1 signing', () => {
  test('F1 Binance documented HMAC vector through the SigningProxy binding (checked with node:crypto)', () => {
    const docKey = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
    const docSecret = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
    const token = 'x'.repeat(43);
    const p = new SigningProxy({ upstreamUrl: 'https://api.binance.com', market: 'binance-spot', port: 8787, token, apiKey: docKey, apiSecret: docSecret });
    const d = p.decide('POST', '/api/v3/order?symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1',
      ['Host', '127.0.0.1:8787', 'Authorization', `Bearer ${token}`], new Uint8Array(), '127.0.0.1', 1499827319559);
    assert.equal(d.type, 'forward');
    assert.equal(d.url, 'https://api.binance.com/api/v3/order');
    const payload = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
    const doc = 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71';
    assert.equal(createHmac('sha256', docSecret).update(payload).digest('hex'), doc);
    assert.equal(d.body, `${payload}&signature=${doc}`);
    assert.deepEqual(d.headers, ['Content-Type', 'application/x-www-form-urlencoded', 'X-MBX-APIKEY', docKey]);
  });

  test('F1 an order through the proxy arrives signed over exactly the bytes sent, key in the header', async () => {
    const up = await fakeUpstream();
    await withProxy(up, {}, async (ctx) => {
      const r = await call(ctx, 'POST', '/fapi/v1/order', { body: ORDER });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.clientOrderId, 'iftb-1');
      const [rec] = up.orders();
      assert.equal(up.orders().length, 1);
      assert.equal(rec.method, 'POST');
      assert.equal(rec.path, '/fapi/v1/order');
      assert.equal(rec.query, '', 'POST parameters travel in the body');
      assert.equal(rec.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.deepEqual([rec.verify.sigOk, rec.verify.keyOk, rec.verify.timeOk], [true, true, true]);
      assert.ok(rec.body.startsWith(`${ORDER}&recvWindow=5000&timestamp=`), rec.body);
      // GET and DELETE: signed in the query string, no body.
      await call(ctx, 'GET', '/fapi/v1/order?symbol=BTCUSDT&origClientOrderId=iftb-1');
      await call(ctx, 'DELETE', '/fapi/v1/order?symbol=BTCUSDT&origClientOrderId=iftb-1');
      for (const rec2 of up.orders().slice(1)) {
        assert.equal(rec2.body, '');
        assert.deepEqual([rec2.verify.sigOk, rec2.verify.keyOk, rec2.verify.timeOk], [true, true, true], rec2.url);
      }
      // Public endpoints: forwarded as-is, no key, no signature.
      await call(ctx, 'GET', '/fapi/v1/exchangeInfo');
      const pub = up.orders().at(-1);
      assert.equal(pub.url, '/fapi/v1/exchangeInfo');
      assert.equal(pub.headers['x-mbx-apikey'], undefined);
    });
    await up.close();
  });
});

// ---- F2 ---------------------------------------------------------------------------------

test('F2 withdrawals, transfers, any /sapi/*, unlisted paths and methods: 403, zero upstream requests', async () => {
  const up = await fakeUpstream();
  await withProxy(up, {}, async (ctx) => {
    for (const [m, t] of [
      ['POST', '/sapi/v1/capital/withdraw/apply?coin=USDT&address=TXYZ&amount=1000'],
      ['POST', '/sapi/v1/asset/transfer?type=UMFUTURE_MAIN&asset=USDT&amount=1'],
      ['GET', '/sapi/v1/capital/config/getall'],
      ['POST', '/sapi/v1/sub-account/futures/transfer'],
      ['GET', '/fapi/v1/income'],
      ['POST', '/fapi/v1/listenKey'],
      ['PUT', '/fapi/v1/order'],
      ['DELETE', '/fapi/v1/leverage'],
      ['POST', '/api/v3/order?symbol=BTCUSDT'],
    ]) {
      const expect = m === 'PUT' ? [405, 'PROXY_METHOD_NOT_ALLOWED'] : t.startsWith('/api/') ? [403, 'PROXY_WRONG_MARKET'] : [403, 'PROXY_FORBIDDEN_ENDPOINT'];
      await refused(up, call(ctx, m, t), ...expect);
    }
    const r = await refused(up, call(ctx, 'POST', '/sapi/v1/capital/withdraw/apply'), 403, 'PROXY_FORBIDDEN_ENDPOINT');
    assert.match(r.json.msg, /withdrawals/);
    assert.equal(up.orders().length, 0);
    // Refusals are audited (method and path only).
    const a = ctx.audit().find((e) => e.path === '/sapi/v1/capital/withdraw/apply');
    assert.equal(a.event, 'refused');
    assert.equal(a.error, 'PROXY_FORBIDDEN_ENDPOINT');
    assert.equal(a.params, undefined);
  });
  await up.close();
});

// ---- F3 ---------------------------------------------------------------------------------

test('F3 traversal, escapes, //, backslashes, case tricks, absolute-form and CONNECT are refused; upstream untouched', async () => {
  const up = await fakeUpstream();
  await withProxy(up, {}, async (ctx) => {
    const before = up.count();
    const head = (line) => `${line}\r\nHost: 127.0.0.1:${ctx.port}\r\nAuthorization: Bearer ${ctx.token}\r\nConnection: close\r\n\r\n`;
    for (const [line, status] of [
      ['POST /fapi/v1/../../sapi/v1/capital/withdraw/apply HTTP/1.1', 400],
      ['POST /fapi/v1/%2e%2e/order HTTP/1.1', 400],
      ['POST /fapi/v1%2Forder HTTP/1.1', 400],
      ['POST //fapi/v1/order HTTP/1.1', 400],
      ['POST /fapi\\v1\\order HTTP/1.1', 400],
      ['POST /FAPI/v1/order HTTP/1.1', 403],
      ['POST /fapi/v1/Order HTTP/1.1', 403],
      ['GET http://evil.example/fapi/v1/openOrders HTTP/1.1', 400],
      ['GET https://fapi.binance.com/fapi/v1/openOrders HTTP/1.1', 400],
      ['CONNECT evil.example:443 HTTP/1.1', 405],
      ['TRACE /fapi/v1/order HTTP/1.1', 405],
      ['get /fapi/v1/openOrders HTTP/1.1', 405],
    ]) {
      const res = await raw(ctx.port, head(line));
      assert.match(res, new RegExp(`^HTTP/1.1 ${status} `), `${line}\n${res}`);
      assert.match(res, /X-IFTB-Proxy: refused/i, line);
      assert.match(res, /"error":"PROXY_[A-Z_]+"/, line);
    }
    // A WebSocket upgrade is refused too.
    const ws = await raw(ctx.port, `GET /fapi/v1/openOrders HTTP/1.1\r\nHost: 127.0.0.1:${ctx.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
    assert.match(ws, /^HTTP\/1.1 400 .*PROXY_UPGRADE_REFUSED/s);
    assert.equal(up.count(), before, 'zero upstream requests');
  });
  await up.close();
});

// ---- F4 ---------------------------------------------------------------------------------

test('F4 client signature/timestamp/recvWindow/X-MBX-APIKEY and duplicated params are refused; params re-encoded canonically', async () => {
  const up = await fakeUpstream();
  await withProxy(up, {}, async (ctx) => {
    for (const [t, body] of [
      ['/fapi/v1/order?symbol=BTCUSDT&signature=0000000000000000000000000000000000000000000000000000000000000000', undefined],
      ['/fapi/v1/order?symbol=BTCUSDT', 'timestamp=1'],
      ['/fapi/v1/order?symbol=BTCUSDT&recvWindow=60000', undefined],
      ['/fapi/v1/order?symbol=BTCUSDT&recvWindow=100', undefined],
      ['/fapi/v1/order?symbol=BTCUSDT&%73ignature=ab', undefined],
      ['/fapi/v1/order?symbol=BTCUSDT&Timestamp=1', undefined],
    ]) {
      await refused(up, call(ctx, 'POST', t, { body }), 400, 'PROXY_FORGED_PARAM');
    }
    await refused(up, call(ctx, 'GET', '/fapi/v1/openOrders', { headers: { 'X-MBX-APIKEY': KEY } }), 400, 'PROXY_FORGED_HEADER');
    await refused(up, call(ctx, 'POST', '/fapi/v1/order?quantity=0.001', { body: 'symbol=BTCUSDT&quantity=100' }), 400, 'PROXY_DUPLICATE_PARAM');
    await refused(up, call(ctx, 'POST', '/fapi/v1/order?side=BUY&side=SELL&symbol=BTCUSDT'), 400, 'PROXY_DUPLICATE_PARAM');
    await refused(up, call(ctx, 'POST', '/fapi/v1/order', { body: '{"symbol":"BTCUSDT"}', headers: { 'Content-Type': 'application/json' } }), 415, 'PROXY_UNSUPPORTED_MEDIA_TYPE');
    await refused(up, call(ctx, 'GET', '/fapi/v1/openOrders', { body: 'symbol=BTCUSDT' }), 400, 'PROXY_BODY_NOT_ALLOWED');
    assert.equal(up.orders().length, 0);

    // Canonical re-encoding: the upstream gets one encoding of each value, signed as sent.
    const r = await call(ctx, 'POST', '/fapi/v1/order?symbol=BTC%55SDT&newClientOrderId=a%3Ab', {
      body: 'side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000&note=a+b',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    });
    assert.equal(r.status, 200, r.text);
    const [rec] = up.orders();
    assert.ok(rec.body.startsWith('symbol=BTCUSDT&newClientOrderId=a%3Ab&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000&note=a%20b&recvWindow=5000&timestamp='), rec.body);
    assert.equal(rec.verify.sigOk, true);
    assert.equal((rec.body.match(/signature=/g) ?? []).length, 1);
  });
  await up.close();
});

// ---- F5 ---------------------------------------------------------------------------------

test('F5 missing or wrong bearer token: 401, and wrong tokens are rate-limited per address', async () => {
  const up = await fakeUpstream();
  await withProxy(up, { authFailuresPerMinute: 5 }, async (ctx) => {
    await refused(up, call(ctx, 'POST', '/fapi/v1/order', { body: ORDER, token: null }), 401, 'PROXY_UNAUTHORIZED');
    const r = await refused(up, call(ctx, 'POST', '/fapi/v1/order', { body: ORDER, token: `${ctx.token.slice(0, -1)}${ctx.token.endsWith('A') ? 'B' : 'A'}` }), 401, 'PROXY_UNAUTHORIZED');
    assert.match(r.headers['www-authenticate'], /^Bearer/);
    assert.equal(r.headers['access-control-allow-origin'], ORIGIN, 'the allowed page can read why');
    await refused(up, call(ctx, 'GET', '/fapi/v1/openOrders', { token: null, headers: { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } }), 401, 'PROXY_UNAUTHORIZED');
    await refused(up, call(ctx, 'GET', '/_iftb/health', { token: 'nope' }), 401, 'PROXY_UNAUTHORIZED');
    await refused(up, call(ctx, 'GET', '/_iftb/health', { token: 'nope' }), 401, 'PROXY_UNAUTHORIZED');
    const limited = await refused(up, call(ctx, 'GET', '/fapi/v1/openOrders', { token: 'nope' }), 429, 'PROXY_AUTH_RATE_LIMITED');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    assert.equal(up.orders().length, 0);
  });
  await up.close();
});

// ---- F6 ---------------------------------------------------------------------------------

test('F6 Host header other than 127.0.0.1/localhost/[::1]:PORT is refused (DNS rebinding)', async () => {
  const up = await fakeUpstream();
  await withProxy(up, {}, async (ctx) => {
    for (const host of ['evil.com', `evil.com:${ctx.port}`, `rebind.attacker.example:${ctx.port}`, '127.0.0.1', `127.0.0.1:${ctx.port + 1}`, `0.0.0.0:${ctx.port}`]) {
      await refused(up, call(ctx, 'POST', '/fapi/v1/order', { body: ORDER, headers: { Host: host }, origin: null }), 403, 'PROXY_BAD_HOST');
    }
    // A rebinding page is same-origin with itself: no Origin check helps, the Host check does.
    const noHost = await raw(ctx.port, `GET /fapi/v1/openOrders HTTP/1.0\r\nAuthorization: Bearer ${ctx.token}\r\n\r\n`);
    assert.match(noHost, /^HTTP\/1.1 403 .*PROXY_BAD_HOST/s);
    assert.equal(up.orders().length, 0);
    for (const host of [`localhost:${ctx.port}`, `[::1]:${ctx.port}`]) {
      const r = await call(ctx, 'GET', '/fapi/v1/openOrders', { headers: { Host: host } });
      assert.equal(r.status, 200, r.text);
    }
  });
  await up.close();
});

// ---- F7 ---------------------------------------------------------------------------------

test('F7 foreign Origin: preflight and simple POST refused server-side, no ACAO, never *', async () => {
  const up = await fakeUpstream();
  await withProxy(up, {}, async (ctx) => {
    for (const origin of ['https://evil.example', 'http://127.0.0.1:8081', 'null', 'http://localhost:8080.evil.example']) {
      const pre = await refused(up, call(ctx, 'OPTIONS', '/fapi/v1/order', {
        token: null, origin, headers: { 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
      }), 403, 'PROXY_ORIGIN_FORBIDDEN');
      assert.equal(pre.headers['access-control-allow-origin'], undefined);
      // A "simple" form POST needs no preflight, so the server must refuse it itself.
      const simple = await refused(up, call(ctx, 'POST', '/fapi/v1/order', { body: ORDER, origin }), 403, 'PROXY_ORIGIN_FORBIDDEN');
      assert.equal(simple.headers['access-control-allow-origin'], undefined);
    }
    // The allowed origin: exact echo, only our method and headers.
    const pre = await call(ctx, 'OPTIONS', '/fapi/v1/order', {
      token: null, origin: 'http://localhost:8080', headers: { 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'http://localhost:8080');
    assert.equal(pre.headers['access-control-allow-headers'], 'Authorization, Content-Type');
    assert.equal(pre.headers['access-control-allow-methods'], 'GET, POST, DELETE');
    assert.match(pre.headers.vary, /Origin/);
    await refused(up, call(ctx, 'OPTIONS', '/fapi/v1/order', {
      token: null, headers: { 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-mbx-apikey' },
    }), 403, 'PROXY_PREFLIGHT_REFUSED');
    assert.equal(up.orders().length, 0);
  });
  await up.close();
});

// ---- F8 ---------------------------------------------------------------------------------

test('F8 binds 127.0.0.1 by default; other addresses refused without allowRemote', async () => {
  for (const host of ['0.0.0.0', '::', '192.168.1.10']) {
    await assert.rejects(startProxy({ port: 0, host, auditLog: null, stdout: sink('o'), stderr: sink('e') }), (e) => {
      assert.equal(e.name, 'ProxyError');
      assert.equal(e.code, 'PROXY_REMOTE_BIND_REFUSED');
      return true;
    });
  }
  const up = await fakeUpstream();
  await withProxy(up, {}, async (ctx) => {
    assert.equal(ctx.proxy.url, `http://127.0.0.1:${ctx.port}`);
    // Not reachable on this machine's other addresses.
    const lan = Object.values(networkInterfaces()).flat().find((i) => i && !i.internal && i.family === 'IPv4');
    if (lan) {
      const err = await new Promise((resolve) => {
        const s = net.connect(ctx.port, lan.address);
        s.on('connect', () => { s.destroy(); resolve(null); });
        s.on('error', (e) => resolve(e.code));
      });
      assert.equal(err, 'ECONNREFUSED', `reachable on ${lan.address}`);
    }
  });
  await up.close();
});

// ---- F9 ---------------------------------------------------------------------------------

test('F9 body > 16 KiB, 10k params, oversized headers and slowloris: 413/431/408, nothing upstream', async () => {
  const up = await fakeUpstream();
  await withProxy(up, { headersTimeoutMs: 400, requestTimeoutMs: 800 }, async (ctx) => {
    const big = `${ORDER}&pad=${'a'.repeat(17 * 1024)}`;
    await refused(up, call(ctx, 'POST', '/fapi/v1/order', { body: big }), 413, 'PROXY_BODY_TOO_LARGE');
    // Chunked (no Content-Length): cut off while reading.
    const chunked = await raw(ctx.port,
      `POST /fapi/v1/order HTTP/1.1\r\nHost: 127.0.0.1:${ctx.port}\r\nAuthorization: Bearer ${ctx.token}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n${(20 * 1024).toString(16)}\r\n${'a'.repeat(20 * 1024)}\r\n0\r\n\r\n`);
    assert.match(chunked, /^HTTP\/1.1 413 .*PROXY_BODY_TOO_LARGE/s);
    const tenK = Array.from({ length: 10_000 }, (_, i) => `p${i}=1`).join('&');
    await refused(up, call(ctx, 'POST', '/fapi/v1/order', { body: tenK.slice(0, 16_000) }), 413, 'PROXY_TOO_MANY_PARAMS');
    await refused(up, call(ctx, 'POST', '/fapi/v1/order', { body: tenK }), 413, 'PROXY_BODY_TOO_LARGE');
    const hdr = await raw(ctx.port, `GET /fapi/v1/openOrders?${tenK} HTTP/1.1\r\nHost: 127.0.0.1:${ctx.port}\r\n\r\n`);
    assert.match(hdr, /^HTTP\/1.1 431 .*PROXY_HEADERS_TOO_LARGE/s);
    // Slowloris: headers never finish → answered 408 and closed by the header timeout.
    const t0 = Date.now();
    const slow = await raw(ctx.port, `GET /fapi/v1/openOrders HTTP/1.1\r\nHost: 127.0.0.1:${ctx.port}\r\nX-Slow: 1\r\n`, 5000);
    assert.match(slow, /^HTTP\/1.1 408 .*PROXY_REQUEST_TIMEOUT/s);
    assert.ok(Date.now() - t0 < 4000, `closed after ${Date.now() - t0} ms`);
    // Slow body: headers complete, body never does.
    const slowBody = await raw(ctx.port,
      `POST /fapi/v1/order HTTP/1.1\r\nHost: 127.0.0.1:${ctx.port}\r\nAuthorization: Bearer ${ctx.token}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nsymbol=`, 5000);
    assert.match(slowBody, /^HTTP\/1.1 408 /s);
    assert.equal(up.orders().length, 0);
  });
  await up.close();
});

// ---- F10 --------------------------------------------------------------------------------

test('F10 upstream hang on an order → 504 status UNKNOWN, sent once; 3xx not followed; unreachable → 502', async () => {
  const up = await fakeUpstream();
  const evil = await fakeUpstream();
  await withProxy(up, { upstreamTimeoutMs: 300 }, async (ctx) => {
    up.handler = (rec) => (rec.path === '/fapi/v1/order' ? 'hang' : null);
    const t = await call(ctx, 'POST', '/fapi/v1/order', { body: ORDER });
    assert.equal(t.status, 504);
    assert.equal(t.json.error, 'PROXY_UPSTREAM_TIMEOUT');
    assert.equal(t.json.orderStatus, 'UNKNOWN');
    assert.match(t.json.msg, /client order id/);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(up.orders().length, 1, 'the order POST was sent exactly once (never retried)');
    const a = ctx.audit().find((e) => e.kind === 'place');
    assert.equal(a.error, 'PROXY_UPSTREAM_TIMEOUT');
    assert.match(a.params, /newClientOrderId=iftb-1/);

    up.handler = (rec) => (rec.path === '/fapi/v1/order'
      ? { status: 302, headers: { Location: `${evil.url}/fapi/v1/order` }, body: '' } : null);
    const r = await call(ctx, 'POST', '/fapi/v1/order', { body: ORDER });
    assert.equal(r.status, 502);
    assert.equal(r.json.error, 'PROXY_UPSTREAM_REDIRECT');
    assert.equal(r.headers.location, undefined);
    assert.equal(evil.count(), 0, 'redirect not followed');

    up.handler = (rec) => (rec.path === '/fapi/v1/order' ? 'destroy' : null);
    const b = await call(ctx, 'POST', '/fapi/v1/order', { body: ORDER });
    assert.equal(b.status, 502);
    assert.equal(b.json.error, 'PROXY_UPSTREAM_FAILED');
    assert.equal(b.json.orderStatus, 'UNKNOWN');
  });
  // Nothing listening upstream: 502, nothing could have been sent.
  const closed = await fakeUpstream();
  await closed.close();
  await withProxy(closed, {}, async (ctx) => {
    const r = await call(ctx, 'POST', '/fapi/v1/order', { body: ORDER });
    assert.equal(r.status, 502);
    assert.equal(r.json.error, 'PROXY_UPSTREAM_UNREACHABLE');
    assert.equal(r.json.orderStatus, undefined);
    const h = await call(ctx, 'GET', '/_iftb/health');
    assert.equal(h.json.ok, false);
    // The upstream comes up: the next health check measures the clock and reports ok.
    const back = await fakeUpstream({ port: Number(new URL(closed.url).port) });
    const h2 = await call(ctx, 'GET', '/_iftb/health');
    assert.equal(h2.json.ok, true, h2.text);
    assert.equal(back.requests.map((r) => r.path).join(), '/fapi/v1/time');
    await back.close();
  });
  await up.close();
  await evil.close();
});

// ---- F12 --------------------------------------------------------------------------------

test('F12 upstream 429/418: status, body, Retry-After and weight headers pass through; the proxy then holds', async () => {
  for (const status of [429, 418]) {
    const up = await fakeUpstream();
    await withProxy(up, {}, async (ctx) => {
      const body = JSON.stringify({ code: -1003, msg: 'Too many requests; current limit is 2400 requests per minute.' });
      up.handler = (rec) => (rec.path.endsWith('/time') ? null : {
        status, body,
        headers: { 'Content-Type': 'application/json', 'Retry-After': '7', 'X-MBX-USED-WEIGHT-1M': '2400', 'X-MBX-ORDER-COUNT-10S': '9', 'Set-Cookie': 'x=y' },
      });
      const r = await call(ctx, 'GET', '/fapi/v1/openOrders');
      assert.equal(r.status, status);
      assert.equal(r.text, body, 'body byte-identical');
      assert.equal(r.headers['retry-after'], '7');
      assert.equal(r.headers['x-mbx-used-weight-1m'], '2400');
      assert.equal(r.headers['x-mbx-order-count-10s'], '9');
      assert.equal(r.headers['set-cookie'], undefined);
      assert.equal(r.headers['x-iftb-proxy'], 'forwarded');
      assert.match(r.headers['access-control-expose-headers'], /Retry-After/i);
      // The next request, even an order, does not reach upstream until Retry-After passes.
      const held = await refused(up, call(ctx, 'POST', '/fapi/v1/order', { body: ORDER }), 429, 'PROXY_RATE_LIMITED');
      assert.ok(Number(held.headers['retry-after']) >= 6);
      assert.match(held.json.msg, status === 418 ? /418/ : /429/);
    });
    await up.close();
  }
});

test('F12 the proxy keeps its own weight budget below the IP limit', async () => {
  const up = await fakeUpstream();
  // The budget is per clock minute: keep the whole test inside one.
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 55_000) await new Promise((r) => setTimeout(r, 60_100 - intoMinute));
  await withProxy(up, { weightPerMinute: 6 }, async (ctx) => {
    // Start-up time sync used 1; openOrders with a symbol weighs 1.
    let ok = 0;
    for (let i = 0; i < 5; i++) ok += (await call(ctx, 'GET', '/fapi/v1/openOrders?symbol=BTCUSDT')).status === 200 ? 1 : 0;
    assert.equal(ok, 5);
    const r = await refused(up, call(ctx, 'GET', '/fapi/v1/openOrders?symbol=BTCUSDT'), 429, 'PROXY_WEIGHT_BUDGET');
    assert.ok(Number(r.headers['retry-after']) >= 1);
  });
  await up.close();
});

// ---- clock ------------------------------------------------------------------------------

test('-1021 passes through unchanged, the proxy re-syncs server time (RTT midpoint) before the next request', async () => {
  const up = await fakeUpstream();
  await withProxy(up, {}, async (ctx) => {
    const h0 = await call(ctx, 'GET', '/_iftb/health');
    assert.equal(h0.status, 200);
    assert.equal(h0.json.ok, true);
    assert.deepEqual(h0.json.upstream, { name: 'custom', market: 'binance-usdm', url: up.url });
    assert.ok(Math.abs(h0.json.serverTimeOffsetMs) < 100, `offset ${h0.json.serverTimeOffsetMs}`);
    up.skewMs = 30_000; // the exchange clock jumps 30 s ahead of ours
    const first = await call(ctx, 'POST', '/fapi/v1/order', { body: ORDER });
    assert.equal(first.status, 400);
    assert.equal(first.json.code, -1021, 'Binance error JSON passed through');
    // The client's single retry (LiveExecutor B4) now succeeds: the proxy re-synced first.
    const second = await call(ctx, 'POST', '/fapi/v1/order', { body: ORDER.replace('iftb-1', 'iftb-2') });
    assert.equal(second.status, 200, second.text);
    const seq = up.requests.slice(-3).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(seq, ['POST /fapi/v1/order', 'GET /fapi/v1/time', 'POST /fapi/v1/order']);
    assert.equal(up.requests.at(-1).verify.timeOk, true);
    const h1 = await call(ctx, 'GET', '/_iftb/health');
    assert.ok(Math.abs(h1.json.serverTimeOffsetMs - 30_000) < 200, `offset ${h1.json.serverTimeOffsetMs}`);
  });
  await up.close();
});

// ---- audit ------------------------------------------------------------------------------

test('audit log: every forwarded order with method, path, params, status and latency; file mode 0600', async () => {
  const up = await fakeUpstream();
  await withProxy(up, {}, async (ctx) => {
    await call(ctx, 'POST', '/fapi/v1/order', { body: ORDER });
    await call(ctx, 'DELETE', '/fapi/v1/order?symbol=BTCUSDT&origClientOrderId=iftb-1');
    await call(ctx, 'GET', '/fapi/v1/openOrders');
    const st = ctx.proxy.stats();
    assert.equal(st.forwarded, 3);
    assert.equal(st.upstreamStatus['200'], 3);
    assert.equal(st.inflight, 0);
    assert.ok(st.timeSyncs >= 1);
    const lines = ctx.audit().filter((e) => e.event === 'forward');
    assert.deepEqual(lines.map((e) => `${e.method} ${e.path} ${e.kind} ${e.status}`), [
      'POST /fapi/v1/order place 200',
      'DELETE /fapi/v1/order cancel 200',
    ], 'orders and cancels are audited; reads are not');
    for (const e of lines) {
      assert.equal(typeof e.latencyMs, 'number');
      assert.match(e.params, /timestamp=\d+/);
      assert.doesNotMatch(e.params, /signature/);
      assert.equal(e.peer, '127.0.0.1');
    }
    if (process.platform !== 'win32') {
      const { statSync } = await import('node:fs');
      assert.equal(statSync(ctx.auditLog).mode & 0o777, 0o600);
    }
  });
  await up.close();
});

// ---- end to end -------------------------------------------------------------------------

test('end to end: browser-style fetch with Origin and token → proxy → upstream verifying the signature', async () => {
  const up = await fakeUpstream();
  await withProxy(up, {}, async (ctx) => {
    const base = ctx.proxy.url;
    const headers = { Authorization: `Bearer ${ctx.token}`, Origin: ORIGIN };
    const place = await fetch(`${base}/fapi/v1/order`, {
      method: 'POST',
      headers,
      body: new URLSearchParams({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.002', newClientOrderId: 'e2e-1' }),
    });
    const placed = await place.json();
    assert.equal(place.status, 200, JSON.stringify(placed));
    assert.equal(placed.clientOrderId, 'e2e-1');
    assert.equal(place.headers.get('x-mbx-order-count-10s'), '1');
    assert.equal(place.headers.get('access-control-allow-origin'), ORIGIN);
    const q = await fetch(`${base}/fapi/v1/order?symbol=BTCUSDT&origClientOrderId=e2e-1`, { headers });
    assert.equal(q.status, 200);
    const health = await (await fetch(`${base}/_iftb/health`, { headers })).json();
    assert.equal(health.ok, true);
    const signed = up.orders();
    assert.equal(signed.length, 2);
    for (const r of signed) assert.deepEqual([r.verify.sigOk, r.verify.keyOk, r.verify.timeOk], [true, true, true]);
  });
  await up.close();
});

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const skipBrowser = process.env.IFTB_SKIP_BROWSER === '1' ? 'IFTB_SKIP_BROWSER=1' : !existsSync(CHROMIUM) ? `${CHROMIUM} missing` : false;

test('end to end in Chromium: the allowed page trades through CORS; a foreign page is blocked with zero upstream traffic', { skip: skipBrowser }, async () => {
  const { chromium } = await import('playwright-core');
  const page = (title) => `<!doctype html><title>${title}</title><body>${title}</body>`;
  const serve = () => new Promise((resolve) => {
    const s = http.createServer((_, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end(page('page')); });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
  const good = await serve();
  const bad = await serve();
  const goodOrigin = `http://127.0.0.1:${good.address().port}`;
  const badOrigin = `http://localhost:${bad.address().port}`;
  const up = await fakeUpstream();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    await withProxy(up, { allowedOrigins: [goodOrigin] }, async (ctx) => {
      const trade = async (origin) => {
        const tab = await browser.newPage();
        await tab.goto(`${origin}/`);
        const out = await tab.evaluate(async ({ base, token }) => {
          try {
            const r = await fetch(`${base}/fapi/v1/order`, {
              method: 'POST',
              headers: { Authorization: `Bearer ${token}` },
              body: new URLSearchParams({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.001', newClientOrderId: 'chromium-1' }),
            });
            return { status: r.status, body: await r.json(), weight: r.headers.get('X-MBX-USED-WEIGHT-1M'), count: r.headers.get('X-MBX-ORDER-COUNT-10S') };
          } catch (e) {
            return { error: String(e) };
          }
        }, { base: ctx.proxy.url, token: ctx.token });
        await tab.close();
        return out;
      };
      const ok = await trade(goodOrigin);
      assert.equal(ok.status, 200, JSON.stringify(ok));
      assert.equal(ok.body.clientOrderId, 'chromium-1');
      assert.equal(ok.weight, '3', 'rate-limit headers readable by the page (exposed)');
      assert.equal(ok.count, '1');
      assert.equal(up.orders().length, 1);
      assert.equal(up.orders()[0].verify.sigOk, true);
      const before = up.count();
      const blocked = await trade(badOrigin);
      assert.match(blocked.error ?? '', /TypeError|Failed to fetch/, JSON.stringify(blocked));
      assert.equal(up.count(), before, 'foreign page: zero upstream traffic');
    });
  } finally {
    await browser.close();
    await up.close();
    good.close();
    bad.close();
  }
});

// ---- F11 --------------------------------------------------------------------------------

/** Run the CLI as a user would; return { stdout, stderr, code }. */
function runCli(args, { cwd, env = {}, until, timeoutMs = 15_000 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/iftb-proxy.mjs'), ...args], {
      cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`CLI timed out\n${stdout}\n${stderr}`)); }, timeoutMs);
    child.stdout.on('data', (c) => {
      stdout += c;
      if (until && /Press Ctrl-C/.test(stdout)) {
        const u = until;
        until = null;
        Promise.resolve(u({ stdout, child })).then(() => child.kill('SIGINT'), (e) => { child.kill('SIGKILL'); reject(e); });
      }
    });
    child.stderr.on('data', (c) => { stderr += c; });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, signal });
    });
  });
}

test('F11 CLI at debug level: secret, key, token and signatures appear nowhere except the one token line', async () => {
  const up = await fakeUpstream();
  const dir = mkdtempSync(path.join(tmp, 'cli-'));
  writeFileSync(path.join(dir, '.env'), `# test keys\nBINANCE_API_KEY=${KEY}\nBINANCE_API_SECRET="${SECRET}"\n`);
  chmodSync(path.join(dir, '.env'), 0o644);
  const responses = [];
  let token = null;
  const run = await runCli(['--upstream-url', up.url, '--market', 'binance-usdm', '--port', '0', '--log-level', 'debug', '--audit-log', 'audit.log'], {
    cwd: dir,
    until: async ({ stdout }) => {
      token = /changes on every start\):\n {2}(\S+)/.exec(stdout)[1];
      const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)[1]);
      const ctx = { port, token };
      const keep = async (p) => { const r = await p; responses.push(`${r.status} ${JSON.stringify(r.headers)} ${r.text}`); return r; };
      assert.equal((await keep(call(ctx, 'POST', '/fapi/v1/order', { body: ORDER }))).status, 200);
      await keep(call(ctx, 'GET', '/fapi/v1/openOrders?symbol=BTCUSDT'));
      await keep(call(ctx, 'DELETE', '/fapi/v1/order?symbol=BTCUSDT&origClientOrderId=iftb-1'));
      await keep(call(ctx, 'POST', '/fapi/v1/order?signature=deadbeef', { body: ORDER }));
      await keep(call(ctx, 'POST', `/fapi/v1/order?newClientOrderId=${SECRET}`));
      await keep(call(ctx, 'GET', `/${token}`));
      await keep(call(ctx, 'POST', '/fapi/v1/order', { body: ORDER, token: 'wrong' }));
      await keep(call(ctx, 'POST', '/sapi/v1/capital/withdraw/apply', { body: 'coin=BTC' }));
      await keep(call(ctx, 'GET', '/fapi/v1/openOrders', { headers: { 'X-MBX-APIKEY': KEY } }));
      await keep(call(ctx, 'GET', '/_iftb/health'));
      up.skewMs = 20_000;
      await keep(call(ctx, 'POST', '/fapi/v1/order', { body: ORDER }));
      up.skewMs = 0;
      await keep(call(ctx, 'POST', '/fapi/v1/order', { body: ORDER }));
      up.handler = () => json(500, { code: -1000, msg: 'An unknown error occurred while processing the request.' });
      await keep(call(ctx, 'POST', '/fapi/v1/order', { body: ORDER }));
    },
  });
  const audit = readFileSync(path.join(dir, 'audit.log'), 'utf8');
  assert.equal(run.code, 0, `Ctrl-C exits cleanly (got ${run.code} ${run.signal})\n${run.stderr}`);
  assert.match(run.stderr, /readable by other users \(mode 644\).*chmod 600/, '.env mode warning');
  assert.match(run.stderr, / debug /, 'debug logging was on');
  assert.ok(audit.split('\n').filter(Boolean).length >= 6, audit);
  const signatures = [...SIGNATURES];
  assert.ok(signatures.length >= 5);
  // The token is printed exactly once, on stdout, as the start-up instruction.
  assert.equal(run.stdout.split(token).length - 1, 1);
  const stdoutRest = run.stdout.replace(token, '<TOKEN>');
  const everything = { stdout: stdoutRest, stderr: run.stderr, audit, responses: responses.join('\n') };
  for (const [where, text] of Object.entries(everything)) {
    for (const [what, needle] of [['secret', SECRET], ['API key', KEY], ['token', token], ...signatures.map((s) => ['signature', s])]) {
      assert.ok(!text.includes(needle), `${what} leaked in ${where}`);
    }
  }
  // With mode 0600 there is no warning.
  chmodSync(path.join(dir, '.env'), 0o600);
  const quiet = await runCli(['--upstream-url', up.url, '--market', 'usdm', '--port', '0', '--audit-log', 'none'], { cwd: dir, until: () => {} });
  assert.equal(quiet.code, 0);
  assert.doesNotMatch(quiet.stderr, /readable by other users/);
  await up.close();
});

test('CLI: --help, bad options and missing keys for a real exchange fail clearly', async () => {
  const dir = mkdtempSync(path.join(tmp, 'cli2-'));
  const help = await runCli(['--help'], { cwd: dir });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--upstream NAME/);
  const bad = await runCli(['--bogus'], { cwd: dir });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /bogus/);
  const nokeys = await runCli(['--upstream', 'binance-usdm', '--port', '0'], { cwd: dir });
  assert.equal(nokeys.code, 1);
  assert.match(nokeys.stderr, /BINANCE_API_KEY.*PROXY_NO_CREDENTIALS/s);
  const remote = await runCli(['--host', '0.0.0.0', '--port', '0'], { cwd: dir });
  assert.equal(remote.code, 1);
  assert.match(remote.stderr, /PROXY_REMOTE_BIND_REFUSED/);
});

test('F11 every byte the in-process proxies emitted: no secret, key, token or signature (one intended token print each)', () => {
  assert.ok(EMITTED.length > 50, `only ${EMITTED.length} outputs collected`);
  const sigs = [...SIGNATURES];
  for (const e of EMITTED) {
    let text = e.text;
    if (e.tokenOnce) {
      assert.ok(text.split(e.tokenOnce).length - 1 <= 1, `token printed more than once in ${e.what}`);
      text = text.replace(e.tokenOnce, '<TOKEN>');
    }
    for (const [what, needle] of [['secret', SECRET], ['API key', KEY], ...TOKENS.map((t) => ['token', t]), ...sigs.map((s) => ['signature', s])]) {
      assert.ok(!text.includes(needle), `${what} leaked in ${e.what}: ${text.slice(0, 300)}`);
    }
  }
});
