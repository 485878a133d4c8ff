#!/usr/bin/env bash
# `make test` hook (scripts/test.sh): the browser tests/browser drives through playwright-core.
#   up    install Debian's chromium when it is missing (playwright-core never downloads a browser)
#   down  nothing: an installed package stays installed
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

case "${1:-}" in
  up)
    if [ ! -x /usr/bin/chromium ]; then apt_install chromium; fi
    [ -x /usr/bin/chromium ] || die "chromium is not at /usr/bin/chromium after installing it"
    ;;
  down) ;;
  *) die "usage: $0 up|down" ;;
esac
