"""The student of a text task: the spec's model, checked against the task's strong model."""

from __future__ import annotations

from typing import Any

from ..device import Runtime
from ..errors import TrainerFailure
from ..text_bundle import TextBundle
from ..training import Student
from .classifier import ModelFolderError, load_text_model, model_fingerprint


def text_student(spec: dict[str, Any], bundle: TextBundle, runtime: Runtime, seed: int) -> Student:
    """Loads ``spec.model`` for ``bundle``'s task and encodes the bundle's prompts for it.

    ``invalid_spec`` when the spec names no model, a folder that is not the task's strong
    model (config and tokenizer compared), or label tokens that do not fit its tokenizer.
    """
    model_spec = spec.get("model")
    strong = bundle.meta["strongModel"]
    if model_spec is None:
        raise TrainerFailure(
            "invalid_spec",
            f"model: task {bundle.task} is a text task: the spec must name its strong model "
            f"({strong.get('name')}, family {strong.get('family')})",
        )
    try:
        if model_fingerprint(model_spec["path"]) != strong["fingerprint"]:
            raise ModelFolderError(
                f"model.path: {model_spec['path']} is not the strong model of task {bundle.task} "
                f"({strong.get('name')}): its config or tokenizer differ"
            )
        model = load_text_model(model_spec, bundle.num_classes, spec["training"], runtime, seed)
        train_x, test_x = model.encode(bundle.train_texts), model.encode(bundle.test_texts)
    except ModelFolderError as error:
        raise TrainerFailure("invalid_spec", str(error)) from None
    return Student(model.classifier, train_x, test_x, model.runtime, model.accumulation, model.eval_batch_size)
