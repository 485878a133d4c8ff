#!/usr/bin/env bash
# Python for text tasks (trainer/lm/: transformers + peft): a virtualenv over Debian's
# python3-torch under $AAR_CACHE_DIR/venv-lm, with the exact pins of trainer/requirements-lm.txt
# installed without dependency resolution. The bundled tasks never need it.
#
#   bash scripts/lm-deps.sh                 # build it when missing or stale; seconds when current
#   bash scripts/lm-deps.sh --print-python  # print its python; exit 1 when it is missing or stale
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

requirements="$REPO_ROOT/trainer/requirements-lm.txt"
venv="$AAR_CACHE_DIR/venv-lm"
stamp="$venv/.aar-requirements.sha256"
# Stale when the pins, the base interpreter or its torch change (read without importing torch).
fingerprint() {
  { cat "$requirements"
    "$AAR_PYTHON" -c 'import importlib.metadata as m, sys; print(sys.executable, sys.version, m.version("torch"))' 2>/dev/null || true
  } | sha256sum | cut -d' ' -f1
}
current() { [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(fingerprint)" ] && [ -x "$venv/bin/python" ]; }

if [ "${1:-}" = --print-python ]; then
  current || die "the LM venv $venv is missing or stale: run bash scripts/lm-deps.sh"
  echo "$venv/bin/python"
  exit 0
fi
[ $# -eq 0 ] || die "usage: $0 [--print-python]"
current && exit 0

bash "$REPO_ROOT/scripts/python-deps.sh"  # the base: torch, numpy, pytest, jsonschema, scipy
"$AAR_PYTHON" -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
mkdir -p "$AAR_CACHE_DIR"
exec 9>"$AAR_CACHE_DIR/venv-lm.lock"
flock 9  # two test runs at once build it once
current && exit 0
say "building the LM venv in $venv (pins: trainer/requirements-lm.txt)"
started=$SECONDS
rm -rf "$venv"
"$AAR_PYTHON" -m venv --system-site-packages "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  --no-deps --only-binary=:all: --requirement "$requirements"
"$venv/bin/python" - <<'PY' || die "the LM venv does not import transformers and peft over the base torch"
import peft, tokenizers, torch, transformers
from transformers import AutoModelForCausalLM  # noqa: F401 (imports the torch side of transformers)
print(f"[aar] LM venv: torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}")
PY
fingerprint >"$stamp"
say "LM venv ready in $((SECONDS - started))s ($(du -sh "$venv" | cut -f1))"
