// Accessibility conformance (issue 17, item 6): axe-core (npm, web/) in
// Debian Chromium on every HTML page the server serves, the back office
// (as an admin and as the roles whose pages differ) and the public pages,
// with the WCAG 2.1 A and AA rules (tags wcag2a, wcag2aa, wcag21a,
// wcag21aa): zero violations. The Polish act on the digital accessibility
// of public bodies' websites and apps (Dz.U. 2019 poz. 848, art. 5 and its
// annex) requires WCAG 2.1 AA (EN 301 549).
//
// PAGES is the list, one line per page: the router's path, who visits it,
// and for a path with ids the page whose first matching link gives them.
// A GET route added to the routers (server/src, `.route("…", get(…))`)
// without a line here, or in NOT_PAGES with the reason it is no page,
// fails the first test.
//
// Run with `make test-browser`, or alone from the repository root after
// `cargo build -p mm-server -p mm-cli` and `npm ci` in web/:
//   MM_CHROMIUM=/usr/bin/chromium node --test --test-concurrency=1 tests/browser/accessibility.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { useServer, base, browser, logIn, apiOk, root, PASS } from './support.mjs';

const AXE = join(root, 'web', 'node_modules', 'axe-core', 'axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const SIECHNICE = '0223083';

useServer({
  name: 'mm-browser-a11y-', args: ['--ezd', 'off'],
  users: [['admin1', 'admin'], ['disp1', 'dispatcher'], ['dept1', 'department'], ['editor1', 'editor'], ['enrol1', 'department']],
});

/// Every GET route that answers an HTML page: [path as the router names it,
/// who visits it (a login, or null: signed out), where the ids come from
/// (a page, itself maybe with ids, whose first link matching the path gives
/// them), or a literal address]. Adding a page is adding a line.
export const PAGES = [
  // Signed out: the sign-in page and the public pages.
  ['/admin/login', null],
  ['/transparency', null, { url: `/transparency?gmina=${SIECHNICE}` }],
  ['/deklaracja-dostepnosci', null],
  ['/deklaracja-dostepnosci', 'admin1'],
  // Not linked from the back office: the ids the app's API lists (a
  // published consultation, an edition with published results).
  ['/consultations/{id}', null, { api: ['/api/v1/consultations', (c) => `/consultations/${c.id}`] }],
  ['/budget/editions/{id}', null, { api: ['/api/v1/budget/editions', (e) => `/budget/editions/${e.id}`] }],
  // The gateway's return page (a payment the app started); an unknown one
  // renders the same page with its "no such payment".
  ['/taxes/payments/{id}/return', null, { url: `/taxes/payments/no-such-payment/return?gmina=${SIECHNICE}`, status: 404 }],
  // The back office as an admin (every section).
  ['/admin/password', 'admin1'],
  // Signing in and its sessions (the code step after the password is
  // checked in the forms test: it needs a half-signed-in browser).
  ['/admin/two-factor', 'admin1'],
  ['/admin/two-factor', 'dept1'],
  ['/admin/two-factor/enrol', 'dept1'],
  ['/admin/sessions', 'admin1'],
  ['/admin/accounts/{id}/sessions', 'admin1', { from: '/admin/accounts/{id}' }],
  ['/admin/reports', 'admin1'],
  ['/admin/reports/{id}', 'admin1', { from: '/admin/reports' }],
  ['/admin/map', 'admin1'],
  ['/admin/events', 'admin1'],
  ['/admin/events/new', 'admin1'],
  ['/admin/events/{id}', 'admin1', { from: '/admin/events' }],
  ['/admin/news', 'admin1'],
  ['/admin/news/new', 'admin1'],
  ['/admin/news/{id}', 'admin1', { from: '/admin/news' }],
  ['/admin/departments', 'admin1'],
  ['/admin/audit', 'admin1'],
  ['/admin/jobs', 'admin1'],
  ['/admin/categories', 'admin1'],
  ['/admin/categories/new', 'admin1'],
  ['/admin/categories/{id}', 'admin1', { from: '/admin/categories' }],
  ['/admin/event-categories/{id}', 'admin1', { from: '/admin/categories' }],
  ['/admin/accounts', 'admin1'],
  ['/admin/accounts/{id}', 'admin1', { from: '/admin/accounts' }],
  ['/admin/settings', 'admin1'],
  ['/admin/settings/accessibility', 'admin1'],
  ['/admin/budget', 'admin1'],
  ['/admin/budget/editions/new', 'admin1'],
  ['/admin/budget/editions/{id}', 'admin1', { from: '/admin/budget' }],
  ['/admin/budget/editions/{id}/settings', 'admin1', { from: '/admin/budget/editions/{id}' }],
  ['/admin/budget/editions/{id}/pools/new', 'admin1', { from: '/admin/budget/editions/{id}' }],
  ['/admin/budget/editions/{id}/pools/{pool}', 'admin1', { from: '/admin/budget/editions/{id}' }],
  ['/admin/budget/editions/{id}/projects', 'admin1', { from: '/admin/budget/editions/{id}' }],
  ['/admin/budget/projects/{id}', 'admin1', { from: '/admin/budget/editions/{id}/projects' }],
  ['/admin/budget/editions/{id}/paper', 'admin1', { from: '/admin/budget/editions/{id}' }],
  ['/admin/consultations', 'admin1'],
  ['/admin/consultations/new', 'admin1'],
  ['/admin/consultations/{id}', 'admin1', { from: '/admin/consultations' }],
  ['/admin/consultations/{id}/results', 'admin1', { from: '/admin/consultations' }],
  ['/admin/consultations/{id}/moderation', 'admin1', { from: '/admin/consultations' }],
  ['/admin/taxes', 'admin1'],
  ['/admin/taxes/taxpayers', 'admin1'],
  // The list shows taxpayers found by a search; the demo's first one.
  ['/admin/taxes/taxpayers/{id}', 'admin1', { url: '/admin/taxes/taxpayers/PD-00001' }],
  ['/admin/taxes/payments', 'admin1'],
  ['/admin/notifications', 'admin1'],
  ['/admin/notifications/new', 'admin1'],
  ['/admin/notifications/{id}', 'admin1', { from: '/admin/notifications' }],
  ['/admin/waste', 'admin1'],
  // The roles whose pages differ: the dispatcher's and the department
  // official's triage, the editor's content.
  ['/admin/reports', 'disp1'],
  ['/admin/reports/{id}', 'disp1', { from: '/admin/reports' }],
  ['/admin/map', 'disp1'],
  ['/admin/reports', 'dept1'],
  ['/admin/password', 'dept1'],
  ['/admin/events', 'editor1'],
  ['/admin/events/{id}', 'editor1', { from: '/admin/events' }],
  ['/admin/news', 'editor1'],
  // Error pages: 404 signed in and out, 403 by role.
  ['(404)', 'admin1', { url: '/admin/reports/999999999', status: 404 }],
  ['(404)', null, { url: '/admin/no-such-page', status: 404 }],
  ['(403)', 'editor1', { url: '/admin/settings', status: 403 }],
];

/// GET routes that are no HTML page, and why.
const NOT_PAGES = {
  '/admin': 'redirects to the role\'s first page',
  '/admin/': 'redirects to the role\'s first page',
  '/admin/lang': 'sets the language cookie and redirects back',
  '/admin/login/code': 'a page, checked by "forms with errors" (it needs a browser signed in halfway: the password, not the code)',
  '/admin/ezd': 'the old address, redirects to /admin/jobs',
  '/admin/reports.csv': 'CSV',
  '/admin/reports/{id}/photos/{photo}': 'a JPEG',
  '/admin/consultations/{id}/results.csv': 'CSV',
  '/admin/assets/{*path}': 'CSS, JavaScript, images',
  '/healthz': 'JSON',
  '/open311/{file}': 'Open311 XML/JSON',
  '/open311/v2/{file}': 'Open311 XML/JSON',
  '/open311/v2/services/{file}': 'Open311 XML/JSON',
  '/open311/v2/requests/{file}': 'Open311 XML/JSON',
  '/open311/v2/tokens/{file}': 'Open311 XML/JSON',
  '/sandbox/p24/api/v1/testAccess': 'the sandbox gateway\'s JSON API',
  // The built-in imitation of Przelewy24's payer page (`--payments
  // sandbox`, development only): in production the payer is on the
  // gateway's own site, not a page of the gmina's.
  '/sandbox/p24/trnRequest/{token}': 'imitates the payment gateway\'s own page (development only)',
};

/// The GET routes in the routers, read from the source (`.route("/path",
/// get(…))`, also with `.post(…)` after it; `format!("{PREFIX}…")` with the
/// sandbox's prefix). The `/api/v1` routes are JSON (utoipa's `routes!`).
function getRoutes() {
  const files = [];
  const walk = (d) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.rs')) files.push(p);
    }
  };
  walk(join(root, 'server', 'src'));
  const routes = new Set();
  for (const f of files) {
    // A file's unit tests (`#[cfg(test)] mod tests`, at its end) build
    // routers of their own that the server never serves.
    const src = readFileSync(f, 'utf8').split('#[cfg(test)]\nmod ')[0];
    for (const m of src.matchAll(/\.route\(\s*(?:"([^"]+)"|&format!\("([^"]+)"\)|([A-Z][A-Z0-9_]*))\s*,\s*(?:axum::routing::)?get\(/g)) {
      let path = m[1] ?? m[2]?.replace('{PREFIX}', '/sandbox/p24').replaceAll('{{', '{').replaceAll('}}', '}');
      // A path named by a constant of the same file.
      if (m[3]) path = src.match(new RegExp(`const ${m[3]}: &str = "([^"]+)"`))?.[1];
      assert.ok(path, `${f}: the path of ${m[0]}`);
      routes.add(path);
    }
  }
  return routes;
}

