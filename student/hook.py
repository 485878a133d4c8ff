"""Agent-authored loss code: load ``spec.hook.source`` and guard every call to it.

The source must define ``loss(logits, weak_probs, progress)`` returning a scalar tensor
that depends on ``logits``. It runs in a fresh module namespace where ``torch``, ``math``
and ``F`` (``torch.nn.functional``) are already imported. It is *not* sandboxed in
process: the student process (its container) is the sandbox, and the only data it can reach
is the task bundle, which holds no labels. Nothing importable here can rebuild them: the
student package holds no task generator, and the data are drawn from a secret only the
trusted ``prepare`` step and the label store know.

Every failure — syntax error, exception, wrong return value — becomes
``TrainerFailure('hook_error')`` with the traceback in ``detail``. A hook is probed once
on a synthetic batch before training, so most mistakes surface in a second, not after
an epoch. A loss that only turns NaN later in training is a ``nan_loss`` (the run
diverged), reported by the training loop.
"""

from __future__ import annotations

import math
import traceback
import types

import torch

from .errors import TrainerFailure, is_out_of_memory

HOOK_FILENAME = "<spec.hook.source>"


class AgentLoss:
    """Calls the agent's ``loss`` and checks what it returns. ``agent_authored`` tells the
    training loop to blame backpropagation failures on the hook."""

    agent_authored = True

    def __init__(self, function: types.FunctionType) -> None:
        self._function = function

    def __call__(self, logits: torch.Tensor, weak_probs: torch.Tensor, progress: float) -> torch.Tensor:
        try:
            value = self._function(logits, weak_probs, progress)
        except Exception as error:
            if is_out_of_memory(error):
                raise
            raise _hook_failure(f"the hook's loss() raised {type(error).__name__}: {error}") from error
        return _checked(value)


def load_hook(source: str) -> AgentLoss:
    """Compiles and executes ``source`` in a fresh module; returns its checked ``loss``."""
    module = types.ModuleType("aar_hook")
    module.__dict__.update({"torch": torch, "math": math, "F": torch.nn.functional})
    try:
        code = compile(source, HOOK_FILENAME, "exec")
        exec(code, module.__dict__)  # noqa: S102 — running agent code is this module's purpose
    except Exception as error:  # SyntaxError included
        raise _hook_failure(f"the hook source failed to load: {type(error).__name__}: {error}") from error
    function = module.__dict__.get("loss")
    if not callable(function):
        raise TrainerFailure("hook_error", "the hook source must define a function loss(logits, weak_probs, progress)")
    return AgentLoss(function)


def probe_hook(loss: AgentLoss, num_classes: int, batch_size: int = 8) -> None:
    """Runs the hook on a synthetic batch at progress 0, 0.5 and 1 and backpropagates once.

    The batch is random logits and random soft labels, not task data, so nothing the hook
    could learn from the probe is about the task.
    """
    generator = torch.Generator().manual_seed(0)
    for progress in (0.0, 0.5, 1.0):
        logits = torch.randn(batch_size, num_classes, generator=generator).requires_grad_(True)
        weak = torch.softmax(torch.randn(batch_size, num_classes, generator=generator), dim=1)
        value = loss(logits, weak, progress)
        if not math.isfinite(float(value.detach())):
            raise TrainerFailure("hook_error", f"the hook's loss() returned {float(value.detach())} on a probe batch")
        try:
            value.backward()
        except RuntimeError as error:
            raise _hook_failure(f"backpropagating through the hook's loss failed: {error}") from error
        if logits.grad is None:
            raise TrainerFailure("hook_error", "the hook's loss() does not depend on logits (no gradient reaches them)")


def _checked(value: object) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise TrainerFailure("hook_error", f"the hook's loss() must return a torch.Tensor, returned {type(value).__name__}")
    if value.numel() != 1:
        raise TrainerFailure("hook_error", f"the hook's loss() must return a scalar, returned shape {list(value.shape)}")
    if not value.is_floating_point():
        raise TrainerFailure("hook_error", f"the hook's loss() must return a floating-point tensor, returned {value.dtype}")
    if not value.requires_grad:
        raise TrainerFailure("hook_error", "the hook's loss() returned a tensor without gradient (detached from logits)")
    return value.reshape(())


def _hook_failure(message: str) -> TrainerFailure:
    return TrainerFailure("hook_error", message, traceback.format_exc())
