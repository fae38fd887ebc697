// One benchmark case per process: `node bench/cases.mjs <case> '<json args>'` prints one JSON
// object on stdout. bench/run.mjs runs them, each in a fresh Node process.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { measure, measureAsync, summarize } from './stats.mjs';
import { tiledCandles } from './candles.mjs';
import { mulberry32 } from '../backtest/prng.mjs';
import { FloorPaper } from './floor.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const peers = createRequire(path.join(here, '.peers', 'package.json'));

const [, , name, argText = '{}'] = process.argv;
const args = JSON.parse(argText);
const RUNS = args.runs ?? 7;
const WARMUP = args.warmup ?? 2;

async function ours() {
  return import('iftb-executor');
}

/** `ops` operations per run, the runs and warm-ups asked for. */
const timing = (ops) => ({ ops, runs: RUNS, warmup: WARMUP });
/** `measure` of `{ fn, setup }` with `timing(ops)`. */
const timed = (ops, how) => measure({ ...timing(ops), ...how });

const MARK = 50000;
const CONFIG = { initialBalance: 1e9 };

// ----- market orders ------------------------------------------------------------------------
// Workload: market orders of 0.01 on BTC/USDT at a mark of 50,000, alternately buy and sell
// (netting: each pair opens and closes a position: margin, fee, realized PnL), one engine per
// run, fresh state.

