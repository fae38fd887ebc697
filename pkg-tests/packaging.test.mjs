// The package as npm publishes it: what `npm pack` puts in the tarball, the package.json fields
// users and tools read, publint and Are-the-types-wrong (both from npm, pinned in
// pkg-tests/package.json), the README's and docs' links, and prepack's check of pkg/.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { bin, packTarball, requireTools, root, runCommand } from './helpers/apps.mjs';

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
let tar;
before(() => {
  requireTools('publint', '@arethetypeswrong/cli');
  tar = packTarball();
});

test('the tarball holds the built package: one library wasm, declarations, docs, LICENSE', () => {
  const files = new Set(tar.files);
  const wasm = tar.files.filter((f) => f.endsWith('.wasm')).sort();
  assert.deepEqual(wasm, ['pkg/server/iftb_executor_bg.wasm', 'pkg/web/iftb_executor_bg.wasm'], 'the library wasm once (pkg/node loads pkg/web\'s), and the servers\' own');
  for (const f of ['LICENSE', 'README.md', 'package.json', 'pkg/web/browser.js', 'pkg/node/index.mjs', 'pkg/node/index.d.mts', 'server/proxy.d.mts', 'server/exchange.d.cts']) {
    assert.ok(files.has(f), `${f} missing from the tarball`);
  }
  const docs = readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  for (const d of docs) assert.ok(files.has(d), `${d} is not shipped`);
  for (const f of tar.files) {
    assert.doesNotMatch(f, /^(src|crates|pkg-tests|www|target|scripts|bench|tests)\/|build-stamp|\.rs$/, `${f} should not be published`);
  }
  // Every file package.json points at is in the tarball.
  const targets = new Set([pkg.main, pkg.types, ...Object.values(pkg.bin)]);
  const walk = (v) => (typeof v === 'string' ? targets.add(v) : v && typeof v === 'object' && Object.values(v).forEach(walk));
  walk(pkg.exports);
  for (const t of targets) assert.ok(files.has(t.replace(/^\.\//, '')), `package.json points at ${t}, which is not in the tarball`);
  console.log(`# tarball: ${tar.files.length} files, ${tar.size} B packed, ${tar.unpackedSize} B unpacked`);
});

test('package.json: license, repository, sideEffects, engines, types for every export', () => {
  assert.equal(pkg.license, 'MIT');
  assert.match(pkg.repository?.url ?? '', /^git\+https:\/\//);
  assert.ok(pkg.sideEffects.includes('./pkg/web/browser.js'), 'the browser entry loads the wasm: a side effect');
  assert.match(pkg.engines.node, /^\^20\.19\.0 \|\| >=22\.12\.0$/);
  const typed = (v) => (typeof v === 'string' ? false : 'types' in v || Object.values(v).every((x) => typeof x !== 'string' && typed(x)));
  for (const [k, v] of Object.entries(pkg.exports)) {
    if (k === './package.json') continue;
    assert.ok(typed(v), `${k}: a condition without declarations`);
  }
});

test('publint --strict: no errors, warnings or suggestions', async () => {
  const { publint } = await import('publint');
  const bytes = readFileSync(tar.file);
  // pkgDir: the folder npm packs into ("package/") inside the tarball.
  const { messages } = await publint({ pkgDir: 'package', strict: true, level: 'suggestion', pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) } });
  const { formatMessage } = await import('publint/utils');
  assert.deepEqual(messages.map((m) => formatMessage(m, pkg) ?? m.code), []);
});

test('Are the types wrong (attw, strict profile): no problems for any entry point', async () => {
  const out = await runCommand(bin('attw'), [tar.file, '--format', 'json'], { cwd: root });
  const report = JSON.parse(out.stdout);
  const entries = Object.keys(report.analysis.entrypoints);
  assert.deepEqual(entries.sort(), Object.keys(pkg.exports).filter((k) => k !== './package.json').concat('./package.json').sort());
  const problems = [...Object.values(report.problems ?? {}), ...Object.values(report.analysis.problems ?? {})].flat();
  assert.deepEqual(problems, [], JSON.stringify(problems, null, 1));
  assert.equal(out.code, 0, out.stderr);
});

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
const slug = (h) => h.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

test('every relative link in README.md and docs/ points at a shipped file (and an existing heading)', () => {
  const files = new Set(tar.files);
  const md = tar.files.filter((f) => f.endsWith('.md'));
  const bad = [];
  let links = 0;
  for (const file of md) {
    const text = readFileSync(path.join(root, file), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const href = m[1];
      if (/^[a-z]+:/.test(href)) continue;
      links++;
      const [target, anchor] = href.split('#');
      const resolved = target ? path.posix.normalize(path.posix.join(path.posix.dirname(file), target)) : file;
      if (!files.has(resolved)) {
        bad.push(`${file}: ${href} (${resolved} is not in the package)`);
        continue;
      }
      if (anchor && resolved.endsWith('.md')) {
        const heads = [...readFileSync(path.join(root, resolved), 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map((h) => slug(h[1]));
        if (!heads.includes(anchor)) bad.push(`${file}: ${href} (no heading #${anchor} in ${resolved})`);
      }
    }
  }
  assert.ok(links >= 15, `only ${links} relative links found`);
  assert.deepEqual(bad, []);
});

test('prepack --check: pkg/ is built from the current sources', async () => {
  const out = await runCommand(process.execPath, ['scripts/prepack.mjs', '--check'], { cwd: root });
  assert.equal(out.code, 0, out.stdout + out.stderr);
  assert.match(out.stdout, /up to date/);
});
