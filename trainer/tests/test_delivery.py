"""Result upload and bundle download over real HTTP, with retries (a local http.server)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from student.errors import TrainerFailure
from student.result import encode, failure_result
from student.validate_result import result_issues
from trainer.bundle_source import fetch_bundle_bytes
from trainer.cli import main as trainer_main
from trainer.http_retry import HttpFailure, RetryPolicy, request_with_retry
from trainer.upload import post_result, write_atomically

TOKEN = "upload-secret"


class Recorder:
    """What the server saw, and what it answers next (a queue of statuses, then 200)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, object]] = []
        self.statuses: list[int] = []
        self.headers: dict[int, dict[str, str]] = {}
        self.body_for_get: bytes = b""


@pytest.fixture()
def server() -> Iterator[tuple[str, Recorder]]:
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, body: bytes | None) -> None:
            recorder.requests.append(
                {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
            )
            status = recorder.statuses.pop(0) if recorder.statuses else 200
            self.send_response(status)
            for name, value in recorder.headers.get(status, {}).items():
                self.send_header(name, value)
            payload = recorder.body_for_get if (self.command == "GET" and status == 200) else b'{"ok":true}'
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self) -> None:  # noqa: N802
            self._answer(self.rfile.read(int(self.headers["Content-Length"])))

        def do_GET(self) -> None:  # noqa: N802
            self._answer(None)

        def log_message(self, *_args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", recorder
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_post_result_retries_a_503_then_delivers_with_bearer_token(server) -> None:
    url, recorder = server
    recorder.statuses = [503]
    body = encode(failure_result("internal", "the student run was killed", task="mnist1d", seed=3))
    slept: list[float] = []
    post_result(f"{url}/results", TOKEN, body, sleep=slept.append)
    assert len(recorder.requests) == 2 and len(slept) == 1
    last = recorder.requests[-1]
    assert last["method"] == "POST" and last["path"] == "/results"
    headers = {k.lower(): v for k, v in last["headers"].items()}  # type: ignore[union-attr]
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["content-type"] == "application/json"
    assert last["body"] == body


def test_a_failure_result_built_by_a_launcher_matches_the_result_schema() -> None:
    result = failure_result("out_of_memory", "killed by the kernel (137)", task="mnist1d", seed=2, wall_seconds=12.5)
    assert result_issues(result) == []
    assert result["status"] == "failed" and result["failure"] == {"kind": "out_of_memory", "message": "killed by the kernel (137)"}
    assert result["sandboxEvents"] == [] and result["wallSeconds"] == 12.5


def test_write_atomically_leaves_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "result.json"
    write_atomically(out, b"{}")
    assert out.read_bytes() == b"{}" and [p.name for p in out.parent.iterdir()] == ["result.json"]


def test_upload_honours_retry_after_on_429(server) -> None:
    url, recorder = server
    recorder.statuses = [429, 429]
    recorder.headers[429] = {"Retry-After": "0"}
    slept: list[float] = []
    request_with_retry("POST", url, {}, b"{}", RetryPolicy(base_delay=5.0), sleep=slept.append)
    assert slept == [0.0, 0.0] and len(recorder.requests) == 3


def test_upload_gives_up_after_bounded_tries(server) -> None:
    url, recorder = server
    recorder.statuses = [500] * 10
    slept: list[float] = []
    with pytest.raises(HttpFailure) as caught:
        request_with_retry("POST", url, {}, b"{}", RetryPolicy(tries=4, base_delay=0.5, max_delay=1.0), sleep=slept.append)
    assert caught.value.status == 500 and len(recorder.requests) == 4
    assert slept == [0.5, 1.0, 1.0]


def test_a_4xx_upload_is_not_retried(server) -> None:
    url, recorder = server
    recorder.statuses = [401]
    with pytest.raises(HttpFailure) as caught:
        post_result(url, "wrong", b"{}", sleep=lambda _s: None)
    assert caught.value.status == 401 and len(recorder.requests) == 1


def test_an_unreachable_upload_target_fails_without_hanging() -> None:
    with pytest.raises(HttpFailure):
        post_result("http://127.0.0.1:9/x", TOKEN, b"{}", RetryPolicy(tries=2, base_delay=0.01, timeout=2))


def test_downloads_the_bundle_with_its_bearer_token(mnist1d_small, server) -> None:
    url, recorder = server
    recorder.body_for_get = mnist1d_small.bundle.read_bytes()
    recorder.statuses = [502]
    policy = RetryPolicy(tries=3, base_delay=0.01)
    assert fetch_bundle_bytes(f"{url}/bundles/mnist1d", "bundle-secret", policy) == recorder.body_for_get
    gets = [r for r in recorder.requests if r["method"] == "GET"]
    assert len(gets) == 2
    assert {k.lower(): v for k, v in gets[-1]["headers"].items()}["authorization"] == "Bearer bundle-secret"  # type: ignore[union-attr]


def test_a_refused_bundle_download_is_a_bundle_error(server) -> None:
    url, recorder = server
    recorder.statuses = [403]
    with pytest.raises(TrainerFailure) as caught:
        fetch_bundle_bytes(f"{url}/bundles/mnist1d", None)
    assert caught.value.kind == "bundle_error" and caught.value.exit_code == 6


def test_the_trusted_cli_has_no_run_command(capsys) -> None:
    """Agent code runs only through ``python3 -m student run``, in a sandbox."""
    with pytest.raises(SystemExit) as caught:
        trainer_main(["run", "--spec", "x", "--bundle", "y"])
    assert caught.value.code == 1
    assert "invalid choice: 'run'" in capsys.readouterr().err
