# Shared settings for scripts/k8s/*.sh: pinned versions, cache and state paths, logging.
# Sourced, never run. Keep it free of slow commands: build.sh's no-op path runs it.
# shellcheck disable=SC2034 # the variables are used by the scripts that source this

K8S_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
K8S_REPO_ROOT="$(cd "$K8S_SCRIPTS_DIR/../.." && pwd)"

# Pinned versions. Kubernetes and etcd are pinned in kube/go.mod (the single source);
# they are read from there so the two never disagree.
KWOK_VERSION="v0.7.0"
HELM_VERSION="v3.18.6"
k8s_required_version() { # <module path>: its version in kube/go.mod's require lines
  awk -v m="$1" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$K8S_SCRIPTS_DIR/kube/go.mod"
}
KUBE_VERSION="$(k8s_required_version k8s.io/kubernetes)"
ETCD_VERSION="$(k8s_required_version go.etcd.io/etcd/server/v3)"

K8S_CACHE_DIR="${AAR_CACHE_DIR:-$HOME/.cache/aar}/k8s"
K8S_BIN_ROOT="$K8S_CACHE_DIR/bin"

k8s_log() { printf '[k8s %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
k8s_die() { printf '[k8s] error: %s\n' "$*" >&2; exit 1; }

# Directory of each binary group; the name changes whenever a pin changes, so a stale
# build is never picked up. The kube group also hashes go.mod/go.sum (replace lines).
k8s_kube_bin_dir() {
  local sum
  sum="$(cat "$K8S_SCRIPTS_DIR/kube/go.mod" "$K8S_SCRIPTS_DIR/kube/go.sum" | sha256sum)"
  printf '%s/kube-%s-etcd-%s-%s' "$K8S_BIN_ROOT" "$KUBE_VERSION" "$ETCD_VERSION" "${sum:0:10}"
}
k8s_kwok_bin_dir() { printf '%s/kwok-%s' "$K8S_BIN_ROOT" "$KWOK_VERSION"; }
k8s_helm_bin_dir() { printf '%s/helm-%s' "$K8S_BIN_ROOT" "$HELM_VERSION"; }

KUBE_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd)

# Absolute path of one pinned binary (it may not be built yet).
k8s_bin() {
  case "$1" in
    kwok) printf '%s/kwok' "$(k8s_kwok_bin_dir)" ;;
    helm) printf '%s/helm' "$(k8s_helm_bin_dir)" ;;
    kube-apiserver | kube-controller-manager | kube-scheduler | kubectl | etcd)
      printf '%s/%s' "$(k8s_kube_bin_dir)" "$1" ;;
    *) k8s_die "unknown binary '$1'" ;;
  esac
}

# Runtime state: data, certificates, pid files, logs, kubeconfig.
k8s_state_dir() {
  local base="${AAR_STATE_DIR:-.aar-state}"
  case "$base" in /*) ;; *) base="$K8S_REPO_ROOT/$base" ;; esac
  printf '%s/k8s' "$base"
}

# One knob: every port is an offset from the apiserver's, so two clusters (say a developer's
# and a CI clone's) can run side by side with AAR_K8S_PORT set apart by 10 or more.
K8S_PORT="${AAR_K8S_PORT:-16443}"
[[ "$K8S_PORT" =~ ^[0-9]+$ ]] || k8s_die "AAR_K8S_PORT must be a port number, got '$K8S_PORT'"
K8S_ETCD_CLIENT_PORT=$((K8S_PORT + 1))
K8S_ETCD_PEER_PORT=$((K8S_PORT + 2))
K8S_KCM_PORT=$((K8S_PORT + 3))
K8S_SCHED_PORT=$((K8S_PORT + 4))
K8S_KWOK_PORT=$((K8S_PORT + 5))

# Components in start order; down.sh stops them in reverse.
K8S_COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

# Prints the pid recorded for a component if that process is alive and is the binary we
# started (a recycled pid running something else does not count).
k8s_live_pid() {
  local pidfile pid exe
  pidfile="$(k8s_state_dir)/run/$1.pid"
  [[ -s "$pidfile" ]] || return 1
  pid="$(<"$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
  [[ "${exe% (deleted)}" == */"$1" ]] || return 1
  printf '%s' "$pid"
}