const cases = {
  async 'orders-object'({ n = 20000 }) {
    const { PaperTrader } = await ours();
    let t;
    const orders = [
      { symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.01 },
      { symbol: 'BTC/USDT', side: 'sell', type: 'market', amount: 0.01 },
    ];
    const r = await measureAsync({
      ...timing(n),
      setup() {
        t?.free();
        t = new PaperTrader(CONFIG);
        t.updatePrice('BTC/USDT', MARK);
      },
      async fn() {
        for (let i = 0; i < n; i++) {
          const o = await t.placeOrder(orders[i & 1], MARK);
          if (o.status !== 'filled') throw new Error(`not filled: ${o.errorMessage}`);
        }
      },
    });
    return { ...r, n, check: t.getAccount().feesPaid };
  },

  async 'orders-fast'({ n = 2_000_000 }) {
    const { FastPaper } = await ours();
    return ordersCase(FastPaper, n, (fp, s) => {
      for (let i = 0; i < n; i++) {
        if (Number.isNaN(fp.market(s, i & 1, 0.01))) throw new Error('rejected');
      }
    });
  },

  async 'orders-batch'({ n = 8_000_000, batch = 4096 }) {
    const { FastPaper } = await ours();
    const r = ordersCase(FastPaper, n, (fp, s) => {
      let input = fp.input(3 * batch);
      fp.output(batch);
      for (let done = 0; done < n; done += batch) {
        if (input.length === 0) input = fp.input(3 * batch); // memory grew: view detached
        for (let i = 0; i < batch; i++) {
          input[3 * i] = s;
          input[3 * i + 1] = (done + i) & 1;
          input[3 * i + 2] = 0.01;
        }
        if (fp.marketBatch(batch) !== batch) throw new Error('rejected');
      }
    });
    return { ...r, batch };
  },

  async 'orders-floor'({ n = 200_000 }) {
    return ordersCase(FloorPaper, n, (fp, s) => {
      for (let i = 0; i < n; i++) {
        if (Number.isNaN(fp.market(s, i & 1, 0.01))) throw new Error('rejected');
      }
    });
  },

  async 'orders-nob'({ n = 1_000_000, levels = 1000 }) {
    const { OrderBook } = peers('nodejs-order-book');
    const version = peers('nodejs-order-book/package.json').version;
    let ob;
    const r = timed(n, {
      setup() {
        ob = new OrderBook();
        for (let i = 0; i < levels; i++) {
          ob.limit({ side: 'sell', id: `s${i}`, size: 1e9, price: 50000.5 + i * 0.5 });
          ob.limit({ side: 'buy', id: `b${i}`, size: 1e9, price: 49999.5 - i * 0.5 });
        }
      },
      fn() {
        for (let i = 0; i < n; i++) ob.market({ side: i & 1 ? 'sell' : 'buy', size: 0.01 });
      },
    });
    return { ...r, n, levels, version };
  },

  // ----- price updates ------------------------------------------------------------------------
  // P open positions (hedging mode, half long, half short, 10x: each has a stop-loss, a
  // take-profit and a liquidation level) plus P/10 (at least 1) resting limit orders, all far
  // from the price path: a random walk of 0.1 ticks inside 49,000..51,000 (no trigger is
  // reached: the trigger-free path). 1,000,000 prepared prices, replayed per run.

  async 'prices-fast'({ positions = 100, n = 2_000_000, batch = 4096, mode = 'single' }) {
    const { FastPaper } = await ours();
    const prices = walk(n);
    let input;
    const r = onBook(FastPaper, positions, n, mode === 'single'
      ? (fp, s) => {
        for (let i = 0; i < n; i++) if (fp.updatePrice(s, prices[i])) throw new Error('a trigger fired');
      }
      : (fp, s) => {
        input ??= fp.input(batch);
        for (let done = 0; done < n; done += batch) {
          if (input.length === 0) input = fp.input(batch);
          input.set(prices.subarray(done, done + batch));
          if (fp.updatePrices(s, batch)) throw new Error('a trigger fired');
        }
      });
    return { ...r, n, positions, mode };
  },

  // Orders at P open positions: a bracket (a market order of 0.01 with a stop-loss and a
  // take-profit, both far from the mark, alternately long and short: a new position with three
  // triggers indexed: SL, TP, liquidation) then `close()` of the position it opened, so P stays
  // P. Counted as two orders per cycle. The index drops closed positions' triggers lazily and
  // compacts when it has doubled, so the compaction's cost is in the figure (amortized).
  async 'orders-open'({ positions = 100, n = 1_000_000 }) {
    const { FastPaper } = await ours();
    let tableBytes;
    const r = onBook(FastPaper, positions, n, (fp, s) => {
      bracketAndClose(fp, s, n);
      tableBytes = fp.tableBytes;
    });
    return { ...r, n, positions, tableBytes };
  },

  // Flatness of the trigger index, measured so that the machine's load drifts out of the
  // ratio: books with P = 1, 100, 10,000, 100,000 open positions (as in `prices-fast`) live in
  // one process, and each round measures every book in turn (updatePrice along the walk, then
  // bracket + close); the ratio of the costs at the largest P and at 1 is taken per round.
  async flatness({ positions = [1, 100, 10_000, 100_000], n = 1_000_000, orders = 200_000 }) {
    const { FastPaper } = await ours();
    const prices = walk(n);
    const books = positions.map((P) => {
      const fp = new FastPaper({ ...CONFIG, hedging: true });
      return { P, fp, s: openBook(fp, P), update: [], order: [] };
    });
    for (let round = 0; round < WARMUP + RUNS; round++) {
      for (const { fp, s, update, order } of books) {
        const t0 = performance.now();
        for (let i = 0; i < n; i++) if (fp.updatePrice(s, prices[i])) throw new Error('a trigger fired');
        const t1 = performance.now();
        bracketAndClose(fp, s, orders);
        const t2 = performance.now();
        if (round >= WARMUP) {
          update.push(((t1 - t0) * 1e6) / n);
          order.push(((t2 - t1) * 1e6) / orders);
        }
      }
    }
    const first = books[0];
    const last = books[books.length - 1];
    const ratio = (k) => summarize(last[k].map((x, r) => x / first[k][r]));
    for (const b of books) if (b.fp.openPositions !== b.P) throw new Error('positions changed');
    return {
      positions,
      updateNs: books.map((b) => summarize(b.update)),
      orderNs: books.map((b) => summarize(b.order)),
      updateRatio: ratio('update'),
      orderRatio: ratio('order'),
    };
  },

  async 'prices-floor'({ positions = 100, n = 1_000_000 }) {
    const prices = walk(n);
    const r = onBook(FloorPaper, positions, n, (fp, s) => {
      for (let i = 0; i < n; i++) if (fp.updatePrice(s, prices[i])) throw new Error('a trigger fired');
    });
    return { ...r, n, positions };
  },

  // ----- backtest replay ----------------------------------------------------------------------
  // Each bar: mark open, then low and high (high first on a falling bar), then close; at the
  // close, while fewer than K positions are open, buy 1 BTC with a stop-loss at −2% and a
  // take-profit at +2% of the close. Hedging mode (every entry is its own position), 0.1%
  // commission, no slippage, 1x. `path: 'high-first'` marks open, high, low, close on every bar
  // instead (nautilus_trader's bar execution): used to check its trade counts against ours.

  async 'replay-fast'({ bars = 1_000_000, k = 100, path = 'ours' }) {
    const { FastPaper } = await ours();
    return replayCase(FastPaper, bars, k, path);
  },

  async 'replay-floor'({ bars = 1_000_000, k = 100 }) {
    return replayCase(FloorPaper, bars, k, 'ours');
  },

  async 'replay-grademark'({ bars = 200_000 }) {
    const { backtest } = peers('grademark');
    const { DataFrame } = peers('data-forge');
    const version = peers('grademark/package.json').version;
    const { bars: data, tiles } = tiledCandles(bars);
    const rows = [];
    for (let i = 0; i < bars; i++) {
      rows.push({ time: new Date(1672677900000 + i * 300000), open: data[4 * i], high: data[4 * i + 1], low: data[4 * i + 2], close: data[4 * i + 3] });
    }
    const series = new DataFrame(rows);
    const strategy = {
      entryRule: (enter) => enter({ direction: 'long' }),
      exitRule: () => {},
      stopLoss: (a) => a.entryPrice * 0.02,
      profitTarget: (a) => a.entryPrice * 0.02,
    };
    let trades;
    const r = timed(bars, {
      fn() {
        trades = backtest(strategy, series);
      },
    });
    return { ...r, bars, k: 1, tiles, trades: trades.length, fills: 2 * trades.length, version };
  },

  // ----- strategy-tester sweep -----------------------------------------------------------------
  // `iftb-executor/backtest`'s sweep of the page's default strategy (a 96-run grid over the
  // 10,999 candles) on 1 and 2 worker_threads: the speed-up (bench/backtest.mjs measures it).

  async sweep({ runs = 3 }) {
    const { measureSweep } = await import('./backtest.mjs');
    return measureSweep({ runs });
  },

  // ----- size, start-up, memory ---------------------------------------------------------------

  async size() {
    const out = {};
    for (const dir of ['pkg/web', 'pkg/node', 'pkg/server']) {
      // pkg/node has no .wasm of its own: it loads pkg/web's (one copy in the package).
      const wasm = readFileSync(path.join(root, dir === 'pkg/node' ? 'pkg/web' : dir, 'iftb_executor_bg.wasm'));
      const js = readFileSync(path.join(root, dir, 'iftb_executor.js'));
      out[dir] = {
        wasmRaw: wasm.length,
        wasmGzip: gzipSync(wasm, { level: 9 }).length,
        jsRaw: js.length,
        jsGzip: gzipSync(js, { level: 9 }).length,
      };
    }
    return out;
  },

  /** In a fresh process: load + compile + instantiate, then the first calls. */
  async startup() {
    const t0 = performance.now();
    const req = createRequire(import.meta.url);
    const bytes = readFileSync(path.join(root, 'pkg/web/iftb_executor_bg.wasm')); // what pkg/node loads
    const t1 = performance.now();
    const mod = new WebAssembly.Module(bytes);
    const t2 = performance.now();
    const m = req(path.join(root, 'pkg/node/iftb_executor.js')); // the glue compiles and instantiates
    const t3 = performance.now();
    const fp = new m.FastPaper(CONFIG);
    const s = fp.symbolId('BTC/USDT');
    fp.updatePrice(s, MARK);
    const px = fp.market(s, 0, 0.01);
    const t4 = performance.now();
    const pt = new m.PaperTrader(CONFIG);
    const o = pt.placeOrderSync({ symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.01 }, MARK);
    const t5 = performance.now();
    void mod;
    return {
      readMs: t1 - t0,
      compileMs: t2 - t1,
      requireInstantiateMs: t3 - t2,
      firstFastCallMs: t4 - t3,
      firstObjectCallMs: t5 - t4,
      ok: px === o.filledPrice,
    };
  },

  /**
   * In headless Chromium (system browser, fresh context per run): fetch the bytes, then
   * compile + instantiate them through the web glue (`init({ module_or_path: bytes })`), then
   * the first calls; and `init()` as a page does it (instantiateStreaming from the URL).
   */
  async 'startup-browser'({ runs = 7 }) {
    const { chromium } = await import('playwright-core');
    const { serve } = await import('../scripts/serve.mjs');
    const server = await serve({ port: 0, root });
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    const out = { fetchMs: [], instantiateBytesMs: [], firstFastCallMs: [], initStreamingMs: [] };
    try {
      for (let i = 0; i < runs + 1; i++) {
        const ctx = await browser.newContext();
        const page = await ctx.newPage();
        await page.goto(`${server.url}pkg/web/package.json`);
        const r = await page.evaluate(async () => {
          const t0 = performance.now();
          const bytes = await (await fetch('/pkg/web/iftb_executor_bg.wasm')).arrayBuffer();
          const t1 = performance.now();
          const m = await import('/pkg/web/iftb_executor.js?bytes');
          const t2 = performance.now();
          await m.default({ module_or_path: bytes });
          const t3 = performance.now();
          const fp = new m.FastPaper({});
          const s = fp.symbolId('BTC/USDT');
          fp.updatePrice(s, 50000);
          const px = fp.market(s, 0, 0.01);
          const t4 = performance.now();
          const n = await import('/pkg/web/iftb_executor.js?stream');
          const t5 = performance.now();
          await n.default();
          const t6 = performance.now();
          return { fetch: t1 - t0, inst: t3 - t2, first: t4 - t3, stream: t6 - t5, ok: px === 50025 };
        });
        await ctx.close();
        if (!r.ok) throw new Error('wrong fill in the browser');
        if (i === 0) continue; // warm-up (browser process start)
        out.fetchMs.push(r.fetch);
        out.instantiateBytesMs.push(r.inst);
        out.firstFastCallMs.push(r.first);
        out.initStreamingMs.push(r.stream);
      }
    } finally {
      await browser.close();
      await server.close();
    }
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, summarize(v)]));
  },

  /** Wasm memory and engine table bytes for 10,000 open positions (hedging, SL + TP, 10x). */
  async memory({ positions = 10000, reserve = false }) {
    const { FastPaper } = await ours();
    const fp = new FastPaper({ ...CONFIG, hedging: true });
    const s = fp.symbolId('BTC/USDT');
    fp.setLeverage(s, 10);
    fp.updatePrice(s, MARK);
    const m0 = FastPaper.wasmMemoryBytes();
    const t0 = fp.tableBytes;
    if (reserve) fp.reserve(positions, 0, s);
    for (let i = 0; i < positions; i++) {
      const long = i % 2 === 0;
      const d = (i % 1000) / 10;
      fp.bracket(s, long ? 0 : 1, 0.01, long ? 45000 - d : 55000 + d, long ? 55000 + d : 45000 - d);
    }
    if (fp.openPositions !== positions) throw new Error('not all opened');
    const m1 = FastPaper.wasmMemoryBytes();
    return {
      positions,
      reserve,
      wasmMemoryGrowth: m1 - m0,
      wasmBytesPerPosition: (m1 - m0) / positions,
      tableBytes: fp.tableBytes - t0,
      tableBytesPerPosition: (fp.tableBytes - t0) / positions,
    };
  },
};

