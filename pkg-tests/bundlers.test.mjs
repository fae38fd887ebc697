// Every mainstream way a browser app consumes the package, as a user would: the packed package
// installed into a tiny app, built by each bundler with no configuration (or the one documented
// step), run in Debian's Chromium, and checked on the numbers of a real order.
// See docs/packaging.md. Skipped when IFTB_SKIP_BROWSER=1 (npm test -- --quick).
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  assertOrder, bin, browserApp, indexHtml, launchChromium, makeApp, orderCode, requireTools, runCommand, runInPage, serveDir, skipBrowser,
} from './helpers/apps.mjs';

const BARE = 'import { PaperTrader } from "iftb-executor";';
const WASM = 'node_modules/iftb-executor/pkg/web/iftb_executor_bg.wasm';

let browser;
before(async () => {
  if (skipBrowser) return;
  requireTools('vite', 'webpack', 'esbuild', 'rollup', '@rollup/plugin-node-resolve', 'bun');
  browser = await launchChromium();
});
after(() => browser?.close());

/** Build output served statically, opened in Chromium; the order must come out right. */
async function checkServed(dir, what) {
  const server = await serveDir(dir);
  try {
    assertOrder(await runInPage(browser, server.url), what);
  } finally {
    await server.close();
  }
}

const wasmFiles = (dir) => readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.wasm'));

test('Vite build: bare import, no init(), no config', { skip: skipBrowser }, async () => {
  const dir = makeApp('bundlers-vite', { 'index.html': indexHtml('/src/main.js'), 'src/main.js': browserApp(BARE) });
  const { build } = await import('vite');
  await build({ root: dir, logLevel: 'error', configFile: false });
  assert.equal(wasmFiles(path.join(dir, 'dist')).length, 1, 'Vite emits the .wasm once');
  await checkServed(path.join(dir, 'dist'), 'Vite build');
});

test('Vite dev server: bare import, no init(), no config', { skip: skipBrowser }, async () => {
  const dir = makeApp('bundlers-vite-dev', { 'index.html': indexHtml('/src/main.js'), 'src/main.js': browserApp(BARE) });
  const { createServer } = await import('vite');
  const server = await createServer({ root: dir, logLevel: 'error', configFile: false, server: { port: 0, host: '127.0.0.1', strictPort: true } });
  await server.listen();
  try {
    const { port } = server.httpServer.address();
    assert.notEqual(port, 0);
    // The dev server pre-bundles the package (node_modules/.vite/deps) and must still find the .wasm.
    assertOrder(await runInPage(browser, `http://127.0.0.1:${port}/`), 'Vite dev server');
  } finally {
    await server.close();
  }
});

test('webpack 5 (production, zero-config entry): bare import, no init()', { skip: skipBrowser }, async () => {
  const dir = makeApp('bundlers-webpack', { 'src/index.js': browserApp(BARE), 'dist/index.html': indexHtml('main.js', { module: false }) });
  const { default: webpack } = await import('webpack');
  const stats = await new Promise((resolve, reject) =>
    // = `npx webpack --mode production` run in the app directory (webpack's defaults: ./src → ./dist/main.js)
    webpack({ mode: 'production', context: dir, output: { path: path.join(dir, 'dist') } }, (err, s) => (err ? reject(err) : resolve(s))));
  assert.ok(!stats.hasErrors(), stats.toString({ all: false, errors: true }));
  assert.equal(wasmFiles(path.join(dir, 'dist')).length, 1, 'webpack emits the .wasm as an asset');
  await checkServed(path.join(dir, 'dist'), 'webpack 5');
});

test('esbuild: bare import, plus the documented step (copy the .wasm next to the bundle)', { skip: skipBrowser }, async () => {
  const dir = makeApp('bundlers-esbuild', { 'src/main.js': browserApp(BARE), 'dist/index.html': indexHtml('main.js') });
  const esbuild = await import('esbuild');
  await esbuild.build({ absWorkingDir: dir, entryPoints: ['src/main.js'], bundle: true, format: 'esm', platform: 'browser', outdir: 'dist', logLevel: 'silent' });
  copyFileSync(path.join(dir, WASM), path.join(dir, 'dist/iftb_executor_bg.wasm')); // docs/packaging.md, esbuild
  await checkServed(path.join(dir, 'dist'), 'esbuild');
});

