"""Customer names: found as the name detector reads them, replaced by position, and the
analysis of `uses_name` unchanged by the replacement."""

from __future__ import annotations

import pytest

from heard.analysis import Analyzer
from heard.demo.team import iter_conversations
from heard.model.conversation import Channel, Conversation, Customer, Role, Turn, Word
from heard.model.evidence import Span
from heard.redact import CustomerName, Kind, redact_conversation, span_to_original


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks Jane, I see.", "Thanks [FIRST_NAME], I see."),
        ("Thanks JANE!", "Thanks [FIRST_NAME]!"),
        ("Mrs. Collins, hello", "Mrs. [LAST_NAME], hello"),
        ("the Collins account", "the [LAST_NAME] account"),
        ("Jane Mary Collins", "[FIRST_NAME] [MIDDLE_NAME] [LAST_NAME]"),
        ("Jane's order", "[FIRST_NAME]'s order"),
        ("Jane’s order", "[FIRST_NAME]’s order"),
        ("Janet and Janeway", "Janet and Janeway"),
        ("mail jane.collins@x.org", "mail [FIRST_NAME].[LAST_NAME]@x.org"),
        ("nothing here", "nothing here"),
    ],
)
def test_name_words_are_found_as_words_in_any_case(text: str, expected: str) -> None:
    name = CustomerName.parse("Jane Mary Collins")
    assert name is not None
    assert name.redact(text).text == expected


def test_the_offset_map_points_at_the_name() -> None:
    name = CustomerName.parse("Jane Collins")
    assert name is not None
    result = name.redact("Hi Jane Collins!")
    assert [(r.kind, r.original_start, r.original_end) for r in result.redactions] == [
        (Kind.FIRST_NAME, 3, 7),
        (Kind.LAST_NAME, 8, 15),
    ]
    assert result.text == "Hi [FIRST_NAME] [LAST_NAME]!"
    assert result.span_to_original(3, 27) == (3, 15)
    assert result.to_original(len(result.text) - 1) == 15


def test_placeholders_and_empty_names_are_no_names() -> None:
    assert CustomerName.parse(None) is None
    assert CustomerName.parse("   ") is None
    assert CustomerName.parse("[FIRST_NAME] [LAST_NAME]") is None
    only = CustomerName.parse("[EMAIL] Jane")
    assert only is not None and only.redact("[EMAIL] Jane").text == "[EMAIL] [LAST_NAME]"


def test_a_word_in_two_places_is_the_first_name() -> None:
    name = CustomerName.parse("Ann Ann")
    assert name is not None and name.redact("ann").text == "[FIRST_NAME]"


def test_digests_find_the_same_words_without_keeping_them() -> None:
    name = CustomerName.parse("Jane O'Brien")
    assert name is not None
    digests = name.digests(b"key")
    assert "jane" not in str(digests).lower() and "brien" not in str(digests).lower()
    again = CustomerName.from_digests(digests, b"key")
    assert again is not None
    text = "Jane, Mrs O'Brien's case; JANE again; Janet no"
    assert again.redact(text).text == name.redact(text).text
    other_key = CustomerName.from_digests(digests, b"other")
    assert other_key is not None and other_key.redact(text).text == text
    assert CustomerName.from_digests([["card", 4, "x"], "junk", None], b"key") is None
    with pytest.raises(ValueError, match="digests"):
        again.digests(b"key")


def _named() -> Conversation:
    return Conversation(
        id="n1",
        channel=Channel.CALL,
        customer=Customer(id="cust-9", name="Jane Collins"),
        metadata={"caller": "Jane Collins, +1 415 555 0132"},
        turns=[
            Turn(index=0, role=Role.CUSTOMER, text="Hi, this is Jane Collins.", speaker_id="Jane"),
            Turn(
                index=1,
                role=Role.AGENT,
                text="Thanks Jane, I hear you.",
                words=[
                    Word(text="Thanks", start=0, end=0.3),
                    Word(text="Jane,", start=0.3, end=0.6),
                ],
                metadata={"crm": {"Jane": ["Collins"]}},
            ),
        ],
    )


def test_names_are_replaced_everywhere_the_conversation_gives_them() -> None:
    out = redact_conversation(_named(), names=True)
    assert out.customer is not None
    assert (out.customer.name, out.customer.id) == ("[FIRST_NAME] [LAST_NAME]", "cust-9")
    assert out.turns[0].text == "Hi, this is [FIRST_NAME] [LAST_NAME]."
    assert out.turns[0].speaker_id == "[FIRST_NAME]"
    assert out.turns[1].text == "Thanks [FIRST_NAME], I hear you."
    assert [w.text for w in out.turns[1].words or []] == ["Thanks", "[FIRST_NAME],"]
    assert out.turns[1].metadata["crm"] == {"[FIRST_NAME]": ["[LAST_NAME]"]}
    assert out.metadata["caller"] == "[FIRST_NAME] [LAST_NAME], [PHONE]"
    assert out.metadata["redacted"] == {
        "kinds": [
            "card",
            "email",
            "phone",
            "ssn",
            "iban",
            "first_name",
            "middle_name",
            "last_name",
        ],
        "count": 3,
        "fields": 8,
    }
    span = span_to_original(out, Span(turn=1, start=7, end=19))
    assert _named().turns[1].text[span.start : span.end] == "Jane"
    assert redact_conversation(out, names=True).model_dump() == out.model_dump()


def test_names_stay_without_names() -> None:
    out = redact_conversation(_named())
    assert out.customer is not None and out.customer.name == "Jane Collins"
    assert out.turns[1].text == "Thanks Jane, I hear you."
    assert out.metadata["caller"] == "Jane Collins, [PHONE]"


def _verdicts(conversations: list[Conversation]) -> list[dict[str, str]]:
    return [
        {item.behaviour: item.verdict.value for item in a.scorecard.checklist}
        for a in Analyzer().analyze_many(conversations)
    ]


@pytest.mark.slow
def test_uses_name_is_judged_the_same_on_the_redacted_name() -> None:
    """The agent using the customer's name is found as often, in the same conversations,
    after the name is redacted (200 demo conversations, every one naming its customer, and
    the cases the detector treats apart: title and surname, surname alone, possessive)."""
    conversations = list(iter_conversations(200, seed=11))
    cases = [
        ("Thanks, Mrs. Collins, I see why.", "done"),
        ("The Collins account is fixed.", "missed"),
        ("Jane's refund is on its way.", "missed"),
        ("Janet from billing will call.", "missed"),
        ("jane, I understand.", "done"),
    ]
    for i, (reply, _) in enumerate(cases):
        conversations.append(
            Conversation(
                id=f"case-{i}",
                channel=Channel.CHAT,
                customer=Customer(name="Jane Collins"),
                turns=[
                    Turn(index=0, role=Role.CUSTOMER, text="My refund never came, I'm upset."),
                    Turn(index=1, role=Role.AGENT, text=reply),
                ],
            )
        )
    assert all(c.customer and c.customer.name for c in conversations)
    plain = _verdicts([redact_conversation(c) for c in conversations])
    named = _verdicts([redact_conversation(c, names=True) for c in conversations])
    before = [v["uses_name"] for v in plain]
    assert before == [v["uses_name"] for v in named]
    assert [v for v, _ in zip(before[-len(cases) :], cases, strict=True)] == [
        expected for _, expected in cases
    ]
    assert {"done", "missed"} <= set(before)
