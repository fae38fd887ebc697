// Helpers for the consumer tests: the package as npm would install it (the `npm pack` tarball
// unpacked into an app's node_modules), tiny apps under pkg-tests/.apps/, a static server on an
// ephemeral port, Debian's Chromium, and the real order every app places.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const testsDir = path.join(root, 'pkg-tests');
export const appsDir = path.join(testsDir, '.apps');
export const bin = (name) => path.join(testsDir, 'node_modules/.bin', name);
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const skipBrowser = process.env.IFTB_SKIP_BROWSER === '1' ? 'IFTB_SKIP_BROWSER=1' : false;

/** pkg-tests/node_modules (bundlers, TypeScript, runtimes) must be installed: npm run setup. */
export function requireTools(...names) {
  for (const n of names) {
    assert.ok(existsSync(path.join(testsDir, 'node_modules', n)), `pkg-tests/node_modules/${n} missing: run npm run setup (npm ci in pkg-tests)`);
  }
}

let tarball = null;
/** `npm pack` of the repository (the built pkg/ must exist), once per process. */
export function packTarball() {
  if (tarball) return tarball;
  assert.ok(existsSync(path.join(root, 'pkg/web/iftb_executor_bg.wasm')), 'pkg/ missing: run npm run build');
  const dir = path.join(appsDir, `pack-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // --ignore-scripts: prepack would only confirm the build `npm test` just made.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [info] = JSON.parse(out);
  tarball = { file: path.join(dir, info.filename), files: info.files.map((f) => f.path), size: info.size, unpackedSize: info.unpackedSize };
  return tarball;
}

/**
 * A fresh app directory `pkg-tests/.apps/<name>` with `files` written and the packed package
 * unpacked into its node_modules/iftb-executor, as `npm install iftb-executor` leaves it.
 * Tools (vite, webpack, ...) resolve from pkg-tests/node_modules above it.
 */
export function makeApp(name, files = {}) {
  const dir = path.join(appsDir, name);
  rmSync(dir, { recursive: true, force: true });
  const pkgDir = path.join(dir, 'node_modules/iftb-executor');
  mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['xzf', packTarball().file, '-C', pkgDir, '--strip-components=1']);
  const all = { 'package.json': JSON.stringify({ name: `app-${name}`, private: true, dependencies: { 'iftb-executor': '*' } }, null, 2), ...files };
  for (const [rel, text] of Object.entries(all)) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return dir;
}

// ------------------------------------------------------------------ the order every app places

/** What a market buy of 0.1 BTC/USDT at 50,000 must give with the default settings. */
export const EXPECTED = { status: 'filled', filledPrice: 50025, fee: '2.001', balance: 4995.499 };

/**
 * App source (an ES module body) that places the order with `PaperTrader` and reports the
 * numbers through `report(value)` (an expression taking one argument).
 */
export function orderCode(report) {
  return `
const trader = new PaperTrader({ initialBalance: 10000 });
trader
  .placeOrder({ symbol: "BTC/USDT", side: "buy", type: "market", amount: 0.1 }, 50000)
  .then((o) => (${report})({ status: o.status, filledPrice: o.filledPrice, fee: o.exact.fee, balance: trader.getBalance() }))
  .catch((e) => (${report})({ error: String(e && e.stack || e) }));
`;
}

/** Browser app: import the package, place the order, put the result on window.__iftb. */
export const browserApp = (importLine) => `${importLine}
${orderCode('(r) => { window.__iftb = r; document.body.dataset.done = "1"; }')}`;

export const indexHtml = (script, { module = true } = {}) =>
  `<!doctype html>\n<html><head><meta charset="utf-8"><title>iftb app</title></head>\n<body><script ${module ? 'type="module" ' : ''}src="${script}"></script></body></html>\n`;

// ------------------------------------------------------------------ static server

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.map': 'application/json' };

/** Serve `dir` on 127.0.0.1 and an ephemeral port; resolves to { url, close() }. */
export async function serveDir(dir) {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = path.join(dir, path.normalize(`/${rel}`));
    if (existsSync(file) && statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found');
    }
    res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((ok) => { server.closeAllConnections(); server.close(ok); }) };
}

// ------------------------------------------------------------------ Chromium

export async function launchChromium() {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: run npm run setup -- --browser`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Open `url` in a fresh context, wait for the app to report (window.__iftb), and return what
 * it reported plus the page errors and failed requests seen on the way.
 */
export async function runInPage(browser, url, { timeout = 30_000 } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // A failed request is reported with its URL below (the console line has none).
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`); });
  page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.__iftb !== undefined, null, { timeout }).catch(() => {});
    const result = await page.evaluate(() => window.__iftb);
    return { result, problems };
  } finally {
    await context.close();
  }
}

/** The app placed the order and got the expected numbers, without errors on the page. */
export function assertOrder({ result, problems }, what) {
  assert.ok(result, `${what}: the app reported nothing (${problems.join('; ') || 'no page errors'})`);
  assert.equal(result.error, undefined, `${what}: ${result.error}`);
  assert.deepEqual(result, EXPECTED, what);
  assert.deepEqual(problems, [], `${what}: errors on the page`);
}

// ------------------------------------------------------------------ processes

/** Run a command; resolves to { code, stdout, stderr } (never rejects on a non-zero exit). */
export function runCommand(cmd, args, { cwd, env = {}, timeout = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code: code ?? signal, stdout, stderr }); });
  });
}

/** The JSON object a Node/Bun/Deno app printed as its last line of stdout. */
export function lastJson(out, what) {
  const line = out.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line);
  } catch {
    assert.fail(`${what}: exit ${out.code}, no JSON result\nstdout: ${out.stdout}\nstderr: ${out.stderr}`);
  }
}
