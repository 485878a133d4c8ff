"""The bundled tasks, generated procedurally inside the trainer (nothing is downloaded).

``mnist1d`` is the main task; ``motifs1d`` is a different family kept for transfer checks.
Trusted code only: the generators here, given the data secret, rebuild every test label.
The student runtime knows the models by their registry names (``weak_name``,
``strong_name``) and never imports this package.
"""

from __future__ import annotations

from functools import partial

from student.training import TrainingConfig

from . import mnist1d, motifs1d
from .definition import SizeConfig, TaskDefinition

_MNIST1D = mnist1d.SignalParams(correlated_noise=0.1, white_noise=0.05, shear_sd=0.3)
_MOTIFS1D = motifs1d.MotifParams(length=28, mutation_rate=0.1, decoys=0)
_WEAK_TRAINING = TrainingConfig(epochs=30, learning_rate=2e-3, batch_size=64)
_STUDENT_TRAINING = TrainingConfig(epochs=20, learning_rate=2e-3, batch_size=64)

TASKS: dict[str, TaskDefinition] = {
    "mnist1d": TaskDefinition(
        task_id="mnist1d",
        family="mnist1d",
        generator_version=2,
        num_classes=mnist1d.NUM_CLASSES,
        input_shape=(_MNIST1D.length,),
        generate=partial(mnist1d.generate, params=_MNIST1D),
        weak_name="mlp-2x100",
        strong_name="shift-invariant-cnn-32",
        weak_training=_WEAK_TRAINING,
        sizes={
            "default": SizeConfig(train_gt=1000, train_w2s=4000, test=8000, student=_STUDENT_TRAINING),
            "small": SizeConfig(train_gt=500, train_w2s=1000, test=1000, student=_STUDENT_TRAINING),
        },
    ),
    "motifs1d": TaskDefinition(
        task_id="motifs1d",
        family="motifs1d",
        generator_version=2,
        num_classes=_MOTIFS1D.num_classes,
        input_shape=(motifs1d.LETTERS, _MOTIFS1D.length),
        generate=partial(motifs1d.generate, params=_MOTIFS1D),
        weak_name="mlp-2x100",
        strong_name="shift-invariant-cnn-32",
        weak_training=_WEAK_TRAINING,
        sizes={
            "default": SizeConfig(train_gt=4000, train_w2s=4000, test=8000, student=_STUDENT_TRAINING),
            "small": SizeConfig(train_gt=2000, train_w2s=1000, test=1000, student=_STUDENT_TRAINING),
        },
    ),
}


def get_task(task_id: str) -> TaskDefinition:
    """The bundled task named ``task_id``; ``KeyError`` names the known ones."""
    try:
        return TASKS[task_id]
    except KeyError:
        raise KeyError(f"unknown task {task_id!r} (known: {', '.join(sorted(TASKS))})") from None


__all__ = ["TASKS", "SizeConfig", "TaskDefinition", "get_task"]
