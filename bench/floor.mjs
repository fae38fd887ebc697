// The no-WASM floor: a straightforward pure-JS implementation of the paper engine with the
// same rules and the same exactness as FastPaper (money in BigInt quanta of 1e-12, rounded
// half to even where the engine rounds), the same numbers-only API, and the data structure a
// straightforward implementation uses: an array of position objects per symbol that every
// price update scans. Used only by the benchmark (bench/run.mjs).
//
// Covered: market orders (netting or hedging), positions with isolated margin, stop-loss /
// take-profit (fire as takers with slippage), resting limit orders (maker), liquidation at
// the Binance BTCUSDT first-bracket level. Not covered: reservations' corner cases beyond the
// benchmark's workloads, other brackets.

const Q = 10n ** 12n;

/** A JS number's shortest decimal text → BigInt quanta (throws past 12 places). */
export function toQ(x) {
  if (!Number.isFinite(x)) throw new RangeError(`not finite: ${x}`);
  const s = String(x);
  let [mant, exp] = s.split('e');
  let e = exp ? Number(exp) : 0;
  let neg = mant.startsWith('-');
  if (neg) mant = mant.slice(1);
  let [int, frac = ''] = mant.split('.');
  let digits = int + frac;
  let scale = frac.length - e; // value = digits × 10^-scale
  if (scale > 12) {
    const extra = digits.slice(digits.length - (scale - 12));
    if (/[^0]/.test(extra)) throw new RangeError(`more than 12 decimals: ${x}`);
    digits = digits.slice(0, digits.length - (scale - 12));
    scale = 12;
  }
  const v = BigInt(digits || '0') * 10n ** BigInt(12 - scale);
  return neg ? -v : v;
}

/** Nearest JS number of quanta. */
export function fromQ(v) {
  const neg = v < 0n;
  if (neg) v = -v;
  const int = v / Q;
  const frac = (v % Q).toString().padStart(12, '0').replace(/0+$/, '');
  const n = Number(frac ? `${int}.${frac}` : `${int}`);
  return neg ? -n : n;
}

/** round_half_even(n / d) for d > 0. */
function divRound(n, d) {
  const neg = n < 0n;
  if (neg) n = -n;
  let q = n / d;
  const r2 = 2n * (n % d);
  if (r2 > d || (r2 === d && (q & 1n) === 1n)) q += 1n;
  return neg ? -q : q;
}

export class FloorPaper {
  constructor({ initialBalance = 10000, makerFee = 0.0002, takerFee = 0.0004, slippage = 0.0005, hedging = false } = {}) {
    this.hedging = hedging;
    this.wallet = toQ(initialBalance);
    this.fees = 0n;
    this.realized = 0n;
    this.margin = 0n;
    this.reserved = 0n;
    this.maker = toQ(makerFee);
    this.taker = toQ(takerFee);
    this.slipBuy = Q + toQ(slippage);
    this.slipSell = Q - toQ(slippage);
    this.symbols = [];
    this.names = new Map();
    this.nextId = 1;
    this.lastPosition = -1;
    this.fillCount = 0;
    this.openPositions = 0;
  }

  symbolId(name) {
    let id = this.names.get(name);
    if (id === undefined) {
      id = this.symbols.length;
      this.names.set(name, id);
      this.symbols.push({ mark: 0, markQ: 0n, leverage: 1, positions: [], orders: [] });
    }
    return id;
  }

  setLeverage(sym, lev) {
    this.symbols[sym].leverage = lev;
  }

  takerPrice(buy, markQ) {
    return divRound(markQ * (buy ? this.slipBuy : this.slipSell), Q);
  }

  free() {
    return this.wallet - this.margin - this.reserved;
  }

