"""Where training runs: device choice, determinism settings, threads and mixed precision."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Any, ContextManager, Literal

import torch

from .errors import TrainerFailure

DeviceRequest = Literal["auto", "cpu", "cuda"]


@dataclass(frozen=True)
class Runtime:
    """The device a run uses and how: ``amp_dtype`` is ``None`` for full precision (CPU)."""

    device: torch.device
    amp_dtype: torch.dtype | None
    description: str

    def autocast(self) -> ContextManager[Any]:
        """Mixed precision for the forward pass on GPU; a no-op on CPU."""
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype)

    def grad_scaler(self) -> Any:
        """A loss scaler, enabled only for fp16 (bf16 keeps fp32's exponent range and needs none)."""
        enabled = self.amp_dtype == torch.float16
        amp = getattr(torch, "amp", None)
        if amp is not None and hasattr(amp, "GradScaler"):  # torch >= 2.3
            try:
                return amp.GradScaler(self.device.type, enabled=enabled)
            except TypeError:
                pass
        return torch.cuda.amp.GradScaler(enabled=enabled)


def select_runtime(request: DeviceRequest, threads: int = 1) -> Runtime:
    """Chooses the device and makes runs reproducible on it.

    CPU uses ``threads`` intra-op threads (default 1: the models are tiny, and on a busy
    2-core machine a second thread made each optimiser step ~30x slower through contention).
    Deterministic algorithms are requested everywhere; on CUDA, ops without a deterministic
    kernel only warn, since a run must not fail for that.
    """
    if request == "cuda" and not torch.cuda.is_available():
        raise TrainerFailure("internal", "--device cuda was requested but CUDA is not available")
    use_cuda = request == "cuda" or (request == "auto" and torch.cuda.is_available())
    # Inter-op threads are left alone: nothing here runs ops concurrently, and a refused
    # torch.set_num_interop_threads aborts the whole process from C++.
    torch.set_num_threads(max(1, threads))
    if use_cuda:
        # cuBLAS needs this workspace setting for deterministic matmuls; it must precede CUDA init.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
        torch.use_deterministic_algorithms(True, warn_only=True)
        device = torch.device("cuda", torch.cuda.current_device())
        amp = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        name = torch.cuda.get_device_name(device)
        precision = "bf16" if amp == torch.bfloat16 else "fp16"
        return Runtime(device, amp, f"cuda:{device.index} ({name}, {precision} autocast)"[:200])
    torch.use_deterministic_algorithms(True)
    return Runtime(torch.device("cpu"), None, f"cpu ({torch.get_num_threads()} thread{'s' if threads > 1 else ''})")
