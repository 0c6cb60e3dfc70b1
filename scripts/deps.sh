#!/usr/bin/env bash
# Install the Debian packages Spider needs to build, run and test, when
# they are missing.  Sourced by scripts/run and scripts/test; needs root
# (or sudo) only when something is missing.
set -euo pipefail

SPIDER_DEBS=(
  build-essential cmake pkg-config git
  libmicrohttpd-dev libjansson-dev libsqlite3-dev libssl-dev nettle-dev libcrypt-dev
  libcurl4-openssl-dev libcmocka-dev libssh-dev libxml2-dev
  openssh-server openssh-client
  python3 curl openssl whois
  chromium
)

# Node.js and npm build the web tool.  Machines of our kind come with
# Node.js 20 and npm; where `npm` is missing, Debian's packages are
# installed (Debian 12's Node.js is 18, older than Vite needs: then the
# web build says so).
spider_node() {
  command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 && return 0
  spider_deps nodejs npm
}

spider_deps() {
  local missing=() pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "spider: installing Debian packages: ${missing[*]}" >&2
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