  updatePrice(sym, price) {
    if (!(price > 0)) throw new RangeError('price must be > 0');
    const s = this.symbols[sym];
    s.mark = price;
    s.markQ = toQ(price);
    let fills = 0;
    // Scan every position and order of the symbol.
    const ps = s.positions;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i];
      if (!p.live) continue;
      if (p.long ? price <= p.liq : price >= p.liq) {
        this.liquidate(s, p);
        fills++;
        continue;
      }
      const sl = p.sl > 0 && (p.long ? price <= p.sl : price >= p.sl);
      const tp = p.tp > 0 && (p.long ? price >= p.tp : price <= p.tp);
      if (sl || tp) {
        this.closePos(s, p, this.takerPrice(!p.long, s.markQ), this.taker);
        fills++;
      }
    }
    if (fills) s.positions = ps.filter((p) => p.live);
    const os = s.orders;
    let filledOrders = 0;
    for (let i = 0; i < os.length; i++) {
      const o = os[i];
      if (o.buy ? price <= o.price : price >= o.price) {
        this.reserved -= o.reserved;
        o.live = false;
        filledOrders++;
        if (this.fill(sym, o.buy, o.amount, toQ(o.price), this.maker, o.lev, o.reserved)) fills++;
      }
    }
    if (filledOrders) s.orders = os.filter((o) => o.live);
    return fills;
  }

  netPosition(s) {
    return this.hedging ? undefined : s.positions.find((p) => p.live);
  }

  /** Returns true when filled. `held` = reservation released by this fill. */
  fill(sym, buy, qty, px, rate, lev, held = 0n) {
    const s = this.symbols[sym];
    const p = this.netPosition(s);
    const opposing = p && p.long !== buy ? p.amount : 0n;
    const reduce = qty < opposing ? qty : opposing;
    const open = qty - reduce;
    const fee = divRound(px * qty * rate, Q * Q);
    let realized = 0n;
    let released = 0n;
    if (reduce > 0n) {
      realized = divRound((p.long ? px - p.entry : p.entry - px) * reduce, Q);
      released = reduce === p.amount ? p.margin : divRound(p.margin * reduce, p.amount);
    }
    const openMargin = open > 0n ? divRound(px * open, Q * BigInt(lev)) : 0n;
    if (open > 0n && openMargin + fee > this.free() + held + released + realized) return false;
    this.wallet += realized - fee;
    this.fees += fee;
    this.realized += realized;
    this.fillCount++;
    if (reduce > 0n) {
      if (reduce === p.amount) {
        this.margin -= p.margin;
        p.live = false;
        this.openPositions--;
        s.positions = s.positions.filter((x) => x.live);
      } else {
        p.amount -= reduce;
        p.margin -= released;
        this.margin -= released;
        p.liq = liqLevel(p);
      }
      this.lastPosition = p.id;
    }
    if (open > 0n) {
      this.margin += openMargin;
      const cur = this.netPosition(s);
      if (cur) {
        cur.entry = divRound(cur.entry * cur.amount + px * open, cur.amount + open);
        cur.amount += open;
        cur.margin += openMargin;
        cur.liq = liqLevel(cur);
        this.lastPosition = cur.id;
      } else {
        const np = { id: this.nextId++, long: buy, entry: px, amount: open, margin: openMargin, lev, sl: 0, tp: 0, liq: 0, live: true };
        np.liq = liqLevel(np);
        s.positions.push(np);
        this.openPositions++;
        this.lastPosition = np.id;
      }
    }
    return true;
  }

  closePos(s, p, px, rate) {
    const fee = divRound(px * p.amount * rate, Q * Q);
    const realized = divRound((p.long ? px - p.entry : p.entry - px) * p.amount, Q);
    this.wallet += realized - fee;
    this.fees += fee;
    this.realized += realized;
    this.margin -= p.margin;
    this.fillCount++;
    this.openPositions--;
    p.live = false;
  }

  liquidate(s, p) {
    const upnl = divRound((p.long ? s.markQ - p.entry : p.entry - s.markQ) * p.amount, Q);
    const realized = upnl > -p.margin ? upnl : -p.margin;
    const clearance = p.margin + realized > 0n ? p.margin + realized : 0n;
    this.wallet += realized - clearance;
    this.realized += realized;
    this.fees += clearance;
    this.margin -= p.margin;
    this.fillCount++;
    this.openPositions--;
    p.live = false;
  }

  market(sym, side, amount) {
    const s = this.symbols[sym];
    if (!s.mark) throw new Error('no price');
    const buy = side === 0;
    const px = this.takerPrice(buy, s.markQ);
    const lev = this.netPosition(s)?.lev ?? s.leverage;
    return this.fill(sym, buy, toQ(amount), px, this.taker, lev) ? fromQ(px) : NaN;
  }

  bracket(sym, side, amount, sl, tp) {
    const px = this.market(sym, side, amount);
    if (Number.isNaN(px)) return px;
    const p = this.symbols[sym].positions.find((x) => x.id === this.lastPosition);
    if (p) {
      p.sl = sl;
      p.tp = tp;
    }
    return px;
  }

  limit(sym, side, amount, price) {
    const s = this.symbols[sym];
    const buy = side === 0;
    const qty = toQ(amount);
    const lim = toQ(price);
    const lev = this.netPosition(s)?.lev ?? s.leverage;
    const p = this.netPosition(s);
    const opposing = p && p.long !== buy ? p.amount : 0n;
    const open = qty > opposing ? qty - opposing : 0n;
    const need = divRound(lim * open, Q * BigInt(lev)) + divRound(lim * qty * this.maker, Q * Q);
    if (need > this.free()) return NaN;
    this.reserved += need;
    s.orders.push({ buy, amount: qty, price, reserved: need, lev, live: true });
    return NaN;
  }

  books() {
    return { wallet: fromQ(this.wallet), feesPaid: fromQ(this.fees), realizedPnl: fromQ(this.realized), marginUsed: fromQ(this.margin), reserved: fromQ(this.reserved), free: fromQ(this.free()) };
  }
}

/** Liquidation level as a number (BTCUSDT first bracket: MMR 0.4%, cum 0), or ±Infinity. */
function liqLevel(p) {
  const q = Number(p.amount) / 1e12;
  const ep = Number(p.entry) / 1e12;
  const wb = Number(p.margin) / 1e12;
  const mmr = 0.004;
  const lp = p.long ? (wb - q * ep) / (q * mmr - q) : (wb + q * ep) / (q * mmr + q);
  if (!(lp > 0)) return p.long ? -Infinity : Infinity;
  return lp;
}
