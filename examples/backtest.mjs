// A strategy backtest in Node: the moving-average crossover over the 2,000 BTC/USDT 5-minute
// candles in examples/data, then a small parameter sweep on worker_threads.
//   node examples/backtest.mjs
import { readFileSync } from 'node:fs';
import { backtest, defineStrategy, parseCandles, sweep } from 'iftb-executor/backtest';

const candles = parseCandles(readFileSync(new URL('./data/btcusdt-5m.csv', import.meta.url), 'utf8'));
const strategy = defineStrategy({
  name: 'SMA crossover',
  params: { fast: 10, slow: 30 },
  onCandle(ctx) {
    const { fast, slow } = ctx.params;
    if (ctx.crossover((b) => ctx.sma(fast, b), (b) => ctx.sma(slow, b))) ctx.buy({ slPct: 1, tpPct: 2 });
    else if (ctx.crossunder((b) => ctx.sma(fast, b), (b) => ctx.sma(slow, b))) ctx.sell({ slPct: 1, tpPct: 2 });
  },
});

const report = await backtest({ candles, strategy, leverage: 2 });
const s = report.stats;
console.log(`${report.strategy.name}: ${report.market.candles} candles, ${s.trades} trades, win rate ${(s.winRate * 100).toFixed(1)}%`);
console.log(`net profit ${s.netProfit.toFixed(2)} USDT after ${s.fees.toFixed(2)} USDT fees, max drawdown ${(s.maxDrawdownPct * 100).toFixed(1)}%, Sharpe ${s.sharpe?.toFixed(2)}`);

const { rows, workers, elapsedMs } = await sweep({ candles, strategy, grid: { fast: [5, 10, 20], slow: { from: 30, to: 90, step: 30 } }, workers: 2 });
console.log(`sweep: ${rows.length} runs on ${workers} workers in ${(elapsedMs / 1000).toFixed(2)} s; best:`, rows[0].params, rows[0].stats.netProfit.toFixed(2));
