// The back office as a newcomer meets it after `make run` (issue 11):
// a real `mm-server --demo` in Debian Chromium via playwright-core. The
// demo admin signs in with the password the server printed, the triage
// list, the report page, the map and /transparency are full, the next
// report is one key away, and hostile text (a report's description, a
// `javascript:` link in a news item) stays inert on every page. Takes the
// README's screenshots into docs/screenshots/. Run with `make test-browser`.
//
// The browser reaches only the server under test: map tiles from outside
// are refused, so the maps show what they show without internet (the
// gmina's boundary and localities) and the run does not depend on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { useServer, base, serverOnly, logIn, until, apiOk as api, log as stderr, SHOTS } from './support.mjs';

const SCRIPT = '<script>alert(1)</script><img src=x onerror=alert(1)>';

let password;

useServer({
  name: 'mm-browser-office-', env: { NO_COLOR: '1' }, log: true,
  ready: async () => {
    // The password comes on stderr right after the listening line.
    password = await until(() => stderr.match(/hasło \/ password: (\S+)/)?.[1], 5000);
    mkdirSync(SHOTS, { recursive: true });
  },
});

/// A browser context that reaches only the server, and fails the test on
/// any dialog (an alert() that ran) or page error.
async function context(viewport = { width: 1440, height: 900 }) {
  const { ctx, page } = await serverOnly({ viewport });
  page.dialogs = [];
  page.on('dialog', async (d) => { page.dialogs.push(d.message()); await d.dismiss(); });
  return { ctx, page };
}

async function signInAdmin() {
  const { ctx, page } = await context();
  await logIn(page, 'admin', password);
  return { ctx, page };
}

test('a first `--demo` start prints the admin password once, and it signs in to a full office', async () => {
  assert.ok(password && password.length >= 16, `the password on stderr: ${stderr}`);
  const { ctx, page } = await signInAdmin();
  assert.match(page.url(), /\/admin\/reports$/);
  const count = await page.locator('p.count').innerText();
  const found = Number(count.match(/(\d+)\./)[1]);
  assert.ok(found >= 55, `the triage list is full: ${count}`);
  for (const s of ['Nowe', 'Przyjęte', 'W realizacji', 'Załatwione', 'Odrzucone', 'Duplikat']) {
    assert.ok(await page.locator('table.reports .status', { hasText: s }).count() > 0, `${s} on the first page`);
  }
  await page.screenshot({ path: join(SHOTS, 'admin-reports-list.png'), fullPage: false });
  await ctx.close();
});

