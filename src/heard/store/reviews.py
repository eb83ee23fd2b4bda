"""Reviews: a lead assigns conversations to reviewers of their own teams (by hand, or by a rule:
a random sample of the current filter, the lowest-scoring, the escalated ones); the reviewer
scores the conversation with the rubric's checklist (did well / needs work / not needed) and
agrees or disagrees with each of heard's findings; the answers are kept as labels beside what
heard said, which `export_labels` writes for training. A review is seen by its reviewer, the
leads of the conversation's team and admins; to anyone else it does not exist."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from heard.analysis.rubric import load_rubric
from heard.model import Conversation, Finding, Scorecard
from heard.store import audit_log, credentials, scoping
from heard.store.errors import Conflict, Forbidden, Invalid, NotFound
from heard.store.records import ConversationFilter, UserRole, Viewer
from heard.store.redaction import free_text
from heard.store.tables import (
    AgentRow,
    CalibrationSessionRow,
    ConversationRow,
    ReviewLabelRow,
    ReviewRow,
    ScorecardRow,
    TeamRow,
    UserRow,
)

if TYPE_CHECKING:
    from heard.store.repository import Store

Rule = Literal["hand", "sample", "lowest", "escalated"]
RULES: tuple[Rule, ...] = ("hand", "sample", "lowest", "escalated")
"""How a lead chooses what to assign: the conversations named, a random sample of the filter,
the lowest-scoring of it, or its escalated ones (a customer escalation cue was found)."""
MAX_ASSIGN = 200
"""The most conversations one assignment (or one calibration session) takes."""
NOTE_LENGTH = 2000
"""The longest note a reviewer writes (on the review, a behaviour or a finding)."""
VERDICTS = ("done", "missed", "n/a")
"""A reviewer's checklist answers, heard's own words: did well, needs work, not needed."""
FINDING_VERDICTS = ("agree", "disagree")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReviewStatus(StrEnum):
    ASSIGNED = "assigned"
    SUBMITTED = "submitted"


class Reviewer(_Record):
    """Someone a lead may assign a review to: a user of one of the lead's teams."""

    id: int
    name: str
    role: UserRole


class ReviewLabel(_Record):
    """One answer of a submitted review, beside heard's."""

    kind: Literal["behaviour", "finding"]
    behaviour: str
    finding: str = Field(default="", description='a finding\'s "turn:start:end"; "" otherwise')
    detector: str | None = None
    verdict: str = Field(description="done, missed or n/a (a behaviour); agree or disagree")
    heard: str | None = Field(
        default=None, description="heard's verdict on the behaviour; found for a finding"
    )
    note: str | None = None


class Review(_Record):
    id: int
    conversation_id: int
    conversation: str = Field(description="the conversation's own id")
    agent: str | None
    team: str | None
    occurred_at: datetime
    listening_score: float | None
    reviewer_id: int
    reviewer: str
    assigned_by: str | None
    rule: str
    status: ReviewStatus
    session_id: int | None = None
    assigned_at: datetime
    submitted_at: datetime | None = None
    note: str | None = None
    labels: list[ReviewLabel] = Field(
        default_factory=list,
        description="the answers (empty until submitted, and in a calibration session until "
        "it is complete for anyone but the reviewer)",
    )


class FindingItem(_Record):
    """One of heard's findings a reviewer agrees or disagrees with."""

    key: str = Field(description='"behaviour:turn:start:end"')
    behaviour: str
    detector: str
    polarity: str
    turn: int
    start: int
    end: int
    quote: str
    explanation: str


class ReviewDetail(_Record):
    """A review with what the reviewer scores: the conversation, the checklist's behaviours and,
    unless the review is blind, heard's scorecard and findings."""

    review: Review
    conversation: Conversation
    behaviours: list[str]
    blind: bool = Field(description="in a calibration session, before the reviewer submits")
    scorecard: Scorecard | None = None
    findings: list[FindingItem] = Field(default_factory=list)


