"""The ONNX encoder: the graph built from the weights gives the numpy encoder's vectors, the
encoder falls back to numpy when onnxruntime cannot load, and the cached graph is rebuilt when
it is missing, stale or damaged."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT
from heard import embed
from heard.embed import bert, onnx_graph

pytestmark = pytest.mark.skipif(embed.minilm_dir() is None, reason=embed.INSTALL_HINT)

SENTENCES = [
    "ok",
    "I returned the blender three weeks ago and still have no refund.",
    "So you sent the blender back weeks ago and the money hasn't come back.",
    "My internet keeps dropping every evening.",
    "Would you like to upgrade to Fiber 1 Gig?",
    "I ordered boots on the 3rd and they haven't arrived, I need them by Friday.",
    "Can you please provide your order number? " * 40,  # longer than 256 tokens: truncated
]


def model() -> Path:
    folder = embed.minilm_dir()
    assert folder is not None
    return folder


def texts() -> list[str]:
    reference = json.loads((ROOT / "tests/data/embed/minilm_reference.json").read_text())
    return SENTENCES + reference["texts"]


def test_the_onnx_graph_gives_the_numpy_vectors(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(bert.VARIANT_ENV, "fp32")
    onnx_encoder = bert.Encoder(model(), "onnx")
    numpy_encoder = bert.Encoder(model(), "numpy")
    assert (onnx_encoder.backend, numpy_encoder.backend) == ("onnx", "numpy")
    assert numpy_encoder.session is None
    together = onnx_encoder.encode(texts())
    assert np.abs(together - numpy_encoder.encode(texts())).max() < 1e-5
    alone = np.array([onnx_encoder._encode_new([t])[0] for t in texts()])
    assert np.abs(together - alone).max() < 1e-5  # padding in a batch changes nothing
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert [p.name for p in cache.iterdir()] == [onnx_graph.model_path(model(), "fp32").name]


def test_int8_graph_stays_close_to_fp32(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(bert.VARIANT_ENV, "fp32")
    fp32 = bert.Encoder(model(), "onnx").encode(texts())
    monkeypatch.delenv(bert.VARIANT_ENV)  # the default
    encoder = bert.Encoder(model(), "onnx")
    assert (encoder.variant, encoder.batch) == ("int8", 1)
    int8 = encoder.encode(texts())
    cosines = (fp32 * int8).sum(axis=1)
    assert cosines.min() > 0.9
    assert cosines.mean() > 0.98
    assert not np.array_equal(fp32, int8)  # it is the quantized graph that ran
    assert onnx_graph.model_path(model(), "int8").is_file()


def test_an_int8_vector_does_not_depend_on_the_texts_encoded_with_it(cache: Path) -> None:
    """Activations are quantized per run; each text runs alone, so a text's vector is the same
    bit for bit whatever else is encoded with it (serial and parallel ingest agree)."""
    encoder = bert.Encoder(model(), "onnx")
    together = np.array(encoder._encode_new(texts()))
    alone = np.array([encoder._encode_new([t])[0] for t in texts()])
    reordered = np.array(encoder._encode_new(list(reversed(texts()))))[::-1]
    assert np.array_equal(together, alone)
    assert np.array_equal(together, reordered)


def test_unknown_variant_is_a_clear_error(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(bert.VARIANT_ENV, "int4")
    with pytest.raises(ValueError, match="HEARD_EMBED_VARIANT='int4'"):
        bert.Encoder(model())
    with pytest.raises(ValueError, match="unknown embedding backend"):
        bert.Encoder(model(), "torch")  # type: ignore[arg-type]


def test_falls_back_to_numpy_when_onnxruntime_cannot_load(
    cache: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` fails
    encoder = bert.Encoder(model())
    assert encoder.backend == "numpy"
    assert encoder.session is None
    assert "embeddings run in numpy" in caplog.text
    reference = json.loads((ROOT / "tests/data/embed/minilm_reference.json").read_text())
    vectors = encoder.encode(reference["texts"])
    assert np.abs(vectors - np.array(reference["vectors"])).max() < 1e-5
    with pytest.raises(ImportError):
        bert.Encoder(model(), "onnx")  # asked for explicitly: no silent fallback


def test_the_cached_graph_is_built_once_and_again_when_missing(cache: Path) -> None:
    path = onnx_graph.ensure_model(model(), "fp32")
    assert path.parent == cache
    built = path.stat().st_mtime_ns
    assert onnx_graph.ensure_model(model(), "fp32") == path
    assert path.stat().st_mtime_ns == built  # not rebuilt
    path.unlink()
    assert onnx_graph.ensure_model(model(), "fp32") == path
    assert path.is_file()
    assert not [p for p in cache.iterdir() if p.name.startswith(".build-")]


def test_changed_weights_make_a_new_graph_and_drop_the_stale_one(
    cache: Path, tmp_path: Path
) -> None:
    from safetensors.numpy import load_file, save_file

    copy = tmp_path / "model"
    shutil.copytree(model(), copy)
    old = onnx_graph.ensure_model(copy, "fp32")
    assert old == onnx_graph.model_path(model(), "fp32")  # same weights elsewhere: same graph
    stat = (copy / "model.safetensors").stat()
    os.utime(copy / "model.safetensors", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert onnx_graph.model_path(copy, "fp32") == old  # touched, not changed

    weights = load_file(str(copy / "model.safetensors"))
    name = next(k for k in weights if k.endswith("embeddings.LayerNorm.bias"))
    weights[name] = weights[name] + np.float32(0.01)
    save_file(weights, str(copy / "model.safetensors"))
    new = onnx_graph.ensure_model(copy, "fp32")
    assert new != old
    assert new.is_file()
    assert not old.exists()

    config = json.loads((copy / "config.json").read_text())
    config["layer_norm_eps"] = 1e-6
    (copy / "config.json").write_text(json.dumps(config))
    assert onnx_graph.model_path(copy, "fp32") != new


def test_a_damaged_cached_graph_is_rebuilt(
    cache: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(bert.VARIANT_ENV, "fp32")
    path = onnx_graph.ensure_model(model(), "fp32")
    path.write_bytes(b"not an onnx model")
    encoder = bert.Encoder(model(), "onnx")
    assert encoder.backend == "onnx"
    assert "rebuilding the cached ONNX encoder" in caplog.text
    assert path.stat().st_size > 1_000_000
    assert encoder.encode(["ok"]).shape == (1, 384)


def test_a_damaged_fp32_graph_is_rebuilt_to_quantize_it(cache: Path) -> None:
    fp32 = onnx_graph.ensure_model(model(), "fp32")
    fp32.write_bytes(b"not an onnx model")
    encoder = bert.Encoder(model(), "onnx")  # int8: quantized from the fp32 graph
    assert (encoder.backend, encoder.variant) == ("onnx", "int8")
    assert fp32.stat().st_size > 1_000_000
    assert encoder.encode(["ok"]).shape == (1, 384)


def test_prepare_builds_the_configured_graph(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(embed.MODEL_ENV, raising=False)
    path = embed.prepare()  # the default: the small encoder's int8 graph
    assert path == onnx_graph.model_path(embed.model_folder(), "int8")
    assert path is not None and path.is_file() and path.name.startswith("small-")
    monkeypatch.setenv(bert.VARIANT_ENV, "fp32")
    monkeypatch.setenv(embed.MODEL_ENV, "minilm")
    assert embed.prepare() == onnx_graph.model_path(model(), "fp32")
