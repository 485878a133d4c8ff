"""A small generated text task in the three-file JSONL layout, for tests and device checks.

    python3 -m trainer.lm.synthetic --out DIR [--train-label 200] [--train-unlabel 600] [--test 400] [--seed 0]

Each row is ``{"text": "review: w1 … wK", "label": 0|1}``: ``K`` words drawn from a positive,
a negative and a neutral list; the label is 1 when the review has more positive than
negative words (never a tie). A bag-of-words rule that a two-layer transformer learns from
scratch in seconds on a CPU, and that a smaller one trained on fewer rows learns worse —
so the weak teacher stays below the ceiling. Nothing is downloaded; ``VOCABULARY`` is every
word a prompt or a label token can hold (``random_model`` builds its tokenizer from it).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Sequence

import numpy as np

POSITIVE = ("bright", "calm", "clean", "fresh", "gentle", "happy", "kind", "lively", "neat", "proud", "quick", "warm")
NEGATIVE = ("broken", "cold", "dirty", "dull", "grim", "harsh", "lazy", "loud", "rough", "sad", "slow", "weak")
NEUTRAL = (
    "apple", "bench", "bridge", "chair", "city", "cloud", "door", "field", "garden", "glass", "house", "lamp",
    "letter", "market", "music", "paper", "river", "road", "shadow", "stone", "table", "train", "tree", "window",
)
TEMPLATE = "{text} answer:"
LABEL_TOKENS = (" no", " yes")
VOCABULARY = ("review:", "answer:", "no", "yes", "No", "Yes", *POSITIVE, *NEGATIVE, *NEUTRAL)


def generate_rows(count: int, rng: np.random.Generator, words: int = 10) -> list[dict[str, object]]:
    """``count`` labelled reviews of ``words`` words each."""
    rows = []
    for _ in range(count):
        positive, negative = rng.choice(4, size=2, replace=False)  # distinct counts: no ties
        chosen = (
            list(rng.choice(POSITIVE, size=positive))
            + list(rng.choice(NEGATIVE, size=negative))
            + list(rng.choice(NEUTRAL, size=words - positive - negative))
        )
        rng.shuffle(chosen)
        rows.append({"text": "review: " + " ".join(str(word) for word in chosen), "label": int(positive > negative)})
    return rows


def write_task(out_dir: Path, train_label: int = 200, train_unlabel: int = 600, test: int = 400, seed: int = 0) -> Path:
    """Writes ``train_label.jsonl``, ``train_unlabel.jsonl`` and ``test.jsonl`` into ``out_dir``."""
    rng = np.random.default_rng(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, count in (("train_label", train_label), ("train_unlabel", train_unlabel), ("test", test)):
        lines = [json.dumps(row) for row in generate_rows(count, rng)]
        (out_dir / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out_dir


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m trainer.lm.synthetic", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--train-label", type=int, default=200)
    parser.add_argument("--train-unlabel", type=int, default=600)
    parser.add_argument("--test", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    write_task(args.out, args.train_label, args.train_unlabel, args.test, args.seed)
    print(f"wrote {args.out}/{{train_label,train_unlabel,test}}.jsonl")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
