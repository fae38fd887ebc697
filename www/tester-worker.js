// The strategy tester's Web Worker: the package's backtest module over the web build's
// FastPaper. The page sends the compiled wasm module first (no second download or compile).
import init, { FastPaper } from '../pkg/web/iftb_executor.js';
import { workerHandler } from '../backtest/index.mjs';

let ready = null;
const handle = workerHandler(() => ready);

self.onmessage = (e) => {
  const m = e.data;
  if (m?.type === 'wasm') {
    ready = init({ module_or_path: m.module }).then(() => FastPaper);
    return;
  }
  ready ??= init().then(() => FastPaper);
  handle(m, (reply) => self.postMessage(reply));
};
