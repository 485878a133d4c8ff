#!/usr/bin/env bash
# `make bench`: every benchmark under bench/, each printing ratios against a baseline measured in
# the same run. Brings the stack up first (the benchmarks use the real services). BENCH=name runs one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
bash scripts/dev-up.sh >/dev/null
run() {
  local name=$1; shift
  if [ -n "${BENCH:-}" ] && [ "$BENCH" != "$name" ]; then return 0; fi
  printf '\n== %s ==\n' "$name"
  "$@"
}
run trainer "$AAR_PYTHON" bench/trainer_bench.py
run sandbox "$AAR_PYTHON" bench/sandbox_bench.py
run eval-submissions node --import tsx bench/eval-submissions.ts
run eval-flood node --import tsx bench/eval-flood.ts
run orchestration node --import tsx bench/orchestration.ts
for file in bench/k8s-*.ts; do
  [ -e "$file" ] || continue
  name=$(basename "$file" .ts)
  if [ -z "${BENCH:-}" ] || [ "$BENCH" = "$name" ]; then
    bash scripts/test.d/10-k8s.sh up
    run "$name" node --import tsx "$file"
  fi
done
