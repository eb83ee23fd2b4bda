"""heard's small encoder: its corpus is the commercial-licence text only, its folder is the
teacher's tokenizer and embeddings with the shipped layers, its vectors stay close to MiniLM's,
and switching encoders changes the analysis version (so `heard rescore` re-analyses)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from safetensors.numpy import load_file

from conftest import ROOT
from heard import embed
from heard.analysis import Analyzer
from heard.embed import bert, onnx_graph, student
from heard.model import Channel, Conversation, Role, Turn
from heard.store.repository import analysis_version

pytestmark = pytest.mark.skipif(not embed.available(), reason=embed.INSTALL_HINT)


def student_corpus() -> ModuleType:
    """scripts/student_corpus.py, the corpus builder (a script: it needs the detectors)."""
    spec = importlib.util.spec_from_file_location(
        "student_corpus", ROOT / "scripts" / "student_corpus.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def model() -> Path:
    """The installed MiniLM folder, the teacher."""
    folder = embed.model_dir()
    assert folder is not None
    return folder


def reference() -> tuple[list[str], np.ndarray]:
    data = json.loads((ROOT / "tests/data/embed/minilm_reference.json").read_text())
    return data["texts"], np.array(data["vectors"])


def test_the_shipped_layers_are_what_their_json_describes() -> None:
    weights, meta_file = student.student_files()
    meta = json.loads(meta_file.read_text("utf-8"))
    import hashlib

    assert hashlib.sha256(weights.read_bytes()).hexdigest() == meta["weights_sha256"]
    layers = load_file(str(weights))
    assert {k.split(".")[2] for k in layers} == {str(i) for i in range(meta["layers"])}
    assert meta["layers"] < 6
    assert set(meta["sources"]) <= set(student_corpus().SOURCES)  # commercial-licence data only
    assert meta["held_back_agreement"]["cosine_mean"] > 0.9


def test_assemble_joins_the_teachers_embeddings_and_the_shipped_layers(cache: Path) -> None:
    folder = student.assemble(model(), cache)
    config = json.loads((folder / "config.json").read_text())
    meta = json.loads(student.student_files()[1].read_text())
    assert config["num_hidden_layers"] == meta["layers"]
    assert config["heard_name"] == student.NAME
    merged = bert.load_weights(folder)
    original = bert.load_weights(model())
    shipped = load_file(str(student.student_files()[0]))
    assert np.array_equal(
        merged["embeddings.word_embeddings.weight"], original["embeddings.word_embeddings.weight"]
    )
    name = "encoder.layer.0.intermediate.dense.weight"
    assert np.array_equal(merged[name], shipped[name].astype(np.float32))
    assert not any(k.startswith(f"encoder.layer.{meta['layers']}.") for k in merged)
    # made once: a second call returns the same folder untouched
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    assert student.assemble(model(), cache) == folder
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp


def test_a_stale_assembled_folder_is_removed(cache: Path) -> None:
    stale = cache / "student-0000-000000000000"
    stale.mkdir(parents=True)
    (stale / "model.safetensors").write_bytes(b"old")
    folder = student.assemble(model(), cache)
    assert folder.is_dir()
    assert not stale.exists()


def test_each_encoders_graph_keeps_its_own_cache_file(cache: Path) -> None:
    small = onnx_graph.ensure_model(student.assemble(model(), cache), "int8")
    minilm = onnx_graph.ensure_model(model(), "int8")
    assert small.name.startswith("small-")
    assert minilm.name.startswith(onnx_graph.PREFIX)
    assert small.is_file() and minilm.is_file()  # building one did not remove the other


def test_the_small_encoder_stays_close_to_minilm(cache: Path) -> None:
    texts, expected = reference()
    vectors = bert.Encoder(student.assemble(model(), cache)).encode(texts)
    assert vectors.shape == expected.shape
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * expected).sum(axis=1)
    assert cosines.mean() > 0.85  # int8 here; the JSON's 0.91 is fp32 on the held-back texts
    assert cosines.min() > 0.75
    # pairs are ordered as MiniLM orders them
    small, big = vectors @ vectors.T, expected @ expected.T
    upper = np.triu_indices(len(texts), 1)
    assert np.corrcoef(small[upper], big[upper])[0, 1] > 0.9


def test_the_model_is_chosen_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(embed.MODEL_ENV, raising=False)
    assert embed.model_name() == "small"
    assert embed.identity().startswith("small-")
    monkeypatch.setenv(embed.MODEL_ENV, "minilm")
    assert (embed.model_name(), embed.identity()) == ("minilm", "minilm")
    assert embed.model_folder() == model()
    monkeypatch.setenv(embed.MODEL_ENV, "large")
    with pytest.raises(ValueError, match="HEARD_EMBED_MODEL='large': expected one of small"):
        embed.model_name()


def test_switching_encoders_changes_the_analysis_version(monkeypatch: pytest.MonkeyPatch) -> None:
    analyzer = Analyzer()
    monkeypatch.setenv(embed.MODEL_ENV, "small")
    small = analysis_version(analyzer)
    monkeypatch.setenv(embed.MODEL_ENV, "minilm")
    assert analysis_version(analyzer) != small
    # an analyzer without the meaning detectors does not depend on the encoder
    lexical = Analyzer(only=["heard.questions.v1"])
    monkeypatch.setenv(embed.MODEL_ENV, "small")
    before = analysis_version(lexical)
    monkeypatch.setenv(embed.MODEL_ENV, "minilm")
    assert analysis_version(lexical) == before


def test_the_corpus_is_the_commercial_sets_sentences_and_restatement_bodies(
    tmp_path: Path,
) -> None:
    (tmp_path / "goemotions").mkdir()
    (tmp_path / "goemotions" / "goemotions.jsonl").write_text(
        '{"id": "a", "text": "I love this!"}\n{"id": "b", "text": "I love this!"}\n'
        '{"id": "c", "text": "  "}\n',
        "utf-8",
    )
    (tmp_path / "epitome").mkdir()  # non-commercial: never read
    (tmp_path / "epitome" / "x.jsonl").write_text('{"text": "never"}\n', "utf-8")
    conversation = Conversation(
        id="c1",
        channel=Channel.CHAT,
        turns=[
            Turn(index=0, role=Role.CUSTOMER, text="My card was charged twice. Please fix it."),
            Turn(index=1, role=Role.AGENT, text="So your card was charged two times."),
        ],
    )
    (tmp_path / "star").mkdir()
    (tmp_path / "star" / "star.jsonl").write_text(conversation.to_json() + "\n", "utf-8")
    texts, sources = student_corpus().corpus(tmp_path)
    assert texts == [
        "I love this!",
        "My card was charged twice.",
        "Please fix it.",
        "So your card was charged two times.",
        "your card was charged two times",
    ]
    assert sources["goemotions"]["texts"] == 1
    assert sources["star"]["texts"] == 4
    assert sources["star"]["licence"] == "MIT"
    assert "epitome" not in sources
    import hashlib

    digest = hashlib.sha256((tmp_path / "star" / "star.jsonl").read_bytes()).hexdigest()
    assert sources["star"]["sha256"] == digest
