"""Reading a text task stored as three JSONL files: ``train_label``, ``train_unlabel``, ``test``.

Each file (``<name>.jsonl``, or ``<name>`` without the extension) holds one JSON object per
line. Every row of every file has a label (``train_unlabel``'s labels train the ceiling and
never reach the bundle). A row becomes a prompt through ``template``, a ``str.format``
string over the row's fields (default ``{text}``).

Labels are class indices (``0 … C-1``), booleans (false = 0, true = 1), or, with
``classes``, the class names themselves. Errors name the file and line.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

SPLITS = ("train_label", "train_unlabel", "test")
DEFAULT_TEMPLATE = "{text}"


@dataclass(frozen=True)
class TextSplit:
    texts: list[str]
    labels: np.ndarray  # int64 class indices


@dataclass(frozen=True)
class JsonlTask:
    splits: dict[str, TextSplit]
    classes: list[str]
    template: str
    source_sha256: dict[str, str]  # of each file's bytes; provenance for the label store only

    @property
    def num_classes(self) -> int:
        return len(self.classes)


def split_file(directory: Path, name: str) -> Path:
    """``<name>.jsonl`` or ``<name>`` in ``directory``; ``ValueError`` when neither exists."""
    for candidate in (directory / f"{name}.jsonl", directory / name):
        if candidate.is_file():
            return candidate
    raise ValueError(f"{directory} has no {name}.jsonl (a text task needs {', '.join(s + '.jsonl' for s in SPLITS)})")


def read_jsonl_task(
    directory: Path,
    template: str = DEFAULT_TEMPLATE,
    label_field: str = "label",
    classes: Sequence[str] | None = None,
) -> JsonlTask:
    """Reads and checks the three files; every problem is a ``ValueError`` naming file and line."""
    raw: dict[str, tuple[list[str], list[Any], list[str]]] = {}
    digests = {}
    paths = {name: split_file(Path(directory), name) for name in SPLITS}  # all three exist before any is read
    for name, path in paths.items():
        digests[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        raw[name] = _read_rows(path, template, label_field)
    all_labels = [(label, where) for _texts, labels, places in raw.values() for label, where in zip(labels, places)]
    class_names, to_index = _classes(all_labels, classes)
    splits = {}
    for name, (texts, labels, places) in raw.items():
        if not texts:
            raise ValueError(f"{paths[name]} holds no rows")
        splits[name] = TextSplit(texts, np.array([to_index(label, where) for label, where in zip(labels, places)], dtype=np.int64))
    return JsonlTask(splits, class_names, template, digests)


def _read_rows(path: Path, template: str, label_field: str) -> tuple[list[str], list[Any], list[str]]:
    texts, labels, places = [], [], []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except ValueError as error:
                raise ValueError(f"{where}: not JSON: {error}") from None
            if not isinstance(row, dict):
                raise ValueError(f"{where}: each line must be a JSON object")
            if label_field not in row:
                raise ValueError(f"{where}: no {label_field!r} field (the label)")
            try:
                text = template.format_map(row)
            except KeyError as error:
                raise ValueError(f"{where}: the template needs field {error.args[0]!r}, which the row lacks") from None
            except (IndexError, ValueError) as error:
                raise ValueError(f"template {template!r} is not a format string over named fields: {error}") from None
            if not text.strip():
                raise ValueError(f"{where}: the prompt is empty")
            texts.append(text)
            labels.append(row[label_field])
            places.append(where)
    return texts, labels, places


def _classes(labels: list[tuple[Any, str]], classes: Sequence[str] | None) -> tuple[list[str], Any]:
    """Class names and a function from a raw label (and its place) to its class index."""
    if classes is not None:
        names = list(classes)
        if len(names) < 2 or len(set(names)) != len(names):
            raise ValueError("classes must name at least two distinct classes")
        lookup = {name: index for index, name in enumerate(names)}

        def named(label: Any, where: str) -> int:
            if (_is_index(label) or isinstance(label, bool)) and label < len(names):
                return int(label)
            if isinstance(label, str) and label in lookup:
                return lookup[label]
            raise ValueError(f"{where}: label {label!r} is neither one of {names} nor an index below {len(names)}")

        return names, named
    if all(isinstance(label, bool) for label, _ in labels):
        return ["false", "true"], lambda label, _where: int(label)
    for label, where in labels:
        if not (_is_index(label) or isinstance(label, bool)):
            raise ValueError(f"{where}: label {label!r} is not a class index or a boolean (name the classes to use strings)")
    count = max(int(label) for label, _ in labels) + 1
    if count < 2:
        raise ValueError("the labels name fewer than two classes")
    return [str(index) for index in range(count)], lambda label, _where: int(label)


def _is_index(label: Any) -> bool:
    return isinstance(label, int) and not isinstance(label, bool) and label >= 0
