// A candlestick chart built on TradingView's lightweight-charts (Apache-2.0, vendored: the page
// loads it from node_modules through the import map, never from a CDN): crosshair with an
// OHLC readout, zoom / pan / scroll-back, volume, markers, and horizontal price lines that stay
// in view and, when draggable, can be dragged with the mouse or a finger to a new price.
import {
  CandlestickSeries, ColorType, CrosshairMode, HistogramSeries, LineSeries, LineStyle, createChart, createSeriesMarkers,
} from 'lightweight-charts';

export const COLORS = {
  bg: '#0f141b',
  grid: '#1b2430',
  text: '#aab6c5',
  up: '#2ebd85',
  down: '#f6465d',
  entry: '#5b9dff',
  stopLoss: '#ff6b7d',
  takeProfit: '#2ebd85',
  liquidation: '#f0a020',
  limit: '#b79cff',
  ticket: '#ffd166',
};

/** Seconds since the epoch: lightweight-charts' UTC time. */
export const toTime = (ms) => Math.floor(ms / 1000);

const fmtTime = (sec) => new Date(sec * 1000).toISOString().slice(0, 16).replace('T', ' ');

/** Lines farther than this fraction from the last price do not stretch the price scale. */
const KEEP_IN_VIEW = 0.12;
/** Pixels around a draggable line that grab it. */
const GRAB_PX = 8;

