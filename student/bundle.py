"""The task bundle: what a student run may see of a task (inputs and weak labels, no truth).

Format (``bundleFormatVersion`` 1): an ``.npz`` archive, loadable with
``np.load(path, allow_pickle=False)``, holding exactly these arrays:

* ``train_x``   float32 ``[N_w2s, *input_shape]`` — inputs of the weakly labelled split
* ``weak_probs`` float32 ``[N_w2s, C]`` — the weak model's soft labels (rows sum to 1)
* ``test_x``    float32 ``[N_test, *input_shape]`` — test inputs (their labels live only in the label store)
* ``meta``      0-d unicode array holding a JSON object (see ``BundleMeta``)

It is written byte-for-byte deterministically: the same arguments to ``prepare`` give
the same file, so its sha256 (recorded in the label store) identifies it. Text tasks
(imported from JSONL) use format 2, described in ``student/text_bundle.py``.

``meta.strongModel`` names the student's architecture in ``student.models.MODELS``.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .bundle_archive import BundleMeta, write_arrays
from .errors import TrainerFailure
from .text_bundle import TEXT_ARRAY_KEYS, TextBundle, parse_text_bundle

BUNDLE_FORMAT_VERSION = 1
ARRAY_KEYS = ("train_x", "weak_probs", "test_x", "meta")
_META_FIELDS = (
    "bundleFormatVersion", "task", "family", "numClasses", "inputShape", "sizes", "generatorVersion", "strongModel"
)


@dataclass(frozen=True)
class TaskBundle(BundleMeta):
    """A loaded, checked task bundle."""

    train_x: np.ndarray
    weak_probs: np.ndarray
    test_x: np.ndarray
    meta: dict[str, Any]


def write_bundle(
    path: Path, train_x: np.ndarray, weak_probs: np.ndarray, test_x: np.ndarray, meta: dict[str, Any]
) -> None:
    """Writes the bundle as an uncompressed ``.npz``, with fixed zip metadata (same bytes each time)."""
    arrays = {
        "train_x": np.ascontiguousarray(train_x, dtype=np.float32),
        "weak_probs": np.ascontiguousarray(weak_probs, dtype=np.float32),
        "test_x": np.ascontiguousarray(test_x, dtype=np.float32),
        "meta": np.array(json.dumps(meta, sort_keys=True)),
    }
    write_arrays(path, ARRAY_KEYS, arrays)


def read_bundle(data: bytes) -> TaskBundle | TextBundle:
    """Loads and checks bundle bytes; any problem is ``TrainerFailure('bundle_error')``.

    A bundle holding text arrays is a text task's (``student.text_bundle``); any other set of
    arrays than the two formats' is refused.
    """
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            keys = set(archive.files)
            if keys not in (set(ARRAY_KEYS), set(TEXT_ARRAY_KEYS)):
                raise ValueError(
                    f"bundle must hold exactly {sorted(ARRAY_KEYS)} or {sorted(TEXT_ARRAY_KEYS)}, found {sorted(keys)}"
                )
            arrays = {key: archive[key] for key in keys}
    except TrainerFailure:
        raise
    except Exception as error:  # zipfile, numpy format and pickle refusals all land here
        raise TrainerFailure("bundle_error", f"task bundle does not load: {error}") from None
    try:
        meta = _parse_meta(arrays["meta"])
        if keys == set(TEXT_ARRAY_KEYS):
            return parse_text_bundle(arrays, meta)
        _check_meta(meta)
        bundle = TaskBundle(arrays["train_x"], arrays["weak_probs"], arrays["test_x"], meta)
        _check(bundle)
    except (ValueError, KeyError, TypeError) as error:
        raise TrainerFailure("bundle_error", f"task bundle is malformed: {error}") from None
    return bundle


def _parse_meta(array: np.ndarray) -> dict[str, Any]:
    if array.dtype.kind != "U" or array.size != 1:
        raise ValueError("meta must be a single string holding JSON")
    meta = json.loads(str(array.reshape(-1)[0]))
    if not isinstance(meta, dict):
        raise ValueError("meta JSON must be an object")
    return meta


def _check_meta(meta: dict[str, Any]) -> None:
    missing = [name for name in _META_FIELDS if name not in meta]
    if missing:
        raise ValueError(f"meta lacks {missing}")
    if meta["bundleFormatVersion"] != BUNDLE_FORMAT_VERSION:
        raise ValueError(f"bundle format {meta['bundleFormatVersion']} is not supported (want {BUNDLE_FORMAT_VERSION})")


def _check(bundle: TaskBundle) -> None:
    shape = tuple(int(d) for d in bundle.meta["inputShape"])
    classes = bundle.num_classes
    for name in ("train_x", "weak_probs", "test_x"):
        array = getattr(bundle, name)
        if array.dtype != np.float32:
            raise ValueError(f"{name} must be float32, is {array.dtype}")
        if not np.isfinite(array).all():
            raise ValueError(f"{name} holds non-finite values")
    if bundle.train_x.shape[1:] != shape or bundle.test_x.shape[1:] != shape:
        raise ValueError(f"inputs must have shape [N, {shape}], have {bundle.train_x.shape} and {bundle.test_x.shape}")
    if bundle.weak_probs.shape != (bundle.train_x.shape[0], classes):
        raise ValueError(f"weak_probs must be [{bundle.train_x.shape[0]}, {classes}], is {list(bundle.weak_probs.shape)}")
    if bundle.train_x.shape[0] == 0 or bundle.test_x.shape[0] == 0:
        raise ValueError("train_x and test_x must not be empty")
    if (bundle.weak_probs < 0).any() or not np.allclose(bundle.weak_probs.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError("weak_probs rows must be probabilities summing to 1")

