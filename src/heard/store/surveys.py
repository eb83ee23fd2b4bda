"""A conversation's survey links take one answer: the first is stored, a second through any of
its links replaces it within the edit window and is refused (Conflict) after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from heard.store.errors import Conflict
from heard.store.tables import ConversationRow, FeedbackRow, ScorecardRow


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def answer(
    session: Session,
    conversation_id: int,
    *,
    csat: int | None,
    felt_heard: int | None,
    comment: str | None,
    edit_window: timedelta,
) -> FeedbackRow:
    """The conversation's one answer, stored or replaced (then `edited_at` is set). Two first
    answers at once: the second's insert fails on the unique `answer_of` (IntegrityError) and
    the caller tries again, as a replacement."""
    stamp = now()
    row = session.scalars(
        select(FeedbackRow).where(FeedbackRow.answer_of == conversation_id)
    ).one_or_none()
    if row is None:
        row = FeedbackRow(
            conversation_id=conversation_id,
            answer_of=conversation_id,
            csat=csat,
            felt_heard=felt_heard,
            comment=comment,
            submitted_at=stamp,
        )
        session.add(row)
        session.flush()
        return row
    if stamp - row.submitted_at > edit_window:
        first = row.submitted_at.replace(tzinfo=UTC).isoformat(timespec="minutes")
        raise Conflict(
            f"this survey was answered at {first} and the answer can no longer be changed "
            f"(answers may be changed for {_minutes(edit_window)} after the first)",
            field="token",
        )
    row.csat, row.felt_heard, row.comment, row.edited_at = csat, felt_heard, comment, stamp
    session.flush()
    return row


def answered(session: Session, conversation_id: int) -> FeedbackRow | None:
    return session.scalars(
        select(FeedbackRow).where(FeedbackRow.answer_of == conversation_id)
    ).one_or_none()


def _minutes(window: timedelta) -> str:
    minutes = round(window.total_seconds() / 60)
    return "1 minute" if minutes == 1 else f"{minutes:,} minutes"


def felt_heard_answers(session: Session) -> list[tuple[str, str | None, int]]:
    """(conversation body, current scorecard body or None, answer) for every conversation
    whose survey answer rates "did you feel heard?" (1–5), in conversation order: the latest
    answer where a conversation has several (answers stored before migration 0009)."""
    latest: dict[int, int] = {}
    rows = session.execute(
        select(FeedbackRow.conversation_id, FeedbackRow.felt_heard)
        .where(FeedbackRow.felt_heard.is_not(None))
        .order_by(FeedbackRow.id)
    )
    for conversation_id, felt_heard in rows:
        latest[conversation_id] = felt_heard
    out = []
    ids = sorted(latest)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        bodies: dict[int, str] = {
            i: body
            for i, body in session.execute(
                select(ConversationRow.id, ConversationRow.body).where(
                    ConversationRow.id.in_(chunk)
                )
            )
        }
        cards: dict[int, str] = {
            i: body
            for i, body in session.execute(
                select(ScorecardRow.conversation_id, ScorecardRow.body).where(
                    ScorecardRow.conversation_id.in_(chunk), ScorecardRow.current.is_(True)
                )
            )
        }
        out += [(bodies[i], cards.get(i), latest[i]) for i in chunk if i in bodies]
    return out


_CHUNK = 500
"""Conversations read per query (a bound parameter each)."""
