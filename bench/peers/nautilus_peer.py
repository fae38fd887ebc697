"""nautilus_trader (pinned by bench/run.mjs) on the benchmark's workloads; prints one JSON object.

usage: python nautilus_peer.py replay CANDLES_CSV BARS K RUNS
       python nautilus_peer.py orders N RUNS

replay: the workload of bench/cases.mjs `replay-*`. A BacktestEngine with one simulated venue
(HEDGING OMS: every entry is its own position; margin account, 1x, 1e9 USDT) and a BTCUSDT
perpetual with 0.1 % maker and taker commission, fed the same candles as Bars (its bar-execution
path: each bar becomes open, high, low, close trade prices in the matching engine). At each
bar's close, while fewer than K positions are open, the strategy submits a bracket: a market buy
of 1 BTC (fills at the close), a STOP_MARKET sell at round(close x 0.98, 1) and a
MARKET_IF_TOUCHED sell at round(close x 1.02, 1), one-cancels-the-other, both filling as takers
like our stop-loss and take-profit. The timed part is `engine.run()` (the bars are loaded
before; logging bypassed, post-run analysis off). Between runs the engine is `reset()`; runs
must agree on every count.

orders: its order-placement rate. N trade ticks at 50,000 (one second apart, so the risk
engine's default 100 orders/s throttle never holds an order back), a market order of 0.01 on
each tick, alternately buy and sell on a NETTING venue (each pair opens and closes a position:
commission, margin, realized PnL), the full order and fill history kept, as in our
`placeOrder` row. The same ticks without orders are timed too; the compared rate is N over the
difference (the data path's cost is taken out, to the peer's benefit).
"""
import gc
import json
import sys
import time
import warnings
from decimal import Decimal

import pandas as pd

import nautilus_trader
from nautilus_trader.backtest.engine import BacktestEngine
from nautilus_trader.backtest.engine import BacktestEngineConfig
from nautilus_trader.config import LoggingConfig
from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.currencies import BTC
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.data import BarType
from nautilus_trader.model.data import TradeTick
from nautilus_trader.model.enums import AccountType
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.model.enums import OmsType
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.enums import OrderType
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.identifiers import Symbol
from nautilus_trader.model.identifiers import TradeId
from nautilus_trader.model.identifiers import Venue
from nautilus_trader.model.instruments import CryptoPerpetual
from nautilus_trader.model.objects import Money
from nautilus_trader.model.objects import Price
from nautilus_trader.model.objects import Quantity
from nautilus_trader.persistence.wranglers import BarDataWrangler
from nautilus_trader.trading.strategy import Strategy

warnings.filterwarnings("ignore")

VENUE = Venue("SIM")
INSTRUMENT_ID = InstrumentId(Symbol("BTCUSDT-PERP"), VENUE)


def instrument():
    # Binance BTCUSDT perpetual filters; the benchmark's 0.1 % commission; 1x margin.
    return CryptoPerpetual(
        instrument_id=INSTRUMENT_ID,
        raw_symbol=Symbol("BTCUSDT"),
        base_currency=BTC,
        quote_currency=USDT,
        settlement_currency=USDT,
        is_inverse=False,
        price_precision=1,
        price_increment=Price.from_str("0.1"),
        size_precision=3,
        size_increment=Quantity.from_str("0.001"),
        max_quantity=Quantity.from_str("1000.000"),
        min_quantity=Quantity.from_str("0.001"),
        max_notional=None,
        min_notional=None,
        max_price=Price.from_str("1000000.0"),
        min_price=Price.from_str("0.1"),
        margin_init=Decimal(1),
        margin_maint=Decimal("0.004"),
        maker_fee=Decimal("0.001"),
        taker_fee=Decimal("0.001"),
        ts_event=0,
        ts_init=0,
    )


def engine(oms_type):
    e = BacktestEngine(BacktestEngineConfig(
        logging=LoggingConfig(bypass_logging=True),
        run_analysis=False,
    ))
    e.add_venue(
        venue=VENUE,
        oms_type=oms_type,
        account_type=AccountType.MARGIN,
        starting_balances=[Money(1_000_000_000, USDT)],
        base_currency=USDT,
        default_leverage=Decimal(1),
    )
    e.add_instrument(instrument())
    return e


class KOpenConfig(StrategyConfig, frozen=True):
    bar_type: str
    k: int


class KOpen(Strategy):
    """At each bar's close, while fewer than K positions are open: buy 1 with SL -2 % / TP +2 %."""

    def __init__(self, config):
        super().__init__(config)
        self.k = config.k
        self.bar_type = BarType.from_str(config.bar_type)
        self.one = Quantity.from_str("1.000")
        self.entries = 0

    def on_start(self):
        self.subscribe_bars(self.bar_type)

    def on_reset(self):
        self.entries = 0

    def on_bar(self, bar):
        if len(self.cache.position_open_ids()) >= self.k:  # one instrument, one strategy
            return
        c = bar.close.as_double()
        bracket = self.order_factory.bracket(
            instrument_id=INSTRUMENT_ID,
            order_side=OrderSide.BUY,
            quantity=self.one,
            sl_trigger_price=Price(round(c * 0.98, 1), 1),
            tp_order_type=OrderType.MARKET_IF_TOUCHED,
            tp_trigger_price=Price(round(c * 1.02, 1), 1),
        )
        self.submit_order_list(bracket)
        self.entries += 1


