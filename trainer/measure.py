"""``python3 -m trainer measure``: the numbers published in ``trainer/README.md``.

For each task: prepare it (or reuse a prepared copy), then train students with every
method over ``seeds`` seeds and score them against the label store — something only a
trusted operator can do, since it reads ``labels.json``.

PGR sampling noise: the eval server scores on one half of the test set, so we bootstrap
(2000 resamples of ``test/2`` examples, with replacement) the naive student's accuracy,
turn each into PGR with the fixed weak and ceiling means, and report the standard
deviation; next to it, the binomial estimate ``sqrt(a(1-a)/(N/2)) / (ceiling - weak)``.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from student.bundle import TaskBundle, read_bundle
from student.device import select_runtime
from student.result import RunReport
from student.run import train_student
from student.spec import load_schema, parse_spec

from .label_store import read_label_store
from .prepare import BUNDLE_FILE, LABELS_FILE, prepare
from .tasks import get_task

BOOTSTRAP_RESAMPLES = 2000
FILTER_THRESHOLD = 0.5
EARLY_STOPPING_PATIENCE = 3


def method_specs(task_id: str, size: str) -> dict[str, dict[str, Any]]:
    """The specs measured, by method name; all share the task's reference student training."""
    student = get_task(task_id).sizes[size].student
    training = {"epochs": student.epochs, "learningRate": student.learning_rate, "batchSize": student.batch_size}
    base: dict[str, Any] = {"specVersion": 1, "task": task_id, "loss": {"kind": "xent"}, "training": training}
    return {
        "naive (xent)": base,
        "logconf": {**base, "loss": {"kind": "logconf"}},
        "product": {**base, "loss": {"kind": "product"}},
        f"filter >= {FILTER_THRESHOLD}": {**base, "filter": {"confidenceThreshold": FILTER_THRESHOLD}},
        f"early stop (p={EARLY_STOPPING_PATIENCE})": {**base, "earlyStopping": {"patience": EARLY_STOPPING_PATIENCE}},
    }


@dataclass
class MethodResult:
    accuracies: list[float] = field(default_factory=list)
    pgrs: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    predictions: list[np.ndarray] = field(default_factory=list)


