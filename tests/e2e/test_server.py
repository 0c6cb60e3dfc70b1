"""spiderd as a server: public routes, login, transport, limits, start-up
and shutdown, and a concurrency smoke test (docs/api.md "Transport and
login", "Errors", "Server routes"; issue 2 item 3)."""
import http.client
import json
import os
import re
import signal
import socket
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Daemon, check_error, raw_http, wait_for  # noqa: E402

READY = {"message": "CB-Spider is ready"}
PUBLIC_JSON = ["/spider/health", "/spider/healthcheck", "/spider/ping",
               "/spider/readyz"]

# Every route of issue 2 that needs the login, with a body where it takes one.
PROTECTED = [
    ("GET", "/spider/cloudos", None),
    ("GET", "/spider/cloudos/metainfo/MOCK", None),
    ("GET", "/spider/driver", None),
    ("GET", "/spider/driver/mock-driver01", None),
    ("POST", "/spider/driver", {"DriverName": "d-unauth",
                                "ProviderName": "MOCK",
                                "DriverLibFileName": "mock.so"}),
    ("DELETE", "/spider/driver/mock-driver01", None),
    ("GET", "/spider/driver/capability?ConnectionName=mock-config01", None),
    ("GET", "/spider/credential", None),
    ("GET", "/spider/credential/c1", None),
    ("POST", "/spider/credential", {"CredentialName": "c-unauth",
                                    "ProviderName": "MOCK",
                                    "KeyValueInfoList": [
                                        {"Key": "MockName", "Value": "m"}]}),
    ("DELETE", "/spider/credential/c1", None),
    ("GET", "/spider/region", None),
    ("GET", "/spider/region/r1", None),
    ("POST", "/spider/region", {"RegionName": "r-unauth",
                                "ProviderName": "MOCK",
                                "KeyValueInfoList": [
                                    {"Key": "Region", "Value": "default"}]}),
    ("DELETE", "/spider/region/r1", None),
    ("GET", "/spider/connectionconfig", None),
    ("GET", "/spider/connectionconfig/mock-config01", None),
    ("POST", "/spider/connectionconfig", {"ConfigName": "cc"}),
    ("DELETE", "/spider/connectionconfig/mock-config01", None),
    ("GET", "/spider/countconnectionconfig", None),
    ("GET", "/spider/countconnectionconfig/MOCK", None),
    ("GET", "/spider/countdriver", None),
    ("GET", "/spider/countcredential", None),
    ("GET", "/spider/countregion", None),
    ("GET", "/spider/regionzone?ConnectionName=mock-config01", None),
    ("GET", "/spider/regionzone/default?ConnectionName=mock-config01", None),
    ("GET", "/spider/orgregion?ConnectionName=mock-config01", None),
    ("GET", "/spider/orgzone?ConnectionName=mock-config01", None),
    ("GET", "/spider/vmimage?ConnectionName=mock-config01", None),
    ("GET", "/spider/vmimage/mock-vmimage-01?ConnectionName=mock-config01",
     None),
    ("GET", "/spider/vmspec?ConnectionName=mock-config01", None),
    ("GET", "/spider/vmspec/mock-vmspec-01?ConnectionName=mock-config01",
     None),
    ("GET", "/spider/vmorgspec?ConnectionName=mock-config01", None),
    ("GET", "/spider/productfamily/default?ConnectionName=mock-config01",
     None),
    ("GET", "/spider/priceinfo/vm/default?ConnectionName=mock-config01",
     None),
    ("POST", "/spider/priceinfo/vm/default",
     {"ConnectionName": "mock-config01", "FilterList": []}),
    ("GET", "/spider/callhistory", None),
]


