// The trading simulator page: the package's OrderExecutor (paper mode) driven by an offline
// market feed, with a chart, an order ticket, positions, orders, history, analytics, a strategy
// tester, settings and persistence. Every check on an order is the engine's; the page only
// shows its answers. This file starts the page and wires its parts:
//   state.js (shared state) · loop.js (market feeds, play, scrub) · market.js + chart.js (chart)
//   ticket.js (order ticket) · actions.js (close, cancel, move) · tables.js (positions, orders)
//   account.js (figures) · analytics.js (trades, equity, statistics) · tester.js (backtests)
//   settings.js (settings, import/export) · paper.js (account lifecycle) · hotkeys.js · live.js
import init, { OrderExecutor, version } from 'iftb-executor/web';
import { closeAll } from './actions.js';
import { initAnalytics } from './analytics.js';
import { feedFromState, parseCandles } from './feed.js';
import { wireHotkeys } from './hotkeys.js';
import { initLivePanel } from './live.js';
import { ensureFeed, jumpTo, jumpToDate, makeFeed, restartFeed, seedFor, setPlaying, stepCandle, syncFeedControls } from './loop.js';
import { initMarket, renderChart } from './market.js';
import { attach, loadAnalytics, newPaper, restorePaper } from './paper.js';
import { persist, refresh, settle } from './refresh.js';
import { fillSettingsForm, wireSettings } from './settings.js';
import { $, DATASETS, LIVE_POLL_MS, MODE_KEY, S, SYMBOLS, run } from './state.js';
import * as store from './store.js';
import { initTester } from './tester.js';
import { resetTicketFor, syncTicketLimits, wireTicket } from './ticket.js';
import { banner, download, watchOverflow } from './ui.js';

function selectSymbol(sym) {
  run(async () => {
    const changed = S.selected !== sym;
    S.selected = sym;
    $('symbol').value = sym;
    ensureFeed(sym);
    syncFeedControls();
    if (changed) resetTicketFor(sym);
    syncTicketLimits();
    await settle();
  }).catch(fatal);
}

function setMode(mode) {
  S.mode = mode;
  document.body.dataset.mode = mode;
  try {
    sessionStorage.setItem(MODE_KEY, mode);
  } catch {
    // not essential
  }
  const live = mode === 'live';
  $(`mode-${mode}`).checked = true;
  $('mode-badge').textContent = live ? 'LIVE · real money' : 'PAPER · simulated money';
  for (const el of document.querySelectorAll('[data-mode-tag]')) el.textContent = live ? 'LIVE' : 'PAPER';
  $('live-banner').hidden = !live;
  $('live-panel').hidden = !live;
  $('market-panel').hidden = live;
  $('settings-panel').hidden = live;
  $('tester-panel').hidden = live;
  $('analytics-panel').hidden = live;
  $('ticket-panel').hidden = live && !S.live;
  if (S.live) document.body.dataset.liveReady = '1';
  else delete document.body.dataset.liveReady;
  if (live) setPlaying(false);
  S.events = [];
  S.lastSeq = 0;
  S.orders = [];
  S.fills = [];
  S.tablesDirty = true;
  document.title = `${live ? 'LIVE' : 'Paper'} · iftb-executor trading simulator`;
  run(refresh).catch(live ? liveFail : fatal);
  // Live: the exchange moves prices, fills and triggers; poll the account so positions and
  // PnL stay current (the executor caches briefly, so this costs at most a few requests).
  clearInterval(S.livePoll);
  S.livePoll = live && S.live ? setInterval(() => {
    if (document.visibilityState !== 'hidden') run(refresh).catch(liveFail);
  }, LIVE_POLL_MS) : null;
}

/** A live-account call failed (exchange or proxy): say so in the live panel, keep going. */
function liveFail(err) {
  $('live-error').textContent = `The live account could not be read: ${err?.message ?? err}`;
  $('live-error').dataset.code = err?.code ?? '';
}

function fatal(err) {
  console.error(err);
  setPlaying(false);
  banner(`Something went wrong: ${err?.message ?? err}. Your account was saved after the last change; reload the page.`);
}

