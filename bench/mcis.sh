#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/mcis.sh - the multi-cloud service benchmarks (issue 4): build a
# release spiderd, set up mock connections through the REST API and measure
#   1. an MCIS of 100 VMs over 10 connections (2 s create delay) against an
#      MCIS of one VM, and the creates in flight per connection;
#   2. ?option=status of a 1000-VM MCIS (100 ms per cloud call) against one
#      GET /spider/vmstatus;
#   3. one command on 50 VMs through a loopback sshd against one VM;
# then rewrite the MCIS section of docs/benchmarks.md.
#
# One command, no arguments:  bash bench/mcis.sh
# Knobs (environment; the defaults are what docs/benchmarks.md reports):
#   MCIS_CREATE_CONNS=10 MCIS_CREATE_PER_CONN=10 MCIS_CREATE_DELAY_MS=2000 MCIS_CREATE_ROUNDS=3
#   MCIS_STATUS_CONNS=10 MCIS_STATUS_VMS=1000 MCIS_STATUS_LATENCY_MS=100 MCIS_STATUS_ROUNDS=7
#   MCIS_SSH_VMS=50 MCIS_SSH_ROUNDS=5
#   MCIS_CONN_CALLS=20    the daemon's SPIDER_CONN_CALLS (creates in flight per connection)
#   MCIS_NO_DOC=1         print the summary but leave docs/benchmarks.md alone
#   MCIS_DOC=PATH         write the section there instead of docs/benchmarks.md
#   BENCH_COMMIT=ID       the commit to name when the tree has no .git
#
# spiderd and sshd bind 127.0.0.1 on free ports and are stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
TMP=$(mktemp -d /tmp/spider-mcis.XXXXXX)
PIDS=()
# shellcheck source=bench/lib.sh
. "$BENCH/lib.sh"
OUT=$ROOT/bench/out/mcis-$(date -u +%Y%m%dT%H%M%SZ) # raw outputs, kept (git-ignored)
BUILD=$ROOT/build-release
DOC=${MCIS_DOC:-$ROOT/docs/benchmarks.md}
export SPIDER_CONN_CALLS=${MCIS_CONN_CALLS:-20}
export MCIS_CONN_CALLS=$SPIDER_CONN_CALLS

PATH=$PATH:/usr/sbin
for tool in curl:curl python3:python3 cmake:cmake sshd:openssh-server; do
	need "${tool%%:*}" "${tool#*:}"
done
mkdir -p "$OUT"

build_release # sets COMMIT and SPIDERD

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "load average $LOAD_BEFORE on $(nproc) CPUs"
# A fresh daemon per figure: each starts from an empty store.
for what in creates status ssh; do
	start_spiderd "$TMP/spiderd-$what"
	export SPIDERD_PID
	log "$what: spiderd pid $SPIDERD_PID on $SPIDERD_URL"
	python3 "$BENCH/mcislib.py" "$what" "$SPIDERD_URL" "$OUT"
	stop_pid "$SPIDERD_PID" 60
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

printf '%s\n' "DATE=$(date -u '+%Y-%m-%d %H:%M UTC')" "COMMIT=$COMMIT" \
	"LOAD_BEFORE=$LOAD_BEFORE" "LOAD_AFTER=$LOAD_AFTER" >"$OUT/facts.env"
[[ ${MCIS_NO_DOC:-0} == 1 ]] && DOC=-
python3 "$BENCH/mcislib.py" report "$OUT" "$DOC"
log "raw outputs in $OUT"
