// DEVELOPMENT AID ONLY — not used by CTest.
// Until spiderd serves the web tool and its login routes itself, this
// stands in front of a spiderd that has only Basic auth, speaking the
// contract the daemon will speak: web/dist at "/" (index.html for
// unknown paths) under the same Content-Security-Policy, POST
// /spider/login → session cookie + csrfToken, GET /spider/session, POST
// /spider/logout, the X-CSRF-Token check, and everything else forwarded
// to spiderd with the Basic login added.  run.mjs uses it only when
// SPIDER_BROWSER_SHIM=1 is set, and then says loudly that the real
// daemon was not tested.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'";
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml' };

export function startShim({ upstream, webDir, user, password }) {
  const sessions = new Map(); // sid → csrf
  const basic = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
  const json = (res, status, obj, headers = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(obj));
  };
  const sidOf = (req) => (/(?:^|;\s*)sid=([a-f0-9]+)/.exec(req.headers.cookie || '') || [])[1];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (!url.pathname.startsWith('/spider')) {
      let file = path.join(webDir, path.normalize(url.pathname).replace(/^(\.\.[/\\])+/, ''));
      if (!file.startsWith(webDir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(webDir, 'index.html');
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', 'Content-Security-Policy': CSP });
      fs.createReadStream(file).pipe(res);
      return;
    }
    let body = [];
    req.on('data', (c) => body.push(c));
    req.on('end', () => {
      body = Buffer.concat(body);
      const sid = sidOf(req);
      if (url.pathname === '/spider/login' && req.method === 'POST') {
        let b = {};
        try { b = JSON.parse(body.toString() || '{}'); } catch { /* */ }
        if (b.username !== user || b.password !== password) return json(res, 401, { message: 'wrong user name or password', code: 'Unauthorized' });
        const s = crypto.randomBytes(16).toString('hex');
        const csrf = crypto.randomBytes(16).toString('hex');
        sessions.set(s, csrf);
        return json(res, 200, { user, csrfToken: csrf, expiresIn: 3600 }, { 'Set-Cookie': `sid=${s}; HttpOnly; SameSite=Strict; Path=/` });
      }
      if (url.pathname === '/spider/session' && req.method === 'GET') {
        if (!sid || !sessions.has(sid)) return json(res, 401, { message: 'Unauthorized', code: 'Unauthorized' });
        return json(res, 200, { user, csrfToken: sessions.get(sid) });
      }
      if (!sid || !sessions.has(sid)) return json(res, 401, { message: 'Unauthorized', code: 'Unauthorized' });
      if (url.pathname === '/spider/logout') { sessions.delete(sid); return json(res, 200, { Result: 'true' }); }
      if (url.pathname !== '/spider/events' && req.headers['x-csrf-token'] !== sessions.get(sid)) {
        return json(res, 403, { message: 'CSRF token missing or wrong', code: 'Forbidden' });
      }
      const up = new URL(upstream);
      const headers = { ...req.headers, authorization: basic, host: up.host };
      delete headers.cookie;
      const preq = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers }, (pres) => {
        res.writeHead(pres.statusCode, pres.headers);
        pres.pipe(res);
      });
      preq.on('error', (e) => json(res, 502, { message: String(e), code: 'Internal' }));
      preq.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}
