#!/usr/bin/env bash
# Brings the embedded stack up: PostgreSQL (unless DATABASE_URL is set), the Temporal dev server,
# and the database schema. Idempotent: a second run finds everything up and changes nothing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

bash scripts/node-deps.sh
ensure_secret eval-admin-token
ensure_secret operator-token
ensure_secret run-token-key
bash scripts/python-deps.sh
bash scripts/postgres.sh start
bash scripts/temporal.sh start
node --import tsx db/migrate-cli.ts
bash scripts/stack-status.sh
