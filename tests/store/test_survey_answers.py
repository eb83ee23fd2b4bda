"""The survey answers `heard calibrate --from-store` fits on: one "did you feel heard?"
answer a conversation, with the conversation as stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from heard.store import Store, surveys
from heard.store.tables import FeedbackRow
from teamdata import conversation, ingest, open_store


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = open_store(database_url)
    yield store
    store.close()


def test_each_answered_conversation_once_with_its_felt_heard_answer(store: Store) -> None:
    ids = [ingest(store, [conversation(f"c-{k}", good=k % 2 == 0)]).items[0].id for k in range(4)]
    surveys.submit_feedback(store, ids[0], csat=5, felt_heard=5)
    surveys.submit_feedback(store, ids[1], csat=1, felt_heard=None, comment="no help")  # not asked
    surveys.submit_feedback(store, ids[2], csat=2, felt_heard=2)
    surveys.submit_feedback(store, ids[2], csat=2, felt_heard=3)  # replaced within the window
    # answers from before one answer a conversation: the last of them counts
    with store._session() as session:
        for answer in (1, 4):
            session.add(
                FeedbackRow(
                    conversation_id=ids[3],
                    answer_of=None,
                    csat=None,
                    felt_heard=answer,
                    submitted_at=datetime(2026, 1, 1),
                )
            )
    answers = surveys.felt_heard_answers(store)
    assert [(c.external_id, a) for c, _, a in answers] == [("c-0", 5), ("c-2", 3), ("c-3", 4)]
    assert [t.text for t in answers[0][0].turns] == [
        t.text for t in conversation("c-0", good=True).turns
    ]
