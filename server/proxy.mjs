// The local signing proxy: keeps BINANCE_API_KEY / BINANCE_API_SECRET on this machine while a
// page (or any LiveExecutor) trades through it. Node only does I/O here; every decision —
// parse, allow or deny, canonicalise, timestamp, sign, pick the upstream URL — is made by the
// wasm core (crates/core/src/proxy, binding src/signing_proxy.rs).
//
//   import { startProxy } from 'iftb-executor/server/proxy.mjs';
//   const proxy = await startProxy({ upstream: 'local' });   // prints the URL and the token
//   ...; await proxy.close();
//
// Threat model and refusals: README "Signing proxy", shared reliability.md §3.
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { SigningProxy } = require('../pkg/server/iftb_executor.js');
const VERSION = require('../package.json').version;

/** Named upstreams for `upstream`. */
export const UPSTREAMS = ['local', 'binance-spot', 'binance-usdm', 'spot-testnet', 'usdm-demo'];
export const DEFAULT_PORT = 8787;
const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 };
// Errors that prove nothing was sent (the connection or TLS handshake never completed).
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const OPTIONS = new Set([
  'port', 'host', 'upstream', 'upstreamUrl', 'market', 'envFile', 'apiKey', 'apiSecret', 'allowedOrigins', 'token',
  'allowRemote', 'auditLog', 'logLevel', 'recvWindow', 'stdout', 'stderr', 'banner', 'upstreamTimeoutMs',
  'headersTimeoutMs', 'requestTimeoutMs', 'maxBodyBytes', 'maxHeaderBytes', 'maxConcurrent', 'maxUpstreamBytes',
  'maxParams', 'weightPerMinute', 'authFailuresPerMinute',
]);

/** An Error with a stable name and code. */
function proxyError(code, message) {
  const e = new Error(message);
  e.name = 'ProxyError';
  e.code = code;
  return e;
}

/**
 * Start the signing proxy.
 *
 * @param {object} [options]
 * @param {number} [options.port=8787] listen port (0: any free port)
 * @param {string} [options.host='127.0.0.1'] listen address; non-loopback needs `allowRemote`
 * @param {string} [options.upstream='local'] local | binance-spot | binance-usdm | spot-testnet | usdm-demo
 * @param {string} [options.upstreamUrl] explicit upstream base URL (needs `market`)
 * @param {string} [options.market] binance-usdm (default for local) | binance-spot
 * @param {string} [options.envFile='.env'] file with BINANCE_API_KEY / BINANCE_API_SECRET
 * @param {string} [options.apiKey] overrides .env (default: process.env.BINANCE_API_KEY)
 * @param {string} [options.apiSecret] overrides .env (default: process.env.BINANCE_API_SECRET)
 * @param {string[]} [options.allowedOrigins] exact page origins (default http://127.0.0.1:8080, http://localhost:8080)
 * @param {string} [options.token] access token (default: 256 random bits, new every start)
 * @param {boolean} [options.allowRemote=false]
 * @param {string|null} [options.auditLog='iftb-proxy-audit.log'] JSON lines; null disables
 * @param {'error'|'warn'|'info'|'debug'} [options.logLevel='info']
 * @returns {Promise<{ url: string, port: number, token: string, upstream: object, close(): Promise<void>, stats(): object }>}
 */
