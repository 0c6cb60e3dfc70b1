"""GET /spider/events: the event bus as Server-Sent Events (docs/api.md
"Events (SSE)"): hello, connection-setup changes as "config" events,
resuming, filters, reset, the stream cap, bad parameters, the login, and a
prompt stop with streams open."""
import http.client
import io
import json
import os
import socket
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, basic_auth, check_error, wait_for  # noqa: E402

DRIVER = {"DriverName": "ev-driver01", "ProviderName": "MOCK",
          "DriverLibFileName": "mock-driver-v1.0.so"}
STREAMS_MAX = 64


class Stream:
    """One SSE connection over a plain socket: status, headers, and its
    events one by one.  Chunks are decoded here so that a read that times
    out loses nothing."""

    def __init__(self, d, path="/spider/events", headers=None, auth=True,
                 timeout=10):
        u = urllib.parse.urlsplit(d.url)
        self.sock = socket.create_connection((u.hostname, u.port),
                                             timeout=timeout)
        head = [f"GET {path} HTTP/1.1", f"Host: {u.hostname}:{u.port}",
                "Accept: text/event-stream"]
        if auth:
            head.append("Authorization: " + basic_auth())
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        self.raw = b""     # received, not decoded yet
        self.body = b""    # decoded, not consumed yet
        self.eof = False
        while b"\r\n\r\n" not in self.raw:
            got = self.sock.recv(65536)
            if not got:
                raise AssertionError(f"no HTTP answer: {self.raw!r}")
            self.raw += got
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        status_line, _, header_bytes = head.partition(b"\r\n")
        self.status = int(status_line.split()[1])
        self.headers = http.client.parse_headers(
            io.BytesIO(header_bytes + b"\r\n\r\n"))
        self.chunked = "chunked" in (self.headers.get("Transfer-Encoding")
                                     or "").lower()
        self.length = self.headers.get("Content-Length")
        self._decode()

    def _decode(self):
        if not self.chunked:
            self.body += self.raw
            self.raw = b""
            if self.length is not None and \
                    len(self.body) >= int(self.length):
                self.eof = True
            return
        while b"\r\n" in self.raw:
            size_line, rest = self.raw.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                self.eof = True
                return
            if len(rest) < size + 2:
                return
            self.body += rest[:size]
            self.raw = rest[size + 2:]

    def _fill(self, timeout):
        """Receive more; False when the time is up."""
        self.sock.settimeout(max(timeout, 0.001))
        try:
            got = self.sock.recv(65536)
        except (socket.timeout, TimeoutError):
            return False
        except OSError:
            got = b""
        if not got:
            self.eof = True
        self.raw += got
        self._decode()
        return True

    def text(self, timeout=10):
        """The whole (error) answer."""
        deadline = time.monotonic() + timeout
        while not self.eof and self._fill(deadline - time.monotonic()):
            pass
        return self.body.decode()

    def _line(self, deadline):
        while b"\n" not in self.body:
            if self.eof:
                return None
            if not self._fill(deadline - time.monotonic()):
                raise AssertionError("no event in time")
        line, self.body = self.body.split(b"\n", 1)
        return line.decode()

    def next(self, timeout=10, comments=False):
        """The next event as {"id","event","data"} (data parsed), or
        {"comment"} when comments; None at the end of the stream."""
        deadline = time.monotonic() + timeout
        ev = {}
        while True:
            line = self._line(deadline)
            if line is None:
                return None
            if line == "":
                if ev:
                    if "data" in ev:
                        ev["data"] = json.loads(ev["data"])
                    return ev
                continue
            if line.startswith(":"):
                if comments:
                    return {"comment": line[1:].strip()}
                continue
            field, _, value = line.partition(": ")
            ev[field] = value

    def quiet(self, seconds):
        """True when nothing at all arrives for seconds."""
        deadline = time.monotonic() + seconds
        while not self.body and not self.eof and \
                time.monotonic() < deadline:
            self._fill(deadline - time.monotonic())
        return not self.body and not self.eof

    def close(self):
        self.sock.close()


class EventsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def open(self, *args, **kw):
        s = Stream(self.d, *args, **kw)
        self.addCleanup(s.close)
        return s

    def hello(self, s):
        ev = s.next()
        self.assertEqual(ev["event"], "hello", ev)
        self.assertEqual(ev["id"], str(ev["data"]["last"]), ev)
        return ev["data"]["last"]

    def config(self, s, action, typ, name):
        ev = s.next()
        self.assertIsNotNone(ev, "stream ended")
        self.assertEqual(ev["event"], "config", ev)
        e = ev["data"]
        self.assertEqual(ev["id"], str(e["seq"]))
        self.assertEqual(set(e), {"seq", "kind", "ns", "time", "data"}, e)
        self.assertEqual(e["kind"], "config")
        self.assertEqual(e["ns"], "")
        self.assertRegex(e["time"],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(e["data"], {"action": action, "type": typ,
                                     "name": name})
        return e["seq"]

    def test_hello_then_connection_setup_events(self):
        s = self.open()
        self.assertEqual(s.status, 200)
        self.assertEqual(s.headers.get("Content-Type"), "text/event-stream")
        self.assertEqual(s.headers.get("Cache-Control"), "no-cache")
        self.assertIsNone(s.headers.get("Content-Length"))
        last = self.hello(s)
        self.d.add_mock_connection("ev-conn")
        seqs = [self.config(s, "create", "driver", "mock-driver01"),
                self.config(s, "create", "credential", "ev-conn-cred"),
                self.config(s, "create", "region", "ev-conn-region"),
                self.config(s, "create", "connectionconfig", "ev-conn")]
        self.assertEqual(seqs, list(range(last + 1, last + 5)))

        # a second put of a name is an update; deleting a missing one
        # changes nothing and says nothing
        self.assertEqual(self.d.post("/spider/driver", DRIVER).status, 200)
        self.config(s, "create", "driver", "ev-driver01")
        self.assertEqual(self.d.post("/spider/driver", DRIVER).status, 200)
        self.config(s, "update", "driver", "ev-driver01")
        self.assertEqual(self.d.delete("/spider/driver/ev-nothing").status,
                         200)
        self.assertEqual(self.d.delete("/spider/driver/ev-driver01").status,
                         200)
        self.config(s, "delete", "driver", "ev-driver01")
        # a refused change says nothing either
        r = self.d.delete("/spider/driver/mock-driver01")
        self.assertEqual(r.status, 409, r)
        self.assertTrue(s.quiet(1.5))

    def test_resume_after_last_event_id(self):
        first = self.hello(self.open())
        for i in range(3):
            body = dict(DRIVER, DriverName=f"ev-resume{i}")
            self.assertEqual(self.d.post("/spider/driver", body).status, 200)
        # the header (what EventSource sends) wins over the query key
        s = self.open(f"/spider/events?lastEventId={first + 2}",
                      headers={"Last-Event-ID": str(first + 1)})
        self.assertEqual(self.config(s, "create", "driver", "ev-resume1"),
                         first + 2)
        self.assertEqual(self.config(s, "create", "driver", "ev-resume2"),
                         first + 3)
        s = self.open(f"/spider/events?lastEventId={first + 2}")
        self.assertEqual(self.config(s, "create", "driver", "ev-resume2"),
                         first + 3)
        # up to date: nothing, then the next change
        s = self.open(f"/spider/events?lastEventId={first + 3}")
        self.assertTrue(s.quiet(1))
        self.assertEqual(self.d.delete("/spider/driver/ev-resume0").status,
                         200)
        self.config(s, "delete", "driver", "ev-resume0")

    def test_reset_when_the_id_is_unknown(self):
        # an id from an earlier process (ids restart at 1) is past the
        # newest: the client is told to re-read its state
        s = self.open(headers={"Last-Event-ID": "999999999"})
        ev = s.next()
        self.assertEqual(ev["event"], "reset", ev)
        last = ev["data"]["last"]
        self.assertEqual(ev["id"], str(last))
        self.assertLess(last, 999999999)
        body = dict(DRIVER, DriverName="ev-after-reset")
        self.assertEqual(self.d.post("/spider/driver", body).status, 200)
        self.assertGreater(self.config(s, "create", "driver",
                                       "ev-after-reset"), last)

    def test_kinds_and_ns_filters(self):
        only_vm = self.open("/spider/events?kinds=vm,mcis")
        config_too = self.open("/spider/events?kinds=vm,config")
        other_ns = self.open("/spider/events?ns=ns01")
        for s in (only_vm, config_too, other_ns):
            self.hello(s)
        body = dict(DRIVER, DriverName="ev-filter")
        self.assertEqual(self.d.post("/spider/driver", body).status, 200)
        self.config(config_too, "create", "driver", "ev-filter")
        self.assertTrue(only_vm.quiet(1.5))
        self.assertTrue(other_ns.quiet(0.5))

    def test_bad_parameters_are_400(self):
        for path, headers, name in [
                ("/spider/events?lastEventId=abc", None, "lastEventId"),
                ("/spider/events?lastEventId=-1", None, "lastEventId"),
                ("/spider/events", {"Last-Event-ID": "1x"}, "Last-Event-ID"),
                ("/spider/events?kinds=vm,,mcis", None, "kinds"),
                ("/spider/events?kinds=vm%20mcis", None, "kinds"),
                ("/spider/events?ns=" + "n" * 200, None, "ns")]:
            r = self.d.get(path, headers=headers)
            check_error(self, r, 400, "BadRequest", contains=[name])

    def test_login_is_required(self):
        r = self.d.get("/spider/events", auth=False)
        check_error(self, r, 401, "Unauthorized", message="Unauthorized")
        r = self.d.get("/spider/events", auth=("tester", "wrong"))
        self.assertEqual(r.status, 401, r)

    def test_post_is_405(self):
        r = self.d.post("/spider/events", {})
        self.assertEqual(r.status, 405, r)
        self.assertEqual(r.headers.get("Allow"), "GET")


class KeepaliveTest(unittest.TestCase):
    def test_keepalive_comment_after_15_s_of_silence(self):
        with Daemon() as d:
            s = Stream(d, "/spider/events?kinds=vm", timeout=30)
            try:
                t0 = time.monotonic()
                self.assertEqual(s.next()["event"], "hello")
                ev = s.next(timeout=25, comments=True)
                took = time.monotonic() - t0
                self.assertEqual(ev, {"comment": "keepalive"})
                self.assertGreater(took, 14)
                self.assertLess(took, 20)
            finally:
                s.close()


class StreamCapTest(unittest.TestCase):
    def test_at_most_64_streams(self):
        with Daemon() as d:
            streams = []
            try:
                for _ in range(STREAMS_MAX):
                    s = Stream(d)
                    streams.append(s)
                    self.assertEqual(s.status, 200)
                for s in streams:
                    self.assertEqual(s.next()["event"], "hello")
                r = d.get("/spider/events")
                check_error(self, r, 503, "Unavailable",
                            contains=[str(STREAMS_MAX)])
                # other routes are served as usual meanwhile
                self.assertEqual(d.get("/spider/driver").status, 200)
                streams.pop().close()

                def reopened():
                    s = Stream(d)
                    if s.status == 200:
                        streams.append(s)
                        return True
                    s.text()
                    s.close()
                    return False
                self.assertTrue(wait_for(reopened, timeout=10, interval=0.2),
                                "a closed stream's place was not given back")
                self.assertEqual(streams[-1].next()["event"], "hello")
            finally:
                for s in streams:
                    s.close()


class StopTest(unittest.TestCase):
    def test_stop_with_streams_open_is_prompt(self):
        d = Daemon().start()
        self.addCleanup(d.cleanup)
        streams = [Stream(d), Stream(d, "/spider/events?kinds=vm")]
        for s in streams:
            self.addCleanup(s.close)
            self.assertEqual(s.next()["event"], "hello")
        t0 = time.monotonic()
        rc = d.stop(timeout=30)
        took = time.monotonic() - t0
        self.assertEqual(rc, 0, d.stderr())
        self.assertLess(took, 3, "open event streams held up the stop")
        for s in streams:
            self.assertIsNone(s.next(timeout=5), "the stream did not end")


if __name__ == "__main__":
    unittest.main()
