// Real outputs of the package, named by the declared type they must satisfy. Run inside a test
// app (node samples.mjs) by types.test.mjs, which type-checks every sample against the
// declarations (`const x: FilledOrder = <the JSON>`), so a declaration that drifts from what
// the package returns fails. Prints { samples: [[typeExpression, value], ...], exports, members }.
import { FastPaper, LiveExecutor, OrderExecutor, PaperTrader, convertDecisionToRequest } from 'iftb-executor';
import * as lib from 'iftb-executor';
import * as proxyModule from 'iftb-executor/proxy';
import * as exchangeModule from 'iftb-executor/server/exchange.mjs';
import { startExchange } from 'iftb-executor/server/exchange.mjs';

const samples = [];
const add = (type, value) => samples.push([type, JSON.parse(JSON.stringify(value))]);
const event = (e) => add(`ExecutorEventMap[${JSON.stringify(e.type)}]`, e);
const order = (o) => add({ pending: 'PendingOrder', filled: 'FilledOrder', cancelled: 'CancelledOrder', failed: 'FailedOrder' }[o.status], o);

// ---- PaperTrader: every order status and every event type
const t = new PaperTrader({ initialBalance: 100000 });
order(t.placeOrderSync({ symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.1 }, 50000));
order(t.placeOrderSync({ symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.1 }, 50000)); // increased
const resting = t.placeOrderSync({ symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 0.01, price: 40000 }, 50000);
order(resting);
order(t.cancelOrder(resting.id));
order(t.placeOrderSync({ symbol: 'ETH/USDT', side: 'buy', type: 'market', amount: 1000 }, 3000));
order(t.placeOrderSync({ symbol: 'BTC/USDT', side: 'sell', type: 'market', amount: 0.05 }, 50000)); // reduced
add('PositionState', t.setStopLoss('BTC/USDT', 45000));
add('PositionState', t.setTakeProfit('BTC/USDT', 60000));
t.updatePrice('BTC/USDT', 60000); // take-profit fires, closes the position, cancels the stop
order(t.placeOrderSync({ symbol: 'ETH/USDT', side: 'buy', type: 'market', amount: 1 }, 3000));
add('PositionState', t.getPosition('ETH/USDT'));
add('PositionState', t.setStopLoss('ETH/USDT', 2900));
t.updatePrice('ETH/USDT', 2800); // stop-loss
t.setLeverage('ETH/USDT', 20);
order(t.placeOrderSync({ symbol: 'ETH/USDT', side: 'buy', type: 'market', amount: 1 }, 3000));
add('PositionState', t.getPosition('ETH/USDT')); // with a liquidation price
t.updatePrice('ETH/USDT', 2000); // liquidation
for (const o of t.getOrders()) order(o);
for (const f of t.getFills()) add('Fill', f);
for (const e of t.getEvents()) event(e);
add('Account', t.getAccount());
add('number | null', t.getPrice('BTC/USDT'));

// ---- OrderExecutor (paper): listener payloads, account status, snapshot, conversion
const ex = new OrderExecutor({ logger: null });
const heard = [];
ex.on('*', (e) => heard.push(['*', e]));
ex.on('log', (r) => heard.push(['log', r]));
ex.on('fill', (e) => heard.push(['fill', e]));
order(await ex.executeDecision({ action: 'long', symbol: 'BTC/USDT', amount: 0.01, entryPrice: 50000, stopLoss: 48000, takeProfit: 55000, leverage: 2 }));
add('PositionState', await ex.updateStopLoss('BTC/USDT', 49000));
add('AccountStatus', await ex.getAccountStatus());
for (const o of await ex.emergencyCloseAll()) order(o);
await new Promise((r) => setTimeout(r, 0));
for (const [name, payload] of heard) add(`ExecutorEventMap[${JSON.stringify(name)}]`, payload);
add('ExecutorSnapshot', ex.snapshot());
add('ConvertedRequest', convertDecisionToRequest({ action: 'SHORT', symbol: 'ETH/USDT', entryPrice: 3000, stopLoss: 3100, leverage: 3 }, { amount: 0.5 }));

// ---- FastPaper
const fp = new FastPaper({ hedging: true });
const btc = fp.symbolId('BTC/USDT');
fp.updatePrice(btc, 50000);
fp.bracket(btc, 0, 0.1, 49000, 52000);
add('FastPosition', fp.position(fp.lastPosition));
add('FastBooks', fp.books());

// ---- LiveExecutor and live OrderExecutor against the local exchange (loopback, free port)
const x = await startExchange({ port: 0, feed: 'none' });
try {
  const live = new LiveExecutor({ baseUrl: x.url, apiKey: x.apiKey, apiSecret: x.apiSecret });
  await live.loadMarkets();
  add('SymbolRulesInput', live.getRules('BTC/USDT'));
  add('LiveOrder', await live.placeMarketOrder({ symbol: 'BTC/USDT', side: 'buy', amount: 0.01 }));
  add('LiveOrder', await live.placeLimitOrder({ symbol: 'BTC/USDT', side: 'buy', amount: 0.01, price: 40000 }));
  add('LiveOrder', await live.setStopLoss({ symbol: 'BTC/USDT', side: 'sell', amount: 0.01, stopPrice: 45000 }));
  add('PositionState | null', await live.getPosition('BTC/USDT'));
  add('PositionState', await live.updateTakeProfit('BTC/USDT', 60000));
  add('AccountState', await live.getBalance());
  add('Reconciliation', await live.reconcile());
  add('RateLimitStatus', live.getRateLimitStatus());
  add('Intent[]', live.getInflight());
  for (const o of live.getOrders()) add('LiveOrder', o);
  const lx = new OrderExecutor({ paperMode: false, baseUrl: x.url, apiKey: x.apiKey, apiSecret: x.apiSecret, logger: null });
  add('LiveOrder', await lx.executeDecision({ action: 'short', symbol: 'ETH/USDT', amount: 0.1, leverage: 2 }));
  add('AccountStatus', await lx.getAccountStatus());
  add('PositionState[]', await lx.getPositions());
} finally {
  await x.close();
}

// ---- what exists at run time, for the declared-vs-runtime comparison
const members = (C) => ({
  instance: Object.getOwnPropertyNames(C.prototype).filter((n) => n !== 'constructor' && !n.startsWith('__')).sort(),
  static: Object.getOwnPropertyNames(C).filter((n) => !['length', 'name', 'prototype'].includes(n) && !n.startsWith('__')).sort(),
  dispose: typeof Symbol.dispose === 'symbol' && typeof C.prototype[Symbol.dispose] === 'function',
});
const names = (m) => Object.keys(m).filter((k) => k !== 'module.exports').sort();
console.log(JSON.stringify({
  samples,
  exports: { 'iftb-executor': names(lib), 'iftb-executor/proxy': names(proxyModule), 'iftb-executor/server/exchange.mjs': names(exchangeModule) },
  members: { PaperTrader: members(PaperTrader), FastPaper: members(FastPaper), LiveExecutor: members(LiveExecutor), OrderExecutor: members(OrderExecutor) },
}));
