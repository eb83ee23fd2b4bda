"""The store's time: every datetime column holds naive UTC (`to_db`, `now`), every record
gives it back aware (`from_db`)."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time as naive UTC, the way every datetime is stored."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_db(moment: datetime | None) -> datetime | None:
    """A datetime as naive UTC (naive input is taken to be UTC already)."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_db(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=UTC)
