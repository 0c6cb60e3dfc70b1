// Browser test of the Spider web tool: playwright-core driving Debian's
// Chromium (headless) against a real spiderd that serves web/dist.
//
//   node tests/browser/run.mjs
//
// Environment: SPIDER_BIN_DIR (spiderd's directory; default build-h5/bin
// or build/bin), SPIDER_WEB_DIR (default web/dist), CHROMIUM (default
// /usr/bin/chromium), SPIDER_BROWSER_ARTIFACTS (screenshots; default
// tests/browser/artifacts).  SPIDER_BROWSER_SHIM=1 is a development aid
// only (see contract-shim.mjs): it is never a pass of the real daemon.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const BIN_DIR = process.env.SPIDER_BIN_DIR
  || [path.join(ROOT, 'build-h5', 'bin'), path.join(ROOT, 'build', 'bin')].find((d) => fs.existsSync(path.join(d, 'spiderd')));
const WEB_DIR = process.env.SPIDER_WEB_DIR || path.join(ROOT, 'web', 'dist');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ART = process.env.SPIDER_BROWSER_ARTIFACTS || path.join(HERE, 'artifacts');
const SHIM = process.env.SPIDER_BROWSER_SHIM === '1';
const USER = 'tester';
const PASSWORD = 's3cret-Pa55word';

let passed = 0, failed = 0;
const failures = [];
function fail(msg) { console.error(`FATAL: ${msg}`); console.log('0 passed, 1 failed'); process.exit(1); }

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    failures.push(name);
    console.log(`FAIL ${name}: ${e && e.message ? e.message.split('\n').slice(0, 6).join('\n     ') : e}`);
    if (page) await shot(`FAILED-${name}`).catch(() => {});
  }
}

// ---- spiderd -------------------------------------------------------------
function startDaemon(extraArgs) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spider-browser-'));
  const env = { ...process.env, SPIDER_USERNAME: USER, SPIDER_PASSWORD: PASSWORD };
  delete env.SERVER_ADDRESS;
  const proc = spawn(path.join(BIN_DIR, 'spiderd'), ['--listen', '127.0.0.1:0', '--data-dir', dataDir, ...extraArgs],
    { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve) => {
    let out = '';
    const timer = setTimeout(() => resolve({ proc, error: 'spiderd did not say it was ready within 20 s', stderr: () => stderr, dataDir }), 20000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /spiderd: ready on (\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ proc, url: m[1], stderr: () => stderr, dataDir }); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); resolve({ proc: null, error: `spiderd exited (${code})`, stderr: () => stderr, dataDir }); });
  });
}
function stopDaemon(d) {
  if (!d || !d.proc) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => { d.proc.kill('SIGKILL'); resolve(); }, 5000);
    d.proc.on('exit', () => { clearTimeout(t); resolve(); });
    d.proc.kill('SIGTERM');
  });
}

// ---- preflight -----------------------------------------------------------
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  fail(`playwright-core is not installed in ${HERE}/node_modules: run scripts/web.sh --tests (or npm ci there)`);
}
if (!BIN_DIR) fail('no spiderd found: build it (cmake --build build-h5) or set SPIDER_BIN_DIR');
if (!fs.existsSync(path.join(WEB_DIR, 'index.html'))) fail(`${WEB_DIR}/index.html is missing: build the web tool first (scripts/web.sh)`);
if (!fs.existsSync(CHROMIUM)) fail(`${CHROMIUM} is missing: apt-get install -y chromium`);
fs.rmSync(ART, { recursive: true, force: true });
fs.mkdirSync(ART, { recursive: true });

let daemon = await startDaemon(['--web-dir', WEB_DIR]);
let shim = null;
let base = daemon.url;
if (!daemon.url) {
  const why = `${daemon.error}; its stderr: ${daemon.stderr().trim().split('\n').slice(-3).join(' | ')}`;
  if (!SHIM) fail(`spiderd did not start with --web-dir (${why}). The daemon does not serve the web tool yet: ` +
    'this test needs spiderd to serve web/dist at / and POST /spider/login (the web-tool daemon work).');
  daemon = await startDaemon([]);
  if (!daemon.url) fail(`spiderd did not start: ${daemon.error}`);
}

