"""Shared fixtures: one prepared small task per session, and helpers to run the CLI."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from student.cli import main
from trainer.prepare import make_splits, prepare
from trainer.tasks import get_task

TRAINER_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = TRAINER_DIR.parent
PYTHON = sys.executable
# Tests prepare with a fixed data secret so they can rebuild the hidden truth; real tasks draw a
# fresh one (``prepare`` without ``secret``).
TEST_SECRET = bytes(range(32))


class PreparedTask:
    """A task prepared at the small size: the bundle, its label store, and the hidden truth."""

    def __init__(self, directory: Path, task_id: str) -> None:
        self.directory = directory
        self.task_id = task_id
        self.bundle = directory / "bundle.npz"
        self.labels = json.loads((directory / "labels.json").read_text())
        splits = make_splits(get_task(task_id), "small", TEST_SECRET)
        self.train_w2s_labels: np.ndarray = splits.train_w2s[1]
        self.train_gt_labels: np.ndarray = splits.train_gt[1]
        self.test_labels: np.ndarray = splits.test[1]


@pytest.fixture(scope="session")
def mnist1d_small(tmp_path_factory: pytest.TempPathFactory) -> PreparedTask:
    directory = tmp_path_factory.mktemp("mnist1d-small")
    prepare("mnist1d", directory, size="small", log=io.StringIO(), secret=TEST_SECRET)
    return PreparedTask(directory, "mnist1d")


@pytest.fixture(scope="session")
def motifs1d_small(tmp_path_factory: pytest.TempPathFactory) -> PreparedTask:
    directory = tmp_path_factory.mktemp("motifs1d-small")
    prepare("motifs1d", directory, size="small", log=io.StringIO(), secret=TEST_SECRET)
    return PreparedTask(directory, "motifs1d")


def make_spec(**overrides: Any) -> dict[str, Any]:
    """A small valid spec (3 epochs) with top-level fields replaced by ``overrides``."""
    spec: dict[str, Any] = {
        "specVersion": 1,
        "task": "mnist1d",
        "loss": {"kind": "xent"},
        "training": {"epochs": 3, "learningRate": 0.002, "batchSize": 64},
    }
    spec.update(overrides)
    return {k: v for k, v in spec.items() if v is not None}


class RunOutcome:
    def __init__(self, code: int, result: dict[str, Any] | None, stderr: str) -> None:
        self.code = code
        self.result = result
        self.stderr = stderr


def run_cli(tmp_path: Path, spec: dict[str, Any] | str, bundle: Path | str, *extra: str, capsys: Any = None) -> RunOutcome:
    """Runs ``student run`` in this process; returns exit code, parsed result and stderr."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(spec if isinstance(spec, str) else json.dumps(spec))
    out = tmp_path / "result.json"
    out.unlink(missing_ok=True)
    code = main(["run", "--spec", str(spec_path), "--bundle", str(bundle), "--out", str(out), "--device", "cpu", *extra])
    stderr = capsys.readouterr().err if capsys is not None else ""
    return RunOutcome(code, json.loads(out.read_text()) if out.exists() else None, stderr)


def run_subprocess(args: list[str], module: str = "trainer", **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Runs ``python3 -m <module> ...`` (``trainer`` or ``student``) as a separate process from the repository root."""
    return subprocess.run(
        [PYTHON, "-m", module, *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, **kwargs
    )

