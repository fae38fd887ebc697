// Build the wasm binding into pkg/ (see docs/packaging.md for the layout and why):
//   pkg/web     the library: THE .wasm (one copy, shared by every entry), the ES-module glue
//               (`iftb-executor/web`, explicit `await init()`) and browser.js (the bundler
//               entry of `iftb-executor`: loads the .wasm with top-level await, no init() needed)
//   pkg/node    CommonJS glue over ../web's .wasm (require), index.mjs (import), init() no-op
//   pkg/server  the library plus the Node-only servers' cores (cargo feature `server`)
//   node scripts/build.mjs
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { isMain, main, root, run } from './util.mjs';

const NAME = 'iftb_executor';
const WASM = `${NAME}_bg.wasm`;
const TARGET = 'wasm32-unknown-unknown';
// Features rustc's wasm32 output uses by default (LLVM 20+); wasm-opt must be told about them.
const WASM_OPT_FEATURES = [
  '--enable-bulk-memory',
  '--enable-nontrapping-float-to-int',
  '--enable-sign-ext',
  '--enable-mutable-globals',
  '--enable-reference-types',
  '--enable-multivalue',
];
/** Written after a successful build: what it was built from (prepack compares). */
export const STAMP = 'pkg/build-stamp.json';

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const abs = (p) => path.join(root, p);
const read = (p) => readFileSync(abs(p), 'utf8');
const write = (p, text) => writeFileSync(abs(p), text);

export async function build() {
  const targetDir = process.env.CARGO_TARGET_DIR ? path.resolve(process.env.CARGO_TARGET_DIR) : abs('target');
  const input = path.join(targetDir, TARGET, 'release', `${NAME}.wasm`);
  for (const dir of ['pkg/web', 'pkg/node', 'pkg/server']) rmSync(abs(dir), { recursive: true, force: true });
  rmSync(abs(STAMP), { force: true });

  // The library (no cargo features): one cargo build, one .wasm, two glues over it. The
  // servers' code (local exchange, signing proxy) is left out, so a page loads only the library.
  cargo([]);
  bindgen('web', 'pkg/web', input);
  bindgen('nodejs', 'pkg/node', input);
  // Both glues import the same functions from the same module; only then may they share it.
  if (!readFileSync(abs(`pkg/web/${WASM}`)).equals(readFileSync(abs(`pkg/node/${WASM}`)))) {
    throw new Error('wasm-bindgen wrote different .wasm files for the web and nodejs targets');
  }
  for (const f of [WASM, `${WASM}.d.ts`]) rmSync(abs(`pkg/node/${f}`));
  wasmOpt(`pkg/web/${WASM}`);
  patchWebGlue('pkg/web');
  patchNodeGlue('pkg/node', `../web/${WASM}`);

  // The servers' build: the library plus the cargo feature `server` (its own, larger .wasm).
  cargo(['server']);
  bindgen('nodejs', 'pkg/server', input);
  wasmOpt(`pkg/server/${WASM}`);
  patchNodeGlue('pkg/server', WASM);

  writeEntries();
  writeDeclarations();
  write(STAMP, `${JSON.stringify({ inputs: inputsHash() }, null, 2)}\n`);

  console.log(`\nwasm sizes (after wasm-opt -Oz; raw / gzip -9):`);
  for (const file of [`pkg/web/${WASM}`, `pkg/server/${WASM}`]) {
    const raw = statSync(abs(file)).size;
    const gz = gzipSync(readFileSync(abs(file)), { level: 9 }).length;
    console.log(`  ${file}  ${raw} B (${kib(raw)}) / ${gz} B (${kib(gz)})`);
  }
  console.log(`  (pkg/node uses pkg/web/${WASM})`);
}

function cargo(features) {
  run('cargo', ['build', '--release', '--target', TARGET, '-p', 'iftb-executor', ...(features.length ? ['--features', features.join(',')] : [])]);
}

function bindgen(target, dir, input) {
  run('wasm-bindgen', ['--target', target, '--out-dir', dir, '--out-name', NAME, input]);
  // Make .js mean the right module kind whatever the root package.json says.
  const type = target === 'web' ? 'module' : 'commonjs';
  write(`${dir}/package.json`, `${JSON.stringify({ type }, null, 2)}\n`);
  if (type === 'commonjs') commonjsSnippets(abs(`${dir}/snippets`));
}

function wasmOpt(file) {
  run('wasm-opt', ['-Oz', ...WASM_OPT_FEATURES, file, '-o', file]);
}

