"""One student run: a spec plus a task bundle in, a result bundle out.

``run_student`` never raises: whatever happens, it returns a ``RunReport`` whose
``failure`` (if any) says why, so the CLI can always deliver a result and exit with the
matching code. The strong model comes from the model registry (``models.build_model``) by
the name the bundle's meta gives, so a run needs no task definition (those hold the data
generators, which stay on the trusted side).
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .bundle import TaskBundle, read_bundle
from .device import DeviceRequest, Runtime, select_runtime
from .errors import TrainerFailure, is_out_of_memory
from .hook import load_hook, probe_hook
from .losses import named_loss
from .result import RunReport
from .spec import list_issues, load_schema, parse_spec, raw_task_and_seed
from .models import UnknownModel, build_model
from .text_bundle import TextBundle
from .training import FitOutcome, LossFunction, Student, TrainingConfig, WeakValidation, fit, predict_probabilities


@dataclass(frozen=True)
class RunRequest:
    """The inputs of ``python3 -m student run``, already read from the command line."""

    spec_text: str
    bundle_path: Path
    seed_override: int | None = None
    device: DeviceRequest = "auto"
    threads: int = 1


def run_student(request: RunRequest) -> RunReport:
    """Runs the whole student pipeline and reports; exceptions become failures, never escape."""
    report = RunReport()
    try:
        schema = load_schema()
        _describe_before_parsing(request, schema, report)
        spec = _effective_spec(request, schema)
        report.spec, report.seed, report.task = spec, spec["seed"], spec["task"]
        bundle = read_bundle(_bundle_bytes(request.bundle_path))
        if bundle.task != spec["task"]:
            raise TrainerFailure("bundle_error", f"the bundle holds task {bundle.task!r} but the spec names {spec['task']!r}")
        runtime = select_runtime(request.device, request.threads)
        report.device = runtime.description
        train_student(spec, bundle, runtime, report)
    except TrainerFailure as failure:
        report.failure = failure
    except Exception as error:  # noqa: BLE001 — every failure must become a result
        kind = "out_of_memory" if is_out_of_memory(error) else "internal"
        report.failure = TrainerFailure(kind, f"{type(error).__name__}: {error}", traceback.format_exc())
    return report


def _bundle_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise TrainerFailure("bundle_error", f"could not read the task bundle {path}: {error.strerror or error}") from None


def _describe_before_parsing(request: RunRequest, schema: dict[str, Any], report: RunReport) -> None:
    """Fills ``task`` and ``seed`` from the raw spec, so even an invalid spec's result names them."""
    task, seed = raw_task_and_seed(request.spec_text)
    if task is not None and re.fullmatch(schema["properties"]["task"]["pattern"], task):
        report.task = task
    chosen = request.seed_override if request.seed_override is not None else seed
    report.seed = chosen if chosen is not None and chosen >= 0 else 0


def _effective_spec(request: RunRequest, schema: dict[str, Any]) -> dict[str, Any]:
    """The validated spec with defaults filled in and ``--seed`` applied (and re-validated)."""
    spec = parse_spec(request.spec_text, schema)
    if request.seed_override is not None:
        spec["seed"] = request.seed_override
        issues = list_issues(spec, schema)
        if issues:
            raise TrainerFailure("invalid_spec", "invalid --seed: " + "; ".join(issues))
    return spec


