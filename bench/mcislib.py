#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/mcislib.py - the service-layer benchmarks (issue 4), run by
bench/mcis.sh against a release spiderd:

  creates BASE OUT   an MCIS of 100 VMs over 10 mock connections (2 s create
                     delay each) against an MCIS of one VM; the calls in
                     flight per connection, read back from the call history
  status BASE OUT    ?option=status of a 1000-VM MCIS with 100 ms per cloud
                     call against one GET /spider/vmstatus
  ssh BASE OUT       one command on 50 VMs through a loopback sshd against
                     one VM
  report OUT DOC     print the summary; rewrite the MCIS section of DOC
                     ("-": print only)

Knobs (environment, MCIS_*): see bench/mcis.sh.
"""
import datetime
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import benchlib  # noqa: E402
from reslib import (AUTH, Others, call, cond_text, conditions, die, dump, kept, log, machine_facts,  # noqa: E402
                    med, ms, must, pool_map, register_driver, register_region, splice,
                    spiderd_facts)

K = {k: int(os.environ.get("MCIS_" + k, v)) for k, v in {
    "CREATE_CONNS": 10, "CREATE_PER_CONN": 10, "CREATE_DELAY_MS": 2000, "CREATE_ROUNDS": 3,
    "STATUS_CONNS": 10, "STATUS_VMS": 1000, "STATUS_LATENCY_MS": 100, "STATUS_ROUNDS": 7,
    "SSH_VMS": 50, "SSH_ROUNDS": 5, "CONN_CALLS": 20}.items()}
SETTLE_S = 0.5
GOAL_CREATE = 1.5
GOAL_STATUS = 1.3
NS = "bench"
BEGIN, END = benchlib.MCIS_BEGIN, benchlib.MCIS_END
NOTES_BEGIN = "<!-- mcis-notes:begin (kept by bench/mcis.sh; edit by hand) -->"
NOTES_END = "<!-- mcis-notes:end -->"
SPEC, IMAGE = "mock-vmspec-01", "mock-vmimage-01"


def connection(base, conn, knobs=()):
    """A mock connection with its own cloud (MockName = conn)."""
    must(base, "POST", "/spider/credential",
         {"CredentialName": conn + "-cred", "ProviderName": "MOCK",
          "KeyValueInfoList": [{"Key": "MockName", "Value": conn}]})
    register_region(base, conn, knobs)
    must(base, "POST", "/spider/connectionconfig",
         {"ConfigName": conn, "ProviderName": "MOCK", "DriverName": "mock-driver01",
          "CredentialName": conn + "-cred", "RegionName": conn + "-region"})


def group(name, conn, size):
    return {"name": name, "subGroupSize": str(size), "connectionName": conn,
            "commonSpec": SPEC, "commonImage": IMAGE}


def create(base, name, groups, want_running):
    t0 = time.perf_counter()
    st, ans = call(base, "POST", "/spider/ns/%s/mcisDynamic?wait=true" % NS,
                   {"name": name, "vm": groups}, timeout=3600)
    wall = time.perf_counter() - t0
    want = "Running:%d (R:%d/%d)" % (want_running, want_running, want_running)
    if st != 200 or ans.get("status") != want:
        die("create of MCIS %s: %s %s" % (name, st, str(ans)[:400]))
    return wall


def delete(base, name):
    st, ans = call(base, "DELETE", "/spider/ns/%s/mcis/%s?option=terminate&wait=true" % (NS, name), timeout=3600)
    if st != 200:
        die("delete of MCIS %s: %s %s" % (name, st, str(ans)[:400]))


def namespace(base):
    st, ans = call(base, "POST", "/spider/ns", {"name": NS, "description": "benchmarks"})
    if st not in (200, 409):
        die("namespace: %s %s" % (st, ans))


def peak_in_flight(base, conns):
    """The most VM creates (the whole of each, waits included: the
    "CB-Spider:StartVM()" line of the call history) that overlapped on one
    connection."""
    hist = must(base, "GET", "/spider/callhistory?Limit=10000")["callhistory"]
    peaks = {}
    for c in conns:
        edges = []
        for h in hist:
            if h["ConnectionName"] != c or h["CloudOSAPI"] != "CB-Spider:StartVM()":
                continue
            end = history_time(h["Time"])
            # Times are in ms: 2 ms off each end keeps a slot handed over
            # from one create to the next from looking like overlap.
            edges += [(end - float(h["ElapsedTime"]) + 0.002, 1), (end - 0.002, -1)]
        cur = best = 0
        for _, d in sorted(edges, key=lambda e: (e[0], e[1])):
            cur += d
            best = max(best, cur)
        peaks[c] = best
    return peaks


def history_time(s):
    """Seconds since the epoch of an RFC 3339 UTC time with milliseconds."""
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


# --- 1. creates ----------------------------------------------------------------
def cmd_creates(base, outdir):
    conns = ["mc-%02d" % i for i in range(K["CREATE_CONNS"])]
    per = K["CREATE_PER_CONN"]
    n = len(conns) * per
    log("creates: %d connections, create delay %d ms" % (len(conns), K["CREATE_DELAY_MS"]))
    register_driver(base)
    namespace(base)
    pool_map(lambda c: connection(base, c, [("MockCreateDelayMs", K["CREATE_DELAY_MS"])]), conns)
    # Warm-up, and the default resources of every connection, kept by an
    # MCIS that stays for the whole run (so no round makes or drops them).
    create(base, "keep", [group("k%02d" % i, c, 1) for i, c in enumerate(conns)], len(conns))
    cond = conditions()
    others = Others()
    single, many = [], []
    for r in range(K["CREATE_ROUNDS"]):
        time.sleep(SETTLE_S)
        single.append(create(base, "one-%d" % r, [group("g", conns[r % len(conns)], 1)], 1))
        time.sleep(SETTLE_S)
        many.append(create(base, "many-%d" % r, [group("g%02d" % i, c, per) for i, c in enumerate(conns)], n))
        log("creates round %d/%d: one VM %.0f ms, %d VMs %.0f ms"
            % (r + 1, K["CREATE_ROUNDS"], single[-1] * 1e3, n, many[-1] * 1e3))
        delete(base, "one-%d" % r)
        delete(base, "many-%d" % r)
    cond["other_during_pct"] = others.pct()
    peaks = peak_in_flight(base, conns)
    delete(base, "keep")
    dump(outdir, "mcis-creates.json", {
        "conns": len(conns), "per_conn": per, "delay_ms": K["CREATE_DELAY_MS"], "cap": K["CONN_CALLS"],
        "single_s": single, "many_s": many, "peaks": peaks, "conditions": cond,
        "spiderd_after": spiderd_facts(os.environ["SPIDERD_PID"])})


# --- 2. status -----------------------------------------------------------------
def cmd_status(base, outdir):
    conns = ["ms-%02d" % i for i in range(K["STATUS_CONNS"])]
    n = K["STATUS_VMS"]
    per = n // len(conns)
    lat = K["STATUS_LATENCY_MS"]
    log("status: %d VMs over %d connections, then %d ms per cloud call" % (n, len(conns), lat))
    register_driver(base)
    namespace(base)
    pool_map(lambda c: connection(base, c), conns)
    t0 = time.perf_counter()
    create(base, "big", [group("g%02d" % i, c, per) for i, c in enumerate(conns)], per * len(conns))
    log("status: created %d VMs in %.1f s" % (per * len(conns), time.perf_counter() - t0))
    # Every cloud call of these connections sleeps lat ms from here on
    # (registering a region again replaces it and reopens the sessions).
    pool_map(lambda c: register_region(base, c, [("MockLatencyMs", lat)]), conns)
    one_path = "/spider/vmstatus/%s-big-g00-1?ConnectionName=%s" % (NS, conns[0])
    all_path = "/spider/ns/%s/mcis/big?option=status" % NS
    want = "Running:%d (R:%d/%d)" % (per * len(conns), per * len(conns), per * len(conns))

    def timed(path):
        """Start to the answer's last byte (the client's JSON decoding,
        8 ms for the 400 KB of 1000 VMs in Python, comes after)."""
        u = urllib.parse.urlsplit(base)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
        try:
            t0 = time.perf_counter()
            conn.request("GET", path, headers={"Authorization": AUTH})
            r = conn.getresponse()
            raw = r.read()
            wall = time.perf_counter() - t0
        finally:
            conn.close()
        if r.status != 200:
            die("GET %s: %s %s" % (path, r.status, raw[:300]))
        return wall, json.loads(raw)
    timed(one_path)
    _, ans = timed(all_path)   # warm-up: the workers of the fan-out
    cond = conditions()
    others = Others()
    single, whole = [], []
    for r in range(K["STATUS_ROUNDS"]):
        time.sleep(SETTLE_S)
        w, ans = timed(one_path)
        if ans.get("Status") != "Running":
            die("one status: %s" % ans)
        single.append(w)
        time.sleep(SETTLE_S)
        w, ans = timed(all_path)
        if ans["status"]["status"] != want:
            die("MCIS status: %s, want %s" % (ans["status"]["status"], want))
        whole.append(w)
        log("status round %d/%d: one %.0f ms, %d VMs %.0f ms" % (r + 1, K["STATUS_ROUNDS"], single[-1] * 1e3,
                                                              per * len(conns), whole[-1] * 1e3))
    cond["other_during_pct"] = others.pct()
    dump(outdir, "mcis-status.json", {
        "conns": len(conns), "vms": per * len(conns), "latency_ms": lat, "single_s": single,
        "whole_s": whole, "conditions": cond, "spiderd_after": spiderd_facts(os.environ["SPIDERD_PID"])})


# --- 3. ssh --------------------------------------------------------------------
def cmd_ssh(base, outdir):
    import sshd_util
    if not sshd_util.available():
        die("ssh: /usr/sbin/sshd is missing (scripts/deps.sh installs openssh-server)")
    tmp = tempfile.mkdtemp(prefix="spider-bench-sshd-")
    sshd = sshd_util.Sshd(tmp).start()
    try:
        n = K["SSH_VMS"]
        conn = "mssh"
        register_driver(base)
        namespace(base)
        connection(base, conn, [("MockSSHAccessPoint", "127.0.0.1:%d" % sshd.port),
                                ("MockAuthorizedKeysFile", sshd.authorized_keys)])
        create(base, "sshfarm", [group("g", conn, n)], n)
        path = "/spider/ns/%s/cmd/mcis/sshfarm" % NS
        body = {"command": ["true"], "userName": sshd.user}

        def run(query, want):
            t0 = time.perf_counter()
            st, ans = call(base, "POST", path + query, body, timeout=600)
            wall = time.perf_counter() - t0
            if st != 200 or len(ans.get("results", [])) != want or any(r.get("err") for r in ans["results"]):
                die("command %s: %s %s" % (query, st, str(ans)[:400]))
            return wall
        run("?wait=true", n)   # first contact: host keys recorded
        cond = conditions()
        others = Others()
        single, every = [], []
        for r in range(K["SSH_ROUNDS"]):
            time.sleep(SETTLE_S)
            single.append(run("?wait=true&vmId=g-1", 1))
            time.sleep(SETTLE_S)
            every.append(run("?wait=true", n))
            log("ssh round %d/%d: one VM %.0f ms, %d VMs %.0f ms" % (r + 1, K["SSH_ROUNDS"], single[-1] * 1e3,
                                                                  n, every[-1] * 1e3))
        cond["other_during_pct"] = others.pct()
        delete(base, "sshfarm")
        ossh_single, ossh_every = openssh_reference(sshd, tmp, n, K["SSH_ROUNDS"])
    finally:
        sshd.stop()
    dump(outdir, "mcis-ssh.json", {"vms": n, "single_s": single, "every_s": every, "conditions": cond,
                                   "openssh_single_s": ossh_single, "openssh_every_s": ossh_every})


def openssh_reference(sshd, tmp, n, rounds):
    """The same through Debian's own ssh client: one login, then n at once
    (what the machine's sshd allows, without spiderd)."""
    import sshd_util
    key = os.path.join(tmp, "bench-key")
    sshd_util.keygen(key, "rsa", pem=True)
    sshd.authorize(sshd_util.read_pub(key + ".pub"))
    argv = ["ssh", "-i", key, "-p", str(sshd.port), "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes",
            "%s@127.0.0.1" % sshd.user, "true"]

    def one(_):
        if subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True).returncode != 0:
            die("ssh %s failed" % " ".join(argv))
    single, every = [], []
    for _ in range(rounds):
        time.sleep(SETTLE_S)
        t0 = time.perf_counter()
        one(0)
        single.append(time.perf_counter() - t0)
        time.sleep(SETTLE_S)
        t0 = time.perf_counter()
        pool_map(one, range(n), workers=n)
        every.append(time.perf_counter() - t0)
    log("ssh: OpenSSH's client: one %.0f ms, %d at once %.0f ms" % (med(single) * 1e3, n, med(every) * 1e3))
    return single, every


