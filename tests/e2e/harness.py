"""Start a real spiderd for end-to-end tests and talk to it over HTTP.

Each Daemon gets a fresh temporary data directory and a free loopback port
(the daemon binds port 0 and announces the port it got).  It stops itself
when the test ends, and a watchdog kills it if the test process dies.
"""
import base64
import ctypes
import ctypes.util
import glob
import http.client
import io
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

BIN_DIR = os.environ.get("SPIDER_BIN_DIR", os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "bin"))
SPIDERD = os.path.join(BIN_DIR, "spiderd")
SPCTL = os.path.join(BIN_DIR, "spctl")

# What ASan, LSan, UBSan and TSan print when they find something.
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:", "WARNING: ThreadSanitizer")

USER = "tester"
PASSWORD = "s3cret-Pa55word"


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<Response {self.status} {self.body[:200]!r}>"


class Daemon:
    """A running spiderd.  Use as a context manager or call stop()."""

    def __init__(self, data_dir=None, env=None, args=(), user=USER,
                 password=PASSWORD, listen="127.0.0.1:0", data_dir_arg=True):
        # listen=None / data_dir_arg=False leave out --listen / --data-dir
        # so a test can pass the env twins (SERVER_ADDRESS, SPIDER_DATA_DIR).
        self.listen = listen
        self.data_dir_arg = data_dir_arg
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="spider-e2e-")
        self.user = user
        self.password = password
        self.extra_env = env or {}
        self.args = list(args)
        self.proc = None
        self.url = None
        self.log_path = os.path.join(self.data_dir, "spiderd.stderr")

    def start(self, timeout=20):
        env = dict(os.environ)
        env.pop("SERVER_ADDRESS", None)
        env["SPIDER_USERNAME"] = self.user
        env["SPIDER_PASSWORD"] = self.password
        env.update(self.extra_env)
        self._log = open(self.log_path, "ab")
        argv = [SPIDERD]
        if self.listen is not None:
            argv += ["--listen", self.listen]
        if self.data_dir_arg:
            argv += ["--data-dir", self.data_dir]
        self.proc = subprocess.Popen(
            argv + self.args,
            stdout=subprocess.PIPE, stderr=self._log, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline().decode()
            if not line:
                break
            if line.startswith("spiderd: ready on "):
                self.url = line.split("ready on ", 1)[1].strip()
                return self
        self.stop()
        raise RuntimeError("spiderd did not become ready:\n" + self.stderr())

    def stderr(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Stop the daemon; return its exit code."""
        rc = None
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                rc = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
        elif self.proc:
            rc = self.proc.returncode
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None
        return rc

    def sanitizer_report(self):
        """The first sanitizer report in the daemon's stderr, or None."""
        log = self.stderr()
        for marker in SANITIZER_MARKERS:
            i = log.find(marker)
            if i >= 0:
                return log[max(0, i - 200):i + 3000]
        return None

    def cleanup(self):
        """Stop the daemon and remove its data; fail if a sanitizer
        reported anything while it ran (leaks are reported at exit)."""
        self.stop()
        report = self.sanitizer_report()
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        if report:
            raise AssertionError("spiderd: sanitizer report:\n" + report)

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.cleanup()

    # --- HTTP -----------------------------------------------------------
    def request(self, method, path, body=None, auth=True, headers=None,
                raw=None, timeout=30):
        """Send a request; body is JSON-encoded unless raw bytes are given."""
        url = self.url + path
        data = raw
        hdrs = dict(headers or {})
        if body is not None:
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        if auth is True:
            auth = (self.user, self.password)
        if auth:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            hdrs["Authorization"] = "Basic " + token
        req = urllib.request.Request(url, data=data, method=method,
                                     headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return Response(r.status, r.headers, r.read().decode())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read().decode())

    def get(self, path, body=None, **kw):
        return self.request("GET", path, body, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def delete(self, path, body=None, **kw):
        return self.request("DELETE", path, body, **kw)

    # --- set-up shortcuts ----------------------------------------------
    def add_mock_connection(self, name="mock-config01", mock_name="mock01",
                            region="default", cred_extra=(), region_extra=()):
        """Register driver, credential, region and config for the mock."""
        d = self.post("/spider/driver", {
            "DriverName": "mock-driver01", "ProviderName": "MOCK",
            "DriverLibFileName": "mock-driver-v1.0.so"})
        assert d.status == 200, d
        kv = [{"Key": "MockName", "Value": mock_name}]
        kv += [{"Key": k, "Value": v} for k, v in cred_extra]
        c = self.post("/spider/credential", {
            "CredentialName": name + "-cred", "ProviderName": "MOCK",
            "KeyValueInfoList": kv})
        assert c.status == 200, c
        rkv = [{"Key": "Region", "Value": region}]
        rkv += [{"Key": k, "Value": v} for k, v in region_extra]
        r = self.post("/spider/region", {
            "RegionName": name + "-region", "ProviderName": "MOCK",
            "KeyValueInfoList": rkv})
        assert r.status == 200, r
        cc = self.post("/spider/connectionconfig", {
            "ConfigName": name, "ProviderName": "MOCK",
            "DriverName": "mock-driver01", "CredentialName": name + "-cred",
            "RegionName": name + "-region"})
        assert cc.status == 200, cc
        return name


# --- helpers for the daemon's own e2e tests -----------------------------
def wait_for(predicate, timeout=20.0, interval=0.05):
    """Poll predicate() until it returns a true value; return that value
    (or the last false one when the time is up)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def driver_dir():
    """The build's plugin directory (<bindir>/../lib*/spider/drivers)."""
    root = os.path.normpath(os.path.join(BIN_DIR, ".."))
    for cand in sorted(glob.glob(os.path.join(root, "lib*", "spider",
                                              "drivers"))
                       + glob.glob(os.path.join(root, "lib*", "*", "spider",
                                                "drivers"))):
        if os.path.isdir(cand):
            return cand
    return None


def run_spiderd(args=(), env=None, timeout=30, keep_login=False):
    """Run spiderd expecting it to exit by itself (refused start-up).
    The login variables are removed from the environment unless keep_login;
    env entries are added afterwards.  Returns (returncode, stdout, stderr);
    returncode is None if it was still running after timeout (then killed).
    """
    full = dict(os.environ)
    for k in ("SERVER_ADDRESS", "SPIDER_DATA_DIR"):
        full.pop(k, None)
    if not keep_login:
        full.pop("SPIDER_USERNAME", None)
        full.pop("SPIDER_PASSWORD", None)
    full.update(env or {})
    proc = subprocess.Popen([SPIDERD] + list(args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=full)
    try:
        out, err = proc.communicate(timeout=timeout)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        rc = None
    return rc, out.decode(errors="replace"), err.decode(errors="replace")


def sha512_crypt(password):
    """A $6$ crypt(3) hash of password, made with `openssl passwd -6`."""
    out = subprocess.run(["openssl", "passwd", "-6", "-stdin"],
                         input=password.encode(), capture_output=True,
                         check=True)
    h = out.stdout.decode().strip()
    assert h.startswith("$6$"), h
    return h


def yescrypt_crypt(password):
    """A $y$ hash of password, or None when nothing here can make one.
    Tries mkpasswd (Debian's whois package), then libxcrypt through ctypes."""
    try:
        out = subprocess.run(["mkpasswd", "-m", "yescrypt", "--stdin"],
                             input=password.encode(), capture_output=True)
        h = out.stdout.decode().strip()
        if out.returncode == 0 and h.startswith("$y$"):
            return h
    except OSError:
        pass
    name = ctypes.util.find_library("crypt")
    if not name:
        return None
    try:
        lib = ctypes.CDLL(name)
        lib.crypt_gensalt.restype = ctypes.c_char_p
        lib.crypt_gensalt.argtypes = [ctypes.c_char_p, ctypes.c_ulong,
                                      ctypes.c_char_p, ctypes.c_int]
        lib.crypt.restype = ctypes.c_char_p
        lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        salt = lib.crypt_gensalt(b"$y$", 0, None, 0)
        if not salt:
            return None
        h = lib.crypt(password.encode(), salt)
    except (AttributeError, OSError):
        return None
    if not h or not h.startswith(b"$y$"):
        return None
    return h.decode()


def raw_http(url, method, path, headers=None, body=None, chunks=None,
             timeout=30):
    """Low-level request over a plain socket: send body bytes as they are,
    or a chunked body made of the byte strings in chunks.  Like curl, it
    stops sending when the server answers early (a 413 before the whole
    body is read) and reads that answer.  Returns a Response, or one with
    status 0 and the failure as body when no answer came."""
    u = urllib.parse.urlsplit(url)
    head = [f"{method} {path} HTTP/1.1", f"Host: {u.hostname}:{u.port}",
            "Connection: close"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    payload = b""
    if chunks is not None:
        head.append("Transfer-Encoding: chunked")
        payload = b"".join(b"%x\r\n%s\r\n" % (len(c), c)
                           for c in chunks if c) + b"0\r\n\r\n"
    elif body is not None:
        head.append(f"Content-Length: {len(body)}")
        payload = body
    data = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
    try:
        sock = socket.create_connection((u.hostname, u.port), timeout=timeout)
    except OSError as e:
        return Response(0, {}, repr(e))
    with sock:
        off = 0
        deadline = time.monotonic() + timeout
        while off < len(data) and time.monotonic() < deadline:
            readable, writable, _ = select.select([sock], [sock], [], 1)
            if readable:
                break  # an early answer
            if writable:
                try:
                    off += sock.send(data[off:off + 65536])
                except OSError:
                    break
        raw = b""
        while time.monotonic() < deadline:
            try:
                got = sock.recv(65536)
            except socket.timeout:
                break
            except OSError:
                break
            if not got:
                break
            raw += got
    # skip interim 1xx answers (100 Continue)
    while re.match(rb"HTTP/1\.[01] 1[0-9][0-9]", raw) and b"\r\n\r\n" in raw:
        raw = raw.split(b"\r\n\r\n", 1)[1]
    m = re.match(rb"HTTP/1\.[01] ([0-9]{3})[^\r\n]*\r\n", raw)
    if not m or b"\r\n\r\n" not in raw:
        return Response(0, {}, f"no HTTP answer: {raw[:200]!r}")
    header_bytes, rest = raw[m.end():].split(b"\r\n\r\n", 1)
    hdrs = http.client.parse_headers(io.BytesIO(header_bytes + b"\r\n\r\n"))
    if "chunked" in (hdrs.get("Transfer-Encoding") or "").lower():
        out = b""
        while rest:
            size_line, rest = rest.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            out += rest[:size]
            rest = rest[size + 2:]
        rest = out
    elif hdrs.get("Content-Length") is not None:
        rest = rest[:int(hdrs["Content-Length"])]
    return Response(int(m.group(1)), hdrs, rest.decode(errors="replace"))


def check_error(tc, resp, status, code, message=None, contains=()):
    """Assert an error reply: status, JSON {"message","code"} with the given
    code, the exact message if given, and each of contains in the message.
    Returns the message."""
    tc.assertEqual(resp.status, status, resp)
    try:
        body = resp.json()
    except ValueError:
        tc.fail(f"error body is not JSON: {resp!r}")
    tc.assertIsInstance(body, dict, resp)
    tc.assertEqual(body.get("code"), code, resp)
    msg = body.get("message")
    tc.assertIsInstance(msg, str, resp)
    tc.assertTrue(msg, resp)
    if message is not None:
        tc.assertEqual(msg, message, resp)
    for part in contains:
        tc.assertIn(part, msg, resp)
    return msg


def basic_auth(user=USER, password=PASSWORD):
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return "Basic " + token


HISCALL_RE = re.compile(
    r'^\[HISCALL\]\.\[(?P<host>[^\]\s]+)\] '
    r'(?P<date>\d{4}-\d{2}-\d{2}) (?P<time>\d{2}:\d{2}:\d{2}) '
    r'\((?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|'
    r'Sunday)\) '
    r'(?P<func>[A-Za-z_][A-Za-z0-9_]*)\(\):(?P<line>[0-9]+) - '
    r'"CloudOS" : "(?P<cloudos>[^"]*)", '
    r'"RegionZone" : "(?P<regionzone>[^"]*)", '
    r'"ResourceType" : "(?P<resourcetype>[^"]*)", '
    r'"ResourceName" : "(?P<resourcename>[^"]*)", '
    r'"CloudOSAPI" : "(?P<cloudosapi>[^"]*)", '
    r'"ElapsedTime" : "(?P<elapsed>[0-9]+\.[0-9]{4})", '
    r'"ErrorMSG" : "(?P<error>.*)"$')
"""One line of <data-dir>/log/hiscall.log (reference §15)."""
