"""The BERT encoder for all-MiniLM-L6-v2: token ids → mean-pooled, L2-normalised vectors.

It runs the network on onnxruntime (the graph built from the weights by
`heard.embed.onnx_graph`) and falls back to the numpy network here when onnxruntime is missing
or the graph cannot be built or loaded. Both give the same vectors (max abs diff ~5e-7)."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from threadpoolctl import ThreadpoolController

DIMENSIONS = 384
MAX_TOKENS = 256
"""The model's max_seq_length; longer texts are truncated, as sentence-transformers does."""
BATCH = 32
CACHE_SIZE = 8192
BLAS_THREADS = 1
"""Batches are small (a few short sentences): one BLAS thread is faster than two that contend
with the other detectors and with parallel workers."""
ONNX_THREADS = 1
"""The same for the onnxruntime session: the ingest pool and the live hub parallelise by process
and thread, so each session computes on one."""
VARIANT_ENV = "HEARD_EMBED_VARIANT"
"""Environment variable choosing the ONNX graph: "int8" (default) or "fp32"."""
DEFAULT_VARIANT = "int8"
"""int8 runs ~2× the sentences/s of fp32 at cosine ~0.99 to the reference model's vectors, with
every `heard eval` figure within a decision or two; fp32 gives the reference vectors (to 1e-5).
See heard.embed's docstring."""
UNBATCHED_VARIANTS = frozenset({"int8"})
"""Graphs whose activations are quantized per run: each text runs alone, so its vector never
depends on which texts shared its batch (serial and parallel ingest, and live and batch
analysis, give the same scorecards). Alone costs little: batches of ~24-token texts are no
faster."""

Backend = Literal["auto", "onnx", "numpy"]

logger = logging.getLogger(__name__)


def onnx_variant() -> str:
    """The ONNX graph to run, from ``HEARD_EMBED_VARIANT`` (a clear error when it is unknown)."""
    variant = os.environ.get(VARIANT_ENV) or DEFAULT_VARIANT
    if variant not in ("fp32", "int8"):
        raise ValueError(f"{VARIANT_ENV}={variant!r}: expected fp32 or int8")
    return variant


def load_weights(folder: Path) -> dict[str, np.ndarray]:
    """The BERT folder's model.safetensors, names without the "bert." prefix (both networks
    read their weights through this)."""
    from safetensors.numpy import load_file

    return {
        k.removeprefix("bert."): v for k, v in load_file(str(folder / "model.safetensors")).items()
    }


def joined_qkv(w: dict[str, np.ndarray], layer: str) -> tuple[np.ndarray, np.ndarray]:
    """One layer's query, key and value projections stacked into one: weight (3·hidden,
    hidden) as stored, and bias (3·hidden,)."""
    parts = ("query", "key", "value")
    return (
        np.concatenate([w[f"{layer}attention.self.{n}.weight"] for n in parts]),
        np.concatenate([w[f"{layer}attention.self.{n}.bias"] for n in parts]),
    )


def _onnx_session(folder: Path, variant: str) -> Any:
    """An onnxruntime session on the cached graph of `folder`'s weights (built when missing).

    A cached file that onnxruntime cannot load (damaged on disk) is built again once."""
    import onnxruntime

    from heard.embed import onnx_graph

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = ONNX_THREADS
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    # The extended fusions (one DynamicQuantizeMatMul per int8 product with its scale and bias,
    # one Gelu kernel, scaled attention scores) run the int8 graph ~10 % faster one text at a
    # time and give the same vectors. All but SkipLayerNormalization: fusing the residual
    # additions into the LayerNorms is slower here and moves the int8 vectors (cosine 0.993 at
    # worst to the unfused graph's); measured on 1,000 sentences of generated conversations.
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.log_severity_level = 3
    path = onnx_graph.ensure_model(folder, variant)  # type: ignore[arg-type]
    try:
        return _load_session(onnxruntime, path, options)
    except Exception as error:
        logger.warning("rebuilding the cached ONNX encoder %s: %s", path, error)
        path.unlink(missing_ok=True)
        path = onnx_graph.ensure_model(folder, variant)  # type: ignore[arg-type]
        return _load_session(onnxruntime, path, options)


UNFUSED = ("SkipLayerNormFusion",)
"""onnxruntime optimisers left out of the extended level (see `_onnx_session`)."""


def _load_session(onnxruntime: Any, path: Path, options: Any) -> Any:
    return onnxruntime.InferenceSession(
        str(path),
        options,
        providers=["CPUExecutionProvider"],
        disabled_optimizers=list(UNFUSED),
    )


# Abramowitz & Stegun 7.1.26: |error| < 1.5e-7, so GELU matches the exact (erf) form.
_P = 0.3275911
_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _gelu(x: np.ndarray) -> np.ndarray:
    """x·Φ(x) with erf from A&S 7.1.26, computed in place to spare memory traffic."""
    a = np.abs(x) * np.float32(0.7071067811865476)
    t = a * np.float32(_P)
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * np.float32(_A[4])
    for coefficient in (_A[3], _A[2], _A[1], _A[0]):
        poly += np.float32(coefficient)
        poly *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a  # poly = 1 - erf(|x|/√2)
    # Φ(x) = 1 - poly/2 for x ≥ 0, poly/2 for x < 0
    poly *= np.float32(0.5)
    half = np.where(x >= 0, np.float32(1.0) - poly, poly)
    half *= x
    return half


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(var + eps) * weight + bias


