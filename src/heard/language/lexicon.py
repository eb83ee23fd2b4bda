"""Phrase lists kept as data files (one regular expression per line), compiled once."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from functools import cache
from importlib.resources import files

_UPPER = re.compile(r"[A-Z]")


class Lexicon:
    """A lexicon's patterns as one case-insensitive regex whose words stand alone (neither
    letters, digits nor an apostrophe on either side), searched like a compiled pattern.

    Most searches find nothing, and Python's regex engine tries every alternative of a
    case-insensitive pattern at every word start. So an ASCII text is first searched in lower
    case with the same patterns compiled case-sensitively (about twice as fast: it can skip an
    alternative on its first letter). On ASCII text, and patterns with no capital letters,
    that search matches exactly where the case-insensitive one does: when it finds nothing,
    there is nothing; when it finds something, the case-insensitive pattern runs on the text
    itself from there, so every match is the one `pattern` gives, with the text's own case.
    Other texts, and patterns with capitals ("PIN"), go to `pattern` directly."""

    __slots__ = ("_lower", "pattern")

    def __init__(self, source: str, *, bounded: bool = True) -> None:
        """`source` is a regex; with `bounded`, its matches must stand alone (see above)."""
        if bounded:
            source = rf"(?<![\w'])(?:{source})(?![\w'])"
        self.pattern: re.Pattern[str] = re.compile(source, re.IGNORECASE)
        """The case-insensitive regex: what every method answers for."""
        self._lower: re.Pattern[str] | None = None if _UPPER.search(source) else re.compile(source)

    def _start(self, text: str, pos: int, endpos: int) -> int | None:
        """Where `pattern`'s first match in text[pos:endpos] may begin: None when it has none."""
        if self._lower is None or not text.isascii():
            return pos
        found = self._lower.search(text.lower(), pos, endpos)
        return None if found is None else found.start()

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        start = self._start(text, pos, endpos)
        return None if start is None else self.pattern.search(text, start, endpos)

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        if (
            self._lower is not None
            and text.isascii()
            and self._lower.match(text.lower(), pos, endpos) is None
        ):
            return None
        return self.pattern.match(text, pos, endpos)

    def fullmatch(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        if (
            self._lower is not None
            and text.isascii()
            and self._lower.fullmatch(text.lower(), pos, endpos) is None
        ):
            return None
        return self.pattern.fullmatch(text, pos, endpos)

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        start = self._start(text, pos, endpos)
        return iter(()) if start is None else self.pattern.finditer(text, start, endpos)


@cache
def lexicon(name: str) -> Lexicon:
    """The patterns in lexicons/<name>.txt as one case-insensitive, word-bounded regex."""
    text = files("heard.language").joinpath("lexicons", f"{name}.txt").read_text("utf-8")
    patterns = [
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]
    return Lexicon("|".join(f"(?:{p})" for p in patterns))


@cache
def wordlist(name: str) -> frozenset[str]:
    """The words in lexicons/<name>.txt, one a line, as written (comments skipped)."""
    text = files("heard.language").joinpath("lexicons", f"{name}.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


_CLAUSE_END = re.compile(r"[,;!?\n]|\.(?!\d)|\band\b")
"""The end of a clause: a stop, a comma, "and" (not a date's dots: "25.03.1998")."""


def clauses(text: str, cues: Lexicon) -> list[tuple[int, int]]:
    """Where `text` has a clause opened by one of `cues`: from the cue to the clause's end
    ("my childhood pet is Charlie" in "…, my childhood pet is Charlie, and …")."""
    spans = []
    for cue in cues.finditer(text):
        end = _CLAUSE_END.search(text, cue.end())
        spans.append((cue.start(), len(text) if end is None else end.start()))
    return spans