class Answers(_Record):
    """What a reviewer submits."""

    behaviours: dict[str, str] = Field(description="behaviour → done, missed or n/a")
    findings: dict[str, str] = Field(
        default_factory=dict, description="finding key → agree or disagree"
    )
    notes: dict[str, str] = Field(
        default_factory=dict, description="behaviour or finding key → a note"
    )
    note: str | None = None


class Assigned(_Record):
    """What an assignment did: the reviews it made, and conversations left out because the
    reviewer already had them (or handled them as the agent)."""

    reviews: list[int]
    skipped: int = 0


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# --- who may do what ---------------------------------------------------------------------------


def lead_id(viewer: Viewer) -> int:
    if viewer.role not in (UserRole.LEAD, UserRole.ADMIN) or viewer.user_id is None:
        raise Forbidden("only team leads and admins assign reviews")
    return viewer.user_id


def may_export(viewer: Viewer) -> None:
    """Forbidden unless the viewer is a lead or an admin (the CLI's system viewer is one)."""
    if viewer.role not in (UserRole.LEAD, UserRole.ADMIN):
        raise Forbidden("only team leads and admins export review labels")


def reviewers(store: Store, viewer: Viewer) -> list[Reviewer]:
    """The active users the viewer may assign reviews to: the leads and agents of the viewer's
    teams (themselves included); every active user for an admin. By name."""
    lead_id(viewer)
    with store._session() as session:
        rows = list(session.scalars(select(UserRow).where(UserRow.active.is_(True))))
        links = credentials.links(session, rows)
    mine = set(viewer.team_ids)
    found = [
        Reviewer(id=row.id, name=row.name or row.email, role=UserRole(row.role))
        for row in rows
        if viewer.is_admin or row.id == viewer.user_id or mine & set(links[row.id][1])
    ]
    return sorted(found, key=lambda r: (r.name.lower(), r.id))


def check_reviewer(store: Store, viewer: Viewer, reviewer_id: int) -> tuple[int, int | None]:
    """The reviewer's id and agent id, if the viewer may assign to them; else NotFound."""
    if not any(r.id == reviewer_id for r in reviewers(store, viewer)):
        raise NotFound(f"no reviewer {reviewer_id} in your teams", field="reviewer")
    with store._session() as session:
        agent = session.scalar(select(AgentRow.id).where(AgentRow.user_id == reviewer_id))
    return reviewer_id, agent


def _may_see(viewer: Viewer, row: ReviewRow) -> bool:
    if viewer.is_admin or row.reviewer_id == viewer.user_id:
        return True
    return viewer.role == UserRole.LEAD and row.team_id in viewer.team_ids


def _seen(viewer: Viewer) -> Any:
    """The condition on `reviews` rows the viewer may see."""
    if viewer.is_admin:
        return True
    mine = ReviewRow.reviewer_id == (viewer.user_id or -1)
    if viewer.role == UserRole.LEAD:
        return mine | ReviewRow.team_id.in_(viewer.team_ids or [-1])
    return mine


def _row(session: Session, viewer: Viewer, review_id: int) -> ReviewRow:
    row = session.get(ReviewRow, review_id)
    if row is None or not _may_see(viewer, row):
        raise NotFound(f"no review {review_id}", field="review_id")
    return row


# --- choosing and assigning --------------------------------------------------------------------


