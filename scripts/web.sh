#!/usr/bin/env bash
# Build the web tool (web/ → web/dist/) and install the browser tests'
# packages (tests/browser/).  `npm ci` runs only when node_modules is
# missing or package-lock.json changed since the last install; the build
# runs when web/dist is missing or older than any source file.
# Called by scripts/run and scripts/test; installs Node.js and npm when
# they are missing (deps.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/scripts/deps.sh"
spider_node
# Vite 8 wants Node.js 20.19 or newer.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "spider: the web tool needs Node.js 20.19 or newer; this machine has $(node --version) (install a newer nodejs, e.g. from nodejs.org, and run again)" >&2
  exit 1
fi

npm_ci_if_needed() {
  local dir=$1 stamp="$1/node_modules/.spider-lock.sha256" sum
  sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ ! -d "$dir/node_modules" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    echo "spider: npm ci in ${dir#"$ROOT"/}" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$sum" > "$stamp"
  fi
}

npm_ci_if_needed "$ROOT/web"
if [ ! -f "$ROOT/web/dist/index.html" ] || \
   [ -n "$(find "$ROOT/web/src" "$ROOT/web/index.html" "$ROOT/web/vite.config.js" "$ROOT/web/package-lock.json" \
            -newer "$ROOT/web/dist/index.html" -print -quit)" ]; then
  echo "spider: building the web tool (web/dist)" >&2
  (cd "$ROOT/web" && npm run build --silent >/dev/null)
fi
if [ "${1:-}" = "--tests" ]; then
  npm_ci_if_needed "$ROOT/tests/browser"
fi
