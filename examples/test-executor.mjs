// The spec's example test script (shared/spec/order-execution-module.md, "Testing"), in JS:
// paper trading execution, position management, order validation, stop-loss / take-profit
// updates and emergency close, with the spec's OrderExecutor example translated line by line.
//
//   npm run build && node examples/test-executor.mjs
//
// Every check uses node:assert; the last line is "ALL CHECKS PASSED" only when all of them
// passed, and the exit code is non-zero otherwise.
import assert from "node:assert/strict";
import { OrderExecutor, convertDecisionToRequest } from "iftb-executor";

const BTC = "BTC/USDT";
const ETH = "ETH/USDT";
const SOL = "SOL/USDT";

let passed = 0;
const failures = [];
/** Run one named check; a failure is recorded and reported, the script goes on. */
async function check(name, fn) {
  try {
    await fn();
    passed += 1;
  } catch (e) {
    failures.push(name);
    console.log(`  CHECK FAILED: ${name}\n    ${String(e && e.message).split("\n").join("\n    ")}`);
  }
}
/** Await a promise that must reject; return the error. */
async function rejection(p) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new assert.AssertionError({ message: "expected a rejection, the call succeeded" });
}
const section = (title) => console.log(`\n${"=".repeat(64)}\n${title}\n${"=".repeat(64)}`);
const usd = (n) => `$${n.toFixed(2)}`;
/** A compact logger: one line per execution-log record. */
const compactLogger = (r) =>
  console.log(`    [${r.level}] ${r.event}: ${r.message}${r.orderId ? ` (order ${r.orderId})` : ""}`);

