"""Runs the sandbox under strace, enforces its wall-clock limit, and measures it from outside."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .evidence import TRACED_CALLS, Evidence

PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Outcome:
    """How the sandboxed process ended, as seen from outside it."""

    exit_code: int | None
    signal: int | None
    timed_out: bool
    wall_seconds: float
    # The run's folder grew past its disk limit and the sandbox was killed for it.
    over_disk: bool = False


# How often the supervisor looks at the run's folder; a burst between two looks is bounded by the
# file-size limit times the files written in that second.
DISK_POLL_SECONDS = 1.0
# Each file or folder is counted as at least one block, so a million empty files also fill the disk.
MIN_ENTRY_BYTES = 4096


def _die_with_launcher() -> None:
    # If the launcher is killed, strace dies with it, then bubblewrap (--die-with-parent), then
    # every process of the sandbox's PID namespace: nothing outlives the run's supervisor.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def strace_command(strace: str, out_fd: int) -> list[str]:
    """strace as the sandbox's tracer: the traced kinds of call, to ``out_fd``.

    Successful calls are printed too (only failures are evidence) so that the parser sees the
    ``execve`` that ends bubblewrap's own set-up: what bubblewrap probes while it builds the
    sandbox is not the agent's doing.
    """
    return [
        strace,
        "-f",
        "--seccomp-bpf",
        "-qq",
        "-s",
        "400",
        "-e",
        "signal=none",
        "-e",
        "trace=" + ",".join(TRACED_CALLS),
        "-o",
        f"/dev/fd/{out_fd}",
        "--",
    ]


def supervise(
    command: list[str],
    strace: str,
    evidence: Evidence,
    wall_seconds: float,
    stdout: IO[bytes] | int | None = None,
    stderr: IO[bytes] | int | None = None,
    disk_dir: Path | None = None,
    disk_bytes: int | None = None,
) -> Outcome:
    """Runs ``command`` traced; kills it (and so the whole sandbox) at ``wall_seconds``, or as soon
    as ``disk_dir`` (the run's writable folder) holds more than ``disk_bytes``."""
    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            strace_command(strace, write_fd) + command,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            pass_fds=(write_fd,),
            preexec_fn=_die_with_launcher,  # noqa: PLW1509 — a prctl only, no locks taken
        )
    finally:
        os.close(write_fd)
    reader = threading.Thread(target=_read_trace, args=(read_fd, evidence), daemon=True)
    reader.start()
    timed_out = over_disk = False
    deadline = started + wall_seconds
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        try:
            process.wait(timeout=min(DISK_POLL_SECONDS, remaining))
            break
        except subprocess.TimeoutExpired:
            if disk_dir is not None and disk_bytes is not None and disk_usage(disk_dir, disk_bytes) > disk_bytes:
                over_disk = True
                break
    if timed_out or over_disk:
        process.kill()
        process.wait()
    wall = time.monotonic() - started
    reader.join(timeout=10)
    code = process.returncode
    if code < 0:
        return Outcome(None, -code, timed_out, wall, over_disk)
    # bubblewrap reports a child killed by a signal as 128 + the signal's number.
    if code > 128 and code - 128 in (signal.SIGKILL, signal.SIGXCPU, signal.SIGXFSZ, signal.SIGSEGV, signal.SIGABRT):
        return Outcome(None, code - 128, timed_out, wall, over_disk)
    return Outcome(code, None, timed_out, wall, over_disk)


def disk_usage(folder: Path, stop_above: int) -> int:
    """Bytes the files and folders under ``folder`` take on disk (symbolic links not followed);
    stops counting once past ``stop_above``, so a folder of millions of files costs one limit's walk."""
    total = 0
    pending = [str(folder)]
    while pending:
        try:
            entries = os.scandir(pending.pop())
        except OSError:
            continue
        with entries:
            for entry in entries:
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                total += max(info.st_blocks * 512, MIN_ENTRY_BYTES)
                if total > stop_above:
                    return total
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
    return total


def _read_trace(fd: int, evidence: Evidence) -> None:
    with os.fdopen(fd, "r", encoding="utf-8", errors="replace") as stream:
        for line in stream:
            evidence.feed(line)
