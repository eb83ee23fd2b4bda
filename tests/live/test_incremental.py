"""Live analysis stays the batch analysis while it reuses work between turns: the per-text
emotion guesses it keeps give what a fresh analysis gives, after every turn of real STAR
conversations."""

from __future__ import annotations

import pytest

from conftest import require_shared_data
from heard.analysis import Analyzer
from heard.bench.analyzing import load
from heard.detectors import customer_emotion
from heard.detectors.customer_emotion import emotion_model, model_emotions
from heard.live.events import EndEvent, StartEvent, TurnEvent
from heard.live.replay import events
from heard.live.session import LiveSession
from heard.model import Conversation, Role


def forget() -> None:
    """What a new process would start with: no emotion kept for any text."""
    customer_emotion.emotion_of.cache_clear()
    customer_emotion._MODEL_CACHES.clear()


@pytest.fixture(scope="module")
def star() -> list[Conversation]:
    _, found = load(require_shared_data() / "star" / "star.jsonl", n=120)
    longest = sorted(found, key=lambda c: len(c.turns))[-3:]
    return [*found[:5], *longest]


def test_kept_emotion_guesses_are_what_a_fresh_model_says(star: list[Conversation]) -> None:
    model = emotion_model(None)
    assert model is not None
    texts = [t.text for c in star for t in c.turns if t.role == Role.CUSTOMER]
    assert len(texts) > 50
    forget()
    together = model_emotions(model, texts, 0.5)
    forget()
    one_by_one = [model_emotions(model, [t], 0.5)[0] for t in texts]
    kept = model_emotions(model, texts, 0.5)  # every text kept by now
    assert together == one_by_one == kept
    assert any(g is not None for g in together)
    assert model_emotions(model, texts[:3], 0.99) is not None  # another confidence: not mixed up
    forget()
    assert model_emotions(model, texts[:3], 0.99) == [
        model_emotions(model, [t], 0.99)[0] for t in texts[:3]
    ]


def test_live_analysis_equals_fresh_batch_analysis_after_every_turn(
    star: list[Conversation],
) -> None:
    analyzer = Analyzer()
    for conversation in star:
        forget()
        timeline = [event for _, event in events(conversation, speed=0)]
        start = timeline[0]
        assert isinstance(start, StartEvent)
        session = LiveSession(conversation.id, start, analyzer=analyzer)
        compared = 0
        for event in timeline[1:]:
            session.apply(event)
            if isinstance(event, TurnEvent | EndEvent) and session.analysis is not None:
                live = session.analysis.scorecard.model_dump()
                forget()
                fresh = Analyzer().analyze(session.conversation).scorecard.model_dump()
                assert live == fresh, f"{conversation.id} after event {event.seq}"
                compared += 1
        assert compared >= len(conversation.turns)