def choose(
    store: Store,
    viewer: Viewer,
    *,
    rule: Rule,
    where: ConversationFilter,
    count: int,
    reviewer_id: int | None = None,
    reviewer_agent: int | None = None,
) -> list[int]:
    """Up to `count` conversations the viewer may see matching `where`, by `rule` (not hand):
    a random sample, the lowest Listening Scores, or the newest escalated ones. With
    `reviewer_id`, those the reviewer has already (outside sessions) or handled are left out."""
    if rule == "hand":
        raise Invalid("a rule chooses a sample, the lowest scores or escalations", field="rule")
    if not 1 <= count <= MAX_ASSIGN:
        raise Invalid(f"choose from 1 to {MAX_ASSIGN} conversations", field="count")
    stmt = scoping.conversation_query([ConversationRow.id], viewer, where)
    if reviewer_id is not None:
        stmt = stmt.where(
            ~exists().where(
                ReviewRow.conversation_id == ConversationRow.id,
                ReviewRow.reviewer_id == reviewer_id,
                ReviewRow.session_key == 0,
            )
        )
    if reviewer_agent is not None:
        stmt = stmt.where(
            (ConversationRow.agent_id != reviewer_agent) | ConversationRow.agent_id.is_(None)
        )
    if rule == "sample":
        stmt = stmt.order_by(func.random())
    elif rule == "lowest":
        stmt = stmt.where(ConversationRow.listening_score.is_not(None)).order_by(
            ConversationRow.listening_score, ConversationRow.id
        )
    else:
        stmt = stmt.where(ConversationRow.escalated.is_(True)).order_by(
            ConversationRow.occurred_at.desc(), ConversationRow.id.desc()
        )
    with store._session() as session:
        return list(session.scalars(stmt.limit(count)))


def assign(
    store: Store,
    viewer: Viewer,
    *,
    reviewer_id: int,
    conversation_ids: Sequence[int] = (),
    rule: Rule = "hand",
    where: ConversationFilter | None = None,
    count: int = 10,
) -> Assigned:
    """Assign conversations to a reviewer: those named (`rule` hand) or chosen by `rule` from
    `where`. Only conversations the viewer may see, only to users of the viewer's teams; a
    conversation the reviewer already has, or handled as the agent, is skipped."""
    by = lead_id(viewer)
    if rule not in RULES:
        raise Invalid(f"no rule {rule!r}: one of {', '.join(RULES)}", field="rule")
    reviewer, agent = check_reviewer(store, viewer, reviewer_id)
    if rule == "hand":
        wanted = list(dict.fromkeys(conversation_ids))
        if not wanted:
            raise Invalid("Tick the conversations to assign.", field="conversations")
        if len(wanted) > MAX_ASSIGN:
            raise Invalid(f"Assign at most {MAX_ASSIGN} at once.", field="conversations")
    else:
        wanted = choose(
            store,
            viewer,
            rule=rule,
            where=where or ConversationFilter(),
            count=count,
            reviewer_id=reviewer,
            reviewer_agent=agent,
        )
    made: list[int] = []
    skipped = 0
    try:
        with store._session() as session:
            for conversation_id in wanted:
                conversation = scoping.visible(session, viewer, conversation_id)
                taken = session.scalar(
                    select(ReviewRow.id).where(
                        ReviewRow.conversation_id == conversation.id,
                        ReviewRow.reviewer_id == reviewer,
                        ReviewRow.session_key == 0,
                    )
                )
                if taken is not None or (agent is not None and conversation.agent_id == agent):
                    skipped += 1
                    continue
                made.append(new_review(session, conversation, reviewer, by, rule=rule).id)
            audit_log.write(
                session, by, "assign", "review", None, f"{len(made)} to user {reviewer} ({rule})"
            )
    except IntegrityError:  # the same assignment made at the same moment
        raise Conflict("Someone assigned these at the same moment; try again.") from None
    return Assigned(reviews=made, skipped=skipped)


def new_review(
    session: Session,
    conversation: ConversationRow,
    reviewer: int,
    by: int,
    *,
    rule: str,
    calibration: int | None = None,
) -> ReviewRow:
    row = ReviewRow(
        conversation_id=conversation.id,
        reviewer_id=reviewer,
        assigned_by=by,
        team_id=conversation.team_id,
        session_id=calibration,
        session_key=calibration or 0,
        rule=rule,
        status=ReviewStatus.ASSIGNED.value,
        assigned_at=now(),
    )
    session.add(row)
    session.flush()
    return row