/** Replace `from` by `to` exactly `times` times (the glue is wasm-bindgen's, pinned in Cargo.toml). */
function patch(text, from, to, what, times = 1) {
  const n = text.split(from).length - 1;
  if (n !== times) throw new Error(`build: cannot ${what}: expected ${times} × ${JSON.stringify(from)} in the wasm-bindgen glue, found ${n}`);
  return text.split(from).join(to);
}

// Thrown by every export used before the module is loaded (instead of wasm-bindgen's
// "Cannot read properties of undefined (reading 'papertrader_new')").
const NOT_READY = `
// Added by scripts/build.mjs: until init() has loaded the module, any use of an export throws
// a readable error instead of a TypeError from inside the glue.
const NOT_READY = new Proxy({}, {
    get() {
        const e = new Error('iftb-executor: the WebAssembly module is not loaded yet: call \`await init()\` first (import init from "iftb-executor/web"), or import "iftb-executor", which loads it for you');
        e.name = 'EngineError';
        e.code = 'NOT_INITIALIZED';
        throw e;
    },
});
`;

function patchWebGlue(dir) {
  const file = `${dir}/${NAME}.js`;
  let js = read(file);
  js = patch(js, 'let wasmModule, wasmInstance, wasm;', `${NOT_READY}let wasmModule, wasmInstance, wasm = NOT_READY;`, 'mark the module as not loaded');
  js = patch(js, 'if (wasm !== undefined) return wasm;', 'if (wasm !== NOT_READY) return wasm;', 'keep init() idempotent', 2);
  js = patch(js, 'export { initSync, __wbg_init as default };', 'export { initSync, __wbg_init as default, __wbg_init as init };', 'export init by name');
  write(file, js);
}

const NODE_INIT = `
// Added by scripts/build.mjs: in Node the module is instantiated above, when this file loads.
// init() / initSync() exist so code shared with the browser entries (\`await init()\`) runs
// unchanged; they do nothing.
async function init(_options) {}
function initSync(_options) {}
exports.init = init;
exports.initSync = initSync;
exports.default = init;
Object.defineProperty(exports, '__esModule', { value: true });
`;

function patchNodeGlue(dir, wasmPath) {
  const file = `${dir}/${NAME}.js`;
  let js = read(file);
  if (wasmPath !== WASM) {
    js = patch(js, `const wasmPath = \`\${__dirname}/${WASM}\`;`, `const wasmPath = require('path').join(__dirname, ${JSON.stringify(wasmPath)});`, 'point the glue at the shared .wasm');
  }
  write(file, js + NODE_INIT);
}

/**
 * wasm-bindgen copies `inline_js` snippets as ES modules, but the nodejs glue `require`s them:
 * turn `export function f` into CommonJS exports for the CommonJS build.
 */
function commonjsSnippets(dir) {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.js')) continue;
    const file = path.join(e.parentPath ?? e.path, e.name);
    const src = readFileSync(file, 'utf8');
    const names = [...src.matchAll(/^export function (\w+)/gm)].map((m) => m[1]);
    if (!names.length) continue;
    const cjs = src.replace(/^export function /gm, 'function ');
    writeFileSync(file, `${cjs}\nmodule.exports = { ${names.join(', ')} };\n`);
  }
}

function writeEntries() {
  write('pkg/web/browser.js', `// Generated by scripts/build.mjs: the browser/bundler entry of "iftb-executor". It loads the
// WebAssembly module (${WASM}, beside this file) before your code runs, with top-level
// await, so \`import { PaperTrader } from "iftb-executor"\` is ready to use. init() is exported
// too (it resolves at once), so code written for "iftb-executor/web" runs unchanged.
import init from './${NAME}.js';

try {
    await init();
} catch (e) {
    throw new Error(\`iftb-executor: could not load its WebAssembly module (${WASM}): \${e && e.message}. A bundler that does not copy files referenced as new URL("...", import.meta.url) (esbuild, Rollup) needs ${WASM} copied next to the bundle: see docs/packaging.md.\`, { cause: e });
}

export * from './${NAME}.js';
export { default } from './${NAME}.js';
`);
  writeEsmWrapper('pkg/node');
  writeEsmWrapper('pkg/server');
}

