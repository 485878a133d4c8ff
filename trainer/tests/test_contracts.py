"""The trainer agrees with the TypeScript contracts in core/."""

from __future__ import annotations

import re

from student.errors import EXIT_CODES

from .conftest import REPO_ROOT


def _ts_object(source: str, name: str) -> dict[str, int]:
    body = re.search(name + r"\s*=\s*\{(.*?)\}", source, re.S)
    assert body, f"{name} not found"
    return {key: int(value) for key, value in re.findall(r"(\w+):\s*(\d+)", body.group(1))}


def test_exit_codes_match_trainer_exit_codes_in_core() -> None:
    source = (REPO_ROOT / "core" / "result-bundle.ts").read_text()
    assert _ts_object(source, "TRAINER_EXIT_CODES") == EXIT_CODES


def test_failure_kinds_match_core() -> None:
    source = (REPO_ROOT / "core" / "result-bundle.ts").read_text()
    block = re.search(r"FAILURE_KINDS\s*=\s*\[(.*?)\]", source, re.S)
    assert block
    kinds = set(re.findall(r"'(\w+)'", block.group(1)))
    assert kinds == set(EXIT_CODES) - {"succeeded"}
