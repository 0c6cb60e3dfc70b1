// Shared by the Resources, Catalogue and Call history pages: the chosen
// connection (kept across pages and reloads), the connection list, and
// client-side checks that mirror docs/api.md's rules for resources.
import { get, enc } from './api.js';
import '../styles/res.css';

const KEY = 'spider.res.connection';

export const resConn = $state({ name: localStorage.getItem(KEY) || '', list: [], loaded: false, error: null });

export function setResConn(name) {
  resConn.name = name;
  if (name) localStorage.setItem(KEY, name); else localStorage.removeItem(KEY);
}

export async function loadConnections() {
  try {
    const r = await get('/spider/connectionconfig');
    resConn.list = (r.connectionconfig || []).slice().sort((a, b) => a.ConfigName.localeCompare(b.ConfigName));
    resConn.error = null;
    if (!resConn.list.some((c) => c.ConfigName === resConn.name)) setResConn(resConn.list.length ? resConn.list[0].ConfigName : '');
  } catch (e) {
    resConn.error = e;
  }
  resConn.loaded = true;
}

// What a Resources page reads from its connection: fetch(conn) asks, and
// apply(answer) takes the answer unless another connection was picked
// meanwhile (apply(null) after an error, which stays in .error).
export function connReader(fetch, apply) {
  const r = $state({ loading: false, error: null });
  r.load = async () => {
    const conn = resConn.name;
    if (!conn) return;
    r.loading = true;
    r.error = null;
    try {
      const answer = await fetch(conn);
      if (conn === resConn.name) apply(answer);
    } catch (e) {
      r.error = e;
      apply(null);
    } finally {
      r.loading = false;
    }
  };
  return r;
}

// The VMs' states of a connection, or none when the cloud will not say.
export const vmStatuses = (conn) =>
  get(`/spider/vmstatus?ConnectionName=${enc(conn)}`, { cloud: true }).catch(() => ({ vmstatus: [] }));

export const connInfo = (name) => resConn.list.find((c) => c.ConfigName === name) || null;

// ---- checks (docs/api.md "Resources (per connection)") ----------------

// An IPv4 CIDR like 10.0.0.0/16 (no leading zeros, prefix 0-32).
export function cidrError(v, { optional = false, example = '10.0.0.0/16' } = {}) {
  const s = (v || '').trim();
  if (!s) return optional ? '' : `Enter an IPv4 CIDR like ${example}.`;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s);
  const bad = `"${s}" is not an IPv4 CIDR: write it like ${example}.`;
  if (!m) return bad;
  for (let i = 1; i <= 4; i++) {
    if (m[i].length > 1 && m[i][0] === '0') return bad;
    if (Number(m[i]) > 255) return bad;
  }
  if (Number(m[5]) > 32) return `"${s}": the prefix length after "/" must be 0 to 32.`;
  return '';
}

const portOk = (p) => /^\d{1,5}$/.test(p) && Number(p) >= 1 && Number(p) <= 65535;

// A security rule's errors by field: {FromPort, ToPort, CIDR, Direction, IPProtocol}.
export function ruleErrors(r) {
  const e = {};
  if (r.Direction !== 'inbound' && r.Direction !== 'outbound') e.Direction = 'Choose inbound or outbound.';
  const proto = (r.IPProtocol || '').toUpperCase();
  if (!['TCP', 'UDP', 'ICMP', 'ALL'].includes(proto)) e.IPProtocol = 'Choose TCP, UDP, ICMP or ALL.';
  if (proto === 'TCP' || proto === 'UDP') {
    const from = String(r.FromPort ?? '').trim();
    const to = String(r.ToPort ?? '').trim() || from;
    if (!portOk(from)) e.FromPort = 'The first port must be a number from 1 to 65535.';
    else if (!portOk(to)) e.ToPort = 'The last port must be a number from 1 to 65535.';
    else if (Number(to) < Number(from)) e.ToPort = `The last port (${to}) must not be below the first (${from}).`;
  }
  const c = cidrError(r.CIDR, { optional: true, example: '0.0.0.0/0' });
  if (c) e.CIDR = c;
  return e;
}

export function blankRule() { return { Direction: 'inbound', IPProtocol: 'TCP', FromPort: '', ToPort: '', CIDR: '0.0.0.0/0' }; }

// The rule as the API wants it.
export function ruleBody(r) {
  const proto = r.IPProtocol.toUpperCase();
  const ports = proto === 'TCP' || proto === 'UDP';
  const from = String(r.FromPort ?? '').trim();
  return {
    Direction: r.Direction,
    IPProtocol: proto,
    FromPort: ports ? from : '-1',
    ToPort: ports ? (String(r.ToPort ?? '').trim() || from) : '-1',
    CIDR: (r.CIDR || '').trim() || '0.0.0.0/0',
  };
}

// "SecurityRules[1]: ToPort ..." → 1 (which rule a server 400 is about), else -1.
export function ruleIndexOf(message) {
  const m = /(?:SecurityRules|RuleInfoList)\[(\d+)\]/.exec(message || '');
  return m ? Number(m[1]) : -1;
}

export const portText = (r) => (r.FromPort === '-1' || !r.FromPort ? 'all' : r.FromPort === r.ToPort ? r.FromPort : `${r.FromPort}–${r.ToPort}`);

// The key-value list of an info as an object; its Error (a list item the
// cloud did not answer for) stands out.
export function kv(list) {
  const o = {};
  for (const x of list || []) o[x.Key] = x.Value;
  return o;
}
export const nameOf = (info) => (info && info.IId ? info.IId.NameId : '');

// "SSD|1|16384|GB" → {type, min, max}
export function diskSizes(meta) {
  const out = {};
  for (const s of (meta && meta.DiskSize) || []) {
    const [t, lo, hi] = s.split('|');
    out[t] = { min: Number(lo), max: Number(hi) };
  }
  return out;
}

export function download(filename, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-pem-file' }));
  const a = document.createElement('a');
  a.href = url; a.download = filename;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
