"""backtesting.py (0.6.6) on the benchmark's replay workload; prints one JSON object.

usage: python backtesting_peer.py CANDLES_CSV BARS K RUNS

Same workload as bench/cases.mjs `replay-*`: at each bar's close, while fewer than K trades are
open, buy 1 unit with a stop-loss at -2% and a take-profit at +2% of the close; hedging=True
(every entry is its own trade), exclusive_orders=False, 0.1% commission, cash 1e9.
backtesting.py fills the entry at the next bar's open and checks SL/TP against each bar's
high/low, so trade counts differ a little from ours; bars/s is the compared figure.
"""
import json
import sys
import time
import warnings

import pandas as pd
from backtesting import Backtest, Strategy
import backtesting

warnings.filterwarnings("ignore")


def main():
    path, bars, k, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    df = pd.read_csv(path, nrows=bars)
    if len(df) != bars:
        raise SystemExit(f"{len(df)} candles in the file, {bars} asked for")
    df.index = pd.to_datetime(df.pop("timestamp_ms"), unit="ms")
    df.columns = ["Open", "High", "Low", "Close"]

    class KOpen(Strategy):
        def init(self):
            pass

        def next(self):
            if len(self.trades) < k:
                c = self.data.Close[-1]
                self.buy(size=1, sl=round(c * 0.98, 1), tp=round(c * 1.02, 1))

    rates, secs, trades = [], [], 0
    for i in range(runs + 1):
        bt = Backtest(df, KOpen, cash=1e9, commission=0.001, hedging=True,
                      exclusive_orders=False, finalize_trades=True)
        t0 = time.perf_counter()
        stats = bt.run()
        dt = time.perf_counter() - t0
        if i == 0:
            continue  # warm-up
        secs.append(dt)
        rates.append(bars / dt)
        trades = int(stats["# Trades"])
    s = sorted(rates)
    print(json.dumps({
        "runs": rates,
        "min": s[0],
        "median": s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2,
        "max": s[-1],
        "seconds": secs,
        "bars": bars,
        "k": k,
        "trades": trades,
        "fills": 2 * trades,
        "version": backtesting.__version__,
    }))


if __name__ == "__main__":
    main()
