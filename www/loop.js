// The market loop: one feed per symbol (historical replay or a seeded random walk), played,
// stepped, restarted, scrubbed or jumped to a date. Every tick is one executor.updatePrice();
// the market time of the selected feed is the account's clock (orders, fills and events are
// stamped with replay time, as the chart shows it).
import { curve, sample } from './analytics.js';
import { CANDLE_MS, ReplayFeed, SimFeed, TICKS_PER_CANDLE, simStartAt } from './feed.js';
import * as F from './fmt.js';
import { $, DATASETS, S, SIM_START, SYMBOLS, rulesOf, run } from './state.js';
import { settle } from './refresh.js';
import { confirmDialog, toast } from './ui.js';

/** The account's clock: the selected market's time (wall time before any feed exists). */
export function marketNow() {
  const f = S.feeds[S.selected] ?? Object.values(S.feeds)[0];
  return f ? f.now : Date.now();
}

export const hasReplay = (sym) => Object.values(DATASETS).some((d) => d.symbol === sym);
/** A different default seed per symbol, so markets do not move in lock-step. */
export const seedFor = (sym) => 42 + SYMBOLS.indexOf(sym);

export function makeFeed(sym, source, { seed, vol } = {}) {
  const dataset = Object.keys(DATASETS).find((k) => DATASETS[k].symbol === sym && S.datasets[k]);
  if (source === 'replay' && dataset) return new ReplayFeed(sym, dataset, S.datasets[dataset]);
  const t0 = Object.keys(S.feeds).length ? simStartAt(marketNow()) : undefined;
  return new SimFeed(sym, { seed: seed ?? 42, vol: vol ?? 0.003, start: SIM_START[sym] ?? 100, tickSize: rulesOf(sym).tickSize, t0 });
}

/** Make sure the symbol has a feed, and the engine its price. */
export function ensureFeed(sym) {
  if (S.feeds[sym]) return;
  S.feeds[sym] = makeFeed(sym, hasReplay(sym) ? 'replay' : 'sim', { seed: seedFor(sym) });
  S.paper.updatePrice(sym, S.feeds[sym].last);
}

export const candleDone = (f) => (f.source === 'replay' ? f.tick === 0 : f.sent === 0);

/**
 * One tick of every market; true when the engine reported events (fills, triggers...).
 * `samples` collects the account status at each finished candle of the selected market.
 */
function tickAll(samples) {
  let events = false;
  for (const [sym, f] of Object.entries(S.feeds)) {
    const p = f.next();
    if (p !== null && S.paper.updatePrice(sym, p).length) events = true;
    if (p !== null && sym === S.selected && candleDone(f)) samples.push({ t: f.now, status: S.paper.getAccountStatus() });
  }
  return events;
}

async function record(samples) {
  for (const s of samples) {
    const st = await s.status;
    sample(s.t, st.totalEquity, st.positionsCount > 0);
  }
}

export function marketState() {
  return {
    selected: S.selected,
    speed: S.speed,
    timeframe: S.timeframe,
    feeds: Object.fromEntries(Object.entries(S.feeds).map(([s, f]) => [s, f.state()])),
  };
}

let timer = null;
let lastFrame = 0;
let owed = 0;

export function setPlaying(on) {
  S.playing = on && S.mode === 'paper';
  const b = $('play');
  b.setAttribute('aria-pressed', String(S.playing));
  b.textContent = S.playing ? '❚❚ Pause' : '▶ Play';
  clearTimeout(timer);
  if (S.playing) {
    lastFrame = performance.now();
    owed = 0;
    timer = setTimeout(frame, 40);
  }
}

function frame() {
  run(async () => {
    if (!S.playing) return;
    const now = performance.now();
    owed += ((now - lastFrame) / 1000) * S.speed * TICKS_PER_CANDLE;
    lastFrame = now;
    const n = Math.min(Math.floor(owed), 400);
    owed -= Math.floor(owed);
    let events = false;
    const samples = [];
    for (let i = 0; i < n; i++) events = tickAll(samples) || events;
    await record(samples);
    if (S.feeds[S.selected]?.ended) {
      setPlaying(false);
      toast('End of the historical data: press Restart, jump back, or switch this symbol to simulated prices.');
    }
    if (n) await settle(events);
  }).catch(S.fatal).finally(() => {
    if (S.playing) timer = setTimeout(frame, 40);
  });
}

/** Advance every market until the selected symbol's current candle is complete. */
export function stepCandle() {
  return run(async () => {
    const f = S.feeds[S.selected];
    if (!f || f.ended) return;
    const samples = [];
    do tickAll(samples); while (!f.ended && !candleDone(f));
    await record(samples);
    await settle();
  });
}

/** An open position or resting order in `sym`: a price jump would act on it. */
const exposed = (sym) => S.status?.positions?.some((p) => p.symbol === sym) || S.orders.some((o) => o.symbol === sym && o.status === 'pending');

const JUMP_WARNING = (sym) => `You have an open ${sym} position or order. The price will jump at once, which can trigger stops, take-profits, limit orders or liquidation.`;

