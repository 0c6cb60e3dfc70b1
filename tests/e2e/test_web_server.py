"""spiderd serving the web tool: its files at /, the login form's session
cookie, the CSRF header that cookie-authenticated API calls carry, and CORS
kept away from cookies (docs/api.md "Web tool and sessions")."""
import http.client
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Daemon, check_error, raw_http, run_spiderd  # noqa: E402

INDEX = b"<!doctype html><title>Spider</title><div id=app></div>\n"
APP_JS = b"console.log('spider');\n"
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' "
       "'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'")
CSRF_MESSAGE = ("missing or wrong X-CSRF-Token header: read it from "
                "GET /spider/session")
WRONG_LOGIN = "wrong user name or password"


def make_web_dir():
    """A web directory like vite's dist, plus a dotfile and a symlink that
    leads out of it; returns (web dir, a directory to remove after)."""
    top = tempfile.mkdtemp(prefix="spider-web-")
    web = os.path.join(top, "dist")
    os.makedirs(os.path.join(web, "assets"))
    with open(os.path.join(web, "index.html"), "wb") as f:
        f.write(INDEX)
    with open(os.path.join(web, "assets", "app-1234.js"), "wb") as f:
        f.write(APP_JS)
    with open(os.path.join(web, "favicon.ico"), "wb") as f:
        f.write(b"\0\0\1\0")
    with open(os.path.join(web, ".env"), "w") as f:
        f.write("SECRET=1\n")
    with open(os.path.join(top, "outside.txt"), "w") as f:
        f.write("not for the web\n")
    os.symlink(os.path.join(top, "outside.txt"),
               os.path.join(web, "outside.txt"))
    os.symlink(os.path.join(web, "assets", "app-1234.js"),
               os.path.join(web, "inside.js"))
    return web, top


def login(d, user=harness.USER, password=harness.PASSWORD):
    return d.post("/spider/login", {"username": user, "password": password},
                  auth=False)


def session_cookie(resp):
    """The spider_session value of a Set-Cookie header."""
    m = re.match(r"spider_session=([^;]*)", resp.headers.get("Set-Cookie", ""))
    assert m, resp.headers
    return m.group(1)


def cookie_attrs(resp):
    parts = [p.strip() for p in resp.headers["Set-Cookie"].split(";")]
    return {p.split("=", 1)[0].lower(): (p.split("=", 1) + [""])[1]
            for p in parts[1:]}


def with_cookie(cookie, csrf=None, **extra):
    h = {"Cookie": "theme=dark; spider_session=" + cookie}
    if csrf is not None:
        h["X-CSRF-Token"] = csrf
    h.update(extra)
    return h


def host_port(d):
    u = urllib.parse.urlsplit(d.url)
    return u.hostname, u.port


class StaticFilesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.web, cls.top = make_web_dir()
        cls.d = Daemon(args=["--web-dir", cls.web]).start()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()
        shutil.rmtree(cls.top, ignore_errors=True)

    def check_index(self, r):
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body.encode(), INDEX)
        self.assertEqual(r.headers.get("Content-Type"),
                         "text/html; charset=utf-8")
        self.assertEqual(r.headers.get("Cache-Control"), "no-cache")
        self.assertEqual(r.headers.get("Content-Security-Policy"), CSP)
        self.assertEqual(r.headers.get("X-Content-Type-Options"), "nosniff")
        self.assertEqual(r.headers.get("Referrer-Policy"), "same-origin")
        self.assertIsNone(r.headers.get("Access-Control-Allow-Origin"))

    def test_root_is_index_without_login(self):
        self.check_index(self.d.get("/", auth=False))
        self.check_index(self.d.get("/index.html", auth=False))

    def test_client_routes_get_index(self):
        for path in ("/mcis", "/connections/mock-config01",
                     "/ns/demo/mcis/web?tab=vms", "/spiderx", "/assets/"):
            with self.subTest(path=path):
                self.check_index(self.d.get(path, auth=False))

    def test_asset_is_immutable(self):
        r = self.d.get("/assets/app-1234.js", auth=False)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body.encode(), APP_JS)
        self.assertEqual(r.headers.get("Content-Type"),
                         "text/javascript; charset=utf-8")
        self.assertEqual(r.headers.get("Cache-Control"),
                         "public, max-age=31536000, immutable")
        self.assertEqual(r.headers.get("X-Content-Type-Options"), "nosniff")
        self.assertIsNone(r.headers.get("Content-Security-Policy"))

    def test_other_files_by_type(self):
        r = self.d.get("/favicon.ico", auth=False)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("Content-Type"), "image/x-icon")
        self.assertEqual(r.headers.get("Cache-Control"), "no-cache")
        # a symlink that stays inside the directory is followed
        r = self.d.get("/inside.js", auth=False)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body.encode(), APP_JS)
        # percent-encoded names decode
        r = self.d.get("/assets/app%2d1234.js", auth=False)
        self.assertEqual(r.body.encode(), APP_JS)

    def test_escapes_and_dotfiles_are_refused(self):
        for path in ("/../outside.txt", "/assets/../../outside.txt",
                     "/%2e%2e/outside.txt", "/%2E%2E%2foutside.txt",
                     "/assets/%2e%2e/%2e%2e/outside.txt",
                     "/.env", "/%2eenv", "/assets/.env", "/outside.txt",
                     "/bad%zzescape", "/nul%00byte"):
            with self.subTest(path=path):
                r = raw_http(self.d.url, "GET", path)
                self.assertEqual(r.status, 404, (path, r))
                self.assertNotIn("not for the web", r.body)
                self.assertNotIn("SECRET", r.body)
                self.assertEqual(r.json()["code"], "NotFound")

    def test_head(self):
        r = self.d.request("HEAD", "/", auth=False)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, "")
        self.assertEqual(r.headers.get("Content-Length"), str(len(INDEX)))
        self.assertEqual(r.headers.get("Content-Security-Policy"), CSP)
        r = self.d.request("HEAD", "/assets/app-1234.js", auth=False)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("Content-Length"), str(len(APP_JS)))

    def test_other_methods_are_405(self):
        r = self.d.post("/", {}, auth=False)
        check_error(self, r, 405, "MethodNotAllowed")
        self.assertEqual(r.headers.get("Allow"), "GET, HEAD")

    def test_api_still_needs_a_login(self):
        r = self.d.get("/spider/driver", auth=False)
        check_error(self, r, 401, "Unauthorized")
        self.assertEqual(r.headers.get("WWW-Authenticate"),
                         'Basic realm="spider"')
        # unknown API paths stay the API's: no index.html under /spider
        r = self.d.get("/spider/nosuch")
        check_error(self, r, 404, "NotFound", message="Not Found")
        r = self.d.get("//spider/driver", auth=False)
        self.assertEqual(r.status, 401, r)


class NoWebDirTest(unittest.TestCase):
    def test_clear_404(self):
        with Daemon(args=["--web-dir", ""]) as d:
            for path in ("/", "/assets/app-1234.js", "/mcis"):
                with self.subTest(path=path):
                    r = d.get(path, auth=False)
                    msg = check_error(self, r, 404, "NotFound")
                    self.assertIn("web tool is not built", msg)
                    self.assertIn("npm run build", msg)
                    self.assertIn("--web-dir", msg)
            self.assertEqual(d.get("/spider/driver").status, 200)

    def test_env_twin_empty_means_none(self):
        with Daemon(env={"SPIDER_WEB_DIR": ""}) as d:
            r = d.get("/", auth=False)
            self.assertIn("not built", r.json()["message"])

    def test_env_twin_serves(self):
        web, top = make_web_dir()
        self.addCleanup(shutil.rmtree, top, True)
        with Daemon(env={"SPIDER_WEB_DIR": web}) as d:
            r = d.get("/", auth=False)
            self.assertEqual(r.body.encode(), INDEX)

    def test_missing_web_dir_refuses_to_start(self):
        data = tempfile.mkdtemp(prefix="spider-e2e-")
        self.addCleanup(shutil.rmtree, data, True)
        rc, out, err = run_spiderd(
            ["--listen", "127.0.0.1:0", "--data-dir", data,
             "--web-dir", "/nonexistent/web"], keep_login=True,
            env={"SPIDER_USERNAME": harness.USER,
                 "SPIDER_PASSWORD": harness.PASSWORD})
        self.assertEqual(rc, 1, (out, err))
        self.assertIn("/nonexistent/web", err)

    def test_bad_session_idle(self):
        rc, out, err = run_spiderd(env={"SPIDER_SESSION_IDLE_S": "soon"},
                                   keep_login=True)
        self.assertEqual(rc, 2, (out, err))
        self.assertIn("SPIDER_SESSION_IDLE_S", err)


class SessionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.web, cls.top = make_web_dir()
        cls.d = Daemon(args=["--web-dir", cls.web]).start()
        cls.d.add_mock_connection()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()
        shutil.rmtree(cls.top, ignore_errors=True)

    def new_session(self):
        r = login(self.d)
        self.assertEqual(r.status, 200, r)
        return session_cookie(r), r.json()["csrfToken"]

    def test_login(self):
        r = login(self.d)
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(set(body), {"user", "csrfToken", "expiresIn"})
        self.assertEqual(body["user"], harness.USER)
        self.assertRegex(body["csrfToken"], r"^[0-9a-f]{64}$")
        self.assertEqual(body["expiresIn"], 8 * 3600)
        cookie = session_cookie(r)
        self.assertRegex(cookie, r"^[0-9a-f]{64}$")
        self.assertNotEqual(cookie, body["csrfToken"])
        attrs = cookie_attrs(r)
        self.assertEqual(attrs.get("path"), "/")
        self.assertIn("httponly", attrs)
        self.assertEqual(attrs.get("samesite"), "Strict")
        self.assertNotIn("secure", attrs)  # plain HTTP
        self.assertNotIn("max-age", attrs)
        self.assertIsNone(r.headers.get("Access-Control-Allow-Origin"))
        # each login is a new session
        self.assertNotEqual(session_cookie(login(self.d)), cookie)

    def test_wrong_login_same_message(self):
        for user, password in ((harness.USER, "wrong"),
                               ("nobody", harness.PASSWORD),
                               ("nobody", "wrong"), ("", "")):
            with self.subTest(user=user, password=password):
                r = login(self.d, user, password)
                check_error(self, r, 401, "Unauthorized",
                            message=WRONG_LOGIN)
                self.assertIsNone(r.headers.get("Set-Cookie"))
                # no Basic challenge: a browser would pop up its own login
                self.assertIsNone(r.headers.get("WWW-Authenticate"))
        r = self.d.post("/spider/login", None, auth=False)
        check_error(self, r, 401, "Unauthorized", message=WRONG_LOGIN)
        r = self.d.post("/spider/login", {"username": 1, "password": 2},
                        auth=False)
        self.assertEqual(r.status, 400, r)
        # 6 failures here: under the limit of 10, and a good login clears them
        self.assertEqual(login(self.d).status, 200)

    def test_session_route(self):
        cookie, csrf = self.new_session()
        r = self.d.get("/spider/session", auth=False,
                       headers=with_cookie(cookie))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"user": harness.USER, "csrfToken": csrf,
                                    "expiresIn": 8 * 3600})
        for headers in ({}, with_cookie("0" * 64), with_cookie("junk")):
            with self.subTest(headers=headers):
                r = self.d.get("/spider/session", auth=False,
                               headers=headers)
                check_error(self, r, 401, "Unauthorized")
                self.assertIsNone(r.headers.get("WWW-Authenticate"))
        # Basic auth is a login but not a session
        r = self.d.get("/spider/session")
        check_error(self, r, 401, "Unauthorized")

    def test_api_with_cookie_needs_csrf(self):
        cookie, csrf = self.new_session()
        r = self.d.get("/spider/connectionconfig", auth=False,
                       headers=with_cookie(cookie, csrf))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(
            r.json()["connectionconfig"][0]["ConfigName"], "mock-config01")
        self.assertIsNone(r.headers.get("Access-Control-Allow-Origin"))
        self.assertIsNone(r.headers.get("Access-Control-Allow-Credentials"))
        r = self.d.post("/spider/driver", {
            "DriverName": "cookie-d", "ProviderName": "MOCK",
            "DriverLibFileName": "mock-driver-v1.0.so"}, auth=False,
            headers=with_cookie(cookie, csrf))
        self.assertEqual(r.status, 200, r)
        for method, path, body in (
                ("GET", "/spider/connectionconfig", None),
                ("POST", "/spider/driver", {"DriverName": "no-csrf-d",
                                            "ProviderName": "MOCK",
                                            "DriverLibFileName": "m.so"}),
                ("DELETE", "/spider/driver/cookie-d", None),
                # a GET that changes state needs it too
                ("GET", "/spider/ns/demo/control/mcis/web?action=suspend",
                 None),
                ("POST", "/spider/logout", None),
                ("GET", "/spider/nosuch", None)):
            for token in (None, "", csrf[:-1], "0" * 64, csrf + "0"):
                with self.subTest(method=method, path=path, token=token):
                    r = self.d.request(method, path, body, auth=False,
                                       headers=with_cookie(cookie, token))
                    check_error(self, r, 403, "Forbidden",
                                message=CSRF_MESSAGE)
                    self.assertIsNone(
                        r.headers.get("Access-Control-Allow-Origin"))
        # nothing was changed by the refused calls
        self.assertEqual(self.d.get("/spider/driver/no-csrf-d").status, 404)
        self.assertEqual(self.d.get("/spider/driver/cookie-d").status, 200)
        # and the session is still there
        r = self.d.get("/spider/session", auth=False,
                       headers=with_cookie(cookie))
        self.assertEqual(r.status, 200, r)

    def test_basic_auth_needs_no_csrf(self):
        r = self.d.get("/spider/connectionconfig")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("Access-Control-Allow-Origin"), "*")
        self.assertIsNone(r.headers.get("Access-Control-Allow-Credentials"))
        # Basic wins over a cookie: no CSRF header needed then either
        cookie, _ = self.new_session()
        r = self.d.get("/spider/connectionconfig",
                       headers=with_cookie(cookie))
        self.assertEqual(r.status, 200, r)

    def test_expired_cookie_gets_no_basic_challenge(self):
        r = self.d.get("/spider/driver", auth=False,
                       headers=with_cookie("f" * 64, "f" * 64))
        check_error(self, r, 401, "Unauthorized")
        self.assertIsNone(r.headers.get("WWW-Authenticate"))
        self.assertIsNone(r.headers.get("Access-Control-Allow-Origin"))

    def test_events_with_only_the_cookie(self):
        cookie, _ = self.new_session()
        host, port = host_port(self.d)
        conn = http.client.HTTPConnection(host, port, timeout=30)
        self.addCleanup(conn.close)
        conn.request("GET", "/spider/events", headers=with_cookie(cookie))
        r = conn.getresponse()
        self.assertEqual(r.status, 200)
        self.assertTrue(r.getheader("Content-Type", "")
                        .startswith("text/event-stream"))
        self.assertIsNone(r.getheader("Access-Control-Allow-Origin"))
        # the stream is open (its content is test_events.py's business)
        self.assertTrue(r.readline())
        conn.close()
        # without a cookie (or with a dead one) it is 401
        r = self.d.get("/spider/events", auth=False,
                       headers=with_cookie("0" * 64))
        check_error(self, r, 401, "Unauthorized")

    def test_logout(self):
        cookie, csrf = self.new_session()
        r = self.d.post("/spider/logout", None, auth=False,
                        headers=with_cookie(cookie, csrf))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(session_cookie(r), "")
        self.assertEqual(cookie_attrs(r).get("max-age"), "0")
        self.assertEqual(cookie_attrs(r).get("path"), "/")
        for path in ("/spider/session", "/spider/driver"):
            r = self.d.get(path, auth=False, headers=with_cookie(cookie, csrf))
            check_error(self, r, 401, "Unauthorized")
        # another session lives on
        other, other_csrf = self.new_session()
        r = self.d.get("/spider/driver", auth=False,
                       headers=with_cookie(other, other_csrf))
        self.assertEqual(r.status, 200, r)

    def test_preflight_allows_the_csrf_header(self):
        r = self.d.request("OPTIONS", "/spider/driver", auth=False, headers={
            "Origin": "http://example.invalid",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-csrf-token"})
        self.assertIn(r.status, (200, 204), r)
        allowed = [h.strip().lower() for h in
                   r.headers.get("Access-Control-Allow-Headers").split(",")]
        for h in ("authorization", "content-type", "last-event-id",
                  "x-request-id", "x-csrf-token"):
            self.assertIn(h, allowed)
        self.assertIsNone(r.headers.get("Access-Control-Allow-Credentials"))

    def test_public_routes_with_a_cookie_have_no_cors(self):
        cookie, _ = self.new_session()
        r = self.d.get("/spider/version", auth=False,
                       headers=with_cookie(cookie))
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.headers.get("Access-Control-Allow-Origin"))
        r = self.d.get("/spider/version", auth=False)
        self.assertEqual(r.headers.get("Access-Control-Allow-Origin"), "*")


class SessionLimitsTest(unittest.TestCase):
    def test_idle_expiry(self):
        with Daemon(env={"SPIDER_SESSION_IDLE_S": "1"}) as d:
            r = login(d)
            self.assertEqual(r.json()["expiresIn"], 1)
            cookie, csrf = session_cookie(r), r.json()["csrfToken"]
            # use refreshes it: three uses over more than the idle time
            for _ in range(3):
                time.sleep(0.5)
                r = d.get("/spider/driver", auth=False,
                          headers=with_cookie(cookie, csrf))
                self.assertEqual(r.status, 200, r)
            time.sleep(1.3)
            r = d.get("/spider/session", auth=False,
                      headers=with_cookie(cookie))
            check_error(self, r, 401, "Unauthorized")

    def test_429_after_ten_bad_logins(self):
        with Daemon() as d:
            for i in range(10):
                r = login(d, password="wrong")
                check_error(self, r, 401, "Unauthorized",
                            message=WRONG_LOGIN)
            for password in ("wrong", harness.PASSWORD):
                r = login(d, password=password)
                self.assertEqual(r.status, 429, r)
                self.assertEqual(r.json()["code"], "TooManyRequests")
                self.assertIn("try again in", r.json()["message"])
                wait = int(r.headers.get("Retry-After"))
                self.assertTrue(1 <= wait <= 61, wait)
                self.assertIn(f"{wait} s", r.json()["message"])
                self.assertIsNone(r.headers.get("Set-Cookie"))
            # Basic auth and static files are not held up
            self.assertEqual(d.get("/spider/driver").status, 200)

    def test_session_cap(self):
        with Daemon() as d:
            host, port = host_port(d)
            conn = http.client.HTTPConnection(host, port, timeout=30)
            self.addCleanup(conn.close)
            body = ('{"username":"%s","password":"%s"}'
                    % (harness.USER, harness.PASSWORD))
            sessions = []
            for _ in range(1001):
                conn.request("POST", "/spider/login", body=body,
                             headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                self.assertEqual(r.status, 200)
                m = re.match(r"spider_session=([0-9a-f]+)",
                             r.getheader("Set-Cookie"))
                sessions.append(m.group(1))
            self.assertEqual(len(set(sessions)), 1001)
            r = d.get("/spider/session", auth=False,
                      headers=with_cookie(sessions[0]))
            check_error(self, r, 401, "Unauthorized")
            for cookie in (sessions[1], sessions[-1]):
                r = d.get("/spider/session", auth=False,
                          headers=with_cookie(cookie))
                self.assertEqual(r.status, 200, r)

    def test_concurrent_sessions(self):
        """Logins, uses and logouts from many threads at once (TSan)."""
        failures = []

        def worker():
            for _ in range(10):
                r = login(d)
                if r.status != 200:
                    failures.append(r)
                    return
                cookie, csrf = session_cookie(r), r.json()["csrfToken"]
                for path in ("/spider/session", "/spider/driver"):
                    r = d.get(path, auth=False,
                              headers=with_cookie(cookie, csrf))
                    if r.status != 200:
                        failures.append(r)
                r = d.post("/spider/logout", None, auth=False,
                           headers=with_cookie(cookie, csrf))
                if r.status != 200:
                    failures.append(r)

        with Daemon() as d:
            threads = [threading.Thread(target=worker) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        self.assertEqual(failures, [])

    def test_restart_logs_everyone_out(self):
        d = Daemon().start()
        self.addCleanup(d.cleanup)
        cookie = session_cookie(login(d))
        d.stop()
        d.start()
        r = d.get("/spider/session", auth=False, headers=with_cookie(cookie))
        check_error(self, r, 401, "Unauthorized")


if __name__ == "__main__":
    unittest.main()