async function preflight(url) {
  const problems = [];
  try {
    const r = await fetch(`${url}/`);
    const t = await r.text();
    if (r.status !== 200 || !t.includes('<div id="app">')) problems.push(`GET / answered ${r.status}, not the web tool's index.html`);
  } catch (e) { problems.push(`GET / failed: ${e.message}`); }
  try {
    const r = await fetch(`${url}/spider/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: USER, password: 'wrong' }) });
    const body = await r.json().catch(() => ({}));
    if (r.status !== 401 || r.headers.get('www-authenticate') || !body.message) problems.push(`POST /spider/login with a wrong password answered ${r.status}${r.headers.get('www-authenticate') ? ' with a Basic challenge' : ''}, not the login route's 401`);
  } catch (e) { problems.push(`POST /spider/login failed: ${e.message}`); }
  return problems;
}

let problems = await preflight(daemon.url);
if (problems.length) {
  if (!SHIM) {
    await stopDaemon(daemon);
    fail(`spiderd at ${daemon.url} does not serve the web tool and its login yet:\n  - ${problems.join('\n  - ')}\n` +
      'This test drives the real login; it fails until the daemon side (web/dist at /, /spider/login, sessions, CSRF) lands.');
  }
  const { startShim } = await import('./contract-shim.mjs');
  shim = await startShim({ upstream: daemon.url, webDir: WEB_DIR, user: USER, password: PASSWORD });
  base = shim.url;
  console.log(`*** SHIM MODE: the daemon's login/static routes are stood in for by contract-shim.mjs at ${base}. ` +
    'This is NOT a pass of the real daemon. ***');
  problems = await preflight(base);
  if (problems.length) fail(`shim preflight: ${problems.join('; ')}`);
}

// ---- the browser ---------------------------------------------------------
const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'spider-chromium-'));
const context = await chromium.launchPersistentContext(userData, {
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  viewport: { width: 1280, height: 860 },
});
context.setDefaultTimeout(15000);
let page = context.pages()[0] || await context.newPage();

// Console errors fail the run, except the browser's own notes on HTTP
// errors this scenario provokes on purpose (401 login, 400, 409, 502).
const consoleErrors = [];
const EXPECTED_HTTP = /Failed to load resource: the server responded with a status of (400|401|409|502)/;
page.on('console', (m) => { if (m.type() === 'error' && !EXPECTED_HTTP.test(m.text())) consoleErrors.push(m.text()); });
page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));

let shotN = 0;
async function shot(name) {
  shotN++;
  const file = path.join(ART, `${String(shotN).padStart(2, '0')}-${name.replace(/[^a-z0-9-]+/gi, '_')}.png`);
  await page.screenshot({ path: file, fullPage: true });
}
const expectText = async (locator, re) => {
  await locator.waitFor();
  const deadline = Date.now() + 15000;
  let t = '';
  while (Date.now() < deadline) {
    t = (await locator.innerText()).trim();
    if (re.test(t)) return t;
    await page.waitForTimeout(100);
  }
  throw new Error(`expected ${re} in ${JSON.stringify(t)}`);
};
const dialog = () => page.locator('dialog[open]');

