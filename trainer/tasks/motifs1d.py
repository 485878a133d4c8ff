"""The `motifs1d` family: procedural motif-finding in discrete sequences (a DNA-like alphabet of four letters).

Each class owns one short *motif* (fixed by ``MotifParams.motif_seed``, part of the task
definition). An example is a uniformly random background sequence with its class motif
planted at a uniformly random position, each planted letter replaced by a random letter with
probability ``mutation_rate``; with ``decoys > 0``, that many fragments of *other* classes'
motifs are planted first, at random positions, and the true motif is written last (it may
overwrite a decoy, never the reverse). The bundled task uses ``decoys=0``. Input is one-hot
``[letters, length]``. A position-specific model (MLP on the flattened one-hot) must learn
every motif at every position; a convolution with global pooling learns each motif once.
That asymmetry is the weak/strong pair, and it differs from ``mnist1d`` (discrete letters,
no shape).

The classes come from ``label_rng`` alone, backgrounds, positions, mutations and decoys from
``input_rng``; ``prepare`` seeds both from the task's data secret.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LETTERS = 4


@dataclass(frozen=True)
class MotifParams:
    """How hard the generated sequences are; one instance per task variant."""

    length: int = 48
    motif_length: int = 8
    num_classes: int = 10
    mutation_rate: float = 0.15  # chance that a planted motif letter is replaced by a random one
    decoys: int = 1  # fragments of other classes' motifs planted per example
    decoy_length: int = 5
    motif_seed: int = 20240611  # the motifs are part of the task definition, fixed by this seed


def motifs(params: MotifParams) -> np.ndarray:
    """The class motifs ``[num_classes, motif_length]`` of letters 0..3, pairwise distinct enough."""
    rng = np.random.default_rng(params.motif_seed)
    chosen: list[np.ndarray] = []
    while len(chosen) < params.num_classes:
        candidate = rng.integers(0, LETTERS, size=params.motif_length)
        if all(np.sum(candidate != other) >= params.motif_length // 2 for other in chosen):
            chosen.append(candidate)
    return np.stack(chosen)


def _plant(seq: np.ndarray, rows: np.ndarray, starts: np.ndarray, fragment: np.ndarray) -> None:
    """Writes ``fragment[i]`` into ``seq[rows[i]]`` starting at ``starts[i]`` (in place)."""
    cols = starts[:, None] + np.arange(fragment.shape[1])[None, :]
    seq[rows[:, None], cols] = fragment


def generate(
    n: int, label_rng: np.random.Generator, input_rng: np.random.Generator, params: MotifParams
) -> tuple[np.ndarray, np.ndarray]:
    """Draws ``n`` labelled sequences; returns one-hot ``x`` float32 ``[n, 4, length]`` and ``y`` int64."""
    table = motifs(params)
    y = label_rng.integers(0, params.num_classes, size=n)
    rng = input_rng
    seq = rng.integers(0, LETTERS, size=(n, params.length))
    rows = np.arange(n)
    for _ in range(params.decoys):
        other = (y + rng.integers(1, params.num_classes, size=n)) % params.num_classes
        offset = rng.integers(0, params.motif_length - params.decoy_length + 1, size=n)
        cols = offset[:, None] + np.arange(params.decoy_length)[None, :]
        fragment = np.take_along_axis(table[other], cols, 1)
        _plant(seq, rows, rng.integers(0, params.length - params.decoy_length + 1, size=n), fragment)
    planted = table[y].copy()
    mutate = rng.random(planted.shape) < params.mutation_rate
    planted[mutate] = rng.integers(0, LETTERS, size=int(mutate.sum()))
    _plant(seq, rows, rng.integers(0, params.length - params.motif_length + 1, size=n), planted)
    x = np.zeros((n, LETTERS, params.length), dtype=np.float32)
    x[rows[:, None], seq, np.arange(params.length)[None, :]] = 1.0
    return x, y.astype(np.int64)
