// Browser test of the back office's taxes pages (issue 14) in Debian
// Chromium driven by playwright-core against a real `mm-server --demo`,
// whose tax register has about 200 taxpayers. Run with `make test-browser`
// (or `node --test tests/browser/` from the repository root after `npm ci`
// in web/ and `cargo build --workspace --bins`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, base, signIn, until, log } from './support.mjs';

const CODE = /activation code to try: ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})/;

let announced;

useServer({
  name: 'mm-browser-taxes-', users: [['admin1', 'admin']], log: true,
  ready: async () => { announced = (await until(() => log.match(CODE)?.[1], 10_000)) ?? null; },
});

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
