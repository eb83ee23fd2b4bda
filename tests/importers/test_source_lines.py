"""Source.lines: only \\n, \\r\\n and \\r end a line, so JSON Lines records stay whole."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heard.importers.base import Source
from heard.importers.registry import read_source

SEPARATORS = ["\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\x1c"]


@pytest.mark.parametrize("separator", SEPARATORS)
def test_a_jsonl_record_with_a_unicode_line_separator_in_a_string_stays_whole(
    separator: str,
) -> None:
    text = f"line one{separator}still the same turn"
    record = {
        "id": "a",
        "channel": "chat",
        "turns": [{"role": "customer", "text": text}, {"role": "agent", "text": "ok"}],
    }
    data = (json.dumps(record, ensure_ascii=False) + "\n").encode()
    _, (conversation,) = read_source(Source("u.jsonl", data), format="jsonl")
    assert conversation.turns[0].text == text


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("", []),
        ("a", ["a"]),
        ("a\n", ["a"]),
        ("a\r\nb\rc\n", ["a", "b", "c"]),
        ("a\n\nb", ["a", "", "b"]),
        ("a\u2028b\n", ["a\u2028b"]),
    ],
)
def test_line_breaks(text: str, lines: list[str]) -> None:
    assert [line for _, line in Source("t.txt", text.encode()).lines()] == lines


# lone surrogates (category Cs) cannot be written as UTF-8, so no file holds them; NULs are
# dropped from what is read (tests/importers/test_bad_input.py)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(
                blacklist_categories=("Cs",), blacklist_characters="\r\n\ufeff\x00"
            )
        ),
        min_size=1,
    )
)
def test_lines_round_trip(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    numbered = list(Source("t.txt", text.encode()).lines())
    assert [line for _, line in numbered] == lines
    assert [n for n, _ in numbered] == list(range(1, len(lines) + 1))
