#!/usr/bin/env node
// iftb-proxy: the local signing proxy (npx iftb-proxy, or npm run proxy in the repo).
import { parseArgs } from 'node:util';
import { DEFAULT_PORT, startProxy, UPSTREAMS } from '../server/proxy.mjs';

const HELP = `Usage: iftb-proxy [options]

Signs Binance requests for the simulator page with the keys in .env, so the page, its JS and
its storage never see the secret. Listens on 127.0.0.1 only; prints a per-run access token.

Options:
  --upstream NAME      ${UPSTREAMS.join(' | ')} (default: local,
                       the local Binance-compatible exchange at http://127.0.0.1:8788)
  --upstream-url URL   explicit upstream base URL (https, or http to this machine); needs --market
                       (with --upstream local: where the local exchange runs)
  --market M           binance-usdm (default for local) | binance-spot
  --port N             listen port (default ${DEFAULT_PORT})
  --origin ORIGIN      browser origin allowed to call the proxy, exact, repeatable
                       (default http://127.0.0.1:8080 and http://localhost:8080)
  --env FILE           file with BINANCE_API_KEY=... and BINANCE_API_SECRET=... (default .env)
  --recv-window MS     recvWindow added to signed requests (default 5000)
  --audit-log FILE     JSON-lines log of every order, cancel, setting and refusal
                       (default iftb-proxy-audit.log; "none" disables)
  --log-level LEVEL    error | warn | info (default) | debug
  --upstream-timeout MS  give up on upstream after this long (default 15000)
  --host ADDR          listen address (default 127.0.0.1)
  --allow-remote       allow a non-loopback --host (anyone reaching it with the token can trade)
  -h, --help           this text

Use an API key with trading only: no withdrawals, restricted to your IP.`;

function fail(msg) {
  process.stderr.write(`iftb-proxy: ${msg}\n`);
  process.exit(1);
}

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      upstream: { type: 'string' },
      'upstream-url': { type: 'string' },
      market: { type: 'string' },
      port: { type: 'string' },
      origin: { type: 'string', multiple: true },
      env: { type: 'string' },
      'recv-window': { type: 'string' },
      'audit-log': { type: 'string' },
      'log-level': { type: 'string' },
      'upstream-timeout': { type: 'string' },
      host: { type: 'string' },
      'allow-remote': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (e) {
  fail(`${e.message}\n\n${HELP}`);
}
if (args.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

const int = (name, v) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a whole number, got ${JSON.stringify(v)}`);
  return n;
};

// Ctrl-C closes the server and exits 0 (during start-up: exits at once).
let proxy;
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await proxy?.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

try {
  const auditLog = args['audit-log'];
  proxy = await startProxy({
    upstream: args.upstream,
    upstreamUrl: args['upstream-url'],
    market: args.market,
    port: int('port', args.port) ?? DEFAULT_PORT,
    allowedOrigins: args.origin,
    envFile: args.env,
    recvWindow: int('recv-window', args['recv-window']),
    auditLog: auditLog === 'none' ? null : auditLog,
    logLevel: args['log-level'],
    upstreamTimeoutMs: int('upstream-timeout', args['upstream-timeout']),
    host: args.host,
    allowRemote: args['allow-remote'] ?? false,
  });
} catch (e) {
  fail(e?.code ? `${e.message} [${e.code}]` : String(e?.message ?? e));
}
