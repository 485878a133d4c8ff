#!/usr/bin/env bash
# Stops every process the dev stack started, by process id. Data stays in $AAR_STATE_DIR.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
bash scripts/services.sh stop
bash scripts/temporal.sh stop
bash scripts/postgres.sh stop
say "stack stopped; state kept in $AAR_STATE_DIR (make clean removes it)"
