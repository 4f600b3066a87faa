// Browser test of the back office's participatory budget forms (issue 15
// §7 item 2) in Debian Chromium driven by playwright-core against a real
// `mm-server --demo`: an official creates an edition (one field refused
// first, then fixed), adds a pool, opens the demo edition's project queue,
// rejects a resident's project with a reason, and types in a paper ballot
// twice: the second time the register refuses it. Run with
// `MM_CHROMIUM=/usr/bin/chromium node --test tests/browser/budget.test.mjs`
// from the repository root after `cargo build -p mm-server -p mm-cli --bins`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, base, signIn, api, log as serverLog } from './support.mjs';

const TITLE = 'Budżet testowy przeglądarki';
const REASON = 'Projekt dotyczy działki prywatnej.';

useServer({ name: 'mm-browser-budget-', users: [['admin1', 'admin']], env: { MM_LOG: 'info' }, log: true });

/// `days` from now as `<input type="datetime-local">` takes it (the server
/// reads it as Warsaw time; the phases are days apart, so the offset does
/// not matter).
function inDays(days) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);
}

async function submitAndWait(page, selector) {
  await Promise.all([page.waitForNavigation(), page.locator(selector).click()]);
}

test('an official runs an edition: settings, a pool, a rejection, paper ballots', async () => {
  const { ctx, page } = await signIn('admin1');

  // A new edition: its submission open now, so a resident can propose.
  await page.goto(`${base}/admin/budget`);
  await submitAndWait(page, '#edition-new');
  assert.equal(new URL(page.url()).pathname, '/admin/budget/editions/new');
  await page.fill('#e-title', TITLE);
  for (const [i, d] of [-1, 10, 20, 25, 30, 40].entries()) await page.fill(`#e-date-${i}`, inDays(d));
  await page.selectOption('#e-voting', 'approval');
  await page.fill('#e-min', '4');
  await page.fill('#e-max', '2');
  await submitAndWait(page, '#edition-save');
  // Refused by the field, in Polish; nothing saved; the form keeps what was typed.
  assert.match(await page.locator('#e-min-error').innerText(), /Minimum nie może być większe od maksimum/);
  assert.equal(await page.locator('#e-min').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.inputValue('#e-title'), TITLE);
  const list = await (await fetch(`${base}/api/v1/budget/editions`)).text();
  assert.ok(!list.includes(TITLE), 'nothing saved');
  await page.fill('#e-min', '1');
  await submitAndWait(page, '#edition-save');
  const editionPath = new URL(page.url()).pathname;
  assert.match(editionPath, /^\/admin\/budget\/editions\/\d+$/, page.url());
  const edition = Number(editionPath.split('/').pop());
  assert.match(await page.locator('h2').first().innerText(), new RegExp(TITLE));

  // A pool: a malformed amount first, then 200 000 zł.
  await submitAndWait(page, '#pool-new');
  await page.fill('#p-name', 'Cała gmina');
  await page.fill('#p-amount', 'dwieście tysięcy');
  await page.fill('#p-residents', '28000');
  await page.fill('#p-signatures', '0');
  await submitAndWait(page, '#pool-save');
  assert.match(await page.locator('#p-amount-error').innerText(), /Podaj kwotę w złotych/);
  await page.fill('#p-amount', '200 000');
  await submitAndWait(page, '#pool-save');
  assert.equal(new URL(page.url()).pathname, editionPath);
  const pool = page.locator('section.budget-pool', { hasText: 'Cała gmina' });
  assert.match((await pool.innerText()).replace(/\s/g, ' '), /200 000,00 zł/);

  // A resident proposes a project through the API.
  const e = await api('GET', `/api/v1/budget/editions/${edition}`);
  assert.equal(e.status, 200, JSON.stringify(e.json));
  const dev = await api('POST', '/api/v1/devices', { platform: 'cli', app_version: '1.0.0' });
  assert.equal(dev.status, 201);
  const proposed = await api('POST', `/api/v1/budget/editions/${edition}/projects`, {
    pool: e.json.pools[0].id, title: 'Ławki nad Odrą', description: 'Dziesięć ławek wzdłuż wału.',
    cost_grosze: 5_000_000, contact: { name: 'Jan Testowy' },
  }, dev.json.token);
  assert.equal(proposed.status, 201, JSON.stringify(proposed.json));

  // The demo's edition in voting: its queue lists the projects on the ballot.
  await page.goto(`${base}/admin/budget`);
  const demo = page.locator('table.budget-editions a', { hasText: `Siechnicki Budżet Obywatelski ${new Date().getFullYear()}` });
  await Promise.all([page.waitForNavigation(), demo.click()]);
  await submitAndWait(page, '#edition-projects');
  const demoRows = page.locator('#project-queue tbody tr');
  assert.ok(await demoRows.count() >= 10, 'the demo edition\'s projects');
  assert.match(await demoRows.first().innerText(), /na karcie do głosowania/);

  // Our edition's queue, filtered to the submitted: reject with the reason.
  await page.goto(`${base}/admin/budget/editions/${edition}/projects`);
  await page.selectOption('#f-status', 'submitted');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Pokaż' }).click()]);
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Ławki nad Odrą' }).click()]);
  assert.match(await page.locator('#status').innerText(), /zgłoszony/);
  await page.check('#v-legal');
  await page.check('#v-reject');
  await submitAndWait(page, '#verify-save');
  assert.match(await page.locator('#v-reason-error').innerText(), /Podaj uzasadnienie/, 'a rejection needs its reason');
  await page.check('#v-reject');
  await page.fill('#v-reason', REASON);
  await submitAndWait(page, '#verify-save');
  assert.match(await page.locator('#status').innerText(), /odrzucony/);
  assert.equal(await page.locator('#rejection-reason').innerText(), REASON);
  assert.match(await page.locator('#history').innerText(), /odrzucony — Projekt dotyczy działki prywatnej/);
  const publicProject = await api('GET', `/api/v1/budget/projects/${proposed.json.id}`);
  assert.equal(publicProject.json.status, 'rejected');
  assert.equal(publicProject.json.rejection_reason, REASON, 'the reason is public');

  // A paper ballot in the demo's edition (name and address), then the same person again.
  await page.goto(`${base}/admin/budget`);
  await Promise.all([page.waitForNavigation(), demo.click()]);
  await submitAndWait(page, '#edition-paper');
  const fillCard = async () => {
    await page.fill('#b-first', 'Anna');
    await page.fill('#b-last', 'Papierowa');
    await page.selectOption('#b-locality', { index: 1 });
    await page.fill('#b-street', 'Polna');
    await page.fill('#b-house', '7');
    await page.check('#b-residence');
    await page.locator('fieldset[id^="b-pool-"] input[type="checkbox"]').first().check();
  };
  await fillCard();
  await submitAndWait(page, '#paper-save');
  assert.match(await page.locator('#paper-notice').innerText(), /Karta zapisana i policzona/);
  assert.equal(await page.inputValue('#b-first'), '', 'the form is cleared');
  await fillCard();
  await submitAndWait(page, '#paper-save');
  const refusal = await page.locator('#paper-notice').innerText();
  assert.match(refusal, /Ta osoba już głosowała na karcie papierowej/);
  assert.match(refusal, /nie jest liczona/);
  assert.ok(!serverLog.includes('Papierowa'), 'no name in the server log');
  await ctx.close();
});
