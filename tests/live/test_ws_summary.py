"""The end-of-conversation summary over real sockets (SQLite and PostgreSQL): right after
`ended` every listener gets a `summary` frame built from the stored scorecard — the score, two
things done well by their rubric labels, the top tip, redacted — linking the stored
conversation for whoever may open it, and again on a resume after the end."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from databases import database_url
from heard.analysis.rubric import load_rubric
from live.liveserver import Site, live_site, open_socket

__all__ = ["database_url"]

TURNS = [
    ("customer", "Hi, I was charged twice and I'm really upset about it."),
    ("agent", "I'm so sorry, that sounds really frustrating. Could you tell me more?"),
    ("customer", "Please refund to my card 4111 1111 1111 1111, email jo.pii@example.com."),
    ("agent", "Thanks. Is there anything else?"),
]
"""Done well: empathy and a closing check; the tip is the refund request left unanswered,
which quotes the customer's card number and email."""
RAW = ("4111", "jo.pii", "example.com")


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    with live_site(database_url) as site:
        yield site


def events() -> list[dict]:
    found: list[dict] = [{"type": "start", "seq": 1, "channel": "chat", "agent_id": "ann"}]
    for i, (role, text) in enumerate(TURNS):
        found.append({"type": "turn", "seq": i + 2, "role": role, "text": text})
    found.append({"type": "end", "seq": len(TURNS) + 2})
    return found


def test_the_summary_follows_ended_small_redacted_and_linked(site: Site) -> None:
    async def run() -> dict[str, list[dict]]:
        feed = await open_socket(site.feed_url("c-summary"), site.auth("agent"))
        await feed.until("hello")
        sent = events()
        await feed.send(sent[0])
        await feed.until("ack", event=1)
        panel = await open_socket(site.watch_url("c-summary"), site.auth("agent"))
        lead = await open_socket(site.watch_url("c-summary"), site.auth("lead"))
        for socket in (panel, lead):
            await socket.until("hello")
        for event in sent[1:]:
            await feed.send(event)
            await feed.until("ack", event=event["seq"])
        for socket in (feed, panel, lead):
            await socket.until("ended")
            await socket.frame()  # the next frame: the summary
        # a panel that comes back after the end with the frame it last saw gets it again
        ended_at = panel.seen[-2]["seq"]
        again = await open_socket(site.watch_url("c-summary", since=ended_at), site.auth("agent"))
        await again.until("hello")
        await again.frame()
        for socket in (feed, panel, lead, again):
            await socket.close()
        return {"feed": feed.seen, "panel": panel.seen, "lead": lead.seen, "again": again.seen}

    seen = asyncio.run(run())
    ended = seen["feed"][-2]
    summary = seen["feed"][-1]
    assert ended["type"] == "ended"
    assert summary["type"] == "summary"
    assert (summary["seq"], summary["event"]) == (ended["seq"] + 1, ended["event"])
    for who in ("panel", "lead", "again"):
        assert seen[who][-1] == summary, who  # the agent and their lead may open it: linked

    stored = site.store.get_conversation(site.world.viewer("ann"), ended["stored_id"]).scorecard
    assert stored is not None
    top = stored.tips[0]
    assert summary["summary"] == {
        "listening_score": stored.listening_score,
        "went_well": ["Shows empathy or validates", "Checks the problem is solved"],
        "tip": {"message": top.message, "suggestion": top.suggestion},
        "stored_id": ended["stored_id"],
    }
    labels = {b.label for b in load_rubric().behaviours.values()}
    assert set(summary["summary"]["went_well"]) <= labels  # names people read, never ids
    # the tip quotes the customer's request: redacted, as it was stored
    assert "[CARD]" in top.message and "[EMAIL]" in top.message
    assert top.behaviour == "unaddressed_concern"
    # small: a few hundred characters, not the scorecard the ended frame carries
    assert len(json.dumps(summary)) < 1000 < len(json.dumps(ended))
    for frames in seen.values():
        for frame in frames:
            text = json.dumps(frame)
            assert not [r for r in RAW if r in text], frame
