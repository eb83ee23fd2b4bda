"""Phrase lists kept as data files (one regular expression per line), compiled once."""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files


@cache
def lexicon(name: str) -> re.Pattern[str]:
    """The patterns in lexicons/<name>.txt as one case-insensitive, word-bounded regex."""
    text = files("heard.detectors").joinpath("lexicons", f"{name}.txt").read_text("utf-8")
    patterns = [
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]
    joined = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(rf"(?<![\w'])(?:{joined})(?![\w'])", re.IGNORECASE)


@cache
def wordlist(name: str) -> frozenset[str]:
    """The words in lexicons/<name>.txt, one a line, as written (comments skipped)."""
    text = files("heard.detectors").joinpath("lexicons", f"{name}.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )
