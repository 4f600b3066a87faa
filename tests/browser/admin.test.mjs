// Browser tests of the officials' back office: Debian Chromium driven by
// playwright-core against a real `mm-server --demo`, residents played by the
// real `mm` CLI. Run with `make test-browser` (or `node --test tests/browser/`
// from the repository root after `npm ci` in web/ and `cargo build --workspace --bins`).
// The README's screenshots are taken by office.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { useServer, base, browser, work, signIn, logIn, MM, PASS } from './support.mjs';

useServer({ users: [['admin1', 'admin'], ['disp1', 'dispatcher'], ['dept1', 'department'], ['editor1', 'editor'],
  ['locked1', 'dispatcher']] });

function mm(dir, ...args) {
  const out = execFileSync(MM, ['--server', base, '--data-dir', dir, '--json', ...args], { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : null;
}
function mmText(dir, ...args) {
  return execFileSync(MM, ['--server', base, '--data-dir', dir, ...args], { encoding: 'utf8' });
}

function residentReport(dir, description) {
  mmText(dir, 'sync'); // the categories first
  const r = mm(dir, 'report', 'new', '--category', 'street_lamp', '--lat', '51.0335', '--lon', '17.15',
    '--description', description, '--answer', 'kind=not_lit', '--yes');
  mmText(dir, 'sync');
  // The server's id, once the outbox has sent the report.
  const mine = mm(dir, 'reports');
  const list = Array.isArray(mine) ? mine : (mine.reports ?? mine.items ?? []);
  const hit = list.find((x) => JSON.stringify(x).includes(description));
  const id = r.server_id ?? (hit && (hit.server_id ?? hit.report?.id));
  return { raw: r, id };
}

/// Every visible form control has a <label> (or aria-label).
async function assertLabelled(page) {
  const missing = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden')
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
    .map((el) => el.name || el.id));
  assert.deepEqual(missing, [], `unlabelled fields on ${page.url()}`);
}

async function act(page, action, { reply, note, dup } = {}) {
  await page.getByLabel('Działanie', { exact: true }).selectOption(action);
  if (dup) await page.getByLabel('Numer zgłoszenia pierwotnego (dla duplikatu)').fill(String(dup));
  if (reply) await page.getByLabel('Odpowiedź publiczna (widzi mieszkaniec)').fill(reply);
  if (note) await page.getByLabel('Notatka wewnętrzna', { exact: true }).fill(note);
  await page.getByRole('button', { name: 'Zapisz', exact: true }).click();
  await page.waitForLoadState();
}

test('sign-in, triage a resident report to resolved; the resident sees each status and reply', async () => {
  const resident = join(work, 'resident1');
  const { id } = residentReport(resident, 'Latarnia przy ul. Kolejowej nie świeci od tygodnia.');
  assert.ok(id, 'mm printed the report id');

  // Admin makes a department and puts dept1 in it.
  const { ctx: actx, page: ap } = await signIn('admin1');
  await ap.goto(`${base}/admin/departments`);
  await assertLabelled(ap);
  await ap.getByLabel('Nazwa wydziału').fill('Drogi i oświetlenie');
  await ap.getByRole('button', { name: 'Dodaj' }).click();
  await ap.getByLabel('Login urzędnika').fill('dept1');
  await ap.getByLabel('Wydział', { exact: true }).selectOption({ label: 'Drogi i oświetlenie' });
  await ap.getByRole('button', { name: 'Zapisz' }).click();
  await actx.close();

  const { ctx, page } = await signIn('disp1');
  assert.match(page.url(), /\/admin\/reports$/);
  const row = page.locator(`a[href="/admin/reports/${id}"]`);
  await row.waitFor();
  await assertLabelled(page);

  await row.click();
  await page.waitForLoadState();
  await assertLabelled(page);
  await act(page, 'accept', { reply: 'Dziękujemy, przekazaliśmy zgłoszenie.' });
  await page.getByLabel('Przypisz do wydziału').selectOption({ label: 'Drogi i oświetlenie' });
  await page.getByLabel('Notatka wewnętrzna do przypisania').fill('Pilne, okolice szkoły.');
  await page.getByRole('button', { name: 'Przypisz' }).click();
  await page.waitForLoadState();
  assert.match(await page.locator('main').innerText(), /Drogi i oświetlenie/);
  await act(page, 'in_progress', { note: 'Ekipa jutro.' });
  await act(page, 'resolve', { reply: 'Latarnia naprawiona.' });
  const text = await page.locator('main').innerText();
  assert.match(text, /Załatwione/);
  assert.match(text, /Pilne, okolice szkoły\./);

  await page.goto(`${base}/admin/map`);
  await page.locator('#map[data-ready]').waitFor();

  // CSV of the filtered list.
  const csv = await page.evaluate(async (u) => (await fetch(u)).text(), `${base}/admin/reports.csv?status=resolved`);
  assert.match(csv, new RegExp(`^${id},`, 'm'));
  await ctx.close();

  mmText(resident, 'sync');
  const seen = mm(resident, 'report', String(id));
  const json = JSON.stringify(seen);
  for (const s of ['accepted', 'in_progress', 'resolved']) assert.ok(json.includes(`"${s}"`), `${s} in ${json}`);
  assert.ok(json.includes('Dziękujemy, przekazaliśmy zgłoszenie.'));
  assert.ok(json.includes('Latarnia naprawiona.'));
  assert.ok(!json.includes('Pilne, okolice szkoły'), 'internal notes stay internal');
});

test('duplicate: followers move to the original', async () => {
  const a = residentReport(join(work, 'dupA'), 'Dziura w jezdni przy przystanku autobusowym.');
  const b = residentReport(join(work, 'dupB'), 'Ta sama dziura przy przystanku, bardzo głęboka.');
  const { ctx, page } = await signIn('disp1');
  await page.goto(`${base}/admin/reports/${a.id}`);
  const before = Number(await page.locator('#followers').innerText());
  await page.goto(`${base}/admin/reports/${b.id}`);
  await act(page, 'duplicate', { dup: a.id, reply: 'To zgłoszenie już mamy.' });
  assert.match(await page.locator('main').innerText(), /Duplikat/);
  assert.equal(await page.locator('#followers').innerText(), '0');
  await page.goto(`${base}/admin/reports/${a.id}`);
  assert.equal(Number(await page.locator('#followers').innerText()), before + 1);
  await ctx.close();
});

test('an editor publishes an event; mm events shows it after sync', async () => {
  const { ctx, page } = await signIn('editor1');
  await page.goto(`${base}/admin/events/new`);
  await assertLabelled(page);
  await page.getByLabel('Tytuł').fill('Turniej szachowy w bibliotece');
  const d = new Date(Date.now() + 2 * 86400e3).toISOString().slice(0, 10);
  await page.getByLabel('Początek (czas polski)').fill(`${d}T10:00`);
  await page.getByLabel('Koniec (czas polski)').fill(`${d}T14:00`);
  await page.getByLabel('Powtarzanie (RRULE, RFC 5545)').fill('FREQ=WEEKLY;COUNT=3');
  await page.getByRole('button', { name: 'Opublikuj' }).click();
  await page.waitForLoadState();
  assert.match(await page.locator('main').innerText(), /Turniej szachowy/);
  // An editor cannot triage.
  const r = await page.goto(`${base}/admin/reports`);
  assert.equal(r.status(), 403);
  await ctx.close();
  const res = join(work, 'resident-events');
  mmText(res, 'sync');
  const out = mmText(res, '--json', 'events');
  assert.match(out, /Turniej szachowy w bibliotece/);
});

test('a department user gets 403 on another department\'s report, by link and by form post', async () => {
  const other = residentReport(join(work, 'other'), 'Uszkodzony znak drogowy na rondzie w Siechnicach.');
  const { ctx, page } = await signIn('dept1');
  const r = await page.goto(`${base}/admin/reports/${other.id}`);
  assert.equal(r.status(), 403);
  // A form post with a valid CSRF token is still refused by role.
  const csrf = await page.locator('input[name=csrf]').first().getAttribute('value');
  const status = await page.evaluate(async ([u, csrf]) => (await fetch(u, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `csrf=${csrf}&action=accept&public_reply=x`, redirect: 'manual' })).status,
  [`${base}/admin/reports/${other.id}/action`, csrf]);
  assert.equal(status, 403);
  await ctx.close();
});

