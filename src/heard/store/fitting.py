"""Values the store makes fit their columns where refusing them is not its call: an audit
entry names its object in 64 characters, and a live conversation's id may have 300."""

from __future__ import annotations

import hashlib

AUDIT_OBJECT_ID_LENGTH = 64
"""`audit_log.object_id`."""

_DIGEST = 16


def audit_object_id(value: str | None) -> str | None:
    """`value` when it fits `audit_log.object_id`, else its start, "~" and the first 16 hex
    digits of its SHA-256: still one per object, and found again by hashing the id."""
    if value is None or len(value) <= AUDIT_OBJECT_ID_LENGTH:
        return value
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:_DIGEST]
    return f"{value[: AUDIT_OBJECT_ID_LENGTH - _DIGEST - 1]}~{digest}"