# --- reading -----------------------------------------------------------------------------------


def conversation_heads(session: Session, ids: set[int], *extra: Any) -> dict[int, Any]:
    """Conversation row id → its external id, agent (name, external id), team and the
    `extra` columns, for records that name the conversation they are about."""
    return {
        c.id: c
        for c in session.execute(
            select(
                ConversationRow.id,
                ConversationRow.conversation_id,
                *extra,
                AgentRow.name.label("agent"),
                AgentRow.external_id,
                TeamRow.name.label("team"),
            )
            .outerjoin(AgentRow, AgentRow.id == ConversationRow.agent_id)
            .outerjoin(TeamRow, TeamRow.id == ConversationRow.team_id)
            .where(ConversationRow.id.in_(ids))
        )
    }


def user_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    """User id → the name to show (the email when the user has no name)."""
    return {
        u.id: u.name or u.email
        for u in session.execute(
            select(UserRow.id, UserRow.name, UserRow.email).where(
                UserRow.id.in_({i for i in ids if i is not None})
            )
        )
    }


def review_records(
    session: Session, rows: Sequence[ReviewRow], *, viewer: Viewer, reveal: set[int]
) -> list[Review]:
    """Records of `rows`, with the labels of those in `reveal` (their answers may be shown)."""
    if not rows:
        return []
    conversations = conversation_heads(
        session,
        {r.conversation_id for r in rows},
        ConversationRow.occurred_at,
        ConversationRow.listening_score,
    )
    names = user_names(
        session, {r.reviewer_id for r in rows} | {r.assigned_by for r in rows if r.assigned_by}
    )
    labels: dict[int, list[ReviewLabel]] = {}
    shown = [r.id for r in rows if r.id in reveal]
    if shown:
        for label in session.scalars(
            select(ReviewLabelRow)
            .where(ReviewLabelRow.review_id.in_(shown))
            .order_by(ReviewLabelRow.id)
        ):
            labels.setdefault(label.review_id, []).append(
                ReviewLabel(
                    kind=label.kind,  # type: ignore[arg-type]
                    behaviour=label.behaviour,
                    finding=label.finding,
                    detector=label.detector,
                    verdict=label.verdict,
                    heard=label.heard,
                    note=label.note,
                )
            )
    found = []
    for r in rows:
        c = conversations[r.conversation_id]
        found.append(
            Review(
                id=r.id,
                conversation_id=r.conversation_id,
                conversation=c.conversation_id,
                agent=c.agent or c.external_id,
                team=c.team,
                occurred_at=c.occurred_at,
                listening_score=c.listening_score,
                reviewer_id=r.reviewer_id,
                reviewer=names.get(r.reviewer_id, f"user {r.reviewer_id}"),
                assigned_by=names.get(r.assigned_by) if r.assigned_by else None,
                rule=r.rule,
                status=ReviewStatus(r.status),
                session_id=r.session_id,
                assigned_at=r.assigned_at,
                submitted_at=r.submitted_at,
                note=r.note if r.id in reveal else None,
                labels=labels.get(r.id, []),
            )
        )
    return found


def revealed(session: Session, viewer: Viewer, rows: Sequence[ReviewRow]) -> set[int]:
    """Which of the submitted `rows` may show their answers: the reviewer's own, and outside a
    calibration session or once it is complete, anyone's the viewer may see."""
    from heard.store.calibration import complete_sessions

    done = complete_sessions(session, {r.session_id for r in rows if r.session_id})
    return {
        r.id
        for r in rows
        if r.status == ReviewStatus.SUBMITTED.value
        and (r.reviewer_id == viewer.user_id or r.session_id is None or r.session_id in done)
    }


