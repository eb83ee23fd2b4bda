"""The end-of-conversation summary's parts without a network: what went well (positive
behaviours done, by label, a name used never among them, two components when it can), the
tip's redaction, and which listener's summary links the stored conversation (the hub on a
real store)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from heard.analysis import Analyzer
from heard.ingest import IngestService
from heard.live.conversations import Subscriber
from heard.live.events import EndSummary, SummaryTip
from heard.live.hub import LiveHub
from heard.live.redaction import LiveRedaction
from heard.live.summary import end_summary, went_well
from heard.model import Conversation, Verdict
from heard.redact import CustomerName
from heard.store import Viewer
from teamdata import build_world, open_store


def scorecard(turns: list[tuple[str, str]], analyzer: Analyzer, *, customer: str | None = None):
    data: dict = {
        "id": "c",
        "channel": "chat",
        "turns": [{"index": i, "role": r, "text": t} for i, (r, t) in enumerate(turns)],
    }
    if customer:
        data["customer"] = {"name": customer}
    return analyzer.analyze(Conversation.model_validate(data)).scorecard


KIND = [
    ("customer", "Hi, this is Maria. I was charged twice and I'm really upset about it."),
    ("agent", "I'm so sorry, Maria, that sounds really frustrating. Could you tell me more?"),
    ("customer", "It was order 5521, the refund never came."),
    ("agent", "Thanks, Maria. I've refunded order 5521 now. Is there anything else?"),
]


def test_went_well_names_positive_behaviours_done_never_a_name_used(analyzer: Analyzer) -> None:
    card = scorecard(KIND, analyzer, customer="Maria")
    verdicts = {i.behaviour: i.verdict for i in card.checklist}
    assert verdicts["uses_name"] == Verdict.DONE  # done, and still no thing to celebrate
    rubric = analyzer.rubric
    found = went_well(card, rubric)
    assert len(found) == 2
    by_label = {b.label: (name, b) for name, b in rubric.behaviours.items()}
    names = [by_label[label][0] for label in found]
    assert "uses_name" not in names
    for name in names:
        assert verdicts[name] == Verdict.DONE and rubric.behaviours[name].polarity == "positive"
    first, second = (by_label[label][1] for label in found)
    assert first.component != second.component  # two kinds of thing, when there are two
    done = [
        b
        for name, b in rubric.behaviours.items()
        if verdicts.get(name) == Verdict.DONE and b.polarity == "positive" and name != "uses_name"
    ]
    assert first.rank == max(b.rank for b in done)

    hello = [("customer", "Hi, this is Maria, my parcel is late."), ("agent", "Hello Maria.")]
    named = scorecard(hello, analyzer, customer="Maria")
    done = [i.behaviour for i in named.checklist if i.verdict == Verdict.DONE]
    assert "uses_name" in done and went_well(named, rubric) == []  # the name alone: nothing


def test_nothing_went_well_when_nothing_positive_was_done(analyzer: Analyzer) -> None:
    rude = [
        ("customer", "My card was charged twice and I'm really upset about it."),
        ("agent", "Calm down. There is nothing we can do."),
    ]
    card = scorecard(rude, analyzer)
    assert went_well(card, analyzer.rubric) == []  # avoided negatives are no things done well
    summary = end_summary(card, analyzer.rubric, stored_id=7)
    assert summary.tip is not None and summary.tip.message == card.tips[0].message
    assert summary.stored_id == 7 and summary.unlinked().stored_id is None


def test_the_tip_is_redacted_again_before_it_is_sent() -> None:
    summary = EndSummary(
        listening_score=50.0,
        went_well=["Reassures"],
        tip=SummaryTip(
            message="Answer Maria Lopez at jo.pii@example.com",
            suggestion="Confirm card 4111 1111 1111 1111",
        ),
        stored_id=3,
    )
    name = CustomerName.parse("Maria Lopez")
    sent = LiveRedaction(enabled=True, names=True, key=b"k" * 32).summary(summary, name)
    assert sent.tip == SummaryTip(
        message="Answer [FIRST_NAME] [LAST_NAME] at [EMAIL]", suggestion="Confirm card [CARD]"
    )
    assert sent.went_well == summary.went_well and sent.stored_id == 3
    off = LiveRedaction(enabled=False, names=False, key=b"k" * 32)
    assert off.summary(summary, name) == summary


@pytest.fixture
def hub(tmp_path: Path):
    store = open_store(f"sqlite:///{tmp_path / 'heard.db'}")
    world = build_world(store)
    yield LiveHub(store, IngestService(store)), world
    store.close()


def test_only_listeners_who_may_open_the_stored_conversation_get_its_id(hub) -> None:
    """The agent, their lead and an admin get the stored conversation's id; another agent,
    another team's lead and a listener nobody vouches for get null, in the frame sent, in a
    resume after the end and on the panel's first paint."""
    live_hub, world = hub
    viewers: dict[str, Viewer | None] = {
        who: world.viewer(who) for who in ("ann", "bea", "admin", "abe", "rex")
    }
    viewers["nobody"] = None
    ann = viewers["ann"]
    assert ann is not None
    turns = [
        {"type": "start", "seq": 1, "channel": "chat", "agent_id": "ann"},
        {"type": "turn", "seq": 2, "role": "customer", "text": KIND[0][1]},
        {"type": "turn", "seq": 3, "role": "agent", "text": KIND[1][1]},
        {"type": "end", "seq": 4},
    ]

    async def run():
        own = Subscriber(watch=False, viewer=ann)
        await live_hub.feed("c-link", json.dumps(turns[0]), ann, own)
        live = live_hub.in_memory("c-link")[0]
        listening = {who: Subscriber(watch=True, viewer=v) for who, v in viewers.items()}
        live.subscribers.update(listening.values())
        for event in turns[1:]:
            await live_hub.feed("c-link", json.dumps(event), ann, own)
        last = {}
        for who, subscriber in listening.items():
            while not subscriber.queue.empty():
                last[who] = json.loads(subscriber.queue.get_nowait())
        return live, last

    live, last = asyncio.run(run())
    stored_id = live.stored_id
    assert stored_id is not None
    opens = {"ann": True, "bea": True, "admin": True, "abe": False, "rex": False, "nobody": False}
    for who, may in opens.items():
        frame = last[who]
        assert frame["type"] == "summary", who
        assert frame["summary"]["stored_id"] == (stored_id if may else None), who
        assert frame["summary"]["went_well"], who  # the rest is the same for everyone
        resumed = json.loads(live.since(frame["seq"] - 1, watch=True, viewer=viewers[who])[0])
        assert resumed == frame, who
        shown = live.summary_for(viewers[who])
        assert shown is not None and shown.stored_id == (stored_id if may else None), who
