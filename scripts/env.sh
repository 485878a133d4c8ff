# Shared defaults for the dev-stack scripts. Sourced, not run. The TypeScript configuration
# (runtime/config.ts) uses the same names and defaults; tests/unit/config-defaults.test.ts keeps them equal.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${AAR_STATE_DIR:=$REPO_ROOT/.aar-state}"
: "${AAR_CACHE_DIR:=$HOME/.cache/aar}"
: "${AAR_PG_PORT:=15432}"
: "${AAR_TEMPORAL_PORT:=17233}"
: "${AAR_TEMPORAL_UI_PORT:=18233}"
: "${AAR_PYTHON:=/usr/bin/python3}"
TEMPORAL_CLI_VERSION="1.5.1"
export REPO_ROOT AAR_STATE_DIR AAR_CACHE_DIR AAR_PG_PORT AAR_TEMPORAL_PORT AAR_TEMPORAL_UI_PORT AAR_PYTHON
