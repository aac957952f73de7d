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

# `npm ci` only when package.json or the lockfile changed since the last install (test.sh runs this
# script once per store). --ignore-scripts: braintrust's postinstall only fetches the optional `bt`
# CLI binary, which the SDK does not need (and npm 11 skips unapproved scripts anyway).
stamp="$SDK_DIR/node_modules/.braid-installed"
want="$(cat "$SDK_DIR/package.json" "$SDK_DIR/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "npm ci (tests/sdk)"
  (cd "$SDK_DIR" && npm ci --ignore-scripts --no-audit --no-fund) || die "npm ci failed"
  printf '%s\n' "$want" >"$stamp"
fi

# ---------------------------------------------------------------- server build
# The Release build test.sh makes; built here (incrementally) unless the caller just did
# (BRAID_SDK_NO_BUILD=1), so a standalone run never tests a stale server.
DLL="$ROOT/src/Braid.Server/bin/Release/net10.0/Braid.Server.dll"
if [ "${BRAID_SDK_NO_BUILD:-0}" != 1 ] || [ ! -f "$DLL" ]; then
  log "dotnet build src/Braid.Server -c Release"
  (cd "$ROOT" && dotnet build src/Braid.Server -c Release -v quiet -nologo) || die "build failed"
fi

# ---------------------------------------------------------------- scratch space and cleanup
WORK="$(mktemp -d "${TMPDIR:-/tmp}/braid-sdk.XXXXXX")"
SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
PG_CLEANUP=""
on_exit() {
  set +e
  stop_server
  rm -rf "$WORK"
  if [ -n "$PG_CLEANUP" ]; then "$PG_CLEANUP"; fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p _
  for _ in $(seq 1 100); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40001 ))
    if port_free "$p"; then echo "$p"; return 0; fi
  done
  return 1
}

# ---------------------------------------------------------------- postgres
# A fresh database per run, so the server bootstraps (organization, owner, key) on first start.
# ensure_postgres runs in this shell (the throwaway cluster's cleanup must outlive it);
# create_database may run in a subshell.
ensure_postgres() {
  [ -z "${BRAID_TEST_POSTGRES:-}" ] || return 0
  log "BRAID_TEST_POSTGRES is not set: starting a throwaway PostgreSQL"
  # shellcheck source=../../scripts/throwaway-postgres.sh
  . "$ROOT/scripts/throwaway-postgres.sh"
  PG_CLEANUP=cleanup
  trap on_exit EXIT   # the sourced script replaced it
}

# Prints the admin connection string pointed at a new, empty database.
create_database() {
  local admin="$BRAID_TEST_POSTGRES" host port user db psql
  host=$(sed -nE 's/(^|.*;)Host=([^;]*).*/\2/p' <<<"$admin")
  port=$(sed -nE 's/(^|.*;)Port=([^;]*).*/\2/p' <<<"$admin")
  user=$(sed -nE 's/(^|.*;)Username=([^;]*).*/\2/p' <<<"$admin")
  psql="$(command -v psql || ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$psql" ] && [ -x "$psql" ] || die "psql not found"
  db="braid_sdk_$(date +%s)_$RANDOM"
  PGPASSWORD=postgres "$psql" -h "${host:-127.0.0.1}" -p "${port:-5432}" -U "${user:-postgres}" -d postgres \
    -v ON_ERROR_STOP=1 -q -c "CREATE DATABASE $db" >&2 || die "could not create database $db"
  sed -E "s/(^|;)Database=[^;]*/\1Database=$db/" <<<"$admin"
}

# ---------------------------------------------------------------- one store
ALL_PASSED=0
ALL_FAILED=0
STATUS=0

# tap_count FILE KEY: the runner's own closing "# KEY N" line (0 when absent).
tap_count() { { grep -E "^# $2 [0-9]+$" "$1" || echo "# $2 0"; } | tail -n 1 | awk '{print $3}'; }

run_store() {
  local store="$1" dir port url key db_url="" attempt tap rc=0
  dir="$WORK/$store"
  mkdir -p "$dir/data" "$dir/home" "$dir/prompt-cache" "$dir/parameters-cache"
  if [ "$store" = postgres ]; then db_url="$(create_database)"; fi

  for attempt in 1 2 3; do
    port="$(free_port)" || die "no free port"
    url="http://127.0.0.1:$port"
    log "Braid ($store) on $url (attempt $attempt)"
    (
      cd "$dir"
      export BRAID_DATA_DIR="$dir/data"
      if [ -n "$db_url" ]; then export BRAID_DATABASE_URL="$db_url"; else unset BRAID_DATABASE_URL; fi
      exec dotnet "$DLL" --urls "$url" >"$dir/server.log" 2>&1
    ) &
    SERVER_PID=$!
    for _ in $(seq 1 600); do
      if curl -fsS -o /dev/null "$url/v1" 2>/dev/null; then break; fi
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    if curl -fsS -o /dev/null "$url/v1" 2>/dev/null; then break; fi
    echo "server did not come up on $url:" >&2
    tail -n 20 "$dir/server.log" >&2 || true
    stop_server
    [ "$attempt" -lt 3 ] || die "Braid ($store) did not start"
  done

  [ -s "$dir/data/initial-api-key" ] || { tail -n 20 "$dir/server.log" >&2; die "no $dir/data/initial-api-key after first start"; }
  key="$(tr -d '[:space:]' <"$dir/data/initial-api-key")"

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

  local passed failed cancelled skipped todo
  passed=$(tap_count "$tap" pass); failed=$(tap_count "$tap" fail)
  cancelled=$(tap_count "$tap" cancelled); skipped=$(tap_count "$tap" skipped); todo=$(tap_count "$tap" todo)
  failed=$(( failed + cancelled ))
  ALL_PASSED=$(( ALL_PASSED + passed )); ALL_FAILED=$(( ALL_FAILED + failed ))
  if [ "$rc" -ne 0 ] || [ "$failed" -gt 0 ]; then
    echo "--- last lines of the $store server log ($dir/server.log):"
    tail -n 40 "$dir/server.log" || true
    STATUS=1
  fi
  if [ $(( passed + failed )) -eq 0 ]; then echo "sdk-$store: no test ran" >&2; STATUS=1; fi
  # Nothing may be skipped quietly: a skip or todo fails the run (pending scenarios live in pending/).
  if [ $(( skipped + todo )) -gt 0 ]; then
    printf 'sdk-%s: %d passed, %d failed, %d skipped\n' "$store" "$passed" "$failed" $(( skipped + todo ))
    STATUS=1
  else
    printf 'sdk-%s: %d passed, %d failed\n' "$store" "$passed" "$failed"
  fi
}

for store in "${STORES[@]}"; do
  if [ "$store" = postgres ]; then ensure_postgres; fi
  case "$store" in sqlite|postgres) ;; *) die "unknown store '$store'" ;; esac
  run_store "$store"
done
exit "$STATUS"
