"""Redact one text and keep a map between its new and old character offsets.

Evidence spans point into stored (redacted) text; the map lets them be traced back to
the original offsets, and original offsets forward to the stored text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from heard.redact.detect import (
    ALL_KINDS,
    PRIORITY,
    TLD_HINT,
    Hit,
    Kind,
    find_cards,
    find_emails,
    find_ibans,
    find_phones,
    find_ssns,
)
from heard.redact.spoken import find_spoken


@dataclass(frozen=True, slots=True)
class Redaction:
    """One replaced piece: its kind, where the placeholder is, and where the original was."""

    kind: Kind
    start: int
    end: int
    original_start: int
    original_end: int

    def to_dict(self) -> dict[str, str | int]:
        return {
            "kind": self.kind.value,
            "start": self.start,
            "end": self.end,
            "original_start": self.original_start,
            "original_end": self.original_end,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Redaction:
        def integer(key: str) -> int:
            value = data[key]
            if not isinstance(value, int):
                raise TypeError(f"redaction {key} must be an integer, not {value!r}")
            return value

        return cls(
            kind=Kind(str(data["kind"])),
            start=integer("start"),
            end=integer("end"),
            original_start=integer("original_start"),
            original_end=integer("original_end"),
        )


@dataclass(frozen=True, slots=True)
class RedactedText:
    """A redacted text, what was replaced, and the offset map both ways."""

    text: str
    redactions: list[Redaction] = field(default_factory=list)
    _starts: list[int] = field(init=False, repr=False, compare=False)
    _original_starts: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", [r.start for r in self.redactions])
        object.__setattr__(self, "_original_starts", [r.original_start for r in self.redactions])

    def _before(self, offset: int) -> Redaction | None:
        """The last redaction whose placeholder starts at or before ``offset``."""
        i = bisect_right(self._starts, offset) - 1
        return self.redactions[i] if i >= 0 else None

    def to_original(self, offset: int) -> int:
        """The original offset of a redacted-text offset; inside a placeholder, its start."""
        r = self._before(offset)
        if r is None:
            return offset
        if offset < r.end:
            return r.original_start
        return r.original_end + (offset - r.end)

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original span of a redacted-text span; touching a placeholder takes it whole."""
        original_start = self.to_original(start)
        r = self._before(end - 1) if end > start else None
        inside = r is not None and end <= r.end
        original_end = r.original_end if r is not None and inside else self.to_original(end)
        return original_start, max(original_start, original_end)

    def to_redacted(self, offset: int) -> int:
        """The redacted-text offset of an original offset; inside redacted data, its start."""
        i = bisect_right(self._original_starts, offset) - 1
        if i < 0:
            return offset
        r = self.redactions[i]
        if offset < r.original_end:
            return r.start
        return r.end + (offset - r.original_end)


def find_pii(text: str, *, kinds: Iterable[Kind] = ALL_KINDS, region: str = "US") -> list[Hit]:
    """All personal data of the given kinds in ``text``, non-overlapping, by position.

    Phones are looked for last, in a copy of the text where what was already found is
    masked the way its placeholder will look, so that redacting the redacted text again
    finds nothing new.
    """
    if not may_hold_pii(text):
        return []  # the common case: nothing here can be personal data
    wanted = frozenset(kinds)
    digits = sum(map(str.isdigit, text))
    words = _SPOKEN_HINT.search(text) is not None
    found: list[Hit] = []
    if Kind.EMAIL in wanted:
        found += find_emails(text)
    if Kind.IBAN in wanted and digits >= 4:
        found += find_ibans(text)
    if digits >= 9:
        if Kind.CARD in wanted:
            found += find_cards(text)
        if Kind.SSN in wanted:
            found += find_ssns(text)
    if words or digits >= 6:
        found += find_spoken(text, kinds=wanted, region=region)
    if Kind.PHONE in wanted and digits >= 7:
        found = resolve_overlaps(found)
        found += find_phones(_mask(text, found), region)
    return resolve_overlaps(found)


