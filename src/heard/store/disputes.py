"""Disputes: an agent disagrees, with a reason, with one of heard's findings on their
conversation or with a score (the Listening Score, or a checklist verdict); a lead of the
conversation's team (or an admin) accepts it — heard was wrong, the finding or score is
overturned — or rejects it with a reply — heard stands, upheld — and the agent sees which.
Decided disputes are labels heard can learn from, exported beside the review labels. A
dispute is seen by the conversation's agent, the leads of its team and admins; to anyone else
it does not exist. Every change is audited; reasons and replies are redacted as notes are."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from heard.model import Conversation, Scorecard
from heard.store import audit_log, overturning, reviews, scoping
from heard.store.analysed import AnalysisVersion
from heard.store.errors import Conflict, Forbidden, Invalid, NotFound
from heard.store.quotes import quoted
from heard.store.records import UserRole, Viewer
from heard.store.redaction import free_text
from heard.store.tables import (
    ConversationRow,
    DisputeRow,
    ScorecardRow,
)

if TYPE_CHECKING:
    from heard.store.repository import Store

TEXT_LENGTH = 2000
"""The longest reason or reply (in characters, before redaction)."""
LISTENING_SCORE = "listening_score"
"""The `behaviour` of a dispute of the Listening Score itself."""
LIST_LIMIT = 500
"""The most disputes one list returns."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DisputeKind(StrEnum):
    FINDING = "finding"
    SCORE = "score"


class DisputeStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


OUTCOMES: dict[str, Literal["overturned", "upheld"]] = {
    DisputeStatus.ACCEPTED: "overturned",
    DisputeStatus.REJECTED: "upheld",
}
"""What a decision means for heard's finding or score."""


class Dispute(_Record):
    id: int
    conversation_id: int
    conversation: str = Field(description="the conversation's own id")
    agent_id: int | None
    agent: str | None
    team: str | None
    raised_by: str | None = Field(description="who raised it (the agent's user)")
    kind: DisputeKind
    behaviour: str = Field(description=f"the behaviour; `{LISTENING_SCORE}` for the score")
    finding: str = Field(default="", description='a finding\'s "turn:start:end"; "" for a score')
    turn: int | None = None
    span_start: int | None = None
    span_end: int | None = None
    detector: str | None = None
    heard: str | None = Field(
        default=None,
        description='what heard said: "found" (a finding), the checklist verdict, or the score',
    )
    quote: str | None = Field(default=None, description="the words disputed, as stored")
    reason: str
    status: DisputeStatus
    outcome: Literal["overturned", "upheld"] | None = Field(
        default=None,
        description="accepted: heard's finding or score is overturned; rejected: upheld",
    )
    reply: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    created_at: datetime


class Target(_Record):
    """Something the conversation's agent may dispute, and whether they have."""

    kind: DisputeKind
    behaviour: str
    finding: str = ""
    key: str = Field(description='"finding:<behaviour>:<turn>:<start>:<end>" or "score:<name>"')
    turn: int | None = None
    polarity: str | None = None
    heard: str | None = None
    quote: str | None = None
    disputed: DisputeStatus | None = Field(default=None, description="its dispute's status")


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# --- who sees what -----------------------------------------------------------------------------


def _scoped(store: Store, stmt: Select[Any], viewer: Viewer) -> Select[Any]:
    """`stmt` over `disputes` limited to those the viewer may see: an agent their own (on their
    own conversations), a lead those of their teams' conversations, an admin every one."""
    stmt = scoping.scoped(
        stmt.join(ConversationRow, ConversationRow.id == DisputeRow.conversation_id), viewer
    )
    if viewer.role == UserRole.AGENT:
        stmt = stmt.where(DisputeRow.agent_id == (viewer.agent_id or -1))
    return stmt