def replay(csv, bars, k, runs):
    df = pd.read_csv(csv, nrows=bars)
    if len(df) != bars:
        raise SystemExit(f"{len(df)} candles in the file, {bars} asked for")
    df.index = pd.to_datetime(df.pop("timestamp_ms"), unit="ms")
    bar_type = BarType.from_str(f"{INSTRUMENT_ID}-5-MINUTE-LAST-EXTERNAL")
    e = engine(OmsType.HEDGING)
    t0 = time.perf_counter()
    data = BarDataWrangler(bar_type, instrument()).process(df)  # volume: its default, 1e6 per bar
    e.add_data(data)
    load_s = time.perf_counter() - t0
    strategy = KOpen(KOpenConfig(bar_type=str(bar_type), k=k, oms_type="HEDGING"))
    e.add_strategy(strategy)

    def counts(e):
        cache = e.cache
        positions = cache.positions(instrument_id=INSTRUMENT_ID)
        return {
            "entries": strategy.entries,
            "positions": len(positions),
            "closed": sum(1 for p in positions if p.is_closed),
            "fills": sum(len(o.trade_ids) for o in cache.orders(instrument_id=INSTRUMENT_ID)),
            "orders": len(cache.orders()),
            "wallet": str(wallet(e)),
        }

    secs, out = timed_runs(e, runs, counts)
    return {**summary([bars / t for t in secs], secs), "bars": bars, "k": k, "loadSeconds": load_s, **out}


class Alternate(Strategy):
    """A market order of 0.01 on every trade tick, alternately buy and sell."""

    def __init__(self, config=None, place=True):
        super().__init__(config)
        self.place = place
        self.qty = Quantity.from_str("0.010")
        self.n = 0

    def on_start(self):
        self.subscribe_trade_ticks(INSTRUMENT_ID)

    def on_reset(self):
        self.n = 0

    def on_trade_tick(self, tick):
        if self.place:
            side = OrderSide.SELL if self.n & 1 else OrderSide.BUY
            self.submit_order(self.order_factory.market(INSTRUMENT_ID, side, self.qty))
        self.n += 1


def orders(n, runs):
    price = Price.from_str("50000.0")
    size = Quantity.from_str("1000.000")
    ticks = [
        TradeTick(INSTRUMENT_ID, price, size, AggressorSide.BUYER, TradeId(str(i + 1)), (i + 1) * 1_000_000_000, (i + 1) * 1_000_000_000)
        for i in range(n)
    ]

    def timed(place):
        e = engine(OmsType.NETTING)
        e.add_data(ticks)
        s = Alternate(place=place)
        e.add_strategy(s)
        secs, out = timed_runs(e, runs, lambda e: {
            "ticks": s.n,
            "orders": len(e.cache.orders()),
            "filled": sum(1 for o in e.cache.orders() if o.is_closed and len(o.trade_ids) == 1),
            "feesPaid": str(Decimal(1_000_000_000) - wallet(e)),
        })
        e.dispose()
        return secs, out

    data_secs, _ = timed(False)
    order_secs, check = timed(True)
    if check["filled"] != n:
        raise SystemExit(f"not every order filled: {check}")
    data_median = median(data_secs)
    net = [n / max(t - data_median, 1e-9) for t in order_secs]
    return {
        **summary(net, order_secs),
        "n": n,
        "grossRates": [n / t for t in order_secs],
        "ticksOnlySeconds": data_secs,
        **check,
    }


def timed_runs(e, runs, counts):
    """A warm-up run, then `runs` timed runs of `e.run()` (reset between); every run must end
    with the same `counts(e)`. Returns the timed runs' seconds and the counts."""
    secs, out = [], None
    for i in range(runs + 1):
        if i:
            e.reset()
        settle()
        t0 = time.perf_counter()
        e.run()
        dt = time.perf_counter() - t0
        res = counts(e)
        if out is not None and res != out:
            raise SystemExit(f"runs disagree: {out} vs {res}")
        out = res
        if i:
            secs.append(dt)
    return secs, out


def wallet(e):
    return e.portfolio.account(VENUE).balance_total(USDT).as_decimal()


def settle():
    # Untimed, before each run: collect, then exempt what exists (the loaded data, the engine)
    # from later collections, so the cyclic GC's full passes in the run see only what the run
    # creates (to the peer's benefit).
    gc.collect()
    gc.freeze()


def median(v):
    s = sorted(v)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def summary(rates, secs):
    return {
        "runs": rates,
        "min": min(rates),
        "median": median(rates),
        "max": max(rates),
        "seconds": {"min": min(secs), "median": median(secs), "max": max(secs), "runs": secs},
        "version": nautilus_trader.__version__,
    }


def main():
    mode = sys.argv[1]
    if mode == "replay":
        out = replay(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    elif mode == "orders":
        out = orders(int(sys.argv[2]), int(sys.argv[3]))
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
