#!/usr/bin/env bash
# Prints where each part of the stack is and whether it answers.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
db=${DATABASE_URL:-postgres://aar:aar@127.0.0.1:$AAR_PG_PORT/aar}
if [ -n "${DATABASE_URL:-}" ]; then echo "postgres: external ($db)"; else bash scripts/postgres.sh status; fi
bash scripts/temporal.sh status
cat <<EOT
  DATABASE_URL=$(echo "$db" | sed -E "s#(//[^:/@]+:)[^@]*@#\1***@#")
  TEMPORAL_ADDRESS=127.0.0.1:$AAR_TEMPORAL_PORT
  Temporal UI: http://127.0.0.1:$AAR_TEMPORAL_UI_PORT
EOT
