"""Find personal data read out digit by digit, as speech recognition writes it down.

Call transcripts often hold "four one five, five five five, oh one three two" or
"4 1 5 5 5 5 0 1 3 2" rather than "415-555-0132". This pass reads such runs of digit
words (with "oh", "double", "triple" and a leading "plus"), turns them into a digit
string and checks it with the same rules as the written forms: Luhn and a card
network for cards, stdnum and a spoken cue for SSNs, libphonenumber validity for phones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

from heard.language.lexicon import wordlist
from heard.redact.detect import Hit, Kind, has_ssn_cue, is_card_number, is_ssn

_WORDS = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
"""The digit each digit word stands for; the words themselves are the `digit_word` lexicon's
(with "double" and "triple", which repeat the next digit)."""
_REPEATS = {"double": 2, "triple": 3}
_TOKEN = "(?:" + "|".join(sorted(wordlist("digit_word"))) + r"|\d{1,4})"
_RUN = re.compile(
    rf"(?<![\w+])(?:plus[\s,]+)?{_TOKEN}(?:[\s,.-]+{_TOKEN}){{5,}}(?!\w)", re.IGNORECASE
)
_SPLIT = re.compile(r"[\s,.-]+")
_ANY_WORD = re.compile(r"\b(?:" + "|".join(sorted(_WORDS)) + r")\b", re.I)


def spoken_digits(run: str) -> tuple[str, bool]:
    """The digits a spoken run stands for, and whether it began with "plus"."""
    tokens = [t.lower() for t in _SPLIT.split(run) if t]
    plus = bool(tokens) and tokens[0] == "plus"
    if plus:
        tokens = tokens[1:]
    digits: list[str] = []
    repeat = 1
    for token in tokens:
        if token in _REPEATS:
            repeat = _REPEATS[token]
            continue
        digit = _WORDS.get(token, token)
        digits.append(digit[:1] * repeat + digit[1:])
        repeat = 1
    return "".join(digits), plus


def find_spoken(text: str, *, kinds: Iterable[Kind], region: str = "US") -> list[Hit]:
    wanted = frozenset(kinds) & {Kind.CARD, Kind.SSN, Kind.PHONE}
    if not wanted or (_ANY_WORD.search(text) is None and not _has_digit_spaced(text)):
        return []
    hits: list[Hit] = []
    lowered = text.lower()
    for m in _RUN.finditer(text):
        run = m.group()
        tokens = [t for t in _SPLIT.split(run) if t]
        wordy = any(not t.isdigit() for t in tokens)
        singles = sum(1 for t in tokens if len(t) == 1 and t.isdigit())
        if not wordy and singles < 6:
            continue  # written numbers: the ordinary finders see them
        # Try the whole run, then without its last tokens ("… oh one three two 3 times").
        for drop in range(min(3, len(tokens) - 6) + 1):
            end = m.end()
            if drop:
                end = m.start() + _end_of_token(run, len(tokens) - drop)
            digits, plus = spoken_digits(text[m.start() : end])
            kind = _classify(digits, plus, lowered, m.start(), wanted, region)
            if kind is not None:
                hits.append(Hit(kind, m.start(), end))
                break
    return hits


def _end_of_token(run: str, count: int) -> int:
    """The offset in ``run`` just after its ``count``-th token."""
    for seen, token in enumerate(_TOKEN_RE.finditer(run), start=1):
        if seen == count:
            return token.end()
    return len(run)


_TOKEN_RE = re.compile(r"[^\s,.-]+")


def _has_digit_spaced(text: str) -> bool:
    return re.search(r"\d \d \d \d \d \d", text) is not None


def _classify(
    digits: str, plus: bool, lowered: str, start: int, wanted: frozenset[Kind], region: str
) -> Kind | None:
    if not 7 <= len(digits) <= 19:
        return None
    if Kind.CARD in wanted and is_card_number(digits):
        return Kind.CARD
    if Kind.SSN in wanted and len(digits) == 9 and is_ssn(digits) and has_ssn_cue(lowered, start):
        return Kind.SSN
    if Kind.PHONE in wanted and len(digits) <= 15:
        try:
            number = phonenumbers.parse(("+" if plus else "") + digits, region)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            return Kind.PHONE
    return None
