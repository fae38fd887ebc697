// Live mode, kept apart from the paper simulator: the signing-proxy connection (URL, token,
// health check, status) and creating the live executor. The token lives in sessionStorage
// only (this tab, until it closes): never in localStorage, the account snapshot or an export.
//
// Wiring for the live executor (when the package provides it): connect() calls
//   new OrderExecutor({ paperMode: false, exchange: "binance-usdm", proxyUrl, proxyToken })
// and hands the result to onExecutor(); the executor then trades through the proxy.

export const DEFAULT_PROXY_URL = 'http://127.0.0.1:8787';
const TOKEN_KEY = 'iftb-executor.live.token';
const URL_KEY = 'iftb-executor.live.proxyUrl';

function liveError(code, message, cause) {
  const e = new Error(message, cause ? { cause } : undefined);
  e.name = 'LiveConnectionError';
  e.code = code;
  return e;
}

/** Check `${proxyUrl}/_iftb/health`; resolves to the proxy's answer or throws a coded Error. */
export async function checkProxyHealth(proxyUrl, token, { timeoutMs = 5000, fetchImpl = globalThis.fetch } = {}) {
  let url;
  try {
    url = new URL('/_iftb/health', proxyUrl);
    if (!/^https?:$/.test(url.protocol)) throw new Error('not http');
  } catch {
    throw liveError('INVALID_PROXY_URL', `"${proxyUrl}" is not a proxy address; it looks like ${DEFAULT_PROXY_URL}.`);
  }
  if (!token) throw liveError('PROXY_TOKEN_MISSING', 'Enter the proxy token (the proxy prints it when it starts).');
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  let res;
  try {
    res = await fetchImpl(url, { headers: { authorization: `Bearer ${token}` }, signal: ctl.signal, cache: 'no-store' });
  } catch (err) {
    if (ctl.signal.aborted) {
      throw liveError('PROXY_TIMEOUT', `The signing proxy at ${url.origin} did not answer within ${timeoutMs / 1000} s.`, err);
    }
    throw liveError('PROXY_UNREACHABLE', `Cannot reach the signing proxy at ${url.origin}. Is it running? Start it, then press Connect again. `
      + '(If it is running, it must allow requests from this page\'s address.)', err);
  } finally {
    clearTimeout(timer);
  }
  if (res.status === 401 || res.status === 403) {
    throw liveError('PROXY_UNAUTHORIZED', `The proxy refused the token (HTTP ${res.status}). Copy the token the proxy printed when it started.`);
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) throw liveError('PROXY_HTTP_ERROR', `The proxy answered HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}.`);
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw liveError('PROXY_BAD_RESPONSE', `${url.origin} answered, but not like the signing proxy (no JSON health report).`);
  }
  if (!body || body.ok !== true) {
    throw liveError('PROXY_NOT_READY', `The proxy is running but not ready: ${body?.error ?? body?.message ?? JSON.stringify(body).slice(0, 200)}`);
  }
  return body;
}

const INFLIGHT_KEY = 'iftb-executor.live.inflight';

function loadInflight(storage) {
  try {
    return JSON.parse(storage?.getItem(INFLIGHT_KEY) ?? '[]');
  } catch {
    return [];
  }
}

/**
 * The live executor (an OrderExecutor in live mode, talking to the proxy). Every placement's
 * intent is saved before it is sent and dropped when settled; placements left unknown by a
 * reload are resumed and reconciled by client id (never re-sent).
 */
export function createLiveExecutor(OrderExecutor, { proxyUrl, proxyToken, storage = globalThis.localStorage }) {
  const journal = (e) => {
    const list = loadInflight(storage).filter((i) => i.clientOrderId !== e.clientOrderId);
    if (e.type === 'intent') list.push({ clientOrderId: e.clientOrderId, symbol: e.symbol, algo: e.algo });
    try {
      storage?.setItem(INFLIGHT_KEY, JSON.stringify(list));
    } catch {
      // storage full or disabled: the exchange still has the order; reconcile lists it
    }
  };
  const ex = new OrderExecutor({ paperMode: false, exchange: 'binance-usdm', proxyUrl, proxyToken, logger: null, journal });
  const saved = loadInflight(storage);
  if (saved.length && ex.resume) {
    ex.resume(saved);
    ex.reconcile().catch(() => {}); // settles what it finds; the rest stays saved for next time
  }
  return ex;
}

/** A sentence for any live-mode error. */
export function describeLiveError(err) {
  switch (err?.code) {
    case 'NETWORK_ERROR':
      return `Network error talking to the proxy: ${err.message}`;
    default:
      return err?.message ?? String(err);
  }
}

function session(op, key, value) {
  try {
    const s = globalThis.sessionStorage;
    if (op === 'get') return s.getItem(key);
    if (op === 'set') s.setItem(key, value);
    if (op === 'del') s.removeItem(key);
  } catch {
    // storage disabled: the token simply is not remembered
  }
  return null;
}

/**
 * The live panel. els: { form, url, token, connect, disconnect, forget, status, error, info }.
 * onExecutor(executor | null) is called when a live executor appears or goes away.
 */
export function initLivePanel(els, { OrderExecutor, onExecutor }) {
  let executor = null;
  els.url.value = localStorage.getItem(URL_KEY) ?? DEFAULT_PROXY_URL;
  els.token.value = session('get', TOKEN_KEY) ?? '';

  const setStatus = (state, text) => {
    els.status.dataset.state = state;
    els.status.textContent = text;
  };
  const setError = (err) => {
    els.error.textContent = err ? describeLiveError(err) : '';
    els.error.dataset.code = err?.code ?? '';
  };
  const drop = () => {
    if (executor) {
      executor = null;
      onExecutor(null);
    }
  };

  setStatus('disconnected', 'Not connected');

  els.form.addEventListener('submit', async (e) => {
    e.preventDefault();
    drop();
    setError(null);
    const proxyUrl = els.url.value.trim();
    const proxyToken = els.token.value.trim();
    try {
      localStorage.setItem(URL_KEY, proxyUrl);
    } catch {
      // not essential
    }
    if (proxyToken) session('set', TOKEN_KEY, proxyToken);
    setStatus('checking', `Checking ${proxyUrl} …`);
    els.connect.disabled = true;
    try {
      const health = await checkProxyHealth(proxyUrl, proxyToken);
      const up = health.upstream ?? {};
      const net = /testnet/i.test(up.url ?? '') ? 'TESTNET' : 'MAINNET (real money)';
      const offset = Number.isFinite(health.serverTimeOffsetMs) ? `, clock offset ${health.serverTimeOffsetMs} ms` : '';
      setStatus('proxy-ok', `Proxy connected: ${up.market ?? 'upstream ?'} at ${up.url ?? '?'}, ${net}${offset}`);
      try {
        executor = createLiveExecutor(OrderExecutor, { proxyUrl, proxyToken });
        setStatus('connected', `${els.status.textContent}. Live executor ready.`);
        onExecutor(executor);
      } catch (err) {
        setError(err);
      }
    } catch (err) {
      setStatus('disconnected', 'Not connected');
      setError(err);
    } finally {
      els.connect.disabled = false;
    }
  });

  els.disconnect.addEventListener('click', () => {
    drop();
    setError(null);
    setStatus('disconnected', 'Not connected');
  });

  els.forget.addEventListener('click', () => {
    session('del', TOKEN_KEY);
    els.token.value = '';
    drop();
    setStatus('disconnected', 'Not connected (token forgotten)');
  });

  return {
    get executor() {
      return executor;
    },
    disconnect: () => els.disconnect.click(),
  };
}
