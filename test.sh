#!/usr/bin/env bash
# Runs every Braid test suite, once per store (sqlite, then postgres).
#
#   ./test.sh                      # everything
#   ./test.sh --filter Name~Foo    # extra args go to `dotnet test`
#
# Starts a throwaway PostgreSQL cluster on 127.0.0.1:<free port> (installing
# PostgreSQL from Debian packages when it is missing) and removes it on exit.
# Test code finds it through BRAID_TEST_POSTGRES; the store under test is in
# BRAID_TEST_STORE. The last line printed is "tests: N passed, M failed".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '==> %s\n' "$*"; }
die() { printf 'test.sh: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- PostgreSQL
pg_bindir() {
  local b
  for b in /usr/lib/postgresql/*/bin; do
    if [ -x "$b/initdb" ]; then printf "%s\n" "$b"; fi
  done | sort -V | tail -n 1
}

PGBIN="$(pg_bindir)"
if [ -z "$PGBIN" ]; then
  log "PostgreSQL not found; installing it from Debian packages"
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    die "PostgreSQL is not installed and this is not root and sudo is missing; install it with: apt-get install postgresql"
  fi
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql
  PGBIN="$(pg_bindir)"
  [ -n "$PGBIN" ] || die "installed postgresql but found no initdb under /usr/lib/postgresql/*/bin"
fi

IS_ROOT=0
if [ "$(id -u)" -eq 0 ]; then IS_ROOT=1; fi

# initdb and postgres refuse to run as root: run them as the `postgres` user.
as_pg() {
  if [ "$IS_ROOT" -eq 1 ]; then
    if command -v runuser >/dev/null 2>&1; then
      (cd "$TMP" && runuser -u postgres -- "$@")
    else
      (cd "$TMP" && su postgres -s /bin/bash -c "$(printf '%q ' "$@")")
    fi
  else
    (cd "$TMP" && "$@")
  fi
}

if [ "$IS_ROOT" -eq 1 ]; then
  id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' OS user to run the server as"
  TMP="$(mktemp -d /tmp/braid-test.XXXXXX)"   # /tmp: reachable by the postgres user
else
  TMP="$(mktemp -d "${TMPDIR:-/tmp}/braid-test.XXXXXX")"
fi
PGDATA_DIR="$TMP/pgdata"
PGSOCK_DIR="$TMP/sock"
PGLOG="$TMP/postgres.log"
PG_STARTED=0

cleanup() {
  set +e
  if [ "$PG_STARTED" -eq 1 ]; then
    if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t 30 stop >/dev/null 2>&1; then
      # Last resort: kill the postmaster we started (by its pid file).
      local pid
      pid=$(head -n 1 "$PGDATA_DIR/postmaster.pid" 2>/dev/null)
      if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null; fi
      sleep 1
    fi
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

port_in_use() {
  if command -v ss >/dev/null 2>&1; then
    [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

free_port() {
  local p _
  for _ in $(seq 1 100); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40001 ))
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  return 1
}

mkdir -p "$PGDATA_DIR" "$PGSOCK_DIR"
chmod 700 "$PGDATA_DIR"
if [ "$IS_ROOT" -eq 1 ]; then chown -R postgres:postgres "$TMP"; fi

log "initdb ($PGBIN)"
as_pg "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$TMP/initdb.log" 2>&1 \
  || { cat "$TMP/initdb.log" >&2; die "initdb failed"; }

PORT=""
for attempt in 1 2 3 4 5; do
  PORT="$(free_port)" || die "could not find a free port"
  # Per-attempt settings go in postgresql.auto.conf (read last, overrides).
  cat >"$PGDATA_DIR/postgresql.auto.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$PGSOCK_DIR'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  if [ "$IS_ROOT" -eq 1 ]; then chown postgres:postgres "$PGDATA_DIR/postgresql.auto.conf"; fi
  if as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGLOG" -w -t 60 start >/dev/null 2>&1; then
    PG_STARTED=1
    break
  fi
  echo "test.sh: postgres did not start on port $PORT (attempt $attempt):" >&2
  tail -n 5 "$PGLOG" >&2 || true
  PORT=""
done
[ -n "$PORT" ] || die "could not start PostgreSQL; see messages above"
log "PostgreSQL $("$PGBIN/postgres" -V | awk '{print $3}') on 127.0.0.1:$PORT (data in $PGDATA_DIR)"

export BRAID_TEST_POSTGRES="Host=127.0.0.1;Port=$PORT;Username=postgres;Password=postgres;Database=postgres"

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
log "dotnet build Braid.slnx -c Release"
if ! dotnet build Braid.slnx -c Release; then
  BUILD_OK=0
  FAILURES+=("build")
fi

for store in sqlite postgres; do
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

# ---------------------------------------------------------------- later suites
# tests/sdk/run.sh: run once per store; it prints "sdk-<store>: N passed, M failed".
if [ -x tests/sdk/run.sh ]; then
  for store in sqlite postgres; do
    log "tests/sdk/run.sh (BRAID_TEST_STORE=$store)"
    out="$TMP/sdk-$store.out"
    rc=0
    BRAID_TEST_STORE="$store" tests/sdk/run.sh 2>&1 | tee "$out" || rc=$?
    line=$(grep -E "^sdk-$store: [0-9]+ passed, [0-9]+ failed" "$out" | tail -n 1 || true)
    if [ -n "$line" ]; then
      p=$(sed -E 's/^[^:]*: ([0-9]+) passed.*/\1/' <<<"$line")
      f=$(sed -E 's/^[^:]*: [0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
      TOTAL_PASSED=$(( TOTAL_PASSED + p ))
      TOTAL_FAILED=$(( TOTAL_FAILED + f ))
      if [ "$f" -gt 0 ] && [ "$rc" -eq 0 ]; then rc=1; fi
    fi
    if [ "$rc" -ne 0 ]; then FAILURES+=("sdk-$store: exit $rc"); fi
  done
fi

# ---------------------------------------------------------------- verdict
if [ "${#FAILURES[@]}" -gt 0 ]; then
  printf 'FAILED: %s\n' "${FAILURES[@]}"
fi
# Must stay the last line printed (CI reads it); cleanup prints nothing.
printf 'tests: %d passed, %d failed\n' "$TOTAL_PASSED" "$TOTAL_FAILED"
[ "${#FAILURES[@]}" -eq 0 ]
