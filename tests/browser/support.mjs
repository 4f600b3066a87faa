// What every browser test needs (tests/browser/*.test.mjs): a real
// `mm-server --demo` on a free loopback port with its own data directory,
// the officials' accounts added before it starts, Debian Chromium driven by
// playwright-core (required from web/ after `npm ci` there), signing in at
// /admin/login, the JSON API as the app calls it, and the teardown.
//
// `node --test` runs each test file in its own process, so this module
// holds that file's one server and browser: `useServer()` registers the
// `before`/`after` hooks that start and stop them, and `base`, `browser`,
// `work`, `dataDir` and `log` are live bindings the tests read once the
// hooks have run.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'web', 'package.json'));
const { chromium } = require('playwright-core');
const target = process.env.CARGO_TARGET_DIR || join(root, 'target');
export const SERVER = join(target, 'debug', 'mm-server');
/** The residents' CLI, `mm`. */
export const MM = join(target, 'debug', 'mm');
export const CHROMIUM = process.env.MM_CHROMIUM || '/usr/bin/chromium';
/** The password of the accounts `useServer({ users })` adds. */
export const PASS = 'correct horse battery';
/** Where the README's screenshots go. */
export const SHOTS = join(root, 'docs', 'screenshots');

if (!existsSync(CHROMIUM) && process.env.CI === 'true') {
  throw new Error(`chromium missing at ${CHROMIUM} (CI=true: failing, not skipping)`);
}

/** The server's address (`http://127.0.0.1:port`), once started. */
export let base;
export let browser;
/** The test's temporary directory (removed at the end); `dataDir` is the server's. */
export let work;
export let dataDir;
/** What the server printed, stdout and stderr, when started with `log: true`. */
export let log = '';
let server;

/// Registers the hooks that start the server and the browser before the
/// file's tests and stop them after.
///
/// - `name`: the temporary directory's prefix.
/// - `users`: `[login, role]` pairs added with `mm-server user add`
///   (password `PASS`) before the server starts.
/// - `args`: more arguments for `mm-server` (after `--data-dir`, before `--demo`).
/// - `env`: more environment for the server (`MM_LOG` is `warn` unless given).
/// - `log`: capture what the server prints (stdout and stderr) into `log`,
///   e.g. for what the demo prints once; else its stderr goes to the test's.
/// - `ownDir`: the data directory is `work` itself, not `work/server`.
/// - `ready`: an async function run at the end of the same hook, once the
///   server and the browser are up (a second root `before` hook is not
///   sure to run after this one).
export function useServer({ name = 'mm-browser-', users = [], args = [], env = {}, log: capture = false, ownDir = false,
  ready } = {}) {
  before(async () => {
    work = mkdtempSync(join(tmpdir(), name));
    dataDir = ownDir ? work : join(work, 'server');
    if (!ownDir) mkdirSync(dataDir);
    // Accounts first: the command opens the same database file.
    for (const [login, role] of users) {
      execFileSync(SERVER, ['user', 'add', '--login', login, '--role', role, '--password-stdin', '--data-dir', dataDir],
        { input: PASS + '\n' });
    }
    server = spawn(SERVER, ['--addr', '127.0.0.1:0', '--data-dir', dataDir, ...args, '--demo'],
      { stdio: ['ignore', 'pipe', capture ? 'pipe' : 'inherit'], env: { ...process.env, MM_LOG: 'warn', ...env } });
    server.stderr?.on('data', (d) => { log += d; });
    base = await new Promise((resolve, reject) => {
      let buf = '';
      server.stdout.on('data', (d) => {
        buf += d;
        if (capture) log += d;
        const m = buf.match(/mm-server listening on (http:\/\/[\d.:]+)/);
        if (m) resolve(m[1]);
      });
      server.on('exit', (c) => reject(new Error(`mm-server exited ${c}${capture ? `: ${log}` : ''}`)));
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      // playwright gives every launch a fresh temporary user-data-dir.
    });
    await ready?.();
  });
  after(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    if (work) rmSync(work, { recursive: true, force: true });
  });
}

/// Polls `probe` every 50 ms until it returns something truthy or
/// `timeoutMs` pass; returns its last answer.
export async function until(probe, timeoutMs) {
  let v = probe();
  for (let waited = 0; !v && waited < timeoutMs; waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
    v = probe();
  }
  return v;
}