test('a form posted without the CSRF token is refused', async () => {
  const rep = residentReport(join(work, 'csrf'), 'Latarnia miga przy boisku szkolnym.');
  const { ctx, page } = await signIn('disp1');
  await page.goto(`${base}/admin/reports/${rep.id}`);
  await page.evaluate(() => document.querySelector('form[action$="/action"] input[name=csrf]').remove());
  await page.getByLabel('Działanie', { exact: true }).selectOption('accept');
  const [resp] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Zapisz', exact: true }).click()]);
  assert.equal(resp.status(), 403);
  await page.goto(`${base}/admin/reports/${rep.id}`);
  assert.match(await page.locator('main').innerText(), /Nowe/);
  await ctx.close();
});

test('wrong passwords lock the account', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  for (let i = 0; i < 5; i++) await logIn(page, 'locked1', 'wrong password ' + i);
  assert.match(await page.locator('main').innerText(), /zablokowane/);
  // Even the right password is refused now.
  await logIn(page, 'locked1', PASS);
  assert.match(page.url(), /\/admin\/login$/);
  assert.match(await page.locator('main').innerText(), /zablokowane/);
  await ctx.close();
});

test('keyboard only: skip link, the list, a report, its action form', async () => {
  const { ctx, page } = await signIn('disp1');
  await page.goto(`${base}/admin/reports`);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
  await page.keyboard.press('Enter');
  // Tab through the filters to the first report link and open it.
  let found = false;
  for (let i = 0; i < 40 && !found; i++) {
    await page.keyboard.press('Tab');
    found = await page.evaluate(() => /^\/admin\/reports\/\d+$/.test(document.activeElement.getAttribute('href') || ''));
  }
  assert.ok(found, 'a report link is reachable by Tab');
  await Promise.all([page.waitForURL(/\/admin\/reports\/\d+$/), page.keyboard.press('Enter')]);
  let onAction = false;
  for (let i = 0; i < 40 && !onAction; i++) {
    await page.keyboard.press('Tab');
    onAction = await page.evaluate(() => document.activeElement.id === 'action');
  }
  assert.ok(onAction, 'the action field is reachable by Tab');
  await ctx.close();
});

test('transparency is public and English switch works', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const r = await page.goto(`${base}/transparency`);
  assert.equal(r.status(), 200);
  assert.match(await page.locator('tr[data-category=street_lamp]').innerText(), /\d/);
  await page.getByRole('link', { name: 'English' }).click();
  await page.waitForLoadState();
  assert.match(await page.locator('h1').innerText(), /Transparency/);
  await ctx.close();
});
