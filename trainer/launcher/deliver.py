"""The result a run delivers: the student's own, checked, with the figures only the launcher may set.

The student's result file is agent-controlled data. The launcher keeps from it only what the
eval server scores (predictions) and what describes the training (curve, counts), checked against
the result schema; it sets ``wallSeconds`` (measured outside the sandbox), ``sandboxEvents`` (the
evidence), ``task``, ``seed`` and ``spec`` (from the trusted spec), and replaces the whole result by a
failure when the run was killed, left nothing readable, or hit a limit.
"""

from __future__ import annotations

import json
import os
import signal
import stat
from pathlib import Path
from typing import Any

from student.errors import DETAIL_MAX_CHARS, EXIT_CODES, MESSAGE_MAX_CHARS
from student.validate_result import result_issues

MAX_RESULT_BYTES = 1 << 30


def failure_result(
    task: str, seed: int, spec: dict[str, Any] | None, kind: str, message: str, detail: str | None = None
) -> dict[str, Any]:
    """A failed result bundle made by the launcher (the student left none it may deliver)."""
    failure: dict[str, Any] = {"kind": kind, "message": message[:MESSAGE_MAX_CHARS]}
    if detail:
        failure["detail"] = detail[-DETAIL_MAX_CHARS:]
    return {
        "resultVersion": 1,
        "status": "failed",
        "task": task,
        "seed": seed,
        "spec": spec,
        "curve": [],
        "weakValidationAccuracy": None,
        "stoppedEpoch": None,
        "trainExamples": None,
        "wallSeconds": 0.0,
        "device": "",
        "versions": {},
        "failure": failure,
    }


def read_untrusted_file(path: Path, limit: int) -> bytes:
    """Reads a file the sandbox wrote, refusing what a hostile student could plant there.

    The launcher reads with more rights than the student: a symbolic link (resolved outside the
    sandbox, it could name a secret), a hard link, a FIFO or a device is refused, never followed.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            raise OSError(f"{path.name} is not a plain file")
        if info.st_size > limit:
            raise OSError(f"{path.name} is {info.st_size} bytes, over the {limit}-byte limit")
        with os.fdopen(fd, "rb", closefd=False) as stream:
            return stream.read(limit + 1)
    finally:
        os.close(fd)


def read_student_result(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The student's result, or None and why it cannot be delivered."""
    if not os.path.lexists(path):
        return None, "the student left no result file"
    try:
        data = read_untrusted_file(path, MAX_RESULT_BYTES)
    except OSError as error:
        return None, f"the student's result file cannot be delivered: {error.strerror or error}"
    try:
        result = json.loads(data)
    except (ValueError, RecursionError, MemoryError) as error:
        return None, f"the student's result file is not valid JSON: {type(error).__name__}"
    if not isinstance(result, dict):
        return None, "the student's result file is not a JSON object"
    return result, None


def describe_kill(signal_number: int, wall_limit: float) -> tuple[str, str]:
    """The failure kind and message of a sandbox ended by a signal it did not choose."""
    if signal_number == signal.SIGXCPU:
        return "resource_limit", f"the run used up its CPU-time limit ({int(wall_limit * 4)} s) and was killed"
    if signal_number == signal.SIGXFSZ:
        return "resource_limit", "the run wrote a file larger than its file-size limit and was killed"
    if signal_number == signal.SIGKILL:
        return "out_of_memory", "the run was killed (SIGKILL) before it finished: most likely out of memory"
    return "internal", f"the run was killed by signal {signal_number}"


def assemble(
    result_path: Path,
    spec: dict[str, Any],
    seed: int,
    exit_code: int | None,
    killed_by: int | None,
    timed_out: bool,
    wall_limit: float,
    wall_seconds: float,
    events: list[dict[str, str]],
    limit_hits: int = 0,
    over_disk_limit: int | None = None,
) -> dict[str, Any]:
    """The result to deliver for one run, from what the sandbox left and what was seen outside it."""
    task = str(spec.get("task", "unknown"))
    if timed_out:
        result = failure_result(
            task, seed, spec, "timeout", f"the run passed its wall-clock limit of {wall_limit:g} s and was killed"
        )
    elif over_disk_limit is not None:
        result = failure_result(
            task,
            seed,
            spec,
            "resource_limit",
            f"the run's folder grew past its disk limit of {over_disk_limit} bytes and the run was killed",
        )
    elif killed_by is not None:
        kind, message = describe_kill(killed_by, wall_limit)
        result = failure_result(task, seed, spec, kind, message)
    else:
        result, problem = read_student_result(result_path)
        if result is None:
            kind = _kind_of_exit(exit_code)
            result = failure_result(task, seed, spec, kind, f"{problem} (exit code {exit_code})")
    result["task"], result["seed"] = task, seed
    if result.get("spec") is not None:
        # The spec the run was given, not whatever the student wrote back (with its seed applied).
        result["spec"] = {**spec, "seed": seed}
    result["wallSeconds"] = round(max(0.0, wall_seconds), 3)
    result["sandboxEvents"] = events
    if limit_hits and result.get("status") == "failed":
        failure = result.setdefault("failure", {})
        original = failure.get("message", "")
        failure["kind"] = "resource_limit"
        failure["message"] = f"the run hit its process limit ({limit_hits} refused): {original}"[:MESSAGE_MAX_CHARS]
    issues = result_issues(result)
    if issues:
        result = failure_result(
            task, seed, spec, "internal", "the student's result bundle does not match its schema: " + "; ".join(issues[:5])
        )
        result["wallSeconds"] = round(max(0.0, wall_seconds), 3)
        result["sandboxEvents"] = events
    return result


def exit_code_of(result: dict[str, Any]) -> int:
    """The launcher's exit code for a delivered result: the failure kind's code, 0 on success."""
    if result.get("status") == "succeeded":
        return 0
    kind = str((result.get("failure") or {}).get("kind", "internal"))
    return EXIT_CODES.get(kind, EXIT_CODES["internal"])


def _kind_of_exit(code: int | None) -> str:
    for kind, value in EXIT_CODES.items():
        if value == code and kind != "succeeded":
            return kind
    return "internal"