def _mean_sd(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def _prepared(task_id: str, size: str, root: Path) -> tuple[TaskBundle, dict[str, Any]]:
    directory = root / f"{task_id}-{size}"
    if not (directory / BUNDLE_FILE).is_file() or not (directory / LABELS_FILE).is_file():
        print(f"preparing {task_id} ({size}) in {directory} …", file=sys.stderr, flush=True)
        prepare(task_id, directory, size=size)
    bundle = read_bundle((directory / BUNDLE_FILE).read_bytes())
    if bundle.meta.get("size") != size:
        raise ValueError(f"{directory} holds a {bundle.meta.get('size')} bundle, not {size}")
    return bundle, read_label_store(directory / LABELS_FILE)


def measure_task(task_id: str, size: str, seeds: int, root: Path) -> dict[str, Any]:
    """Runs every method over ``seeds`` seeds; returns the numbers of one task."""
    bundle, store = _prepared(task_id, size, root)
    labels = np.asarray(store["testLabels"])
    weak, ceiling = store["weakAccuracy"]["mean"], store["ceilingAccuracy"]["mean"]
    schema = load_schema()
    runtime = select_runtime("cpu", threads=1)
    results: dict[str, MethodResult] = {}
    for name, spec in method_specs(task_id, size).items():
        result = results.setdefault(name, MethodResult())
        for seed in range(seeds):
            report = RunReport()
            started = time.monotonic()
            train_student(parse_spec(json.dumps({**spec, "seed": seed}), schema), bundle, runtime, report)
            result.seconds.append(time.monotonic() - started)
            assert report.predictions is not None
            result.predictions.append(report.predictions)
            result.accuracies.append(float((report.predictions.argmax(axis=1) == labels).mean()))
            result.pgrs.append((result.accuracies[-1] - weak) / (ceiling - weak))
        print(f"{task_id} {name}: PGR {_mean_sd(result.pgrs)[0]:.3f}", file=sys.stderr, flush=True)
    naive = next(iter(results.values()))
    return {
        "task": task_id,
        "size": size,
        "seeds": seeds,
        "testSize": int(labels.size),
        "weak": store["weakAccuracy"],
        "ceiling": store["ceilingAccuracy"],
        "methods": {
            name: {"accuracy": r.accuracies, "pgr": r.pgrs, "seconds": r.seconds} for name, r in results.items()
        },
        "pgrSamplingNoise": _sampling_noise(naive.predictions, labels, weak, ceiling),
    }


def _sampling_noise(predictions: list[np.ndarray], labels: np.ndarray, weak: float, ceiling: float) -> dict[str, float]:
    """Standard deviation of PGR measured on a random half of the test set (see module docstring)."""
    half = labels.size // 2
    rng = np.random.default_rng(0)
    bootstrap = []
    for probabilities in predictions:
        correct = (probabilities.argmax(axis=1) == labels).astype(np.float64)
        samples = correct[rng.integers(0, labels.size, size=(BOOTSTRAP_RESAMPLES, half))].mean(axis=1)
        bootstrap.append(float(((samples - weak) / (ceiling - weak)).std(ddof=1)))
    accuracy = float(np.mean([(p.argmax(axis=1) == labels).mean() for p in predictions]))
    binomial = (accuracy * (1 - accuracy) / half) ** 0.5 / (ceiling - weak)
    return {"halfSize": half, "bootstrapSd": statistics.fmean(bootstrap), "binomialSd": binomial}


def format_table(measured: list[dict[str, Any]]) -> str:
    """A Markdown table: one row per task and method, mean ± sd over seeds."""
    lines = [
        "| task | weak acc | ceiling acc | method | student acc | PGR | ΔPGR vs naive | s/run |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for task in measured:
        weak = f"{task['weak']['mean']:.3f} ± {task['weak']['sd']:.3f}"
        ceiling = f"{task['ceiling']['mean']:.3f} ± {task['ceiling']['sd']:.3f}"
        naive_pgr = next(iter(task["methods"].values()))["pgr"]
        for name, numbers in task["methods"].items():
            acc, acc_sd = _mean_sd(numbers["accuracy"])
            pgr, pgr_sd = _mean_sd(numbers["pgr"])
            delta, delta_sd = _mean_sd([a - b for a, b in zip(numbers["pgr"], naive_pgr)])
            lines.append(
                f"| {task['task']} | {weak} | {ceiling} | {name} | {acc:.3f} ± {acc_sd:.3f} | {pgr:.3f} ± {pgr_sd:.3f} "
                f"| {delta:+.3f} ± {delta_sd:.3f} | {statistics.fmean(numbers['seconds']):.1f} |"
            )
    notes = [
        f"- {t['task']} ({t['size']}): {t['seeds']} student seeds per method, weak and ceiling over "
        f"{len(t['weak']['perSeed'])} seeds; test set {t['testSize']}; sd of PGR measured on a public half of "
        f"{t['pgrSamplingNoise']['halfSize']} examples: bootstrap {t['pgrSamplingNoise']['bootstrapSd']:.3f}, "
        f"binomial {t['pgrSamplingNoise']['binomialSd']:.3f}"
        for t in measured
    ]
    return "\n".join(lines + [""] + notes)


def measure_tasks(task_ids: list[str], size: str, seeds: int, prepared: Path | None, json_out: Path | None) -> int:
    """Measures every task, prints the table, optionally writes the raw numbers."""
    with tempfile.TemporaryDirectory(prefix="aar-measure-") as scratch:
        root = prepared if prepared is not None else Path(scratch)
        measured = [measure_task(task_id, size, seeds, root) for task_id in task_ids]
    print(format_table(measured))
    if json_out is not None:
        json_out.write_text(json.dumps(measured, indent=1) + "\n", encoding="utf-8")
    return 0
