"""Prompts to token ids: one ``[N, L]`` int64 array, right-padded with ``-1``."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

PAD = -1  # never a token id, so padding is told apart from any real token (pad may equal eos)


def encode_texts(tokenizer: Any, texts: Sequence[str], max_length: int) -> np.ndarray:
    """Tokenizes ``texts`` (the model's own special tokens added), keeping at most the last
    ``max_length`` tokens of each (the tokenizer's ``truncation_side`` is ``left``), and pads
    the rows on the right with ``PAD`` to the longest one.

    ``ValueError`` when a prompt encodes to no token at all.
    """
    rows = tokenizer(list(texts), add_special_tokens=True, truncation=True, max_length=max_length)["input_ids"]
    empty = next((index for index, row in enumerate(rows) if len(row) == 0), None)
    if empty is not None:
        raise ValueError(f"prompt {empty} encodes to no token")
    width = max(len(row) for row in rows)
    ids = np.full((len(rows), width), PAD, dtype=np.int64)
    for index, row in enumerate(rows):
        ids[index, : len(row)] = row
    return ids
