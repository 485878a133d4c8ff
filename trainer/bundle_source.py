"""Fetching a task bundle's bytes from a local path or an http(s) URL."""

from __future__ import annotations

from pathlib import Path

from student.errors import TrainerFailure

from .http_retry import HttpFailure, RetryPolicy, request_with_retry


def fetch_bundle_bytes(source: str, token: str | None, policy: RetryPolicy = RetryPolicy()) -> bytes:
    """Reads ``source``: an http(s) URL (with ``Authorization: Bearer <token>`` if given) or a path."""
    if source.startswith(("http://", "https://")):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            return request_with_retry("GET", source, headers, None, policy)
        except HttpFailure as error:
            raise TrainerFailure("bundle_error", f"could not download the task bundle: {error}") from None
    try:
        return Path(source).read_bytes()
    except OSError as error:
        raise TrainerFailure("bundle_error", f"could not read the task bundle {source}: {error.strerror or error}") from None
