#!/usr/bin/env bash
# `make test` hook (scripts/test.sh): the local Kubernetes control plane that tests/k8s needs.
#   up    build the pinned binaries when they are missing (cached; about 10-17 min cold), then
#         start the components that are not running, and remember which ones this run started
#   down  stop exactly those components (a control plane a developer had running stays up)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../k8s/lib.sh"

MARKER="$(k8s_state_dir)/run/started-by-test"

case "${1:-}" in
  up)
    bash "$K8S_SCRIPTS_DIR/build.sh"
    mkdir -p "$(dirname "$MARKER")"
    started=()
    for c in "${K8S_COMPONENTS[@]}"; do k8s_live_pid "$c" >/dev/null || started+=("$c"); done
    # Written before starting, so a failed start is still cleaned up by `down`.
    : >"$MARKER"
    if ((${#started[@]} > 0)); then printf '%s\n' "${started[@]}" >"$MARKER"; fi
    bash "$K8S_SCRIPTS_DIR/up.sh" >/dev/null
    if ((${#started[@]} == 0)); then k8s_log "control plane already running; left as it is after the tests"; fi
    ;;
  down)
    [[ -s "$MARKER" ]] || { rm -f "$MARKER"; exit 0; }
    mapfile -t started <"$MARKER"
    rm -f "$MARKER"
    bash "$K8S_SCRIPTS_DIR/down.sh" "${started[@]}"
    ;;
  *)
    k8s_die "usage: $0 up|down"
    ;;
esac
