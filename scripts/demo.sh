#!/usr/bin/env bash
# `make demo`: the stack up, then a real run on it. The stack stays up to be looked at; `make dev-down` stops it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
bash scripts/dev-up.sh
node --import tsx scripts/demo.ts
