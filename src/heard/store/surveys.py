"""A conversation's survey links take one answer: the first is stored, a second through any of
its links replaces it within the edit window and is refused (Conflict) after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from heard.store.errors import Conflict
from heard.store.tables import ConversationRow, FeedbackRow


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


def felt_heard_answers(session: Session) -> list[tuple[int, str, int]]:
    """(conversation id, conversation body JSON, "did you feel heard?" answer 1–5) of every
    conversation whose customer answered that question: its one answer, or for conversations
    answered before migration 0009 (when a link took several), the last of them."""
    rows = session.execute(
        select(FeedbackRow.conversation_id, FeedbackRow.answer_of, FeedbackRow.felt_heard)
        .where(FeedbackRow.felt_heard.is_not(None))
        .order_by(FeedbackRow.id)
    ).all()
    answers: dict[int, int] = {}
    settled: set[int] = set()
    for conversation_id, answer_of, felt_heard in rows:
        if conversation_id in settled:
            continue
        answers[conversation_id] = felt_heard
        if answer_of is not None:
            settled.add(conversation_id)
    if not answers:
        return []
    bodies = dict(
        session.execute(
            select(ConversationRow.id, ConversationRow.body).where(
                ConversationRow.id.in_(list(answers))
            )
        ).all()
    )
    return [(i, bodies[i], answers[i]) for i in sorted(answers) if i in bodies]


def _minutes(window: timedelta) -> str:
    minutes = round(window.total_seconds() / 60)
    return "1 minute" if minutes == 1 else f"{minutes:,} minutes"
