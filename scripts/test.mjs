// npm test [-- --quick]: the whole check, fail-fast. --quick skips the browser steps.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { build } from './build.mjs';
import { setup } from './setup.mjs';
import { capture, main, root, run } from './util.mjs';

const quick = process.argv.includes('--quick');
// Crates that must never reach iftb-core (it stays free of JS/wasm dependencies).
const FORBIDDEN = ['wasm-bindgen', 'js-sys', 'web-sys', 'gloo', 'serde-wasm-bindgen'];

let n = 0;
async function step(title, fn) {
  console.log(`\n${'='.repeat(72)}\n== step ${++n}: ${title}\n${'='.repeat(72)}`);
  await fn();
}

function checkCoreIsolation(pkg = 'iftb-core') {
  const args = ['tree', '-p', pkg, '-e', 'normal,build', '--target', 'all', '--prefix', 'none'];
  console.log(`$ cargo ${args.join(' ')}`);
  const out = capture('cargo', args);
  if (out === null) throw new Error('cargo tree failed');
  const crates = new Set(out.split('\n').map((l) => l.trim().split(' ')[0]).filter(Boolean));
  const hit = (c) => [...crates].some((x) => x === c || (c === 'gloo' && x.startsWith('gloo-')));
  const bad = FORBIDDEN.filter(hit);
  if (bad.length) {
    throw new Error(`dependency isolation: ${pkg} depends on ${bad.join(', ')} (run: cargo tree -p ${pkg} -i ${bad[0]})`);
  }
  console.log(`ok: ${pkg} has ${crates.size} normal/build crates, none of ${FORBIDDEN.join(', ')}`);
}

/** pkg-tests/**\/*.test.{mjs,cjs,js}, excluding node_modules. */
function pkgTests(dir = path.join(root, 'pkg-tests')) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : pkgTests(p);
    return /\.test\.(mjs|cjs|js)$/.test(e.name) ? [path.relative(root, p)] : [];
  }).sort();
}

main(async () => {
  // wasm-bindgen tests run through cargo with wasm-bindgen-test-runner as the wasm32 runner (no
  // wasm-pack). WASM_BINDGEN_USE_BROWSER: run the tests (written without `run_in_browser`) in
  // headless Chrome too, driven by Debian's chromedriver.
  const wasmTest = ['test', '-p', 'iftb-executor', '--target', 'wasm32-unknown-unknown', '--test', 'web'];
  const runnerEnv = { CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER: 'wasm-bindgen-test-runner' };
  const browserEnv = { ...runnerEnv, CHROMEDRIVER: '/usr/bin/chromedriver', WASM_BINDGEN_USE_BROWSER: '1' };
  await step(`setup${quick ? '' : ' (with browser)'}`, () => setup({ browser: !quick }));
  await step('build wasm package', build);
  await step('cargo fmt', () => run('cargo', ['fmt', '--all', '--check']));
  await step('cargo clippy', () => run('cargo', ['clippy', '--workspace', '--all-targets', '--all-features', '--', '-D', 'warnings']));
  await step('cargo clippy (wasm32: binding and its wasm tests)', () =>
    run('cargo', ['clippy', '-p', 'iftb-executor', '--all-targets', '--all-features', '--target', 'wasm32-unknown-unknown', '--', '-D', 'warnings']));
  await step('dependency isolation of iftb-core and iftb-fast', () => {
    checkCoreIsolation('iftb-core');
    checkCoreIsolation('iftb-fast');
  });
  await step('cargo test -p iftb-core -p iftb-fast', () => run('cargo', ['test', '-p', 'iftb-core', '-p', 'iftb-fast']));
  await step('wasm-bindgen-test in node', () => run('cargo', wasmTest, { env: runnerEnv }));
  if (quick) console.log('\n(--quick: skipping headless Chrome wasm tests and page test)');
  else await step('wasm-bindgen-test in headless Chrome', () => run('cargo', wasmTest, { env: browserEnv }));
  const files = pkgTests();
  if (!files.length) throw new Error('no pkg-tests/*.test.{mjs,cjs,js} found');
  await step('pkg-tests (node --test)', () =>
    run(process.execPath, ['--test', ...files], { env: quick ? { IFTB_SKIP_BROWSER: '1' } : {} }));
});
