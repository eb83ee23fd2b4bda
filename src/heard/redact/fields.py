"""Redact any free-text value: a string (personal data by its shape, then the customer's
name), or JSON such as metadata, strings and keys at any depth."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import JsonValue

from heard.redact.detect import ALL_KINDS, Kind
from heard.redact.names import CustomerName
from heard.redact.text import RedactedText, compose, may_hold_pii, redact_text


def redact_string(
    text: str,
    *,
    kinds: Iterable[Kind] = ALL_KINDS,
    region: str = "US",
    name: CustomerName | None = None,
) -> RedactedText:
    """`text` with the personal data of `kinds` replaced, then the words of `name`; one offset
    map for both."""
    result = redact_text(text, kinds=kinds, region=region)
    if name is None:
        return result
    named = name.redact(result.text)
    if not named.redactions:
        return result
    return RedactedText(named.text, compose(result.redactions, named))


def redact_json(
    value: JsonValue,
    *,
    kinds: Iterable[Kind] = ALL_KINDS,
    region: str = "US",
    name: CustomerName | None = None,
) -> tuple[JsonValue, int]:
    """A redacted copy of `value` and how many pieces were replaced.

    Every string is redacted, at any depth, and so is every key of an object (a CRM may key
    contacts by email address). Two keys that become one are kept apart: the later ones get
    ` (2)`, ` (3)`… An integer that reads as personal data (a card or phone number sent as a
    JSON number) becomes its placeholder, a string; other numbers, booleans and null stay."""
    wanted = frozenset(kinds)
    if isinstance(value, str):
        if not may_hold_pii(value) and (name is None or not name.may_appear(value)):
            return value, 0  # most metadata strings: skip building a result
        result = redact_string(value, kinds=wanted, region=region, name=name)
        return result.text, len(result.redactions)
    if isinstance(value, list):
        items: list[JsonValue] = []
        count = 0
        for item in value:
            redacted, found = redact_json(item, kinds=wanted, region=region, name=name)
            items.append(redacted)
            count += found
        return items, count
    if isinstance(value, dict):
        members: dict[str, JsonValue] = {}
        count = 0
        for key, item in value.items():
            plain, found = redact_json(key, kinds=wanted, region=region, name=name)
            count += found
            new_key = str(plain)
            copy = 2
            while new_key in members:
                new_key = f"{plain} ({copy})"
                copy += 1
            members[new_key], found = redact_json(item, kinds=wanted, region=region, name=name)
            count += found
        return members, count
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1_000_000:
        digits = redact_text(str(value), kinds=wanted, region=region)
        if digits.redactions:
            return digits.text, len(digits.redactions)
    return value, 0