def list_reviews(
    store: Store,
    viewer: Viewer,
    *,
    reviewer_id: int | None = None,
    status: ReviewStatus | None = None,
    session_id: int | None = None,
    limit: int = 200,
) -> list[Review]:
    """Reviews the viewer may see (their own queue; a lead's teams'; an admin's all), open ones
    first, then newest."""
    stmt = select(ReviewRow).where(_seen(viewer))
    if reviewer_id is not None:
        stmt = stmt.where(ReviewRow.reviewer_id == reviewer_id)
    if status is not None:
        stmt = stmt.where(ReviewRow.status == status.value)
    if session_id is not None:
        stmt = stmt.where(ReviewRow.session_id == session_id)
    stmt = stmt.order_by(
        (ReviewRow.status == ReviewStatus.SUBMITTED.value),
        ReviewRow.assigned_at.desc(),
        ReviewRow.id.desc(),
    ).limit(limit)
    with store._session() as session:
        rows = list(session.scalars(stmt))
        return review_records(session, rows, viewer=viewer, reveal=revealed(session, viewer, rows))


def finding_key(finding: Finding) -> str:
    return finding.key


def finding_items(conversation: Conversation, card: Scorecard) -> list[FindingItem]:
    """heard's findings a reviewer judges: the good and poor listening ones (not the measured
    ones, such as each customer turn's emotion), one per behaviour and place."""
    items: dict[str, FindingItem] = {}
    for f in card.findings:
        if f.polarity.value == "neutral":
            continue
        span = f.spans[0]
        text = conversation.turns[span.turn].text if span.turn < len(conversation.turns) else ""
        items.setdefault(
            finding_key(f),
            FindingItem(
                key=finding_key(f),
                behaviour=f.behaviour,
                detector=f.detector,
                polarity=f.polarity.value,
                turn=span.turn,
                start=span.start,
                end=span.end,
                quote=text[span.start : span.end],
                explanation=f.explanation,
            ),
        )
    return list(items.values())


def _card(session: Session, conversation: ConversationRow) -> Scorecard | None:
    if conversation.scorecard_id is None:
        return None
    body = session.scalar(
        select(ScorecardRow.body).where(ScorecardRow.id == conversation.scorecard_id)
    )
    return Scorecard.model_validate_json(body) if body else None


def checklist_behaviours(card: Scorecard | None) -> list[str]:
    """The behaviours a reviewer scores: the scorecard's checklist (the default rubric's good
    and poor listening behaviours when there is no scorecard)."""
    if card is not None and card.checklist:
        return [item.behaviour for item in card.checklist]
    rubric = load_rubric()
    return [n for n, b in rubric.behaviours.items() if b.polarity != "neutral"]


def get_review(store: Store, viewer: Viewer, review_id: int) -> ReviewDetail:
    """A review with its conversation; heard's scorecard and findings unless it is blind (in a
    calibration session, not yet submitted)."""
    with store._session() as session:
        row = _row(session, viewer, review_id)
        conversation_row = session.get(ConversationRow, row.conversation_id)
        assert conversation_row is not None  # the review cascades with it
        conversation = Conversation.model_validate_json(conversation_row.body)
        card = _card(session, conversation_row)
        review = review_records(
            session, [row], viewer=viewer, reveal=revealed(session, viewer, [row])
        )
        blind = row.session_id is not None and row.status != ReviewStatus.SUBMITTED.value
        return ReviewDetail(
            review=review[0],
            conversation=conversation,
            behaviours=checklist_behaviours(card),
            blind=blind,
            scorecard=None if blind else card,
            findings=[] if blind or card is None else finding_items(conversation, card),
        )


# --- submitting --------------------------------------------------------------------------------


def _note(store: Store, text: str | None, field: str) -> tuple[str | None, str | None]:
    if text is None or not text.strip():
        return None, None
    if len(text) > NOTE_LENGTH:
        raise Invalid(
            f"A note is at most {NOTE_LENGTH} characters; this one has {len(text)}.", field=field
        )
    return free_text(text.strip(), redact=store.redact, limit=NOTE_LENGTH)


