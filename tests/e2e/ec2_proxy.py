"""A small fault-injecting HTTP proxy for EC2's Query API, in front of
moto_server: 127.0.0.1 on a free port, in-process, stopped by its owner.

Faults are set with set_faults() and apply to requests whose Action
matches (all when action is None); each count-limited fault is used up by
the requests it hits, in this order:

  throttle=N    answer 503 with an EC2 RequestLimitExceeded document
  error5xx=N    answer 500 with an HTML page (as moto does for unknowns)
  truncate=N    forward, then send half the body under the full length
  malformed=N   answer 200 with a body that is not well-formed XML
  huge=N        answer 200 with a body over the driver's 8 MiB cap
  latency_ms=M  every matching request waits M ms first (not used up)

counts[action] is how many requests of each Action came in.
"""
import http.client
import http.server
import threading
import time
import urllib.parse

THROTTLE_BODY = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
                 b'<Code>RequestLimitExceeded</Code><Message>Request limit exceeded.'
                 b'</Message></Error></Errors><RequestID>proxy</RequestID></Response>')
HTML_500 = b"<!DOCTYPE html><html><body><h1>Internal Server Error</h1></body></html>"
MALFORMED = (b'<?xml version="1.0"?>\n<DescribeVpcsResponse><vpcSet><item><vpcId>'
             b'vpc-1</vpcI></item></DescribeVpcsResponse>')


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, body, ctype="text/xml", length=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        form = urllib.parse.parse_qs(body.decode(errors="replace"))
        action = (form.get("Action") or [""])[0]
        proxy = self.server.proxy
        fault, latency = proxy._take(action)
        if latency:
            time.sleep(latency / 1000.0)
        if fault == "throttle":
            return self._send(503, THROTTLE_BODY)
        if fault == "error5xx":
            return self._send(500, HTML_500, "text/html")
        if fault == "malformed":
            return self._send(200, MALFORMED)
        if fault == "huge":
            chunk = b"<item><vpcId>vpc-0</vpcId></item>" * 4096
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(chunk) * 80 + 40))
            self.end_headers()
            self.wfile.write(b"<DescribeVpcsResponse><vpcSet>")
            try:
                for _ in range(80):
                    self.wfile.write(chunk)
            except OSError:
                pass
            self.close_connection = True
            return None
        status, headers, data = proxy._forward(self.path, body, self.headers)
        if fault == "truncate":
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:len(data) // 2])
            self.close_connection = True
            return None
        return self._send(status, data, headers.get("Content-Type", "text/xml"))

    do_GET = do_POST


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gave up (a timeout test) is not the proxy's fault.
        pass


class EC2Proxy:
    FAULTS = ("throttle", "error5xx", "truncate", "malformed", "huge")

    def __init__(self, upstream):
        u = urllib.parse.urlsplit(upstream)
        self.upstream = (u.hostname, u.port)
        self.lock = threading.Lock()
        self.faults = {}
        self.action = None
        self.latency_ms = 0
        self.counts = {}
        self.server = None
        self.thread = None
        self.url = None
        self._local = threading.local()

    def start(self):
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.proxy = self
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def set_faults(self, action=None, latency_ms=0, **counts):
        for k in counts:
            if k not in self.FAULTS:
                raise ValueError("unknown fault " + k)
        with self.lock:
            self.action = action
            self.latency_ms = latency_ms
            self.faults = dict(counts)
            self.counts = {}

    def clear(self):
        self.set_faults()

    def _take(self, action):
        with self.lock:
            self.counts[action] = self.counts.get(action, 0) + 1
            if self.action not in (None, action):
                return None, 0
            for k in self.FAULTS:
                if self.faults.get(k, 0) > 0:
                    self.faults[k] -= 1
                    return k, self.latency_ms
            return None, self.latency_ms

    def _forward(self, path, body, headers):
        conn = getattr(self._local, "conn", None)
        for attempt in range(2):
            if conn is None:
                conn = http.client.HTTPConnection(*self.upstream, timeout=60)
                self._local.conn = conn
            try:
                fwd = {k: v for k, v in headers.items()
                       if k.lower() not in ("connection", "content-length",
                                            "accept-encoding")}
                conn.request("POST", path, body=body, headers=fwd)
                r = conn.getresponse()
                return r.status, dict(r.getheaders()), r.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = self._local.conn = None
                if attempt:
                    raise
        raise RuntimeError("unreachable")
