"""The trusted import of a JSONL text task (operators and CI, never agents): ``prepare`` for text.

Reads ``train_label``, ``train_unlabel`` and ``test`` (``jsonl.py``). For each seed it trains
the weak teacher on ``train_label``'s ground truth and the ceiling (the strong model) on
``train_unlabel``'s, as two experiment specs say (model, LoRA, training), and measures both
on ``test``. Seed 0's weak teacher labels ``train_unlabel``: those soft labels and the
prompts of ``train_unlabel`` and ``test`` form the text bundle (``text_bundle.py``); the
test labels and both accuracies form the label store, in the format ``prepare`` writes.
"""

from __future__ import annotations

import gc
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence, TextIO

import numpy as np
import torch

from student.device import DeviceRequest, Runtime, select_runtime
from student.errors import TrainerFailure
from student.lm.classifier import ModelFolderError, load_text_model, model_fingerprint
from student.losses import soft_cross_entropy
from student.spec import load_schema, parse_spec
from student.text_bundle import TEXT_BUNDLE_FORMAT_VERSION, write_text_bundle
from student.training import TrainingConfig, fit, predict_probabilities

from ..label_store import build_label_store, write_label_store
from ..prepare import BUNDLE_FILE, LABELS_FILE, accuracy
from .jsonl import DEFAULT_TEMPLATE, JsonlTask, TextSplit, read_jsonl_task

BUNDLE_FAMILY = "jsonl-text"


@dataclass(frozen=True)
class ImportRequest:
    """What ``python3 -m trainer import-jsonl`` was asked to do."""

    data_dir: Path
    task_id: str
    weak_spec: Path
    strong_spec: Path
    out_dir: Path
    seeds: int = 1
    template: str = DEFAULT_TEMPLATE
    label_field: str = "label"
    classes: Sequence[str] | None = None
    device: DeviceRequest = "auto"
    threads: int = 1


