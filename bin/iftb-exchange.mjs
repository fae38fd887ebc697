#!/usr/bin/env node
// iftb-exchange: run the local Binance-compatible exchange (USD-M + Spot) on loopback.
//   npm run exchange -- --port 8788 --feed replay --speed 300
import { parseArgs } from 'node:util';
import { startExchange } from '../server/exchange.mjs';

const HELP = `iftb-exchange: a local Binance-compatible exchange (USD-M futures + Spot) for tests
and live-mode development. Loopback only; dev credentials; nothing reaches Binance.

Usage: iftb-exchange [options]   (or: npm run exchange -- [options])

  --port <n>        port (default 8788; 0 = any free port)
  --host <addr>     bind address (default 127.0.0.1; non-loopback needs --allow-remote)
  --feed <kind>     replay | random | none (default replay)
  --speed <x>       replay: simulated seconds per second (default 300 = one 5m candle/s);
                    random: steps per second (default 1)
  --seed <n>        random-walk seed (default 1)
  --csv <file>      replay file (timestamp_ms,open,high,low,close,volume)
  --allow-remote    allow a non-loopback --host
  -h, --help        this help

Control (JSON): GET /_iftb/state, GET /_iftb/requests, GET|POST /_iftb/faults,
                POST /_iftb/price {"symbol":"BTCUSDT","price":"50100"}, POST /_iftb/reset`;

function fail(msg) {
  console.error(`iftb-exchange: ${msg}\n\n${HELP}`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      feed: { type: 'string' },
      speed: { type: 'string' },
      seed: { type: 'string' },
      csv: { type: 'string' },
      'allow-remote': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (e) {
  fail(e.message);
}
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
const num = (name, v) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} must be a number ≥ 0, got ${v}`);
  return n;
};

let ex;
try {
  ex = await startExchange({
    port: num('port', args.port) ?? 8788,
    host: args.host ?? '127.0.0.1',
    feed: args.feed ?? 'replay',
    speed: num('speed', args.speed),
    seed: num('seed', args.seed),
    csv: args.csv,
    allowRemote: args['allow-remote'] ?? false,
  });
} catch (e) {
  console.error(`iftb-exchange: ${e.message}`);
  process.exit(1);
}

const u = ex.url;
console.log(`iftb local Binance-compatible exchange listening on ${u}

  API key:     ${ex.apiKey}
  API secret:  ${ex.apiSecret}
  feed:        ${ex.feed.feed}${ex.feed.feed === 'none' ? '' : ` (speed ${ex.feed.speed})`}

  USD-M futures base URL: ${u}   (/fapi/v1/order, /fapi/v1/algoOrder, /fapi/v2/positionRisk, ...)
  Spot base URL:          ${u}   (/api/v3/order, /api/v3/account, ...)
  Control:                ${u}/_iftb/state   (also /_iftb/faults, /_iftb/price, /_iftb/reset)

  ccxt:
    const ex = new ccxt.binanceusdm({ apiKey: '${ex.apiKey}', secret: '${ex.apiSecret}',
      urls: { api: ${JSON.stringify(ex.ccxtUrls()).replaceAll(',', ', ')} },
      options: { fetchCurrencies: false } });

Ctrl-C to stop.`);

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: closing`);
  await ex.close();
  process.exit(0);
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
