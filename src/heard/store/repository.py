"""The store: conversations and their scorecards — written as `heard.ingest` gives them
(placed, then written with their scorecards, copies and rollups; the store never redacts or
analyses a conversation), read as a Viewer may; agents and teams.

The store's other aggregates are modules of functions that take the `Store`:
`heard.store.coaching_notes`, `surveys` (customer feedback), `dashboards` (trends, distribution,
moments, recognition), `accounts` (users), `api_tokens`, `signins` (passwords and sign-in
sessions), `audit_log`, `live_sessions`, `disputes`, `reviews`, `calibration`, `saved_views`,
`recordings` and `agent_home`; `scoping` says which conversations a viewer sees."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from sqlalchemy import (
    Engine,
    Select,
    and_,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, aliased, defer

from heard.model import Channel, Conversation, Scorecard
from heard.store import (
    audit_log,
    coaching_notes,
    paging,
    placement,
    recordings,
    rollups,
    scoping,
    scorecards,
    search,
    surveys,
)
from heard.store.analysed import AnalysisVersion, CardRows, CardStream, IngestBatch, Unanalysed
from heard.store.bulk import insert_missing, write_rows
from heard.store.clock import from_db, now, to_db
from heard.store.copies import copy_cards, copy_current
from heard.store.dashboards import moment_candidates
from heard.store.database import collided, make_engine, sqlstate, upgrade
from heard.store.errors import Conflict, Invalid, NotFound
from heard.store.records import (
    AgentRecord,
    ConversationDetail,
    ConversationFilter,
    ConversationPage,
    ConversationSummary,
    IngestItem,
    IngestReport,
    IngestStatus,
    ScorecardInfo,
    TeamRecord,
    UserRole,
    Viewer,
)
from heard.store.tables import (
    AgentRow,
    ApiTokenRow,
    AuditRow,
    ComponentScoreRow,
    ConversationRow,
    DailyScoreRow,
    FeedbackRow,
    NoteEventRow,
    NoteRow,
    ScorecardRow,
    TeamRow,
    UserRow,
    VerdictRow,
)

if TYPE_CHECKING:
    from heard.settings import Settings

log = logging.getLogger(__name__)

WRITE_ATTEMPTS = 4
"""Tries of an ingest's write when it collides with other writers (a deadlock, a key another
ingest created at the same moment) before it is refused with a Conflict."""
RETRY_PAUSE_SECONDS = 0.05
"""The pause before the second try of a write (twice it before the third, and so on)."""
RETRY_AFTER_SECONDS = 1
"""When a refused ingest should be sent again (the API's Retry-After)."""


class Store:
    """The repository of the team app. Open with `Store.open(url)`; it migrates to head. It
    holds the engine and the settings every aggregate reads (redaction, the password hasher,
    the recognition minimum); `_session` is the transaction every aggregate's functions open.
    Conversations come in through `heard.ingest`, which redacts and analyses them first."""

    def __init__(
        self,
        engine: Engine,
        *,
        recognition_min_conversations: int = 5,
        password_hasher: PasswordHasher | None = None,
        redact: bool = True,
    ) -> None:
        self.engine = engine
        self.recognition_min_conversations = recognition_min_conversations
        self.hasher = password_hasher or PasswordHasher()
        """argon2id with the library's recommended cost; tests pass a cheaper one."""
        self.decoy_hash: str | None = None
        """A hash of a random password, made on the first sign-in of an unknown email."""
        self.redact = redact
        """Personal data is replaced before anything is stored (`HEARD_REDACT`): in
        conversations (`heard.ingest` redacts them, unless an ingest says otherwise), notes,
        replies, survey comments, user and token names (see docs/redaction.md)."""

    @classmethod
    def open(
        cls,
        url: str,
        *,
        recognition_min_conversations: int = 5,
        password_hasher: PasswordHasher | None = None,
        redact: bool = True,
    ) -> Store:
        """The store at `url`, migrated to the newest schema first."""
        engine = make_engine(url)
        upgrade(engine)
        return cls(
            engine,
            recognition_min_conversations=recognition_min_conversations,
            password_hasher=password_hasher,
            redact=redact,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        """The store the settings name, with their recognition minimum and redaction."""
        return cls.open(
            settings.database_url,
            recognition_min_conversations=settings.recognition_min_conversations,
            redact=settings.redact,
        )

    def close(self) -> None:
        self.engine.dispose()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any error."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """`_session` for a transaction that reads what it is about to change (what stored
        conversations add to the rollups, say): on SQLite it takes the write lock before its
        first read (BEGIN IMMEDIATE), so no other writer commits between the reads and the
        writes. The Python driver begins a transaction only at the first write, so the reads
        of a plain session saw a state another ingest could change before the writes, and two
        ingests replacing one conversation at once counted it twice in the rollups. PostgreSQL
        takes row locks instead (`_lock`)."""
        with self._session() as session:
            if self.dialect == "sqlite":
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session

    # ------------------------------------------------------------ writing analysed conversations

    def to_write(self, batch: IngestBatch, *, viewer: Viewer | None = None) -> list[int]:
        """Positions of the conversations of `batch` an ingest would write: new ones and those
        stored with another body (`heard.ingest` analyses these, and only these). Refusals
        come here, before any analysis: a lead reaching another team's conversation, two
        conversations with one key (`heard.store.placement`)."""
        with self._session() as session:
            places = placement.place(session, batch.conversations, viewer or Viewer.system())
        return [
            i
            for i, where in enumerate(places)
            if where.row is None or where.row.digest != batch.digests[i]
        ]

    def write_ingest(
        self,
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
                return self._write_ingest(batch, scored, version, user_id=user_id, viewer=viewer)
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
        self,
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
        with self._writing() as session:
            places = placement.place(session, conversations, viewer, create=True)
            self._lock(session, sorted({where.row.id for where in places if where.row}))
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
            scores = self._current_scores(
                session,
                sorted(where.row.id for i, where in enumerate(places) if i in same and where.row),
            )
            ids, written, replaced, before = self._write_conversations(session, batch, places, same)
            stale = set(replaced)
            ready = sorted((i for i in cards if i in ids), key=ids.__getitem__)
            self._add_scorecards(
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
                self._add_scorecards(
                    session,
                    [(ids[i], cards[i]) for i in ready],
                    version,
                    replace=[],
                    copies=[written[i] for i in ready],
                    stale=stale,
                )
            if done != len(scored.changed):
                raise RuntimeError(
                    f"{done} scorecards for {len(scored.changed)} changed conversations"
                )
            after = rollups.new_contributions((written[i], cards[i]) for i in sorted(ids))
            rollups.roll(session, before, after)
            report = self._ingest_report(conversations, places, ids, cards, scores)
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

    @staticmethod
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

    @staticmethod
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

    @staticmethod
    def _lock(session: Session, conversation_ids: list[int]) -> None:
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

    def _current_scores(self, session: Session, ids: list[int]) -> dict[int, float | None]:
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

    def _add_scorecards(
        self,
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

    def _team_id(self, session: Session, name: str) -> int:
        query = select(TeamRow.id).where(TeamRow.name == name)
        found = session.scalar(query)
        if found is None:  # another ingest may be creating it at this moment
            insert_missing(session, TeamRow.__table__, {"name": name, "created_at": now()}, "name")
            found = session.scalars(query).one()
        return found

    def stale_scorecards(self, version: AnalysisVersion) -> tuple[int, list[int]]:
        """(conversations stored, ids of those whose current scorecard came from another
        analysis version than `version`, or that have none), in id order: what a rescore
        analyses again."""
        rubric, rubric_hash, detectors_hash = version
        with self._session() as session:
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

    def stored_bodies(self, ids: Sequence[int]) -> list[tuple[int, str]]:
        """(id, JSON body) of these stored conversations, in id order (for a rescore)."""
        with self._session() as session:
            return [
                (conversation_id, body)
                for conversation_id, body in session.execute(
                    select(ConversationRow.id, ConversationRow.body)
                    .where(ConversationRow.id.in_(list(ids)))
                    .order_by(ConversationRow.id)
                )
            ]

    def write_rescored(
        self, cards: Sequence[tuple[int, CardRows]], version: AnalysisVersion
    ) -> None:
        """New current scorecards of stored conversations (by id), analysed by `version`, in
        one transaction: the old ones are kept beside them, the copies where filters read
        them and the rollups follow."""
        ids = [conversation_id for conversation_id, _ in cards]
        with self._session() as session:
            before = rollups.contributions(session, ids)
            self._add_scorecards(session, list(cards), version, replace=ids)
            copy_current(session, ids)
            rollups.roll(session, before, rollups.contributions(session, ids))

    # ------------------------------------------------------------------ conversations

    def list_conversations(
        self,
        viewer: Viewer,
        where: ConversationFilter | None = None,
        *,
        limit: int = 50,
        order: paging.Order = "newest",
        after: str | None = None,
        before: str | None = None,
    ) -> ConversationPage:
        """A page of the conversations the viewer may see matching `where`, in `order`: the
        first, or the one after the cursor `after` or before the cursor `before` (a page's
        `next` and `previous`). With a search, each has the snippet where it matched."""
        where = where or ConversationFilter()
        if after and before:
            raise Invalid("give either after or before, not both", field="before")
        token = after or before
        at = paging.position(order, token, field="before" if before else "after") if token else None
        backwards = bool(before)
        team = aliased(TeamRow)
        with self._session() as session:
            total = self._count(session, viewer, where)
            source = scoping.filter_rows(where)
            stmt = scoping.conversation_query(
                [ConversationRow, AgentRow.name, AgentRow.external_id, team.name],
                viewer,
                where,
                source,
            )
            stmt = (
                stmt.outerjoin(AgentRow, AgentRow.id == ConversationRow.agent_id)
                .outerjoin(team, team.id == ConversationRow.team_id)
                .options(defer(ConversationRow.body))
            )
            key = scoping.row_id(source)  # on the filtered rows' copies, so their index orders
            found = stmt.order_by(*paging.ordering(order, source, key, backwards=backwards))
            if at is not None:
                found = found.where(paging.beyond(order, source, key, at, backwards=backwards))
            rows = session.execute(found.limit(limit + 1)).all()
            more = len(rows) > limit
            rows = rows[:limit]
            if backwards:
                rows.reverse()
            cards = [r[0].scorecard_id for r in rows if r[0].scorecard_id is not None]
            components = scorecards.components(session, cards)
            items = [
                self._summary(
                    row,
                    row.listening_score,
                    agent_name or agent_external,
                    team_name,
                    components.get(row.scorecard_id or 0),
                )
                for row, agent_name, agent_external, team_name in rows
            ]
            if where.search:
                found_in = search.bodies(session, [item.id for item in items])
                for item in items:
                    item.snippet = search.snippet(found_in[item.id], where.search)
        if backwards and not more:  # the first page (rows stored since may make it longer)
            return self.list_conversations(viewer, where, limit=limit, order=order)
        mark = [paging.cursor_of(order, i) for i in items[:1] + items[-1:]]
        return ConversationPage(
            total=total,
            limit=limit,
            items=items,
            next=mark[-1] if items and (more or backwards) else None,
            previous=mark[0] if items and (after or (backwards and more)) else None,
        )

    def _count(self, session: Session, viewer: Viewer, where: ConversationFilter) -> int:
        """Conversations the viewer may see matching `where`: whole days from `daily_scores`,
        the rest from the conversations (or their copied verdicts)."""
        whole, parts = scoping.by_days(where)
        statements = [
            scoping.conversation_query(
                [func.count()], viewer, part, scoping.filter_rows(part), conversations=False
            )
            for part in parts
        ]
        if whole is not None:
            statements.append(
                scoping.rollup_query([func.sum(DailyScoreRow.conversations)], viewer, whole).where(
                    DailyScoreRow.component == ""
                )
            )
        return sum(int(session.scalar(stmt) or 0) for stmt in statements)

    @staticmethod
    def _summary(
        row: ConversationRow,
        score: float | None,
        agent: str | None,
        team: str | None,
        components: dict[str, float | None] | None,
    ) -> ConversationSummary:
        return ConversationSummary(
            id=row.id,
            source=row.source,
            external_id=row.external_id,
            conversation_id=row.conversation_id,
            channel=Channel(row.channel),
            started_at=from_db(row.started_at),
            occurred_at=from_db(row.occurred_at),  # type: ignore[arg-type]
            agent_id=row.agent_id,
            agent=agent,
            team_id=row.team_id,
            team=team,
            turns=row.turns,
            redacted=row.redacted,
            listening_score=score,
            components=components or {},
            emotion=row.emotion,
            escalated=row.escalated,
            felt_heard=row.felt_heard,
        )

    def get_conversation(self, viewer: Viewer, conversation_id: int) -> ConversationDetail:
        """One conversation with its current scorecard, versions, notes and feedback; the view
        is written to the audit log."""
        with self._session() as session:
            row = scoping.visible(session, viewer, conversation_id)
            agent = session.get(AgentRow, row.agent_id) if row.agent_id else None
            team = session.get(TeamRow, row.team_id) if row.team_id else None
            cards = session.scalars(
                select(ScorecardRow)
                .where(ScorecardRow.conversation_id == row.id)
                .order_by(ScorecardRow.id.desc())
            ).all()
            current = next((c for c in cards if c.current), None)
            components = scorecards.components(session, [current.id] if current else [])
            summary = self._summary(
                row,
                current.listening_score if current else None,
                (agent.name or agent.external_id) if agent else None,
                team.name if team else None,
                components.get(current.id) if current else None,
            )
            notes = coaching_notes.note_records(
                session, select(NoteRow).where(NoteRow.conversation_id == row.id)
            )
            feedback = [
                surveys.record(f)
                for f in session.scalars(
                    select(FeedbackRow)
                    .where(FeedbackRow.conversation_id == row.id)
                    .order_by(FeedbackRow.id)
                )
            ]
            audit_log.write(session, viewer.user_id, "view", "conversation", str(row.id), None)
            return ConversationDetail(
                summary=summary,
                conversation=Conversation.model_validate_json(row.body),
                scorecard=Scorecard.model_validate_json(current.body) if current else None,
                scorecard_info=self._card_info(current) if current else None,
                versions=[self._card_info(c) for c in cards],
                notes=notes,
                feedback=feedback,
                recording=recordings.describe(session, row.id),
            )

    @staticmethod
    def _card_info(row: ScorecardRow) -> ScorecardInfo:
        return ScorecardInfo(
            id=row.id,
            rubric=row.rubric,
            detectors_digest=row.detectors_digest,
            created_at=from_db(row.created_at),  # type: ignore[arg-type]
            current=row.current,
        )

    def conversation_for_survey(self, conversation_id: int) -> ConversationSummary:
        """What a survey page may show of a conversation (no viewer: the signed link is the
        permission)."""
        with self._session() as session:
            row = session.get(ConversationRow, conversation_id)
            if row is None:
                raise NotFound(f"no conversation {conversation_id}", field="conversation_id")
            agent = session.get(AgentRow, row.agent_id) if row.agent_id else None
            return self._summary(row, None, agent.name if agent else None, None, None)

    # ------------------------------------------------------------------ agents and teams

    def _agent_scope(self, stmt: Select[Any], viewer: Viewer) -> Select[Any]:
        if viewer.role == UserRole.ADMIN:
            return stmt
        if viewer.role == UserRole.LEAD:
            return stmt.where(AgentRow.team_id.in_(viewer.team_ids or [-1]))
        return stmt.where(AgentRow.id == (viewer.agent_id or -1))

    def list_agents(self, viewer: Viewer, *, team_id: int | None = None) -> list[AgentRecord]:
        with self._session() as session:
            stats = (  # from the rollup: every conversation, the mean of the scored ones
                select(
                    DailyScoreRow.agent_id.label("agent_id"),
                    func.sum(DailyScoreRow.conversations).label("n"),
                    (
                        func.sum(DailyScoreRow.total)
                        / func.nullif(func.sum(DailyScoreRow.scored), 0)
                    ).label("mean"),
                )
                .where(DailyScoreRow.component == "")
                .group_by(DailyScoreRow.agent_id)
                .subquery()
            )
            stmt = (
                select(AgentRow, TeamRow.name, stats.c.n, stats.c.mean)
                .outerjoin(TeamRow, TeamRow.id == AgentRow.team_id)
                .outerjoin(stats, stats.c.agent_id == AgentRow.id)
                .order_by(AgentRow.name, AgentRow.id)
            )
            if team_id is not None:
                stmt = stmt.where(AgentRow.team_id == team_id)
            return [
                AgentRecord(
                    id=a.id,
                    external_id=a.external_id,
                    name=a.name,
                    team_id=a.team_id,
                    team=team,
                    user_id=a.user_id,
                    conversations=n or 0,
                    mean_score=None if mean is None else round(float(mean), 2),
                )
                for a, team, n, mean in session.execute(self._agent_scope(stmt, viewer))
            ]

    def get_agent(self, viewer: Viewer, agent_id: int) -> AgentRecord:
        for agent in self.list_agents(viewer):
            if agent.id == agent_id:
                return agent
        raise NotFound(f"no agent {agent_id}", field="agent_id")

    def list_teams(self, viewer: Viewer) -> list[TeamRecord]:
        with self._session() as session:
            stmt = select(TeamRow).order_by(TeamRow.name)
            if viewer.role == UserRole.LEAD:
                stmt = stmt.where(TeamRow.id.in_(viewer.team_ids or [-1]))
            elif viewer.role == UserRole.AGENT:
                team_id = session.scalar(
                    select(AgentRow.team_id).where(AgentRow.id == (viewer.agent_id or -1))
                )
                stmt = stmt.where(TeamRow.id == (team_id or -1))
            teams = session.scalars(stmt).all()
            agents = dict(
                session.execute(
                    select(AgentRow.team_id, func.count(AgentRow.id)).group_by(AgentRow.team_id)
                ).all()
            )
            stats = {
                team_id: (n, mean)
                for team_id, n, mean in session.execute(
                    select(
                        DailyScoreRow.team_id,
                        func.sum(DailyScoreRow.conversations),
                        func.sum(DailyScoreRow.total)
                        / func.nullif(func.sum(DailyScoreRow.scored), 0),
                    )
                    .where(DailyScoreRow.component == "")
                    .group_by(DailyScoreRow.team_id)
                )
            }
            return [
                TeamRecord(
                    id=t.id,
                    name=t.name,
                    agents=agents.get(t.id, 0),
                    conversations=stats.get(t.id, (0, None))[0],
                    mean_score=None
                    if stats.get(t.id, (0, None))[1] is None
                    else round(float(stats[t.id][1]), 2),
                )
                for t in teams
            ]

    # ------------------------------------------------------------------ operations

    def after_bulk_load(self) -> None:
        """What an operator runs after a bulk load: ANALYZE (the query planner's statistics),
        then a checkpoint, so the load's pages are written out now rather than flushed in the
        background while the next work runs. On PostgreSQL, VACUUM (ANALYZE), which also marks
        the new rows visible to all, as the first reads of a fresh table would otherwise do,
        writing its pages once more; and CHECKPOINT, which only a superuser or a
        pg_checkpoint member may run (without that right the checkpoint is left to the
        server). On SQLite, ANALYZE and the WAL written into the database file."""
        postgresql = self.dialect == "postgresql"
        analyze, checkpoint = (
            ("VACUUM (ANALYZE)", "CHECKPOINT")
            if postgresql
            else ("ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)")
        )
        with self.engine.connect() as connection:
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            autocommit.exec_driver_sql(analyze)
            try:
                autocommit.exec_driver_sql(checkpoint)
            except ProgrammingError:  # "must be superuser or have privileges of pg_checkpoint"
                if not postgresql:
                    raise

    def counts(self) -> dict[str, int]:
        """Rows per table: for tests and `heard serve`'s start-up line."""
        with self._session() as session:
            return {
                table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
                for table in (
                    TeamRow,
                    AgentRow,
                    UserRow,
                    ApiTokenRow,
                    ConversationRow,
                    ScorecardRow,
                    NoteRow,
                    NoteEventRow,
                    FeedbackRow,
                    AuditRow,
                )
            }
