"""The task bundle of a text task (``bundleFormatVersion`` 2): prompts and weak labels, no truth.

An uncompressed ``.npz``, loadable with ``np.load(path, allow_pickle=False)``, holding exactly:

* ``train_text``    uint8 ``[bytes]`` — the prompts of the weakly labelled split, UTF-8, concatenated
* ``train_offsets`` int64 ``[N_w2s + 1]`` — prompt ``i`` is ``train_text[offsets[i]:offsets[i + 1]]``
* ``weak_probs``    float32 ``[N_w2s, C]`` — the weak teacher's soft labels (rows sum to 1)
* ``test_text``     uint8, ``test_offsets`` int64 — the test prompts, the same way
* ``meta``          0-d unicode array holding a JSON object

UTF-8 bytes with offsets rather than a numpy string array: numpy stores strings as fixed-width
UTF-32, four times the bytes of English text and padded to the longest prompt. Written with the
same fixed zip metadata as the numeric bundle, so the same inputs give the same bytes.

This module needs only numpy; the language-model libraries are imported by ``student.lm``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .bundle_archive import BundleMeta, write_arrays

TEXT_BUNDLE_FORMAT_VERSION = 2
TEXT_ARRAY_KEYS = ("train_text", "train_offsets", "weak_probs", "test_text", "test_offsets", "meta")
_META_FIELDS = ("bundleFormatVersion", "task", "family", "inputKind", "numClasses", "classes", "sizes", "strongModel")


@dataclass(frozen=True)
class TextBundle(BundleMeta):
    """A loaded, checked text bundle."""

    train_texts: list[str]
    weak_probs: np.ndarray
    test_texts: list[str]
    meta: dict[str, Any]


def pack_texts(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes of all ``texts`` concatenated, and the ``N + 1`` offsets that cut them apart."""
    encoded = [text.encode("utf-8") for text in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(chunk) for chunk in encoded], dtype=np.int64)
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), offsets


def unpack_texts(data: np.ndarray, offsets: np.ndarray) -> list[str]:
    """The inverse of ``pack_texts``; ``ValueError`` on inconsistent offsets or bad UTF-8."""
    if data.dtype != np.uint8 or data.ndim != 1:
        raise ValueError(f"text arrays must be 1-d uint8, are {data.dtype} {list(data.shape)}")
    if offsets.dtype != np.int64 or offsets.ndim != 1 or offsets.size < 2:
        raise ValueError("offsets must be 1-d int64 with at least two entries")
    if offsets[0] != 0 or offsets[-1] != data.size or (np.diff(offsets) < 0).any():
        raise ValueError("offsets must rise from 0 to the length of the text array")
    raw = data.tobytes()
    return [raw[start:end].decode("utf-8") for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist())]


def write_text_bundle(
    path: Path, train_texts: Sequence[str], weak_probs: np.ndarray, test_texts: Sequence[str], meta: dict[str, Any]
) -> None:
    """Writes a text bundle with fixed zip metadata (the same inputs give the same bytes)."""
    train_text, train_offsets = pack_texts(train_texts)
    test_text, test_offsets = pack_texts(test_texts)
    arrays = {
        "train_text": train_text,
        "train_offsets": train_offsets,
        "weak_probs": np.ascontiguousarray(weak_probs, dtype=np.float32),
        "test_text": test_text,
        "test_offsets": test_offsets,
        "meta": np.array(json.dumps(meta, sort_keys=True)),
    }
    write_arrays(path, TEXT_ARRAY_KEYS, arrays)


def parse_text_bundle(arrays: Mapping[str, np.ndarray], meta: dict[str, Any]) -> TextBundle:
    """Checks the arrays of a text bundle; ``ValueError`` says what is wrong."""
    missing = [name for name in _META_FIELDS if name not in meta]
    if missing:
        raise ValueError(f"meta lacks {missing}")
    if meta["bundleFormatVersion"] != TEXT_BUNDLE_FORMAT_VERSION or meta["inputKind"] != "text":
        raise ValueError(f"a text bundle must have bundleFormatVersion {TEXT_BUNDLE_FORMAT_VERSION} and inputKind text")
    bundle = TextBundle(
        unpack_texts(arrays["train_text"], arrays["train_offsets"]),
        arrays["weak_probs"],
        unpack_texts(arrays["test_text"], arrays["test_offsets"]),
        meta,
    )
    weak, classes = bundle.weak_probs, bundle.num_classes
    if weak.dtype != np.float32 or weak.shape != (len(bundle.train_texts), classes):
        raise ValueError(f"weak_probs must be float32 [{len(bundle.train_texts)}, {classes}], is {weak.dtype} {list(weak.shape)}")
    if not bundle.train_texts or not bundle.test_texts:
        raise ValueError("train and test prompts must not be empty")
    if not np.isfinite(weak).all() or (weak < 0).any() or not np.allclose(weak.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError("weak_probs rows must be probabilities summing to 1")
    if len(meta["classes"]) != classes:
        raise ValueError(f"meta.classes names {len(meta['classes'])} classes but numClasses is {classes}")
    return bundle
