# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# bench/lib.sh - helpers shared by bench/run.sh and bench/profile.sh (sourced).
# The caller sets ROOT, TMP and an empty PIDS array first; this file installs
# the EXIT trap that stops every process listed in PIDS and removes TMP.

BENCH_USER=bench
BENCH_PASS=bench-Pa55word
CONN_NAME=mock-config01
# spiderd takes its login from the environment; wrk sends the same one.
export SPIDER_USERNAME=$BENCH_USER SPIDER_PASSWORD=$BENCH_PASS
unset SERVER_ADDRESS SPIDER_DATA_DIR SPIDER_DRIVER_DIR SPIDER_LOG_LEVEL || true
AUTH_HEADER="Authorization: Basic $(printf '%s:%s' "$BENCH_USER" "$BENCH_PASS" | base64 -w0)"
export AUTH_HEADER

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

# --- cleanup: stop every server we started, even on failure ----------------
stop_pid() { # pid [seconds]
	local pid=$1 wait_s=${2:-10} i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < wait_s * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
		sleep 0.05
	done
	log "pid $pid ignored SIGTERM for ${wait_s}s; killing it"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- tools -----------------------------------------------------------------
APT_UPDATED=0
need() { # command package
	command -v "$1" >/dev/null 2>&1 && return 0
	[[ $(id -u) -eq 0 ]] || die "'$1' is missing; install the Debian package '$2' (needs root)"
	if [[ $APT_UPDATED -eq 0 ]]; then
		log "apt-get update"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq
		APT_UPDATED=1
	fi
	log "installing $2"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
	command -v "$1" >/dev/null 2>&1 || die "'$1' still missing after installing '$2'"
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

SPIDERD_PID="" SPIDERD_URL=""
SPIDERD_WRAP=()     # a command to run spiderd under, such as valgrind
READY_TIMEOUT_S=10
start_spiderd() { # data-dir; needs SPIDERD; sets SPIDERD_PID and SPIDERD_URL
	local dir=$1 i
	mkdir -p "$dir"
	"${SPIDERD_WRAP[@]}" "$SPIDERD" --listen 127.0.0.1:0 --data-dir "$dir" >"$dir.stdout" 2>"$dir.stderr" &
	SPIDERD_PID=$!
	PIDS+=("$SPIDERD_PID")
	for ((i = 0; i < READY_TIMEOUT_S * 20; i++)); do
		# The file may not be there yet: the child opens it after the fork.
		SPIDERD_URL=$(sed -n 's/^spiderd: ready on //p' "$dir.stdout" 2>/dev/null || true)
		[[ -n $SPIDERD_URL ]] && return 0
		kill -0 "$SPIDERD_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$dir.stderr" >&2
	die "spiderd did not become ready"
}

api() { # METHOD PATH [JSON]
	local args=(-sS --fail-with-body --max-time 10 -u "$BENCH_USER:$BENCH_PASS" -X "$1")
	[[ $# -ge 3 ]] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	curl "${args[@]}" "$SPIDERD_URL$2" || die "$1 $2 failed"
}

register_mock() { # the mock cloud as connection $CONN_NAME
	api POST /spider/driver '{"DriverName":"mock-driver01","ProviderName":"MOCK","DriverLibFileName":"mock.so"}' >/dev/null
	api POST /spider/credential '{"CredentialName":"mock-cred01","ProviderName":"MOCK","KeyValueInfoList":[{"Key":"MockName","Value":"bench"}]}' >/dev/null
	api POST /spider/region '{"RegionName":"mock-region01","ProviderName":"MOCK","KeyValueInfoList":[{"Key":"Region","Value":"default"}]}' >/dev/null
	api POST /spider/connectionconfig "{\"ConfigName\":\"$CONN_NAME\",\"ProviderName\":\"MOCK\",\"DriverName\":\"mock-driver01\",\"CredentialName\":\"mock-cred01\",\"RegionName\":\"mock-region01\"}" >/dev/null
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

cpu_ticks() { # pid... -> user+system clock ticks of those processes (all their threads)
	local pid sum=0 f
	for pid in "$@"; do
		# Fields after the ')' that ends the command name: utime is the 12th, stime the 13th.
		f=$(sed 's/^.*) //' "/proc/$pid/stat")
		sum=$((sum + $(awk '{ print $12 + $13 }' <<<"$f")))
	done
	echo "$sum"
}

# Build a release of spiderd and the mock driver (nothing else) in $BUILD,
# logging to $OUT/build.log; sets COMMIT (the commit, "(with local
# changes)" when the sources differ from it) and SPIDERD.
build_release() {
	if COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null); then
		if ! git -C "$ROOT" diff --quiet HEAD -- . ':!bench' ':!docs' ||
			[[ -n $(git -C "$ROOT" ls-files --others --exclude-standard -- src drivers include) ]]; then
			COMMIT="$COMMIT (with local changes)"
		fi
	else
		COMMIT=${BENCH_COMMIT:-unknown}
	fi
	log "building a release of $COMMIT in $BUILD"
	if ! cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSPIDER_TESTS=OFF -DCMAKE_C_FLAGS= \
		>"$OUT/build.log" 2>&1 ||
		! cmake --build "$BUILD" -j"$(nproc)" --target spiderd spider_driver_mock >>"$OUT/build.log" 2>&1; then
		tail -n 30 "$OUT/build.log" >&2
		die "release build failed (full log: $OUT/build.log)"
	fi
	SPIDERD=$BUILD/bin/spiderd
	[[ -x $SPIDERD ]] || die "no $SPIDERD after the build"
}
