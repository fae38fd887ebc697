// Shared by the page's browser tests (page*.test.mjs): the server and Chromium set-up, a fresh
// context per test that fails on console errors, screenshots, exact decimals, and the ticket
// and table helpers. Not a test file itself.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../scripts/serve.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Screenshots and downloads (gitignored). */
export const results = path.join(root, 'test-results');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const skip = process.env.IFTB_SKIP_BROWSER === '1' ? 'IFTB_SKIP_BROWSER=1' : false;
export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };

/** The page's server (port 0) and Debian's Chromium (never a downloaded browser). */
export async function startPage() {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: run npm run setup -- --browser`);
  assert.ok(existsSync(path.join(root, 'pkg/web/iftb_executor.js')), 'pkg/web missing: run npm run build');
  mkdirSync(results, { recursive: true });
  const server = await serve({ port: 0, root });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  return { server, browser };
}

/**
 * Start the server and the browser before a test file's tests and stop them after:
 * → { server, browser, open(t, options) } (server and browser are set once the tests run).
 */
export function usePage(defaults = {}) {
  const P = {};
  before(async () => {
    if (skip) return;
    Object.assign(P, await startPage());
  });
  after(async () => {
    await P.browser?.close();
    await P.server?.close();
  });
  P.open = (t, options = {}) => openPage(P.browser, P.server, t, { ...defaults, ...options });
  return P;
}

/**
 * A fresh context and page, ready. `allowConsole(msg)` may excuse console errors the browser
 * itself logs for requests a test makes fail on purpose.
 */
export async function openPage(browser, server, t, { viewport = { width: 1400, height: 1000 }, allowConsole = () => false, hasTouch = false } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true, hasTouch });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => {
    if ((msg.type() === 'error' || msg.type() === 'warning') && !allowConsole(msg)) errors.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err}`));
  t.after(async () => {
    await context.close();
  });
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30000 }).catch(() => {
    assert.fail(`page never became ready; errors: ${JSON.stringify(errors)}`);
  });
  return { page, context, errors };
}

/** A screenshot in test-results/ (the whole page, or what is on the screen). */
export async function shot(page, name, { fullPage = true } = {}) {
  await page.screenshot({ path: path.join(results, `page-${name}.png`), fullPage });
}

/** Exact decimals as BigInt with 18 places (the engine keeps 12). */
const SCALE = 10n ** 18n;
export function D(text) {
  const m = /^(-?)(\d+)(?:\.(\d{1,18}))?$/.exec(String(text));
  assert.ok(m, `not a decimal: ${text}`);
  const v = BigInt(m[2]) * SCALE + BigInt((m[3] ?? '').padEnd(18, '0'));
  return m[1] ? -v : v;
}
export const mul = (a, b) => (a * b) / SCALE;

export const text = (page, sel) => page.textContent(sel).then((s) => s.trim());
export const exact = (page, sel) => page.getAttribute(sel, 'data-exact');
export const lastPrice = async (page) => Number(await page.getAttribute('#feed-status', 'data-last'));
export const roundTick = (p, tick = 0.1) => (Math.round(p / tick) * tick).toFixed(1);

export async function waitText(page, sel, re, timeout = 10000) {
  await page.waitForFunction(([s, src]) => new RegExp(src).test(document.querySelector(s)?.textContent ?? ''), [sel, re.source], { timeout })
    .catch(async () => assert.fail(`${sel} never matched ${re}: ${JSON.stringify(await page.textContent(sel).catch(() => null))}`));
}

/** On a phone the ticket is a bottom sheet: open it. */
export async function openTicket(page) {
  if (await page.isVisible('#sheet-toggle') && !(await page.isVisible('#ticket'))) await page.click('#sheet-toggle');
}

/** Fill the ticket and submit. Fields left undefined keep their value. */
export async function order(page, { action = 'long', type = 'market', amount, price, stopLoss = '', takeProfit = '', leverage } = {}) {
  await openTicket(page);
  await page.click(`label[for="act-${action}"]`);
  await page.click(`label[for="type-${type}"]`);
  if (price !== undefined) await page.fill('#price', price);
  if (amount !== undefined) await page.fill('#amount', amount);
  if (leverage !== undefined) {
    await page.$eval('#leverage', (el, v) => {
      el.value = v;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, String(leverage));
  }
  if (action !== 'close') {
    await page.fill('#stopLoss', stopLoss);
    await page.fill('#takeProfit', takeProfit);
  }
  await page.click('#submit');
}

export async function tab(page, name) {
  await page.click(`#tab-${name}`);
  return page.locator(`#pane-${name}`);
}

/** Rows of a pane's table as objects keyed by data-col, with data-exact where present. */
export function rowsOf(page, pane) {
  return page.$$eval(`#pane-${pane} tbody tr`, (trs) => trs.map((tr) => {
    const o = {};
    for (const td of tr.querySelectorAll('td[data-col]')) o[td.dataset.col] = td.dataset.exact ?? td.textContent.trim();
    return o;
  }));
}

export async function confirm(page, ok = true) {
  await page.waitForSelector('#confirm[open]');
  await page.click(ok ? '#confirm-ok' : '#confirm-cancel');
  await page.waitForSelector('#confirm:not([open])', { state: 'attached' });
}

export function noConsoleErrors(errors) {
  assert.deepEqual(errors, [], 'console errors or warnings');
}
