"""Properties of redaction that hold for any text: no errors, idempotent, a faithful map."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from heard.redact import redact_text

# Text that often looks like personal data: digits, separators, letters, @ and dots.
_PIECES = st.sampled_from(
    [
        "4111 1111 1111 1111",
        "415-555-0132",
        "(415) 555-0132",
        "+44 20 7946 0958",
        "123-45-6789",
        "ssn ",
        "DE89 3704 0044 0532 0130 00",
        "jane@example.com",
        " at gmail dot com",
        "four one five five five five oh one three two",
        "order ",
        " ",
        "-",
        ".",
        "@",
        "[PHONE]",
    ]
)
texty = st.one_of(
    st.text(),
    st.text(alphabet="0123456789 -.()+@:/abcxyz"),
    st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=8).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(texty)
def test_never_raises_and_keeps_text_outside_redactions(text: str) -> None:
    result = redact_text(text)
    # Rebuild the original from the redacted text and the map: outside redactions, identical.
    cursor = 0
    original_cursor = 0
    for r in result.redactions:
        assert result.text[cursor : r.start] == text[original_cursor : r.original_start]
        assert result.text[r.start : r.end] == r.kind.placeholder
        assert r.original_start < r.original_end
        cursor, original_cursor = r.end, r.original_end
    assert result.text[cursor:] == text[original_cursor:]


@settings(max_examples=300, deadline=None)
@given(texty)
def test_redacting_twice_is_redacting_once(text: str) -> None:
    once = redact_text(text)
    twice = redact_text(once.text)
    assert twice.text == once.text
    assert twice.redactions == []


@settings(max_examples=200, deadline=None)
@given(texty)
def test_offset_maps_are_monotonic_and_consistent(text: str) -> None:
    result = redact_text(text)
    mapped = [result.to_original(i) for i in range(len(result.text) + 1)]
    assert mapped == sorted(mapped)
    assert mapped[0] == 0
    assert mapped[-1] == len(text)
    back = [result.to_redacted(i) for i in range(len(text) + 1)]
    assert back == sorted(back)
    assert back[-1] == len(result.text)
    for i in range(len(result.text) + 1):
        start, end = result.span_to_original(i, len(result.text))
        assert 0 <= start <= end == len(text)
    # Outside placeholders, the two maps invert each other.
    inside = {o for r in result.redactions for o in range(r.start + 1, r.end)}
    for i in range(len(result.text) + 1):
        if i not in inside:
            assert result.to_redacted(result.to_original(i)) == i
