#!/usr/bin/env bash
# `make demo`: the stack and AAR's services up, then a real campaign on them. Everything stays
# up to be looked at; `make dev-down` stops it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
bash scripts/dev-up.sh
bash scripts/services.sh start
node --import tsx scripts/demo.ts