const REPLAY_CONFIG = { initialBalance: 1e9, makerFee: 0.001, takerFee: 0.001, slippage: 0, hedging: true };

/** The replay measured on a fresh engine per run; counts and the wallet of the last run. */
function replayCase(Engine, bars, k, path) {
  const { bars: data, tiles } = tiledCandles(bars);
  let out;
  const { r, fp } = onFresh(Engine, REPLAY_CONFIG, bars, (e) => {
    out = replay(e, data, k, path);
  });
  return { ...r, bars, k, path, tiles, ...out, wallet: fp.books().wallet };
}

function replay(engine, bars, k, path = 'ours') {
  const s = engine.symbolId('BTC/USDT');
  const highFirst = path === 'high-first';
  if (!highFirst && path !== 'ours') throw new Error(`unknown path ${path}`);
  let entries = 0;
  const n = bars.length / 4;
  for (let i = 0; i < n; i++) {
    const o = bars[4 * i], h = bars[4 * i + 1], l = bars[4 * i + 2], c = bars[4 * i + 3];
    engine.updatePrice(s, o);
    if (c >= o && !highFirst) {
      engine.updatePrice(s, l);
      engine.updatePrice(s, h);
    } else {
      engine.updatePrice(s, h);
      engine.updatePrice(s, l);
    }
    engine.updatePrice(s, c);
    if (engine.openPositions < k) {
      const sl = Math.round(c * 9.8) / 10;
      const tp = Math.round(c * 10.2) / 10;
      if (!Number.isNaN(engine.bracket(s, 0, 1, sl, tp))) entries++;
    }
  }
  // Every exit closes one whole position: closed = fills − entries.
  return { entries, fills: engine.fillCount, closed: engine.fillCount - entries, open: engine.openPositions };
}

