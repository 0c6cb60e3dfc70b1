// The one way the web tool talks to spiderd: same-origin fetch with the
// session cookie, the CSRF header on every call, JSON in and out, and
// errors turned into plain-language messages (ApiError.message).

let csrfToken = '';
let onSessionEnded = () => {};

export function setCsrfToken(token) { csrfToken = token || ''; }
export function setSessionEndedHandler(fn) { onSessionEnded = fn; }

export class ApiError extends Error {
  constructor(status, code, serverMessage, message) {
    super(message);
    this.status = status;
    this.code = code || '';
    this.serverMessage = serverMessage || '';
  }
}

// What the user reads: what kind of failure it was, then the server's
// own words (Spider's messages name the field or object at fault).
export function plainMessage(status, code, serverMessage, { cloud = false } = {}) {
  const m = (serverMessage || '').trim();
  switch (status) {
    case 0: return 'Cannot reach the Spider server. Check that it is running and your network is up.';
    case 400: return m ? m : 'The server did not accept the request.';
    case 401:
      return cloud ? `The cloud refused the login (credential): ${m}` : 'Your session has ended. Please log in again.';
    case 403:
      if (code === 'CsrfFailed' || /csrf/i.test(m)) return 'Your session\'s security token is no longer valid. Reload the page and try again.';
      return `Not allowed: ${m || 'the cloud refused the operation.'}`;
    case 404: return m || 'Not found.';
    case 409: return m || 'That conflicts with what is already there.';
    case 413: return 'That is too large for the server to accept.';
    case 429: return 'Too many attempts. Wait a minute and try again.';
    case 501: return `This cloud does not support that: ${m}`;
    case 502: return `The cloud answered with an error: ${m}`;
    case 503: return `The server is not ready: ${m || 'try again shortly.'}`;
    case 504: return `The cloud did not answer in time${m ? ': ' + m : '.'}`;
    default:
      if (status >= 500) return `The server failed${m ? ': ' + m : '.'}`;
      return m || `Request failed (HTTP ${status}).`;
  }
}

// api('GET', '/spider/ns') → parsed JSON.  Options: body (object),
// cloud (a 401 means the cloud refused, not that our session ended),
// noCsrf, signal.
export async function api(method, path, opts = {}) {
  const headers = { Accept: 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (csrfToken && !opts.noCsrf) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
      signal: opts.signal,
    });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'Network', '', plainMessage(0));
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const serverMessage = data && typeof data.message === 'string' ? data.message : '';
    const code = data && data.code;
    if (res.status === 401 && !opts.cloud && !opts.noSessionCheck) onSessionEnded();
    throw new ApiError(res.status, code, serverMessage,
      plainMessage(res.status, code, serverMessage, { cloud: !!opts.cloud }));
  }
  if (data === null && text) {
    throw new ApiError(res.status, 'BadResponse', '', 'The server sent an answer the web tool cannot read.');
  }
  return data;
}

export const get = (p, o) => api('GET', p, o);
export const post = (p, body, o = {}) => api('POST', p, { ...o, body });
export const put = (p, body, o = {}) => api('PUT', p, { ...o, body });
export const del = (p, o) => api('DELETE', p, o);

export const enc = encodeURIComponent;
