"""An accepted dispute of a finding takes it out of the score (SQLite and PostgreSQL): the
conversation's scorecard is scored again without it (the same scoring as an analysis that never
found it), the finding is kept as overturned evidence, the copies and rollups behind lists,
dashboards, trends and recognition follow, a rescore keeps it out; a rejected dispute changes
nothing; deciding is audited, permission-checked and done once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from heard.analysis import Analyzer, load_rubric
from heard.ingest.cards import analysis_version
from heard.ingest.overturning import scorer
from heard.model import Verdict
from heard.store import ConversationFilter, audit_log, disputes, overturning
from heard.store.disputes import DisputeKind
from heard.store.errors import Conflict, Forbidden, NotFound
from heard.store.records import IngestStatus
from store.test_rollup import assert_rollup_matches
from teamdata import (
    BAD_TURNS,
    MONDAY,
    World,
    analyzer,
    build_world,
    conversation,
    decide,
    ingest,
    open_store,
    rescore,
)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    store = open_store(database_url)
    yield build_world(store)
    store.close()


def negative_target(world: World, name: str) -> disputes.Target:
    found = disputes.targets(world.store, world.viewer("ann"), world.conversations[name])
    return next(t for t in found if t.kind == DisputeKind.FINDING and t.polarity == "negative")


def card(world: World, name: str):
    detail = world.store.get_conversation(world.viewer("admin"), world.conversations[name])
    assert detail.scorecard is not None and detail.scorecard_info is not None
    return detail.scorecard, detail.scorecard_info


def listed_score(world: World, name: str) -> float | None:
    items = world.store.list_conversations(world.viewer("admin"), ConversationFilter()).items
    return next(i.listening_score for i in items if i.id == world.conversations[name])


def test_an_accepted_finding_no_longer_counts(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ann = world.store, world.viewer("ann")
    conversation_id = world.conversations["ann-2"]
    target = negative_target(world, "ann-2")
    key = target.key.removeprefix("finding:")
    before, before_info = card(world, "ann-2")
    assert key in {f.key for f in before.findings}
    made = disputes.raise_dispute(store, ann, conversation_id, finding=key, reason="Not so")

    # only a lead of Ann's team or an admin decides; Red's lead does not even see it
    with pytest.raises(NotFound):
        decide(store, world.viewer("rex"), made.id, accept=True)
    with pytest.raises(Forbidden):
        decide(store, ann, made.id, accept=True)
    assert card(world, "ann-2")[1].id == before_info.id  # refused: nothing scored again

    accepted = decide(store, world.viewer("bea"), made.id, accept=True)
    assert accepted.outcome == "overturned"
    after, after_info = card(world, "ann-2")
    assert after_info.id != before_info.id  # a new current scorecard; the old one is kept
    assert key not in {f.key for f in after.findings}
    assert [f.key for f in after.overturned] == [key]

    # the same scoring as an analysis whose detectors never found it
    conversation = store.get_conversation(world.viewer("admin"), conversation_id).conversation
    expected = analyzer().score_again(conversation, before.findings, overturned={key}).scorecard
    assert after.listening_score == expected.listening_score
    assert after.checklist == expected.checklist and after.components == expected.components
    same = [f for f in before.findings if f.behaviour == target.behaviour and f.key != key]
    verdict = next(i for i in after.checklist if i.behaviour == target.behaviour).verdict
    assert verdict == (Verdict.MISSED if same else Verdict.DONE)  # "avoided" once none is left
    assert after.listening_score is not None and before.listening_score is not None
    assert after.listening_score >= before.listening_score
    assert listed_score(world, "ann-2") == after.listening_score  # the list's copy follows
    assert_rollup_matches(world, monkeypatch)  # dashboards, trends, recognition follow

    # audited, once: deciding again is refused and scores nothing again
    entry = next(
        e
        for e in audit_log.list_audit(store, world.viewer("admin"), limit=20)
        if (e.action, e.object_id) == ("accept", str(made.id))
    )
    assert "scored again without the finding" in (entry.detail or "")
    with pytest.raises(Conflict):
        decide(store, world.viewer("admin"), made.id, accept=True)
    with store._writing() as session:
        score = scorer(analyzer())
        prepared = overturning.prepare(store, conversation_id, score)
        assert not overturning.apply(store, session, prepared, score, analysis_version(analyzer()))
    assert card(world, "ann-2")[1].id == after_info.id

    # a rescore under another rubric leaves the overturned finding out again
    rubric = load_rubric()
    changed = rubric.model_copy(update={"version": rubric.version + "-overturn"})
    assert rescore(store, analyzer=Analyzer(rubric=changed)).rescored == 4
    rescored, _ = card(world, "ann-2")
    assert key not in {f.key for f in rescored.findings}
    assert [f.key for f in rescored.overturned] == [key]
    assert_rollup_matches(world, monkeypatch)


def test_an_ingest_of_a_changed_conversation_keeps_out_what_it_still_says(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ann = world.store, world.viewer("ann")
    conversation_id = world.conversations["ann-2"]
    key = negative_target(world, "ann-2").key.removeprefix("finding:")
    made = disputes.raise_dispute(store, ann, conversation_id, finding=key, reason="Not so")
    decide(store, world.viewer("bea"), made.id, accept=True)
    turn = int(key.split(":")[1])
    at = MONDAY + timedelta(days=1)

    # the customer writes once more: the disputed words are still there, at the same place
    longer = [*BAD_TURNS, ("customer", "Thanks anyway, bye.")]
    sent = conversation("ann-2", agent="ann", agent_name="Ann", team="Blue", at=at, turns=longer)
    [item] = ingest(store, [sent]).items
    assert (item.id, item.status) == (conversation_id, IngestStatus.UPDATED)
    again, _ = card(world, "ann-2")
    assert key not in {f.key for f in again.findings}
    assert [f.key for f in again.overturned] == [key]
    assert_rollup_matches(world, monkeypatch)

    # the disputed turn itself changed where the finding was: it is not carried over (the
    # words it was made on are no longer at its place)
    reworded = list(longer)
    reworded[turn] = (reworded[turn][0], "I hear you. " + reworded[turn][1])
    ingest(store, [sent.model_copy(update={"turns": conversation("x", turns=reworded).turns})])
    fresh, _ = card(world, "ann-2")
    assert fresh.overturned == []


def test_a_rejected_dispute_changes_no_score(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    store = world.store
    key = negative_target(world, "ann-2").key.removeprefix("finding:")
    before, before_info = card(world, "ann-2")
    made = disputes.raise_dispute(
        store, world.viewer("ann"), world.conversations["ann-2"], finding=key, reason="Not so"
    )
    decide(store, world.viewer("admin"), made.id, accept=False, reply="It stands")
    after, after_info = card(world, "ann-2")
    assert after_info.id == before_info.id and after == before and not after.overturned
    assert_rollup_matches(world, monkeypatch)


def test_an_accepted_score_dispute_scores_nothing_again(world: World) -> None:
    """A dispute of the score itself is marked overturned; no finding is left out."""
    store = world.store
    _, before_info = card(world, "ann-1")
    made = disputes.raise_dispute(
        store,
        world.viewer("ann"),
        world.conversations["ann-1"],
        score="listening_score",
        reason="Too low",
    )
    decide(store, world.viewer("bea"), made.id, accept=True)
    assert card(world, "ann-1")[1].id == before_info.id
