#!/usr/bin/env bash
# AAR's own processes: `services.sh start|stop|status`. The eval server, the api server, the
# orchestrator worker and the dispatch worker, each a background process with a pid file and a
# log under $AAR_STATE_DIR/services. Start waits until each answers /healthz.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

dir="$AAR_STATE_DIR/services"
: "${AAR_API_PORT:=18080}" "${AAR_EVAL_PORT:=18081}" "${AAR_WORKER_METRICS_PORT:=19464}" "${AAR_DISPATCH_METRICS_PORT:=19466}"
# name, entry point, health URL
services=(
  "eval-server server/eval/main.ts http://127.0.0.1:$AAR_EVAL_PORT/healthz"
  "api-server server/api/main.ts http://127.0.0.1:$AAR_API_PORT/healthz"
  "orchestrator-worker workers/orchestrator.ts http://127.0.0.1:$AAR_WORKER_METRICS_PORT/healthz"
  "dispatch-worker workers/dispatch.ts http://127.0.0.1:$AAR_DISPATCH_METRICS_PORT/healthz"
)

healthy() { curl -fsS -o /dev/null --max-time 2 "$1"; }

start() {
  mkdir -p "$dir"
  for entry in "${services[@]}"; do
    read -r name main url <<<"$entry"
    if pid_alive "$dir/$name.pid"; then continue; fi
    say "starting $name"
    setsid node --import tsx "$main" >>"$dir/$name.log" 2>&1 </dev/null &
    echo $! >"$dir/$name.pid"
  done
  for entry in "${services[@]}"; do
    read -r name main url <<<"$entry"
    # The orchestrator bundles its workflows at start-up: allow it a minute on a small machine.
    if ! wait_for 90 healthy "$url"; then
      tail -n 20 "$dir/$name.log" >&2 || true
      die "$name did not answer $url; its log is $dir/$name.log"
    fi
    pid_alive "$dir/$name.pid" || die "$name exited; see $dir/$name.log"
  done
}

stop() {
  for entry in "${services[@]}"; do
    read -r name _ _ <<<"$entry"
    stop_pid "$dir/$name.pid" 20
  done
}

status() {
  local rc=0
  for entry in "${services[@]}"; do
    read -r name main url <<<"$entry"
    if pid_alive "$dir/$name.pid" && healthy "$url"; then echo "$name: running (pid $(cat "$dir/$name.pid")), ${url%/healthz}"
    else echo "$name: stopped"; rc=1; fi
  done
  return $rc
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: services.sh start|stop|status" ;;
esac
