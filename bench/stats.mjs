// Timing helpers: warm-up, several runs, min / median / max. Times are wall clock
// (performance.now()); rates are operations per second of each run.

export function summarize(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { min: s[0], median, max: s[s.length - 1], runs: values };
}

/**
 * Run `fn()` (which does `ops` operations) `warmup` times unmeasured, then `runs` times.
 * Returns rates (ops/s) per run, summarized. `setup()` runs before each measured run, untimed.
 */
export function measure({ ops, fn, setup, warmup = 2, runs = 7 }) {
  for (let i = 0; i < warmup; i++) {
    setup?.();
    fn();
  }
  const rates = [];
  const secs = [];
  for (let i = 0; i < runs; i++) {
    setup?.();
    const t0 = performance.now();
    fn();
    const dt = (performance.now() - t0) / 1000;
    secs.push(dt);
    rates.push(ops / dt);
  }
  return { ...summarize(rates), seconds: summarize(secs) };
}

/** Async variant (each run awaits `fn()`). */
export async function measureAsync({ ops, fn, setup, warmup = 2, runs = 7 }) {
  for (let i = 0; i < warmup; i++) {
    setup?.();
    await fn();
  }
  const rates = [];
  const secs = [];
  for (let i = 0; i < runs; i++) {
    setup?.();
    const t0 = performance.now();
    await fn();
    const dt = (performance.now() - t0) / 1000;
    secs.push(dt);
    rates.push(ops / dt);
  }
  return { ...summarize(rates), seconds: summarize(secs) };
}
