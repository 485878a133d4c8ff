"""Randomly initialised causal LMs with a local word-level tokenizer: models without a download.

    python3 -m trainer.lm.random_model --out DIR [--preset strong-tiny] [--arch qwen2] [--layers N --hidden N …]

Writes a folder that ``from_pretrained`` reads like any mounted model: ``config.json``,
``model.safetensors`` and a ``tokenizer.json`` built here from a word list (the synthetic
task's ``VOCABULARY`` plus ``--extra-vocab`` filler words, to reach a realistic embedding
size). Weights come from ``--seed``. For tests, CI and device checks only: the models know
nothing until trained.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Sequence

import torch

from student.lm.libraries import lm_libraries

from .synthetic import VOCABULARY

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[EOS]")

PRESETS: dict[str, dict[str, int]] = {
    # weak teacher and strong student of the CPU tests: ~3 k and ~90 k parameters
    "weak-tiny": {"layers": 1, "hidden": 16, "heads": 2, "kv_heads": 1, "intermediate": 32},
    "strong-tiny": {"layers": 2, "hidden": 64, "heads": 4, "kv_heads": 2, "intermediate": 128},
    # the device check: a ~0.5 B-parameter decoder (Qwen2.5-0.5B's shape, a 32 k vocabulary)
    "gpu-medium": {"layers": 24, "hidden": 896, "heads": 14, "kv_heads": 2, "intermediate": 4864, "extra_vocab": 32_000},
}


def word_vocabulary(extra: int = 0) -> dict[str, int]:
    """Special tokens, the synthetic task's words, then ``extra`` filler words."""
    words = [*SPECIAL_TOKENS, *VOCABULARY, *(f"w{index:06d}" for index in range(extra))]
    return {word: index for index, word in enumerate(words)}


def build_tokenizer(vocabulary: dict[str, int]) -> Any:
    """A fast word-level tokenizer (whitespace split), built locally, nothing fetched."""
    transformers, _ = lm_libraries()
    from tokenizers import Tokenizer, models, pre_tokenizers

    core = Tokenizer(models.WordLevel(vocab=vocabulary, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=core,
        pad_token="[PAD]",
        unk_token="[UNK]",
        eos_token="[EOS]",
        model_input_names=["input_ids", "attention_mask"],
    )


def write_random_model(
    out_dir: Path,
    *,
    arch: str = "qwen2",
    layers: int,
    hidden: int,
    heads: int,
    kv_heads: int,
    intermediate: int,
    extra_vocab: int = 0,
    max_positions: int = 2048,
    seed: int = 0,
) -> Path:
    """Writes a randomly initialised ``arch`` decoder and its tokenizer into ``out_dir``."""
    transformers, _ = lm_libraries()
    vocabulary = word_vocabulary(extra_vocab)
    tokenizer = build_tokenizer(vocabulary)
    config = transformers.AutoConfig.for_model(
        arch,
        vocab_size=len(vocabulary),
        hidden_size=hidden,
        intermediate_size=intermediate,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        max_position_embeddings=max_positions,
        tie_word_embeddings=True,
        pad_token_id=vocabulary["[PAD]"],
        eos_token_id=vocabulary["[EOS]"],
        bos_token_id=None,
    )
    torch.manual_seed(seed)
    model = transformers.AutoModelForCausalLM.from_config(config)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    return out_dir


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m trainer.lm.random_model", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="strong-tiny")
    parser.add_argument("--arch", default="qwen2", help="a transformers model type: qwen2, llama, qwen3 (transformers >= 4.51)")
    for name in ("layers", "hidden", "heads", "kv_heads", "intermediate", "extra_vocab"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, help="overrides the preset")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    shape = {"extra_vocab": 0, **PRESETS[args.preset]}
    shape.update({name: value for name in shape if (value := getattr(args, name)) is not None})
    write_random_model(args.out, arch=args.arch, seed=args.seed, **shape)
    count = sum(p.numel() for p in lm_libraries()[0].AutoModelForCausalLM.from_pretrained(args.out).parameters())
    print(f"wrote {args.out}: {args.arch} {shape}, {count:,} parameters")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
