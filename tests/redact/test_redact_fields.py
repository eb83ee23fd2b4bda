"""Free-text values besides turns: JSON metadata at any depth, keys, numbers, and the
conversation's other fields."""

from __future__ import annotations

from heard.model.conversation import Agent, Channel, Conversation, Customer, Role, Turn
from heard.redact import CustomerName, redact_conversation, redact_json, redact_string

CARD = "4111 1111 1111 1111"


def test_strings_keys_and_numbers_at_any_depth() -> None:
    value = {
        "contacts": {"jane@example.com": {"phones": ["(415) 555-0132", "none"]}},
        "card": 4111111111111111,
        "count": 3,
        "ratio": 0.5,
        "flag": True,
        "nothing": None,
        "nested": [[{"deep": f"card {CARD}"}]],
    }
    redacted, count = redact_json(value)
    assert redacted == {
        "contacts": {"[EMAIL]": {"phones": ["[PHONE]", "none"]}},
        "card": "[CARD]",
        "count": 3,
        "ratio": 0.5,
        "flag": True,
        "nothing": None,
        "nested": [[{"deep": "card [CARD]"}]],
    }
    assert count == 4


def test_keys_that_become_one_are_kept_apart() -> None:
    redacted, count = redact_json({"a@example.com": 1, "b@example.com": 2, "[EMAIL] (2)": 3})
    assert redacted == {"[EMAIL]": 1, "[EMAIL] (2)": 2, "[EMAIL] (2) (2)": 3}
    assert count == 2


def test_a_string_gets_patterns_then_the_name() -> None:
    name = CustomerName.parse("Jane Collins")
    result = redact_string("Jane: jane@example.com", name=name)
    assert result.text == "[FIRST_NAME]: [EMAIL]"
    assert [r.kind.value for r in result.redactions] == ["first_name", "email"]
    assert result.span_to_original(0, 12) == (0, 4)


def test_every_free_text_field_of_a_conversation() -> None:
    conversation = Conversation(
        id="c-4155550132",  # identifiers are kept: they make the conversation the same one
        external_id="ext-1",
        channel=Channel.EMAIL,
        agent=Agent(id="agent@example.com", name="Sam sam@example.com", team="billing"),
        customer=Customer(id="+1 415 555 0132", name="jane@example.com"),
        metadata={"card": CARD},
        turns=[
            Turn(
                index=0,
                role=Role.CUSTOMER,
                text="hello",
                speaker_id="jane@example.com",
                subject=f"card {CARD}",
                metadata={"from": "jane@example.com", "redactions": []},
            )
        ],
    )
    out = redact_conversation(conversation, names=True)
    assert (out.id, out.external_id) == ("c-4155550132", "ext-1")
    assert out.agent == Agent(id="agent@example.com", name="Sam [EMAIL]", team="billing")
    assert out.customer == Customer(id="[PHONE]", name="[EMAIL]")
    assert out.metadata["card"] == "[CARD]"
    turn = out.turns[0]
    assert (turn.speaker_id, turn.subject) == ("[EMAIL]", "card [CARD]")
    assert turn.metadata["from"] == "[EMAIL]"
    assert "jane" not in out.to_json() and "4111" not in out.to_json()
    assert out.metadata["redacted"]["fields"] == 6  # type: ignore[index]
