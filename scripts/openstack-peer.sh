#!/usr/bin/env bash
# The loopback OpenStack peer for the OpenStack driver's tests and
# benchmarks (../shared/peers/openstack, or $SPIDER_OPENSTACK_PEER).
#
#   scripts/openstack-peer.sh up      install (once per machine) and start it,
#                                     unless it answers already
#   scripts/openstack-peer.sh down    stop it, if "up" started it
#   scripts/openstack-peer.sh status  exit 0 when it answers
#
# Output goes to $OSP/../spider-openstack-peer.log; when "up" fails it
# prints one line saying why (scripts/test passes it on to the tests, which
# skip with it) and exits 1.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEER=${SPIDER_OPENSTACK_PEER:-$ROOT/../shared/peers/openstack}
OSP=${OSP:-/tmp/spider-openstack-peer}
LOG=$OSP.log
MARK=$OSP.started-by-spider
KS=http://127.0.0.1:35357/v3

answers() { curl -sf -o /dev/null --max-time 5 "$KS"; }

up() {
  if answers; then return 0; fi
  if [ ! -x "$PEER/up.sh" ]; then echo "no OpenStack peer at '$PEER' (set SPIDER_OPENSTACK_PEER)"; return 1; fi
  if ! command -v keystone-manage >/dev/null || ! command -v nova-manage >/dev/null; then
    if [ "$(id -u)" != 0 ]; then echo "the OpenStack peer's packages are not installed and installing them needs root"; return 1; fi
    if ! "$PEER/install.sh" >>"$LOG" 2>&1; then echo "installing the OpenStack peer's packages failed (see $LOG)"; return 1; fi
  fi
  # Stopped earlier but not wiped: up.sh starts only from nothing.
  if [ -e "$OSP" ]; then "$PEER/down.sh" >>"$LOG" 2>&1; rm -rf "$OSP"; fi
  if ! OSP=$OSP "$PEER/up.sh" >>"$LOG" 2>&1 || ! answers; then
    OSP=$OSP "$PEER/down.sh" >>"$LOG" 2>&1
    echo "the OpenStack peer did not start (see $LOG)"; return 1
  fi
  touch "$MARK"
}

down() {
  [ -e "$MARK" ] || return 0
  OSP=$OSP "$PEER/down.sh" >>"$LOG" 2>&1
  rm -f "$MARK"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) answers ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
