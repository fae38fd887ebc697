// Engine errors → the form field that caused them, in words a trader understands.
// The page checks nothing itself: every refusal comes from the engine as an Error with a
// stable `code`; the numbers in the sentence are read from the engine's own message.

import { base, num, percentOf } from './fmt.js';

/** Engine request field → ticket field id. */
const TICKET_FIELD = {
  amount: 'amount',
  entryPrice: 'price',
  price: 'price',
  stopLoss: 'stopLoss',
  takeProfit: 'takeProfit',
  leverage: 'leverage',
};

const nums = (msg) => (String(msg).match(/-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi) ?? []);
const n = (text) => num(text, 0, 12);
/** First word of the message when it names a field ("stopLoss 16000.05 is not ..."). */
const fieldOf = (msg) => /^(\w+)/.exec(String(msg))?.[1];
const priceWord = (f) => ({ price: 'limit price', stopLoss: 'stop-loss', takeProfit: 'take-profit' })[f] ?? 'price';

/**
 * Describe a ticket error. ctx: { symbol, action: "long"|"short"|"close" }.
 * Returns { field: one of amount, price, stopLoss, takeProfit, leverage, action, or null
 * (a general message), text, code }.
 */
export function describeTicketError(err, ctx = {}) {
  const code = err?.code ?? 'ERROR';
  const msg = String(err?.message ?? err);
  const sym = ctx.symbol ?? '';
  const asset = base(sym);
  const v = nums(msg);
  const out = (field, text) => ({ field, text, code });
  switch (code) {
    case 'INVALID_NUMBER': {
      const f = TICKET_FIELD[fieldOf(msg)] ?? null;
      return out(f, f === 'amount' ? `Enter an amount, for example 0.01 ${asset}.` : `Enter a ${priceWord(f)} as a number, for example 16750.5.`);
    }
    case 'INVALID_AMOUNT':
      return out('amount', 'Enter an amount greater than zero.');
    case 'AMOUNT_BELOW_MINIMUM':
      return out('amount', `Too small: the smallest ${sym} order is ${n(v[1])} ${asset}.`);
    case 'AMOUNT_ABOVE_MAXIMUM':
      return out('amount', `Too large: the biggest ${sym} order is ${n(v[1])} ${asset}.`);
    case 'INVALID_STEP_SIZE':
      return out('amount', `${sym} trades in steps of ${n(v[1])} ${asset}; try ${n(v[v.length - 1])}.`);
    case 'NOTIONAL_BELOW_MINIMUM':
      return out('amount', `Order value ${num(v[0], 2, 2)} USDT is below the ${sym} minimum of ${n(v[1])} USDT. Increase the amount.`);
    case 'NOTIONAL_ABOVE_MAXIMUM':
      return out('amount', `Order value ${num(v[0], 2, 2)} USDT is above the ${sym} maximum of ${n(v[1])} USDT.`);
    case 'POSITION_SIZE_EXCEEDED': {
      // "position margin M (notional N / Lx) would exceed the maximum position size F × equity E = LIMIT"
      const [margin, , , fraction, , limit] = v;
      return out('amount', `Too big for your risk limit: this position needs ${num(margin, 2, 2)} USDT of margin, `
        + `but at most ${num(limit, 2, 2)} USDT (${percentOf(fraction)} of equity) is allowed. `
        + 'Lower the amount or raise the leverage.');
    }
    case 'LEVERAGE_EXCEEDED':
      return out('leverage', `${v[0]}x is above your maximum leverage of ${v[1]}x (change it in Settings).`);
    case 'INVALID_LEVERAGE':
      return out('leverage', `Leverage must be a whole number from 1 to ${v[v.length - 2] ?? 125}.`);
    case 'LEVERAGE_LOCKED':
      return out('leverage', `Your open ${sym} position uses ${v[0]}x. Trade it at ${v[0]}x, or close it first to change leverage.`);
    case 'INVALID_STOP_LOSS':
    case 'INVALID_TAKE_PROFIT': {
      // "stop-loss P must be below the entry price R for a long position"
      const m = /must be (below|above) the (entry|current) price (\S+) for a (long|short)/.exec(msg);
      const what = code === 'INVALID_STOP_LOSS' ? 'stop-loss' : 'take-profit';
      const field = code === 'INVALID_STOP_LOSS' ? 'stopLoss' : 'takeProfit';
      if (!m) return out(field, msg);
      const why = code === 'INVALID_STOP_LOSS' ? 'it limits the loss' : 'it locks in the gain';
      return out(field, `For a ${m[4]}, the ${what} must be ${m[1]} the ${m[2]} price (${n(m[3])}): ${why}.`);
    }
    case 'INVALID_PRICE': {
      const f = TICKET_FIELD[fieldOf(msg)] ?? 'price';
      return out(f, `The ${priceWord(f)} must be above zero.`);
    }
    case 'MISSING_PRICE':
      return out('price', 'A limit order needs a limit price.');
    case 'INVALID_TICK_SIZE': {
      const f = TICKET_FIELD[fieldOf(msg)] ?? 'price';
      return out(f, `${sym} prices move in steps of ${n(v[v.length - 1])} USDT; round the ${priceWord(f)} to that.`);
    }
    case 'PRICE_OUT_OF_RANGE':
    case 'PRICE_OUTSIDE_BAND': {
      const f = TICKET_FIELD[fieldOf(msg)] ?? 'price';
      return out(f, `The ${priceWord(f)} is too far from the market: ${msg}.`);
    }
    case 'NO_POSITION':
      return out('action', `You have no open ${sym} position to close.`);
    case 'NO_PRICE':
      return out(null, `No ${sym} price yet: press Play or Step to start the market feed.`);
    case 'LOSS_LIMIT_REACHED':
      return out(null, `Risk limit reached (${msg.split(';')[0]}). Only closing orders are accepted until you reset the loss limits in Settings.`);
    case 'INSUFFICIENT_BALANCE':
      return out('amount', `Not enough free balance for this order: ${msg}. Lower the amount or the price, or raise the leverage.`);
    default:
      return out(null, msg);
  }
}

