// Browser persistence of the paper account: one localStorage entry holding the executor's
// snapshot together with the market feeds' positions, written in one setItem so the two can
// never disagree after a reload. Failures (quota, storage disabled) are returned, not thrown,
// so the page can say so visibly.

export const KEY = 'iftb-executor.page.v1';

/** → { data } (null when nothing is saved), or { error, raw } when the entry is unreadable. */
export function load(storage = globalThis.localStorage) {
  let raw;
  try {
    raw = storage.getItem(KEY);
  } catch (error) {
    return { data: null, error };
  }
  if (raw === null) return { data: null };
  try {
    const data = JSON.parse(raw);
    if (!data || typeof data !== 'object' || data.version !== 1 || !data.snapshot) {
      throw new Error('the saved entry is not a page state (version 1)');
    }
    return { data };
  } catch (error) {
    return { data: null, error, raw };
  }
}

/** → { ok: true, bytes, ms } or { ok: false, error }. */
export function save(data, storage = globalThis.localStorage) {
  const t0 = performance.now();
  try {
    const text = JSON.stringify({ version: 1, savedAt: Date.now(), ...data });
    storage.setItem(KEY, text);
    return { ok: true, bytes: text.length, ms: performance.now() - t0 };
  } catch (error) {
    return { ok: false, error };
  }
}

export function clear(storage = globalThis.localStorage) {
  try {
    storage.removeItem(KEY);
  } catch {
    // nothing saved, nothing to clear
  }
}

/** A quota error in any browser's spelling. */
export function isQuotaError(err) {
  return err?.name === 'QuotaExceededError' || err?.name === 'NS_ERROR_DOM_QUOTA_REACHED' || err?.code === 22;
}
