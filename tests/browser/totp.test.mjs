// Officials' two-step sign-in (issue 17, item 5: "TOTP enrolment and
// sign-in in a browser test") in Debian Chromium against a real
// `mm-server --demo`: an admin's first sign-in enrols (QR code and secret
// on the page, the code computed here with node's HMAC-SHA1 as an
// authenticator app would), signs out, signs in with a code, signs in
// elsewhere with a recovery code, and ends that other session from the
// sessions page. Run with `node --test tests/browser/totp.test.mjs` from the
// repository root after `npm ci` in web/ and `cargo build -p mm-server -p mm-cli`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, base, browser, PASS, base32Decode, totpCode, nowStep, secrets, freshCode } from './support.mjs';

useServer({ name: 'mm-browser-totp-', users: [['wojt1', 'admin']] });

async function password(page, login) {
  await page.goto(`${base}/admin/login`);
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Hasło').fill(PASS);
  await page.getByRole('button', { name: 'Zaloguj' }).click();
  await page.waitForLoadState();
}

test('an admin enrols, signs in with a code and with a recovery code, and ends a session', async () => {
  // RFC 6238 Appendix B, SHA-1, T = 59 s: the node side computes as the RFC does.
  assert.equal(totpCode(Buffer.from('12345678901234567890'), 1), '287082');

  const a = await browser.newContext();
  const page = await a.newPage();
  await password(page, 'wojt1');
  assert.match(page.url(), /\/admin\/two-factor\/enrol$/, 'an admin without a second factor enrols first');
  // Nothing else opens until then.
  await page.goto(`${base}/admin/reports`);
  assert.match(page.url(), /\/admin\/two-factor\/enrol$/);

  const qr = page.getByRole('img', { name: /Kod QR/ });
  await qr.waitFor();
  assert.ok((await qr.boundingBox()).width >= 100, 'the QR code is drawn');
  const uri = await page.getByRole('link', { name: /Otwórz w aplikacji/ }).getAttribute('href');
  assert.match(uri, /^otpauth:\/\/totp\/Gmina%20[^:]+:wojt1\?secret=[A-Z2-7]{32}&issuer=Gmina%20[^&]+&algorithm=SHA1&digits=6&period=30$/);
  const secret = base32Decode(await page.locator('#totp-secret').innerText());
  assert.equal(secret.length, 20);
  assert.equal(new URL(uri.replace('otpauth:', 'https:')).searchParams.get('secret'), (await page.locator('#totp-secret').innerText()).replace(/\s/g, ''));
  const field = page.getByLabel('Kod z aplikacji');
  assert.equal(await field.getAttribute('autocomplete'), 'one-time-code');
  assert.equal(await field.getAttribute('inputmode'), 'numeric');

  // A wrong code first: refused, the page says why.
  const right = totpCode(secret, nowStep());
  await field.fill(String((Number(right) + 1) % 1_000_000).padStart(6, '0'));
  await page.getByRole('button', { name: 'Włącz weryfikację dwuetapową' }).click();
  await page.getByRole('alert').filter({ hasText: 'Ten kod nie pasuje' }).waitFor();
  secrets.wojt1 = secret;
  await page.getByLabel('Kod z aplikacji').fill(await freshCode('wojt1'));
  await page.getByRole('button', { name: 'Włącz weryfikację dwuetapową' }).click();
  await page.getByText('Weryfikacja dwuetapowa jest włączona.').waitFor();
  const codes = await page.locator('#recovery-codes code').allInnerTexts();
  assert.equal(codes.length, 10);
  for (const c of codes) assert.match(c, /^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
  await page.getByRole('link', { name: /przejdź do panelu/ }).click();
  await page.waitForURL(/\/admin\/reports$/);

  // Sign out; sign in again: the password, then the code.
  await page.getByRole('button', { name: 'Wyloguj' }).click();
  await page.waitForURL(/\/admin\/login$/);
  await password(page, 'wojt1');
  assert.match(page.url(), /\/admin\/login\/code$/);
  await page.goto(`${base}/admin/accounts`);
  assert.match(page.url(), /\/admin\/login\/code$/, 'half signed in: only the code step opens');
  await page.getByLabel('Kod z aplikacji').fill(await freshCode('wojt1'));
  await page.getByRole('button', { name: 'Potwierdź' }).click();
  await page.waitForURL(/\/admin\/reports$/);

  // Elsewhere (another browser profile): a recovery code, once.
  const b = await browser.newContext({ userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0' });
  const other = await b.newPage();
  await password(other, 'wojt1');
  await other.getByText('Nie masz telefonu? Użyj kodu zapasowego').click();
  await other.getByLabel('Kod zapasowy (każdy działa raz)').fill(codes[0]);
  await other.getByRole('button', { name: 'Użyj kodu zapasowego' }).click();
  await other.waitForURL(/\/admin\/reports$/);
  const c = await browser.newContext();
  const third = await c.newPage();
  await password(third, 'wojt1');
  await third.getByText('Nie masz telefonu? Użyj kodu zapasowego').click();
  await third.getByLabel('Kod zapasowy (każdy działa raz)').fill(codes[0]);
  await third.getByRole('button', { name: 'Użyj kodu zapasowego' }).click();
  await third.getByRole('alert').filter({ hasText: 'Nieprawidłowy kod albo już użyty' }).waitFor();
  await c.close();

  // The status page counts the codes left; the sessions page lists both
  // signed-in browsers (the third never finished: listed as unfinished).
  await page.goto(`${base}/admin/two-factor`);
  assert.match(await page.locator('#two-factor-state').innerText(), /Kodów zapasowych do wykorzystania: 9 \/ 10/);
  await page.goto(`${base}/admin/sessions`);
  const rows = page.locator('#sessions tbody tr');
  assert.ok(await rows.count() >= 2);
  const firefox = rows.filter({ hasText: 'Firefox, Windows' });
  assert.equal(await firefox.count(), 1);
  assert.match(await firefox.innerText(), /127\.0\.0\.0\/24/, 'the address prefix, not the address');
  await firefox.getByRole('button', { name: 'Zakończ' }).click();
  await page.waitForURL(/\/admin\/sessions$/);
  assert.equal(await page.locator('#sessions tbody tr', { hasText: 'Firefox, Windows' }).count(), 0);
  // Ended: the other browser's next request is sent to sign in.
  await other.goto(`${base}/admin/reports`);
  assert.match(other.url(), /\/admin\/login$/);
  await page.goto(`${base}/admin/reports`);
  assert.match(page.url(), /\/admin\/reports$/, 'this session stays');

  // The audit log has each step, no secret and no code.
  await page.goto(`${base}/admin/audit`);
  const audit = await page.locator('main').innerText();
  for (const action of ['two_factor.enrol', 'auth.second_factor', 'auth.recovery_code_used', 'auth.second_factor_failed', 'session.revoke']) {
    assert.ok(audit.includes(action), `${action} in the audit log`);
  }
  assert.ok(!audit.includes(codes[0]) && !audit.includes(codes[1]), 'no recovery code in the audit log');
  await a.close();
  await b.close();
});
