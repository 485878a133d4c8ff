#!/usr/bin/env bash
# `make test`: lint, type-check, then every test against the real stack. Starts the stack when it
# is not up, and stops what it started at the end (KEEP_STACK=1 leaves it running). The closing
# `# pass N` / `# fail N` lines count every test that ran, node and pytest together.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

bash scripts/node-deps.sh || exit 1
started=0
if ! bash scripts/stack-status.sh >/dev/null 2>&1; then started=1; fi
# Extra parts some tests need (the Kubernetes control plane, a browser) live in scripts/test.d/*.sh,
# each called with `up` before the tests and `down` after (down only if this run brought it up).
hooks=()
stop_stack() {
  for hook in "${hooks[@]}"; do bash "$hook" down || true; done
  if [ "$started" = 1 ] && [ "${KEEP_STACK:-0}" != 1 ]; then bash scripts/dev-down.sh; fi
}
trap stop_stack EXIT

make --no-print-directory lint || { echo '# pass 0'; echo '# fail 1'; exit 1; }
bash scripts/dev-up.sh || { echo '# pass 0'; echo '# fail 1'; exit 1; }
for hook in scripts/test.d/*.sh; do
  [ -e "$hook" ] || continue
  bash "$hook" up || { echo "test setup $hook failed"; echo '# pass 0'; echo '# fail 1'; exit 1; }
  [ "${KEEP_STACK:-0}" = 1 ] || hooks+=("$hook")
done

mkdir -p "$AAR_STATE_DIR/test"
node_out="$AAR_STATE_DIR/test/node.tap"
mapfile -t files < <(find tests -name '*.test.ts' | sort)
node --import tsx --test --test-reporter=tap --test-concurrency=1 --test-force-exit "${files[@]}" | tee "$node_out"
node_rc=${PIPESTATUS[0]}
node_pass=$(grep -E '^# pass ' "$node_out" | tail -n 1 | awk '{print $3}')
node_fail=$(grep -E '^# fail ' "$node_out" | tail -n 1 | awk '{print $3}')
node_skip=$(grep -E '^# skipped ' "$node_out" | tail -n 1 | awk '{print $3}')

py_pass=0 py_fail=0 py_skip=0 py_rc=0
if [ -d trainer/tests ]; then
  # Two runs whose counts add up: Debian's python for all but the text-task tests (pytest marker
  # `lm`), which need the LM venv that scripts/test.d/30-lm.sh builds; a missing venv fails them.
  lm_python=$(bash scripts/lm-deps.sh --print-python) || lm_python=false
  for run in "$AAR_PYTHON|not lm|pytest" "$lm_python|lm|pytest-lm"; do
    IFS='|' read -r python marker name <<<"$run"
    py_out="$AAR_STATE_DIR/test/$name.txt"
    AAR_LM_REQUIRED=1 "$python" -m pytest -q -p no:cacheprovider -m "$marker" trainer/tests 2>&1 | tee "$py_out"
    rc=${PIPESTATUS[0]}
    summary=$(tail -n 1 "$py_out")
    n=$(grep -oE '[0-9]+ passed' <<<"$summary" | awk '{print $1}'); py_pass=$((py_pass + ${n:-0}))
    n=$(grep -oE "[0-9]+ skipped" <<<"$summary" | awk "{print \$1}"); py_skip=$((py_skip + ${n:-0}))
    n=$(grep -oE '[0-9]+ (failed|error|errors)' <<<"$summary" | awk '{s+=$1} END {print s+0}')
    [ "$rc" -ne 0 ] && [ "$n" -eq 0 ] && n=1
    py_fail=$((py_fail + n))
    [ "$rc" -eq 0 ] || py_rc=$rc
  done
fi

# Skipped tests are reported apart and never counted as passing (the CUDA test skips without a GPU).
echo "node tests: ${node_pass:-0} passed, ${node_fail:-?} failed, ${node_skip:-0} skipped; trainer tests: $py_pass passed, $py_fail failed, $py_skip skipped"
echo "# pass $(( ${node_pass:-0} + py_pass ))"
echo "# fail $(( ${node_fail:-1} + py_fail ))"
[ "$node_rc" -eq 0 ] && [ "$py_rc" -eq 0 ]
