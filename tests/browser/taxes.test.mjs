// Browser test of the back office's taxes pages (issue 14) in Debian
// Chromium driven by playwright-core against a real `mm-server --demo`,
// whose tax register has about 200 taxpayers. Run with `make test-browser`
// (or `node --test tests/browser/` from the repository root after `npm ci`
// in web/ and `cargo build --workspace --bins`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'web', 'package.json'));
const { chromium } = require('playwright-core');
const target = process.env.CARGO_TARGET_DIR || join(root, 'target');
const SERVER = join(target, 'debug', 'mm-server');
const CHROMIUM = process.env.MM_CHROMIUM || '/usr/bin/chromium';
const PASS = 'correct horse battery';
const CODE = /activation code to try: ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})/;

if (!existsSync(CHROMIUM) && process.env.CI === 'true') {
  throw new Error(`chromium missing at ${CHROMIUM} (CI=true: failing, not skipping)`);
}

let server, base, dataDir, browser, work, announced;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'mm-browser-taxes-'));
  dataDir = join(work, 'server');
  mkdirSync(dataDir);
  execFileSync(SERVER, ['user', 'add', '--login', 'admin1', '--role', 'admin', '--password-stdin', '--data-dir', dataDir],
    { input: PASS + '\n' });
  server = spawn(SERVER, ['--addr', '127.0.0.1:0', '--data-dir', dataDir, '--demo'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MM_LOG: 'warn' } });
  let err = '';
  const code = new Promise((resolve) => {
    server.stderr.on('data', (d) => {
      err += d;
      const m = err.match(CODE);
      if (m) resolve(m[1]);
    });
  });
  base = await new Promise((resolve, reject) => {
    let buf = '';
    server.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/mm-server listening on (http:\/\/[\d.:]+)/);
      if (m) resolve(m[1]);
    });
    server.on('exit', (c) => reject(new Error(`mm-server exited ${c}: ${err}`)));
  });
  announced = await Promise.race([code, new Promise((r) => setTimeout(() => r(null), 10_000))]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (work) rmSync(work, { recursive: true, force: true });
});

async function signIn(login, password = PASS) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${base}/admin/login`);
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Hasło').fill(password);
  await page.getByRole('button', { name: 'Zaloguj' }).click();
  await page.waitForLoadState();
  return { ctx, page };
}

test('the demo announces an activation code to try', () => {
  assert.match(announced ?? '', /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/, 'the code is printed on stderr');
});

test('an admin opens the taxes pages, finds a demo taxpayer and issues a code', async () => {
  const { ctx, page } = await signIn('admin1');
  await page.getByRole('link', { name: 'Podatki', exact: true }).click();
  await page.waitForLoadState();
  assert.equal(new URL(page.url()).pathname, '/admin/taxes');
  assert.match(await page.locator('table.import-runs').innerText(), /demo/, 'the demo import is listed');
  assert.match(await page.locator('table.rates').innerText(), /13,50%/, 'the statutory rates');

  await page.getByRole('link', { name: 'Podatnicy' }).click();
  await page.waitForLoadState();
  await page.getByLabel('Identyfikator podatnika lub część nazwiska / nazwy').fill('PD-00001');
  await page.getByRole('button', { name: 'Szukaj' }).click();
  await page.waitForLoadState();
  await page.getByRole('link', { name: 'PD-00001' }).click();
  await page.waitForLoadState();
  assert.equal(new URL(page.url()).pathname, '/admin/taxes/taxpayers/PD-00001');
  assert.ok(await page.locator('tr.liability').count() > 10, 'the liabilities are listed');
  assert.ok(await page.locator('tr.liability.status-overdue').count() > 0, 'something is overdue');
  assert.match(await page.locator('#total-due').innerText(), /zł/);

  await page.getByRole('button', { name: 'Wydaj kod aktywacyjny' }).click();
  await page.waitForLoadState();
  const code = await page.locator('#activation-code').innerText();
  assert.match(code, /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  assert.notEqual(code, announced, 'a fresh code');
  await page.goto(`${base}/admin/taxes/taxpayers/PD-00001`);
  assert.equal(await page.locator('#activation-code').count(), 0, 'shown once: the page opened again has none');

  await page.getByRole('link', { name: 'Płatności' }).click();
  await page.waitForLoadState();
  assert.equal(await page.getByLabel('Zapłacone w aplikacji, a niezaksięgowane po (dniach)').inputValue(), '3');
  await ctx.close();
});
