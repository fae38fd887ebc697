// Indicator helpers, written once: the strategy tester's `ctx.sma(...)` and the page use these.
// Each takes whole series (arrays of numbers) and returns a Float64Array of the same length,
// NaN where the indicator is not defined yet (the warm-up).

const nan = (n) => new Float64Array(n).fill(NaN);

/** Simple moving average of the last `n` values. */
export function sma(values, n) {
  const out = nan(values.length);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= n) sum -= values[i - n];
    if (i >= n - 1) out[i] = sum / n;
  }
  return out;
}

/** Exponential moving average, α = 2 / (n + 1), seeded with the SMA of the first n values. */
export function ema(values, n) {
  const out = nan(values.length);
  if (values.length < n) return out;
  const a = 2 / (n + 1);
  let e = 0;
  for (let i = 0; i < n; i++) e += values[i];
  e /= n;
  out[n - 1] = e;
  for (let i = n; i < values.length; i++) {
    e = a * values[i] + (1 - a) * e;
    out[i] = e;
  }
  return out;
}

/**
 * Relative strength index with Wilder's smoothing: the first average gain/loss is the mean of
 * the first n changes, then avg = (avg × (n − 1) + change) / n. 100 when there is no loss,
 * 50 when the price did not move at all.
 */
export function rsi(values, n) {
  const out = nan(values.length);
  if (values.length <= n) return out;
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= n; i++) {
    const d = values[i] - values[i - 1];
    if (d > 0) gain += d;
    else loss -= d;
  }
  gain /= n;
  loss /= n;
  const value = () => (loss === 0 ? (gain === 0 ? 50 : 100) : 100 - 100 / (1 + gain / loss));
  out[n] = value();
  for (let i = n + 1; i < values.length; i++) {
    const d = values[i] - values[i - 1];
    gain = (gain * (n - 1) + (d > 0 ? d : 0)) / n;
    loss = (loss * (n - 1) + (d < 0 ? -d : 0)) / n;
    out[i] = value();
  }
  return out;
}

/** True range: max(high − low, |high − previous close|, |low − previous close|). */
export function trueRange(high, low, close) {
  const out = new Float64Array(high.length);
  for (let i = 0; i < high.length; i++) {
    const hl = high[i] - low[i];
    out[i] = i === 0 ? hl : Math.max(hl, Math.abs(high[i] - close[i - 1]), Math.abs(low[i] - close[i - 1]));
  }
  return out;
}

/** Average true range, Wilder's smoothing (first value: the mean of the first n true ranges). */
export function atr(high, low, close, n) {
  const tr = trueRange(high, low, close);
  const out = nan(tr.length);
  if (tr.length < n) return out;
  let a = 0;
  for (let i = 0; i < n; i++) a += tr[i];
  a /= n;
  out[n - 1] = a;
  for (let i = n; i < tr.length; i++) {
    a = (a * (n - 1) + tr[i]) / n;
    out[i] = a;
  }
  return out;
}

/** Rolling extreme over the last n values (a monotonic queue: O(length)). */
function rolling(values, n, better) {
  const out = nan(values.length);
  const q = []; // indices, values monotonic
  let head = 0;
  for (let i = 0; i < values.length; i++) {
    while (q.length > head && !better(values[q[q.length - 1]], values[i])) q.pop();
    q.push(i);
    if (q[head] <= i - n) head++;
    if (i >= n - 1) out[i] = values[q[head]];
  }
  return out;
}

/** Highest of the last n values. */
export const highest = (values, n) => rolling(values, n, (a, b) => a > b);
/** Lowest of the last n values. */
export const lowest = (values, n) => rolling(values, n, (a, b) => a < b);

/** Population standard deviation of the last n values. */
export function stdev(values, n) {
  const out = nan(values.length);
  for (let i = n - 1; i < values.length; i++) {
    let m = 0;
    for (let j = i - n + 1; j <= i; j++) m += values[j];
    m /= n;
    let s = 0;
    for (let j = i - n + 1; j <= i; j++) s += (values[j] - m) ** 2;
    out[i] = Math.sqrt(s / n);
  }
  return out;
}

/** a crossed above b at index i: a[i−1] ≤ b[i−1] and a[i] > b[i]. */
export const crossover = (a, b, i) => i > 0 && a[i - 1] <= b[i - 1] && a[i] > b[i];
/** a crossed below b at index i. */
export const crossunder = (a, b, i) => i > 0 && a[i - 1] >= b[i - 1] && a[i] < b[i];
