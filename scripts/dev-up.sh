#!/usr/bin/env bash
# Brings the embedded stack up: PostgreSQL (unless DATABASE_URL is set) with its least-privilege
# roles, the Temporal dev server, and the database schema (migrated by the owner roles). Idempotent: a second run finds everything up and changes nothing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

bash scripts/node-deps.sh
ensure_secret eval-admin-token
ensure_secret operator-token
ensure_secret run-token-key
# Passwords of the database roles (docs/runbook.md "Database roles"), one file per role.
for role in aar_owner aar_eval_owner aar_app aar_eval_app; do ensure_secret "pg-$role"; done
bash scripts/python-deps.sh
bash scripts/postgres.sh start
bash scripts/postgres.sh provision
bash scripts/temporal.sh start
node --import tsx db/migrate-cli.ts
bash scripts/stack-status.sh
