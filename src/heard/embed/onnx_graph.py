"""The MiniLM encoder as an ONNX graph, built from the safetensors weights (no torch), cached.

`build_graph` writes the same maths as `heard.embed.bert.Encoder._forward` with `onnx.helper`:
token + position + token-type embeddings, LayerNorm, the self-attention layers (onnxruntime's
MultiHeadAttention kernel, padded keys masked) with exact (erf) GELU feed-forward, mean pooling
over the mask and L2 normalisation. Inputs: ``input_ids`` int64 (batch, length) and
``attention_mask`` float32 (batch, length); output ``embeddings`` float32 (batch, hidden), unit
rows.

`ensure_model` builds the graph once into the cache folder (`cache_dir()`, or
``HEARD_EMBED_CACHE``) from the installed weights, offline. The file name carries a key made of
the weights' content hash, config.json's hash and `GRAPH_VERSION`, so changed weights or a
change to this builder make a new file; stale ones are removed. Files are written to a
temporary name and renamed, so parallel ingest workers that build at once never read a
half-written graph.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import numpy as np
    import onnx

GRAPH_VERSION = 3
"""Bump when the graph this module writes changes: cached files with an older key are rebuilt."""
OPSET = 17
"""LayerNormalization is a standard op from opset 17."""
IR_VERSION = 8
"""Old enough for every onnxruntime that knows opset 17."""
PREFIX = "minilm-"
"""File prefix of the teacher's graphs; a folder whose config.json names itself ("heard_name",
as heard's small encoder's does) gets its own, so each model's stale graphs are removed without
touching the other's."""

Variant = Literal["fp32", "int8"]


def cache_dir() -> Path:
    """Where built graphs are kept: ``HEARD_EMBED_CACHE`` or the platform's user cache dir."""
    configured = os.environ.get("HEARD_EMBED_CACHE")
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_cache_dir("heard")) / "embed"


def weights_key(folder: Path) -> str:
    """A short key that changes when the weights, the config or this builder change.

    It hashes the weights' content (~0.1 s for 90 MB, once per process), not their path or
    modification time, so installs of the same weights in several environments share one
    cached graph instead of replacing each other's."""
    weights = (folder / "model.safetensors").resolve()
    stat = weights.stat()
    config = hashlib.sha256((folder / "config.json").read_bytes()).hexdigest()
    content = _content_hash(weights, stat.st_size, stat.st_mtime_ns)
    return hashlib.sha256(f"{GRAPH_VERSION}:{content}:{config}".encode()).hexdigest()[:16]


