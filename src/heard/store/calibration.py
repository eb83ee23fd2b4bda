"""Calibration sessions: a lead gives several reviewers the same conversations; each scores the
checklist blind (no heard verdicts, no one else's answers until they submit, and no one else's
until the session is complete: every review submitted, or the lead closed it). Then the session
shows how far the reviewers agree per behaviour (percent agreement, Fleiss' kappa, Cohen's with
two reviewers) and per conversation, and how far each agrees with heard."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from heard.learn.agreement import fleiss_kappa, percent_agreement
from heard.learn.corpus import cohen_kappa
from heard.store import audit_log, scoping
from heard.store.errors import Conflict, Forbidden, Invalid, NotFound
from heard.store.records import UserRole, Viewer
from heard.store.redaction import free_text
from heard.store.reviews import (
    MAX_ASSIGN,
    Review,
    ReviewStatus,
    check_reviewer,
    lead_id,
    new_review,
    now,
    revealed,
    review_records,
)
from heard.store.tables import (
    CalibrationSessionRow,
    ConversationRow,
    ReviewLabelRow,
    ReviewRow,
    UserRow,
)

if TYPE_CHECKING:
    from heard.store.repository import Store

NAME_LENGTH = 200
MAX_REVIEWERS = 20


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BehaviourAgreement(_Record):
    behaviour: str
    conversations: int = Field(description="conversations two or more reviewers answered")
    percent: float | None = Field(description="share of reviewer pairs that agree, 0–100")
    fleiss: float | None = Field(description="Fleiss' kappa across the reviewers")
    cohen: float | None = Field(
        default=None, description="Cohen's kappa, when exactly two reviewers answered"
    )


class ConversationAgreement(_Record):
    conversation_id: int
    conversation: str
    percent: float | None = Field(description="agreeing reviewer pairs over its behaviours")


class ReviewerAgreement(_Record):
    reviewer_id: int
    reviewer: str
    answers: int = Field(description="behaviour answers compared with heard's")
    percent: float | None = Field(description="share equal to heard's, 0–100")
    kappa: float | None = Field(description="Cohen's kappa of the reviewer and heard")


class Agreement(_Record):
    behaviours: list[BehaviourAgreement]
    conversations: list[ConversationAgreement]
    with_heard: list[ReviewerAgreement]
    percent: float | None = Field(description="over every behaviour and conversation")
    fleiss: float | None


class CalibrationSession(_Record):
    id: int
    name: str
    created_by: str | None
    created_at: datetime
    closed_at: datetime | None
    complete: bool = Field(description="every review submitted, or the session closed")
    reviewers: list[tuple[int, str]] = Field(description="(user id, name)")
    conversations: int
    submitted: int
    reviews: int


class CalibrationDetail(_Record):
    session: CalibrationSession
    reviews: list[Review] = Field(description="answers shown only as the review's rules allow")
    agreement: Agreement | None = Field(description="once the session is complete")
    may_close: bool = False


def complete_sessions(session: Session, ids: Collection[int]) -> set[int]:
    """Those of the sessions `ids` that are complete: closed, or every review submitted."""
    if not ids:
        return set()
    open_reviews = dict(
        session.execute(
            select(ReviewRow.session_id, func.count())
            .where(
                ReviewRow.session_id.in_(ids),
                ReviewRow.status != ReviewStatus.SUBMITTED.value,
            )
            .group_by(ReviewRow.session_id)
        ).all()
    )
    closed = set(
        session.scalars(
            select(CalibrationSessionRow.id).where(
                CalibrationSessionRow.id.in_(ids), CalibrationSessionRow.closed_at.is_not(None)
            )
        )
    )
    return {i for i in ids if i in closed or not open_reviews.get(i)}


def create_session(
    store: Store,
    viewer: Viewer,
    *,
    name: str,
    reviewer_ids: Sequence[int],
    conversation_ids: Sequence[int],
) -> CalibrationSession:
    """A session in which each reviewer (two or more, of the viewer's teams) reviews each
    conversation (that the viewer may see) blind."""
    by = lead_id(viewer)
    cleaned = " ".join(name.split())
    if not cleaned:
        raise Invalid("Give the session a name.", field="name")
    if len(cleaned) > NAME_LENGTH:
        raise Invalid(f"A session's name is at most {NAME_LENGTH} characters.", field="name")
    people = list(dict.fromkeys(reviewer_ids))
    if len(people) < 2:
        raise Invalid("Choose two or more reviewers to compare.", field="reviewers")
    if len(people) > MAX_REVIEWERS:
        raise Invalid(f"Choose at most {MAX_REVIEWERS} reviewers.", field="reviewers")
    for person in people:
        check_reviewer(store, viewer, person)
    wanted = list(dict.fromkeys(conversation_ids))
    if not wanted:
        raise Invalid("Choose the conversations to calibrate on.", field="conversations")
    if len(wanted) > MAX_ASSIGN:
        raise Invalid(f"A session takes at most {MAX_ASSIGN} conversations.", field="conversations")
    cleaned, redacted = free_text(cleaned, redact=store.redact, limit=NAME_LENGTH)
    with store._session() as session:
        row = CalibrationSessionRow(name=cleaned, created_by=by, created_at=now())
        session.add(row)
        session.flush()
        for conversation_id in wanted:
            conversation = scoping.visible(session, viewer, conversation_id)
            for person in people:
                new_review(
                    session, conversation, person, by, rule="calibration", calibration=row.id
                )
        audit_log.write(
            session,
            by,
            "create",
            "calibration",
            str(row.id),
            redacted or f"{len(people)} reviewers",
        )
        return _summaries(session, [row])[0]


def _summaries(session: Session, rows: Sequence[CalibrationSessionRow]) -> list[CalibrationSession]:
    ids = [r.id for r in rows]
    if not ids:
        return []
    reviews = session.execute(
        select(
            ReviewRow.session_id, ReviewRow.reviewer_id, ReviewRow.conversation_id, ReviewRow.status
        ).where(ReviewRow.session_id.in_(ids))
    ).all()
    people = {r.reviewer_id for r in reviews} | {r.created_by for r in rows if r.created_by}
    names = {
        u.id: u.name or u.email
        for u in session.execute(
            select(UserRow.id, UserRow.name, UserRow.email).where(UserRow.id.in_(people))
        )
    }
    done = complete_sessions(session, ids)
    found = []
    for row in rows:
        mine = [r for r in reviews if r.session_id == row.id]
        reviewer_ids = sorted({r.reviewer_id for r in mine}, key=lambda i: names.get(i, ""))
        found.append(
            CalibrationSession(
                id=row.id,
                name=row.name,
                created_by=names.get(row.created_by) if row.created_by else None,
                created_at=row.created_at,
                closed_at=row.closed_at,
                complete=row.id in done,
                reviewers=[(i, names.get(i, f"user {i}")) for i in reviewer_ids],
                conversations=len({r.conversation_id for r in mine}),
                submitted=sum(r.status == ReviewStatus.SUBMITTED.value for r in mine),
                reviews=len(mine),
            )
        )
    return found


def _visible_ids(session: Session, viewer: Viewer) -> Any:
    """The sessions the viewer may see: an admin all; others those they made, review in, or
    (a lead) hold a conversation of their teams."""
    stmt = select(CalibrationSessionRow.id)
    if viewer.is_admin:
        return stmt
    part = ReviewRow.reviewer_id == (viewer.user_id or -1)
    if viewer.role == UserRole.LEAD:
        part = part | ReviewRow.team_id.in_(viewer.team_ids or [-1])
    return (
        select(ReviewRow.session_id)
        .where(ReviewRow.session_id.is_not(None), part)
        .union(
            select(CalibrationSessionRow.id).where(
                CalibrationSessionRow.created_by == (viewer.user_id or -1)
            )
        )
    )


def list_sessions(store: Store, viewer: Viewer) -> list[CalibrationSession]:
    """The sessions the viewer may see, newest first."""
    with store._session() as session:
        rows = list(
            session.scalars(
                select(CalibrationSessionRow)
                .where(CalibrationSessionRow.id.in_(_visible_ids(session, viewer)))
                .order_by(CalibrationSessionRow.created_at.desc(), CalibrationSessionRow.id.desc())
                .limit(200)
            )
        )
        return _summaries(session, rows)


def _session_row(session: Session, viewer: Viewer, session_id: int) -> CalibrationSessionRow:
    row = session.get(CalibrationSessionRow, session_id)
    visible = session.scalars(
        select(CalibrationSessionRow.id).where(
            CalibrationSessionRow.id == session_id,
            CalibrationSessionRow.id.in_(_visible_ids(session, viewer)),
        )
    ).first()
    if row is None or visible is None:
        raise NotFound(f"no calibration session {session_id}", field="session_id")
    return row


def _may_close(viewer: Viewer, row: CalibrationSessionRow) -> bool:
    return row.closed_at is None and (
        viewer.is_admin or (viewer.role == UserRole.LEAD and row.created_by == viewer.user_id)
    )


def get_session(store: Store, viewer: Viewer, session_id: int) -> CalibrationDetail:
    """A session with its reviews (answers as their rules allow) and, once complete, the
    agreement figures."""
    with store._session() as session:
        row = _session_row(session, viewer, session_id)
        summary = _summaries(session, [row])[0]
        rows = list(
            session.scalars(
                select(ReviewRow)
                .where(ReviewRow.session_id == row.id)
                .order_by(ReviewRow.conversation_id, ReviewRow.reviewer_id)
            )
        )
        reviews = review_records(
            session, rows, viewer=viewer, reveal=revealed(session, viewer, rows)
        )
        agreement = agreement_of(session, row.id) if summary.complete else None
        return CalibrationDetail(
            session=summary, reviews=reviews, agreement=agreement, may_close=_may_close(viewer, row)
        )


def close_session(store: Store, viewer: Viewer, session_id: int) -> CalibrationSession:
    """End a session before every reviewer submitted (its maker or an admin): the answers given
    are compared, the open reviews can no longer be submitted."""
    with store._session() as session:
        row = _session_row(session, viewer, session_id)
        if row.closed_at is not None:
            raise Conflict("The session is already closed.", field="status")
        if not _may_close(viewer, row):
            raise Forbidden("only the lead who made the session, or an admin, closes it")
        row.closed_at = now()
        audit_log.write(session, viewer.user_id, "close", "calibration", str(row.id), None)
        session.flush()
        return _summaries(session, [row])[0]


def _round(value: float | None, scale: float = 1.0) -> float | None:
    return None if value is None else round(value * scale, 3)


def agreement_of(session: Session, session_id: int) -> Agreement:
    """The figures of a session's submitted behaviour answers."""
    labels = session.execute(
        select(
            ReviewLabelRow.conversation_id,
            ReviewLabelRow.reviewer_id,
            ReviewLabelRow.behaviour,
            ReviewLabelRow.verdict,
            ReviewLabelRow.heard,
        )
        .join(ReviewRow, ReviewRow.id == ReviewLabelRow.review_id)
        .where(ReviewRow.session_id == session_id, ReviewLabelRow.kind == "behaviour")
        .order_by(ReviewLabelRow.behaviour, ReviewLabelRow.conversation_id)
    ).all()
    items: dict[tuple[str, int], list[str]] = defaultdict(list)
    raters: dict[tuple[str, int], list[int]] = defaultdict(list)
    with_heard: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for conversation_id, reviewer_id, behaviour, verdict, heard in labels:
        items[(behaviour, conversation_id)].append(verdict)
        raters[(behaviour, conversation_id)].append(reviewer_id)
        if heard is not None:
            with_heard[reviewer_id].append((verdict, heard))
    behaviours: list[BehaviourAgreement] = []
    for behaviour in dict.fromkeys(b for b, _ in items):
        keys = [k for k in items if k[0] == behaviour and len(items[k]) >= 2]
        ratings = [items[k] for k in keys]
        pairs_of_two = {tuple(sorted(raters[k])) for k in keys}
        cohen = None
        if len(pairs_of_two) == 1 and all(len(r) == 2 for r in ratings):
            first = next(iter(pairs_of_two))[0]
            pairs = []
            for k in keys:
                by = dict(zip(raters[k], items[k], strict=True))
                other = next(v for r, v in by.items() if r != first)
                pairs.append((by[first], other))
            cohen = _round(cohen_kappa(pairs))
        behaviours.append(
            BehaviourAgreement(
                behaviour=behaviour,
                conversations=len(keys),
                percent=_round(percent_agreement(ratings), 100),
                fleiss=_round(fleiss_kappa(ratings)),
                cohen=cohen,
            )
        )
    per_conversation: dict[int, list[list[str]]] = defaultdict(list)
    for (_, conversation_id), ratings in items.items():
        per_conversation[conversation_id].append(ratings)
    names = dict(
        session.execute(
            select(ConversationRow.id, ConversationRow.conversation_id).where(
                ConversationRow.id.in_(per_conversation)
            )
        ).all()
    )
    people = {
        u.id: u.name or u.email
        for u in session.execute(
            select(UserRow.id, UserRow.name, UserRow.email).where(UserRow.id.in_(with_heard))
        )
    }
    everything = list(items.values())
    return Agreement(
        behaviours=behaviours,
        conversations=[
            ConversationAgreement(
                conversation_id=c,
                conversation=names.get(c, str(c)),
                percent=_round(percent_agreement(ratings), 100),
            )
            for c, ratings in sorted(per_conversation.items())
        ],
        with_heard=[
            ReviewerAgreement(
                reviewer_id=r,
                reviewer=people.get(r, f"user {r}"),
                answers=len(pairs),
                percent=_round(sum(a == b for a, b in pairs) / len(pairs), 100),
                kappa=_round(cohen_kappa(pairs)),
            )
            for r, pairs in sorted(with_heard.items(), key=lambda p: people.get(p[0], ""))
        ],
        percent=_round(percent_agreement(everything), 100),
        fleiss=_round(fleiss_kappa(everything)),
    )
