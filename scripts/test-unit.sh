#!/usr/bin/env bash
# `make test-unit`: every test that needs no service (no PostgreSQL, no Temporal server, no
# Kubernetes, no browser), without lint, in one quick run. Which tests those are:
#   - every tests/unit/*.test.ts: a new test that needs no service goes there and is picked up;
#   - the files listed in ELSEWHERE below, which need no service either but sit beside the
#     integration tests of their area (add one only after running it here);
#   - trainer/tests without the `lm` marker, as `make test` runs them (numpy, torch, bubblewrap and
#     a local http.server are local tools, not services).
# Every service address points at a closed port, so a test that needs a service fails here instead
# of passing because a stack happens to be up. The closing `# pass N` / `# fail N` lines count node
# and pytest together, as scripts/test.sh does.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

ELSEWHERE=(
  tests/browser/chart-geometry.test.ts
  tests/claude/pricing-and-prompt.test.ts
  tests/cli/render.test.ts
  tests/cli/repair-plan.test.ts
  tests/cli/spec-file.test.ts
  tests/cli/usage.test.ts
  tests/cli/write-output.test.ts
  tests/eval/core-bootstrap.test.ts
  tests/eval/core-ladder.test.ts
  tests/eval/core-pgr.test.ts
  tests/eval/core-probe.test.ts
  tests/eval/label-scan.test.ts
  tests/k8s/job-manifest.test.ts
  tests/k8s/job-status.test.ts
  tests/k8s/job-watch.test.ts
)

bash scripts/node-deps.sh || exit 1
export AAR_PG_PORT=1 AAR_TEMPORAL_PORT=1 TEMPORAL_ADDRESS=127.0.0.1:1 KUBECONFIG=/nonexistent \
  AAR_API_URL=http://127.0.0.1:1 AAR_EVAL_URL=http://127.0.0.1:1 AAR_K8S_KUBECONFIG=
unset DATABASE_URL EVAL_DATABASE_URL AAR_MIGRATE_DATABASE_URL AAR_MIGRATE_EVAL_DATABASE_URL AAR_TEST_ADMIN_DATABASE_URL

mkdir -p "$AAR_STATE_DIR/test"
node_out="$AAR_STATE_DIR/test/unit-node.tap"
files=(tests/unit/*.test.ts "${ELSEWHERE[@]}")
# Readable progress on stderr; TAP, whose closing counts are read below, into a file.
node --import tsx --test --test-concurrency=1 --test-force-exit \
  --test-reporter=spec --test-reporter-destination=stderr \
  --test-reporter=tap --test-reporter-destination=stdout "${files[@]}" >"$node_out"
node_rc=$?
node_pass=$(grep -E '^# pass ' "$node_out" | tail -n 1 | awk '{print $3}')
node_fail=$(grep -E '^# fail ' "$node_out" | tail -n 1 | awk '{print $3}')

py_out="$AAR_STATE_DIR/test/unit-pytest.txt"
"$AAR_PYTHON" -m pytest -q -p no:cacheprovider -m 'not lm' trainer/tests 2>&1 | tee "$py_out"
py_rc=${PIPESTATUS[0]}
summary=$(tail -n 1 "$py_out")
py_pass=$(grep -oE '[0-9]+ passed' <<<"$summary" | awk '{print $1}')
py_skip=$(grep -oE '[0-9]+ skipped' <<<"$summary" | awk '{print $1}')
py_fail=$(grep -oE '[0-9]+ (failed|error|errors)' <<<"$summary" | awk '{s+=$1} END {print s+0}')
[ "$py_rc" -ne 0 ] && [ "$py_fail" -eq 0 ] && py_fail=1

echo "unit tests: node ${node_pass:-0} passed, ${node_fail:-?} failed; trainer ${py_pass:-0} passed, $py_fail failed, ${py_skip:-0} skipped"
echo "# pass $(( ${node_pass:-0} + ${py_pass:-0} ))"
echo "# fail $(( ${node_fail:-1} + py_fail ))"
[ "$node_rc" -eq 0 ] && [ "$py_rc" -eq 0 ]