/** <dir>/index.mjs: named ESM re-exports of the CommonJS module (one instance for import and require). */
function writeEsmWrapper(dir) {
  const cjs = abs(`${dir}/${NAME}.js`);
  mkdirSync(path.dirname(cjs), { recursive: true });
  const names = Object.keys(createRequire(import.meta.url)(cjs))
    .filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default' && !n.startsWith('__'))
    .sort();
  const lines = [
    '// Generated by scripts/build.mjs: the Node ESM entry, re-exporting the CommonJS module (one',
    '// wasm instance whether the package is imported or required). The default export is init().',
    "import { createRequire } from 'node:module';",
    '',
    `const m = createRequire(import.meta.url)(${JSON.stringify(`./${NAME}.js`)});`,
    '',
    ...names.map((n) => `export const ${n} = m.${n};`),
    'export default m.init;',
    '',
  ];
  write(`${dir}/index.mjs`, lines.join('\n'));
  console.log(`${dir}/index.mjs: ${names.length} named exports (${names.join(', ')})`);
}

const WEB_INIT_DTS = `
/** What \`init()\` can load the WebAssembly module from: its URL (default: the \`.wasm\` file beside the glue), a \`fetch\` Response, its bytes, or a compiled module. */
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/**
 * Load and instantiate the WebAssembly module. Idempotent: later calls, and calls while it is
 * loading, share one load. \`import "iftb-executor"\` in a bundler has done it before your code
 * runs; with \`iftb-executor/web\`, \`await init()\` once before using any export (until then
 * every export throws \`NOT_INITIALIZED\`).
 */
export default function init(options?: { module_or_path?: InitInput | Promise<InitInput> }): Promise<void>;
export { init };

/** \`init()\` without a promise, from the module's bytes or a compiled module. */
export function initSync(options: { module: BufferSource | WebAssembly.Module }): void;
`;

const NODE_INIT_DTS = `
/**
 * Node: the WebAssembly module is instantiated when the package loads, so this resolves at
 * once (options are ignored). It exists so code shared with the browser entries, which
 * \`await init()\`, runs unchanged.
 */
export default function init(options?: unknown): Promise<void>;
export { init };

/** Node: does nothing (the module is loaded); for code shared with the browser entries. */
export function initSync(options?: unknown): void;
`;

/**
 * Declarations: wasm-bindgen's (classes from per-method attributes, shared types from
 * src/types.rs) with our init() in place of its raw `InitOutput`. ESM copies for pkg/web
 * (`browser.d.ts` re-exports it), CommonJS copies for pkg/node and pkg/server (whose
 * `index.d.mts` re-exports them for `import`).
 */
function writeDeclarations() {
  const web = read(`pkg/web/${NAME}.d.ts`);
  const api = web.slice(0, web.indexOf('export type InitInput'));
  if (!api.includes('export class PaperTrader')) throw new Error('build: unexpected wasm-bindgen declarations in pkg/web');
  write(`pkg/web/${NAME}.d.ts`, api.trimEnd() + '\n' + WEB_INIT_DTS);
  rmSync(abs(`pkg/web/${WASM}.d.ts`));
  write('pkg/web/browser.d.ts', `export * from './${NAME}.js';\nexport { default } from './${NAME}.js';\n`);
  for (const dir of ['pkg/node', 'pkg/server']) {
    const dts = read(`${dir}/${NAME}.d.ts`);
    write(`${dir}/${NAME}.d.ts`, dts.trimEnd() + '\n' + NODE_INIT_DTS);
    write(`${dir}/index.d.mts`, `import { init } from './${NAME}.js';\nexport * from './${NAME}.js';\nexport default init;\n`);
  }
  rmSync(abs(`pkg/server/${WASM}.d.ts`), { force: true });
}

/** Files the build reads, relative to the root: what a stale pkg/ is judged by. */
function buildInputs() {
  const files = [];
  const walk = (dir) => {
    if (!existsSync(abs(dir))) return;
    for (const e of readdirSync(abs(dir), { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (/\.(rs|toml)$/.test(e.name)) files.push(p);
    }
  };
  walk('src');
  for (const c of existsSync(abs('crates')) ? readdirSync(abs('crates')) : []) {
    files.push(`crates/${c}/Cargo.toml`);
    walk(`crates/${c}/src`);
    if (existsSync(abs(`crates/${c}/build.rs`))) files.push(`crates/${c}/build.rs`);
  }
  files.push('Cargo.toml', 'Cargo.lock', 'scripts/build.mjs');
  for (const f of ['.cargo/config.toml', 'rust-toolchain.toml', 'rust-toolchain', 'build.rs']) if (existsSync(abs(f))) files.push(f);
  return files.filter((f) => existsSync(abs(f))).sort();
}

/** A hash of every build input (names and bytes). */
export function inputsHash() {
  const h = createHash('sha256');
  for (const f of buildInputs()) h.update(`${f}\0`).update(readFileSync(abs(f))).update('\0');
  return h.digest('hex');
}

if (isMain(import.meta.url)) main(build);
