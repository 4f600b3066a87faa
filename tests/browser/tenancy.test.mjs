// Two gminas in one deployment, in a real browser (issue 13): Debian
// Chromium driven by playwright-core against `mm-server --demo
// --demo-neighbour` (Siechnice and Czernica). Each gmina's admin signs in
// with the password the server printed once, sees their own gmina's
// reports only, and reaches none of the other gmina's by its address or by
// naming the other gmina. Run with `make test-browser` (or
// `node --test tests/browser/` after `npm ci` in web/ and `cargo build --workspace --bins`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
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

if (!existsSync(CHROMIUM)) {
  if (process.env.CI === 'true') throw new Error(`chromium missing at ${CHROMIUM} (CI=true: failing, not skipping)`);
}

let server, base, work, browser;
/** login -> the one-time password the server printed. */
const passwords = {};

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'mm-tenancy-'));
  server = spawn(SERVER, ['--addr', '127.0.0.1:0', '--data-dir', work, '--ezd', 'off', '--demo', '--demo-neighbour'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MM_LOG: 'warn' },
  });
  let err = '';
  server.stderr.on('data', (d) => {
    err += d;
    for (const m of err.matchAll(/login: (\S+)\s+hasło \/ password: (\S+)/g)) passwords[m[1]] = m[2];
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
  // The passwords are printed right after the listening line.
  for (let i = 0; i < 100 && !(passwords.admin && passwords['admin-czernica']); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
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

async function signIn(login) {
  assert.ok(passwords[login], `the server printed ${login}'s password`);
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${base}/admin/login`);
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Hasło').fill(passwords[login]);
  await page.getByRole('button', { name: 'Zaloguj' }).click();
  await page.waitForLoadState();
  assert.match(page.url(), /\/admin\/reports$/, `${login} signed in`);
  return { ctx, page };
}

/** The report ids the list shows on its first page. */
async function listedIds(page) {
  return page.locator('table.reports a[href^="/admin/reports/"]').evaluateAll(
    (as) => as.map((a) => Number(a.getAttribute('href').split('/').pop())));
}

test('each gmina\'s admin sees their own gmina only, by list, address and parameter', async () => {
  const { ctx: cz, page: czp } = await signIn('admin-czernica');
  await czp.getByText('Znalezione zgłoszenia: 5.').waitFor();
  const czIds = await listedIds(czp);
  assert.equal(czIds.length, 5);
  assert.ok(await czp.getByText('Duża dziura w jezdni przed mostem.').isVisible());

  const { ctx: si, page: sip } = await signIn('admin');
  const siIds = await listedIds(sip);
  assert.ok(siIds.length > 5, 'Siechnice has its own, many more');
  assert.equal(siIds.filter((id) => czIds.includes(id)).length, 0, 'no report in both lists');
  assert.equal(await sip.getByText('Duża dziura w jezdni przed mostem.').count(), 0);

  // Another gmina's report by its address: not found, and nothing of it shown.
  for (const [page, other] of [[czp, siIds[0]], [sip, czIds[0]]]) {
    const r = await page.goto(`${base}/admin/reports/${other}`);
    assert.equal(r.status(), 404, `report ${other} from the other gmina`);
    assert.equal(await page.locator('form[action$="/action"]').count(), 0, 'no actions on it');
  }
  // Naming the other gmina: not found either.
  const r = await czp.goto(`${base}/admin/reports?gmina=0223083`);
  assert.equal(r.status(), 404);
  // The public pages name their gmina.
  await sip.goto(`${base}/transparency?gmina=0223032`);
  assert.equal(await sip.getByRole('heading', { level: 1 }).count(), 1);
  await cz.close();
  await si.close();
});