def may_hold_pii(text: str) -> bool:
    """False when `text` cannot hold personal data of any kind `find_pii` looks for: fewer
    than four digits, no ``@``, no digit word or spoken "dot" and no top-level domain
    ("merielatyahoo .com") (most text; cheap)."""
    return (
        "@" in text
        or sum(map(str.isdigit, text)) >= 4
        or _SPOKEN_HINT.search(text) is not None
        or TLD_HINT.search(text) is not None
    )


# Digit words or a spoken "dot": worth running the spoken-form finders.
_SPOKEN_HINT = re.compile(
    r"\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|dot)\b", re.IGNORECASE
)


def _mask(text: str, hits: list[Hit]) -> str:
    """``text`` with each hit replaced by a bracketed filler of the same length."""
    if not hits:
        return text
    pieces: list[str] = []
    cursor = 0
    for hit in hits:
        pieces.append(text[cursor : hit.start])
        pieces.append("[" + "X" * (hit.end - hit.start - 2) + "]")
        cursor = hit.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def resolve_overlaps(hits: list[Hit]) -> list[Hit]:
    """Keep the winners where hits overlap: by priority, then the longer, then the earlier."""
    if len(hits) < 2:
        return hits
    ranked = sorted(hits, key=lambda h: (PRIORITY[h.kind], h.start - h.end, h.start))
    kept: list[Hit] = []
    for hit in ranked:
        if all(hit.end <= k.start or hit.start >= k.end for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


def redact_text(
    text: str, *, kinds: Iterable[Kind] = ALL_KINDS, region: str = "US"
) -> RedactedText:
    """Replace the personal data in ``text`` by typed placeholders such as ``[CARD]``.

    ``kinds`` limits what is looked for; ``region`` is the ISO country whose national
    phone formats are understood (international ``+…`` numbers are found for any region).
    When something was replaced, the result is checked again until nothing more is
    found (a placeholder can change what the phone matcher sees next to it), so
    redacting the result a second time changes nothing.
    """
    wanted = frozenset(kinds)
    result = _redact_once(text, wanted, region)
    # Each pass removes digits, "@" or digit words that placeholders never hold, so this ends.
    for _ in range(len(text)):
        if not result.redactions:
            break
        again = _redact_once(result.text, wanted, region)
        if not again.redactions:
            break
        result = RedactedText(again.text, compose(result.redactions, again))
    return result


def _redact_once(text: str, kinds: frozenset[Kind], region: str) -> RedactedText:
    hits = find_pii(text, kinds=kinds, region=region)
    if not hits:
        return RedactedText(text)
    pieces: list[str] = []
    redactions: list[Redaction] = []
    cursor = 0
    length = 0
    for hit in hits:
        kept = text[cursor : hit.start]
        pieces.append(kept)
        length += len(kept)
        placeholder = hit.kind.placeholder
        pieces.append(placeholder)
        redactions.append(
            Redaction(hit.kind, length, length + len(placeholder), hit.start, hit.end)
        )
        length += len(placeholder)
        cursor = hit.end
    pieces.append(text[cursor:])
    return RedactedText("".join(pieces), redactions)


def compose(earlier: list[Redaction], later: RedactedText) -> list[Redaction]:
    """One map from the original to the final text, from an earlier pass and a later one.

    ``earlier`` maps the original to an intermediate text; ``later`` is the redaction
    of that intermediate text. An earlier placeholder swallowed by a later redaction
    is folded into it.
    """
    first = RedactedText("", earlier)
    combined: list[Redaction] = []
    for r in later.redactions:
        start, end = first.span_to_original(r.original_start, r.original_end)
        combined.append(Redaction(r.kind, r.start, r.end, start, end))
    for r in earlier:
        swallowed = any(
            n.original_start < r.end and r.start < n.original_end for n in later.redactions
        )
        if not swallowed:
            start = later.to_redacted(r.start)
            combined.append(
                Redaction(r.kind, start, start + r.end - r.start, r.original_start, r.original_end)
            )
    return sorted(combined, key=lambda r: r.start)
