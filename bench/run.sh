#!/usr/bin/env bash
# Runs the event-store benchmarks on SQLite, then on a throwaway PostgreSQL with durable settings (fsync on).
# Extra arguments go to the benchmark, e.g. ./bench/run.sh --spans 200000 --fetch-spans 1000000
# With --queries it runs the query benchmark instead (docs/benchmarks.md); the generated SQLite store is kept in
# bench/.data between runs, PostgreSQL's is generated again each run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { printf '==> %s\n' "$*"; }
die() { printf 'bench/run.sh: error: %s\n' "$*" >&2; exit 1; }

dotnet build bench/Braid.Benchmarks -c Release -v quiet -nologo
BENCH=bench/Braid.Benchmarks/bin/Release/net10.0/Braid.Benchmarks.dll

EXTRA=()
for arg in "$@"; do
  if [ "$arg" = "--queries" ] || [ "$arg" = "--pages" ]; then EXTRA=(--cache "$ROOT/bench/.data"); fi
  if [ "$arg" = "--pages" ]; then
    # The page benchmark drives tests/ui's playwright-core and Debian's chromium (tests/ui/run.sh installs it).
    # shellcheck source=../scripts/ensure-node.sh
    . "$ROOT/scripts/ensure-node.sh"
    npm_ci_when_changed "$ROOT/tests/ui"
    [ -x "${BRAID_CHROMIUM:-/usr/bin/chromium}" ] || die "chromium is missing: run tests/ui/run.sh once, or apt-get install chromium"
  fi
done

log "SQLite"
dotnet "$BENCH" --store sqlite ${EXTRA[@]+"${EXTRA[@]}"} "$@"

export BRAID_PG_DURABLE=1
# shellcheck source=../scripts/throwaway-postgres.sh
. "$ROOT/scripts/throwaway-postgres.sh"
log "PostgreSQL"
dotnet "$BENCH" --store postgres --postgres "$BRAID_TEST_POSTGRES" "$@"
