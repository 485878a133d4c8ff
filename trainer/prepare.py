"""The trusted ``prepare`` step (operators and CI only, never agents).

Generates a task's splits, trains the weak model on ``train_gt``, writes its soft labels
on ``train_w2s`` into the task bundle, and measures weak and ceiling test accuracy over
``seeds`` seeds. Everything is seeded and runs on CPU with one thread, so the same
arguments give the same ``bundle.npz`` bytes and the same numbers.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import torch

from .bundle import BUNDLE_FORMAT_VERSION, write_bundle
from .device import Runtime, select_runtime
from .label_store import build_label_store, write_label_store
from .losses import soft_cross_entropy
from .tasks import TaskDefinition, get_task
from .tasks.definition import SizeConfig
from .training import TrainingConfig, fit, predict_probabilities

MIN_SEEDS = 8
BUNDLE_FILE = "bundle.npz"
LABELS_FILE = "labels.json"


@dataclass(frozen=True)
class Splits:
    train_gt: tuple[np.ndarray, np.ndarray]
    train_w2s: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]


def data_seed(task: TaskDefinition, size: str) -> int:
    """The data seed: fixed by task id, generator version and size, nothing else."""
    digest = hashlib.sha256(f"{task.task_id}:{task.generator_version}:{size}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def make_splits(task: TaskDefinition, size: str) -> Splits:
    """Draws the three splits from one generator, in a fixed order."""
    sizes = task.sizes[size]
    rng = np.random.default_rng(data_seed(task, size))
    return Splits(
        train_gt=task.generate(sizes.train_gt, rng),
        train_w2s=task.generate(sizes.train_w2s, rng),
        test=task.generate(sizes.test, rng),
    )


def train_on_truth(
    make_model: Any, x: np.ndarray, y: np.ndarray, num_classes: int, config: TrainingConfig, seed: int, runtime: Runtime
) -> torch.nn.Module:
    """A model trained with cross-entropy on one-hot ground truth (weak models and ceilings)."""
    torch.manual_seed(seed)
    model = make_model()
    targets = torch.nn.functional.one_hot(torch.from_numpy(y), num_classes).float()
    fit(model, torch.from_numpy(x), targets, lambda z, t, _p: soft_cross_entropy(z, t), config, seed, runtime)
    return model


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    return float((probabilities.argmax(axis=1) == labels).mean())


def bundle_meta(task: TaskDefinition, size: str, sizes: SizeConfig) -> dict[str, Any]:
    """The ``meta`` JSON of a task bundle."""
    return {
        "bundleFormatVersion": BUNDLE_FORMAT_VERSION,
        "task": task.task_id,
        "family": task.family,
        "numClasses": task.num_classes,
        "inputShape": list(task.input_shape),
        "sizes": {"trainGt": sizes.train_gt, "trainW2s": sizes.train_w2s, "test": sizes.test},
        "size": size,
        "generatorVersion": task.generator_version,
        "weakModel": task.weak_name,
        "strongModel": task.strong_name,
        "studentTraining": {
            "epochs": sizes.student.epochs,
            "learningRate": sizes.student.learning_rate,
            "batchSize": sizes.student.batch_size,
        },
    }


def prepare(
    task_id: str, out_dir: Path, seeds: int = MIN_SEEDS, size: str = "default", log: TextIO = sys.stderr
) -> dict[str, Any]:
    """Writes ``bundle.npz`` and ``labels.json`` into ``out_dir``; returns the label store."""
    if seeds < MIN_SEEDS:
        raise ValueError(f"--seeds must be at least {MIN_SEEDS} (baselines are averaged over them)")
    task = get_task(task_id)
    if size not in task.sizes:
        raise ValueError(f"unknown size {size!r} (known: {', '.join(task.sizes)})")
    sizes = task.sizes[size]
    runtime = select_runtime("cpu", threads=1)
    splits = make_splits(task, size)
    test_x, test_y = splits.test
    test_tensor = torch.from_numpy(test_x)
    weak_accuracies, ceiling_accuracies = [], []
    weak_probs: np.ndarray | None = None
    for seed in range(seeds):
        weak = train_on_truth(task.make_weak, *splits.train_gt, task.num_classes, task.weak_training, seed, runtime)
        weak_accuracies.append(accuracy(predict_probabilities(weak, test_tensor, runtime), test_y))
        if seed == 0:  # the bundle's labeller
            weak_probs = predict_probabilities(weak, torch.from_numpy(splits.train_w2s[0]), runtime)
        ceiling = train_on_truth(task.make_strong, *splits.train_w2s, task.num_classes, sizes.student, seed, runtime)
        ceiling_accuracies.append(accuracy(predict_probabilities(ceiling, test_tensor, runtime), test_y))
        print(f"seed {seed}: weak {weak_accuracies[-1]:.4f}  ceiling {ceiling_accuracies[-1]:.4f}", file=log, flush=True)
    assert weak_probs is not None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    bundle_path = out_dir / BUNDLE_FILE
    soft = weak_probs.astype(np.float32)
    soft /= soft.sum(axis=1, keepdims=True)
    write_bundle(bundle_path, splits.train_w2s[0], soft, test_x, bundle_meta(task, size, sizes))
    digest = hashlib.sha256(bundle_path.read_bytes()).hexdigest()
    store = build_label_store(task.task_id, task.num_classes, test_y, weak_accuracies, ceiling_accuracies, digest)
    write_label_store(out_dir / LABELS_FILE, store)
    return store
