"""Redaction: replace personal data in transcripts by typed placeholders before storage.

Cards, emails, phone numbers, US SSNs and IBANs become ``[CARD]``, ``[EMAIL]``,
``[PHONE]``, ``[SSN]`` and ``[IBAN]``; a customer's name, where a conversation gives it,
``[FIRST_NAME]``, ``[MIDDLE_NAME]`` and ``[LAST_NAME]``; an offset map keeps evidence spans
valid.
"""

from __future__ import annotations

from heard.redact.conversation import redact_conversation, redact_words, span_to_original
from heard.redact.detect import ALL_KINDS, NAME_KINDS, PATTERN_KINDS, Hit, Kind
from heard.redact.fields import redact_json, redact_string
from heard.redact.names import CustomerName
from heard.redact.text import RedactedText, Redaction, find_pii, redact_text

__all__ = [
    "ALL_KINDS",
    "NAME_KINDS",
    "PATTERN_KINDS",
    "CustomerName",
    "Hit",
    "Kind",
    "RedactedText",
    "Redaction",
    "find_pii",
    "redact_conversation",
    "redact_json",
    "redact_string",
    "redact_text",
    "redact_words",
    "span_to_original",
]
