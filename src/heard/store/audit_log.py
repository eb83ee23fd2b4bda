"""The audit log: one entry per view or change, written in the transaction of what it records
(`write`; `audit` for what only the web layer sees), and read by admins only: newest first by
offset (`list_audit`), or a page at a time (`search`) filtered by who acted, what they did and
when, paged by entry id (keyset: entries written between two page loads never shift a page,
and a page deep in the log costs what the first does)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from heard.store.clock import from_db, now
from heard.store.errors import Forbidden, Invalid
from heard.store.fitting import audit_object_id
from heard.store.records import AuditEntry, Viewer
from heard.store.tables import AuditRow, UserRow

if TYPE_CHECKING:
    from heard.store.repository import Store

ACTION_LENGTH = 32
"""`audit_log.action`."""
MAX_PAGE = 1000
"""The most entries one page holds."""

KNOWN_ACTIONS = (
    "activate",
    "change_password",
    "create",
    "deactivate",
    "delete",
    "edit",
    "issue_reset",
    "live_start",
    "password_change_failed",
    "rescore",
    "reset_password",
    "revoke",
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "view",
)
"""Actions the log holds, offered by the viewer's action filter (any other is still found)."""


def write(
    session: Session,
    user_id: int | None,
    action: str,
    object_type: str,
    object_id: str | None,
    detail: str | None,
) -> None:
    """Add one audit entry to the transaction of `session` (the view or change it records)."""
    session.add(
        AuditRow(
            at=now(),
            user_id=user_id,
            action=action,
            object_type=object_type,
            object_id=audit_object_id(object_id),
            detail=detail,
        )
    )


def audit(
    store: Store,
    *,
    user_id: int | None,
    action: str,
    object_type: str,
    object_id: str | None = None,
    detail: str | None = None,
) -> None:
    """Write one audit entry (the web layer records views the store does not see)."""
    with store._session() as session:
        write(session, user_id, action, object_type, object_id, detail)


def list_audit(
    store: Store, viewer: Viewer, *, offset: int = 0, limit: int = 100, user_id: int | None = None
) -> list[AuditEntry]:
    if not viewer.is_admin:
        raise Forbidden("only admins read the audit log")
    with store._session() as session:
        stmt = (
            select(AuditRow, UserRow.email)
            .outerjoin(UserRow, UserRow.id == AuditRow.user_id)
            .order_by(AuditRow.id.desc())
            .offset(offset)
            .limit(limit)
        )
        if user_id is not None:
            stmt = stmt.where(AuditRow.user_id == user_id)
        return [
            AuditEntry(
                id=row.id,
                at=from_db(row.at),  # type: ignore[arg-type]
                user_id=row.user_id,
                user=email,
                action=row.action,
                object_type=row.object_type,
                object_id=row.object_id,
                detail=row.detail,
            )
            for row, email in session.execute(stmt)
        ]


class AuditPage(BaseModel):
    """One page of the audit log: entries newest first, and the ids to page from (None when
    there is nothing further that way)."""

    entries: list[AuditEntry]
    older: int | None = None
    """Pass as `before` for the next, older page."""
    newer: int | None = None
    """Pass as `after` for the previous, newer page."""


def _naive(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def search(
    store: Store,
    viewer: Viewer,
    *,
    user_id: int | None = None,
    action: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> AuditPage:
    """Entries by `user_id`, of `action`, at or after `start` and before `end`, newest first:
    the `limit` just older than entry `before`, or just newer than entry `after` (the first
    page when neither)."""
    if not viewer.is_admin:
        raise Forbidden("only admins read the audit log")
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"a page holds 1 to {MAX_PAGE} entries", field="limit")
    if action is not None and (len(action) > ACTION_LENGTH or not action.strip()):
        raise Invalid(f"an action is 1 to {ACTION_LENGTH} characters", field="action")
    if before is not None and after is not None:
        raise Invalid("page one way at a time: before or after", field="after")
    start, end = _naive(start), _naive(end)
    if start is not None and end is not None and end <= start:
        raise Invalid("The 'to' date is before the 'from' date.", field="date_to")
    where: list[ColumnElement[bool]] = []
    if user_id is not None:
        where.append(AuditRow.user_id == user_id)
    if action:
        where.append(AuditRow.action == action.strip())
    if start is not None:
        where.append(AuditRow.at >= start)
    if end is not None:
        where.append(AuditRow.at < end)
    stmt = (
        select(AuditRow, UserRow.email)
        .outerjoin(UserRow, UserRow.id == AuditRow.user_id)
        .where(*where)
    )
    if before is not None:
        stmt = stmt.where(AuditRow.id < before).order_by(AuditRow.id.desc())
    elif after is not None:
        stmt = stmt.where(AuditRow.id > after).order_by(AuditRow.id.asc())
    else:
        stmt = stmt.order_by(AuditRow.id.desc())
    with store._session() as session:

        def exists(condition: ColumnElement[bool]) -> bool:
            found = select(AuditRow.id).where(*where, condition).limit(1)
            return session.execute(found).first() is not None

        rows = list(session.execute(stmt.limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        if after is not None:
            rows.reverse()
        entries = [
            AuditEntry(
                id=row.id,
                at=row.at.replace(tzinfo=UTC),
                user_id=row.user_id,
                user=email,
                action=row.action,
                object_type=row.object_type,
                object_id=row.object_id,
                detail=row.detail,
            )
            for row, email in rows
        ]
        if not entries:
            return AuditPage(entries=[])
        first, last = entries[0].id, entries[-1].id
        if after is not None:
            newer = first if more else None
            older = last if exists(AuditRow.id < last) else None
        else:
            older = last if more else None
            newer = first if before is not None and exists(AuditRow.id > first) else None
        return AuditPage(entries=entries, older=older, newer=newer)
