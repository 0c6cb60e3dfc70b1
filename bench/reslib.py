#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Helpers for bench/res.sh (the resource benchmarks of issue 3).

  reslib.py fanout URL OUTDIR        100 mock connections x 5 VMs, 200 ms per
                                     cloud call: GET /spider/vm on all of them
                                     at once, and on one alone
  reslib.py creates URL OUTDIR       10 connections, VM create delay 1 s: one
                                     create alone, then 200 at once
  reslib.py status-setup URL WWW     a connection with one VM for the vmstatus
                                     load; its answer goes to WWW/vmstatus.json
  reslib.py nginx DIR PORT WORKERS OUTDIR LOCATION FILE
                                     start nginx with run.sh's settings serving
                                     DIR/www/FILE at LOCATION; print its pids
  reslib.py throughput OUTDIR SPIDERD_URL NGINX_URL PATH SPIDERD_PID NGINX_PID...
                                     interleaved wrk runs against both servers
  reslib.py report OUTDIR DOC|-      print the summary; rewrite the resources
                                     section of DOC (unless '-')

Environment: AUTH_HEADER ("Authorization: Basic ..."; lib.sh exports it) and
the RES_* knobs that res.sh documents.
"""
import base64
import concurrent.futures
import http.client
import json
import os
import re
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402  (parse_wrk, read_env, fmt_*)

# The knobs (RES_<name> in the environment), with their defaults.
K = {k: int(os.environ.get("RES_" + k, v)) for k, v in {
    "FANOUT_CONNS": 100, "FANOUT_VMS": 5, "LATENCY_MS": 200, "FANOUT_ROUNDS": 7,
    "CREATE_CONNS": 10, "CREATE_PER_CONN": 20, "CREATE_DELAY_MS": 1000, "CREATE_ROUNDS": 5,
    "RUNS": 5, "DURATION": 6, "THREADS": 2, "CONNS": 64, "WARMUP": 2}.items()}

SETTLE_S = 0.5         # idle time before each measured burst
GOAL_FANOUT = 1.3      # all lists at once / one cloud call
GOAL_CREATES = 1.5     # 200 creates at once / one create alone
GOAL_STATUS = 0.5      # spiderd req/s / nginx req/s

BEGIN, END = benchlib.RESOURCES_BEGIN, benchlib.RESOURCES_END
NOTES_BEGIN = "<!-- resources-notes:begin (kept by bench/res.sh; edit by hand) -->"
NOTES_END = "<!-- resources-notes:end -->"

VM_REQ = {"ImageName": "mock-vmimage-01", "VMSpecName": "mock-vmspec-01",
          "VPCName": "vpc-01", "SubnetName": "subnet-01", "SecurityGroupNames": ["sg-01"]}


def die(msg):
    sys.stderr.write("bench: error: %s\n" % msg)
    sys.exit(1)


def log(msg):
    sys.stderr.write("bench: %s\n" % msg)


# --- HTTP ---------------------------------------------------------------------
def _auth():
    h = os.environ.get("AUTH_HEADER", "")
    if h.startswith("Authorization: "):
        return h[len("Authorization: "):]
    user, pw = os.environ.get("SPIDER_USERNAME", ""), os.environ.get("SPIDER_PASSWORD", "")
    return "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()


AUTH = _auth()


def call(base, method, path, body=None, timeout=120.0):
    """One request on a fresh connection: (status, parsed JSON or raw text)."""
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    headers = {"Authorization": AUTH}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        raw = r.read()
    finally:
        conn.close()
    try:
        return r.status, json.loads(raw)
    except ValueError:
        return r.status, raw.decode(errors="replace")


def must(base, method, path, body=None):
    st, ans = call(base, method, path, body)
    if st != 200:
        die("%s %s: %s %s" % (method, path, st, ans))
    return ans


def _request_bytes(host, method, path, body):
    data = json.dumps(body).encode() if body is not None else b""
    head = ["%s %s HTTP/1.1" % (method, path), "Host: %s" % host, "Authorization: " + AUTH,
            "Connection: close", "Content-Length: %d" % len(data)]
    if body is not None:
        head.append("Content-Type: application/json")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + data


def _response(buf, eof):
    """(status, answer) once buf holds a whole response, else None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return (None, "closed early: %r" % bytes(buf[:200])) if eof else None
    head = bytes(buf[:end]).decode("latin-1").split("\r\n")
    m = re.search(rb"(?im)^content-length:\s*(\d+)", bytes(buf[:end]))
    body = bytes(buf[end + 4:])
    if m and len(body) < int(m.group(1)):
        return (None, "closed early: %r" % bytes(buf[:200])) if eof else None
    if not m and not eof:
        return None
    try:
        ans = json.loads(body)
    except ValueError:
        ans = body.decode(errors="replace")
    return int(head[0].split()[1]), ans


