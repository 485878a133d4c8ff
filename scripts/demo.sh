#!/usr/bin/env bash
# `make demo`: the stack and AAR's services up, then a real campaign on them. Everything stays
# up to be looked at; `make dev-down` stops it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
if [ "${AGENT:-}" = claude ]; then
  [ -n "${ANTHROPIC_API_KEY:-}" ] || die "AGENT=claude needs ANTHROPIC_API_KEY in the environment (the orchestrator worker reads it)"
  # The orchestrator worker reads the key at start-up: restart it so it has this one.
  stop_pid "$AAR_STATE_DIR/services/orchestrator-worker.pid" 20
fi
bash scripts/dev-up.sh
bash scripts/services.sh start
node --import tsx scripts/demo.ts
