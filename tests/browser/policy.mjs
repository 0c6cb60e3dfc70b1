// Browser steps of Policy › Placement (POST /spider/recommendvm, GET
// /spider/location), the wizard's "pick by policy", and the dashboard map's
// server-side region places.  Run by run.mjs after the service steps
// (namespace team-a; connections mock-default, mock-mars, mock-broken and
// mock-sshd exist; service web1 runs on mock-default).
//
// Nothing expected here is hard-coded: the first result is computed from
// GET /spider/location and each connection's GET /spider/vmspec.

const R = 6371.0088;
function km(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad, dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}
const known = (l) => l.Source !== 'unknown' && Number.isFinite(l.Latitude) && Number.isFinite(l.Longitude);
const priceOf = (s) => {
  const e = (s.KeyValueList || []).find((x) => x.Key === 'Price');
  const n = e ? Number(e.Value) : NaN;
  return Number.isFinite(n) ? n : Infinity;
};

export async function policySteps({ page, step, shot, expectText, base, user, password }) {
  const auth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
  async function rest(method, p, body) {
    const r = await fetch(`${base}${p}`, { method, headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    const t = await r.text();
    if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${t.slice(0, 300)}`);
    return t ? JSON.parse(t) : null;
  }
  // What the API says the connections offer: place, and specs (null when
  // the connection's specs cannot be read).
  async function world() {
    const loc = (await rest('GET', '/spider/location')).location;
    const out = [];
    for (const l of loc) {
      let specs = null;
      try { specs = (await rest('GET', `/spider/vmspec?ConnectionName=${encodeURIComponent(l.ConnectionName)}`)).vmspec || []; } catch { /* left out */ }
      out.push({ ...l, specs });
    }
    return out;
  }
  // The connections a location priority puts first (all those at the
  // best distance, within 1 km), and the cheapest spec passing `ok` there.
  function expectFirst(w, points, mode, ok) {
    const cands = w.filter((c) => c.specs && known(c) && c.specs.some(ok)).map((c) => {
      const d = points.map((p) => km(p, { lat: c.Latitude, lon: c.Longitude }));
      return { c, d: mode === 'fair' ? Math.max(...d) : d.reduce((a, b) => a + b, 0) / d.length };
    });
    if (!cands.length) throw new Error('no connection to expect');
    const best = Math.min(...cands.map((x) => x.d));
    const conns = cands.filter((x) => x.d - best < 1).map((x) => x.c);
    const spec = conns[0].specs.filter(ok).sort((a, b) => priceOf(a) - priceOf(b) || a.Name.localeCompare(b.Name))[0].Name;
    return { conns: conns.map((c) => c.ConnectionName), spec, km: best };
  }
  const vcpuAtLeast = (n) => (s) => Number(s.VCpu?.Count) >= n;
  // Recommend, and wait for the server's answer.
  const ask = () => Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/spider/recommendvm')),
    page.getByRole('button', { name: 'Recommend' }).click(),
  ]);
  const row1 = () => page.locator('table.pl-results tbody tr').first();
  const pointsNow = () => page.locator('[data-testid=points] li[data-point-lat]').evaluateAll((els) => els.map((e) => ({ lat: Number(e.dataset.pointLat), lon: Number(e.dataset.pointLon) })));
  let w = null;

  await step('policy: more places (REST): a driver-located region, one with its own coordinates, one whose specs fail', async () => {
    await rest('POST', '/spider/region', { RegionName: 'mock-jupiter', ProviderName: 'MOCK', KeyValueInfoList: [{ Key: 'Region', Value: 'jupiter' }] });
    await rest('POST', '/spider/connectionconfig', { ConfigName: 'mock-jupiter', ProviderName: 'MOCK', DriverName: 'mock-driver', CredentialName: 'mock-credential', RegionName: 'mock-jupiter' });
    await rest('POST', '/spider/region', { RegionName: 'mock-paris', ProviderName: 'MOCK', KeyValueInfoList: [{ Key: 'Region', Value: 'venus' }, { Key: 'Latitude', Value: '48.86' }, { Key: 'Longitude', Value: '2.35' }] });
    await rest('POST', '/spider/connectionconfig', { ConfigName: 'mock-paris', ProviderName: 'MOCK', DriverName: 'mock-driver', CredentialName: 'mock-credential', RegionName: 'mock-paris' });
    await rest('POST', '/spider/region', { RegionName: 'mock-nospec', ProviderName: 'MOCK', KeyValueInfoList: [{ Key: 'Region', Value: 'saturn' }, { Key: 'MockFailOp', Value: 'ListVMSpec' }] });
    await rest('POST', '/spider/connectionconfig', { ConfigName: 'mock-nospec', ProviderName: 'MOCK', DriverName: 'mock-driver', CredentialName: 'mock-credential', RegionName: 'mock-nospec' });
    // A region the mock cloud does not have: its place is unknown (and its specs cannot be read).
    await rest('POST', '/spider/region', { RegionName: 'mock-pluto', ProviderName: 'MOCK', KeyValueInfoList: [{ Key: 'Region', Value: 'pluto' }] });
    await rest('POST', '/spider/connectionconfig', { ConfigName: 'mock-pluto', ProviderName: 'MOCK', DriverName: 'mock-driver', CredentialName: 'mock-credential', RegionName: 'mock-pluto' });
    w = await world();
    const by = Object.fromEntries(w.map((c) => [c.ConnectionName, c]));
    for (const n of ['mock-default', 'mock-jupiter', 'mock-paris', 'mock-nospec']) if (!by[n]) throw new Error(`GET /spider/location has no ${n}`);
    if (by['mock-jupiter'].Source !== 'driver' || !known(by['mock-jupiter'])) throw new Error(`mock-jupiter: ${JSON.stringify(by['mock-jupiter'])}`);
    if (by['mock-paris'].Source !== 'region' || by['mock-paris'].Latitude !== 48.86 || by['mock-paris'].Longitude !== 2.35) throw new Error(`mock-paris: ${JSON.stringify(by['mock-paris'])}`);
    if (by['mock-nospec'].specs !== null) throw new Error('mock-nospec\'s specs can be read');
    if (by['mock-pluto'].Source !== 'unknown' || 'Latitude' in by['mock-pluto']) throw new Error(`mock-pluto: ${JSON.stringify(by['mock-pluto'])}`);
  });

  await step('policy: Placement by a point clicked on the map, ranked as the API data says', async () => {
    await page.getByRole('link', { name: 'Placement' }).click();
    await page.waitForURL(/\/policy\/placement$/);
    const map = page.locator('.pl-map .worldmap');
    const pin = map.getByRole('button', { name: /mock-jupiter/ });
    await pin.waitFor();
    // The connection whose place is unknown: in the labelled box, and named.
    await map.locator('.unknown-box').waitFor();
    await expectText(page.locator('[data-testid=pl-unknown]'), /Place not known[\s\S]*mock-pluto/);
    await page.getByLabel('vCPU from').fill('8');
    // Cost off by keyboard (Home), so location alone ranks.
    await page.locator('#pl-w-cost').focus();
    await page.keyboard.press('Home');
    await expectText(page.locator('output[for=pl-w-cost]'), /^off$/);
    // By keyboard: a region's marker is a button that picks its place.
    const jup = w.find((c) => c.ConnectionName === 'mock-jupiter');
    await pin.focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=points] li[data-point-lat]').waitFor();
    const kp = await pointsNow();
    if (kp.length !== 1 || Math.abs(kp[0].lat - jup.Latitude) > 1e-3 || Math.abs(kp[0].lon - jup.Longitude) > 1e-3) throw new Error(`Enter on the marker chose ${JSON.stringify(kp)}`);
    // A click on the map a little off the region's marker: the point under the pointer (replaces it).
    const box = await pin.boundingBox();
    await page.mouse.click(box.x + box.width / 2 + 16, box.y + box.height / 2 + 12);
    await page.waitForFunction((lat) => Number(document.querySelector('[data-testid=points] li[data-point-lat]').dataset.pointLat) !== lat, kp[0].lat);
    await expectText(page.locator('output[for=pl-w-location]'), /^1\.0$/);
    await page.locator('.pl-map g.mark').waitFor();
    const pts = await pointsNow();
    if (pts.length !== 1) throw new Error(`${pts.length} points chosen`);
    const exp = expectFirst(w, pts, 'within', vcpuAtLeast(8));
    await ask();
    await row1().waitFor();
    const got = { conn: await row1().getAttribute('data-conn'), spec: await row1().getAttribute('data-spec') };
    if (!exp.conns.includes(got.conn) || got.spec !== exp.spec) throw new Error(`first row ${JSON.stringify(got)}, expected ${JSON.stringify(exp)}`);
    // Distances grow down the table; rank 1's region is marked on the map.
    const d = await page.locator('table.pl-results tbody tr td:nth-child(11)').allInnerTexts();
    const dn = d.map((t) => Number(t.replace(/[^0-9.]/g, '')));
    if (!dn.length || dn.some((x, i) => i && x < dn[i - 1])) throw new Error(`distances not ascending: ${d}`);
    if (Math.abs(dn[0] - exp.km) > Math.max(2, exp.km * 0.01)) throw new Error(`first distance ${dn[0]} km, expected about ${exp.km.toFixed(1)} km`);
    await map.locator('g.pin.hit .rank').filter({ hasText: /^1$/ }).waitFor();
    await expectText(page.locator('[data-conn-error="mock-nospec"]'), /mock-nospec[\s\S]*ListVMSpec/i);
    await shot('placement-location');
  });

  await step('policy: bad input next to its field (vCPU from > to; an unknown metric forced through the API)', async () => {
    let sent = 0;
    const count = (r) => { if (r.url().endsWith('/spider/recommendvm')) sent++; };
    page.on('request', count);
    await page.getByLabel('vCPU to').fill('4');
    await page.getByRole('button', { name: 'Recommend' }).click();
    await expectText(page.locator('#pl-vcpu-min-err'), /lowest vCPU count \(8\) is above the highest \(4\)/);
    if ((await page.locator('#pl-vcpu-max').getAttribute('aria-invalid')) !== 'true') throw new Error('vCPU to is not marked');
    if (sent) throw new Error('a request was sent with vCPU from > to');
    page.off('request', count);
    await shot('placement-bad-range');
    await page.getByLabel('vCPU to').fill('');
    // The page never sends a metric it does not know: rewrite the request on its way.
    await page.route('**/spider/recommendvm', (route) => {
      const b = JSON.parse(route.request().postData());
      b.priority.policy[0].metric = 'speed';
      route.continue({ postData: JSON.stringify(b) });
    });
    try {
      await ask();
      await expectText(page.locator('#pl-w-location-err'), /priority\.policy\[0\]\.metric 'speed' is unknown/);
      await expectText(page.locator('#pl-server-err'), /did not accept the request: .*'speed'/);
    } finally { await page.unroute('**/spider/recommendvm'); }
    await shot('placement-server-400');
  });

  await step('policy: fairest place for two points (a typed one), at tablet width', async () => {
    await page.getByRole('radio', { name: /Fairest/ }).check();
    await page.getByLabel('Latitude').fill('48.9');
    await page.getByLabel('Longitude').fill('500');
    await page.getByRole('button', { name: 'Add point' }).click();
    await expectText(page.locator('#pl-lat-err'), /longitude is a number from -180 to 180/);
    await page.getByLabel('Longitude').fill('2.3');
    await page.getByRole('button', { name: 'Add point' }).click();
    await page.locator('[data-testid=points] li[data-point-lat]').nth(1).waitFor();
    const pts = await pointsNow();
    const exp = expectFirst(w, pts, 'fair', vcpuAtLeast(8));
    await ask();
    await page.waitForFunction(() => document.querySelectorAll('.pl-map g.mark').length === 2);
    await page.waitForFunction(() => !document.querySelector('#pl-server-err .error'));
    const got = await row1().getAttribute('data-conn');
    if (!exp.conns.includes(got)) throw new Error(`first row ${got}, expected one of ${exp.conns}`);
    if ((await row1().getAttribute('data-spec')) !== exp.spec) throw new Error(`first spec ${await row1().getAttribute('data-spec')}, expected ${exp.spec}`);
    await page.setViewportSize({ width: 820, height: 1100 });
    // Let Chromium repaint at the new width before the full-page capture.
    await page.locator('.pl-results-wrap').scrollIntoViewIfNeeded();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await shot('placement-fair-tablet');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  let chosen = null;
  await step('policy: "Use in a new service" pre-fills a server group of the wizard', async () => {
    chosen = { conn: await row1().getAttribute('data-conn'), spec: await row1().getAttribute('data-spec') };
    await row1().getByRole('button', { name: /in a new service$/ }).click();
    await page.waitForURL(/\/operations\/services\/new$/);
    await expectText(page.locator('[data-testid=wizard-seed]'), new RegExp(`${chosen.spec}[\\s\\S]*${chosen.conn}`));
    await page.getByLabel('Service name').fill('placed');
    await page.getByRole('button', { name: 'Next: server groups' }).click();
    const g0 = page.locator('fieldset.svc-group[data-group="0"]');
    if ((await g0.getByLabel('Connection', { exact: true }).inputValue()) !== chosen.conn) throw new Error('connection not pre-filled');
    await g0.getByLabel(/^Image \(/).locator('option').nth(1).waitFor({ state: 'attached' });
    if ((await g0.getByLabel(/^Spec \(/).inputValue()) !== chosen.spec) throw new Error('spec not pre-filled');
    await expectText(g0.locator('[data-testid=seed-note]'), /Placement: rank 1/);
    await g0.getByLabel(/^Image \(/).selectOption({ index: 1 });
    await shot('wizard-from-placement');
    await page.getByRole('button', { name: 'Next: review' }).click();
    await expectText(page.locator('[data-testid=request-0]'), new RegExp(`"connectionName": "${chosen.conn}"[\\s\\S]*"commonSpec": "${chosen.spec}"`));
    await page.getByRole('button', { name: 'Back' }).click();
  });

  await step('wizard: pick by policy (location near a region, then cost) fills connection and spec, which stay changeable', async () => {
    const g0 = page.locator('fieldset.svc-group[data-group="0"]');
    await g0.getByRole('checkbox', { name: /Pick by policy/ }).check();
    const pick = g0.locator('[data-testid=pick]');
    await pick.getByLabel('vCPU ≥').fill('8');
    await pick.getByRole('radio', { name: /Location \(/ }).check();
    await pick.getByLabel(/near a connection's region/).locator('option[value="mock-paris"]').waitFor({ state: 'attached' });
    await pick.getByLabel(/near a connection's region/).selectOption('mock-paris');
    const paris = w.find((c) => c.ConnectionName === 'mock-paris');
    let exp = expectFirst(w, [{ lat: paris.Latitude, lon: paris.Longitude }], 'within', vcpuAtLeast(8));
    await pick.getByRole('button', { name: 'Find the best' }).click();
    await expectText(pick.locator('[data-testid=pick-choice]'), new RegExp(`${exp.spec} on (${exp.conns.join('|')})\\.[\\s\\S]*score \\d\\.\\d\\d · [0-9.]+ USD/h · \\d+ km from the point`));
    if (!exp.conns.includes(await g0.getByLabel('Connection', { exact: true }).inputValue())) throw new Error('connection not filled by the pick');
    if ((await g0.getByLabel(/^Spec \(/).inputValue()) !== exp.spec) throw new Error('spec not filled by the pick');
    await expectText(pick, /Left out[\s\S]*mock-nospec/);
    await shot('wizard-pick-location');
    // By cost: the cheapest readable spec with 8 vCPUs anywhere.
    const cheap = w.filter((c) => c.specs).flatMap((c) => c.specs.filter(vcpuAtLeast(8)).map((s) => ({ conn: c.ConnectionName, spec: s.Name, price: priceOf(s) })));
    const min = Math.min(...cheap.map((x) => x.price));
    const best = cheap.filter((x) => x.price === min);
    await pick.getByRole('radio', { name: /Cost \(/ }).check();
    await pick.getByRole('button', { name: 'Find the best' }).click();
    await expectText(pick.locator('[data-testid=pick-choice]'), new RegExp(`(${best.map((b) => `${b.spec} on ${b.conn}`).join('|')})\\.[\\s\\S]*Picked by cost`));
    await expectText(pick.locator('[data-testid=pick-choice]'), new RegExp(min.toFixed(4)));
    // Still the user's choice.
    await g0.getByLabel('Connection', { exact: true }).selectOption('mock-default');
    await expectText(pick.locator('[data-testid=pick-choice]'), /changed the connection or spec since/);
    await shot('wizard-pick-cost');
  });

  await step('dashboard: the map places regions where the server says', async () => {
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.waitForURL(/\/operations\/dashboard$/);
    const loc = w.find((c) => c.ConnectionName === 'mock-default');
    const pin = page.locator('.worldmap g.pin[data-point="MOCK:default"]');
    await pin.waitFor();
    if ((await pin.getAttribute('data-known')) !== 'true') throw new Error('mock-default\'s region is drawn as unknown');
    if (await page.locator('.worldmap .unknown-box').count()) throw new Error('the unknown-location box is drawn though every region is known');
    await expectText(page.locator('.worldmap figcaption .legend'), new RegExp(loc.BriefAddr.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await shot('dashboard-map-server-locations');
  });

  // ---- the other priorities, and the connection checkboxes --------------
  // The rows as the page shows them: [{conn, spec, score, parts, perf}].
  const rowsNow = () => page.locator('table.pl-results tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    conn: tr.dataset.conn, spec: tr.dataset.spec,
    score: Number(tr.querySelector('.score-num').textContent),
    parts: Object.fromEntries([...(tr.querySelector('.pl-score .sr-only')?.textContent || '').matchAll(/([a-z]+) ([0-9.]+)/g)].map((m) => [m[1], Number(m[2])])),
    perf: tr.querySelector('.pl-perf') ? tr.querySelector('.pl-perf').textContent.trim() : null,
  })));
  // Recommend; wait until the table shows this answer; the request sent and the rows shown.
  async function askRows() {
    const [req, res] = await Promise.all([
      page.waitForRequest((r) => r.url().endsWith('/spider/recommendvm') && r.method() === 'POST'),
      page.waitForResponse((r) => r.url().endsWith('/spider/recommendvm')),
      page.getByRole('button', { name: 'Recommend' }).click(),
    ]);
    const ans = await res.json();
    if (!res.ok()) throw new Error(`recommendvm answered ${res.status()}: ${JSON.stringify(ans)}`);
    const keys = (ans.recommendation || []).map((r) => `${r.connectionName}|${r.specName}|${Number(r.evaluationScore09).toFixed(2)}`);
    await page.waitForFunction((k) => {
      const got = [...document.querySelectorAll('table.pl-results tbody tr')].map((tr) => `${tr.dataset.conn}|${tr.dataset.spec}|${tr.querySelector('.score-num').textContent}`);
      return got.join(',') === k.join(',');
    }, keys);
    return { sent: req.postDataJSON(), rows: await rowsNow(), candidates: ans.candidates };
  }
  const weight = async (metric, key) => {
    await page.locator(`#pl-w-${metric}`).focus();
    await page.keyboard.press(key);
    await expectText(page.locator(`output[for=pl-w-${metric}]`), key === 'End' ? /^1\.0$/ : /^off$/);
  };
  const nonIncreasing = (xs) => xs.every((x, i) => i === 0 || x <= xs[i - 1]);
  const perfOf = (conn, spec) => {
    const s = w.find((c) => c.ConnectionName === conn).specs.find((x) => x.Name === spec);
    const clock = Number(s.VCpu?.ClockGHz);
    return Number(s.VCpu?.Count) * (clock > 0 ? clock : 1);
  };
  // Every connection whose specs can be read, and how many specs they have.
  const readable = () => w.filter((c) => c.specs && c.specs.length);

  await step('policy: Placement by performance: highest performance first, as the page\'s own figures say', async () => {
    await page.getByRole('link', { name: 'Placement' }).click();
    await page.waitForURL(/\/policy\/placement$/);
    await page.locator('#pl-conns input[value="mock-default"]').waitFor();
    await weight('cost', 'Home');
    await weight('performance', 'End');
    await page.getByLabel('Results to show').fill('100');
    const { sent, rows, candidates } = await askRows();
    if (sent.priority.policy.map((p) => p.metric).join() !== 'performance') throw new Error(`priorities sent: ${JSON.stringify(sent.priority)}`);
    await page.locator('table.pl-results th', { hasText: /^Performance$/ }).waitFor();
    const want = readable().reduce((n, c) => n + c.specs.length, 0);
    if (candidates !== want || rows.length !== want) throw new Error(`${rows.length} rows of ${candidates} candidates; the connections have ${want} readable specs`);
    const perf = rows.map((r) => Number(r.perf));
    if (perf.some((p) => !Number.isFinite(p))) throw new Error(`performance figures: ${rows.map((r) => r.perf)}`);
    if (!nonIncreasing(perf)) throw new Error(`not highest performance first: ${perf}`);
    // Each figure is the spec's vCPUs × clock from GET /spider/vmspec; each
    // score is (p − min) / (max − min) over the figures the page shows.
    const max = perf[0], min = perf[perf.length - 1];
    if (!(max > min)) throw new Error(`every spec performs alike (${max})`);
    rows.forEach((r, i) => {
      const api = perfOf(r.conn, r.spec);
      if (Math.abs(api - perf[i]) > 0.006) throw new Error(`row ${i + 1} (${r.spec} on ${r.conn}) shows ${r.perf}, vmspec says ${api}`);
      const n = (perf[i] - min) / (max - min);
      if (Math.abs(n - r.score) > 0.006 || Math.abs(r.parts.performance - r.score) > 0.006) throw new Error(`row ${i + 1}: score ${r.score} (${JSON.stringify(r.parts)}), expected ${n.toFixed(2)}`);
    });
    await shot('placement-performance');
  });

  let firstDraw = null;
  await step('policy: Placement by random: every result with its own random score', async () => {
    await weight('performance', 'Home');
    await weight('random', 'End');
    const a = await askRows();
    if (a.sent.priority.policy.map((p) => p.metric).join() !== 'random') throw new Error(`priorities sent: ${JSON.stringify(a.sent.priority)}`);
    if (!a.rows.length || a.rows.length !== a.candidates) throw new Error(`${a.rows.length} rows of ${a.candidates} candidates`);
    if (await page.locator('table.pl-results th', { hasText: /^Performance$/ }).count()) throw new Error('the performance column stays without the performance priority');
    for (const [i, r] of a.rows.entries()) {
      if (!(r.score >= 0 && r.score <= 1) || r.parts.random === undefined || Math.abs(r.parts.random - r.score) > 0.006)
        throw new Error(`row ${i + 1}: score ${r.score}, parts ${JSON.stringify(r.parts)}`);
    }
    if (!nonIncreasing(a.rows.map((r) => r.score))) throw new Error(`scores not in order: ${a.rows.map((r) => r.score)}`);
    if (new Set(a.rows.map((r) => r.score)).size < 2) throw new Error(`every draw is ${a.rows[0].score}`);
    await shot('placement-random');
    // A second ask draws again.
    const b = await askRows();
    const scoreOf = (rows) => Object.fromEntries(rows.map((r) => [`${r.conn}|${r.spec}`, r.score]));
    const sa = scoreOf(a.rows), sb = scoreOf(b.rows);
    if (Object.keys(sa).sort().join() !== Object.keys(sb).sort().join()) throw new Error('the second draw ranks other specs');
    if (Object.keys(sa).every((k) => sa[k] === sb[k])) throw new Error('the second draw gave every spec the same score');
    firstDraw = b;
  });

  await step('policy: the connection checkboxes restrict the search; none checked searches all', async () => {
    const subset = ['mock-default', 'mock-paris'];
    for (const c of subset) await page.locator(`#pl-conns input[value="${c}"]`).check();
    await expectText(page.locator('#pl-conns legend'), new RegExp(`${subset.length} of ${w.length} checked`));
    const r = await askRows();
    if ((r.sent.connections || []).slice().sort().join() !== subset.join()) throw new Error(`connections sent: ${JSON.stringify(r.sent.connections)}`);
    const want = readable().filter((c) => subset.includes(c.ConnectionName)).reduce((n, c) => n + c.specs.length, 0);
    if (r.rows.length !== want || r.candidates !== want) throw new Error(`${r.rows.length} rows of ${r.candidates} candidates; the two connections have ${want} specs`);
    const outside = r.rows.filter((x) => !subset.includes(x.conn));
    if (outside.length) throw new Error(`rows from unchecked connections: ${outside.map((x) => x.conn)}`);
    for (const c of subset) if (!r.rows.some((x) => x.conn === c)) throw new Error(`no row from ${c}`);
    if (await page.locator('[data-testid=pl-conn-errors]').count()) throw new Error('errors of unchecked connections are shown');
    // The map draws only the checked connections' regions.
    const pins = await page.locator('.pl-map .worldmap g.pin').count();
    if (pins !== subset.length) throw new Error(`${pins} regions on the map for ${subset.length} checked connections`);
    await shot('placement-two-connections');
    // Unchecked again: the page asks about every connection (it says so next to the boxes).
    for (const c of subset) await page.locator(`#pl-conns input[value="${c}"]`).uncheck();
    await expectText(page.locator('#pl-conns legend'), new RegExp(`none checked: all ${w.length}`));
    const all = await askRows();
    if ('connections' in all.sent) throw new Error(`connections sent with none checked: ${JSON.stringify(all.sent.connections)}`);
    const conns = [...new Set(all.rows.map((x) => x.conn))].sort();
    const every = readable().map((c) => c.ConnectionName).sort();
    if (conns.join() !== every.join()) throw new Error(`rows from ${conns}, expected every readable connection ${every}`);
    if (firstDraw && all.rows.length !== firstDraw.rows.length) throw new Error(`${all.rows.length} rows with none checked, ${firstDraw.rows.length} before any was checked`);
    await expectText(page.locator('[data-testid=pl-conn-errors]'), /mock-nospec[\s\S]*mock-pluto|mock-pluto[\s\S]*mock-nospec/);
  });

  await step('services: the detail page shows a VM\'s place by name, by coordinates, or "unknown"', async () => {
    await rest('POST', '/spider/ns/team-a/mcisDynamic?wait=true', { name: 'places', vm: [
      { name: 'sel', subGroupSize: '1', commonSpec: 'mock-default+mock-vmspec-01', commonImage: 'mock-default+mock-vmimage-01' },
      { name: 'par', subGroupSize: '1', commonSpec: 'mock-paris+mock-vmspec-01', commonImage: 'mock-paris+mock-vmimage-01' }] });
    try {
      const made = await rest('GET', '/spider/ns/team-a/mcis/places');
      const loc = Object.fromEntries((made.vm || []).map((v) => [v.id, v.location || {}]));
      if (loc['sel-1']?.briefAddr !== 'Seoul, KR') throw new Error(`sel-1 on mock-default is at ${JSON.stringify(loc['sel-1'])}`);
      // mock-paris: coordinates given on the region, no place name.
      const p = loc['par-1'];
      if (!p || p.briefAddr || p.latitude !== 48.86 || p.longitude !== 2.35) throw new Error(`par-1 on mock-paris is at ${JSON.stringify(p)}`);
      await page.goto(`${base}/operations/services/places`);
      const place = (vm) => page.locator(`tr[data-vm="${vm}"] [data-testid=vm-place]`);
      await expectText(place('sel-1'), /^Seoul, KR$/);
      await expectText(place('par-1'), /^48\.86° N, 2\.35° E$/);
      await shot('service-vm-places');
      // Where nobody knows the region's place the API leaves out the first three: "unknown".
      const url = '**/spider/ns/team-a/mcis/places';
      await page.route(url, async (route) => {
        const res = await route.fetch();
        const body = await res.json();
        for (const v of body.vm || []) if (v.id === 'par-1') { delete v.location.latitude; delete v.location.longitude; delete v.location.briefAddr; }
        await route.fulfill({ response: res, json: body });
      });
      try {
        await page.reload();
        await expectText(place('par-1'), /^unknown$/);
        await expectText(place('sel-1'), /^Seoul, KR$/);
        await shot('service-vm-place-unknown');
      } finally { await page.unroute(url); }
    } finally {
      await rest('DELETE', '/spider/ns/team-a/mcis/places?option=terminate&wait=true');
    }
  });
}
