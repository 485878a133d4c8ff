#!/usr/bin/env bash
# Starts a local Kubernetes control plane on 127.0.0.1 for tests: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and kwok, plus fake GPU nodes that kwok keeps
# Ready. Idempotent: components already running (by their pid files) are left alone.
#
# Environment:
#   AAR_STATE_DIR          state root (default .aar-state); this uses $AAR_STATE_DIR/k8s
#   AAR_K8S_PORT           apiserver secure port (default 16443); etcd uses the next two,
#                          controller-manager +3, scheduler +4, kwok +5
#   AAR_K8S_GPU_NODES      fake GPU nodes (default 2)
#   AAR_K8S_GPUS_PER_NODE  nvidia.com/gpu capacity of each (default 4)
#   AAR_K8S_TIMEOUT        seconds to wait for each step (default 120)
# Prints the kubeconfig path last, on stdout.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$K8S_SCRIPTS_DIR/pki.sh"

GPU_NODES="${AAR_K8S_GPU_NODES:-2}"
GPUS_PER_NODE="${AAR_K8S_GPUS_PER_NODE:-4}"
TIMEOUT="${AAR_K8S_TIMEOUT:-120}"
[[ "$GPU_NODES" =~ ^[0-9]+$ ]] || k8s_die "AAR_K8S_GPU_NODES must be a whole number, got '$GPU_NODES'"
[[ "$GPUS_PER_NODE" =~ ^[0-9]+$ ]] || k8s_die "AAR_K8S_GPUS_PER_NODE must be a whole number, got '$GPUS_PER_NODE'"

T0="$EPOCHREALTIME"
elapsed() { awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", b - a }'; }

STATE="$(k8s_state_dir)"
PKI="$STATE/pki"
mkdir -p "$STATE"/{run,logs,data,kwok}

for b in "${KUBE_BINARIES[@]}" kwok; do
  [[ -x "$(k8s_bin "$b")" ]] || k8s_die "$(k8s_bin "$b") is missing: run scripts/k8s/build.sh first"
done
KUBECTL="$(k8s_bin kubectl)"
KUBECONFIG_ADMIN="$STATE/kubeconfig"
API="https://127.0.0.1:$K8S_PORT"

k8s_ensure_pki "$PKI"
k8s_write_kubeconfig "$KUBECONFIG_ADMIN" "$PKI" admin "$API"
for user in kube-controller-manager kube-scheduler kwok; do
  k8s_write_kubeconfig "$STATE/$user.kubeconfig" "$PKI" "$user" "$API"
done

kubectl_admin() { "$KUBECTL" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

# True when something accepts TCP connections on 127.0.0.1:<port>.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True when GET http://127.0.0.1:<port><path> answers 200.
http_ok() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
    IFS= read -r -t 5 status <&3 && [[ "$status" == *" 200 "* ]]
  ) 2>/dev/null
}

# True when GET https://127.0.0.1:<port><path> answers 200 (self-signed serving certs).
k8s_write_kubeconfig "$STATE/probe.kubeconfig" "$PKI" admin "$API" insecure
https_ok() {
  "$KUBECTL" --kubeconfig "$STATE/probe.kubeconfig" --server "https://127.0.0.1:$1" \
    --request-timeout=5s get --raw "$2" >/dev/null 2>&1
}

# start <component> <port that must be free> <args...>
start() {
  local name="$1" port="$2" pid log
  shift 2
  if pid="$(k8s_live_pid "$name")"; then
    k8s_log "$name already running (pid $pid)"
    return 0
  fi
  if port_open "$port"; then
    k8s_die "port $port is taken by another process; stop it or set AAR_K8S_PORT to another base port"
  fi
  log="$STATE/logs/$name.log"
  printf '\n===== %s starting %s\n' "$(date -u +%FT%TZ)" "$name" >>"$log"
  # setsid: the component outlives the shell that ran up.sh (CI steps, test runners).
  setsid "$(k8s_bin "$name")" "$@" >>"$log" 2>&1 </dev/null &
  pid="$!"
  echo "$pid" >"$STATE/run/$name.pid"
  # Until setsid has exec'd the binary, /proc/<pid>/exe is not yet the component.
  local deadline=$((SECONDS + 5))
  until k8s_live_pid "$name" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { tail -n 25 "$log" >&2; k8s_die "$name exited at once (log: $log)"; }
    ((SECONDS < deadline)) || k8s_die "$name (pid $pid) did not start within 5s (log: $log)"
    sleep 0.05
  done
  k8s_log "started $name (pid $pid), log $log"
}

