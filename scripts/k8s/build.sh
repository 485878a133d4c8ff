#!/usr/bin/env bash
# Builds the pinned local-cluster binaries into ${AAR_CACHE_DIR:-~/.cache/aar}/k8s/bin:
# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and etcd (from the
# module in kube/), kwok and helm (go install at pinned versions). A second run with the
# same pins finds every binary in place and exits at once.
# Usage: scripts/k8s/build.sh                build (or find) every binary
#        scripts/k8s/build.sh --print [NAME]  print the path of NAME (kubectl, helm, ...)
#                                             or of every binary; builds nothing
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in
  "") ;;
  --print)
    if [[ -n "${2:-}" ]]; then k8s_bin "$2"; echo; exit 0; fi
    for b in "${KUBE_BINARIES[@]}" kwok helm; do printf '%s\n' "$(k8s_bin "$b")"; done
    exit 0
    ;;
  *) k8s_die "usage: $0 [--print [NAME]]" ;;
esac

all_built() {
  local b
  for b in "${KUBE_BINARIES[@]}" kwok helm; do [[ -x "$(k8s_bin "$b")" ]] || return 1; done
}

if all_built; then
  k8s_log "binaries up to date (kubernetes $KUBE_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION, helm $HELM_VERSION)"
  exit 0
fi

command -v go >/dev/null || k8s_die "go is not on PATH (Go 1.24 or newer is needed)"
mkdir -p "$K8S_BIN_ROOT"
export GOCACHE="$K8S_CACHE_DIR/go-build"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
export CGO_ENABLED=0
# Go toolchain switching would try to download a toolchain; use the local one.
export GOTOOLCHAIN=local

# One build at a time per cache dir: a second caller waits, then finds the work done.
exec 9>"$K8S_BIN_ROOT/.build.lock"
flock 9
if all_built; then k8s_log "binaries were built by a concurrent run"; exit 0; fi

# Builds into a temporary sibling and renames it into place, so an interrupted build
# never leaves a directory that looks complete.
install_group() { # <final dir> <function that fills $1>
  local final="$1" fill="$2" tmp
  [[ -d "$final" ]] && rm -rf "$final"
  tmp="$(mktemp -d "$final.tmp.XXXXXX")"
  chmod 755 "$tmp"
  "$fill" "$tmp"
  mv -T "$tmp" "$final"
}

build_kube() {
  local out="$1" minor
  minor="$(cut -d. -f2 <<<"$KUBE_VERSION")"
  # Version stamps that upstream's build sets; without them the binaries report
  # v0.0.0-master, which breaks version-skew checks in clients such as kwok and kubectl.
  local x=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    x+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    x+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  k8s_log "building kubernetes $KUBE_VERSION (apiserver, controller-manager, scheduler, kubectl) and etcd $ETCD_VERSION"
  (
    cd "$K8S_SCRIPTS_DIR/kube"
    go build -trimpath -ldflags "-s -w$x" -o "$out/" \
      k8s.io/kubernetes/cmd/kube-apiserver \
      k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler \
      k8s.io/kubernetes/cmd/kubectl \
      go.etcd.io/etcd/server/v3
  )
  # go names the etcd binary after its package directory ("server").
  mv "$out/server" "$out/etcd"
}

# go install pkg@version ignores nothing silently: it refuses modules whose go.mod has
# replace directives. Check first anyway, so the error says what is wrong.
check_no_replace() { # <module@version>
  local gomod
  gomod="$(go mod download -json "$1" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  [[ -f "$gomod" ]] || k8s_die "could not download $1"
  if grep -Eq '^[[:space:]]*replace([[:space:]]|\()' "$gomod"; then
    k8s_die "$1 has replace directives in go.mod; it cannot be go-installed"
  fi
}

build_kwok() {
  k8s_log "building kwok $KWOK_VERSION"
  check_no_replace "sigs.k8s.io/kwok@$KWOK_VERSION"
  GOBIN="$1" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
}

build_helm() {
  k8s_log "building helm $HELM_VERSION"
  check_no_replace "helm.sh/helm/v3@$HELM_VERSION"
  # Same stamps as helm's Makefile: the version, and the Kubernetes minor that
  # 'helm template' and 'helm lint' assume by default (that of helm's client-go, 1.33).
  local x="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    x+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=33"
  done
  GOBIN="$1" go install -trimpath -ldflags "-s -w $x" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
}

start=$SECONDS
for b in "${KUBE_BINARIES[@]}"; do
  [[ -x "$(k8s_bin "$b")" ]] || { install_group "$(k8s_kube_bin_dir)" build_kube; break; }
done
[[ -x "$(k8s_bin kwok)" ]] || install_group "$(k8s_kwok_bin_dir)" build_kwok
[[ -x "$(k8s_bin helm)" ]] || install_group "$(k8s_helm_bin_dir)" build_helm

all_built || k8s_die "build finished but some binaries are missing under $K8S_BIN_ROOT"
k8s_log "built in $((SECONDS - start))s:"
"$0" --print >&2
