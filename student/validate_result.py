"""Checks a result bundle against ``core/schemas/result-bundle.schema.json``.

The predictions matrix is checked here directly (shape, range, row sums), and only its
first rows through jsonschema, which would take seconds on tens of thousands of numbers.
"""

from __future__ import annotations

import math
from typing import Any

from .spec import RESULT_SCHEMA_FILE, list_issues, load_schema

ROW_SUM_TOLERANCE = 1e-4


def result_issues(result: dict[str, Any], full: bool = False) -> list[str]:
    """Every problem of ``result``; empty when it matches the schema (``full`` checks every row too)."""
    schema = load_schema(RESULT_SCHEMA_FILE)
    predictions = result.get("predictions")
    issues: list[str] = []
    if isinstance(predictions, list) and not full:
        issues += _prediction_issues(predictions)
        result = {**result, "predictions": predictions[:4]}
    return list_issues(result, schema) + issues


def _prediction_issues(rows: list[Any]) -> list[str]:
    width = len(rows[0]) if rows and isinstance(rows[0], list) else 0
    for index, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != width or width == 0:
            return [f"predictions.{index}: every row must hold {width} probabilities"]
        if not all(isinstance(v, float | int) and 0.0 <= v <= 1.0 for v in row):
            return [f"predictions.{index}: probabilities must lie in [0, 1]"]
        if not math.isclose(sum(row), 1.0, abs_tol=ROW_SUM_TOLERANCE):
            return [f"predictions.{index}: row sums to {sum(row)}, not 1"]
    return []
