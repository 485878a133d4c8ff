#!/usr/bin/env bash
# The Temporal dev server: `temporal.sh install|start|stop|status`. History lives in a SQLite
# file under $AAR_STATE_DIR/temporal, so it survives a restart.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dir="$AAR_STATE_DIR/temporal"
pidfile="$dir/temporal.pid"
address="127.0.0.1:$AAR_TEMPORAL_PORT"

# Prints the path of a temporal CLI at the pinned version, building it into the cache when needed.
binary() {
  if command -v temporal >/dev/null && temporal --version 2>/dev/null | grep -q "version $TEMPORAL_CLI_VERSION"; then
    command -v temporal; return
  fi
  local cached="$AAR_CACHE_DIR/bin/temporal-$TEMPORAL_CLI_VERSION"
  if [ ! -x "$cached" ]; then
    command -v go >/dev/null || die "the temporal CLI $TEMPORAL_CLI_VERSION is not on PATH and Go is missing to build it: install Go 1.23+ or put temporal $TEMPORAL_CLI_VERSION on PATH"
    say "building temporal CLI v$TEMPORAL_CLI_VERSION into $AAR_CACHE_DIR/bin (first run only; a few minutes)"
    local tmp; tmp=$(mktemp -d)
    (cd "$tmp" && GOBIN="$tmp" GOFLAGS=-trimpath go install -ldflags='-s -w' "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION") \
      || die "building the temporal CLI failed (see the go output above)"
    mkdir -p "$AAR_CACHE_DIR/bin" && mv "$tmp/temporal" "$cached" && rm -rf "$tmp"
  fi
  echo "$cached"
}

healthy() { "$(binary)" operator cluster health --address "$address" 2>/dev/null | grep -q SERVING; }

case "${1:-}" in
  install) binary >/dev/null ;;
  path) binary ;;
  start)
    bin=$(binary)
    mkdir -p "$dir"
    if pid_alive "$pidfile"; then say "temporal already running (pid $(cat "$pidfile")) at $address"; exit 0; fi
    say "starting temporal dev server at $address (UI http://127.0.0.1:$AAR_TEMPORAL_UI_PORT)"
    setsid "$bin" server start-dev --ip 127.0.0.1 --port "$AAR_TEMPORAL_PORT" --ui-port "$AAR_TEMPORAL_UI_PORT" \
      --db-filename "$dir/temporal.db" --log-level warn --log-format json \
      >>"$dir/temporal.log" 2>&1 </dev/null &
    echo $! >"$pidfile"
    wait_for 60 healthy || die "temporal did not become healthy in 60s; see $dir/temporal.log"
    ;;
  stop) stop_pid "$pidfile" 20 ;;
  status) if pid_alive "$pidfile" && healthy; then echo "temporal: running (pid $(cat "$pidfile")) at $address"; else echo "temporal: stopped"; exit 1; fi ;;
  *) die "usage: temporal.sh install|path|start|stop|status" ;;
esac
