// Browser test of the back office's notifications pages (issue 16 point 2,
// server/src/admin/notifications.rs) in Debian Chromium driven by
// playwright-core against a real `mm-server --demo`: an editor composes an
// alert to one locality, watches the byte counter count Polish letters as
// two, previews its reach (one device subscribed there, registered through
// the API like a phone), is asked to confirm the alert, sends it, and finds
// it in the sent list with its recipient count once the fan-out job ran,
// then opens its page. Run with `MM_CHROMIUM=/usr/bin/chromium node --test
// tests/browser/notifications.test.mjs` from the repository root after
// `cargo build --workspace --bins`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, base, serverOnly, logIn, api } from './support.mjs';

const TITLE = 'Przerwa w dostawie wody';
const BODY = 'Żółć'; // 4 letters, 8 bytes in UTF-8

useServer({ name: 'mm-browser-notifications-', users: [['redaktor1', 'editor']] });

async function submitAndWait(page, selector) {
  await Promise.all([page.waitForNavigation(), page.locator(selector).click()]);
}

test('an editor sends an alert to one locality and follows it in the sent list', async () => {
  // Tiles are refused: the map draws the gmina's boundary without them.
  const { ctx, page } = await serverOnly();
  await logIn(page, 'redaktor1');
  await page.goto(`${base}/admin/notifications`);
  assert.equal(await page.locator('nav a[aria-current="page"]').innerText(), 'Powiadomienia');
  await submitAndWait(page, 'a[href="/admin/notifications/new"]');

  // The byte counter counts UTF-8 bytes: "Żółć" is 4 letters, 8 bytes.
  await page.fill('#n-title', '');
  await page.fill('#n-body', BODY);
  assert.equal(await page.locator('#n-count').getAttribute('data-used'), '8');
  assert.match(await page.locator('#n-count').innerText(), /8 z \d+ bajtów/);
  await page.fill('#n-title', TITLE);
  await page.fill('#n-body', 'Jutro 8:00–14:00. Beczkowóz przy szkole.');

  // The first locality of the gmina, and a phone listening there.
  const first = page.locator('#n-localities input[name="locality"]').first();
  const locality = Number(await first.getAttribute('value'));
  const name = (await page.locator('#n-localities label').first().innerText()).trim();
  const dev = await api('POST', '/api/v1/devices', { platform: 'android', app_version: '1.0.0' });
  assert.equal(dev.status, 201);
  const sub = await fetch(`${base}/api/v1/notifications/subscription`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${dev.json.token}` },
    body: JSON.stringify({ topics: ['alerts'], areas: [{ kind: 'locality', id: locality }], lang: 'pl' }),
  });
  assert.ok(sub.ok, `subscription: ${sub.status}`);

  await page.check('input[name="class"][value="alert"]');
  await first.check();
  // The map is there and draws without tiles.
  await page.locator('#area-map[data-ready="1"]').waitFor();

  // The preview: the server counts the devices the fan-out would reach.
  await submitAndWait(page, 'button[value="preview"]');
  const preview = await page.locator('#preview').innerText();
  const reach = Number(preview.match(/około (\d+)/)[1]);
  assert.ok(reach >= 1, preview);

  // An alert without its confirmation: the form again, the field's message.
  await submitAndWait(page, '#n-send');
  assert.match(await page.locator('#n-confirm-error').innerText(), /Potwierdź, że to alert/);
  assert.equal(await page.locator('#n-confirm').getAttribute('aria-describedby'), 'n-confirm-error');
  assert.equal(await page.inputValue('#n-title'), TITLE);
  await page.check('#n-confirm');
  await submitAndWait(page, '#n-send');
  const path = new URL(page.url()).pathname;
  assert.match(path, /^\/admin\/notifications\/\d+$/, page.url());
  const id = path.split('/').pop();
  assert.equal(await page.locator('#n-title').innerText(), TITLE);
  assert.equal(await page.locator('#n-areas').innerText(), name);

  // The sent list: the fan-out job runs in the server; the row then shows
  // the notification sent with its recipients.
  let row;
  for (let i = 0; i < 100; i++) {
    await page.goto(`${base}/admin/notifications`);
    row = page.locator(`#notification-${id}`);
    if ((await row.locator('td.status').innerText()) === 'wysłane') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(await row.locator('td.status').innerText(), 'wysłane');
  assert.equal(Number(await row.locator('td.recipients').innerText()), reach);
  assert.match(await row.innerText(), new RegExp(name));

  // Its page: the counts per status; sent, so no cancel button.
  await submitAndWait(page, `#notification-${id} a`);
  assert.equal(Number(await page.locator('#n-recipients').innerText()), reach);
  assert.equal(await page.locator('#count-pending').count(), 1);
  assert.equal(await page.locator('form[action$="/cancel"]').count(), 0);
  await ctx.close();
});
