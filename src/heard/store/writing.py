"""Writing analysed conversations: what an ingest would write (`to_write`), the ingest's write
itself (`write_ingest`: conversations, scorecards, their copies and the rollups, in one
transaction, tried again when writers collide), and a rescore's reads and writes
(`stale_scorecards`, `stored_bodies`, `write_rescored`). `heard.ingest` calls these with the
conversations already redacted and analysed; the store never redacts or analyses one."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from heard.model import Conversation
from heard.store import audit_log, placement, rollups
from heard.store.analysed import AnalysisVersion, CardRows, CardStream, IngestBatch, Unanalysed
from heard.store.bulk import write_rows
from heard.store.clock import now, to_db
from heard.store.copies import copy_cards, copy_current
from heard.store.dashboards import moment_candidates
from heard.store.database import collided, sqlstate
from heard.store.errors import Conflict
from heard.store.records import IngestItem, IngestReport, IngestStatus, Viewer
from heard.store.tables import ComponentScoreRow, ConversationRow, ScorecardRow, VerdictRow

if TYPE_CHECKING:
    from heard.store.repository import Store

log = logging.getLogger(__name__)

WRITE_ATTEMPTS = 4
"""Tries of an ingest's write when it collides with other writers (a deadlock, a key another
ingest created at the same moment) before it is refused with a Conflict."""
RETRY_PAUSE_SECONDS = 0.05
"""The pause before the second try of a write (twice it before the third, and so on)."""
RETRY_AFTER_SECONDS = 1
"""When a refused ingest should be sent again (the API's Retry-After)."""


def to_write(
    store: Store, batch: IngestBatch, *, viewer: Viewer | None = None
) -> dict[int, int | None]:
    """The conversations of `batch` an ingest would write, by position: new ones (None) and
    those stored with another body (their stored id), in order (`heard.ingest` analyses these,
    and only these). Refusals come here, before any analysis: a lead reaching another team's
    conversation, two conversations with one key (`heard.store.placement`)."""
    with store._session() as session:
        places = placement.place(session, batch.conversations, viewer or Viewer.system())
    return {
        i: None if where.row is None else where.row.id
        for i, where in enumerate(places)
        if where.row is None or where.row.digest != batch.digests[i]
    }


def write_ingest(
    store: Store,
    batch: IngestBatch,
    scored: CardStream,
    version: AnalysisVersion,
    *,
    user_id: int | None = None,
    viewer: Viewer | None = None,
) -> IngestReport:
    """Store conversations and their scorecards in one transaction (all or nothing), as
    `viewer` (the system viewer when None: the CLI and jobs, who may write anywhere).
    `heard.ingest` calls this with the conversations redacted and analysed; use its
    service (`heard.ingest.IngestService.ingest`), not this.

    Idempotent on (source, external_id) within a team (`heard.store.placement`): the same
    body again is `unchanged`; a changed body is `updated` with its new scorecard. Agents
    and teams named by the conversations are created on the fly. A lead stores
    conversations of their teams only and never reaches another team's (its ids make new
    conversations in the lead's team); two conversations with one key are refused.

    `scored` holds the scorecard of every conversation `to_write` named (or yields them,
    part by part). When another writer changed a conversation since then and it has no
    scorecard here, nothing is written: `Unanalysed` names what to analyse. When writers
    collide (a deadlock, or a key created by another ingest at the same moment), the write
    is tried again, up to WRITE_ATTEMPTS times, then refused with a Conflict that says
    when to retry; nothing is stored then."""
    viewer = viewer or Viewer.system()
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            return _write_ingest(store, batch, scored, version, user_id=user_id, viewer=viewer)
        except (IntegrityError, OperationalError) as exc:
            if not collided(exc):
                raise
            scored = scored.finished()  # every scorecard at hand, for the next attempt
            if attempt == WRITE_ATTEMPTS:
                log.warning(
                    "ingest: gave up after %d collisions with other writers (%s)",
                    attempt,
                    sqlstate(exc),
                )
                raise Conflict(
                    "other writes were storing some of these conversations at the same "
                    "moment; nothing was stored: send them again (they will come back "
                    "created, updated or unchanged)",
                    retry_after=RETRY_AFTER_SECONDS,
                ) from None
            time.sleep(RETRY_PAUSE_SECONDS * attempt)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _write_ingest(
    store: Store,
    batch: IngestBatch,
    scored: CardStream,
    version: AnalysisVersion,
    *,
    user_id: int | None,
    viewer: Viewer,
) -> IngestReport:
    """Write one ingest in one transaction. `scored.parts` yields the scorecards of
    `scored.changed`, in order, part by part (`scored.cards` holds those known already):
    the conversations are written first, then each part's scorecards as it comes (on
    PostgreSQL the workers are still analysing the later ones). Rows are locked in one
    order by every ingest (teams and agents by name, conversations by key and id), so two
    ingests of the same conversations wait for each other rather than deadlock."""
    cards = scored.cards
    conversations = batch.conversations
    with store._writing() as session:
        places = placement.place(session, conversations, viewer, create=True)
        lock(session, sorted({where.row.id for where in places if where.row}))
        same = {
            i
            for i, where in enumerate(places)
            if where.row is not None and where.row.digest == batch.digests[i]
        }
        pending = set(scored.changed)
        missing = [
            i
            for i in range(len(conversations))
            if i not in same and i not in pending and i not in cards
        ]
        if missing:  # changed since `to_write` looked: the caller analyses them first
            raise Unanalysed(missing)
        scores = _current_scores(
            session,
            sorted(where.row.id for i, where in enumerate(places) if i in same and where.row),
        )
        ids, written, replaced, before = _write_conversations(session, batch, places, same)
        stale = set(replaced)
        ready = sorted((i for i in cards if i in ids), key=ids.__getitem__)
        add_scorecards(
            session,
            [(ids[i], cards[i]) for i in ready],
            version,
            replace=replaced,
            copies=[written[i] for i in ready],
            stale=stale,
        )
        done = 0
        for part in scored.parts:
            indexes = scored.changed[done : done + len(part)]
            done += len(part)
            cards.update(zip(indexes, part, strict=True))
            ready = sorted((i for i in indexes if i in ids), key=ids.__getitem__)
            add_scorecards(
                session,
                [(ids[i], cards[i]) for i in ready],
                version,
                replace=[],
                copies=[written[i] for i in ready],
                stale=stale,
            )
        if done != len(scored.changed):
            raise RuntimeError(f"{done} scorecards for {len(scored.changed)} changed conversations")
        after = rollups.new_contributions((written[i], cards[i]) for i in sorted(ids))
        rollups.roll(session, before, after)
        report = _ingest_report(conversations, places, ids, cards, scores)
        if report.items:
            audit_log.write(
                session,
                user_id,
                "ingest",
                "conversation",
                None,
                f"{report.count(IngestStatus.CREATED)} created, "
                f"{report.count(IngestStatus.UPDATED)} updated, "
                f"{report.count(IngestStatus.UNCHANGED)} unchanged"
                + ("" if batch.redacted else "; stored unredacted"),
            )
        return report


def _write_conversations(
    session: Session,
    batch: IngestBatch,
    places: list[placement.Place],
    same: set[int],
) -> tuple[dict[int, int], dict[int, dict[str, Any]], list[int], rollups.Rollup]:
    """Insert the new conversations and update the changed ones (those not in `same`), in
    key and id order: (row id by position, the column values written by position, the ids
    of the conversations updated, what those added to the rollups before)."""
    stamp = now()
    inserts: list[tuple[tuple[int, str, str], int, dict[str, Any]]] = []
    updates: list[tuple[int, int, dict[str, Any]]] = []
    written: dict[int, dict[str, Any]] = {}
    for i, (conversation, where) in enumerate(zip(batch.conversations, places, strict=True)):
        if i in same:
            continue
        found = where.row
        started = to_db(conversation.started_at)
        values: dict[str, Any] = {
            "conversation_id": conversation.id,
            "channel": conversation.channel.value,
            "started_at": started,
            "occurred_at": started or (found.occurred_at if found else None) or stamp,
            "agent_id": where.agent_id,
            "team_id": where.team_id,
            "scope": where.scope,
            "redacted": batch.redacted,
            "turns": len(conversation.turns),
            "body": batch.bodies[i],
            "body_digest": batch.digests[i],
            "updated_at": stamp,
        }
        written[i] = values
        if found is None:
            source, external_id = placement.ingest_key(conversation)
            row = {"source": source, "external_id": external_id, "created_at": stamp, **values}
            inserts.append(((where.scope, source, external_id), i, row))
        else:
            updates.append((found.id, i, {"id": found.id, **values}))
    inserts.sort(key=itemgetter(0))
    updates.sort(key=itemgetter(0))
    ids: dict[int, int] = {}
    if inserts:
        returned = session.execute(
            insert(ConversationRow).returning(ConversationRow.id, sort_by_parameter_order=True),
            [row for _, _, row in inserts],
        ).scalars()
        for (_, i, _), new_id in zip(inserts, returned, strict=True):
            ids[i] = new_id
    replaced = [row_id for row_id, _, _ in updates]
    before = rollups.contributions(session, replaced)
    if updates:
        session.execute(update(ConversationRow), [values for _, _, values in updates])
        ids.update((i, row_id) for row_id, i, _ in updates)
    return ids, written, replaced, before


def _ingest_report(
    conversations: list[Conversation],
    places: list[placement.Place],
    ids: dict[int, int],
    cards: dict[int, CardRows],
    scores: dict[int, float | None],
) -> IngestReport:
    report = IngestReport()
    for i, (conversation, where) in enumerate(zip(conversations, places, strict=True)):
        source, external_id = placement.ingest_key(conversation)
        if i in ids:
            status = IngestStatus.CREATED if where.row is None else IngestStatus.UPDATED
            item_id, score = ids[i], cards[i].listening_score
        else:
            assert where.row is not None
            status, item_id = IngestStatus.UNCHANGED, where.row.id
            score = scores.get(item_id)
        report.items.append(
            IngestItem(
                id=item_id,
                source=source,
                external_id=external_id,
                status=status,
                listening_score=score,
            )
        )
    return report


def lock(session: Session, conversation_ids: list[int]) -> None:
    """Lock these conversations' rows until the transaction ends, in id order (PostgreSQL;
    SQLite has one writer at a time). An ingest reads what the conversations it replaces
    added to the rollups, then subtracts it: without the lock, two ingests replacing one
    conversation at once both subtracted the version before them both, and the rollups
    counted it twice."""
    if not conversation_ids or session.get_bind().dialect.name != "postgresql":
        return
    for chunk in range(0, len(conversation_ids), 500):
        session.execute(
            select(ConversationRow.id)
            .where(ConversationRow.id.in_(conversation_ids[chunk : chunk + 500]))
            .order_by(ConversationRow.id)
            .with_for_update()
        ).all()


def _current_scores(session: Session, ids: list[int]) -> dict[int, float | None]:
    scores: dict[int, float | None] = {}
    for chunk in range(0, len(ids), 500):
        scores.update(
            session.execute(
                select(ScorecardRow.conversation_id, ScorecardRow.listening_score).where(
                    ScorecardRow.conversation_id.in_(ids[chunk : chunk + 500]),
                    ScorecardRow.current.is_(True),
                )
            ).all()
        )
    return scores


def add_scorecards(
    session: Session,
    cards: list[tuple[int, CardRows]],
    version: tuple[str, str, str],
    *,
    replace: list[int],
    copies: list[dict[str, Any]] | None = None,
    stale: set[int] | None = None,
) -> None:
    """New current scorecards (with components and verdicts) for conversations, inserted in
    bulk; the current scorecards of the conversations in `replace` stop being current.

    With `copies` (each conversation's stored column values, as `cards`), the new scorecards
    are also copied where conversation filters read them, as `copy_current` would do, but
    from the values at hand instead of reading them back; `stale` names the conversations
    whose earlier copies must go first."""
    for chunk in range(0, len(replace), 500):
        session.execute(
            update(ScorecardRow)
            .where(
                ScorecardRow.conversation_id.in_(replace[chunk : chunk + 500]),
                ScorecardRow.current.is_(True),
            )
            .values(current=False)
            .execution_options(synchronize_session=False)
        )
    if not cards:
        return
    rubric, rubric_hash, detectors_hash = version
    stamp = now()
    card_ids = (
        session.execute(
            insert(ScorecardRow).returning(ScorecardRow.id, sort_by_parameter_order=True),
            [
                {
                    "conversation_id": conversation_id,
                    "rubric": rubric,
                    "rubric_digest": rubric_hash,
                    "detectors": card.detectors,
                    "detectors_digest": detectors_hash,
                    "listening_score": card.listening_score,
                    "body": card.body,
                    "created_at": stamp,
                    "current": True,
                    "moments": moment_candidates(card.body),
                    "emotion": card.emotion,
                    "escalated": card.escalated,
                    "felt_heard": card.felt_heard,
                }
                for conversation_id, card in cards
            ],
        )
        .scalars()
        .all()
    )
    components: list[dict[str, Any]] = []
    verdicts: list[dict[str, Any]] = []
    for card_id, (_, card) in zip(card_ids, cards, strict=True):
        components += [
            {"scorecard_id": card_id, "component": c, "score": score}
            for c, score in card.components
        ]
        verdicts += [
            {
                "scorecard_id": card_id,
                "behaviour": behaviour,
                "component": component,
                "verdict": verdict,
                "findings": findings,
            }
            for behaviour, component, verdict, findings in card.verdicts
        ]
    write_rows(session, ComponentScoreRow.__table__, components)
    write_rows(session, VerdictRow.__table__, verdicts)
    if copies is not None:
        copy_cards(
            session,
            list(zip(card_ids, cards, copies, strict=True)),
            stale=stale or set(),
        )


def stale_scorecards(store: Store, version: AnalysisVersion) -> tuple[int, list[int]]:
    """(conversations stored, ids of those whose current scorecard came from another
    analysis version than `version`, or that have none), in id order: what a rescore
    analyses again."""
    rubric, rubric_hash, detectors_hash = version
    with store._session() as session:
        checked = session.scalar(select(func.count()).select_from(ConversationRow)) or 0
        stale = list(
            session.scalars(
                select(ConversationRow.id)
                .outerjoin(
                    ScorecardRow,
                    and_(
                        ScorecardRow.conversation_id == ConversationRow.id,
                        ScorecardRow.current.is_(True),
                    ),
                )
                .where(
                    (ScorecardRow.id.is_(None))
                    | (ScorecardRow.rubric != rubric)
                    | (ScorecardRow.rubric_digest != rubric_hash)
                    | (ScorecardRow.detectors_digest != detectors_hash)
                )
                .order_by(ConversationRow.id)
            )
        )
    return checked, stale


def stored_bodies(store: Store, ids: Sequence[int]) -> list[tuple[int, str, str]]:
    """(id, JSON body, body digest) of these stored conversations, in id order (for a rescore:
    `write_rescored` takes the digests back)."""
    with store._session() as session:
        return [
            (conversation_id, body, digest)
            for conversation_id, body, digest in session.execute(
                select(ConversationRow.id, ConversationRow.body, ConversationRow.body_digest)
                .where(ConversationRow.id.in_(list(ids)))
                .order_by(ConversationRow.id)
            )
        ]


def write_rescored(
    store: Store,
    cards: Sequence[tuple[int, CardRows]],
    version: AnalysisVersion,
    digests: Mapping[int, str],
) -> list[int]:
    """New current scorecards of stored conversations (by id), analysed by `version`, in
    one transaction: the old ones are kept beside them, the copies where filters read
    them and the rollups follow. The ids written, in order.

    A rescore reads the bodies in one transaction and writes in another; `digests` holds the
    digest of each body it analysed. A conversation whose body changed in between (an ingest
    stored a new version, with that version's scorecard) or that is gone is left as it is:
    its scorecard would be of a body no longer stored. The rows are locked (PostgreSQL) or the
    write lock taken (SQLite) before the digests are compared, so no ingest changes them
    between the check and the write."""
    wanted = sorted(conversation_id for conversation_id, _ in cards)
    with store._writing() as session:
        lock(session, wanted)
        now_stored: dict[int, str] = {}
        for chunk in range(0, len(wanted), 500):
            now_stored.update(
                session.execute(
                    select(ConversationRow.id, ConversationRow.body_digest).where(
                        ConversationRow.id.in_(wanted[chunk : chunk + 500])
                    )
                ).all()
            )
        kept = [
            (conversation_id, card)
            for conversation_id, card in cards
            if now_stored.get(conversation_id) == digests[conversation_id]
        ]
        ids = [conversation_id for conversation_id, _ in kept]
        before = rollups.contributions(session, ids)
        add_scorecards(session, kept, version, replace=ids)
        copy_current(session, ids)
        rollups.roll(session, before, rollups.contributions(session, ids))
    return ids
