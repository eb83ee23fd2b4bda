"""The details a speaker gives — numbers, dates, names of things, distinctive words — as keys
an agent's later words can be matched against (shared by uses_details and the concern tracker).

Each token gets a key (lower case, crudely stemmed, so "paused" meets "pause") and a weight:
2 for something specific (a number, an amount, an ID, a date, a proper noun), 1 for a content
word, 0 for stop words, the words every service conversation uses, and people's names.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from heard.analysis.context import Context, Token
from heard.detectors._content import MONTHS, RELATIVE_DAYS, WEEKDAYS
from heard.language.lexicon import wordlist

SPECIFIC = 2
"""Weight of a number, amount, ID, date or proper noun."""
CONTENT = 1
"""Weight of any other content word."""

_DIGIT = re.compile(r"\d")
PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")
"""A redaction placeholder: typed ([EMAIL], [PHONE], [CARD]) or masked ([XXXXXXXX])."""
_NAME_INTRO = re.compile(
    r"\b(?:my name is|my name's|this is|it's|i'm|i am|speaking with|name is)\s+"
    r"((?:[A-Z][a-z'’-]+\s?){1,3})"
)
_SENTENCE_END = frozenset(".!?\n")
_MONTHS = MONTHS | {
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
}
_WEEKDAYS = WEEKDAYS | (RELATIVE_DAYS - {"today"}) | {"weekend"}
_SUFFIXES = ("ing", "ed", "es", "s", "e")
_UNSTEMMED = frozenset(
    [
        "evening",
        "morning",
        "building",
        "ceiling",
        "string",
        "spring",
        "during",
        "wedding",
        "thing",
        "nothing",
        "something",
        "anything",
        "everything",
    ]
)


@cache
def stem(word: str) -> str:
    """A crude stem: possessive and one inflectional suffix off ("packs" → "pack")."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if word in _UNSTEMMED:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if suffix in ("ing", "ed") and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # stopping → stop
            break
    return word


@cache
def _common(word: str) -> bool:
    return word in wordlist("stopwords") or word in wordlist("service_words")


def _sentence_initial(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t\"'(“‘":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END or text[i] == ","


def names(ctx: Context) -> frozenset[str]:
    """Lower-cased names of the people in the conversation (known, or introduced in a turn)."""
    found: set[str] = set()
    conversation = ctx.conversation
    for person in (conversation.customer, conversation.agent):
        if person and person.name:
            found.update(w.lower() for w in person.name.split())
    for turn in ctx.turns:
        if "is" in turn.text or "'" in turn.text or "’" in turn.text:
            for match in _NAME_INTRO.finditer(turn.text):
                found.update(w.lower() for w in match.group(1).split())
    return frozenset(found)


def key_and_weight(text: str, token: Token, people: frozenset[str]) -> tuple[str, int]:
    """The key of a token and how much re-using it shows the speaker was heard."""
    key, weight, low, capitalised = _word_key(token.text)
    if low is None:
        return key, weight
    if low in people:
        return key, 0
    if capitalised and not _sentence_initial(text, token.start):
        return key, SPECIFIC
    return key, CONTENT


@lru_cache(maxsize=32768)
def _word_key(raw: str) -> tuple[str, int, str | None, bool]:
    """What `key_and_weight` can tell from the token alone, kept per distinct token: (key,
    weight, None, False) when that is the answer; else (key, CONTENT, its lower-case form,
    whether it is Capitalised), for the checks that need the conversation's people and the
    token's place in its sentence."""
    if not raw.isalpha():
        if raw[0] == "[":
            return raw, 0, None, False
        if _DIGIT.search(raw):
            key = raw.replace(",", "").lower()
            return key, 0 if len(key) == 1 else SPECIFIC, None, False
    low = raw.lower()
    if "’" in low:
        low = low.replace("’", "'")
    if (low in _MONTHS and (low != "may" or raw[0] == "M")) or low in _WEEKDAYS:
        return low, SPECIFIC, None, False
    key = stem(low)
    if len(low) < 3 or _common(low):
        return key, 0, None, False
    return key, CONTENT, low, raw[0].isupper() and not raw.isupper()


def keyed(ctx: Context) -> list[list[tuple[str, int]]]:
    """(key, weight) of every token of every turn, aligned with ``ctx.tokens``; computed once
    per conversation and shared by the detectors that match details."""

    def compute() -> list[list[tuple[str, int]]]:
        people = names(ctx)
        return [
            [key_and_weight(turn.text, token, people) for token in tokens]
            for turn, tokens in zip(ctx.turns, ctx.tokens, strict=True)
        ]

    return ctx.view("details", compute)