def train_student(spec: dict[str, Any], bundle: TaskBundle | TextBundle, runtime: Runtime, report: RunReport) -> None:
    """Trains the task's strong model on the bundle's weak labels as ``spec`` says; fills ``report``."""
    if not isinstance(bundle, TextBundle) and "model" in spec:
        raise TrainerFailure("invalid_spec", f"model: task {bundle.task} fixes its own model; remove model from the spec")
    seed = int(spec["seed"])
    loss_fn = _loss_function(spec, bundle.num_classes)
    train_index, validation_index = _split(spec, bundle.weak_probs, seed)
    report.train_examples = int(train_index.size)
    if isinstance(bundle, TextBundle):
        from .lm.student import text_student  # imports transformers: only text tasks need it

        student = text_student(spec, bundle, runtime, seed)
        report.device = student.runtime.description
    else:
        student = _bundled_student(bundle, runtime, seed)
    runtime, device = student.runtime, student.runtime.device
    x = student.train_x
    weak = torch.from_numpy(bundle.weak_probs).to(device)
    validation = None
    if validation_index is not None:
        rows = torch.from_numpy(validation_index).to(device)
        validation = WeakValidation(x[rows], weak[rows].argmax(dim=1), int(spec["earlyStopping"]["patience"]))
    rows = torch.from_numpy(train_index).to(device)
    training = spec["training"]
    config = TrainingConfig(
        epochs=int(training["epochs"]),
        learning_rate=float(training["learningRate"]),
        batch_size=int(training["batchSize"]),
        weight_decay=float(training["weightDecay"]),
        accumulation=student.accumulation,
        eval_batch_size=student.eval_batch_size,
    )
    outcome = FitOutcome()
    report.curve = outcome.curve
    fit(student.model, x[rows], weak[rows], loss_fn, config, seed, runtime, validation, outcome)
    report.stopped_epoch = outcome.stopped_epoch
    report.weak_validation_accuracy = outcome.best_val_accuracy
    report.predictions = predict_probabilities(student.model, student.test_x, runtime, student.eval_batch_size)
    # How much of its supervisor the student merely copies: 1.0 means nothing was learned beyond imitation.
    train_classes = predict_probabilities(student.model, x, runtime, student.eval_batch_size).argmax(axis=1)
    report.weak_agreement = float((train_classes == bundle.weak_probs.argmax(axis=1)).mean())


def _bundled_student(bundle: TaskBundle, runtime: Runtime, seed: int) -> Student:
    """The strong model the bundle's meta names (a spec may not pick it), seeded, with the
    bundle's arrays on the device."""
    device = runtime.device
    train_x = torch.from_numpy(bundle.train_x).to(device)
    test_x = torch.from_numpy(bundle.test_x).to(device)
    shape = tuple(int(d) for d in bundle.meta["inputShape"])
    torch.manual_seed(seed)
    try:
        model = build_model(str(bundle.meta["strongModel"]), shape, bundle.num_classes)
    except UnknownModel as error:
        raise TrainerFailure("bundle_error", str(error)) from None
    return Student(model.to(device), train_x, test_x, runtime)


def _loss_function(spec: dict[str, Any], num_classes: int) -> LossFunction:
    """The agent's hook when the spec has one (probed first), else the named loss."""
    if "hook" in spec:
        hook = load_hook(spec["hook"]["source"])
        probe_hook(hook, num_classes)
        return hook
    return named_loss(spec["loss"])


def _split(spec: dict[str, Any], weak_probs: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Training rows (after confidence filtering) and, with early stopping, validation rows.

    The validation rows are drawn first, from the whole weakly labelled split, so the
    filter changes only what the student trains on, not what early stopping measures.
    """
    n = weak_probs.shape[0]
    train_index, validation_index = np.arange(n), None
    if "earlyStopping" in spec:
        fraction = float(spec["earlyStopping"]["validationFraction"])
        count = min(n - 1, max(1, round(fraction * n)))
        order = np.random.default_rng(seed).permutation(n)
        validation_index, train_index = np.sort(order[:count]), np.sort(order[count:])
    if "filter" in spec:
        threshold = float(spec["filter"]["confidenceThreshold"])
        train_index = train_index[weak_probs[train_index].max(axis=1) >= threshold]
        if train_index.size == 0:
            top = float(weak_probs.max(axis=1).max())
            raise TrainerFailure(
                "invalid_spec",
                f"filter.confidenceThreshold: {threshold} keeps no training example (the most confident weak label is {top:.4f})",
            )
    return train_index, validation_index