class Encoder:
    """all-MiniLM-L6-v2 (or any BERT folder with model.safetensors + tokenizer.json) on
    onnxruntime, or in numpy."""

    def __init__(self, folder: Path, backend: Backend = "auto") -> None:
        """Load the tokenizer and the network: the onnxruntime graph (built and cached on first
        use, see `heard.embed.onnx_graph`) unless `backend` is "numpy" or, with "auto", the
        graph cannot be built or loaded, in which case the numpy network runs instead."""
        from tokenizers import Tokenizer

        if backend not in ("auto", "onnx", "numpy"):
            raise ValueError(f"unknown embedding backend {backend!r}: auto, onnx or numpy")
        self.folder = folder
        config = json.loads((folder / "config.json").read_text("utf-8"))
        self.config = config
        self.heads: int = config["num_attention_heads"]
        self.eps: float = config.get("layer_norm_eps", 1e-12)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.session: Any = None
        """The onnxruntime session, or None when the numpy network runs."""
        variant = "fp32"
        if backend != "numpy":
            variant = onnx_variant()
            try:
                self.session = _onnx_session(folder, variant)
            except Exception as error:
                if backend == "onnx":
                    raise
                logger.warning("embeddings run in numpy: the ONNX encoder failed (%s)", error)
                variant = "fp32"
        self.backend: str = "onnx" if self.session is not None else "numpy"
        """Which network encodes: "onnx" or "numpy"."""
        self.variant: str = variant
        """The weights' precision: "int8" or "fp32" (the numpy network is always fp32)."""
        self.batch = 1 if variant in UNBATCHED_VARIANTS else BATCH
        """Texts per network run."""
        self.layers: list[tuple[np.ndarray, ...]] = []
        if self.session is None:
            self._load_numpy()
        self._threads = ThreadpoolController()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.encoded = 0
        """How many texts went through the network (cache misses), for measurements."""

    def _load_numpy(self) -> None:
        """Load the weights for the numpy network (only when it runs: onnxruntime has its own)."""
        w = load_weights(self.folder)
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(self.config["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            qkv, qkv_bias = joined_qkv(w, p)
            self.layers.append(
                (
                    qkv.T.copy(),
                    qkv_bias,
                    w[p + "attention.output.dense.weight"].T.copy(),
                    w[p + "attention.output.dense.bias"],
                    w[p + "attention.output.LayerNorm.weight"],
                    w[p + "attention.output.LayerNorm.bias"],
                    w[p + "intermediate.dense.weight"].T.copy(),
                    w[p + "intermediate.dense.bias"],
                    w[p + "output.dense.weight"].T.copy(),
                    w[p + "output.dense.bias"],
                    w[p + "output.LayerNorm.weight"],
                    w[p + "output.LayerNorm.bias"],
                )
            )

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean-pooled, normalised vectors for a padded batch of token ids (numpy network)."""
        batch, length = ids.shape
        x = self.word[ids.ravel()] + np.tile(self.position[:length], (batch, 1))
        x = _layer_norm(x + self.token_type, *self.ln, self.eps)  # (batch·length, hidden)
        heads = self.heads
        size = x.shape[-1] // heads
        scale = np.float32(1.0 / np.sqrt(size))
        bias = ((1.0 - mask[:, None, None, :]) * np.float32(-1e9)).astype(np.float32)
        for qkv, qkv_b, out, out_b, ln1w, ln1b, up, up_b, down, down_b, ln2w, ln2b in self.layers:
            projected = (x @ qkv + qkv_b).reshape(batch, length, 3, heads, size)
            q = projected[:, :, 0].transpose(0, 2, 1, 3)
            k = projected[:, :, 1].transpose(0, 2, 3, 1)
            v = projected[:, :, 2].transpose(0, 2, 1, 3)
            scores = (q @ k) * scale + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            attended = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, heads * size)
            x = _layer_norm(attended @ out + out_b + x, ln1w, ln1b, self.eps)
            x = _layer_norm(_gelu(x @ up + up_b) @ down + down_b + x, ln2w, ln2b, self.eps)
        weights = mask.reshape(batch, length, 1)
        pooled = (x.reshape(batch, length, -1) * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def _encode_new(self, texts: list[str]) -> list[np.ndarray]:
        encodings = self.tokenizer.encode_batch(texts)
        if self.session is not None:
            vectors = self._run(encodings)
        else:
            with self._threads.limit(limits=BLAS_THREADS, user_api="blas"):
                vectors = self._run(encodings)
        self.encoded += len(texts)
        return vectors

    def _run(self, encodings: list[Any]) -> list[np.ndarray]:
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        vectors: list[np.ndarray] = [np.empty(0)] * len(encodings)
        for begin in range(0, len(order), self.batch):
            chunk = order[begin : begin + self.batch]
            length = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, i in enumerate(chunk):
                tokens = encodings[i].ids
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1.0
            if self.session is not None:
                batch = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            else:
                batch = self._forward(ids, mask)
            for row, vector in zip(chunk, batch, strict=True):
                vectors[row] = vector
        return vectors

    def missing(self, texts: Sequence[str]) -> list[str]:
        """The texts (once each, in order) whose vectors are not cached."""
        with self._lock:
            return [t for t in dict.fromkeys(texts) if t not in self._cache]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text (rows of a float32 array), cached by text."""
        result = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        with self._lock:
            missing = []
            for i, text in enumerate(texts):
                hit = self._cache.get(text)
                if hit is None:
                    missing.append(i)
                else:
                    self._cache.move_to_end(text)
                    result[i] = hit
            unique = list(dict.fromkeys(texts[i] for i in missing))
            if unique:
                fresh = dict(zip(unique, self._encode_new(unique), strict=True))
                for i in missing:
                    result[i] = fresh[texts[i]]
                for text, vector in fresh.items():
                    self._cache[text] = vector
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return result
