"""Content words of a text, so detectors can tell whose words a reply re-uses: lower-case,
a crude stem (plural and possessive endings dropped), stop words and service boilerplate out."""

from __future__ import annotations

import re
from functools import cache, lru_cache

from heard.language.lexicon import wordlist

_TOKEN = re.compile(r"[A-Za-z0-9$][A-Za-z0-9$.,:/'-]*[A-Za-z0-9]|[A-Za-z0-9]")


def stem(word: str) -> str:
    """`Lights` → `light`, `customer's` → `customer`; numbers and codes stay as they are."""
    word = word.lower().removesuffix("'s").removesuffix("’s")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss") and word.isalpha():
        return word[:-1]
    return word


@cache
def _stop() -> frozenset[str]:
    return wordlist("stopwords") | wordlist("generic_words")


def tokens(text: str) -> list[re.Match[str]]:
    """Word-like tokens with their offsets; `$64.99`, `W48213377`, `2:14` stay whole."""
    return list(_TOKEN.finditer(text))


@lru_cache(maxsize=8192)
def content_words(text: str) -> frozenset[str]:
    """The stems of the words in `text` that carry content (numbers and codes included)."""
    found = set()
    for match in _TOKEN.finditer(text):
        raw = match.group(0).strip(".,:").lower()
        if raw in _stop():
            continue
        word = stem(raw)
        if word not in _stop() and (len(word) > 2 or any(c.isdigit() for c in word)):
            found.add(word)
    return frozenset(found)
