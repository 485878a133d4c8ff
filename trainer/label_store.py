"""The label store (``labels.json``): the ground truth and baselines only the eval server reads.

Format (``labelStoreVersion`` 2)::

    {"labelStoreVersion": 2, "task": "mnist1d", "numClasses": 10, "testSize": N,
     "testLabels": [int, ...],
     "weakAccuracy":    {"mean": m, "sd": s, "perSeed": [...]},
     "ceilingAccuracy": {"mean": m, "sd": s, "perSeed": [...]},
     "bundleSha256": "<hex of the bundle.npz bytes>", "createdAt": "ISO-8601", "seeds": 8,
     "dataSecret": "<64 hex characters>"}

``dataSecret`` seeds every random stream of a bundled task's data (``prepare.data_rng``);
with it an operator re-prepares identical bytes (``prepare --secret-file``), without it
nobody can draw the data again. Text tasks (imported, not generated) have none. Version 1
stores came from a generator seeded by public values only: they are refused.

``weakAccuracy.perSeed[0]`` is the weak model whose soft labels are in the bundle.
``sd`` is the sample standard deviation over seeds (ddof=1).
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

LABEL_STORE_VERSION = 2


def accuracy_summary(per_seed: Sequence[float]) -> dict[str, Any]:
    """Mean, sample sd and the per-seed values (rounded to 6 decimals)."""
    values = np.asarray(per_seed, dtype=np.float64)
    sd = float(values.std(ddof=1)) if values.size > 1 else 0.0
    return {"mean": round(float(values.mean()), 6), "sd": round(sd, 6), "perSeed": [round(float(v), 6) for v in values]}


def created_at() -> str:
    """Now in ISO-8601 UTC, or ``$SOURCE_DATE_EPOCH`` when set (reproducible artefacts)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)
        if epoch
        else datetime.datetime.now(tz=datetime.timezone.utc)
    )
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_label_store(
    task: str,
    num_classes: int,
    test_labels: np.ndarray,
    weak_per_seed: Sequence[float],
    ceiling_per_seed: Sequence[float],
    bundle_sha256: str,
    data_secret: bytes | None = None,
) -> dict[str, Any]:
    store: dict[str, Any] = {
        "labelStoreVersion": LABEL_STORE_VERSION,
        "task": task,
        "numClasses": num_classes,
        "testSize": int(test_labels.size),
        "testLabels": [int(label) for label in test_labels],
        "weakAccuracy": accuracy_summary(weak_per_seed),
        "ceilingAccuracy": accuracy_summary(ceiling_per_seed),
        "bundleSha256": bundle_sha256,
        "createdAt": created_at(),
        "seeds": len(weak_per_seed),
    }
    if data_secret is not None:
        store["dataSecret"] = data_secret.hex()
    return store


def write_label_store(path: Path, store: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(store, separators=(",", ":")) + "\n", encoding="utf-8")


def read_label_store(path: Path) -> dict[str, Any]:
    store = json.loads(Path(path).read_text(encoding="utf-8"))
    version = store.get("labelStoreVersion")
    if version == 1:
        raise ValueError(
            f"{path}: label store version 1 comes from data drawn with a public seed, so its test labels can be "
            "rebuilt by anyone; prepare the task again (python3 -m trainer prepare) and load the new files"
        )
    if version != LABEL_STORE_VERSION:
        raise ValueError(f"{path}: unsupported label store version {version}")
    return store
