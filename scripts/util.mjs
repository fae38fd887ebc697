// Small helpers shared by the build/setup/test scripts (node built-ins only).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Environment for child processes: node_modules/.bin and ~/.cargo/bin on PATH. */
export function childEnv(extra = {}) {
  const cargoBin = path.join(process.env.CARGO_HOME || path.join(homedir(), '.cargo'), 'bin');
  const dirs = [path.join(root, 'node_modules', '.bin'), cargoBin, process.env.PATH || ''];
  return { ...process.env, PATH: dirs.join(path.delimiter), ...extra };
}

/** Run a command with inherited stdio; throw if it fails. */
export function run(cmd, args = [], { env = {}, cwd = root } = {}) {
  console.log(`$ ${Object.entries(env).map(([k, v]) => `${k}=${v} `).join('')}${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit', env: childEnv(env) });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

/** Run a command and return its stdout (null if it cannot run or fails). */
export function capture(cmd, args = [], { cwd = root } = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: childEnv() });
  return r.error || r.status !== 0 ? null : r.stdout;
}

/** The exact `wasm-bindgen = "=x.y.z"` pin from the root Cargo.toml. */
export function wasmBindgenVersion() {
  const toml = readFileSync(path.join(root, 'Cargo.toml'), 'utf8');
  const m = toml.match(/^\s*wasm-bindgen\s*=\s*(?:\{[^}\n]*?version\s*=\s*)?"=?\s*(\d+\.\d+\.\d+)"/m);
  if (!m) throw new Error('Cargo.toml: no wasm-bindgen = "=x.y.z" pin found');
  return m[1];
}

export const exists = (p) => existsSync(path.resolve(root, p));

/** Run fn() as a CLI entry point: print the error and exit 1 on failure. */
export async function main(fn) {
  try {
    await fn();
  } catch (err) {
    console.error(`\nerror: ${err.message}`);
    process.exit(1);
  }
}

/** True when the module with this import.meta.url is the script node was started with. */
export const isMain = (url) => !!process.argv[1] && url === pathToFileURL(path.resolve(process.argv[1])).href;
