"""What a sentence is about, cheaply: content words, key items (numbers, dates, names), negation
and copied word sequences — the lexical half of the meaning detectors, run before any embedding."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib.resources import files

from heard.language.lexicon import lexicon

_WORD = re.compile(r"[A-Za-z0-9$£€][A-Za-z0-9'$£€.,:-]*[A-Za-z0-9]|[A-Za-z0-9]")
NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "fifteen": "15",
    "twenty": "20",
    "thirty": "30",
    "first": "1",
    "second": "2",
    "third": "3",
    "fourth": "4",
    "fifth": "5",
}
WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})
MONTHS = frozenset(
    {
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    }
)
RELATIVE_DAYS = frozenset({"today", "tomorrow", "yesterday", "tonight"})
CALENDAR = (
    WEEKDAYS
    | MONTHS
    | RELATIVE_DAYS
    | {"morning", "evening", "afternoon", "weekend", "week", "month", "year"}
)
"""Words of time: a customer's "Friday" or "March" is a detail worth re-using."""
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_DIGIT = re.compile(r"[0-9]")
"""A digit in a token of `_WORD` (whose only digits are ASCII ones)."""


@cache
def stopwords() -> frozenset[str]:
    text = files("heard.language").joinpath("lexicons", "stopwords.txt").read_text("utf-8")
    return frozenset(
        w for line in text.splitlines() if not line.startswith("#") for w in line.split()
    )


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; money and numbers keep their digits ($89.99, 5-7, 10:30)."""
    return [t.lower().rstrip(".,:") for t in _WORD.findall(text)]


def stem(word: str) -> str:
    """A light stem so that arrive/arrived/arriving and box/boxes meet."""
    word = word.removesuffix("'s")
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word.rstrip("e") if len(word) > 4 else word


@lru_cache(maxsize=8192)
def content_words(text: str) -> frozenset[str]:
    """Stems of the words that carry the content (no stopwords, no bare numbers)."""
    stop = stopwords()
    return frozenset(
        stem(t) for t in tokens(text) if t not in stop and len(t) > 2 and not _DIGIT.search(t)
    )


@lru_cache(maxsize=8192)
def key_items(text: str) -> frozenset[str]:
    """Numbers, money, dates and calendar words, and names (capitalised inside a sentence):
    what a faithful restatement must not change."""
    items: set[str] = set()
    for i, raw in enumerate(_WORD.findall(text)):
        low = raw.lower().rstrip(".,:")
        if _DIGIT.search(low):
            ordinal = _ORDINAL.match(low)
            items.add(ordinal.group(1) if ordinal else low.lstrip("$£€"))
        elif low in NUMBER_WORDS:
            items.add(NUMBER_WORDS[low])
        elif low in CALENDAR or (i > 0 and raw[0].isupper() and low not in stopwords()):
            items.add(low)
    return frozenset(items)


NEGATION_SCOPE = 3
"""A negation ("hasn't", "never") covers the next this-many words."""


def negated_words(text: str) -> set[str]:
    """Stems of the content words a negation covers: "still haven't arrived" → {arriv}."""
    words = tokens(text)
    negation = lexicon("negation").pattern
    out = set()
    for i, word in enumerate(words):
        if negation.fullmatch(word):
            out.update(content_words(" ".join(words[i + 1 : i + 1 + NEGATION_SCOPE])))
    return out


def copied_share(text: str, source: str, *, n: int = 3) -> float:
    """Share of `text`'s words inside word sequences of `n`+ that also occur in `source`."""
    words = tokens(text)
    if len(words) < n:
        return 1.0 if words and " ".join(words) in " ".join(tokens(source)) else 0.0
    grams = set(zip(*(tokens(source)[i:] for i in range(n)), strict=False))
    covered = [False] * len(words)
    for i in range(len(words) - n + 1):
        if tuple(words[i : i + n]) in grams:
            for j in range(i, i + n):
                covered[j] = True
    return sum(covered) / len(words)
