"""Reviews and calibration sessions in the store (SQLite and PostgreSQL): who may assign what to
whom, the rules, the answers kept as labels (redacted notes), the export, blind sessions and
their agreement figures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from heard.store import ConversationFilter, calibration, reviews
from heard.store.errors import Conflict, Forbidden, Invalid, NotFound
from heard.store.reviews import Answers
from teamdata import World, build_world, open_store


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    store = open_store(database_url)
    yield build_world(store)
    store.close()


def answers_for(world: World, review_id: int, viewer: str, verdict: str = "done") -> Answers:
    detail = reviews.get_review(world.store, world.viewer(viewer), review_id)
    return Answers(behaviours={b: verdict for b in detail.behaviours})


def test_a_lead_assigns_their_teams_conversations_to_their_teams_people(world: World) -> None:
    store, bea = world.store, world.viewer("bea")
    ann_1, ray_1 = world.conversations["ann-1"], world.conversations["ray-1"]
    names = {r.name for r in reviews.reviewers(store, bea)}
    assert names == {"Ann", "Abe", "Bea"}  # Blue's people; not Rex or Ray of Red
    done = reviews.assign(store, bea, reviewer_id=world.users["abe"], conversation_ids=[ann_1])
    assert len(done.reviews) == 1 and done.skipped == 0
    review_id = done.reviews[0]
    again = reviews.assign(store, bea, reviewer_id=world.users["abe"], conversation_ids=[ann_1])
    assert again.reviews == [] and again.skipped == 1
    own = reviews.assign(store, bea, reviewer_id=world.users["ann"], conversation_ids=[ann_1])
    assert own.reviews == [] and own.skipped == 1  # Ann handled it: not her own reviewer
    with pytest.raises(NotFound):  # Red's conversation: not Bea's to see
        reviews.assign(store, bea, reviewer_id=world.users["abe"], conversation_ids=[ray_1])
    with pytest.raises(NotFound) as refused:  # Ray is of Red
        reviews.assign(store, bea, reviewer_id=world.users["ray"], conversation_ids=[ann_1])
    assert refused.value.field == "reviewer"
    with pytest.raises(Forbidden):
        reviews.assign(
            store, world.viewer("ann"), reviewer_id=world.users["abe"], conversation_ids=[ann_1]
        )
    # who sees the review: the reviewer, Blue's lead, an admin; not Rex (Red) nor Ann
    for who in ("abe", "bea", "admin"):
        assert reviews.get_review(store, world.viewer(who), review_id).review.id == review_id
    for who in ("rex", "ann", "ray"):
        with pytest.raises(NotFound):
            reviews.get_review(store, world.viewer(who), review_id)
        assert reviews.list_reviews(store, world.viewer(who)) == []
    queue = reviews.list_reviews(store, world.viewer("abe"), reviewer_id=world.users["abe"])
    assert [r.conversation for r in queue] == ["ann-1"]
    assert queue[0].assigned_by == "Bea" and queue[0].rule == "hand"


def test_rules_choose_the_lowest_the_escalated_and_a_sample(world: World) -> None:
    store, bea, abe = world.store, world.viewer("bea"), world.users["abe"]
    every = ConversationFilter()
    lowest = reviews.choose(store, bea, rule="lowest", where=every, count=1)
    scores = {
        c.id: c.listening_score
        for c in store.list_conversations(bea, every, limit=10).items  # Blue's three
    }
    assert len(lowest) == 1 and scores[lowest[0]] == min(scores.values())  # type: ignore[type-var]
    two = reviews.choose(store, bea, rule="lowest", where=every, count=2)
    assert sorted(scores[i] for i in two) == sorted(scores.values())[:2]  # type: ignore[type-var]
    escalated = reviews.choose(store, bea, rule="escalated", where=every, count=10)
    assert set(escalated) == {world.conversations["ann-2"], world.conversations["abe-1"]}
    sample = reviews.choose(store, bea, rule="sample", where=every, count=2)
    assert len(sample) == 2 and set(sample) <= set(scores)
    # Abe's own conversation and what he has already are left out
    done = reviews.assign(store, bea, reviewer_id=abe, rule="sample", count=10)
    assert len(done.reviews) == 2  # ann-1 and ann-2; abe-1 is his own
    assert reviews.assign(store, bea, reviewer_id=abe, rule="sample", count=10).reviews == []
    with pytest.raises(Invalid):
        reviews.choose(store, bea, rule="sample", where=every, count=0)


def test_answers_are_kept_as_labels_beside_heards_and_notes_redacted(world: World) -> None:
    store = world.store
    conversation = world.conversations["ann-2"]
    review_id = reviews.assign(
        store, world.viewer("bea"), reviewer_id=world.users["abe"], conversation_ids=[conversation]
    ).reviews[0]
    abe = world.viewer("abe")
    detail = reviews.get_review(store, abe, review_id)
    assert not detail.blind and detail.scorecard is not None and detail.findings
    heard = {i.behaviour: i.verdict.value for i in detail.scorecard.checklist}
    finding = detail.findings[0]
    with pytest.raises(Invalid) as missing:
        reviews.submit(store, abe, review_id, Answers(behaviours={"empathy": "missed"}))
    assert "still need an answer" in missing.value.message
    with pytest.raises(Forbidden):  # the lead sees it but does not answer it
        reviews.submit(store, world.viewer("bea"), review_id, answers_for(world, review_id, "abe"))
    answers = Answers(
        behaviours={b: heard[b] for b in detail.behaviours} | {"empathy": "done"},
        findings={finding.key: "disagree"},
        notes={"empathy": "Said sorry; mail me at jo@example.com", finding.key: "Not dismissive"},
        note="Good call overall",
    )
    review = reviews.submit(store, abe, review_id, answers)
    assert review.status == reviews.ReviewStatus.SUBMITTED and review.note == "Good call overall"
    labels = {(lab.kind, lab.behaviour): lab for lab in review.labels}
    empathy = labels[("behaviour", "empathy")]
    assert empathy.verdict == "done" and empathy.heard == heard["empathy"]
    assert empathy.note == "Said sorry; mail me at [EMAIL]"
    judged = labels[("finding", finding.behaviour)]
    assert judged.verdict == "disagree" and judged.heard == "found"
    assert judged.finding == f"{finding.turn}:{finding.start}:{finding.end}"
    with pytest.raises(Conflict):
        reviews.submit(store, abe, review_id, answers)
    lines = list(reviews.export_labels(store, world.viewer("bea")))
    assert len(lines) == len(detail.behaviours) + 1
    found = next(line for line in lines if line["task"] == "review.finding")
    assert found["label"] == "disagree" and found["quote"] == finding.quote
    assert found["group"] == "test:ann-2" and found["text"].endswith(found["text"][-5:])
    assert found["context"].startswith("My card was charged twice")
    assert all("example.com" not in str(line) for line in lines)
    assert list(reviews.export_labels(store, world.viewer("rex"))) == []
    with pytest.raises(Forbidden):
        list(reviews.export_labels(store, world.viewer("abe")))


def test_calibration_is_blind_until_complete_then_shows_agreement(world: World) -> None:
    store, bea = world.store, world.viewer("bea")
    chosen = [world.conversations["ann-1"], world.conversations["ann-2"]]
    with pytest.raises(Invalid):
        calibration.create_session(
            store, bea, name="One", reviewer_ids=[world.users["abe"]], conversation_ids=chosen
        )
    with pytest.raises(NotFound):  # Rex cannot calibrate Blue's conversations
        calibration.create_session(
            world.store,
            world.viewer("rex"),
            name="x",
            reviewer_ids=[world.users["rex"], world.users["ray"]],
            conversation_ids=chosen,
        )
    made = calibration.create_session(
        store,
        bea,
        name="March",
        reviewer_ids=[world.users["abe"], world.users["bea"]],
        conversation_ids=chosen,
    )
    assert made.reviews == 4 and made.conversations == 2 and not made.complete
    with pytest.raises(NotFound):
        calibration.get_session(store, world.viewer("rex"), made.id)
    mine = {
        who: [
            r.id
            for r in reviews.list_reviews(store, world.viewer(who), session_id=made.id)
            if r.reviewer_id == world.users[who]
        ]
        for who in ("abe", "bea")
    }
    first = reviews.get_review(store, world.viewer("abe"), mine["abe"][0])
    assert first.blind and first.scorecard is None and first.findings == []
    # Abe answers "done" everywhere; Bea the same except "missed" for empathy on both
    for review_id in mine["abe"]:
        reviews.submit(store, world.viewer("abe"), review_id, answers_for(world, review_id, "abe"))
    after = reviews.get_review(store, world.viewer("abe"), mine["abe"][0])
    assert not after.blind and after.scorecard is not None  # heard's shown once submitted
    detail = calibration.get_session(store, world.viewer("bea"), made.id)
    assert detail.agreement is None
    assert all(r.labels == [] for r in detail.reviews)  # nobody's answers until complete
    for review_id in mine["bea"]:
        answers = answers_for(world, review_id, "bea")
        answers.behaviours["empathy"] = "missed"
        reviews.submit(store, world.viewer("bea"), review_id, answers)
    detail = calibration.get_session(store, world.viewer("abe"), made.id)
    assert detail.session.complete and detail.agreement is not None
    by = {b.behaviour: b for b in detail.agreement.behaviours}
    assert by["empathy"].percent == 0.0 and by["empathy"].conversations == 2
    assert by["acknowledgement"].percent == 100.0
    assert by["acknowledgement"].fleiss is None  # one category throughout: undefined
    behaviours = len(by)
    for row in detail.agreement.conversations:
        assert row.percent == pytest.approx(100 * (behaviours - 1) / behaviours, abs=0.001)
    assert {r.reviewer for r in detail.agreement.with_heard} == {"Abe", "Bea"}
    assert all(len(r.labels) == behaviours for r in detail.reviews)
    calibration.close_session(store, bea, made.id)
    with pytest.raises(Conflict):
        calibration.close_session(store, bea, made.id)


def test_closing_a_session_ends_it_and_refuses_late_answers(world: World) -> None:
    store, bea = world.store, world.viewer("bea")
    made = calibration.create_session(
        store,
        bea,
        name="Quick",
        reviewer_ids=[world.users["abe"], world.users["ann"]],
        conversation_ids=[world.conversations["abe-1"]],
    )
    with pytest.raises(Forbidden):
        calibration.close_session(store, world.viewer("abe"), made.id)
    closed = calibration.close_session(store, bea, made.id)
    assert closed.complete and closed.closed_at is not None
    late = reviews.list_reviews(store, world.viewer("abe"), session_id=made.id)[0]
    with pytest.raises(Conflict):
        reviews.submit(store, world.viewer("abe"), late.id, answers_for(world, late.id, "abe"))
    assert [s.id for s in calibration.list_sessions(store, world.viewer("ann"))] == [made.id]
    assert calibration.list_sessions(store, world.viewer("rex")) == []
