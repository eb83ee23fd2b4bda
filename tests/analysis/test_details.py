"""The details a speaker gives, as keys and weights (heard.detectors._details)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heard.analysis.context import _TOKEN, Token
from heard.detectors._details import (
    _MONTHS,
    _WEEKDAYS,
    CONTENT,
    SPECIFIC,
    _common,
    _sentence_initial,
    key_and_weight,
    stem,
)


def _reference(text: str, token: Token, people: frozenset[str]) -> tuple[str, int]:
    """key_and_weight as first written, every check made for every token (no memory)."""
    raw = token.text
    if not raw.isalpha():
        if raw[0] == "[":
            return raw, 0
        if re.search(r"\d", raw):
            key = raw.replace(",", "").lower()
            return key, 0 if len(key) == 1 else SPECIFIC
    low = raw.lower().replace("’", "'")
    if (low in _MONTHS and (low != "may" or raw[0] == "M")) or low in _WEEKDAYS:
        return low, SPECIFIC
    key = stem(low)
    if len(low) < 3 or low in people or _common(low):
        return key, 0
    if raw[0].isupper() and not raw.isupper() and not _sentence_initial(text, token.start):
        return key, SPECIFIC
    return key, CONTENT


def _keys(text: str, people: frozenset[str] = frozenset()) -> list[tuple[str, int]]:
    return [
        key_and_weight(text, Token(m.start(), m.end(), m.group(0)), people)
        for m in _TOKEN.finditer(text)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My Kettle broke", [("my", 0), ("kettl", SPECIFIC), ("brok", CONTENT)]),
        (  # at the start of a sentence a capital says nothing
            "Kettle broke. Kettle again",
            [("kettl", CONTENT), ("brok", CONTENT), ("kettl", CONTENT), ("again", 0)],
        ),
        (
            "on May 3 you may call",
            [("on", 0), ("may", SPECIFIC), ("3", 0), ("you", 0), ("may", 0), ("call", CONTENT)],
        ),
        (
            "order W48-1 for $64.99 on Friday",
            [
                ("order", 0),
                ("w48-1", SPECIFIC),
                ("for", 0),
                ("$64.99", SPECIFIC),
                ("on", 0),
                ("friday", SPECIFIC),
            ],
        ),
        ("email [EMAIL] now", [("email", CONTENT), ("[EMAIL]", 0), ("now", 0)]),
        ("I'm Dana, the boxes", [("i'm", 0), ("dana", 0), ("the", 0), ("box", CONTENT)]),
    ],
)
def test_keys_and_weights(text: str, expected: list[tuple[str, int]]) -> None:
    assert _keys(text, frozenset({"dana"})) == expected


_words = st.sampled_from(
    [
        "May",
        "may",
        "MAY",
        "Friday",
        "friday",
        "Kettle",
        "kettle",
        "KETTLE",
        "boxes",
        "Dana",
        "dana",
        "it's",
        "It’s",
        "[EMAIL]",
        "$64.99",
        "W48-1",
        "2:14",
        "3",
        "1,200",
        "the",
        "Hi",
        "stopping",
        "cast-iron",
        "O'Neil",
        "ok",
        "Ok",
    ]
)
_texts = st.lists(
    st.tuples(_words, st.sampled_from([" ", ". ", ", ", "? ", "\n", " (", " “"])), max_size=12
).map(lambda parts: "".join(w + s for w, s in parts))


@settings(max_examples=300, deadline=None)
@given(text=_texts, people=st.sets(st.sampled_from(["dana", "kettle", "may", "boxes"])))
def test_kept_token_keys_answer_what_checking_every_token_answers(
    text: str, people: set[str]
) -> None:
    known = frozenset(people)
    for match in _TOKEN.finditer(text):
        token = Token(match.start(), match.end(), match.group(0))
        assert key_and_weight(text, token, known) == _reference(text, token, known)
