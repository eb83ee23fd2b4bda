"""Redacting a whole conversation: turns, subjects, word timings, the other fields and the
stored map."""

from __future__ import annotations

import pytest

from heard.errors import InputError
from heard.model.conversation import Agent, Channel, Conversation, Customer, Role, Turn, Word
from heard.model.evidence import Span
from heard.redact import Kind, redact_conversation, span_to_original


def _words(text: str) -> list[Word]:
    return [Word(text=w, start=i * 0.5, end=i * 0.5 + 0.4) for i, w in enumerate(text.split())]


def _conversation() -> Conversation:
    spoken = "sure my number is 415 555 0132 okay"
    return Conversation(
        id="c1",
        channel=Channel.CALL,
        agent=Agent(name="Sam 415-555-0199"),
        customer=Customer(name="Jane Doe"),
        metadata={"queue": "billing 415-555-0132"},
        turns=[
            Turn(index=0, role=Role.AGENT, text="How can I help?"),
            Turn(index=1, role=Role.CUSTOMER, text=spoken, words=_words(spoken)),
            Turn(
                index=2,
                role=Role.CUSTOMER,
                text="Card 4111 1111 1111 1111, email jane@example.com, thanks",
                subject="Refund to DE89 3704 0044 0532 0130 00",
                metadata={"channel_id": "x"},
            ),
        ],
    )


def test_redacts_turns_and_leaves_the_input_alone() -> None:
    conv = _conversation()
    before = conv.model_dump()
    out = redact_conversation(conv)
    assert conv.model_dump() == before
    assert out.turns[0].text == "How can I help?"
    assert out.turns[1].text == "sure my number is [PHONE] okay"
    assert out.turns[2].text == "Card [CARD], email [EMAIL], thanks"
    assert out.turns[2].subject == "Refund to [IBAN]"
    assert out.agent is not None and out.agent.name == "Sam [PHONE]"
    assert out.customer is not None and out.customer.name == "Jane Doe"  # names: off
    assert out.metadata["queue"] == "billing [PHONE]"
    assert out.metadata["redacted"] == {
        "kinds": ["card", "email", "phone", "ssn", "iban"],
        "count": 4,
        "fields": 2,
    }
    assert out.turns[2].metadata["channel_id"] == "x"
    assert "redactions" not in out.turns[0].metadata
    assert out.turns[1].metadata["redactions"] == [
        {"kind": "phone", "start": 18, "end": 25, "original_start": 18, "original_end": 30}
    ]


def test_words_keep_count_and_timings() -> None:
    conv = _conversation()
    out = redact_conversation(conv)
    words = out.turns[1].words
    assert words is not None
    original = conv.turns[1].words
    assert original is not None
    assert [w.text for w in words] == [
        "sure", "my", "number", "is", "[PHONE]", "[PHONE]", "[PHONE]", "okay",
    ]  # fmt: skip
    assert [(w.start, w.end) for w in words] == [(w.start, w.end) for w in original]


def test_words_keep_text_around_the_redaction() -> None:
    spoken = "email:jane@example.com."
    conv = Conversation(
        id="c",
        channel=Channel.CHAT,
        turns=[Turn(index=0, role=Role.CUSTOMER, text=spoken, words=_words(spoken))],
    )
    words = redact_conversation(conv).turns[0].words
    assert words is not None and [w.text for w in words] == ["email:[EMAIL]."]


def test_span_to_original_uses_the_stored_map() -> None:
    conv = _conversation()
    out = redact_conversation(conv)
    text = out.turns[1].text
    okay = text.index("okay")
    span = span_to_original(out, Span(turn=1, start=okay, end=okay + 4))
    assert conv.turns[1].text[span.start : span.end] == "okay"
    placeholder = text.index("[PHONE]")
    span = span_to_original(out, Span(turn=1, start=placeholder + 1, end=placeholder + 3))
    assert conv.turns[1].text[span.start : span.end] == "415 555 0132"
    untouched = Span(turn=0, start=0, end=3)
    assert span_to_original(out, untouched) == untouched


def test_span_to_original_rejects_a_missing_turn() -> None:
    with pytest.raises(InputError):
        span_to_original(redact_conversation(_conversation()), Span(turn=9, start=0, end=1))


def test_kinds_option() -> None:
    out = redact_conversation(_conversation(), kinds=[Kind.EMAIL])
    assert out.turns[1].text == "sure my number is 415 555 0132 okay"
    assert out.turns[2].text == "Card 4111 1111 1111 1111, email [EMAIL], thanks"
    assert out.metadata["redacted"] == {"kinds": ["email"], "count": 1}


def test_redacting_twice_keeps_the_map() -> None:
    conv = _conversation()
    once = redact_conversation(conv)
    twice = redact_conversation(once)
    assert [t.text for t in twice.turns] == [t.text for t in once.turns]
    assert [t.metadata for t in twice.turns] == [t.metadata for t in once.turns]


def test_a_second_pass_with_more_kinds_composes_the_map() -> None:
    conv = _conversation()
    first = redact_conversation(conv, kinds=[Kind.CARD])
    both = redact_conversation(first, kinds=[Kind.EMAIL])
    turn = both.turns[2]
    assert turn.text == "Card [CARD], email [EMAIL], thanks"
    original = conv.turns[2].text
    email_at = turn.text.index("[EMAIL]")
    span = span_to_original(both, Span(turn=2, start=email_at, end=email_at + 7))
    assert original[span.start : span.end] == "jane@example.com"
    thanks = turn.text.index("thanks")
    span = span_to_original(both, Span(turn=2, start=thanks, end=thanks + 6))
    assert original[span.start : span.end] == "thanks"
    assert both.metadata["redacted"] == {"kinds": ["card", "email"], "count": 2}