# --- report ----------------------------------------------------------------------
def cmd_report(outdir, doc):
    f = dict(machine_facts(), **benchlib.read_env(os.path.join(outdir, "facts.env")))
    cr = json.load(open(os.path.join(outdir, "mcis-creates.json")))
    st = json.load(open(os.path.join(outdir, "mcis-status.json")))
    sh = json.load(open(os.path.join(outdir, "mcis-ssh.json")))
    c1, cn = med(cr["single_s"]), med(cr["many_s"])
    s1, sn = med(st["single_s"]), med(st["whole_s"])
    h1, hn = med(sh["single_s"]), med(sh["every_s"])
    n_cr = cr["conns"] * cr["per_conn"]
    peak = max(cr["peaks"].values())
    ok = {"cr": cn / c1 <= GOAL_CREATE and peak <= cr["cap"], "st": sn / s1 <= GOAL_STATUS}

    def mark(x):
        return "met" if x else "MISSED"
    print()
    print("Spider MCIS benchmarks, %s, %s CPUs, commit %s" % (f["DATE"], f["NPROC"], f["COMMIT"]))
    print("create: one VM %s, %d VMs %s: %.2fx (goal <= %.1fx); peak %d creates in flight per connection"
          " (cap %d): %s" % (ms(c1), n_cr, ms(cn), cn / c1, GOAL_CREATE, peak, cr["cap"], mark(ok["cr"])))
    print("status: one call %s, %d-VM MCIS %s: %.2fx (goal <= %.1fx): %s"
          % (ms(s1), st["vms"], ms(sn), sn / s1, GOAL_STATUS, mark(ok["st"])))
    print("ssh: one VM %s, %d VMs %s: %.1fx" % (ms(h1), sh["vms"], ms(hn), hn / h1))
    if doc == "-":
        return
    text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
    notes = kept(text, NOTES_BEGIN, NOTES_END)
    L = [BEGIN, "## Multi-cloud services (issue 4): create, status, remote command", ""]
    L += ["`bash bench/mcis.sh` builds a release, starts `spiderd` on a free loopback port with its own",
          "data dir, sets everything up through the REST API with the mock cloud (and, for the command,",
          "a Debian OpenSSH server on loopback), measures the three figures below and rewrites this",
          "section (`bench/run.sh` keeps it, and the notes at its end). Raw outputs go to",
          "`bench/out/mcis-<time>/`.", ""]
    L += ["### Latest run: %s" % f["DATE"], ""]
    L += ["Commit `%s`; release build (`-O3 -DNDEBUG`); %s CPUs (%s); %s." % (
        f["COMMIT"], f["NPROC"], f["CPU"], f["OS"]), ""]
    L += ["| goal | measured (median) | |", "|---|---|---|"]
    L.append("| an MCIS of %d VMs over %d connections (%d ms create delay) ≤ %.1f × an MCIS of one VM, at most %d creates in flight per connection | %s = %.2f × %s; peak %d in flight | **%s** |"
             % (n_cr, cr["conns"], cr["delay_ms"], GOAL_CREATE, cr["cap"], ms(cn), cn / c1, ms(c1), peak,
                mark(ok["cr"]).lower()))
    L.append("| status of a %d-VM MCIS (%d ms per cloud call) ≤ %.1f × one call | %s = %.2f × %s | **%s** |"
             % (st["vms"], st["latency_ms"], GOAL_STATUS, ms(sn), sn / s1, ms(s1), mark(ok["st"]).lower()))
    L.append("| one command on %d VMs through a loopback sshd (no goal) | %s = %.1f × %s (one VM) | |"
             % (sh["vms"], ms(hn), hn / h1, ms(h1)))
    L.append("")
    L += ["### 1. Create", ""]
    L += ["%d connections, each its own mock cloud with `MockCreateDelayMs=%d` (a VM stays `Creating` that"
          % (cr["conns"], cr["delay_ms"]),
          "long; the daemon polls it after 0.1 s, then ×1.5 each time). An MCIS of one VM per connection",
          "stays for the run, so the namespace's default resources exist before the rounds. A round",
          "times `POST /spider/ns/bench/mcisDynamic?wait=true` of one VM, then of %d VMs (%d subGroups of %d,"
          % (n_cr, cr["conns"], cr["per_conn"]),
          "one per connection), each until the answer says `Running:n (R:n/n)`; both are deleted with",
          "`option=terminate` after. `SPIDER_CONN_CALLS=%d`. The peak is read back from the call history:"
          % cr["cap"],
          "the most `CB-Spider:StartVM()` lines (a whole VM create, waits included) of one connection",
          "that overlapped in time.", ""]
    L += ["| measure | median | every round |", "|---|---:|---|"]
    L.append("| MCIS of one VM | %s | %s |" % (ms(c1), ", ".join(ms(x) for x in cr["single_s"])))
    L.append("| MCIS of %d VMs | %s | %s |" % (n_cr, ms(cn), ", ".join(ms(x) for x in cr["many_s"])))
    L.append("| peak creates in flight per connection | %d | %s |" % (
        peak, ", ".join("%s: %d" % kv for kv in sorted(cr["peaks"].items()))))
    L.append("")
    L += ["spiderd 1 s afterwards: %s KiB RSS, %s threads. Rounds: %s." % (
        cr["spiderd_after"][0], cr["spiderd_after"][1], cond_text(cr["conditions"])), ""]
    L += ["### 2. Status", ""]
    L += ["An MCIS of %d VMs over %d connections made with no latency; then every connection's region is"
          % (st["vms"], st["conns"]),
          "registered again with `MockLatencyMs=%d`. A round times `GET /spider/vmstatus/<one VM>` (one"
          % st["latency_ms"],
          "cloud call), then `GET /spider/ns/bench/mcis/big?option=status` (each connection asked about",
          "its %d VMs in one `GetVMStatuses` call, all connections at once, each with its deadline; the"
          % (st["vms"] // st["conns"]),
          "answer must say `Running:%d (R:%d/%d)`), each from the request to the answer's last byte."
          % (st["vms"], st["vms"], st["vms"]), ""]
    L += ["| measure | median | every round |", "|---|---:|---|"]
    L.append("| one `vmstatus` | %s | %s |" % (ms(s1), ", ".join(ms(x) for x in st["single_s"])))
    L.append("| status of the %d-VM MCIS | %s | %s |" % (st["vms"], ms(sn), ", ".join(ms(x) for x in st["whole_s"])))
    L.append("")
    L += ["spiderd 1 s afterwards: %s KiB RSS, %s threads. Rounds: %s." % (
        st["spiderd_after"][0], st["spiderd_after"][1], cond_text(st["conditions"])), ""]
    L += ["### 3. Remote command", ""]
    L += ["A Debian `sshd` on a free loopback port (its own config and ed25519 host key); a mock connection",
          "with `MockSSHAccessPoint` pointing every VM at it and `MockAuthorizedKeysFile` its",
          "`authorized_keys`; an MCIS of %d VMs. A round times `POST …/cmd/mcis/sshfarm?wait=true` with"
          % sh["vms"],
          "`{\"command\":[\"true\"]}` on one VM (`vmId`), then on all %d (a new SSH connection each: key" % sh["vms"],
          "exchange, RSA public-key login, one exec channel). Host keys are recorded in a first run.", ""]
    L += ["| measure | median | every round |", "|---|---:|---|"]
    L.append("| one VM | %s | %s |" % (ms(h1), ", ".join(ms(x) for x in sh["single_s"])))
    L.append("| %d VMs | %s | %s |" % (sh["vms"], ms(hn), ", ".join(ms(x) for x in sh["every_s"])))
    if sh.get("openssh_single_s"):
        L.append("| reference: Debian's `ssh` client, one login running `true` | %s | %s |" % (
            ms(med(sh["openssh_single_s"])), ", ".join(ms(x) for x in sh["openssh_single_s"])))
        L.append("| reference: %d `ssh` clients at once | %s | %s |" % (
            sh["vms"], ms(med(sh["openssh_every_s"])), ", ".join(ms(x) for x in sh["openssh_every_s"])))
    L.append("")
    L += ["Rounds: %s." % cond_text(sh["conditions"]), ""]
    L += [NOTES_BEGIN, notes if notes is not None else
          "Notes: the %d SSH logins of a round share the machine's 2 CPUs with sshd's %d forked"
          % (sh["vms"], sh["vms"]) +
          " sessions (each re-executes sshd and starts the user's login shell), so the figure is the"
          " machine's sshd more than spiderd: Debian's own `ssh` client through the same sshd takes"
          " as long (the reference rows).",
          NOTES_END, END]
    with open(doc, "w") as out:
        out.write(splice(text, "\n".join(L), BEGIN, END))
    log("wrote %s" % doc)


def main():
    if len(sys.argv) < 3:
        die("usage: mcislib.py creates|status|ssh BASE OUT | report OUT DOC")
    cmd = sys.argv[1]
    if cmd == "creates":
        cmd_creates(sys.argv[2], sys.argv[3])
    elif cmd == "status":
        cmd_status(sys.argv[2], sys.argv[3])
    elif cmd == "ssh":
        cmd_ssh(sys.argv[2], sys.argv[3])
    elif cmd == "report":
        cmd_report(sys.argv[2], sys.argv[3])
    else:
        die("unknown command %s" % cmd)


if __name__ == "__main__":
    main()