@cache
def _content_hash(path: Path, size: int, mtime_ns: int) -> str:
    """sha256 of a file, remembered for this process while its size and mtime stay the same."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def model_path(folder: Path, variant: Variant = "fp32", directory: Path | None = None) -> Path:
    """The cache file of `variant` for the weights in `folder` (it may not exist yet)."""
    return (directory or cache_dir()) / f"{_prefix(folder)}{weights_key(folder)}-{variant}.onnx"


def _prefix(folder: Path) -> str:
    name = json.loads((folder / "config.json").read_text("utf-8")).get("heard_name")
    return f"{name}-" if name else PREFIX


def ensure_model(folder: Path, variant: Variant = "fp32", directory: Path | None = None) -> Path:
    """The cached graph of `variant`, built first when missing or stale (older keys removed)."""
    path = model_path(folder, variant, directory)
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    if variant == "fp32":
        _write_atomically(path, lambda target: _save(build_graph(folder), target))
    else:
        fp32 = ensure_model(folder, "fp32", directory)
        try:
            _write_atomically(path, lambda target: quantize(fp32, target))
        except Exception:  # the cached fp32 graph is damaged: build it again, once
            fp32.unlink(missing_ok=True)
            fp32 = ensure_model(folder, "fp32", directory)
            _write_atomically(path, lambda target: quantize(fp32, target))
    for old in path.parent.glob(f"{_prefix(folder)}*-{variant}.onnx"):
        if old != path:
            old.unlink(missing_ok=True)
    return path


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write `path` through a temporary file in the same folder, renamed when complete."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".build-", suffix=".onnx")
    os.close(descriptor)
    try:
        write(Path(temporary))
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _save(model: onnx.ModelProto, path: Path) -> None:
    import onnx

    onnx.save_model(model, str(path))


def quantize(source: Path, target: Path) -> None:
    """int8 dynamic quantization of the graph's weight products (weights int8 per output
    channel, activations quantized per run, which is why the encoder runs this graph one text
    at a time); embeddings, LayerNorm, attention scores and softmax stay float32.

    The quantizer writes a shape-inferred copy beside its input, so it reads a private link to
    `source`: parallel workers quantizing at once would otherwise delete each other's copy."""
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    weight_products = [
        n.name
        for n in onnx.load_model(str(source), load_external_data=False).graph.node
        if n.op_type == "MatMul" and n.name.endswith(".mm")
    ]
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".quantize-") as private:
        model = Path(private) / "fp32.onnx"
        try:
            os.link(source, model)
        except OSError:
            shutil.copyfile(source, model)
        quiet = _DropPreprocessingAdvice()
        logging.getLogger().addFilter(quiet)
        try:
            quantize_dynamic(
                str(model),
                str(target),
                op_types_to_quantize=["MatMul"],
                nodes_to_quantize=weight_products,
                weight_type=QuantType.QInt8,
                per_channel=True,
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
        finally:
            logging.getLogger().removeFilter(quiet)


class _DropPreprocessingAdvice:
    """Drops the quantizer's advice to pre-process the model (it logs it on the root logger)."""

    def filter(self, record: object) -> bool:
        return "pre-processing before quantization" not in str(getattr(record, "msg", ""))


def build_graph(folder: Path) -> onnx.ModelProto:
    """The encoder of the BERT folder (model.safetensors + config.json) as an ONNX model."""
    from onnx import TensorProto, helper

    from heard.embed.bert import load_weights

    config = json.loads((folder / "config.json").read_text("utf-8"))
    w = load_weights(folder)
    hidden = int(w["embeddings.word_embeddings.weight"].shape[1])
    g = _Builder(w, eps=float(config.get("layer_norm_eps", 1e-12)))
    x = _embeddings(g)

    # Padding: onnxruntime's MultiHeadAttention takes the mask as int32 (1 on tokens, 0 on
    # padding) and gives padded keys no weight, as bert.py's additive -1e9 does.
    padding = g.node("Cast", ["attention_mask"], "m.padding", to=TensorProto.INT32)
    shared = _Shared(
        heads=config["num_attention_heads"],
        padding=padding,
        qkv_split=g.constant("a.qkv_split", _i64([hidden, hidden, hidden])),
        sqrt_two=g.constant("g.sqrt_two", _f32(1.4142135623730951)),
        half=g.constant("g.half", _f32(0.5)),
        one=g.constant("g.one", _f32(1.0)),
    )
    for i in range(config["num_hidden_layers"]):
        x = _layer(g, i, x, shared)
    _pooling(g, x)

    graph = helper.make_graph(
        g.nodes,
        "minilm",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "length"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.FLOAT, ["batch", "length"]),
        ],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", hidden])],
        g.initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)],
        producer_name="heard",
    )
    model.ir_version = IR_VERSION
    return model


def _f32(value: float) -> np.ndarray:
    import numpy as np

    return np.array(value, dtype=np.float32)


def _i64(values: list[int]) -> np.ndarray:
    import numpy as np

    return np.array(values, dtype=np.int64)


class _Builder:
    """The nodes and initializers of a graph being built, in the order they are made, and the
    weights (`w`) they read."""

    def __init__(self, w: dict[str, np.ndarray], *, eps: float) -> None:
        self.w = w
        self.eps = eps
        self.initializers: list[onnx.TensorProto] = []
        self.nodes: list[onnx.NodeProto] = []

    def constant(self, name: str, value: np.ndarray) -> str:
        import numpy as np
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.array(value, order="C"), name))
        return name

    def node(self, op: str, inputs: list[str], output: str, **attributes: object) -> str:
        from onnx import helper

        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attributes))
        return output

    def layer_norm(self, x: str, prefix: str, out: str) -> str:
        return self.node(
            "LayerNormalization",
            [
                x,
                self.constant(prefix + ".weight", self.w[prefix + ".weight"]),
                self.constant(prefix + ".bias", self.w[prefix + ".bias"]),
            ],
            out,
            axis=-1,
            epsilon=self.eps,
        )

    def linear(self, x: str, weight: np.ndarray, bias: np.ndarray, name: str) -> str:
        transposed = self.constant(name + ".w", weight.T.copy())
        product = self.node("MatMul", [x, transposed], name + ".mm")
        return self.node("Add", [product, self.constant(name + ".b", bias)], name)


@dataclass(frozen=True)
class _Shared:
    """What every encoder layer reads besides its weights: the head count, the padding mask
    and the constants of the split and of GELU (names of the graph's values)."""

    heads: int
    padding: str
    qkv_split: str
    sqrt_two: str
    half: str
    one: str