/** `fn(engine, prepared)` measured as `n` operations on a fresh `new Engine(config)` per run
 * (`prepare(engine)`, untimed, gives `prepared`); returns the figures and the last engine. */
function onFresh(Engine, config, n, fn, prepare = () => undefined) {
  let fp, ctx;
  const r = timed(n, {
    setup() {
      fp?.free?.();
      fp = new Engine(config);
      ctx = prepare(fp);
    },
    fn: () => fn(fp, ctx),
  });
  return { r, fp };
}

/** The order cases' engine: BTC/USDT marked at MARK; its symbol id. */
function marked(fp) {
  const s = fp.symbolId('BTC/USDT');
  fp.updatePrice(s, MARK);
  return s;
}

/** Market orders on a fresh engine per run; the fees paid of the last run as a check. */
function ordersCase(Engine, n, fn) {
  const { r, fp } = onFresh(Engine, CONFIG, n, fn, marked);
  return { ...r, n, check: fp.books().feesPaid };
}

/** A hedging engine with P open positions (`openBook`), then `fn(engine, symbol)` measured as
 * `n` operations; the positions must still be P afterwards. */
function onBook(Engine, positions, n, fn) {
  const fp = new Engine({ ...CONFIG, hedging: true });
  const s = openBook(fp, positions);
  const r = timed(n, { fn: () => fn(fp, s) });
  if (fp.openPositions !== positions) throw new Error('positions changed');
  return r;
}

