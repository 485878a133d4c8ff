#!/usr/bin/env bash
# The embedded PostgreSQL: `postgres.sh install|start|stop|status|provision`. A cluster of its own
# in $AAR_STATE_DIR/pg on port $AAR_PG_PORT (never the system one). Skipped when DATABASE_URL is set.
# Its superuser `postgres` has no password: only the Unix socket in $AAR_STATE_DIR/pg/run reaches
# it (scripts and test helpers). `provision` makes the roles of docs/runbook.md "Database roles".
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
    as_pg "$bin/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >"$dir/initdb.log" 2>&1 \
      || die "initdb failed; see $dir/initdb.log"
  fi
  if running; then say "postgres already running (pid $(pg_pid)) on 127.0.0.1:$AAR_PG_PORT"; return 0; fi
  say "starting PostgreSQL on 127.0.0.1:$AAR_PG_PORT"
  as_pg "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 \
    -o "-p $AAR_PG_PORT -k $dir/run -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on" start >/dev/null \
    || die "PostgreSQL did not start; see $dir/postgres.log"
  wait_for 30 ready || die "PostgreSQL is not accepting connections; see $dir/postgres.log"
}

# psql as the cluster's superuser over the Unix socket. Clusters made before the roles split have
# `aar` as their bootstrap superuser; `provision` adds `postgres` to them.
admin_psql() {
  local bin user; bin=$(bindir)
  for user in postgres aar; do
    if "$bin/psql" -h "$dir/run" -p "$AAR_PG_PORT" -U "$user" -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
      "$bin/psql" -h "$dir/run" -p "$AAR_PG_PORT" -U "$user" -v ON_ERROR_STOP=1 -Atq "$@"; return
    fi
  done
  die "cannot reach PostgreSQL as its superuser over $dir/run"
}

secret() { cat "$AAR_STATE_DIR/secrets/$1" 2>/dev/null || die "missing $AAR_STATE_DIR/secrets/$1 (make dev-up writes it)"; }

# Statements that give `owner` every object of schema public in the current database (a cluster
# made by the old scripts has them owned by the superuser `aar`). Owned sequences follow their table.
reassign_sql() {
  local owner=$1
  cat <<SQL
SELECT format('ALTER TABLE %I.%I OWNER TO $owner', n.nspname, c.relname) FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relowner <> '$owner'::regrole \gexec
SELECT format('ALTER SEQUENCE %I.%I OWNER TO $owner', n.nspname, c.relname) FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind = 'S' AND c.relowner <> '$owner'::regrole
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')) \gexec
SELECT format('ALTER FUNCTION %s OWNER TO $owner', p.oid::regprocedure) FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = 'public' AND p.proowner <> '$owner'::regrole \gexec
SQL
}

# Least privilege, idempotently, on a fresh cluster or one the old scripts made: an owner role per
# database (runs migrations), a runtime role per database (DML only, granted by the migrate step),
# neither superuser; no database open to PUBLIC; the old superuser `aar` can no longer log in.
# Passwords come from $AAR_STATE_DIR/secrets/pg-<role> (make dev-up writes them). Fed on stdin so
# no password shows in a process listing.
provision() {
  running || die "PostgreSQL is not running (postgres.sh start)"
  local role
  {
    echo "SELECT 'CREATE ROLE postgres SUPERUSER LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postgres') \gexec"
    for role in aar_owner aar_eval_owner aar_app aar_eval_app; do
      echo "SELECT 'CREATE ROLE $role' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$role') \gexec"
      echo "ALTER ROLE $role LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '$(secret "pg-$role")';"
    done
    cat <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', d, o) FROM (VALUES ('aar', 'aar_owner'), ('aar_eval', 'aar_eval_owner')) v (d, o)
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = d) \gexec
ALTER DATABASE aar OWNER TO aar_owner;
ALTER DATABASE aar_eval OWNER TO aar_eval_owner;
REVOKE ALL ON DATABASE aar FROM PUBLIC, aar_eval_owner, aar_eval_app;
REVOKE ALL ON DATABASE aar_eval FROM PUBLIC, aar_owner, aar_app;
GRANT CONNECT ON DATABASE aar TO aar_app;
GRANT CONNECT ON DATABASE aar_eval TO aar_eval_app;
\c aar
SQL
    reassign_sql aar_owner
    echo '\c aar_eval'
    reassign_sql aar_eval_owner
    cat <<'SQL'
\c postgres
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aar') THEN
    ALTER ROLE aar NOLOGIN NOCREATEDB NOCREATEROLE PASSWORD NULL;
    BEGIN
      ALTER ROLE aar NOSUPERUSER;
    EXCEPTION WHEN OTHERS THEN
      NULL; -- the bootstrap superuser of an old cluster keeps the attribute; it cannot log in
    END;
  END IF;
END $$;
SQL
  } | admin_psql -d postgres -f - >/dev/null
  say "database roles provisioned (aar_owner, aar_eval_owner, aar_app, aar_eval_app)"
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
  provision) provision ;;
  status) if running && ready; then echo "postgres: running (pid $(pg_pid)) on 127.0.0.1:$AAR_PG_PORT"; else echo "postgres: stopped"; exit 1; fi ;;
  *) die "usage: postgres.sh install|start|stop|status|provision" ;;
esac
