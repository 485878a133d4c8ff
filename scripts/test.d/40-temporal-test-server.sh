#!/usr/bin/env bash
# `make test` hook (scripts/test.sh): Temporal's time-skipping test server, which tests/workflows runs
# the workflows on. `up` installs it when missing (cached under $AAR_CACHE_DIR); `down` keeps it.
set -euo pipefail
case "${1:-}" in
  up) exec bash "$(dirname "${BASH_SOURCE[0]}")/../temporal-test-server.sh" install ;;
  down) exit 0 ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
