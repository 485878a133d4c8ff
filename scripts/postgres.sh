#!/usr/bin/env bash
# The embedded PostgreSQL: `postgres.sh install|start|stop|status`. A cluster of its own in
# $AAR_STATE_DIR/pg on port $AAR_PG_PORT (never the system one). Skipped when DATABASE_URL is set.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dir="$AAR_STATE_DIR/pg"
data="$dir/data"

bindir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$found" ] && [ -x "$found/initdb" ] || return 1
  echo "$found"
}

install() { bindir >/dev/null || apt_install postgresql; bindir >/dev/null || die "PostgreSQL binaries not found after install"; }

# PostgreSQL refuses to run as root: as root, run it as the `postgres` system user.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_pid() { [ -f "$data/postmaster.pid" ] && head -n 1 "$data/postmaster.pid"; }
running() { local pid; pid=$(pg_pid) && kill -0 "$pid" 2>/dev/null; }
ready() { as_pg "$(bindir)/pg_isready" -q -h 127.0.0.1 -p "$AAR_PG_PORT"; }

start() {
  install
  local bin; bin=$(bindir)
  mkdir -p "$dir/run"
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres:postgres "$dir"
    runuser -u postgres -- test -x "$dir" || die "user postgres cannot reach $dir (a parent folder is private); set AAR_STATE_DIR to a folder under /tmp or /var, or set DATABASE_URL"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    say "creating PostgreSQL cluster in $data"
    local pw="$dir/.initpw"; echo aar >"$pw"; [ "$(id -u)" -eq 0 ] && chown postgres "$pw"
    as_pg "$bin/initdb" -D "$data" -U aar --pwfile="$pw" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >"$dir/initdb.log" 2>&1 \
      || die "initdb failed; see $dir/initdb.log"
    rm -f "$pw"
  fi
  if running; then say "postgres already running (pid $(pg_pid)) on 127.0.0.1:$AAR_PG_PORT"; return 0; fi
  say "starting PostgreSQL on 127.0.0.1:$AAR_PG_PORT"
  as_pg "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 \
    -o "-p $AAR_PG_PORT -k $dir/run -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on" start >/dev/null \
    || die "PostgreSQL did not start; see $dir/postgres.log"
  wait_for 30 ready || die "PostgreSQL is not accepting connections; see $dir/postgres.log"
}

stop() {
  local pid
  pid=$(pg_pid) || return 0
  # Fast shutdown (SIGINT): disconnect clients, write a checkpoint, exit.
  kill -INT "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  say "postgres pid $pid did not stop in 30s; killing"; kill -KILL "$pid" 2>/dev/null || true
}

if [ -n "${DATABASE_URL:-}" ] && [ "${1:-}" != install ]; then
  say "DATABASE_URL is set: using that server, not starting an embedded PostgreSQL"; exit 0
fi
case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) if running && ready; then echo "postgres: running (pid $(pg_pid)) on 127.0.0.1:$AAR_PG_PORT"; else echo "postgres: stopped"; exit 1; fi ;;
  *) die "usage: postgres.sh install|start|stop|status" ;;
esac
