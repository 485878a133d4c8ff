#!/usr/bin/env python3
"""Benchmark: what the local sandbox costs a naive ``mnist1d`` student run.

Not a test. Three ways of running the same student (same spec, bundle and seed), interleaved
so that the machine's load falls on all of them alike, each timed as a whole process:

* ``plain``: ``python3 -m student run`` with no sandbox (the baseline);
* ``bwrap``: the same command inside the sandbox (bubblewrap, unprivileged user, limits) but
  without the strace observer;
* ``launcher``: ``python3 -m trainer.launcher run``, the way the local executor runs every
  student: sandbox, strace evidence, result checks, atomic result file (no upload).

It prints the median wall-clock seconds of each and their ratios to ``plain`` (goal: ``launcher``
at most 1.1x), the median CPU seconds of each (user + system of the whole process tree: the
sandbox, the tracer and the launcher included), which a busy machine distorts far less than wall
time, and the launch latency the sandbox adds: the same three ways around a student that exits
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


class CpuMeter:
    """CPU seconds of a whole process tree, through a cgroup of its own (v1 ``cpuacct`` or v2).

    ``getrusage`` cannot see inside the sandbox (bubblewrap's processes in a new PID namespace are
    not reaped the way it counts); a cgroup counts every process it holds. ``None`` when this
    machine offers no writable cgroup (then only wall-clock figures are printed).
    """

    def __init__(self) -> None:
        self.folder: Path | None = None
        for root, usage in (("/sys/fs/cgroup/cpuacct", "cpuacct.usage"), ("/sys/fs/cgroup", "cpu.stat")):
            folder = Path(root) / f"aar-sandbox-bench-{os.getpid()}"
            try:
                folder.mkdir()
            except OSError:
                continue
            if (folder / usage).exists():
                self.folder, self.usage = folder, usage
                break
            folder.rmdir()

    def wrap(self, command: list[str]) -> list[str]:
        if self.folder is None:
            return command
        procs = self.folder / ("tasks" if self.usage == "cpuacct.usage" else "cgroup.procs")
        return ["/bin/sh", "-c", f'echo $$ > {procs} && exec "$@"', "sh", *command]

    def seconds(self) -> float:
        if self.folder is None:
            return float("nan")
        text = (self.folder / self.usage).read_text()
        if self.usage == "cpuacct.usage":
            return int(text) / 1e9
        return int(text.split("usage_usec")[1].split()[0]) / 1e6

    def close(self) -> None:
        if self.folder is not None:
            self.folder.rmdir()


def timed(command: list[str], meter: CpuMeter) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one run of ``command`` (its whole process tree)."""
    cpu, started = meter.seconds(), time.monotonic()
    subprocess.run(meter.wrap(command), cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.monotonic() - started, meter.seconds() - cpu


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


def measure(work: Path, bundle_path: Path, spec: dict, tag: str, repeats: int, meter: CpuMeter) -> dict[str, tuple[float, float]]:
    """Median wall-clock and median CPU seconds of each way, interleaved ``repeats`` times."""
    commands = variants(work, bundle_path, spec, tag)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, command in commands.items():
            times[name].append(timed(command, meter))
    return {name: (statistics.median(v[0] for v in values), statistics.median(v[1] for v in values)) for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--work", type=Path, default=REPO_ROOT / "bench" / "out" / "sandbox")
    args = parser.parse_args()
    bundle_path = bundle(args.work)
    meter = CpuMeter()
    try:
        training = measure(args.work, bundle_path, NAIVE, "naive", args.repeats, meter)
        launch = measure(args.work, bundle_path, INVALID, "launch", args.repeats, meter)
    finally:
        meter.close()
    plain_wall, plain_cpu = training["plain"]
    print(f"naive mnist1d student run, median of {args.repeats} (wall seconds, ratio to plain; CPU seconds, ratio):")
    for name, (wall, cpu) in training.items():
        print(f"  {name:9s} {wall:7.2f} s  {wall / plain_wall:.3f}x   cpu {cpu:7.2f} s  {cpu / plain_cpu:.3f}x")
    print("launch latency (a student that stops at spec validation):")
    for name, (wall, cpu) in launch.items():
        print(f"  {name:9s} {wall:7.2f} s  +{wall - launch['plain'][0]:.2f} s over plain   cpu +{cpu - launch['plain'][1]:.2f} s")
    ratio = training["launcher"][0] / plain_wall
    verdict = "meets" if ratio <= 1.1 else "misses"
    print(f"sandboxed/plain {ratio:.3f}x wall, {training['launcher'][1] / plain_cpu:.3f}x CPU: {verdict} the 1.1x goal")
    print(f"(load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; wall ratios need an idle machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
