"""The free text the store writes besides conversations — coaching notes, their edits, replies
and acknowledge/dispute/resolve texts, survey comments, user and token names — redacted as
conversations are, and the audit note that says what was replaced (never what it was)."""

from __future__ import annotations

from collections import Counter


def free_text(text: str, *, redact: bool, limit: int | None = None) -> tuple[str, str | None]:
    """`text` as the store keeps it (card numbers, emails, phones, SSNs and IBANs replaced
    when `redact`) and a note for the audit log naming what was replaced, such as
    "redacted 1 card, 2 email" (None when nothing was). With `limit` (a column's length), a
    redacted text is cut to it: `[EMAIL]` is one character longer than `a@b.cd`."""
    if not redact:
        return text, None
    from heard.redact import redact_text  # phonenumbers' rules load on first use

    result = redact_text(text)
    if not result.redactions:
        return text, None
    note = redaction_note(Counter(r.kind.value for r in result.redactions))
    return result.text[:limit] if limit is not None else result.text, note


def redaction_note(found: Counter[str]) -> str | None:
    """ "redacted 1 card, 2 email" for what `found` counts by kind; None when it is empty."""
    if not found:
        return None
    return "redacted " + ", ".join(f"{n} {kind}" for kind, n in sorted(found.items()))


def with_note(detail: str | None, note: str | None) -> str | None:
    """An audit detail with the redaction note after it ("conversation 4; redacted 1 card")."""
    return "; ".join(part for part in (detail, note) if part) or None
