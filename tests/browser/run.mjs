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
import { serviceSteps } from './services.mjs';
import { policySteps } from './policy.mjs';

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
// The connections table is usable without sideways scrolling: every column,
// the row's buttons too, within the table's box and the window's width.
async function connectionsFit(width) {
  const fit = await page.locator('table.connections').evaluate((t) => ({ table: t.scrollWidth, box: t.parentElement.clientWidth }));
  if (fit.table > fit.box) throw new Error(`at ${width} px the connections table is ${fit.table} px wide in a ${fit.box} px box`);
  const del = await page.getByRole('button', { name: 'Delete mock-default' }).boundingBox();
  if (!del || del.x + del.width > width) throw new Error(`at ${width} px Delete mock-default is off the screen: ${JSON.stringify(del)}`);
}

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
    if (groups.join(',') !== 'Settings,Setup,Resources,Policy,Operations') throw new Error(`menu groups: ${groups}`);
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

  await step('connections: "Registered" is when the test made mock-default, in local time; "—" where the daemon gave none', async () => {
    // In a time zone other than UTC, so "local" shows (Seoul: UTC+9, no daylight saving).
    const TZ = 'Asia/Seoul';
    const cdp = await context.newCDPSession(page);
    try {
      await cdp.send('Emulation.setTimezoneOverride', { timezoneId: TZ });
      await page.reload();
      const when = page.locator('tr[data-connection="mock-default"] td.registered time');
      await when.waitFor();
      const dt = await when.getAttribute('datetime');
      const t = Date.parse(dt);
      const age = Date.now() - t;
      if (!Number.isFinite(t) || age < -60000 || age > 3600000) throw new Error(`mock-default registered at ${dt}: not within the last hour`);
      const api = await (await fetch(`${base}/spider/connectionconfig/mock-default`, { headers: { Authorization: 'Basic ' + Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } })).json();
      if (api.RegisteredTime !== dt) throw new Error(`the page says ${dt}, the API ${api.RegisteredTime}`);
      // The text is the Seoul date and time of that moment (12- or 24-hour clock).
      const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: TZ, year: 'numeric', day: 'numeric', hour: 'numeric', minute: '2-digit', hourCycle: 'h23' })
        .formatToParts(new Date(t)).map((x) => [x.type, x.value]));
      const h = Number(parts.hour), mm = parts.minute;
      const text = (await when.innerText()).replace(/\s+/g, ' ');
      const clock = new RegExp(`(^|\\D)(0?${h}:${mm}(?!\\s*[AP]M)|0?${h % 12 || 12}:${mm}\\s*${h < 12 ? 'AM' : 'PM'})`, 'i');
      if (!clock.test(text) || !new RegExp(`(^|\\D)${parts.day}(\\D|$)`).test(text) || !text.includes(parts.year))
        throw new Error(`"${text}" is not ${dt} in ${TZ} (${parts.year}, day ${parts.day}, ${h}:${mm})`);
      // A connection stored by an older daemon has no RegisteredTime: "—".
      await page.route('**/spider/connectionconfig', async (route) => {
        const res = await route.fetch();
        const body = await res.json();
        for (const c of body.connectionconfig || []) if (c.ConfigName === 'mock-mars') delete c.RegisteredTime;
        await route.fulfill({ response: res, json: body });
      });
      try {
        await page.reload();
        await page.locator('tr[data-connection="mock-default"] td.registered time').waitFor();
        await expectText(page.locator('tr[data-connection="mock-mars"] td.registered'), /^—$/);
        await connectionsFit(1280);
        if (await page.locator('tr[data-connection="mock-mars"] td.registered time').count()) throw new Error('a <time> without a time');
        await shot('connections-registered');
      } finally { await page.unroute('**/spider/connectionconfig'); }
    } finally {
      await cdp.send('Emulation.setTimezoneOverride', { timezoneId: '' }).catch(() => {});
      await cdp.detach().catch(() => {});
    }
    await page.reload();
    await page.locator('tr[data-connection="mock-mars"] td.registered time').waitFor();
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
    await page.locator('tr[data-connection="mock-default"] td.registered time').waitFor();
    await connectionsFit(820);
    await shot('connections-tablet');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  await resourcesScenario();

  // The service (MCIS) pages: wizard, detail and lifecycle, remote command.
  await serviceSteps({ page, step, shot, expectText, dialog, base, user: USER, password: PASSWORD });

  // Policy › Placement, the wizard's pick by policy, the dashboard map's places.
  await policySteps({ page, step, shot, expectText, base, user: USER, password: PASSWORD });

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