/** `n` orders: n/2 brackets (alternately long and short, SL/TP far away), each closed at once. */
function bracketAndClose(fp, s, n) {
  for (let i = 0; i < n; i += 2) {
    const long = (i & 2) === 0;
    if (Number.isNaN(fp.bracket(s, long ? 0 : 1, 0.01, long ? 44000 : 56000, long ? 56000 : 44000))) throw new Error('rejected');
    fp.close(fp.lastPosition);
  }
}

/** A random walk of 0.1 ticks inside [49000, 51000], deterministic. */
function walk(n) {
  const out = new Float64Array(n);
  let x = 500000; // tenths
  const rand = mulberry32(12345);
  for (let i = 0; i < n; i++) {
    const step = Math.floor(rand() * 21) - 10;
    x = Math.min(510000, Math.max(490000, x + step));
    out[i] = x / 10;
  }
  return out;
}

/** P positions (half long, half short, 10x) with SL/TP far away, plus resting limits. */
function openBook(fp, positions) {
  const s = fp.symbolId('BTC/USDT');
  fp.setLeverage(s, 10);
  fp.updatePrice(s, MARK);
  for (let i = 0; i < positions; i++) {
    const long = i % 2 === 0;
    const d = (i % 1000) / 10;
    fp.bracket(s, long ? 0 : 1, 0.01, long ? 45000 - d : 55000 + d, long ? 55000 + d : 45000 - d);
  }
  for (let i = 0; i < Math.max(1, positions / 10); i++) {
    fp.limit(s, i % 2, 0.01, i % 2 ? 56000 + i / 10 : 44000 - i / 10);
  }
  return s;
}

const fn = cases[name];
if (!fn) {
  console.error(`unknown case ${name}; one of ${Object.keys(cases).join(', ')}`);
  process.exit(2);
}
const result = await fn(args);
process.stdout.write(`${JSON.stringify(result)}\n`);
