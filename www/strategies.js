// Example strategies for the strategy tester (source text: what the editor shows).

const SMA = `// Moving-average crossover: long when the fast average crosses above the slow one,
// short when it crosses below; a stop-loss and a take-profit in percent of the fill price.
// onCandle(ctx) runs at every candle's close; orders fill at the next candle's open.
//   ctx.price (the close) / open / high / low / volume / time, ctx.position (null or { side, amount, entryPrice, ... })
//   ctx.buy(amount?, { slPct, tpPct, sl, tp, trailPct, risk }) · ctx.sell(...) · ctx.close()
//   ctx.sma(n, back) · ctx.ema · ctx.rsi · ctx.atr · ctx.highest · ctx.lowest · ctx.crossover(a, b)
// The sweep varies the values in params.
const name = 'SMA crossover';
const params = { fast: 10, slow: 30, slPct: 1, tpPct: 2 };

function onCandle(ctx) {
  const { fast, slow, slPct, tpPct } = ctx.params;
  const f = (back) => ctx.sma(fast, back);
  const s = (back) => ctx.sma(slow, back);
  if (ctx.crossover(f, s)) ctx.buy({ slPct, tpPct });
  else if (ctx.crossunder(f, s)) ctx.sell({ slPct, tpPct });
}
`;

const RSI = `// RSI mean reversion: buy when RSI is oversold, close when it recovers; a 2 % stop.
const name = 'RSI mean reversion';
const params = { period: 14, enter: 30, exit: 55, slPct: 2 };

function onCandle(ctx) {
  const { period, enter, exit, slPct } = ctx.params;
  const rsi = ctx.rsi(period);
  if (!ctx.position && rsi < enter) ctx.buy({ slPct });
  else if (ctx.position && rsi > exit) ctx.close();
}
`;

const BREAKOUT = `// Breakout with a trailing stop: long above the highest high of the last n candles,
// risking 1 % of equity to an ATR-based stop that then trails the price.
const name = 'Breakout, trailing stop';
const params = { lookback: 48, atrMult: 2, trailPct: 1.5, risk: 0.01 };

function onCandle(ctx) {
  const { lookback, atrMult, trailPct, risk } = ctx.params;
  const top = ctx.highest(lookback, 1);
  if (!ctx.position && ctx.price > top) {
    ctx.buy({ sl: ctx.price - atrMult * ctx.atr(14), risk, trailPct });
  }
}
`;

export const EXAMPLES = [
  { id: 'sma', label: 'SMA crossover', source: SMA },
  { id: 'rsi', label: 'RSI mean reversion', source: RSI },
  { id: 'breakout', label: 'Breakout with a trailing stop', source: BREAKOUT },
];
