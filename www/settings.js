// Settings (a new paper account with new fees and limits), reset, and the account file
// (export / import of the engine's snapshot).
import { describeSettingsError } from './errors.js';
import * as F from './fmt.js';
import { newPaper, restorePaper, usePaper } from './paper.js';
import { settle } from './refresh.js';
import { $, S, run } from './state.js';
import { confirmDialog, download, toast } from './ui.js';

const SETTING_PCT = ['makerFee', 'takerFee', 'slippage', 'maxPositionSize', 'maxDailyLoss', 'maxDrawdown'];

export function settingsOptions(s) {
  const o = {
    initialBalance: s.initialBalance, makerFee: s.makerFee, takerFee: s.takerFee, slippage: s.slippage,
    maxPositionSize: s.maxPositionSize, maxLeverage: s.maxLeverage, defaultLeverage: s.defaultLeverage,
  };
  if (s.maxDailyLoss != null) o.maxDailyLoss = s.maxDailyLoss;
  if (s.maxDrawdown != null) o.maxDrawdown = s.maxDrawdown;
  return o;
}

export function fillSettingsForm() {
  const s = S.snapshot?.settings;
  if (!s) return;
  $('set-initialBalance').value = s.initialBalance;
  $('set-maxLeverage').value = s.maxLeverage;
  for (const k of SETTING_PCT) $(`set-${k}`).value = s[k] == null ? '' : F.shiftDecimal(s[k], 2);
  for (const el of document.querySelectorAll('#settings .field-error')) el.textContent = '';
  $('settings-error').textContent = '';
}

function settingsFromForm() {
  const o = { defaultLeverage: 1 };
  o.initialBalance = $('set-initialBalance').value.trim();
  const lev = $('set-maxLeverage').value.trim();
  o.maxLeverage = /^\d+$/.test(lev) ? Number(lev) : lev;
  for (const k of SETTING_PCT) {
    const v = $(`set-${k}`).value.trim();
    if (v === '' && (k === 'maxDailyLoss' || k === 'maxDrawdown')) continue;
    o[k] = F.shiftDecimal(v, -2) ?? v;
  }
  return o;
}

async function applySettings(e) {
  e.preventDefault();
  for (const el of document.querySelectorAll('#settings .field-error')) el.textContent = '';
  for (const el of document.querySelectorAll('#settings input')) el.removeAttribute('aria-invalid');
  $('settings-error').textContent = '';
  let fresh;
  try {
    fresh = newPaper(settingsFromForm()); // the engine validates; nothing is replaced yet
  } catch (err) {
    if (!err?.code) throw err;
    const d = describeSettingsError(err);
    if (d.field) {
      $(`serr-${d.field}`).textContent = d.text;
      $(`set-${d.field}`).setAttribute('aria-invalid', 'true');
      $(`set-${d.field}`).focus();
    } else $('settings-error').textContent = d.text;
    return;
  }
  if (!(await confirmDialog('Start a new account?', 'The new settings start a fresh paper account: your positions, orders and history will be discarded. Export the account first if you want to keep it.', 'Reset with new settings'))) return;
  await run(() => usePaper(fresh));
  toast('New paper account started with your settings.', 'good');
}

async function resetAccount() {
  if (!(await confirmDialog('Reset the account?', 'Your positions, orders and history will be discarded and the balance goes back to the initial balance. Settings stay as they are.', 'Reset account'))) return;
  await run(() => usePaper(newPaper(settingsOptions(S.snapshot.settings))));
  toast('Account reset.', 'good');
}

export function exportAccount() {
  if (!S.paper) return;
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '');
  download(`iftb-paper-account-${stamp}.json`, JSON.stringify(S.paper.snapshot(), null, 2));
}

async function importAccount(file) {
  $('data-error').textContent = '';
  let snap;
  let fresh;
  try {
    snap = JSON.parse(await file.text());
  } catch {
    $('data-error').textContent = `${file.name} is not a JSON file.`;
    return;
  }
  try {
    fresh = restorePaper(snap);
  } catch (err) {
    if (!err?.code) throw err;
    $('data-error').textContent = `${file.name} cannot be imported: ${err.message} (${err.code}).`;
    $('data-error').dataset.code = err.code;
    return;
  }
  const st = await fresh.getAccountStatus();
  const ok = await confirmDialog('Replace the current account?', `Import ${file.name}: equity ${F.money(st.totalEquity)} USDT, ${st.positionsCount} position(s), ${st.openOrdersCount} open order(s). The current account is replaced (export it first to keep it). Its positions are marked at the current prices.`, 'Import');
  if (!ok) return;
  await run(() => usePaper(fresh));
  toast(`Imported ${file.name}.`, 'good');
}

export function wireSettings() {
  $('settings').addEventListener('submit', (e) => applySettings(e).catch(S.fatal));
  $('reset-account').addEventListener('click', () => resetAccount().catch(S.fatal));
  $('reset-limits').addEventListener('click', () => run(async () => {
    await S.paper.resetLossLimits();
    await settle();
    toast('Loss limits reset.');
  }).catch(S.fatal));
  $('export').addEventListener('click', exportAccount);
  $('import').addEventListener('click', () => $('import-file').click());
  $('import-file').addEventListener('change', () => {
    const file = $('import-file').files[0];
    $('import-file').value = '';
    if (file) importAccount(file).catch(S.fatal);
  });
}
