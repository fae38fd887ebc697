// Page chrome: the banner, toasts, the confirmation dialog, downloads, focus keeping and the
// "scroll sideways" hint of wide tables.
import { $ } from './state.js';

export function banner(text, actions = []) {
  const b = $('banner');
  b.replaceChildren(text);
  for (const [label, fn] of actions) {
    const btn = document.createElement('button');
    btn.type = 'button';
    btn.className = 'ghost small';
    btn.textContent = label;
    btn.addEventListener('click', fn);
    b.append(btn);
  }
  b.hidden = !text;
}

export function hideBanner() {
  banner('');
  delete $('banner').dataset.kind;
}

/** A short message at the top of the screen, away from every control (it lets taps through). */
export function toast(text, kind = '') {
  const t = document.createElement('div');
  t.className = `toast ${kind}`;
  t.textContent = text;
  $('toasts').append(t);
  while ($('toasts').children.length > 3) $('toasts').firstChild.remove();
  setTimeout(() => t.remove(), 5000);
}

/** Ask for confirmation in the modal dialog; resolves true/false. Focus returns to where it was. */
export function confirmDialog(title, text, okLabel = 'Confirm') {
  const d = $('confirm');
  const back = document.activeElement;
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel;
  d.returnValue = '';
  d.showModal();
  $('confirm-cancel').focus();
  return new Promise((resolve) => d.addEventListener('close', () => {
    if (back?.isConnected) back.focus();
    resolve(d.returnValue === 'ok');
  }, { once: true }));
}

export function download(name, text, type = 'application/json') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * Keep keyboard focus somewhere useful when a render removed the focused control (a closed
 * position's row, a cancelled order): `prev` is what had focus before the render; focus goes
 * to the first of `fallbacks` that is on the page.
 */
export function keepFocus(prev, fallbacks) {
  if (!prev || prev === document.body || prev.isConnected) return;
  if (document.activeElement && document.activeElement !== document.body) return; // already moved on
  for (const f of fallbacks) {
    const target = typeof f === 'string' ? document.querySelector(f) : f;
    if (target?.isConnected && !target.closest('[hidden]') && !target.disabled) {
      target.focus();
      return;
    }
  }
}

/** Wide tables scroll sideways; their wrapper says so (data-overflow) while they do. */
const overflowObserver = new ResizeObserver((entries) => {
  for (const e of entries) markOverflow(e.target);
});
export function watchOverflow(wrap) {
  overflowObserver.observe(wrap);
  markOverflow(wrap);
}
export function markOverflow(wrap) {
  const over = wrap.scrollWidth > wrap.clientWidth + 1;
  if (over) wrap.dataset.overflow = wrap.scrollLeft + wrap.clientWidth >= wrap.scrollWidth - 1 ? 'end' : 'more';
  else delete wrap.dataset.overflow;
}

/**
 * A table from column specs: { label, value(row) → text or Node, num?, cls(row)?, exact(row)?,
 * key? (data-col) }; `emptyText` when there are no rows.
 */
export function table(columns, rowsData, emptyText, cls = '') {
  if (!rowsData.length) {
    const p = document.createElement('p');
    p.className = 'empty muted';
    p.textContent = emptyText;
    return p;
  }
  const t = document.createElement('table');
  t.className = cls;
  const head = t.createTHead().insertRow();
  for (const c of columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = c.label;
    if (c.num) th.className = 'num';
    head.append(th);
  }
  const body = t.createTBody();
  for (const r of rowsData) {
    const tr = body.insertRow();
    for (const c of columns) {
      const td = tr.insertCell();
      if (c.num) td.className = 'num';
      if (c.label) td.dataset.label = c.label;
      else td.className = 'wide';
      const v = c.value(r);
      if (v instanceof Node) td.append(v);
      else td.textContent = v ?? '–';
      if (c.cls) td.classList.add(...c.cls(r).split(' ').filter(Boolean));
      if (c.exact) {
        const x = c.exact(r);
        if (x != null) td.dataset.exact = x;
      }
      if (c.key) td.dataset.col = c.key;
    }
  }
  return t;
}
