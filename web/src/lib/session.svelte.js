import { get, post, setCsrfToken, setSessionEndedHandler } from './api.js';

// Who is logged in, and the namespace the pages work in (kept per user in
// localStorage as the default for the next session).
export const session = $state({
  checked: false,   // has GET /spider/session answered yet
  user: '',
  ns: '',           // chosen namespace ('' = not chosen yet)
  ended: false,     // the session ran out while the app was open
});

const nsKey = (user) => `spider.ns.${user}`;

export async function checkSession() {
  try {
    const s = await get('/spider/session', { noCsrf: true, noSessionCheck: true });
    setCsrfToken(s.csrfToken);
    session.user = s.user;
    session.ns = localStorage.getItem(nsKey(s.user)) || '';
  } catch {
    session.user = '';
  }
  session.checked = true;
}

export async function login(username, password) {
  const s = await post('/spider/login', { username, password }, { noSessionCheck: true });
  setCsrfToken(s.csrfToken);
  session.user = s.user || username;
  session.ended = false;
  session.ns = localStorage.getItem(nsKey(session.user)) || '';
}

export async function logout() {
  try { await post('/spider/logout', {}, { noSessionCheck: true }); } catch { /* gone anyway */ }
  setCsrfToken('');
  session.user = '';
  session.ns = '';
}

export function setNamespace(ns) {
  session.ns = ns;
  if (session.user) {
    if (ns) localStorage.setItem(nsKey(session.user), ns);
    else localStorage.removeItem(nsKey(session.user));
  }
}

setSessionEndedHandler(() => {
  if (session.user) {
    session.user = '';
    session.ended = true;
    setCsrfToken('');
  }
});

// The namespaces, shared by the header's picker and the Namespaces page.
export const nsState = $state({ list: [], loaded: false, error: null });

export async function loadNamespaces() {
  try {
    const r = await get('/spider/ns');
    nsState.list = (r.ns || []).slice().sort((a, b) => a.id.localeCompare(b.id));
    nsState.error = null;
    if (session.ns && !nsState.list.some((n) => n.id === session.ns)) setNamespace('');
  } catch (e) {
    nsState.error = e;
  }
  nsState.loaded = true;
}
