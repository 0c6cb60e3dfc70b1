#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/run.sh - build a release spiderd, load it with wrk beside nginx serving
# the same JSON as static files, measure idle RSS and time to ready, and
# rewrite docs/benchmarks.md with the figures.
#
# One command, no arguments:  bash bench/run.sh
# Knobs (environment; the defaults are what docs/benchmarks.md reports):
#   BENCH_DURATION=6    seconds per wrk run          BENCH_RUNS=5      runs per target and server
#   BENCH_THREADS=2     wrk threads                  BENCH_CONNS=64    wrk connections
#   BENCH_WORKERS=2     nginx worker processes       BENCH_STARTS=10   starts for time to ready
#   BENCH_WARMUP=2      warm-up seconds per target   BENCH_PROFILE=1   perf profile of spiderd (0: off)
#   BENCH_CFLAGS=       extra C flags for the release build (always passed as
#                       CMAKE_C_FLAGS, so an old value in build-release's cache never lingers)
#   BENCH_NO_DOC=1      print the summary but leave docs/benchmarks.md alone
#   BENCH_DOC=PATH      write the report there instead of docs/benchmarks.md
#   BENCH_COMMIT=ID     the commit to name when the tree has no .git (an export)
#
# Every server it starts binds 127.0.0.1 on a free port and is stopped by the
# EXIT trap, on success or failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
BUILD=$ROOT/build-release
DOC=${BENCH_DOC:-$ROOT/docs/benchmarks.md}

DURATION=${BENCH_DURATION:-6}
RUNS=${BENCH_RUNS:-5}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNS:-64}
WORKERS=${BENCH_WORKERS:-2}
STARTS=${BENCH_STARTS:-10}
WARMUP=${BENCH_WARMUP:-2}
PROFILE=${BENCH_PROFILE:-1}
CFLAGS_EXTRA=${BENCH_CFLAGS:-}
CMAKE_EXTRA=
[[ -n $CFLAGS_EXTRA ]] && CMAKE_EXTRA="-DCMAKE_C_FLAGS=$CFLAGS_EXTRA"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/out/$STAMP     # raw outputs, kept (bench/out/ is git-ignored)
TMP=$(mktemp -d /tmp/spider-bench.XXXXXX)
PIDS=()
# shellcheck source=bench/lib.sh
. "$BENCH/lib.sh"

# --- tools (need() in lib.sh) ------------------------------------------------
need wrk wrk
need nginx nginx-light
need curl curl
need python3 python3
need cmake cmake
need base64 coreutils
need readelf binutils
need cc gcc
HAVE_PERF=0
if [[ $PROFILE == 1 ]] && command -v perf >/dev/null 2>&1 &&
	perf record -q -e cpu-clock -o "$TMP/perf.probe" -- true >/dev/null 2>&1; then
	HAVE_PERF=1
fi
mkdir -p "$OUT"

# --- build -----------------------------------------------------------------
if COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null); then
	git -C "$ROOT" diff --quiet HEAD -- . ':!bench' ':!docs' || COMMIT="$COMMIT (with local changes)"
else
	COMMIT=${BENCH_COMMIT:-unknown} # a tree without .git, such as a git archive export
fi
log "building a release of $COMMIT in $BUILD"
if ! cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSPIDER_TESTS=OFF \
	-DCMAKE_C_FLAGS="$CFLAGS_EXTRA" \
	>"$OUT/build.log" 2>&1 ||
	! cmake --build "$BUILD" -j"$(nproc)" >>"$OUT/build.log" 2>&1; then
	tail -n 30 "$OUT/build.log" >&2
	die "release build failed (full log: $OUT/build.log; BENCH_CFLAGS adds C flags)"
fi
SPIDERD=$BUILD/bin/spiderd
[[ -x $SPIDERD ]] || die "no $SPIDERD after the build"

# --- helpers (more in lib.sh) -----------------------------------------------
machine_ticks() { # "busy total" clock ticks of all CPUs since boot
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}

own_ticks() { # this shell and its reaped children (wrk, curl, …)
	sed 's/^.*) //' "/proc/$$/stat" | awk '{ print $12 + $13 + $14 + $15 }'
}