try {
  await step('login page, wrong password shown', async () => {
    await page.goto(`${base}/`);
    await page.waitForURL(/\/login$/);
    await page.getByLabel('User name').fill(USER);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expectText(page.locator('.login .error').last(), /Wrong user name or password/);
    await shot('login-error');
  });

  await step('log in and create the first namespace in the picker', async () => {
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await dialog().getByRole('heading', { name: 'Choose a namespace' }).waitFor();
    await shot('namespace-picker');
    await dialog().getByLabel('Name').fill('team-a');
    await dialog().getByRole('button', { name: 'Create namespace' }).click();
    await dialog().waitFor({ state: 'detached' }).catch(() => {});
    await page.locator('dialog[open]').waitFor({ state: 'hidden' });
    const ns = await page.locator('#hdr-ns').inputValue();
    if (ns !== 'team-a') throw new Error(`header namespace is ${ns}`);
    await shot('dashboard-empty');
  });

  await step('menu shows only working entries', async () => {
    const groups = await page.locator('#sidenav h2').allTextContents();
    if (groups.join(',') !== 'Settings,Setup,Operations') throw new Error(`menu groups: ${groups}`);
  });

  await step('add a cloud: mock driver, one credential, two regions', async () => {
    await page.getByRole('link', { name: 'Cloud connections' }).click();
    await page.waitForURL(/\/setup\/connections$/);
    await page.getByRole('button', { name: 'Add a cloud' }).click();
    const d = dialog();
    await d.getByLabel('Cloud').selectOption('MOCK');
    await d.getByLabel('Name prefix').fill('mock');
    await d.getByLabel('MockName').fill('mock01');
    await shot('add-cloud-step1');
    await d.getByRole('button', { name: 'Next: choose regions' }).click();
    await d.locator('tr[data-region="default"]').waitFor();
    await d.locator('tr[data-region="default"] input[type=checkbox]').check();
    await d.locator('tr[data-region="mars"] input[type=checkbox]').check();
    await shot('add-cloud-step2');
    await d.getByRole('button', { name: 'Create 2 connections' }).click();
    await expectText(d.locator('tr[data-region="default"] td').last(), /Created/);
    await expectText(d.locator('tr[data-region="mars"] td').last(), /Created/);
    await d.getByRole('button', { name: 'Close', exact: true }).last().click();
    await page.locator('tr[data-connection="mock-default"]').waitFor();
    await page.locator('tr[data-connection="mock-mars"]').waitFor();
    await expectText(page.locator('tr[data-connection="mock-mars"]'), /MOCK[\s\S]*mock-driver[\s\S]*mock-credential[\s\S]*mock-mars/);
    await shot('connections');
  });

  await step('check a connection: OK', async () => {
    await page.getByRole('button', { name: 'Check mock-default' }).click();
    await expectText(page.locator('tr[data-connection="mock-default"] .check-cell'), /Connected/);
  });

  await step('credential with a wrong key name: the error next to the keys', async () => {
    await page.getByRole('tab', { name: /Credentials/ }).click();
    await page.getByRole('button', { name: 'Add credential' }).click();
    const d = dialog();
    await d.getByLabel('Cloud').selectOption('MOCK');
    await d.getByLabel('Credential name').fill('broken-cred');
    await d.getByLabel('MockName').fill('mock02');
    await d.getByRole('button', { name: 'Add an optional key' }).click();
    await d.getByLabel('Key name').fill('MockFailOpp');
    await d.getByLabel('Value').fill('CheckConnection');
    await d.getByRole('button', { name: 'Save' }).click();
    await expectText(d.locator('#cred-keys-err'), /unknown \[MockFailOpp\]/);
    await shot('credential-wrong-key');
    // Corrected, it is a credential whose connections fail the check.
    await d.getByLabel('Key name').fill('MockFailOp');
    await d.getByRole('button', { name: 'Save' }).click();
    await page.locator('dialog[open]').waitFor({ state: 'hidden' });
    await page.locator('tr[data-credential="broken-cred"]').waitFor();
    const text = await page.locator('tr[data-credential="broken-cred"]').innerText();
    if (/mock02|CheckConnection/.test(text)) throw new Error('a secret value is shown back');
    await shot('credentials');
  });

  await step('check a broken connection: the failure in plain words', async () => {
    await page.getByRole('tab', { name: /Connections/ }).click();
    await page.getByRole('button', { name: 'Add connection' }).click();
    const d = dialog();
    await d.getByLabel('Connection name').fill('mock-broken');
    await d.getByLabel('Cloud').selectOption('MOCK');
    await d.getByLabel('Credential').selectOption('broken-cred');
    await d.getByLabel('Region').selectOption('mock-default');
    await d.getByRole('button', { name: 'Save' }).click();
    await page.locator('dialog[open]').waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Check mock-broken' }).click();
    await expectText(page.locator('tr[data-connection="mock-broken"] .check-cell'), /The cloud answered with an error: .*CheckConnection/);
    await shot('connection-check-failed');
  });

  await step('delete a credential in use: the 409 shown in the dialog', async () => {
    await page.getByRole('tab', { name: /Credentials/ }).click();
    await page.getByRole('button', { name: 'Delete broken-cred' }).click();
    await dialog().getByRole('button', { name: 'Delete' }).click();
    await expectText(dialog().locator('.error'), /used by connection config 'mock-broken'/);
    await dialog().getByRole('button', { name: 'Cancel' }).click();
  });

  await step('namespaces: empty name and duplicate name shown next to the field', async () => {
    await page.getByRole('link', { name: 'Namespaces' }).click();
    await page.waitForURL(/\/settings\/namespaces$/);
    await page.locator('tr[data-ns="team-a"]').waitFor();
    await page.getByRole('button', { name: 'Add namespace' }).click();
    const d = dialog();
    await d.getByRole('button', { name: 'Create namespace' }).click();
    await expectText(d.locator('#ns-name-err'), /Enter a name/);
    await d.getByLabel('Name').fill('team-a');
    await d.getByRole('button', { name: 'Create namespace' }).click();
    await expectText(d.locator('#ns-name-err'), /already exists/);
    await shot('namespace-duplicate');
  });

  await step('namespaces: create and delete', async () => {
    const d = dialog();
    await d.getByLabel('Name').fill('scratch');
    await d.getByLabel('Description').fill('temporary');
    await d.getByRole('button', { name: 'Create namespace' }).click();
    await page.locator('tr[data-ns="scratch"]').waitFor();
    await shot('namespaces');
    await page.getByRole('button', { name: 'Delete scratch' }).click();
    await dialog().getByRole('button', { name: 'Delete', exact: true }).click();
    await page.locator('tr[data-ns="scratch"]').waitFor({ state: 'detached' });
  });

  await step('dashboard: a new service appears live, with its VMs', async () => {
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.waitForURL(/\/operations\/dashboard$/);
    await page.getByText('No service (MCIS) in namespace').waitFor();
    // Made behind the page's back (same session): the page must follow the event stream.
    const s = await page.evaluate(async () => (await fetch('/spider/session', { credentials: 'same-origin' })).json());
    const r = await page.evaluate(async (csrf) => {
      const res = await fetch('/spider/ns/team-a/mcisDynamic?wait=true', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ name: 'web1', vm: [{ name: 'g1', subGroupSize: '3', commonSpec: 'mock-default+mock-vmspec-01', commonImage: 'mock-default+mock-vmimage-01' }] }),
      });
      return { status: res.status, body: await res.text() };
    }, s.csrfToken);
    if (r.status !== 200) throw new Error(`MCIS create: ${r.status} ${r.body.slice(0, 300)}`);
    await page.locator('article[data-mcis="web1"]').waitFor({ timeout: 20000 });
    await expectText(page.locator('article[data-mcis="web1"] .vm-grid'), /g1-1[\s\S]*g1-3/);
    await page.locator('.worldmap svg').waitFor();
    await page.locator('.chart-box canvas').waitFor();
    await shot('dashboard');
  });

  await step('tablet width is readable (menu behind a button)', async () => {
    await page.setViewportSize({ width: 820, height: 1100 });
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Cloud connections' }).click();
    await page.locator('tr[data-connection="mock-default"]').waitFor();
    await shot('connections-tablet');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  await step('log out', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login$/);
    await page.getByLabel('User name').waitFor();
  });

  await step('no console errors', async () => {
    if (consoleErrors.length) throw new Error(consoleErrors.join('\n'));
  });
} finally {
  await context.close().catch(() => {});
  fs.rmSync(userData, { recursive: true, force: true });
  if (shim) shim.server.close();
  await stopDaemon(daemon);
  fs.rmSync(daemon.dataDir, { recursive: true, force: true });
}

console.log(`screenshots: ${ART}`);
if (SHIM) console.log('*** SHIM MODE: NOT a pass of the real daemon. ***');
if (failures.length) console.log(`failed: ${failures.join('; ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
