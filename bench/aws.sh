#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/aws.sh - the AWS driver benchmarks (issue 6): build a release of
# spiderd and the AWS driver, then (bench/awslib.py) measure against
# moto_server on loopback
#   1. VMs listed on 20 connections (20 moto regions) at once, with 200 ms
#      added to every EC2 call by the fault proxy, against one alone;
#   2. the time spiderd adds to a direct EC2 call (p50);
#   3. the CPU time to parse 1000 DescribeInstances pages;
# and rewrite the AWS section of docs/benchmarks.md.
#
# One command, no arguments:  bash bench/aws.sh
# Knobs (environment): AWS_BENCH_REGIONS=20 AWS_BENCH_VMS=5 AWS_BENCH_LATENCY_MS=200
#   AWS_BENCH_ROUNDS=7 AWS_BENCH_OVERHEAD_N=300 AWS_BENCH_PAGES=1000
#   AWS_BUILD=DIR (default build-aws-rel)  AWS_NO_DOC=1 (print only)
# moto_server, the proxy and spiderd bind 127.0.0.1 on free ports and are
# stopped before the script ends, on success or failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${AWS_BUILD:-$ROOT/build-aws-rel}
OUT=$ROOT/bench/out/aws-$(date -u +%Y%m%dT%H%M%SZ)
DOC=$ROOT/docs/benchmarks.md
[[ ${AWS_NO_DOC:-0} == 1 ]] && DOC=-
log() { printf 'bench: %s\n' "$*" >&2; }

command -v moto_server >/dev/null || { log "moto_server is missing: pip install 'moto[server]' boto3"; exit 1; }
mkdir -p "$OUT"
if COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null); then
	git -C "$ROOT" diff --quiet HEAD -- drivers/aws src 2>/dev/null || COMMIT="$COMMIT (with local changes)"
else
	COMMIT=unknown
fi
export AWS_BENCH_COMMIT=$COMMIT
log "building a release of $COMMIT in $BUILD"
if ! cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >"$OUT/build.log" 2>&1 ||
	! cmake --build "$BUILD" -j"$(nproc)" --target spiderd spider_driver_aws bench_aws_parse >>"$OUT/build.log" 2>&1; then
	tail -n 30 "$OUT/build.log" >&2
	log "release build failed (full log: $OUT/build.log)"
	exit 1
fi
python3 "$ROOT/bench/awslib.py" run "$BUILD" "$OUT" "$DOC"
log "raw outputs in $OUT"
