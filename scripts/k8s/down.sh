#!/usr/bin/env bash
# Stops what up.sh started, by the pids in its pid files: SIGTERM, a grace period, then
# SIGKILL. Keeps the data (etcd, certificates) so the next up.sh finds the same cluster.
# Usage: scripts/k8s/down.sh [--purge]        (--purge also deletes $AAR_STATE_DIR/k8s)
#        scripts/k8s/down.sh COMPONENT...      stop only these (etcd, kube-apiserver, ...)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PURGE=false
ONLY=()
for arg in "$@"; do
  case "$arg" in
    --purge) PURGE=true ;;
    etcd | kube-apiserver | kube-controller-manager | kube-scheduler | kwok) ONLY+=("$arg") ;;
    *) k8s_die "usage: $0 [--purge] | $0 COMPONENT... (one of ${K8S_COMPONENTS[*]})" ;;
  esac
done
if $PURGE && ((${#ONLY[@]} > 0)); then k8s_die "--purge stops everything; give no component names with it"; fi
GRACE="${AAR_K8S_STOP_GRACE:-10}"

STATE="$(k8s_state_dir)"

# A zombie (exited, not yet reaped by its new parent) counts as stopped.
alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || true)"
  [[ -n "$state" && "$state" != Z ]]
}

stop() {
  local name="$1" pid deadline
  if ! pid="$(k8s_live_pid "$name")"; then
    rm -f "$STATE/run/$name.pid"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + GRACE))
  while alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
  if alive "$pid"; then
    k8s_log "$name (pid $pid) ignored SIGTERM for ${GRACE}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while alive "$pid"; do sleep 0.1; done
  fi
  rm -f "$STATE/run/$name.pid"
  k8s_log "stopped $name (pid $pid)"
}

# Reverse start order: clients first, etcd last, so nothing logs errors about a lost server.
wanted() { # <component>: true when no names were given, or this one was
  local c
  ((${#ONLY[@]} == 0)) && return 0
  for c in "${ONLY[@]}"; do [[ "$c" == "$1" ]] && return 0; done
  return 1
}
for ((i = ${#K8S_COMPONENTS[@]} - 1; i >= 0; i--)); do
  if wanted "${K8S_COMPONENTS[i]}"; then stop "${K8S_COMPONENTS[i]}"; fi
done

if $PURGE; then
  rm -rf "$STATE"
  k8s_log "deleted $STATE"
else
  k8s_log "stopped; data kept in $STATE (use --purge to delete it)"
fi
