// The local Binance-compatible exchange: a node:http shell over the wasm core's
// LocalExchange (pkg/server, built with the cargo feature `server`).
//
//   import { startExchange } from 'iftb-executor/server/exchange.mjs';
//   const ex = await startExchange({ port: 0, feed: 'none' });
//   // ex.url, ex.apiKey, ex.apiSecret, ex.setPrice('BTCUSDT', 50100), ex.setFaults({...}),
//   // ex.requests(), await ex.close()
//
// Binance paths (/fapi/..., /api/v3/...) go to the core unchanged (raw path, raw query,
// raw body: the signature is checked over the bytes the client sent). /_iftb/* are control
// endpoints and never Binance paths. Loopback only unless allowRemote: true.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { candlePath as sharedCandlePath, parseCandles } from '../backtest/candles.mjs';
import { mulberry32 } from '../backtest/prng.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** Default replay data: 2000 real BTC/USDT 5-minute candles. */
export const DEFAULT_REPLAY_CSV = path.join(root, 'examples/data/btcusdt-5m.csv');
/** Largest request body accepted (Binance requests are a few hundred bytes). */
const MAX_BODY = 64 * 1024;
/** Header through which the client address reaches the core (weights are per IP). */
const REMOTE_ADDR_HEADER = 'x-iftb-remote-addr';

const SHELL_OPTIONS = new Set([
  'port', 'host', 'feed', 'speed', 'seed', 'allowRemote', 'csv', 'replaySymbol', 'tickMs', 'volatility', 'quiet',
]);

function errorWithCode(message, code, name = 'Error') {
  const e = new Error(message);
  e.name = name;
  e.code = code;
  return e;
}

