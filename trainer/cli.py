"""``python3 -m trainer prepare | import-jsonl | run | measure`` — argument parsing and exit codes only."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import NoReturn, Sequence

from .errors import EXIT_CODES, TrainerFailure

USAGE_EXIT_CODE = EXIT_CODES["internal"]  # a bad command line is the caller's bug, not the agent's spec


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors; 2 means invalid_spec here, so use 1."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(USAGE_EXIT_CODE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python3 -m trainer", description="AAR weak-to-strong trainer")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    prep = commands.add_parser("prepare", help="make a task bundle and its label store (trusted operators only)")
    prep.add_argument("--task", required=True)
    prep.add_argument("--out", required=True, type=Path, help="directory for bundle.npz and labels.json")
    prep.add_argument("--seeds", type=int, default=8, help="seeds to average weak and ceiling accuracy over (>= 8)")
    prep.add_argument("--size", choices=["default", "small"], default="default")

    imp = commands.add_parser(
        "import-jsonl", help="make a text task from train_label/train_unlabel/test JSONL files (trusted operators only)"
    )
    imp.add_argument("--data", required=True, type=Path, help="directory with train_label.jsonl, train_unlabel.jsonl, test.jsonl")
    imp.add_argument("--task", required=True, help="task id (lower-case letters, digits, dashes)")
    imp.add_argument("--weak-spec", required=True, type=Path, help="experiment spec of the weak teacher (model + training)")
    imp.add_argument("--strong-spec", required=True, type=Path, help="experiment spec of the strong model (the ceiling)")
    imp.add_argument("--out", required=True, type=Path, help="directory for bundle.npz and labels.json")
    imp.add_argument("--seeds", type=int, default=1, help="seeds to average weak and ceiling accuracy over")
    imp.add_argument("--template", default="{text}", help="prompt from a row: a format string over its fields")
    imp.add_argument("--label-field", default="label")
    imp.add_argument("--classes", help="comma-separated class names, when labels are strings")
    imp.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    imp.add_argument("--threads", type=int, default=1)

    run = commands.add_parser("run", help="train one student and deliver its result bundle")
    run.add_argument("--spec", required=True, type=Path, help="experiment spec JSON file")
    run.add_argument("--bundle", required=True, help="task bundle: a path or an http(s) URL")
    run.add_argument("--bundle-token", default=os.environ.get("AAR_BUNDLE_TOKEN"), help="bearer token for a bundle URL")
    run.add_argument("--seed", type=int, default=None, help="overrides spec.seed")
    run.add_argument("--out", type=Path, help="write the result bundle here (kept even when uploading)")
    run.add_argument("--upload-url", help="POST the result bundle here")
    run.add_argument("--upload-token", default=os.environ.get("AAR_UPLOAD_TOKEN"), help="bearer token for the upload")
    run.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    run.add_argument("--threads", type=int, default=1, help="CPU threads (default 1; the models are tiny)")

    measure = commands.add_parser("measure", help="print weak, ceiling and PGR per method over seeds")
    measure.add_argument("--task", action="append", required=True, help="repeatable")
    measure.add_argument("--size", choices=["default", "small"], default="default")
    measure.add_argument("--seeds", type=int, default=5, help="student seeds per method")
    measure.add_argument("--prepared", type=Path, help="directory with <task>/bundle.npz (prepared when missing)")
    measure.add_argument("--json", type=Path, help="also write the numbers as JSON here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "prepare":
        return _prepare(args)
    if args.command == "import-jsonl":
        return _import_jsonl(args)
    if args.command == "run":
        return _run(args)
    return _measure(args)


def _prepare(args: argparse.Namespace) -> int:
    from .prepare import prepare

    try:
        store = prepare(args.task, args.out, seeds=args.seeds, size=args.size)
    except (KeyError, ValueError) as error:
        print(f"trainer prepare: {error.args[0] if error.args else error}", file=sys.stderr)
        return USAGE_EXIT_CODE
    weak, ceiling = store["weakAccuracy"], store["ceilingAccuracy"]
    print(
        f"{store['task']}: weak {weak['mean']:.4f} ± {weak['sd']:.4f}, ceiling {ceiling['mean']:.4f} ± {ceiling['sd']:.4f} "
        f"over {store['seeds']} seeds; wrote {args.out}/bundle.npz (sha256 {store['bundleSha256'][:12]}…) and labels.json"
    )
    return 0


def _import_jsonl(args: argparse.Namespace) -> int:
    from .lm.import_task import ImportRequest, import_jsonl

    classes = [name.strip() for name in args.classes.split(",")] if args.classes else None
    request = ImportRequest(
        data_dir=args.data,
        task_id=args.task,
        weak_spec=args.weak_spec,
        strong_spec=args.strong_spec,
        out_dir=args.out,
        seeds=args.seeds,
        template=args.template,
        label_field=args.label_field,
        classes=classes,
        device=args.device,
        threads=args.threads,
    )
    try:
        store = import_jsonl(request)
    except (KeyError, ValueError) as error:
        print(f"trainer import-jsonl: {error.args[0] if error.args else error}", file=sys.stderr)
        return USAGE_EXIT_CODE
    except TrainerFailure as failure:
        print(f"trainer import-jsonl: {failure.message}", file=sys.stderr)
        return failure.exit_code
    weak, ceiling = store["weakAccuracy"], store["ceilingAccuracy"]
    print(
        f"{store['task']}: weak {weak['mean']:.4f} ± {weak['sd']:.4f}, ceiling {ceiling['mean']:.4f} ± {ceiling['sd']:.4f} "
        f"over {store['seeds']} seed(s); wrote {args.out}/bundle.npz (sha256 {store['bundleSha256'][:12]}…) and labels.json"
    )
    return 0


def _run(args: argparse.Namespace) -> int:
    from .http_retry import HttpFailure
    from .result import RunReport, encode
    from .run import RunRequest, run_student
    from .upload import post_result, write_atomically
    from .validate_result import result_issues

    if not args.out and not args.upload_url:
        _Parser(prog="python3 -m trainer run").error("give --out, --upload-url, or both")
    if args.upload_url and not args.upload_token:
        _Parser(prog="python3 -m trainer run").error("--upload-url needs --upload-token (or $AAR_UPLOAD_TOKEN)")
    started = time.monotonic()
    try:
        spec_text = args.spec.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        failure = TrainerFailure("internal", f"cannot read the spec file {args.spec}: {error}")
        report = RunReport(seed=max(0, args.seed or 0), failure=failure)
    else:
        run_folder = args.out.parent if args.out else args.spec.parent
        report = run_student(
            RunRequest(spec_text, args.bundle, args.bundle_token, args.seed, args.device, args.threads, run_folder)
        )
    result = report.as_json(time.monotonic() - started)
    try:
        for issue in result_issues(result):
            print(f"trainer run: warning: result bundle does not match its schema: {issue}", file=sys.stderr)
    except Exception as error:  # noqa: BLE001 — a self-check must never stop delivery
        print(f"trainer run: warning: could not check the result bundle: {error}", file=sys.stderr)
    body = encode(result)
    if report.failure is not None:
        print(f"trainer run: failed ({report.failure.kind}): {report.failure.message}", file=sys.stderr)
    if args.out:
        write_atomically(args.out, body)
    if args.upload_url:
        try:
            post_result(args.upload_url, args.upload_token, body)
        except HttpFailure as error:
            print(f"trainer run: upload failed: {error}", file=sys.stderr)
            return EXIT_CODES["internal"]
    return report.failure.exit_code if report.failure is not None else EXIT_CODES["succeeded"]


def _measure(args: argparse.Namespace) -> int:
    from .measure import measure_tasks

    return measure_tasks(args.task, args.size, args.seeds, args.prepared, args.json)