export class PriceChart {
  /**
   * el: the container; opts: { onDrag(line, price) → Promise<boolean> (false: put it back),
   * roundPrice(price) → price on the tick grid, format(price) → text }.
   */
  constructor(el, opts = {}) {
    this.el = el;
    this.opts = opts;
    this.precision = 2;
    this.lines = new Map(); // key → { spec, api }
    this.last = null;
    this.readout = el.querySelector('.readout');
    this.edges = el.querySelector('.edges');
    this.chart = createChart(el.querySelector('.chart-canvas') ?? el, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: COLORS.bg }, textColor: COLORS.text, fontSize: 12 },
      grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
      crosshair: { mode: CrosshairMode.Normal },
      rightPriceScale: { borderColor: '#263241' },
      timeScale: { borderColor: '#263241', timeVisible: true, secondsVisible: false, rightOffset: 8 },
      localization: { timeFormatter: fmtTime },
    });
    this.series = this.chart.addSeries(CandlestickSeries, {
      upColor: COLORS.up, downColor: COLORS.down, wickUpColor: COLORS.up, wickDownColor: COLORS.down, borderVisible: false,
      autoscaleInfoProvider: (original) => this.autoscale(original()),
    });
    this.volume = this.chart.addSeries(HistogramSeries, {
      priceScaleId: 'volume', priceFormat: { type: 'volume' }, lastValueVisible: false, priceLineVisible: false,
    });
    this.chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
    this.markers = createSeriesMarkers(this.series, []);
    this.chart.subscribeCrosshairMove((p) => this.showReadout(p));
    this.wireDrag();
  }

  setPrecision(decimals) {
    if (decimals === this.precision) return;
    this.precision = decimals;
    this.series.applyOptions({ priceFormat: { type: 'price', precision: decimals, minMove: 10 ** -decimals } });
  }

  /** Replace every candle (a new symbol, timeframe or replay position). */
  setData(candles) {
    this.series.setData(candles.map(bar));
    this.volume.setData(candles.map(vol));
    this.last = candles.at(-1) ?? null;
    this.showReadout(null);
  }

  /** Update the newest candle, or append one. */
  update(candle) {
    this.series.update(bar(candle));
    this.volume.update(vol(candle));
    this.last = candle;
    if (!this.hovering) this.showReadout(null);
  }

  /** Show the newest `n` candles (and the empty space to the right of them). */
  showRecent(n) {
    const total = this.series.data().length;
    this.chart.timeScale().setVisibleLogicalRange({ from: total - n, to: total + 8 });
  }

  /** How many candles are in view now. */
  visibleBars() {
    const r = this.chart.timeScale().getVisibleLogicalRange();
    const total = this.series.data().length;
    if (!r) return 0;
    return Math.max(0, Math.min(total - 1, Math.floor(r.to)) - Math.max(0, Math.ceil(r.from)) + 1);
  }

  /**
   * Markers: [{ time (ms), kind: "long" | "short" | "exit" | "liquidation", price, text }],
   * drawn at their price.
   */
  setMarkers(list) {
    const shape = { long: 'arrowUp', short: 'arrowDown', exit: 'circle', liquidation: 'square' };
    const color = { long: COLORS.up, short: COLORS.down, exit: '#d6dde6', liquidation: COLORS.liquidation };
    this.markers.setMarkers(list
      .map((m) => ({
        time: toTime(m.time), position: 'atPriceMiddle', price: m.price, shape: shape[m.kind], color: color[m.kind], text: m.text, size: 1,
      }))
      .sort((a, b) => a.time - b.time));
  }

  /**
   * Horizontal lines: [{ key, price, kind, title, draggable }]. Kinds: entry, stopLoss,
   * takeProfit, liquidation, limit, ticket. Lines are kept by key, so a drag in progress is
   * not disturbed by a refresh.
   */
  setLines(specs) {
    const seen = new Set();
    for (const s of specs) {
      if (!Number.isFinite(s.price)) continue;
      seen.add(s.key);
      const color = COLORS[s.kind] ?? COLORS.limit;
      const opts = {
        price: s.price, color, title: s.title, lineWidth: s.kind === 'entry' ? 1 : 2,
        lineStyle: s.kind === 'entry' ? LineStyle.Solid : s.kind === 'liquidation' ? LineStyle.SparseDotted : LineStyle.Dashed,
        axisLabelVisible: true, axisLabelTextColor: '#0b0f14',
      };
      const have = this.lines.get(s.key);
      if (!have) this.lines.set(s.key, { spec: s, api: this.series.createPriceLine(opts) });
      else if (this.drag?.key !== s.key) {
        have.spec = s;
        have.api.applyOptions(opts);
      }
    }
    for (const [key, l] of this.lines) {
      if (!seen.has(key) && this.drag?.key !== key) {
        this.series.removePriceLine(l.api);
        this.lines.delete(key);
      }
    }
    // The price scale settles when the chart draws: place the edge tags after that.
    cancelAnimationFrame(this.edgeFrame);
    this.edgeFrame = requestAnimationFrame(() => this.showEdges());
  }

  /** Keep stops, targets and orders near the price in view; far ones get an edge tag instead. */
  autoscale(res) {
    if (!res?.priceRange || !this.last) return res;
    const ref = this.last.c;
    for (const { spec } of this.lines.values()) {
      if (Math.abs(spec.price - ref) / ref > KEEP_IN_VIEW) continue;
      res.priceRange.minValue = Math.min(res.priceRange.minValue, spec.price);
      res.priceRange.maxValue = Math.max(res.priceRange.maxValue, spec.price);
    }
    return res;
  }

  /** Tags at the top / bottom edge for lines outside the visible prices. */
  showEdges() {
    if (!this.edges) return;
    const above = [];
    const below = [];
    const height = this.chart.paneSize().height;
    const fmt = this.opts.format ?? String;
    for (const { spec } of this.lines.values()) {
      const y = this.series.priceToCoordinate(spec.price);
      if (y === null || (y >= 0 && y <= height)) continue;
      (y < 0 ? above : below).push(`${spec.title} ${fmt(spec.price)}`);
    }
    this.edges.replaceChildren(...above.map((t) => edge('▲', t, 'top')), ...below.map((t) => edge('▼', t, 'bottom')));
  }

  /** An equity curve in a second pane under the candles: [{ t (ms), v }]. */
  setEquity(points) {
    if (!this.equity) {
      this.equity = this.chart.addSeries(LineSeries, { color: COLORS.entry, lineWidth: 2, priceLineVisible: false, title: 'Equity' }, 1);
      this.chart.panes()[1]?.setStretchFactor(0.35);
    }
    this.equity.setData(points.map((p) => ({ time: toTime(p.t), value: p.v })));
  }

  showReadout(p) {
    if (!this.readout) return;
    let k = null;
    this.hovering = !!(p && p.time !== undefined && p.seriesData?.get(this.series));
    if (this.hovering) {
      const d = p.seriesData.get(this.series);
      const v = p.seriesData.get(this.volume);
      k = { t: d.time * 1000, o: d.open, h: d.high, l: d.low, c: d.close, v: v?.value ?? 0 };
    } else k = this.last;
    if (!k) {
      this.readout.textContent = '';
      return;
    }
    const f = (x) => x.toLocaleString('en-US', { minimumFractionDigits: this.precision, maximumFractionDigits: this.precision });
    const change = ((k.c - k.o) / k.o) * 100;
    this.readout.replaceChildren(
      span(fmtTime(toTime(k.t)), 'when'),
      span(`O ${f(k.o)}`), span(`H ${f(k.h)}`), span(`L ${f(k.l)}`), span(`C ${f(k.c)}`),
      span(`${change >= 0 ? '+' : ''}${change.toFixed(2)}%`, change >= 0 ? 'pos' : 'neg'),
      span(`Vol ${k.v.toLocaleString('en-US', { maximumFractionDigits: 2 })}`),
    );
  }

  /** Drag a draggable line: press near it, move, release; the owner commits or refuses. */
  wireDrag() {
    const box = this.el.querySelector('.chart-canvas') ?? this.el;
    const yOf = (e) => e.clientY - box.getBoundingClientRect().top;
    const near = (y) => {
      let best = null;
      for (const [key, l] of this.lines) {
        if (!l.spec.draggable) continue;
        const ly = this.series.priceToCoordinate(l.spec.price);
        if (ly === null) continue;
        const d = Math.abs(ly - y);
        if (d <= GRAB_PX && (!best || d < best.d)) best = { key, d };
      }
      return best?.key ?? null;
    };
    const lock = (on) => this.chart.applyOptions({ handleScroll: !on, handleScale: !on });
    box.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      const key = near(yOf(e));
      if (!key) return;
      const l = this.lines.get(key);
      this.drag = { key, from: l.spec.price, price: l.spec.price, pointer: e.pointerId };
      lock(true);
      box.setPointerCapture?.(e.pointerId);
      e.preventDefault();
      e.stopPropagation();
    }, { capture: true });
    box.addEventListener('pointermove', (e) => {
      const y = yOf(e);
      if (!this.drag) {
        box.style.cursor = near(y) ? 'ns-resize' : '';
        return;
      }
      const raw = this.series.coordinateToPrice(y);
      if (raw === null || !(raw > 0)) return;
      const price = this.opts.roundPrice ? this.opts.roundPrice(raw) : raw;
      const l = this.lines.get(this.drag.key);
      this.drag.price = price;
      l.api.applyOptions({ price });
      e.preventDefault();
      e.stopPropagation();
    }, { capture: true });
    const end = async (e) => {
      const d = this.drag;
      if (!d || e.pointerId !== d.pointer) return;
      e.stopPropagation();
      box.releasePointerCapture?.(e.pointerId);
      lock(false);
      const l = this.lines.get(d.key);
      let ok = false;
      if (d.price !== d.from && this.opts.onDrag) ok = await this.opts.onDrag(l.spec, d.price).catch(() => false);
      this.drag = null;
      if (ok) l.spec = { ...l.spec, price: d.price };
      else l.api.applyOptions({ price: l.spec.price });
    };
    box.addEventListener('pointerup', end, { capture: true });
    box.addEventListener('pointercancel', end, { capture: true });
  }

  /** The y coordinate of a line (for tests and keyboard helpers); null when out of view. */
  lineY(key) {
    const l = this.lines.get(key);
    return l ? this.series.priceToCoordinate(l.spec.price) : null;
  }
}