def submit(store: Store, viewer: Viewer, review_id: int, answers: Answers) -> Review:
    """The reviewer's answers, kept as labels beside heard's (its current scorecard now).
    Every checklist behaviour needs an answer; findings may be left unjudged. Notes are
    redacted as coaching notes are. A submitted review is final."""
    with store._session() as session:
        row = _row(session, viewer, review_id)
        if row.reviewer_id != viewer.user_id:
            raise Forbidden("only the reviewer submits a review")
        if row.status == ReviewStatus.SUBMITTED.value:
            raise Conflict("This review is already submitted.", field="status")
        if row.session_id is not None:
            calibration = session.get(CalibrationSessionRow, row.session_id)
            if calibration is not None and calibration.closed_at is not None:
                raise Conflict("The calibration session was closed.", field="status")
        conversation_row = session.get(ConversationRow, row.conversation_id)
        assert conversation_row is not None
        conversation = Conversation.model_validate_json(conversation_row.body)
        card = _card(session, conversation_row)
        wanted = checklist_behaviours(card)
        _check_behaviours(answers, wanted)
        blind = row.session_id is not None
        items = (
            {} if blind or card is None else {f.key: f for f in finding_items(conversation, card)}
        )
        unknown = sorted(set(answers.findings) - set(items))
        if unknown:
            raise Invalid(f"no finding {', '.join(unknown)} to judge here", field="findings")
        bad = sorted(k for k, v in answers.findings.items() if v not in FINDING_VERDICTS)
        if bad:
            raise Invalid(f"answer agree or disagree for {', '.join(bad)}", field="findings")
        stray = sorted(set(answers.notes) - set(wanted) - set(answers.findings))
        if stray:
            raise Invalid(f"a note on nothing answered: {', '.join(stray)}", field="notes")
        heard = {i.behaviour: i.verdict.value for i in card.checklist} if card else {}
        redacted: list[str] = []
        stamp = now()

        def noted(key: str) -> str | None:
            text, found = _note(store, answers.notes.get(key), key)
            if found:
                redacted.append(found)
            return text

        for behaviour in wanted:
            session.add(
                ReviewLabelRow(
                    review_id=row.id,
                    reviewer_id=row.reviewer_id,
                    conversation_id=row.conversation_id,
                    kind="behaviour",
                    behaviour=behaviour,
                    finding="",
                    verdict=answers.behaviours[behaviour],
                    heard=heard.get(behaviour),
                    note=noted(behaviour),
                    created_at=stamp,
                )
            )
        for key, verdict in answers.findings.items():
            item = items[key]
            session.add(
                ReviewLabelRow(
                    review_id=row.id,
                    reviewer_id=row.reviewer_id,
                    conversation_id=row.conversation_id,
                    kind="finding",
                    behaviour=item.behaviour,
                    finding=f"{item.turn}:{item.start}:{item.end}",
                    detector=item.detector,
                    verdict=verdict,
                    heard="found",
                    note=noted(key),
                    created_at=stamp,
                )
            )
        row.note, found = _note(store, answers.note, "note")
        if found:
            redacted.append(found)
        row.status = ReviewStatus.SUBMITTED.value
        row.submitted_at = stamp
        row.scorecard_id = conversation_row.scorecard_id
        session.flush()
        audit_log.write(
            session,
            viewer.user_id,
            "submit",
            "review",
            str(row.id),
            "; ".join(redacted) or None,
        )
        return review_records(session, [row], viewer=viewer, reveal={row.id})[0]


