// The seeded PRNG of the project, written once: the page's simulated feed (www/feed.js), the
// local exchange's random feed (server/exchange.mjs), the benchmarks and the tests import it.
// Plain ES module with no imports, beside candles.mjs: the page loads it from /backtest/, Node
// from the package.

/** mulberry32: a small, well-mixed 32-bit PRNG; the whole state is one integer. Returns a
 * function giving numbers in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
