#!/usr/bin/env bash
# Restores a folder written by scripts/backup.sh: `restore.sh [--check] [--replace] BACKUP_DIR`
# (docs/runbook.md, "Backup and restore"). Checks every file against manifest.json first (a damaged
# or altered file is refused by name), then restores both databases into those the configuration
# points at, as their owner roles (refusing databases that hold data unless --replace), verifies
# the row counts and the eval audit chain against audit-head.json, grants the runtime roles, and on
# the embedded stack puts the Temporal dev server's state back (stopping the server first).
# `--check` only checks the folder. The work is done by scripts/backup/restore-main.ts.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/backup/tools.sh"

usage() { echo "usage: bash scripts/restore.sh [--check] [--replace] BACKUP_DIR" >&2; exit 2; }
args=()
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --check|--replace) args+=("$1"); shift ;;
    -h|--help) usage ;;
    -*) echo "restore.sh: unknown option $1" >&2; usage ;;
    *) [ -z "$dir" ] || usage; dir=$(absolute "$1"); shift ;;
  esac
done
[ -n "$dir" ] || usage
[ -d "$dir" ] || die "no backup folder at $dir"

cd "$REPO_ROOT"
pg_bin=$(pg_client_bindir pg_restore psql)
require_node
exec node --import tsx scripts/backup/restore-main.ts --pg-bin "$pg_bin" "${args[@]}" "$dir"
