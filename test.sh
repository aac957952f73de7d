#!/usr/bin/env bash
# Runs every Braid test suite, once per store (sqlite, then postgres).
#
#   ./test.sh                      # everything: .NET tests, then the SDK suite (tests/sdk)
#   ./test.sh --filter Name~Foo    # extra args go to `dotnet test`; the SDK suite is then skipped
#   ./test.sh --filter X --sdk     # ... unless asked for
#   ./test.sh --sdk-only           # only the SDK suite (still on both stores)
#   ./test.sh --ui / --ui-only     # the same for the web UI's browser suite (tests/ui)
#
# Starts a throwaway PostgreSQL cluster on 127.0.0.1:<free port> (installing
# PostgreSQL from Debian packages when it is missing) and removes it on exit.
# Test code finds it through BRAID_TEST_POSTGRES; the store under test is in
# BRAID_TEST_STORE. The last line printed is "tests: N passed, M failed".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# --sdk / --sdk-only / --ui / --ui-only are ours; everything else goes to `dotnet test`. A run narrowed with
# dotnet test arguments is a quick loop over C# tests, so it leaves the node suites out unless asked for.
# Asking for only some suites runs only those.
DOTNET_TESTS=1
SDK_TESTS=auto
UI_TESTS=auto
DOTNET_ARGS=()
for arg in "$@"; do
  case "$arg" in
    --sdk) SDK_TESTS=1 ;;
    --sdk-only) SDK_TESTS=1; DOTNET_TESTS=0 ;;
    --ui) UI_TESTS=1 ;;
    --ui-only) UI_TESTS=1; DOTNET_TESTS=0 ;;
    *) DOTNET_ARGS+=("$arg") ;;
  esac
done
if [ "$DOTNET_TESTS" -eq 0 ]; then
  # --sdk-only / --ui-only: just the suites named.
  [ "$SDK_TESTS" = 1 ] || SDK_TESTS=0
  [ "$UI_TESTS" = 1 ] || UI_TESTS=0
fi
if [ "$SDK_TESTS" = auto ]; then
  if [ "${#DOTNET_ARGS[@]}" -eq 0 ]; then SDK_TESTS=1; else SDK_TESTS=0; fi
fi
if [ "$UI_TESTS" = auto ]; then
  if [ "${#DOTNET_ARGS[@]}" -eq 0 ]; then UI_TESTS=1; else UI_TESTS=0; fi
fi
set -- "${DOTNET_ARGS[@]}"

