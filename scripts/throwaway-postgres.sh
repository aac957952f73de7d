# Sourced, not run: starts a throwaway PostgreSQL cluster on 127.0.0.1:<free port>, installing PostgreSQL
# from Debian packages when it is missing, exports BRAID_TEST_POSTGRES (an admin connection string) and
# removes the cluster on exit. Needs log() and die() from the caller.
# BRAID_PG_DURABLE=1 keeps fsync and synchronous commit on (for benchmarks); tests run without them.
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
EOF
  if [ "${BRAID_PG_DURABLE:-0}" != 1 ]; then
    printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' >>"$PGDATA_DIR/postgresql.auto.conf"
  fi
  if [ "$IS_ROOT" -eq 1 ]; then chown postgres:postgres "$PGDATA_DIR/postgresql.auto.conf"; fi
  if as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGLOG" -w -t 60 start >/dev/null 2>&1; then
    PG_STARTED=1
    break
  fi
  echo "postgres did not start on port $PORT (attempt $attempt):" >&2
  tail -n 5 "$PGLOG" >&2 || true
  PORT=""
done
[ -n "$PORT" ] || die "could not start PostgreSQL; see messages above"
log "PostgreSQL $("$PGBIN/postgres" -V | awk '{print $3}') on 127.0.0.1:$PORT (data in $PGDATA_DIR)"

export BRAID_TEST_POSTGRES="Host=127.0.0.1;Port=$PORT;Username=postgres;Password=postgres;Database=postgres"
