#!/usr/bin/env python3
"""Benchmark: what the local sandbox costs a naive ``mnist1d`` student run.

Not a test. Three ways of running the same student (same spec, bundle and seed), interleaved
so that the machine's load falls on all of them alike, each timed as a whole process:

* ``plain``: ``python3 -m student run`` with no sandbox (the baseline);
* ``bwrap``: the same command inside the sandbox (bubblewrap, unprivileged user, limits) but
  without the strace observer;
* ``launcher``: ``python3 -m trainer.launcher run``, the way the local executor runs every
  student: sandbox, strace evidence, result checks, atomic result file (no upload).

It prints the median seconds of each and their ratios to ``plain`` (goal: ``launcher`` at most
1.1x), and the launch latency the sandbox adds: the same three ways around a student that exits
at once on an invalid spec (interpreter start and imports, no training).

    /usr/bin/python3 bench/sandbox_bench.py [--repeats 5] [--work bench/out/sandbox]

The first call prepares the ``mnist1d`` bundle (default size) into ``--work``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from trainer.launcher.sandbox import Limits, SandboxRun, bwrap_command, require_tools  # noqa: E402
from trainer.prepare import prepare  # noqa: E402

NAIVE = {"specVersion": 1, "task": "mnist1d", "loss": {"kind": "xent"}, "training": {"epochs": 20, "learningRate": 0.002, "batchSize": 64}}
INVALID = {"specVersion": 1, "task": "mnist1d", "loss": {"kind": "no-such-loss"}, "training": {"epochs": 1, "learningRate": 0.002, "batchSize": 64}}


def bundle(work: Path) -> Path:
    path = work / "mnist1d" / "bundle.npz"
    if not (work / "mnist1d" / "labels.json").exists():
        print("preparing mnist1d (default size) ...", file=sys.stderr, flush=True)
        prepare("mnist1d", work / "mnist1d", size="default", log=open(os.devnull, "w"))
    return path


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.monotonic()
    subprocess.run(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.monotonic() - started


def run_dir(work: Path, name: str, spec: dict) -> Path:
    folder = work / "runs" / name
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "work").mkdir(parents=True)
    (folder / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    if os.geteuid() == 0:
        from trainer.launcher.sandbox import sandbox_uid

        os.chown(folder / "work", sandbox_uid(name), sandbox_uid(name))
    return folder


def variants(work: Path, bundle_path: Path, spec: dict, tag: str) -> dict[str, list[str]]:
    python = sys.executable
    plain_dir = run_dir(work, f"plain-{tag}", spec)
    plain = [python, "-m", "student", "run", "--spec", str(plain_dir / "spec.json"), "--bundle", str(bundle_path)]
    plain += ["--seed", "0", "--out", str(plain_dir / "result.json"), "--threads", "1", "--device", "cpu"]
    sandboxed = run_dir(work, f"bwrap-{tag}", spec)
    run = SandboxRun(python, REPO_ROOT, sandboxed / "spec.json", bundle_path, sandboxed / "work", 0, 1, "cpu", None, f"bwrap-{tag}")
    bwrap = bwrap_command(run, require_tools(), Limits(), os.geteuid() == 0)
    launched = run_dir(work, f"launcher-{tag}", spec)
    launcher = [python, "-m", "trainer.launcher", "run", "--run-dir", str(launched), "--run-id", f"launcher-{tag}"]
    launcher += ["--bundle", str(bundle_path), "--seed", "0", "--python", python, "--device", "cpu"]
    return {"plain": plain, "bwrap": bwrap, "launcher": launcher}


def measure(work: Path, bundle_path: Path, spec: dict, tag: str, repeats: int) -> dict[str, float]:
    commands = variants(work, bundle_path, spec, tag)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, command in commands.items():
            times[name].append(timed(command))
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--work", type=Path, default=REPO_ROOT / "bench" / "out" / "sandbox")
    args = parser.parse_args()
    bundle_path = bundle(args.work)
    training = measure(args.work, bundle_path, NAIVE, "naive", args.repeats)
    launch = measure(args.work, bundle_path, INVALID, "launch", args.repeats)
    print(f"naive mnist1d student run, median of {args.repeats} (seconds; ratio to plain):")
    for name, seconds in training.items():
        print(f"  {name:9s} {seconds:7.2f} s  {seconds / training['plain']:.3f}x")
    print("launch latency (a student that stops at spec validation):")
    for name, seconds in launch.items():
        print(f"  {name:9s} {seconds:7.2f} s  +{seconds - launch['plain']:.2f} s over plain")
    verdict = "meets" if training["launcher"] / training["plain"] <= 1.1 else "misses"
    print(f"sandboxed/plain {training['launcher'] / training['plain']:.3f}x: {verdict} the 1.1x goal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
