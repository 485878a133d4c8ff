#!/usr/bin/env python3
"""Benchmark: seconds per student run on CPU for the bundled tasks at the default size.

Not a test. Every number is measured in this run, and each is printed as a ratio against
baselines measured alongside it: the naive ``xent`` student of the same task, and the
training of the weak model (the cheapest training the task does).

    /usr/bin/python3 bench/trainer_bench.py [--task mnist1d] [--repeats 3] [--work bench/out/trainer]

The first call prepares the task bundles into ``--work`` (about a minute per task on two
cores); later calls reuse them (folders from before the data secret are prepared again).
``cli`` times a whole ``python3 -m student run`` process
(interpreter start, torch import, bundle load, training, JSON), the others time training
and prediction inside one process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from student.bundle import read_bundle  # noqa: E402
from student.device import select_runtime  # noqa: E402
from student.result import RunReport  # noqa: E402
from student.run import train_student  # noqa: E402
from student.spec import load_schema, parse_spec  # noqa: E402
from trainer.label_store import read_label_store  # noqa: E402
from trainer.measure import method_specs  # noqa: E402
from trainer.prepare import make_splits, parse_secret, prepare, train_on_truth  # noqa: E402
from trainer.tasks import get_task  # noqa: E402


def _median_seconds(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _current(directory: Path) -> bool:
    """Whether ``directory`` holds a label store this trainer reads (version 2, with its secret)."""
    try:
        return "dataSecret" in read_label_store(directory / "labels.json")
    except (OSError, ValueError):
        return False


def bench_task(task_id: str, repeats: int, work: Path) -> list[tuple[str, float]]:
    directory = work / f"{task_id}-default"
    if not (directory / "bundle.npz").is_file() or not _current(directory):
        print(f"preparing {task_id} in {directory} …", file=sys.stderr, flush=True)
        prepare(task_id, directory, size="default", log=sys.stderr)
    bundle = read_bundle((directory / "bundle.npz").read_bytes())
    runtime = select_runtime("cpu", threads=1)
    task = get_task(task_id)
    secret = parse_secret(read_label_store(directory / "labels.json")["dataSecret"])
    gt_x, gt_y = make_splits(task, "default", secret).train_gt
    rows = [("weak model training", _median_seconds(
        lambda: train_on_truth(task.make_weak, gt_x, gt_y, task.num_classes, task.weak_training, 0, runtime), repeats))]
    schema = load_schema()
    for name, spec in method_specs(task_id, "default").items():
        parsed = parse_spec(json.dumps(spec), schema)
        rows.append((name, _median_seconds(lambda: train_student(parsed, bundle, runtime, RunReport()), repeats)))
    with tempfile.TemporaryDirectory() as scratch:
        spec_path = Path(scratch) / "spec.json"
        spec_path.write_text(json.dumps(next(iter(method_specs(task_id, "default").values()))))
        command = [sys.executable, "-m", "student", "run", "--spec", str(spec_path), "--bundle",
                   str(directory / "bundle.npz"), "--out", str(Path(scratch) / "result.json"), "--device", "cpu"]
        rows.append(("cli: naive (xent), whole process", _median_seconds(
            lambda: subprocess.run(command, cwd=REPO_ROOT, check=True, capture_output=True), repeats)))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", action="append", help="repeatable; default: every bundled task")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=REPO_ROOT / "bench" / "out" / "trainer")
    args = parser.parse_args()
    tasks = args.task or ["mnist1d", "motifs1d"]
    print(f"| task | run | seconds (median of {args.repeats}) | × naive xent | × weak training |")
    print("|---|---|---|---|---|")
    for task_id in tasks:
        rows = bench_task(task_id, args.repeats, args.work)
        weak = rows[0][1]
        naive = rows[1][1]
        for name, seconds in rows:
            print(f"| {task_id} | {name} | {seconds:.2f} | {seconds / naive:.2f} | {seconds / weak:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