def burst(base, reqs, timeout=300.0):
    """Send every (method, path, body) at once, each on its own connection,
    from one thread (so the client costs little CPU beside the server).
    Returns (seconds from the start to the last answer,
    [(status, answer, seconds to this answer)])."""
    u = urllib.parse.urlsplit(base)
    raws = [_request_bytes(u.netloc, *r) for r in reqs]
    sel = selectors.DefaultSelector()
    out = [None] * len(raws)
    bufs = [bytearray() for _ in raws]
    t0 = time.perf_counter()
    for i, raw in enumerate(raws):
        s = socket.create_connection((u.hostname, u.port))
        s.sendall(raw)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
    left = len(raws)
    while left:
        events = sel.select(timeout=max(0.0, t0 + timeout - time.perf_counter()))
        if not events:
            die("%d of %d answers missing after %.0f s" % (left, len(raws), timeout))
        for key, _ in events:
            i, s = key.data, key.fileobj
            try:
                chunk = s.recv(65536)
            except OSError as e:
                chunk, out[i] = b"", (None, str(e), time.perf_counter() - t0)
            bufs[i] += chunk
            r = out[i] or _response(bufs[i], not chunk)
            if r is None:
                continue
            out[i] = r[:2] + (time.perf_counter() - t0,)
            sel.unregister(s)
            s.close()
            left -= 1
    sel.close()
    return max(r[2] for r in out), out


def pool_map(fn, items, workers=16):
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        return list(ex.map(fn, items))


# --- setup through the REST API -------------------------------------------------
def register_driver(base):
    must(base, "POST", "/spider/driver",
         {"DriverName": "mock-driver01", "ProviderName": "MOCK", "DriverLibFileName": "mock.so"})


def register_region(base, conn, knobs=()):
    kv = [{"Key": "Region", "Value": "default"}] + [{"Key": k, "Value": str(v)} for k, v in knobs]
    must(base, "POST", "/spider/region",
         {"RegionName": conn + "-region", "ProviderName": "MOCK", "KeyValueInfoList": kv})


def add_connection(base, conn, knobs=()):
    """A mock connection with its own cloud (MockName = conn), a VPC with one
    subnet and a security group."""
    must(base, "POST", "/spider/credential",
         {"CredentialName": conn + "-cred", "ProviderName": "MOCK",
          "KeyValueInfoList": [{"Key": "MockName", "Value": conn}]})
    register_region(base, conn, knobs)
    must(base, "POST", "/spider/connectionconfig",
         {"ConfigName": conn, "ProviderName": "MOCK", "DriverName": "mock-driver01",
          "CredentialName": conn + "-cred", "RegionName": conn + "-region"})
    must(base, "POST", "/spider/vpc",
         {"ConnectionName": conn, "ReqInfo": {
             "Name": "vpc-01", "IPv4_CIDR": "10.0.0.0/16",
             "SubnetInfoList": [{"Name": "subnet-01", "IPv4_CIDR": "10.0.1.0/24"}]}})
    must(base, "POST", "/spider/securitygroup",
         {"ConnectionName": conn, "ReqInfo": {
             "Name": "sg-01", "VPCName": "vpc-01",
             "SecurityRules": [{"Direction": "inbound", "IPProtocol": "TCP", "FromPort": "22",
                                "ToPort": "22", "CIDR": "0.0.0.0/0"}]}})


def vm_create_req(conn, name):
    return ("POST", "/spider/vm", {"ConnectionName": conn, "ReqInfo": dict(VM_REQ, Name=name)})


def check_created(conn, name, st, ans):
    nid = ans.get("IId", {}).get("NameId") if isinstance(ans, dict) else None
    if st != 200 or nid != name:
        die("create of VM %s on %s: %s %s" % (name, conn, st, str(ans)[:300]))


def create_vm(base, conn, name):
    st, ans = call(base, *vm_create_req(conn, name))
    check_created(conn, name, st, ans)


def list_problem(conn, st, ans, want):
    """Why an answer to GET /spider/vm is not a full, clean list (None if it is)."""
    if st != 200:
        return "%s: HTTP %s %s" % (conn, st, str(ans)[:300])
    vms = ans.get("vm") if isinstance(ans, dict) else None
    if not isinstance(vms, list):
        return "%s: no 'vm' list in %s" % (conn, str(ans)[:300])
    names = sorted(v.get("IId", {}).get("NameId", "?") for v in vms)
    if names != sorted(want):
        return "%s: VMs %s, want %s" % (conn, names, sorted(want))
    for v in vms:
        for kv in v.get("KeyValueList") or []:
            if kv.get("Key") == "Error":
                return "%s: VM %s has an Error: %s" % (conn, v["IId"].get("NameId"), kv.get("Value"))
    return None


