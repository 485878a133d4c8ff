"""A text task's spec must name the task's own strong model, with label tokens that fit it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..conftest import run_cli
from .conftest import TextTask, text_spec

pytestmark = pytest.mark.lm


def _failure(tmp_path: Path, text_task: TextTask, spec: dict) -> dict:
    outcome = run_cli(tmp_path, spec, text_task.bundle)
    assert outcome.code == 2, outcome.result
    assert outcome.result is not None and outcome.result["failure"]["kind"] == "invalid_spec"
    return outcome.result["failure"]


def test_a_text_task_spec_without_a_model_is_invalid(tmp_path: Path, text_task: TextTask) -> None:
    spec = text_spec(text_task.strong_model)
    del spec["model"]
    assert "model: task reviews is a text task" in _failure(tmp_path, text_task, spec)["message"]


def test_a_model_other_than_the_tasks_strong_model_is_invalid(tmp_path: Path, text_task: TextTask) -> None:
    message = _failure(tmp_path, text_task, text_spec(text_task.weak_model))["message"]
    assert message.startswith("model.path:") and "is not the strong model of task reviews" in message


def test_a_missing_model_folder_is_invalid(tmp_path: Path, text_task: TextTask) -> None:
    message = _failure(tmp_path, text_task, text_spec(tmp_path / "nowhere"))["message"]
    assert "holds no config.json" in message


def test_label_tokens_must_match_the_classes(tmp_path: Path, text_task: TextTask) -> None:
    spec = text_spec(text_task.strong_model, model={"labelTokens": [" no", " yes", " maybe"]})
    assert "has 3 entries but the task has 2 classes" in _failure(tmp_path, text_task, spec)["message"]


def test_each_label_must_be_one_token(tmp_path: Path, text_task: TextTask) -> None:
    spec = text_spec(text_task.strong_model, model={"labelTokens": [" no", " yes yes"]})
    assert "model.labelTokens.1: ' yes yes' is 2 tokens" in _failure(tmp_path, text_task, spec)["message"]