/** Whether a bind address is loopback-only. */
export function isLoopback(host) {
  const h = String(host).replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

/** API url keys of ccxt's binance classes (ccxt 4.5): every one is pointed at the local server. */
const CCXT_API_KEYS = [
  'sapi', 'sapiV2', 'sapiV3', 'sapiV4', 'dapiPublic', 'dapiPrivate', 'dapiPrivateV2', 'dapiData',
  'eapiPublic', 'eapiPrivate', 'fapiPublic', 'fapiPublicV2', 'fapiPublicV3', 'fapiPrivate',
  'fapiPrivateV2', 'fapiPrivateV3', 'fapiData', 'public', 'private', 'v1', 'papi', 'papiV2',
];

/**
 * The ccxt `urls.api` object pointing a `binance` / `binanceusdm` instance at `baseUrl`.
 * With `template` (an instance's own `urls.api`), every entry is rewritten to the local
 * origin, keeping its path: nothing the client calls can reach Binance. Paths the local
 * exchange does not serve (sapi, dapi, ...) answer 404.
 */
export function ccxtUrls(baseUrl, template = undefined) {
  const b = baseUrl.replace(/\/$/, '');
  if (template) {
    return Object.fromEntries(
      Object.entries(template).map(([k, v]) => [k, typeof v === 'string' ? b + new URL(v).pathname.replace(/\/$/, '') : v]),
    );
  }
  const paths = {
    sapi: '/sapi/v1', sapiV2: '/sapi/v2', sapiV3: '/sapi/v3', sapiV4: '/sapi/v4',
    dapiPublic: '/dapi/v1', dapiPrivate: '/dapi/v1', dapiPrivateV2: '/dapi/v2', dapiData: '/futures/data',
    eapiPublic: '/eapi/v1', eapiPrivate: '/eapi/v1',
    fapiPublic: '/fapi/v1', fapiPublicV2: '/fapi/v2', fapiPublicV3: '/fapi/v3',
    fapiPrivate: '/fapi/v1', fapiPrivateV2: '/fapi/v2', fapiPrivateV3: '/fapi/v3', fapiData: '/futures/data',
    public: '/api/v3', private: '/api/v3', v1: '/api/v1', papi: '/papi/v1', papiV2: '/papi/v2',
  };
  return Object.fromEntries(CCXT_API_KEYS.map((k) => [k, b + paths[k]]));
}

function loadBinding() {
  try {
    return require(path.join(root, 'pkg/server/iftb_executor.js'));
  } catch (e) {
    throw errorWithCode(`the wasm package is not built (run: npm run build): ${e.message}`, 'NOT_BUILT');
  }
}

/**
 * Rows `{ t, open, high, low, close }` (prices as the CSV's decimal text; also `o, h, l, c, v`
 * as numbers) of a `timestamp_ms,open,high,low,close[,volume]` CSV, read by the shared parser
 * (backtest/candles.mjs). A line that is not a candle throws `INVALID_FEED`.
 */
export function readCandles(file) {
  return parseCandles(readFileSync(file, 'utf8'), { text: true });
}

/** Price path inside a candle as decimal text: open, the nearer extreme first, the other, close. */
export function candlePath(k) {
  return sharedCandlePath({ o: k.open, h: k.high, l: k.low, c: k.close });
}

/** Decimal text with at most `dp` places (prices for setPrice). */
function dec(x, dp = 8) {
  return Number(x).toFixed(dp).replace(/\.?0+$/, '');
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      // Past the limit the rest is read and discarded (so the client gets its 413), up to
      // a hard cap where the connection is cut.
      if (size > 16 * MAX_BODY) req.destroy();
      else if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) reject(errorWithCode('request body too large', 'BODY_TOO_LARGE'));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function sendJson(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Start the exchange.
 * @param {object} [options]
 * @param {number} [options.port=8788] 0 picks a free port.
 * @param {string} [options.host='127.0.0.1'] loopback only unless `allowRemote`.
 * @param {'replay'|'random'|'none'} [options.feed='replay'] price feed.
 * @param {number} [options.speed] replay: simulated seconds per real second (default 300:
 *   one 5-minute candle per second); random: steps per `tickMs` (default 1).
 * @param {number} [options.seed=1] random walk seed.
 * @param {string} [options.csv] replay file (default examples/data/btcusdt-5m.csv).
 * @param {string} [options.replaySymbol='BTCUSDT'] symbol the replay drives; the other
 *   symbols follow its relative moves.
 * @param {number} [options.tickMs=1000] random walk step interval at speed 1.
 * @param {number} [options.volatility=0.0005] random walk step standard deviation.
 * Every other option goes to the core `LocalExchange` (apiKey, apiSecret, futuresBalance,
 * spotBalances, prices, makerFee, takerFee, ...).
 */
export async function startExchange(options = {}) {
  const {
    port = 8788,
    host = '127.0.0.1',
    feed = 'replay',
    seed = 1,
    allowRemote = false,
    csv = DEFAULT_REPLAY_CSV,
    replaySymbol = 'BTCUSDT',
    tickMs = 1000,
    volatility = 0.0005,
  } = options;
  const speed = options.speed ?? (feed === 'replay' ? 300 : 1);
  const config = Object.fromEntries(Object.entries(options).filter(([k]) => !SHELL_OPTIONS.has(k)));
  if (!allowRemote && !isLoopback(host)) {
    throw errorWithCode(
      `refusing to bind ${host}: the local exchange listens on loopback only (pass allowRemote: true to override)`,
      'NON_LOOPBACK',
    );
  }
  if (!['replay', 'random', 'none'].includes(feed)) {
    throw errorWithCode(`feed must be 'replay', 'random' or 'none', got ${feed}`, 'INVALID_FEED');
  }
  if (!(Number(speed) > 0)) throw errorWithCode(`speed must be > 0, got ${speed}`, 'INVALID_FEED');
  const { LocalExchange } = loadBinding();
  let exchange = new LocalExchange(config);
  const candles = feed === 'replay' ? readCandles(csv) : [];
  if (feed === 'replay' && !candles.length) throw errorWithCode(`${csv}: no candles`, 'INVALID_FEED');

  // ---- price feed --------------------------------------------------------------------
  let timer = null;
  let ticks = 0;
  const feedState = { feed, speed, position: 0, ticks: 0 };
  function startFeed() {
    const symbols = exchange.symbols();
    const base = Object.fromEntries(symbols.map((s) => [s, Number(exchange.getPrice(s))]));
    if (feed === 'replay') {
      if (!symbols.includes(replaySymbol)) throw errorWithCode(`replay symbol ${replaySymbol} is not traded`, 'INVALID_FEED');
      const points = candles.flatMap(candlePath);
      const first = Number(points[0]);
      let i = 0;
      const step = (p) => {
        const r = Number(p) / first;
        exchange.setPrice(replaySymbol, p);
        for (const s of symbols) if (s !== replaySymbol) exchange.setPrice(s, dec(base[s] * r, 8));
      };
      step(points[0]);
      const every = Math.max(5, (300_000 / Number(speed)) / 4);
      timer = setInterval(() => {
        i = (i + 1) % points.length;
        feedState.position = Math.floor(i / 4);
        feedState.ticks = ++ticks;
        step(points[i]);
      }, every);
    } else if (feed === 'random') {
      const rnd = mulberry32(Number(seed));
      const gauss = () => {
        const u = 1 - rnd();
        const v = rnd();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      };
      const px = { ...base };
      const every = Math.max(5, Number(tickMs) / Number(speed));
      timer = setInterval(() => {
        feedState.ticks = ++ticks;
        for (const s of symbols) {
          px[s] = px[s] * Math.exp(Number(volatility) * gauss());
          exchange.setPrice(s, dec(px[s], 8));
        }
      }, every);
    }
    timer?.unref();
  }
  function stopFeed() {
    if (timer) clearInterval(timer);
    timer = null;
  }
  /** Fresh accounts and faults; the old wasm object is freed (its memory is not GC'd). */
  function reset() {
    stopFeed();
    const old = exchange;
    exchange = new LocalExchange(config);
    old.free();
    ticks = 0;
    feedState.ticks = 0;
    feedState.position = 0;
    startFeed();
  }
  startFeed();

  // ---- control endpoints -------------------------------------------------------------
  async function control(req, res, pathname) {
    const isJson = /^application\/json\b/i.test(req.headers['content-type'] ?? '');
    let body = {};
    if (req.method === 'POST') {
      // A JSON content type forces a CORS preflight: a web page cannot drive this.
      if (!isJson) return sendJson(res, 415, { error: 'control endpoints take Content-Type: application/json' });
      const text = await readBody(req);
      body = text ? JSON.parse(text) : {};
    }
    const route = `${req.method} ${pathname}`;
    switch (route) {
      case 'GET /_iftb/state':
        return sendJson(res, 200, { ...exchange.state(), feed: feedState });
      case 'GET /_iftb/requests':
        return sendJson(res, 200, exchange.requests());
      case 'GET /_iftb/faults':
        return sendJson(res, 200, exchange.getFaults());
      case 'POST /_iftb/faults':
        return sendJson(res, 200, exchange.setFaults(body));
      case 'POST /_iftb/price': {
        const prices = body.prices ?? { [body.symbol]: body.price };
        for (const [s, p] of Object.entries(prices)) exchange.setPrice(s, p);
        return sendJson(res, 200, Object.fromEntries(Object.keys(prices).map((s) => [s, exchange.getPrice(s)])));
      }
      case 'POST /_iftb/reset':
        reset();
        return sendJson(res, 200, { reset: true });
      default:
        return sendJson(res, 404, { error: `unknown control endpoint ${route}` });
    }
  }

  // ---- HTTP --------------------------------------------------------------------------
  const server = http.createServer(async (req, res) => {
    try {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const rawPath = q < 0 ? url : url.slice(0, q);
      const query = q < 0 ? '' : url.slice(q + 1);
      if (rawPath.startsWith('/_iftb/')) return await control(req, res, rawPath);
      const body = await readBody(req);
      const headers = { ...req.headers };
      delete headers[REMOTE_ADDR_HEADER];
      headers[REMOTE_ADDR_HEADER] = req.socket.remoteAddress ?? 'local';
      const out = exchange.handle({ method: req.method, path: rawPath, query, body, headers }, Date.now());
      const finish = () => {
        if (out.dropResponse) {
          // Executed, but the client never hears back.
          req.socket.destroy();
          return;
        }
        res.writeHead(out.status, { ...out.headers, 'Content-Length': Buffer.byteLength(out.body) });
        res.end(out.body);
      };
      if (out.delayMs > 0) setTimeout(finish, out.delayMs);
      else finish();
    } catch (e) {
      const status = e.code === 'BODY_TOO_LARGE' ? 413 : 400;
      if (!res.headersSent && !res.destroyed) sendJson(res, status, { error: e.message, code: e.code ?? null });
    }
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  const urlHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const url = `http://${urlHost}:${bound.port}`;
  let closed = false;
  return {
    url,
    port: bound.port,
    host: bound.address,
    get apiKey() {
      return exchange.apiKey;
    },
    get apiSecret() {
      return exchange.apiSecret;
    },
    /** The wasm LocalExchange (replaced by a fresh one on reset). */
    get exchange() {
      return exchange;
    },
    feed: feedState,
    ccxtUrls: () => ccxtUrls(url),
    setPrice: (symbol, price) => exchange.setPrice(symbol, price),
    getPrice: (symbol) => exchange.getPrice(symbol),
    setFaults: (faults) => exchange.setFaults(faults),
    getFaults: () => exchange.getFaults(),
    requests: () => exchange.requests(),
    clearRequests: () => exchange.clearRequests(),
    state: () => exchange.state(),
    reset,
    async close() {
      if (closed) return;
      closed = true;
      stopFeed();
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
      exchange.free();
    },
  };
}
