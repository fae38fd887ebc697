// Number formatting for display, and exact decimal-string helpers for inputs.
// Display only: every amount the engine sees is the text the user typed (or a decimal string
// computed here by shifting the decimal point), never a rounded float.

const formats = new Map();
function nf(min, max, sign) {
  const key = `${min}/${max}/${sign}`;
  if (!formats.has(key)) {
    formats.set(key, new Intl.NumberFormat('en-US', {
      minimumFractionDigits: min,
      maximumFractionDigits: max,
      signDisplay: sign ? 'exceptZero' : 'auto',
    }));
  }
  return formats.get(key);
}

const DASH = '–';
const isNum = (v) => v !== null && v !== undefined && v !== '' && Number.isFinite(Number(v));

/** 1,234.5678 with between `min` and `max` decimals. */
export function num(v, min = 0, max = 8, sign = false) {
  return isNum(v) ? nf(min, max, sign).format(Number(v)) : DASH;
}

/** Quote-currency money: 2 decimals (more for tiny values such as fees). */
export function money(v, sign = false) {
  if (!isNum(v)) return DASH;
  const x = Math.abs(Number(v));
  return nf(2, x !== 0 && x < 1 ? 4 : 2, sign).format(Number(v));
}

/** A price with the symbol's tick decimals (at least 2). */
export function price(v, decimals = 2) {
  return num(v, Math.max(2, decimals), Math.max(2, decimals));
}

/** A quantity: up to the step's decimals, no trailing zeros. */
export function qty(v, decimals = 8) {
  return num(v, 0, Math.max(decimals, 3));
}

/** Percent of a fraction: 0.0004 → "0.04%". */
export function percentOf(fraction, max = 4) {
  return isNum(fraction) ? `${num(Number(fraction) * 100, 0, max)}%` : DASH;
}

/** Market time (UTC, the replay's clock): "2023-01-03 14:05:00". */
export function time(ms) {
  if (!isNum(ms)) return DASH;
  return new Date(Number(ms)).toISOString().slice(0, 19).replace('T', ' ');
}

/** Market time to the minute: "2023-01-03 14:05". */
export function utcTime(ms) {
  if (!isNum(ms)) return DASH;
  return new Date(Number(ms)).toISOString().slice(0, 16).replace('T', ' ');
}

/** A fraction as a percentage: 0.2069 → "20.69%". */
export function pct(fraction, decimals = 2, sign = false) {
  return isNum(fraction) ? `${num(Number(fraction) * 100, decimals, decimals, sign)}%` : DASH;
}

/** A ratio (Sharpe, profit factor): 2 decimals; Infinity → "∞". */
export function ratio(v) {
  if (v === Infinity) return '∞';
  return isNum(v) ? num(v, 2, 2) : DASH;
}

/**
 * An engine sentence with its long decimals made readable: "equity 9888.9856586375 is down
 * 1.11% from 10000" → "equity 9,888.99 is down 1.11% from 10,000".
 */
export function readable(text) {
  return String(text).replace(/-?\d+(?:\.\d+)?/g, (m) => {
    const decimals = (m.split('.')[1] ?? '').length;
    return decimals > 2 ? num(m, 2, 2) : num(m, decimals, decimals);
  });
}

/**
 * Move the decimal point of a decimal string: shiftDecimal("0.04", -2) === "0.0004".
 * Returns null when the text is not a plain decimal (the caller then passes the text on
 * unchanged, so the engine reports it with its own error code).
 */
export function shiftDecimal(text, places) {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/.exec(String(text));
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const [, sign, int, frac = ''] = m;
  let digits = int + frac;
  let point = int.length + places;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  let i = digits.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  let f = digits.slice(point).replace(/0+$/, '');
  if (i === '') i = '0';
  return `${sign === '-' ? '-' : ''}${i}${f ? `.${f}` : ''}`;
}

/** Largest multiple of `step` (a decimal string) not above `value`, as a decimal string. */
export function floorToStep(value, step) {
  const s = Number(step);
  if (!Number.isFinite(value) || value <= 0 || !(s > 0)) return '0';
  const dec = String(step).includes('.') ? String(step).split('.')[1].length : 0;
  const n = Math.floor(value / s + 1e-9);
  return (n * s).toFixed(dec);
}

/** Base asset of "BTC/USDT" → "BTC". */
export const base = (symbol) => String(symbol).split('/')[0];
export const quote = (symbol) => String(symbol).split('/')[1] ?? 'USDT';
