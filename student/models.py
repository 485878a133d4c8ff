"""Model architectures of the bundled task families, and the registry that names them.

Each family names one *weak* architecture (the supervisor, trained on ground truth during
``prepare``) and one *strong* architecture (the student, and the ceiling). Agents do not
choose the architecture: it is fixed per task so that PGR numbers are comparable. A task
bundle's meta names its strong model (``strongModel``) with its ``inputShape`` and
``numClasses``; ``build_model`` makes it from those alone, so a student run needs no task
definition (which would bring the data generators into the sandbox).
"""

from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn


class MLP(nn.Module):
    """A fully connected ReLU network on the flattened input.

    It has no notion of position-independence: it must learn each pattern at every place it
    can occur, so with little ground truth it errs in position-dependent ways.
    """

    def __init__(self, input_size: int, num_classes: int, hidden: int = 100, depth: int = 2) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = input_size
        for _ in range(depth):
            layers += [nn.Linear(width, hidden), nn.ReLU()]
            width = hidden
        layers.append(nn.Linear(width, num_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1))


class ShiftInvariantCNN(nn.Module):
    """Circular convolutions followed by global max pooling: invariant to circular shifts.

    The invariance is the point. The true class of a task example does not depend on where
    the pattern sits; the weak MLP's mistakes do. A student that cannot see position cannot
    copy position-dependent mistakes, so it learns the part of the weak labels that is
    consistent across positions — the weak-to-strong effect, on two CPU cores.

    Input ``[B, L]`` (one channel) or ``[B, C_in, L]``; output logits ``[B, num_classes]``.
    """

    def __init__(self, in_channels: int, num_classes: int, channels: int = 32) -> None:
        super().__init__()

        def conv(c_in: int, kernel: int) -> nn.Conv1d:
            return nn.Conv1d(c_in, channels, kernel, padding=kernel // 2, padding_mode="circular")

        self.features = nn.Sequential(
            conv(in_channels, 5),
            nn.ReLU(),
            conv(channels, 3),
            nn.ReLU(),
            nn.MaxPool1d(2),
            conv(channels, 3),
            nn.ReLU(),
        )
        self.head = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            x = x.unsqueeze(1)
        return self.head(self.features(x).amax(dim=2))


class UnknownModel(LookupError):
    """A model name the registry does not know."""


ModelFactory = Callable[[tuple[int, ...], int], nn.Module]


def _mlp(input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    return MLP(math.prod(input_shape), num_classes)


def _shift_invariant_cnn(input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """One input channel for ``[L]`` inputs, ``C`` channels for ``[C, L]`` inputs."""
    if len(input_shape) not in (1, 2):
        raise ValueError(f"shift-invariant-cnn-32 takes [L] or [C, L] inputs, not {list(input_shape)}")
    return ShiftInvariantCNN(1 if len(input_shape) == 1 else input_shape[0], num_classes)


# Name -> constructor from (input shape, number of classes). Names are part of the bundle
# format: rename one and every bundle naming it stops loading.
MODELS: dict[str, ModelFactory] = {
    "mlp-2x100": _mlp,
    "shift-invariant-cnn-32": _shift_invariant_cnn,
}


def build_model(name: str, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """A fresh model of the registered architecture ``name``; ``UnknownModel`` names the known ones."""
    try:
        factory = MODELS[name]
    except KeyError:
        raise UnknownModel(f"unknown model {name!r} (known: {', '.join(sorted(MODELS))})") from None
    return factory(tuple(input_shape), num_classes)
