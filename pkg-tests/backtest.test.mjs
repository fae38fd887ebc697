// iftb-executor/backtest through the package: indicators and statistics against values worked
// out by hand, strategy runs on candles whose outcome is known, the error codes, and the
// worker_threads sweep (each row equals a single run). No timings here (npm run bench).
//   npm run build && node --test pkg-tests/backtest.test.mjs
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FastPaper, PaperTrader } from 'iftb-executor';
import {
  aggregate, backtest, candlePath, compileStrategy, defineStrategy, gridOf, indicators as I, parseCandles, rankRows, runBacktest,
  stats as S, strategySource, sweep, tradesToCsv,
} from 'iftb-executor/backtest';
import { EXAMPLES } from '../www/strategies.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const real = parseCandles(readFileSync(path.join(root, 'www/data/btcusdt-5m.csv'), 'utf8'));

const close = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≠ ${b}`);
const series = (got, want) => {
  assert.equal(got.length, want.length);
  want.forEach((w, i) => (Number.isNaN(w) ? assert.ok(Number.isNaN(got[i]), `[${i}] ${got[i]} is not NaN`) : close(got[i], w)));
};
const code = async (fn) => {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof Error);
    return `${e.name}:${e.code}`;
  }
  return 'no error';
};

/** 5-minute candles from [o, h, l, c] rows. */
const T0 = Date.UTC(2023, 0, 2);
const bars = (rows) => rows.map(([o, h, l, c], i) => ({ t: T0 + i * 300_000, o, h, l, c, v: 1 }));
const noCosts = { makerFee: 0, takerFee: 0, slippage: 0 };

describe('indicators (hand-computed)', () => {
  const N = NaN;
  test('sma, ema', () => {
    series(I.sma([2, 4, 6, 8, 12], 3), [N, N, 4, 6, 26 / 3]);
    // α = 0.5: seed 4 (the SMA), then 0.5·8 + 0.5·4 = 6, 0.5·12 + 0.5·6 = 9.
    series(I.ema([2, 4, 6, 8, 12], 3), [N, N, 4, 6, 9]);
    series(I.ema([1, 2], 3), [N, N]);
  });
  test('rsi (Wilder)', () => {
    // Changes +1 +1 −1 +1 +1, n = 2: first averages gain 1 / loss 0 → 100; then
    // (1 + 0)/2 = .5 vs (0 + 1)/2 = .5 → 50; .75 vs .25 → 75; .875 vs .125 → 87.5.
    series(I.rsi([1, 2, 3, 2, 3, 4], 2), [N, N, 100, 50, 75, 87.5]);
    series(I.rsi([5, 5, 5, 5], 2), [N, N, 50, 50]);
  });
  test('true range, atr (Wilder)', () => {
    const h = [10, 12, 11];
    const l = [8, 9, 9];
    const c = [9, 11, 10];
    series(I.trueRange(h, l, c), [2, 3, 2]);
    series(I.atr(h, l, c, 2), [N, 2.5, 2.25]);
  });
  test('highest, lowest, stdev, crossover', () => {
    series(I.highest([1, 3, 2, 5, 4], 3), [N, N, 3, 5, 5]);
    series(I.lowest([1, 3, 2, 5, 4], 3), [N, N, 1, 2, 2]);
    series(I.stdev([2, 4, 4, 4, 5, 5, 7, 9], 8), [N, N, N, N, N, N, N, 2]);
    assert.equal(I.crossover([1, 3], [2, 2], 1), true);
    assert.equal(I.crossover([2, 3], [2, 2], 1), true);
    assert.equal(I.crossover([3, 3], [2, 2], 1), false);
    assert.equal(I.crossunder([3, 1], [2, 2], 1), true);
  });
});

describe('statistics (hand-computed)', () => {
  test('trade figures', () => {
    const t = S.tradeStats([10, -5, 20, -10, 0].map((netPnl) => ({ netPnl, fees: 1 })));
    assert.deepEqual(t, {
      trades: 5, wins: 2, losses: 2, winRate: 0.4, grossProfit: 30, grossLoss: -15, netProfit: 15, profitFactor: 2,
      avgTrade: 3, avgWin: 15, avgLoss: -7.5, largestWin: 20, largestLoss: -10, fees: 5,
    });
    assert.equal(S.tradeStats([{ netPnl: 3 }]).profitFactor, Infinity);
    assert.equal(S.tradeStats([]).profitFactor, null);
    assert.equal(S.tradeStats([]).winRate, null);
  });
  test('drawdown, Sharpe, Sortino, exposure', () => {
    // 120 → 90 is −30 (25 %), 130 → 65 is −65 (50 %).
    assert.deepEqual(S.maxDrawdown([100, 120, 90, 130, 65]), { maxDrawdown: 65, maxDrawdownPct: 0.5 });
    // Returns +10 %, +10 %, −10 %: mean 1/30; sample sd √((2·(1/15)² + (2/15)²) / 2) = 0.11547,
    // so mean/sd = 1/(2√3), × √4 (4 periods a year) = 1/√3. Downside deviation √(0.1² / 3)
    // = 0.057735, so mean/dd = 1/√3, × √4 = 2/√3.
    const eq = [100, 110, 121, 108.9];
    S.returnsOf(eq).forEach((r, i) => close(r, [0.1, 0.1, -0.1][i]));
    close(S.sharpe(S.returnsOf(eq), 4), 1 / Math.sqrt(3));
    close(S.sortino(S.returnsOf(eq), 4), 2 / Math.sqrt(3));
    assert.equal(S.sharpe([0.1], 4), null);
    assert.equal(S.sortino([0.1, 0.2], 4), null, 'no losing period');
    assert.equal(S.periodsPerYear(5), 105120);
    const all = S.summarize({ trades: [{ netPnl: 8.9, fees: 0 }], equity: eq, inMarket: 3, minutes: 60 * 24 * 365 / 4 });
    assert.equal(all.exposure, 0.75);
    close(all.returnPct, 8.9);
    close(all.sharpe, 1 / Math.sqrt(3));
  });
  test('CSV of trades', () => {
    const csv = tradesToCsv([{ id: 1, symbol: 'BTC/USDT', side: 'long', entryTime: T0, exitTime: T0 + 300_000, entryPrice: 100, exitPrice: 103, amount: 1, grossPnl: 3, fees: 0.1, netPnl: 2.9, exitReason: 'takeProfit' }]);
    assert.equal(csv, 'id,symbol,side,entryTime,exitTime,entryPrice,exitPrice,amount,grossPnl,fees,netPnl,exitReason\n'
      + '1,BTC/USDT,long,2023-01-02T00:00:00.000Z,2023-01-02T00:05:00.000Z,100,103,1,3,0.1,2.9,takeProfit\n');
  });
});

describe('candles', () => {
  test('the replay order of a candle, and timeframes', () => {
    assert.deepEqual(candlePath({ o: 10, h: 12, l: 9, c: 11 }), [10, 9, 12, 11]);
    assert.deepEqual(candlePath({ o: 11, h: 12, l: 9, c: 10 }), [11, 12, 9, 10]);
    const k = bars([[10, 12, 9, 11], [11, 15, 10, 14], [14, 14, 8, 9], [9, 10, 9, 10]]);
    assert.deepEqual(aggregate(k, 15), [{ t: T0, o: 10, h: 15, l: 8, c: 9, v: 3 }, { t: T0 + 900_000, o: 9, h: 10, l: 9, c: 10, v: 1 }]);
    const hours = aggregate(real, 60);
    let n = 0;
    for (const b of hours) {
      assert.equal(b.t % 3_600_000, 0);
      const inside = real.filter((k) => k.t >= b.t && k.t < b.t + 3_600_000);
      n += inside.length;
      assert.deepEqual([b.o, b.h, b.l, b.c], [inside[0].o, Math.max(...inside.map((k) => k.h)), Math.min(...inside.map((k) => k.l)), inside.at(-1).c]);
    }
    assert.equal(n, real.length);
  });
});

describe('strategy runs', () => {
  test('a long with a take-profit: entry at the next open, exit when the high crosses the target', async () => {
    // Candle 0 decides; candle 1 opens at 100 (entry); TP 2 % = 102; candle 2 rises 101 → 103.
    const candles = bars([[99, 100, 98, 99], [100, 101, 99.5, 100.5], [100.5, 103, 100, 102.5], [102.5, 103, 102, 102.5]]);
    const strategy = `function onCandle(ctx) { if (ctx.i === 0) ctx.buy(1, { tpPct: 2 }); }`;
    const r = await backtest({ candles, strategy, ...noCosts });
    assert.equal(r.trades.length, 1);
    const [t] = r.trades;
    assert.equal(t.side, 'long');
    assert.equal(t.entryPrice, 100);
    assert.equal(t.exitPrice, 103, 'a triggered take-profit fills at the mark that crossed it');
    assert.equal(t.exitReason, 'takeProfit');
    assert.equal(t.entryTime, candles[1].t);
    assert.equal(t.exitTime, candles[2].t);
    assert.equal(t.grossPnl, 3);
    assert.equal(t.netPnl, 3);
    assert.equal(r.stats.finalEquity, 10003);
    assert.deepEqual(r.equity.v, [10000, 10000.5, 10003, 10003]);
    assert.equal(r.stats.exposure, 1 / 4);
  });

  test('fees and slippage: the same numbers as PaperTrader for the same orders', async () => {
    const candles = bars([[100, 100, 100, 100], [100, 101, 99, 100.5], [100.5, 100.5, 97, 98], [98, 99, 97.5, 98.5]]);
    const strategy = `function onCandle(ctx) { if (ctx.i === 0) ctx.buy(0.5, { slPct: 2 }); }`;
    const r = await backtest({ candles, strategy });
    // The same by hand through PaperTrader: buy 0.5 at the open of candle 1, stop 2 % below the fill.
    const pt = new PaperTrader({});
    pt.updatePrice('BTC/USDT', 100);
    const buy = await pt.placeOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.5 });
    const sl = Number((buy.filledPrice * 0.98).toFixed(1));
    pt.setStopLoss('BTC/USDT', sl);
    for (const k of candles.slice(1)) for (const p of candlePath(k)) pt.updatePrice('BTC/USDT', p);
    const fills = pt.getFills();
    assert.equal(fills.length, 2);
    const [t] = r.trades;
    assert.equal(t.exitReason, 'stopLoss');
    assert.equal(t.entryPrice, fills[0].price);
    assert.equal(t.exitPrice, fills[1].price);
    close(t.fees, fills[0].fee + fills[1].fee);
    close(t.netPnl, pt.getAccount().walletBalance - 10000);
    assert.equal(r.stats.finalEquity, pt.getAccount().equity);
  });

  test('a reversal closes first, then opens the other way; the open trade is closed at the end', async () => {
    const candles = bars([[100, 101, 99, 100], [100, 101, 99, 100], [110, 111, 109, 110], [105, 106, 104, 105], [100, 101, 99, 100]]);
    const strategy = `function onCandle(ctx) { if (ctx.i === 0) ctx.buy(1); if (ctx.i === 1) ctx.buy(1); if (ctx.i === 2) ctx.sell(1); }`;
    const r = await backtest({ candles, strategy, ...noCosts });
    assert.deepEqual(r.trades.map((t) => [t.side, t.entryPrice, t.exitPrice, t.exitReason, t.amount]), [
      ['long', 100, 105, 'reverse', 1], // the second buy is ignored: already long (no `add`)
      ['short', 105, 100, 'end', 1],
    ]);
    assert.equal(r.stats.netProfit, 10);
    assert.equal(r.stats.winRate, 1);
  });

  test('risk sizing and a trailing stop', async () => {
    const candles = bars([[100, 100, 100, 100], [100, 100, 100, 100], [100, 110, 100, 110], [110, 120, 110, 120], [120, 120, 100, 101]]);
    // Risk 1 % of 10,000 with a stop 5 below the entry → 100 / 5 = 20 units.
    const strategy = `function onCandle(ctx) { if (ctx.i === 0) ctx.buy({ risk: 0.01, sl: 95, trailPct: 5 }); }`;
    const r = await backtest({ candles, strategy, ...noCosts, leverage: 5 });
    const [t] = r.trades;
    assert.equal(t.amount, 20);
    // Trail: after candle 2 (high 110) → 104.5; after candle 3 (high 120) → 114; candle 4 falls through it.
    assert.equal(t.exitReason, 'trailingStop');
    assert.equal(t.exitPrice, 100, 'filled at the mark that crossed the stop (the low, 100, as the candle falls from 120)');
    close(t.netPnl, 0);
  });

  test('a function or an object strategy runs like its source text', async () => {
    const obj = {
      name: 'sma',
      params: { fast: 5, slow: 20 },
      onCandle(ctx) {
        const { fast, slow } = ctx.params;
        if (ctx.crossover((b) => ctx.sma(fast, b), (b) => ctx.sma(slow, b))) ctx.buy({ slPct: 1 });
        else if (ctx.crossunder((b) => ctx.sma(fast, b), (b) => ctx.sma(slow, b))) ctx.sell({ slPct: 1 });
      },
    };
    const candles = real.slice(0, 2000);
    const a = await backtest({ candles, strategy: obj });
    const b = await backtest({ candles, strategy: strategySource(obj) });
    delete a.elapsedMs;
    delete b.elapsedMs;
    assert.deepEqual(a, b);
    assert.equal(a.strategy.name, 'sma');
    assert.ok(a.trades.length > 10);
    const c = await backtest({ candles, strategy: obj.onCandle, params: { fast: 5, slow: 20 } });
    assert.deepEqual(c.trades, a.trades);
    const d = await backtest({ candles, strategy: (ctx) => ctx.i === 3 && ctx.buy(0.01) });
    assert.equal(d.trades.length, 1);
  });

  test('what a strategy sees: prices, time, position; close is the action', async () => {
    const candles = bars([[100, 102, 99, 101], [101, 103, 100, 102], [102, 104, 101, 103]]);
    const seen = [];
    const strategy = defineStrategy({
      onCandle(ctx) {
        seen.push([ctx.i, ctx.time, ctx.open, ctx.high, ctx.low, ctx.price, ctx.volume, ctx.position?.side ?? null, typeof ctx.close]);
        if (ctx.i === 0) ctx.buy(1);
      },
    });
    await backtest({ candles, strategy, ...noCosts });
    assert.deepEqual(seen, [
      [0, T0, 100, 102, 99, 101, 1, null, 'function'],
      [1, T0 + 300_000, 101, 103, 100, 102, 1, 'long', 'function'],
      [2, T0 + 600_000, 102, 104, 101, 103, 1, 'long', 'function'],
    ]);
  });

  test('the page\'s example strategies all trade on the bundled candles', async () => {
    for (const ex of EXAMPLES) {
      const r = await backtest({ candles: real, strategy: ex.source });
      assert.ok(r.trades.length >= 10, `${ex.id}: ${r.trades.length} trades`);
      assert.equal(r.warningCount, 0, `${ex.id}: ${r.warnings.join('; ')}`);
    }
  });

  test('progress, timeframes, and runBacktest with an explicit FastPaper', () => {
    const seen = [];
    const r = runBacktest({ FastPaper, candles: real, strategy: 'function onCandle() {}', onProgress: (p) => seen.push(p), progressEvery: 4000 });
    assert.deepEqual(seen, [{ done: 4000, total: 10999 }, { done: 8000, total: 10999 }, { done: 10999, total: 10999 }]);
    assert.equal(r.trades.length, 0);
    assert.equal(r.stats.finalEquity, 10000);
    const h = runBacktest({ FastPaper, candles: real, strategy: 'function onCandle() {}', timeframe: 60 });
    assert.equal(h.market.timeframe, 60);
    assert.equal(h.market.candles, aggregate(real, 60).length);
  });

  test('bad input: clear coded errors', async () => {
    const ok = bars([[1, 2, 0.5, 1.5]]);
    assert.equal(await code(() => backtest({ candles: [], strategy: 'function onCandle(){}' })), 'BacktestError:INVALID_CANDLES');
    assert.equal(await code(() => backtest({ candles: bars([[1, 1, 2, 1]]), strategy: 'function onCandle(){}' })), 'BacktestError:INVALID_CANDLES');
    assert.equal(await code(() => backtest({ candles: ok, strategy: 'function onCandle( {' })), 'BacktestError:STRATEGY_SYNTAX');
    assert.equal(await code(() => backtest({ candles: ok, strategy: 'const x = 1;' })), 'BacktestError:INVALID_STRATEGY');
    assert.equal(await code(() => backtest({ candles: ok, strategy: 42 })), 'BacktestError:INVALID_STRATEGY');
    assert.equal(await code(() => backtest({ candles: ok, strategy: 'function onCandle(){}', leverage: 0 })), 'BacktestError:INVALID_OPTION');
    assert.equal(await code(() => backtest({ candles: ok, strategy: 'function onCandle(){}', timeframe: 7 })), 'BacktestError:INVALID_OPTION');
    const thrown = await backtest({ candles: real.slice(0, 50), strategy: 'function onCandle(ctx) { if (ctx.i === 7) null.x; }' }).catch((e) => e);
    assert.equal(thrown.code, 'STRATEGY_ERROR');
    assert.match(thrown.message, /candle 7 \(2023-01-02T17:20:00\.000Z\)/);
    // Strategy mistakes that are not errors are counted as warnings.
    const w = await backtest({ candles: bars([[1, 2, 0.5, 1.5], [1, 2, 0.5, 1.5], [1, 2, 0.5, 1.5]]), strategy: 'function onCandle(ctx) { if (ctx.i === 0) ctx.buy(1e9); }' });
    assert.equal(w.warningCount, 1);
    assert.match(w.warnings[0], /insufficient balance/);
    assert.equal(compileStrategy('const params = { a: 1 }; function onCandle() {}').params.a, 1);
  });
});

describe('sweep', () => {
  test('grids', () => {
    assert.deepEqual(gridOf({ a: [1, 2], b: { from: 0.1, to: 0.3, step: 0.1 } }), [
      { a: 1, b: 0.1 }, { a: 1, b: 0.2 }, { a: 1, b: 0.3 }, { a: 2, b: 0.1 }, { a: 2, b: 0.2 }, { a: 2, b: 0.3 },
    ]);
    assert.throws(() => gridOf({ a: [] }), { code: 'INVALID_GRID' });
    assert.throws(() => gridOf({ a: { from: 0, to: 1e6, step: 1 }, b: [1, 2] }), { code: 'INVALID_GRID' });
    const rows = [{ stats: { netProfit: 1 } }, { stats: { netProfit: null } }, { stats: { netProfit: 5 } }, { error: {} }];
    assert.deepEqual(rankRows(rows).map((r) => r.stats?.netProfit), [5, 1, null, undefined]);
    assert.deepEqual(rankRows(rows, 'netProfit', false).map((r) => r.stats?.netProfit), [1, 5, null, undefined]);
  });

  test('worker_threads sweep: every row equals a single run with those parameters', async () => {
    const strategy = {
      params: { fast: 10, slow: 30 },
      onCandle(ctx) {
        const { fast, slow } = ctx.params;
        if (ctx.crossover((b) => ctx.ema(fast, b), (b) => ctx.ema(slow, b))) ctx.buy({ slPct: 1, tpPct: 2 });
        else if (ctx.crossunder((b) => ctx.ema(fast, b), (b) => ctx.ema(slow, b))) ctx.close();
      },
    };
    const candles = real.slice(0, 3000);
    const progress = [];
    const s = await sweep({ candles, strategy, grid: { fast: [5, 10, 20], slow: [30, 60] }, workers: 2, onProgress: (p) => progress.push(p.done) });
    assert.equal(s.runs, 6);
    assert.equal(s.workers, 2);
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6]);
    for (const row of s.rows) {
      const one = await backtest({ candles, strategy, params: row.params });
      assert.deepEqual(row.stats, one.stats, JSON.stringify(row.params));
    }
    for (let i = 1; i < s.rows.length; i++) assert.ok(s.rows[i - 1].stats.netProfit >= s.rows[i].stats.netProfit, 'best first');
    // A failing parameter set is a row with its error, not a failed sweep.
    const bad = await sweep({ candles: candles.slice(0, 100), strategy: 'function onCandle(ctx) { if (ctx.params.x > 1) throw new Error("boom"); }', grid: { x: [1, 2] }, workers: 2 });
    assert.equal(bad.rows.filter((r) => r.error?.code === 'STRATEGY_ERROR').length, 1);
    assert.equal(bad.rows.filter((r) => r.stats).length, 1);
  });
});

test('require("iftb-executor/backtest") gives the same module (CommonJS)', async () => {
  const { createRequire } = await import('node:module');
  const cjs = createRequire(import.meta.url)('iftb-executor/backtest');
  assert.equal(typeof cjs.backtest, 'function');
  assert.equal(cjs.backtest, backtest);
});

test('examples/backtest.mjs runs (the docs\' Node example)', () => {
  const out = execFileSync(process.execPath, [path.join(root, 'examples/backtest.mjs')], { encoding: 'utf8', timeout: 60_000 });
  assert.match(out, /^SMA crossover: 2000 candles, \d+ trades, win rate [\d.]+%\nnet profit -?[\d.]+ USDT after [\d.]+ USDT fees/);
  assert.match(out, /sweep: 9 runs on 2 workers in [\d.]+ s; best:/);
});
