#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/openstack.sh - the OpenStack driver's benchmarks (issue 7): build a
# release spiderd with the OpenStack driver, bring up the loopback OpenStack
# peer if it is not up (scripts/openstack-peer.sh; left up if it was), and
# measure through bench/oslib.py
#   1. VM list and VM status through spiderd against the same reads made
#      straight to Nova/Neutron (added time at the median);
#   2. 20 VMs booted at once against one VM's boot;
# then rewrite the OpenStack section of docs/benchmarks.md.
#
# One command, no arguments:  bash bench/openstack.sh
# Knobs: OS_VMS=5 OS_ROUNDS=30 OS_BOOTS=20 OS_SINGLE=3; OS_NO_DOC=1 prints
# the section instead of writing docs/benchmarks.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
TMP=$(mktemp -d /tmp/spider-os.XXXXXX)
PIDS=()
# shellcheck source=bench/lib.sh
. "$BENCH/lib.sh"
OUT=$ROOT/bench/out/openstack-$(date -u +%Y%m%dT%H%M%SZ)
BUILD=$ROOT/build-os-rel
DOC=$ROOT/docs/benchmarks.md
mkdir -p "$OUT"

if COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null); then
	git -C "$ROOT" diff --quiet HEAD -- src drivers include 2>/dev/null &&
		[[ -z $(git -C "$ROOT" ls-files --others --exclude-standard -- src drivers include) ]] ||
		COMMIT="$COMMIT (with local changes)"
else
	COMMIT=${BENCH_COMMIT:-unknown}
fi
log "building a release of $COMMIT in $BUILD"
if ! cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >"$OUT/build.log" 2>&1 ||
	! cmake --build "$BUILD" -j"$(nproc)" --target spiderd spider_driver_openstack >>"$OUT/build.log" 2>&1; then
	tail -n 30 "$OUT/build.log" >&2
	die "release build failed (full log: $OUT/build.log)"
fi
SPIDERD=$BUILD/bin/spiderd

if ! why=$("$ROOT/scripts/openstack-peer.sh" up); then
	die "the OpenStack peer is not available: $why"
fi

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
start_spiderd "$TMP/spiderd"
log "spiderd pid $SPIDERD_PID on $SPIDERD_URL"
python3 "$BENCH/oslib.py" run "$SPIDERD_URL" "$OUT"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
stop_pid "$SPIDERD_PID" 30

printf '%s\n' "DATE=$(date -u '+%Y-%m-%d %H:%M UTC')" "COMMIT=$COMMIT" \
	"LOAD_BEFORE=$LOAD_BEFORE" "LOAD_AFTER=$LOAD_AFTER" >"$OUT/facts.env"
[[ ${OS_NO_DOC:-0} == 1 ]] && DOC=-
python3 "$BENCH/oslib.py" report "$OUT" "$DOC"
log "raw outputs in $OUT"