def _embeddings(g: _Builder) -> str:
    """Embeddings: word[ids] + position[:length] + token_type[0], then LayerNorm."""
    import numpy as np

    w = g.w
    table = g.constant("word", w["embeddings.word_embeddings.weight"])
    word = g.node("Gather", [table, "input_ids"], "e.word")
    shape = g.node("Shape", ["input_ids"], "e.shape")
    length = g.node("Gather", [shape, g.constant("one", np.array(1, dtype=np.int64))], "e.length")
    positions = g.node(
        "Range",
        [g.constant("zero", np.array(0, dtype=np.int64)), length, "one"],
        "e.positions",
    )
    position = g.node(
        "Gather",
        [g.constant("position", w["embeddings.position_embeddings.weight"]), positions],
        "e.position",
    )
    summed = g.node("Add", [word, position], "e.sum")
    token_type = g.constant("token_type", w["embeddings.token_type_embeddings.weight"][0])
    summed = g.node("Add", [summed, token_type], "e.typed")
    return g.layer_norm(summed, "embeddings.LayerNorm", "e.ln")


def _layer(g: _Builder, i: int, x: str, shared: _Shared) -> str:
    """Encoder layer `i` on `x`: attention, then the feed-forward part, each with its
    residual and LayerNorm."""
    from onnx import helper

    from heard.embed.bert import joined_qkv

    w = g.w
    p = f"encoder.layer.{i}."
    n = f"l{i}"
    projected = g.linear(x, *joined_qkv(w, p), n + ".qkv")
    # One kernel for the heads: split, scaled scores (1/√head size), softmax over unpadded
    # keys, weighted values, heads joined again (ten nodes a layer before, measured ~5 %
    # of an int8 text's time)
    q, k, v = (f"{n}.{c}" for c in "qkv")
    g.nodes.append(
        helper.make_node(
            "Split", [projected, shared.qkv_split], [q, k, v], name=n + ".split", axis=-1
        )
    )
    attended = g.node(
        "MultiHeadAttention",
        [q, k, v, "", shared.padding],
        n + ".attended",
        domain="com.microsoft",
        num_heads=shared.heads,
    )
    out = g.linear(
        attended,
        w[p + "attention.output.dense.weight"],
        w[p + "attention.output.dense.bias"],
        n + ".out",
    )
    x = g.layer_norm(
        g.node("Add", [out, x], n + ".res1"), p + "attention.output.LayerNorm", n + ".ln1"
    )
    up = g.linear(
        x, w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"], n + ".up"
    )
    # GELU, exact: (x·(1 + erf(x/√2)))·½, written in the form onnxruntime's extended
    # optimisations fuse into one Gelu kernel (the form x·√½ then Erf is not fused)
    erf = g.node("Erf", [g.node("Div", [up, shared.sqrt_two], n + ".g1")], n + ".erf")
    erf = g.node("Add", [erf, shared.one], n + ".g2")
    gelu = g.node("Mul", [g.node("Mul", [up, erf], n + ".g3"), shared.half], n + ".gelu")
    down = g.linear(gelu, w[p + "output.dense.weight"], w[p + "output.dense.bias"], n + ".down")
    return g.layer_norm(g.node("Add", [down, x], n + ".res2"), p + "output.LayerNorm", n + ".ln2")


def _pooling(g: _Builder, x: str) -> None:
    """Mean pooling over the mask, then L2 normalisation (clamped as bert.py does), as the
    graph's output "embeddings"."""
    weights = g.node("Unsqueeze", ["attention_mask", g.constant("p.axis2", _i64([2]))], "p.weights")
    masked = g.node("Mul", [x, weights], "p.masked")
    one_axis = g.constant("p.axis1", _i64([1]))
    total = g.node("ReduceSum", [masked, one_axis], "p.total", keepdims=0)
    count = g.node("ReduceSum", [weights, one_axis], "p.count", keepdims=0)
    count = g.node("Max", [count, g.constant("p.tiny", _f32(1e-9))], "p.count_clamped")
    pooled = g.node("Div", [total, count], "p.pooled")
    norm = g.node("ReduceL2", [pooled], "p.norm", axes=[-1], keepdims=1)  # axes: an attribute in 17
    norm = g.node("Max", [norm, g.constant("p.tinier", _f32(1e-12))], "p.norm_clamped")
    g.node("Div", [pooled, norm], "embeddings")
