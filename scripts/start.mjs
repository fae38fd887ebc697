// npm start: install what is missing, build the wasm, serve the demo page.
import { build } from './build.mjs';
import { serve } from './serve.mjs';
import { setup } from './setup.mjs';
import { main } from './util.mjs';

main(async () => {
  await setup({ browser: false });
  await build();
  const port = process.env.PORT ? Number(process.env.PORT) : 8080;
  const { url } = await serve({ port });
  console.log(`\nServing www/ and pkg/ at ${url}  (Ctrl+C to stop)`);
  console.log(`Open ${url} in a browser to paper-trade in the simulator.`);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
});
