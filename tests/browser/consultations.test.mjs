// Browser test of the back office's consultations (issue 15, §7 item 2) in
// Debian Chromium driven by playwright-core against a real `mm-server
// --demo`: an official of the "Konsultacje społeczne" department builds a
// consultation with every question kind through the form, opens it;
// residents answer through the API (a device token, as the app would);
// the official moderates the free texts, closes it, reads the SVG charts,
// downloads the CSV, publishes; the public page shows the approved text
// only. Run with `make test-browser` (or `node --test
// tests/browser/consultations.test.mjs` from the repository root after
// `npm ci` in web/ and `cargo build -p mm-server -p mm-cli --bins`).
//
// Publishing waits for the closing date (`Consultation::may_move_at`), and
// the form takes minutes: the consultation closes at the first whole
// minute at least 75 s after the test starts, and the test waits for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, base, browser, signIn, api } from './support.mjs';

const OFFICIAL_PASS = 'konsultacje 2026';
const APPROVED = 'Więcej drzew i ławek w cieniu, proszę.';
const REJECTED = 'Jan Kowalski z ul. Łąkowej 5 ma zawsze rację';

useServer({ name: 'mm-browser-consultations-', users: [['admin1', 'admin']], log: true });

/// `YYYY-MM-DDTHH:MM` in Warsaw time, as the form's datetime-local takes it.
function warsaw(ms) {
  const f = new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Warsaw', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  return f.format(new Date(ms)).replace(' ', 'T');
}

// Every kind, as the form takes it: [kind, id, text, options or rows, columns, limit].
const QUESTIONS = [
  ['single', 'place', 'Gdzie ma powstać skwer?', 'Przy szkole\nPrzy rzece', '', ''],
  ['multiple', 'features', 'Co ma się na nim znaleźć?', 'Ławki\nDrzewa\nFontanna\nStojaki na rowery', '', '2'],
  ['ranking', 'priorities', 'Uszereguj od najważniejszego', 'Cień\nCisza\nZabawa', '', '3'],
  ['matrix', 'rating', 'Oceń pomysły', 'Plac zabaw\nSiłownia', 'Tak\nNie', ''],
  ['short_text', 'name_idea', 'Nazwa skweru', '', '', '80'],
  ['long_text', 'remarks', 'Uwagi', '', '', '2000'],
];

