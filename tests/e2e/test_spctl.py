"""End-to-end tests of spctl, the command-line client.

The daemon tests start a real spiderd (harness.Daemon) and drive it only
through spctl.  The tests that need no daemon (help, usage errors, an
unreachable server) and the ones that need a misbehaving server (too large
a response, a body that is not ours) use a small fake HTTP server in this
process instead.

Run: SPIDER_BIN_DIR=<build>/bin python3 -m unittest tests/e2e/test_spctl.py
"""
import base64
import http.server
import json
import os
import pty
import re
import select
import socket
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SPCTL = harness.SPCTL

# Every command and its verbs (None: the command takes no verb).
COMMANDS = {
    "cloudos": ["list", "metainfo"],
    "driver": ["create", "list", "get", "delete", "count"],
    "credential": ["create", "list", "get", "delete", "count"],
    "region": ["create", "list", "get", "delete", "count"],
    "connection": ["create", "list", "get", "delete", "count", "check"],
    "regionzone": ["list", "get", "preconfig", "org", "orgzone"],
    "image": ["list", "get"],
    "spec": ["list", "get", "org"],
    "price": ["families", "get"],
    "capability": None,
    "callhistory": None,
    "version": None,
    "health": None,
}

MOCK_IMAGES = [f"mock-vmimage-0{i}" for i in range(1, 6)]
MOCK_SPECS = [f"mock-vmspec-0{i}" for i in range(1, 5)]
MOCK_REGIONS = ["default", "mercury", "venus", "mars", "jupiter", "saturn",
                "uranus", "neptune"]

# Exact output, alignment included, for the mock cloud's specs.
GOLDEN_SPEC_LIST = """\
NAME            VCPU  MEMORY(MiB)  GPU             PRICE
mock-vmspec-01  4     32768        2x NVIDIA V100  3.0600
mock-vmspec-02  4     16384        1x NVIDIA V100  1.5300
mock-vmspec-03  8     62464        -               0.4480
mock-vmspec-04  8     1024         -               0.0928
"""


