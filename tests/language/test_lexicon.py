"""The lexicons' fast search answers exactly what their case-insensitive regex answers."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heard.language.lexicon import Lexicon, lexicon

NAMES = sorted(
    p.name.removesuffix(".txt")
    for p in files("heard.language").joinpath("lexicons").iterdir()
    if p.name.endswith(".txt")
)
_WORD = re.compile(r"[a-z']+")


def _vocabulary() -> list[str]:
    """Words the lexicons are made of, so generated texts hit them often."""
    words: set[str] = set()
    for name in NAMES:
        text = files("heard.language").joinpath("lexicons", f"{name}.txt").read_text("utf-8")
        words.update(_WORD.findall(text.lower()))
    return sorted(words)


VOCABULARY = _vocabulary()
_word = st.one_of(
    st.sampled_from(VOCABULARY),
    st.sampled_from(VOCABULARY).map(str.upper),
    st.sampled_from(VOCABULARY).map(str.capitalize),
    st.text(alphabet="aBc'’İıſK-é0 ", min_size=1, max_size=4),
)
_text = st.lists(
    st.tuples(_word, st.sampled_from([" ", " ", ", ", ". ", "? ", "'", "-", "\n", "’"])),
    max_size=14,
).map(lambda parts: "".join(w + s for w, s in parts))


def _spans(found: object) -> object:
    if found is None:
        return None
    if isinstance(found, re.Match):
        return found.span(), found.group(0)
    return [m.span() for m in found]  # type: ignore[attr-defined]


@settings(max_examples=400, deadline=None)
@given(name=st.sampled_from(NAMES), text=_text, data=st.data())
def test_every_method_answers_what_the_case_insensitive_regex_answers(
    name: str, text: str, data: st.DataObject
) -> None:
    found = lexicon(name)
    reference = found.pattern
    pos = data.draw(st.integers(0, len(text)))
    endpos = data.draw(st.integers(pos, len(text) + 2))
    for method in ("search", "match", "fullmatch", "finditer"):
        ours = getattr(found, method)
        theirs = getattr(reference, method)
        assert _spans(ours(text)) == _spans(theirs(text)), method
        assert _spans(ours(text, pos)) == _spans(theirs(text, pos)), method
        assert _spans(ours(text, pos, endpos)) == _spans(theirs(text, pos, endpos)), method


@pytest.mark.parametrize(
    ("source", "text", "expected"),
    [
        ("i understand", "OK, I UNDERSTAND.", (4, 16)),  # the text's case, found in lower case
        ("sorry", "Sorry's the word", None),  # an apostrophe after the word: not alone
        ("so", "also so", (5, 7)),  # inside another word: not alone
        ("pin", "Your PIN, please", (5, 8)),
        ("PIN", "Your pin, please", (5, 8)),  # a capital in the pattern: case-insensitive still
        ("sorry", "I’m so SORRY — truly", (7, 12)),  # not ASCII: the regex itself answers
    ],
)
def test_matches_are_the_case_insensitive_ones_with_the_texts_own_case(
    source: str, text: str, expected: tuple[int, int] | None
) -> None:
    found = Lexicon(source).search(text)
    assert (found.span() if found else None) == expected
    if found:
        assert found.group(0) == text[found.start() : found.end()]


_names = st.sampled_from(["Dana", "Collins", "O'Neil", "Zoë", "Ann-Marie", "Kit", "Si", "Sue"])


@settings(max_examples=300, deadline=None)
@given(
    first=_names,
    surname=st.none() | _names,
    words=st.lists(
        st.sampled_from(
            [
                "thanks",
                "DANA",
                "dana's",
                "Mrs.",
                "mrs",
                "collins",
                "o'neil",
                "ZOË",
                "kit",
                "ann-marie",
                "Mr",
                "sir",
                "sue",
                "ſue",
                "İ",
                "Dr.",
                "Collinsworth",
                "Si",
            ]
        ),
        max_size=8,
    ),
    joiners=st.lists(st.sampled_from([" ", ", ", ".  ", "\n", "'", "-"]), min_size=8, max_size=8),
)
def test_the_customer_name_is_found_where_its_regex_finds_it(
    first: str, surname: str | None, words: list[str], joiners: list[str]
) -> None:
    from heard.detectors.phrases import _Name, _name_pattern

    text = "".join(w + j for w, j in zip(words, joiners, strict=False))
    ours = _Name(first, surname).search(text)
    theirs = _name_pattern(first, surname).search(text)
    assert (ours.span() if ours else None) == (theirs.span() if theirs else None)


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(
            [
                "your",
                "EMAIL",
                "e-mail",
                "address",
                "Address",
                "phone",
                "number",
                "order",
                "no",
                "DOB",
                "dob",
                "date of",
                "birth",
                "post",
                "code",
                "Zip",
                "card",
                "last 4 digits",
                "booking",
                "ref",
                "home",
                "İ",
                "ſ",
            ]
        ),
        max_size=10,
    ),
    joiners=st.lists(st.sampled_from([" ", ", ", "? ", "-", "\n"]), min_size=10, max_size=10),
)
def test_an_unbounded_pattern_answers_what_its_regex_answers(
    words: list[str], joiners: list[str]
) -> None:
    from heard.detectors.attentiveness import _ANY_ITEM

    text = "".join(w + j for w, j in zip(words, joiners, strict=False))
    assert _spans(_ANY_ITEM.search(text)) == _spans(_ANY_ITEM.pattern.search(text))
    assert _spans(_ANY_ITEM.finditer(text)) == _spans(_ANY_ITEM.pattern.finditer(text))
