"""The one training loop: weak models, ceilings and students all go through ``fit``.

Sharing it keeps the ceiling and the students comparable (same optimiser, same batching,
same schedule of ``progress``), which PGR depends on.
"""

from __future__ import annotations

import math
import traceback
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import torch
from torch import nn

from .device import Runtime
from .errors import TrainerFailure, is_out_of_memory


@dataclass(frozen=True)
class TrainingConfig:
    """Optimiser settings: AdamW with a constant learning rate, shuffled mini-batches.

    ``accumulation`` splits each batch into that many micro-batches whose gradients add up
    to one optimiser step (each micro-batch's loss is weighted by its share of the batch);
    ``eval_batch_size`` bounds the rows evaluated at once. Both matter only for big models.
    """

    epochs: int
    learning_rate: float
    batch_size: int
    weight_decay: float = 0.0
    accumulation: int = 1
    eval_batch_size: int = 4096


@dataclass(frozen=True)
class Student:
    """A student ready to train: its model and inputs on the device, and how to batch them."""

    model: torch.nn.Module
    train_x: torch.Tensor
    test_x: torch.Tensor
    runtime: Runtime
    accumulation: int = 1
    eval_batch_size: int = 4096


class LossFunction(Protocol):
    """``loss(logits [B, C] float32, targets [B, C] probabilities, progress in [0, 1]) -> scalar``."""

    def __call__(self, logits: torch.Tensor, targets: torch.Tensor, progress: float) -> torch.Tensor: ...


@dataclass(frozen=True)
class WeakValidation:
    """Held-out weakly labelled examples for early stopping: agreement with weak labels, never truth."""

    x: torch.Tensor
    weak_labels: torch.Tensor
    patience: int


@dataclass(frozen=True)
class CurvePoint:
    epoch: int
    train_loss: float | None
    weak_val_accuracy: float | None

    def as_json(self) -> dict[str, float | int | None]:
        return {"epoch": self.epoch, "trainLoss": self.train_loss, "weakValAccuracy": self.weak_val_accuracy}


@dataclass
class FitOutcome:
    """How training went. ``stopped_epoch`` is the last epoch trained; the model holds the
    weights of ``best_epoch`` (the last epoch, unless early stopping restored an earlier one)."""

    curve: list[CurvePoint] = field(default_factory=list)
    stopped_epoch: int = 0
    best_epoch: int = 0
    best_val_accuracy: float | None = None


def fit(
    model: nn.Module,
    x: torch.Tensor,
    targets: torch.Tensor,
    loss_fn: LossFunction,
    config: TrainingConfig,
    seed: int,
    runtime: Runtime,
    validation: WeakValidation | None = None,
    outcome: FitOutcome | None = None,
) -> FitOutcome:
    """Trains ``model`` in place on ``(x, targets)``; ``x`` and ``targets`` already on the device.

    Progress is recorded into ``outcome`` as it happens (pass one in to keep the curve of a
    run that fails half-way).

    Raises ``TrainerFailure('nan_loss')`` as soon as a loss is not finite, and
    ``TrainerFailure('hook_error')`` when backpropagating through an agent's loss fails.
    """
    n = x.shape[0]
    shuffle = torch.Generator().manual_seed(seed)
    trainable = [parameter for parameter in model.parameters() if parameter.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=config.weight_decay)
    scaler = runtime.grad_scaler()
    steps_per_epoch = math.ceil(n / config.batch_size)
    total_steps = config.epochs * steps_per_epoch
    outcome = outcome if outcome is not None else FitOutcome()
    best_state: dict[str, torch.Tensor] | None = None
    stale_epochs = 0
    if validation is not None:
        outcome.best_val_accuracy = weak_agreement(model, validation, runtime, config.eval_batch_size)
        best_state = _snapshot(model)
    outcome.curve.append(CurvePoint(0, None, outcome.best_val_accuracy))
    step = 0
    for epoch in range(1, config.epochs + 1):
        model.train()
        order = torch.randperm(n, generator=shuffle).to(x.device)
        loss_sum = 0.0
        for start in range(0, n, config.batch_size):
            batch = order[start : start + config.batch_size]
            optimizer.zero_grad(set_to_none=True)
            for micro in batch.chunk(config.accumulation):
                with runtime.autocast():
                    logits = model(x[micro])
                loss = loss_fn(logits.float(), targets[micro], step / total_steps)
                value = float(loss.detach())
                if not math.isfinite(value):
                    raise TrainerFailure("nan_loss", f"the training loss became {value} at epoch {epoch}, step {step}")
                if micro.numel() != batch.numel():
                    loss = loss * (micro.numel() / batch.numel())
                _backward(scaler.scale(loss), loss_fn)
                loss_sum += value * micro.numel()
            scaler.step(optimizer)
            scaler.update()
            step += 1
        val_accuracy = None
        if validation is not None:
            val_accuracy = weak_agreement(model, validation, runtime, config.eval_batch_size)
        outcome.curve.append(CurvePoint(epoch, round(loss_sum / n, 6), val_accuracy))
        outcome.stopped_epoch = epoch
        if validation is None or val_accuracy is None:
            outcome.best_epoch = epoch
            continue
        if outcome.best_val_accuracy is None or val_accuracy > outcome.best_val_accuracy:
            outcome.best_val_accuracy, outcome.best_epoch, stale_epochs = val_accuracy, epoch, 0
            best_state = _snapshot(model)
        else:
            stale_epochs += 1
            if stale_epochs >= validation.patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state, strict=False)
    return outcome


def _snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    """A copy of what training can change: trainable parameters and buffers.

    Frozen parameters (a language model's base weights under LoRA) are left out, so early
    stopping keeps a copy of the adapters, not of the whole model.
    """
    state = model.state_dict(keep_vars=True)
    return {
        name: value.detach().clone()
        for name, value in state.items()
        if not isinstance(value, nn.Parameter) or value.requires_grad
    }


def _backward(loss: torch.Tensor, loss_fn: LossFunction) -> None:
    """Backpropagates; a failure inside an agent's loss graph is the agent's hook error."""
    try:
        loss.backward()
    except RuntimeError as error:
        if getattr(loss_fn, "agent_authored", False) and not is_out_of_memory(error):
            raise TrainerFailure(
                "hook_error", f"backpropagating through the hook's loss failed: {error}", traceback.format_exc()
            ) from error
        raise


@torch.no_grad()
def predict_logits(model: nn.Module, x: torch.Tensor, runtime: Runtime, batch_size: int = 4096) -> torch.Tensor:
    """Logits for ``x`` in evaluation mode, float32, on the device."""
    model.eval()
    chunks = []
    for start in range(0, x.shape[0], batch_size):
        with runtime.autocast():
            chunks.append(model(x[start : start + batch_size]).float())
    return torch.cat(chunks)


def predict_probabilities(model: nn.Module, x: torch.Tensor, runtime: Runtime, batch_size: int = 4096) -> np.ndarray:
    """Class probabilities ``[N, C]`` as float64 on the host; rows sum to 1."""
    logits = predict_logits(model, x, runtime, batch_size).cpu().double()
    return torch.softmax(logits, dim=1).numpy()


def weak_agreement(model: nn.Module, validation: WeakValidation, runtime: Runtime, batch_size: int = 4096) -> float:
    """Fraction of validation examples where the model's top class is the weak label's top class."""
    predicted = predict_logits(model, validation.x, runtime, batch_size).argmax(dim=1)
    return int((predicted == validation.weak_labels).sum()) / int(validation.weak_labels.numel())
