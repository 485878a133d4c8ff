"""``python3 -m student run`` — argument parsing, result writing and exit codes only.

Local files in, a local file out: the spec and the bundle are paths, the result JSON is
written to ``--out`` (atomically, failures included) and the exit code says how the run
ended (``errors.EXIT_CODES``). Fetching the bundle and uploading the result are the
trusted launcher's job, outside the sandbox this runs in.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import NoReturn, Sequence

from .errors import EXIT_CODES, TrainerFailure

USAGE_EXIT_CODE = EXIT_CODES["internal"]  # a bad command line is the caller's bug, not the agent's spec


class UsageParser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors; 2 means invalid_spec here, so use 1 (shared by every AAR CLI)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(USAGE_EXIT_CODE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = UsageParser(prog="python3 -m student", description="AAR weak-to-strong student run (sandboxed)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=UsageParser)
    run = commands.add_parser("run", help="train one student and write its result bundle")
    run.add_argument("--spec", required=True, type=Path, help="experiment spec JSON file")
    run.add_argument("--bundle", required=True, type=Path, help="task bundle file (bundle.npz)")
    run.add_argument("--out", required=True, type=Path, help="write the result bundle JSON here (failures too)")
    run.add_argument("--seed", type=int, default=None, help="overrides spec.seed")
    run.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    run.add_argument("--threads", type=int, default=1, help="CPU threads (default 1; the models are tiny)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    from .files import write_atomically
    from .result import RunReport, encode
    from .run import RunRequest, run_student
    from .validate_result import result_issues

    started = time.monotonic()
    try:
        spec_text = args.spec.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        failure = TrainerFailure("internal", f"cannot read the spec file {args.spec}: {error}")
        report = RunReport(seed=max(0, args.seed or 0), failure=failure)
    else:
        report = run_student(RunRequest(spec_text, args.bundle, args.seed, args.device, args.threads))
    result = report.as_json(time.monotonic() - started)
    try:
        for issue in result_issues(result):
            print(f"student run: warning: result bundle does not match its schema: {issue}", file=sys.stderr)
    except Exception as error:  # noqa: BLE001 — a self-check must never stop delivery
        print(f"student run: warning: could not check the result bundle: {error}", file=sys.stderr)
    if report.failure is not None:
        print(f"student run: failed ({report.failure.kind}): {report.failure.message}", file=sys.stderr)
    write_atomically(args.out, encode(result))
    return report.failure.exit_code if report.failure is not None else EXIT_CODES["succeeded"]