test('every GET route is in PAGES or NOT_PAGES', () => {
  const routes = getRoutes();
  assert.ok(routes.size > 40, `found the routers' GET routes (${routes.size})`);
  const listed = new Set(PAGES.map(([p]) => p));
  const missing = [...routes].filter((r) => !listed.has(r) && !(r in NOT_PAGES));
  assert.deepEqual(missing, [], 'GET routes neither checked by axe nor listed as no page: add a line to PAGES');
  const stale = [...listed, ...Object.keys(NOT_PAGES)].filter((p) => !p.startsWith('(') && !routes.has(p));
  assert.deepEqual(stale, [], 'entries for routes that no longer exist');
});

/// One signed-in context per login, kept for the file.
const contexts = {};
async function pageAs(login) {
  if (!contexts[login ?? '']) {
    // bypassCSP: the pages' CSP (script-src 'self') would refuse the
    // injected axe-core; it changes nothing else of the page.
    const ctx = await browser.newContext({ bypassCSP: true });
    // Map tiles and anything else off the server: refused, so the run does
    // not depend on the internet (the maps still draw the boundary).
    const host = new URL(base).host;
    await ctx.route('**/*', (route) => (new URL(route.request().url()).host === host ? route.continue() : route.abort()));
    const page = await ctx.newPage();
    if (login) await logIn(page, login);
    contexts[login ?? ''] = page;
  }
  return contexts[login ?? ''];
}