/// RFC 4648 base32 (spaces and padding ignored) to bytes.
export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}

/// The TOTP code of `step` (RFC 6238: HMAC-SHA1 over the 8-byte step,
/// RFC 4226 §5.3's dynamic truncation, 6 digits), computed here, apart
/// from the server's code.
export function totpCode(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', secret).update(counter).digest();
  const o = h[h.length - 1] & 0x0f;
  const bin = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}

export const nowStep = () => Math.floor(Date.now() / 1000 / 30);

/// Each official's TOTP secret once enrolled through the pages, and the
/// last step signed in with: the server refuses a step twice (RFC 6238
/// §5.2), so the next sign-in takes a later one within the ±1 window, or
/// waits for one.
export const secrets = {};
const lastStep = {};

/// A code for `login` that the server has not seen yet. Never the
/// previous step, though the server takes it: under load the next step
/// can begin between this and the server's check, which then refuses a
/// code two steps old (a fresh-clone run failed so).
export async function freshCode(login) {
  let step = Math.max(nowStep(), (lastStep[login] ?? -Infinity) + 1);
  while (step > nowStep() + 1) await new Promise((r) => setTimeout(r, 500));
  lastStep[login] = step;
  return totpCode(secrets[login], step);
}

/// The steps after the password: enrolment (an admin's first sign-in; the
/// secret is read off the page and kept) or the code.
async function secondStep(page, login) {
  if (page.url().endsWith('/admin/two-factor/enrol')) {
    secrets[login] = base32Decode(await page.locator('#totp-secret').innerText());
    await page.getByLabel('Kod z aplikacji').fill(await freshCode(login));
    await page.getByRole('button', { name: 'Włącz weryfikację dwuetapową' }).click();
    await page.waitForLoadState();
    await page.getByRole('link', { name: /przejdź do panelu/ }).click();
    await page.waitForLoadState();
  } else if (page.url().endsWith('/admin/login/code')) {
    assert.ok(secrets[login], `${login} was enrolled in this run`);
    await page.getByLabel('Kod z aplikacji').fill(await freshCode(login));
    await page.getByRole('button', { name: 'Potwierdź' }).click();
    await page.waitForLoadState();
  }
}

/// Signs in at /admin/login on `page`, with the second step when one is
/// due (admins must have one: the first sign-in enrols).
export async function logIn(page, login, password = PASS) {
  await page.goto(`${base}/admin/login`);
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Hasło').fill(password);
  await page.getByRole('button', { name: 'Zaloguj' }).click();
  await page.waitForLoadState();
  await secondStep(page, login);
}

/// A fresh browser context signed in as `login`.
export async function signIn(login, password = PASS) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await logIn(page, login, password);
  return { ctx, page };
}

/// A browser context (`options` as `browser.newContext` takes them, e.g. a
/// viewport) that reaches only the server: requests elsewhere (map tiles)
/// are refused, so the run does not depend on the internet.
export async function serverOnly(options) {
  const ctx = await browser.newContext(options);
  const host = new URL(base).host;
  await ctx.route('**/*', (route) => (new URL(route.request().url()).host === host ? route.continue() : route.abort()));
  const page = await ctx.newPage();
  return { ctx, page };
}

async function request(method, path, body, token, key) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(method === 'POST' ? { 'idempotency-key': key } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { ok: r.ok, status: r.status, text: await r.text() };
}

/// A request as the app sends it: JSON, a device token if given and, for a
/// POST, an Idempotency-Key (a fresh one unless given). Returns the status
/// and the body's JSON (null when empty).
export async function api(method, path, body, token, key = crypto.randomUUID()) {
  const { status, text } = await request(method, path, body, token, key);
  return { status, json: text ? JSON.parse(text) : null };
}

/// `api` for a request that must succeed: fails the test with the status
/// and body otherwise, and returns the body's JSON.
export async function apiOk(method, path, body, token) {
  const { ok, status, text } = await request(method, path, body, token, crypto.randomUUID());
  assert.ok(ok, `${method} ${path}: ${status} ${text}`);
  return text ? JSON.parse(text) : null;
}
