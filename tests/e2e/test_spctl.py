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
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SPCTL = harness.SPCTL

# Every command and its verbs (None: the command takes no verb).
COMMANDS = {
    "cloud": ["add"],
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
    "vpc": ["create", "list", "get", "delete", "register", "unregister",
            "mapping", "csp-delete", "count"],
    "subnet": ["add", "list", "get", "remove", "register", "unregister",
               "csp-delete", "count"],
    "securitygroup": ["create", "list", "get", "delete", "add-rules",
                      "remove-rules", "owner", "register", "unregister",
                      "mapping", "csp-delete", "count"],
    "keypair": ["create", "list", "get", "delete", "register", "unregister",
                "mapping", "csp-delete", "count"],
    "vm": ["create", "list", "get", "delete", "status", "suspend", "resume",
           "reboot", "resources", "register", "unregister", "mapping",
           "csp-delete", "count"],
    "disk": ["create", "list", "get", "delete", "resize", "attach", "detach",
             "register", "unregister", "mapping", "csp-delete", "count"],
    "myimage": ["create", "list", "get", "delete", "register", "unregister",
                "mapping", "csp-delete", "count"],
    "tag": ["add", "list", "get", "remove"],
    "anycall": None,
    "destroy": None,
    "cspname": None,
}

# The resources under Spider's management: command, route stem, list key.
MANAGED = [("vpc", "vpc", "vpc"), ("securitygroup", "securitygroup", "securitygroup"),
           ("keypair", "keypair", "keypair"), ("vm", "vm", "vm"),
           ("disk", "disk", "disk"), ("myimage", "myimage", "myImage")]

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


