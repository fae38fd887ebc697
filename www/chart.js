// A small canvas candlestick chart: candles, a price axis, a UTC time axis, the last price and
// labelled horizontal lines (entry, stop-loss, take-profit, liquidation, resting orders).
// Lines far outside the candles' range are not allowed to squash the candles: they are shown
// as a tag pinned to the top or bottom edge with an arrow.

const COLORS = {
  bg: '#0f141b',
  grid: '#1e2631',
  axis: '#8b98a9',
  up: '#2ebd85',
  down: '#f6465d',
  text: '#e6edf3',
};

function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
}

export class CandleChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.width = 0;
    this.height = 0;
  }

  /** Match the canvas bitmap to its CSS size and the device pixel ratio. */
  resize() {
    const r = this.canvas.getBoundingClientRect();
    const dpr = globalThis.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(r.width));
    const h = Math.max(1, Math.round(r.height));
    if (w !== this.width || h !== this.height || this.dpr !== dpr) {
      this.width = w;
      this.height = h;
      this.dpr = dpr;
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
    }
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }

  /** How many candles fit at a readable width (measured now: the layout may have changed). */
  capacity() {
    this.resize();
    return Math.max(20, Math.floor((this.width - 80) / 7));
  }

  /**
   * candles: [{t,o,h,l,c}], lines: [{price, label, color, dash?}], fmt: price → text,
   * empty: text shown when there is nothing to draw.
   */
  draw({ candles = [], lines = [], fmt = String, empty = 'No data' }) {
    this.resize();
    const { ctx, width: W, height: H } = this;
    ctx.fillStyle = COLORS.bg;
    ctx.fillRect(0, 0, W, H);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    if (!candles.length) {
      ctx.fillStyle = COLORS.axis;
      ctx.textAlign = 'center';
      ctx.fillText(empty, W / 2, H / 2);
      return;
    }

    let lo = Math.min(...candles.map((k) => k.l));
    let hi = Math.max(...candles.map((k) => k.h));
    const span0 = Math.max(hi - lo, hi * 0.001);
    const visible = [];
    const offChart = [];
    for (const line of lines) {
      if (!Number.isFinite(line.price)) continue;
      if (line.price >= lo - span0 * 0.6 && line.price <= hi + span0 * 0.6) {
        visible.push(line);
        lo = Math.min(lo, line.price);
        hi = Math.max(hi, line.price);
      } else offChart.push(line);
    }
    const pad = Math.max(hi - lo, hi * 0.001) * 0.06;
    lo -= pad;
    hi += pad;

    ctx.font = 'bold 11px system-ui, sans-serif';
    const axisW = Math.max(64, ctx.measureText(fmt(hi)).width + 14);
    ctx.font = '11px system-ui, sans-serif';
    const plot = { x: 0, y: 8, w: W - axisW, h: H - 8 - 22 };
    const y = (p) => plot.y + (hi - p) / (hi - lo) * plot.h;
    const n = candles.length;
    const cw = plot.w / Math.max(n, this.capacity());
    const x0 = plot.x + plot.w - n * cw; // right-aligned: newest candle at the axis

    // Grid and price axis.
    const step = niceStep(hi - lo, Math.max(3, Math.floor(plot.h / 48)));
    ctx.strokeStyle = COLORS.grid;
    ctx.lineWidth = 1;
    const gridLabels = [];
    for (let p = Math.ceil(lo / step) * step; p <= hi; p += step) {
      const yy = Math.round(y(p)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(plot.x, yy);
      ctx.lineTo(plot.x + plot.w, yy);
      ctx.stroke();
      gridLabels.push({ y: yy, text: fmt(p) });
    }
    ctx.fillStyle = COLORS.axis;

    // Time axis (UTC), one label every ~110 px.
    const every = Math.max(1, Math.ceil(110 / cw));
    ctx.textAlign = 'center';
    let lastDay = null;
    for (let i = 0; i < n; i++) {
      if ((n - 1 - i) % every !== 0) continue;
      const d = new Date(candles[i].t);
      const day = d.toISOString().slice(5, 10);
      const hm = d.toISOString().slice(11, 16);
      const xx = x0 + (i + 0.5) * cw;
      const text = day !== lastDay ? `${day} ${hm}` : hm;
      const half = ctx.measureText(text).width / 2;
      if (xx - half < 2 || xx + half > plot.w - 2) continue;
      ctx.fillText(text, xx, H - 11);
      lastDay = day;
    }

    // Candles.
    const body = Math.max(1, Math.min(cw * 0.7, cw - 1));
    for (let i = 0; i < n; i++) {
      const k = candles[i];
      const up = k.c >= k.o;
      ctx.strokeStyle = ctx.fillStyle = up ? COLORS.up : COLORS.down;
      const cx = Math.round(x0 + (i + 0.5) * cw) + 0.5;
      ctx.beginPath();
      ctx.moveTo(cx, y(k.h));
      ctx.lineTo(cx, y(k.l));
      ctx.stroke();
      const top = y(Math.max(k.o, k.c));
      const hgt = Math.max(1, y(Math.min(k.o, k.c)) - top);
      ctx.globalAlpha = k.partial ? 0.6 : 1;
      ctx.fillRect(cx - body / 2, top, body, hgt);
      ctx.globalAlpha = 1;
    }

    // Horizontal lines: a name at the left edge of the plot, the price in a tag on the axis.
    const last = candles[n - 1];
    const tags = [];
    ctx.textAlign = 'left';
    for (const line of visible) {
      const yy = Math.round(y(line.price)) + 0.5;
      ctx.strokeStyle = line.color;
      ctx.setLineDash(line.dash ?? []);
      ctx.beginPath();
      ctx.moveTo(plot.x, yy);
      ctx.lineTo(plot.x + plot.w, yy);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = line.color;
      ctx.fillText(line.label, plot.x + 6, yy - 8);
      tags.push({ y: yy, text: fmt(line.price), color: line.color });
    }
    const lastColor = last.c >= last.o ? COLORS.up : COLORS.down;
    ctx.strokeStyle = lastColor;
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    ctx.moveTo(plot.x, Math.round(y(last.c)) + 0.5);
    ctx.lineTo(plot.x + plot.w, Math.round(y(last.c)) + 0.5);
    ctx.stroke();
    ctx.setLineDash([]);
    tags.push({ y: y(last.c), text: fmt(last.c), color: lastColor, bold: true });
    // Lines far off the chart: a note pinned to the top or bottom edge.
    let top = plot.y + 10;
    let bottom = plot.y + plot.h - 10;
    ctx.textAlign = 'right';
    for (const line of offChart) {
      const above = line.price > hi;
      ctx.fillStyle = line.color;
      ctx.fillText(`${above ? '▲' : '▼'} ${line.label} ${fmt(line.price)}`, plot.x + plot.w - 6, above ? top : bottom);
      if (above) top += 14;
      else bottom -= 14;
    }

    // Axis tags must not overlap: sort by y, push apart, keep inside the plot.
    tags.sort((a, b) => a.y - b.y);
    const th = 16;
    for (let i = 1; i < tags.length; i++) tags[i].y = Math.max(tags[i].y, tags[i - 1].y + th);
    const overflow = tags.length ? tags[tags.length - 1].y - (plot.y + plot.h - th / 2) : 0;
    if (overflow > 0) for (const t of tags) t.y -= overflow;
    for (let i = tags.length - 2; i >= 0; i--) tags[i].y = Math.min(tags[i].y, tags[i + 1].y - th);
    ctx.fillStyle = COLORS.axis;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'left';
    for (const g of gridLabels) {
      if (tags.every((t) => Math.abs(t.y - g.y) > th - 2)) ctx.fillText(g.text, plot.x + plot.w + 6, g.y);
    }
    for (const t of tags) {
      ctx.font = `${t.bold ? 'bold ' : ''}11px system-ui, sans-serif`;
      ctx.fillStyle = t.color;
      ctx.fillRect(plot.x + plot.w + 1, t.y - th / 2 + 1, axisW - 2, th - 2);
      ctx.fillStyle = '#0b0f14';
      ctx.fillText(t.text, plot.x + plot.w + 5, t.y);
    }
  }
}
