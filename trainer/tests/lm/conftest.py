"""Text-task fixtures: a generated JSONL task, two random-init models, one import per session.

Nothing here imports ``transformers`` at collection time, so ``pytest -m "not lm"`` collects
these files under Debian's python too. Without the libraries the ``lm`` tests skip, unless
``AAR_LM_REQUIRED=1`` (``make test`` sets it): then they fail, never silently pass.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from trainer.lm import synthetic

SIZES = {"train_label": 100, "train_unlabel": 400, "test": 300}
STUDENT_TRAINING = {"epochs": 3, "learningRate": 0.003, "batchSize": 32}
WEAK_TRAINING = {"epochs": 2, "learningRate": 0.0015, "batchSize": 32}
LORA = {"r": 16, "alpha": 32, "dropout": 0}


def _libraries_missing() -> list[str]:
    return [name for name in ("transformers", "peft") if importlib.util.find_spec(name) is None]


@pytest.fixture(scope="session", autouse=True)
def lm_libraries_present() -> None:
    """Every test in this folder is an ``lm`` test and needs the libraries."""
    missing = _libraries_missing()
    if not missing:
        return
    message = f"{', '.join(missing)} missing: run with the python of `bash scripts/lm-deps.sh --print-python`"
    if os.environ.get("AAR_LM_REQUIRED") == "1":
        pytest.fail(message)
    pytest.skip(message)


class TextTask:
    """An imported text task: its folder (bundle.npz, labels.json), the models, the hidden truth."""

    def __init__(self, root: Path, directory: Path, store: dict[str, Any]) -> None:
        self.root = root
        self.directory = directory
        self.bundle = directory / "bundle.npz"
        self.labels = store
        self.weak_model = root / "weak-model"
        self.strong_model = root / "strong-model"
        self.data = root / "data"
        rows = [json.loads(line) for line in (self.data / "test.jsonl").read_text().splitlines()]
        self.test_labels = np.array([row["label"] for row in rows])
        rows = [json.loads(line) for line in (self.data / "train_unlabel.jsonl").read_text().splitlines()]
        self.train_unlabel_labels = np.array([row["label"] for row in rows])

    def pgr(self, result: dict[str, Any]) -> float:
        """PGR of a result on the whole test set, against the label store's baselines."""
        accuracy = float((np.asarray(result["predictions"]).argmax(axis=1) == self.test_labels).mean())
        weak, ceiling = self.labels["weakAccuracy"]["mean"], self.labels["ceilingAccuracy"]["mean"]
        return (accuracy - weak) / (ceiling - weak)


def model_block(path: Path, **overrides: Any) -> dict[str, Any]:
    block: dict[str, Any] = {"family": "hf-causal-lm", "path": str(path), "labelTokens": list(synthetic.LABEL_TOKENS), "maxLength": 64}
    block.update(overrides)
    return {key: value for key, value in block.items() if value is not None}


def text_spec(model_path: Path, training: dict[str, Any] | None = None, model: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    """A spec for the ``reviews`` text task: LoRA student by default; ``top`` replaces top-level fields."""
    spec: dict[str, Any] = {
        "specVersion": 1,
        "task": "reviews",
        "loss": {"kind": "xent"},
        "training": dict(training or STUDENT_TRAINING),
        "model": model_block(model_path, **{"lora": dict(LORA), **(model or {})}),
    }
    spec.update(top)
    return {key: value for key, value in spec.items() if value is not None}


def make_models_and_data(root: Path) -> None:
    from trainer.lm.random_model import PRESETS, write_random_model

    synthetic.write_task(root / "data", seed=3, **SIZES)
    write_random_model(root / "weak-model", seed=1, **PRESETS["weak-tiny"])
    write_random_model(root / "strong-model", seed=2, **PRESETS["strong-tiny"])
    weak = {"specVersion": 1, "task": "reviews", "loss": {"kind": "xent"}, "training": WEAK_TRAINING,
            "model": model_block(root / "weak-model")}
    strong = text_spec(root / "strong-model", training=dict(STUDENT_TRAINING, epochs=6))
    (root / "weak.json").write_text(json.dumps(weak))
    (root / "strong.json").write_text(json.dumps(strong))


def import_request(root: Path, out: Path) -> Any:
    from trainer.lm.import_task import ImportRequest

    return ImportRequest(root / "data", "reviews", root / "weak.json", root / "strong.json", out,
                         template=synthetic.TEMPLATE, device="cpu")


@pytest.fixture(scope="session")
def text_task(tmp_path_factory: pytest.TempPathFactory, lm_libraries_present: None) -> TextTask:
    from trainer.lm.import_task import import_jsonl

    root = tmp_path_factory.mktemp("reviews")
    make_models_and_data(root)
    store = import_jsonl(import_request(root, root / "task"), log=io.StringIO())
    return TextTask(root, root / "task", store)
