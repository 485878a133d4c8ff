"""``python3 -m trainer prepare | import-jsonl | measure`` — argument parsing and exit codes only.

There is no ``run`` here: agent code runs only through ``python3 -m student run``, inside a
sandbox that the launcher (``trainer/launcher/``) sets up; this trusted process never loads it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from student.cli import UsageParser as _Parser
from student.errors import EXIT_CODES, TrainerFailure


USAGE_EXIT_CODE = EXIT_CODES["internal"]  # a bad command line is the caller's bug, not the agent's spec



def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python3 -m trainer", description="AAR weak-to-strong trainer")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    prep = commands.add_parser("prepare", help="make a task bundle and its label store (trusted operators only)")
    prep.add_argument("--task", required=True)
    prep.add_argument("--out", required=True, type=Path, help="directory for bundle.npz and labels.json")
    prep.add_argument("--seeds", type=int, default=8, help="seeds to average weak and ceiling accuracy over (>= 8)")
    prep.add_argument("--size", choices=["default", "small"], default="default")
    prep.add_argument(
        "--secret-file",
        type=Path,
        help="file holding the 32-byte data secret in hex (re-prepares identical bytes); default: a fresh random secret",
    )

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
    return _measure(args)


def _prepare(args: argparse.Namespace) -> int:
    from .prepare import prepare, read_secret_file

    try:
        secret = read_secret_file(args.secret_file) if args.secret_file is not None else None
        store = prepare(args.task, args.out, seeds=args.seeds, size=args.size, secret=secret)
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


def _measure(args: argparse.Namespace) -> int:
    from .measure import measure_tasks

    return measure_tasks(args.task, args.size, args.seeds, args.prepared, args.json)
