"""The `mnist1d` family: procedural 1-D signal classification, in the spirit of MNIST-1D (Greydanus 2020).

Written from the idea only: each class is a short template pattern; an example is its
class template stretched, placed at a random position, scaled, sheared and buried in
correlated plus white noise, then sampled at ``length`` points. The random placement is
what separates the models: a linear model sees a different input position for every
shift, a CNN shares its filters across positions.

All randomness comes from the two ``numpy.random.Generator`` passed in: the classes from
``label_rng`` alone, everything else from ``input_rng``. ``prepare`` seeds both from the
task's data secret, so the data cannot be drawn again without it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TEMPLATE_POINTS = 12


def _templates() -> np.ndarray:
    """Ten 12-point class patterns, hand-made for this generator (values roughly in [-1, 1])."""
    k = np.arange(TEMPLATE_POINTS, dtype=np.float64)
    mid = (TEMPLATE_POINTS - 1) / 2
    bump = np.exp(-0.5 * ((k - mid) / 2.0) ** 2)
    rows = [
        bump,  # 0: a single hill
        -bump,  # 1: a single valley
        np.exp(-0.5 * ((k - 2.5) / 1.2) ** 2) + np.exp(-0.5 * ((k - 8.5) / 1.2) ** 2),  # 2: two hills
        np.where(k < mid, -0.8, 0.8),  # 3: step up
        np.where(k < mid, 0.8, -0.8),  # 4: step down
        np.linspace(-1.0, 1.0, TEMPLATE_POINTS),  # 5: ramp up
        np.sin(2 * np.pi * k / (TEMPLATE_POINTS - 1)),  # 6: one sine period
        np.cos(np.pi * k / 2.0) * 0.8,  # 7: fast oscillation
        np.where((k >= 3) & (k <= 5), 1.0, 0.0) - np.where((k >= 7) & (k <= 9), 1.0, 0.0),  # 8: pulse then dip
        np.abs(np.linspace(-1.0, 1.0, TEMPLATE_POINTS)) * 1.6 - 0.8,  # 9: a V
    ]
    return np.stack(rows)


TEMPLATES = _templates()
NUM_CLASSES = TEMPLATES.shape[0]


@dataclass(frozen=True)
class SignalParams:
    """How hard the generated signals are; one instance per task variant."""

    length: int = 40
    width_range: tuple[float, float] = (0.3, 0.55)  # pattern width, fraction of the signal
    amplitude_range: tuple[float, float] = (0.6, 1.4)
    shear_sd: float = 0.6  # slope of an added linear trend, per unit of signal length
    correlated_noise: float = 0.35  # sd of the smoothed noise
    correlation_points: float = 2.0  # Gaussian smoothing width of that noise, in samples
    white_noise: float = 0.12
    offset_sd: float = 0.15  # a constant offset per example
    roll: bool = False  # circularly roll each signal by a random amount at the end


def _smooth(noise: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian-smooth each row and rescale it to unit standard deviation."""
    radius = max(1, int(3 * sigma))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    padded = np.pad(noise, ((0, 0), (radius, radius)), mode="wrap")
    out = np.stack([np.convolve(row, taps, mode="valid") for row in padded])
    return out / out.std(axis=1, keepdims=True).clip(min=1e-8)


def generate(
    n: int, label_rng: np.random.Generator, input_rng: np.random.Generator, params: SignalParams
) -> tuple[np.ndarray, np.ndarray]:
    """Draws ``n`` labelled signals; returns ``x`` float32 ``[n, length]`` and ``y`` int64 ``[n]``."""
    y = label_rng.integers(0, NUM_CLASSES, size=n)
    rng = input_rng
    u = np.linspace(0.0, 1.0, params.length)[None, :]
    width = rng.uniform(*params.width_range, size=(n, 1))
    start = rng.uniform(0.0, 1.0, size=(n, 1)) * (1.0 - width)
    position = (u - start) / width * (TEMPLATE_POINTS - 1)  # where each sample falls in the template
    inside = (position >= 0) & (position <= TEMPLATE_POINTS - 1)
    left = np.clip(np.floor(position).astype(np.int64), 0, TEMPLATE_POINTS - 2)
    frac = np.clip(position - left, 0.0, 1.0)
    rows = TEMPLATES[y]
    pattern = np.take_along_axis(rows, left, 1) * (1 - frac) + np.take_along_axis(rows, left + 1, 1) * frac
    pattern = np.where(inside, pattern, 0.0)
    amplitude = rng.uniform(*params.amplitude_range, size=(n, 1))
    shear = rng.normal(0.0, params.shear_sd, size=(n, 1)) * (u - 0.5)
    offset = rng.normal(0.0, params.offset_sd, size=(n, 1))
    correlated = _smooth(rng.normal(size=(n, params.length)), params.correlation_points) * params.correlated_noise
    white = rng.normal(0.0, params.white_noise, size=(n, params.length))
    x = amplitude * pattern + shear + offset + correlated + white
    if params.roll:
        shift = rng.integers(0, params.length, size=(n, 1))
        x = np.take_along_axis(x, (np.arange(params.length)[None, :] + shift) % params.length, 1)
    return x.astype(np.float32), y.astype(np.int64)
