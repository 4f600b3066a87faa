// The participatory budget's public results page (issue 15 item 5,
// server/src/budget/page.rs) as a resident opens it after `make run`: a
// real `mm-server --demo` in Debian Chromium via playwright-core. The
// demo's finished 2025 edition: its map draws a marker for every project
// with a place, selected ones filled and the rest hollow and dashed, a
// marker's popup names the project and links to its row; the tables list
// every project with votes, cost and outcome; nothing breaks the CSP.
// Without JavaScript the tables are all there and no empty map box is.
// Takes the README's screenshot into docs/screenshots/. Run with
// `make test-browser`.
//
// The browser reaches only the server under test (no tiles from outside),
// so the map shows the gmina's boundary and localities under the markers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { useServer, base, serverOnly, apiOk, SHOTS } from './support.mjs';

let edition, results;

const api = (path) => apiOk('GET', path);

useServer({ name: 'mm-browser-budget-', env: { NO_COLOR: '1' }, log: true, ready });

async function ready() {
  const editions = await api('/api/v1/budget/editions');
  edition = editions.find((e) => e.year === 2025 && e.published_results);
  assert.ok(edition, `the demo's published 2025 edition: ${JSON.stringify(editions.map((e) => [e.year, e.phase]))}`);
  results = await api(`/api/v1/budget/editions/${edition.id}/results`);
  mkdirSync(SHOTS, { recursive: true });
}

/// A context that reaches only the server; page errors, dialogs and CSP
/// refusals are collected to be asserted empty.
async function context(options = {}) {
  const { ctx, page } = await serverOnly({ viewport: { width: 1280, height: 900 }, ...options });
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('dialog', async (d) => { page.problems.push(`dialog: ${d.message()}`); await d.dismiss(); });
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) page.problems.push(`console: ${m.text()}`);
  });
  return { ctx, page };
}

test('the 2025 results page draws every located project on the map, selected ones filled', async () => {
  const projects = await api(`/api/v1/budget/editions/${edition.id}/projects`);
  const counted = new Set(results.pools.flatMap((p) => p.projects.map((x) => x.project)));
  const located = projects.filter((p) => counted.has(p.id) && p.location);
  const selected = new Set(results.pools.flatMap((p) => p.projects.filter((x) => x.selected).map((x) => x.project)));
  assert.ok(located.length >= 10, `the demo's projects have places: ${located.length}`);
  assert.ok(selected.size > 0 && selected.size < counted.size, 'some selected, some not');

  const { ctx, page } = await context();
  const r = await page.goto(`${base}/budget/editions/${edition.id}`);
  assert.equal(r.status(), 200);
  await page.waitForSelector('#budget-map[data-ready]', { timeout: 15000 });
  assert.equal(await page.locator('#budget-map').getAttribute('data-ready'), String(located.length));
  assert.ok(await page.locator('#map-section').isVisible(), 'the map is shown');

  // One interactive shape per located project, marked with its outcome.
  const shapes = page.locator('#budget-map path.leaflet-interactive[data-project]');
  assert.equal(await shapes.count(), located.length);
  const drawn = await shapes.evaluateAll((els) => els.map((e) => ({
    id: Number(e.getAttribute('data-project')),
    selected: e.getAttribute('data-selected') === 'true',
    fillOpacity: Number(e.getAttribute('fill-opacity')),
    dashed: !!e.getAttribute('stroke-dasharray'),
  })));
  for (const d of drawn) {
    assert.equal(d.selected, selected.has(d.id), `project ${d.id}'s outcome`);
    // Not by colour alone: filled and solid, or hollow and dashed.
    assert.equal(d.dashed, !d.selected, `project ${d.id}'s outline`);
    assert.ok(d.selected ? d.fillOpacity > 0.5 : d.fillOpacity < 0.5, `project ${d.id}'s fill`);
  }
  assert.deepEqual(new Set(drawn.map((d) => d.id)), new Set(located.map((p) => p.id)));

  await page.screenshot({ path: join(SHOTS, 'budget-results.png'), fullPage: false });

  // A marker's popup names its project and links to its row.
  const first = located[0];
  await page.locator(`#budget-map path[data-project="${first.id}"]`).click({ force: true });
  const popup = page.locator('.leaflet-popup-content');
  await popup.waitFor();
  assert.ok((await popup.innerText()).includes(first.title), await popup.innerText());
  assert.equal(await popup.locator('a').getAttribute('href'), `#project-${first.id}`);

  // The tables: a row per counted project, with the outcome in words.
  assert.equal(await page.locator('table.results tbody tr').count(), counted.size);
  assert.equal(await page.locator('table.results tbody tr.selected').count(), selected.size);
  assert.equal(await page.locator('table.results caption').count(), results.pools.length);
  for (const pool of edition.pools) {
    assert.ok(await page.locator(`a[href*="/pools/${pool.id}/results.pb"]`).count() === 1, `pool ${pool.id}'s .pb`);
  }
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('without JavaScript the tables are all there and no empty map box is', async () => {
  const { ctx, page } = await context({ javaScriptEnabled: false });
  await page.goto(`${base}/budget/editions/${edition.id}`);
  const rows = results.pools.reduce((n, p) => n + p.projects.length, 0);
  assert.equal(await page.locator('table.results tbody tr').count(), rows);
  assert.equal(await page.locator('#map-section').isVisible(), false);
  assert.ok((await page.locator('main').innerText()).includes('wybrany'));
  await ctx.close();
});
