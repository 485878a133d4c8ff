"""What both bundle formats share: the ``meta`` every bundle reads, and the reproducible ``.npz`` writer.

``student.bundle`` (numeric tasks, format 1) and ``student.text_bundle`` (text tasks, format 2)
build on this module; it imports neither, so ``bundle`` can read both formats.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed entry timestamps make the archive reproducible


class BundleMeta:
    """What every bundle kind reads from its ``meta`` object."""

    meta: dict[str, Any]

    @property
    def task(self) -> str:
        return str(self.meta["task"])

    @property
    def num_classes(self) -> int:
        return int(self.meta["numClasses"])


def write_arrays(path: Path, keys: Sequence[str], arrays: Mapping[str, np.ndarray]) -> None:
    """An uncompressed ``.npz`` of ``arrays`` in ``keys`` order, with fixed zip metadata."""
    with zipfile.ZipFile(path, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for key in keys:
            entry = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_EPOCH)
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            with archive.open(entry, mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, arrays[key], allow_pickle=False)
