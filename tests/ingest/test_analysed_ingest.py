"""Storing conversations analysed beforehand (IngestService.analyse, ingest(analysed=…)): the bench
seed's copies carry their template's scorecard, which is the copy's own analysis."""

from __future__ import annotations

import pytest

from heard.bench.storing import seed_copy
from heard.ingest import card_rows
from heard.store import Invalid, Store, Viewer
from heard.store.records import IngestStatus
from teamdata import PII_TURNS, analyse, analyzer, conversation, ingest, open_store


@pytest.fixture
def store(database_url: str):
    opened = open_store(database_url)
    yield opened
    opened.close()


def test_analysed_copies_store_their_own_analysis(store: Store) -> None:
    original = conversation("seed-1", turns=PII_TURNS)
    [(redacted, card)] = analyse(store, [original])
    assert redacted.to_json() != original.to_json()  # redacted before analysis
    copies = [seed_copy(redacted, i) for i in range(3)]
    assert len({c.external_id for c in copies}) == 3
    for copy in copies:  # the card is what analysing the copy itself gives
        assert card_rows(analyzer().analyze(copy).scorecard) == card
    report = ingest(store, copies, analysed=[card] * 3)
    assert [i.status for i in report.items] == [IngestStatus.CREATED] * 3
    assert {i.listening_score for i in report.items} == {card.listening_score}
    detail = store.get_conversation(Viewer.system(), report.items[2].id)
    assert detail.conversation.to_json() == copies[2].to_json()  # stored as given
    assert (
        detail.scorecard is not None
        and detail.scorecard.model_dump_json(exclude_defaults=True) == card.body
    )
    with pytest.raises(Invalid, match="2 scorecards for 1 conversations"):
        ingest(store, [conversation("seed-2")], analysed=[card, card])
