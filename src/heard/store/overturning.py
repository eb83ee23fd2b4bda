"""Scorecards without the findings a lead overturned. When a lead accepts an agent's dispute of
a finding, heard was wrong: the conversation gets a new current scorecard scored without that
finding, which keeps it as evidence (`Scorecard.overturned`) so pages show it as disputed and
accepted. The copies conversation filters read and the daily rollups behind the dashboards,
trends and recognition follow, as on a rescore; `heard rescore` leaves overturned findings out
again. A rejected dispute changes nothing.

The store scores nothing itself: the scoring comes from the caller as a `Score`
(`heard.ingest.overturning`: `Analyzer.score_again`, the same scoring as any analysis, from the
stored findings), with the `AnalysisVersion` it writes under."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from heard.store import rollups, writing
from heard.store.analysed import AnalysisVersion, CardRows
from heard.store.copies import copy_current
from heard.store.tables import ConversationRow, DisputeRow, ScorecardRow

if TYPE_CHECKING:
    from heard.store.repository import Store

Score = Callable[[str, str, set[str]], CardRows | None]
"""(conversation JSON, its current scorecard JSON, the keys of the findings to leave out) →
the rows of that scorecard scored again without them; None when it already leaves out exactly
those."""


@dataclass(frozen=True)
class Prepared:
    """A conversation's new scorecard, worked out before the write transaction from its
    current scorecard `scorecard_id` (used only while that one is still current)."""

    conversation_id: int
    scorecard_id: int | None
    rows: CardRows | None
    """None: the current scorecard already leaves out exactly what is overturned."""


@dataclass(frozen=True)
class Overturned:
    """A finding a lead overturned: its `Finding.key`, and the words it was made on (turn,
    character span, the words as stored) to find it again in a changed conversation."""

    key: str
    turn: int | None
    start: int | None
    end: int | None
    quote: str | None


def accepted_findings(session: Session, conversation_ids: list[int]) -> dict[int, list[Overturned]]:
    """Conversation → its findings whose disputes were accepted, with the words disputed."""
    found: dict[int, list[Overturned]] = defaultdict(list)
    for chunk in range(0, len(conversation_ids), 500):
        for row in session.execute(
            select(
                DisputeRow.conversation_id,
                DisputeRow.behaviour,
                DisputeRow.finding,
                DisputeRow.turn,
                DisputeRow.span_start,
                DisputeRow.span_end,
                DisputeRow.quote,
            ).where(
                DisputeRow.conversation_id.in_(conversation_ids[chunk : chunk + 500]),
                DisputeRow.kind == "finding",
                DisputeRow.status == "accepted",
            )
        ):
            found[row.conversation_id].append(
                Overturned(
                    f"{row.behaviour}:{row.finding}",
                    row.turn,
                    row.span_start,
                    row.span_end,
                    row.quote,
                )
            )
    return dict(found)


def overturned_keys(session: Session, conversation_ids: list[int]) -> dict[int, set[str]]:
    """Conversation → the `Finding.key`s of its findings whose disputes were accepted."""
    return {
        conversation_id: {f.key for f in found}
        for conversation_id, found in accepted_findings(session, conversation_ids).items()
    }


def overturned(store: Store, conversation_ids: list[int]) -> dict[int, set[str]]:
    """`overturned_keys` in a session of its own (for a rescore)."""
    with store._session() as session:
        return overturned_keys(session, conversation_ids)


def overturned_findings(store: Store, conversation_ids: list[int]) -> dict[int, list[Overturned]]:
    """`accepted_findings` in a session of its own (for an ingest replacing these
    conversations: `heard.ingest.overturning.still_there`)."""
    with store._session() as session:
        return accepted_findings(session, conversation_ids)


def prepare(
    store: Store, conversation_id: int, score: Score, *, also: str | None = None
) -> Prepared:
    """What `apply` will write for the conversation, worked out outside the write transaction
    (analysis takes a while; SQLite's write lock would wait for it): its accepted disputes'
    findings left out, and `also` (the key of a finding about to be overturned)."""
    with store._session() as session:
        found = session.execute(
            select(ConversationRow.body, ConversationRow.scorecard_id, ScorecardRow.body)
            .outerjoin(ScorecardRow, ScorecardRow.id == ConversationRow.scorecard_id)
            .where(ConversationRow.id == conversation_id)
        ).one_or_none()
        keys = overturned_keys(session, [conversation_id]).get(conversation_id, set())
    if found is None or found[1] is None or found[2] is None:
        return Prepared(conversation_id, None, None)
    body, card_id, card_body = found
    if also is not None:
        keys = keys | {also}
    return Prepared(conversation_id, card_id, score(body, card_body, keys))


def apply(
    store: Store, session: Session, prepared: Prepared, score: Score, version: AnalysisVersion
) -> bool:
    """Give the conversation a new current scorecard without its overturned findings, in the
    transaction of `session` (after the dispute's decision is written in it), with its copies
    and rollups; worked out again here when another write changed its scorecard since
    `prepare`. Whether it changed (False: nothing was overturned that counted)."""
    conversation_id = prepared.conversation_id
    writing.lock(session, [conversation_id])
    current = session.execute(
        select(ConversationRow.body, ConversationRow.scorecard_id, ScorecardRow.body)
        .outerjoin(ScorecardRow, ScorecardRow.id == ConversationRow.scorecard_id)
        .where(ConversationRow.id == conversation_id)
    ).one()
    body, card_id, card_body = current
    if card_id is None or card_body is None:
        return False
    rows = prepared.rows
    if card_id != prepared.scorecard_id:
        keys = overturned_keys(session, [conversation_id]).get(conversation_id, set())
        rows = score(body, card_body, keys)
    if rows is None:
        return False
    before = rollups.contributions(session, [conversation_id])
    writing.add_scorecards(session, [(conversation_id, rows)], version, replace=[conversation_id])
    copy_current(session, [conversation_id])
    rollups.roll(session, before, rollups.contributions(session, [conversation_id]))
    return True