test('esbuild without the step fails with a message that names it', { skip: skipBrowser }, async () => {
  const dir = makeApp('bundlers-esbuild-nocopy', { 'src/main.js': `${BARE}\n${orderCode('(r) => { window.__iftb = r; }')}`, 'dist/index.html': indexHtml('main.js') });
  const esbuild = await import('esbuild');
  await esbuild.build({ absWorkingDir: dir, entryPoints: ['src/main.js'], bundle: true, format: 'esm', platform: 'browser', outdir: 'dist', logLevel: 'silent' });
  // The module never finishes loading (its top-level await throws): read the page error.
  const server = await serveDir(path.join(dir, 'dist'));
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction(() => true);
    for (let i = 0; i < 50 && !errors.length; i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(errors.join('\n'), /could not load its WebAssembly module \(iftb_executor_bg\.wasm\).*copied next to the bundle/);
  } finally {
    await context.close();
    await server.close();
  }
});

test('Rollup (node-resolve): bare import, plus the documented step (copy the .wasm)', { skip: skipBrowser }, async () => {
  const dir = makeApp('bundlers-rollup', { 'src/main.js': browserApp(BARE), 'dist/index.html': indexHtml('main.js') });
  const { rollup } = await import('rollup');
  const { nodeResolve } = await import('@rollup/plugin-node-resolve');
  const bundle = await rollup({ input: path.join(dir, 'src/main.js'), plugins: [nodeResolve({ rootDir: dir })], onwarn: () => {} });
  await bundle.write({ file: path.join(dir, 'dist/main.js'), format: 'es' });
  await bundle.close();
  copyFileSync(path.join(dir, WASM), path.join(dir, 'dist/iftb_executor_bg.wasm')); // docs/packaging.md, Rollup
  await checkServed(path.join(dir, 'dist'), 'Rollup');
});

test('Bun\'s bundler (bun build): bare import, plus the documented step (copy the .wasm)', { skip: skipBrowser }, async () => {
  const dir = makeApp('bundlers-bun', { 'src/main.js': browserApp(BARE), 'dist/index.html': indexHtml('main.js') });
  const out = await runCommand(bin('bun'), ['build', 'src/main.js', '--outdir', 'dist', '--target', 'browser'], { cwd: dir });
  assert.equal(out.code, 0, out.stdout + out.stderr);
  copyFileSync(path.join(dir, WASM), path.join(dir, 'dist/iftb_executor_bg.wasm')); // docs/packaging.md, Bun
  await checkServed(path.join(dir, 'dist'), 'bun build');
});

test('no bundler: iftb-executor/web through an import map, explicit init(); exports before init() throw a readable error', { skip: skipBrowser }, async () => {
  const dir = makeApp('bundlers-web', {
    'index.html': `<!doctype html>
<html><head><meta charset="utf-8">
<script type="importmap">{ "imports": { "iftb-executor/web": "/node_modules/iftb-executor/pkg/web/iftb_executor.js" } }</script>
</head><body><script type="module" src="/main.js"></script></body></html>
`,
    'main.js': `import init, { PaperTrader, version } from "iftb-executor/web";
let early;
try { new PaperTrader(); early = "no error"; } catch (e) { early = { isError: e instanceof Error, name: e.name, code: e.code, message: e.message }; }
window.__early = early;
const p1 = init();
const p2 = init();           // while loading: the same load
await Promise.all([p1, p2]);
await init();                // loaded: resolves at once
window.__version = version();
${orderCode('(r) => { window.__iftb = r; }')}`,
  });
  const server = await serveDir(dir);
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction(() => window.__iftb !== undefined, null, { timeout: 30_000 });
    const got = await page.evaluate(() => ({ early: window.__early, result: window.__iftb, version: window.__version }));
    await context.close();
    assertOrder({ result: got.result, problems: errors }, 'iftb-executor/web');
    assert.equal(got.version, JSON.parse(readFileSync(path.join(dir, 'node_modules/iftb-executor/package.json'), 'utf8')).version);
    assert.equal(got.early.isError, true);
    assert.equal(got.early.name, 'EngineError');
    assert.equal(got.early.code, 'NOT_INITIALIZED');
    assert.match(got.early.message, /call `await init\(\)` first/);
  } finally {
    await server.close();
  }
});

test('shared code: `import init, { PaperTrader } from "iftb-executor"; await init()` in a Vite build', { skip: skipBrowser }, async () => {
  const dir = makeApp('bundlers-vite-init', {
    'index.html': indexHtml('/src/main.js'),
    'src/main.js': browserApp('import init, { PaperTrader } from "iftb-executor";\nawait init();\nawait init();'),
  });
  const { build } = await import('vite');
  await build({ root: dir, logLevel: 'error', configFile: false });
  writeFileSync(path.join(dir, 'dist/.keep'), '');
  await checkServed(path.join(dir, 'dist'), 'Vite build, shared init() code');
});
