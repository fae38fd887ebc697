// The spec's "Complete Trading Flow Example" (shared/spec/order-execution-module.md) in JS:
// a price feed, a decision source, convertDecisionToRequest, executeDecision, account status,
// and an emergency close on Ctrl-C.
//
//   npm run build && node examples/trading-loop.mjs
//
// The price feed replays BTC/USDT 5-minute candles from examples/data/btcusdt-5m.csv (real
// Binance data, 2,000 candles); the decision source is a small moving-average crossover that
// emits the spec's TradingDecision objects. Environment:
//   IFTB_LOOP_DELAY_MS    pause between iterations, ms (default 1000; the spec waits 60 s)
//   IFTB_LOOP_ITERATIONS  stop after this many candles (default: until the data ends)
// Ctrl-C (SIGINT), or the end of the data, closes every position and exits with code 0.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { OrderExecutor, convertDecisionToRequest } from "iftb-executor";

const SYMBOL = "BTC/USDT";
const STEP = 0.001; // BTC/USDT quantity step (also the minimum quantity)
const TICK = 0.1; // BTC/USDT price tick

function envInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`${name} must be a whole number >= 0, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}
const DELAY_MS = envInt("IFTB_LOOP_DELAY_MS", 1000);
const MAX_ITERATIONS = envInt("IFTB_LOOP_ITERATIONS", Infinity);

// ---- simulated price feed: replay of 5-minute candles ---------------------------------------

function loadCandles() {
  const file = fileURLToPath(new URL("./data/btcusdt-5m.csv", import.meta.url));
  const [header, ...lines] = readFileSync(file, "utf8").trim().split("\n");
  const cols = header.split(",");
  const at = (name) => cols.indexOf(name);
  const [t, c] = [at("timestamp_ms"), at("close")];
  return lines.map((line) => {
    const f = line.split(",");
    return { timestamp: Number(f[t]), close: f[c] }; // close kept as exact text ("16726.1")
  });
}

function* priceFeed(candles) {
  for (const candle of candles) yield candle;
}

// ---- decision source: moving-average crossover ----------------------------------------------

/** Round to the price tick, as exact text. */
const toTick = (p) => (Math.round(p / TICK) * TICK).toFixed(1);

/**
 * A stand-in for the spec's DecisionEngine: a fast/slow simple moving average crossover.
 * Returns TradingDecision objects: { action: "LONG"|"SHORT"|"CLOSE"|"HOLD", symbol, confidence,
 * positionSize, entryPrice, stopLoss, takeProfit, leverage, vetoed, reason }.
 */
class CrossoverDecisionSource {
  constructor({ fast = 12, slow = 48 } = {}) {
    this.fast = fast;
    this.slow = slow;
    this.closes = [];
    this.lastTrend = 0;
  }

  makeDecision(price, position) {
    this.closes.push(price);
    if (this.closes.length > this.slow) this.closes.shift();
    const base = { symbol: SYMBOL, entryPrice: price, leverage: 2, vetoed: false };
    if (this.closes.length < this.slow) {
      return { ...base, action: "HOLD", confidence: 0, positionSize: 0, reason: "warming up" };
    }
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const fastMa = mean(this.closes.slice(-this.fast));
    const slowMa = mean(this.closes);
    const spread = (fastMa - slowMa) / slowMa;
    const trend = spread > 0 ? 1 : -1;
    const crossed = trend !== this.lastTrend && this.lastTrend !== 0;
    this.lastTrend = trend;
    // Confidence grows with the distance between the averages (0.5 .. 0.95).
    const confidence = Math.min(0.95, 0.5 + Math.abs(spread) * 150);
    const reason = `SMA${this.fast} ${fastMa.toFixed(1)} ${trend > 0 ? ">" : "<"} SMA${this.slow} ${slowMa.toFixed(1)}`;

    // Against the trend: get out first.
    if (position && (position.side === "long") !== (trend > 0)) {
      return { ...base, action: "CLOSE", confidence, positionSize: 1, reason: `${reason}: trend turned` };
    }
    if (!position && crossed) {
      const long = trend > 0;
      return {
        ...base,
        action: long ? "LONG" : "SHORT",
        confidence,
        positionSize: 0.04 + 0.05 * confidence, // fraction of the balance (notional), <= 8.75%
        stopLoss: toTick(price * (long ? 0.996 : 1.004)),
        takeProfit: toTick(price * (long ? 1.008 : 0.992)),
        // A risk layer would veto here; this one vetoes only very weak crossings.
        vetoed: confidence < 0.51,
        reason: `${reason}: crossover`,
      };
    }
    return { ...base, action: "HOLD", confidence, positionSize: 0, reason };
  }
}

// ---- the trading loop ------------------------------------------------------------------------

/** Quantity from balance × positionSize / entryPrice, rounded DOWN to the 0.001 step. */
function amountFor(balance, positionSize, entryPrice) {
  const steps = Math.floor((balance * positionSize) / entryPrice / STEP + 1e-9);
  return (steps * STEP).toFixed(3);
}

let stopRequested = false;
let wake = null;
const sleep = (ms) =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      wake = null;
      resolve();
    }
    wake = done;
  });

process.on("SIGINT", () => {
  if (stopRequested) return; // already shutting down
  stopRequested = true;
  if (wake) wake();
});

async function tradingLoop() {
  // Initialize
  const engine = new CrossoverDecisionSource();
  const executor = new OrderExecutor({
    paperMode: true,
    initialBalance: 10000.0,
    logger: null, // the loop prints what matters; pass a function to see the execution log
  });
  const feed = priceFeed(loadCandles());
  let iterations = 0;

  while (!stopRequested) {
    if (iterations >= MAX_ITERATIONS) {
      console.log(`\nStopping after IFTB_LOOP_ITERATIONS=${MAX_ITERATIONS} iterations.`);
      break;
    }
    const next = feed.next();
    if (next.done) {
      console.log(`\nEnd of price data after ${iterations} candles.`);
      break;
    }
    iterations += 1;
    const candle = next.value;
    try {
      // Get market data (replayed candle close)
      const events = executor.updatePrice(SYMBOL, candle.close);
      for (const e of events) {
        if (e.type === "stopLossTriggered" || e.type === "takeProfitTriggered" || e.type === "positionLiquidated") {
          console.log(`[${new Date(candle.timestamp).toISOString()}] ${e.type} at $${Number(e.price).toFixed(2)}`);
        }
      }

      // Make decision
      const price = Number(candle.close);
      const position = executor.getPositions().find((p) => p.symbol === SYMBOL);
      const decision = engine.makeDecision(price, position);

      // Log decision
      console.log(`Decision: ${decision.action} (confidence: ${(decision.confidence * 100).toFixed(2)}%)`);

      // Execute if actionable
      if (decision.action !== "HOLD" && !decision.vetoed) {
        // Calculate position size
        const account = await executor.getAccountStatus();
        const amount = decision.action === "CLOSE"
          ? position.exact.amount // the whole position
          : amountFor(account.balance, decision.positionSize, decision.entryPrice);

        // Convert and execute
        const request = convertDecisionToRequest(decision, { amount, orderType: "market" });
        const order = await executor.executeDecision(request);

        if (order.status === "filled") {
          console.log(`Order filled: ${order.id}`);
          console.log(`  Price: $${order.filledPrice.toFixed(2)}`);
          console.log(`  Amount: ${order.filledAmount}`);
          console.log(`  Fee: $${order.fee.toFixed(2)}`);
        } else {
          console.log(`Order failed: ${order.errorMessage}`);
        }
      } else if (decision.vetoed) {
        console.log(`  (vetoed: ${decision.reason})`);
      }

      // Get updated account status
      const status = await executor.getAccountStatus();
      console.log("\nAccount Status:");
      console.log(`  Balance: $${status.balance.toFixed(2)}`);
      console.log(`  Equity: $${status.totalEquity.toFixed(2)}`);
      console.log(`  Open Positions: ${status.positionsCount}`);

      // Wait before next iteration
      await sleep(DELAY_MS);
    } catch (e) {
      console.log(`Error in trading loop: ${e.code ?? e.name} ${e.message}`);
      await sleep(DELAY_MS); // Wait before retry
    }
  }

  console.log("\nShutting down...");
  // Emergency close all positions
  const closingOrders = await executor.emergencyCloseAll();
  console.log(`Closed ${closingOrders.length} positions`);
  const status = await executor.getAccountStatus();
  console.log(`Final balance: $${status.balance.toFixed(2)} (realized PnL $${status.realizedPnl.toFixed(2)}, fees $${status.feesPaid.toFixed(2)})`);
}

tradingLoop().then(
  () => process.exit(0),
  (e) => {
    console.error(`Fatal: ${e.code ?? ""} ${e.stack ?? e}`);
    process.exit(1);
  },
);
