"""Why a student run fails, and the exit code each failure maps to.

The kinds and codes mirror ``FAILURE_KINDS`` and ``TRAINER_EXIT_CODES`` in
``core/result-bundle.ts`` (a test parses that file and compares), so an executor learns
what happened from the exit code alone.
"""

from __future__ import annotations

from typing import Literal

FailureKind = Literal[
    "invalid_spec", "bundle_error", "hook_error", "nan_loss", "out_of_memory", "internal", "timeout", "resource_limit"
]

EXIT_CODES: dict[str, int] = {
    "succeeded": 0,
    "internal": 1,
    "invalid_spec": 2,
    "hook_error": 3,
    "nan_loss": 4,
    "out_of_memory": 5,
    "bundle_error": 6,
    # Decided by the trusted launcher outside the sandbox, never by the student itself.
    "timeout": 7,
    "resource_limit": 8,
}

MESSAGE_MAX_CHARS = 4000
DETAIL_MAX_CHARS = 16_000


class TrainerFailure(Exception):
    """A run ended for a known reason; becomes the ``failure`` of a failed result bundle."""

    def __init__(self, kind: FailureKind, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.kind: FailureKind = kind
        self.message = message
        self.detail = detail

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.kind]

    def as_json(self) -> dict[str, str]:
        """The ``failure`` object of the result bundle, cut to the schema's length limits."""
        out = {"kind": self.kind, "message": _clip_head(self.message, MESSAGE_MAX_CHARS)}
        if self.detail:
            out["detail"] = _clip_tail(self.detail, DETAIL_MAX_CHARS)
        return out


def _clip_head(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clip_tail(text: str, limit: int) -> str:
    """Keeps the end of a traceback, where the error is, when it is too long."""
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def is_out_of_memory(error: BaseException) -> bool:
    """True for CUDA or host out-of-memory errors (torch 1.13 raises a plain RuntimeError)."""
    if isinstance(error, MemoryError):
        return True
    oom_type = getattr(getattr(__import__("torch"), "cuda", None), "OutOfMemoryError", None)
    if oom_type is not None and isinstance(error, oom_type):
        return True
    return isinstance(error, RuntimeError) and "out of memory" in str(error).lower()
