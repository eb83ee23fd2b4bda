"""The store: conversations and their scorecards — ingest (placed, redacted, analysed, written
with their copies and rollups), rescore, reading them as a Viewer may, agents and teams.

The store's other aggregates are modules of functions that take the `Store`:
`heard.store.coaching_notes`, `surveys` (customer feedback), `dashboards` (trends, distribution,
moments, recognition), `accounts` (users), `api_tokens`, `signins` (passwords and sign-in
sessions), `audit_log`, `live_sessions`, `disputes`, `reviews`, `calibration`, `saved_views`,
`recordings` and `agent_home`; `scoping` says which conversations a viewer sees."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import orjson
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

from heard import embed
from heard.analysis import Analyzer
from heard.analysis.detector import Requirement
from heard.analysis.rubric import Rubric
from heard.learn import default_outcome_path, outcome_model_path
from heard.model import Channel, Conversation, Scorecard
from heard.store import (
    audit_log,
    coaching_notes,
    overturning,
    paging,
    placement,
    recordings,
    rollups,
    scoping,
    scorecards,
    search,
    surveys,
)
from heard.store.analysis import PARALLEL_MIN, AnalysisPool, CardRows, card_rows, default_workers
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
    RescoreReport,
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

ANALYSIS_BATCH = 200
"""Conversations analysed together by ingest and rescore (near-duplicate replies are found
within a batch)."""
WRITE_ROUNDS = 4
"""Parts per analysis worker an ingest batch is cut into on PostgreSQL, where the first parts'
scorecards are written while the workers analyse the rest (SQLite analyses all first)."""
RESCORE_CHUNK = ANALYSIS_BATCH * 5
"""Conversations rescored per transaction."""
WRITE_ATTEMPTS = 4
"""Tries of an ingest's write when it collides with other writers (a deadlock, a key another
ingest created at the same moment) before it is refused with a Conflict."""
RETRY_PAUSE_SECONDS = 0.05
"""The pause before the second try of a write (twice it before the third, and so on)."""
RETRY_AFTER_SECONDS = 1
"""When a refused ingest should be sent again (the API's Retry-After)."""


def digest(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def analysis_version(analyzer: Analyzer) -> tuple[str, str, str]:
    """(rubric ref, rubric digest, detectors digest) of what `analyzer` would produce."""
    detectors = {d.name: d.name.rsplit(".", 1)[-1] for d in analyzer.detectors}
    if any(Requirement.EMBEDDINGS in d.requires for d in analyzer.detectors):
        detectors["embeddings"] = embed.identity()  # the vectors these detectors judge by
    if analyzer.outcome and outcome_model_path() != default_outcome_path():
        # a team's own outcome model (HEARD_OUTCOME_MODEL): `heard rescore` refills `outcome`
        from heard.learn.outcome import default_outcome_model

        model = default_outcome_model()
        detectors["outcome"] = model if isinstance(model, str) else model.name
    return (
        analyzer.rubric.ref,
        rubric_digest(analyzer.rubric),
        digest(orjson.dumps(detectors, option=orjson.OPT_SORT_KEYS)),
    )


def rubric_digest(rubric: Rubric) -> str:
    return digest(rubric.model_dump_json())


@dataclass
class _Scored:
    """An ingest's scorecards: those at hand (`cards`, by position in the ingest) and those
    the analysis still yields, part by part, for the positions in `changed`, in order."""

    changed: list[int]
    parts: Iterator[list[CardRows]]
    cards: dict[int, CardRows]

    def finished(self) -> _Scored:
        """Every scorecard at hand (the parts still to come waited for), for another try of a
        write that failed part way."""
        done = sum(1 for i in self.changed if i in self.cards)
        rest = self.changed[done:]
        for part in self.parts:
            self.cards.update(zip(rest, part, strict=False))
            rest = rest[len(part) :]
        return _Scored([], iter(()), self.cards)


class Store:
    """The repository of the team app. Open with `Store.open(url)`; it migrates to head. It
    holds the engine, the settings every aggregate reads (redaction, the password hasher, the
    recognition minimum) and the analysis pool; `_session` is the transaction every aggregate's
    functions open."""

    def __init__(
        self,
        engine: Engine,
        *,
        recognition_min_conversations: int = 5,
        password_hasher: PasswordHasher | None = None,
        analyzer: Analyzer | None = None,
        workers: int = 1,
        redact: bool = True,
        redact_names: bool = True,
    ) -> None:
        self.engine = engine
        self.workers = max(1, workers)
        """Processes that analyse a large ingest or rescore (1: this process only)."""
        self._pool: AnalysisPool | None = None
        self._pool_lock = threading.Lock()
        self.recognition_min_conversations = recognition_min_conversations
        self.hasher = password_hasher or PasswordHasher()
        """argon2id with the library's recommended cost; tests pass a cheaper one."""
        self.decoy_hash: str | None = None
        """A hash of a random password, made on the first sign-in of an unknown email."""
        self._analyzer = analyzer
        self.redact = redact
        """Personal data is replaced before anything is stored (`HEARD_REDACT`): in
        conversations (unless an ingest says otherwise), notes, replies, survey comments, user
        and token names (see docs/redaction.md)."""
        self.redact_names = redact_names
        """With `redact`, a conversation's customer name becomes placeholders, in its field and
        wherever the conversation repeats it (`HEARD_REDACT_NAMES`)."""

    @classmethod
    def open(
        cls,
        url: str,
        *,
        recognition_min_conversations: int = 5,
        password_hasher: PasswordHasher | None = None,
        analyzer: Analyzer | None = None,
        workers: int = 1,
        redact: bool = True,
        redact_names: bool = True,
    ) -> Store:
        """The store at `url`, migrated to the newest schema first."""
        engine = make_engine(url)
        upgrade(engine)
        return cls(
            engine,
            recognition_min_conversations=recognition_min_conversations,
            password_hasher=password_hasher,
            analyzer=analyzer,
            workers=workers,
            redact=redact,
            redact_names=redact_names,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        """The store the settings name, with their recognition minimum, ingest workers (one per
        core unless `ingest_workers` says otherwise) and redaction."""
        return cls.open(
            settings.database_url,
            recognition_min_conversations=settings.recognition_min_conversations,
            workers=settings.ingest_workers or default_workers(),
            redact=settings.redact,
            redact_names=settings.redact_names,
        )

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
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

    def analyzer(self) -> Analyzer:
        """The default analyzer, built once (loading detectors and models takes a while)."""
        if self._analyzer is None:
            self._analyzer = Analyzer()
        return self._analyzer

    # ------------------------------------------------------------------ ingest and rescore

    def ingest(
        self,
        conversations: Sequence[Conversation],
        *,
        analyzer: Analyzer | None = None,
        redact: bool | None = None,
        user_id: int | None = None,
        analysed: Sequence[CardRows] | None = None,
        viewer: Viewer | None = None,
    ) -> IngestReport:
        """Store and score conversations in one transaction (all or nothing), as `viewer` (the
        system viewer when None: the CLI and jobs, who may write anywhere).

        Idempotent on (source, external_id) within a team (`heard.store.placement`): the same
        body again is `unchanged`; a changed body is `updated` and scored again. Agents and
        teams named by the conversations are created on the fly. A lead stores conversations
        of their teams only and never reaches another team's (its ids make new conversations
        in the lead's team); two conversations with one key in one ingest are refused. Personal
        data is redacted first unless `redact` is False (None: the store's `redact`). With
        `workers` > 1 and at least `PARALLEL_MIN` conversations to score, analysis runs on a
        process pool (the same scorecards as on one process).

        When writers collide (a deadlock, or a key created by another ingest at the same
        moment), the write is tried again, up to WRITE_ATTEMPTS times, then refused with a
        Conflict that says when to retry; nothing is stored then.

        `analysed` gives each conversation's scorecard rows from `analyse` (with the same
        analyzer): the conversations are then stored as they are (already redacted when
        `redact`), neither redacted nor analysed again.
        """
        analyzer = analyzer or self.analyzer()
        redact = self.redact if redact is None else redact
        viewer = viewer or Viewer.system()
        conversations = list(conversations)
        cards: dict[int, CardRows] = {}
        if analysed is not None:
            if len(analysed) != len(conversations):
                raise Invalid(
                    f"{len(analysed)} scorecards for {len(conversations)} conversations",
                    field="analysed",
                )
            cards = dict(enumerate(analysed))
        elif redact:
            conversations = self._redacted(conversations, analyzer)
        bodies = [c.to_json() for c in conversations]
        digests = [digest(body) for body in bodies]
        with self._session() as session:  # refusals come before any analysis
            places = placement.place(session, conversations, viewer)
        changed = [
            i
            for i, where in enumerate(places)
            if (where.row is None or where.row.digest != digests[i]) and i not in cards
        ]
        parts: Iterator[list[CardRows]] = iter(())
        if changed:
            sqlite = self.dialect == "sqlite"
            parts = self._score_parts(
                [conversations[i] for i in changed],
                [bodies[i] for i in changed],
                analyzer,
                rounds=1 if sqlite else WRITE_ROUNDS,
            )
            if sqlite:
                # the write transaction holds SQLite's one write lock, which live sessions
                # wait for to store each event (on the event loop): analyse everything first
                parts = iter([[card for part in parts for card in part]])
        version = analysis_version(analyzer)
        scored = _Scored(changed, parts, cards)
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                return self._write_ingest(
                    conversations,
                    bodies,
                    digests,
                    scored,
                    version,
                    analyzer=analyzer,
                    redact=redact,
                    user_id=user_id,
                    viewer=viewer,
                )
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

    def analyse(
        self,
        conversations: Sequence[Conversation],
        *,
        analyzer: Analyzer | None = None,
        redact: bool | None = None,
    ) -> list[tuple[Conversation, CardRows]]:
        """What `ingest` would store for each conversation without storing it: the conversation
        (redacted unless `redact` is False; None: the store's `redact`) and its scorecard rows,
        analysed in batches as ingest does (on the pool when it pays). Give both to
        `ingest(…, analysed=…)`."""
        analyzer = analyzer or self.analyzer()
        if self.redact if redact is None else redact:
            conversations = self._redacted(conversations, analyzer)
        bodies = [c.to_json() for c in conversations]
        cards = self._score_cards(list(conversations), bodies, analyzer)
        return list(zip(conversations, cards, strict=True))

    def _redacted(
        self, conversations: Sequence[Conversation], analyzer: Analyzer
    ) -> list[Conversation]:
        """Redacted copies of `conversations`, customer names too with `redact_names` (on the
        analysis workers when there are enough of them: redaction is a third of the store's
        own work per conversation)."""
        names = self.redact_names
        if self.workers > 1 and len(conversations) >= PARALLEL_MIN:
            bodies = self._analysis_pool(analyzer).redact(
                [c.to_json() for c in conversations], names=names
            )
            return [Conversation.model_validate_json(b) for b in bodies]
        from heard.redact import redact_conversation

        return [redact_conversation(c, names=names) for c in conversations]

    def _score_cards(
        self, conversations: list[Conversation], bodies: list[str], analyzer: Analyzer
    ) -> list[CardRows]:
        """Scorecards as rows, analysed in batches of ANALYSIS_BATCH (on the pool when it pays)."""
        return [
            card for part in self._score_parts(conversations, bodies, analyzer) for card in part
        ]

    def _score_parts(
        self,
        conversations: list[Conversation],
        bodies: list[str],
        analyzer: Analyzer,
        *,
        rounds: int = 1,
    ) -> Iterator[list[CardRows]]:
        """`_score_cards` part by part, in order: on the pool every part is submitted at once
        (`rounds` parts per worker and batch) and each is yielded when it is ready, so the
        caller can write the first while the workers analyse the rest."""
        batches = [
            (conversations[i : i + ANALYSIS_BATCH], bodies[i : i + ANALYSIS_BATCH])
            for i in range(0, len(conversations), ANALYSIS_BATCH)
        ]
        if self.workers > 1 and len(conversations) >= PARALLEL_MIN:
            futures = self._analysis_pool(analyzer).submit(batches, rounds=rounds)
            return (future.result() for future in futures)
        return iter(
            [[card_rows(a.scorecard) for batch, _ in batches for a in analyzer.analyze_many(batch)]]
        )

    def _analysis_pool(self, analyzer: Analyzer) -> AnalysisPool:
        """The pool for `analyzer`'s rubric and detectors (a pool for another is replaced)."""
        with self._pool_lock:
            if self._pool is not None and analysis_version(self._pool.analyzer) != (
                analysis_version(analyzer)
            ):
                self._pool.close()
                self._pool = None
            if self._pool is None:
                self._pool = AnalysisPool(analyzer, workers=self.workers)
            return self._pool

    def warm(self) -> None:
        """Load the analyzer now (and start the analysis workers, when there are any), so the
        first ingest does not wait for them."""
        analyzer = self.analyzer()
        if self.workers > 1:
            self._analysis_pool(analyzer).warm()

    def _write_ingest(
        self,
        conversations: list[Conversation],
        bodies: list[str],
        digests: list[str],
        scored: _Scored,
        version: tuple[str, str, str],
        *,
        analyzer: Analyzer,
        redact: bool,
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
        pending = set(scored.changed)
        with self._writing() as session:
            stamp = now()
            places = placement.place(session, conversations, viewer, create=True)
            self._lock(session, sorted({where.row.id for where in places if where.row}))
            same = {
                i
                for i, where in enumerate(places)
                if where.row is not None and where.row.digest == digests[i]
            }
            scores = self._current_scores(
                session,
                sorted(where.row.id for i, where in enumerate(places) if i in same and where.row),
            )
            inserts: list[tuple[tuple[int, str, str], int, dict[str, Any]]] = []
            updates: list[tuple[int, int, dict[str, Any]]] = []
            written: dict[int, dict[str, Any]] = {}
            for i, (conversation, where) in enumerate(zip(conversations, places, strict=True)):
                if i in same:
                    continue
                if i not in pending and i not in cards:  # changed since we looked: analyse now
                    cards[i] = card_rows(analyzer.analyze(conversation).scorecard)
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
                    "redacted": redact,
                    "turns": len(conversation.turns),
                    "body": bodies[i],
                    "body_digest": digests[i],
                    "updated_at": stamp,
                }
                written[i] = values
                if found is None:
                    source, external_id = placement.ingest_key(conversation)
                    row = {
                        "source": source,
                        "external_id": external_id,
                        "created_at": stamp,
                        **values,
                    }
                    inserts.append(((where.scope, source, external_id), i, row))
                else:
                    updates.append((found.id, i, {"id": found.id, **values}))
            inserts.sort(key=itemgetter(0))
            updates.sort(key=itemgetter(0))
            ids: dict[int, int] = {}
            if inserts:
                returned = session.execute(
                    insert(ConversationRow).returning(
                        ConversationRow.id, sort_by_parameter_order=True
                    ),
                    [row for _, _, row in inserts],
                ).scalars()
                for (_, i, _), new_id in zip(inserts, returned, strict=True):
                    ids[i] = new_id
            replaced = [row_id for row_id, _, _ in updates]
            before = rollups.contributions(session, replaced)
            if updates:
                session.execute(update(ConversationRow), [values for _, _, values in updates])
                ids.update((i, row_id) for row_id, i, _ in updates)
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
            if report.items:
                created = report.count(IngestStatus.CREATED)
                updated = report.count(IngestStatus.UPDATED)
                audit_log.write(
                    session,
                    user_id,
                    "ingest",
                    "conversation",
                    None,
                    f"{created} created, {updated} updated, "
                    f"{report.count(IngestStatus.UNCHANGED)} unchanged"
                    + ("" if redact else "; stored unredacted"),
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

    def rescore(
        self, *, analyzer: Analyzer | None = None, user_id: int | None = None
    ) -> RescoreReport:
        """Score again every conversation whose current scorecard came from another rubric or
        other detector versions; each gets a new current scorecard (old ones are kept)."""
        analyzer = analyzer or self.analyzer()
        version = analysis_version(analyzer)
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
        for start in range(0, len(stale), RESCORE_CHUNK):
            ids = stale[start : start + RESCORE_CHUNK]
            with self._session() as session:
                rows = session.execute(
                    select(ConversationRow.id, ConversationRow.body)
                    .where(ConversationRow.id.in_(ids))
                    .order_by(ConversationRow.id)
                ).all()
                conversations = [Conversation.model_validate_json(body) for _, body in rows]
                cards = overturning.rescored(
                    session,
                    analyzer,
                    [conversation_id for conversation_id, _ in rows],
                    conversations,
                    self._score_cards(conversations, [body for _, body in rows], analyzer),
                )
                before = rollups.contributions(
                    session, [conversation_id for conversation_id, _ in rows]
                )
                self._add_scorecards(
                    session,
                    [
                        (conversation_id, card)
                        for (conversation_id, _), card in zip(rows, cards, strict=True)
                    ],
                    version,
                    replace=[conversation_id for conversation_id, _ in rows],
                )
                copy_current(session, [conversation_id for conversation_id, _ in rows])
                rollups.roll(
                    session,
                    before,
                    rollups.contributions(
                        session, [conversation_id for conversation_id, _ in rows]
                    ),
                )
        if stale:
            with self._session() as session:
                audit_log.write(session, user_id, "rescore", "conversation", None, f"{len(stale)}")
        return RescoreReport(checked=checked, rescored=len(stale))

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