/** A small line chart (equity curves): [{ t (ms), v }]. */
export class LineChart {
  constructor(el, { color = COLORS.entry } = {}) {
    this.chart = createChart(el, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: COLORS.bg }, textColor: COLORS.text, fontSize: 11 },
      grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
      timeScale: { timeVisible: true, secondsVisible: false, borderColor: '#263241' },
      rightPriceScale: { borderColor: '#263241' },
      localization: { timeFormatter: fmtTime },
    });
    this.series = this.chart.addSeries(LineSeries, { color, lineWidth: 2, priceLineVisible: false });
  }

  setData(points) {
    // One point per second at most (the chart's time resolution), the last value wins.
    const out = [];
    for (const p of points) {
      const time = toTime(p.t);
      if (out.length && out[out.length - 1].time >= time) out[out.length - 1].value = p.v;
      else out.push({ time, value: p.v });
    }
    this.series.setData(out);
    this.chart.timeScale().fitContent();
  }
}

const bar = (k) => ({ time: toTime(k.t), open: k.o, high: k.h, low: k.l, close: k.c });
const vol = (k) => ({ time: toTime(k.t), value: k.v ?? 0, color: k.c >= k.o ? 'rgba(46,189,133,.35)' : 'rgba(246,70,93,.35)' });

function span(text, cls) {
  const s = document.createElement('span');
  s.textContent = text;
  if (cls) s.className = cls;
  return s;
}

function edge(arrow, text, where) {
  const d = document.createElement('div');
  d.className = `edge ${where}`;
  d.textContent = `${arrow} ${text}`;
  return d;
}