export async function startProxy(options = {}) {
  for (const k of Object.keys(options)) {
    if (!OPTIONS.has(k)) throw proxyError('PROXY_CONFIG_INVALID', `unknown startProxy option ${JSON.stringify(k)} (known: ${[...OPTIONS].join(', ')})`);
  }
  const {
    port = DEFAULT_PORT,
    host = '127.0.0.1',
    upstream,
    upstreamUrl,
    market,
    envFile,
    apiKey = process.env.BINANCE_API_KEY,
    apiSecret = process.env.BINANCE_API_SECRET,
    allowedOrigins,
    token = randomBytes(32).toString('base64url'),
    allowRemote = false,
    auditLog = 'iftb-proxy-audit.log',
    logLevel = 'info',
    recvWindow,
    stdout = process.stdout,
    stderr = process.stderr,
    banner = true,
    upstreamTimeoutMs = 15_000,
    headersTimeoutMs = 10_000,
    requestTimeoutMs = 20_000,
    maxBodyBytes = 16 * 1024,
    maxHeaderBytes = 16 * 1024,
    maxConcurrent = 32,
    maxUpstreamBytes = 32 * 1024 * 1024,
    maxParams,
    weightPerMinute,
    authFailuresPerMinute,
  } = options;
  if (!(logLevel in LEVELS)) throw proxyError('PROXY_CONFIG_INVALID', `logLevel must be one of ${Object.keys(LEVELS).join(', ')}`);

  // Until the core exists there is no secret to scrub; afterwards every line goes through redact().
  let core = null;
  const log = (level, msg) => {
    if (LEVELS[level] > LEVELS[logLevel]) return;
    const line = `[iftb-proxy] ${new Date().toISOString()} ${level.padEnd(5)} ${msg}\n`;
    stderr.write(core ? core.redact(line) : line);
  };

  SigningProxy.checkBindAddress(host, allowRemote);
  if (allowRemote && !['127.0.0.1', 'localhost', '::1'].includes(host)) {
    log('warn', `listening on ${host}: anyone who can reach this address and learns the token can trade with your keys`);
  }

  const dotenv = readDotenv(envFile, log);
  const server = http.createServer({
    maxHeaderSize: maxHeaderBytes,
    headersTimeout: headersTimeoutMs,
    requestTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeoutMs / 2))),
    keepAliveTimeout: 5_000,
    requireHostHeader: false, // the core answers a missing Host itself (403, JSON)
  });
  server.maxConnections = 128;
  server.timeout = requestTimeoutMs + upstreamTimeoutMs + 5_000;
  await new Promise((resolve, reject) => {
    server.once('error', (e) =>
      reject(e.code === 'EADDRINUSE' ? proxyError('PROXY_PORT_IN_USE', `port ${port} on ${host} is in use (another proxy running? choose one with --port)`) : e));
    server.listen(port, host, resolve);
  });
  const actualPort = server.address().port;

  try {
    core = new SigningProxy({
      upstream,
      upstreamUrl,
      market,
      port: actualPort,
      token,
      allowedOrigins,
      extraHosts: allowRemote ? [host.includes(':') ? `[${host}]` : host] : undefined,
      recvWindow,
      apiKey,
      apiSecret,
      dotenv,
      maxBodyBytes,
      maxParams,
      weightPerMinute,
      authFailuresPerMinute,
    });
  } catch (e) {
    await new Promise((r) => server.close(r));
    throw e;
  }
  const info = core.info;
  const auditPath = auditLog ? path.resolve(auditLog) : null;
  const agentOpts = { keepAlive: true, maxSockets: 16, timeout: upstreamTimeoutMs };
  const agent = info.upstream.url.startsWith('https:') ? new https.Agent(agentOpts) : new http.Agent(agentOpts);
  let inflight = 0;
  let closed = false;

  const audit = (line) => {
    if (!line || !auditPath) return;
    try {
      appendFileSync(auditPath, `${core.redact(line)}\n`, { mode: 0o600 });
    } catch (e) {
      log('error', `audit log ${auditPath}: ${e.message}`);
    }
  };
  const safePath = (target) =>
    String(target ?? '').split('?')[0].slice(0, 160).replace(/[^\x21-\x7e]/g, '?');

  /** Send one request upstream; never follows redirects (node:http does not). */
  function sendUpstream(fwd) {
    return new Promise((resolve) => {
      const url = new URL(fwd.url);
      const headers = { 'User-Agent': `iftb-proxy/${VERSION}`, Accept: 'application/json', 'Accept-Encoding': 'identity' };
      for (let i = 0; i < fwd.headers.length; i += 2) headers[fwd.headers[i]] = fwd.headers[i + 1];
      if (fwd.body) headers['Content-Length'] = String(Buffer.byteLength(fwd.body));
      let sent = false;
      let done = false;
      const started = Date.now();
      const end = (result) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve({ ...result, ms: Date.now() - started });
      };
      const mod = url.protocol === 'https:' ? https : http;
      const req = mod.request(url, { method: fwd.method, headers, agent });
      const timer = setTimeout(() => {
        end({ failure: 'timeout' });
        req.destroy();
      }, upstreamTimeoutMs);
      req.on('finish', () => {
        sent = true;
      });
      req.on('response', (up) => {
        const chunks = [];
        let n = 0;
        up.on('data', (c) => {
          n += c.length;
          if (n > maxUpstreamBytes) {
            end({ failure: 'too_large' });
            req.destroy();
          } else chunks.push(c);
        });
        up.on('end', () => end({ status: up.statusCode, rawHeaders: up.rawHeaders, body: Buffer.concat(chunks) }));
        up.on('error', () => end({ failure: 'broken' }));
        up.on('aborted', () => end({ failure: 'broken' }));
      });
      req.on('error', (e) => {
        const tls = /CERT|TLS|SSL/.test(String(e.code ?? ''));
        end({ failure: !sent && (NOT_SENT.has(e.code) || tls) ? 'unreachable' : 'broken', detail: e.code ?? 'error' });
      });
      req.end(fwd.body || undefined);
    });
  }

  let syncing = null;
  /** Measure the server-time offset (single flight). */
  function syncTime() {
    syncing ??= (async () => {
      const tr = core.timeRequest(Date.now());
      if (!tr) return;
      const sent = Date.now();
      const r = await sendUpstream({ ...tr, headers: [], body: '' });
      const received = Date.now();
      if (r.failure) {
        core.timeSyncFailed();
        log('warn', `server time from ${info.upstream.url}: ${r.failure}${r.detail ? ` (${r.detail})` : ''}`);
        return;
      }
      try {
        const offset = core.observeTime(sent, received, r.status, r.body.toString('utf8'));
        log('debug', `server time offset ${offset} ms (round trip ${received - sent} ms)`);
      } catch (e) {
        log('warn', e.message);
      }
    })().finally(() => {
      syncing = null;
    });
    return syncing;
  }

  function write(res, status, headers, body, close = false) {
    if (res.headersSent || res.destroyed) return;
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body ?? '', 'utf8');
    const h = [...headers, 'Content-Length', String(buf.length)];
    if (close) h.push('Connection', 'close');
    res.writeHead(status, h);
    res.end(buf);
  }

  function answer(res, req, a, t0, close = false) {
    write(res, a.status, a.headers, a.body, close);
    audit(a.audit);
    if (a.type === 'refuse') log('info', `refused ${safePath(req.method)} ${safePath(req.url)} → ${a.status} ${a.code} (${Date.now() - t0} ms)`);
    else log('debug', `${a.type} ${safePath(req.method)} ${safePath(req.url)} → ${a.status}`);
  }

  async function onRequest(req, res) {
    const t0 = Date.now();
    const peer = req.socket.remoteAddress ?? '';
    const shell = (code) => core.shellRefusal(code, req.method, req.url, req.rawHeaders, peer, Date.now());
    if (inflight >= maxConcurrent) return answer(res, req, shell('PROXY_BUSY'), t0, true);
    inflight++;
    let pendingId = null;
    try {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > maxBodyBytes) return answer(res, req, shell('PROXY_BODY_TOO_LARGE'), t0, true);
      let body;
      try {
        body = await readBody(req, maxBodyBytes, requestTimeoutMs);
      } catch (e) {
        if (e.code === 'aborted') return;
        return answer(res, req, shell(e.code), t0, true);
      }
      const decide = () => core.decide(req.method, req.url, req.rawHeaders, body, peer, Date.now());
      let d = decide();
      // An authorised health check while the upstream clock is unknown or stale: measure it
      // first, so the page sees the real connection status.
      if (d.type === 'reply' && core.needsTimeSync(Date.now())) {
        await syncTime();
        d = decide();
      }
      if (d.type !== 'forward') return answer(res, req, d, t0);
      pendingId = d.id;
      if (d.signed && core.needsTimeSync(Date.now())) {
        await syncTime();
        d = core.resign(d.id, Date.now()) ?? d;
      }
      const r = await sendUpstream(d);
      const fin = r.failure
        ? core.fail(d.id, r.failure, Date.now())
        : core.finish(d.id, r.status, r.rawHeaders, r.body.subarray(0, 64 * 1024).toString('utf8'), Date.now());
      pendingId = null;
      write(res, fin.status, fin.headers, fin.body ?? r.body);
      audit(fin.audit);
      const what = r.failure ? `${fin.code}${r.detail ? ` (${r.detail})` : ''}` : 'upstream';
      log(fin.status >= 400 || r.failure || d.kind !== 'read' ? 'info' : 'debug',
        `${d.method} ${d.path} [${d.kind}] → ${fin.status} ${what} in ${r.ms} ms`);
      if (fin.resync) {
        log('info', 'upstream said -1021 (timestamp outside recvWindow): re-syncing server time');
        syncTime().catch(() => {});
      }
    } catch (e) {
      log('error', `internal error: ${e?.message ?? e}`);
      if (pendingId !== null) core.abandon(pendingId);
      answer(res, req, shell('PROXY_INTERNAL'), t0, true);
    } finally {
      inflight--;
    }
  }

  /** Answer on a raw socket (parser errors, CONNECT, upgrades) and close it. */
  function rawAnswer(socket, a) {
    audit(a.audit);
    if (!socket.writable) return socket.destroy();
    const lines = [`HTTP/1.1 ${a.status} ${http.STATUS_CODES[a.status] ?? ''}`];
    for (let i = 0; i < a.headers.length; i += 2) lines.push(`${a.headers[i]}: ${a.headers[i + 1]}`);
    lines.push(`Content-Length: ${Buffer.byteLength(a.body)}`, 'Connection: close', '', '');
    socket.end(lines.join('\r\n') + a.body);
    log('info', `refused at the connection level → ${a.status} ${a.code}`);
  }

  server.on('request', (req, res) => {
    onRequest(req, res).catch((e) => log('error', `internal error: ${e?.message ?? e}`));
  });
  server.on('clientError', (err, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const code = {
      HPE_HEADER_OVERFLOW: 'PROXY_HEADERS_TOO_LARGE',
      ERR_HTTP_REQUEST_TIMEOUT: 'PROXY_REQUEST_TIMEOUT',
      HPE_INVALID_METHOD: 'PROXY_METHOD_NOT_ALLOWED',
      HPE_INVALID_URL: 'PROXY_BAD_TARGET',
    }[err.code] ?? 'PROXY_BAD_TARGET';
    rawAnswer(socket, core.shellRefusal(code, '', '', [], socket.remoteAddress ?? '', Date.now()));
  });
  server.on('connect', (req, socket) => {
    rawAnswer(socket, core.decide(req.method, req.url, req.rawHeaders, new Uint8Array(), socket.remoteAddress ?? '', Date.now()));
  });
  server.on('upgrade', (req, socket) => {
    rawAnswer(socket, core.shellRefusal('PROXY_UPGRADE_REFUSED', req.method, req.url, req.rawHeaders, socket.remoteAddress ?? '', Date.now()));
  });

  await syncTime();

  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${actualPort}`;
  if (banner) {
    const u = info.upstream;
    const real = ['binance-spot', 'binance-usdm'].includes(u.name) ? '  ** REAL FUNDS **' : '';
    const offset = core.serverTimeOffsetMs;
    stdout.write([
      `iftb-proxy ${VERSION}: signing proxy listening on ${url}`,
      `  upstream        ${u.name} (${u.market}) ${u.url}${real}`,
      `  API key from    ${info.credentialSource}`,
      `  allowed origins ${info.allowedOrigins.join(', ') || '(none: only clients without an Origin header)'}`,
      `  audit log       ${auditPath ?? '(disabled)'}`,
      `  server time     ${core.stats().timeSyncs ? `offset ${offset} ms` : 'not reachable yet (will retry before the first signed request)'}`,
      'Access token for this run (paste it into the page\'s live-mode settings; it changes on every start):',
      `  ${token}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'));
  }
  log('debug', `limits: body ${maxBodyBytes} B, headers ${maxHeaderBytes} B, ${maxConcurrent} in flight, upstream timeout ${upstreamTimeoutMs} ms, weight ${info.weightPerMinute}/min`);

  return {
    url,
    port: actualPort,
    token,
    upstream: info.upstream,
    stats: () => ({ ...core.stats(), inflight, serverTimeOffsetMs: core.serverTimeOffsetMs }),
    async close() {
      if (closed) return;
      closed = true;
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
      log('info', 'stopped');
    },
  };
}

