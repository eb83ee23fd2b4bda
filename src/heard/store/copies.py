"""Where conversation filters and charts read a conversation's current scorecard by index:
its id, Listening Score, emotion, escalation and felt-heard probability copied to
`conversations`, its done and missed verdicts to `conversation_verdicts`, and its component
scores to `conversation_components` in the slots of a stored layout (migrations 0005, 0007 and
0014 fill them the same way). Every ingest and rescore keeps them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from heard.store.analysed import CardRows
from heard.store.bulk import insert_missing, write_rows
from heard.store.errors import Invalid
from heard.store.tables import (
    COMPONENT_SLOTS,
    ComponentLayoutRow,
    ComponentScoreRow,
    ConversationComponentsRow,
    ConversationRow,
    ConversationVerdictRow,
    ScorecardRow,
    VerdictRow,
)

CURRENT_COPIES = {
    "scorecard_id": "id",
    "listening_score": "listening_score",
    "emotion": "emotion",
    "escalated": "escalated",
    "felt_heard": "felt_heard",
}
"""Columns of `conversations` that copy a column of their current scorecard (`scorecards`)."""


def copy_cards(
    session: Session,
    entries: list[tuple[int, tuple[int, CardRows], dict[str, Any]]],
    *,
    stale: set[int],
) -> None:
    """`copy_current` for new current scorecards, from what is at hand: each entry is the
    scorecard's id, (conversation id, its rows) and the conversation's stored values
    (occurred_at, agent_id, team_id, channel). The same rows, without reading back the
    conversations, scorecards and verdicts just written (a third of an ingest's writing)."""
    if not entries:
        return
    table = ConversationRow.__table__
    session.execute(
        update(table)
        .where(table.c.id == bindparam("copy_id"))
        .values(
            scorecard_id=bindparam("copy_card"),
            listening_score=bindparam("copy_score"),
            emotion=bindparam("copy_emotion"),
            escalated=bindparam("copy_escalated"),
            felt_heard=bindparam("copy_felt_heard"),
        )
        .execution_options(synchronize_session=False),
        [
            {
                "copy_id": conversation_id,
                "copy_card": card_id,
                "copy_score": card.listening_score,
                "copy_emotion": card.emotion,
                "copy_escalated": card.escalated,
                "copy_felt_heard": card.felt_heard,
            }
            for card_id, (conversation_id, card), _ in entries
        ],
    )
    copies = ConversationVerdictRow.__table__
    gone = [conversation_id for _, (conversation_id, _), _ in entries if conversation_id in stale]
    _delete_copies(session, copies, gone)
    rows = [
        {
            "behaviour": behaviour,
            "verdict": verdict,
            "occurred_at": values["occurred_at"],
            "conversation_id": conversation_id,
            "agent_id": values["agent_id"],
            "team_id": values["team_id"],
            "channel": values["channel"],
            "scorecard_id": card_id,
            "listening_score": card.listening_score,
        }
        for card_id, (conversation_id, card), values in entries
        for behaviour, _, verdict, _ in card.verdicts
        if verdict in ("done", "missed")
    ]
    # in key order, as copy_current writes them
    rows.sort(key=itemgetter(*(c.name for c in copies.primary_key)))
    write_rows(session, copies, rows)
    write_component_copies(
        session,
        [(conversation_id, card.components) for _, (conversation_id, card), _ in entries],
        gone,
    )


def copy_current(session: Session, conversation_ids: list[int]) -> None:
    """Copy the current scorecard's id, Listening Score and done and missed verdicts of
    these conversations (with the conversation's time, agent, team and channel) to where
    conversation filters read them by index: `conversations.scorecard_id` and
    `.listening_score`, and `conversation_verdicts` (migration 0005 fills both the same
    way); its component scores to `conversation_components` (as migration 0007); and its
    emotion, escalation and felt-heard probability to `conversations` (as migration 0014).
    Run after their scorecards or their columns change."""
    table = ConversationRow.__table__
    copies = ConversationVerdictRow.__table__
    for chunk in range(0, len(conversation_ids), 500):
        ids = conversation_ids[chunk : chunk + 500]
        current = and_(ScorecardRow.conversation_id == table.c.id, ScorecardRow.current.is_(True))
        session.execute(
            update(table)
            .where(table.c.id.in_(ids))
            .values(
                {
                    column: select(ScorecardRow.__table__.c[source])
                    .where(current)
                    .scalar_subquery()
                    for column, source in CURRENT_COPIES.items()
                }
            )
        )
        _delete_copies(session, copies, ids)
        session.execute(
            insert(copies).from_select(
                [
                    "behaviour",
                    "verdict",
                    "occurred_at",
                    "conversation_id",
                    "agent_id",
                    "team_id",
                    "channel",
                    "scorecard_id",
                    "listening_score",
                ],
                select(
                    VerdictRow.behaviour,
                    VerdictRow.verdict,
                    ConversationRow.occurred_at,
                    ConversationRow.id,
                    ConversationRow.agent_id,
                    ConversationRow.team_id,
                    ConversationRow.channel,
                    ScorecardRow.id,
                    ScorecardRow.listening_score,
                )
                .join(
                    ScorecardRow,
                    and_(
                        ScorecardRow.conversation_id == ConversationRow.id,
                        ScorecardRow.current.is_(True),
                    ),
                )
                .join(VerdictRow, VerdictRow.scorecard_id == ScorecardRow.id)
                .where(ConversationRow.id.in_(ids), VerdictRow.verdict.in_(["done", "missed"]))
                # in key order: on PostgreSQL a behaviour's rows then sit together on disk
                .order_by(
                    VerdictRow.behaviour,
                    VerdictRow.verdict,
                    ConversationRow.occurred_at,
                    ConversationRow.id,
                ),
            )
        )
        scores: dict[int, list[tuple[str, float | None]]] = defaultdict(list)
        for conversation_id, component, score in session.execute(
            select(ConversationRow.id, ComponentScoreRow.component, ComponentScoreRow.score)
            .join(
                ComponentScoreRow,
                ComponentScoreRow.scorecard_id == ConversationRow.scorecard_id,
            )
            .where(ConversationRow.id.in_(ids))
        ):
            scores[conversation_id].append((component, score))
        write_component_copies(session, list(scores.items()), ids)


def _delete_copies(session: Session, table: Any, conversation_ids: Sequence[int]) -> None:
    """Delete the rows of a copy table (`conversation_verdicts`, `conversation_components`)
    that belong to these conversations."""
    for chunk in range(0, len(conversation_ids), 500):
        ids = conversation_ids[chunk : chunk + 500]
        session.execute(delete(table).where(table.c.conversation_id.in_(ids)))


def layouts(session: Session) -> dict[int, tuple[str, ...]]:
    """The stored component layouts: id → component names (slot order)."""
    table = ComponentLayoutRow.__table__
    return {
        layout_id: tuple(orjson.loads(names))
        for layout_id, names in session.execute(select(table.c.id, table.c.components))
    }


def write_component_copies(
    session: Session,
    scores: Sequence[tuple[int, Sequence[tuple[str, float | None]]]],
    stale: Sequence[int],
) -> None:
    """Copy each conversation's current component scores (conversation id, [(component,
    score)]) to `conversation_components`, in the slots of the layout of its component names
    (created when new), after deleting the copies of the conversations in `stale`."""
    copies = ConversationComponentsRow.__table__
    _delete_copies(session, copies, stale)
    if not scores:
        return
    wanted = {tuple(sorted(name for name, _ in components)) for _, components in scores}
    ids = {names: layout_id for layout_id, names in layouts(session).items()}
    missing = sorted(wanted - ids.keys())
    for names in missing:
        if len(names) > COMPONENT_SLOTS:
            raise Invalid(
                f"a scorecard scores {len(names)} components; the store keeps at most "
                f"{COMPONENT_SLOTS} (as many as a rubric may have)",
                field="components",
            )
        text = orjson.dumps(list(names)).decode()
        insert_missing(session, ComponentLayoutRow.__table__, {"components": text}, "components")
    if missing:
        ids = {names: layout_id for layout_id, names in layouts(session).items()}
    empty = dict.fromkeys((f"s{i}" for i in range(COMPONENT_SLOTS)), None)
    rows = []
    for conversation_id, components in scores:
        by_name = dict(components)
        names = tuple(sorted(by_name))
        rows.append(
            {"conversation_id": conversation_id, "layout_id": ids[names]}
            | empty
            | {f"s{i}": by_name[name] for i, name in enumerate(names)}
        )
    rows.sort(key=itemgetter("conversation_id"))
    write_rows(session, copies, rows)