def spiderd_facts(pid):
    """RSS (KiB) and thread count of the daemon after 1 s idle."""
    time.sleep(1)
    rss = thr = None
    try:
        for line in open("/proc/%s/status" % pid):
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("Threads:"):
                thr = int(line.split()[1])
    except OSError:
        pass
    return rss, thr


class Others:
    """The share of all CPUs that processes other than this one (with its
    reaped children), spiderd and the given pids used since it was made."""
    def __init__(self, *pids):
        self.pids = [p for p in (os.environ.get("SPIDERD_PID"),) + pids if p]
        self.start = self._snap()

    def _snap(self):
        f = [int(x) for x in open("/proc/stat").readline().split()[1:9]]
        t = os.times()
        mine = (t.user + t.system + t.children_user + t.children_system) * os.sysconf("SC_CLK_TCK")
        return f[0] + f[1] + f[2] + f[5] + f[6] + f[7] - mine - cpu_ticks(self.pids), sum(f)

    def pct(self):
        (b0, t0), (b1, t1) = self.start, self._snap()
        return max(0, round(100.0 * (b1 - b0) / (t1 - t0))) if t1 > t0 else 0


def conditions():
    """Load average and other work on the CPUs over 2 s while spiderd idles."""
    o = Others()
    time.sleep(2)
    return {"loadavg": open("/proc/loadavg").read().split()[:3], "busy_pct": o.pct()}


def dump(outdir, name, obj):
    with open(os.path.join(outdir, name), "w") as f:
        json.dump(obj, f, indent=1)


# --- 1. fan-out list ---------------------------------------------------------------
def cmd_fanout(base, outdir):
    conns = ["fan-%03d" % i for i in range(K["FANOUT_CONNS"])]
    vms = ["vm-%02d" % (j + 1) for j in range(K["FANOUT_VMS"])]
    log("fan-out: setting up %d connections with %d VMs each" % (len(conns), len(vms)))
    register_driver(base)

    def setup(conn):
        add_connection(base, conn)
        for v in vms:
            create_vm(base, conn, v)
    pool_map(setup, conns)
    log("fan-out: %d ms on every cloud call (re-registering the regions)" % K["LATENCY_MS"])
    pool_map(lambda c: register_region(base, c, [("MockLatencyMs", K["LATENCY_MS"])]), conns)

    def one_round(which):
        reqs = [("GET", "/spider/vm?ConnectionName=" + c, None) for c in which]
        wall, answers = burst(base, reqs)
        for c, (st, ans, _) in zip(which, answers):
            p = list_problem(c, st, ans, vms)
            if p:
                die("fan-out list failed: " + p)
        return wall, sorted(a[2] for a in answers)

    # Floor: what the client needs for the same burst on a route with no cloud call.
    floor = [burst(base, [("GET", "/spider/version", None)] * len(conns))[0]
             for _ in range(K["FANOUT_ROUNDS"])]
    cond = conditions()
    one_round(conns)   # warm-up: sessions open with the new knobs, threads made
    single, fan, per_req, cpu = [], [], [], []
    pid = os.environ["SPIDERD_PID"]
    others = Others()
    for r in range(K["FANOUT_ROUNDS"]):
        time.sleep(SETTLE_S)
        single.append(one_round([conns[r % len(conns)]])[0])
        time.sleep(SETTLE_S)
        t0 = cpu_ticks([pid])
        wall, each = one_round(conns)
        cpu.append((cpu_ticks([pid]) - t0) / os.sysconf("SC_CLK_TCK"))
        fan.append(wall)
        per_req.append(each)
        log("fan-out round %d/%d: one list %.1f ms, %d lists at once %.1f ms (spiderd CPU %.0f ms)"
            % (r + 1, K["FANOUT_ROUNDS"], single[-1] * 1e3, len(conns), wall * 1e3, cpu[-1] * 1e3))
    cond["other_during_pct"] = others.pct()
    if min(single) * 1e3 < K["LATENCY_MS"]:
        die("a list took %.1f ms, less than the injected %d ms: the latency knob did not take"
            % (min(single) * 1e3, K["LATENCY_MS"]))
    dump(outdir, "fanout.json", {
        "conns": len(conns), "vms": len(vms), "latency_ms": K["LATENCY_MS"],
        "single_s": single, "fanout_s": fan, "client_floor_s": floor, "spiderd_cpu_s": cpu,
        "fanout_answer_s": per_req, "conditions": cond,
        "spiderd_after": spiderd_facts(os.environ["SPIDERD_PID"])})


