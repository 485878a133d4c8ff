"""The ``hf-causal-lm`` model family: a Hugging Face causal LM turned into a ``[B, C]`` classifier.

Two heads, both read at the last prompt token:

* ``label-token`` — the LM's own next-token logits of one token per class (``labelTokens``,
  e.g. `` No`` / `` Yes``): the pretrained head scores the classes, nothing new is learnt.
* ``classifier`` — a new linear layer on the last hidden state.

With ``lora`` the base weights are frozen and ``peft`` adds adapters (the classifier head, if
any, trains in full); without it every weight trains. Weights come from ``model.path`` only
(``local_files_only``, never ``trust_remote_code``), in bf16 on a GPU that has it.

Inputs are token ids ``[B, L]`` padded on the right with ``-1`` (``encoding.encode_texts``);
each batch is cut to its longest prompt before the forward pass.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Sequence

import torch
from torch import nn

from ..device import Runtime
from .encoding import encode_texts
from .libraries import lm_libraries

IDENTITY_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json")


class ModelFolderError(ValueError):
    """A model folder or a field of ``model`` that does not fit it; names the spec field."""


class TextClassifier(nn.Module):
    """A causal LM's backbone plus a head read at each prompt's last token: ids in, class logits out."""

    def __init__(self, language_model: nn.Module, head: nn.Module | None, label_ids: Sequence[int], pad_id: int) -> None:
        super().__init__()
        self.language_model = language_model
        self.head = head
        self.register_buffer("label_ids", torch.tensor(list(label_ids), dtype=torch.long), persistent=False)
        self.pad_id = pad_id

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        present = ids >= 0
        lengths = present.sum(dim=1)
        width = int(lengths.max())
        ids, present = ids[:, :width], present[:, :width]
        tokens = torch.where(present, ids, torch.full_like(ids, self.pad_id))
        backbone = self.language_model.base_model  # the decoder without its output head
        hidden = backbone(input_ids=tokens, attention_mask=present.long(), use_cache=False).last_hidden_state
        last = hidden[torch.arange(hidden.shape[0], device=hidden.device), lengths - 1]
        if self.head is not None:
            return self.head(last)
        output = self.language_model.get_output_embeddings()
        bias = output.bias[self.label_ids] if getattr(output, "bias", None) is not None else None
        return nn.functional.linear(last, output.weight[self.label_ids], bias)


@dataclass(frozen=True)
class TextModel:
    """A loaded model of a text task, how to feed it, and the runtime it trains under."""

    classifier: TextClassifier
    tokenizer: Any
    runtime: Runtime
    max_length: int
    accumulation: int
    eval_batch_size: int

    def encode(self, texts: Sequence[str]) -> torch.Tensor:
        """Token ids of ``texts`` on the device, ``-1``-padded (see ``encoding.encode_texts``)."""
        return torch.from_numpy(encode_texts(self.tokenizer, texts, self.max_length)).to(self.runtime.device)


def model_fingerprint(path: str | Path) -> str:
    """sha256 over the model's config and tokenizer files: which model a folder holds.

    Weights are not hashed (gigabytes); a task's strong model and a spec's ``model.path`` are
    the same model when these files are.
    """
    folder = checked_folder(path)
    digest = hashlib.sha256()
    for name in IDENTITY_FILES:
        file = folder / name
        if file.is_file():
            digest.update(name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def checked_folder(path: str | Path) -> Path:
    folder = Path(path)
    if not (folder / "config.json").is_file():
        raise ModelFolderError(f"model.path: {folder} holds no config.json (is the model volume mounted there?)")
    return folder


def model_runtime(model_spec: dict[str, Any], runtime: Runtime) -> Runtime:
    """The runtime as ``model.bf16`` wants it: on GPU, bf16 autocast or full precision."""
    if runtime.device.type != "cuda" or model_spec["bf16"]:
        return runtime
    return replace(runtime, amp_dtype=None, description=runtime.description.split(",")[0] + ", fp32)")


def load_text_model(model_spec: dict[str, Any], num_classes: int, training: dict[str, Any], runtime: Runtime, seed: int) -> TextModel:
    """Loads ``model_spec`` (defaults filled) for ``num_classes`` classes; seeds the new weights.

    ``ModelFolderError`` when the folder or the label tokens do not fit.
    """
    transformers, peft = lm_libraries()
    folder = checked_folder(model_spec["path"])
    runtime = model_runtime(model_spec, runtime)
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
    tokenizer.truncation_side = "left"  # keep the end of a long prompt: the label is read there
    label_ids = label_token_ids(tokenizer, model_spec, num_classes) if model_spec["head"] == "label-token" else []
    weights_dtype = torch.bfloat16 if runtime.amp_dtype == torch.bfloat16 else torch.float32
    options: dict[str, Any] = {"local_files_only": True, "trust_remote_code": False, "torch_dtype": weights_dtype}
    if runtime.device.type == "cuda":
        options["device_map"] = {"": runtime.device.index}  # straight onto the GPU, not through host memory
    torch.manual_seed(seed)
    language_model = transformers.AutoModelForCausalLM.from_pretrained(folder, **options)
    language_model.config.use_cache = False
    if model_spec["gradientCheckpointing"]:
        language_model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    head = None
    if model_spec["head"] == "classifier":
        head = nn.Linear(language_model.get_input_embeddings().embedding_dim, num_classes)
        _freeze_unused_output_head(language_model)
    if "lora" in model_spec:
        lora = model_spec["lora"]
        targets = lora["targetModules"]
        config = peft.LoraConfig(
            r=int(lora["r"]),
            lora_alpha=float(lora["alpha"]),
            lora_dropout=float(lora["dropout"]),
            target_modules="all-linear" if targets == ["all-linear"] else list(targets),
            bias="none",
        )
        try:
            peft.get_peft_model(language_model, config)  # adapts language_model in place, freezing its base
        except ValueError as error:
            raise ModelFolderError(f"model.lora.targetModules: {error}") from None
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    classifier = TextClassifier(language_model, head, label_ids, pad_id).to(runtime.device)
    accumulation = int(model_spec["gradientAccumulation"])
    micro_batch = max(1, math.ceil(int(training["batchSize"]) / accumulation))
    return TextModel(classifier, tokenizer, runtime, int(model_spec["maxLength"]), accumulation, micro_batch)


def label_token_ids(tokenizer: Any, model_spec: dict[str, Any], num_classes: int) -> list[int]:
    """The token id of each class's label token; each must be exactly one token, all distinct."""
    tokens = model_spec["labelTokens"]
    if len(tokens) != num_classes:
        raise ModelFolderError(f"model.labelTokens: has {len(tokens)} entries but the task has {num_classes} classes")
    ids = []
    for index, token in enumerate(tokens):
        encoded = tokenizer.encode(token, add_special_tokens=False)
        if len(encoded) != 1:
            raise ModelFolderError(
                f"model.labelTokens.{index}: {token!r} is {len(encoded)} tokens for this tokenizer; each label must be one token"
            )
        ids.append(int(encoded[0]))
    if len(set(ids)) != len(ids):
        raise ModelFolderError("model.labelTokens: two labels are the same token for this tokenizer")
    return ids


def _freeze_unused_output_head(language_model: nn.Module) -> None:
    """With a classifier head the LM's own output head is unused; freeze it unless it is the input embedding."""
    output, embedding = language_model.get_output_embeddings(), language_model.get_input_embeddings()
    if output is not None and output.weight is not embedding.weight:
        output.requires_grad_(False)
