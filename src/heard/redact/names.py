"""A customer's name, found in text the way the name detectors read it and replaced by
``[FIRST_NAME]``, ``[MIDDLE_NAME]`` and ``[LAST_NAME]``.

The first word of the name is the first name, the last word (of two or more) the last name,
any between middle names: as ``heard.phrases.v1`` reads ``customer.name`` when it looks for
the agent using it. A word of the name is found in a text where it stands as a word of its
own, in any case: no letter, digit or underscore just before or after it (``Jane's`` is
found; ``Janet`` is not). Replacing it in the name field and in every turn with the
placeholder of its position keeps the analysis as it was: the detector then looks for
``[FIRST_NAME]`` (or a title and ``[LAST_NAME]``) and, since a placeholder keeps the
characters around the word, finds it exactly where it found the name (not in ``Jane's``:
the detector refuses an apostrophe after the name, and after the placeholder too).

Names that are not the customer's, and the customer's name where the conversation does not
give it, are not found: this is not a name recogniser.
"""

from __future__ import annotations

import hmac
import re

from heard.redact.detect import NAME_KINDS, Kind
from heard.redact.text import RedactedText, Redaction

PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")
"""A redaction placeholder; a word of a name that is one already is left alone."""

_STARTS = re.compile(r"(?<!\w)\S")
"""Where a word of the name may begin: not straight after a letter, digit or underscore."""
_WORD = re.compile(r"\w")
"""What may not follow a word of the name."""

DIGEST_LENGTH = 32
"""Hex characters kept of a word's keyed digest (128 bits)."""


class CustomerName:
    """The words of a customer's name to find in text: as they are, or only as keyed digests
    (:meth:`digests`), which find the same words without keeping them."""

    __slots__ = ("_key", "_lengths", "_words")

    def __init__(self, words: dict[str, tuple[Kind, int]], *, key: bytes | None = None) -> None:
        self._words = words
        """Lower-cased word (with `key`: its digest) → its placeholder's kind and its length."""
        self._lengths = sorted({size for _, size in words.values()}, reverse=True)
        """The lengths to try at each place in a text, longest first (the longest word wins)."""
        self._key = key

    @classmethod
    def parse(cls, name: str | None) -> CustomerName | None:
        """The words of `name` (None when it has none but placeholders)."""
        parts = (name or "").split()
        words: dict[str, tuple[Kind, int]] = {}
        # the first name, then the last, then the middle ones: a word in two places is
        # found as the first of these (the detector looks for the first name first)
        for i in [0, *range(len(parts) - 1, 0, -1)][: len(parts)]:
            if not PLACEHOLDER.fullmatch(parts[i]):
                words.setdefault(parts[i].lower(), (_position(i, len(parts)), len(parts[i])))
        return cls(words) if words else None

    def digests(self, key: bytes) -> list[list[str | int]]:
        """The words as `[kind, length, keyed digest]`, for :meth:`from_digests` (what a live
        session stores so that it can go on redacting the name after a restart)."""
        if self._key is not None:
            raise ValueError("the name is known only by its digests already")
        return [
            [kind.value, size, _digest(key, word)] for word, (kind, size) in self._words.items()
        ]

    @classmethod
    def from_digests(cls, data: object, key: bytes) -> CustomerName | None:
        """The name :meth:`digests` described, given the same key (None when `data` holds no
        well-formed entry)."""
        names = {k.value for k in NAME_KINDS}
        words: dict[str, tuple[Kind, int]] = {}
        for entry in data if isinstance(data, list) else []:
            if not (isinstance(entry, list) and len(entry) == 3):
                continue
            kind, size, digest = entry
            if kind in names and isinstance(digest, str) and isinstance(size, int) and size > 0:
                words[digest] = (Kind(kind), size)
        return cls(words, key=key) if words else None

    def _kind(self, word: str) -> Kind | None:
        low = word.lower()
        found = self._words.get(low if self._key is None else _digest(self._key, low))
        return found[0] if found else None

    def may_appear(self, text: str) -> bool:
        """False when no word of the name is in `text` (cheap; always True for digests)."""
        if self._key is not None:
            return True
        low = text.lower()
        return any(word in low for word in self._words)

    def redact(self, text: str) -> RedactedText:
        """`text` with each word of the name replaced by its placeholder, and the offset map."""
        if not self.may_appear(text):
            return RedactedText(text)
        pieces: list[str] = []
        redactions: list[Redaction] = []
        cursor = 0
        length = 0
        for match in _STARTS.finditer(text):
            start = match.start()
            if start < cursor:
                continue
            for size in self._lengths:
                end = start + size
                if end > len(text) or _WORD.match(text, end):
                    continue
                kind = self._kind(text[start:end])
                if kind is None:
                    continue
                kept = text[cursor:start]
                pieces.append(kept)
                length += len(kept)
                placeholder = kind.placeholder
                pieces.append(placeholder)
                redactions.append(Redaction(kind, length, length + len(placeholder), start, end))
                length += len(placeholder)
                cursor = end
                break
        if not redactions:
            return RedactedText(text)
        pieces.append(text[cursor:])
        return RedactedText("".join(pieces), redactions)


def _position(index: int, count: int) -> Kind:
    if index == 0:
        return Kind.FIRST_NAME
    return Kind.LAST_NAME if index == count - 1 else Kind.MIDDLE_NAME


def _digest(key: bytes, word: str) -> str:
    return hmac.new(key, word.lower().encode("utf-8"), "sha256").hexdigest()[:DIGEST_LENGTH]
