"""The trusted ``prepare`` step (operators and CI only, never agents).

Generates a task's splits, trains the weak model on ``train_gt``, writes its soft labels
on ``train_w2s`` into the task bundle, and measures weak and ceiling test accuracy over
``seeds`` seeds. Everything runs on CPU with one thread, so the same arguments *and the
same data secret* give the same ``bundle.npz`` bytes and the same numbers.

The data secret (32 random bytes, or the hex of ``--secret-file``) seeds every random stream
of the data, one per split and purpose (``data_rng``). Without it the splits cannot be drawn
again: task id, generator version and size are public, and agent code could otherwise
rebuild the test labels from them. It is kept only in the label store.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import torch

from student.bundle import BUNDLE_FORMAT_VERSION, write_bundle
from student.device import Runtime, select_runtime
from student.losses import soft_cross_entropy
from student.training import TrainingConfig, fit, predict_probabilities

from .label_store import build_label_store, write_label_store
from .tasks import TaskDefinition, get_task
from .tasks.definition import SizeConfig

MIN_SEEDS = 8
BUNDLE_FILE = "bundle.npz"
LABELS_FILE = "labels.json"


@dataclass(frozen=True)
class Splits:
    train_gt: tuple[np.ndarray, np.ndarray]
    train_w2s: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]


SECRET_BYTES = 32
SPLITS = ("train_gt", "train_w2s", "test")
PURPOSES = ("labels", "inputs")


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def parse_secret(text: str) -> bytes:
    """The secret from its hex form; the message never repeats the text (it may be a secret)."""
    cleaned = text.strip().lower()
    if len(cleaned) != 2 * SECRET_BYTES or any(c not in "0123456789abcdef" for c in cleaned):
        raise ValueError(f"the data secret must be {2 * SECRET_BYTES} hex characters ({SECRET_BYTES} bytes)")
    return bytes.fromhex(cleaned)


def read_secret_file(path: Path) -> bytes:
    """The secret in ``path`` (hex, as ``labels.json``'s ``dataSecret``); ``ValueError`` if unusable."""
    try:
        text = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read the secret file {path}: {type(error).__name__}") from None
    return parse_secret(text)


def data_rng(secret: bytes, task: TaskDefinition, size: str, split: str, purpose: str) -> np.random.Generator:
    """One random stream of the data: HMAC-SHA256 of the secret over task, version, size, split, purpose.

    Every split and purpose has its own stream, so the inputs of a split (which the bundle
    shows) and the streams behind them say nothing about its labels, nor one split about another.
    """
    if split not in SPLITS or purpose not in PURPOSES:
        raise ValueError(f"unknown stream {split}:{purpose}")
    message = f"{task.task_id}:{task.generator_version}:{size}:{split}:{purpose}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return np.random.default_rng(int.from_bytes(digest, "little"))


def make_splits(task: TaskDefinition, size: str, secret: bytes) -> Splits:
    """Draws the three splits, each from its own label and input streams."""
    if len(secret) != SECRET_BYTES:
        raise ValueError(f"the data secret must be {SECRET_BYTES} bytes")
    sizes = task.sizes[size]

    def split(name: str, n: int) -> tuple[np.ndarray, np.ndarray]:
        return task.generate(n, data_rng(secret, task, size, name, "labels"), data_rng(secret, task, size, name, "inputs"))

    return Splits(
        train_gt=split("train_gt", sizes.train_gt),
        train_w2s=split("train_w2s", sizes.train_w2s),
        test=split("test", sizes.test),
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
    task_id: str,
    out_dir: Path,
    seeds: int = MIN_SEEDS,
    size: str = "default",
    log: TextIO = sys.stderr,
    secret: bytes | None = None,
) -> dict[str, Any]:
    """Writes ``bundle.npz`` and ``labels.json`` into ``out_dir``; returns the label store.

    ``secret`` None draws a fresh one; the label store (and only it) keeps it.
    """
    if seeds < MIN_SEEDS:
        raise ValueError(f"--seeds must be at least {MIN_SEEDS} (baselines are averaged over them)")
    task = get_task(task_id)
    if size not in task.sizes:
        raise ValueError(f"unknown size {size!r} (known: {', '.join(task.sizes)})")
    sizes = task.sizes[size]
    runtime = select_runtime("cpu", threads=1)
    secret = new_secret() if secret is None else secret
    splits = make_splits(task, size, secret)
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
    store = build_label_store(
        task.task_id, task.num_classes, test_y, weak_accuracies, ceiling_accuracies, digest, data_secret=secret
    )
    write_label_store(out_dir / LABELS_FILE, store)
    return store
