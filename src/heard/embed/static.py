"""The encoder's token embeddings, mean-pooled: a sentence vector in microseconds.

The learned listening detectors (`heard.detectors.learned`) judge every agent sentence of every
conversation. Running the transformer over each one costs ~1.5 ms a sentence, ten times the
analysis budget (`heard bench analyze` ≥ 200 conversations/s on 2 processes). So they read the
input layer of the same encoder instead: the word-piece vectors of MiniLM's embedding table (the
small encoder shares it unchanged, `heard.embed.student`), averaged over a sentence's word
pieces and scaled to unit length. The tokenizer and the table are heard's shipped copy of
MiniLM's (``heard/weights/minilm``, `heard.embed.shipped_dir`), whichever encoder is chosen: the
table is the same in both.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

from heard.embed import SHIPPED_FOLDER, EmbeddingsUnavailable, shipped_dir

TABLE = "embeddings.word_embeddings.weight"
MAX_TOKENS = 128
_SPECIAL = 103
"""Ids below this are [PAD], [unused…], [UNK], [CLS], [SEP], [MASK]: not pooled."""


class TokenEmbedder:
    """Mean-pooled word-piece embeddings of texts, unit length (n × 384, float32)."""

    def __init__(self) -> None:
        from safetensors import safe_open
        from tokenizers import Tokenizer

        folder = shipped_dir()
        if folder is None:
            raise EmbeddingsUnavailable(
                f"heard/weights/{SHIPPED_FOLDER} is incomplete: reinstall heard"
            )
        self.tokenizer: Any = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        with safe_open(str(folder / "embeddings.safetensors"), framework="np") as weights:
            name = next(k for k in weights.keys() if k.endswith(TABLE))  # noqa: SIM118
            self.table: np.ndarray = weights.get_tensor(name).astype(np.float32)
        self.dim = int(self.table.shape[1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        # one text at a time: the batch call spreads over threads, which two analysis processes
        # on two cores then fight over (half the throughput)
        for row, text in enumerate(texts):
            ids = [
                i
                for i in self.tokenizer.encode(text, add_special_tokens=False).ids
                if i >= _SPECIAL
            ]
            if ids:
                out[row] = self.table[ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


@cache
def token_embedder() -> TokenEmbedder:
    """The shared embedder (loaded once); EmbeddingsUnavailable when heard's copy of MiniLM's
    table is missing."""
    return TokenEmbedder()


__all__ = ["TokenEmbedder", "token_embedder"]
