"""Encoding a batch's texts ahead (`Analyzer.analyze_many`): the embedding detectors name
exactly the texts they embed, the batch is encoded in one call, and the scorecards are the ones
analysing each conversation's embeddings apart gives."""

from __future__ import annotations

import pytest

from conftest import ROOT
from heard import embed
from heard.analysis import Analyzer
from heard.analysis.detector import Requirement
from heard.demo.team import iter_conversations
from heard.importers.registry import read_file
from heard.model import Conversation

pytestmark = pytest.mark.skipif(not embed.available(), reason=embed.INSTALL_HINT)


def examples() -> list[Conversation]:
    found: list[Conversation] = []
    for path in sorted((ROOT / "examples").glob("*.json")):
        found += read_file(path)[1]
    return found + list(iter_conversations(40, seed=5, weeks=4))


class Recorder:
    """Stands in for `heard.embed.encode`, keeping each call's texts."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts):  # type: ignore[no-untyped-def]
        self.calls.append(list(texts))
        return embed.encoder().encode(texts)


def test_detectors_name_the_texts_they_embed(monkeypatch: pytest.MonkeyPatch) -> None:
    from heard.analysis.context import Context

    analyzer = Analyzer()
    embedding = [d for d in analyzer._instances if Requirement.EMBEDDINGS in type(d).requires]
    assert {d.name for d in embedding} == {
        "heard.paraphrase.v1",
        "heard.ignores_last_turn.v1",
        "heard.learned.v1",  # the encoder's token table only: it names (and encodes) no text
    }
    recorder = Recorder()
    monkeypatch.setattr(embed, "encode", recorder)
    named = 0
    for conversation in examples():
        for detector in embedding:
            recorder.calls.clear()
            ctx = Context(conversation, analyzer.rubric)
            said = detector.embedding_texts(ctx)
            assert recorder.calls == []  # naming the texts embeds nothing
            list(detector.detect(ctx))
            assert [t for call in recorder.calls for t in call] == said, detector.name
            named += len(said)
    assert named > 50  # the sample does reach both embedding checks


def test_a_batch_is_encoded_in_one_call_with_the_same_scorecards(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conversations = examples()
    analyzer = Analyzer()
    recorder = Recorder()
    monkeypatch.setattr(embed, "encode", recorder)
    embed.encoder()._cache.clear()
    ahead = [a.scorecard for a in analyzer.analyze_many(conversations)]
    first = recorder.calls[0]
    assert len(first) == len(set(first)) > 50
    # every later call finds its texts encoded already
    assert all(set(call) <= set(first) for call in recorder.calls[1:])

    embed.encoder()._cache.clear()
    monkeypatch.setattr(Analyzer, "_embed_ahead", lambda self, contexts: None)
    apart = [a.scorecard for a in analyzer.analyze_many(conversations)]
    assert ahead == apart
