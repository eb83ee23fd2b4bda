"""Live sessions: a conversation in progress as the live hub stores it while it goes on — the
session (its team and agent placed as ingest would place the finished conversation, its last
event), every applied event in order and the supervisors' hints — until it ends and is ingested
like any other conversation. A live conversation's id holds within its team."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from heard.model import Channel, Conversation, Scorecard
from heard.store import audit_log, placement
from heard.store.clock import from_db, now
from heard.store.errors import Conflict
from heard.store.records import LiveEventRecord, LiveOutcome, LiveSessionRecord, Viewer
from heard.store.tables import (
    AgentRow,
    ConversationRow,
    LiveEventRow,
    LiveSessionRow,
    ScorecardRow,
)

if TYPE_CHECKING:
    from heard.store.repository import Store


def _record(row: LiveSessionRow) -> LiveSessionRecord:
    return LiveSessionRecord(
        id=row.id,
        conversation_id=row.conversation_id,
        channel=Channel(row.channel),
        agent_id=row.agent_id,
        team_id=row.team_id,
        user_id=row.user_id,
        started_at=from_db(row.started_at),  # type: ignore[arg-type]
        last_event=row.last_event,
        last_event_at=from_db(row.last_event_at),  # type: ignore[arg-type]
        status=row.status,  # type: ignore[arg-type]
        stored_id=row.stored_id,
        scope=row.scope,
    )


def live_agent(store: Store, external_id: str, *, teams: Sequence[int]) -> tuple[int, int] | None:
    """(agent id, team id) of the agent with this external id in one of `teams` (agent ids
    hold within a team), None when there is none there."""
    with store._session() as session:
        found = session.execute(
            select(AgentRow.id, AgentRow.team_id)
            .where(AgentRow.external_id == external_id, AgentRow.scope.in_(list(teams) or [-1]))
            .order_by(AgentRow.id)
        ).first()
        return (found[0], found[1]) if found else None


def agent_external_id(store: Store, agent_id: int) -> str | None:
    with store._session() as session:
        return session.scalar(select(AgentRow.external_id).where(AgentRow.id == agent_id))


def start_live_session(
    store: Store,
    conversation: Conversation,
    *,
    seq: int,
    payload: str,
    user_id: int | None,
    viewer: Viewer | None = None,
) -> LiveSessionRecord:
    """A new live session for `conversation` (its agent and team placed, and created on
    the fly, as ingest does for `viewer`: Forbidden or NotFound, nothing stored, when the
    conversation ingested at its end would be refused) with its start event stored;
    audited. Conflict when the id is taken."""
    try:
        with store._session() as session:
            (where,) = placement.place(
                session, [conversation], viewer or Viewer.system(), create=True
            )
            stamp = now()
            row = LiveSessionRow(
                conversation_id=conversation.id,
                scope=where.scope,
                channel=conversation.channel.value,
                agent_id=where.agent_id,
                team_id=where.team_id,
                user_id=user_id,
                started_at=stamp,
                last_event=seq,
                last_event_at=stamp,
                status="live",
            )
            session.add(row)
            session.flush()
            session.add(
                LiveEventRow(
                    session_id=row.id,
                    seq=seq,
                    type="start",
                    payload=payload,
                    at=stamp,
                )
            )
            audit_log.write(session, user_id, "live_start", "live", conversation.id[:64], None)
            return _record(row)
    except IntegrityError as exc:
        raise Conflict(f"live conversation {conversation.id!r} exists already") from exc


def add_live_events(store: Store, events: Sequence[tuple[int, int | None, str, str]]) -> None:
    """Store applied events — (session id, seq, type, payload) — in one transaction
    (committed when this returns); Conflict when a (session, seq) is stored already.
    An event the server made itself (from a call's audio) has no seq."""
    try:
        # Core on one connection, not an ORM session: this runs once per live event on
        # the server's event loop (measured 2.7 → see the commit message, ms per event).
        with store.engine.begin() as session:
            stamp = now()
            session.execute(
                insert(LiveEventRow.__table__),
                [
                    {"session_id": s, "seq": q, "type": t, "payload": p, "at": stamp}
                    for s, q, t, p in events
                ],
            )
            last: dict[int, int] = {}
            for session_id, seq, _, _ in events:
                if seq is not None:
                    last[session_id] = max(seq, last.get(session_id, 0))
            for session_id, seq in last.items():
                session.execute(
                    update(LiveSessionRow.__table__)
                    .where(LiveSessionRow.__table__.c.id == session_id)
                    .values(last_event=seq, last_event_at=stamp)
                )
    except IntegrityError as exc:
        raise Conflict("some of these live events are stored already") from exc


def add_live_hint(
    store: Store, session_id: int, *, payload: str, user_id: int | None, detail: str | None = None
) -> None:
    """Store a supervisor's hint on a live session (redacted by the live hub); audited with
    `detail` (what redaction replaced)."""
    with store._session() as session:
        session.add(
            LiveEventRow(
                session_id=session_id,
                seq=None,
                type="hint",
                payload=payload,
                at=now(),
            )
        )
        conversation_id = session.scalar(
            select(LiveSessionRow.conversation_id).where(LiveSessionRow.id == session_id)
        )
        audit_log.write(
            session, user_id, "live_hint", "live", (conversation_id or "")[:64] or None, detail
        )


def end_live_session(store: Store, session_id: int, *, stored_id: int | None) -> None:
    with store._session() as session:
        session.execute(
            update(LiveSessionRow)
            .where(LiveSessionRow.id == session_id)
            .values(status="ended", stored_id=stored_id)
        )


def live_sessions(
    store: Store, conversation_id: str, *, scopes: Sequence[int] | None = None
) -> list[LiveSessionRecord]:
    """The live sessions with this id in the teams `scopes` names (0: no team; None: in
    every team), oldest first: a live conversation's id holds within its team."""
    stmt = select(LiveSessionRow).where(LiveSessionRow.conversation_id == conversation_id)
    if scopes is not None:
        stmt = stmt.where(LiveSessionRow.scope.in_(list(scopes) or [-1]))
    with store._session() as session:
        return [_record(row) for row in session.scalars(stmt.order_by(LiveSessionRow.id))]


def live_session(
    store: Store, conversation_id: str, *, scope: int | None = None
) -> LiveSessionRecord | None:
    """The live session with this id (in team `scope`, when given), None when there is
    none; Conflict when several teams have one and no scope says which."""
    found = live_sessions(store, conversation_id, scopes=None if scope is None else [scope])
    if len(found) > 1:
        raise Conflict(
            f"live conversation {conversation_id!r} is in {len(found)} teams: name one",
            field="conversation_id",
        )
    return found[0] if found else None


def live_events(store: Store, session_id: int) -> list[LiveEventRecord]:
    """A live session's stored events and hints, in the order they were applied."""
    with store._session() as session:
        return [
            LiveEventRecord(seq=r.seq, type=r.type, payload=r.payload, at=from_db(r.at))  # type: ignore[arg-type]
            for r in session.scalars(
                select(LiveEventRow)
                .where(LiveEventRow.session_id == session_id)
                .order_by(LiveEventRow.id)
            )
        ]


def live_outcome(store: Store, stored_id: int, *, scorecard: bool = False) -> LiveOutcome | None:
    """The stored conversation `stored_id` an ended live session became: its agent and team
    and, with `scorecard`, its current scorecard (None: it is gone). Read with no viewer: the
    live hub decides per listener who may open it (`heard.store.scoping.sees`)."""
    with store._session() as session:
        found = session.execute(
            select(ConversationRow.agent_id, ConversationRow.team_id).where(
                ConversationRow.id == stored_id
            )
        ).first()
        if found is None:
            return None
        body = (
            session.scalar(
                select(ScorecardRow.body).where(
                    ScorecardRow.conversation_id == stored_id, ScorecardRow.current.is_(True)
                )
            )
            if scorecard
            else None
        )
        return LiveOutcome(
            stored_id=stored_id,
            agent_id=found[0],
            team_id=found[1],
            scorecard=Scorecard.model_validate_json(body) if body is not None else None,
        )
