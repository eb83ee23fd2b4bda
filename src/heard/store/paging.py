"""Keyset paging of the conversation list: a page is found by the position of the row before
(or after) it in the list's order — its sort key and id, carried in an opaque cursor — never
by counting rows from the start. A conversation stored between two page loads does not shift
the rows of the next page (no row twice, none skipped), and a page deep in a long list costs
what the first one does.

Each order sorts by a key, then by id, so every row has one place: newest and oldest by when
the conversation happened, score and -score by Listening Score with the unscored last."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from sqlalchemy import and_, or_
from sqlalchemy.sql.expression import ColumnElement

from heard.store.errors import Invalid
from heard.store.records import ConversationSummary

Order = Literal["newest", "oldest", "score", "-score"]
ORDERS: tuple[Order, ...] = ("newest", "oldest", "score", "-score")
MAX_CURSOR = 200
"""The longest cursor accepted (one is about 60 characters)."""

Position = tuple[Any, int]
"""A row's place in an order: (its sort key, its id)."""

_STALE = "this page link is broken or out of date; start again from the first page"


def cursor(order: Order, key: datetime | float | None, row_id: int) -> str:
    """The opaque cursor of the row at (`key`, `row_id`) in `order` (`key`: naive UTC
    `occurred_at` for newest and oldest, the Listening Score for score and -score)."""
    value = key.isoformat() if isinstance(key, datetime) else key
    raw = orjson.dumps([order, value, row_id])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def cursor_of(order: Order, item: ConversationSummary) -> str:
    """The cursor of a listed conversation in `order`."""
    if order in ("newest", "oldest"):
        moment = item.occurred_at
        naive = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
        return cursor(order, naive, item.id)
    return cursor(order, item.listening_score, item.id)


def position(order: Order, token: str, *, field: str) -> Position:
    """The position a cursor names; Invalid (naming `field`) when it is not one of `order`'s."""
    if len(token) > MAX_CURSOR:
        raise Invalid(_STALE, field=field)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        made_for, value, row_id = orjson.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise Invalid(_STALE, field=field) from None
    if made_for != order:
        raise Invalid(
            "this page link is for another sort order; start again from the first page",
            field=field,
        )
    if not isinstance(row_id, int) or isinstance(row_id, bool) or not 0 < row_id < 2**31:
        raise Invalid(_STALE, field=field)
    if order in ("newest", "oldest"):
        try:
            return datetime.fromisoformat(value), row_id
        except (TypeError, ValueError):
            raise Invalid(_STALE, field=field) from None
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise Invalid(_STALE, field=field)
    return (None if value is None else float(value)), row_id


def ordering(order: Order, rows: Any, key: Any, *, backwards: bool = False) -> list[Any]:
    """ORDER BY of `order` over `rows` (which hold occurred_at and listening_score) and their
    id column `key`; `backwards` reverses it (for the page before a position)."""
    score = rows.listening_score
    forwards = {
        "newest": [rows.occurred_at.desc(), key.desc()],
        "oldest": [rows.occurred_at, key],
        "score": [score.is_(None), score, key],
        "-score": [score.is_(None), score.desc(), key],
    }[order]
    if not backwards:
        return forwards
    reverse = {
        "newest": [rows.occurred_at, key],
        "oldest": [rows.occurred_at.desc(), key.desc()],
        "score": [score.is_(None).desc(), score.desc(), key.desc()],
        "-score": [score.is_(None).desc(), score, key.desc()],
    }
    return reverse[order]


def beyond(
    order: Order, rows: Any, key: Any, at: Position, *, backwards: bool = False
) -> ColumnElement[bool]:
    """The rows after position `at` in `order` (before it with `backwards`)."""
    value, row_id = at
    if order in ("newest", "oldest"):
        later = (order == "oldest") != backwards  # rows further on sort later in time
        column = rows.occurred_at
        if later:
            return or_(column > value, and_(column == value, key > row_id))
        return or_(column < value, and_(column == value, key < row_id))
    score = rows.listening_score
    if value is None:  # among the unscored, last in both score orders, by id
        if backwards:
            return or_(score.is_not(None), key < row_id)
        return and_(score.is_(None), key > row_id)
    higher = (order == "score") != backwards  # rows further on have a higher score
    further = score > value if higher else score < value
    if backwards:
        return and_(score.is_not(None), or_(further, and_(score == value, key < row_id)))
    return or_(score.is_(None), further, and_(score == value, key > row_id))
