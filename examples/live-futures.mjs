// Live mode end to end on the local Binance-compatible exchange (no real exchange involved):
// place, protect, query and close a USD-M futures position through LiveExecutor, then run
// the same decision through OrderExecutor({ paperMode: false }).
//
//   node examples/live-futures.mjs                 # starts its own local exchange on a free port
//   node examples/live-futures.mjs http://127.0.0.1:8788   # or use a running `npm run exchange`
import { LiveExecutor, OrderExecutor } from 'iftb-executor';
import { startExchange } from '../server/exchange.mjs';

const given = process.argv[2];
const exchange = given ? null : await startExchange({ port: 0, feed: 'none' });
const baseUrl = given ?? exchange.url;
const creds = { apiKey: exchange?.apiKey ?? 'iftb-local-key', apiSecret: exchange?.apiSecret ?? 'iftb-local-secret' };
const fmt = (o) => `${o.side} ${o.amount} ${o.symbol} ${o.type} → ${o.status}${o.filledPrice ? ` @ ${o.filledPrice}` : ''}${o.fee != null ? ` (fee ${o.fee})` : ''}`;

try {
  const live = new LiveExecutor({ exchange: 'binance-usdm', ...creds, baseUrl, maxRetries: 3, cacheTtlMs: 0 });
  await live.setLeverage('BTC/USDT', 5);
  const entry = await live.placeMarketOrder({ symbol: 'BTC/USDT', side: 'buy', amount: 0.01 });
  console.log('entry     ', fmt(entry));
  const sl = await live.setStopLoss({ symbol: 'BTC/USDT', side: 'sell', amount: 0.01, stopPrice: 48000 });
  const tp = await live.setTakeProfit({ symbol: 'BTC/USDT', side: 'sell', amount: 0.01, stopPrice: 55000 });
  console.log('protection', fmt(sl), '|', fmt(tp));
  const limit = await live.placeLimitOrder({ symbol: 'BTC/USDT', side: 'buy', amount: 0.01, price: 45000 });
  console.log('limit     ', fmt(limit));
  console.log('cancelled ', fmt(await live.cancelOrder(limit.id)));
  const pos = await live.getPosition('BTC/USDT');
  console.log(`position   ${pos.side} ${pos.amount} @ ${pos.entryPrice}, leverage ${pos.leverage}x, liq ${pos.liquidationPrice}, uPnL ${pos.unrealizedPnl}`);
  console.log('closed    ', fmt(await live.closePosition('BTC/USDT')));
  console.log('position  ', await live.getPosition('BTC/USDT'));
  const bal = await live.getBalance();
  console.log(`balance    wallet ${bal.walletBalance} USDT, available ${bal.balance}`);

  // The same decision flow as paper mode, live.
  const ex = new OrderExecutor({ paperMode: false, exchange: 'binance-usdm', ...creds, baseUrl, maxLeverage: 5, maxPositionSize: 0.5, logger: null, cacheTtlMs: 0 });
  const order = await ex.executeDecision({ action: 'long', symbol: 'BTC/USDT', amount: 0.01, stopLoss: 48000, takeProfit: 55000, leverage: 2, reason: 'example' });
  console.log('executor  ', fmt(order));
  const status = await ex.getAccountStatus();
  console.log(`status     mode ${status.mode}, positions ${status.positionsCount}, equity ${status.totalEquity}`);
  const closed = await ex.emergencyCloseAll();
  console.log('emergency ', closed.map(fmt).join('; '));
  console.log(`status     positions ${(await ex.getAccountStatus()).positionsCount}`);
} finally {
  await exchange?.close();
}