/** Read the .env text (or undefined) and warn when other users can read it. */
function readDotenv(envFile, log) {
  const file = path.resolve(envFile ?? '.env');
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    if (e.code === 'ENOENT' && envFile === undefined) return undefined;
    throw proxyError('PROXY_ENV_INVALID', `cannot read ${file}: ${e.code ?? e.message}`);
  }
  if (!st.isFile()) throw proxyError('PROXY_ENV_INVALID', `${file} is not a file`);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    log('warn', `${file} is readable by other users (mode ${(st.mode & 0o777).toString(8)}); it holds your API secret: run chmod 600 ${JSON.stringify(file)}`);
  }
  return readFileSync(file, 'utf8');
}

/** Collect a request body up to `limit` bytes within `timeoutMs`. */
function readBody(req, limit, timeoutMs) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let n = 0;
    let settled = false;
    const fail = (code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.removeAllListeners('data');
      req.resume();
      reject(Object.assign(new Error(code), { code }));
    };
    const timer = setTimeout(() => fail('PROXY_REQUEST_TIMEOUT'), timeoutMs);
    req.on('data', (c) => {
      n += c.length;
      if (n > limit) fail('PROXY_BODY_TOO_LARGE');
      else chunks.push(c);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    req.on('error', () => fail('aborted'));
    req.on('aborted', () => fail('aborted'));
  });
}
