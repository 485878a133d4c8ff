"""Runs the sandbox under strace, enforces its wall-clock limit, and measures it from outside."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
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
) -> Outcome:
    """Runs ``command`` traced; kills it (and so the whole sandbox) at ``wall_seconds``."""
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
    timed_out = False
    try:
        process.wait(timeout=wall_seconds)
    except subprocess.TimeoutExpired:
        timed_out = True
        process.kill()
        process.wait()
    wall = time.monotonic() - started
    reader.join(timeout=10)
    code = process.returncode
    if code < 0:
        return Outcome(None, -code, timed_out, wall)
    # bubblewrap reports a child killed by a signal as 128 + the signal's number.
    if code > 128 and code - 128 in (signal.SIGKILL, signal.SIGXCPU, signal.SIGXFSZ, signal.SIGSEGV, signal.SIGABRT):
        return Outcome(None, code - 128, timed_out, wall)
    return Outcome(code, None, timed_out, wall)


def _read_trace(fd: int, evidence: Evidence) -> None:
    with os.fdopen(fd, "r", encoding="utf-8", errors="replace") as stream:
        for line in stream:
            evidence.feed(line)
