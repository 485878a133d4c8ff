"""Every method runs on a text task with the LM family and gives a scored, schema-valid result."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from student.validate_result import result_issues

from ..conftest import run_cli
from ..test_methods import SHARPEN_HOOK
from .conftest import STUDENT_TRAINING, TextTask, text_spec

pytestmark = pytest.mark.lm

METHODS: dict[str, dict[str, Any]] = {
    "xent": {},
    "logconf": {"loss": {"kind": "logconf", "auxWeight": 0.5, "warmupFraction": 0.2}},
    "product": {"loss": {"kind": "product"}},
    "filter": {"filter": {"confidenceThreshold": 0.51}},  # the weak teacher is barely confident
    "early-stopping": {"earlyStopping": {"patience": 1, "validationFraction": 0.2}},
    "hook": {"hook": {"source": SHARPEN_HOOK}},
    "classifier-head": {"model": {"head": "classifier"}},
    "full-fine-tune": {"model": {"lora": None}},
    "accumulation-checkpointing": {"model": {"gradientAccumulation": 4, "gradientCheckpointing": True}},
}


def _spec(task: TextTask, name: str) -> dict[str, Any]:
    overrides = dict(METHODS[name])
    return text_spec(task.strong_model, model=overrides.pop("model", None), **overrides)


@pytest.mark.parametrize("name", list(METHODS))
def test_method_runs_on_a_text_task_and_is_scored(tmp_path: Path, text_task: TextTask, name: str) -> None:
    outcome = run_cli(tmp_path, _spec(text_task, name), text_task.bundle)
    result = outcome.result
    assert outcome.code == 0, result and result.get("failure")
    assert result is not None and result["status"] == "succeeded"
    assert result_issues(result, full=name == "xent") == []
    predictions = np.asarray(result["predictions"])
    assert predictions.shape == (text_task.labels["testSize"], 2)
    assert np.allclose(predictions.sum(axis=1), 1.0, atol=1e-5)
    assert all(math.isfinite(point["trainLoss"]) for point in result["curve"][1:])
    assert result["versions"]["transformers"] and result["versions"]["peft"]
    assert result["device"].startswith("cpu")
    assert math.isfinite(text_task.pgr(result))


def test_gradient_accumulation_matches_one_big_batch(tmp_path: Path, text_task: TextTask) -> None:
    whole = run_cli(tmp_path / "a", text_spec(text_task.strong_model), text_task.bundle).result
    split = run_cli(tmp_path / "b", text_spec(text_task.strong_model, model={"gradientAccumulation": 2}), text_task.bundle).result
    assert whole is not None and split is not None
    np.testing.assert_allclose(np.asarray(whole["predictions"]), np.asarray(split["predictions"]), atol=2e-3)
    assert whole["curve"][-1]["trainLoss"] == pytest.approx(split["curve"][-1]["trainLoss"], abs=1e-3)


def test_the_same_seed_gives_byte_identical_predictions(tmp_path: Path, text_task: TextTask) -> None:
    spec = text_spec(text_task.strong_model, training=dict(STUDENT_TRAINING, epochs=1))
    first = run_cli(tmp_path / "a", spec, text_task.bundle).result
    second = run_cli(tmp_path / "b", spec, text_task.bundle).result
    assert first is not None and second is not None
    assert first["predictions"] == second["predictions"]


def test_lora_trains_only_the_adapters_and_the_new_head(text_task: TextTask) -> None:
    from student.device import select_runtime
    from student.lm.classifier import load_text_model
    from student.spec import load_schema, parse_spec
    import json

    spec = parse_spec(json.dumps(text_spec(text_task.strong_model, model={"head": "classifier"})), load_schema())
    model = load_text_model(spec["model"], 2, spec["training"], select_runtime("cpu"), seed=0)
    trainable = [name for name, parameter in model.classifier.named_parameters() if parameter.requires_grad]
    assert trainable and all("lora_" in name or name.startswith("head.") for name in trainable)
    assert any(name.startswith("head.") for name in trainable)