def project_version():
    """The version in the top-level CMakeLists.txt: the daemon reports it."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "..", "CMakeLists.txt")
    with open(path) as f:
        m = re.search(r"project\(\s*spider\s+VERSION\s+([0-9.]+)", f.read())
    return m.group(1)


def check_unauthorized(tc, resp):
    check_error(tc, resp, 401, "Unauthorized", message="Unauthorized")
    tc.assertEqual(resp.headers.get("WWW-Authenticate"),
                   'Basic realm="spider"', resp)


class PublicRoutesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def test_version_without_login(self):
        want = {"Version": "Spider v" + project_version()}
        for path in ("/spider/version", "/spider/ver"):
            r = self.d.get(path, auth=False)
            self.assertEqual(r.status, 200, (path, r))
            self.assertEqual(r.json(), want, path)
            self.assertIn("application/json", r.headers.get("Content-Type"))

    def test_health_and_readyz_without_login(self):
        for path in PUBLIC_JSON:
            r = self.d.get(path, auth=False)
            self.assertEqual(r.status, 200, (path, r))
            self.assertEqual(r.json(), READY, path)

    def test_public_routes_ignore_a_wrong_login(self):
        for path in PUBLIC_JSON + ["/spider/version", "/spider/ver"]:
            r = self.d.get(path, auth=("nobody", "wrong"))
            self.assertEqual(r.status, 200, (path, r))

    def test_endpointinfo_is_a_plain_text_banner(self):
        r = self.d.get("/spider/endpointinfo", auth=False)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers.get("Content-Type", "")
                        .startswith("text/plain"), r.headers)
        # the banner lists the API URL (docs/api.md "Server routes")
        self.assertIn("/spider", r.body)
        self.assertIn(self.d.url.split("://", 1)[1].split(":")[-1], r.body,
                      "the banner should show the port the daemon serves")

    def test_trailing_slash_on_public_routes(self):
        r = self.d.get("/spider/version/", auth=False)
        self.assertEqual(r.status, 200, r)
        self.assertIn("Version", r.json())
        r = self.d.get("/spider/health/", auth=False)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), READY)

    def test_url_file_and_ready_line(self):
        with open(os.path.join(self.d.data_dir, "spiderd.url")) as f:
            self.assertEqual(f.read().strip(), self.d.url)
        self.assertRegex(self.d.url, r"^http://127\.0\.0\.1:[1-9][0-9]*$")


class AuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def test_every_route_needs_a_login(self):
        for method, path, body in PROTECTED:
            with self.subTest(method=method, path=path):
                r = self.d.request(method, path, body, auth=False)
                check_unauthorized(self, r)

    def test_every_route_refuses_a_wrong_login(self):
        for method, path, body in PROTECTED:
            with self.subTest(method=method, path=path):
                r = self.d.request(method, path, body,
                                   auth=(harness.USER, "wrong-password"))
                check_unauthorized(self, r)

    def test_bad_authorization_headers(self):
        bad = [
            harness.basic_auth("nobody", harness.PASSWORD),
            harness.basic_auth(harness.USER, harness.PASSWORD + "x"),
            harness.basic_auth(harness.USER, harness.PASSWORD[:-1]),
            harness.basic_auth(harness.USER.upper(), harness.PASSWORD),
            harness.basic_auth("", ""),
            "Basic " + __import__("base64").b64encode(
                (harness.USER + harness.PASSWORD).encode()).decode(),
            "Basic !!!not-base64!!!",
            "Basic",
            "Bearer " + harness.PASSWORD,
            harness.PASSWORD,
        ]
        for value in bad:
            with self.subTest(header=value):
                r = self.d.get("/spider/driver", auth=False,
                               headers={"Authorization": value})
                check_unauthorized(self, r)

    def test_right_login_is_accepted(self):
        r = self.d.get("/spider/driver")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"driver": []})
        # the scheme name is case-insensitive (RFC 7617)
        r = self.d.get("/spider/driver", auth=False, headers={
            "Authorization": "basic " + harness.basic_auth().split(" ")[1]})
        self.assertEqual(r.status, 200, r)

    def test_refused_write_changes_nothing(self):
        r = self.d.post("/spider/driver", {
            "DriverName": "never-made", "ProviderName": "MOCK",
            "DriverLibFileName": "mock.so"}, auth=False)
        check_unauthorized(self, r)
        r = self.d.get("/spider/driver/never-made")
        check_error(self, r, 404, "NotFound",
                    message="never-made: does not exist!")


class HashedPasswordTest(unittest.TestCase):
    """SPIDER_PASSWORD may be a crypt(3) hash; clients send the clear one."""

    def check_hash(self, hashed):
        with Daemon(env={"SPIDER_PASSWORD": hashed}) as d:
            r = d.get("/spider/driver")  # harness sends the clear password
            self.assertEqual(r.status, 200, r)
            r = d.get("/spider/driver", auth=(harness.USER, "not-it"))
            check_unauthorized(self, r)
            # knowing the hash is not knowing the password
            r = d.get("/spider/driver", auth=(harness.USER, hashed))
            check_unauthorized(self, r)
            r = d.get("/spider/driver", auth=("someone", harness.PASSWORD))
            check_unauthorized(self, r)
            self.assertNotIn(harness.PASSWORD, d.stderr())

    def test_sha512_crypt_password(self):
        self.check_hash(harness.sha512_crypt(harness.PASSWORD))

    def test_yescrypt_password(self):
        hashed = harness.yescrypt_crypt(harness.PASSWORD)
        if hashed is None:
            self.skipTest("no way to make a yescrypt hash here: neither "
                          "mkpasswd (Debian package whois) nor libxcrypt")
        self.check_hash(hashed)

    def test_a_plain_password_with_dollars(self):
        # only a leading $y$ / $6$ makes a hash; a '$' inside is plain
        pw = "pa$$word$6$x"
        with Daemon(password=pw) as d:
            r = d.get("/spider/driver")
            self.assertEqual(r.status, 200, r)


class StartupTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="spider-e2e-start-")

    def tearDown(self):
        import shutil
        shutil.rmtree(self.tmp, ignore_errors=True)

    def check_refused(self, env, args=None, words=()):
        args = args if args is not None else [
            "--listen", "127.0.0.1:0", "--data-dir", self.tmp]
        rc, out, err = harness.run_spiderd(args, env=env)
        self.assertIsNotNone(rc, "spiderd kept running; it should refuse")
        self.assertNotEqual(rc, 0, err)
        self.assertNotIn("ready on", out)
        self.assertTrue(err.strip(), "spiderd should say why it refused")
        for w in words:
            self.assertIn(w, err)
        return err

    def test_refuses_to_start_without_login(self):
        err = self.check_refused({})
        self.assertTrue("SPIDER_USERNAME" in err or "SPIDER_PASSWORD" in err,
                        err)

    def test_refuses_to_start_with_half_a_login(self):
        self.check_refused({"SPIDER_USERNAME": "u"}, words=["SPIDER_PASSWORD"])
        self.check_refused({"SPIDER_PASSWORD": "p"}, words=["SPIDER_USERNAME"])
        err = self.check_refused({"SPIDER_USERNAME": "",
                                  "SPIDER_PASSWORD": ""})
        self.assertTrue("SPIDER_USERNAME" in err or "SPIDER_PASSWORD" in err,
                        err)

    def test_refuses_unknown_option(self):
        self.check_refused({"SPIDER_USERNAME": "u", "SPIDER_PASSWORD": "p"},
                           args=["--listen", "127.0.0.1:0", "--data-dir",
                                 self.tmp, "--no-such-option"],
                           words=["no-such-option"])

    def test_refuses_a_bad_body_cap(self):
        for value in ("abc", "-1", "10x"):
            with self.subTest(value=value):
                self.check_refused(
                    {"SPIDER_USERNAME": "u", "SPIDER_PASSWORD": "p"},
                    args=["--listen", "127.0.0.1:0", "--data-dir", self.tmp,
                          "--max-body", value], words=[value])

    def test_refuses_a_port_in_use(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            port = s.getsockname()[1]
            err = self.check_refused(
                {"SPIDER_USERNAME": "u", "SPIDER_PASSWORD": "p"},
                args=["--listen", f"127.0.0.1:{port}", "--data-dir",
                      self.tmp])
            self.assertIn(str(port), err)

    def test_server_address_env(self):
        for addr in ("127.0.0.1:0", ":0"):
            with self.subTest(SERVER_ADDRESS=addr):
                with Daemon(listen=None,
                            env={"SERVER_ADDRESS": addr}) as d:
                    self.assertRegex(d.url, r"^http://127\.0\.0\.1:[0-9]+$")
                    r = d.get("/spider/health", auth=False)
                    self.assertEqual(r.status, 200, r)

    def test_default_listen_address(self):
        # unset SERVER_ADDRESS and no --listen: 127.0.0.1:1024
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", 1024))
            except OSError:
                self.skipTest("port 1024 is in use here")
        d = Daemon(listen=None)
        self.addCleanup(d.cleanup)
        try:
            d.start()
        except RuntimeError as e:
            if "1024" in str(e) and not refused("http://127.0.0.1:1024"):
                self.skipTest("port 1024 was taken meanwhile")
            raise
        self.assertEqual(d.url, "http://127.0.0.1:1024")
        r = d.get("/spider/health", auth=False)
        self.assertEqual(r.status, 200, r)

    def test_loopback_only_unless_asked(self):
        ip = outward_ip()
        if ip is None:
            self.skipTest("no non-loopback IPv4 address here")
        with Daemon() as d:  # --listen 127.0.0.1:0
            port = int(d.url.rsplit(":", 1)[1])
            self.assertFalse(reachable(ip, port),
                             f"127.0.0.1 daemon answers on {ip}")
        with Daemon(listen=None, env={"SERVER_ADDRESS": f"{ip}:0"}) as d:
            port = int(d.url.rsplit(":", 1)[1])
            # any host other than 127.0.0.1 binds every interface (§1)
            self.assertTrue(reachable(ip, port))
            self.assertTrue(reachable("127.0.0.1", port))
        with Daemon(listen=None, env={"SERVER_ADDRESS": "0.0.0.0:0"}) as d:
            port = int(d.url.rsplit(":", 1)[1])
            self.assertTrue(reachable(ip, port))
            self.assertTrue(reachable("127.0.0.1", port))
            r = raw_http(f"http://{ip}:{port}", "GET", "/spider/health")
            self.assertEqual(r.status, 200, r)

    def test_data_dir_env(self):
        data = os.path.join(self.tmp, "data")
        os.mkdir(data)
        with Daemon(data_dir=data, data_dir_arg=False,
                    env={"SPIDER_DATA_DIR": data}) as d:
            r = d.post("/spider/driver", {"DriverName": "d1",
                                          "ProviderName": "MOCK",
                                          "DriverLibFileName": "mock.so"})
            self.assertEqual(r.status, 200, r)
            with open(os.path.join(data, "spiderd.url")) as f:
                self.assertEqual(f.read().strip(), d.url)
            self.assertTrue(os.path.exists(os.path.join(data, "secret.key")))

    def test_driver_dir_without_plugins(self):
        empty = os.path.join(self.tmp, "no-drivers")
        os.mkdir(empty)
        with Daemon(args=["--driver-dir", empty]) as d:
            r = d.post("/spider/driver", {"DriverName": "d1",
                                          "ProviderName": "MOCK",
                                          "DriverLibFileName": "mock.so"})
            check_error(self, r, 400, "BadRequest", message=(
                f"no driver plugin for provider 'MOCK' in '{empty}'"))
        with Daemon(env={"SPIDER_DRIVER_DIR": empty}) as d:
            r = d.post("/spider/driver", {"DriverName": "d1",
                                          "ProviderName": "MOCK",
                                          "DriverLibFileName": "mock.so"})
            check_error(self, r, 400, "BadRequest", message=(
                f"no driver plugin for provider 'MOCK' in '{empty}'"))

    def test_driver_dir_flag_with_the_build_plugins(self):
        ddir = harness.driver_dir()
        if ddir is None:
            self.skipTest("no driver directory found beside " +
                          harness.BIN_DIR)
        with Daemon(args=["--driver-dir", ddir]) as d:
            d.add_mock_connection()
            r = d.get("/spider/vmspec?ConnectionName=mock-config01")
            self.assertEqual(r.status, 200, r)


class TransportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def test_unknown_routes_are_404(self):
        # paths outside /spider are the web tool's (test_web_server.py)
        for path in ("/spider/nosuchroute", "/spider/driver/a/b/c",
                     "/spider/vmimagex", "/spider"):
            with self.subTest(path=path):
                r = self.d.get(path)
                check_error(self, r, 404, "NotFound", message="Not Found")

    def test_wrong_method_is_405(self):
        for method, path in (("PUT", "/spider/driver"),
                             ("PATCH", "/spider/driver/x"),
                             ("DELETE", "/spider/cloudos"),
                             ("POST", "/spider/countdriver"),
                             ("PUT", "/spider/vmspec"),
                             ("DELETE", "/spider/callhistory")):
            with self.subTest(method=method, path=path):
                r = self.d.request(method, path)
                check_error(self, r, 405, "MethodNotAllowed")
        r = self.d.post("/spider/version", {})
        check_error(self, r, 405, "MethodNotAllowed")

    def test_405_names_the_allowed_methods(self):
        # RFC 9110 15.5.6: a 405 carries Allow with the path's methods
        for method, path, allowed in (
                ("PUT", "/spider/driver", {"GET", "POST"}),
                ("POST", "/spider/driver/x", {"GET", "DELETE"}),
                ("DELETE", "/spider/version", {"GET"})):
            with self.subTest(method=method, path=path):
                r = self.d.request(method, path)
                check_error(self, r, 405, "MethodNotAllowed")
                got = {m.strip().upper() for m in
                       (r.headers.get("Allow") or "").split(",") if m.strip()}
                self.assertLessEqual(allowed, got, r.headers)
                self.assertNotIn(method, got)

    def test_trailing_slash_is_served_like_without(self):
        r = self.d.post("/spider/driver/", {
            "DriverName": "slash-d", "ProviderName": "MOCK",
            "DriverLibFileName": "mock.so"})
        self.assertEqual(r.status, 200, r)
        a = self.d.get("/spider/driver")
        b = self.d.get("/spider/driver/")
        self.assertEqual((a.status, b.status), (200, 200), (a, b))
        self.assertEqual(a.json(), b.json())
        r = self.d.get("/spider/driver/slash-d/")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["DriverName"], "slash-d")
        r = self.d.delete("/spider/driver/slash-d/")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"Result": "true"})
        r = self.d.get("/spider/driver/slash-d")
        self.assertEqual(r.status, 404, r)

    def test_keep_alive(self):
        u = self.d.url.split("://", 1)[1]
        host, port = u.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        self.addCleanup(conn.close)
        hdrs = {"Authorization": harness.basic_auth()}
        for i in range(50):
            conn.request("GET", "/spider/driver" if i % 2 else
                         "/spider/health", headers=hdrs)
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 200)
        # a POST with a body on the same connection, then a GET again
        conn.request("POST", "/spider/driver", body=json.dumps({
            "DriverName": "ka-d", "ProviderName": "MOCK",
            "DriverLibFileName": "mock.so"}),
            headers=dict(hdrs, **{"Content-Type": "application/json"}))
        r = conn.getresponse()
        r.read()
        self.assertEqual(r.status, 200)
        conn.request("GET", "/spider/driver/ka-d", headers=hdrs)
        r = conn.getresponse()
        self.assertEqual(json.loads(r.read())["DriverName"], "ka-d")

    def test_cors_allows_every_origin(self):
        r = self.d.get("/spider/driver",
                       headers={"Origin": "http://example.invalid"})
        self.assertEqual(r.status, 200, r)
        self.assertIn(r.headers.get("Access-Control-Allow-Origin"),
                      ("*", "http://example.invalid"), r.headers)
        # a browser's preflight carries no login
        r = self.d.request("OPTIONS", "/spider/driver", auth=False, headers={
            "Origin": "http://example.invalid",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type"})
        self.assertIn(r.status, (200, 204), r)
        self.assertIn(r.headers.get("Access-Control-Allow-Origin"),
                      ("*", "http://example.invalid"), r.headers)
        self.assertIn("POST", r.headers.get("Access-Control-Allow-Methods",
                                            "").upper())

    def test_errors_are_json(self):
        r = self.d.get("/spider/driver/none-such")
        check_error(self, r, 404, "NotFound",
                    message="none-such: does not exist!")
        self.assertIn("application/json", r.headers.get("Content-Type", ""))

    def test_default_body_cap_is_one_mebibyte(self):
        base = {"DriverName": "big-d", "ProviderName": "MOCK",
                "DriverLibFileName": "mock.so"}
        # just under 1 MiB: accepted (the padding is an unknown key)
        small = dict(base, Padding="x" * (1024 * 1024 - 200))
        data = json.dumps(small).encode()
        self.assertLess(len(data), 1024 * 1024)
        r = self.d.request("POST", "/spider/driver", raw=data,
                           headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r)
        big = dict(base, DriverName="big-d2",
                   Padding="x" * (1024 * 1024 + 10))
        data = json.dumps(big).encode()
        r = raw_http(self.d.url, "POST", "/spider/driver", body=data,
                     headers={"Content-Type": "application/json",
                              "Authorization": harness.basic_auth()})
        check_error(self, r, 413, "PayloadTooLarge")
        r = self.d.get("/spider/driver/big-d2")
        self.assertEqual(r.status, 404, r)


class BodyCapTest(unittest.TestCase):
    """--max-body / SPIDER_MAX_BODY: larger bodies get 413."""

    CAP = 1024

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(args=["--max-body", str(cls.CAP)]).start()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def body(self, size, name):
        obj = {"DriverName": name, "ProviderName": "MOCK",
               "DriverLibFileName": "mock.so", "Padding": ""}
        pad = size - len(json.dumps(obj).encode())
        obj["Padding"] = "p" * pad
        data = json.dumps(obj).encode()
        self.assertEqual(len(data), size)
        return data

    def send(self, d, method, data, chunked=False):
        hdrs = {"Content-Type": "application/json",
                "Authorization": harness.basic_auth()}
        if chunked:
            parts = [data[i:i + 100] for i in range(0, len(data), 100)]
            return raw_http(d.url, method, "/spider/driver", headers=hdrs,
                            chunks=parts)
        return raw_http(d.url, method, "/spider/driver", headers=hdrs,
                        body=data)

    def test_body_at_the_cap_is_accepted(self):
        r = self.send(self.d, "POST", self.body(self.CAP, "at-cap"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.d.get("/spider/driver/at-cap").status, 200)

    def test_body_over_the_cap_is_413(self):
        r = self.send(self.d, "POST", self.body(self.CAP + 1, "over-cap"))
        check_error(self, r, 413, "PayloadTooLarge")
        r = self.send(self.d, "POST", self.body(4 * self.CAP, "over-cap"))
        check_error(self, r, 413, "PayloadTooLarge")
        self.assertEqual(self.d.get("/spider/driver/over-cap").status, 404)

    def test_chunked_body_over_the_cap_is_413(self):
        r = self.send(self.d, "POST", self.body(3 * self.CAP, "chunked"),
                      chunked=True)
        check_error(self, r, 413, "PayloadTooLarge")
        self.assertEqual(self.d.get("/spider/driver/chunked").status, 404)

    def test_get_body_over_the_cap_is_413(self):
        data = json.dumps({"ConnectionName": "x" * (2 * self.CAP)}).encode()
        r = raw_http(self.d.url, "GET", "/spider/vmspec", body=data,
                     headers={"Content-Type": "application/json",
                              "Authorization": harness.basic_auth()})
        check_error(self, r, 413, "PayloadTooLarge")

    def test_daemon_still_serves_after_413(self):
        self.send(self.d, "POST", self.body(8 * self.CAP, "x"))
        r = self.d.get("/spider/health", auth=False)
        self.assertEqual(r.status, 200, r)

    def test_env_twin(self):
        with Daemon(env={"SPIDER_MAX_BODY": str(self.CAP)}) as d:
            r = self.send(d, "POST", self.body(self.CAP + 1, "env-over"))
            check_error(self, r, 413, "PayloadTooLarge")
            r = self.send(d, "POST", self.body(self.CAP, "env-at"))
            self.assertEqual(r.status, 200, r)


def outward_ip():
    """A non-loopback IPv4 address of this machine, or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 9))  # sends nothing
            ip = s.getsockname()[0]
    except OSError:
        return None
    return None if ip.startswith("127.") or ip == "0.0.0.0" else ip


