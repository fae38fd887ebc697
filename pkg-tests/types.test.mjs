// The TypeScript declarations, checked as users meet them: with the packed package installed
// in an app, `tsc --strict` under `moduleResolution` nodenext (Node, @types/node) and bundler
// (DOM lib), over
//   - every code example in README.md and docs/*.md that imports the package (```js / ```ts
//     blocks; a block whose fence says `nocheck`, e.g. ```js nocheck, is left out),
//   - expectations that must hold and must fail (// @ts-expect-error), so the types can fail,
//   - real outputs of the package assigned to their declared types (helpers/samples.mjs),
// and that every export and class member that exists at run time is declared (and the other
// way round), with no `any` and no bare `Function` in any declaration file.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { bin, lastJson, makeApp, requireTools, root, runCommand, testsDir } from './helpers/apps.mjs';

const NODE_ONLY = /from\s+["'](?:node:|iftb-executor\/(?:server|proxy))|\bprocess\.|\brequire\(|\bstatePath\b|\bfromEnv\b/;
const BROWSER_ONLY = /\b(?:document|window|localStorage|sessionStorage)\b/;

/** ```js / ```ts blocks of README.md and docs/*.md that import the package. */
function docExamples() {
  const files = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const out = [];
  for (const file of files) {
    const text = readFileSync(path.join(root, file), 'utf8');
    for (const m of text.matchAll(/^```(js|mjs|ts|javascript|typescript)([^\n]*)\n([\s\S]*?)^```/gm)) {
      const [, lang, info, code] = m;
      if (/\bnocheck\b/.test(info) || !/from\s+["']iftb-executor/.test(code)) continue;
      // Examples that also import other packages (ccxt, ...) need those installed: not checked here.
      const others = [...code.matchAll(/from\s+["']([^"']+)["']/g)].map((x) => x[1]).filter((m) => !/^(iftb-executor|node:)/.test(m));
      if (others.length) continue;
      const line = text.slice(0, m.index).split('\n').length;
      out.push({ file, line, lang, code });
    }
  }
  return out;
}

// Expectations: each @ts-expect-error line must be an error, everything else must compile.
const EXPECT = `
import init, {
  PaperTrader, OrderExecutor, LiveExecutor, FastPaper, convertDecisionToRequest, version,
  type Order, type IftbError, type ErrorCode, type PositionState, type PaperOrderExecutor,
  type LiveOrderExecutor, type LogLevel, type CloseReason, type LiveOrder, type EngineEvent,
} from "iftb-executor";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<T extends true>(): void {}

await init();
const v: string = version();
const t = new PaperTrader();                                   // options are optional
const o: Order = await t.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "market", amount: 0.1 });
// @ts-expect-error filledPrice can be null until status says "filled"
o.filledPrice.toFixed(2);
if (o.status === "filled") {
  const price: number = o.filledPrice;
  const fee: number = o.fee;
  const exactFee: string = o.exact.fee;
}
if (o.status === "failed") { const why: string = o.errorMessage; }
// @ts-expect-error "long" is not a side
t.placeOrderSync({ symbol: "BTC/USDT", side: "long", type: "market", amount: 1 }, 50000);
// @ts-expect-error amount is required
t.placeOrderSync({ symbol: "BTC/USDT", side: "buy", type: "market" }, 50000);
await t.closePosition("BTC/USDT");                             // currentPrice is optional
const positions: PositionState[] = t.getPositions();
t.getEvents();

const paper = new OrderExecutor({ paperMode: true, maxLeverage: 5 });
assertType<Equal<typeof paper, PaperOrderExecutor>>();
assertType<Equal<typeof paper.mode, "paper">>();
const paperPositions: PositionState[] = paper.getPositions();  // synchronous in paper mode
paper.resetLossLimits();
const fill = (e: { price: number }) => e.price;
paper.on("fill", (e) => { const p: number = e.price; const l: "maker" | "taker" = e.liquidity; });
paper.on("positionClosed", (e) => { const r: CloseReason = e.reason; const pnl: number = e.realizedPnl; });
paper.on("log", (r) => { const level: LogLevel = r.level; });
paper.on("*", (e: EngineEvent) => { if (e.type === "positionLiquidated") { const f: number = e.fee; } });
paper.off("fill", fill);
// @ts-expect-error not an event name
paper.on("filled", () => {});
// @ts-expect-error a log record has no price
paper.on("log", (r) => r.price);
const restored = OrderExecutor.restore(paper.snapshot());       // options are optional
assertType<Equal<typeof restored, PaperOrderExecutor>>();
const def = new OrderExecutor();
assertType<Equal<typeof def, PaperOrderExecutor>>();

const live = new OrderExecutor({ paperMode: false, apiKey: "k", apiSecret: "s" });
assertType<Equal<typeof live, LiveOrderExecutor>>();
const livePositions: Promise<PositionState[]> = live.getPositions();
const liveReset: Promise<void> = live.resetLossLimits();
const liveOrder: LiveOrder = await live.executeDecision({ action: "long", symbol: "BTC/USDT", amount: 0.01 });
// @ts-expect-error snapshots are paper-only
live.snapshot();

const either = new OrderExecutor({ paperMode: Math.random() > 0.5 });
// @ts-expect-error which mode is not known yet
either.snapshot();
if (either.mode === "paper") either.snapshot();
else await either.reconcile();
if (either instanceof OrderExecutor) either.free();

const lx = new LiveExecutor({ exchange: "binance-spot", proxyUrl: "http://127.0.0.1:8787", proxyToken: "t" });
assertType<Equal<typeof lx.exchange, "binance-usdm" | "binance-spot">>();
lx.roundAmount("BTC/USDT", 0.0123);                            // held is optional
// @ts-expect-error a limit order needs a price
lx.placeLimitOrder({ symbol: "BTC/USDT", side: "buy", amount: 1 });
// @ts-expect-error not an exchange
new LiveExecutor({ exchange: "binance-coinm" });

const fp = new FastPaper();                                    // options are optional
fp.market(fp.symbolId("BTC/USDT"), 0, 0.1);
// @ts-expect-error FastPaper sides are 0 (buy) and 1 (sell)
fp.market(0, 2, 0.1);

const req = convertDecisionToRequest({ action: "LONG", symbol: "BTC/USDT" }, { amount: 0.01 });
const amount: number = req.amount;
try {
  new PaperTrader({ initialBalance: -1 });
} catch (e) {
  const err = e as IftbError;
  const code: ErrorCode = err.code;
  // @ts-expect-error not an error code
  const bad: ErrorCode = "NOPE";
}
const scoped = new PaperTrader();
scoped[Symbol.dispose]();                                      // declared whatever the lib (\`using\` needs esnext.disposable)
`;

// CommonJS TypeScript (.cts, nodenext): the require conditions' declarations.
const EXPECT_CJS = `
import init, { PaperTrader, OrderExecutor } from "iftb-executor";
import { startProxy, DEFAULT_PORT } from "iftb-executor/proxy";
import { startExchange, type ExchangeServer } from "iftb-executor/server/exchange.mjs";
import { LocalExchange } from "iftb-executor/server";
async function main(): Promise<void> {
  await init();
  const t = new PaperTrader();
  const ex = new OrderExecutor();
  const port: 8787 = DEFAULT_PORT;
  const server: ExchangeServer = await startExchange({ port: 0, feed: "none" });
  const proxy = await startProxy({ port: 0, upstreamUrl: server.url, market: "binance-usdm" });
  const local: LocalExchange = server.exchange;
  await proxy.close();
  await server.close();
}
void main;
`;

let app;
let samples;
let examples;
let nodeErrors;
let bundlerErrors;
before(async () => {
  requireTools('typescript', '@types/node');
  examples = docExamples();
  const files = {
    'package.json': JSON.stringify({ name: 'app-types', private: true, type: 'module', dependencies: { 'iftb-executor': '*' } }),
    'samples.mjs': readFileSync(path.join(testsDir, 'helpers/samples.mjs'), 'utf8'),
    'both/expect.ts': EXPECT,
    'node/expect-cjs.cts': EXPECT_CJS,
  };
  for (const [i, ex] of examples.entries()) {
    const dir = NODE_ONLY.test(ex.code) ? 'node' : BROWSER_ONLY.test(ex.code) ? 'browser' : 'both';
    const name = `${dir}/example-${i}-${path.basename(ex.file, '.md')}-L${ex.line}.ts`;
    files[name] = `// ${ex.file}:${ex.line}\n${ex.code}\nexport {};\n`;
  }
  const base = { strict: true, noEmit: true, target: 'es2022', skipLibCheck: false, allowUnusedLabels: false };
  files['tsconfig.node.json'] = JSON.stringify({ compilerOptions: { ...base, module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022'], types: ['node'] }, include: ['node', 'both', 'shapes.ts'] });
  files['tsconfig.bundler.json'] = JSON.stringify({ compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom'], types: [] }, include: ['browser', 'both'] });
  app = makeApp('types', files);
  const out = await runCommand(process.execPath, ['samples.mjs'], { cwd: app });
  samples = lastJson(out, 'samples.mjs');
  writeFileSync(path.join(app, 'shapes.ts'), shapesFile(samples.samples));
  [nodeErrors, bundlerErrors] = await Promise.all([tsc('tsconfig.node.json'), tsc('tsconfig.bundler.json')]);
});

/**
 * shapes.ts: `const sN: <declared type> = <real output>;` for every sample, and two wrong on
 * purpose (a filled order without its fee, an unknown status) that must not compile.
 */
function shapesFile(list) {
  const types = new Set(['FilledOrder', 'Order']);
  const lines = list.map(([type, value], i) => {
    for (const m of type.matchAll(/\b([A-Z]\w+)/g)) types.add(m[1]);
    return `const s${i}: ${type} = ${JSON.stringify(value)};`;
  });
  const filled = list.find(([t]) => t === 'FilledOrder')[1];
  const { fee, ...noFee } = filled;
  return `import type { ${[...types].sort().join(', ')} } from "iftb-executor";
${lines.join('\n')}
// @ts-expect-error a filled order has a fee
const n0: FilledOrder = ${JSON.stringify(noFee)};
// @ts-expect-error not a status
const n1: Order = ${JSON.stringify({ ...filled, status: 'done' })};
export {};
`;
}

async function tsc(config) {
  const out = await runCommand(bin('tsc'), ['-p', config, '--pretty', 'false'], { cwd: app });
  return (out.stdout + out.stderr).split('\n').filter((l) => /error TS\d+/.test(l));
}

test('README and docs examples exist to check', () => {
  const checked = examples.map((e) => `${e.file}:${e.line}`);
  assert.ok(examples.filter((e) => e.file === 'README.md').length >= 3, `README examples found: ${checked.join(', ')}`);
  assert.ok(examples.length >= 8, `examples found: ${checked.join(', ')}`);
});

test('the README examples run in Node as written', async () => {
  const readme = examples.filter((e) => e.file === 'README.md');
  for (const ex of readme) {
    const file = path.join(app, `readme-L${ex.line}.mjs`);
    writeFileSync(file, ex.code);
    const out = await runCommand(process.execPath, [file], { cwd: app, timeout: 60_000 });
    assert.equal(out.code, 0, `README.md:${ex.line} failed:\n${out.stderr}`);
  }
});

test('real outputs satisfy their declared types (and the declarations are strict enough to tell)', () => {
  assert.ok(samples.samples.length > 80, `only ${samples.samples.length} samples`);
  const source = readFileSync(path.join(app, 'shapes.ts'), 'utf8').split('\n');
  const errors = nodeErrors.filter((l) => l.startsWith('shapes.ts'));
  assert.deepEqual(errors, [], errors.slice(0, 5).map((l) => {
    const n = Number(/^const s(\d+)/.exec(source[Number(/\((\d+),/.exec(l)[1]) - 1])?.[1]);
    return `${l}\n  sample: ${JSON.stringify(samples.samples[n])}`;
  }).join('\n'));
});

test('tsc --strict, moduleResolution nodenext (ESM and CommonJS), @types/node: examples and expectations', () => {
  assert.deepEqual(nodeErrors.filter((l) => !l.startsWith('shapes.ts')), []);
});

test('tsc --strict, moduleResolution bundler, DOM lib: examples and expectations', () => {
  assert.deepEqual(bundlerErrors, []);
});

test('every export and class member at run time is declared, and nothing declared is missing', async () => {
  const { default: ts } = await import('typescript');
  const probe = path.join(app, 'both/expect.ts');
  const program = ts.createProgram([probe], {
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
    strict: true, noEmit: true, types: [], lib: ['lib.es2022.d.ts'],
  });
  const checker = program.getTypeChecker();
  const resolve = (spec) => {
    const r = ts.resolveModuleName(spec, probe, program.getCompilerOptions(), ts.sys);
    assert.ok(r.resolvedModule, `${spec} does not resolve to declarations`);
    const sf = program.getSourceFile(r.resolvedModule.resolvedFileName) ?? ts.createProgram([r.resolvedModule.resolvedFileName], program.getCompilerOptions()).getSourceFile(r.resolvedModule.resolvedFileName);
    return sf;
  };
  const valueExports = (spec) => {
    const p2 = ts.createProgram([resolve(spec).fileName], program.getCompilerOptions());
    const c2 = p2.getTypeChecker();
    const sym = c2.getSymbolAtLocation(p2.getSourceFile(resolve(spec).fileName));
    return { checker: c2, exports: c2.getExportsOfModule(sym).filter((s) => {
      const t = s.flags & ts.SymbolFlags.Alias ? c2.getAliasedSymbol(s) : s;
      return t.flags & ts.SymbolFlags.Value;
    }) };
  };
  for (const [spec, runtime] of Object.entries(samples.exports)) {
    const declared = valueExports(spec).exports.map((s) => s.name).sort();
    assert.deepEqual(declared, runtime, `${spec}: declared value exports vs run time`);
  }
  const { checker: c, exports } = valueExports('iftb-executor');
  const names = (type) => c.getPropertiesOfType(type).map((p) => p.name).filter((n) => !n.startsWith('__@')).sort();
  for (const [cls, runtime] of Object.entries(samples.members)) {
    const sym = exports.find((s) => s.name === cls);
    const ctor = c.getTypeOfSymbol(sym);
    const instance = new Set(ctor.getConstructSignatures().flatMap((sig) => {
      const r = sig.getReturnType();
      return (r.isUnion() ? r.types : [r]).flatMap(names);
    }));
    assert.deepEqual([...instance].sort(), runtime.instance, `${cls}: declared instance members vs run time`);
    assert.deepEqual(names(ctor).filter((n) => n !== 'prototype'), runtime.static, `${cls}: declared static members vs run time`);
    assert.equal(runtime.dispose, true, `${cls}: no [Symbol.dispose] at run time`);
  }
});

test('no `any` and no bare `Function` in any shipped declaration file', async () => {
  const { default: ts } = await import('typescript');
  const pkgDir = path.join(app, 'node_modules/iftb-executor');
  const files = readdirSync(pkgDir, { recursive: true }).map(String).filter((f) => /\.d\.(ts|mts|cts)$/.test(f));
  assert.ok(files.length >= 8, `declaration files: ${files.join(', ')}`);
  const found = [];
  for (const f of files) {
    const text = readFileSync(path.join(pkgDir, f), 'utf8');
    const sf = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true);
    const visit = (n) => {
      const bad = n.kind === ts.SyntaxKind.AnyKeyword ? 'any'
        : ts.isTypeReferenceNode(n) && n.typeName.getText(sf) === 'Function' ? 'Function' : null;
      if (bad) found.push(`${f}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}: ${bad} in ${n.parent.getText(sf).slice(0, 80)}`);
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  assert.deepEqual(found, []);
  assert.ok(existsSync(path.join(pkgDir, 'server/proxy.d.mts')));
});
