// Keyboard shortcuts (paper trading at the keyboard) and their help overlay ("?").
// Keys act only when no text field, list or dialog has the keyboard, and never with Ctrl, Alt
// or Meta held. In live mode B / S / C only prepare the ticket: they send nothing.
import { closePosition } from './actions.js';
import { setPlaying, stepCandle } from './loop.js';
import { $, S, positionOf } from './state.js';
import { setSheet, submitTicket } from './ticket.js';
import { toast } from './ui.js';

export const KEYS = [
  ['B', 'Buy / long: send the ticket as a long order (paper)'],
  ['S', 'Sell / short: send the ticket as a short order (paper)'],
  ['C', 'Close the selected symbol\'s position at the market'],
  ['Space', 'Play or pause the market'],
  ['N or →', 'Step one candle'],
  ['T', 'Go to the order ticket'],
  ['?', 'Show or hide this help'],
  ['Esc', 'Close this help or the ticket sheet'],
];

const typing = (el) => el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)) && !(el.type === 'radio' || el.type === 'range' || el.type === 'checkbox');

export function wireHotkeys() {
  const help = $('keys-help');
  const list = $('keys-list');
  for (const [k, what] of KEYS) {
    const dt = document.createElement('dt');
    const kbd = document.createElement('kbd');
    kbd.textContent = k;
    dt.append(kbd);
    const dd = document.createElement('dd');
    dd.textContent = what;
    list.append(dt, dd);
  }
  $('keys-button').addEventListener('click', () => help.showModal());
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.altKey || e.metaKey || e.defaultPrevented) return;
    if (e.key === 'Escape' && document.body.classList.contains('sheet-open')) {
      setSheet(false);
      return;
    }
    if (document.querySelector('dialog[open]') || typing(e.target)) return;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const paper = S.mode === 'paper';
    const act = {
      '?': () => help.showModal(),
      b: () => (paper ? submitTicket(null, { action: 'long' }) : prepare('long')),
      s: () => (paper ? submitTicket(null, { action: 'short' }) : prepare('short')),
      c: () => {
        if (!positionOf(S.selected)) return toast(`No open ${S.selected} position to close.`);
        return paper ? closePosition(S.selected) : prepare('close');
      },
      ' ': () => paper && setPlaying(!S.playing),
      n: () => paper && stepCandle().catch(S.fatal),
      ArrowRight: () => paper && stepCandle().catch(S.fatal),
      t: () => {
        setSheet(true);
        $('act-long').focus();
      },
    }[key];
    // Space and arrows on a button or a tab keep their usual meaning.
    if (!act || ((key === ' ' || key === 'ArrowRight') && e.target.closest?.('button, [role="tab"], input, summary, a'))) return;
    e.preventDefault();
    act();
  });
}

/** Live mode: a key selects the ticket's action and moves to it; the trader sends it. */
function prepare(action) {
  $(`act-${action}`).checked = true;
  $('act-long').dispatchEvent(new Event('input', { bubbles: true }));
  setSheet(true);
  $('submit').focus();
}
