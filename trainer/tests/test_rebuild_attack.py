"""Agent code cannot rebuild the test labels from anything public.

Before generator version 2 the data came from a seed fixed by task id, generator version and
size: a loss hook could import the generators and draw the test split again. Now every stream
is keyed by the task's secret, which only the label store holds. This plays the attacker with
everything it has — the public formulas, small seeds, guessable keys, the generator functions
and the bundle's own arrays — and checks that no candidate labelling beats chance.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Iterator

import numpy as np
import pytest

from student.bundle import TaskBundle, read_bundle
from trainer.tasks import TaskDefinition, get_task

SLACK = 0.03
SEARCHED_SEEDS = 1000
INPUT_MATCH_SEEDS = 50  # full regenerations (inputs too) are slower: fewer seeds


def _old_seed(task: TaskDefinition, version: int, size: str) -> int:
    """``prepare.data_seed`` of generator version 1, for any version number."""
    digest = hashlib.sha256(f"{task.task_id}:{version}:{size}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _old_test_split(task: TaskDefinition, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The test split as version 1 drew it: one stream, train_gt then train_w2s then test."""
    sizes = task.sizes["small"]
    rng = np.random.default_rng(seed)
    task.generate(sizes.train_gt, rng, rng)
    task.generate(sizes.train_w2s, rng, rng)
    return task.generate(sizes.test, rng, rng)


def _guessed_keys(task: TaskDefinition, bundle_bytes: bytes, bundle: TaskBundle) -> list[bytes]:
    public = f"{task.task_id}:{task.generator_version}:small".encode()
    return [
        b"",
        bytes(32),
        b"\xff" * 32,
        public,
        hashlib.sha256(public).digest(),
        hashlib.sha256(bundle_bytes).digest(),
        hashlib.sha256(bundle.test_x.tobytes()).digest(),
        hashlib.sha256(bundle.train_x.tobytes()).digest(),
        task.task_id.encode(),
    ]


def _candidates(task: TaskDefinition, bundle_bytes: bytes, bundle: TaskBundle) -> Iterator[tuple[str, np.ndarray]]:
    """Named candidate test labellings built from public information only."""
    n, classes, size = bundle.test_x.shape[0], bundle.num_classes, "small"
    for version in (1, 2, 0, 3):
        seed = _old_seed(task, version, size)
        yield f"old data_seed v{version}", _old_test_split(task, seed)[1]
        yield f"old data_seed v{version}, test drawn first", np.random.default_rng(seed).integers(0, classes, n)
    for key in _guessed_keys(task, bundle_bytes, bundle):
        for split in ("test", "train_gt", "train_w2s"):
            message = f"{task.task_id}:{task.generator_version}:{size}:{split}:labels".encode()
            digest = hmac.new(key, message, hashlib.sha256).digest()
            yield f"hmac key {key[:8].hex()}… {split}", np.random.default_rng(int.from_bytes(digest, "little")).integers(0, classes, n)
    # The attacker's best pick among small seeds: the one whose regenerated inputs look most like the bundle's.
    best_seed, best_distance = 0, np.inf
    for seed in range(INPUT_MATCH_SEEDS):
        rng = np.random.default_rng(seed)
        x, _ = task.generate(n, np.random.default_rng(seed), rng)
        distance = float(np.abs(x - bundle.test_x).mean())
        assert distance > 1e-3, f"seed {seed} regenerates the bundle's test inputs"
        if distance < best_distance:
            best_seed, best_distance = seed, distance
    yield f"labels of the input-matching seed {best_seed}", np.random.default_rng(best_seed).integers(0, classes, n)


@pytest.mark.parametrize("task_id", ["mnist1d", "motifs1d"])
def test_no_public_recipe_rebuilds_the_test_labels(task_id: str, request: pytest.FixtureRequest) -> None:
    prepared = request.getfixturevalue(f"{task_id}_small")
    bundle_bytes = prepared.bundle.read_bytes()
    bundle = read_bundle(bundle_bytes)
    assert isinstance(bundle, TaskBundle)
    truth = np.asarray(prepared.labels["testLabels"])
    chance = 1.0 / bundle.num_classes
    task = get_task(task_id)
    for name, candidate in _candidates(task, bundle_bytes, bundle):
        agreement = float((candidate == truth).mean())
        assert agreement <= chance + SLACK, f"{name}: {agreement:.3f} of the test labels"


@pytest.mark.parametrize("task_id", ["mnist1d", "motifs1d"])
def test_no_small_seed_rebuilds_the_test_labels(task_id: str, request: pytest.FixtureRequest) -> None:
    """Seeds 0..999 as the label stream (or the one stream of version 1): none reproduces the
    labels, on average they agree at chance, and so does their majority vote."""
    prepared = request.getfixturevalue(f"{task_id}_small")
    truth = np.asarray(prepared.labels["testLabels"])
    classes, n = int(prepared.labels["numClasses"]), truth.size
    chance = 1.0 / classes
    candidates = np.stack([np.random.default_rng(seed).integers(0, classes, n) for seed in range(SEARCHED_SEEDS)])
    agreements = (candidates == truth[None, :]).mean(axis=1)
    assert agreements.max() < 0.5, f"seed {int(agreements.argmax())} agrees on {agreements.max():.3f}"
    assert agreements.mean() <= chance + 0.01
    votes = np.apply_along_axis(np.bincount, 0, candidates, minlength=classes).argmax(axis=0)
    assert float((votes == truth).mean()) <= chance + SLACK
