"""The one place that imports ``transformers`` and ``peft``, offline, when a text task needs them."""

from __future__ import annotations

import os
from types import ModuleType

from ..errors import TrainerFailure

INSTALL_HINT = (
    "text tasks need transformers and peft: run them with the python that `bash scripts/lm-deps.sh --print-python` "
    "names, or in the student image"
)

# Models are read from mounted folders only: the job never reaches a model hub.
_OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def lm_libraries() -> tuple[ModuleType, ModuleType]:
    """``(transformers, peft)``, imported with every hub access switched off.

    A missing library is ``TrainerFailure('internal')`` naming how to get it: the bundled
    tasks run on Debian's packages alone, so only text tasks can meet this.
    """
    os.environ.update(_OFFLINE)
    try:
        import peft
        import transformers
    except ImportError as error:
        raise TrainerFailure("internal", f"{INSTALL_HINT} ({error})") from None
    transformers.logging.set_verbosity_error()
    return transformers, peft