/// A router path as a regular expression over a link's path (an id is
/// never `new`, the form for a new one).
function pathRegex(route) {
  return new RegExp('^' + route.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '(?!new(?:/|$))[^/?#]+') + '$');
}

/// The addresses `route` may have for `login`: itself, a literal one, the
/// ids an API list gives, or the links matching it on the first page it
/// comes from (resolved the same way) that has any. The test takes the
/// first that answers.
async function candidates(route, login, how = {}) {
  if (how.url) return [how.url];
  if (!route.includes('{')) return [route];
  if (how.api) return (await apiOk('GET', how.api[0])).map(how.api[1]);
  const fromLogin = how.as ?? login;
  const fromEntry = PAGES.find(([p, l]) => p === how.from && l === fromLogin) ?? PAGES.find(([p]) => p === how.from);
  assert.ok(fromEntry, `${route}: its page ${how.from} is in PAGES`);
  const page = await pageAs(fromLogin);
  const re = pathRegex(route);
  for (const from of (await candidates(how.from, fromLogin, fromEntry[2])).slice(0, 10)) {
    await page.goto(base + from);
    const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => new URL(a.href).pathname));
    const hits = [...new Set(hrefs.filter((h) => re.test(h)))];
    if (hits.length) return hits;
  }
  assert.fail(`no link to ${route} on ${how.from} (as ${fromLogin})`);
}

