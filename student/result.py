"""The result bundle: what a run reports, succeeded or failed (``core/result-bundle.ts``)."""

from __future__ import annotations

import json
import platform
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from . import TRAINER_VERSION
from .errors import FailureKind, TrainerFailure
from .training import CurvePoint

RESULT_VERSION = 1
SIGNIFICANT_DIGITS = 7


@dataclass
class RunReport:
    """Everything known about a run so far; filled in as the run progresses, so a failure
    at any point still reports what happened before it."""

    task: str = "unknown"
    seed: int = 0
    spec: dict[str, Any] | None = None
    predictions: np.ndarray | None = None
    curve: list[CurvePoint] = field(default_factory=list)
    weak_validation_accuracy: float | None = None
    stopped_epoch: int | None = None
    train_examples: int | None = None
    device: str = "unknown"
    failure: TrainerFailure | None = None
    weak_agreement: float | None = None

    def as_json(self, wall_seconds: float) -> dict[str, Any]:
        """The result bundle object; ``predictions`` only when the run succeeded."""
        out: dict[str, Any] = {
            "resultVersion": RESULT_VERSION,
            "status": "failed" if self.failure else "succeeded",
            "task": self.task,
            "seed": self.seed,
            "spec": self.spec,
            "curve": [point.as_json() for point in self.curve],
            "weakValidationAccuracy": self.weak_validation_accuracy,
            "stoppedEpoch": self.stopped_epoch,
            "trainExamples": self.train_examples,
            "wallSeconds": round(max(0.0, wall_seconds), 3),
            "device": self.device[:200],
            "versions": library_versions(),
        }
        if self.weak_agreement is not None:
            out["weakAgreement"] = round(self.weak_agreement, 6)
        # Filled by the trusted launcher from what it saw outside the sandbox; code inside
        # the sandbox (agent code included) cannot be a witness of its own behaviour.
        out["sandboxEvents"] = []
        if self.failure is not None:
            out["failure"] = self.failure.as_json()
        elif self.predictions is not None:
            out["predictions"] = rounded_rows(self.predictions)
        return out


def rounded_rows(probabilities: np.ndarray) -> list[list[float]]:
    """Probabilities as nested lists with 7 significant digits (enough for scoring, half the bytes)."""
    clipped = np.clip(probabilities.astype(np.float64), 0.0, 1.0)
    return [[float(f"{value:.{SIGNIFICANT_DIGITS}g}") for value in row] for row in clipped.tolist()]


def library_versions() -> dict[str, str]:
    """Versions that can change a run's numbers."""
    versions = {
        "trainer": TRAINER_VERSION,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
    }
    for library in ("transformers", "peft"):  # text tasks only; never imported here
        module = sys.modules.get(library)
        if module is not None:
            versions[library] = str(getattr(module, "__version__", "unknown"))
    if torch.version.cuda:
        versions["cuda"] = str(torch.version.cuda)
    if torch.backends.cudnn.is_available():
        versions["cudnn"] = str(torch.backends.cudnn.version())
    return versions


def encode(result: dict[str, Any]) -> bytes:
    """Compact JSON bytes; the same result always encodes to the same bytes."""
    return json.dumps(result, separators=(",", ":"), allow_nan=False).encode("utf-8")


def failure_result(
    kind: FailureKind, message: str, task: str = "unknown", seed: int = 0, wall_seconds: float = 0.0
) -> dict[str, Any]:
    """A failed result bundle with ``kind`` and ``message``: what a launcher reports when the
    student run left no result (killed, timed out, wrote garbage)."""
    report = RunReport(task=task, seed=max(0, seed), failure=TrainerFailure(kind, message))
    return report.as_json(wall_seconds)
