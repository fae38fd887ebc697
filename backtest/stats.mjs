// Trading statistics, written once: the strategy tester's report and the page's analytics of
// hand-made trades both use these. Money is exact in the engine; these are statistics over its
// results, so they are plain numbers (f64).
//
// A trade is { netPnl, fees, ... } (netPnl after fees). An equity curve is an array of
// equities, one per period (candle).

const sum = (xs) => xs.reduce((s, x) => s + x, 0);

/**
 * Per-trade figures: count, wins (netPnl > 0), losses (netPnl < 0), win rate (wins / trades),
 * gross profit (Σ winning netPnl), gross loss (Σ losing netPnl, ≤ 0), net profit, profit factor
 * (gross profit / |gross loss|; Infinity with wins and no loss, null without trades), average,
 * best and worst trade, average win and loss, fees. Empty figures are null.
 */
export function tradeStats(trades) {
  const pnl = trades.map((t) => t.netPnl);
  const wins = pnl.filter((x) => x > 0);
  const losses = pnl.filter((x) => x < 0);
  const grossProfit = sum(wins);
  const grossLoss = sum(losses);
  const n = trades.length;
  return {
    trades: n,
    wins: wins.length,
    losses: losses.length,
    winRate: n ? wins.length / n : null,
    grossProfit,
    grossLoss,
    netProfit: sum(pnl),
    profitFactor: grossLoss < 0 ? grossProfit / -grossLoss : grossProfit > 0 ? Infinity : null,
    avgTrade: n ? sum(pnl) / n : null,
    avgWin: wins.length ? grossProfit / wins.length : null,
    avgLoss: losses.length ? grossLoss / losses.length : null,
    largestWin: wins.length ? Math.max(...wins) : null,
    largestLoss: losses.length ? Math.min(...losses) : null,
    fees: sum(trades.map((t) => t.fees ?? 0)),
  };
}

/**
 * Maximum drawdown of an equity curve: the largest fall from a running peak, in money and as a
 * fraction of that peak (each the largest of its kind; they may come from different falls).
 */
export function maxDrawdown(equity) {
  let peak = -Infinity;
  let dd = 0;
  let ddPct = 0;
  for (const e of equity) {
    if (e > peak) peak = e;
    const d = peak - e;
    if (d > dd) dd = d;
    if (peak > 0 && d / peak > ddPct) ddPct = d / peak;
  }
  return { maxDrawdown: dd, maxDrawdownPct: ddPct };
}

/** Simple returns between consecutive equities: e[i] / e[i−1] − 1. */
export function returnsOf(equity) {
  const out = [];
  for (let i = 1; i < equity.length; i++) out.push(equity[i - 1] > 0 ? equity[i] / equity[i - 1] - 1 : 0);
  return out;
}

/**
 * Annualised Sharpe ratio of per-period returns (risk-free rate 0): mean / sample standard
 * deviation (n − 1) × √periodsPerYear. null with fewer than 2 returns or no variation.
 */
export function sharpe(returns, periodsPerYear) {
  const n = returns.length;
  if (n < 2) return null;
  const m = sum(returns) / n;
  const sd = Math.sqrt(returns.reduce((s, r) => s + (r - m) ** 2, 0) / (n - 1));
  return sd > 0 ? (m / sd) * Math.sqrt(periodsPerYear) : null;
}

/**
 * Annualised Sortino ratio (target 0): mean / downside deviation × √periodsPerYear, where the
 * downside deviation is √(Σ min(r, 0)² / n) over all n returns. null with fewer than 2 returns
 * or no losing period.
 */
export function sortino(returns, periodsPerYear) {
  const n = returns.length;
  if (n < 2) return null;
  const m = sum(returns) / n;
  const dd = Math.sqrt(returns.reduce((s, r) => s + (r < 0 ? r * r : 0), 0) / n);
  return dd > 0 ? (m / dd) * Math.sqrt(periodsPerYear) : null;
}

/** Periods in a year of a timeframe in minutes (crypto trades around the clock). */
export const periodsPerYear = (minutes) => (365 * 24 * 60) / minutes;

/**
 * Everything at once. equity: one equity per period; inMarket: periods with an open position
 * (exposure = inMarket / periods); minutes: the period length; initial: starting equity.
 */
export function summarize({ trades, equity, inMarket = 0, minutes = 5, initial = equity[0] ?? 0 }) {
  const returns = returnsOf(equity);
  const ppy = periodsPerYear(minutes);
  const final = equity.length ? equity[equity.length - 1] : initial;
  return {
    ...tradeStats(trades),
    initialEquity: initial,
    finalEquity: final,
    returnPct: initial > 0 ? (final / initial - 1) * 100 : null,
    ...maxDrawdown(equity),
    sharpe: sharpe(returns, ppy),
    sortino: sortino(returns, ppy),
    exposure: equity.length ? inMarket / equity.length : null,
    periods: equity.length,
  };
}

/** Closed trades as CSV (one header line; times as ISO 8601 UTC). */
export function tradesToCsv(trades) {
  const cols = ['id', 'symbol', 'side', 'entryTime', 'exitTime', 'entryPrice', 'exitPrice', 'amount', 'grossPnl', 'fees', 'netPnl', 'exitReason'];
  const cell = (k, v) => {
    if (v === null || v === undefined) return '';
    if (k.endsWith('Time')) return new Date(v).toISOString();
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${cols.join(',')}\n${trades.map((t) => cols.map((k) => cell(k, t[k])).join(',')).join('\n')}${trades.length ? '\n' : ''}`;
}
