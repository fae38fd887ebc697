// A worker_threads worker for sweep(): the shared worker protocol over parentPort.
import { parentPort } from 'node:worker_threads';
import { FastPaper } from 'iftb-executor';
import { workerHandler } from './index.mjs';

const handle = workerHandler(() => FastPaper);
parentPort.on('message', (m) => handle(m, (x) => parentPort.postMessage(x)));
