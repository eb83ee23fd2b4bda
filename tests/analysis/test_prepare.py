"""Work done for a whole batch before detecting (`Detector.prepare`): the emotion model scores a
batch's neutral customer turns in one call, and the scorecards are the ones analysing each
conversation alone gives."""

from __future__ import annotations

import pytest

from heard.analysis import Analyzer
from heard.demo.team import iter_conversations
from heard.detectors import customer_emotion
from heard.learn.classifier import TextClassifier


def _forget() -> None:
    customer_emotion._MODEL_CACHES.clear()
    customer_emotion.emotion_of.cache_clear()


def test_a_batch_is_scored_by_the_emotion_model_in_one_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conversations = list(iter_conversations(30, seed=11, weeks=4))
    analyzer = Analyzer()
    calls: list[int] = []
    scores = TextClassifier.scores

    def recorded(self: TextClassifier, examples):  # type: ignore[no-untyped-def]
        calls.append(len(examples))
        return scores(self, examples)

    monkeypatch.setattr(TextClassifier, "scores", recorded)
    _forget()
    together = [a.scorecard for a in analyzer.analyze_many(conversations)]
    assert len(calls) == 1 and calls[0] > 30  # the prepare call; detect finds them all kept

    calls.clear()
    _forget()
    alone = [analyzer.analyze(c).scorecard for c in conversations]
    assert len(calls) > 1  # each conversation's own call
    assert together == alone


def test_profiled_prepare_time_counts_for_its_detector(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setattr(
        customer_emotion.CustomerEmotion, "prepare", lambda self, contexts: time.sleep(0.2)
    )
    analyzer = Analyzer(only=["heard.customer_emotion.v1"], profile=True)
    analyzer.analyze_many(list(iter_conversations(3, seed=12, weeks=2)))
    assert analyzer.seconds["heard.customer_emotion.v1"] >= 0.2
