"""Same seed, spec and device give the same predictions, byte for byte, on CPU."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import make_spec, run_cli


def _prediction_bytes(tmp_path: Path, bundle: Path, *extra: str) -> bytes:
    result = run_cli(tmp_path, make_spec(loss={"kind": "logconf"}, seed=3), bundle, *extra).result
    assert result is not None and result["status"] == "succeeded"
    return json.dumps(result["predictions"]).encode()


def test_two_runs_with_the_same_seed_give_identical_prediction_bytes(tmp_path: Path, mnist1d_small) -> None:
    first = _prediction_bytes(tmp_path / "a", mnist1d_small.bundle)
    second = _prediction_bytes(tmp_path / "b", mnist1d_small.bundle)
    assert first == second


def test_the_seed_flag_overrides_the_spec_seed(tmp_path: Path, mnist1d_small) -> None:
    base = _prediction_bytes(tmp_path / "a", mnist1d_small.bundle)
    other = _prediction_bytes(tmp_path / "b", mnist1d_small.bundle, "--seed", "4")
    assert base != other
    result = run_cli(tmp_path / "c", make_spec(seed=3), mnist1d_small.bundle, "--seed", "4").result
    assert result is not None and result["seed"] == 4 and result["spec"]["seed"] == 4
