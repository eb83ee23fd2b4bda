"""Disputes, notes' quoted words and an agent's home in the store (SQLite and PostgreSQL): only
the conversation's agent raises a dispute, on a finding or score heard gave; only leads of
its team and admins decide it; everyone else sees nothing; decisions are final, audited, and
exported as labels beside the review labels."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from heard import numbers
from heard.store import audit_log, coaching_notes, disputes, reviews
from heard.store.agent_home import agent_home, behaviour_trends
from heard.store.disputes import DisputeKind, DisputeStatus
from heard.store.errors import Conflict, Forbidden, Invalid, NotFound
from teamdata import MONDAY, World, analyzer, build_world, conversation, decide, ingest, open_store


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    store = open_store(database_url)
    yield build_world(store)
    store.close()


def a_finding(world: World, name: str = "ann-2") -> disputes.Target:
    found = disputes.targets(world.store, world.viewer("ann"), world.conversations[name])
    return next(t for t in found if t.kind == DisputeKind.FINDING and t.polarity == "negative")


def test_the_agent_disputes_a_finding_and_only_they_may(world: World) -> None:
    store, ann = world.store, world.viewer("ann")
    conversation_id = world.conversations["ann-2"]
    target = a_finding(world)
    key = target.key.removeprefix("finding:")
    for who, refused in (("bea", Forbidden), ("admin", Forbidden), ("abe", NotFound)):
        with pytest.raises(refused):
            disputes.raise_dispute(
                store, world.viewer(who), conversation_id, finding=key, reason="No"
            )
    with pytest.raises(Invalid) as empty:
        disputes.raise_dispute(store, ann, conversation_id, finding=key, reason="  ")
    assert empty.value.field == "reason"
    with pytest.raises(Invalid) as long:
        disputes.raise_dispute(store, ann, conversation_id, finding=key, reason="x" * 2001)
    assert long.value.field == "reason"
    with pytest.raises(Invalid) as unknown:
        disputes.raise_dispute(store, ann, conversation_id, finding="empathy:9:0:1", reason="No")
    assert unknown.value.field == "finding"
    made = disputes.raise_dispute(
        store,
        ann,
        conversation_id,
        finding=key,
        reason="The customer asked me to be brief; mail jo@example.com",
    )
    assert made.status == DisputeStatus.OPEN and made.kind == DisputeKind.FINDING
    assert made.behaviour == target.behaviour and made.quote == target.quote
    assert made.turn == target.turn and made.heard == "found" and made.detector
    assert made.reason == "The customer asked me to be brief; mail [EMAIL]"
    assert made.agent == "Ann" and made.team == "Blue" and made.raised_by == "Ann"
    assert made.conversation == "ann-2" and made.outcome is None
    with pytest.raises(Conflict):
        disputes.raise_dispute(store, ann, conversation_id, finding=key, reason="Again")
    after = {t.key: t for t in disputes.targets(store, ann, conversation_id)}
    assert after[target.key].disputed == DisputeStatus.OPEN
    entry = audit_log.list_audit(store, world.viewer("admin"), limit=5)[0]
    assert (entry.action, entry.object_type, entry.object_id) == ("raise", "dispute", str(made.id))
    assert "redacted 1 email" in (entry.detail or "")


def test_a_score_dispute_points_at_a_turn(world: World) -> None:
    store, ann = world.store, world.viewer("ann")
    conversation_id = world.conversations["ann-1"]
    with pytest.raises(Invalid) as no_target:
        disputes.raise_dispute(store, ann, conversation_id, reason="No")
    assert no_target.value.field == "target"
    with pytest.raises(Invalid) as bad_turn:
        disputes.raise_dispute(
            store, ann, conversation_id, score="listening_score", turn=99, reason="Low"
        )
    assert bad_turn.value.field == "turn"
    score = disputes.raise_dispute(
        store, ann, conversation_id, score="listening_score", turn=3, reason="I fixed it"
    )
    assert score.kind == DisputeKind.SCORE and score.behaviour == "listening_score"
    assert score.quote and score.quote.startswith("Thanks. I've refunded")
    assert score.heard is not None and float(score.heard) >= 0
    checklist = next(
        t
        for t in disputes.targets(store, ann, conversation_id)
        if t.kind == DisputeKind.SCORE and t.behaviour != "listening_score"
    )
    verdict = disputes.raise_dispute(
        store, ann, conversation_id, score=checklist.behaviour, reason="It was needed"
    )
    assert verdict.heard == checklist.heard and verdict.quote is None and verdict.turn is None


def test_leads_of_the_team_decide_and_the_agent_sees_the_outcome(world: World) -> None:
    store = world.store
    key = a_finding(world).key.removeprefix("finding:")
    made = disputes.raise_dispute(
        store, world.viewer("ann"), world.conversations["ann-2"], finding=key, reason="Wrong"
    )
    score = disputes.raise_dispute(
        store,
        world.viewer("ann"),
        world.conversations["ann-1"],
        score="listening_score",
        reason="Too low",
    )
    # who sees them: Ann, Blue's lead, an admin; not Abe (same team), Rex (Red) or Ray
    for who in ("ann", "bea", "admin"):
        assert disputes.get_dispute(store, world.viewer(who), made.id).id == made.id
        assert {d.id for d in disputes.list_disputes(store, world.viewer(who))} == {
            made.id,
            score.id,
        }
    for who in ("abe", "rex", "ray"):
        with pytest.raises(NotFound):
            disputes.get_dispute(store, world.viewer(who), made.id)
        assert disputes.list_disputes(store, world.viewer(who)) == []
        with pytest.raises(NotFound):
            decide(store, world.viewer(who), made.id, accept=True)
    assert disputes.open_count(store, world.viewer("bea")) == 2
    assert disputes.open_count(store, world.viewer("rex")) == 0
    assert disputes.open_count(store, world.viewer("ann")) == 0  # agents wait for none
    with pytest.raises(Forbidden):  # Ann sees it but does not decide it
        decide(store, world.viewer("ann"), made.id, accept=True)
    with pytest.raises(Invalid) as no_reply:
        decide(store, world.viewer("bea"), made.id, accept=False, reply=" ")
    assert no_reply.value.field == "reply"
    rejected = disputes.decide(
        store, world.viewer("bea"), made.id, accept=False, reply="You talked over them at 0:12"
    )
    assert rejected.status == DisputeStatus.REJECTED and rejected.outcome == "upheld"
    assert rejected.decided_by == "Bea" and rejected.decided_at is not None
    with pytest.raises(Conflict):
        decide(store, world.viewer("admin"), made.id, accept=True)
    accepted = decide(store, world.viewer("admin"), score.id, accept=True)
    assert accepted.outcome == "overturned" and accepted.reply is None
    seen = {d.id: d for d in disputes.list_disputes(store, world.viewer("ann"))}
    assert seen[made.id].reply == "You talked over them at 0:12"
    assert seen[score.id].status == DisputeStatus.ACCEPTED
    assert disputes.counts(store, world.viewer("bea")) == {
        DisputeStatus.OPEN: 0,
        DisputeStatus.ACCEPTED: 1,
        DisputeStatus.REJECTED: 1,
    }
    open_only = disputes.list_disputes(store, world.viewer("bea"), status=DisputeStatus.OPEN)
    assert open_only == []
    actions = [
        (e.action, e.object_id)
        for e in audit_log.list_audit(store, world.viewer("admin"), limit=20)
        if e.object_type == "dispute"
    ]
    assert ("reject", str(made.id)) in actions and ("accept", str(score.id)) in actions
    assert ("raise", str(made.id)) in actions

    # decided disputes are labels beside the review labels
    lines = [
        line
        for line in reviews.export_labels(store, world.viewer("bea"))
        if line["task"].startswith("dispute.")
    ]
    by_task = {line["task"]: line for line in lines}
    finding = by_task["dispute.finding"]
    assert finding["label"] == "agree" and finding["outcome"] == "upheld"
    assert finding["heard"] == "found" and finding["quote"] == made.quote
    assert finding["note"] == "Wrong" and finding["reply"] == "You talked over them at 0:12"
    assert finding["group"] == "test:ann-2" and finding["id"].startswith(f"dispute-{made.id}/")
    assert by_task["dispute.score"]["label"] == "disagree"
    assert [
        line
        for line in reviews.export_labels(store, world.viewer("rex"))
        if line["task"].startswith("dispute.")
    ] == []


def test_notes_carry_the_words_they_were_made_on(world: World) -> None:
    store, bea = world.store, world.viewer("bea")
    conversation_id = world.conversations["ann-2"]
    span = coaching_notes.create_note(
        store, bea, conversation_id, text="Never say this", turn=1, span_start=0, span_end=11
    )
    turn = coaching_notes.create_note(store, bea, conversation_id, text="Whole turn", turn=3)
    whole = coaching_notes.create_note(store, bea, conversation_id, text="Overall")
    assert span.quote == "Calm down."
    assert turn.quote == "Please fill in the form on our website."
    assert whole.quote is None
    listed = {n.id: n.quote for n in coaching_notes.list_notes(store, world.viewer("ann"))}
    assert listed[span.id] == span.quote and listed[turn.id] == turn.quote


def test_an_agents_home_scorecard_over_weeks_follows_the_numbers_rules(world: World) -> None:
    store = world.store
    # five more of Ann's conversations in the week after the first, one two weeks later
    later = [
        conversation(
            f"ann-w2-{i}",
            agent="ann",
            agent_name="Ann",
            team="Blue",
            at=MONDAY + timedelta(days=7, hours=i),
            good=i % 2 == 0,
        )
        for i in range(5)
    ] + [
        conversation(
            "ann-w4", agent="ann", agent_name="Ann", team="Blue", at=MONDAY + timedelta(days=21)
        )
    ]
    ingest(store, later, analyzer=analyzer())
    ann_id = world.agents["ann"]
    trends = {t.behaviour: t for t in behaviour_trends(store, world.viewer("bea"), ann_id)}
    empathy = trends["empathy"]
    assert [w.period for w in empathy.weeks][-4:] == [
        (MONDAY + timedelta(days=7 * i)).date() for i in range(4)
    ]
    first, second, third, fourth = empathy.weeks[-4:]
    assert first.judged == 2 and first.rate is None  # too few: no figure
    assert second.judged == 5 and second.rate == pytest.approx(100 * second.done / 5, abs=0.1)
    assert third.judged == 0 and third.rate is None  # a gap, not a zero
    assert fourth.judged == 1 and fourth.rate is None
    assert empathy.judged == 8 and numbers.enough(empathy.judged) and empathy.rate is not None
    assert len(empathy.weeks) == 12
    home = agent_home(store, world.viewer("ann"), ann_id)
    assert home.agent.name == "Ann" and home.min_conversations == numbers.MIN_CONVERSATIONS
    assert len(home.recent) == 8 and home.recent[0].conversation_id == "ann-w4"
    assert [p.conversations for p in home.trend] == [2, 5, 1]
    assert agent_home(store, world.viewer("bea"), ann_id).agent.id == ann_id
    for who in ("abe", "rex"):
        with pytest.raises(NotFound):
            agent_home(store, world.viewer(who), ann_id)
    assert behaviour_trends(store, world.viewer("rex"), ann_id) == []