test('the report page: photos, the pin, the case reference, actions beside them; N opens the next report', async () => {
  const { ctx, page } = await signInAdmin();
  // An accepted demo report with a photo.
  await page.goto(`${base}/admin/reports?status=in_progress`);
  const links = await page.locator('table.reports a[href^="/admin/reports/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  let shown = false;
  for (const href of links) {
    await page.goto(base + href);
    if (await page.locator('ul.photos img').count()) { shown = true; break; }
  }
  assert.ok(shown, 'a report in progress with a photo');
  await page.locator('#pin-map[data-ready]').waitFor();
  assert.ok(await page.evaluate(() => document.querySelector('ul.photos img').naturalWidth > 0), 'the photo loads');
  assert.match(await page.locator('#case-reference').innerText(), /^[A-Z]+\.7021\.\d+\.\d{4}$/);
  assert.match(await page.locator('#ezd-state').innerText(), /zarejestrowane RPW\/\d+\/\d{4}/);
  // Side by side on a wide screen: details, media, actions in one row.
  const box = async (sel) => page.locator(sel).boundingBox();
  const [facts, media, actions] = [await box('.report-facts'), await box('.report-media'), await box('.report-actions')];
  assert.ok(facts.x < media.x && media.x < actions.x, 'three columns');
  assert.ok(Math.abs(facts.y - actions.y) < 5, 'the actions beside the details, not below them');
  await page.screenshot({ path: join(SHOTS, 'admin-report-detail.png'), fullPage: false });

  // The next report, one key away: the hint is visible, N follows the link.
  const next = await page.locator('a[data-shortcut="n"]').getAttribute('href');
  assert.ok(await page.locator('#shortcut-hint').isVisible());
  await page.locator('h1').click();
  await Promise.all([page.waitForURL(base + next), page.keyboard.press('n')]);
  // Typing an N into a field does not leave the page.
  const here = page.url();
  await page.getByLabel('Notatka wewnętrzna', { exact: true }).pressSequentially('Nie zmieniaj strony');
  assert.equal(page.url(), here);
  // The shortcut can be turned off (WCAG 2.1.4), and stays off.
  await page.locator('#shortcut-toggle').click();
  assert.ok(!(await page.locator('#shortcut-hint').isVisible()));
  await page.locator('h1').click();
  await page.keyboard.press('n');
  await page.waitForTimeout(300);
  assert.equal(page.url(), here);
  await page.reload();
  assert.ok(!(await page.locator('#shortcut-hint').isVisible()), 'remembered');
  await page.locator('#shortcut-toggle').click();
  await ctx.close();
});

test('the map draws the gmina and the reports, and says when its background cannot load', async () => {
  const { ctx, page } = await signInAdmin();
  await page.goto(`${base}/admin/map`);
  await page.locator('#map[data-ready]').waitFor();
  const points = Number(await page.locator('#map').getAttribute('data-ready'));
  assert.ok(points >= 55, `${points} reports on the map`);
  // The markers, from the page's compact data, on one canvas; the boundary
  // (a dashed polygon) and the localities' names are drawn beside them.
  const data = JSON.parse(await page.locator('#map-data').textContent());
  assert.equal(points, data.points.length);
  assert.equal(await page.locator('#map canvas').count(), 1, 'one canvas for the markers');
  assert.ok(await page.locator('#map svg path').count() >= 1, 'the boundary');
  // The table beside the map is its text alternative, 50 rows a page.
  assert.equal(await page.locator('main table tbody tr').count(), Math.min(points, 50));
  assert.ok(await page.locator('.leaflet-tooltip.locality', { hasText: 'Radwanice' }).count() === 1);
  // Tiles were refused here: the note says so, the boundary stays.
  await page.locator('#map[data-tiles-failed]').waitFor({ timeout: 15000 });
  assert.match(await page.locator('.map-note').innerText(), /granicę gminy/);
  await page.screenshot({ path: join(SHOTS, 'admin-map.png'), fullPage: false });
  // One report: the map centres on it, and its marker opens a link to it.
  const [id, , , status, category] = data.points[0];
  await page.goto(`${base}/admin/map?q=${id}`);
  await page.locator('#map[data-ready="1"]').waitFor();
  const box = await page.locator('#map').boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  const link = page.locator('.leaflet-popup-content a');
  await link.waitFor();
  assert.equal(await link.getAttribute('href'), `/admin/reports/${id}`);
  assert.equal(await link.innerText(), `#${id} ${data.categories[category]} (${data.statuses[status]})`);
  await ctx.close();
});

test('/transparency: charts a resident reads at a glance, with the tables kept', async () => {
  const { ctx, page } = await context();
  await page.goto(`${base}/transparency`);
  const charts = page.getByRole('img');
  assert.equal(await charts.count(), 4);
  assert.match(await charts.first().getAttribute('aria-labelledby'), /chart-months-title chart-months-desc/);
  assert.ok(await page.locator('svg rect').count() > 10, 'bars drawn');
  assert.match(await page.locator('tr[data-category=street_lamp]').innerText(), /\d/);
  assert.ok(await page.locator('table.months tbody tr').count() >= 4);
  await page.screenshot({ path: join(SHOTS, 'transparency.png'), fullPage: true });
  await page.getByRole('link', { name: 'English' }).click();
  await page.waitForLoadState();
  assert.match(await page.locator('figcaption').first().innerText(), /Reports month by month/);
  await ctx.close();
});

test('a hostile description and a javascript: link in a news item stay inert on every back-office page', async () => {
  const dev = await api('POST', '/api/v1/devices', { platform: 'cli', app_version: '1.0.0' });
  const report = await api('POST', '/api/v1/reports', {
    category: 'street_lamp', point: { lat: 51.0335, lon: 17.15 }, description: SCRIPT,
    address: '"><svg onload=alert(2)>', answers: { kind: 'not_lit' },
  }, dev.token);
  const { ctx, page } = await signInAdmin();
  // An editor's news item with a javascript: link, made through the back office's own form.
  await page.goto(`${base}/admin/news/new`);
  await page.getByLabel('Tytuł').fill('<script>alert(3)</script>Komunikat');
  await page.getByLabel('Treść').fill('Szczegóły: <a href="javascript:alert(4)">kliknij</a> [link](javascript:alert(5))');
  await page.getByRole('button', { name: 'Opublikuj' }).click();
  await page.waitForLoadState();
  const newsHref = await page.locator('table a[href^="/admin/news/"]', { hasText: 'Komunikat' }).getAttribute('href');
  // The reply and the internal note carry it too.
  await page.goto(`${base}/admin/reports/${report.id}`);
  await page.getByLabel('Działanie', { exact: true }).selectOption('accept');
  await page.getByLabel('Odpowiedź publiczna (widzi mieszkaniec)').fill(SCRIPT);
  await page.getByLabel('Notatka wewnętrzna', { exact: true }).fill('<a href="javascript:alert(6)">x</a>');
  await page.getByRole('button', { name: 'Zapisz', exact: true }).click();
  await page.waitForLoadState();

  const pages = ['/admin/reports', `/admin/reports?q=${encodeURIComponent('alert')}`, `/admin/reports/${report.id}`, '/admin/map',
    '/admin/news', newsHref, '/admin/events', '/admin/audit', '/admin/categories', '/admin/accounts', '/admin/departments',
    '/admin/settings', '/admin/password', '/transparency'];
  for (const p of pages) {
    await page.goto(base + p);
    await page.waitForLoadState('load');
    await page.waitForTimeout(100);
    const bad = await page.evaluate(() => ({
      js: [...document.querySelectorAll('[href], [src], [action]')]
        .map((el) => el.getAttribute('href') || el.getAttribute('src') || el.getAttribute('action'))
        .filter((u) => /^\s*javascript:/i.test(u)),
      injected: document.querySelectorAll('img[src="x"], svg[onload], main script:not([src]):not([type="application/json"])').length,
      handlers: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => /^on/i.test(a.name))).length,
    }));
    assert.deepEqual(bad.js, [], `${p}: javascript: URLs`);
    assert.equal(bad.injected, 0, `${p}: injected elements`);
    assert.equal(bad.handlers, 0, `${p}: event handler attributes`);
    assert.deepEqual(page.dialogs, [], `${p}: a dialog opened`);
  }
  // The text itself is there to read.
  await page.goto(`${base}/admin/reports/${report.id}`);
  assert.ok((await page.locator('p.desc').innerText()).includes('<script>alert(1)</script>'));
  await ctx.close();
});