log() { printf '==> %s\n' "$*"; }
die() { printf 'test.sh: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- PostgreSQL
# shellcheck source=scripts/throwaway-postgres.sh
. "$ROOT/scripts/throwaway-postgres.sh"

# ---------------------------------------------------------------- results
TOTAL_PASSED=0
TOTAL_FAILED=0
FAILURES=()

# Sums the <Counters> of all .trx files in a directory.
# Prints: "<files> <total> <executed> <passed> <failed> <notExecuted>"
trx_counts() {
  local files=("$1"/*.trx)
  [ -e "${files[0]}" ] || { echo "0 0 0 0 0 0"; return; }
  awk 'BEGIN { RS = "<" }
       function attr(s, name,   v) {
         if (match(s, "[ \t\r\n]" name "=\"[0-9]+\"")) {
           v = substr(s, RSTART, RLENGTH); gsub(/[^0-9]/, "", v); return v + 0
         }
         return 0
       }
       /^Counters[ \t\r\n\/]/ {
         n++; t += attr($0, "total"); e += attr($0, "executed")
         p += attr($0, "passed"); f += attr($0, "failed"); ne += attr($0, "notExecuted")
       }
       END { printf "%d %d %d %d %d %d\n", n, t, e, p, f, ne }' "${files[@]}"
}

# summary_line LABEL PASSED FAILED SKIPPED
summary_line() {
  if [ "$4" -gt 0 ]; then
    printf '%s: %d passed, %d failed, %d skipped\n' "$1" "$2" "$3" "$4"
  else
    printf '%s: %d passed, %d failed\n' "$1" "$2" "$3"
  fi
}

# ---------------------------------------------------------------- .NET tests
BUILD_OK=1
if [ "$DOTNET_TESTS" -eq 1 ]; then
  log "dotnet build Braid.slnx -c Release"
  build=(dotnet build Braid.slnx -c Release)
else
  log "dotnet build src/Braid.Server -c Release"
  build=(dotnet build src/Braid.Server -c Release)
fi
if ! "${build[@]}"; then
  BUILD_OK=0
  FAILURES+=("build")
fi

DOTNET_STORES=(sqlite postgres)
if [ "$DOTNET_TESTS" -eq 0 ]; then DOTNET_STORES=(); fi
for store in "${DOTNET_STORES[@]}"; do
  results="$TMP/$store"
  rc=0
  if [ "$BUILD_OK" -eq 1 ]; then
    log "dotnet test (BRAID_TEST_STORE=$store)"
    BRAID_TEST_STORE="$store" dotnet test Braid.slnx -c Release --no-build \
      --logger "trx;LogFilePrefix=$store" --results-directory "$results" "$@" || rc=$?
  else
    rc=1
  fi
  read -r files total executed passed failed not_executed < <(trx_counts "$results")
  skipped=$(( total - executed ))
  if [ "$not_executed" -gt "$skipped" ]; then skipped=$not_executed; fi
  TOTAL_PASSED=$(( TOTAL_PASSED + passed ))
  TOTAL_FAILED=$(( TOTAL_FAILED + failed ))
  summary_line "$store" "$passed" "$failed" "$skipped"
  if [ "$files" -eq 0 ]; then
    FAILURES+=("$store: no .trx results")
  elif [ "$rc" -ne 0 ] || [ "$failed" -gt 0 ]; then
    FAILURES+=("$store: dotnet test exit $rc, $failed failed")
  elif [ "$store" = postgres ] && [ "$executed" -eq 0 ]; then
    FAILURES+=("postgres: no test executed")
  fi
done

# ---------------------------------------------------------------- node suites
# tests/sdk/run.sh: the official Braintrust TypeScript SDK against a Braid it starts on a free port; tests/ui/run.sh:
# the web UI in headless Chromium (Debian's chromium, installed when missing) against one. Each runs once per store
# (the postgres run takes a fresh database in the cluster above), installs node and npm from Debian packages when
# missing, runs `npm ci`, and prints "<suite>-<store>: N passed, M failed".
# run_node_suite NAME SCRIPT NO_BUILD_VARIABLE
run_node_suite() {
  local name="$1" script="$2" no_build="$3" store out rc line p f
  for store in sqlite postgres; do
    if [ "$BUILD_OK" -ne 1 ]; then FAILURES+=("$name-$store: not run (build failed)"); continue; fi
    log "$script $store"
    out="$TMP/$name-$store.out"
    rc=0
    env "$no_build=1" "$script" "$store" 2>&1 | tee "$out" || rc=$?
    line=$(grep -E "^$name-$store: [0-9]+ passed, [0-9]+ failed" "$out" | tail -n 1 || true)
    if [ -n "$line" ]; then
      p=$(sed -E 's/^[^:]*: ([0-9]+) passed.*/\1/' <<<"$line")
      f=$(sed -E 's/^[^:]*: [0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
      TOTAL_PASSED=$(( TOTAL_PASSED + p ))
      TOTAL_FAILED=$(( TOTAL_FAILED + f ))
      if [ "$f" -gt 0 ] && [ "$rc" -eq 0 ]; then rc=1; fi
    elif [ "$rc" -eq 0 ]; then
      rc=1   # no summary line: the suite did not run to the end
    fi
    if [ "$rc" -ne 0 ]; then FAILURES+=("$name-$store: exit $rc"); fi
  done
}
if [ "$SDK_TESTS" -eq 1 ]; then run_node_suite sdk tests/sdk/run.sh BRAID_SDK_NO_BUILD; fi
if [ "$UI_TESTS" -eq 1 ]; then run_node_suite ui tests/ui/run.sh BRAID_UI_NO_BUILD; fi

# ---------------------------------------------------------------- verdict
if [ "${#FAILURES[@]}" -gt 0 ]; then
  printf 'FAILED: %s\n' "${FAILURES[@]}"
fi
# Must stay the last line printed (CI reads it); cleanup prints nothing.
printf 'tests: %d passed, %d failed\n' "$TOTAL_PASSED" "$TOTAL_FAILED"
[ "${#FAILURES[@]}" -eq 0 ]