def import_jsonl(request: ImportRequest, log: TextIO = sys.stderr) -> dict[str, Any]:
    """Writes ``bundle.npz`` and ``labels.json`` into ``out_dir``; returns the label store.

    ``ValueError`` for bad files or arguments, ``TrainerFailure('invalid_spec')`` for a bad spec.
    """
    if request.seeds < 1:
        raise ValueError("--seeds must be at least 1")
    schema = load_schema()
    weak_spec = _training_spec(request.weak_spec, schema, request.task_id)
    strong_spec = _training_spec(request.strong_spec, schema, request.task_id)
    task = read_jsonl_task(request.data_dir, request.template, request.label_field, request.classes)
    runtime = select_runtime(request.device, request.threads)
    train_label, train_unlabel, test = (task.splits[name] for name in ("train_label", "train_unlabel", "test"))
    weak_accuracies, ceiling_accuracies = [], []
    weak_probs: np.ndarray | None = None
    for seed in range(request.seeds):
        weak = _train_on_truth(weak_spec, train_label, task.num_classes, seed, runtime)
        weak_accuracies.append(accuracy(weak.predict(test.texts), test.labels))
        if seed == 0:  # the bundle's labeller
            weak_probs = weak.predict(train_unlabel.texts)
        del weak
        _release_memory()
        ceiling = _train_on_truth(strong_spec, train_unlabel, task.num_classes, seed, runtime)
        ceiling_accuracies.append(accuracy(ceiling.predict(test.texts), test.labels))
        del ceiling
        _release_memory()
        print(f"seed {seed}: weak {weak_accuracies[-1]:.4f}  ceiling {ceiling_accuracies[-1]:.4f}", file=log, flush=True)
    assert weak_probs is not None
    out_dir = Path(request.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    soft = weak_probs.astype(np.float32)
    soft /= soft.sum(axis=1, keepdims=True)
    meta = bundle_meta(request.task_id, task, weak_spec, strong_spec)
    write_text_bundle(out_dir / BUNDLE_FILE, train_unlabel.texts, soft, test.texts, meta)
    digest = hashlib.sha256((out_dir / BUNDLE_FILE).read_bytes()).hexdigest()
    store = build_label_store(request.task_id, task.num_classes, test.labels, weak_accuracies, ceiling_accuracies, digest)
    store["source"] = {"format": "jsonl", "sha256": task.source_sha256, "classes": task.classes}
    write_label_store(out_dir / LABELS_FILE, store)
    if not store["ceilingAccuracy"]["mean"] > store["weakAccuracy"]["mean"]:
        print(
            "warning: the ceiling is not above the weak teacher, so PGR is undefined; the eval server will refuse this task",
            file=log,
        )
    return store


def bundle_meta(task_id: str, task: JsonlTask, weak_spec: dict[str, Any], strong_spec: dict[str, Any]) -> dict[str, Any]:
    """The ``meta`` JSON of a text bundle: what students need, no labels and no label-derived hash."""
    sizes = {name: len(task.splits[name].texts) for name in task.splits}
    return {
        "bundleFormatVersion": TEXT_BUNDLE_FORMAT_VERSION,
        "task": task_id,
        "family": BUNDLE_FAMILY,
        "inputKind": "text",
        "numClasses": task.num_classes,
        "classes": task.classes,
        "template": task.template,
        "sizes": {"trainGt": sizes["train_label"], "trainW2s": sizes["train_unlabel"], "test": sizes["test"]},
        "weakModel": model_identity(weak_spec["model"]),
        "strongModel": model_identity(strong_spec["model"]),
        "studentTraining": {"training": strong_spec["training"], "model": strong_spec["model"]},
    }


def model_identity(model_spec: dict[str, Any]) -> dict[str, str]:
    """Which model a task used: family, folder name and path, and its config/tokenizer fingerprint."""
    path = Path(model_spec["path"])
    return {"family": model_spec["family"], "name": path.name, "path": str(path), "fingerprint": model_fingerprint(path)}


@dataclass(frozen=True)
class _Trained:
    model: Any  # classifier.TextModel

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        model = self.model
        return predict_probabilities(model.classifier, model.encode(texts), model.runtime, model.eval_batch_size)


def _train_on_truth(spec: dict[str, Any], split: TextSplit, num_classes: int, seed: int, runtime: Runtime) -> _Trained:
    """The spec's model trained with cross-entropy on the split's one-hot ground truth."""
    training = spec["training"]
    try:
        model = load_text_model(spec["model"], num_classes, training, runtime, seed)
        x = model.encode(split.texts)
    except ModelFolderError as error:
        raise ValueError(str(error)) from None
    targets = torch.nn.functional.one_hot(torch.from_numpy(split.labels), num_classes).float().to(model.runtime.device)
    config = TrainingConfig(
        epochs=int(training["epochs"]),
        learning_rate=float(training["learningRate"]),
        batch_size=int(training["batchSize"]),
        weight_decay=float(training["weightDecay"]),
        accumulation=model.accumulation,
        eval_batch_size=model.eval_batch_size,
    )
    fit(model.classifier, x, targets, lambda z, t, _p: soft_cross_entropy(z, t), config, seed, model.runtime)
    return _Trained(model)


def _training_spec(path: Path, schema: dict[str, Any], task_id: str) -> dict[str, Any]:
    """A weak or strong training spec: an experiment spec for ``task_id`` with a model and no method."""
    try:
        spec = parse_spec(Path(path).read_text(encoding="utf-8"), schema)
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error}") from None
    except TrainerFailure as failure:
        raise TrainerFailure(failure.kind, f"{path}: {failure.message}") from None
    problems = []
    if spec["task"] != task_id:
        problems.append(f"task: is {spec['task']!r}, not {task_id!r}")
    if "model" not in spec:
        problems.append("model: missing (the weak and strong specs name their models)")
    problems += [f"{name}: not used when training on ground truth" for name in ("filter", "earlyStopping", "hook") if name in spec]
    if problems:
        raise TrainerFailure("invalid_spec", f"{path}: " + "; ".join(problems))
    return spec


def _release_memory() -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
