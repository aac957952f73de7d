#!/usr/bin/env bash
# Runs the official Braintrust TypeScript SDK (tests/sdk/*.test.mjs, node:test) against a live Braid.
#
#   tests/sdk/run.sh                 # both stores (BRAID_TEST_STORE=sqlite|postgres picks one)
#   tests/sdk/run.sh sqlite          # one store
#   tests/sdk/run.sh postgres -- --test-name-pattern=prompt   # args after -- go to `node --test`
#   tests/sdk/run.sh sqlite --pending   # also pending/*.test.mjs (scenarios waiting for server work)
#
# Per store: a fresh data directory (and for postgres a fresh database in the cluster that
# BRAID_TEST_POSTGRES names, or in a throwaway one this script starts), the Release build of
# Braid.Server on a free loopback port, the key the server writes on first start, then the tests.
# Prints "sdk-<store>: N passed, M failed" per store (test.sh reads it); exits non-zero on any
# failure, skip or cancellation.
set -euo pipefail

SDK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SDK_DIR/../.." && pwd)"

log() { printf '==> %s\n' "$*"; }
die() { printf 'tests/sdk/run.sh: error: %s\n' "$*" >&2; exit 1; }

STORES=()
NODE_ARGS=()
PENDING=0
while [ $# -gt 0 ]; do
  case "$1" in
    sqlite|postgres) STORES+=("$1") ;;
    --pending) PENDING=1 ;;
    --) shift; NODE_ARGS=("$@"); break ;;
    *) die "unknown argument '$1' (expected sqlite, postgres or -- <node --test args>)" ;;
  esac
  shift
done
if [ "${#STORES[@]}" -eq 0 ]; then
  if [ -n "${BRAID_TEST_STORE:-}" ]; then STORES=("$BRAID_TEST_STORE"); else STORES=(sqlite postgres); fi
fi

# ---------------------------------------------------------------- node and packages
# shellcheck source=../../scripts/ensure-node.sh
. "$ROOT/scripts/ensure-node.sh"
npm_ci_when_changed "$SDK_DIR"

# ---------------------------------------------------------------- server, store and cleanup
WORK="$(mktemp -d "${TMPDIR:-/tmp}/braid-sdk.XXXXXX")"
# shellcheck source=../../scripts/live-braid.sh
. "$ROOT/scripts/live-braid.sh"
build_server "${BRAID_SDK_NO_BUILD:-0}"
on_exit() {
  set +e
  stop_server
  rm -rf "$WORK"
  if [ -n "$PG_CLEANUP" ]; then "$PG_CLEANUP"; fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# ---------------------------------------------------------------- one store
ALL_PASSED=0
ALL_FAILED=0
STATUS=0

run_store() {
  local store="$1" dir url key tap rc=0
  dir="$WORK/$store"
  mkdir -p "$dir/home" "$dir/prompt-cache" "$dir/parameters-cache"
  start_braid "$store" "$dir"
  url="$BRAID_URL" key="$BRAID_KEY"

  tap="$dir/results.tap"
  log "node --test ($store)"
  # The SDK's own variables (sdk-protocol.md §2): app base and key; api/proxy bases come from the
  # login answer, so any outer setting of them is removed. Caches go to scratch folders so a rerun
  # cannot be served from a stale prompt cache; HOME too, for anything else under ~/.braintrust.
  (
    cd "$SDK_DIR"
    unset BRAINTRUST_API_URL BRAINTRUST_PROXY_URL BRAINTRUST_ORG_NAME BRAINTRUST_APP_PUBLIC_URL \
      BRAINTRUST_SYNC_FLUSH BRAINTRUST_LEGACY_IDS
    export BRAINTRUST_APP_URL="$url" BRAINTRUST_API_KEY="$key" \
      BRAINTRUST_PROMPT_CACHE_DIR="$dir/prompt-cache" BRAINTRUST_PARAMETERS_CACHE_DIR="$dir/parameters-cache" \
      BRAINTRUST_NUM_RETRIES=0 HOME="$dir/home" BRAID_TEST_STORE="$store"
    files=(./*.test.mjs)
    if [ "$PENDING" = 1 ]; then files+=(./pending/*.test.mjs); fi
    exec node --test --test-concurrency=1 --test-timeout=180000 \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$tap" \
      "${NODE_ARGS[@]}" "${files[@]}"
  ) || rc=$?
  stop_server

  report_tap "sdk-$store" "$tap" "$rc" "$dir/server.log"
}

for store in "${STORES[@]}"; do
  case "$store" in sqlite|postgres) ;; *) die "unknown store '$store'" ;; esac
  run_store "$store"
done
exit "$STATUS"
