// Helpers of the service (MCIS) pages: following a long request
// (202 + GET /spider/request/{id}, with the `request` events for live
// progress), and small formatting helpers.
import { get, enc } from './api.js';
import { onEvent } from './events.js';

// followRequest(id, onUpdate, signal) → the finished request
// ({status: Success|Error|Interrupted, progress, result, error, …}).
// onUpdate gets every intermediate state (from events and polling).
export function followRequest(id, onUpdate = () => {}, signal = null) {
  return new Promise((resolve, reject) => {
    let done = false;
    let timer = null;
    let failures = 0;
    const stop = () => { done = true; off(); clearTimeout(timer); };
    const off = onEvent((ev) => {
      if (done || ev.kind !== 'request' || !ev.data || ev.data.requestId !== id) return;
      if (ev.data.status && ev.data.status !== 'Handling') poll();
      else onUpdate(ev.data);
    });
    if (signal) signal.addEventListener('abort', () => { if (!done) { stop(); reject(new DOMException('aborted', 'AbortError')); } });
    async function poll() {
      clearTimeout(timer);
      if (done) return;
      try {
        const r = await get(`/spider/request/${enc(id)}`);
        if (done) return;
        failures = 0;
        if (r.status && r.status !== 'Handling') { stop(); onUpdate(r); resolve(r); return; }
        onUpdate(r);
      } catch (e) {
        if (done) return;
        if (e.status === 404 || ++failures > 5) { stop(); reject(e); return; }
      }
      timer = setTimeout(poll, 1000);
    }
    poll();
  });
}

// "2026-01-02T15:04:05.123Z" → local "15:04:05.123".
export function clock(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return d.toLocaleTimeString([], { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

// A service name: the API's rule (lower-case letters, digits, '-').
export function svcName(v) {
  if (!v) return 'Enter a name.';
  if (v.length > 63) return 'At most 63 characters.';
  if (!/^[a-z0-9-]+$/.test(v)) return 'Use lower-case letters, digits and "-" only.';
  if (v.startsWith('-') || v.endsWith('-')) return 'Do not start or end with "-".';
  return '';
}

// Key of a KeyValueList.
export function kv(list, key) {
  const e = (list || []).find((x) => x.Key === key || x.key === key);
  return e ? (e.Value ?? e.value) : '';
}

// The request's error or its message, as text.
export function requestError(r) {
  if (!r) return '';
  if (r.error && r.error.message) return r.error.message;
  if (r.status === 'Interrupted') return 'The server stopped while this ran (Interrupted).';
  return r.status === 'Error' ? 'The request failed.' : '';
}

export const TRANSITIONAL = ['Creating', 'Suspending', 'Resuming', 'Rebooting', 'Terminating'];
