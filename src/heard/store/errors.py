"""Errors the store raises on purpose; the web layer maps each code to an HTTP status."""

from __future__ import annotations

from heard.errors import HeardError


class StoreError(HeardError):
    """A request the store refuses: names what was wrong and, where it helps, the field."""

    code = "store"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.message = message
        self.field = field
        super().__init__(message)


class NotFound(StoreError):
    """The object does not exist, or the viewer may not see it (the two look the same)."""

    code = "not_found"


class Forbidden(StoreError):
    """The viewer can see the object but may not do this to it."""

    code = "forbidden"


class Conflict(StoreError):
    """The request clashes with what is stored: a duplicate, or a step out of order; or it met
    other writes at the same moment, when `retry_after` says in how many seconds to send it
    again."""

    code = "conflict"

    def __init__(
        self, message: str, *, field: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


class Invalid(StoreError):
    """A value the store cannot accept (a span outside the turn, an unknown behaviour…)."""

    code = "invalid"
