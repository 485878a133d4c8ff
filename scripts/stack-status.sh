#!/usr/bin/env bash
# Prints where each part of the stack is and whether it answers; exits 1 when a part is down.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
db=${DATABASE_URL:-postgres://aar_app:***@127.0.0.1:$AAR_PG_PORT/aar}
rc=0
if [ -n "${DATABASE_URL:-}" ]; then echo "postgres: external ($db)"; else bash scripts/postgres.sh status || rc=1; fi
bash scripts/temporal.sh status || rc=1
cat <<EOT
  DATABASE_URL=$(echo "$db" | sed -E "s#(//[^:/@]+:)[^@]*@#\1***@#")
  TEMPORAL_ADDRESS=127.0.0.1:$AAR_TEMPORAL_PORT
  Temporal UI: http://127.0.0.1:$AAR_TEMPORAL_UI_PORT
EOT
exit $rc
