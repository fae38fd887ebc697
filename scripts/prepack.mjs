// npm's `prepack` (npm pack, npm publish, and a git install — npm packs git dependencies):
// pkg/ is built output, not in git, so build it when it is missing or older than the sources
// (judged by scripts/build.mjs's hash of every build input), then refuse to pack unless every
// file package.json points at exists.
//   node scripts/prepack.mjs [--check]   (--check: never build, only report)
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { build, inputsHash, STAMP } from './build.mjs';
import { setup } from './setup.mjs';
import { capture, isMain, main, root } from './util.mjs';

/** Why pkg/ cannot be packed as it is, or null when it is current. */
export function staleness() {
  const stamp = path.join(root, STAMP);
  if (!existsSync(stamp)) return 'pkg/ is not built';
  const { inputs } = JSON.parse(readFileSync(stamp, 'utf8'));
  return inputs === inputsHash() ? null : 'pkg/ was built from other sources (a build input changed since)';
}

/** Every file package.json names (main, types, bin, exports targets). */
export function packageTargets() {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const out = new Set([pkg.main, pkg.types, ...Object.values(pkg.bin ?? {})].filter(Boolean));
  const walk = (v) => {
    if (typeof v === 'string') out.add(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(pkg.exports);
  return [...out].map((p) => p.replace(/^\.\//, '')).sort();
}

export async function prepack({ check = false } = {}) {
  const why = staleness();
  if (why) {
    if (check) throw new Error(`${why}: run npm run build`);
    if (capture('cargo', ['--version']) === null || capture('rustup', ['--version']) === null) {
      throw new Error(`${why}, and building it needs Rust (rustup with a toolchain: https://rustup.rs); `
        + 'setup then adds the wasm32 target and wasm-bindgen-cli. Or install a published release or an `npm pack` tarball, which are built.');
    }
    console.log(`prepack: ${why}; building (setup installs what is missing: the wasm32 target, wasm-bindgen-cli)`);
    await setup();
    await build();
  } else {
    console.log('prepack: pkg/ is up to date with the sources');
  }
  const missing = packageTargets().filter((f) => !existsSync(path.join(root, f)));
  if (missing.length) throw new Error(`refusing to pack: package.json points at missing files: ${missing.join(', ')}`);
  const left = staleness();
  if (left) throw new Error(`refusing to pack: ${left}`);
}

if (isMain(import.meta.url)) main(() => prepack({ check: process.argv.includes('--check') }));