/// axe-core on the page as it is now; the violations, one line each.
async function axe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }), TAGS);
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.helpUrl}\n` +
    v.nodes.map((n) => `    - ${n.target.join(' ')}${n.failureSummary ? `\n      ${n.failureSummary.replaceAll('\n', '\n      ')}` : ''}`).join('\n'));
}

/// Problems by page, printed together at the end.
const problems = [];
let checked = 0;

async function check(label, page, expectStatus, response) {
  if (expectStatus && response) assert.equal(response.status(), expectStatus, `${label}: status`);
  await page.waitForLoadState('load');
  // The maps (Leaflet) finish drawing after load.
  if (await page.locator('.leaflet-container').count()) await page.locator('.leaflet-control-zoom-in').first().waitFor();
  const found = await axe(page);
  checked += 1;
  if (found.length) problems.push(`${label}:\n  ${found.join('\n  ')}`);
}

test('the check can fail: axe-core finds the faults of a deliberately bad page', async () => {
  const page = await pageAs(null);
  await page.setContent('<!doctype html><html><head></head><body><img src="/x.png"><input name="q">' +
    '<p style="color:#aaa;background:#fff">pale</p><a href="/x"></a></body></html>');
  const ids = (await axe(page)).map((v) => v.split(' ')[0]).sort();
  assert.deepEqual(ids, ['color-contrast', 'document-title', 'html-has-lang', 'image-alt', 'label', 'link-name']);
});

test('axe-core: 0 violations on every page of the back office and the public pages', async () => {
  for (const [route, login, how = {}] of PAGES) {
    // Every page, then every problem: one run lists them all.
    try {
      const page = await pageAs(login);
      let url;
      let r;
      for (url of (await candidates(route, login, how)).slice(0, 10)) {
        r = await page.goto(base + url);
        if (how.status || r.ok()) break;
      }
      if (!how.status) assert.ok(r.ok(), `${url} as ${login ?? 'anyone'}: ${r.status()}`);
      await check(`${url} (${route}, ${login ?? 'signed out'})`, page, how.status, r);
    } catch (e) {
      problems.push(`${route} (${login ?? 'signed out'}): ${e.message}`);
    }
  }
  console.log(`axe-core ${JSON.parse(readFileSync(join(root, 'web', 'node_modules', 'axe-core', 'package.json'), 'utf8')).version}, ` +
    `tags ${TAGS.join(', ')}: ${checked} pages checked, ${problems.length} with violations`);
  assert.equal(problems.length, 0, `violations:\n${problems.join('\n')}`);
});

/// The current RFC 6238 code of a base32 secret (as the test's own
/// authenticator app).
function totpNow(secret) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/[\s=]/g, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30)));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[19] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

/// A form's errors are announced: a role=alert summary, and every field
/// marked aria-invalid names its message with aria-describedby.
async function assertErrorsAnnounced(page, label) {
  assert.ok(await page.locator('[role="alert"]').count() > 0, `${label}: an alert`);
  const bad = await page.locator('[aria-invalid="true"]').evaluateAll((els) => els
    .filter((el) => !(el.getAttribute('aria-describedby') || '').split(/\s+/).some((id) => id && document.getElementById(id)))
    .map((el) => el.id || el.name));
  assert.deepEqual(bad, [], `${label}: invalid fields without their message`);
}

test('forms with errors: announced, and 0 violations', async () => {
  const before = problems.length;
  // Signing in with a wrong password.
  const anon = await (await browser.newContext({ bypassCSP: true })).newPage();
  await logIn(anon, 'admin1', 'wrong password');
  await assertErrorsAnnounced(anon, 'sign-in');
  await check('sign-in with a wrong password', anon);
  await anon.context().close();

  // The second step: the code page after the password, a wrong code.
  const half = await (await browser.newContext({ bypassCSP: true })).newPage();
  await pageAs('admin1'); // enrolled by its first sign-in
  await half.goto(`${base}/admin/login`);
  await half.getByLabel('Login').fill('admin1');
  await half.getByLabel('Hasło').fill(PASS);
  await half.getByRole('button', { name: 'Zaloguj' }).click();
  await half.waitForLoadState();
  assert.ok(half.url().endsWith('/admin/login/code'), `the code step: ${half.url()}`);
  await check('/admin/login/code (after the password)', half);
  await half.getByLabel('Kod z aplikacji').fill('000000');
  await half.getByRole('button', { name: 'Potwierdź' }).click();
  await half.waitForLoadState();
  await assertErrorsAnnounced(half, 'the code step');
  await check('/admin/login/code with a wrong code', half);
  await half.context().close();

  // Enrolling: the page with the key, a wrong code, then the recovery
  // codes shown once.
  const enrol = await (await browser.newContext({ bypassCSP: true })).newPage();
  await logIn(enrol, 'enrol1');
  await enrol.goto(`${base}/admin/two-factor/enrol`);
  await enrol.getByLabel('Kod z aplikacji').fill('000000');
  await enrol.getByRole('button', { name: 'Włącz weryfikację dwuetapową' }).click();
  await enrol.waitForLoadState();
  await assertErrorsAnnounced(enrol, 'enrolment');
  await check('/admin/two-factor/enrol with a wrong code', enrol);
  await enrol.goto(`${base}/admin/two-factor/enrol`);
  await enrol.getByLabel('Kod z aplikacji').fill(totpNow(await enrol.locator('#totp-secret').innerText()));
  await enrol.getByRole('button', { name: 'Włącz weryfikację dwuetapową' }).click();
  await enrol.waitForLoadState();
  assert.ok(await enrol.getByRole('link', { name: /przejdź do panelu/ }).count(), 'the recovery codes page');
  await check('the recovery codes, shown once', enrol);
  await enrol.context().close();

  const page = await pageAs('admin1');
  // A budget edition with nothing filled in: errors by field.
  await page.goto(`${base}/admin/budget/editions/new`);
  await page.locator('form.stack').evaluate((f) => { for (const el of f.querySelectorAll('[required]')) el.removeAttribute('required'); });
  await page.locator('form.stack button[type="submit"]').last().click();
  await page.waitForLoadState();
  assert.ok(await page.locator('[aria-invalid="true"]').count() > 0, 'the edition form marks its fields');
  await assertErrorsAnnounced(page, 'budget edition');
  await check('/admin/budget/editions/new with errors', page);

  // The settings with a bad tile address, and the accessibility statement
  // with bad fields.
  await page.goto(`${base}/admin/settings`);
  await page.locator('#tile_url').evaluate((el) => { el.type = 'text'; el.value = 'not a url'; });
  await page.getByRole('button', { name: 'Zapisz ustawienia' }).click();
  await page.waitForLoadState();
  await assertErrorsAnnounced(page, 'settings');
  await check('/admin/settings with a bad tile address', page);

  await page.goto(`${base}/admin/settings/accessibility`);
  const form = page.locator('#a11y-form');
  await form.evaluate((f) => { for (const el of f.querySelectorAll('[required]')) el.removeAttribute('required'); f.noValidate = true; });
  await form.getByLabel('Adres e-mail').fill('not an address');
  await form.getByRole('button', { name: 'Zapisz i opublikuj deklarację' }).click();
  await page.waitForLoadState();
  assert.ok(await page.locator('[aria-invalid="true"]').count() > 0, 'the statement form marks its fields');
  await assertErrorsAnnounced(page, 'accessibility statement');
  await check('/admin/settings with a bad accessibility statement', page);

  assert.equal(problems.length, before, `violations:\n${problems.slice(before).join('\n')}`);
});