# --- 2. parallel creates ------------------------------------------------------------
def cmd_creates(base, outdir):
    conns = ["cr-%02d" % i for i in range(K["CREATE_CONNS"])]
    log("creates: setting up %d connections, VM create delay %d ms" % (len(conns), K["CREATE_DELAY_MS"]))
    register_driver(base)
    pool_map(lambda c: add_connection(base, c, [("MockCreateDelayMs", K["CREATE_DELAY_MS"])]), conns)

    def delete_all(names):
        reqs = [("DELETE", "/spider/vm/" + n, {"ConnectionName": c}) for c, n in names]
        _, answers = burst(base, reqs)
        for (c, n), (st, ans, _) in zip(names, answers):
            if st != 200:
                die("delete of VM %s on %s: %s %s" % (n, c, st, ans))

    # warm-up: one create per connection (sessions, threads, SQLite pages)
    warm = [(c, "warm") for c in conns]
    _, answers = burst(base, [vm_create_req(c, n) for c, n in warm])
    for (c, n), (st, ans, _) in zip(warm, answers):
        check_created(c, n, st, ans)
    delete_all(warm)
    cond = conditions()
    single, par, per_req = [], [], []
    others = Others()
    for r in range(K["CREATE_ROUNDS"]):
        time.sleep(SETTLE_S)
        solo = (conns[r % len(conns)], "solo-%d" % r)
        t0 = time.perf_counter()
        create_vm(base, *solo)
        single.append(time.perf_counter() - t0)
        names = [(c, "p%d-%02d" % (r, i)) for c in conns for i in range(K["CREATE_PER_CONN"])]
        time.sleep(SETTLE_S)
        wall, answers = burst(base, [vm_create_req(c, n) for c, n in names])
        for (c, n), (st, ans, _) in zip(names, answers):
            check_created(c, n, st, ans)
        par.append(wall)
        per_req.append(sorted(a[2] for a in answers))
        log("creates round %d/%d: one create %.0f ms, %d at once %.0f ms"
            % (r + 1, K["CREATE_ROUNDS"], single[-1] * 1e3, len(names), wall * 1e3))
        delete_all([solo] + names)
    cond["other_during_pct"] = others.pct()
    dump(outdir, "creates.json", {
        "conns": len(conns), "per_conn": K["CREATE_PER_CONN"], "delay_ms": K["CREATE_DELAY_MS"],
        "single_s": single, "parallel_s": par, "parallel_answer_s": per_req,
        "conditions": cond, "spiderd_after": spiderd_facts(os.environ["SPIDERD_PID"])})


# --- 3. vmstatus throughput ------------------------------------------------------------
STATUS_CONN = "st-conn"
STATUS_VM = "vm-01"


def cmd_status_setup(base, www):
    register_driver(base)
    add_connection(base, STATUS_CONN)
    create_vm(base, STATUS_CONN, STATUS_VM)
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request("GET", "/spider/vmstatus/%s?ConnectionName=%s" % (STATUS_VM, STATUS_CONN),
                 headers={"Authorization": AUTH})
    r = conn.getresponse()
    body = r.read()
    if r.status != 200 or json.loads(body) != {"Status": "Running"}:
        die("GET /spider/vmstatus/%s: %s %r" % (STATUS_VM, r.status, body))
    os.makedirs(www, exist_ok=True)
    with open(os.path.join(www, "vmstatus.json"), "wb") as f:
        f.write(body)