# wait_until <component whose death ends the wait> <what> <command...>
wait_until() {
  local name="$1" what="$2" deadline=$((SECONDS + TIMEOUT))
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ! k8s_live_pid "$name" >/dev/null; then
      tail -n 25 "$STATE/logs/$name.log" >&2 || true
      k8s_die "$name exited while waiting for $what (log: $STATE/logs/$name.log)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 25 "$STATE/logs/$name.log" >&2 || true
      k8s_die "timed out after ${TIMEOUT}s waiting for $what (log: $STATE/logs/$name.log)"
    fi
    sleep 0.2
  done
  k8s_log "$what ($(elapsed))"
}

start etcd "$K8S_ETCD_CLIENT_PORT" \
  --name=aar \
  --data-dir="$STATE/data/etcd" \
  --listen-client-urls="http://127.0.0.1:$K8S_ETCD_CLIENT_PORT" \
  --advertise-client-urls="http://127.0.0.1:$K8S_ETCD_CLIENT_PORT" \
  --listen-peer-urls="http://127.0.0.1:$K8S_ETCD_PEER_PORT" \
  --initial-advertise-peer-urls="http://127.0.0.1:$K8S_ETCD_PEER_PORT" \
  --initial-cluster="aar=http://127.0.0.1:$K8S_ETCD_PEER_PORT" \
  --auto-compaction-retention=1 \
  --unsafe-no-fsync=true \
  --log-level=warn
wait_until etcd "etcd healthy on :$K8S_ETCD_CLIENT_PORT" http_ok "$K8S_ETCD_CLIENT_PORT" /health

# --endpoint-reconciler-type=none: the "kubernetes" Endpoints may not hold a loopback
# address, and nothing here needs them. Default admission plugins; RBAC and Node authz.
start kube-apiserver "$K8S_PORT" \
  --bind-address=127.0.0.1 \
  --advertise-address=127.0.0.1 \
  --secure-port="$K8S_PORT" \
  --etcd-servers="http://127.0.0.1:$K8S_ETCD_CLIENT_PORT" \
  --cert-dir="$PKI" \
  --tls-cert-file="$PKI/apiserver.crt" \
  --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" \
  --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range="$K8S_SERVICE_CIDR" \
  --authorization-mode=RBAC,Node \
  --allow-privileged=true \
  --endpoint-reconciler-type=none \
  --requestheader-client-ca-file="$PKI/ca.crt" \
  --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User \
  --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="$PKI/front-proxy-client.crt" \
  --proxy-client-key-file="$PKI/front-proxy-client.key"
wait_until kube-apiserver "kube-apiserver ready on :$K8S_PORT" kubectl_admin get --raw /readyz

start kube-controller-manager "$K8S_KCM_PORT" \
  --kubeconfig="$STATE/kube-controller-manager.kubeconfig" \
  --authentication-kubeconfig="$STATE/kube-controller-manager.kubeconfig" \
  --authorization-kubeconfig="$STATE/kube-controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 \
  --secure-port="$K8S_KCM_PORT" \
  --leader-elect=false \
  --use-service-account-credentials=true \
  --service-account-private-key-file="$PKI/sa.key" \
  --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" \
  --cluster-signing-key-file="$PKI/ca.key" \
  --kube-api-qps=100 \
  --kube-api-burst=200

