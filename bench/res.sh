#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/res.sh - the resource benchmarks (issue 3): build a release spiderd,
# set up mock connections through the REST API and measure
#   1. a fan-out list: GET /spider/vm on 100 connections at once, 200 ms per
#      cloud call, against the one call;
#   2. parallel creates: 200 VM creates at once (10 connections, create delay
#      1 s) against one create alone;
#   3. GET /spider/vmstatus/:Name throughput with wrk, beside nginx serving the
#      same bytes (run.sh's nginx settings);
# then rewrite the resources section of docs/benchmarks.md.
#
# One command, no arguments:  bash bench/res.sh
# Knobs (environment; the defaults are what docs/benchmarks.md reports):
#   RES_FANOUT_CONNS=100  RES_FANOUT_VMS=5   RES_LATENCY_MS=200   RES_FANOUT_ROUNDS=7
#   RES_CREATE_CONNS=10   RES_CREATE_PER_CONN=20  RES_CREATE_DELAY_MS=1000  RES_CREATE_ROUNDS=5
#   RES_RUNS=5 wrk runs   RES_DURATION=6 s   RES_THREADS=2   RES_CONNS=64   RES_WARMUP=2 s
#   RES_WORKERS=2         nginx worker processes
#   RES_NO_DOC=1          print the summary but leave docs/benchmarks.md alone
#   RES_DOC=PATH          write the section there instead of docs/benchmarks.md
#   BENCH_COMMIT=ID       the commit to name when the tree has no .git
#
# spiderd and nginx bind 127.0.0.1 on free ports and are stopped by the EXIT
# trap (lib.sh), on success or failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
TMP=$(mktemp -d /tmp/spider-res.XXXXXX)
PIDS=()
# shellcheck source=bench/lib.sh
. "$BENCH/lib.sh"
OUT=$ROOT/bench/out/res-$(date -u +%Y%m%dT%H%M%SZ) # raw outputs, kept (git-ignored)
BUILD=$ROOT/build-release
DOC=${RES_DOC:-$ROOT/docs/benchmarks.md}
WORKERS=${RES_WORKERS:-2}

for tool in wrk:wrk nginx:nginx-light curl:curl python3:python3 cmake:cmake base64:coreutils; do
	need "${tool%%:*}" "${tool#*:}"
done
mkdir -p "$OUT"

build_release # sets COMMIT and SPIDERD

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "load average $LOAD_BEFORE on $(nproc) CPUs"
start_spiderd "$TMP/spiderd"
export SPIDERD_PID
log "spiderd pid $SPIDERD_PID on $SPIDERD_URL"

# --- 1 and 2: fan-out list, parallel creates --------------------------------
python3 "$BENCH/reslib.py" fanout "$SPIDERD_URL" "$OUT"
python3 "$BENCH/reslib.py" creates "$SPIDERD_URL" "$OUT"

# --- 3: vmstatus, spiderd beside nginx --------------------------------------
NGX=$TMP/nginx
WWW=$NGX/www
python3 "$BENCH/reslib.py" status-setup "$SPIDERD_URL" "$WWW"
NGINX_PORT=$(free_port)
NGINX_OUT=$(python3 "$BENCH/reslib.py" nginx "$NGX" "$NGINX_PORT" "$WORKERS" "$OUT" \
	/spider/vmstatus/vm-01 vmstatus.json)
read -ra NGINX_PIDS <<<"$NGINX_OUT" # the master, then its workers
NGINX_PID=${NGINX_PIDS[0]}
PIDS+=("$NGINX_PID")
NGINX_URL=http://127.0.0.1:$NGINX_PORT
STATUS_PATH="/spider/vmstatus/vm-01?ConnectionName=st-conn"
log "nginx pid $NGINX_PID on $NGINX_URL ($WORKERS workers)"
python3 "$BENCH/reslib.py" throughput "$OUT" "$SPIDERD_URL" "$NGINX_URL" "$STATUS_PATH" \
	"$SPIDERD_PID" "${NGINX_PIDS[@]}"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

stop_pid "$NGINX_PID"
stop_pid "$SPIDERD_PID" 30

# --- the report (reslib.py reads the machine's facts itself) ---------------
printf '%s\n' "DATE=$(date -u '+%Y-%m-%d %H:%M UTC')" "COMMIT=$COMMIT" "WORKERS=$WORKERS" \
	"LOAD_BEFORE=$LOAD_BEFORE" "LOAD_AFTER=$LOAD_AFTER" >"$OUT/facts.env"
[[ ${RES_NO_DOC:-0} == 1 ]] && DOC=-
python3 "$BENCH/reslib.py" report "$OUT" "$DOC"
log "raw outputs in $OUT"
