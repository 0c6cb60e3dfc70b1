#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/profile.sh - where spiderd's time goes under the benchmark's targets,
# with call graphs (bench/run.sh only keeps a flat profile of the release).
#
#   bash bench/profile.sh [perf|callgrind|both]      (default: both)
#
# Builds build-prof (RelWithDebInfo with frame pointers), then
#   perf:      64 connections of wrk for PROFILE_SECONDS (4) per target under
#              `perf record --call-graph dwarf`; inclusive time of spiderd's and
#              the mock's functions, and of the syscalls;
#   callgrind: PROFILE_REQUESTS (2000) requests per target on one keep-alive
#              connection under valgrind, counted from after the registration;
#              inclusive instructions per function and per request.
# Outputs go to bench/out/profile-<UTC time>/; the summaries are printed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
BUILD=$ROOT/build-prof
MODE=${1:-both}
SECS=${PROFILE_SECONDS:-4}
REQS=${PROFILE_REQUESTS:-2000}
case $MODE in perf | callgrind | both) ;; *) echo "usage: $0 [perf|callgrind|both]" >&2; exit 2 ;; esac

OUT=$ROOT/bench/out/profile-$(date -u +%Y%m%dT%H%M%SZ)
TMP=$(mktemp -d /tmp/spider-profile.XXXXXX)
PIDS=()
# shellcheck source=bench/lib.sh
. "$BENCH/lib.sh"

need wrk wrk
need curl curl
need python3 python3
need cmake cmake
[[ $MODE == perf ]] || need valgrind valgrind
if [[ $MODE != callgrind ]] && ! perf record -q -e cpu-clock -o "$TMP/probe" -- true >/dev/null 2>&1; then
	die "perf does not work here (Debian package linux-perf; perf_event_paranoid)"
fi
mkdir -p "$OUT"

log "building $BUILD (RelWithDebInfo, frame pointers)"
if ! cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPIDER_TESTS=OFF \
	-DCMAKE_C_FLAGS="-fno-omit-frame-pointer" >"$OUT/build.log" 2>&1 ||
	! cmake --build "$BUILD" -j"$(nproc)" >>"$OUT/build.log" 2>&1; then
	tail -n 30 "$OUT/build.log" >&2
	die "build failed"
fi
SPIDERD=$BUILD/bin/spiderd

TARGETS=(${PROFILE_TARGETS:-vmspec connectionconfig vmlist})
declare -A TPATH=(
	[vmspec]="/spider/vmspec?ConnectionName=$CONN_NAME"
	[connectionconfig]="/spider/connectionconfig/$CONN_NAME"
	[vmlist]="/spider/vm?ConnectionName=$CONN_NAME"
)

# The fan-out benchmark's unit of work: a list of five VMs, each asked of
# the cloud on its own.
setup_vms() {
	api POST /spider/vpc "{\"ConnectionName\":\"$CONN_NAME\",\"ReqInfo\":{\"Name\":\"vpc-01\",\"IPv4_CIDR\":\"10.0.0.0/16\",\"SubnetInfoList\":[{\"Name\":\"subnet-01\",\"IPv4_CIDR\":\"10.0.1.0/24\"}]}}" >/dev/null
	api POST /spider/securitygroup "{\"ConnectionName\":\"$CONN_NAME\",\"ReqInfo\":{\"Name\":\"sg-01\",\"VPCName\":\"vpc-01\",\"SecurityRules\":[{\"Direction\":\"inbound\",\"IPProtocol\":\"TCP\",\"FromPort\":\"22\",\"ToPort\":\"22\",\"CIDR\":\"0.0.0.0/0\"}]}}" >/dev/null
	for i in 1 2 3 4 5; do
		api POST /spider/vm "{\"ConnectionName\":\"$CONN_NAME\",\"ReqInfo\":{\"Name\":\"vm-0$i\",\"ImageName\":\"mock-vmimage-01\",\"VMSpecName\":\"mock-vmspec-01\",\"VPCName\":\"vpc-01\",\"SubnetName\":\"subnet-01\",\"SecurityGroupNames\":[\"sg-01\"]}}" >/dev/null
	done
}