start kube-scheduler "$K8S_SCHED_PORT" \
  --kubeconfig="$STATE/kube-scheduler.kubeconfig" \
  --authentication-kubeconfig="$STATE/kube-scheduler.kubeconfig" \
  --authorization-kubeconfig="$STATE/kube-scheduler.kubeconfig" \
  --bind-address=127.0.0.1 \
  --secure-port="$K8S_SCHED_PORT" \
  --leader-elect=false \
  --kube-api-qps=100 \
  --kube-api-burst=200

# kwok acts as the kubelet of nodes annotated kwok.x-k8s.io/node=fake and only those.
# The lease flag must be given: the binary's default is 0 (no node Leases, a status
# heartbeat only every 10 minutes), and the node lifecycle controller would then mark the
# nodes NotReady every 50s.
# KWOK_WORKDIR keeps it from reading a user's ~/.kwok/kwok.yaml.
export KWOK_WORKDIR="$STATE/kwok"
start kwok "$K8S_KWOK_PORT" \
  --kubeconfig="$STATE/kwok.kubeconfig" \
  --config="$K8S_SCRIPTS_DIR/kwok-stages.yaml" \
  --manage-all-nodes=false \
  --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --manage-nodes-with-label-selector= \
  --server-address="127.0.0.1:$K8S_KWOK_PORT" \
  --cidr=10.244.0.1/16 \
  --node-ip=127.0.0.1 \
  --node-lease-duration-seconds=40

# Fake GPU nodes aar-gpu-0..N-1, tainted like real GPU pools, so a pod lands there only
# when it tolerates nvidia.com/gpu. Capacity is reset on every run; surplus nodes go.
node_manifest() {
  local i name
  for ((i = 0; i < GPU_NODES; i++)); do
    name="aar-gpu-$i"
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $name
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: $name
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
    aar.dev/fake-node: "true"
    nvidia.com/gpu.present: "true"
spec:
  taints:
  - key: nvidia.com/gpu
    value: present
    effect: NoSchedule
EOF
  done
}
CAPACITY="{\"cpu\":\"32\",\"memory\":\"256Gi\",\"pods\":\"110\",\"ephemeral-storage\":\"1Ti\",\"nvidia.com/gpu\":\"$GPUS_PER_NODE\"}"
if ((GPU_NODES > 0)); then
  node_manifest | kubectl_admin apply -f - >/dev/null
  for ((i = 0; i < GPU_NODES; i++)); do
    kubectl_admin patch node "aar-gpu-$i" --subresource=status --type=merge \
      -p "{\"status\":{\"capacity\":$CAPACITY,\"allocatable\":$CAPACITY}}" >/dev/null
  done
fi
for node in $(kubectl_admin get nodes -l aar.dev/fake-node=true -o name); do
  idx="${node#node/aar-gpu-}"
  if ! [[ "$idx" =~ ^[0-9]+$ ]] || ((idx >= GPU_NODES)); then
    kubectl_admin delete "$node" --wait=false >/dev/null
    k8s_log "deleted surplus $node"
  fi
done
k8s_log "$GPU_NODES fake node(s) with $GPUS_PER_NODE nvidia.com/gpu each"

wait_until kube-controller-manager "kube-controller-manager healthy on :$K8S_KCM_PORT" https_ok "$K8S_KCM_PORT" /healthz
wait_until kube-scheduler "kube-scheduler healthy on :$K8S_SCHED_PORT" https_ok "$K8S_SCHED_PORT" /healthz
wait_until kwok "kwok healthy on :$K8S_KWOK_PORT" http_ok "$K8S_KWOK_PORT" /healthz
# Pods need their namespace's service account (the ServiceAccount admission plugin).
wait_until kube-controller-manager "default service account present" \
  kubectl_admin -n default get serviceaccount default -o name
nodes_ready() {
  local ready
  ready="$(kubectl_admin get nodes -l aar.dev/fake-node=true \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '^True$' || true)"
  ((ready == GPU_NODES))
}
wait_until kwok "$GPU_NODES fake node(s) Ready" nodes_ready

k8s_log "control plane up in $(elapsed): $API, kubeconfig $KUBECONFIG_ADMIN"
printf '%s\n' "$KUBECONFIG_ADMIN"