def reachable(host, port, timeout=3):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def refused(url, timeout=3):
    """True when a new TCP connection to the daemon is refused."""
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False


class ShutdownTest(unittest.TestCase):
    def test_sigterm_finishes_the_request_in_flight(self):
        d = Daemon().start()
        self.addCleanup(d.cleanup)
        latency_ms = 2000
        d.add_mock_connection("slow", cred_extra=[
            ("MockLatencyMs", str(latency_ms))])
        result = {}

        def slow_call():
            t0 = time.monotonic()
            try:
                result["resp"] = d.get("/spider/vmspec?ConnectionName=slow",
                                       timeout=60)
            except Exception as e:  # noqa: BLE001 - reported below
                result["error"] = e
            result["elapsed"] = time.monotonic() - t0

        t = threading.Thread(target=slow_call)
        t.start()
        # give the request time to reach the driver (it then sleeps ~2 s)
        time.sleep(0.5)
        self.assertTrue(t.is_alive(), "the slow request ended too early")
        d.proc.send_signal(signal.SIGTERM)

        def probe():
            if refused(d.url):
                # still running after the refusal: it was in flight then
                return "refused" if t.is_alive() else "ended"
            return None if t.is_alive() else "ended"

        saw = wait_for(probe, timeout=10)
        t.join(60)
        self.assertFalse(t.is_alive(), "request did not finish")
        self.assertNotIn("error", result, result)
        r = result["resp"]
        self.assertEqual(r.status, 200, r)
        self.assertIn("vmspec", r.json())
        self.assertGreaterEqual(result["elapsed"], latency_ms / 1000 - 0.05)
        self.assertEqual(saw, "refused",
                         "new connections were not refused while the "
                         "request was still in flight after SIGTERM")
        try:
            rc = d.proc.wait(30)
        except Exception:  # noqa: BLE001
            rc = None
        self.assertEqual(rc, 0, d.stderr())
        self.assertTrue(refused(d.url))

    def test_sigterm_when_idle_exits_zero(self):
        d = Daemon().start()
        self.addCleanup(d.cleanup)
        d.add_mock_connection()
        self.assertEqual(d.get("/spider/vmspec?ConnectionName=mock-config01")
                         .status, 200)
        t0 = time.monotonic()
        rc = d.stop(signal.SIGTERM, timeout=30)
        self.assertEqual(rc, 0, d.stderr())
        self.assertLess(time.monotonic() - t0, 10, "slow to stop when idle")
        self.assertNotIn("AddressSanitizer", d.stderr())
        self.assertNotIn("runtime error", d.stderr())

    def test_sigint_exits_zero(self):
        d = Daemon().start()
        self.addCleanup(d.cleanup)
        self.assertEqual(d.get("/spider/driver").status, 200)
        rc = d.stop(signal.SIGINT, timeout=30)
        self.assertEqual(rc, 0, d.stderr())