async function loadDatasets() {
  for (const [name, d] of Object.entries(DATASETS)) {
    try {
      const res = await fetch(d.url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      S.datasets[name] = parseCandles(await res.text());
    } catch (err) {
      banner(`The historical prices (${d.url}) could not be loaded (${err.message}); simulated prices are used instead.`);
    }
  }
}

/** The saved account and market, or a new account. → { how, analytics }. */
function restoreOrStart() {
  const { data, error, raw } = store.load();
  if (data) {
    try {
      const m = data.market ?? {};
      S.selected = SYMBOLS.includes(m.selected) ? m.selected : 'BTC/USDT';
      S.speed = Number(m.speed) || 2;
      S.timeframe = ['5m', '15m', '1h', '4h', '1d'].includes(m.timeframe) ? m.timeframe : '5m';
      S.paper = restorePaper(data.snapshot);
      for (const [sym, st] of Object.entries(m.feeds ?? {})) {
        try {
          S.feeds[sym] = feedFromState(sym, st, S.datasets);
        } catch {
          S.feeds[sym] = makeFeed(sym, 'sim', { seed: seedFor(sym) });
          S.paper.updatePrice(sym, S.feeds[sym].last);
        }
      }
      return { how: 'restored', analytics: data.analytics };
    } catch (err) {
      S.saveBlocked = true;
      banner(`Your saved account could not be restored: ${err.message} (${err.code ?? 'error'}). It is kept untouched until you decide.`, [
        ['Download the saved data', () => download('iftb-page-saved-state.json', JSON.stringify(data, null, 2))],
        ['Start a new account (discard it)', () => {
          store.clear();
          location.reload();
        }],
      ]);
    }
  } else if (error) {
    S.saveBlocked = raw !== undefined;
    banner(`Saved data could not be read: ${error.message}.`, raw !== undefined
      ? [['Download it', () => download('iftb-page-saved-state.json', raw)], ['Start a new account (discard it)', () => {
        store.clear();
        location.reload();
      }]]
      : []);
  }
  S.paper = newPaper({});
  S.feeds = {};
  S.selected = 'BTC/USDT';
  return { how: 'new', analytics: null };
}

function wireTabs() {
  // Tabs: arrows / Home / End move between them (automatic activation).
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const select = (tab) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')).hidden = !on;
    }
    watchOverflow($(tab.getAttribute('aria-controls')));
  };
  tabs.forEach((t, i) => {
    t.addEventListener('click', () => select(t));
    t.addEventListener('keydown', (e) => {
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      const next = tabs[(to + tabs.length) % tabs.length];
      select(next);
      next.focus();
    });
  });
  for (const pane of document.querySelectorAll('.table-wrap')) {
    watchOverflow(pane);
    pane.addEventListener('scroll', () => {
      pane.dataset.overflow = pane.scrollLeft + pane.clientWidth >= pane.scrollWidth - 1 ? 'end' : 'more';
    }, { passive: true });
  }
}

function wire() {
  for (const sym of SYMBOLS) $('symbol').add(new Option(sym, sym));
  $('symbol').addEventListener('change', () => selectSymbol($('symbol').value));
  $('source').addEventListener('change', () => restartFeed($('source').value).catch(fatal));
  $('restart-feed').addEventListener('click', () => restartFeed($('source').value).catch(fatal));
  for (const id of ['seed', 'vol']) {
    $(id).addEventListener('keydown', (e) => {
      if (e.key === 'Enter') restartFeed('sim').catch(fatal);
    });
  }
  $('play').addEventListener('click', () => setPlaying(!S.playing));
  $('step').addEventListener('click', () => stepCandle().catch(fatal));
  $('speed').addEventListener('change', () => {
    S.speed = Number($('speed').value);
    persist(true);
  });
  $('scrub').addEventListener('input', () => {
    const f = S.feeds[S.selected];
    if (f?.candles) $('scrub-out').textContent = new Date(f.candles[Math.min(Number($('scrub').value), f.candles.length - 1)].t).toISOString().slice(0, 16).replace('T', ' ');
  });
  $('scrub').addEventListener('change', () => jumpTo(Number($('scrub').value)).catch(fatal));
  $('jump-form').addEventListener('submit', (e) => {
    e.preventDefault();
    jumpToDate($('jump-at').value).catch(fatal);
  });
  wireTicket();
  $('close-all').addEventListener('click', () => closeAll().catch(fatal));
  $('account-more').addEventListener('click', () => {
    const open = $('account-panel').classList.toggle('expanded');
    $('account-more').setAttribute('aria-expanded', String(open));
    $('account-more').textContent = open ? 'Less' : 'All figures';
  });
  wireTabs();
  wireSettings();
  initAnalytics();
  // Phones: the analytics start folded (the chart and the ticket come first).
  if (matchMedia('(max-width: 860px)').matches) $('analytics-details').open = false;
  wireHotkeys();
  initTester();

  for (const input of document.querySelectorAll('input[name="mode"]')) {
    input.addEventListener('change', () => setMode(input.value));
  }
  S.liveCtl = initLivePanel({
    form: $('live-form'), url: $('live-url'), token: $('live-token'), connect: $('live-connect'),
    disconnect: $('live-disconnect'), forget: $('live-forget'), status: $('live-status'), error: $('live-error'),
  }, {
    OrderExecutor,
    onExecutor: (executor) => {
      S.live = executor;
      if (executor) attach(executor);
      setMode(S.mode);
    },
  });

  new ResizeObserver(() => renderChart()).observe($('chart'));
  const flush = () => persist(true);
  addEventListener('pagehide', flush);
  document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && flush());
}

async function main() {
  S.fatal = fatal;
  S.selectSymbol = selectSymbol;
  await init();
  $('version').textContent = `iftb-executor ${version()}`;
  initMarket();
  wire();
  await loadDatasets();
  const { how, analytics } = restoreOrStart();
  S.snapshot = S.paper.snapshot();
  ensureFeed(S.selected);
  await loadAnalytics(analytics?.equity);
  $('symbol').value = S.selected;
  for (const input of document.querySelectorAll('input[name="timeframe"]')) input.checked = input.value === S.timeframe;
  syncFeedControls();
  fillSettingsForm();
  await refresh();
  syncTicketLimits();
  S.ready = true;
  let mode = 'paper';
  try {
    mode = sessionStorage.getItem(MODE_KEY) === 'live' ? 'live' : 'paper';
  } catch {
    // paper
  }
  setMode(mode);
  persist(true);
  $('status').textContent = how === 'restored' ? 'Ready · account restored' : 'Ready · new paper account';
  document.body.dataset.ready = '1';
}

main().catch((err) => {
  $('status').textContent = 'failed to start';
  banner(`The simulator could not start: ${err?.message ?? err}`);
  console.error(err);
});
