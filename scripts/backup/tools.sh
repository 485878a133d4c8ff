# Tool checks shared by scripts/backup.sh and scripts/restore.sh. Sourced, not run.
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# Prints the folder holding all the PostgreSQL client programs named: the newest
# /usr/lib/postgresql/*/bin first (the one scripts/postgres.sh runs the server from), else PATH.
pg_client_bindir() {
  local dir found tool
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -Vr); do
    found=1
    for tool in "$@"; do [ -x "$dir/$tool" ] || found=0; done
    [ "$found" = 1 ] && { echo "$dir"; return 0; }
  done
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool is missing (not in /usr/lib/postgresql/*/bin nor on PATH): install the PostgreSQL client programs (Debian: apt-get install postgresql-client)"
  done
  dirname "$(command -v "$1")"
}

# Node and the repository's packages: the backup logic is TypeScript (scripts/backup/).
require_node() {
  command -v node >/dev/null || die "node is missing: install Node.js 20 (make setup)"
  [ -d "$REPO_ROOT/node_modules/tsx" ] || die "the Node packages are not installed: run bash scripts/node-deps.sh"
}

# A path as given on the command line, made absolute against the caller's folder (the scripts then
# change to the repository root).
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
