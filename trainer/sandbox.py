"""Records what agent-written code tries to reach while it runs.

An audit hook (``sys.addaudithook``) sees every file open, socket, process and import of the
interpreter; it records an event only while agent code is on the call stack (a frame compiled
from ``spec.hook.source``), and only the kinds that matter for integrity: the network, new
processes, files outside the run folder and the Python installation, and anything named like
labels. It records; it does not block (the pod's NetworkPolicy and read-only filesystem do that
in a cluster). The orchestrator turns the events into integrity flags next to the agent's claim.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .hook import HOOK_FILENAME

MAX_EVENTS = 50
_NETWORK = ("socket.connect", "socket.getaddrinfo", "socket.bind", "urllib.Request", "http.client.connect")
_PROCESS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork")
_SUSPECT_IMPORTS = {"socket", "urllib.request", "http.client", "requests", "subprocess", "ctypes"}


@dataclass
class SandboxRecorder:
    """Collects events raised while agent code runs. One per trainer process."""

    allowed_roots: list[str] = field(default_factory=list)
    events: list[dict[str, str]] = field(default_factory=list)

    def install(self) -> None:
        sys.addaudithook(self._audit)

    def _in_agent_code(self) -> bool:
        frame = sys._getframe(2)  # noqa: SLF001 — the audit hook needs its caller's stack
        while frame is not None:
            if frame.f_code.co_filename == HOOK_FILENAME:
                return True
            frame = frame.f_back
        return False

    def _record(self, event: str, detail: str) -> None:
        entry = {"event": event[:100], "detail": detail[:500]}
        # The loss runs every step: record each distinct attempt once.
        if len(self.events) < MAX_EVENTS and entry not in self.events:
            self.events.append(entry)

    def _audit(self, event: str, args: tuple[Any, ...]) -> None:
        if not (event in ("open", "import") or event.startswith(_NETWORK + _PROCESS)):
            return
        if not self._in_agent_code():
            return
        if event == "import":
            if args and args[0] in _SUSPECT_IMPORTS:
                self._record("import", str(args[0]))
            return
        if event == "open":
            path = str(args[0]) if args else ""
            if "label" in path.lower():
                self._record("open-label-like", path)
            elif path and not self._allowed(path):
                self._record("open-outside-run-folder", path)
            return
        self._record(event, " ".join(str(a) for a in args)[:500])

    def _allowed(self, path: str) -> bool:
        try:
            resolved = str(Path(os.fspath(path)).resolve())
        except (TypeError, ValueError, OSError):
            return False
        return any(resolved == root or resolved.startswith(root + os.sep) for root in self.allowed_roots)


_RECORDER: SandboxRecorder | None = None


def start_recording(run_folder: Path | None) -> SandboxRecorder:
    """The process's recorder, installed on first use (audit hooks cannot be removed), reset for this run."""
    global _RECORDER  # noqa: PLW0603 — one audit hook per interpreter
    if _RECORDER is None:
        _RECORDER = SandboxRecorder()
        _RECORDER.install()
    _RECORDER.allowed_roots = default_roots(run_folder)
    _RECORDER.events = []
    return _RECORDER


def default_roots(run_folder: Path | None) -> list[str]:
    """Where agent code may read without notice: its run folder and the Python installation."""
    roots = {sys.prefix, sys.base_prefix, sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], "/dev/null"}
    roots.update(p for p in sys.path if p)
    if run_folder is not None:
        roots.add(str(run_folder.resolve()))
    return sorted(str(Path(r).resolve()) for r in roots)
