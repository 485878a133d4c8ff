"""Model architectures of the bundled task families.

Each family names one *weak* architecture (the supervisor, trained on ground truth during
``prepare``) and one *strong* architecture (the student, and the ceiling). Agents do not
choose the architecture: it is fixed per task so that PGR numbers are comparable.
"""

from __future__ import annotations

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
