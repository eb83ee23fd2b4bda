"""Ingest on a process pool stores the same scorecards as ingest in one process."""

from __future__ import annotations

from sqlalchemy import select

from heard.demo.team import iter_conversations
from heard.ingest import PARALLEL_MIN, IngestService
from heard.ingest.pool import AnalysisPool
from heard.store import Store
from heard.store.tables import ComponentScoreRow, ConversationRow, ScorecardRow, VerdictRow
from teamdata import analyzer


def _stored(store: Store) -> dict[str, tuple]:
    """Per conversation: its body and current scorecard with components and verdicts."""
    with store.engine.connect() as connection:
        cards = {
            external_id: (body, score, card_body, detectors, card_id)
            for external_id, body, score, card_body, detectors, card_id in connection.execute(
                select(
                    ConversationRow.external_id,
                    ConversationRow.body,
                    ScorecardRow.listening_score,
                    ScorecardRow.body,
                    ScorecardRow.detectors,
                    ScorecardRow.id,
                )
                .join(ScorecardRow, ScorecardRow.conversation_id == ConversationRow.id)
                .where(ScorecardRow.current.is_(True))
            )
        }
        components = {
            (card_id, component): score
            for card_id, component, score in connection.execute(
                select(
                    ComponentScoreRow.scorecard_id,
                    ComponentScoreRow.component,
                    ComponentScoreRow.score,
                )
            )
        }
        verdicts = {
            (card_id, behaviour): (verdict, findings)
            for card_id, behaviour, verdict, findings in connection.execute(
                select(
                    VerdictRow.scorecard_id,
                    VerdictRow.behaviour,
                    VerdictRow.verdict,
                    VerdictRow.findings,
                )
            )
        }
    return {
        key: (
            body,
            score,
            card_body,
            detectors,
            sorted((c, s) for (i, c), s in components.items() if i == card_id),
            sorted((b, v) for (i, b), v in verdicts.items() if i == card_id),
        )
        for key, (body, score, card_body, detectors, card_id) in cards.items()
    }


def test_parallel_and_serial_ingest_store_identical_scorecards(database_url: str, tmp_path) -> None:
    conversations = list(iter_conversations(PARALLEL_MIN + 16, seed=3, weeks=1))
    serial = Store.open(f"sqlite:///{tmp_path / 'serial.db'}")
    parallel = Store.open(database_url)
    pooled = IngestService(parallel, analyzer=analyzer(), workers=2)
    try:
        serial_report = IngestService(serial, analyzer=analyzer()).ingest(conversations)
        parallel_report = pooled.ingest(conversations)
        assert pooled._pool is not None  # the pool did the analysis
        assert [i.status for i in parallel_report.items] == [i.status for i in serial_report.items]
        assert [i.listening_score for i in parallel_report.items] == [
            i.listening_score for i in serial_report.items
        ]
        expected = _stored(serial)
        assert len(expected) == len(conversations)
        assert any("template_reply" in card[2] for card in expected.values())
        assert _stored(parallel) == expected
        # idempotent on the pool too: nothing changed, nothing analysed or stored again
        again = pooled.ingest(conversations)
        assert {i.status.value for i in again.items} == {"unchanged"}
        assert _stored(parallel) == expected
    finally:
        pooled.close()
        serial.close()
        parallel.close()


def test_a_part_that_fails_after_others_were_written_stores_nothing(
    database_url: str, monkeypatch
) -> None:
    """On PostgreSQL the first parts' scorecards are written while later parts are analysed;
    when a later part fails the whole ingest is rolled back (SQLite analyses all first)."""
    from concurrent.futures import Future

    first = list(iter_conversations(PARALLEL_MIN, seed=4, weeks=1))
    store = Store.open(database_url)
    pooled = IngestService(store, analyzer=analyzer(), workers=2)
    try:
        pooled.ingest(first)
        before = _stored(store)
        submit = AnalysisPool.submit
        resolved: list[int] = []

        def failing(self, batches, *, rounds=1):  # type: ignore[no-untyped-def]
            futures = submit(self, batches, rounds=rounds)
            assert len(futures) >= 2
            broken: Future = Future()
            broken.set_exception(RuntimeError("worker lost"))
            resolved.append(len(futures))
            return [*futures[:-1], broken]

        monkeypatch.setattr(AnalysisPool, "submit", failing)
        later = list(iter_conversations(PARALLEL_MIN + 8, seed=5, weeks=1))
        try:
            pooled.ingest(later)
        except RuntimeError as error:
            assert "worker lost" in str(error)
        else:
            raise AssertionError("the failed part did not fail the ingest")
        assert resolved and resolved[0] == (2 if store.dialect == "sqlite" else 8)
        assert _stored(store) == before
    finally:
        pooled.close()
        store.close()


def test_two_ingests_at_once_store_what_one_after_the_other_stores(
    database_url: str, tmp_path
) -> None:
    """Two clients posting batches at once (as `heard bench store --clients 2` does) share the
    service's pool and its one database: both succeed, with the scorecards ingesting the same
    batches one after the other stores (on SQLite the second write waits for the first)."""
    from concurrent.futures import ThreadPoolExecutor

    batches = [list(iter_conversations(PARALLEL_MIN + 8, seed=seed, weeks=1)) for seed in (6, 7)]
    serial = Store.open(f"sqlite:///{tmp_path / 'serial.db'}")
    together = Store.open(database_url)
    pooled = IngestService(together, analyzer=analyzer(), workers=2)
    try:
        for batch in batches:
            IngestService(serial, analyzer=analyzer()).ingest(batch)
        pooled.warm()
        with ThreadPoolExecutor(max_workers=2) as clients:
            reports = list(clients.map(pooled.ingest, batches))
        assert pooled._pool is not None
        for report, batch in zip(reports, batches, strict=True):
            assert [i.status.value for i in report.items] == ["created"] * len(batch)
        expected = _stored(serial)
        assert len(expected) == sum(len(b) for b in batches)
        assert _stored(together) == expected
        assert together.counts()["conversations"] == len(expected)
    finally:
        pooled.close()
        serial.close()
        together.close()
