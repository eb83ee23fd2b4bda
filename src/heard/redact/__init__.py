"""Redaction: replace personal data in transcripts by typed placeholders before storage.

Cards, emails, phone numbers, US SSNs and IBANs become ``[CARD]``, ``[EMAIL]``,
``[PHONE]``, ``[SSN]`` and ``[IBAN]``; an offset map keeps evidence spans valid.
"""

from __future__ import annotations

from heard.redact.conversation import redact_conversation, redact_words, span_to_original
from heard.redact.detect import ALL_KINDS, Hit, Kind
from heard.redact.text import RedactedText, Redaction, find_pii, redact_text

__all__ = [
    "ALL_KINDS",
    "Hit",
    "Kind",
    "RedactedText",
    "Redaction",
    "find_pii",
    "redact_conversation",
    "redact_text",
    "redact_words",
    "span_to_original",
]
