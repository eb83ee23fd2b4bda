"""heard's JSON form of a conversation is lossless, and invalid shapes are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from heard.model import (
    Agent,
    Channel,
    Conversation,
    Customer,
    Finding,
    Polarity,
    Role,
    Scorecard,
    Span,
    Turn,
    Word,
)

clean = st.characters(codec="utf-8", exclude_characters="\x00")
"""Text the model keeps as it is (tests/model/test_values.py: the rest is refused)."""
seconds = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(clean, max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(clean, max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
zones = st.sampled_from(
    [None, UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
)
years = {"min_value": datetime(1900, 1, 1), "max_value": datetime(2999, 12, 31)}
datetimes = zones.flatmap(
    lambda tz: st.datetimes(**years, timezones=st.just(tz)) if tz else st.datetimes(**years)
)


@st.composite
def words(draw: st.DrawFn) -> Word:
    start = draw(seconds)
    return Word(
        text=draw(st.text(clean, min_size=1, max_size=10)),
        start=start,
        end=start + draw(seconds),
        confidence=draw(st.none() | st.floats(0, 1)),
    )


@st.composite
def turns(draw: st.DrawFn, index: int) -> Turn:
    timed = draw(st.booleans())
    start = draw(seconds) if timed else None
    return Turn(
        index=index,
        role=draw(st.sampled_from(list(Role))),
        text=draw(st.text(clean, max_size=80)),
        speaker_id=draw(st.none() | st.text(clean, max_size=10)),
        start=start,
        end=None if start is None else start + draw(seconds),
        words=draw(st.none() | st.lists(words(), max_size=3)),
        sent_at=draw(st.none() | datetimes),
        subject=draw(st.none() | st.text(clean, max_size=20)),
        metadata=draw(st.dictionaries(st.text(clean, max_size=8), json_values, max_size=3)),
    )


@st.composite
def conversations(draw: st.DrawFn) -> Conversation:
    count = draw(st.integers(min_value=0, max_value=6))
    return Conversation(
        id=draw(st.text(clean, min_size=1, max_size=20)),
        channel=draw(st.sampled_from(list(Channel))),
        turns=[draw(turns(i)) for i in range(count)],
        external_id=draw(st.none() | st.text(clean, max_size=20)),
        source=draw(st.none() | st.text(clean, max_size=20)),
        started_at=draw(st.none() | datetimes),
        language=draw(st.none() | st.sampled_from(["en", "en-US", "de-DE"])),
        agent=draw(
            st.none()
            | st.builds(
                Agent,
                id=st.none() | st.text(clean, max_size=5),
                name=st.none() | st.text(clean, max_size=5),
                team=st.none() | st.text(clean, max_size=5),
            )
        ),
        customer=draw(
            st.none()
            | st.builds(
                Customer,
                id=st.none() | st.text(clean, max_size=5),
                name=st.none() | st.text(clean, max_size=5),
            )
        ),
        metadata=draw(st.dictionaries(st.text(clean, max_size=8), json_values, max_size=4)),
    )


@settings(max_examples=200, deadline=None)
@given(conversations())
def test_json_round_trip_is_lossless(conversation: Conversation) -> None:
    text = conversation.to_json()
    again = Conversation.model_validate_json(text)
    assert again == conversation
    assert again.to_json() == text


@settings(max_examples=100, deadline=None)
@given(conversations())
def test_full_dump_round_trip(conversation: Conversation) -> None:
    assert Conversation.model_validate(conversation.model_dump(mode="json")) == conversation


def test_scorecard_round_trip() -> None:
    finding = Finding(
        detector="heard.empathy.v1",
        behaviour="empathy",
        component="empathy",
        polarity=Polarity.POSITIVE,
        spans=[Span(turn=1, start=0, end=12)],
        confidence=0.8,
        explanation="validates the feeling",
    )
    card = Scorecard(
        conversation_id="c1", listening_score=72.5, findings=[finding], metrics={"talk_ratio": 0.4}
    )
    assert Scorecard.model_validate_json(card.model_dump_json()) == card


@pytest.mark.parametrize(
    ("turn", "message"),
    [
        ({"index": 0, "role": "agent", "text": "hi", "start": 5, "end": 2}, "before its start"),
        ({"index": 0, "role": "agent", "text": "hi", "start": -1}, "greater than or equal"),
        ({"index": 0, "role": "manager", "text": "hi"}, "agent"),
        ({"index": 3, "role": "agent", "text": "hi"}, "indexes must count"),
        ({"index": 0, "role": "agent", "text": "hi", "colour": "red"}, "Extra inputs"),
    ],
)
def test_invalid_turns_are_refused(turn: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Conversation.model_validate({"id": "c", "channel": "chat", "turns": [turn]})


def test_span_must_be_ordered() -> None:
    with pytest.raises(ValidationError, match="before its start"):
        Span(turn=0, start=5, end=2)
