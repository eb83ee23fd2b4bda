"""The ingest service on a real store (SQLite and PostgreSQL) with the real analyzer: it
redacts, analyses only what is new or changed, hands the store finished records, and rescores;
the store's refusals come before any analysis."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from heard.analysis import Analyzer
from heard.analysis.rubric import load_rubric
from heard.demo import iter_conversations
from heard.ingest import PARALLEL_MIN, IngestService, analysis_version, card_rows
from heard.model import Conversation
from heard.store import Invalid, Store, Viewer, audit_log, writing
from heard.store.analysed import CardStream, IngestBatch, Unanalysed
from heard.store.records import IngestStatus
from heard.store.tables import ConversationRow, ScorecardRow
from teamdata import PII_TURNS, analyzer, conversation, open_store


class CountingAnalyzer(Analyzer):
    """The real analyzer, counting the conversations it analyses."""

    def __init__(self, **options) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**options)
        self.analysed: list[str] = []

    def analyze_many(self, conversations, **options):  # type: ignore[no-untyped-def]
        self.analysed += [c.id for c in conversations]
        return super().analyze_many(conversations, **options)

    def analyze(self, conversation, **options):  # type: ignore[no-untyped-def]
        self.analysed.append(conversation.id)
        return super().analyze(conversation, **options)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = open_store(database_url)
    yield opened
    opened.close()


def current_cards(store: Store) -> dict[str, str]:
    """External id → the body of its current scorecard."""
    with store.engine.connect() as connection:
        return dict(
            connection.execute(
                select(ConversationRow.external_id, ScorecardRow.body)
                .join(ScorecardRow, ScorecardRow.conversation_id == ConversationRow.id)
                .where(ScorecardRow.current.is_(True))
            ).all()
        )


def test_ingest_redacts_then_stores_the_analysis_of_the_redacted_conversation(
    store: Store,
) -> None:
    service = IngestService(store, analyzer=analyzer())
    [item] = service.ingest([conversation("p-1", turns=PII_TURNS)]).items
    assert item.status == IngestStatus.CREATED
    detail = store.get_conversation(Viewer.system(), item.id)
    assert "4111" not in detail.conversation.to_json() and detail.summary.redacted
    expected = card_rows(analyzer().analyze(detail.conversation).scorecard)
    assert current_cards(store)["p-1"] == expected.body
    assert item.listening_score == expected.listening_score


def test_only_new_and_changed_conversations_are_analysed(store: Store) -> None:
    counting = CountingAnalyzer()
    service = IngestService(store, analyzer=counting)
    service.ingest([conversation("a"), conversation("b")])
    assert sorted(counting.analysed) == ["a", "b"]
    counting.analysed.clear()
    report = service.ingest([conversation("a"), conversation("b", good=False)])
    assert [i.status for i in report.items] == [IngestStatus.UNCHANGED, IngestStatus.UPDATED]
    assert counting.analysed == ["b"]


def test_refusals_come_before_any_analysis(store: Store) -> None:
    counting = CountingAnalyzer()
    service = IngestService(store, analyzer=counting)
    with pytest.raises(Invalid) as refused:
        service.ingest([conversation("twice"), conversation("twice", good=False)])
    assert refused.value.field == "conversations[1].external_id"
    assert counting.analysed == []
    assert store.counts()["conversations"] == 0


def test_the_store_writes_no_conversation_without_its_scorecard(store: Store) -> None:
    """`writing.write_ingest` given no scorecard for a new conversation writes nothing and
    names it."""
    batch = IngestBatch.of([conversation("x-1"), conversation("x-2")], redacted=False)
    card = card_rows(analyzer().analyze(batch.conversations[0]).scorecard)
    with pytest.raises(Unanalysed) as missing:
        writing.write_ingest(
            store, batch, CardStream([], cards={0: card}), analysis_version(analyzer())
        )
    assert missing.value.positions == [1]
    assert store.counts()["conversations"] == 0


def test_a_conversation_changed_by_another_writer_meanwhile_is_analysed_and_stored(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = IngestService(store, analyzer=analyzer())
    first = conversation("c-1")
    service.ingest([first])
    other = IngestService(store, analyzer=analyzer())
    asked = writing.to_write

    def another_writer_meanwhile(store, batch, **options):  # type: ignore[no-untyped-def]
        found = asked(store, batch, **options)  # unchanged: nothing to analyse
        monkeypatch.setattr(writing, "to_write", asked)
        other.ingest([conversation("c-1", good=False)])  # then the stored body changes
        return found

    monkeypatch.setattr(writing, "to_write", another_writer_meanwhile)
    [item] = service.ingest([first]).items
    assert item.status == IngestStatus.UPDATED  # written back, with its own analysis
    redacted = store.get_conversation(Viewer.system(), item.id).conversation
    assert current_cards(store)["c-1"] == card_rows(analyzer().analyze(redacted).scorecard).body


def test_a_rescore_leaves_a_conversation_an_ingest_changed_meanwhile_as_that_ingest_wrote_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = IngestService(store, analyzer=analyzer())
    service.ingest([conversation("s-1"), conversation("s-2")])
    read = writing.stored_bodies

    def an_ingest_meanwhile(store, ids):  # type: ignore[no-untyped-def]
        rows = read(store, ids)  # the rescore has read both bodies: now one changes
        monkeypatch.setattr(writing, "stored_bodies", read)
        service.ingest([conversation("s-2", good=False)])
        return rows

    monkeypatch.setattr(writing, "stored_bodies", an_ingest_meanwhile)
    rubric = load_rubric().model_copy(update={"version": "changed"})
    report = service.rescore(analyzer=CountingAnalyzer(rubric=rubric))
    assert (report.checked, report.rescored, report.changed) == (2, 1, 1)
    with store.engine.connect() as connection:
        body = connection.scalar(
            select(ConversationRow.body).where(ConversationRow.external_id == "s-2")
        )
    changed = Conversation.model_validate_json(body)
    assert [t.text for t in changed.turns] != [t.text for t in conversation("s-2").turns]
    # the new body's scorecard, as its ingest wrote it, not the old body's rescored one
    assert current_cards(store)["s-2"] == card_rows(analyzer().analyze(changed).scorecard).body
    with store.engine.connect() as connection:
        rubrics = dict(
            connection.execute(
                select(ConversationRow.external_id, ScorecardRow.rubric)
                .join(ScorecardRow, ScorecardRow.conversation_id == ConversationRow.id)
                .where(ScorecardRow.current.is_(True))
            ).all()
        )
    assert rubrics["s-1"].endswith("@changed") and not rubrics["s-2"].endswith("@changed")
    # the next rescore takes it up
    assert service.rescore(analyzer=CountingAnalyzer(rubric=rubric)).rescored == 1


def test_analysed_records_are_stored_as_given(store: Store) -> None:
    service = IngestService(store, analyzer=analyzer())
    [(redacted, card)] = service.analyse([conversation("given", turns=PII_TURNS)])
    counting = CountingAnalyzer()
    report = IngestService(store, analyzer=counting).ingest([redacted], analysed=[card])
    assert counting.analysed == [] and report.items[0].listening_score == card.listening_score
    assert current_cards(store)["given"] == card.body


def test_rescore_analyses_stale_scorecards_and_audits_it(store: Store) -> None:
    service = IngestService(store, analyzer=analyzer())
    service.ingest([conversation("r-1"), conversation("r-2", good=False)])
    assert service.rescore().rescored == 0
    rubric = load_rubric()
    counting = CountingAnalyzer(rubric=rubric.model_copy(update={"version": "changed"}))
    report = service.rescore(analyzer=counting)
    assert (report.checked, report.rescored) == (2, 2)
    assert sorted(counting.analysed) == ["r-1", "r-2"]
    assert service.rescore(analyzer=counting).rescored == 0
    audited = audit_log.list_audit(store, Viewer.system())
    assert [e.detail for e in audited if e.action == "rescore"] == ["2"]


@pytest.mark.slow
def test_an_engine_stores_the_scorecards_this_process_makes(
    database_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from heard.engines.local import LocalEngine

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the workers' records
    batch = list(iter_conversations(PARALLEL_MIN + 8, seed=12, weeks=1, start=date(2026, 1, 5)))
    alone = Store.open(f"sqlite:///{tmp_path / 'alone.db'}")
    engined = Store.open(database_url)
    try:
        IngestService(alone, analyzer=analyzer()).ingest(batch)
        with LocalEngine(Analyzer(), workers=1) as engine:
            service = IngestService(engined, engine=engine)
            assert service.analyzer() is engine.analyzer
            service.ingest(batch)
        assert current_cards(engined) == current_cards(alone)
    finally:
        alone.close()
        engined.close()


def test_a_changed_word_list_makes_the_analysis_another_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Detector names carry a version ("heard.concerns.v1") that a changed lexicon leaves as it
    is; the analysis version holds the digest of heard's analysis files, so `heard rescore`
    after an upgrade that changed only a word list still finds every scorecard stale."""
    from heard.ingest import cards

    for package in cards.ANALYSIS_PACKAGES:
        (tmp_path / package / "__pycache__").mkdir(parents=True)
        (tmp_path / package / "__init__.py").write_text('"""A package."""\n')
    lexicon = tmp_path / "language" / "lexicons" / "dismissive.txt"
    lexicon.parent.mkdir()
    lexicon.write_text("calm down\n")
    before = cards.files_digest(tmp_path, cards.ANALYSIS_PACKAGES)
    (tmp_path / "language" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"compiled")
    assert cards.files_digest(tmp_path, cards.ANALYSIS_PACKAGES) == before  # not compiled files
    lexicon.write_text("calm down\nrelax\n")
    changed = cards.files_digest(tmp_path, cards.ANALYSIS_PACKAGES)
    assert changed != before

    installed = analysis_version(analyzer())
    monkeypatch.setattr(cards, "analysis_code", lambda: changed)
    assert analysis_version(analyzer())[2] != installed[2]
    assert analysis_version(analyzer())[:2] == installed[:2]  # the rubric is the same
