// Closed trades of the paper account, rebuilt from the engine's event log (no DOM: the page
// and pkg-tests/page-units.test.mjs use it). Each trade is { id, symbol, side, entryTime,
// exitTime, entryPrice, exitPrice, amount, grossPnl, fees, netPnl, exitReason }, the shape of
// the strategy tester's trades, so the same statistics and CSV apply.

const REASON = { takeProfit: 'takeProfit', stopLoss: 'stopLoss', order: 'manual', liquidation: 'liquidation' };

/**
 * Closed trades from engine events, in order. A fill's fee is shared between the trade it
 * closes and the one it opens (a flip) in proportion to the amounts.
 */
export class TradeBook {
  constructor() {
    this.open = new Map(); // symbol → trade in progress
    this.trades = [];
    this.seq = 0;
    this.fill = null;
    this.onClose = null;
  }

  /** The part of the last fill that `qty` of it is: { price, fee }. */
  part(qty) {
    const f = this.fill;
    if (!f || !(f.amount > 0)) return { price: NaN, fee: 0 };
    return { price: f.price, fee: (f.fee * qty) / f.amount };
  }

  consume(ev) {
    if (!(ev.seq > this.seq)) return;
    this.seq = ev.seq;
    const sym = ev.symbol;
    const t = this.open.get(sym);
    switch (ev.type) {
      case 'orderFilled':
        this.fill = { price: ev.price, amount: ev.amount, fee: ev.fee };
        break;
      case 'positionOpened': {
        const { price, fee } = this.part(ev.amount);
        this.open.set(sym, {
          symbol: sym, side: ev.side, entryTime: ev.timestamp, entryValue: price * ev.amount, entryAmount: ev.amount,
          amount: ev.amount, maxAmount: ev.amount, fees: fee, grossPnl: 0, exitValue: 0, exitAmount: 0, leverage: ev.leverage,
        });
        break;
      }
      case 'positionIncreased': {
        if (!t) break;
        const qty = ev.amount - t.amount;
        const { price, fee } = this.part(qty);
        Object.assign(t, { entryValue: t.entryValue + price * qty, entryAmount: t.entryAmount + qty, amount: ev.amount, fees: t.fees + fee });
        t.maxAmount = Math.max(t.maxAmount, ev.amount);
        break;
      }
      case 'positionReduced': {
        if (!t) break;
        const qty = t.amount - ev.amount;
        const { price, fee } = this.part(qty);
        Object.assign(t, { exitValue: t.exitValue + price * qty, exitAmount: t.exitAmount + qty, amount: ev.amount, fees: t.fees + fee, grossPnl: t.grossPnl + ev.realizedPnl });
        break;
      }
      case 'positionClosed':
      case 'positionLiquidated': {
        if (!t) break;
        const liq = ev.type === 'positionLiquidated';
        const qty = liq ? ev.amount : t.amount;
        const { price, fee } = liq ? { price: ev.price, fee: ev.fee } : this.part(qty);
        Object.assign(t, { exitValue: t.exitValue + price * qty, exitAmount: t.exitAmount + qty, fees: t.fees + fee, grossPnl: t.grossPnl + ev.realizedPnl });
        this.open.delete(sym);
        const trade = {
          id: this.trades.length + 1, symbol: sym, side: t.side, entryTime: t.entryTime, exitTime: ev.timestamp,
          entryPrice: t.entryValue / t.entryAmount, exitPrice: t.exitValue / t.exitAmount, amount: t.maxAmount,
          grossPnl: t.grossPnl, fees: t.fees, netPnl: t.grossPnl - t.fees, exitReason: liq ? 'liquidation' : REASON[ev.reason] ?? ev.reason,
        };
        this.trades.push(trade);
        this.onClose?.(trade);
        break;
      }
      default:
    }
  }
}