async function main() {
  // ---------------------------------------------------------------------------------------
  section("1. The spec's OrderExecutor example");
  // ---------------------------------------------------------------------------------------
  // Translated as written: 0.1 BTC at 50,000 with 2x leverage is 2,500 of margin, 25% of the
  // 10,000 balance, over maxPositionSize 0.1 (10%). The executor refuses it.
  async function specExample(amount) {
    const executor = new OrderExecutor({
      paperMode: true,
      initialBalance: 10000.0,
      maxPositionSize: 0.1, // 10% of balance max
      maxLeverage: 5,
      logger: null,
    });

    // Create execution request
    const request = {
      action: "long",
      symbol: "BTC/USDT",
      amount,
      entryPrice: 50000.0,
      stopLoss: 48000.0,
      takeProfit: 55000.0,
      leverage: 2,
      orderType: "market",
      reason: "Bullish signal from strategy",
    };

    // Execute
    const order = await executor.executeDecision(request);

    if (order.status === "filled") {
      console.log(`Order filled at $${order.filledPrice.toFixed(2)}`);

      // Update stop-loss
      await executor.updateStopLoss("BTC/USDT", 49000.0);

      // Update take-profit
      await executor.updateTakeProfit("BTC/USDT", 56000.0);
    }

    // Get account status
    const status = await executor.getAccountStatus();
    console.log(`Balance: $${status.balance.toFixed(2)}`);
    console.log(`Total Equity: $${status.totalEquity.toFixed(2)}`);
    console.log(`Positions: ${status.positionsCount}`);

    // Emergency close all positions
    const emergencyCondition = true;
    let closingOrders = [];
    if (emergencyCondition) {
      closingOrders = await executor.emergencyCloseAll();
      console.log(`Closed ${closingOrders.length} positions`);
    }
    return { executor, order, status, closingOrders };
  }

  console.log("-- as written in the spec: amount 0.1");
  const refused = await rejection(specExample(0.1));
  console.log(`Refused: ${refused.name} ${refused.code}`);
  console.log(`  ${refused.message}`);
  await check("spec example with amount 0.1 is refused with POSITION_SIZE_EXCEEDED", () => {
    assert.ok(refused instanceof Error);
    assert.equal(refused.name, "RiskError");
    assert.equal(refused.code, "POSITION_SIZE_EXCEEDED");
    assert.match(refused.message, /2500/);
  });

  console.log("\n-- the same block with amount 0.01 (margin 250, within 10%)");
  const spec = await specExample(0.01);
  await check("spec example with amount 0.01 fills, updates SL/TP and closes", async () => {
    assert.equal(spec.order.status, "filled");
    assert.equal(spec.order.exact.filledPrice, "50025"); // 50000 + 0.05% slippage
    assert.equal(spec.order.exact.fee, "0.2001"); // 0.01 × 50025 × 0.04%
    assert.equal(spec.status.exact.balance, "9749.6749"); // 10000 − 0.2001 − 250.125 margin
    assert.equal(spec.status.exact.totalEquity, "9999.5499"); // wallet − 0.25 unrealized
    assert.equal(spec.status.positionsCount, 1);
    assert.equal(spec.status.positions[0].stopLoss, 49000);
    assert.equal(spec.status.positions[0].takeProfit, 56000);
    assert.equal(spec.closingOrders.length, 1);
    const after = await spec.executor.getAccountStatus();
    assert.equal(after.positionsCount, 0);
    assert.equal(after.openOrdersCount, 0, "protective orders cancelled");
    // Closed at 49975 (−0.05%): realized −0.5, fee 0.1999.
    assert.equal(after.exact.walletBalance, "9999.1");
  });

  // ---------------------------------------------------------------------------------------
  section("2. Paper trading execution");
  // ---------------------------------------------------------------------------------------
  {
    const ex = new OrderExecutor({ paperMode: true, initialBalance: 10000, logger: null });
    const short = await ex.executeDecision({ action: "short", symbol: ETH, amount: 0.3, entryPrice: 3000 });
    console.log(`Market short 0.3 ETH @ 3000 -> ${short.status} at ${usd(short.filledPrice)}, fee ${usd(short.fee)}`);
    ex.updatePrice(BTC, 50000);
    const limit = await ex.executeDecision({ action: "long", symbol: BTC, amount: 0.01, entryPrice: 49000, orderType: "limit" });
    console.log(`Limit long 0.01 BTC @ 49000 (market 50000) -> ${limit.status}`);
    const events = ex.updatePrice(BTC, 48990);
    const fill = events.find((e) => e.type === "orderFilled");
    console.log(`Price 48990 -> ${fill.orderId} filled at ${usd(fill.price)} as ${fill.liquidity}, fee ${usd(fill.fee)}`);
    const status = await ex.getAccountStatus();
    console.log(`Balance: ${usd(status.balance)}  Equity: ${usd(status.totalEquity)}  Positions: ${status.positionsCount}`);
    await check("market order fills with slippage and taker fee", () => {
      assert.equal(short.status, "filled");
      assert.equal(short.exact.filledPrice, "2998.5"); // 3000 − 0.05%
      assert.equal(short.exact.fee, "0.35982"); // 0.3 × 2998.5 × 0.04%
    });
    await check("limit order rests, then fills at its limit as maker", () => {
      assert.equal(limit.status, "pending");
      assert.equal(fill.orderId, limit.id);
      assert.equal(fill.liquidity, "maker");
      assert.equal(fill.exact.price, "49000");
      assert.equal(fill.exact.fee, "0.098"); // 0.01 × 49000 × 0.02%
      assert.equal(status.positionsCount, 2);
      assert.equal(ex.getOrders().length, 2);
      assert.equal(ex.getFills().length, 2);
    });
  }

  // ---------------------------------------------------------------------------------------
  section("3. Position management");
  // ---------------------------------------------------------------------------------------
  {
    const ex = new OrderExecutor({ paperMode: true, initialBalance: 10000, logger: null });
    const show = (label) => {
      const [p] = ex.getPositions();
      console.log(p
        ? `${label}: ${p.symbol} ${p.side} ${p.amount} @ ${usd(p.entryPrice)}, realized ${usd(p.realizedPnl)}, unrealized ${usd(p.unrealizedPnl)}`
        : `${label}: no position`);
      return p;
    };
    await ex.executeDecision({ action: "long", symbol: BTC, amount: 0.01, entryPrice: 50000 });
    const opened = show("Open 0.01");
    await ex.executeDecision({ action: "long", symbol: BTC, amount: 0.005, entryPrice: 50200 });
    const increased = show("Add 0.005");
    await ex.executeDecision({ action: "close", symbol: BTC, amount: 0.005, entryPrice: 50500 });
    const reduced = show("Close 0.005");
    const closing = await ex.executeDecision({ action: "close", symbol: BTC, amount: 1, entryPrice: 50500 });
    const none = show("Close the rest");
    const status = await ex.getAccountStatus();
    console.log(`Realized PnL: ${usd(status.realizedPnl)}  Fees: ${usd(status.feesPaid)}  Balance: ${usd(status.balance)}`);
    await check("positions open, increase (average entry), reduce and close", () => {
      assert.equal(opened.exact.entryPrice, "50025");
      assert.equal(increased.exact.amount, "0.015");
      assert.equal(increased.exact.entryPrice, "50091.7"); // (0.01×50025 + 0.005×50225.1) / 0.015
      assert.equal(reduced.exact.amount, "0.01");
      assert.equal(reduced.exact.realizedPnl, "1.91525"); // (50474.75 − 50091.7) × 0.005
      assert.equal(closing.amount, 0.01, "close amount capped at the position");
      assert.equal(closing.reduceOnly, true);
      assert.equal(none, undefined);
      assert.equal(status.positionsCount, 0);
      assert.equal(status.exact.realizedPnl, "5.74575"); // 1.91525 + (50474.75 − 50091.7) × 0.01
      assert.equal(status.exact.balance, status.exact.walletBalance, "no margin left in use");
    });
  }

  // ---------------------------------------------------------------------------------------
  section("4. Order validation");
  // ---------------------------------------------------------------------------------------
  {
    const base = { action: "long", symbol: BTC, amount: 0.01, entryPrice: 50000 };
    const cases = [
      ["amount 0", { amount: 0 }, "INVALID_AMOUNT"],
      ["negative entry price", { entryPrice: -1 }, "INVALID_PRICE"],
      ["limit order without a price", { orderType: "limit", entryPrice: undefined }, "MISSING_PRICE"],
      ["long with stop-loss above entry", { stopLoss: 51000 }, "INVALID_STOP_LOSS"],
      ["short with stop-loss below entry", { action: "short", stopLoss: 49000 }, "INVALID_STOP_LOSS"],
      ["long with take-profit below entry", { takeProfit: 49000 }, "INVALID_TAKE_PROFIT"],
      ["short with take-profit above entry", { action: "short", takeProfit: 51000 }, "INVALID_TAKE_PROFIT"],
      ["leverage 10 over max 5", { leverage: 10 }, "LEVERAGE_EXCEEDED"],
      ["0.03 BTC: margin 1500 over 10%", { amount: 0.03 }, "POSITION_SIZE_EXCEEDED"],
      ["0.0005 BTC below the 0.001 minimum", { amount: 0.0005 }, "AMOUNT_BELOW_MINIMUM"],
      ["2000 BTC above the 1000 maximum", { amount: 2000 }, "AMOUNT_ABOVE_MAXIMUM"],
      ["0.0105 BTC not a multiple of 0.001", { amount: 0.0105 }, "INVALID_STEP_SIZE"],
      ["limit price 49000.05 off the 0.1 tick", { orderType: "limit", entryPrice: 49000.05 }, "INVALID_TICK_SIZE"],
      ["0.001 BTC × 50000 = 50 under 100 notional", { amount: 0.001 }, "NOTIONAL_BELOW_MINIMUM"],
      ["close without a position", { action: "close" }, "NO_POSITION"],
      ["unknown action \"buy\"", { action: "buy" }, "INVALID_REQUEST"],
    ];
    const ex = new OrderExecutor({ paperMode: true, initialBalance: 10000, maxPositionSize: 0.1, maxLeverage: 5, logger: null });
    const before = JSON.stringify(ex.snapshot());
    for (const [what, change, code] of cases) {
      const e = await rejection(ex.executeDecision({ ...base, ...change }));
      console.log(`Rejected ${what.padEnd(44)} -> ${e.name} ${e.code}`);
      await check(`validation: ${what}`, () => {
        assert.ok(e instanceof Error);
        assert.equal(e.code, code, e.message);
      });
    }
    await check("rejected requests leave the state unchanged", () => {
      assert.equal(JSON.stringify(ex.snapshot()), before);
    });
    const ok = await ex.executeDecision({ ...base, stopLoss: 49000, takeProfit: 52000, leverage: 5 });
    console.log(`Accepted a valid request -> ${ok.status} ${ok.id}`);
    await check("a valid request passes every check", () => assert.equal(ok.status, "filled"));

    const rich = new OrderExecutor({ paperMode: true, initialBalance: 10000, maxPositionSize: 1, logger: null });
    const failed = await rich.executeDecision({ ...base, amount: 0.2 });
    console.log(`Insufficient balance -> status ${failed.status}: ${failed.errorMessage}`);
    await check("insufficient balance resolves to a failed order", () => {
      assert.equal(failed.status, "failed");
      assert.match(failed.errorMessage, /Insufficient balance/);
    });
  }

  // ---------------------------------------------------------------------------------------
  section("5. Stop-loss / take-profit updates");
  // ---------------------------------------------------------------------------------------
  {
    const ex = new OrderExecutor({ paperMode: true, initialBalance: 10000, logger: compactLogger });
    console.log("Open 0.01 BTC long @ 50000 with SL 48000 / TP 55000:");
    await ex.executeDecision({ action: "long", symbol: BTC, amount: 0.01, entryPrice: 50000, stopLoss: 48000, takeProfit: 55000 });
    console.log("Move SL to 49000 and TP to 56000:");
    const afterSl = await ex.updateStopLoss(BTC, 49000);
    const afterTp = await ex.updateTakeProfit(BTC, 56000);
    console.log(`Position: SL ${afterSl.stopLoss} TP ${afterTp.takeProfit}`);
    console.log("Invalid updates:");
    const badSl = await rejection(ex.updateStopLoss(BTC, 50100));
    const badTp = await rejection(ex.updateTakeProfit(BTC, 49000));
    console.log(`  SL 50100 above the price -> ${badSl.code}; TP 49000 below it -> ${badTp.code}`);
    const fired = [];
    ex.on("stopLossTriggered", (e) => fired.push(e));
    console.log("Price falls to 48900:");
    const events = ex.updatePrice(BTC, 48900);
    await new Promise((r) => setImmediate(r)); // listeners run just after the call
    for (const e of events) console.log(`  event ${e.seq} ${e.type} ${e.orderId ?? ""} ${e.reason ?? ""}`.trimEnd());
    const sl = events.find((e) => e.type === "stopLossTriggered");
    const cancelled = events.find((e) => e.type === "orderCancelled");
    const slOrder = ex.getOrders().find((o) => o.id === sl?.orderId);
    const tpOrder = ex.getOrders().find((o) => o.id === cancelled?.orderId);
    console.log(`Stop-loss ${slOrder.id} ${slOrder.status} at ${usd(slOrder.filledPrice)}; take-profit ${tpOrder.id} ${tpOrder.status}`);
    await check("SL/TP updates move the levels and refuse the wrong side", () => {
      assert.equal(afterSl.stopLoss, 49000);
      assert.equal(afterTp.takeProfit, 56000);
      assert.equal(badSl.code, "INVALID_STOP_LOSS");
      assert.equal(badTp.code, "INVALID_TAKE_PROFIT");
    });
    await check("crossing the stop fires the SL and cancels the TP", () => {
      assert.ok(sl, "stopLossTriggered event");
      assert.equal(slOrder.type, "stop_loss");
      assert.equal(slOrder.status, "filled");
      assert.equal(tpOrder.type, "take_profit");
      assert.equal(tpOrder.status, "cancelled");
      assert.equal(fired.length, 1, "stopLossTriggered listener called once");
      assert.equal(ex.getPositions().length, 0);
      assert.equal(ex.getOpenOrders().length, 0);
    });
  }

  // ---------------------------------------------------------------------------------------
  section("6. Emergency close with several positions");
  // ---------------------------------------------------------------------------------------
  {
    const ex = new OrderExecutor({ paperMode: true, initialBalance: 10000, logger: null });
    await ex.executeDecision({ action: "long", symbol: BTC, amount: 0.01, entryPrice: 50000, stopLoss: 49000, takeProfit: 52000 });
    await ex.executeDecision({ action: "short", symbol: ETH, amount: 0.1, entryPrice: 3000, stopLoss: 3100 });
    await ex.executeDecision({ action: "long", symbol: SOL, amount: 5, entryPrice: 100, leverage: 2 });
    const before = await ex.getAccountStatus();
    for (const p of before.positions) console.log(`Open: ${p.symbol} ${p.side} ${p.amount} @ ${usd(p.entryPrice)}`);
    console.log(`Positions: ${before.positionsCount}, open orders: ${before.openOrdersCount}`);
    const closingOrders = await ex.emergencyCloseAll();
    for (const o of closingOrders) console.log(`Closed: ${o.symbol} ${o.side} ${o.filledAmount} at ${usd(o.filledPrice)} (${o.id})`);
    console.log(`Closed ${closingOrders.length} positions`);
    const after = await ex.getAccountStatus();
    console.log(`Balance: ${usd(after.balance)}  Total Equity: ${usd(after.totalEquity)}  Positions: ${after.positionsCount}`);
    await check("emergency close closes every position and cancels every order", () => {
      assert.equal(before.positionsCount, 3);
      assert.equal(before.openOrdersCount, 3);
      assert.equal(closingOrders.length, 3);
      assert.deepEqual(closingOrders.map((o) => o.symbol).sort(), [BTC, ETH, SOL]);
      assert.ok(closingOrders.every((o) => o.status === "filled" && o.reduceOnly));
      assert.equal(after.positionsCount, 0);
      assert.equal(after.openOrdersCount, 0);
      assert.equal(ex.getOpenOrders().length, 0);
      assert.equal(after.exact.balance, after.exact.walletBalance);
    });
  }

  // ---------------------------------------------------------------------------------------
  section("7. Decision engine integration (convertDecisionToRequest)");
  // ---------------------------------------------------------------------------------------
  {
    const executor = new OrderExecutor({ paperMode: true, logger: null });
    const decision = {
      action: "LONG", symbol: BTC, confidence: 0.72, positionSize: 0.05, entryPrice: 50000,
      stopLoss: 48000, takeProfit: 55000, leverage: 2, vetoed: false, reason: "MA crossover",
    };
    let order = null;
    if (decision.action !== "HOLD" && !decision.vetoed) {
      const request = convertDecisionToRequest(decision, { amount: 0.01, orderType: "market" });
      order = await executor.executeDecision(request);
      console.log(`Order executed: ${order.id}`);
    }
    let holdErr = null;
    try {
      convertDecisionToRequest({ ...decision, action: "HOLD" }, { amount: 0.01 });
    } catch (e) {
      holdErr = e;
    }
    console.log(`A HOLD decision -> ${holdErr?.code}`);
    await check("decisions convert and execute; HOLD is refused", () => {
      assert.equal(order?.status, "filled");
      assert.equal(executor.getPositions()[0].stopLoss, 48000);
      assert.equal(holdErr?.code, "INVALID_REQUEST");
    });
  }
}

try {
  await main();
} catch (e) {
  failures.push(`unexpected error: ${e && e.stack}`);
  console.log(`\nUNEXPECTED ERROR: ${e && (e.code ? `${e.code} ` : "")}${e && e.stack}`);
}
console.log(`\n${passed} checks passed, ${failures.length} failed`);
if (failures.length === 0) {
  console.log("ALL CHECKS PASSED");
} else {
  for (const f of failures) console.log(`  failed: ${f}`);
  process.exitCode = 1;
}
