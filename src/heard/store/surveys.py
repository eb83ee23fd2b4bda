"""Customer feedback: the survey answers customers give through a conversation's signed links.
A conversation takes one answer: the first is stored, a second through any of its links
replaces it within the edit window and is refused (Conflict) after it. Answers are redacted as
notes are and audited; a viewer reads those of the conversations they may see, and the
Listening Score beside them (`feedback_pairs`); `felt_heard_answers` is what a team's outcome
model is trained on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from heard.model import Conversation, Scorecard
from heard.store import audit_log, scoping
from heard.store.clock import from_db
from heard.store.errors import Conflict, Invalid, NotFound
from heard.store.records import ConversationFilter, Feedback, FeedbackPair, Viewer
from heard.store.redaction import free_text, with_note
from heard.store.tables import ConversationRow, FeedbackRow, ScorecardRow

if TYPE_CHECKING:
    from heard.store.repository import Store


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _answer(
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


def _answered(session: Session, conversation_id: int) -> FeedbackRow | None:
    return session.scalars(
        select(FeedbackRow).where(FeedbackRow.answer_of == conversation_id)
    ).one_or_none()


def _minutes(window: timedelta) -> str:
    minutes = round(window.total_seconds() / 60)
    return "1 minute" if minutes == 1 else f"{minutes:,} minutes"


def _felt_heard_rows(session: Session) -> list[tuple[str, str | None, int]]:
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


def record(row: FeedbackRow) -> Feedback:
    return Feedback(
        id=row.id,
        conversation_id=row.conversation_id,
        csat=row.csat,
        felt_heard=row.felt_heard,
        comment=row.comment,
        submitted_at=from_db(row.submitted_at),  # type: ignore[arg-type]
        edited_at=from_db(row.edited_at),
    )


def submit_feedback(
    store: Store,
    conversation_id: int,
    *,
    csat: int | None,
    felt_heard: int | None,
    comment: str | None = None,
    edit_window: timedelta = timedelta(hours=1),
) -> Feedback:
    """The customer's survey answer (the caller has checked the signed survey link). A
    conversation takes one: a second replaces the first within `edit_window` of it (the
    answer's `edited_at` is set) and is refused (Conflict) after."""
    for field, value in (("csat", csat), ("felt_heard", felt_heard)):
        if value is not None and not 1 <= value <= 5:
            raise Invalid(f"{field} must be 1 to 5, got {value}", field=field)
    if csat is None and felt_heard is None and not (comment or "").strip():
        raise Invalid("the survey is empty", field="csat")
    answer, redacted = free_text((comment or "").strip(), redact=store.redact)
    args = (conversation_id, csat, felt_heard, answer or None, edit_window, redacted)
    try:
        return _answer_survey(store, *args)
    except IntegrityError:  # another first answer came in at once: this one replaces it
        return _answer_survey(store, *args)


def _answer_survey(
    store: Store,
    conversation_id: int,
    csat: int | None,
    felt_heard: int | None,
    comment: str | None,
    edit_window: timedelta,
    redacted: str | None,
) -> Feedback:
    with store._session() as session:
        if session.get(ConversationRow, conversation_id) is None:
            raise NotFound(f"no conversation {conversation_id}", field="conversation_id")
        row = _answer(
            session,
            conversation_id,
            csat=csat,
            felt_heard=felt_heard,
            comment=comment,
            edit_window=edit_window,
        )
        action = "edit" if row.edited_at else "submit"
        detail = with_note(f"conversation {conversation_id}", redacted)
        audit_log.write(session, None, action, "feedback", str(row.id), detail)
        return record(row)


def survey_answer(store: Store, conversation_id: int) -> Feedback | None:
    """The conversation's one survey answer, if it has one (answers from before migration
    0009, several a conversation, are not it)."""
    with store._session() as session:
        row = _answered(session, conversation_id)
        return None if row is None else record(row)


def felt_heard_answers(store: Store) -> list[tuple[Conversation, Scorecard | None, int]]:
    """Every conversation rated on "did you feel heard?" (1–5) with its current scorecard
    and the rating, in the whole store: what `heard train --task outcome` fits a team's
    outcome model on (the CLI's system access; no viewer)."""
    with store._session() as session:
        return [
            (
                Conversation.model_validate_json(body),
                None if card is None else Scorecard.model_validate_json(card),
                rating,
            )
            for body, card, rating in _felt_heard_rows(session)
        ]


def list_feedback(
    store: Store, viewer: Viewer, where: ConversationFilter | None = None, *, limit: int = 200
) -> list[Feedback]:
    where = where or ConversationFilter()
    with store._session() as session:
        source = scoping.filter_rows(where)
        ids = scoping.conversation_query(
            [scoping.row_id(source)], viewer, where, source, conversations=False
        )
        rows = session.scalars(
            select(FeedbackRow)
            .where(FeedbackRow.conversation_id.in_(ids))
            .order_by(FeedbackRow.submitted_at.desc(), FeedbackRow.id.desc())
            .limit(limit)
        )
        return [record(r) for r in rows]


def feedback_pairs(
    store: Store, viewer: Viewer, where: ConversationFilter | None = None
) -> list[FeedbackPair]:
    """Listening Score beside the customer's answers, one pair per survey."""
    where = where or ConversationFilter()
    with store._session() as session:
        stmt = scoping.conversation_query(
            [
                ConversationRow.id,
                ConversationRow.listening_score,
                FeedbackRow.csat,
                FeedbackRow.felt_heard,
            ],
            viewer,
            where,
        )
        stmt = stmt.join(FeedbackRow, FeedbackRow.conversation_id == ConversationRow.id)
        return [
            FeedbackPair(conversation_id=i, listening_score=s, csat=c, felt_heard=f)
            for i, s, c, f in session.execute(stmt.order_by(FeedbackRow.id))
        ]
