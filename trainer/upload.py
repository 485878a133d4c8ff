"""Delivering a result bundle: a local file, an authenticated POST, or both."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Callable

from .http_retry import RetryPolicy, request_with_retry

DEFAULT_POLICY = RetryPolicy()  # 5 tries, 0.5 s doubling to at most 8 s: about 8 s of waiting in all


def write_atomically(path: Path, data: bytes) -> None:
    """Writes ``data`` to ``path`` through a temporary file, so a reader never sees half a result."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)  # mkstemp makes 0600; the executor may read as another user
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def post_result(
    url: str,
    token: str,
    body: bytes,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """POSTs the result JSON with ``Authorization: Bearer <token>``; raises ``HttpFailure`` on failure."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    request_with_retry("POST", url, headers, body, policy or DEFAULT_POLICY, sleep=sleep)
