// Page test: serve www/ + pkg/, drive the demo in headless Chromium (system browser only).
// Skipped when IFTB_SKIP_BROWSER=1 (npm test -- --quick).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../scripts/serve.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const skip = process.env.IFTB_SKIP_BROWSER === '1' ? 'IFTB_SKIP_BROWSER=1' : false;

let server;
let browser;

before(async () => {
  if (skip) return;
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: run npm run setup -- --browser`);
  assert.ok(existsSync(path.join(root, 'pkg/web/iftb_executor.js')), 'pkg/web missing: run npm run build');
  server = await serve({ port: 0, root });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('demo page: buy market opens a long BTC/USDT position', { skip }, async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  page.on('pageerror', (err) => errors.push(String(err)));

  try {
    await page.goto(server.url);
    await page
      .waitForFunction(() => document.querySelector('#status')?.textContent !== 'loading…', null, { timeout: 15000 })
      .catch(() => assert.fail(`page never initialized; page errors: ${JSON.stringify(errors)}`));
    assert.equal(await page.textContent('#status'), 'ready', `page failed: ${await page.textContent('#error')}`);
    const before = await page.textContent('#balance');
    assert.equal(Number(before), 10000);

    await page.click('#buy');
    await page.waitForFunction(() => document.querySelectorAll('#positions td.long').length > 0, null, { timeout: 5000 });

    const row = await page.textContent('#positions');
    assert.match(row, /BTC\/USDT/);
    assert.match(row, /long/);
    const afterBalance = await page.textContent('#balance');
    assert.notEqual(afterBalance, before);
    assert.ok(Number(afterBalance) < 10000, `balance should drop after buying, got ${afterBalance}`);
    assert.equal(await page.textContent('#error'), '');
    assert.match(await page.textContent('#orders'), /filled/);
    assert.deepEqual(errors, [], 'console errors');
  } finally {
    mkdirSync(path.join(root, 'test-results'), { recursive: true });
    await page.screenshot({ path: path.join(root, 'test-results/page.png'), fullPage: true });
  }
});
