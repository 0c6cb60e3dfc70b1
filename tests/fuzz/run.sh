#!/usr/bin/env bash
# Build the libFuzzer binaries with clang (in build-fuzz/, with ASan and
# UBSan) and fuzz each target for SECONDS (default 60), starting from its
# seed corpus in tests/fuzz/corpus/<target>/.
#
#   tests/fuzz/run.sh [SECONDS [TARGET...]]
#
# New inputs and crash artifacts go to a scratch directory (FUZZ_WORK, else
# a new /tmp/spider-fuzz.XXXXXX), never into the repository: copy an input
# into the seed corpus by hand when it is worth keeping.  FUZZ_BUILD moves
# the build tree.  Exit status 1 when a target crashed, leaked or timed out.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SECS=${1:-60}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(json router auth hiscall_line time)
BUILD=${FUZZ_BUILD:-$ROOT/build-fuzz}
WORK=${FUZZ_WORK:-$(mktemp -d /tmp/spider-fuzz.XXXXXX)}

case $SECS in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS [TARGET...]]" >&2; exit 2 ;;
esac

echo "== build ($BUILD) =="
CC=clang cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSPIDER_FUZZ=ON -DSPIDER_SANITIZE=ON -DSPIDER_TESTS=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target "${TARGETS[@]/#/fuzz_}" >/dev/null

export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

status=0
for t in "${TARGETS[@]}"; do
  mkdir -p "$WORK/$t/corpus" "$WORK/$t/artifacts"
  echo "== fuzz_$t for ${SECS}s (log: $WORK/$t.log) =="
  # The first directory receives new inputs; the seeds are only read.
  if "$BUILD/bin/fuzz_$t" -max_len=4096 -max_total_time="$SECS" -timeout=10 \
       -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$WORK/$t/artifacts/" \
       "$WORK/$t/corpus" "$ROOT/tests/fuzz/corpus/$t" >"$WORK/$t.log" 2>&1; then
    grep -E '^#[0-9]+[[:space:]]+DONE' "$WORK/$t.log" | tail -1 || true
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
      "$WORK/$t.log" || true
  else
    status=1
    echo "fuzz_$t FAILED; artifacts:" >&2
    ls "$WORK/$t/artifacts" >&2
    grep -E 'ERROR|SUMMARY|assertion failed|round trip' "$WORK/$t.log" | head -5 >&2 || true
  fi
done
echo "== scratch corpus and artifacts: $WORK =="
exit $status
