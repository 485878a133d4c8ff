"""``python3 -m trainer.launcher run | fetch-bundle | upload`` — the trusted side of a student run."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Sequence

from student.cli import UsageParser as _Parser
from student.errors import EXIT_CODES
from student.files import write_atomically

from ..bundle_source import fetch_bundle_bytes
from ..http_retry import HttpFailure
from ..upload import post_result
from .deliver import assemble, exit_code_of, failure_result, read_untrusted_file
from .evidence import Evidence
from .sandbox import Limits, SandboxRun, SandboxUnavailable, bwrap_command, require_tools, sandbox_uid, view_roots
from .supervise import supervise

STUDENT_EXIT_FILE = "exit-code"
TIMEOUT_EXIT = 124  # coreutils `timeout`, which wraps the student container on Kubernetes



def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python3 -m trainer.launcher", description="the trusted side of a student run")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = commands.add_parser("run", help="run a student in the local sandbox, then deliver its result")
    run.add_argument("--run-dir", required=True, type=Path, help="the run's folder: holds spec.json; gets work/ and result.json")
    run.add_argument("--run-id", required=True)
    run.add_argument("--bundle", required=True, type=Path, help="the task bundle file")
    run.add_argument("--seed", required=True, type=int)
    run.add_argument("--upload-url", help="POST the result here with $AAR_UPLOAD_TOKEN")
    run.add_argument("--python", default=sys.executable, help="the interpreter the student runs with")
    run.add_argument("--repo-root", type=Path, default=Path(__file__).resolve().parents[2])
    run.add_argument("--models-dir", type=Path, help="host folder of model weights (text tasks), mounted read-only")
    run.add_argument("--wall-seconds", type=int, default=Limits.wall_seconds)
    run.add_argument("--memory-bytes", type=int, default=Limits.memory_bytes)
    run.add_argument("--processes", type=int, default=Limits.processes)
    run.add_argument("--file-bytes", type=int, default=Limits.file_bytes)
    run.add_argument("--disk-bytes", type=int, default=Limits.disk_bytes, help="what the run's folder may hold in all")
    run.add_argument("--threads", type=int, default=1)
    run.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")

    fetch = commands.add_parser("fetch-bundle", help="download the task bundle with $AAR_BUNDLE_TOKEN (Kubernetes init container)")
    fetch.add_argument("--url", required=True)
    fetch.add_argument("--out", required=True, type=Path)
    fetch.add_argument("--spec", type=Path, help="copy this spec next to the bundle")
    fetch.add_argument("--spec-out", type=Path)

    upload = commands.add_parser("upload", help="deliver what the student container left (Kubernetes main container)")
    upload.add_argument("--run-dir", required=True, type=Path, help="the student's output folder")
    upload.add_argument("--url", required=True)
    upload.add_argument("--run-id", required=True)
    upload.add_argument("--spec", type=Path, default=Path("/aar/in/spec.json"))
    upload.add_argument("--started-from", type=Path, default=Path("/aar/in/bundle.npz"), help="a file written when the run began")
    upload.add_argument("--wall-seconds", type=int, default=Limits.wall_seconds)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        return _run(args)
    if args.command == "fetch-bundle":
        return _fetch(args)
    return _upload(args)


def _run(args: argparse.Namespace) -> int:
    token = os.environ.pop("AAR_UPLOAD_TOKEN", None)
    spec = json.loads((args.run_dir / "spec.json").read_text(encoding="utf-8"))
    limits = Limits(
        wall_seconds=args.wall_seconds,
        memory_bytes=args.memory_bytes,
        processes=args.processes,
        file_bytes=args.file_bytes,
        disk_bytes=args.disk_bytes,
    )
    try:
        tools = require_tools()
        model_dir = _model_dir(spec, args.models_dir)
    except (SandboxUnavailable, ValueError) as refusal:
        kind = "internal" if isinstance(refusal, SandboxUnavailable) else "invalid_spec"
        print(f"trainer launcher: refused: {refusal}", file=sys.stderr)
        result = failure_result(str(spec.get("task", "unknown")), args.seed, spec, kind, str(refusal))
        result["sandboxEvents"] = []
        return _deliver(result, args.run_dir / "result.json", args.upload_url, token)
    work = args.run_dir / "work"
    work.mkdir(mode=0o700, parents=True, exist_ok=True)
    as_root = os.geteuid() == 0
    if as_root:
        uid = sandbox_uid(args.run_id)
        os.chown(work, uid, uid)
    run = SandboxRun(
        python=args.python,
        repo_root=args.repo_root.resolve(),
        spec=(args.run_dir / "spec.json").resolve(),
        bundle=args.bundle.resolve(),
        work_dir=work.resolve(),
        seed=args.seed,
        threads=args.threads,
        device=args.device,
        model_dir=model_dir,
        run_id=args.run_id,
    )
    hidden = (str(run.repo_root), str(args.run_dir.resolve().parent), str(run.bundle.parent))
    evidence = Evidence(roots=view_roots(run), forbidden=hidden)
    with open(args.run_dir / "student.log", "ab") as log:
        command = bwrap_command(run, tools, limits, as_root)
        outcome = supervise(command, tools["strace"], evidence, limits.wall_seconds, log, log, work, limits.disk_bytes)
    result = assemble(
        work / "result.json",
        spec,
        args.seed,
        outcome.exit_code,
        outcome.signal,
        outcome.timed_out,
        limits.wall_seconds,
        outcome.wall_seconds,
        evidence.events,
        evidence.limit_hits,
        limits.disk_bytes if outcome.over_disk else None,
    )
    failure = result.get("failure") or {}
    if failure:
        print(f"trainer launcher: run failed ({failure.get('kind')}): {failure.get('message')}", file=sys.stderr)
    if evidence.reached:
        print(f"trainer launcher: the sandbox refused {evidence.total} reach(es) outside it", file=sys.stderr)
    return _deliver(result, args.run_dir / "result.json", args.upload_url, token)


def _model_dir(spec: dict, models_dir: Path | None) -> Path | None:
    model = spec.get("model")
    if not isinstance(model, dict):
        return None
    path = Path(str(model.get("path", "")))
    if models_dir is None:
        raise ValueError("model.path: this executor has no models folder (set AAR_MODELS_DIR); text tasks cannot run here")
    root = models_dir.resolve()
    if not path.is_absolute() or not path.resolve().is_relative_to(root):
        raise ValueError(f"model.path: {path} must lie under the executor's models folder {root}")
    return root


def _fetch(args: argparse.Namespace) -> int:
    from student.errors import TrainerFailure

    try:
        data = fetch_bundle_bytes(args.url, os.environ.get("AAR_BUNDLE_TOKEN"))
    except TrainerFailure as failure:
        print(f"trainer launcher: {failure.message}", file=sys.stderr)
        return failure.exit_code
    write_atomically(args.out, data)
    if args.spec and args.spec_out:
        write_atomically(args.spec_out, args.spec.read_bytes())
    return 0


def _upload(args: argparse.Namespace) -> int:
    token = os.environ.pop("AAR_UPLOAD_TOKEN", None)
    spec: dict = {}
    if args.spec.is_file():
        spec = json.loads(args.spec.read_text(encoding="utf-8"))
    exit_file = args.run_dir / STUDENT_EXIT_FILE
    code: int | None = None
    try:
        text = read_untrusted_file(exit_file, 16).decode("ascii", errors="replace").strip()
        code = int(text) if text.isdigit() else None
    except OSError:
        code = None
    timed_out = code == TIMEOUT_EXIT
    killed_by = code - 128 if code is not None and code > 128 and not timed_out else None
    started = args.started_from.stat().st_mtime if args.started_from.exists() else None
    ended = exit_file.lstat().st_mtime if os.path.lexists(exit_file) else None
    wall = max(0.0, ended - started) if started is not None and ended is not None else 0.0
    seed = int(spec.get("seed", 0)) if isinstance(spec.get("seed", 0), int) else 0
    result = assemble(
        args.run_dir / "result.json",
        spec,
        seed,
        None if killed_by or timed_out else code,
        killed_by,
        timed_out,
        args.wall_seconds,
        wall,
        [],
    )
    return _deliver(result, None, args.url, token)


def _deliver(result: dict, local_copy: Path | None, url: str | None, token: str | None) -> int:
    body = json.dumps(result, separators=(",", ":"), allow_nan=False).encode()
    if local_copy is not None:
        write_atomically(local_copy, body)
    if url:
        if not token:
            print("trainer launcher: --upload-url needs $AAR_UPLOAD_TOKEN", file=sys.stderr)
            return EXIT_CODES["internal"]
        try:
            post_result(url, token, body)
        except HttpFailure as error:
            print(f"trainer launcher: upload failed: {error}", file=sys.stderr)
            return EXIT_CODES["internal"]
    return exit_code_of(result)


if __name__ == "__main__":
    sys.exit(main())