def _check_behaviours(answers: Answers, wanted: list[str]) -> None:
    """Invalid unless `answers` answer every behaviour of the checklist (`wanted`), and only
    those, with done, missed or n/a."""
    unknown = sorted(set(answers.behaviours) - set(wanted))
    if unknown:
        raise Invalid(f"not on this checklist: {', '.join(unknown)}", field="behaviours")
    bad = sorted(b for b, v in answers.behaviours.items() if v not in VERDICTS)
    if bad:
        raise Invalid(f"answer done, missed or n/a for {', '.join(bad)}", field="behaviours")
    missing = [b for b in wanted if b not in answers.behaviours]
    if missing:
        raise Invalid(
            f"{len(missing)} behaviour{'s' if len(missing) != 1 else ''} still need an answer.",
            field="behaviours",
        )


# --- labels for training -----------------------------------------------------------------------

EXPORT_CHUNK = 500
"""Labels read per query while exporting."""


def transcript_text(conversation: Conversation) -> str:
    return "\n".join(f"{t.role.value}: {t.text}" for t in conversation.turns)


def turn_before(conversation: Conversation, turn: int) -> str:
    """The last turn before `turn` of another role (what the turn answers), or ''."""
    if turn >= len(conversation.turns):
        return ""
    role = conversation.turns[turn].role
    for earlier in reversed(conversation.turns[:turn]):
        if earlier.role != role:
            return earlier.text
    return ""


def export_labels(store: Store, viewer: Viewer) -> Iterator[dict[str, Any]]:
    """Every label of the submitted reviews the viewer may see (leads and admins), one dict per
    label in the shape `heard train`'s examples take (id, group, text, context, label) with
    what it is about (task, behaviour, detector, place) and heard's own answer; texts as
    stored (redacted). Oldest first, read in chunks; then the decided disputes' labels
    (`heard.store.disputes.export_labels`)."""
    may_export(viewer)
    last = 0
    while True:
        with store._session() as session:
            found = session.execute(
                select(ReviewLabelRow, ReviewRow.session_id, ReviewRow.submitted_at)
                .join(ReviewRow, ReviewRow.id == ReviewLabelRow.review_id)
                .where(_seen(viewer), ReviewLabelRow.id > last)
                .order_by(ReviewLabelRow.id)
                .limit(EXPORT_CHUNK)
            ).all()
            if not found:
                break
            wanted = {label.conversation_id for label, _, _ in found}
            bodies = dict(
                session.execute(
                    select(ConversationRow.id, ConversationRow.body).where(
                        ConversationRow.id.in_(wanted)
                    )
                ).all()
            )
        conversations = {i: Conversation.model_validate_json(b) for i, b in bodies.items()}
        for label, session_id, submitted_at in found:
            last = label.id
            conversation = conversations[label.conversation_id]
            group = (
                f"{conversation.source or 'heard'}:{conversation.external_id or conversation.id}"
            )
            line: dict[str, Any] = {
                "id": f"review-{label.review_id}/{label.behaviour}",
                "group": group,
                "task": f"review.{label.kind}",
                "behaviour": label.behaviour,
                "label": label.verdict,
                "heard": label.heard,
            }
            if label.kind == "finding":
                turn, start, end = (int(p) for p in label.finding.split(":"))
                text = conversation.turns[turn].text if turn < len(conversation.turns) else ""
                line["id"] += f"/{label.finding}"
                line.update(
                    detector=label.detector,
                    turn=turn,
                    start=start,
                    end=end,
                    quote=text[start:end],
                    text=text,
                    context=turn_before(conversation, turn),
                )
            else:
                line.update(text=transcript_text(conversation), context="")
            line.update(
                note=label.note,
                reviewer_id=label.reviewer_id,
                review_id=label.review_id,
                conversation_id=label.conversation_id,
                session_id=session_id,
                submitted_at=submitted_at.isoformat() if submitted_at else None,
            )
            yield line
    from heard.store import disputes  # disputes builds on this module

    yield from disputes.export_labels(store, viewer)


def export_jsonl(store: Store, viewer: Viewer) -> Iterator[bytes]:
    """`export_labels` as JSON lines."""
    for line in export_labels(store, viewer):
        yield orjson.dumps(line) + b"\n"
