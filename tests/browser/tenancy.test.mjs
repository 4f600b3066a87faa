// Two gminas in one deployment, in a real browser (issue 13): Debian
// Chromium driven by playwright-core against `mm-server --demo
// --demo-neighbour` (Siechnice and Czernica). Each gmina's admin signs in
// with the password the server printed once, sees their own gmina's
// reports only, and reaches none of the other gmina's by its address or by
// naming the other gmina. Run with `make test-browser` (or
// `node --test tests/browser/` after `npm ci` in web/ and `cargo build --workspace --bins`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, base, signIn as signInWith, until, log } from './support.mjs';

/** login -> the one-time password the server printed. */
const passwords = {};

useServer({
  name: 'mm-tenancy-', args: ['--ezd', 'off', '--demo-neighbour'], log: true, ownDir: true,
  // The passwords are printed right after the listening line.
  ready: () => until(() => {
    for (const m of log.matchAll(/login: (\S+)\s+hasło \/ password: (\S+)/g)) passwords[m[1]] = m[2];
    return passwords.admin && passwords['admin-czernica'];
  }, 5000),
});

async function signIn(login) {
  assert.ok(passwords[login], `the server printed ${login}'s password`);
  const { ctx, page } = await signInWith(login, passwords[login]);
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
