// Placement (POST /spider/recommendvm): the request built from the Policy ›
// Placement form (and from a wizard server group), the client-side checks
// that mirror the API's rules, which field a server message is about, and
// the hand-off of a chosen result to the service wizard.
import { post } from './api.js';

export const PRIORITIES = [
  { metric: 'cost', label: 'Cost', help: 'cheapest per hour first (a spec without a price scores 0)' },
  { metric: 'performance', label: 'Performance', help: 'vCPUs × clock (GHz) where the cloud gives a clock, else vCPUs' },
  { metric: 'location', label: 'Location', help: 'closest to the point(s) you pick' },
  { metric: 'random', label: 'Random', help: 'a random draw, to spread placements' },
];
export const LOCATION_MODES = [
  { key: 'coordinateClose', label: 'Closest to one point' },
  { key: 'coordinateWithin', label: 'Closest on average to all points' },
  { key: 'coordinateFair', label: 'Fairest: the farthest point as close as possible' },
];

const blank = (s) => s === '' || s === null || s === undefined;
const numOrNull = (s) => (blank(s) ? null : Number(s));

// One number field's problem, or ''.
export function numError(v, { int = false, min = 0, max = Infinity, what = 'number' } = {}) {
  if (blank(v)) return '';
  const n = Number(v);
  if (!Number.isFinite(n)) return `Enter a ${what}.`;
  if (int && !Number.isInteger(n)) return `Enter a whole ${what}.`;
  if (n < min) return `At least ${min}.`;
  if (n > max) return `At most ${max}.`;
  return '';
}

export function latError(v) {
  if (blank(v)) return 'Enter a latitude.';
  const n = Number(v);
  return Number.isFinite(n) && n >= -90 && n <= 90 ? '' : 'A latitude is a number from -90 to 90.';
}
export function lonError(v) {
  if (blank(v)) return 'Enter a longitude.';
  const n = Number(v);
  return Number.isFinite(n) && n >= -180 && n <= 180 ? '' : 'A longitude is a number from -180 to 180.';
}

// The form's problems by field key ({} when none).  f: {vcpuMin, vcpuMax,
// memMin, memMax, gpuMin, costMax, limit, weights: {metric: 0..1},
// locMode, points: [{lat, lon}]}.
export function validate(f) {
  const e = {};
  const set = (k, m) => { if (m && !e[k]) e[k] = m; };
  set('vcpuMin', numError(f.vcpuMin, { int: true, what: 'number of vCPUs' }));
  set('vcpuMax', numError(f.vcpuMax, { int: true, what: 'number of vCPUs' }));
  set('memMin', numError(f.memMin, { what: 'size in GiB' }));
  set('memMax', numError(f.memMax, { what: 'size in GiB' }));
  set('gpuMin', numError(f.gpuMin, { int: true, what: 'number of GPUs' }));
  set('costMax', numError(f.costMax, { what: 'price per hour' }));
  if (!e.vcpuMin && !e.vcpuMax && numOrNull(f.vcpuMin) !== null && numOrNull(f.vcpuMax) !== null && Number(f.vcpuMin) > Number(f.vcpuMax))
    set('vcpuMin', `The lowest vCPU count (${f.vcpuMin}) is above the highest (${f.vcpuMax}).`);
  if (!e.memMin && !e.memMax && numOrNull(f.memMin) !== null && numOrNull(f.memMax) !== null && Number(f.memMin) > Number(f.memMax))
    set('memMin', `The lowest memory (${f.memMin} GiB) is above the highest (${f.memMax} GiB).`);
  if (blank(f.limit)) set('limit', 'Enter how many results to show (1 to 100).');
  else set('limit', numError(f.limit, { int: true, min: 1, max: 100, what: 'number' }));
  const used = PRIORITIES.filter((p) => Number(f.weights[p.metric]) > 0);
  if (!used.length) set('priorities', 'Give at least one priority a weight above 0.');
  if (Number(f.weights.location) > 0) {
    if (!f.points.length) set('points', 'Location needs a point: click the map, pick a region or type a latitude and longitude.');
    else if (f.locMode === 'coordinateClose' && f.points.length > 1)
      set('points', `“Closest to one point” takes one point and ${f.points.length} are chosen: remove the others, or choose an average or fair placement.`);
  }
  return e;
}

