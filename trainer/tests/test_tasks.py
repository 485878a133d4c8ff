"""The bundled tasks have the weak-to-strong gap the research needs (checked at the small size)."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["mnist1d", "motifs1d"])
def prepared(request, mnist1d_small, motifs1d_small):
    return {"mnist1d": mnist1d_small, "motifs1d": motifs1d_small}[request.param]


def test_ceiling_beats_weak_by_at_least_ten_points(prepared) -> None:
    weak, ceiling = prepared.labels["weakAccuracy"], prepared.labels["ceilingAccuracy"]
    assert ceiling["mean"] - weak["mean"] >= 0.10, (weak, ceiling)


def test_weak_model_is_better_than_chance_and_the_ceiling_is_not_perfect(prepared) -> None:
    weak, ceiling = prepared.labels["weakAccuracy"]["mean"], prepared.labels["ceilingAccuracy"]["mean"]
    assert 0.2 < weak and ceiling < 0.99


def test_seed_spread_of_the_baselines_is_small_next_to_the_gap(prepared) -> None:
    weak, ceiling = prepared.labels["weakAccuracy"], prepared.labels["ceilingAccuracy"]
    assert max(weak["sd"], ceiling["sd"]) < (ceiling["mean"] - weak["mean"]) / 4
