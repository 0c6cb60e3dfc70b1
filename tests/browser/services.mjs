// Browser steps of the service (MCIS) pages, run by run.mjs on its daemon
// after its own scenario (namespace team-a, connections mock-default and
// mock-mars of driver mock-driver and credential mock-credential exist).
//
// The command step needs a VM that answers SSH: like tests/e2e/sshd_util.py,
// a loopback OpenSSH server runs as the current user with its own config,
// host key and authorized_keys; a connection `mock-sshd` (added here through
// the REST API) carries MockSSHAccessPoint / MockAuthorizedKeysFile on its
// region, so its VMs point at that sshd and their key pair's public key is
// appended to its authorized_keys.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const SSHD = '/usr/sbin/sshd';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}
function banner(port) {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    let got = '';
    const done = (ok) => { c.destroy(); resolve(ok); };
    c.on('data', (d) => { got += d; if (got.includes('SSH-')) done(true); });
    c.on('error', () => done(false));
    setTimeout(() => done(false), 1000);
  });
}

export async function startSshd() {
  if (!fs.existsSync(SSHD)) throw new Error(`${SSHD} is missing: install openssh-server (scripts/deps.sh does)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spider-browser-sshd-'));
  const port = await freePort();
  const user = os.userInfo().username;
  const authorizedKeys = path.join(dir, 'authorized_keys');
  const hostKey = path.join(dir, 'host_key');
  fs.writeFileSync(authorizedKeys, '', { mode: 0o600 });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'spider-test-host', '-f', hostKey], { stdio: 'ignore' });
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(config, [
    `ListenAddress 127.0.0.1:${port}`, `HostKey ${hostKey}`, `AuthorizedKeysFile ${authorizedKeys}`,
    `PidFile ${dir}/sshd.pid`, 'StrictModes no', 'UsePAM no', 'PasswordAuthentication no',
    'KbdInteractiveAuthentication no', 'PubkeyAuthentication yes', 'PermitRootLogin prohibit-password',
    'Subsystem sftp internal-sftp', 'MaxStartups 200', 'MaxSessions 100', 'LogLevel VERBOSE', ''].join('\n'));
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const log = fs.openSync(path.join(dir, 'sshd.log'), 'a');
  const proc = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', log, log] });
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) break;
    if (await banner(port)) {
      return {
        port, user, dir, authorizedKeys,
        stop() { try { proc.kill('SIGTERM'); } catch { /* gone */ } fs.rmSync(dir, { recursive: true, force: true }); },
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try { proc.kill('SIGKILL'); } catch { /* gone */ }
  throw new Error(`sshd did not start: ${fs.readFileSync(path.join(dir, 'sshd.log'), 'utf8').slice(-500)}`);
}

export async function serviceSteps({ page, step, shot, expectText, dialog, base, user, password }) {
  const auth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
  async function rest(method, p, body) {
    const r = await fetch(`${base}${p}`, { method, headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    const t = await r.text();
    if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${t.slice(0, 300)}`);
    return t ? JSON.parse(t) : null;
  }
  const svc = (id) => page.locator(`tr[data-vm="${id}"]`);
  let sshd = null;

  try {
    await step('services: loopback sshd and a connection whose VMs reach it (REST)', async () => {
      sshd = await startSshd();
      await rest('POST', '/spider/region', { RegionName: 'mock-sshd', ProviderName: 'MOCK', KeyValueInfoList: [
        { Key: 'Region', Value: 'mars' },
        { Key: 'MockSSHAccessPoint', Value: `127.0.0.1:${sshd.port}` },
        { Key: 'MockAuthorizedKeysFile', Value: sshd.authorizedKeys },
        // A suspend that takes a while, so the sequence shows in the times.
        { Key: 'MockSuspendDelayMs', Value: '400' }] });
      await rest('POST', '/spider/connectionconfig', { ConfigName: 'mock-sshd', ProviderName: 'MOCK', DriverName: 'mock-driver', CredentialName: 'mock-credential', RegionName: 'mock-sshd' });
      // The existing resources of the static group.
      await rest('POST', '/spider/vpc', { ConnectionName: 'mock-sshd', ReqInfo: { Name: 'svc-vpc', IPv4_CIDR: '10.7.0.0/16', SubnetInfoList: [{ Name: 'svc-subnet', IPv4_CIDR: '10.7.1.0/24' }] } });
      await rest('POST', '/spider/securitygroup', { ConnectionName: 'mock-sshd', ReqInfo: { Name: 'svc-sg', VPCName: 'svc-vpc', SecurityRules: [{ Direction: 'inbound', IPProtocol: 'TCP', FromPort: '22', ToPort: '22', CIDR: '0.0.0.0/0' }] } });
      await rest('POST', '/spider/keypair', { ConnectionName: 'mock-sshd', ReqInfo: { Name: 'svc-key' } });
    });

    await step('services: list page and the wizard\'s name checks (invalid, then the API\'s duplicate)', async () => {
      await page.getByRole('link', { name: 'Services', exact: true }).click();
      await page.waitForURL(/\/operations\/services$/);
      await page.locator('tr[data-service="web1"]').waitFor();
      await shot('services-list');
      await page.getByRole('link', { name: 'New service' }).click();
      await page.waitForURL(/\/operations\/services\/new$/);
      await page.getByLabel('Service name').fill('Shop_1');
      await page.getByRole('button', { name: 'Next: server groups' }).click();
      await expectText(page.locator('#svc-name-err'), /lower-case letters, digits/);
      await shot('wizard-bad-name');
      // web1 exists (the dashboard step made it): the server says so at deploy.
      await page.getByLabel('Service name').fill('web1');
      await page.getByLabel('Description').fill('shop front and database');
      await page.getByRole('button', { name: 'Next: server groups' }).click();
    });

    await step('services: two server groups, express on mock-default and existing resources on mock-sshd', async () => {
      const g0 = page.locator('fieldset.svc-group[data-group="0"]');
      await g0.getByLabel('Group name').fill('web');
      await g0.getByLabel('Connection').selectOption('mock-default');
      await expectText(g0.locator('[data-testid=region]'), /region default/);
      await g0.getByLabel('Number of VMs').fill('2');
      await g0.getByLabel('vCPU ≥').fill('8');
      await g0.getByLabel(/^Spec \(/).locator('option').nth(1).waitFor({ state: 'attached' });
      await g0.getByLabel(/^Spec \(/).selectOption({ index: 1 });
      await g0.getByLabel('Search images').fill('ubuntu');
      await g0.getByLabel(/^Image \(/).selectOption({ index: 1 });
      await page.getByRole('button', { name: 'Add a server group' }).click();
      const g1 = page.locator('fieldset.svc-group[data-group="1"]');
      await g1.getByLabel('Group name').fill('db');
      await g1.getByLabel('Connection').selectOption('mock-sshd');
      await g1.getByLabel(/^Spec \(/).locator('option').nth(1).waitFor({ state: 'attached' });
      await g1.getByLabel(/^Spec \(/).selectOption({ index: 1 });
      await g1.getByLabel(/^Image \(/).selectOption({ index: 1 });
      await g1.getByLabel(/Use existing resources/).check();
      // Missing choices are shown next to their fields.
      await page.getByRole('button', { name: 'Next: review' }).click();
      await expectText(g1.locator('.error').first(), /Choose a VPC/);
      await g1.getByLabel('VPC', { exact: true }).selectOption('svc-vpc');
      await g1.getByLabel('Subnet', { exact: true }).selectOption('svc-subnet');
      await g1.getByLabel('Key pair', { exact: true }).selectOption('svc-key');
      await g1.getByLabel('svc-sg').check();
      await shot('wizard-groups');
      await page.getByRole('button', { name: 'Next: review' }).click();
      await expectText(page.locator('[data-testid=request-0]'), /POST \/spider\/ns\/team-a\/mcisDynamic[\s\S]*"commonSpec"/);
      await expectText(page.locator('[data-testid=request-1]'), /POST \/spider\/ns\/team-a\/mcis\/web1\/vm[\s\S]*"vNetId": "svc-vpc"/);
      await shot('wizard-review');
      await page.getByRole('button', { name: 'Deploy' }).click();
      await expectText(page.locator('#svc-name-err'), /already exists/);
      await shot('wizard-duplicate-name');
    });

    await step('services: deploy, live progress per VM, then the service page reaches Running', async () => {
      await page.getByLabel('Service name').fill('shop');
      await page.getByRole('button', { name: 'Next: server groups' }).click();
      await page.getByRole('button', { name: 'Next: review' }).click();
      await expectText(page.locator('[data-testid=request-1]'), /\/mcis\/shop\/vm/);
      await page.getByRole('button', { name: 'Deploy' }).click();
      await page.locator('tr[data-deploy-vm="web-1"]').waitFor({ timeout: 20000 });
      await shot('wizard-deploying');
      await page.getByRole('link', { name: 'Open service shop' }).waitFor({ timeout: 30000 });
      await expectText(page.locator('.deploy [role=status]'), /Deployed/);
      await expectText(page.locator('tr[data-deploy-vm="db-1"]'), /Running/);
      await shot('wizard-deployed');
      await page.getByRole('link', { name: 'Open service shop' }).click();
      await page.waitForURL(/\/operations\/services\/shop$/);
      await expectText(page.locator('[data-testid=svc-status]'), /^Running:3/);
      await expectText(svc('db-1'), /db[\s\S]*Running[\s\S]*mock-sshd[\s\S]*mars[\s\S]*127\.0\.0\.1/);
      await shot('service-detail');
      await page.setViewportSize({ width: 820, height: 1100 });
      await shot('service-detail-tablet');
      await page.setViewportSize({ width: 1280, height: 860 });
    });

    await step('services: the detail page shows where each VM is (the mock\'s region default is Seoul, KR)', async () => {
      const m = await rest('GET', '/spider/ns/team-a/mcis/shop');
      const loc = Object.fromEntries((m.vm || []).map((v) => [v.id, v.location || {}]));
      if (loc['web-1'].briefAddr !== 'Seoul, KR' || loc['web-1'].nativeRegion !== 'default') throw new Error(`web-1 (mock-default) is at ${JSON.stringify(loc['web-1'])}`);
      if (!loc['db-1'].briefAddr) throw new Error(`db-1 (mock-sshd, region mars) has no place: ${JSON.stringify(loc['db-1'])}`);
      const esc = (x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      for (const v of ['web-1', 'web-2', 'db-1']) await expectText(svc(v).locator('[data-testid=vm-place]'), new RegExp(`^${esc(loc[v].briefAddr)}$`));
      await expectText(svc('web-1'), /mock-default[\s\S]*default[\s\S]*Seoul, KR/);
    });

    await step('services: the dashboard shows the new service Running, live', async () => {
      await page.getByRole('link', { name: 'Dashboard' }).click();
      await page.waitForURL(/\/operations\/dashboard$/);
      await expectText(page.locator('article[data-mcis=shop]'), /Running:3 \(R:3\/3\)/);
      await expectText(page.locator('article[data-mcis=web1]'), /Running:3 \(R:3\/3\)/);
      await shot('dashboard-running');
      await page.goto(`${base}/operations/services/shop`);
      await expectText(page.locator('[data-testid=svc-status]'), /^Running:3/);
    });

    await step('services: suspend in a sequence ordered by dragging and the arrow buttons', async () => {
      await page.getByLabel('Select all').check();
      await page.getByLabel('In sequence').check();
      const items = page.locator('.order-list li');
      await expectText(page.locator('.order-list'), /web-1[\s\S]*web-2[\s\S]*db-1/);
      await items.filter({ hasText: 'db-1' }).dragTo(items.filter({ hasText: 'web-1' }));
      await expectText(page.locator('.order-list'), /db-1[\s\S]*web-1[\s\S]*web-2/);
      await page.getByRole('button', { name: 'Move web-2 up' }).click();
      const order = await page.locator('.order-list li').evaluateAll((els) => els.map((e) => e.dataset.vm));
      if (order.join(',') !== 'db-1,web-2,web-1') throw new Error(`order is ${order}`);
      await shot('service-sequence-order');
      await page.getByRole('button', { name: 'Suspend' }).click();
      await page.locator('table.results').waitFor({ timeout: 30000 });
      const rows = await page.locator('table.results tbody tr').evaluateAll((els) => els.map((e) => ({ vm: e.dataset.resultVm, start: e.dataset.start, end: e.dataset.end })));
      if (Date.parse(rows[0].end) - Date.parse(rows[0].start) < 300) throw new Error(`db-1's suspend took no time: ${JSON.stringify(rows[0])}`);
      if (rows.map((r) => r.vm).join(',') !== 'db-1,web-2,web-1') throw new Error(`results in order ${rows.map((r) => r.vm)}`);
      for (let i = 1; i < rows.length; i++) {
        if (!(Date.parse(rows[i].start) >= Date.parse(rows[i - 1].end))) throw new Error(`start times out of order: ${JSON.stringify(rows)}`);
      }
      await expectText(page.locator('table.results'), /Suspended[\s\S]*Suspended[\s\S]*Suspended/);
      await expectText(page.locator('[data-testid=svc-status]'), /^Suspended:3/);
      await shot('service-suspended-in-sequence');
    });

    await step('services: resume all at once', async () => {
      await page.getByLabel('Concurrently').check();
      await page.getByRole('button', { name: 'Resume' }).click();
      await expectText(page.locator('table.results'), /resume \(concurrent\)|Running[\s\S]*Running[\s\S]*Running/);
      await expectText(page.locator('[data-testid=svc-status]'), /^Running:3/);
      for (const v of ['web-1', 'web-2', 'db-1']) await expectText(svc(v), /Running/);
    });

    await step('services: the state guard\'s 409 shown next to the buttons (resume a running service)', async () => {
      await page.getByRole('button', { name: 'Resume' }).click();
      await expectText(page.locator('#svc-action-err'), /Running.*cannot resume/);
      await shot('service-state-guard');
    });

    await step('services: remote command on the SSH-reachable subGroup, output per VM; file copy', async () => {
      await page.getByRole('button', { name: 'Remote command…' }).click();
      await page.waitForURL(/\/operations\/console\/shop$/);
      await page.getByLabel('Run on').selectOption('sg:db');
      await page.getByLabel(/^User name/).fill(sshd.user);
      await page.getByLabel(/^Commands, one per line/).fill('echo spider-says-hello\nid -un\nls /nonexistent-spider-path');
      await page.getByLabel(/^Timeout/).fill('60');
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      const pane = page.locator('[data-output-vm="db-1"]');
      await pane.waitFor({ timeout: 30000 });
      await expectText(pane.locator('[data-cmd="0"] .stdout'), /spider-says-hello/);
      await expectText(pane.locator('[data-cmd="1"] .stdout'), new RegExp(`^${sshd.user}$`));
      await expectText(pane.locator('[data-cmd="2"]'), /exit [1-9]/);
      await expectText(pane.locator('[data-cmd="2"] .stderr'), /nonexistent-spider-path/);
      await shot('console-output');
      const remote = path.join(sshd.dir, 'copied.txt');
      await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('copied by the web tool\n') });
      await page.getByLabel('Remote path').fill(remote);
      await page.getByRole('button', { name: 'Copy', exact: true }).click();
      await expectText(page.locator('tr[data-copy-vm="db-1"]'), /23/);
      if (fs.readFileSync(remote, 'utf8') !== 'copied by the web tool\n') throw new Error('the copied file differs');
      await shot('console-file-copy');
    });

    await step('services: terminate (confirmed) and delete the service', async () => {
      await page.goto(`${base}/operations/services/shop`);
      await expectText(page.locator('[data-testid=svc-status]'), /^Running:3/);
      await page.getByLabel('Select all').check();
      await page.getByRole('button', { name: 'Terminate…' }).click();
      await dialog().getByRole('button', { name: 'Terminate' }).click();
      await expectText(page.locator('table.results'), /Terminated[\s\S]*Terminated[\s\S]*Terminated/);
      await shot('service-terminated');
      await page.getByRole('button', { name: 'Delete service…' }).click();
      await dialog().getByRole('button', { name: 'Terminate and delete' }).click();
      await page.waitForURL(/\/operations\/services$/, { timeout: 30000 });
      await page.locator('tr[data-service="web1"]').waitFor();
      if (await page.locator('tr[data-service="shop"]').count()) throw new Error('shop is still listed');
    });
  } finally {
    if (sshd) sshd.stop();
  }
}
