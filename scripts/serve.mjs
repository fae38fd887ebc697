// Tiny static server for the simulator page, loopback only: www/ at "/", the built package at
// "/pkg/", the strategy tester's shared module at "/backtest/", and the page's vendored
// libraries (from node_modules, so it works offline) at "/vendor/".
//   node scripts/serve.mjs            (PORT, default 8080; serves until Ctrl+C)
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { isMain, main, root as repoRoot } from './util.mjs';

/** URL prefix → directory under the repository. */
const MOUNTS = [['/pkg', 'pkg'], ['/backtest', 'backtest']];
/** /vendor/<name> → a file of an installed npm package (the page's import map names these). */
const VENDOR = {
  'lightweight-charts.mjs': 'node_modules/lightweight-charts/dist/lightweight-charts.standalone.production.mjs',
};

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

/** Map a URL path to a file under www/ or a mount, or null if it escapes them. */
function resolve(root, urlPath) {
  let rel;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (rel.startsWith('/vendor/')) {
    const file = VENDOR[rel.slice('/vendor/'.length)];
    return file ? path.join(root, file) : null;
  }
  const mount = MOUNTS.find(([prefix]) => rel === prefix || rel.startsWith(`${prefix}/`));
  const [base, sub] = mount ? [mount[1], rel.slice(mount[0].length)] : ['www', rel];
  const dir = path.join(root, base);
  const file = path.join(dir, path.normalize(`/${sub}`));
  return file === dir || file.startsWith(dir + path.sep) ? file : null;
}

async function handle(root, req, res) {
  const send = (code, msg) => {
    res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${msg}\n`);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
  let file = resolve(root, new URL(req.url, 'http://localhost').pathname);
  if (!file) return send(403, 'forbidden');
  let st = await stat(file).catch(() => null);
  if (st?.isDirectory()) {
    file = path.join(file, 'index.html');
    st = await stat(file).catch(() => null);
  }
  if (!st?.isFile()) return send(404, 'not found');
  res.writeHead(200, {
    'content-type': MIME[path.extname(file).toLowerCase()] || 'application/octet-stream',
    'content-length': st.size,
    'cache-control': 'no-store',
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file).pipe(res);
}

function listen(server, port) {
  return new Promise((ok, fail) => {
    const onError = (err) => fail(err);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      ok();
    });
  });
}

/**
 * Start the server. port 0 = any free port; a busy port falls back to the next ones.
 * Resolves to { server, port, url, close() }.
 */
export async function serve({ port = 8080, root = repoRoot } = {}) {
  const server = http.createServer((req, res) =>
    handle(root, req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    }),
  );
  for (let p = port, tries = 0; ; p++, tries++) {
    try {
      await listen(server, p);
      break;
    } catch (err) {
      if (err.code !== 'EADDRINUSE' || port === 0 || tries >= 50) throw err;
    }
  }
  const actual = server.address().port;
  return {
    server,
    port: actual,
    url: `http://127.0.0.1:${actual}/`,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

if (isMain(import.meta.url)) {
  main(async () => {
    if (!existsSync(path.join(repoRoot, 'pkg/web/iftb_executor.js'))) {
      throw new Error('pkg/web is missing: run `npm run build` first (or `npm start`, which builds and serves)');
    }
    for (const file of Object.values(VENDOR)) {
      if (!existsSync(path.join(repoRoot, file))) throw new Error(`${file} is missing: run \`npm install\``);
    }
    const { url } = await serve({ port: process.env.PORT ? Number(process.env.PORT) : 8080 });
    console.log(`Serving the simulator page at ${url}  (Ctrl+C to stop)`);
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
  });
}
