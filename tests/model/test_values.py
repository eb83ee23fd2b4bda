"""The validated values: text with a NUL or a lone surrogate is refused wherever it is in a
conversation (the importers' cleaning is tested in tests/importers/test_bad_input.py), lengths
match the columns, dates stay within 1900–2999."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from sqlalchemy import String

from heard.model import Conversation
from heard.model import values as v
from heard.store import tables

BAD = st.sampled_from(["\x00", "\ud800", "\udfff", "\udc80"])
"""What no store keeps alike: NUL (PostgreSQL refuses it) and lone surrogates (not UTF-8)."""


@st.composite
def spoiled(draw: st.DrawFn) -> str:
    """Text with at least one NUL or lone surrogate somewhere."""
    before, after = draw(st.text(max_size=20)), draw(st.text(max_size=20))
    return before + draw(BAD) + after


TEXT_FIELDS = [
    ("turns", 0, "text"),
    ("turns", 0, "subject"),
    ("turns", 0, "speaker_id"),
    ("turns", 0, "words", 0, "text"),
    ("customer", "id"),
    ("customer", "name"),
    ("agent", "name"),
    ("language",),
    ("id",),
    ("external_id",),
    ("source",),
    ("agent", "id"),
    ("agent", "team"),
]


def document(path: tuple, value: object) -> dict:
    doc: dict = {
        "id": "c1",
        "channel": "chat",
        "agent": {"id": "a1"},
        "customer": {"id": "u1"},
        "turns": [
            {
                "index": 0,
                "role": "customer",
                "text": "hello",
                "words": [{"text": "hello", "start": 0, "end": 1}],
            }
        ],
    }
    into = doc
    for part in path[:-1]:
        into = into[part]
    into[path[-1]] = value
    return doc


@pytest.mark.parametrize("path", TEXT_FIELDS, ids=lambda p: ".".join(map(str, p)))
@given(text=spoiled())
def test_spoiled_text_is_refused_naming_the_field(path: tuple, text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Conversation.model_validate(document(path, text))
    error = caught.value.errors()[0]
    assert tuple(error["loc"]) == path
    assert v.describe(error) in (v.NUL_MESSAGE, v.SURROGATE_MESSAGE)


@given(key=spoiled(), value=spoiled())
def test_metadata_strings_are_refused_wherever_they_are(key: str, value: str) -> None:
    for metadata in ({"ok": [1, {key: "x"}]}, {"ok": [1, {"x": value}]}):
        with pytest.raises(ValidationError, match="must not contain"):
            Conversation.model_validate(document(("metadata",), metadata))
        turn = document(("turns", 0, "metadata"), metadata)
        with pytest.raises(ValidationError, match="must not contain"):
            Conversation.model_validate(turn)


@given(text=st.text(st.characters(codec="utf-8", exclude_characters="\x00")))
def test_any_other_text_is_kept_as_it_is(text: str) -> None:
    doc = document(("turns", 0, "text"), text)
    doc["metadata"] = {text: [text]}
    kept = Conversation.model_validate(doc)
    assert kept.turns[0].text == text and kept.metadata == {text: [text]}
    assert v.text_problem(kept.to_json()) is None


@pytest.mark.parametrize(
    ("path", "length"),
    [
        (("id",), v.CONVERSATION_KEY_LENGTH),
        (("external_id",), v.CONVERSATION_KEY_LENGTH),
        (("source",), v.SOURCE_LENGTH),
        (("agent", "id"), v.AGENT_KEY_LENGTH),
        (("agent", "name"), v.NAME_LENGTH),
        (("agent", "team"), v.NAME_LENGTH),
    ],
)
def test_keys_and_names_longer_than_their_column_are_refused(path: tuple, length: int) -> None:
    Conversation.model_validate(document(path, "x" * length))
    with pytest.raises(ValidationError) as caught:
        Conversation.model_validate(document(path, "x" * (length + 1)))
    assert caught.value.errors()[0]["type"] == "string_too_long"
    assert tuple(caught.value.errors()[0]["loc"]) == path


@pytest.mark.parametrize(
    ("column", "length"),
    [
        (tables.ConversationRow.conversation_id, v.CONVERSATION_KEY_LENGTH),
        (tables.ConversationRow.external_id, v.CONVERSATION_KEY_LENGTH),
        (tables.LiveSessionRow.conversation_id, v.CONVERSATION_KEY_LENGTH),
        (tables.ConversationRow.source, v.SOURCE_LENGTH),
        (tables.AgentRow.external_id, v.AGENT_KEY_LENGTH),
        (tables.AgentRow.name, v.NAME_LENGTH),
        (tables.TeamRow.name, v.NAME_LENGTH),
        (tables.UserRow.name, v.NAME_LENGTH),
        (tables.ApiTokenRow.name, v.NAME_LENGTH),
        (tables.UserRow.email, v.EMAIL_LENGTH),
        (tables.ConversationVerdictRow.behaviour, v.BEHAVIOUR_LENGTH),
    ],
    ids=str,
)
def test_lengths_are_the_columns(column, length: int) -> None:  # type: ignore[no-untyped-def]
    kind = column.property.columns[0].type
    assert isinstance(kind, String) and kind.length == length


class _Dated(BaseModel):
    day: v.Day | None = None
    moment: v.Moment | None = None


@pytest.mark.parametrize(
    "value",
    [
        {"day": "0001-01-01"},
        {"day": "9999-12-31"},
        {"day": "1899-12-31"},
        {"day": "3000-01-01"},
        {"moment": "9999-12-31T23:59:59"},
        {"moment": "0001-01-01T00:00:00+05:00"},
    ],
)
def test_dates_outside_1900_to_2999_are_refused(value: dict) -> None:
    with pytest.raises(ValidationError, match="from 1900-01-01 to 2999-12-31"):
        _Dated.model_validate(value)


def test_dates_at_the_edges_are_kept() -> None:
    edges = _Dated(day=date(1900, 1, 1), moment=datetime(2999, 12, 31, 23, 59, tzinfo=UTC))
    assert edges.day == v.FIRST_DAY and edges.moment.date() == v.LAST_DAY


def test_published_schema_says_what_is_refused() -> None:
    schema = Conversation.model_json_schema()
    assert schema["properties"]["id"]["pattern"] == v.NO_NUL
    started = schema["properties"]["started_at"]["anyOf"][0]
    assert started["pattern"] == v.IN_RANGE and started["format"] == "date-time"
    assert schema["properties"]["id"]["maxLength"] == v.CONVERSATION_KEY_LENGTH


@pytest.mark.parametrize(
    ("email", "ok"),
    [("bea@x.test", True), ("bea", False), ("a b@x", False), ("a@b@c", False), ("a\x00@x", False)],
)
def test_emails(email: str, ok: bool) -> None:
    class _User(BaseModel):
        email: v.Email

    if ok:
        assert _User(email=email).email == email
    else:
        with pytest.raises(ValidationError):
            _User(email=email)