def temp_file(test, stem, text):
    """A new file under $TMPDIR holding text, removed when test ends."""
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"spctl-{stem}-{os.getpid()}")
    with open(path, "w") as fh:
        fh.write(text)
    test.addCleanup(os.unlink, path)
    return path


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

    def test_resource_verbs_need_their_arguments(self):
        cases = [
            (("vpc", "create", "-c", "c1", "-n", "v1"), "missing --cidr"),
            (("vpc", "list"), "SPIDER_CONNECTION"),
            (("vpc", "delete", "v1"), "SPIDER_CONNECTION"),
            (("vpc", "get", "-c", "c1"), "missing NAME"),
            (("vpc", "register", "-c", "c1", "-n", "v1"), "missing --csp-id"),
            (("vpc", "csp-delete", "-c", "c1"), "missing ID"),
            (("subnet", "add", "-c", "c1", "-n", "s1", "--cidr", "10.0.0.0/24"),
             "missing VPC"),
            (("subnet", "get", "v1", "-c", "c1"), "missing VPC NAME"),
            (("subnet", "unregister", "s1", "-c", "c1"), "missing --vpc"),
            (("securitygroup", "create", "-c", "c1", "-n", "sg1"), "missing --vpc"),
            (("securitygroup", "add-rules", "sg1", "-c", "c1"), "missing --rule"),
            (("securitygroup", "owner", "-c", "c1"), "missing --csp-id"),
            (("keypair", "create", "-c", "c1"), "missing --name"),
            (("vm", "create", "-c", "c1", "-n", "vm1", "--image", "i",
              "--vpc", "v", "--subnet", "s"), "missing --spec"),
            (("vm", "suspend", "-c", "c1"), "missing NAME"),
            (("vm", "status", "a", "b", "-c", "c1"), "unexpected argument 'b'"),
            (("vm", "resources", "-c", "c1"), "missing --csp-id"),
            (("disk", "attach", "d1", "-c", "c1"), "missing --vm"),
            (("disk", "resize", "d1", "-c", "c1"), "missing --size"),
            (("disk", "resize", "d1", "-c", "c1", "--size", "big"), "wants a number"),
            (("myimage", "create", "-c", "c1", "-n", "i1"), "missing --vm"),
            (("tag", "add", "-c", "c1", "-t", "vpc", "-r", "v1"), "missing --tag"),
            (("tag", "list", "-c", "c1", "-r", "v1"), "missing --type"),
            (("tag", "remove", "-c", "c1", "-t", "vpc", "-r", "v1"), "missing KEY"),
            (("anycall", "-c", "c1"), "missing --fid"),
            (("cspname", "-c", "c1", "-t", "vpc"), "missing NAME"),
            (("cspname", "v1", "-c", "c1"), "missing --type"),
            (("destroy",), "SPIDER_CONNECTION"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                verb = args[1] if COMMANDS[args[0]] else None
                hint = "spctl " + args[0] + (" " + verb if verb else "")
                self.assertIn(message, self.usage(*args, hint=hint).stderr)

    def test_bad_rule_subnet_and_tag(self):
        hint = "spctl securitygroup create"
        sg = ("securitygroup", "create", "-c", "c1", "-n", "sg1", "--vpc", "v1")
        for rule in ("inbound,tcp,22", "inbound,tcp,22,22,0.0.0.0/0,x",
                     "inbound,,22,22", ""):
            with self.subTest(rule=rule):
                r = self.usage(*sg, "--rule", rule, hint=hint)
                self.assertIn("DIRECTION,PROTOCOL,FROM,TO[,CIDR]", r.stderr)
        vpc = ("vpc", "create", "-c", "c1", "-n", "v1", "--cidr", "10.0.0.0/16")
        for subnet in ("s1", "s1,10.0.1.0/24,z1,x", ",10.0.1.0/24"):
            with self.subTest(subnet=subnet):
                r = self.usage(*vpc, "--subnet", subnet, hint="spctl vpc create")
                self.assertIn("NAME,CIDR[,ZONE]", r.stderr)
        r = self.usage(*vpc, "--tag", "env", hint="spctl vpc create")
        self.assertIn("KEY=VALUE", r.stderr)
        r = self.usage("tag", "add", "-c", "c1", "-t", "vpc", "-r", "v1",
                       "--tag", "=v", hint="spctl tag add")
        self.assertIn("KEY is empty", r.stderr)

    def test_destroy_needs_yes_without_terminal(self):
        with FakeServer(body=b'{"IsAllDestroyed":true}') as f:
            r = spctl("destroy", "-c", "c1", server=f.url)
        self.assertFails(r, 2)
        self.assertIn("--yes", r.stderr)
        self.assertIn("'c1'", r.stderr)
        self.assertEqual(f.requests, [])

    def test_private_key_file_not_overwritten(self):
        path = temp_file(self, "key", "precious\n")
        with FakeServer(body=b'{"PrivateKey":"k"}') as f:
            r = spctl("keypair", "create", "-c", "c1", "-n", "kp1",
                      "--private-key-file", path, server=f.url)
        self.assertFails(r, 1)
        self.assertIn("does not overwrite", r.stderr)
        self.assertEqual(f.requests, [])
        with open(path) as fh:
            self.assertEqual(fh.read(), "precious\n")

    def test_cloud_add_arguments(self):
        hint = "spctl cloud add"
        cases = [
            (("-P", "MOCK"), "missing --regions"),
            (("--regions", "mars"), "missing --provider"),
            (("-P", "MOCK", "--regions", "mars,,venus"), "REGION[/ZONE]"),
            (("-P", "MOCK", "--regions", "mars/"), "REGION[/ZONE]"),
            (("-P", "MOCK", "--regions", "mars/a/b"), "REGION[/ZONE]"),
            (("-P", "MOCK", "--regions", "mars,venus,mars/mars-z2"),
             "region 'mars' twice"),
            (("-P", "MOCK", "--regions", ",".join(f"r{i}" for i in range(65))),
             "more than 64 regions"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                self.assertIn(message, self.usage("cloud", "add", *args,
                                                  hint=hint).stderr)

    def test_public_key_file_usage(self):
        r = self.usage("keypair", "create", "-c", "c1", "-n", "kp1",
                       "--public-key-file", "k.pub", "--private-key-file", "k",
                       hint="spctl keypair create")
        self.assertIn("cannot be given together", r.stderr)

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
        self.status, self.body = status, body  # may change between requests
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
                self.send_response(fake.status)
                self.send_header("Content-Type", content_type)
                if length is not None:
                    self.send_header("Content-Length", str(length))
                self.end_headers()
                try:
                    self.wfile.write(fake.body)
                    chunk = b" " * (1 << 20)
                    for _ in range(stream_bytes >> 20):
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = handle_any

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
        kv_file = temp_file(self, "kv", "# comment\n\n  TenantId =t-1\r\nSubscriptionId=s=1 \n")
        with FakeServer(body=b'{"CredentialName":"c"}') as f:
            r = spctl("credential", "create", "-n", "c", "-P", "azure",
                      "--kv", "ClientId=id-1", "--kv", "ClientSecret=-",
                      "--kv-file", kv_file, stdin="top secret\n",
                      server=f.url)
        self.assertOk(r)
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
            seen, code = on_terminal(
                [SPCTL, "-s", f.url, "credential", "create", "-n", "c", "-P", "AWS",
                 "--kv", "ClientId=a", "--kv", "ClientSecret=-"],
                b"ClientSecret: ", b"hush-hush\n")
        self.assertEqual(code, 0, seen)
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


class ResourceRequestTest(SpctlCase):
    """The method, path and body each resource verb sends."""

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeServer().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.fake.__exit__(None, None, None)

    def sent(self, *args, reply=b'{"Result":"true"}', stdin=None, code=0):
        f = self.fake
        f.requests.clear()
        f.body = reply
        r = spctl(*args, server=f.url, stdin=stdin, env={"SPIDER_CONNECTION": "c1"})
        self.assertEqual(r.returncode, code, r.stderr)
        self.assertEqual(len(f.requests), 1, f.requests)
        q = f.requests[0]
        body = json.loads(q["body"]) if q["body"] else None
        return q["method"], q["path"], body, r

    def test_paths_and_bodies(self):
        conn = {"ConnectionName": "c1"}
        iid = b'{"IId":{"NameId":"x","SystemId":"y"}}'
        cases = [
            (("vpc", "create", "-n", "v1", "--cidr", "10.0.0.0/16",
              "--subnet", "s1,10.0.1.0/24", "--subnet", "s2,10.0.2.0/24,z2",
              "--tag", "env=dev", "--id-transform", "OFF"), iid,
             ("POST", "/spider/vpc", {
                 "ConnectionName": "c1", "IDTransformMode": "OFF",
                 "ReqInfo": {"Name": "v1", "IPv4_CIDR": "10.0.0.0/16",
                             "SubnetInfoList": [
                                 {"Name": "s1", "IPv4_CIDR": "10.0.1.0/24"},
                                 {"Name": "s2", "IPv4_CIDR": "10.0.2.0/24", "Zone": "z2"}],
                             "TagList": [{"Key": "env", "Value": "dev"}]}})),
            (("vpc", "list"), b'{"vpc":[]}', ("GET", "/spider/vpc?ConnectionName=c1", None)),
            (("vpc", "get", "v 1", "-c", "my conn"), iid,
             ("GET", "/spider/vpc/v%201?ConnectionName=my%20conn", None)),
            (("vpc", "delete", "v1", "--force"), None,
             ("DELETE", "/spider/vpc/v1?force=true", conn)),
            (("vpc", "register", "-n", "v1", "--csp-id", "vpc-9"), iid,
             ("POST", "/spider/regvpc",
              {"ConnectionName": "c1", "ReqInfo": {"Name": "v1", "CSPId": "vpc-9"}})),
            (("vpc", "unregister", "v1"), None, ("DELETE", "/spider/regvpc/v1", conn)),
            (("vpc", "mapping"), b'{"AllList":{}}', ("GET", "/spider/allvpc?ConnectionName=c1", None)),
            (("vpc", "mapping", "--info"), b'{"AllListInfo":{}}',
             ("GET", "/spider/allvpcinfo?ConnectionName=c1", None)),
            (("vpc", "csp-delete", "vpc-9"), None, ("DELETE", "/spider/cspvpc/vpc-9", conn)),
            (("vpc", "count"), b'{"count":1}', ("GET", "/spider/countvpc", None)),
            (("vpc", "count", "-c", "c2"), b'{"count":1}', ("GET", "/spider/countvpc/c2", None)),
            (("subnet", "add", "v1", "-n", "s3", "--cidr", "10.0.3.0/24", "-z", "z1"), iid,
             ("POST", "/spider/vpc/v1/subnet", {
                 "ConnectionName": "c1",
                 "ReqInfo": {"Name": "s3", "IPv4_CIDR": "10.0.3.0/24", "Zone": "z1"}})),
            (("subnet", "list", "v1"), b'{"SubnetInfoList":[]}',
             ("GET", "/spider/vpc/v1?ConnectionName=c1", None)),
            (("subnet", "get", "v1", "s3"), iid,
             ("GET", "/spider/vpc/v1/subnet/s3?ConnectionName=c1", None)),
            (("subnet", "remove", "v1", "s3", "-f"), None,
             ("DELETE", "/spider/vpc/v1/subnet/s3?force=true", conn)),
            (("subnet", "csp-delete", "v1", "sn-9"), None,
             ("DELETE", "/spider/vpc/v1/cspsubnet/sn-9", conn)),
            (("subnet", "register", "-n", "s4", "--vpc", "v1", "--csp-id", "sn-9", "-z", "z1"), iid,
             ("POST", "/spider/regsubnet", {"ConnectionName": "c1", "ReqInfo": {
                 "Name": "s4", "CSPId": "sn-9", "VPCName": "v1", "Zone": "z1"}})),
            (("subnet", "unregister", "s4", "--vpc", "v1"), None,
             ("DELETE", "/spider/regsubnet/s4", {"ConnectionName": "c1", "ReqInfo": {"VPCName": "v1"}})),
            (("subnet", "count"), b'{"count":1}', ("GET", "/spider/countsubnet", None)),
            (("securitygroup", "create", "-n", "sg1", "--vpc", "v1",
              "--rule", "inbound,tcp,22,22,10.0.0.0/8", "-r", "inbound,icmp,-1,-1"), iid,
             ("POST", "/spider/securitygroup", {"ConnectionName": "c1", "ReqInfo": {
                 "Name": "sg1", "VPCName": "v1", "SecurityRules": [
                     {"Direction": "inbound", "IPProtocol": "tcp", "FromPort": "22",
                      "ToPort": "22", "CIDR": "10.0.0.0/8"},
                     {"Direction": "inbound", "IPProtocol": "icmp", "FromPort": "-1",
                      "ToPort": "-1"}]}})),
            (("securitygroup", "list", "--vpc", "v1"), b'{"securitygroup":[]}',
             ("GET", "/spider/securitygroup/vpc/v1?ConnectionName=c1", None)),
            (("securitygroup", "add-rules", "sg1", "--rule", "outbound,udp,53,53"), iid,
             ("POST", "/spider/securitygroup/sg1/rules", {"ConnectionName": "c1", "ReqInfo": {
                 "RuleInfoList": [{"Direction": "outbound", "IPProtocol": "udp",
                                   "FromPort": "53", "ToPort": "53"}]}})),
            (("securitygroup", "remove-rules", "sg1", "--rule", "outbound,udp,53,53"), None,
             ("DELETE", "/spider/securitygroup/sg1/rules", {"ConnectionName": "c1", "ReqInfo": {
                 "RuleInfoList": [{"Direction": "outbound", "IPProtocol": "udp",
                                   "FromPort": "53", "ToPort": "53"}]}})),
            (("securitygroup", "owner", "--csp-id", "sg-9"), b'{"NameId":"v1"}',
             ("GET", "/spider/getsecuritygroupowner",
              {"ConnectionName": "c1", "ReqInfo": {"CSPId": "sg-9"}})),
            (("securitygroup", "register", "-n", "sg2", "--csp-id", "sg-9", "--vpc", "v1"), iid,
             ("POST", "/spider/regsecuritygroup", {"ConnectionName": "c1", "ReqInfo": {
                 "Name": "sg2", "CSPId": "sg-9", "VPCName": "v1"}})),
            (("keypair", "create", "-n", "kp1"), iid,
             ("POST", "/spider/keypair", {"ConnectionName": "c1", "ReqInfo": {"Name": "kp1"}})),
            (("keypair", "count", "-c", "a/b"), b'{"count":0}',
             ("GET", "/spider/countkeypair/a%2Fb", None)),
            (("vm", "create", "-n", "vm1", "-i", "img", "--spec", "sp", "--vpc", "v1",
              "--subnet", "s1", "--sg", "sg1", "--sg", "sg2", "-k", "kp1",
              "--root-disk-type", "SSD", "--root-disk-size", "40",
              "--data-disk", "d1", "--vm-user", "admin", "--vm-password", "-",
              "--image-type", "PublicImage", "--tag", "a=b"), iid,
             ("POST", "/spider/vm", {"ConnectionName": "c1", "ReqInfo": {
                 "Name": "vm1", "ImageName": "img", "ImageType": "PublicImage",
                 "VMSpecName": "sp", "VPCName": "v1", "SubnetName": "s1",
                 "SecurityGroupNames": ["sg1", "sg2"], "KeyPairName": "kp1",
                 "RootDiskType": "SSD", "RootDiskSize": "40", "DataDiskNames": ["d1"],
                 "VMUserId": "admin", "VMUserPasswd": "pass word",
                 "TagList": [{"Key": "a", "Value": "b"}]}})),
            (("vm", "delete", "vm1"), b'{"Status":"Terminated"}',
             ("DELETE", "/spider/vm/vm1", conn)),
            (("vm", "status"), b'{"vmstatus":[]}', ("GET", "/spider/vmstatus?ConnectionName=c1", None)),
            (("vm", "status", "vm1"), b'{"Status":"Running"}',
             ("GET", "/spider/vmstatus/vm1?ConnectionName=c1", None)),
            (("vm", "suspend", "vm1"), b'{"Status":"Suspending"}',
             ("PUT", "/spider/controlvm/vm1?action=suspend", conn)),
            (("vm", "resume", "vm1"), b'{"Status":"Resuming"}',
             ("PUT", "/spider/controlvm/vm1?action=resume", conn)),
            (("vm", "reboot", "vm1"), b'{"Status":"Rebooting"}',
             ("PUT", "/spider/controlvm/vm1?action=reboot", conn)),
            (("vm", "resources", "--csp-id", "i-9"), b'{"Resources":{}}',
             ("GET", "/spider/getvmusingresources?ConnectionName=c1&CSPId=i-9", None)),
            (("vm", "csp-delete", "i-9"), None, ("DELETE", "/spider/cspvm/i-9", conn)),
            (("disk", "create", "-n", "d1", "--type", "SSD", "--size", "50"), iid,
             ("POST", "/spider/disk", {"ConnectionName": "c1", "ReqInfo": {
                 "Name": "d1", "DiskType": "SSD", "DiskSize": "50"}})),
            (("disk", "resize", "d1", "--size", "60"), None,
             ("PUT", "/spider/disk/d1/size", {"ConnectionName": "c1", "ReqInfo": {"Size": "60"}})),
            (("disk", "attach", "d1", "--vm", "vm1"), iid,
             ("PUT", "/spider/disk/d1/attach", {"ConnectionName": "c1", "ReqInfo": {"VMName": "vm1"}})),
            (("disk", "detach", "d1", "--vm", "vm1"), None,
             ("PUT", "/spider/disk/d1/detach", {"ConnectionName": "c1", "ReqInfo": {"VMName": "vm1"}})),
            (("disk", "register", "-n", "d2", "--csp-id", "vol-9", "-z", "z2"), iid,
             ("POST", "/spider/regdisk", {"ConnectionName": "c1", "ReqInfo": {
                 "Name": "d2", "CSPId": "vol-9", "Zone": "z2"}})),
            (("myimage", "create", "-n", "im1", "--vm", "vm1"), iid,
             ("POST", "/spider/myimage", {"ConnectionName": "c1", "ReqInfo": {
                 "Name": "im1", "SourceVM": "vm1"}})),
            (("myimage", "list"), b'{"myImage":[]}', ("GET", "/spider/myimage?ConnectionName=c1", None)),
            (("myimage", "mapping"), b'{"AllList":{}}',
             ("GET", "/spider/allmyimage?ConnectionName=c1", None)),
            (("tag", "add", "-t", "vpc", "-r", "v1", "--tag", "env=prod"), b'{"Key":"env"}',
             ("POST", "/spider/tag", {"ConnectionName": "c1", "ReqInfo": {
                 "ResourceType": "vpc", "ResourceName": "v1",
                 "Tag": {"Key": "env", "Value": "prod"}}})),
            (("tag", "list", "-t", "vpc", "-r", "v1"), b'{"tag":[]}',
             ("GET", "/spider/tag?ConnectionName=c1&ResourceType=vpc&ResourceName=v1", None)),
            (("tag", "get", "env", "-t", "vpc", "-r", "v1"), b'{"Key":"env"}',
             ("GET", "/spider/tag/env?ConnectionName=c1&ResourceType=vpc&ResourceName=v1", None)),
            (("tag", "remove", "env", "-t", "vpc", "-r", "v1"), None,
             ("DELETE", "/spider/tag/env", {"ConnectionName": "c1", "ReqInfo": {
                 "ResourceType": "vpc", "ResourceName": "v1"}})),
            (("anycall", "--fid", "countAll", "--in", "rsType=vpc"), b'{"OKeyValueList":[]}',
             ("POST", "/spider/anycall", {"ConnectionName": "c1", "ReqInfo": {
                 "FID": "countAll", "IKeyValueList": [{"Key": "rsType", "Value": "vpc"}]}})),
            (("destroy", "--yes"), b'{"IsAllDestroyed":true,"DeletedAllListByResourceType":[]}',
             ("DELETE", "/spider/destroy", conn)),
            (("cspname", "v1", "-t", "vpc"), b'{"Name":"v1-x"}',
             ("GET", "/spider/cspresourcename/v1?ConnectionName=c1&ResourceType=vpc", None)),
        ]
        for args, reply, want in cases:
            with self.subTest(args=args):
                got = self.sent(*args, reply=reply or b'{"Result":"true"}',
                                stdin="pass word\n" if "-" in args else None)
                self.assertEqual(got[:3], want)

    def test_confirmations(self):
        cases = [
            (("vpc", "delete", "v1"), b'{"Result":"true"}', "Deleted VPC 'v1'.\n"),
            (("keypair", "unregister", "kp1"), b'{"Result":"true"}',
             "Unregistered key pair 'kp1'.\n"),
            (("subnet", "remove", "v1", "s1"), b'{"Result":"true"}', "Removed subnet 's1'.\n"),
            (("securitygroup", "remove-rules", "sg1", "-r", "inbound,tcp,1,2"),
             b'{"Result":"true"}', "Removed rules from security group 'sg1'.\n"),
            (("disk", "resize", "d1", "--size", "9"), b'{"Result":"true"}', "Resized disk 'd1'.\n"),
            (("disk", "detach", "d1", "--vm", "vm1"), b'{"Result":"true"}', "Detached disk 'd1'.\n"),
            (("tag", "remove", "k", "-t", "vm", "-r", "vm1"), b'{"Result":"true"}',
             "Removed tag 'k'.\n"),
            (("vm", "delete", "vm1"), b'{"Status":"Terminated"}',
             "Deleted VM 'vm1': Terminated\n"),
            (("vm", "suspend", "vm1"), b'{"Status":"Suspending"}', "Suspending\n"),
            (("vm", "status", "vm1"), b'{"Status":"Running"}', "Running\n"),
            (("vpc", "count"), b'{"count":7}', "7\n"),
            (("cspname", "v1", "-t", "vpc"), b'{"Name":"v1-abc"}', "v1-abc\n"),
        ]
        for args, reply, out in cases:
            with self.subTest(args=args):
                self.assertEqual(self.sent(*args, reply=reply)[3].stdout, out)
        r = self.sent("disk", "detach", "d1", "--vm", "vm1", reply=b'{"Result":"false"}', code=1)[3]
        self.assertEqual(r.stderr, "spctl: disk 'd1': the server did not confirm it "
                                   "(no \"Result\":\"true\")\n")
        r = self.sent("vm", "status", "vm1", reply=b'{}', code=1)[3]
        self.assertIn("no 'Status'", r.stderr)

    def test_mapping_table(self):
        reply = json.dumps({"AllList": {
            "MappedList": [{"NameId": "v1", "SystemId": "vpc-1"}],
            "OnlySpiderList": [{"NameId": "v2", "SystemId": "vpc-2"}],
            "OnlyCSPList": [{"NameId": "", "SystemId": "vpc-3"},
                            {"NameId": "", "SystemId": "vpc-4"}]}}).encode()
        out = self.sent("vpc", "mapping", reply=reply)[3].stdout
        self.assertEqual(table(out), (["LIST", "NAME", "SYSTEM ID"], [
            ["Mapped", "v1", "vpc-1"], ["OnlySpider", "v2", "vpc-2"],
            ["OnlyCSP", "-", "vpc-3"], ["OnlyCSP", "-", "vpc-4"]]))
        reply = json.dumps({"ResourceType": "vpc", "AllListInfo": {
            "MappedInfoList": [{"IId": {"NameId": "v1", "SystemId": "vpc-1"},
                                "IPv4_CIDR": "10.0.0.0/16",
                                "SubnetInfoList": [{"IId": {"NameId": "s1"}}]}],
            "OnlySpiderList": [{"NameId": "v2", "SystemId": "vpc-2"}],
            "OnlyCSPInfoList": None}}).encode()
        out = self.sent("vpc", "mapping", "-i", reply=reply)[3].stdout
        self.assertEqual(table(out), (["LIST", "NAME", "SYSTEM ID", "CIDR", "SUBNETS"], [
            ["Mapped", "v1", "vpc-1", "10.0.0.0/16", "s1"],
            ["OnlySpider", "v2", "vpc-2", "-", "-"]]))

    def test_destroy_not_complete(self):
        reply = json.dumps({"IsAllDestroyed": False, "DeletedAllListByResourceType": [
            {"ResourceType": "vm", "IsAllDeleted": False,
             "DeletedIIDList": [{"NameId": "vm1", "SystemId": "i-1"}],
             "RemainedErrorInfoList": [{"Name": "vm2", "ErrorMsg": "busy"}]},
            {"ResourceType": "vpc", "IsAllDeleted": True, "DeletedIIDList": [],
             "RemainedErrorInfoList": []}]}).encode()
        method, path, body, r = self.sent("destroy", "--yes", reply=reply, code=1)
        self.assertEqual(table(r.stdout), (["TYPE", "DELETED", "NOT DELETED"], [
            ["vm", "vm1", "vm2"], ["vpc", "-", "-"]]))
        self.assertEqual(r.stderr, "spctl: vm 'vm2' was not deleted: busy\n"
                                   "spctl: connection 'c1' was not destroyed completely\n")

    def test_destroy_asks_on_terminal(self):
        """On a terminal, destroy goes on only after a typed 'yes'."""
        reply = b'{"IsAllDestroyed":true,"DeletedAllListByResourceType":[]}'
        for answer, status, requests in ((b"no\n", 1, 0), (b"yes\n", 0, 1)):
            with self.subTest(answer=answer), FakeServer(body=reply) as f:
                seen, code = on_terminal(
                    [SPCTL, "-s", f.url, "destroy", "-c", "c1"], b"to go on:", answer)
                self.assertEqual(code, status, seen)
                self.assertIn(b"connection 'c1'", seen)
                self.assertEqual(len(f.requests), requests)
        self.assertIn(b"Destroyed every resource of connection 'c1'.", seen)

    def test_vm_list_joins_status(self):
        vms = {"vm": [{"IId": {"NameId": "vm1", "SystemId": "i-1"}, "VMSpecName": "sp",
                       "ImageIId": {"NameId": "img"}, "VpcIID": {"NameId": "v1"},
                       "SubnetIID": {"NameId": "s1"}, "PublicIP": "4.3.2.1",
                       "PrivateIP": "1.2.3.4"},
                      {"IId": {"NameId": "vm2", "SystemId": "i-2"}}],
               "vmstatus": [{"IId": {"NameId": "vm1", "SystemId": "i-1"},
                             "VmStatus": "Running"}]}
        with FakeServer(body=json.dumps(vms).encode()) as f:
            r = spctl("vm", "list", "-c", "c1", server=f.url)
        self.assertOk(r)
        self.assertEqual([q["path"] for q in f.requests],
                         ["/spider/vm?ConnectionName=c1", "/spider/vmstatus?ConnectionName=c1"])
        self.assertEqual(table(r.stdout), (
            ["NAME", "SYSTEM ID", "STATUS", "SPEC", "IMAGE", "VPC", "SUBNET",
             "PUBLIC IP", "PRIVATE IP"],
            [["vm1", "i-1", "Running", "sp", "img", "v1", "s1", "4.3.2.1", "1.2.3.4"],
             ["vm2", "i-2", "-", "-", "-", "-", "-", "-", "-"]]))


def on_terminal(argv, prompt, answer):
    """Run argv on a pty; answer the prompt; return (all it wrote, exit code)."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execve(argv[0], argv, {"PATH": os.environ.get("PATH", "/usr/bin")})
        finally:
            os._exit(127)
    seen = b""
    try:
        while prompt not in seen:
            if not select.select([fd], [], [], 10)[0]:
                break
            seen += os.read(fd, 1024)
        os.write(fd, answer)
        while select.select([fd], [], [], 10)[0]:
            chunk = os.read(fd, 1024)
            if not chunk:
                break
            seen += chunk
    except OSError:  # EIO: it has exited
        pass
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    return seen, os.waitstatus_to_exitcode(status)


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


class DaemonCase(SpctlCase):
    """A real spiderd for the tests of a class."""

    @classmethod
    def setUpClass(cls):
        cls.daemon = harness.Daemon().start()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.cleanup()


@unittest.skipUnless(os.path.exists(harness.SPIDERD),
                     f"no spiderd at {harness.SPIDERD}")
class ResourceDaemonTest(DaemonCase):
    """Each resource command against a real spiderd; every test has a mock
    cloud of its own, named after the test."""

    def setUp(self):
        name = "t-" + self._testMethodName.replace("test_", "").replace("_", "-")
        self.conn = self.daemon.add_mock_connection(name=name, mock_name=name)

    def sp(self, *args, code=0, **kw):
        r = spctl(*args, server=self.daemon.url,
                  env={"SPIDER_CONNECTION": self.conn}, **kw)
        if code:
            self.assertFails(r, code)
        else:
            self.assertOk(r)
        return r

    def js(self, *args, **kw):
        return json.loads(self.sp("--json", *args, **kw).stdout)

    def rows(self, *args):
        return table(self.sp(*args).stdout)[1]

    def network(self):
        """vpc-01 with subnet-01, sg-01 (SSH in), keypair-01."""
        self.sp("vpc", "create", "-n", "vpc-01", "--cidr", "192.168.0.0/16",
                "--subnet", "subnet-01,192.168.1.0/24")
        self.sp("securitygroup", "create", "-n", "sg-01", "--vpc", "vpc-01",
                "--rule", "inbound,tcp,22,22,0.0.0.0/0")
        self.sp("keypair", "create", "-n", "keypair-01")

    def vm(self, name="vm-01"):
        return self.sp("vm", "create", "-n", name, "--image", "mock-vmimage-01",
                       "--spec", "mock-vmspec-01", "--vpc", "vpc-01",
                       "--subnet", "subnet-01", "--sg", "sg-01",
                       "--keypair", "keypair-01")

    def test_vpc_and_subnets(self):
        r = self.sp("vpc", "create", "-n", "vpc-01", "--cidr", "192.168.0.0/16",
                    "--subnet", "subnet-01,192.168.1.0/24", "--tag", "env=test")
        self.assertRegex(r.stdout, r"(?m)^IPv4_CIDR:\s+192.168.0.0/16$")
        head, rows = table(self.sp("vpc", "list").stdout)
        self.assertEqual(head, ["NAME", "SYSTEM ID", "CIDR", "SUBNETS"])
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][0::2], ["vpc-01", "192.168.0.0/16"])
        self.assertEqual(rows[0][3], "subnet-01")
        self.assertEqual([v["IId"]["NameId"] for v in self.js("vpc", "list")["vpc"]],
                         ["vpc-01"])
        self.assertEqual(self.js("vpc", "get", "vpc-01")["IPv4_CIDR"], "192.168.0.0/16")

        r = self.sp("subnet", "add", "vpc-01", "-n", "subnet-02", "--cidr", "192.168.2.0/24")
        self.assertIn("subnet-02", r.stdout)
        head, rows = table(self.sp("subnet", "list", "vpc-01").stdout)
        self.assertEqual(head, ["NAME", "SYSTEM ID", "ZONE", "CIDR"])
        self.assertEqual([(r[0], r[3]) for r in rows],
                         [("subnet-01", "192.168.1.0/24"), ("subnet-02", "192.168.2.0/24")])
        self.assertEqual(self.js("subnet", "get", "vpc-01", "subnet-02")["IPv4_CIDR"],
                         "192.168.2.0/24")
        self.assertEqual(self.sp("subnet", "count", "-c", self.conn).stdout, "2\n")
        self.assertEqual(self.sp("subnet", "remove", "vpc-01", "subnet-02").stdout,
                         "Removed subnet 'subnet-02'.\n")
        self.assertEqual(self.sp("subnet", "count", "-c", self.conn).stdout, "1\n")
        r = self.sp("subnet", "get", "vpc-01", "subnet-02", code=1)
        self.assertIn("subnet-02", r.stderr)

        self.assertEqual(self.sp("vpc", "delete", "vpc-01").stdout,
                         "Deleted VPC 'vpc-01'.\n")
        r = self.sp("vpc", "get", "vpc-01", code=1)
        self.assertEqual(r.stderr, "spctl: The VPC 'vpc-01' does not exist! (HTTP 404)\n")
        self.assertEqual(self.rows("vpc", "list"), [])

    def test_security_group_rules(self):
        self.sp("vpc", "create", "-n", "vpc-01", "--cidr", "10.0.0.0/16",
                "--subnet", "subnet-01,10.0.1.0/24")
        r = self.sp("securitygroup", "create", "-n", "sg-01", "--vpc", "vpc-01",
                    "--rule", "inbound,tcp,22,22,0.0.0.0/0", "--rule", "outbound,tcp,1,65535")
        self.assertRegex(r.stdout, r"(?m)^\s+- Direction:\s+inbound$")
        head, rows = table(self.sp("securitygroup", "list").stdout)
        self.assertEqual(head, ["NAME", "SYSTEM ID", "VPC", "RULES"])
        self.assertEqual([(r[0], r[2], r[3]) for r in rows], [("sg-01", "vpc-01", "2")])
        self.assertEqual([r[0] for r in self.rows("securitygroup", "list", "--vpc", "vpc-01")],
                         ["sg-01"])

        self.sp("securitygroup", "add-rules", "sg-01", "--rule", "inbound,tcp,80,80",
                "-r", "inbound,udp,53,53,10.0.0.0/8")
        rules = self.js("securitygroup", "get", "sg-01")["SecurityRules"]
        self.assertEqual(len(rules), 4)
        self.assertIn({"Direction": "inbound", "IPProtocol": "UDP", "FromPort": "53",
                       "ToPort": "53", "CIDR": "10.0.0.0/8"}, rules)
        # The mock refuses a rule it has already.
        self.sp("securitygroup", "add-rules", "sg-01", "--rule", "inbound,tcp,80,80", code=1)
        self.assertEqual(
            self.sp("securitygroup", "remove-rules", "sg-01", "--rule", "inbound,tcp,80,80").stdout,
            "Removed rules from security group 'sg-01'.\n")
        self.assertEqual(self.rows("securitygroup", "list")[0][3], "3")

        csp_id = self.js("securitygroup", "get", "sg-01")["IId"]["SystemId"]
        owner = self.js("securitygroup", "owner", "--csp-id", csp_id)
        self.assertEqual(owner["NameId"], "vpc-01")
        self.assertEqual(self.sp("securitygroup", "delete", "sg-01").stdout,
                         "Deleted security group 'sg-01'.\n")

    def test_keypair_private_key_file(self):
        tmp = tempfile.mkdtemp(prefix="spctl-key-")
        path = os.path.join(tmp, "kp.pem")
        try:
            r = self.sp("keypair", "create", "-n", "keypair-01", "--private-key-file", path)
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
            with open(path) as fh:
                key = fh.read()
            self.assertIn("BEGIN RSA PRIVATE KEY", key)
            self.assertTrue(key.endswith("\n"))
            self.assertNotIn("BEGIN RSA PRIVATE KEY", r.stdout)
            self.assertRegex(r.stdout, rf"(?m)^PrivateKey:\s+\(written to {re.escape(path)}\)$")

            # Not in --json output either.
            other = os.path.join(tmp, "json.pem")
            out = self.js("keypair", "create", "-n", "keypair-02", "--private-key-file", other)
            self.assertEqual(out["PrivateKey"], f"(written to {other})")
            self.assertEqual(out["IId"]["NameId"], "keypair-02")
            with open(other) as fh:
                self.assertIn("BEGIN RSA PRIVATE KEY", fh.read())
            self.sp("keypair", "delete", "keypair-02")

            # No overwriting, and no key pair whose key would be lost.
            r = self.sp("keypair", "create", "-n", "keypair-02", "--private-key-file", path,
                        code=1)
            self.assertIn("does not overwrite", r.stderr)
            with open(path) as fh:
                self.assertEqual(fh.read(), key)
            # A failed create leaves no file behind.
            other = os.path.join(tmp, "other.pem")
            self.sp("keypair", "create", "-n", "keypair-01", "--private-key-file", other,
                    code=1)
            self.assertFalse(os.path.exists(other))
        finally:
            shutil.rmtree(tmp)
        head, rows = table(self.sp("keypair", "list").stdout)
        self.assertEqual(head, ["NAME", "SYSTEM ID", "FINGERPRINT", "VM USER"])
        self.assertEqual([r[0] for r in rows], ["keypair-01"])
        self.assertNotIn("BEGIN RSA PRIVATE KEY", self.sp("keypair", "get", "keypair-01").stdout)
        # Without a file the key is shown, this once.
        self.assertIn("BEGIN RSA PRIVATE KEY",
                      self.sp("keypair", "create", "-n", "keypair-03").stdout)
        self.assertEqual(self.sp("keypair", "delete", "keypair-03").stdout,
                         "Deleted key pair 'keypair-03'.\n")

    def test_vm_lifecycle(self):
        self.network()
        r = self.vm()
        self.assertRegex(r.stdout, r"(?m)^PublicIP:\s+4.3.2.1$")
        head, rows = table(self.sp("vm", "list").stdout)
        self.assertEqual(head, ["NAME", "SYSTEM ID", "STATUS", "SPEC", "IMAGE", "VPC",
                                "SUBNET", "PUBLIC IP", "PRIVATE IP"])
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][:1] + rows[0][2:],
                         ["vm-01", "Running", "mock-vmspec-01", "mock-vmimage-01",
                          "vpc-01", "subnet-01", "4.3.2.1", "1.2.3.4"])
        self.assertEqual([v["IId"]["NameId"] for v in self.js("vm", "list")["vm"]], ["vm-01"])
        self.assertEqual(self.js("vm", "get", "vm-01")["VMSpecName"], "mock-vmspec-01")
        head, rows = table(self.sp("vm", "status").stdout)
        self.assertEqual(head, ["NAME", "SYSTEM ID", "STATUS"])
        self.assertEqual(rows[0][0::2], ["vm-01", "Running"])
        self.assertEqual(self.js("vm", "status")["vmstatus"][0]["VmStatus"], "Running")

        self.assertEqual(self.sp("vm", "suspend", "vm-01").stdout, "Suspending\n")
        self.assertEqual(self.sp("vm", "status", "vm-01").stdout, "Suspended\n")
        self.sp("vm", "reboot", "vm-01", code=1)  # the mock: not while suspended
        self.assertEqual(self.sp("vm", "resume", "vm-01").stdout, "Resuming\n")
        self.assertEqual(self.sp("vm", "status", "vm-01").stdout, "Running\n")
        self.assertEqual(self.sp("vm", "reboot", "vm-01").stdout, "Rebooting\n")
        self.assertEqual(self.js("vm", "status", "vm-01"), {"Status": "Running"})

        csp_id = self.js("vm", "get", "vm-01")["IId"]["SystemId"]
        using = self.js("vm", "resources", "--csp-id", csp_id)["Resources"]
        self.assertEqual(using["VPC"]["NameId"], "vpc-01")

        self.assertRegex(self.sp("vm", "delete", "vm-01").stdout,
                         r"^Deleted VM 'vm-01': Terminat(ing|ed)\n$")
        self.assertEqual(self.rows("vm", "list"), [])
        self.sp("vm", "status", "vm-01", code=1)

    def test_disks(self):
        self.network()
        self.vm()
        self.sp("disk", "create", "-n", "disk-01", "--type", "SSD", "--size", "100")
        head, rows = table(self.sp("disk", "list").stdout)
        self.assertEqual(head, ["NAME", "SYSTEM ID", "ZONE", "TYPE", "SIZE(GB)", "STATUS", "VM"])
        self.assertEqual(rows[0][:1] + rows[0][3:], ["disk-01", "SSD", "100", "Available", "-"])
        r = self.sp("disk", "attach", "disk-01", "--vm", "vm-01")
        self.assertRegex(r.stdout, r"(?m)^Status:\s+Attached$")
        self.assertEqual(self.rows("disk", "list")[0][5:], ["Attached", "vm-01"])
        self.assertEqual(self.sp("disk", "detach", "disk-01", "--vm", "vm-01").stdout,
                         "Detached disk 'disk-01'.\n")
        self.assertEqual(self.sp("disk", "resize", "disk-01", "--size", "200").stdout,
                         "Resized disk 'disk-01'.\n")
        disk = self.js("disk", "get", "disk-01")
        self.assertEqual((disk["DiskSize"], disk["Status"]), ("200", "Available"))
        self.assertEqual(self.sp("disk", "delete", "disk-01").stdout,
                         "Deleted disk 'disk-01'.\n")
        self.assertEqual(self.rows("disk", "list"), [])

    def test_myimages(self):
        self.network()
        self.vm()
        self.sp("myimage", "create", "-n", "image-01", "--vm", "vm-01")
        head, rows = table(self.sp("myimage", "list").stdout)
        self.assertEqual(head, ["NAME", "SYSTEM ID", "SOURCE VM", "STATUS", "CREATED"])
        self.assertEqual(rows[0][0], "image-01")
        self.assertEqual(rows[0][2], "vm-01")
        self.assertEqual([i["IId"]["NameId"] for i in self.js("myimage", "list")["myImage"]],
                         ["image-01"])
        self.assertEqual(self.js("myimage", "get", "image-01")["SourceVM"]["NameId"], "vm-01")
        self.assertEqual(self.sp("myimage", "count", "-c", self.conn).stdout, "1\n")
        self.assertEqual(self.sp("myimage", "delete", "image-01").stdout,
                         "Deleted MyImage 'image-01'.\n")

    def test_tags(self):
        self.sp("vpc", "create", "-n", "vpc-01", "--cidr", "10.0.0.0/16",
                "--subnet", "subnet-01,10.0.1.0/24", "--tag", "env=test")
        on = ("-t", "vpc", "-r", "vpc-01")
        r = self.sp("tag", "add", *on, "--tag", "owner=me")
        self.assertRegex(r.stdout, r"(?m)^Value:\s+me$")
        head, rows = table(self.sp("tag", "list", *on).stdout)
        self.assertEqual(head, ["KEY", "VALUE"])
        self.assertEqual(sorted(rows), [["env", "test"], ["owner", "me"]])
        self.assertEqual(self.js("tag", "list", *on)["resourceType"], "VPC")
        self.assertEqual(self.js("tag", "get", "owner", *on)["Value"], "me")
        self.assertEqual(self.sp("tag", "remove", "owner", *on).stdout,
                         "Removed tag 'owner'.\n")
        self.assertEqual(self.rows("tag", "list", *on), [["env", "test"]])
        r = self.sp("tag", "list", "-t", "bogus", "-r", "vpc-01", code=1)
        self.assertIn("(HTTP 400)", r.stderr)

    def test_anycall(self):
        for n in ("vpc-01", "vpc-02"):
            self.sp("vpc", "create", "-n", n, "--cidr", "10.0.0.0/16",
                    "--subnet", "subnet-01,10.0.1.0/24")
        head, rows = table(self.sp("anycall", "--fid", "countAll", "--in", "rsType=vpc").stdout)
        self.assertEqual(head, ["KEY", "VALUE"])
        self.assertEqual(rows, [["Count", "2"]])
        self.assertEqual(self.js("anycall", "--fid", "countAll", "--in", "rsType=vpc")["FID"],
                         "countAll")

    def test_register_mapping_count(self):
        self.network()
        self.vm()
        self.sp("disk", "create", "-n", "disk-01")
        self.sp("myimage", "create", "-n", "image-01", "--vm", "vm-01")
        # The server does not unregister what another resource uses: these
        # are used by nothing once the ones before them are gone.
        self.sp("vpc", "create", "-n", "vpc-02", "--cidr", "10.2.0.0/16",
                "--subnet", "subnet-01,10.2.1.0/24")
        self.sp("securitygroup", "create", "-n", "sg-02", "--vpc", "vpc-01")
        self.sp("keypair", "create", "-n", "keypair-02")
        names = {"vpc": "vpc-02", "securitygroup": "sg-02", "keypair": "keypair-02",
                 "vm": "vm-01", "disk": "disk-01", "myimage": "image-01"}
        order = ["myimage", "vm", "disk", "keypair", "securitygroup", "vpc"]
        empty = self.daemon.add_mock_connection(name="t-empty", mock_name="t-empty")
        for cmd, _, key in sorted(MANAGED, key=lambda m: order.index(m[0])):
            with self.subTest(cmd=cmd):
                name = names[cmd]
                csp_id = self.js(cmd, "get", name)["IId"]["SystemId"]
                self.assertGreaterEqual(int(self.sp(cmd, "count").stdout), 1)  # all connections
                n = len(self.js(cmd, "list")[key])
                self.assertEqual(self.sp(cmd, "count", "-c", self.conn).stdout, f"{n}\n")
                self.assertEqual(self.js(cmd, "count", "-c", empty), {"count": 0})
                self.assertIn(["Mapped", name, csp_id], self.rows(cmd, "mapping"))

                self.assertEqual(self.sp(cmd, "unregister", name).stdout,
                                 f"Unregistered {self.what(cmd)} '{name}'.\n")
                self.assertEqual(self.sp(cmd, "count", "-c", self.conn).stdout, f"{n - 1}\n")
                self.assertIn(["OnlyCSP", csp_id],
                              [r[0::2] for r in self.rows(cmd, "mapping")])
                head, rows = table(self.sp(cmd, "mapping", "--info").stdout)
                self.assertEqual(head[:3], ["LIST", "NAME", "SYSTEM ID"])
                self.assertIn(["OnlyCSP", csp_id], [r[0:3:2] for r in rows])
                info = self.js(cmd, "mapping", "--info")["AllListInfo"]
                self.assertEqual(len(info["OnlyCSPInfoList"]), 1)

                extra = {"securitygroup": ("--vpc", "vpc-01")}.get(cmd, ())
                self.sp(cmd, "register", "-n", name + "-again", "--csp-id", csp_id, *extra)
                self.assertIn(["Mapped", name + "-again", csp_id], self.rows(cmd, "mapping"))
                self.assertIn(name + "-again",
                              [i["IId"]["NameId"] for i in self.js(cmd, "list")[key]])
        # Unmapped cloud objects can go by their cloud ID.
        for cmd in order:
            with self.subTest(cmd=cmd):
                name = names[cmd] + "-again"
                csp_id = self.js(cmd, "get", name)["IId"]["SystemId"]
                self.sp(cmd, "unregister", name)
                self.assertEqual(self.sp(cmd, "csp-delete", csp_id).stdout,
                                 f"Deleted {self.what(cmd)} '{csp_id}'.\n")
                self.assertNotIn(csp_id, self.sp(cmd, "mapping").stdout)

    @staticmethod
    def what(cmd):
        return {"vpc": "VPC", "securitygroup": "security group", "keypair": "key pair",
                "vm": "VM", "disk": "disk", "myimage": "MyImage"}[cmd]

    def test_subnet_register(self):
        self.sp("vpc", "create", "-n", "vpc-01", "--cidr", "10.0.0.0/16",
                "--subnet", "subnet-01,10.0.1.0/24", "--subnet", "subnet-02,10.0.2.0/24")
        csp_id = self.js("subnet", "get", "vpc-01", "subnet-02")["IId"]["SystemId"]
        self.assertEqual(self.sp("subnet", "unregister", "subnet-02", "--vpc", "vpc-01").stdout,
                         "Unregistered subnet 'subnet-02'.\n")
        self.sp("subnet", "get", "vpc-01", "subnet-02", code=1)
        self.sp("subnet", "register", "-n", "subnet-02b", "--vpc", "vpc-01", "--csp-id", csp_id)
        self.assertEqual(self.js("subnet", "get", "vpc-01", "subnet-02b")["IId"]["SystemId"],
                         csp_id)
        self.sp("subnet", "unregister", "subnet-02b", "--vpc", "vpc-01")
        self.assertEqual(self.sp("subnet", "csp-delete", "vpc-01", csp_id).stdout,
                         f"Deleted subnet '{csp_id}'.\n")
        self.assertEqual([r[0] for r in self.rows("subnet", "list", "vpc-01")], ["subnet-01"])

    def test_cspname(self):
        self.sp("vpc", "create", "-n", "vpc-01", "--cidr", "10.0.0.0/16",
                "--subnet", "subnet-01,10.0.1.0/24")
        csp_id = self.js("vpc", "get", "vpc-01")["IId"]["SystemId"]
        self.assertEqual(self.sp("cspname", "vpc-01", "--type", "vpc").stdout, csp_id + "\n")
        self.assertEqual(self.js("cspname", "vpc-01", "-t", "vpc"), {"Name": csp_id})
        self.sp("cspname", "no-such-vpc", "--type", "vpc", code=1)

    def test_destroy(self):
        self.network()
        self.vm()
        self.sp("disk", "create", "-n", "disk-01")
        r = self.sp("destroy", code=2)
        self.assertIn("--yes", r.stderr)
        self.assertEqual(len(self.rows("vm", "list")), 1)
        r = self.sp("destroy", "--yes")
        head, rows = table(r.stdout.rsplit("\n", 2)[0])
        self.assertEqual(head, ["TYPE", "DELETED", "NOT DELETED"])
        deleted = {row[0]: row[1] for row in rows}
        self.assertEqual(deleted["vm"], "vm-01")
        self.assertEqual(deleted["vpc"], "vpc-01")
        self.assertTrue(r.stdout.endswith(
            f"Destroyed every resource of connection '{self.conn}'.\n"), r.stdout)
        for cmd, _, _ in MANAGED:
            self.assertEqual(self.rows(cmd, "list"), [], cmd)
        self.assertIs(self.js("destroy", "--yes")["IsAllDestroyed"], True)

    @unittest.skipUnless(shutil.which("ssh-keygen"), "needs ssh-keygen")
    def test_keypair_import(self):
        tmp = tempfile.mkdtemp(prefix="spctl-pub-")
        self.addCleanup(shutil.rmtree, tmp)
        key = os.path.join(tmp, "id")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                        "me@laptop", "-f", key], check=True)
        with open(key + ".pub") as fh:
            line = fh.read()
        fp = subprocess.run(["ssh-keygen", "-l", "-f", key + ".pub"], check=True,
                            capture_output=True, text=True).stdout.split()[1]

        r = self.sp("keypair", "create", "-n", "kp-file", "--public-key-file", key + ".pub")
        self.assertEqual(r.stderr, "")  # no "keep the PrivateKey" hint
        self.assertRegex(r.stdout, rf"(?m)^PublicKey:\s+{re.escape(line.strip())}$")
        self.assertRegex(r.stdout, rf"(?m)^Fingerprint:\s+{re.escape(fp)}$")
        self.assertNotIn("PrivateKey", r.stdout)
        out = self.js("keypair", "create", "-n", "kp-stdin", "--public-key-file", "-",
                      stdin=line)
        self.assertEqual((out["PublicKey"], out["Fingerprint"]), (line.strip(), fp))
        self.assertNotIn("PrivateKey", out)
        rows = self.rows("keypair", "list")
        self.assertEqual(sorted((r[0], r[2]) for r in rows),
                         [("kp-file", fp), ("kp-stdin", fp)])

        bad = temp_file(self, "bad-pub", "ssh-ed25519 not-base64 me@laptop\n")
        r = self.sp("keypair", "create", "-n", "kp-bad", "--public-key-file", bad, code=1)
        self.assertIn("ReqInfo.PublicKey", r.stderr)
        self.assertIn("(HTTP 400)", r.stderr)
        r = self.sp("keypair", "create", "-n", "kp-none", "--public-key-file",
                    os.path.join(tmp, "missing.pub"), code=1)
        self.assertIn("cannot open", r.stderr)
        self.assertEqual(sorted(r[0] for r in self.rows("keypair", "list")),
                         ["kp-file", "kp-stdin"])

    def test_errors(self):
        r = self.sp("vpc", "get", "no-such-vpc", code=1)
        self.assertEqual(r.stderr, "spctl: The VPC 'no-such-vpc' does not exist! (HTTP 404)\n")
        self.assertEqual(r.stdout, "")
        r = self.sp("vm", "suspend", "no-such-vm", code=1)
        self.assertIn("no-such-vm", r.stderr)
        self.sp("keypair", "create", "-n", "keypair-01")
        r = self.sp("keypair", "create", "-n", "keypair-01", code=1)
        self.assertIn("(HTTP 409)", r.stderr)
        r = self.sp("vpc", "list", "-c", "no-such-conn", code=1)
        self.assertIn("no-such-conn", r.stderr)


@unittest.skipUnless(os.path.exists(harness.SPIDERD),
                     f"no spiderd at {harness.SPIDERD}")
class CloudAddTest(DaemonCase):
    """'cloud add' against a real spiderd with the mock cloud: every test
    uses its own name prefix, and so its own objects."""

    def add(self, *args, code=0, stdin=None):
        r = spctl("cloud", "add", "-P", "MOCK", *args, server=self.daemon.url,
                  stdin=stdin)
        if code:
            self.assertFails(r, code)
        else:
            self.assertOk(r)
        return r

    def cim(self, what, name):
        r = self.daemon.get(f"/spider/{what}/{name}")
        return r.json() if r.status == 200 else None

    def kv(self, obj):
        return {e["Key"]: e["Value"] for e in obj["KeyValueInfoList"]}

    def counts(self):
        return tuple(self.daemon.get(f"/spider/count{w}").json()["count"]
                     for w in ("driver", "credential", "region", "connectionconfig"))

    def test_two_regions_and_rerun(self):
        args = ("--name", "two", "--regions", "mars,venus/venus-z2", "--kv-file", "-")
        r = self.add(*args, stdin="# the mock's account\nMockName=two-secret\n")
        self.assertEqual(r.stdout,
                         "CONNECTION  REGION  ZONE      CHECK  ERROR\n"
                         "two-mars    mars    mars-z1   ok     -\n"
                         "two-venus   venus   venus-z2  ok     -\n")
        self.assertEqual(r.stderr, "")
        driver = self.cim("connectionconfig", "two-mars")["DriverName"]
        self.assertEqual(self.cim("driver", driver)["ProviderName"], "MOCK")
        cred = self.cim("credential", "two-credential")
        self.assertEqual(self.kv(cred), {"MockName": "Hidden for security."})
        for name, region, zone in (("two-mars", "mars", "mars-z1"),
                                   ("two-venus", "venus", "venus-z2")):
            self.assertEqual(self.kv(self.cim("region", name)),
                             {"Region": region, "Zone": zone})
            conn = self.cim("connectionconfig", name)
            self.assertEqual((conn["CredentialName"], conn["RegionName"], conn["DriverName"]),
                             ("two-credential", name, driver))
        # the connections work
        rz = self.daemon.get("/spider/regionzone/venus?ConnectionName=two-venus")
        self.assertEqual(rz.status, 200, rz)

        # again: the same answer, nothing new
        before = self.counts()
        r2 = self.add(*args, stdin="MockName=two-secret\n")
        self.assertEqual(r2.stdout, r.stdout)
        self.assertEqual(self.counts(), before)
        # a region more, with the credential there already
        r3 = self.add("--name", "two", "--regions", "jupiter")
        self.assertEqual(table(r3.stdout)[1],
                         [["two-jupiter", "jupiter", "jupiter-z1", "ok", "-"]])
        self.assertEqual(self.counts(), (before[0], before[1], before[2] + 1, before[3] + 1))
        out = json.loads(spctl("--json", "cloud", "add", "-P", "mock", "--name", "two",
                               "--regions", "jupiter", server=self.daemon.url).stdout)
        self.assertEqual(out, {"ProviderName": "MOCK", "DriverName": driver,
                               "CredentialName": "two-credential",
                               "connectionconfig": [{"ConfigName": "two-jupiter",
                                                     "Region": "jupiter", "Zone": "jupiter-z1",
                                                     "Check": "ok"}]})

    def test_bad_credential_fails_the_check(self):
        # a MockName the mock refuses: registered, but no connection opens
        r = self.add("--name", "badc", "--regions", "mars/mars-z1,venus/venus-z3",
                     "--kv", "MockName=bad/name", code=1)
        head, rows = table(r.stdout)
        self.assertEqual(head, ["CONNECTION", "REGION", "ZONE", "CHECK", "ERROR"])
        self.assertEqual([row[:4] for row in rows],
                         [["badc-mars", "mars", "mars-z1", "failed"],
                          ["badc-venus", "venus", "venus-z3", "failed"]])
        for row in rows:
            self.assertIn("MockName 'bad/name' is invalid", row[4])
            self.assertIn("(HTTP 400)", row[4])
        self.assertIn("2 of 2 connections failed the check", r.stderr)
        self.assertIsNotNone(self.cim("connectionconfig", "badc-venus"))
        # the fix: the same command with the right credential
        r = self.add("--name", "badc", "--regions", "mars/mars-z1,venus/venus-z3",
                     "--kv", "MockName=-", stdin="badc\n")
        self.assertEqual([row[3] for row in table(r.stdout)[1]], ["ok", "ok"])
        # an injected failure shows as the cloud's error (502)
        r = self.add("--name", "flaky", "--regions", "mars", "--kv", "MockName=flaky",
                     "--kv", "MockFailOp=CheckConnection", code=1)
        row = table(r.stdout)[1][0]
        self.assertEqual(row[:4], ["flaky-mars", "mars", "mars-z1", "failed"])
        self.assertIn("injected failure", row[4])
        self.assertIn("(HTTP 502)", row[4])

    def test_failure_half_way(self):
        # a region the cloud does not have: found before any region is made
        r = self.add("--name", "half", "--regions", "mars,pluto", "--kv", "MockName=half",
                     code=1)
        self.assertEqual(r.stdout, "")
        self.assertIn("region 'pluto' does not exist (HTTP 404)", r.stderr)
        self.assertIn("asking MOCK for the zones of region 'pluto' failed; "
                      "registered before it: credential 'half-credential'", r.stderr)
        self.assertIn("run the same command again", r.stderr)
        self.assertIsNone(self.cim("region", "half-mars"))
        # a region name the server refuses, after another region is done
        r = self.add("--name", "half", "--regions", "mars,bad+name/z1", "--kv",
                     "MockName=half", code=1)
        self.assertEqual(r.stdout, "")
        self.assertIn("half-bad+name", r.stderr)
        self.assertIn("(HTTP 400)", r.stderr)
        self.assertIn("registering region 'half-bad+name' failed; registered before it: "
                      "credential 'half-credential', region 'half-mars', "
                      "connection 'half-mars'\n", r.stderr)
        self.assertIsNotNone(self.cim("connectionconfig", "half-mars"))
        # no keys and no credential to reuse
        r = self.add("--name", "nocred", "--regions", "mars", code=1)
        self.assertIn("no credential 'nocred-credential'", r.stderr)
        self.assertIn("--kv", r.stderr)
        self.assertIsNone(self.cim("region", "nocred-mars"))


if __name__ == "__main__":
    unittest.main()
