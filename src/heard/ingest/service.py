"""The ingest service: conversations in, stored and scored; and rescore.

One flow for every caller (the API and the upload page, the CLI, live sessions ending, the
demo and the benchmarks): redact every free-text field (unless an admin said not to), ask the
store which conversations are new or changed (its refusals come before any analysis), analyse
those — in this process for a small batch, on the analysis pool or a batch engine
(`heard.engines`) for a large one — turn each scorecard into the rows the store keeps
(`heard.ingest.cards.card_rows`) and hand the store the finished records to write
(`heard.store.writing.write_ingest`). The store never redacts or analyses a conversation.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from heard.analysis import Analyzer
from heard.ingest import overturning
from heard.ingest.cards import analysis_version, card_rows
from heard.ingest.pool import PARALLEL_MIN, AnalysisPool, default_workers
from heard.model import Conversation
from heard.store import Conflict, Invalid, Store, Viewer, audit_log, disputes, writing
from heard.store import overturning as store_overturning
from heard.store.analysed import CardRows, CardStream, IngestBatch, Unanalysed
from heard.store.disputes import Dispute
from heard.store.records import IngestReport, RescoreReport

if TYPE_CHECKING:
    from heard.engines import Engine
    from heard.settings import Settings

ANALYSIS_BATCH = 200
"""Conversations analysed together by ingest and rescore (near-duplicate replies are found
within a batch)."""
WRITE_ROUNDS = 4
"""Parts per analysis worker an ingest batch is cut into on PostgreSQL, where the first parts'
scorecards are written while the workers analyse the rest (SQLite analyses all first: the
write holds its one write lock, which live sessions wait for to store each event)."""
RESCORE_CHUNK = ANALYSIS_BATCH * 5
"""Conversations rescored per transaction."""
CHANGED_ROUNDS = 4
"""Writes tried when other writers keep changing the conversations of an ingest between its
analysis and its write (each try analyses the ones changed) before it is refused."""


class IngestService:
    """Redact, analyse and store conversations in `store`; rescore what it holds.

    `analyzer` is the default analysis (built on first use: loading detectors and models takes
    a while); `workers` > 1 redacts and analyses batches of at least `PARALLEL_MIN`
    conversations on that many spawned processes (the same scorecards as one process gives).
    With `engine` (`heard.engines.open_engine`: local or Ray), such batches are analysed by
    the engine instead; its analyzer is then the default, and an ingest with an analyzer of
    another version is analysed as without it. Conversations are redacted as the store's `redact`
    says unless an ingest says otherwise; `redact_names` redacts the customer's name too.

    Who closes the engine: an `engine` passed in belongs to the caller, who closes it. Without
    one, `engine_name` "ray" makes the service open a Ray engine itself (`start_engine`, called by
    `warm` or by the first large batch; `ray_workers` actors, default one per cluster CPU, on the
    cluster at `ray_address`, default $RAY_ADDRESS, else a local cluster) with its default
    analyzer, and `close` closes it. "local" (the default) opens none: large batches go to the
    pool of `workers` processes. The pool redacts large batches whatever the engine."""

    def __init__(
        self,
        store: Store,
        *,
        analyzer: Analyzer | None = None,
        workers: int = 1,
        redact_names: bool = True,
        engine: Engine | None = None,
        engine_name: str = "local",
        ray_address: str | None = None,
        ray_workers: int | None = None,
    ) -> None:
        self.store = store
        self.workers = max(1, workers)
        """Processes that analyse a large ingest or rescore (1: this process only)."""
        self.redact_names = redact_names
        """With redaction, a conversation's customer name becomes placeholders, in its field
        and wherever the conversation repeats it (`HEARD_REDACT_NAMES`)."""
        self.engine = engine
        """A batch engine that analyses large batches instead of the pool (None: the pool)."""
        self.engine_name = engine_name
        """The engine large batches go to when no `engine` was passed: local (the pool) or ray
        (opened by the service, `HEARD_ENGINE`)."""
        self.ray_address = ray_address
        self.ray_workers = ray_workers
        self._analyzer = analyzer or getattr(engine, "analyzer", None)
        self._owns_engine = False
        self._engine_lock = threading.Lock()
        self._pool: AnalysisPool | None = None
        self._pool_lock = threading.Lock()

    @classmethod
    def from_settings(cls, store: Store, settings: Settings) -> IngestService:
        """The service the settings describe: ingest workers (one per core unless
        `ingest_workers` says otherwise), customer-name redaction and the engine (`engine`:
        local, the pool as ever; ray, a Ray engine at `ray_address` the service opens on
        first need and closes in `close`)."""
        return cls(
            store,
            workers=settings.ingest_workers or default_workers(),
            redact_names=settings.redact_names,
            engine_name=settings.engine,
            ray_address=settings.ray_address,
        )

    @property
    def redact(self) -> bool:
        """Whether conversations are redacted unless an ingest says otherwise (the store's
        `redact`, `HEARD_REDACT`)."""
        return self.store.redact

    def analyzer(self) -> Analyzer:
        """The default analyzer, built once."""
        if self._analyzer is None:
            self._analyzer = Analyzer()
        return self._analyzer

    def warm(self) -> None:
        """Load the analyzer now (and start the analysis workers, when there are any), so the
        first ingest does not wait for them."""
        analyzer = self.analyzer()
        if self.workers > 1:
            self._analysis_pool(analyzer).warm()
        self.start_engine()

    def start_engine(self) -> Engine | None:
        """The engine large batches go to: the one passed in, else the Ray engine the service
        opens now if it has not yet (`engine_name` "ray"), else None (the pool). An
        `heard.engines.EngineError` says why a Ray engine cannot start."""
        with self._engine_lock:
            if self.engine is None and self.engine_name == "ray":
                from heard.engines.ray import RayEngine

                self.engine = RayEngine(
                    self.analyzer(), workers=self.ray_workers, address=self.ray_address
                )
                self._owns_engine = True
            return self.engine

    def close(self) -> None:
        """Stop the analysis workers and the engine the service opened (the store and an
        engine passed in stay open: their owners close them)."""
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
        with self._engine_lock:
            if self._owns_engine and self.engine is not None:
                self.engine.close()
                self.engine = None
                self._owns_engine = False

    # ------------------------------------------------------------------ the flows

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
        system viewer when None: the CLI and jobs, who may write anywhere); see
        `heard.store.writing.write_ingest` for what is created, updated, unchanged or refused.

        Personal data is redacted first unless `redact` is False (None: the store's
        `redact`); only new and changed conversations are analysed. `analysed` gives each
        conversation's scorecard rows from `analyse` (with the same analyzer): the
        conversations are then stored as they are (already redacted when `redact`), neither
        redacted nor analysed again."""
        analyzer = analyzer or self.analyzer()
        redact = self.redact if redact is None else redact
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
        batch = IngestBatch.of(conversations, redacted=redact)
        places = writing.to_write(self.store, batch, viewer=viewer)
        changed = [i for i in places if i not in cards]
        kept = self._still_overturned(places, conversations)
        for i in kept.keys() & cards.keys():
            [cards[i]] = overturning.rescored(analyzer, kept, [i], [conversations[i]], [cards[i]])
        scored = CardStream(changed, cards=cards)
        if changed:
            sqlite = self.store.dialect == "sqlite"
            parts = self._score_parts(
                [conversations[i] for i in changed],
                [batch.bodies[i] for i in changed],
                analyzer,
                rounds=1 if sqlite else WRITE_ROUNDS,
            )
            if kept:
                parts = self._leaving_out(parts, changed, kept, conversations, analyzer)
            if sqlite:  # the write holds SQLite's one write lock: analyse everything first
                parts = iter([[card for part in parts for card in part]])
            scored.parts = parts
        version = analysis_version(analyzer)
        for _ in range(CHANGED_ROUNDS):
            try:
                return writing.write_ingest(
                    self.store, batch, scored, version, user_id=user_id, viewer=viewer
                )
            except Unanalysed as exc:  # another writer changed them since: analyse those too
                scored = scored.finished()
                for i, card in zip(
                    exc.positions,
                    self._score_cards([conversations[i] for i in exc.positions], None, analyzer),
                    strict=True,
                ):
                    scored.cards[i] = card
        raise Conflict(
            "other writes kept changing these conversations while they were analysed; nothing "
            "was stored: send them again",
            retry_after=1,
        )

    def analyse(
        self,
        conversations: Sequence[Conversation],
        *,
        analyzer: Analyzer | None = None,
        redact: bool | None = None,
    ) -> list[tuple[Conversation, CardRows]]:
        """What `ingest` would store for each conversation without storing it: the conversation
        (redacted unless `redact` is False; None: the store's `redact`) and its scorecard rows,
        analysed in batches as ingest does. Give both to `ingest(…, analysed=…)`."""
        analyzer = analyzer or self.analyzer()
        if self.redact if redact is None else redact:
            conversations = self._redacted(conversations, analyzer)
        cards = self._score_cards(list(conversations), None, analyzer)
        return list(zip(conversations, cards, strict=True))

    def rescore(
        self, *, analyzer: Analyzer | None = None, user_id: int | None = None
    ) -> RescoreReport:
        """Score again every stored conversation whose current scorecard came from another
        rubric or other detector versions; each gets a new current scorecard (old ones are
        kept), RESCORE_CHUNK conversations per transaction. One whose body an ingest changed
        while it was analysed here keeps the scorecard that ingest gave it (`changed` in the
        report; `writing.write_rescored`)."""
        analyzer = analyzer or self.analyzer()
        version = analysis_version(analyzer)
        checked, stale = writing.stale_scorecards(self.store, version)
        rescored = 0
        for start in range(0, len(stale), RESCORE_CHUNK):
            rows = writing.stored_bodies(self.store, stale[start : start + RESCORE_CHUNK])
            bodies = [body for _, body, _ in rows]
            conversations = [Conversation.model_validate_json(body) for body in bodies]
            cards = self._score_cards(conversations, bodies, analyzer)
            ids = [conversation_id for conversation_id, _, _ in rows]
            cards = overturning.rescored(
                analyzer, store_overturning.overturned(self.store, ids), ids, conversations, cards
            )
            rescored += len(
                writing.write_rescored(
                    self.store,
                    list(zip(ids, cards, strict=True)),
                    version,
                    {conversation_id: digest for conversation_id, _, digest in rows},
                )
            )
        changed = len(stale) - rescored
        if stale:
            audit_log.audit(
                self.store,
                user_id=user_id,
                action="rescore",
                object_type="conversation",
                detail=f"{rescored}" + (f" ({changed} changed meanwhile)" if changed else ""),
            )
        return RescoreReport(checked=checked, rescored=rescored, changed=changed)

    def decide_dispute(
        self, viewer: Viewer, dispute_id: int, *, accept: bool, reply: str | None = None
    ) -> Dispute:
        """`heard.store.disputes.decide`, an accepted finding scored away with this service's
        analyzer (`heard.ingest.overturning`)."""
        analyzer = self.analyzer()
        return disputes.decide(
            self.store,
            viewer,
            dispute_id,
            accept=accept,
            reply=reply,
            score=overturning.scorer(analyzer),
            version=analysis_version(analyzer),
        )

    # ------------------------------------------------------------------ overturned findings

    def _still_overturned(
        self, places: dict[int, int | None], conversations: list[Conversation]
    ) -> dict[int, set[str]]:
        """Position → the keys of the findings overturned on the stored conversation an ingest
        replaces that its new body still holds (`overturning.still_there`): the new scorecard
        leaves them out again, as a rescore does."""
        stored = {i: row for i, row in places.items() if row is not None}
        if not stored:
            return {}
        found = store_overturning.overturned_findings(self.store, sorted(set(stored.values())))
        kept = {}
        for i, row in stored.items():
            keys = overturning.still_there(found.get(row, []), conversations[i])
            if keys:
                kept[i] = keys
        return kept

    @staticmethod
    def _leaving_out(
        parts: Iterator[list[CardRows]],
        changed: list[int],
        kept: dict[int, set[str]],
        conversations: list[Conversation],
        analyzer: Analyzer,
    ) -> Iterator[list[CardRows]]:
        """`parts` (the scorecards of `changed`, in order) with the overturned findings of
        `kept` left out."""
        done = 0
        for part in parts:
            indexes = changed[done : done + len(part)]
            done += len(part)
            yield overturning.rescored(
                analyzer, kept, indexes, [conversations[i] for i in indexes], part
            )

    # ------------------------------------------------------------------ redaction and analysis

    def _redacted(
        self, conversations: Sequence[Conversation], analyzer: Analyzer
    ) -> list[Conversation]:
        """Redacted copies of `conversations`, customer names too with `redact_names` (on the
        analysis workers when there are enough of them: redaction is a third of an ingest's
        own work per conversation)."""
        names = self.redact_names
        if self._pooled(len(conversations)):
            bodies = self._analysis_pool(analyzer).redact(
                [c.to_json() for c in conversations], names=names
            )
            return [Conversation.model_validate_json(b) for b in bodies]
        from heard.redact import redact_conversation

        return [redact_conversation(c, names=names) for c in conversations]

    def _score_cards(
        self, conversations: list[Conversation], bodies: list[str] | None, analyzer: Analyzer
    ) -> list[CardRows]:
        """Scorecards as rows, analysed in batches of ANALYSIS_BATCH (off this process when it
        pays)."""
        return [
            card for part in self._score_parts(conversations, bodies, analyzer) for card in part
        ]

    def _score_parts(
        self,
        conversations: list[Conversation],
        bodies: list[str] | None,
        analyzer: Analyzer,
        *,
        rounds: int = 1,
    ) -> Iterator[list[CardRows]]:
        """`_score_cards` part by part, in order: on the pool every part is submitted at once
        (`rounds` parts per worker and batch) and each is yielded when it is ready, so the
        store can write the first while the workers analyse the rest; an engine streams its
        batches back as they finish."""
        starts = range(0, len(conversations), ANALYSIS_BATCH)
        engine = self._engine_for(analyzer) if len(conversations) >= PARALLEL_MIN else None
        if engine is not None:
            chunks = [conversations[i : i + ANALYSIS_BATCH] for i in starts]
            return ([card_rows(s.scorecard) for s in done] for done in engine.score(chunks))
        if self._pooled(len(conversations)):
            bodies = bodies if bodies is not None else [c.to_json() for c in conversations]
            batches = [
                (conversations[i : i + ANALYSIS_BATCH], bodies[i : i + ANALYSIS_BATCH])
                for i in starts
            ]
            futures = self._analysis_pool(analyzer).submit(batches, rounds=rounds)
            return (future.result() for future in futures)
        return iter(
            [
                [
                    card_rows(a.scorecard)
                    for i in starts
                    for a in analyzer.analyze_many(conversations[i : i + ANALYSIS_BATCH])
                ]
            ]
        )

    def _engine_for(self, analyzer: Analyzer) -> Engine | None:
        """The engine to analyse a large batch with `analyzer` on: None when there is none or
        its workers analyse otherwise (a Ray engine the service opens analyses as its default
        analyzer does, so it is opened only for that analysis)."""
        if self.engine is None and not (
            self.engine_name == "ray" and _same(self.analyzer(), analyzer)
        ):
            return None
        engine = self.start_engine()
        own = getattr(engine, "analyzer", None)
        return engine if own is not None and _same(own, analyzer) else None

    def _pooled(self, count: int) -> bool:
        """Whether `count` conversations go to the analysis pool."""
        return self.workers > 1 and count >= PARALLEL_MIN

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


def _same(one: Analyzer, other: Analyzer) -> bool:
    """Whether two analyzers analyse alike (the same one, or the same version)."""
    return one is other or analysis_version(one) == analysis_version(other)
