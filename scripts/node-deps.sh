#!/usr/bin/env bash
# Installs node_modules from package-lock.json when it is missing or older than the lock file.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
stamp=node_modules/.aar-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
say "installing npm packages (npm ci)"
npm ci --no-audit --no-fund --loglevel=error
echo "$want" >"$stamp"