def spctl(*args, env=None, stdin=None, server=None, user=harness.USER,
          password=harness.PASSWORD, timeout=60):
    """Run spctl with a clean environment and no terminal; return the
    CompletedProcess."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("SPIDER_")}
    if server:
        e["SPIDER_SERVER"] = server
    if user is not None:
        e["SPIDER_USERNAME"] = user
    if password is not None:
        e["SPIDER_PASSWORD"] = password
    e.update(env or {})
    feed = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
    return subprocess.run([SPCTL, *args], capture_output=True, text=True,
                          env=e, timeout=timeout, **feed)


def table(out):
    """Parse an aligned table into (header, rows); columns are split on
    runs of two or more spaces, which no cell of these tests contains."""
    lines = [l for l in out.splitlines() if l.strip()]
    split = [re.split(r"\s{2,}", l.strip()) for l in lines]
    return split[0], split[1:]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SpctlCase(unittest.TestCase):
    def assertOk(self, r):
        self.assertEqual(r.returncode, 0, f"stdout={r.stdout!r} stderr={r.stderr!r}")

    def assertFails(self, r, code=1):
        self.assertEqual(r.returncode, code, f"stdout={r.stdout!r} stderr={r.stderr!r}")
        self.assertTrue(r.stderr.startswith("spctl: "), r.stderr)


# --- no server needed ---------------------------------------------------

class HelpTest(SpctlCase):
    def test_top_level_help_lists_every_command(self):
        r = spctl("--help")
        self.assertOk(r)
        self.assertIn("Usage: spctl", r.stdout)
        for cmd in COMMANDS:
            self.assertRegex(r.stdout, rf"(?m)^  {cmd}\s")
        self.assertIn("SPIDER_PASSWORD", r.stdout)
        self.assertIn("ps", r.stdout)  # -p is visible to other users

    def test_every_command_and_verb_has_help(self):
        for cmd, verbs in COMMANDS.items():
            with self.subTest(cmd=cmd):
                r = spctl(cmd, "--help")
                self.assertOk(r)
                self.assertIn(f"Usage: spctl {cmd}", r.stdout)
                for verb in verbs or []:
                    self.assertIn(verb, r.stdout)
            for verb in verbs or []:
                with self.subTest(cmd=cmd, verb=verb):
                    r = spctl(cmd, verb, "--help")
                    self.assertOk(r)
                    self.assertIn(f"Usage: spctl {cmd} {verb}", r.stdout)
                    self.assertEqual(r.stderr, "")

    def test_version(self):
        r = spctl("--version")
        self.assertOk(r)
        self.assertRegex(r.stdout, r"^spctl \d+\.\d+\.\d+\n$")
        self.assertEqual(r.stderr, "")
        self.assertIn("--version", spctl("--help").stdout)
        # Like --help, it wins over the rest of the line.
        for args in (("--version", "driver", "create"),
                     ("regionzone", "preconfig", "--version")):
            with self.subTest(args=args):
                self.assertEqual(spctl(*args).stdout, r.stdout)

    def test_help_wins_over_missing_options(self):
        r = spctl("connection", "create", "-h")
        self.assertOk(r)
        for opt in ("--name", "--provider", "--driver", "--credential", "--region"):
            self.assertIn(opt, r.stdout)


class UsageTest(SpctlCase):
    def usage(self, *args, hint="spctl", **kw):
        r = spctl(*args, server="http://127.0.0.1:1", **kw)
        self.assertFails(r, 2)
        self.assertIn(f"Try '{hint} --help'.", r.stderr)
        self.assertEqual(r.stdout, "")
        return r

    def test_no_command(self):
        self.usage()

    def test_unknown_command_and_verb(self):
        self.assertIn("unknown command 'bogus'", self.usage("bogus").stderr)
        self.assertIn("no verb 'frob'", self.usage("driver", "frob", hint="spctl driver").stderr)
        self.usage("driver", hint="spctl driver")

    def test_missing_required_option(self):
        r = self.usage("driver", "create", "--name", "d1", hint="spctl driver create")
        self.assertIn("missing --provider", r.stderr)

    def test_unknown_option(self):
        r = self.usage("driver", "list", "--frob", hint="spctl driver list")
        self.assertIn("--frob", r.stderr)

    def test_option_without_value(self):
        self.usage("driver", "create", "--name", hint="spctl driver create")

    def test_positional_arguments_counted(self):
        self.usage("driver", "get", hint="spctl driver get")
        self.usage("driver", "get", "a", "b", hint="spctl driver get")

    def test_connection_required_for_catalogue(self):
        r = self.usage("image", "list", hint="spctl image list")
        self.assertIn("SPIDER_CONNECTION", r.stderr)
        self.usage("regionzone", "org", hint="spctl regionzone org")
        self.usage("regionzone", "orgzone", hint="spctl regionzone orgzone")

    def test_preconfig_needs_driver_and_credential(self):
        hint = "spctl regionzone preconfig"
        r = self.usage("regionzone", "preconfig", "-C", "c", hint=hint)
        self.assertIn("missing --driver", r.stderr)
        r = self.usage("regionzone", "preconfig", "-d", "d", hint=hint)
        self.assertIn("missing --credential", r.stderr)
        self.usage("regionzone", "preconfig", "a", "b", "-d", "d", "-C", "c", hint=hint)

    def test_check_needs_a_name(self):
        self.usage("connection", "check", hint="spctl connection check")

    def test_bad_values(self):
        self.usage("callhistory", "--limit", "ten", hint="spctl callhistory")
        self.usage("--timeout", "soon", "version")
        self.usage("--version=1", "version")
        r = self.usage("credential", "create", "-n", "c", "-P", "MOCK",
                       "--kv", "MockName", hint="spctl credential create")
        self.assertIn("KEY=VALUE", r.stderr)

    def test_stdin_read_once(self):
        r = self.usage("credential", "create", "-n", "c", "-P", "AWS",
                       "--kv", "ClientId=-", "--kv", "ClientSecret=-",
                       stdin="x\n", hint="spctl credential create")
        self.assertIn("standard input", r.stderr)

    def test_login_in_url_refused(self):
        r = spctl("-s", "http://u:pw@127.0.0.1:1", "version")
        self.assertFails(r, 2)
        self.assertNotIn("pw", r.stderr)


class UnreachableTest(SpctlCase):
    def test_connection_refused(self):
        url = f"http://127.0.0.1:{free_port()}"
        r = spctl("driver", "list", server=url)
        self.assertFails(r, 1)
        self.assertIn(url + "/spider/driver", r.stderr)
        self.assertIn("onnect", r.stderr)  # curl's reason

    def test_timeout(self):
        with socket.socket() as s:  # accepts, never answers
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            url = "http://127.0.0.1:%d" % s.getsockname()[1]
            r = spctl("--timeout", "0.5", "version", server=url)
        self.assertFails(r, 1)
        self.assertIn(url, r.stderr)
        self.assertIn("imed out", r.stderr)


# --- a fake server ------------------------------------------------------

class FakeServer:
    """Answers every request with one canned reply and records requests."""

    def __init__(self, status=200, body=b"{}", content_type="application/json",
                 length=None, stream_bytes=0):
        self.requests = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *a):
                pass

            def handle_any(self):
                n = int(self.headers.get("Content-Length") or 0)
                fake.requests.append({
                    "method": self.command, "path": self.path,
                    "headers": dict(self.headers),
                    "body": self.rfile.read(n) if n else b""})
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                if length is not None:
                    self.send_header("Content-Length", str(length))
                self.end_headers()
                try:
                    self.wfile.write(body)
                    chunk = b" " * (1 << 20)
                    for _ in range(stream_bytes >> 20):
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_DELETE = handle_any

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeServerTest(SpctlCase):
    def test_response_too_large_streamed(self):
        with FakeServer(body=b'{"driver":[', stream_bytes=65 << 20) as f:
            r = spctl("driver", "list", server=f.url)
        self.assertFails(r, 1)
        self.assertIn("larger than 64 MiB", r.stderr)

    def test_response_too_large_announced(self):
        with FakeServer(body=b"{}", length=100 << 20) as f:
            r = spctl("driver", "list", server=f.url)
        self.assertFails(r, 1)
        self.assertIn("larger than 64 MiB", r.stderr)

    def test_error_body_not_ours(self):
        with FakeServer(502, b"<html>Bad gateway\n<body>", "text/html") as f:
            r = spctl("driver", "list", server=f.url)
        self.assertFails(r, 1)
        self.assertEqual(r.stderr, "spctl: <html>Bad gateway (HTTP 502)\n")

    def test_success_body_not_json(self):
        with FakeServer(200, b"hello", "text/plain") as f:
            r = spctl("driver", "list", server=f.url)
        self.assertFails(r, 1)
        self.assertIn("not JSON", r.stderr)

    def test_json_printed_unchanged(self):
        # Re-encoding would turn 1.10 into 1.1000000000000001 and 1e2 into 100.0.
        body = b'{"b":1.10,"a":1e2,"s":"\\u00e9\\"x","l":[],"o":{}}'
        with FakeServer(body=body) as f:
            r = spctl("--json", "version", server=f.url)
        self.assertOk(r)
        self.assertEqual(json.loads(r.stdout),
                         {"b": 1.1, "a": 100.0, "s": "\u00e9\"x", "l": [], "o": {}})
        self.assertIn('"b": 1.10,', r.stdout)
        self.assertIn('"a": 1e2,', r.stdout)
        self.assertIn('"l": [],', r.stdout)
        self.assertIn('"\\u00e9\\"x"', r.stdout)
        self.assertLess(r.stdout.index('"b"'), r.stdout.index('"a"'))

    def test_request_shape(self):
        with FakeServer(body=b'{"Result":"true"}') as f:
            r = spctl("-s", f.url + "/spider/", "-u", "al", "-p", "pw",
                      "driver", "delete", "a b/c?")
            self.assertOk(r)
            r = spctl("image", "get", "ubuntu/22.04", "-c", "my conn",
                      server=f.url)
            self.assertOk(r)
        first, second = f.requests
        self.assertEqual(first["method"], "DELETE")
        self.assertEqual(first["path"], "/spider/driver/a%20b%2Fc%3F")
        self.assertEqual(first["headers"]["Authorization"],
                         "Basic " + base64.b64encode(b"al:pw").decode())
        self.assertEqual(second["method"], "GET")
        self.assertEqual(second["path"],
                         "/spider/vmimage/ubuntu%2F22.04?ConnectionName=my%20conn")

    def test_secret_from_stdin_and_file(self):
        kv_file = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                               f"spctl-kv-{os.getpid()}")
        with open(kv_file, "w") as fh:
            fh.write("# comment\n\n  TenantId =t-1\r\nSubscriptionId=s=1 \n")
        try:
            with FakeServer(body=b'{"CredentialName":"c"}') as f:
                r = spctl("credential", "create", "-n", "c", "-P", "azure",
                          "--kv", "ClientId=id-1", "--kv", "ClientSecret=-",
                          "--kv-file", kv_file, stdin="top secret\n",
                          server=f.url)
            self.assertOk(r)
        finally:
            os.unlink(kv_file)
        body = json.loads(f.requests[0]["body"])
        self.assertEqual(f.requests[0]["path"], "/spider/credential")
        self.assertEqual(body["CredentialName"], "c")
        self.assertEqual(body["ProviderName"], "azure")
        self.assertEqual(body["KeyValueInfoList"], [
            {"Key": "ClientId", "Value": "id-1"},
            {"Key": "ClientSecret", "Value": "top secret"},
            {"Key": "TenantId", "Value": "t-1"},
            {"Key": "SubscriptionId", "Value": "s=1 "}])

    def test_secret_prompt_on_terminal(self):
        """On a terminal, '-' prompts for the value and does not echo it."""
        with FakeServer(body=b'{"CredentialName":"c"}') as f:
            pid, fd = pty.fork()
            if pid == 0:  # the child: spctl on the pty
                try:
                    os.execve(SPCTL, [SPCTL, "-s", f.url, "credential", "create",
                                      "-n", "c", "-P", "AWS", "--kv", "ClientId=a",
                                      "--kv", "ClientSecret=-"],
                              {"PATH": os.environ.get("PATH", "/usr/bin")})
                finally:
                    os._exit(127)
            seen = b""
            try:
                while b"ClientSecret: " not in seen:
                    if not select.select([fd], [], [], 10)[0]:
                        break
                    seen += os.read(fd, 1024)
                os.write(fd, b"hush-hush\n")
                while select.select([fd], [], [], 10)[0]:
                    chunk = os.read(fd, 1024)
                    if not chunk:
                        break
                    seen += chunk
            except OSError:  # EIO: spctl has exited
                pass
            finally:
                os.close(fd)
                _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, seen)
        self.assertIn(b"ClientSecret: ", seen)
        self.assertNotIn(b"hush-hush", seen)
        body = json.loads(f.requests[0]["body"])
        self.assertEqual(body["KeyValueInfoList"][1],
                         {"Key": "ClientSecret", "Value": "hush-hush"})

    def test_callhistory_query(self):
        with FakeServer(body=b'{"callhistory":[]}') as f:
            r = spctl("callhistory", "-c", "c1", "--type", "vmimage",
                      "--errors", "--since", "2026-01-02T15:04:05Z",
                      "--limit", "5", server=f.url,
                      env={"SPIDER_CONNECTION": "ignored"})
            self.assertOk(r)
        self.assertEqual(
            f.requests[0]["path"],
            "/spider/callhistory?ConnectionName=c1&ResourceType=vmimage"
            "&ErrorOnly=true&Since=2026-01-02T15%3A04%3A05Z&Limit=5")
        self.assertEqual(r.stdout.split(), ["TIME", "CONNECTION", "TYPE", "API",
                                            "ELAPSED", "ERROR"])

    def test_new_routes(self):
        """The path and query of each verb added on top of list/get."""
        cases = [
            (("connection", "check", "my conn/1"), b'{"Result":"true"}',
             "/spider/connectionconfig/my%20conn%2F1/check"),
            (("regionzone", "preconfig", "-d", "d 1", "--credential", "c1"),
             b'{"regionzone":[]}',
             "/spider/preconfig/regionzone?DriverName=d%201&CredentialName=c1"),
            (("regionzone", "preconfig", "mars", "--driver=d1", "-Cc1"),
             b'{"Name":"mars"}',
             "/spider/preconfig/regionzone/mars?DriverName=d1&CredentialName=c1"),
            (("regionzone", "org", "-c", "c1"), b'{"RegionInfo":{}}',
             "/spider/orgregion?ConnectionName=c1"),
            (("regionzone", "orgzone"), b'{"ZoneInfo":{}}',
             "/spider/orgzone?ConnectionName=env-conn"),
            (("driver", "count"), b'{"count":3}', "/spider/countdriver"),
            (("credential", "count", "-P", "MOCK"), b'{"count":3}',
             "/spider/countcredential/MOCK"),
            (("region", "count", "--provider", "a b"), b'{"count":3}',
             "/spider/countregion/a%20b"),
        ]
        for args, body, path in cases:
            with self.subTest(args=args):
                with FakeServer(body=body) as f:
                    r = spctl(*args, server=f.url,
                              env={"SPIDER_CONNECTION": "env-conn"})
                self.assertOk(r)
                self.assertEqual([(q["method"], q["path"]) for q in f.requests],
                                 [("GET", path)])

    def test_check_not_confirmed(self):
        with FakeServer(body=b'{"Result":"false"}') as f:
            r = spctl("connection", "check", "c1", server=f.url)
        self.assertFails(r, 1)
        self.assertEqual(r.stderr, "spctl: connection 'c1' did not pass the check\n")
        self.assertEqual(r.stdout, "")

    def test_version_flag_matches_version_command(self):
        with FakeServer(body=b'{"Version":"Spider v9"}') as f:
            r = spctl("version", server=f.url)
        self.assertOk(r)
        self.assertEqual(r.stdout.splitlines()[0],
                         "client: " + spctl("--version").stdout.strip())

    def test_price_filters_in_body(self):
        with FakeServer(body=b'{"PriceList":[]}') as f:
            r = spctl("price", "get", "default", "-c", "c1", "--simple",
                      "--filter", "vCPU=4", "-f", "gpu=NVIDIA V100",
                      server=f.url)
            self.assertOk(r)
        req = f.requests[0]
        self.assertEqual(req["method"], "POST")
        self.assertEqual(req["path"], "/spider/priceinfo/vm/default?ConnectionName=c1&simple=true")
        self.assertEqual(json.loads(req["body"])["FilterList"],
                         [{"Key": "vCPU", "Value": "4"},
                          {"Key": "gpu", "Value": "NVIDIA V100"}])


# --- the real daemon -----------------------------------------------------

@unittest.skipUnless(os.path.exists(harness.SPIDERD),
                     f"no spiderd at {harness.SPIDERD}")
class DaemonTest(SpctlCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = harness.Daemon().start()
        cls.conn = cls.daemon.add_mock_connection()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.cleanup()

    def run_ok(self, *args, **kw):
        r = spctl(*args, server=self.daemon.url, **kw)
        self.assertOk(r)
        return r

    def run_json(self, *args, **kw):
        return json.loads(self.run_ok("--json", *args, **kw).stdout)

    def run_fail(self, *args, code=1, **kw):
        r = spctl(*args, server=self.daemon.url, **kw)
        self.assertFails(r, code)
        return r

    def assertTableNames(self, out, names, header):
        head, rows = table(out)
        self.assertEqual(head, header)
        for n in names:
            self.assertIn(n, [row[0] for row in rows])

    # -- connection setup ------------------------------------------------
    def test_setup_through_spctl(self):
        r = self.run_ok("driver", "create", "--name", "t-drv", "--provider", "mock")
        self.assertRegex(r.stdout, r"(?m)^DriverName:\s+t-drv$")
        self.assertRegex(r.stdout, r"(?m)^ProviderName:\s+MOCK$")
        r = self.run_ok("credential", "create", "-n", "t-cred", "-P", "MOCK",
                        "--kv", "MockName=-", stdin="t-mock\n")
        self.assertNotIn("t-mock", r.stdout)
        self.run_ok("region", "create", "-n", "t-reg", "-P", "MOCK",
                    "--region", "mars", "--kv", "MockLatencyMs=0")
        self.run_ok("connection", "create", "-n", "t-conn", "-P", "MOCK",
                    "--driver", "t-drv", "--credential", "t-cred",
                    "--region", "t-reg")

        self.assertTableNames(self.run_ok("driver", "list").stdout, ["t-drv"],
                              ["NAME", "PROVIDER", "LIBRARY"])
        out = self.run_ok("credential", "list").stdout
        self.assertTableNames(out, ["t-cred"], ["NAME", "PROVIDER", "KEYS"])
        self.assertNotIn("t-mock", out)
        out = self.run_ok("region", "list").stdout
        self.assertTableNames(out, ["t-reg"], ["NAME", "PROVIDER", "REGION", "ZONE"])
        self.assertIn(["t-reg", "MOCK", "mars", "-"], table(out)[1])
        out = self.run_ok("connection", "list", "--provider", "mock").stdout
        self.assertTableNames(out, ["t-conn", self.conn],
                              ["NAME", "PROVIDER", "DRIVER", "CREDENTIAL", "REGION"])
        self.assertIn(["t-conn", "MOCK", "t-drv", "t-cred", "t-reg"], table(out)[1])

        r = self.run_ok("connection", "get", "t-conn")
        self.assertRegex(r.stdout, r"(?m)^ConfigName:\s+t-conn$")
        self.assertRegex(r.stdout, r"(?m)^CredentialName:\s+t-cred$")
        self.assertNotIn("t-mock", self.run_ok("credential", "get", "t-cred").stdout)
        self.assertNotIn("t-mock", self.run_ok("--json", "credential", "get", "t-cred").stdout)

        names = [d["DriverName"] for d in self.run_json("driver", "list")["driver"]]
        self.assertIn("t-drv", names)
        names = [c["ConfigName"] for c in
                 self.run_json("connection", "list")["connectionconfig"]]
        self.assertIn("t-conn", names)
        self.assertGreaterEqual(int(self.run_ok("connection", "count").stdout), 2)
        self.assertEqual(self.run_json("connection", "count", "-P", "AWS"), {"count": 0})

        # The new connection works for the catalogue.
        out = self.run_ok("regionzone", "get", "mars", "-c", "t-conn").stdout
        self.assertIn("mars-z1", out)

        # In use: refused by the server, which names it.
        r = self.run_fail("driver", "delete", "t-drv")
        self.assertRegex(r.stderr, r"t-drv.*\(HTTP 409\)")
        self.assertEqual(self.run_ok("connection", "delete", "t-conn").stdout,
                         "Deleted connection 't-conn'.\n")
        for what, name in (("driver", "t-drv"), ("credential", "t-cred"),
                           ("region", "t-reg")):
            self.run_ok(what, "delete", name)
            self.assertNotIn(name, self.run_ok(what, "list").stdout)

    def test_cloudos(self):
        out = self.run_ok("cloudos", "list").stdout
        self.assertTableNames(out, ["AWS", "MOCK"], ["PROVIDER"])
        self.assertIn("MOCK", self.run_json("cloudos", "list")["cloudos"])
        out = self.run_ok("cloudos", "metainfo", "MOCK").stdout
        self.assertRegex(out, r"(?m)^Credential:\s+MockName$")

    # -- catalogue -----------------------------------------------------------
    def test_images(self):
        out = self.run_ok("image", "list", "-c", self.conn).stdout
        head, rows = table(out)
        self.assertEqual(head, ["NAME", "OS", "ARCH", "PLATFORM", "STATUS"])
        self.assertEqual([r[0] for r in rows], MOCK_IMAGES)
        self.assertIn(["mock-vmimage-03", "Windows Server 2019", "x86_64",
                       "Windows", "Available"], rows)
        images = self.run_json("image", "list", "-c", self.conn)["image"]
        self.assertEqual([i["IId"]["NameId"] for i in images], MOCK_IMAGES)
        out = self.run_ok("image", "get", "mock-vmimage-02", "-c", self.conn).stdout
        self.assertRegex(out, r"(?m)^OSArchitecture:\s+arm64$")

    def test_specs(self):
        out = self.run_ok("spec", "list", env={"SPIDER_CONNECTION": self.conn}).stdout
        self.assertEqual(out, GOLDEN_SPEC_LIST)
        specs = self.run_json("spec", "list", "-c", self.conn)["vmspec"]
        self.assertEqual([s["Name"] for s in specs], MOCK_SPECS)
        self.assertEqual(self.run_json("spec", "get", "mock-vmspec-04",
                                       "-c", self.conn)["MemSizeMiB"], "1024")
        json.loads(self.run_ok("spec", "org", "-c", self.conn).stdout)

    def test_regionzones(self):
        out = self.run_ok("regionzone", "list", "-c", self.conn).stdout
        head, rows = table(out)
        self.assertEqual(head, ["NAME", "DISPLAY NAME", "ZONES"])
        self.assertEqual([r[0] for r in rows], MOCK_REGIONS)
        self.assertIn(["venus", "Venus", "venus-z1,venus-z2,venus-z3"], rows)
        rz = self.run_json("regionzone", "list", "-c", self.conn)["regionzone"]
        self.assertEqual([r["Name"] for r in rz], MOCK_REGIONS)
        out = self.run_ok("regionzone", "get", "neptune", "-c", self.conn).stdout
        self.assertRegex(out, r"(?m)^  - Name:\s+neptune-z3$")

    def test_regionzone_preconfig(self):
        creds = ("--driver", "mock-driver01", "--credential", self.conn + "-cred")
        out = self.run_ok("regionzone", "preconfig", *creds).stdout
        head, rows = table(out)
        self.assertEqual(head, ["NAME", "DISPLAY NAME", "ZONES"])
        self.assertEqual([r[0] for r in rows], MOCK_REGIONS)
        rz = self.run_json("regionzone", "preconfig", *creds)["regionzone"]
        self.assertEqual([r["Name"] for r in rz], MOCK_REGIONS)
        out = self.run_ok("regionzone", "preconfig", "venus", *creds).stdout
        self.assertRegex(out, r"(?m)^Name:\s+venus$")
        self.assertRegex(out, r"(?m)^  - Name:\s+venus-z2$")
        r = self.run_fail("regionzone", "preconfig", "-d", "no-such-driver",
                          "-C", self.conn + "-cred")
        self.assertIn("no-such-driver", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_regionzone_org(self):
        region = json.loads(self.run_ok("regionzone", "org", "-c", self.conn).stdout)
        self.assertIn("RegionInfo", region)
        zone = json.loads(self.run_ok("regionzone", "orgzone", "-c", self.conn).stdout)
        self.assertIn("ZoneInfo", zone)
        self.assertEqual(self.run_json("regionzone", "orgzone", "-c", self.conn), zone)

    def test_connection_check(self):
        self.assertEqual(self.run_ok("connection", "check", self.conn).stdout,
                         f"connection '{self.conn}': ok\n")
        self.assertEqual(self.run_json("connection", "check", self.conn),
                         {"Result": "true"})
        r = self.run_fail("connection", "check", "no-such-conn")
        self.assertEqual(r.stderr, "spctl: no-such-conn: does not exist! (HTTP 404)\n")
        conn = self.daemon.add_mock_connection(
            name="t-nocheck", mock_name="t-nocheck",
            region_extra=[("MockFailOp", "CheckConnection")])
        r = self.run_fail("connection", "check", conn)
        self.assertIn("(HTTP 502)", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_counts(self):
        for what in ("driver", "credential", "region", "connection"):
            with self.subTest(what=what):
                n = int(self.run_ok(what, "count").stdout)
                self.assertGreaterEqual(n, 1)
                self.assertEqual(self.run_json(what, "count", "-P", "MOCK"),
                                 {"count": n})
                self.assertEqual(self.run_ok(what, "count", "-P", "AWS").stdout, "0\n")
                listed = self.run_json(what, "list")
                self.assertEqual(len(next(iter(listed.values()))), n)

    def test_prices_and_capability(self):
        out = self.run_ok("price", "families", "default", "-c", self.conn).stdout
        self.assertEqual(table(out)[0], ["FAMILY"])
        out = self.run_ok("price", "get", "default", "-c", self.conn).stdout
        head, rows = table(out)
        self.assertEqual(head, ["SPEC", "ZONE", "PRICE", "CURRENCY", "UNIT", "PRODUCT"])
        self.assertEqual(sorted(r[0] for r in rows), MOCK_SPECS)
        self.assertIn(["mock-vmspec-04", "NA", "0.0928", "USD", "Hour",
                       "default.mock-vmspec-04"], rows)
        out = self.run_ok("price", "get", "default", "-c", self.conn,
                          "--filter", "vmSpecName=mock-vmspec-02",
                          "-f", "vmSpecName=mock-vmspec-03").stdout
        self.assertEqual([r[0] for r in table(out)[1]], ["mock-vmspec-02", "mock-vmspec-03"])
        r = self.run_fail("price", "get", "default", "-c", self.conn, "-f", "color=red")
        self.assertIn("color", r.stderr)
        out = self.run_ok("price", "get", "mars", "-c", self.conn, "--simple").stdout
        self.assertIn(["mock-vmspec-04", "NA", "0.1021", "USD", "Hour", "-"],
                      table(out)[1])
        price = self.run_json("price", "get", "default", "-c", self.conn, "--simple")
        self.assertEqual(len(price["PriceList"]), 4)
        self.assertEqual(price["PriceList"][0]["ProductInfo"],
                         {"VMSpecName": "mock-vmspec-01"})
        cap = self.run_json("capability", "-c", self.conn)
        self.assertIs(cap["ImageHandler"], True)
        self.assertRegex(self.run_ok("capability", "-c", self.conn).stdout,
                         r"(?m)^ImageHandler:\s+true$")

    def test_callhistory(self):
        self.run_ok("image", "list", "-c", self.conn)
        out = self.run_ok("callhistory", "-c", self.conn, "--type", "VMIMAGE",
                          "--limit", "3").stdout
        head, rows = table(out)
        self.assertEqual(head, ["TIME", "CONNECTION", "TYPE", "API", "ELAPSED", "ERROR"])
        self.assertTrue(1 <= len(rows) <= 3, out)
        self.assertEqual({r[1] for r in rows}, {self.conn})
        out = self.run_ok("callhistory", "--since", "2000-01-01T00:00:00Z",
                          "--until", "2999-01-01T00:00:00Z").stdout
        self.assertIn(self.conn, out)
        out = self.run_ok("callhistory", "--until", "2000-01-01T00:00:00Z").stdout
        self.assertEqual(table(out)[1], [])
        r = self.run_fail("callhistory", "--since", "yesterday")
        self.assertIn("(HTTP 400)", r.stderr)
        calls = self.run_json("callhistory", "--errors")["callhistory"]
        self.assertTrue(all(c["ErrorMSG"] for c in calls), calls)

    # -- failures ------------------------------------------------------------
    def test_server_error_message(self):
        r = self.run_fail("driver", "get", "no-such-driver")
        self.assertEqual(r.stderr, "spctl: no-such-driver: does not exist! (HTTP 404)\n")
        self.assertEqual(r.stdout, "")
        r = self.run_fail("image", "get", "no-such-image", "-c", "no-such-conn")
        self.assertIn("no-such-conn", r.stderr)

    def test_cloud_error(self):
        conn = self.daemon.add_mock_connection(
            name="t-failing", mock_name="t-failing",
            region_extra=[("MockFailOp", "ListImage")])
        r = self.run_fail("image", "list", "-c", conn)
        self.assertIn("(HTTP 502)", r.stderr)
        self.assertEqual(r.stdout, "")
        out = self.run_ok("callhistory", "--errors", "-c", conn).stdout
        head, rows = table(out)
        self.assertEqual(rows[0][1:3], [conn, "VMIMAGE"])
        self.assertNotEqual(rows[0][-1], "-")

    def test_credential_missing_keys(self):
        r = self.run_fail("credential", "create", "-n", "bad", "-P", "MOCK")
        self.assertIn("(HTTP 400)", r.stderr)
        self.assertIn("MockName", r.stderr)

    def test_wrong_password(self):
        r = self.run_fail("driver", "list", password="wrong")
        self.assertEqual(r.stderr, "spctl: Unauthorized (HTTP 401)\n")

    def test_no_login(self):
        r = self.run_fail("driver", "list", user=None, password=None)
        self.assertIn("Unauthorized (HTTP 401)", r.stderr)
        self.assertIn("SPIDER_USERNAME", r.stderr)

    def test_password_option(self):
        r = spctl("-s", self.daemon.url + "/spider/", "-u", harness.USER,
                  "-p", harness.PASSWORD,
                  "driver", "list", user=None, password=None)
        self.assertOk(r)

    def test_version_and_health_need_no_login(self):
        r = self.run_ok("version", user=None, password=None)
        self.assertRegex(r.stdout, r"(?m)^server: Spider v")
        self.assertEqual(self.run_ok("health", user=None, password=None).stdout,
                         "CB-Spider is ready\n")
        self.assertIn("Version", self.run_json("version"))


if __name__ == "__main__":
    unittest.main()