const fmtNum = (n) => String(Number(n));

// The request body, and which form field each part of it came from (the
// API names the part at fault, e.g. "filter.policy[0].condition[1]").
export function buildRequest(f) {
  const filter = [];
  const fields = {};
  const add = (metric, conds) => {
    const i = filter.length;
    filter.push({ metric, condition: conds.map((c) => c.cond) });
    fields[`filter.policy[${i}]`] = conds[0].field;
    conds.forEach((c, j) => { fields[`filter.policy[${i}].condition[${j}]`] = c.field; });
  };
  const range = (metric, lo, hi, loKey, hiKey) => {
    const conds = [];
    if (!blank(lo)) conds.push({ cond: { operator: '>=', operand: fmtNum(lo) }, field: loKey });
    if (!blank(hi)) conds.push({ cond: { operator: '<=', operand: fmtNum(hi) }, field: hiKey });
    if (conds.length) add(metric, conds);
  };
  range('vCPU', f.vcpuMin, f.vcpuMax, 'vcpuMin', 'vcpuMax');
  range('MemoryGiB', f.memMin, f.memMax, 'memMin', 'memMax');
  if (!blank(f.gpuMin)) add('GPU', [{ cond: { operator: '>=', operand: fmtNum(f.gpuMin) }, field: 'gpuMin' }]);
  if (!blank(f.costMax)) add('CostPerHour', [{ cond: { operator: '<=', operand: fmtNum(f.costMax) }, field: 'costMax' }]);
  if (f.provider) add('ProviderName', [{ cond: { operand: f.provider }, field: 'provider' }]);

  const priority = [];
  for (const p of PRIORITIES) {
    const w = Number(f.weights[p.metric]);
    if (!(w > 0)) continue;
    const i = priority.length;
    const e = { metric: p.metric, weight: w.toFixed(1) };
    if (p.metric === 'location') {
      e.parameter = [{ key: f.locMode, val: f.points.map((x) => `${x.lat}/${x.lon}`) }];
      fields[`priority.policy[${i}].parameter`] = 'points';
    }
    fields[`priority.policy[${i}]`] = `w-${p.metric}`;
    priority.push(e);
  }
  const body = { filter: { policy: filter }, priority: { policy: priority }, limit: String(Number(f.limit)) };
  if (f.conns && f.conns.length) body.connections = f.conns.slice();
  fields.limit = 'limit';
  fields.connections = 'conns';
  return { body, fields };
}

// Which form field a server message names (longest match first), or null.
export function fieldOfServer(message, fields) {
  const m = message || '';
  const keys = Object.keys(fields).sort((a, b) => b.length - a.length);
  for (const k of keys) {
    if (k.includes('.') || k.includes('[')) { if (m.includes(k)) return fields[k]; }
    else if (new RegExp(`(^|[^A-Za-z_.])${k}([^A-Za-z_]|$)`).test(m)) return fields[k];
  }
  return null;
}

export const recommend = (body, opts = {}) => post('/spider/recommendvm', body, opts);

export function fmtCost(c) {
  return c === null || c === undefined ? 'no price given' : `${Number(c).toFixed(4)} USD/h`;
}
export function fmtKm(d) {
  return d === null || d === undefined ? '' : `${Math.round(d).toLocaleString('en-US')} km`;
}
export function fmtPerf(p) {
  return p === null || p === undefined ? '–' : String(+Number(p).toFixed(2));
}
export function fmtMem(g) {
  const n = Number(g);
  return Number.isFinite(n) ? `${+n.toFixed(2)} GiB` : '';
}

// Why a result came first, in words: "score 0.93 · 0.0928 USD/h · 120 km away".
export function explain(r) {
  const parts = [`score ${Number(r.evaluationScore09).toFixed(2)}`, fmtCost(r.costPerHour)];
  if (r.distanceKm !== undefined && r.distanceKm !== null) parts.push(`${fmtKm(r.distanceKm)} from the point`);
  if (r.performance !== undefined && r.performance !== null) parts.push(`performance ${fmtPerf(r.performance)}`);
  return parts.join(' · ');
}

// A result handed to the service wizard ("Use in a new service").
let seed = null;
export function setWizardSeed(s) { seed = s; }
export function takeWizardSeed() { const s = seed; seed = null; return s; }
