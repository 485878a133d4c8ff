"""Delivering a result bundle: a local file, an authenticated POST, or both.

The trusted launcher uses these after ``python3 -m student run`` has written its result
inside the sandbox; ``write_atomically`` is the student's own (one implementation).
"""

from __future__ import annotations

import time
from typing import Callable


from student.files import write_atomically

from .http_retry import RetryPolicy, request_with_retry

__all__ = ["post_result", "write_atomically"]

DEFAULT_POLICY = RetryPolicy()  # 5 tries, 0.5 s doubling to at most 8 s: about 8 s of waiting in all


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
