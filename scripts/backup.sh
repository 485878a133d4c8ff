#!/usr/bin/env bash
# Backs up AAR's state: `backup.sh [--out DIR]` (docs/runbook.md, "Backup and restore"). Writes a
# folder, by default $AAR_STATE_DIR/backups/<UTC time>: `pg_dump -Fc` of the record and the eval
# database (as their owner roles, AAR_MIGRATE_DATABASE_URL and AAR_MIGRATE_EVAL_DATABASE_URL), the
# audit chain head in audit-head.json, the embedded Temporal dev server's SQLite state, and
# manifest.json (each file's sha256, the versions, the applied migrations). Refuses when the folder
# exists or a tool is missing. The work is done by scripts/backup/backup-main.ts.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/backup/tools.sh"

usage() { echo "usage: bash scripts/backup.sh [--out DIR]" >&2; exit 2; }
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || usage; args+=(--out "$(absolute "$2")"); shift 2 ;;
    --out=*) args+=(--out "$(absolute "${1#--out=}")"); shift ;;
    -h|--help) usage ;;
    *) echo "backup.sh: unknown argument $1" >&2; usage ;;
  esac
done

cd "$REPO_ROOT"
pg_bin=$(pg_client_bindir pg_dump)
require_node
# The embedded Temporal dev server's SQLite state is copied with Python's sqlite3 module.
if [ -f "$AAR_STATE_DIR/temporal/temporal.db" ] && ! "$AAR_PYTHON" -c 'import sqlite3' 2>/dev/null; then
  die "$AAR_PYTHON (AAR_PYTHON) cannot import sqlite3, needed to copy the Temporal state: install python3"
fi
# The backup holds the test labels and token hashes: only its owner may read it.
umask 077
exec node --import tsx scripts/backup/backup-main.ts --pg-bin "$pg_bin" \
  --temporal-cli-version "$TEMPORAL_CLI_VERSION" "${args[@]}"
