"""Training and inference speed of the LM family on one model folder: tokens per second and memory.

    python3 -m trainer.lm.throughput --model DIR [--batch 32] [--length 256] [--steps 8] [--lora-r 32]
                                     [--accumulation 1] [--checkpointing] [--device auto]

Runs the same ``fit`` and ``predict_probabilities`` a student run uses, on random token ids of
exactly ``--length`` tokens (no padding), after one warm-up step, and prints one JSON object:
training and inference tokens per second, seconds per optimiser step, and peak memory (CUDA:
``max_memory_allocated``; CPU: the process's peak resident set). A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path
from typing import Any, Sequence

import torch

from student.device import select_runtime
from student.lm.classifier import load_text_model
from student.losses import soft_cross_entropy
from student.spec import load_schema, parse_spec
from student.training import TrainingConfig, fit, predict_probabilities


def measure(args: argparse.Namespace) -> dict[str, Any]:
    model: dict[str, Any] = {"family": "hf-causal-lm", "path": str(args.model), "head": "classifier",
                             "maxLength": args.length, "gradientAccumulation": args.accumulation,
                             "gradientCheckpointing": args.checkpointing, "bf16": not args.fp32}
    if args.lora_r > 0:
        model["lora"] = {"r": args.lora_r}
    training = {"epochs": 1, "learningRate": 1e-4, "batchSize": args.batch}
    spec = parse_spec(json.dumps({"specVersion": 1, "task": "throughput", "loss": {"kind": "xent"},
                                  "training": training, "model": model}), load_schema())
    runtime = select_runtime(args.device, args.threads)
    loaded = load_text_model(spec["model"], 2, spec["training"], runtime, seed=0)
    device = loaded.runtime.device
    vocabulary = loaded.classifier.language_model.get_input_embeddings().num_embeddings
    generator = torch.Generator().manual_seed(0)
    rows = args.batch * args.steps
    ids = torch.randint(3, vocabulary, (rows, args.length), generator=generator).to(device)
    targets = torch.nn.functional.one_hot(torch.randint(0, 2, (rows,), generator=generator), 2).float().to(device)
    config = TrainingConfig(1, 1e-4, args.batch, accumulation=args.accumulation, eval_batch_size=loaded.eval_batch_size)
    loss = lambda z, t, _p: soft_cross_entropy(z, t)  # noqa: E731
    fit(loaded.classifier, ids[: args.batch], targets[: args.batch], loss, config, 0, loaded.runtime)  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    started = time.perf_counter()
    fit(loaded.classifier, ids, targets, loss, config, 0, loaded.runtime)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    predict_probabilities(loaded.classifier, ids, loaded.runtime, loaded.eval_batch_size)
    predict_seconds = time.perf_counter() - started
    trainable = sum(p.numel() for p in loaded.classifier.parameters() if p.requires_grad)
    total = sum(p.numel() for p in loaded.classifier.parameters())
    peak = (
        torch.cuda.max_memory_allocated(device) / 2**30
        if device.type == "cuda"
        else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    )
    return {
        "model": str(args.model),
        "device": loaded.runtime.description,
        "parameters": total,
        "trainableParameters": trainable,
        "batch": args.batch,
        "length": args.length,
        "accumulation": args.accumulation,
        "gradientCheckpointing": args.checkpointing,
        "steps": args.steps,
        "trainTokensPerSecond": round(rows * args.length / train_seconds, 1),
        "secondsPerStep": round(train_seconds / args.steps, 4),
        "inferenceTokensPerSecond": round(rows * args.length / predict_seconds, 1),
        "peakMemoryGiB": round(peak, 3),
        "peakMemoryKind": "cuda max_memory_allocated" if device.type == "cuda" else "process max RSS",
        "torch": torch.__version__,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m trainer.lm.throughput", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--length", type=int, default=256)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--lora-r", type=int, default=32, help="0: full fine-tuning")
    parser.add_argument("--accumulation", type=int, default=1)
    parser.add_argument("--checkpointing", action="store_true")
    parser.add_argument("--fp32", action="store_true", help="on GPU: full precision instead of bf16")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
