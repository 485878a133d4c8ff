#!/usr/bin/env bash
# Text-task tests (pytest -m lm, tests/integration/lm-task.test.ts) need the LM venv:
# `up` builds it when missing or stale (cached under $AAR_CACHE_DIR); `down` keeps it.
set -euo pipefail
case "${1:-}" in
  up) exec bash "$(dirname "${BASH_SOURCE[0]}")/../lm-deps.sh" ;;
  down) exit 0 ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
