"""The store: conversations and their scorecards — written as `heard.ingest` gives them
(`heard.store.writing`: placed, then written with their scorecards, copies and rollups; the
store never redacts or analyses a conversation), read as a Viewer may; agents and teams.

The store's other aggregates are modules of functions that take the `Store`:
`heard.store.writing` (analysed conversations written, rescores), `coaching_notes`, `surveys`
(customer feedback), `dashboards` (trends, distribution, moments, recognition), `accounts`
(users), `api_tokens`, `signins` (passwords and sign-in sessions), `audit_log`,
`live_sessions`, `disputes`, `reviews`, `calibration`, `saved_views`, `recordings` and
`agent_home`; `scoping` says which conversations a viewer sees."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from sqlalchemy import (
    Engine,
    Select,
    func,
    literal,
    select,
)
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session, aliased, defer

from heard.model import Channel, Conversation, Scorecard
from heard.store import (
    audit_log,
    coaching_notes,
    copies,
    paging,
    recordings,
    scoping,
    scorecards,
    search,
    surveys,
)
from heard.store.bulk import insert_missing
from heard.store.clock import from_db, now
from heard.store.database import make_engine, upgrade
from heard.store.errors import Invalid, NotFound
from heard.store.records import (
    AgentRecord,
    ConversationDetail,
    ConversationFilter,
    ConversationPage,
    ConversationSummary,
    ScorecardInfo,
    TeamRecord,
    UserRole,
    Viewer,
)
from heard.store.tables import (
    AgentRow,
    ApiTokenRow,
    AuditRow,
    ConversationRow,
    DailyScoreRow,
    FeedbackRow,
    NoteEventRow,
    NoteRow,
    ScorecardRow,
    TeamRow,
    UserRow,
)

if TYPE_CHECKING:
    from heard.settings import Settings

log = logging.getLogger(__name__)


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
        takes row locks instead (`heard.store.writing.lock`)."""
        with self._session() as session:
            if self.dialect == "sqlite":
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session

    def _team_id(self, session: Session, name: str) -> int:
        query = select(TeamRow.id).where(TeamRow.name == name)
        found = session.scalar(query)
        if found is None:  # another ingest may be creating it at this moment
            insert_missing(session, TeamRow.__table__, {"name": name, "created_at": now()}, "name")
            found = session.scalars(query).one()
        return found

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
        with self._session() as session:
            walk = self._walks(session, where)
            items, more = self._page(session, viewer, where, limit, order, at, backwards, walk)
            if at is None and not more:  # the whole list is on its first page: no count
                total, exact = len(items), True
            else:
                total, exact = self._count(session, viewer, where, walk=walk)
        if backwards and not more:  # the first page (rows stored since may make it longer)
            return self.list_conversations(viewer, where, limit=limit, order=order)
        mark = [paging.cursor_of(order, i) for i in items[:1] + items[-1:]]
        return ConversationPage(
            total=total,
            total_exact=exact,
            limit=limit,
            items=items,
            next=mark[-1] if items and (more or backwards) else None,
            previous=mark[0] if items and (after or (backwards and more)) else None,
        )

    def iter_conversations(
        self,
        viewer: Viewer,
        where: ConversationFilter | None = None,
        *,
        order: paging.Order = "oldest",
        size: int = 1000,
    ) -> Iterator[list[ConversationSummary]]:
        """Every conversation the viewer may see matching `where`, in `order`, `size` at a
        time, each part its own short read (an export streams them; nothing is counted)."""
        where = where or ConversationFilter()
        at: paging.Position | None = None
        with self._session() as session:
            walk = self._walks(session, where)
        while True:
            with self._session() as session:
                items, more = self._page(session, viewer, where, size, order, at, False, walk)
            if items:
                yield items
            if not more:
                return
            at = paging.position(order, paging.cursor_of(order, items[-1]), field="after")

    def component_names(self) -> list[str]:
        """Every component a current scorecard scores, in order (an export's columns)."""
        with self._session() as session:
            return sorted({name for names in copies.layouts(session).values() for name in names})

    def _page(
        self,
        session: Session,
        viewer: Viewer,
        where: ConversationFilter,
        limit: int,
        order: paging.Order,
        at: paging.Position | None,
        backwards: bool,
        walk: bool,
    ) -> tuple[list[ConversationSummary], bool]:
        """The `limit` conversations beyond `at` (or the first), and whether more follow."""
        team = aliased(TeamRow)
        source = scoping.filter_rows(where)
        stmt = scoping.conversation_query(
            [ConversationRow, AgentRow.name, AgentRow.external_id, team.name],
            viewer,
            where,
            source,
            walk=walk,
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
        return items, more

    @staticmethod
    def _walks(session: Session, where: ConversationFilter) -> bool:
        """Whether a search is found in so many conversations that its queries walk their own
        order and keep the matches they meet (`heard.store.search.FEW`), and its count stops
        at `search.COUNTED`; on PostgreSQL, every search (its planner picks the plan, and an
        exact count of 100,000 matches read each one: over a second)."""
        if not where.search:
            return False
        found = search.index_matches(session, where.search)
        return found is None or found > search.FEW  # PostgreSQL: always count to the cap

    def _count(
        self, session: Session, viewer: Viewer, where: ConversationFilter, *, walk: bool = False
    ) -> tuple[int, bool]:
        """Conversations the viewer may see matching `where`, and whether that is exact: whole
        days from `daily_scores`, the rest from the conversations (or their copied verdicts); a
        search found in many conversations (`walk`) counts them up to `search.COUNTED`."""
        if walk:  # a search, so no whole days from the rollups (scoping.rolls_up)
            capped = scoping.conversation_query(
                [literal(1)], viewer, where, conversations=False, walk=True
            ).limit(search.COUNTED + 1)
            found = int(session.scalar(select(func.count()).select_from(capped.subquery())) or 0)
            return (found, True) if found <= search.COUNTED else (search.COUNTED, False)
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
        return sum(int(session.scalar(stmt) or 0) for stmt in statements), True

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
