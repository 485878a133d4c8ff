"""HTTP with bounded retries (standard library only), shared by bundle download and result upload.

Transient failures are retried with exponential backoff: connection errors, timeouts,
5xx, and 429 (honouring ``Retry-After``). Any other 4xx is final: retrying a refused
token or a malformed body cannot succeed.
"""

from __future__ import annotations

import email.utils
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Callable

USER_AGENT = "aar-trainer"


@dataclass(frozen=True)
class RetryPolicy:
    """At most ``tries`` attempts; the wait before attempt k+1 is ``base_delay * 2**k`` capped at ``max_delay``."""

    tries: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0  # a server cannot park the trainer longer than this per attempt
    timeout: float = 60.0  # per attempt, connect and read


class HttpFailure(Exception):
    """The request failed for good; ``status`` is the last HTTP status, ``None`` for network errors."""

    def __init__(self, message: str, status: int | None, retried: bool) -> None:
        super().__init__(message)
        self.status = status
        self.retried = retried


def request_with_retry(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes | None = None,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], None] = time.sleep,
) -> bytes:
    """Performs the request and returns the response body; raises ``HttpFailure`` when it gives up."""
    if not url.startswith(("http://", "https://")):
        raise HttpFailure(f"not an http(s) URL: {url}", None, retried=False)
    last_error = ""
    last_status: int | None = None
    for attempt in range(policy.tries):
        request = urllib.request.Request(url, data=body, method=method, headers={"User-Agent": USER_AGENT, **headers})
        wait = min(policy.max_delay, policy.base_delay * 2**attempt)
        try:
            with urllib.request.urlopen(request, timeout=policy.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            last_status = error.code
            last_error = f"HTTP {error.code} {error.reason}: {_snippet(error)}"
            if error.code == 429:
                wait = _retry_after(error.headers.get("Retry-After"), wait, policy.max_retry_after)
            elif error.code < 500:
                raise HttpFailure(f"{method} {_safe(url)} failed: {last_error}", error.code, retried=attempt > 0) from None
        except (urllib.error.URLError, OSError) as error:  # refused, reset, DNS, timeout
            last_status = None
            last_error = f"{type(error).__name__}: {getattr(error, 'reason', error)}"
        if attempt + 1 < policy.tries:
            sleep(wait)
    raise HttpFailure(
        f"{method} {_safe(url)} failed after {policy.tries} tries: {last_error}", last_status, retried=True
    )


def _retry_after(header: str | None, fallback: float, cap: float) -> float:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not header:
        return fallback
    header = header.strip()
    if header.isdigit():
        return min(cap, float(header))
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return fallback
    return min(cap, max(0.0, when.timestamp() - time.time()))


def _snippet(error: urllib.error.HTTPError) -> str:
    try:
        return error.read(300).decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _safe(url: str) -> str:
    """The URL without its query string, which may carry a signature or token."""
    return url.split("?", 1)[0]
