"""Device selection, and a CUDA run when a GPU is present (skipped on CPU-only machines)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from student.device import select_runtime
from student.errors import TrainerFailure

from .conftest import make_spec, run_cli


def test_auto_picks_the_cpu_without_cuda_and_uses_full_precision() -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    runtime = select_runtime("auto", threads=1)
    assert runtime.device.type == "cpu" and runtime.amp_dtype is None
    assert runtime.description.startswith("cpu")


def test_asking_for_cuda_without_it_fails_cleanly() -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(TrainerFailure) as caught:
        select_runtime("cuda")
    assert caught.value.kind == "internal"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_cuda_run_uses_mixed_precision_and_repeats_itself(tmp_path: Path, mnist1d_small) -> None:
    spec = make_spec(loss={"kind": "logconf"}, earlyStopping={"patience": 2})
    first = run_cli(tmp_path / "a", spec, mnist1d_small.bundle, "--device", "cuda")
    second = run_cli(tmp_path / "b", spec, mnist1d_small.bundle, "--device", "cuda")
    assert first.code == 0 and first.result is not None and second.result is not None
    assert first.result["device"].startswith("cuda:") and "autocast" in first.result["device"]
    assert first.result["predictions"] == second.result["predictions"]
