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
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
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
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    from heard.embed.bert import joined_qkv, load_weights

    config = json.loads((folder / "config.json").read_text("utf-8"))
    heads: int = config["num_attention_heads"]
    eps = float(config.get("layer_norm_eps", 1e-12))
    w = load_weights(folder)
    hidden = int(w["embeddings.word_embeddings.weight"].shape[1])

    initializers: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []

    def constant(name: str, value: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(np.array(value, order="C"), name))
        return name

    def node(op: str, inputs: list[str], output: str, **attributes: object) -> str:
        nodes.append(helper.make_node(op, inputs, [output], name=output, **attributes))
        return output

    def f32(value: float) -> np.ndarray:
        return np.array(value, dtype=np.float32)

    def i64(values: list[int]) -> np.ndarray:
        return np.array(values, dtype=np.int64)

    def layer_norm(x: str, prefix: str, out: str) -> str:
        return node(
            "LayerNormalization",
            [x, constant(prefix + ".weight", w[prefix + ".weight"]), prefix_bias(prefix)],
            out,
            axis=-1,
            epsilon=eps,
        )

    def prefix_bias(prefix: str) -> str:
        return constant(prefix + ".bias", w[prefix + ".bias"])

    def linear(x: str, weight: np.ndarray, bias: np.ndarray, name: str) -> str:
        product = node("MatMul", [x, constant(name + ".w", weight.T.copy())], name + ".mm")
        return node("Add", [product, constant(name + ".b", bias)], name)

    # Embeddings: word[ids] + position[:length] + token_type[0], then LayerNorm.
    word = node(
        "Gather", [constant("word", w["embeddings.word_embeddings.weight"]), "input_ids"], "e.word"
    )
    shape = node("Shape", ["input_ids"], "e.shape")
    length = node("Gather", [shape, constant("one", np.array(1, dtype=np.int64))], "e.length")
    positions = node(
        "Range",
        [constant("zero", np.array(0, dtype=np.int64)), length, "one"],
        "e.positions",
    )
    position = node(
        "Gather",
        [constant("position", w["embeddings.position_embeddings.weight"]), positions],
        "e.position",
    )
    summed = node("Add", [word, position], "e.sum")
    token_type = constant("token_type", w["embeddings.token_type_embeddings.weight"][0])
    summed = node("Add", [summed, token_type], "e.typed")
    x = layer_norm(summed, "embeddings.LayerNorm", "e.ln")

    # Padding: onnxruntime's MultiHeadAttention takes the mask as int32 (1 on tokens, 0 on
    # padding) and gives padded keys no weight, as bert.py's additive -1e9 does.
    padding = node("Cast", ["attention_mask"], "m.padding", to=TensorProto.INT32)
    qkv_split = constant("a.qkv_split", i64([hidden, hidden, hidden]))
    sqrt_two = constant("g.sqrt_two", f32(1.4142135623730951))
    half = constant("g.half", f32(0.5))
    one = constant("g.one", f32(1.0))
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        n = f"l{i}"
        projected = linear(x, *joined_qkv(w, p), n + ".qkv")
        # One kernel for the heads: split, scaled scores (1/√head size), softmax over unpadded
        # keys, weighted values, heads joined again (ten nodes a layer before, measured ~5 %
        # of an int8 text's time)
        q, k, v = (f"{n}.{c}" for c in "qkv")
        nodes.append(
            helper.make_node("Split", [projected, qkv_split], [q, k, v], name=n + ".split", axis=-1)
        )
        attended = node(
            "MultiHeadAttention",
            [q, k, v, "", padding],
            n + ".attended",
            domain="com.microsoft",
            num_heads=heads,
        )
        out = linear(
            attended,
            w[p + "attention.output.dense.weight"],
            w[p + "attention.output.dense.bias"],
            n + ".out",
        )
        x = layer_norm(
            node("Add", [out, x], n + ".res1"), p + "attention.output.LayerNorm", n + ".ln1"
        )
        up = linear(
            x, w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"], n + ".up"
        )
        # GELU, exact: (x·(1 + erf(x/√2)))·½, written in the form onnxruntime's extended
        # optimisations fuse into one Gelu kernel (the form x·√½ then Erf is not fused)
        erf = node("Erf", [node("Div", [up, sqrt_two], n + ".g1")], n + ".erf")
        erf = node("Add", [erf, one], n + ".g2")
        gelu = node("Mul", [node("Mul", [up, erf], n + ".g3"), half], n + ".gelu")
        down = linear(gelu, w[p + "output.dense.weight"], w[p + "output.dense.bias"], n + ".down")
        x = layer_norm(node("Add", [down, x], n + ".res2"), p + "output.LayerNorm", n + ".ln2")

    # Mean pooling over the mask, then L2 normalisation (clamped as bert.py does).
    weights = node("Unsqueeze", ["attention_mask", constant("p.axis2", i64([2]))], "p.weights")
    masked = node("Mul", [x, weights], "p.masked")
    one_axis = constant("p.axis1", i64([1]))
    total = node("ReduceSum", [masked, one_axis], "p.total", keepdims=0)
    count = node("ReduceSum", [weights, one_axis], "p.count", keepdims=0)
    count = node("Max", [count, constant("p.tiny", f32(1e-9))], "p.count_clamped")
    pooled = node("Div", [total, count], "p.pooled")
    norm = node("ReduceL2", [pooled], "p.norm", axes=[-1], keepdims=1)  # axes: an attribute in 17
    norm = node("Max", [norm, constant("p.tinier", f32(1e-12))], "p.norm_clamped")
    node("Div", [pooled, norm], "embeddings")

    graph = helper.make_graph(
        nodes,
        "minilm",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "length"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.FLOAT, ["batch", "length"]),
        ],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", hidden])],
        initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)],
        producer_name="heard",
    )
    model.ir_version = IR_VERSION
    return model
