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

  // wasm-bindgen CLI (wasm-bindgen, wasm-bindgen-test-runner) at exactly the version pinned in
  // Cargo.toml. `--locked` first (the tool's own lock file); crates.io may no longer serve a
  // version that lock file pins (measured: wasm-bindgen-cli 0.2.130's lock pins webpki-roots
  // 1.0.11, which was yanked), so then the same version is installed with fresh resolution.
  const want = wasmBindgenVersion();
  const have = (capture('wasm-bindgen', ['--version']) || '').trim();
  const runner = capture('wasm-bindgen-test-runner', ['--version']) !== null;
  if (have === `wasm-bindgen ${want}` && runner) ok(have);
  else {
    doing(`wasm-bindgen-cli ${want}${have ? ` (found: ${have})` : ''}`);
    const args = ['install', 'wasm-bindgen-cli', '--version', `=${want}`, ...(have ? ['--force'] : [])];
    try {
      run('cargo', [...args, '--locked']);
    } catch (err) {
      console.log(`setup: \`cargo install --locked\` failed (${err.message}); the tool's lock file pins a crate`);
      console.log(`setup: version crates.io no longer serves. Installing wasm-bindgen-cli ${want} again without --locked`);
      console.log('setup: (same tool version; its dependencies resolved afresh within their semver ranges).');
      run('cargo', args);
    }
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
