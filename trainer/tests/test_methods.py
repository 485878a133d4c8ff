"""Every method runs end to end and produces a result bundle that matches the shared schema."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from student.validate_result import result_issues

from .conftest import make_spec, run_cli

SHARPEN_HOOK = """
def loss(logits, weak_probs, progress):
    temperature = 1.0 - 0.5 * progress
    target = torch.softmax(torch.log(weak_probs.clamp_min(1e-8)) / temperature, dim=-1)
    return -(target * torch.log_softmax(logits, dim=-1)).sum(dim=-1).mean()
"""

METHODS = {
    "xent": make_spec(),
    "logconf": make_spec(loss={"kind": "logconf", "auxWeight": 0.7, "warmupFraction": 0.3}),
    "logconf-no-warmup": make_spec(loss={"kind": "logconf", "warmupFraction": 0}),
    "product": make_spec(loss={"kind": "product"}),
    "filter": make_spec(filter={"confidenceThreshold": 0.6}),
    "early-stopping": make_spec(earlyStopping={"patience": 1, "validationFraction": 0.2}),
    "hook": make_spec(hook={"source": SHARPEN_HOOK}),
    "weight-decay": make_spec(training={"epochs": 2, "learningRate": 0.01, "batchSize": 256, "weightDecay": 0.1}),
}


@pytest.mark.parametrize("name", list(METHODS))
def test_method_runs_and_reports_a_valid_result(tmp_path: Path, mnist1d_small, name: str) -> None:
    outcome = run_cli(tmp_path, METHODS[name], mnist1d_small.bundle)
    assert outcome.code == 0, outcome.result and outcome.result.get("failure")
    result = outcome.result
    assert result is not None and result["status"] == "succeeded"
    assert result_issues(result, full=name == "xent") == []
    predictions = np.asarray(result["predictions"])
    assert predictions.shape == (mnist1d_small.labels["testSize"], 10)
    assert np.allclose(predictions.sum(axis=1), 1.0, atol=1e-5)
    assert result["spec"]["task"] == "mnist1d" and result["task"] == "mnist1d"
    assert result["curve"][0] == {"epoch": 0, "trainLoss": None, "weakValAccuracy": result["curve"][0]["weakValAccuracy"]}
    assert all(np.isfinite(point["trainLoss"]) for point in result["curve"][1:])
    assert result["device"].startswith("cpu") and "torch" in result["versions"]


def test_filter_trains_only_on_confident_weak_labels(tmp_path: Path, mnist1d_small) -> None:
    bundle = np.load(mnist1d_small.bundle, allow_pickle=False)
    expected = int((bundle["weak_probs"].max(axis=1) >= 0.6).sum())
    result = run_cli(tmp_path, METHODS["filter"], mnist1d_small.bundle).result
    assert result is not None and result["trainExamples"] == expected < bundle["weak_probs"].shape[0]


def test_a_filter_that_keeps_nothing_is_an_invalid_spec(tmp_path: Path, mnist1d_small) -> None:
    outcome = run_cli(tmp_path, make_spec(filter={"confidenceThreshold": 1.0}), mnist1d_small.bundle)
    assert outcome.code == 2
    assert outcome.result is not None and "filter.confidenceThreshold" in outcome.result["failure"]["message"]


def test_early_stopping_validates_on_weak_labels_and_stops(tmp_path: Path, mnist1d_small) -> None:
    spec = make_spec(earlyStopping={"patience": 1}, training={"epochs": 30, "learningRate": 0.05, "batchSize": 64})
    result = run_cli(tmp_path, spec, mnist1d_small.bundle).result
    assert result is not None and result["status"] == "succeeded"
    val = [point["weakValAccuracy"] for point in result["curve"]]
    assert all(v is not None and 0 <= v <= 1 for v in val)
    assert result["stoppedEpoch"] < 30  # patience 1 with a large learning rate stops early
    assert result["weakValidationAccuracy"] == max(val)
    n = mnist1d_small.labels["testSize"]
    assert result["trainExamples"] == 1000 - round(0.1 * 1000) and n == 1000


def test_a_spec_for_another_task_is_a_bundle_error(tmp_path: Path, mnist1d_small) -> None:
    outcome = run_cli(tmp_path, make_spec(task="motifs1d"), mnist1d_small.bundle)
    assert outcome.code == 6
    assert outcome.result is not None and outcome.result["failure"]["kind"] == "bundle_error"


def test_a_corrupt_or_missing_bundle_is_a_bundle_error(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    for source in (corrupt, tmp_path / "missing.npz"):
        outcome = run_cli(tmp_path, make_spec(), source)
        assert outcome.code == 6
        assert outcome.result is not None and outcome.result["failure"]["kind"] == "bundle_error"
        assert outcome.result["spec"] is not None  # the spec itself was fine


def test_out_of_memory_is_reported_with_exit_5(tmp_path: Path, mnist1d_small, monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr("student.run.fit", exhausted)
    outcome = run_cli(tmp_path, make_spec(), mnist1d_small.bundle)
    assert outcome.code == 5
    assert outcome.result is not None and outcome.result["failure"]["kind"] == "out_of_memory"


def test_an_unexpected_error_is_internal_with_its_traceback(tmp_path: Path, mnist1d_small, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("student.run.fit", broken)
    outcome = run_cli(tmp_path, make_spec(), mnist1d_small.bundle)
    assert outcome.code == 1
    failure = outcome.result["failure"] if outcome.result else {}
    assert failure["kind"] == "internal" and "ZeroDivisionError" in failure["detail"]
