"""What a bundled task is: a data generator, a weak and a strong architecture, and sizes.

The architectures are named, not built here: ``student.models.MODELS`` maps the names to
constructors, so a student run makes its strong model from the bundle's meta without this
module (and the generators beside it) ever reaching the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from torch import nn

from student.models import build_model
from student.training import TrainingConfig

# ``generate(n, label_rng, input_rng)``: the class draws come from ``label_rng`` only, and
# everything else (positions, noise, backgrounds) from ``input_rng``, so knowing how the
# inputs were drawn says nothing about the labels.
Generator = Callable[[int, np.random.Generator, np.random.Generator], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class SizeConfig:
    """Split sizes and the reference student training of one task size (``default`` or ``small``).

    ``student`` trains the ceiling (strong model on ground truth) and is the training a
    naive W2S run uses in ``measure``; it is also a sensible spec for agents to start from.
    """

    train_gt: int
    train_w2s: int
    test: int
    student: TrainingConfig


@dataclass(frozen=True)
class TaskDefinition:
    """One bundled task. ``generator_version`` changes whenever the generated data would
    (for the same data secret)."""

    task_id: str
    family: str
    generator_version: int
    num_classes: int
    input_shape: tuple[int, ...]
    generate: Generator
    weak_name: str  # a name in ``student.models.MODELS``
    strong_name: str  # likewise; the bundle's ``meta.strongModel``
    weak_training: TrainingConfig
    sizes: dict[str, SizeConfig]

    def make_weak(self) -> nn.Module:
        return build_model(self.weak_name, self.input_shape, self.num_classes)

    def make_strong(self) -> nn.Module:
        return build_model(self.strong_name, self.input_shape, self.num_classes)
