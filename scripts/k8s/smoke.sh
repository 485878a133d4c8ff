#!/usr/bin/env bash
# Quick end-to-end check of the cluster that up.sh started: fake GPU nodes are Ready, a GPU
# Job's pod is scheduled onto one and goes Running, pods beyond the GPU capacity stay
# Pending, and the aar.dev/simulate annotations finish Jobs. Prints a timing per check.
# Works in its own namespace, deleted at the end.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STATE="$(k8s_state_dir)"
KUBECONFIG_ADMIN="$STATE/kubeconfig"
KUBECTL="$(k8s_bin kubectl)"
[[ -x "$KUBECTL" ]] || KUBECTL="$(command -v kubectl)" || k8s_die "no kubectl: run scripts/k8s/build.sh"
[[ -s "$KUBECONFIG_ADMIN" ]] || k8s_die "$KUBECONFIG_ADMIN is missing: run scripts/k8s/up.sh"
NS="aar-smoke"
TIMEOUT="${AAR_K8S_TIMEOUT:-60}"

k() { "$KUBECTL" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }
CHECKS=0
START="$EPOCHREALTIME"
LAST="$START"
# ok <check>: prints the check with the seconds it took and the seconds since the start.
ok() {
  local now="$EPOCHREALTIME"
  CHECKS=$((CHECKS + 1))
  awk -v n="$CHECKS" -v what="$1" -v s="$START" -v l="$LAST" -v t="$now" \
    'BEGIN { printf "ok %d - %s (%.2fs, at %.2fs)\n", n, what, t - l, t - s }'
  LAST="$now"
}
fail() {
  printf 'not ok - %s\n' "$1"
  k -n "$NS" get jobs,pods -o wide 2>&1 | sed 's/^/    /' || true
  exit 1
}

# eventually <description> <command...>: retries the command until it succeeds.
eventually() {
  local what="$1" deadline=$((SECONDS + TIMEOUT))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "$what (timed out after ${TIMEOUT}s)"
    sleep 0.2
  done
  ok "$what"
}

# job <name> <parallelism> <extra pod annotations as YAML flow map>
job() {
  k -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: batch/v1
kind: Job
metadata:
  name: $1
spec:
  parallelism: $2
  completions: $2
  backoffLimit: 0
  template:
    metadata:
      annotations: $3
    spec:
      restartPolicy: Never
      nodeSelector:
        aar.dev/fake-node: "true"
      tolerations:
      - key: nvidia.com/gpu
        operator: Exists
        effect: NoSchedule
      containers:
      - name: trainer
        image: aar-trainer:smoke
        resources:
          limits:
            nvidia.com/gpu: 1
EOF
}

pods_in_phase() { # <job> <phase>: prints how many of the Job's pods are in that phase
  k -n "$NS" get pods -l "job-name=$1" --field-selector "status.phase=$2" -o name | wc -l
}
count_is() { [[ "$(pods_in_phase "$1" "$2")" == "$3" ]]; }
job_condition() { # <job> <condition type>
  [[ "$(k -n "$NS" get job "$1" -o jsonpath="{.status.conditions[?(@.type==\"$2\")].status}")" == True ]]
}
no_pods() { [[ -z "$(k -n "$NS" get pods -l "job-name=$1" -o name)" ]]; }

printf '# nodes\n'
k get nodes -L nvidia.com/gpu.present -o wide | sed 's/^/    /'
ready="$(k get nodes -l aar.dev/fake-node=true -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '^True$' || true)"
((ready > 0)) || fail "at least one fake GPU node is Ready"
ok "$ready fake GPU node(s) Ready"
capacity="$(k get nodes -l aar.dev/fake-node=true -o jsonpath='{range .items[*]}{.status.allocatable.nvidia\.com/gpu}{"\n"}{end}' | awk '{ s += $1 } END { print s + 0 }')"
((capacity > 0)) || fail "fake nodes advertise nvidia.com/gpu"
ok "fake nodes advertise $capacity nvidia.com/gpu in total"

if k get namespace "$NS" >/dev/null 2>&1; then
  k delete namespace "$NS" --wait=true --timeout="${TIMEOUT}s" >/dev/null
fi
k create namespace "$NS" >/dev/null
eventually "namespace $NS has its default service account" k -n "$NS" get serviceaccount default

job gpu-one 1 '{}'
eventually "a 1-GPU Job's pod goes Running" count_is gpu-one Running 1
node="$(k -n "$NS" get pods -l job-name=gpu-one -o jsonpath='{.items[0].spec.nodeName}')"
[[ "$node" == aar-gpu-* ]] || fail "the pod runs on a fake GPU node (got '$node')"
ok "the pod runs on fake node $node"
k -n "$NS" delete job gpu-one --cascade=foreground --wait=false >/dev/null
eventually "deleting the Job removes its pod" no_pods gpu-one

over=$((capacity + 2))
job gpu-over "$over" '{}'
eventually "$capacity of $over one-GPU pods go Running" count_is gpu-over Running "$capacity"
eventually "the other 2 are Pending" count_is gpu-over Pending 2
sleep 1
if ! count_is gpu-over Running "$capacity" || ! count_is gpu-over Pending 2; then
  fail "a second later, still $capacity Running and 2 Pending"
fi
ok "a second later, still $capacity Running and 2 Pending"
reason="$(k -n "$NS" get pods -l job-name=gpu-over --field-selector status.phase=Pending \
  -o jsonpath='{.items[0].status.conditions[?(@.type=="PodScheduled")].reason}')"
[[ "$reason" == Unschedulable ]] || fail "pending pods are Unschedulable (got '$reason')"
ok "pending pods are Unschedulable"
k -n "$NS" delete job gpu-over --cascade=foreground --wait=false >/dev/null
eventually "deleting the over-committed Job removes its pods" no_pods gpu-over

job sim-succeed 1 '{"aar.dev/simulate": "succeed", "aar.dev/simulate-after": "2s"}'
eventually "aar.dev/simulate=succeed (after 2s) completes the Job" job_condition sim-succeed Complete
job sim-fail 1 '{"aar.dev/simulate": "fail", "aar.dev/simulate-exit-code": "3"}'
eventually "aar.dev/simulate=fail fails the Job" job_condition sim-fail Failed
code="$(k -n "$NS" get pods -l job-name=sim-fail -o jsonpath='{.items[0].status.containerStatuses[0].state.terminated.exitCode}')"
[[ "$code" == 3 ]] || fail "the failed pod reports exit code 3 (got '$code')"
ok "the failed pod reports exit code 3"

k delete namespace "$NS" --wait=true --timeout="${TIMEOUT}s" >/dev/null
ok "namespace $NS deleted"
awk -v n="$CHECKS" -v s="$START" -v t="$EPOCHREALTIME" \
  'BEGIN { printf "k8s smoke: all %d checks ok in %.1fs\n", n, t - s }'