class ConcurrencyTest(unittest.TestCase):
    THREADS = 32
    PER_THREAD = 20

    def test_mixed_reads_and_writes(self):
        with Daemon() as d:
            d.add_mock_connection()
            failures = []
            lock = threading.Lock()

            def worker(n):
                for i in range(self.PER_THREAD):
                    kind = (n + i) % 5
                    name = f"reg-{n}-{i}"
                    try:
                        if kind == 0:
                            r = d.get("/spider/vmspec?ConnectionName="
                                      "mock-config01", timeout=120)
                            ok = r.status == 200 and len(r.json()["vmspec"])
                        elif kind == 1:
                            r = d.get("/spider/connectionconfig/"
                                      "mock-config01", timeout=120)
                            ok = r.status == 200 and \
                                r.json()["ConfigName"] == "mock-config01"
                        elif kind == 2:
                            r = d.post("/spider/region", {
                                "RegionName": name, "ProviderName": "MOCK",
                                "KeyValueInfoList": [
                                    {"Key": "Region", "Value": "mars"}]},
                                timeout=120)
                            ok = r.status == 200
                            if ok:
                                r = d.get("/spider/region/" + name,
                                          timeout=120)
                                ok = r.status == 200 and \
                                    r.json()["RegionName"] == name
                        elif kind == 3:
                            r = d.post("/spider/credential", {
                                "CredentialName": name,
                                "ProviderName": "MOCK",
                                "KeyValueInfoList": [
                                    {"Key": "MockName", "Value": name}]},
                                timeout=120)
                            ok = r.status == 200
                            if ok:
                                r = d.delete("/spider/credential/" + name,
                                             timeout=120)
                                ok = r.status == 200 and \
                                    r.json() == {"Result": "true"}
                        else:
                            r = d.get("/spider/regionzone/mars?"
                                      "ConnectionName=mock-config01",
                                      timeout=120)
                            ok = r.status == 200 and \
                                r.json()["Name"] == "mars"
                    except Exception as e:  # noqa: BLE001
                        r, ok = e, False
                    if not ok:
                        with lock:
                            failures.append((n, i, kind, r))

            threads = [threading.Thread(target=worker, args=(n,))
                       for n in range(self.THREADS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(600)
            self.assertFalse(any(t.is_alive() for t in threads))
            self.assertEqual(failures, [], failures[:5])
            # every region written (kind 2) is there, every credential gone
            regions = {x["RegionName"]
                       for x in d.get("/spider/region").json()["region"]}
            want = {f"reg-{n}-{i}" for n in range(self.THREADS)
                    for i in range(self.PER_THREAD) if (n + i) % 5 == 2}
            self.assertLessEqual(want, regions)
            creds = {x["CredentialName"] for x in
                     d.get("/spider/credential").json()["credential"]}
            self.assertEqual(creds, {"mock-config01-cred"})
            self.assertEqual(d.get("/spider/health", auth=False).status, 200)


if __name__ == "__main__":
    unittest.main()
