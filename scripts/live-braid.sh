# Sourced, not run: what tests/sdk/run.sh and tests/ui/run.sh share to test against a live Braid. Per store a fresh
# data directory (and for postgres a fresh database in the cluster BRAID_TEST_POSTGRES names, or in a throwaway one
# started here), the Release build of Braid.Server on a free loopback port, and the key it writes on first start.
#
# Needs ROOT and WORK (a scratch folder), log() and die(), and an on_exit function the caller traps on EXIT that
# calls stop_server and then "$PG_CLEANUP" when set. Sets BRAID_URL and BRAID_KEY for start_braid.

DLL="$ROOT/src/Braid.Server/bin/Release/net10.0/Braid.Server.dll"
SERVER_PID=""
PG_CLEANUP=""

# build_server SKIP: the Release build test.sh makes; built here (incrementally) unless the caller just did (SKIP=1),
# so a standalone run never tests a stale server.
build_server() {
  if [ "${1:-0}" != 1 ] || [ ! -f "$DLL" ]; then
    log "dotnet build src/Braid.Server -c Release"
    (cd "$ROOT" && dotnet build src/Braid.Server -c Release -v quiet -nologo) || die "build failed"
  fi
}

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p _
  for _ in $(seq 1 100); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40001 ))
    if port_free "$p"; then echo "$p"; return 0; fi
  done
  return 1
}

# A fresh database per run, so the server bootstraps (organization, owner, key) on first start.
# ensure_postgres runs in the caller's shell (the throwaway cluster's cleanup must outlive it);
# create_database may run in a subshell.
ensure_postgres() {
  [ -z "${BRAID_TEST_POSTGRES:-}" ] || return 0
  log "BRAID_TEST_POSTGRES is not set: starting a throwaway PostgreSQL"
  # shellcheck source=throwaway-postgres.sh
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
  db="braid_live_$(date +%s)_$RANDOM"
  PGPASSWORD=postgres "$psql" -h "${host:-127.0.0.1}" -p "${port:-5432}" -U "${user:-postgres}" -d postgres \
    -v ON_ERROR_STOP=1 -q -c "CREATE DATABASE $db" >&2 || die "could not create database $db"
  sed -E "s/(^|;)Database=[^;]*/\1Database=$db/" <<<"$admin"
}

# start_braid STORE DIR: a fresh store under DIR (data/, server.log), the server on a free port (three tries).
start_braid() {
  local store="$1" dir="$2" db_url="" attempt
  mkdir -p "$dir/data"
  if [ "$store" = postgres ]; then ensure_postgres; db_url="$(create_database)"; fi
  for attempt in 1 2 3; do
    BRAID_URL="http://127.0.0.1:$(free_port || die "no free port")"
    log "Braid ($store) on $BRAID_URL (attempt $attempt)"
    (
      cd "$dir"
      export BRAID_DATA_DIR="$dir/data"
      if [ -n "$db_url" ]; then export BRAID_DATABASE_URL="$db_url"; else unset BRAID_DATABASE_URL; fi
      exec dotnet "$DLL" --urls "$BRAID_URL" >"$dir/server.log" 2>&1
    ) &
    SERVER_PID=$!
    for _ in $(seq 1 600); do
      if curl -fsS -o /dev/null "$BRAID_URL/v1" 2>/dev/null; then break; fi
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    if curl -fsS -o /dev/null "$BRAID_URL/v1" 2>/dev/null; then break; fi
    echo "server did not come up on $BRAID_URL:" >&2
    tail -n 20 "$dir/server.log" >&2 || true
    stop_server
    [ "$attempt" -lt 3 ] || die "Braid ($store) did not start"
  done
  [ -s "$dir/data/initial-api-key" ] || { tail -n 20 "$dir/server.log" >&2; die "no $dir/data/initial-api-key after first start"; }
  BRAID_KEY="$(tr -d '[:space:]' <"$dir/data/initial-api-key")"
}

# tap_count FILE KEY: node's test runner's own closing "# KEY N" line (0 when absent).
tap_count() { { grep -E "^# $2 [0-9]+$" "$1" || echo "# $2 0"; } | tail -n 1 | awk '{print $3}'; }

# report_tap LABEL TAP RC SERVER_LOG: adds to ALL_PASSED/ALL_FAILED, sets STATUS=1 on any failure, skip or
# cancellation (nothing may be skipped quietly), and prints "LABEL: N passed, M failed" (test.sh reads it).
report_tap() {
  local label="$1" tap="$2" rc="$3" server_log="$4" passed failed cancelled skipped todo
  passed=$(tap_count "$tap" pass); failed=$(tap_count "$tap" fail)
  cancelled=$(tap_count "$tap" cancelled); skipped=$(tap_count "$tap" skipped); todo=$(tap_count "$tap" todo)
  failed=$(( failed + cancelled ))
  ALL_PASSED=$(( ALL_PASSED + passed )); ALL_FAILED=$(( ALL_FAILED + failed ))
  if [ "$rc" -ne 0 ] || [ "$failed" -gt 0 ]; then
    echo "--- last lines of the server log ($server_log):"
    tail -n 40 "$server_log" || true
    STATUS=1
  fi
  if [ $(( passed + failed )) -eq 0 ]; then echo "$label: no test ran" >&2; STATUS=1; fi
  if [ $(( skipped + todo )) -gt 0 ]; then
    printf '%s: %d passed, %d failed, %d skipped\n' "$label" "$passed" "$failed" $(( skipped + todo ))
    STATUS=1
  else
    printf '%s: %d passed, %d failed\n' "$label" "$passed" "$failed"
  fi
}
