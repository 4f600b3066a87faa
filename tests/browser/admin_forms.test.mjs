// Browser tests of the admins' forms (categories, accounts, settings) in
// Debian Chromium driven by playwright-core against a real `mm-server --demo`.
// Run with `make test-browser` (or `node --test tests/browser/` from the
// repository root after `npm ci` in web/ and `cargo build --workspace --bins`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, base, signIn } from './support.mjs';

useServer({ name: 'mm-browser-forms-', users: [['admin1', 'admin']] });

/// Every visible form control has a <label> (not just an aria-label).
async function assertLabelled(page) {
  const missing = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden')
    .filter((el) => !(el.labels && el.labels.length && [...el.labels].every((l) => l.textContent.trim())))
    .map((el) => el.name || el.id));
  assert.deepEqual(missing, [], `unlabelled fields on ${page.url()}`);
}

test('an admin creates a category with a single-choice question and an official; the official signs in', async () => {
  const { ctx, page } = await signIn('admin1');

  // Categories: the list (with the event category form) and the new form.
  await page.goto(`${base}/admin/categories`);
  await assertLabelled(page);
  await page.getByRole('link', { name: 'Nowa kategoria zgłoszeń' }).click();
  await page.waitForLoadState();
  await assertLabelled(page);
  await page.getByLabel('Identyfikator (kod usługi Open311)').fill('bench');
  await page.getByLabel('Nazwa po polsku').fill('Zniszczona ławka');
  await page.getByLabel('Nazwa po angielsku').fill('Broken bench');
  await page.getByLabel('Opis po polsku').fill('Ławki w parkach i na przystankach.');
  await page.getByLabel('Termin załatwienia w godzinach (puste: brak)').fill('72');
  const q = page.locator('fieldset.question').first();
  await q.getByLabel('Kod pytania (puste: pomiń)').fill('damage');
  await q.getByLabel('Treść pytania po polsku').fill('Co się stało?');
  await q.getByLabel('Treść pytania po angielsku').fill('What happened?');
  await q.getByLabel('Rodzaj odpowiedzi').selectOption('single_choice');
  await q.getByLabel('Odpowiedź wymagana').check();
  await q.getByLabel('Odpowiedzi do wyboru (jedna w wierszu)').fill('broken | Złamana | Broken\npainted | Pomalowana | Painted');
  await page.getByRole('button', { name: 'Zapisz kategorię', exact: true }).click();
  await page.waitForURL(/\/admin\/categories\/bench$/);
  await assertLabelled(page);
  assert.equal(await page.getByLabel('Nazwa po polsku').inputValue(), 'Zniszczona ławka');

  const cats = await (await fetch(`${base}/api/v1/report-categories`)).json();
  const bench = cats.find((c) => c.id === 'bench');
  assert.ok(bench, 'the category is in the API');
  assert.equal(bench.target_hours, 72);
  assert.equal(bench.attributes.length, 1);
  assert.equal(bench.attributes[0].datatype, 'single_choice');
  assert.equal(bench.attributes[0].required, true);
  assert.deepEqual(bench.attributes[0].values.map((v) => v.key), ['broken', 'painted']);

  // Accounts: create a dispatcher with an initial password.
  await page.goto(`${base}/admin/accounts`);
  await assertLabelled(page);
  await page.getByLabel('Login nowego urzędnika').fill('nowak');
  await page.getByLabel('Rola').selectOption('dispatcher');
  await page.getByLabel('Hasło początkowe (co najmniej 12 znaków, bez loginu)').fill('pierwsze haslo 1');
  await page.getByLabel('Powtórz hasło początkowe').fill('pierwsze haslo 1');
  await page.getByRole('button', { name: 'Utwórz konto' }).click();
  await page.waitForURL(/\/admin\/accounts\/\d+$/);
  await assertLabelled(page);
  assert.equal(await page.locator('#account-login').innerText(), 'nowak');
  assert.equal(await page.locator('#account-role').innerText(), 'dispatcher');
  assert.doesNotMatch(await page.content(), /\$argon2/);

  // Settings.
  await page.goto(`${base}/admin/settings`);
  await assertLabelled(page);
  await page.getByLabel('Adres kafelków mapy').fill('https://tiles.example.pl/{z}/{x}/{y}.png');
  await page.getByRole('button', { name: 'Zapisz ustawienia' }).click();
  await page.waitForLoadState();
  assert.match(await page.locator('[role=status]').innerText(), /Zapisano/);
  // The gmina's ceiling on SMS codes an hour: the browser refuses 0 by the
  // field's own bounds; 250 is saved and shown again.
  const sms = page.getByLabel('Najwięcej kodów SMS na godzinę');
  await sms.fill('0');
  assert.equal(await sms.evaluate((e) => e.checkValidity()), false, 'min=1');
  await sms.fill('250');
  await page.getByRole('button', { name: 'Zapisz limit' }).click();
  await page.waitForLoadState();
  assert.match(await page.locator('#sms-form').evaluate((f) => f.previousElementSibling?.innerText ?? ''), /Zapisano limit kodów SMS/);
  await page.goto(`${base}/admin/settings`);
  assert.equal(await page.getByLabel('Najwięcej kodów SMS na godzinę').inputValue(), '250');
  await ctx.close();

  // The new official signs in and lands on the report list as a dispatcher.
  const { ctx: nctx, page: np } = await signIn('nowak', 'pierwsze haslo 1');
  assert.match(np.url(), /\/admin\/reports$/);
  assert.match(await np.locator('.who').innerText(), /nowak \(dispatcher\)/);
  const r = await np.goto(`${base}/admin/accounts`);
  assert.equal(r.status(), 403, 'a dispatcher cannot open the accounts page');
  await nctx.close();
});

test('the new forms work with the keyboard alone', async () => {
  const { ctx, page } = await signIn('admin1');
  await page.goto(`${base}/admin/accounts`);
  // From the skip link into the main content, then Tab to the login field.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
  await page.keyboard.press('Enter');
  let onLogin = false;
  for (let i = 0; i < 40 && !onLogin; i++) {
    await page.keyboard.press('Tab');
    onLogin = await page.evaluate(() => document.activeElement.id === 'login');
  }
  assert.ok(onLogin, 'the login field is reachable by Tab');
  await page.keyboard.type('kbd.user');
  await page.keyboard.press('Tab'); // role
  await page.keyboard.press('Tab'); // department
  await page.keyboard.press('Tab'); // password
  await page.keyboard.type('klawiatura 123');
  await page.keyboard.press('Tab');
  await page.keyboard.type('klawiatura 123');
  await Promise.all([page.waitForURL(/\/admin\/accounts\/\d+$/), page.keyboard.press('Enter')]);
  assert.equal(await page.locator('#account-login').innerText(), 'kbd.user');
  await ctx.close();
});
