"""Importing a JSONL task: the weak teacher runs, and the bundle and label store come out as for ``prepare``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from student.bundle import read_bundle
from student.text_bundle import TextBundle

from ..conftest import REPO_ROOT
from .conftest import SIZES, TextTask

pytestmark = pytest.mark.lm


def test_the_label_store_has_the_prepare_format_and_a_gap(text_task: TextTask) -> None:
    store = text_task.labels
    prepared_keys = {"labelStoreVersion", "task", "numClasses", "testSize", "testLabels", "weakAccuracy",
                     "ceilingAccuracy", "bundleSha256", "createdAt", "seeds"}
    assert prepared_keys <= set(store) and set(store) - prepared_keys == {"source"}
    assert store["task"] == "reviews" and store["numClasses"] == 2 and store["seeds"] == 1
    assert store["testSize"] == SIZES["test"] and store["testLabels"] == text_task.test_labels.tolist()
    assert store["ceilingAccuracy"]["mean"] > store["weakAccuracy"]["mean"] + 0.05
    assert json.loads((text_task.directory / "labels.json").read_text()) == store


def test_the_bundle_holds_prompts_and_weak_labels_but_no_truth(text_task: TextTask) -> None:
    bundle = read_bundle(text_task.bundle.read_bytes())
    assert isinstance(bundle, TextBundle) and bundle.task == "reviews"
    assert len(bundle.train_texts) == SIZES["train_unlabel"] and len(bundle.test_texts) == SIZES["test"]
    assert all(text.startswith("review: ") and text.endswith(" answer:") for text in bundle.test_texts)
    assert bundle.weak_probs.shape == (SIZES["train_unlabel"], 2)
    weak_labels = bundle.weak_probs.argmax(axis=1)
    agreement = float((weak_labels == text_task.train_unlabel_labels).mean())
    assert abs(agreement - 1.0) > 0.05  # weak labels, not the truth
    meta_text = json.dumps(bundle.meta)
    for forbidden in ("testLabels", "sha256\": {", "label\":"):
        assert forbidden not in meta_text
    assert bundle.meta["strongModel"]["name"] == "strong-model" and bundle.meta["weakModel"]["name"] == "weak-model"
    with np.load(text_task.bundle, allow_pickle=False) as archive:
        for key in archive.files:
            array = archive[key]
            if array.dtype.kind in "iu" and array.ndim == 1 and array.size == SIZES["test"]:
                assert not np.array_equal(array, text_task.test_labels), key


def _import_cli(text_task: TextTask, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    root = text_task.root
    args = ["import-jsonl", "--data", str(root / "data"), "--task", "reviews", "--weak-spec", str(root / "weak.json"),
            "--strong-spec", str(root / "strong.json"), "--out", str(out), "--template", "{text} answer:", "--device", "cpu"]
    return subprocess.run([sys.executable, "-m", "trainer", *args, *extra], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=600)


def test_the_command_line_import_writes_the_same_bundle_bytes(text_task: TextTask, tmp_path: Path) -> None:
    done = _import_cli(text_task, tmp_path / "cli")
    assert done.returncode == 0, done.stderr
    assert "reviews: weak" in done.stdout and "seed 0: weak" in done.stderr
    assert (tmp_path / "cli" / "bundle.npz").read_bytes() == text_task.bundle.read_bytes()


def test_a_spec_for_another_task_fails_the_import_as_an_invalid_spec(text_task: TextTask, tmp_path: Path) -> None:
    spec = json.loads((text_task.root / "strong.json").read_text())
    spec["task"] = "other-task"
    bad = tmp_path / "strong.json"
    bad.write_text(json.dumps(spec))
    root = text_task.root
    done = subprocess.run(
        [sys.executable, "-m", "trainer", "import-jsonl", "--data", str(root / "data"), "--task", "reviews",
         "--weak-spec", str(root / "weak.json"), "--strong-spec", str(bad), "--out", str(tmp_path / "out")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 2 and "task: is 'other-task'" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_template_field_the_rows_lack_fails_with_file_and_line(text_task: TextTask, tmp_path: Path) -> None:
    done = _import_cli(text_task, tmp_path / "out", "--template", "{question}")
    assert done.returncode == 1
    assert "train_label.jsonl:1: the template needs field 'question'" in done.stderr
