#!/usr/bin/env bash
# Python for the trainer: Debian's CPU builds of torch, numpy and pytest, used as $AAR_PYTHON; and
# the student sandbox's tools (bubblewrap, strace): the local executor refuses agent code without them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

check='import torch, numpy, pytest, jsonschema, scipy'
if ! "$AAR_PYTHON" -c "$check" 2>/dev/null; then
  [ "$AAR_PYTHON" = /usr/bin/python3 ] || die "$AAR_PYTHON lacks torch/numpy/pytest/jsonschema/scipy: install them there, or unset AAR_PYTHON to use Debian's /usr/bin/python3"
  apt_install python3 python3-torch python3-numpy python3-pytest python3-jsonschema python3-scipy
  "$AAR_PYTHON" -c "$check" || die "trainer dependencies still missing after install"
fi
if ! command -v bwrap >/dev/null || ! command -v strace >/dev/null; then
  apt_install bubblewrap strace
  command -v bwrap >/dev/null && command -v strace >/dev/null || die "bubblewrap and strace still missing after install"
fi
