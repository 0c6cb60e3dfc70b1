#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Helpers for bench/run.sh.

  benchlib.py ready SPIDERD WORKDIR N   time N starts of spiderd (exec to its
                                        ready line), a fresh data dir each; JSON
                                        on stdout
  benchlib.py report OUTDIR DOC|-       read run.sh's raw outputs, print the
                                        summary, rewrite DOC (unless '-')
  benchlib.py stacks FILE DSO...        from `perf script -F ip,sym,dso` output:
                                        inclusive share of the samples for each
                                        function of the given binaries, and for
                                        each syscall
"""
import collections
import glob
import json
import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import time

TARGETS = ["vmspec", "connectionconfig", "version"]
GOAL_TARGETS = ["vmspec", "connectionconfig"]   # 'version' is a reference
SERVERS = ["spiderd", "nginx"]
GOAL_RATIO = 0.50
GOAL_RSS_KIB = 10 * 1024
GOAL_READY_MS = 100.0

ANALYSIS_BEGIN = "<!-- analysis:begin (kept by bench/run.sh; edit by hand) -->"
ANALYSIS_END = "<!-- analysis:end -->"
# The sections other scripts write (markers included); kept here as they are.
RESOURCES_BEGIN = "<!-- resources:begin (written by bench/res.sh) -->"
RESOURCES_END = "<!-- resources:end -->"
MCIS_BEGIN = "<!-- mcis:begin (written by bench/mcis.sh) -->"
MCIS_END = "<!-- mcis:end -->"
AWS_BEGIN = "<!-- aws:begin (written by bench/aws.sh) -->"
AWS_END = "<!-- aws:end -->"
OPENSTACK_BEGIN = "<!-- openstack:begin (written by bench/openstack.sh) -->"
OPENSTACK_END = "<!-- openstack:end -->"
KEPT_SECTIONS = [(RESOURCES_BEGIN, RESOURCES_END), (MCIS_BEGIN, MCIS_END), (AWS_BEGIN, AWS_END),
                 (OPENSTACK_BEGIN, OPENSTACK_END)]


# --- time to ready -----------------------------------------------------------
def _stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def one_start(spiderd, data_dir):
    """Return (ms from exec to the ready line, ms the daemon reports itself)."""
    err_path = data_dir + ".stderr"
    with open(err_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [spiderd, "--listen", "127.0.0.1:0", "--data-dir", data_dir],
            stdout=subprocess.PIPE, stderr=err)
        try:
            buf = b""
            deadline = t0 + 10.0
            while b"\n" not in buf:
                left = deadline - time.perf_counter()
                if left <= 0 or not select.select([proc.stdout], [], [], left)[0]:
                    raise RuntimeError("spiderd did not print its ready line within 10 s")
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    raise RuntimeError("spiderd exited before it was ready")
                buf += chunk
            t1 = time.perf_counter()
            line = buf.split(b"\n", 1)[0].decode(errors="replace")
            if not line.startswith("spiderd: ready on http://127.0.0.1:"):
                raise RuntimeError("unexpected first line: " + line)
        except Exception:
            _stop(proc)
            sys.stderr.write(open(err_path, errors="replace").read())
            raise
        _stop(proc)
        proc.stdout.close()
    inner = None
    m = re.search(r"ready in ([0-9.]+) ms", open(err_path, errors="replace").read())
    if m:
        inner = float(m.group(1))
    return (t1 - t0) * 1000.0, inner


def cmd_ready(spiderd, workdir, n):
    os.makedirs(workdir, exist_ok=True)
    outer, inner = [], []
    for i in range(n):
        d = os.path.join(workdir, "start%02d" % i)
        o, s = one_start(spiderd, d)
        outer.append(round(o, 2))
        if s is not None:
            inner.append(s)
        shutil.rmtree(d, ignore_errors=True)
    json.dump({"exec_to_ready_ms": outer, "self_reported_ms": inner}, sys.stdout)
    print()


# --- wrk output ---------------------------------------------------------------
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError("bad latency " + text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(path):
    text = open(path, errors="replace").read()
    r = {"file": os.path.basename(path)}
    m = re.search(r"Requests/sec:\s+([0-9.]+)", text)
    if not m:
        raise ValueError(path + ": no Requests/sec line")
    r["rps"] = float(m.group(1))
    for pct in ("50", "90", "99"):
        m = re.search(r"^\s+" + pct + r"(?:\.000)?%\s+([0-9.]+[a-z]+)", text, re.M)
        r["p" + pct] = _ms(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in", text)
    r["requests"] = int(m.group(1)) if m else None
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    r["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    r["timeouts"] = int(m.group(4)) if m else 0
    return r


# --- report -------------------------------------------------------------------
def read_env(path):
    env = {}
    for line in open(path):
        line = line.rstrip("\n")
        if "=" in line:
            k, v = line.split("=", 1)
            env[k] = v
    return env


def fmt_rps(x):
    return "{:,.0f}".format(x)


def fmt_ms(x):
    if x is None:
        return "?"
    return "{:.2f} ms".format(x) if x < 10 else "{:.1f} ms".format(x)


def yes(ok):
    return "**met**" if ok else "**missed**"


def perf_block(outdir, target):
    p = os.path.join(outdir, "perf-%s.txt" % target)
    q = os.path.join(outdir, "perf-%s-dso.txt" % target)
    if not os.path.exists(p):
        return []
    lines = ["", "spiderd under `%s` (self time, symbols at ≥ 0.8%%):" % target, "", "```"]
    rows = [ln.rstrip() for ln in open(p) if ln.strip()]
    lines += rows[:30]
    lines.append("```")
    if os.path.exists(q):
        lines += ["", "by library:", "", "```"]
        lines += [ln.rstrip() for ln in open(q) if ln.strip()][:12]
        lines.append("```")
    return lines


def cmd_report(outdir, doc):
    f = read_env(os.path.join(outdir, "facts.env"))
    ready = json.load(open(os.path.join(outdir, "ready.json")))
    runs = int(f["RUNS"])

    clk = float(f.get("CLK_TCK") or 100)
    res = {}
    for t in TARGETS:
        for s in SERVERS:
            rs = []
            for i in range(1, runs + 1):
                r = parse_wrk(os.path.join(outdir, "wrk-%s-%s-%d.txt" % (t, s, i)))
                cpu = os.path.join(outdir, "cpu-%s-%s-%d.txt" % (t, s, i))
                r["cpu_us"] = None
                if os.path.exists(cpu) and r["requests"]:
                    a, b = (int(x) for x in open(cpu).read().split())
                    r["cpu_us"] = (b - a) / clk * 1e6 / r["requests"]
                rs.append(r)
            res[(t, s)] = rs

    def med(t, s, key):
        vals = [r[key] for r in res[(t, s)] if r[key] is not None]
        return statistics.median(vals) if vals else None

    rows = []
    ratios = {}
    cpu = {}
    for t in TARGETS:
        sr, nr = med(t, "spiderd", "rps"), med(t, "nginx", "rps")
        ratios[t] = sr / nr
        cpu[t] = (med(t, "spiderd", "cpu_us"), med(t, "nginx", "cpu_us"))
        rows.append((t, sr, nr, sr / nr, med(t, "spiderd", "p99"), med(t, "nginx", "p99")))

    rss_idle = int(f["RSS_IDLE"])
    rss_after = int(f["RSS_AFTER"])
    rss_floor = int(f["RSS_FLOOR"]) if f.get("RSS_FLOOR") else None
    rollup = {}
    p = os.path.join(outdir, "rss-idle-rollup.txt")
    if os.path.exists(p):
        for line in open(p):
            m = re.match(r"(\w+):\s+(\d+) kB", line)
            if m:
                rollup[m.group(1)] = int(m.group(2))
    maps = []
    p = os.path.join(outdir, "rss-idle-maps.txt")
    if os.path.exists(p):
        for line in open(p):
            kib, name = line.split(" ", 1)
            maps.append((int(kib), name.strip()))
    outer = ready["exec_to_ready_ms"]
    inner = ready["self_reported_ms"]
    ready_med = statistics.median(outer)
    inner_med = statistics.median(inner) if inner else None

    # --- the summary on stdout
    print()
    print("Spider benchmark, %s, %s CPUs (%s), wrk -t%s -c%s, %s x %ss per target and server"
          % (f["DATE"], f["NPROC"], f["CPU"], f["THREADS"], f["CONNS"], f["RUNS"], f["DURATION"]))
    print("%-18s %12s %12s %7s %12s %12s" % ("target", "spiderd rps", "nginx rps", "ratio",
                                              "spiderd p99", "nginx p99"))
    for t, sr, nr, ratio, sp, np_ in rows:
        print("%-18s %12s %12s %6.0f%% %12s %12s" % (t + ("" if t in GOAL_TARGETS else " (ref)"),
                                                      fmt_rps(sr), fmt_rps(nr), ratio * 100,
                                                      fmt_ms(sp), fmt_ms(np_)))
    print("CPUs busy with other work: %s%% before the load runs, %s%% during them"
          % (f.get("OTHER_BUSY", "?"), f.get("OTHER_DURING", "?")))
    print("idle RSS %.1f MiB (goal <= 10 MiB: %s); after load %.1f MiB"
          % (rss_idle / 1024, "met" if rss_idle <= GOAL_RSS_KIB else "MISSED", rss_after / 1024))
    print("time to ready: median %.1f ms over %d starts (goal <= 100 ms: %s)"
          % (ready_med, len(outer), "met" if ready_med <= GOAL_READY_MS else "MISSED"))
    for t in GOAL_TARGETS:
        print("throughput %s: %.1f%% of nginx (goal >= 50%%: %s)"
              % (t, ratios[t] * 100, "met" if ratios[t] >= GOAL_RATIO else "MISSED"))
    if doc == "-":
        return

    # --- the document
    old_analysis = None
    old_sections = []
    if os.path.exists(doc):
        text = open(doc).read()
        i, j = text.find(ANALYSIS_BEGIN), text.find(ANALYSIS_END)
        if i >= 0 and j > i:
            old_analysis = text[i + len(ANALYSIS_BEGIN):j].strip("\n")
        for begin, end in KEPT_SECTIONS:
            i, j = text.find(begin), text.find(end)
            if i >= 0 and j > i:
                old_sections.append(text[i:j + len(end)])

    L = []
    L += ["# Benchmarks", ""]
    L += ["`bash bench/run.sh` builds a release, starts `spiderd` with the mock cloud registered, loads it",
          "with `wrk` beside nginx serving the very same JSON bytes as static files (the ceiling), and",
          "measures idle RSS and time to ready. It rewrites everything on this page but the analysis",
          "section and the sections `bench/res.sh` and `bench/mcis.sh` write, which it keeps. Raw",
          "outputs (wrk logs, perf data) go to `bench/out/<time>/`.", ""]
    L += ["## Latest run: %s" % f["DATE"], ""]
    L += ["Commit `%s`; release build (`-O3 -DNDEBUG`)%s." % (
        f["COMMIT"], (", extra configure arguments `%s`" % f["CMAKE_EXTRA"]) if f["CMAKE_EXTRA"] else ""), ""]

    L += ["### Goals", ""]
    L += ["| goal | measured | |", "|---|---|---|"]
    for t in GOAL_TARGETS:
        L.append("| `%s`: ≥ 50%% of nginx's requests/s | %.1f%% | %s |" % (t, ratios[t] * 100,
                                                                         yes(ratios[t] >= GOAL_RATIO)))
    L.append("| idle RSS ≤ 10 MiB | %.1f MiB | %s |" % (rss_idle / 1024, yes(rss_idle <= GOAL_RSS_KIB)))
    L.append("| ready ≤ 100 ms | %.1f ms (median) | %s |" % (ready_med, yes(ready_med <= GOAL_READY_MS)))
    L.append("")

    L += ["### Throughput and latency", ""]
    L += ["wrk, %s connections, %s threads, %s s per run, %s runs per target and server, interleaved"
          % (f["CONNS"], f["THREADS"], f["DURATION"], f["RUNS"]),
          "(spiderd, nginx, spiderd, nginx, …) after a %s s warm-up of each; medians of the runs."
          % f["WARMUP"], ""]
    L += ["| target | spiderd req/s | nginx req/s | ratio | spiderd p99 | nginx p99 |",
          "|---|---:|---:|---:|---:|---:|"]
    paths = {"vmspec": "GET /spider/vmspec?ConnectionName=%s" % f["CONN_NAME"],
             "connectionconfig": "GET /spider/connectionconfig/%s" % f["CONN_NAME"],
             "version": "GET /spider/version"}
    for t, sr, nr, ratio, sp, np_ in rows:
        L.append("| `%s`%s | %s | %s | %.0f%% | %s | %s |" % (
            paths[t], "" if t in GOAL_TARGETS else " (reference)", fmt_rps(sr), fmt_rps(nr),
            ratio * 100, fmt_ms(sp), fmt_ms(np_)))
    L.append("")
    L += ["`GET /spider/version` is no goal: it needs no login, store or driver, so it shows what",
          "the HTTP layer alone (libmicrohttpd, one thread per connection) costs.", ""]
    L += ["Server CPU time per request (user + system of every thread or worker, over the run's",
          "requests; medians), which does not depend on how the two CPUs are shared with wrk:", ""]
    L += ["| target | spiderd µs/request | nginx µs/request | spiderd / nginx |", "|---|---:|---:|---:|"]
    for t in TARGETS:
        a, b = cpu[t]
        if a is not None and b:
            L.append("| %s | %.1f | %.1f | %.1f× |" % (t, a, b, a / b))
    L.append("")
    L += ["Response bodies: vmspec %s bytes, connectionconfig %s bytes, version %s bytes. Every run, each:" %
          (f["BODY_VMSPEC"], f["BODY_CONNECTIONCONFIG"], f.get("BODY_VERSION", "?")), ""]
    L += ["| target | server | req/s per run | p50 per run | p99 per run | CPU µs/request per run | socket errors |",
          "|---|---|---|---|---|---|---:|"]
    for t in TARGETS:
        for s in SERVERS:
            rs = res[(t, s)]
            L.append("| %s | %s | %s | %s | %s | %s | %d |" % (
                t, s, ", ".join(fmt_rps(r["rps"]) for r in rs),
                ", ".join(fmt_ms(r["p50"]) for r in rs),
                ", ".join(fmt_ms(r["p99"]) for r in rs),
                ", ".join("?" if r["cpu_us"] is None else "%.1f" % r["cpu_us"] for r in rs),
                sum(r["socket_errors"] for r in rs)))
        pairs = zip(res[(t, "spiderd")], res[(t, "nginx")])
        L.append("| %s | spiderd / nginx | %s | | | | |" % (
            t, ", ".join("%.0f%%" % (100.0 * a["rps"] / b["rps"]) for a, b in pairs)))
    L.append("")
    L += ["The ratio in the first table is the median of spiderd's runs over the median of nginx's;",
          "the last row of each target gives the ratio of each interleaved pair of runs.", ""]

    L += ["### Memory and start", ""]
    L += ["| measure | value |", "|---|---|"]
    L.append("| idle RSS (VmRSS after registration and a few requests, then 1 s idle) | %.1f MiB (%d KiB) |"
             % (rss_idle / 1024, rss_idle))
    if rollup:
        L.append("| of it anonymous (heap, stacks, malloc arenas) / file-backed (code and data of the binary and libraries) | %.1f MiB / %.1f MiB |"
                 % (rollup.get("Anonymous", 0) / 1024, (rollup.get("Rss", 0) - rollup.get("Anonymous", 0)) / 1024))
    if rss_floor:
        L.append("| floor: VmRSS of a program that links spiderd's libraries and does nothing | %.1f MiB |"
                 % (rss_floor / 1024))
    L.append("| RSS after the whole load, then 1 s idle (%s threads) | %.1f MiB (%d KiB) |"
             % (f["THREADS_AFTER"], rss_after / 1024, rss_after))
    L.append("| time to ready, exec to the `spiderd: ready on` line, median of %d (fresh data dir each) | %.1f ms (min %.1f, max %.1f) |"
             % (len(outer), ready_med, min(outer), max(outer)))
    if inner_med is not None:
        L.append("| the same as `spiderd` reports it (`ready in … ms` on stderr, from `main()`), median | %.1f ms |"
                 % inner_med)
    L.append("")
    if maps:
        L += ["Biggest parts of the idle RSS (KiB, by mapping; `[anon]` and `[heap]` are malloc, stacks, SQLite caches):", ""]
        L += ["| KiB | mapping |", "|---:|---|"]
        for kib, name in maps[:12]:
            L.append("| %d | `%s` |" % (kib, os.path.basename(name) if name.startswith("/") else name))
        L.append("")

    L += ["### Machine", ""]
    L += ["| | |", "|---|---|"]
    L.append("| CPUs (`nproc`) | %s |" % f["NPROC"])
    L.append("| CPU model | %s |" % f["CPU"])
    L.append("| kernel | %s |" % f["KERNEL"])
    L.append("| OS | %s |" % f["OS"])
    L.append("| memory | %s |" % f["MEM"])
    L.append("| compiler | %s |" % f["CC"])
    L.append("| wrk / nginx | %s / %s |" % (f["WRK"], f["NGINX"]))
    L.append("| CPUs busy with other work just before the load runs (2 s sample, spiderd idle) | %s%% |"
             % f.get("OTHER_BUSY", "?"))
    L.append("| CPUs busy with other work during the load runs (all busy time less spiderd's, nginx's and the script's with wrk) | %s%% |"
             % f.get("OTHER_DURING", "?"))
    L.append("| load average before / after the load runs (includes this script's own earlier steps) | %s / %s |"
             % (f["LOAD_BEFORE"], f["LOAD_AFTER"]))
    L.append("")

    L += ["### Choices", ""]
    L += ["- **wrk `-t%s`, nginx `worker_processes %s`.** The machine has %s CPUs and the load generator"
          % (f["THREADS"], f["WORKERS"], f["NPROC"]),
          "  shares them with the server. `spiderd` runs one thread per connection and may use every",
          "  CPU, so nginx gets as many workers as there are CPUs (1 worker capped it at about 25k",
          "  req/s in a probe while writing the benchmark), and wrk gets two threads because one wrk",
          "  thread alone cannot saturate nginx here (2 workers: about 30k req/s with `-t1`, 40k with",
          "  `-t2`). Both servers face the same client and the same contention, and their runs",
          "  alternate, so the ratio is fair even where the absolute figures are client-bound.",
          "- **nginx is the ceiling, not a peer**: no login check (wrk sends the same `Authorization`",
          "  header to both; nginx ignores it), `access_log off`, `sendfile`, keep-alive without a",
          "  request limit. `spiderd` checks Basic auth on every request and, for `vmspec`, calls the",
          "  mock driver, which reads its catalogue and records the call in the call history (the",
          "  `hiscall.log` file and the metadata store): that is part of the real cost and stays on.",
          "- The login is a clear-text `SPIDER_PASSWORD`; with a crypt(3) hash each request would pay",
          "  for a yescrypt or SHA-512 check.",
          "- Any non-2xx answer aborts the run, so the figures only count real 200s.",
          ""]
    try:
        busy = max(float(f.get("OTHER_BUSY") or 0), float(f.get("OTHER_DURING") or 0)) >= 10
    except ValueError:
        busy = False
    if busy:
        L += ["**This run shared the machine with other work** (%s%% of the CPUs busy with it before the"
              % f.get("OTHER_BUSY", "?"),
              "load runs, %s%% during them): absolute figures are lower and noisier than on an idle"
              % f.get("OTHER_DURING", "?"),
              "machine. The runs interleave",
              "spiderd and nginx, so both see the same conditions and the ratios stay comparable; the",
              "CPU time per request is the steadiest figure.", ""]

    L += ["### Commands", "", "What `bench/run.sh` ran (`$TMP` is a private temporary directory):", "", "```sh"]
    L.append("cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DSPIDER_TESTS=OFF%s"
             % ((" " + f["CMAKE_EXTRA"]) if f["CMAKE_EXTRA"] else ""))
    L.append("cmake --build build-release -j$(nproc)")
    L.append("SPIDER_USERNAME=bench SPIDER_PASSWORD=… build-release/bin/spiderd --listen 127.0.0.1:0 --data-dir $TMP/spiderd")
    L.append("# register the mock: POST /spider/driver, /spider/credential, /spider/region, /spider/connectionconfig (curl -u)")
    L.append("# fetch each target's body once into $TMP/nginx/www/<target>.json")
    L.append("nginx -p $TMP/nginx -c $TMP/nginx/nginx.conf   # worker_processes %s; listen 127.0.0.1:<free port>"
             % f["WORKERS"])
    L.append("wrk -t%s -c%s -d%ss --timeout 5s --latency -H 'Authorization: Basic …' '<url><path>'"
             % (f["THREADS"], f["CONNS"], f["DURATION"]))
    L.append("grep VmRSS /proc/<spiderd pid>/status   # also smaps_rollup and smaps for the breakdown")
    L.append("# CPU per request: utime + stime from /proc/<pid>/stat before and after each wrk run")
    if f.get("HAVE_PERF") == "1":
        L.append("perf record -e cpu-clock -F 1999 -p <spiderd pid> -- sleep 6   # around a 4 s wrk run per target")
        L.append("perf report --stdio --no-children --sort dso,symbol")
    L.append("```")
    L.append("")

    if f.get("HAVE_PERF") == "1":
        L += ["### Profile of spiderd under load (perf, this run)", ""]
        L += ["Flat profile (`perf record -e cpu-clock -p`, every thread of spiderd; no call graphs, the",
              "release build has no frame pointers; `bash bench/profile.sh` has them). Kernel symbols show",
              "as `[kernel.kallsyms]`."]
        for t in GOAL_TARGETS:
            L += perf_block(outdir, t)
        L.append("")

    for sec in old_sections:
        L += [sec, ""]
    L += ["## Analysis", "", ANALYSIS_BEGIN]
    L.append(old_analysis if old_analysis is not None else
             "_No analysis written yet._")
    L += [ANALYSIS_END, ""]

    tmp = doc + ".tmp"
    with open(tmp, "w") as out:
        out.write("\n".join(L))
    os.replace(tmp, doc)
    print("wrote " + doc)


def cmd_stacks(path, dsos):
    """Inclusive shares from perf script's ip,sym,dso lines (leaf first, a
    blank line between samples)."""
    own = {os.path.realpath(d) for d in dsos}
    fn, sysc = collections.Counter(), collections.Counter()
    total = 0

    def flush(frames):
        nonlocal total
        if not frames:
            return
        total += 1
        mine, calls = set(), set()
        for sym, dso in frames:
            if dso in own:
                mine.add(sym)
            elif sym.startswith("__x64_sys_"):
                calls.add(sym[len("__x64_sys_"):])
        fn.update(mine)
        sysc.update(calls)

    frames = []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                flush(frames)
                frames = []
                continue
            m = re.match(r"[0-9a-f]+\s+(.*?)\s+\((.*)\)$", line)
            if not m:
                continue
            sym = re.sub(r"\+0x[0-9a-f]+$", "", m.group(1))
            sym = sym.replace(" (inlined)", "")
            fn_dso = os.path.realpath(m.group(2)) if m.group(2).startswith("/") else m.group(2)
            frames.append((sym, fn_dso))
    flush(frames)
    if not total:
        print("no samples")
        return
    print("%d samples" % total)
    for sym, n in fn.most_common(30):
        print("  %5.1f%%  %s" % (100.0 * n / total, sym))
    print("  syscalls:", ", ".join("%s %.1f%%" % (k, 100.0 * v / total)
                                   for k, v in sysc.most_common(8)))


def main(argv):
    if len(argv) == 5 and argv[1] == "ready":
        cmd_ready(argv[2], argv[3], int(argv[4]))
    elif len(argv) == 4 and argv[1] == "report":
        cmd_report(argv[2], argv[3])
    elif len(argv) >= 4 and argv[1] == "stacks":
        cmd_stacks(argv[2], argv[3:])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
