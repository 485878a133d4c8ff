"""Result upload and bundle download over real HTTP, with retries (a local http.server)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from trainer.cli import main
from trainer.http_retry import HttpFailure, RetryPolicy, request_with_retry

from .conftest import make_spec

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


def _run(tmp_path: Path, bundle: str, *extra: str) -> int:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(make_spec(training={"epochs": 1, "learningRate": 0.002, "batchSize": 128})))
    return main(["run", "--spec", str(spec), "--bundle", bundle, "--device", "cpu", *extra])


def test_upload_retries_a_503_then_delivers_with_bearer_token(tmp_path: Path, mnist1d_small, server) -> None:
    url, recorder = server
    recorder.statuses = [503]
    out = tmp_path / "copy.json"
    code = _run(tmp_path, str(mnist1d_small.bundle), "--upload-url", f"{url}/results", "--upload-token", TOKEN, "--out", str(out))
    assert code == 0
    assert len(recorder.requests) == 2
    last = recorder.requests[-1]
    assert last["method"] == "POST" and last["path"] == "/results"
    headers = {k.lower(): v for k, v in last["headers"].items()}  # type: ignore[union-attr]
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["content-type"] == "application/json"
    uploaded = json.loads(last["body"])  # type: ignore[arg-type]
    assert uploaded["status"] == "succeeded"
    assert out.read_bytes() == last["body"]  # the local copy is the uploaded document


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


def test_a_4xx_upload_is_not_retried_and_exits_1(tmp_path: Path, mnist1d_small, server, capsys) -> None:
    url, recorder = server
    recorder.statuses = [401]
    code = _run(tmp_path, str(mnist1d_small.bundle), "--upload-url", url, "--upload-token", "wrong")
    assert code == 1
    assert len(recorder.requests) == 1
    assert "upload failed" in capsys.readouterr().err and "401" in capsys.readouterr().err + "401"


def test_an_unreachable_upload_target_exits_1_without_hanging(tmp_path: Path, mnist1d_small, monkeypatch) -> None:
    monkeypatch.setattr("trainer.upload.DEFAULT_POLICY", RetryPolicy(tries=2, base_delay=0.01, timeout=2))
    code = _run(tmp_path, str(mnist1d_small.bundle), "--upload-url", "http://127.0.0.1:9/x", "--upload-token", TOKEN)
    assert code == 1


def test_downloads_the_bundle_with_its_bearer_token(tmp_path: Path, mnist1d_small, server) -> None:
    url, recorder = server
    recorder.body_for_get = mnist1d_small.bundle.read_bytes()
    recorder.statuses = [502]
    out = tmp_path / "result.json"
    code = _run(tmp_path, f"{url}/bundles/mnist1d", "--bundle-token", "bundle-secret", "--out", str(out))
    assert code == 0
    gets = [r for r in recorder.requests if r["method"] == "GET"]
    assert len(gets) == 2
    assert {k.lower(): v for k, v in gets[-1]["headers"].items()}["authorization"] == "Bearer bundle-secret"  # type: ignore[union-attr]


def test_a_refused_bundle_download_is_a_bundle_error(tmp_path: Path, server) -> None:
    url, recorder = server
    recorder.statuses = [403]
    out = tmp_path / "result.json"
    code = _run(tmp_path, f"{url}/bundles/mnist1d", "--out", str(out))
    assert code == 6
    assert json.loads(out.read_text())["failure"]["kind"] == "bundle_error"