/** Market time went back (restart, jump): the equity curve continues from there. */
function rewindCurve(t) {
  let k = curve.t.length;
  while (k > 0 && curve.t[k - 1] >= t) k--;
  for (const key of ['t', 'v', 'm']) curve[key].length = k;
}

export async function restartFeed(source) {
  const sym = S.selected;
  if (exposed(sym) && !(await confirmDialog('Restart prices?', JUMP_WARNING(sym), 'Restart prices'))) {
    $('source').value = S.feeds[sym].source;
    return;
  }
  const seed = Number.parseInt($('seed').value, 10);
  const volPct = Number($('vol').value);
  await run(async () => {
    const f = makeFeed(sym, source, {
      seed: Number.isFinite(seed) && seed >= 0 ? seed : seedFor(sym),
      vol: Number.isFinite(volPct) && volPct > 0 ? volPct / 100 : 0.003,
    });
    S.feeds[sym] = f;
    rewindCurve(f.now);
    S.paper.updatePrice(sym, f.last);
    await settle();
  });
  syncFeedControls();
}

/** Move the selected replay to candle `index` (the scrubber, jump to date). */
export async function jumpTo(index) {
  const sym = S.selected;
  const f = S.feeds[sym];
  if (f?.source !== 'replay') return;
  if (exposed(sym) && !(await confirmDialog('Jump in the replay?', JUMP_WARNING(sym), 'Jump'))) {
    syncFeedControls();
    return;
  }
  await run(async () => {
    f.jump(index);
    f.epoch = (f.epoch ?? 0) + 1;
    rewindCurve(f.now);
    S.paper.updatePrice(sym, f.last);
    await settle();
  });
  syncFeedControls();
}

/** Jump to the candle at (or just after) a UTC date-time from the date input. */
export function jumpToDate(value) {
  const f = S.feeds[S.selected];
  if (f?.source !== 'replay' || !value) return Promise.resolve();
  const t = Date.parse(`${value}Z`);
  if (!Number.isFinite(t)) {
    $('jump-error').textContent = 'Enter a date and time, for example 2023-01-20 12:00.';
    return Promise.resolve();
  }
  const first = f.candles[1].t;
  const last = f.candles.at(-1).t;
  if (t < first || t > last + CANDLE_MS) {
    $('jump-error').textContent = `The replay covers ${F.utcTime(f.candles[0].t)} to ${F.utcTime(last)} UTC.`;
    return Promise.resolve();
  }
  $('jump-error').textContent = '';
  return jumpTo(f.indexAt(t) + 1);
}

/** Feed controls (source, seed, volatility, scrubber, speed) from the selected feed. */
export function syncFeedControls() {
  const sym = S.selected;
  const f = S.feeds[sym];
  $('source').querySelector('[value="replay"]').disabled = !hasReplay(sym) || !Object.keys(S.datasets).length;
  $('source').value = f?.source ?? 'sim';
  $('sim-options').hidden = $('source').value !== 'sim';
  if (f?.source === 'sim') {
    $('seed').value = f.seed;
    $('vol').value = F.num(f.vol * 100, 0, 4).replace(/,/g, '');
  }
  const replay = f?.source === 'replay';
  $('replay-controls').hidden = !replay;
  if (replay) {
    const scrub = $('scrub');
    scrub.min = '1';
    scrub.max = String(f.candles.length);
    if (document.activeElement !== scrub) scrub.value = String(f.index);
    $('scrub-out').textContent = F.utcTime(f.candles[Math.min(f.index, f.candles.length - 1)].t);
    const iso = (t) => new Date(t).toISOString().slice(0, 16);
    $('jump-at').min = iso(f.candles[1].t);
    $('jump-at').max = iso(f.candles.at(-1).t);
  }
  $('speed').value = String(S.speed);
  $('amount-unit').options[0].textContent = F.base(sym);
}

export function renderFeedStatus() {
  const f = S.feeds[S.selected];
  if (!f) {
    $('feed-status').textContent = '';
    return;
  }
  $('feed-status').dataset.last = String(f.last);
  $('feed-status').dataset.time = String(f.now);
  const when = F.time(f.now);
  const fp = (v) => F.price(v, Math.max(2, (rulesOf(S.selected).tickSize.split('.')[1] ?? '').length));
  if (f.source === 'replay') {
    const { done, total } = f.position;
    $('feed-status').textContent = f.ended
      ? `Historical replay finished (${F.num(total)} candles). Jump back, press Restart, or switch to simulated prices.`
      : `Historical replay (Binance, 5-minute candles) · candle ${F.num(done + 1)} of ${F.num(total)} · ${when} UTC · last ${fp(f.last)}`;
    const scrub = $('scrub');
    if (document.activeElement !== scrub) scrub.value = String(f.index);
    $('scrub-out').textContent = F.utcTime(f.now);
  } else {
    $('feed-status').textContent = `Simulated prices · seed ${f.seed} · volatility ${F.num(f.vol * 100, 0, 3)}% per candle · candle ${F.num(f.position.done + 1)} · ${when} UTC (simulated) · last ${fp(f.last)}`;
  }
}
