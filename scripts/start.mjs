// npm start: install what is missing, build the wasm, then run the whole local stack:
//   - the local Binance-compatible exchange (the embedded default upstream for live mode),
//   - the signing proxy in front of it (holds the key, signs; the page never sees a secret),
//   - the simulator page.
// Ports: PORT (page, 8080), PROXY_PORT (8787), EXCHANGE_PORT (8788).
import { startExchange } from '../server/exchange.mjs';
import { startProxy } from '../server/proxy.mjs';
import { build } from './build.mjs';
import { serve } from './serve.mjs';
import { setup } from './setup.mjs';
import { main } from './util.mjs';

const num = (v, d) => (v ? Number(v) : d);

main(async () => {
  await setup({ browser: false });
  await build();
  const port = num(process.env.PORT, 8080);
  const exchange = await startExchange({ port: num(process.env.EXCHANGE_PORT, 8788), feed: 'replay' });
  const origins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  const proxy = await startProxy({
    port: num(process.env.PROXY_PORT, 8787),
    upstream: 'local',
    upstreamUrl: exchange.url,
    allowedOrigins: origins,
    banner: false,
  });
  const { url } = await serve({ port });
  console.log(`\nLocal Binance-compatible exchange: ${exchange.url} (replayed BTC/USDT feed; dev key ${exchange.apiKey})`);
  console.log(`Signing proxy:                    ${proxy.url} -> ${exchange.url}`);
  console.log(`  proxy token (paste it into the page's Live panel): ${proxy.token}`);
  console.log(`\nServing www/ and pkg/ at ${url}  (Ctrl+C to stop)`);
  console.log(`Open ${url} in a browser to paper-trade in the simulator; switch to Live to trade on the local exchange through the proxy.`);
  const stop = async () => {
    await Promise.allSettled([proxy.close(), exchange.close()]);
    process.exit(0);
  };
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, stop);
});
