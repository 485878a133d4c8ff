"""What a bundled task is: a data generator, a weak and a strong architecture, and sizes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from torch import nn

from ..training import TrainingConfig

Generator = Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray]]


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
    """One bundled task. ``generator_version`` changes whenever the generated data would."""

    task_id: str
    family: str
    generator_version: int
    num_classes: int
    input_shape: tuple[int, ...]
    generate: Generator
    make_weak: Callable[[], nn.Module]
    make_strong: Callable[[], nn.Module]
    weak_name: str
    strong_name: str
    weak_training: TrainingConfig
    sizes: dict[str, SizeConfig]