if [[ $MODE != callgrind ]]; then
	start_spiderd "$TMP/perf"
	register_mock
	setup_vms
	for t in "${TARGETS[@]}"; do
		url=$SPIDERD_URL${TPATH[$t]}
		wrk -t2 -c64 -d2s -H "$AUTH_HEADER" "$url" >/dev/null
		perf record -q -e cpu-clock -F 999 --call-graph dwarf,16384 -p "$SPIDERD_PID" \
			-o "$OUT/perf-$t.data" -- sleep "$((SECS + 1))" >/dev/null 2>&1 &
		perf_pid=$!
		sleep 1 # attached before wrk opens its connections (threads born mid-attach are missed)
		wrk -t2 -c64 -d"$((SECS - 1))s" -H "$AUTH_HEADER" "$url" | grep Requests/sec || true
		wait "$perf_pid" || true
		perf script -i "$OUT/perf-$t.data" -F ip,sym,dso 2>/dev/null >"$OUT/perf-$t.stacks"
		python3 "$BENCH/benchlib.py" stacks "$OUT/perf-$t.stacks" \
			"$BUILD/bin/spiderd" "$BUILD"/lib/spider/drivers/*.so >"$OUT/perf-$t.txt"
		echo "== perf, $t: share of spiderd's CPU samples (inclusive)"
		cat "$OUT/perf-$t.txt"
	done
	stop_pid "$SPIDERD_PID" 30
fi

if [[ $MODE != perf ]]; then
	for t in "${TARGETS[@]}"; do
		SPIDERD_WRAP=(valgrind --tool=callgrind --dump-instr=no "--callgrind-out-file=$OUT/callgrind-$t.%p")
		READY_TIMEOUT_S=120
		start_spiderd "$TMP/cg-$t"
		register_mock
		[[ $t == vmlist ]] && setup_vms
		api GET "${TPATH[$t]}" >/dev/null
		callgrind_control -z "$SPIDERD_PID" >/dev/null 2>&1
		python3 - "$SPIDERD_URL" "${TPATH[$t]}" "$REQS" "$AUTH_HEADER" <<'PY'
import http.client, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
path, n, auth = sys.argv[2], int(sys.argv[3]), sys.argv[4].split(": ", 1)[1]
c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
for _ in range(n):
    c.request("GET", path, headers={"Authorization": auth})
    r = c.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit("status %d: %r" % (r.status, body[:200]))
PY
		sleep 1 # let the call-history writer drain
		callgrind_control -d "$SPIDERD_PID" >/dev/null 2>&1
		stop_pid "$SPIDERD_PID" 60
		dumps=("$OUT/callgrind-$t".*.1)
		f=${dumps[0]}
		[[ -f $f ]] || die "no callgrind dump for $t"
		callgrind_annotate --inclusive=yes "$f" 2>/dev/null >"$OUT/callgrind-$t.txt"
		total=$(awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }' "$OUT/callgrind-$t.txt")
		echo "== callgrind, $t: $((total / REQS)) instructions per request; inclusive, spiderd and mock functions"
		grep -E '\[(/[^]]*/)?(spiderd|[a-z]+\.so)\]$' "$OUT/callgrind-$t.txt" | grep -v -E 'libc|start_thread' | head -n 30
		echo "   library calls of note:"
		grep -E ':(json_dumps|json_loads|json_pack|json_unpack|json_delete|sqlite3_step|sqlite3_reset|EVP_Digest|malloc|free|__memset_avx2_unaligned_erms|__vfprintf_internal) ' \
			"$OUT/callgrind-$t.txt" | grep -v '=>' | head -n 14
	done
fi
log "outputs in $OUT"