busy_pct() { # share of all CPUs busy over 2 s, in percent
	local a b
	a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
	sleep 2
	b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
	awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
		t = y[2] - x[2]; printf "%.0f\n", (t > 0 ? 100 * (y[1] - x[1]) / t : 0) }'
}

run_wrk() { # name url seconds [pid...] -> $OUT/wrk-name.txt (+ $OUT/cpu-name.txt)
	local name=$1 url=$2 secs=$3 f=$OUT/wrk-$1.txt t0=""
	shift 3
	[[ $# -gt 0 ]] && t0=$(cpu_ticks "$@")
	timeout $((secs + 30)) wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" --timeout 5s --latency \
		-H "$AUTH_HEADER" "$url" >"$f" 2>&1 || { cat "$f" >&2; die "wrk $name failed"; }
	if grep -q 'Non-2xx or 3xx responses' "$f"; then
		cat "$f" >&2
		die "wrk $name got error responses; the figures would be meaningless"
	fi
	if [[ -n $t0 ]]; then echo "$t0 $(cpu_ticks "$@")" >"$OUT/cpu-$name.txt"; fi
}

# --- 1. time to ready --------------------------------------------------------
log "time to ready: $STARTS starts, a fresh data dir each"
python3 "$BENCH/benchlib.py" ready "$SPIDERD" "$TMP/ready" "$STARTS" >"$OUT/ready.json"

# --- 2. spiderd with the mock registered -----------------------------------
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
start_spiderd "$TMP/spiderd"
log "spiderd pid $SPIDERD_PID on $SPIDERD_URL"
register_mock

# The targets: name, spiderd path, nginx location (served from www/<name>.json).
# 'version' is a reference, not a goal: no login, no store, no driver, so it
# shows what the HTTP layer alone costs.
TARGETS=(vmspec connectionconfig version)
declare -A TPATH=(
	[vmspec]="/spider/vmspec?ConnectionName=$CONN_NAME"
	[connectionconfig]="/spider/connectionconfig/$CONN_NAME"
	[version]="/spider/version"
)
declare -A TLOC=(
	[vmspec]="/spider/vmspec"
	[connectionconfig]="/spider/connectionconfig/$CONN_NAME"
	[version]="/spider/version"
)
WWW=$TMP/nginx/www
mkdir -p "$WWW"
for t in "${TARGETS[@]}"; do
	api GET "${TPATH[$t]}" >"$WWW/$t.json"
	[[ -s $WWW/$t.json ]] || die "empty body for ${TPATH[$t]}"
done
for _k in 1 2 3 4 5; do # "a few requests"
	for t in "${TARGETS[@]}"; do api GET "${TPATH[$t]}" >/dev/null; done
done
sleep 1
RSS_IDLE=$(rss_kib "$SPIDERD_PID")
log "idle RSS after registration and a few requests: $RSS_IDLE KiB"
# Where the idle RSS is: anonymous/file-backed and the biggest mappings.
cp "/proc/$SPIDERD_PID/smaps_rollup" "$OUT/rss-idle-rollup.txt"
awk '/^[0-9a-f]+-[0-9a-f]+ / { n = $6; if (n == "") n = "[anon]" }
     /^Rss:/ { r[n] += $2 }
     END { for (n in r) if (r[n] > 0) printf "%d %s\n", r[n], n }' \
	"/proc/$SPIDERD_PID/smaps" | sort -rn >"$OUT/rss-idle-maps.txt"
# The floor: a program that links the same libraries and does nothing else.
mapfile -t NEEDED < <(readelf -d "$SPIDERD" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/-l:\1/p')
if printf '%s\n' '#include <stdio.h>' '#include <string.h>' \
	'int main(void) { char b[256]; FILE *f = fopen("/proc/self/status", "r");' \
	'while (f && fgets(b, sizeof b, f)) if (!strncmp(b, "VmRSS:", 6)) fputs(b + 6, stdout); return 0; }' |
	cc -x c - -o "$TMP/floor" -Wl,--no-as-needed "${NEEDED[@]}" 2>"$OUT/floor.log"; then
	RSS_FLOOR=$("$TMP/floor" | awk '{ print $1 }')
else
	RSS_FLOOR=""
fi

# Other work on the machine while spiderd idles: the runs below share the CPUs with it.
OTHER_BUSY=$(busy_pct)
log "CPUs busy with other work before the load runs: $OTHER_BUSY%"

# --- 3. nginx serving the same bytes ---------------------------------------
NGX=$TMP/nginx
NGINX_PORT=$(free_port)
mkdir -p "$NGX/logs" "$NGX/tmp"
{
	echo "worker_processes $WORKERS;"
	echo "pid $NGX/nginx.pid;"
	echo "error_log $NGX/logs/error.log warn;"
	echo "daemon off;"
	echo "events { worker_connections 4096; }"
	echo "http {"
	echo "  access_log off;"
	echo "  sendfile on; tcp_nopush on; tcp_nodelay on;"
	echo "  keepalive_requests 10000000; keepalive_timeout 65s;"
	for d in client_body proxy fastcgi uwsgi scgi; do echo "  ${d}_temp_path $NGX/tmp;"; done
	echo "  server {"
	echo "    listen 127.0.0.1:$NGINX_PORT;"
	echo "    root $WWW;"
	for t in "${TARGETS[@]}"; do
		echo "    location = ${TLOC[$t]} { default_type application/json; try_files /$t.json =404; }"
	done
	echo "  }"
	echo "}"
} >"$NGX/nginx.conf"
cp "$NGX/nginx.conf" "$OUT/nginx.conf"
# nginx started as root serves files as 'nobody': let it read them.
chmod 755 "$TMP" "$NGX" "$WWW"
chmod 644 "$WWW"/*.json
nginx -p "$NGX" -c "$NGX/nginx.conf" -t >"$OUT/nginx-t.log" 2>&1 || { cat "$OUT/nginx-t.log" >&2; die "bad nginx config"; }
nginx -p "$NGX" -c "$NGX/nginx.conf" 2>>"$NGX/logs/error.log" &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
NGINX_URL=http://127.0.0.1:$NGINX_PORT
for ((i = 0; i < 100; i++)); do
	curl -s -o /dev/null --max-time 1 "$NGINX_URL/" && break
	kill -0 "$NGINX_PID" 2>/dev/null || { cat "$NGX/logs/error.log" >&2; die "nginx exited"; }
	sleep 0.05
done
for t in "${TARGETS[@]}"; do
	curl -sS --fail --max-time 5 "$NGINX_URL${TPATH[$t]}" -o "$TMP/check.json" || die "nginx does not serve $t"
	cmp -s "$TMP/check.json" "$WWW/$t.json" || die "nginx serves other bytes for $t"
done
mapfile -t NGINX_WORKERS < <(pgrep -P "$NGINX_PID")
[[ ${#NGINX_WORKERS[@]} -eq $WORKERS ]] || die "nginx has ${#NGINX_WORKERS[@]} workers, not $WORKERS"
log "nginx pid $NGINX_PID on $NGINX_URL ($WORKERS workers)"

# --- 4. throughput: spiderd and nginx, interleaved --------------------------
log "warm-up: ${WARMUP}s per target and server"
for t in "${TARGETS[@]}"; do
	run_wrk "warmup-$t-spiderd" "$SPIDERD_URL${TPATH[$t]}" "$WARMUP"
	run_wrk "warmup-$t-nginx" "$NGINX_URL${TPATH[$t]}" "$WARMUP"
done
# CPU spent by anything else during the runs: the machine's busy ticks less
# spiderd's, nginx's and ours (wrk is reaped, so it is in our children's).
read -r M0_BUSY M0_TOTAL < <(machine_ticks)
S0=$(cpu_ticks "$SPIDERD_PID" "$NGINX_PID" "${NGINX_WORKERS[@]}")
O0=$(own_ticks)
for ((r = 1; r <= RUNS; r++)); do
	for t in "${TARGETS[@]}"; do
		log "run $r/$RUNS: $t (wrk -t$THREADS -c$CONNS -d${DURATION}s), spiderd then nginx"
		run_wrk "$t-spiderd-$r" "$SPIDERD_URL${TPATH[$t]}" "$DURATION" "$SPIDERD_PID"
		run_wrk "$t-nginx-$r" "$NGINX_URL${TPATH[$t]}" "$DURATION" "$NGINX_PID" "${NGINX_WORKERS[@]}"
	done
done
read -r M1_BUSY M1_TOTAL < <(machine_ticks)
S1=$(cpu_ticks "$SPIDERD_PID" "$NGINX_PID" "${NGINX_WORKERS[@]}")
O1=$(own_ticks)
OTHER_DURING=$(awk -v b=$((M1_BUSY - M0_BUSY)) -v t=$((M1_TOTAL - M0_TOTAL)) -v o=$((S1 - S0 + O1 - O0)) \
	'BEGIN { x = t > 0 ? 100 * (b - o) / t : 0; printf "%.0f\n", (x < 0 ? 0 : x) }')
log "CPUs busy with other work during the load runs: $OTHER_DURING%"
sleep 1
RSS_AFTER=$(rss_kib "$SPIDERD_PID")
THREADS_AFTER=$(awk '/^Threads:/ { print $2 }' "/proc/$SPIDERD_PID/status")
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
log "RSS after the load, idle 1 s: $RSS_AFTER KiB ($THREADS_AFTER threads)"

# --- 5. where spiderd's time goes (perf, flat profile) ----------------------
if [[ $HAVE_PERF == 1 ]]; then
	for t in vmspec connectionconfig; do
		log "profiling spiderd under $t for 5 s"
		# Attached a second before wrk connects: perf misses threads born
		# while it attaches (the connection threads).
		perf record -q -e cpu-clock -F 1999 -p "$SPIDERD_PID" -o "$OUT/perf-$t.data" -- sleep 6 \
			>"$OUT/perf-$t.record.log" 2>&1 &
		perf_pid=$!
		sleep 1
		run_wrk "profile-$t" "$SPIDERD_URL${TPATH[$t]}" 4
		wait "$perf_pid" || true
		perf report -i "$OUT/perf-$t.data" --stdio --no-children --sort dso,symbol \
			--percent-limit 0.8 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 40 >"$OUT/perf-$t.txt" || true
		perf report -i "$OUT/perf-$t.data" --stdio --no-children --sort dso \
			2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 15 >"$OUT/perf-$t-dso.txt" || true
	done
fi

stop_pid "$NGINX_PID"
stop_pid "$SPIDERD_PID" 30

# --- 6. facts and the report -------------------------------------------------
cat >"$OUT/facts.env" <<EOF
STAMP=$STAMP
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
NPROC=$(nproc)
CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
KERNEL=$(uname -r)
OS=$(sed -n "s/^PRETTY_NAME=//p" /etc/os-release | tr -d "\"")
MEM=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
WRK=$(wrk -v 2>&1 | head -n1 | awk '{ print $1, $2 }')
NGINX=$(nginx -v 2>&1 | sed 's/^nginx version: //')
CC=$(cc --version | head -n1)
COMMIT=$COMMIT
CMAKE_EXTRA=$CMAKE_EXTRA
DURATION=$DURATION
RUNS=$RUNS
THREADS=$THREADS
CONNS=$CONNS
WORKERS=$WORKERS
STARTS=$STARTS
WARMUP=$WARMUP
RSS_IDLE=$RSS_IDLE
RSS_FLOOR=$RSS_FLOOR
CLK_TCK=$(getconf CLK_TCK)
RSS_AFTER=$RSS_AFTER
THREADS_AFTER=$THREADS_AFTER
LOAD_BEFORE=$LOAD_BEFORE
OTHER_BUSY=$OTHER_BUSY
OTHER_DURING=$OTHER_DURING
LOAD_AFTER=$LOAD_AFTER
BODY_VMSPEC=$(wc -c <"$WWW/vmspec.json")
BODY_CONNECTIONCONFIG=$(wc -c <"$WWW/connectionconfig.json")
BODY_VERSION=$(wc -c <"$WWW/version.json")
CONN_NAME=$CONN_NAME
HAVE_PERF=$HAVE_PERF
EOF

doc_arg=$DOC
[[ ${BENCH_NO_DOC:-0} == 1 ]] && doc_arg=-
python3 "$BENCH/benchlib.py" report "$OUT" "$doc_arg"
log "raw outputs in $OUT"