def _row(store: Store, session: Session, viewer: Viewer, dispute_id: int) -> DisputeRow:
    row = session.scalars(
        _scoped(store, select(DisputeRow).where(DisputeRow.id == dispute_id), viewer)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no dispute {dispute_id}", field="dispute_id")
    return row


def _records(session: Session, rows: Sequence[DisputeRow]) -> list[Dispute]:
    if not rows:
        return []
    conversations = reviews.conversation_heads(session, {r.conversation_id for r in rows})
    names = reviews.user_names(session, {r.raised_by for r in rows} | {r.decided_by for r in rows})
    found = []
    for r in rows:
        c = conversations[r.conversation_id]
        status = DisputeStatus(r.status)
        found.append(
            Dispute(
                id=r.id,
                conversation_id=r.conversation_id,
                conversation=c.conversation_id,
                agent_id=r.agent_id,
                agent=c.agent or c.external_id,
                team=c.team,
                raised_by=names.get(r.raised_by) if r.raised_by else None,
                kind=DisputeKind(r.kind),
                behaviour=r.behaviour,
                finding=r.finding,
                turn=r.turn,
                span_start=r.span_start,
                span_end=r.span_end,
                detector=r.detector,
                heard=r.heard,
                quote=r.quote,
                reason=r.reason,
                status=status,
                outcome=OUTCOMES.get(status),
                reply=r.reply,
                decided_by=names.get(r.decided_by) if r.decided_by else None,
                decided_at=r.decided_at,
                created_at=r.created_at,
            )
        )
    return found


# --- what may be disputed ----------------------------------------------------------------------


def _card(session: Session, conversation: ConversationRow) -> Scorecard | None:
    if conversation.scorecard_id is None:
        return None
    body = session.scalar(
        select(ScorecardRow.body).where(ScorecardRow.id == conversation.scorecard_id)
    )
    return Scorecard.model_validate_json(body) if body else None


def _targets(
    conversation: Conversation, card: Scorecard, taken: dict[tuple[str, str, str], str]
) -> list[Target]:
    """The scorecard's good and poor listening findings (one per behaviour and place), the
    Listening Score and each checklist verdict, with the status of their disputes."""
    found = [
        Target(
            kind=DisputeKind.SCORE,
            behaviour=LISTENING_SCORE,
            key=f"score:{LISTENING_SCORE}",
            heard=None if card.listening_score is None else f"{card.listening_score:.0f}",
        )
    ]
    found += [
        Target(
            kind=DisputeKind.SCORE,
            behaviour=item.behaviour,
            key=f"score:{item.behaviour}",
            heard=item.verdict.value,
        )
        for item in card.checklist
    ]
    for item in reviews.finding_items(conversation, card):
        found.append(
            Target(
                kind=DisputeKind.FINDING,
                behaviour=item.behaviour,
                finding=f"{item.turn}:{item.start}:{item.end}",
                key=f"finding:{item.key}",
                turn=item.turn,
                polarity=item.polarity,
                heard="found",
                quote=item.quote or None,
            )
        )
    for target in found:
        status = taken.get((target.kind.value, target.behaviour, target.finding))
        target.disputed = DisputeStatus(status) if status else None
    return found


def targets(store: Store, viewer: Viewer, conversation_id: int) -> list[Target]:
    """What may be disputed on the conversation (the viewer must see it): nothing before it has
    a scorecard."""
    with store._session() as session:
        row = scoping.visible(session, viewer, conversation_id)
        card = _card(session, row)
        if card is None:
            return []
        taken = {
            (kind, behaviour, finding): status
            for kind, behaviour, finding, status in session.execute(
                select(
                    DisputeRow.kind, DisputeRow.behaviour, DisputeRow.finding, DisputeRow.status
                ).where(DisputeRow.conversation_id == row.id)
            )
        }
        return _targets(Conversation.model_validate_json(row.body), card, taken)


def _text(store: Store, text: str | None, field: str, *, required: str) -> tuple[str, str | None]:
    """`text` stripped and redacted, with what redaction replaced; Invalid when it is empty
    (saying `required`) or longer than TEXT_LENGTH."""
    text = (text or "").strip()
    if not text:
        raise Invalid(required, field=field)
    if len(text) > TEXT_LENGTH:
        raise Invalid(
            f"Keep it to {TEXT_LENGTH:,} characters; this has {len(text):,}.", field=field
        )
    return free_text(text, redact=store.redact)


# --- raising -----------------------------------------------------------------------------------


def raise_dispute(
    store: Store,
    viewer: Viewer,
    conversation_id: int,
    *,
    reason: str,
    finding: str | None = None,
    score: str | None = None,
    turn: int | None = None,
) -> Dispute:
    """The conversation's agent disputes one of its findings (`finding`, its key
    "behaviour:turn:start:end") or a score (`score`: `listening_score`, or a checklist
    behaviour for its verdict; `turn` may point at the words that show heard was wrong),
    saying why (`reason`, redacted). One dispute per finding or score."""
    with store._session() as session:
        conversation_row = scoping.visible(session, viewer, conversation_id)
        if viewer.role != UserRole.AGENT or viewer.agent_id != conversation_row.agent_id:
            raise Forbidden("only the conversation's agent disputes its findings and scores")
        if (finding is None) == (score is None):
            raise Invalid("Choose what you disagree with.", field="target")
        card = _card(session, conversation_row)
        if card is None:
            raise Invalid("This conversation has no scorecard yet.", field="target")
        conversation = Conversation.model_validate_json(conversation_row.body)
        wanted = f"finding:{finding}" if finding is not None else f"score:{score}"
        target = next((t for t in _targets(conversation, card, {}) if t.key == wanted), None)
        if target is None:
            what = "finding" if finding is not None else "score"
            raise Invalid(f"There is no such {what} on this conversation's scorecard.", field=what)
        turns = [t.text for t in conversation.turns]
        start = end = None
        if target.kind == DisputeKind.FINDING:
            start, end = (int(p) for p in target.finding.split(":")[1:])
            quote = target.quote
        else:
            if turn is not None and not 0 <= turn < len(turns):
                raise Invalid(f"Turn {turn} is not in this conversation.", field="turn")
            target.turn = turn
            quote = quoted(turns, turn)
        text, redacted = _text(store, reason, "reason", required="Say why you disagree.")
        detector = None
        if target.kind == DisputeKind.FINDING:
            detector = next(
                (
                    f.detector
                    for f in reviews.finding_items(conversation, card)
                    if f"finding:{f.key}" == target.key
                ),
                None,
            )
        row = DisputeRow(
            conversation_id=conversation_row.id,
            agent_id=conversation_row.agent_id,
            raised_by=viewer.user_id,
            kind=target.kind.value,
            behaviour=target.behaviour,
            finding=target.finding,
            turn=target.turn,
            span_start=start,
            span_end=end,
            detector=detector,
            heard=target.heard,
            scorecard_id=conversation_row.scorecard_id,
            quote=quote,
            reason=text,
            status=DisputeStatus.OPEN.value,
            created_at=now(),
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            field = "finding" if finding is not None else "score"
            raise Conflict("You have disputed this already.", field=field) from None
        detail = f"{target.kind.value} {target.behaviour} on conversation {conversation_row.id}"
        audit_log.write(
            session,
            viewer.user_id,
            "raise",
            "dispute",
            str(row.id),
            "; ".join(p for p in (detail, redacted) if p),
        )
        return _records(session, [row])[0]


# --- reading -----------------------------------------------------------------------------------


def list_disputes(
    store: Store,
    viewer: Viewer,
    *,
    status: DisputeStatus | None = None,
    agent_id: int | None = None,
    conversation_id: int | None = None,
    limit: int = LIST_LIMIT,
) -> list[Dispute]:
    """Disputes the viewer may see, newest first: an agent's own, a lead's teams', an
    admin's all; by status, agent or conversation (NotFound unless the viewer sees it)."""
    stmt = _scoped(store, select(DisputeRow), viewer)
    if status is not None:
        stmt = stmt.where(DisputeRow.status == status.value)
    if agent_id is not None:
        stmt = stmt.where(DisputeRow.agent_id == agent_id)
    if conversation_id is not None:
        stmt = stmt.where(DisputeRow.conversation_id == conversation_id)
    stmt = stmt.order_by(DisputeRow.created_at.desc(), DisputeRow.id.desc()).limit(limit)
    with store._session() as session:
        if conversation_id is not None:
            scoping.visible(session, viewer, conversation_id)
        return _records(session, list(session.scalars(stmt)))


def get_dispute(store: Store, viewer: Viewer, dispute_id: int) -> Dispute:
    with store._session() as session:
        return _records(session, [_row(store, session, viewer, dispute_id)])[0]


def counts(store: Store, viewer: Viewer) -> dict[DisputeStatus, int]:
    """How many disputes the viewer may see, by status (every status, 0 for none)."""
    stmt = _scoped(
        store, select(DisputeRow.status, func.count()).select_from(DisputeRow), viewer
    ).group_by(DisputeRow.status)
    with store._session() as session:
        found = dict(session.execute(stmt).all())
    return {s: int(found.get(s.value, 0)) for s in DisputeStatus}


def open_count(store: Store, viewer: Viewer) -> int:
    """Open disputes waiting for the viewer: a lead's teams', an admin's all; 0 for agents."""
    if viewer.role not in (UserRole.LEAD, UserRole.ADMIN):
        return 0
    stmt = _scoped(store, select(func.count()).select_from(DisputeRow), viewer).where(
        DisputeRow.status == DisputeStatus.OPEN.value
    )
    with store._session() as session:
        return int(session.scalar(stmt) or 0)


# --- deciding ----------------------------------------------------------------------------------


def decide(
    store: Store,
    viewer: Viewer,
    dispute_id: int,
    *,
    accept: bool,
    reply: str | None = None,
    score: overturning.Score | None = None,
    version: AnalysisVersion | None = None,
) -> Dispute:
    """A lead of the conversation's team (or an admin) accepts the dispute (heard's finding or
    score is overturned; a reply is optional) or rejects it (upheld; a reply, which the agent
    reads, is needed). A dispute is decided once. An accepted finding no longer counts: the
    conversation is scored again without it in the same transaction
    (`heard.store.overturning`, scored by `score` under `version`: the ingest service's
    `decide_dispute` passes its analyzer's); a rejection changes no score."""
    with store._session() as session:
        row = _checked(store, session, viewer, dispute_id)
    prepared = None
    if accept and row.kind == DisputeKind.FINDING.value:
        if score is None or version is None:
            raise TypeError("accepting a finding's dispute scores it away: pass score, version")
        # analysed before the write transaction, used in it unless the scorecard changed
        prepared = overturning.prepare(
            store, row.conversation_id, score, also=f"{row.behaviour}:{row.finding}"
        )
    with store._writing() as session:
        row = _checked(store, session, viewer, dispute_id)
        redacted = None
        text = None
        if not accept or (reply or "").strip():
            text, redacted = _text(
                store,
                reply,
                "reply",
                required="Say why heard's finding stands: the agent reads this.",
            )
        status = DisputeStatus.ACCEPTED if accept else DisputeStatus.REJECTED
        changed = session.execute(
            update(DisputeRow)
            .where(DisputeRow.id == row.id, DisputeRow.status == DisputeStatus.OPEN.value)
            .values(status=status.value, reply=text, decided_by=viewer.user_id, decided_at=now())
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("Someone decided this dispute at the same moment.", field="status")
        session.refresh(row)
        outcome = OUTCOMES[DisputeStatus(row.status)]
        rescored = (
            prepared is not None
            and score is not None
            and version is not None
            and overturning.apply(store, session, prepared, score, version)
        )
        audit_log.write(
            session,
            viewer.user_id,
            "accept" if accept else "reject",
            "dispute",
            str(row.id),
            "; ".join(
                p
                for p in (
                    outcome,
                    f"conversation {row.conversation_id} scored again without the finding"
                    if rescored
                    else None,
                    redacted,
                )
                if p
            ),
        )
        return _records(session, [row])[0]


def _checked(store: Store, session: Session, viewer: Viewer, dispute_id: int) -> DisputeRow:
    """The dispute, when the viewer may decide it: a lead who sees it (their team's) or an
    admin, while it is open."""
    row = _row(store, session, viewer, dispute_id)
    if viewer.role not in (UserRole.LEAD, UserRole.ADMIN) or viewer.user_id is None:
        raise Forbidden("only team leads and admins decide disputes")
    if row.status != DisputeStatus.OPEN.value:
        done = "accepted" if row.status == DisputeStatus.ACCEPTED.value else "rejected"
        raise Conflict(f"This dispute was already {done}.", field="status")
    return row


# --- labels for training -----------------------------------------------------------------------

EXPORT_CHUNK = 500


def export_labels(store: Store, viewer: Viewer) -> Iterator[dict[str, Any]]:
    """Every decided dispute the viewer may see (leads and admins), oldest first, in the shape
    of the review labels: `task` dispute.finding or dispute.score, `label` disagree (accepted:
    heard was wrong) or agree (rejected: heard stands), `heard` what heard said, and the
    agent's reason and the lead's reply."""
    reviews.may_export(viewer)
    last = 0
    while True:
        with store._session() as session:
            rows = list(
                session.scalars(
                    _scoped(store, select(DisputeRow), viewer)
                    .where(DisputeRow.status != DisputeStatus.OPEN.value, DisputeRow.id > last)
                    .order_by(DisputeRow.id)
                    .limit(EXPORT_CHUNK)
                )
            )
            if not rows:
                return
            records = _records(session, rows)
            bodies = dict(
                session.execute(
                    select(ConversationRow.id, ConversationRow.body).where(
                        ConversationRow.id.in_({r.conversation_id for r in rows})
                    )
                ).all()
            )
        conversations = {i: Conversation.model_validate_json(b) for i, b in bodies.items()}
        for record in records:
            last = record.id
            yield _label(record, conversations[record.conversation_id])


def _label(dispute: Dispute, conversation: Conversation) -> dict[str, Any]:
    group = f"{conversation.source or 'heard'}:{conversation.external_id or conversation.id}"
    line: dict[str, Any] = {
        "id": f"dispute-{dispute.id}/{dispute.behaviour}",
        "group": group,
        "task": f"dispute.{dispute.kind.value}",
        "behaviour": dispute.behaviour,
        "label": "disagree" if dispute.status == DisputeStatus.ACCEPTED else "agree",
        "heard": dispute.heard,
        "outcome": dispute.outcome,
    }
    turns = conversation.turns
    if dispute.turn is not None and dispute.turn < len(turns):
        text = turns[dispute.turn].text
        if dispute.finding:
            line["id"] += f"/{dispute.finding}"
        line.update(
            detector=dispute.detector,
            turn=dispute.turn,
            start=dispute.span_start,
            end=dispute.span_end,
            quote=dispute.quote,
            text=text,
            context=reviews.turn_before(conversation, dispute.turn),
        )
    else:
        line.update(text=reviews.transcript_text(conversation), context="")
    line.update(
        note=dispute.reason,
        reply=dispute.reply,
        dispute_id=dispute.id,
        conversation_id=dispute.conversation_id,
        decided_at=dispute.decided_at.isoformat() if dispute.decided_at else None,
    )
    return line