// ---- catalogue, resources and call history (on mock-default) -------------
async function resourcesScenario() {
  const count = (id) => page.locator(`#${id}-count`);
  const showCalls = async () => {
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('/spider/callhistory')),
      page.getByRole('button', { name: 'Show' }).click(),
    ]);
    await page.locator('#calls').waitFor();
  };
  const pickConn = async () => {
    await page.locator('#res-conn option[value="mock-default"]').waitFor({ state: 'attached' });
    await page.locator('#res-conn').selectOption('mock-default');
  };

  await step('catalogue: images search and filter narrow the list', async () => {
    await page.getByRole('link', { name: 'Catalogue' }).click();
    await page.waitForURL(/\/setup\/catalogue$/);
    await pickConn();
    await expectText(count('cat-images'), /^5 images$/);
    await page.getByLabel('Search').fill('ubuntu');
    await expectText(count('cat-images'), /^2 of 5 images$/);
    await page.locator('tr[data-image="mock-vmimage-04"]').waitFor();
    await page.getByLabel('Architecture').selectOption('arm64');
    await expectText(count('cat-images'), /^1 of 5 images$/);
    if (await page.locator('tr[data-image="mock-vmimage-01"]').count()) throw new Error('x86_64 image still shown');
    await shot('catalogue-images');
  });

  await step('catalogue: zones are paged (only the page rendered)', async () => {
    await page.getByRole('tab', { name: /Regions & zones/ }).click();
    await expectText(count('cat-zones'), /^24 zones$/);
    if ((await page.locator('#cat-zones tbody tr').count()) !== 10) throw new Error('page 1 is not 10 rows');
    await expectText(page.locator('.pager .page-no'), /Page 1 of 3/);
    await page.getByRole('button', { name: 'Next' }).click();
    await expectText(page.locator('.pager .page-no'), /Page 2 of 3/);
    await page.getByRole('button', { name: 'Last page' }).click();
    await expectText(page.locator('.pager .page-no'), /Page 3 of 3/);
    if ((await page.locator('#cat-zones tbody tr').count()) !== 4) throw new Error('last page is not 4 rows');
    await page.getByLabel('Search').fill('mars');
    await expectText(count('cat-zones'), /^3 of 24 zones$/);
    await shot('catalogue-zones');
  });

  await step('catalogue: specs filtered by vCPU, sorted by price', async () => {
    await page.getByRole('tab', { name: /Specs/ }).click();
    await expectText(count('cat-specs'), /^4 specs$/);
    await page.getByLabel('vCPU from').fill('8');
    await expectText(count('cat-specs'), /^2 of 4 specs$/);
    await page.locator('tr[data-spec="mock-vmspec-03"]').waitFor();
    await page.getByLabel('vCPU from').fill('');
    await page.getByLabel('vCPU to').fill('4');
    await page.getByLabel('With GPU only').check();
    await expectText(count('cat-specs'), /^2 of 4 specs$/);
    await expectText(page.locator('tr[data-spec="mock-vmspec-01"]'), /NVIDIA V100[\s\S]*3\.0600/);
    if (await page.locator('#cpanel p.error').count()) throw new Error(`filter error shown: ${await page.locator('#cpanel p.error').innerText()}`);
    await page.getByRole('button', { name: /^Price/ }).click();
    const first = await page.locator('#cat-specs tbody tr').first().getAttribute('data-spec');
    if (first !== 'mock-vmspec-02') throw new Error(`cheapest first should be mock-vmspec-02, got ${first}`);
    await shot('catalogue-specs');
  });

  await step('networks: bad CIDR shown next to the field, VPC with a subnet, a second subnet', async () => {
    await page.getByRole('link', { name: 'Networks (VPC)' }).click();
    await page.waitForURL(/\/resources\/networks$/);
    await pickConn();
    await page.locator('#vpcs-count').waitFor(); // the dashboard's service made a default VPC
    await page.getByRole('button', { name: 'Create VPC' }).click();
    const d = dialog();
    await d.getByLabel('VPC name').fill('vpc-web');
    await d.getByLabel('IPv4 CIDR', { exact: true }).fill('10.0.0.0/33');
    await d.getByLabel('Subnet 1 name').fill('sn-1');
    await d.getByRole('button', { name: 'Create VPC' }).click();
    await expectText(d.locator('#vpc-cidr-err'), /prefix length/);
    await d.getByLabel('IPv4 CIDR', { exact: true }).fill('10.0.0.0/16');
    await d.getByLabel('Subnet 1 CIDR').fill('10.0.1.0/24');
    await shot('vpc-create');
    await d.getByRole('button', { name: 'Create VPC' }).click();
    await page.locator('dialog[open]').waitFor({ state: 'hidden' });
    await page.locator('tr[data-vpc="vpc-web"] li[data-subnet="sn-1"]').waitFor();
    await page.getByRole('button', { name: 'Add a subnet to vpc-web' }).click();
    await dialog().getByLabel('Subnet name').fill('sn-2');
    await dialog().getByLabel('IPv4 CIDR').fill('10.0.2.0');
    await dialog().getByRole('button', { name: 'Add subnet' }).click();
    await expectText(dialog().locator('#as-cidr-err'), /not an IPv4 CIDR/);
    await dialog().getByLabel('IPv4 CIDR').fill('10.0.2.0/24');
    await dialog().getByRole('button', { name: 'Add subnet' }).click();
    await page.locator('dialog[open]').waitFor({ state: 'hidden' });
    await expectText(page.locator('tr[data-vpc="vpc-web"] li[data-subnet="sn-2"]'), /10\.0\.2\.0\/24/);
    await shot('networks');
  });

  await step('security group: bad port range shown next to the rule; two rules, remove one', async () => {
    await page.getByRole('link', { name: 'Security groups' }).click();
    await page.waitForURL(/\/resources\/security-groups$/);
    await page.locator('#sgs-count').waitFor();
    await page.getByRole('button', { name: 'Create security group' }).click();
    const d = dialog();
    await d.getByLabel('Name', { exact: true }).fill('sg-web');
    await d.getByLabel('VPC').selectOption('vpc-web');
    await d.getByRole('button', { name: 'Add a rule' }).click();
    await d.getByLabel('Rule 2 from port').fill('8080');
    await d.getByLabel('Rule 2 to port').fill('80');
    await d.getByLabel('Rule 2 CIDR').fill('10.0.0.0/8');
    await d.getByRole('button', { name: 'Create security group' }).click();
    await expectText(d.locator('#cr-err-1'), /must not be below/);
    await shot('sg-bad-port');
    await d.getByLabel('Rule 2 to port').fill('8090');
    await d.getByRole('button', { name: 'Create security group' }).click();
    await page.locator('dialog[open]').waitFor({ state: 'hidden' });
    const rules = page.locator('tr[data-sg="sg-web"] .rules-table tbody tr');
    await page.locator('tr[data-sg="sg-web"] tr[data-rule="inbound|TCP|8080|8090|10.0.0.0/8"]').waitFor();
    if ((await rules.count()) !== 2) throw new Error(`${await rules.count()} rules`);
    await page.getByRole('button', { name: 'Remove rule 2 of sg-web' }).click();
    await dialog().getByRole('button', { name: 'Delete' }).click();
    await page.locator('tr[data-sg="sg-web"] tr[data-rule="inbound|TCP|8080|8090|10.0.0.0/8"]').waitFor({ state: 'detached' });
    if ((await rules.count()) !== 1) throw new Error(`${await rules.count()} rules after removing one`);
    await shot('security-groups');
  });

  await step('key pair: the private key offered once for download, not shown again', async () => {
    await page.getByRole('link', { name: 'Key pairs' }).click();
    await page.waitForURL(/\/resources\/keypairs$/);
    await page.locator('#keys-count').waitFor();
    await page.getByRole('button', { name: 'Create key pair' }).click();
    await dialog().getByLabel('Key pair name').fill('key-web');
    await dialog().getByRole('button', { name: 'Create key pair' }).click();
    await expectText(dialog().locator('#kp-once'), /you will not see it again/);
    await shot('keypair-once');
    const [dl] = await Promise.all([
      page.waitForEvent('download'),
      dialog().getByRole('button', { name: /Download private key/ }).click(),
    ]);
    if (dl.suggestedFilename() !== 'key-web.pem') throw new Error(`download named ${dl.suggestedFilename()}`);
    const file = await dl.path();
    const pem = fs.readFileSync(file, 'utf8');
    if (!/^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) throw new Error('the download is not a private key');
    await dialog().getByRole('button', { name: 'Done' }).click();
    await page.locator('tr[data-keypair="key-web"]').waitFor();
    await page.reload();
    await page.locator('tr[data-keypair="key-web"]').waitFor();
    const body = await page.locator('body').innerText();
    if (/PRIVATE KEY/.test(body) || body.includes(pem.split('\n')[1])) throw new Error('the private key is shown after a reload');
    await shot('keypairs');
  });

  await step('disk: size out of the provider range shown next to the field, then created', async () => {
    await page.getByRole('link', { name: 'Disks', exact: true }).click();
    await page.waitForURL(/\/resources\/disks$/);
    await page.getByText('No disk on this connection yet.').waitFor();
    await page.getByRole('button', { name: 'Create disk' }).click();
    const d = dialog();
    await d.getByLabel('Disk name').fill('disk-web');
    await d.getByLabel('Type').selectOption('HDD');
    await d.getByLabel('Size (GB)').fill('20000');
    await d.getByRole('button', { name: 'Create disk' }).click();
    await expectText(d.locator('#disk-size-err'), /1 to 16384 GB/);
    await d.getByLabel('Size (GB)').fill('50');
    await d.getByRole('button', { name: 'Create disk' }).click();
    await page.locator('dialog[open]').waitFor({ state: 'hidden' });
    await expectText(page.locator('tr[data-disk="disk-web"]'), /HDD[\s\S]*50[\s\S]*Available/);
    await page.getByRole('button', { name: 'Resize disk-web' }).click();
    await dialog().getByLabel('New size (GB)').fill('40');
    await dialog().getByRole('button', { name: 'Resize' }).click();
    await expectText(dialog().locator('#disk-act-err'), /can only grow/);
    await dialog().getByLabel('New size (GB)').fill('60');
    await dialog().getByRole('button', { name: 'Resize' }).click();
    await page.locator('dialog[open]').waitFor({ state: 'hidden' });
    await expectText(page.locator('tr[data-disk="disk-web"]'), /HDD\s+60/);
    await shot('disks');
  });

  await step('my images and VMs pages list what the connection has', async () => {
    await page.getByRole('link', { name: 'VMs', exact: true }).click();
    await page.waitForURL(/\/resources\/vms$/);
    await expectText(page.locator('#vms-count'), /^3 VMs$/);
    await expectText(page.locator('#vms tbody tr').first(), /Running/);
    await shot('vms');
    await page.getByRole('link', { name: 'My images' }).click();
    await page.waitForURL(/\/resources\/myimages$/);
    await page.getByRole('button', { name: 'Snapshot a VM' }).click();
    await dialog().getByLabel('Image name').fill('img-web');
    await dialog().getByRole('button', { name: 'Create image' }).click();
    await page.locator('dialog[open]').waitFor({ state: 'hidden' });
    await expectText(page.locator('tr[data-myimage="img-web"]'), /Available/);
    await shot('myimages');
    await page.getByRole('button', { name: 'Delete image img-web' }).click();
    await dialog().getByRole('button', { name: 'Delete' }).click();
    await page.locator('tr[data-myimage="img-web"]').waitFor({ state: 'detached' });
  });

  await step('delete in the right order: the VPC in use shows the 409 first', async () => {
    await page.getByRole('link', { name: 'Networks (VPC)' }).click();
    await page.getByRole('button', { name: 'Delete VPC vpc-web' }).click();
    await dialog().getByRole('button', { name: 'Delete' }).click();
    await expectText(dialog().locator('.error'), /in use by Security Group 'sg-web'/);
    await shot('vpc-delete-409');
    await dialog().getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('link', { name: 'Security groups' }).click();
    await page.getByRole('button', { name: 'Delete security group sg-web' }).click();
    await dialog().getByRole('button', { name: 'Delete' }).click();
    await page.locator('tr[data-sg="sg-web"]').waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Key pairs' }).click();
    await page.getByRole('button', { name: 'Delete key pair key-web' }).click();
    await dialog().getByRole('button', { name: 'Delete' }).click();
    await page.locator('tr[data-keypair="key-web"]').waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Disks', exact: true }).click();
    await page.getByRole('button', { name: 'Delete disk disk-web' }).click();
    await dialog().getByRole('button', { name: 'Delete' }).click();
    await page.locator('tr[data-disk="disk-web"]').waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Networks (VPC)' }).click();
    await page.getByRole('button', { name: 'Remove subnet sn-2 of vpc-web' }).click();
    await dialog().getByRole('button', { name: 'Delete' }).click();
    await page.locator('li[data-subnet="sn-2"]').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Delete VPC vpc-web' }).click();
    await dialog().getByRole('button', { name: 'Delete' }).click();
    await page.locator('tr[data-vpc="vpc-web"]').waitFor({ state: 'detached' });
  });

  await step('call history shows these calls; the error filter works', async () => {
    await page.getByRole('link', { name: 'Call history' }).click();
    await page.waitForURL(/\/operations\/call-history$/);
    await page.locator('#calls').waitFor();
    await page.getByLabel('Connection').selectOption('mock-default');
    await page.getByLabel('At most').fill('500');
    await showCalls();
    if (await page.getByLabel('Rows per page').count()) await page.getByLabel('Rows per page').selectOption('500');
    for (const api of ['CreateVPC()', 'AddSubnet()', 'CreateSecurity()', 'RemoveRules()', 'CreateKey()', 'CreateDisk()', 'ChangeDiskSize()', 'DeleteVPC()']) {
      if (!(await page.locator(`#calls tr[data-call="${api}"]`).count())) throw new Error(`${api} not in the call history`);
    }
    if (await page.locator('#calls tbody tr').filter({ hasText: 'mock-mars' }).count()) throw new Error('the connection filter let another connection through');
    await shot('call-history');
    await page.getByLabel('Connection').selectOption('');
    await page.getByLabel('Errors only').check();
    await showCalls();
    await page.locator('#calls tbody tr', { hasText: 'CheckConnection' }).first().waitFor();
    const rows = await page.locator('#calls tbody tr').count();
    const failedRows = await page.locator('#calls tbody tr.failed').count();
    if (!rows || rows !== failedRows) throw new Error(`errors only shows ${rows} rows, ${failedRows} failed`);
    await shot('call-history-errors');
    await page.getByLabel('At most').fill('0');
    await page.getByRole('button', { name: 'Show' }).click();
    await expectText(page.locator('#ch-limit-err'), /1 to 10000/);
    await page.getByLabel('At most').fill('100');
  });

  await step('resources at tablet width', async () => {
    await page.setViewportSize({ width: 820, height: 1100 });
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Catalogue' }).click();
    await page.getByRole('tab', { name: /Specs/ }).click();
    await page.locator('#cat-specs').waitFor();
    await shot('catalogue-tablet');
    await page.setViewportSize({ width: 1280, height: 860 });
  });
}
