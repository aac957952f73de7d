#!/usr/bin/env bash
# Runs the web UI's end-to-end tests (tests/ui/*.test.mjs, node:test) in headless Chromium against a live Braid.
#
#   tests/ui/run.sh                 # both stores (BRAID_TEST_STORE=sqlite|postgres picks one)
#   tests/ui/run.sh sqlite          # one store
#   tests/ui/run.sh sqlite -- --test-name-pattern=filter   # args after -- go to `node --test`
#   tests/ui/run.sh --screenshots   # instead of the tests: retake docs/ui/*.png (sqlite)
#
# Per store: a fresh Braid (scripts/live-braid.sh), then the tests, which log their data through the API and drive
# Debian's chromium (installed here when missing) through playwright-core. A failing test saves a screenshot under
# the run's scratch folder (kept, and its path printed, when anything failed). Prints "ui-<store>: N passed,
# M failed" per store (test.sh reads it); exits non-zero on any failure, skip or cancellation.
set -euo pipefail

UI_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$UI_DIR/../.." && pwd)"

log() { printf '==> %s\n' "$*"; }
die() { printf 'tests/ui/run.sh: error: %s\n' "$*" >&2; exit 1; }

STORES=()
NODE_ARGS=()
SCREENSHOTS=0
while [ $# -gt 0 ]; do
  case "$1" in
    sqlite|postgres) STORES+=("$1") ;;
    --screenshots) SCREENSHOTS=1 ;;
    --) shift; NODE_ARGS=("$@"); break ;;
    *) die "unknown argument '$1' (expected sqlite, postgres, --screenshots or -- <node --test args>)" ;;
  esac
  shift
done
if [ "${#STORES[@]}" -eq 0 ]; then
  if [ "$SCREENSHOTS" = 1 ]; then STORES=(sqlite)
  elif [ -n "${BRAID_TEST_STORE:-}" ]; then STORES=("$BRAID_TEST_STORE")
  else STORES=(sqlite postgres); fi
fi

# ---------------------------------------------------------------- node, packages and the browser
# shellcheck source=../../scripts/ensure-node.sh
. "$ROOT/scripts/ensure-node.sh"
npm_ci_when_changed "$UI_DIR"

# playwright-core brings no browser (and none may be downloaded): Debian's chromium is the one driven.
CHROMIUM="${BRAID_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  log "chromium not found; installing it from Debian packages"
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    die "chromium is not installed and this is not root and sudo is missing; install it with: apt-get install chromium"
  fi
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
  [ -x "$CHROMIUM" ] || die "installed chromium but $CHROMIUM is still missing"
fi

# ---------------------------------------------------------------- server, store and cleanup
WORK="$(mktemp -d "${TMPDIR:-/tmp}/braid-ui.XXXXXX")"
# shellcheck source=../../scripts/live-braid.sh
. "$ROOT/scripts/live-braid.sh"
build_server "${BRAID_UI_NO_BUILD:-0}"
STATUS=0
on_exit() {
  set +e
  stop_server
  # A failed run keeps its screenshots and server logs.
  if [ "$STATUS" -eq 0 ]; then rm -rf "$WORK"; else echo "tests/ui/run.sh: kept $WORK"; fi
  if [ -n "$PG_CLEANUP" ]; then "$PG_CLEANUP"; fi
}
trap on_exit EXIT
trap 'STATUS=1; exit 130' INT
trap 'STATUS=1; exit 143' TERM HUP

# ---------------------------------------------------------------- one store
ALL_PASSED=0
ALL_FAILED=0

run_store() {
  local store="$1" dir tap rc=0
  dir="$WORK/$store"
  mkdir -p "$dir/failures"
  start_braid "$store" "$dir"
  export BRAID_URL BRAID_API_KEY="$BRAID_KEY" BRAID_CHROMIUM="$CHROMIUM" BRAID_UI_FAILURES="$dir/failures" BRAID_TEST_STORE="$store"

  if [ "$SCREENSHOTS" = 1 ]; then
    log "screenshots into docs/ui"
    (cd "$UI_DIR" && node screenshots.mjs "$ROOT/docs/ui") || STATUS=1
    stop_server
    return
  fi

  tap="$dir/results.tap"
  log "node --test ($store)"
  (
    cd "$UI_DIR"
    exec node --test --test-concurrency=1 --test-timeout=120000 \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$tap" \
      "${NODE_ARGS[@]}" ./*.test.mjs
  ) || rc=$?
  stop_server
  report_tap "ui-$store" "$tap" "$rc" "$dir/server.log"
}

for store in "${STORES[@]}"; do
  run_store "$store"
done
exit "$STATUS"
