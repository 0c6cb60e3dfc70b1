// The daemon's event stream (GET /spider/events, Server-Sent Events).
// EventSource resumes by itself with Last-Event-ID after a dropped
// connection; when the daemon answers `reset` (our place is gone from its
// buffer, or it restarted) every subscriber re-reads what it shows.  When
// the browser gives up (an HTTP error such as 401/503), we reconnect
// ourselves with a growing delay.

const KINDS = ['config', 'mcis', 'vm', 'request'];
const listeners = new Set();      // fn(event)
const resyncers = new Set();      // fn()
const stateListeners = new Set(); // fn(state)
let es = null;
let state = 'off';                // off | connecting | live | retrying
let retryMs = 1000;
let retryTimer = null;
let lastId = null;

function setState(s) {
  state = s;
  for (const fn of stateListeners) fn(s);
}

function dispatch(ev) {
  let msg;
  try { msg = JSON.parse(ev.data); } catch { return; }
  if (ev.lastEventId) lastId = ev.lastEventId;
  for (const fn of listeners) {
    try { fn(msg); } catch (e) { console.warn('event listener failed', e); }
  }
}

function resync() {
  for (const fn of resyncers) {
    try { fn(); } catch (e) { console.warn('resync failed', e); }
  }
}

export function startEvents() {
  if (es) return;
  setState('connecting');
  const url = '/spider/events' + (lastId ? `?lastEventId=${encodeURIComponent(lastId)}` : '');
  es = new EventSource(url, { withCredentials: true });
  let resumed = lastId !== null;
  es.addEventListener('open', () => { retryMs = 1000; setState('live'); });
  es.addEventListener('hello', (ev) => {
    lastId = ev.lastEventId || lastId;
    // A fresh stream after we had lost ours: we may have missed events.
    if (resumed) resync();
    resumed = true;
  });
  es.addEventListener('reset', (ev) => { lastId = ev.lastEventId || lastId; resync(); });
  for (const k of KINDS) es.addEventListener(k, dispatch);
  es.addEventListener('error', () => {
    if (!es) return;
    if (es.readyState === EventSource.CLOSED) {
      es = null;
      setState('retrying');
      clearTimeout(retryTimer);
      retryTimer = setTimeout(startEvents, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    } else {
      setState('retrying'); // the browser reconnects by itself
    }
  });
}

export function stopEvents() {
  clearTimeout(retryTimer);
  if (es) { es.close(); es = null; }
  lastId = null;
  setState('off');
}

// subscribe(fn) → unsubscribe; fn gets {seq, kind, ns, time, data}.
export function onEvent(fn) { listeners.add(fn); return () => listeners.delete(fn); }
export function onResync(fn) { resyncers.add(fn); return () => resyncers.delete(fn); }
export function onStreamState(fn) { stateListeners.add(fn); fn(state); return () => stateListeners.delete(fn); }
