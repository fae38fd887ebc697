// Idempotent installer: installs only what is missing.
//   node scripts/setup.mjs [--browser]
import path from 'node:path';
import { capture, exists, isMain, main, root, run, wasmBindgenVersion } from './util.mjs';

const TARGET = 'wasm32-unknown-unknown';
const ok = (what) => console.log(`setup: ${what} - present, skipping`);
const doing = (what) => console.log(`setup: ${what} - installing`);

export async function setup({ browser = false } = {}) {
  // Node dev dependencies (wasm-opt from binaryen, playwright-core).
  if (exists('node_modules/.bin/wasm-opt') && exists('node_modules/playwright-core/package.json') && exists('node_modules/ccxt/package.json')
    && exists('node_modules/lightweight-charts/package.json')) {
    ok('node_modules (binaryen, playwright-core, ccxt, lightweight-charts)');
  } else {
    doing('node_modules');
    run('npm', [exists('package-lock.json') ? 'ci' : 'install', '--no-audit', '--no-fund']);
  }

  // pkg-tests may be its own package (file: dependency on this one).
  const pt = path.join(root, 'pkg-tests');
  if (exists('pkg-tests/package.json') && !exists('pkg-tests/node_modules')) {
    doing('pkg-tests/node_modules');
    run('npm', [exists('pkg-tests/package-lock.json') ? 'ci' : 'install', '--no-audit', '--no-fund'], { cwd: pt });
  }

  // Rust wasm target.
  if ((capture('rustup', ['target', 'list', '--installed']) || '').split('\n').includes(TARGET)) {
    ok(`rustup target ${TARGET}`);
  } else {
    doing(`rustup target ${TARGET}`);
    run('rustup', ['target', 'add', TARGET]);
  }

  // wasm-pack (its own downloads of wasm-bindgen/wasm-opt are not used).
  const wp = capture('wasm-pack', ['--version']);
  if (wp) ok(wp.trim());
  else {
    doing('wasm-pack');
    run('cargo', ['install', 'wasm-pack', '--locked']);
  }

  // wasm-bindgen CLI at exactly the version pinned in Cargo.toml.
  const want = wasmBindgenVersion();
  const have = (capture('wasm-bindgen', ['--version']) || '').trim();
  if (have === `wasm-bindgen ${want}`) ok(have);
  else {
    doing(`wasm-bindgen-cli ${want}${have ? ` (found: ${have})` : ''}`);
    run('cargo', ['install', 'wasm-bindgen-cli', '--version', want, '--locked', ...(have ? ['--force'] : [])]);
  }

  // Headless Chromium + chromedriver for browser tests.
  if (browser) {
    if (exists('/usr/bin/chromium') && exists('/usr/bin/chromedriver')) ok('chromium, chromium-driver');
    else {
      doing('chromium, chromium-driver (apt-get)');
      const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
      const apt = (...a) => (sudo.length ? run('sudo', ['apt-get', ...a]) : run('apt-get', a));
      apt('update');
      apt('install', '-y', 'chromium', 'chromium-driver');
    }
  }
}

if (isMain(import.meta.url)) {
  main(() => setup({ browser: process.argv.includes('--browser') }));
}