def cmd_nginx(d, port, workers, outdir, location, file):
    """Serve d/www/file at location from an nginx with run.sh's settings on
    127.0.0.1:port; check it serves the same bytes; print its pid and its
    workers' pids (the caller stops it)."""
    www = os.path.join(d, "www")
    L = ["worker_processes %s;" % workers, "pid %s/nginx.pid;" % d,
         "error_log %s/logs/error.log warn;" % d, "daemon off;",
         "events { worker_connections 4096; }", "http {", "  access_log off;",
         "  sendfile on; tcp_nopush on; tcp_nodelay on;",
         "  keepalive_requests 10000000; keepalive_timeout 65s;"]
    L += ["  %s_temp_path %s/tmp;" % (t, d) for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")]
    L += ["  server {", "    listen 127.0.0.1:%s;" % port, "    root %s;" % www,
          "    location = %s { default_type application/json; try_files /%s =404; }" % (location, file),
          "  }", "}"]
    for sub in ("logs", "tmp"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write("\n".join(L) + "\n")
    shutil.copy(conf, outdir)
    shutil.copy(os.path.join(www, file), outdir)
    # nginx started as root serves files as 'nobody': let it read them.
    for p in (os.path.dirname(d), d, www):
        os.chmod(p, 0o755)
    os.chmod(os.path.join(www, file), 0o644)
    cmd = ["nginx", "-p", d, "-c", conf]
    t = subprocess.run(cmd + ["-t"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if t.returncode:
        die("bad nginx config: " + t.stdout)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(d, "logs", "stderr.log"), "w"))
    try:
        url = "http://127.0.0.1:%s" % port
        wait_url(url, proc.pid)
        want = open(os.path.join(www, file), "rb").read()
        u = urllib.parse.urlsplit(url)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
        c.request("GET", location)
        r = c.getresponse()
        if r.status != 200 or r.read() != want:
            die("nginx does not serve the same bytes at " + location)
        kids = open("/proc/%d/task/%d/children" % (proc.pid, proc.pid)).read().split()
        if len(kids) != int(workers):
            die("nginx has %d workers, not %s" % (len(kids), workers))
    except BaseException:
        proc.terminate()
        proc.wait()
        raise
    print(proc.pid, *kids)


def wait_url(url, pid):
    u = urllib.parse.urlsplit(url)
    for _ in range(200):
        try:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=1)
            c.request("GET", "/")
            c.getresponse().read()
            return
        except OSError:
            pass
        try:
            os.kill(int(pid), 0)
        except OSError:
            die("pid %s exited before %s answered" % (pid, url))
        time.sleep(0.05)
    die("%s did not answer" % url)


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
        total += int(f[11]) + int(f[12])
    return total


def run_wrk(outdir, name, url, secs, pids=()):
    path = os.path.join(outdir, "wrk-%s.txt" % name)
    t0 = cpu_ticks(pids) if pids else None
    with open(path, "w") as f:
        rc = subprocess.call(["wrk", "-t%d" % K["THREADS"], "-c%d" % K["CONNS"], "-d%ds" % secs,
                              "--timeout", "5s", "--latency", "-H", "Authorization: " + AUTH, url],
                             stdout=f, stderr=subprocess.STDOUT, timeout=secs + 30)
    text = open(path).read()
    if rc != 0 or "Non-2xx or 3xx responses" in text:
        sys.stderr.write(text)
        die("wrk %s failed or got error responses" % name)
    r = benchlib.parse_wrk(path)
    if pids and r["requests"]:
        clk = os.sysconf("SC_CLK_TCK")
        r["cpu_us"] = (cpu_ticks(pids) - t0) / clk * 1e6 / r["requests"]
    return r


def cmd_throughput(outdir, spiderd_url, nginx_url, path, spiderd_pid, *nginx_pids):
    body = open(os.path.join(outdir, "vmstatus.json"), "rb").read()
    targets = {"spiderd": (spiderd_url + path, [spiderd_pid]), "nginx": (nginx_url + path, nginx_pids)}
    for s, (url, _) in targets.items():
        log("warm-up: %s %d s" % (s, K["WARMUP"]))
        run_wrk(outdir, "warmup-" + s, url, K["WARMUP"])
    cond = conditions()
    runs = {s: [] for s in targets}
    others = Others(*nginx_pids)
    for r in range(1, K["RUNS"] + 1):
        for s, (url, pids) in targets.items():
            log("run %d/%d: vmstatus on %s (wrk -t%d -c%d -d%ds)"
                % (r, K["RUNS"], s, K["THREADS"], K["CONNS"], K["DURATION"]))
            runs[s].append(run_wrk(outdir, "vmstatus-%s-%d" % (s, r), url, K["DURATION"], pids))
    cond["other_during_pct"] = others.pct()
    dump(outdir, "throughput.json", {"path": path, "runs": runs, "conditions": cond,
                                     "body": body.decode(), "body_bytes": len(body),
                                     "threads": K["THREADS"], "conns": K["CONNS"],
                                     "duration": K["DURATION"], "warmup": K["WARMUP"]})


# --- report ---------------------------------------------------------------------
def med(xs):
    return statistics.median(xs)


def ms(s):
    return "%.0f ms" % (s * 1e3) if s >= 0.1 else "%.1f ms" % (s * 1e3)


def kept(text, begin, end):
    """The text between two markers (None when they are not there)."""
    i, j = text.find(begin), text.find(end)
    return text[i + len(begin):j].strip("\n") if i >= 0 and j > i else None


def splice(text, block, begin=BEGIN, end=END):
    """Put block in place of the marked section (the resources one unless
    told), else before '## Analysis'."""
    i, j = text.find(begin), text.find(end)
    if i >= 0 and j > i:
        return text[:i] + block + text[j + len(end):]
    k = text.find("\n## Analysis")
    if k < 0:
        return text.rstrip("\n") + "\n\n" + block + "\n"
    return text[:k + 1] + block + "\n\n" + text[k + 1:]


def cond_text(c):
    return ("load average %s before; other work took %s %% of the CPUs in the 2 s before and %s %% during"
            % (" ".join(c["loadavg"]), c["busy_pct"], c.get("other_during_pct", "?")))


def _first_line(cmd):
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return (r.stdout.strip().splitlines() or ["?"])[0]
    except OSError:
        return "?"


def machine_facts():
    cpu = re.search(r"(?m)^model name\s*:\s*(.*)$", open("/proc/cpuinfo").read())
    mem = re.search(r"(?m)^MemTotal:\s*(\d+)", open("/proc/meminfo").read())
    osr = re.search(r'(?m)^PRETTY_NAME="?([^"\n]*)', open("/etc/os-release").read())
    return {"NPROC": str(os.cpu_count()), "CPU": cpu.group(1) if cpu else "?",
            "KERNEL": os.uname().release, "OS": osr.group(1) if osr else "?",
            "MEM": "%.1f GiB" % (int(mem.group(1)) / 1048576) if mem else "?",
            "WRK": " ".join(_first_line(["wrk", "-v"]).split()[:2]),
            "NGINX": _first_line(["nginx", "-v"]).replace("nginx version: ", ""),
            "PYTHON": _first_line([sys.executable, "-V"])}


def cmd_report(outdir, doc):
    f = dict(machine_facts(), **benchlib.read_env(os.path.join(outdir, "facts.env")))
    fo = json.load(open(os.path.join(outdir, "fanout.json")))
    cr = json.load(open(os.path.join(outdir, "creates.json")))
    th = json.load(open(os.path.join(outdir, "throughput.json")))
    lat = fo["latency_ms"] / 1e3
    fan_med, single_med, floor_med = med(fo["fanout_s"]), med(fo["single_s"]), med(fo["client_floor_s"])
    fan_ratio, single_ratio = fan_med / lat, single_med / lat
    c1, cpar = med(cr["single_s"]), med(cr["parallel_s"])
    cr_ratio = cpar / c1
    n_par = cr["conns"] * cr["per_conn"]
    runs = th["runs"]
    rps = {s: med([r["rps"] for r in runs[s]]) for s in runs}
    p99 = {s: med([r["p99"] for r in runs[s]]) for s in runs}
    cpu = {s: med([r["cpu_us"] for r in runs[s] if r.get("cpu_us") is not None] or [0]) for s in runs}
    st_ratio = rps["spiderd"] / rps["nginx"]
    ok = {"fan": fan_ratio <= GOAL_FANOUT, "cr": cr_ratio <= GOAL_CREATES, "st": st_ratio >= GOAL_STATUS}

    def mark(x):
        return "met" if x else "MISSED"
    print()
    print("Spider resource benchmarks, %s, %s CPUs, commit %s" % (f["DATE"], f["NPROC"], f["COMMIT"]))
    print("fan-out: %d lists at once %s (median of %d), %.2fx the %d ms call (goal <= %.1fx: %s);"
          " one list %s, %.2fx" % (fo["conns"], ms(fan_med), len(fo["fanout_s"]), fan_ratio,
                                   fo["latency_ms"], GOAL_FANOUT, mark(ok["fan"]), ms(single_med), single_ratio))
    print("creates: one %s, %d at once %s (medians of %d): %.2fx (goal <= %.1fx: %s)"
          % (ms(c1), n_par, ms(cpar), len(cr["parallel_s"]), cr_ratio, GOAL_CREATES, mark(ok["cr"])))
    print("vmstatus: spiderd %s req/s p99 %s, nginx %s req/s p99 %s: %.0f%% (goal >= 50%%: %s)"
          % (benchlib.fmt_rps(rps["spiderd"]), benchlib.fmt_ms(p99["spiderd"]),
             benchlib.fmt_rps(rps["nginx"]), benchlib.fmt_ms(p99["nginx"]), st_ratio * 100, mark(ok["st"])))
    if doc == "-":
        return

    text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
    old_notes = kept(text, NOTES_BEGIN, NOTES_END)
    L = [BEGIN, "## Resources (issue 3): fan-out lists, parallel creates, VM status", ""]
    L += ["`bash bench/res.sh` builds a release, starts `spiderd` on a free loopback port with its own",
          "data dir, sets everything up through the REST API with the mock cloud, measures the three",
          "figures below and rewrites this section (`bench/run.sh` keeps it, and the notes at its end).",
          "Raw outputs go to `bench/out/res-<time>/`.", ""]
    L += ["### Latest run: %s" % f["DATE"], ""]
    L += ["Commit `%s`; release build (`-O3 -DNDEBUG`); %s CPUs (%s); %s." % (
        f["COMMIT"], f["NPROC"], f["CPU"], f["OS"]), ""]
    L += ["| goal | measured (median) | |", "|---|---|---|"]
    L.append("| %d lists at once (%d connections × %d VMs, %d ms per cloud call) ≤ %.1f × one call | %s = %.2f × %d ms | **%s** |"
             % (fo["conns"], fo["conns"], fo["vms"], fo["latency_ms"], GOAL_FANOUT, ms(fan_med),
                fan_ratio, fo["latency_ms"], mark(ok["fan"]).lower()))
    L.append("| %d VM creates at once (%d connections × %d, create delay %d ms) ≤ %.1f × one create | %s = %.2f × %s | **%s** |"
             % (n_par, cr["conns"], cr["per_conn"], cr["delay_ms"], GOAL_CREATES, ms(cpar), cr_ratio,
                ms(c1), mark(ok["cr"]).lower()))
    L.append("| `GET /spider/vmstatus/:Name` ≥ 50 %% of nginx's requests/s | %.0f %% | **%s** |"
             % (st_ratio * 100, mark(ok["st"]).lower()))
    L.append("")

    L += ["### 1. Fan-out list", ""]
    L += ["%d mock connections, each its own cloud (`MockName`) with a VPC, a security group and %d"
          % (fo["conns"], fo["vms"]),
          "VMs, set up with no latency; then each connection's region is registered again with",
          "`MockLatencyMs=%d` (every cloud call sleeps %d ms first; the daemon reopens the sessions)."
          % (fo["latency_ms"], fo["latency_ms"]),
          "A round sends `GET /spider/vm?ConnectionName=…` for all %d connections at once (one new TCP"
          % fo["conns"],
          "connection each, all sent before the first answer, read with `select` in one client thread) and times the start",
          "to the last answer; every answer must be 200 with all %d VMs and no `Error` entry, or the" % fo["vms"],
          "run fails. One warm-up round, then %d rounds, each after one connection's list alone; 0.5 s idle"
          % len(fo["fanout_s"]), "before each measurement.", ""]
    L += ["| measure | median | ratio to %d ms | every round |" % fo["latency_ms"], "|---|---:|---:|---|"]
    L.append("| %d lists at once, start to last answer | %s | %.2f× | %s |" % (
        fo["conns"], ms(fan_med), fan_ratio, ", ".join(ms(x) for x in fo["fanout_s"])))
    L.append("| one list alone | %s | %.2f× | %s |" % (
        ms(single_med), single_ratio, ", ".join(ms(x) for x in fo["single_s"])))
    L.append("| client floor: %d × `GET /spider/version` at once (no login, no cloud call) | %s | | %s |" % (
        fo["conns"], ms(floor_med), ", ".join(ms(x) for x in fo["client_floor_s"])))
    if fo.get("spiderd_cpu_s"):
        L.append("| spiderd CPU time (user + system, all threads) per round of %d lists | %s | | %s |" % (
            fo["conns"], ms(med(fo["spiderd_cpu_s"])), ", ".join(ms(x) for x in fo["spiderd_cpu_s"])))
    L.append("")
    first = [r[0] for r in fo["fanout_answer_s"]]
    L += ["Within a round of %d, the first answer came after %s and the median answer after %s (medians"
          % (fo["conns"], ms(med(first)), ms(med([med(r) for r in fo["fanout_answer_s"]]))),
          "over the rounds). spiderd 1 s afterwards: %s KiB RSS, %s threads. Rounds: %s."
          % (fo["spiderd_after"][0], fo["spiderd_after"][1], cond_text(fo["conditions"])), ""]

    L += ["### 2. Parallel creates", ""]
    L += ["%d connections, each its own cloud, with `MockCreateDelayMs=%d` on the region: a new VM"
          % (cr["conns"], cr["delay_ms"]),
          "stays `Creating` for %d ms, and `POST /spider/vm` answers once the daemon has seen it leave"
          % cr["delay_ms"],
          "`Creating` (it polls the status after 0.1 s, then ×1.5 each time). A round times one create",
          "alone, then %d creates sent at the same moment (%d per connection, %d HTTP requests), start to"
          % (n_par, cr["per_conn"], n_par),
          "last answer; every answer must be 200 with the VM. The VMs are deleted between rounds. One",
          "warm-up create per connection first; 0.5 s idle before each measurement.", ""]
    L += ["| measure | median | every round |", "|---|---:|---|"]
    L.append("| one create alone | %s | %s |" % (ms(c1), ", ".join(ms(x) for x in cr["single_s"])))
    L.append("| %d creates at once, start to last answer | %s | %s |" % (
        n_par, ms(cpar), ", ".join(ms(x) for x in cr["parallel_s"])))
    L.append("| ratio | %.2f× | %s |" % (cr_ratio, ", ".join(
        "%.2f×" % (p / s) for p, s in zip(cr["parallel_s"], cr["single_s"]))))
    L.append("")
    L += ["Within a round, the first of the %d answers came after %s and the median after %s."
          % (n_par, ms(med([r[0] for r in cr["parallel_answer_s"]])),
             ms(med([med(r) for r in cr["parallel_answer_s"]]))),
          "spiderd 1 s afterwards: %s KiB RSS, %s threads. Rounds: %s."
          % (cr["spiderd_after"][0], cr["spiderd_after"][1], cond_text(cr["conditions"])), ""]

    L += ["### 3. VM status throughput", ""]
    L += ["`GET %s` (a connection with no injected latency, one Running VM) with wrk, %d" % (th["path"], th["conns"]),
          "connections, %d threads, %d runs of %d s, interleaved with nginx serving the same %s bytes"
          % (th["threads"], len(runs["spiderd"]), th["duration"], th["body_bytes"]),
          "(`%s`) as a static file, with run.sh's nginx settings (%s workers, `access_log off`, `sendfile`),"
          % (th["body"], f.get("WORKERS", "2")),
          "after a %d s warm-up of each; medians of the runs. Runs: %s."
          % (th["warmup"], cond_text(th["conditions"])), ""]
    L += ["| server | req/s | p99 | CPU µs/request | req/s per run | p99 per run |", "|---|---:|---:|---:|---|---|"]
    for s in ("spiderd", "nginx"):
        L.append("| %s | %s | %s | %.1f | %s | %s |" % (
            s, benchlib.fmt_rps(rps[s]), benchlib.fmt_ms(p99[s]), cpu[s],
            ", ".join(benchlib.fmt_rps(r["rps"]) for r in runs[s]),
            ", ".join(benchlib.fmt_ms(r["p99"]) for r in runs[s])))
    L.append("| spiderd / nginx | %.0f %% | | | %s | |" % (st_ratio * 100, ", ".join(
        "%.0f %%" % (100 * a["rps"] / b["rps"]) for a, b in zip(runs["spiderd"], runs["nginx"]))))
    L.append("")

    L += ["### Machine and method", ""]
    L += ["| | |", "|---|---|"]
    L.append("| CPUs (`nproc`), model | %s, %s |" % (f["NPROC"], f["CPU"]))
    L.append("| kernel, memory | %s, %s |" % (f["KERNEL"], f["MEM"]))
    L.append("| load average before / after the whole run | %s / %s |" % (f["LOAD_BEFORE"], f["LOAD_AFTER"]))
    L.append("| wrk / nginx / Python | %s / %s / %s |" % (f["WRK"], f["NGINX"], f["PYTHON"]))
    L.append("")
    busiest = max(max(c["busy_pct"], c.get("other_during_pct", 0))
                  for c in (fo["conditions"], cr["conditions"], th["conditions"]))
    if busiest >= 10:
        L += ["**This run shared the machine with other work** (up to %d %% of the CPUs busy with it before"
              % busiest, "or during a part): the figures are noisier than on an idle machine.", ""]
    L += ["```sh",
          "cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DSPIDER_TESTS=OFF",
          "cmake --build build-release -j$(nproc) --target spiderd spider_driver_mock",
          "SPIDER_USERNAME=bench SPIDER_PASSWORD=… build-release/bin/spiderd --listen 127.0.0.1:0 --data-dir $TMP/spiderd",
          "# setup: POST /spider/driver, /credential, /region (+ MockLatencyMs or MockCreateDelayMs),",
          "#        /connectionconfig, /vpc, /securitygroup, /vm per connection (bench/reslib.py)",
          "wrk -t%d -c%d -d%ds --timeout 5s --latency -H 'Authorization: Basic …' '<url>%s'"
          % (th["threads"], th["conns"], th["duration"], th["path"]),
          "```", "",
          "Knobs (environment): `RES_FANOUT_CONNS` (100), `RES_FANOUT_VMS` (5), `RES_LATENCY_MS` (200),",
          "`RES_FANOUT_ROUNDS` (7), `RES_CREATE_CONNS` (10), `RES_CREATE_PER_CONN` (20),",
          "`RES_CREATE_DELAY_MS` (1000), `RES_CREATE_ROUNDS` (5), `RES_RUNS` (5), `RES_DURATION` (6),",
          "`RES_THREADS` (2), `RES_CONNS` (64), `RES_WORKERS` (2), `RES_WARMUP` (2), `RES_NO_DOC=1`.", ""]
    L += ["### Notes", "", NOTES_BEGIN, old_notes if old_notes is not None else "_No notes written yet._",
          NOTES_END, END]
    tmp = doc + ".tmp"
    with open(tmp, "w") as out:
        out.write(splice(text, "\n".join(L)))
    os.replace(tmp, doc)
    print("wrote " + doc)


# name: (arguments, whether more may follow, function)
COMMANDS = {"fanout": (2, False, cmd_fanout), "creates": (2, False, cmd_creates),
            "status-setup": (2, False, cmd_status_setup), "nginx": (6, False, cmd_nginx),
            "report": (2, False, cmd_report),
            "throughput": (6, True, cmd_throughput)}


def main(argv):
    n, more, fn = COMMANDS.get(argv[1] if len(argv) > 1 else "", (0, False, None))
    if not fn or len(argv) - 2 < n or (len(argv) - 2 > n and not more):
        sys.stderr.write(__doc__)
        return 2
    fn(*argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