test('an official builds, opens, moderates, closes and publishes a consultation answered through the API', async () => {
  const started = Date.now();
  const opens = warsaw(started - 120_000);
  const closesMs = Math.ceil((started + 75_000) / 60_000) * 60_000;
  const closes = warsaw(closesMs);

  // The admin makes the consultations department and its official.
  const { ctx: actx, page: ap } = await signIn('admin1');
  await ap.goto(`${base}/admin/departments`);
  await ap.getByLabel('Nazwa wydziału').fill('Konsultacje społeczne');
  await ap.getByRole('button', { name: 'Dodaj' }).click();
  await ap.waitForLoadState();
  await ap.goto(`${base}/admin/accounts`);
  await ap.getByLabel('Login nowego urzędnika').fill('konsultant');
  await ap.getByLabel('Rola').selectOption('department');
  await ap.getByLabel('Wydział (dla roli „wydział”)').selectOption({ label: 'Konsultacje społeczne' });
  await ap.getByLabel('Hasło początkowe (co najmniej 12 znaków, bez loginu)').fill(OFFICIAL_PASS);
  await ap.getByLabel('Powtórz hasło początkowe').fill(OFFICIAL_PASS);
  await ap.getByRole('button', { name: 'Utwórz konto' }).click();
  await ap.waitForURL(/\/admin\/accounts\/\d+$/);
  await actx.close();

  const { ctx, page } = await signIn('konsultant', OFFICIAL_PASS);
  await page.getByRole('link', { name: 'Konsultacje', exact: true }).click();
  await page.waitForLoadState();
  assert.equal(new URL(page.url()).pathname, '/admin/consultations');

  // The form: one empty question slot at a time, so one save per question.
  await page.goto(`${base}/admin/consultations/new`);
  await page.getByLabel('Tytuł').fill('Skwer przy ul. Polnej');
  await page.getByLabel('Opis (cel, uczestnicy, jednostka odpowiedzialna)').fill('Jak urządzić nowy skwer? Odpowiedz do końca konsultacji.');
  await page.getByLabel('Początek').fill(opens);
  await page.getByLabel('Koniec').fill(closes);
  let id;
  for (const [i, [kind, qid, text, options, columns, limit]] of QUESTIONS.entries()) {
    if (i > 0) await page.goto(`${base}/admin/consultations/${id}`);
    assert.equal(await page.locator('fieldset[id^=q]').count(), i + 1, `the stored questions and one empty slot (${i})`);
    await page.fill(`#q${i}-id`, qid);
    await page.selectOption(`#q${i}-kind`, kind);
    await page.fill(`#q${i}-text`, text);
    if (kind === 'single') await page.locator(`#q${i}`).getByLabel('Obowiązkowe').check();
    if (options) await page.fill(`#q${i}-options`, options);
    if (columns) await page.fill(`#q${i}-columns`, columns);
    if (limit) await page.fill(`#q${i}-limit`, limit);
    await page.getByRole('button', { name: 'Zapisz', exact: true }).click();
    await page.waitForURL(/\/admin\/consultations\/\d+\/results$/);
    id = Number(new URL(page.url()).pathname.split('/')[3]);
  }
  assert.match(await page.locator('main, body').first().innerText(), /szkic/i, 'still a draft');
  // A mistake is shown by its field and saves nothing: a multiple choice
  // allowing more choices than it has options.
  await page.goto(`${base}/admin/consultations/${id}`);
  await page.fill('#q1-limit', '9');
  await page.getByRole('button', { name: 'Zapisz', exact: true }).click();
  await page.waitForLoadState();
  assert.ok(await page.locator('#q1-error').count() === 1, 'the error is at question 2');
  await page.goto(`${base}/admin/consultations/${id}`);
  assert.equal(await page.inputValue('#q1-limit'), '2', 'nothing saved');

  // Open it.
  await page.goto(`${base}/admin/consultations/${id}/results`);
  await page.getByRole('button', { name: 'Ogłoś' }).click();
  await page.waitForLoadState();
  const listed = await api('GET', `/api/v1/consultations/${id}`);
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.json.questions.map((q) => q.id), QUESTIONS.map((q) => q[1]), 'every question, in order');

  // Two residents answer through the API, each from their own device.
  const answers = (option, remarks) => ({
    answers: [
      { question: 'place', value: { type: 'single', option } },
      { question: 'features', value: { type: 'multiple', options: [0, 1] } },
      { question: 'priorities', value: { type: 'ranking', ranking: [0, 2, 1] } },
      { question: 'rating', value: { type: 'matrix', cells: [{ row: 0, column: 0 }, { row: 1, column: 1 }] } },
      { question: 'name_idea', value: { type: 'text', text: 'Skwer Polny' } },
      { question: 'remarks', value: { type: 'text', text: remarks } },
    ],
  });
  const devices = [];
  for (const [option, remarks] of [[0, APPROVED], [1, REJECTED]]) {
    const dev = await api('POST', '/api/v1/devices', { platform: 'cli', app_version: '1.0.0' });
    assert.equal(dev.status, 201);
    const key = crypto.randomUUID();
    const r = await api('POST', `/api/v1/consultations/${id}/responses`, answers(option, remarks), dev.json.token, key);
    assert.equal(r.status, 201, JSON.stringify(r.json));
    // Replayed: the first answer; another answer of the device: refused.
    const again = await api('POST', `/api/v1/consultations/${id}/responses`, answers(option, remarks), dev.json.token, key);
    assert.equal(again.status, 201);
    assert.equal(again.json.replayed, true);
    const second = await api('POST', `/api/v1/consultations/${id}/responses`, answers(option, remarks), dev.json.token);
    assert.equal(second.status, 409);
    assert.equal(second.json.code, 'already_answered');
    devices.push(dev.json.token);
  }
  // A multiple choice over its limit: refused with the question named.
  const third = await api('POST', '/api/v1/devices', { platform: 'cli', app_version: '1.0.0' });
  const over = answers(0, '');
  over.answers[1].value.options = [0, 1, 2];
  const r = await api('POST', `/api/v1/consultations/${id}/responses`, over, third.json.token);
  assert.equal(r.status, 400);
  assert.equal(r.json.code, 'invalid_answer');
  assert.equal(r.json.field, 'questions[1]');

  // Moderation: approve the first text, reject the one naming a person.
  await page.goto(`${base}/admin/consultations/${id}/moderation`);
  const rows = page.locator('table.moderation tbody tr');
  assert.match(await rows.first().innerText(), /Skwer Polny|drzew|Kowalski/);
  const decide = async (text, button) => {
    await page.locator('table.moderation tbody tr', { hasText: text }).first().getByRole('button', { name: button }).click();
    await page.waitForLoadState();
  };
  await decide(APPROVED, 'Zatwierdź');
  await decide(REJECTED, 'Odrzuć');
  await decide('Skwer Polny', 'Zatwierdź');
  await decide('Skwer Polny', 'Zatwierdź');
  assert.match(await page.locator('table.moderation').innerText(), /Nic nie czeka na moderację/);

  // Close it; the results page draws the choice questions as SVG.
  await page.goto(`${base}/admin/consultations/${id}/results`);
  await page.getByRole('button', { name: 'Zamknij' }).click();
  await page.waitForLoadState();
  assert.match(await page.locator('body').innerText(), /Respondenci: 2/);
  const charts = page.locator('figure.chart svg[role=img]');
  assert.ok(await charts.count() >= 3, 'single, multiple and ranking charted');
  assert.match(await charts.first().innerHTML(), /Przy szkole/);
  assert.equal(await page.locator('svg script, svg foreignObject').count(), 0, 'no script in the charts');

  // The CSV, with the office's session.
  const csvResp = await page.request.get(`${base}/admin/consultations/${id}/results.csv`);
  assert.equal(csvResp.status(), 200);
  assert.match(csvResp.headers()['content-type'], /text\/csv/);
  const csv = await csvResp.text();
  const lines = csv.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
  assert.ok(csv.startsWith('\uFEFF'), 'a BOM for Excel');
  assert.equal(lines.length, 3, 'the header and two answers');
  assert.match(lines[0], /^respondent;submitted;place: /);
  assert.match(lines[0], /features\[1\]: Ławki/);
  assert.ok(lines.some((l) => l.includes(REJECTED)), 'the CSV holds every answer as given');

  // Publishing waits for the closing date.
  await page.goto(`${base}/admin/consultations/${id}/results`);
  const wait = closesMs - Date.now() + 1_500;
  if (wait > 0) await new Promise((res) => setTimeout(res, wait));
  await page.reload();
  await page.getByRole('button', { name: 'Opublikuj wyniki' }).click();
  await page.waitForLoadState();
  assert.match(await page.locator('body').innerText(), /opublikowane|published/i);
  await ctx.close();

  // The public page: the counts, the charts, the approved text only.
  const pub = await browser.newContext();
  const pp = await pub.newPage();
  const resp = await pp.goto(`${base}/consultations/${id}`);
  assert.equal(resp.status(), 200);
  const body = await pp.locator('body').innerText();
  assert.match(body, /Skwer przy ul\. Polnej/);
  assert.ok(body.includes(APPROVED), 'the approved text is shown');
  assert.ok(!body.includes(REJECTED), 'the rejected text is not');
  assert.ok(!body.includes('Kowalski'));
  assert.ok(await pp.locator('svg[role=img]').count() >= 1, 'charts on the public page');
  const summary = await api('GET', `/api/v1/consultations/${id}/summary`);
  assert.equal(summary.status, 200);
  assert.equal(summary.json.summary.respondents, 2);
  assert.ok(!JSON.stringify(summary.json).includes(REJECTED));
  await pub.close();
  assert.equal(devices.length, 2);
});