/** Settings form fields (engine option names) → labels, for INVALID_CONFIG messages. */
const SETTING_FIELDS = ['initialBalance', 'makerFee', 'takerFee', 'slippage', 'maxPositionSize', 'maxLeverage', 'maxDailyLoss', 'maxDrawdown'];
const PERCENT_SETTINGS = new Set(['makerFee', 'takerFee', 'slippage', 'maxPositionSize', 'maxDailyLoss', 'maxDrawdown']);

/** Describe a settings error → { field (option name) | null, text, code }. */
export function describeSettingsError(err) {
  const code = err?.code ?? 'ERROR';
  const msg = String(err?.message ?? err).replace(/^invalid configuration: /, '');
  const field = SETTING_FIELDS.find((f) => new RegExp(`\\b${f}\\b`).test(msg)) ?? null;
  if (code === 'INVALID_NUMBER') return { field, text: 'Enter a number.', code };
  if (field && PERCENT_SETTINGS.has(field)) {
    const m = /must be (at least|above) 0 and (below|at most) 1/.exec(msg);
    if (m) return { field, text: `Must be ${m[1] === 'above' ? 'above' : 'at least'} 0% and ${m[2]} 100%.`, code };
  }
  if (field === 'maxLeverage') return { field, text: 'Must be a whole number from 1 to 125.', code };
  if (field === 'initialBalance') {
    const m = /between (\S+) and (\S+),/.exec(msg);
    if (m) return { field, text: `Must be from ${num(m[1])} to ${num(m[2])} USDT.`, code };
  }
  return { field, text: msg, code };
}

/** A plain sentence for errors outside the ticket (cancel, SL/TP edits, restore). */
export function plain(err) {
  return describeTicketError(err).text;
}
