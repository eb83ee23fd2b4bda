"""Live conversations keep no personal data: the start event's names and metadata, turns,
partials and hints are redacted before they are stored or sent, and the customer's name is
still found in the turns after a restart (real server on loopback, SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

import httpx

from databases import database_url
from heard.analysis import Analyzer
from heard.store import audit_log, live_sessions
from live.liveserver import Site, live_site, open_socket

__all__ = ["database_url"]

RAW = ("jane", "collins", "4111", "jo.pii", "555-0132", "5550132")


def _raw(text: str) -> list[str]:
    return [r for r in RAW if r in text.lower()]


FIRST = [
    {
        "type": "start",
        "seq": 1,
        "channel": "chat",
        "agent_id": "ann",
        "agent_name": "Ann (415) 555-0132",
        "customer_name": "Jane Collins",
        "metadata": {"crm": {"jo.pii@example.com": {"card": 4111111111111111}}, "who": "Jane"},
    },
    {
        "type": "turn",
        "seq": 2,
        "role": "customer",
        "text": "Hi, Jane Collins here, I'm upset: card 4111 1111 1111 1111 was charged twice.",
    },
    {
        "type": "partial",
        "seq": 3,
        "role": "agent",
        "text": "Jane, call (415) 555-0132",
        "start": 1,
        "end": 2,
    },
    {
        "type": "turn",
        "seq": 4,
        "role": "agent",
        "text": "I'm so sorry, Jane. I'll mail jo.pii@example.com the refund details now.",
    },
]
SECOND = [
    {
        "type": "turn",
        "seq": 5,
        "role": "customer",
        "text": "Thanks. Jane's husband is on (415) 555-0132 too.",
    },
    {"type": "turn", "seq": 6, "role": "agent", "text": "Noted, Mrs. Collins. Anything else?"},
    {"type": "end", "seq": 7},
]


async def _feed(site: Site, sent: list[dict], *, since: int | None = None) -> list[dict]:
    params = {"since": since} if since is not None else {}
    feed = await open_socket(site.feed_url("c-pii-names", **params), site.auth("agent"))
    await feed.until("hello")
    for event in sent:
        await feed.send(event)
        await feed.until("ack", event=event["seq"])
    if sent[-1]["type"] == "end":
        await feed.until("ended")
    await feed.close()
    return feed.seen


def test_names_and_personal_data_never_reach_the_live_tables(database_url: str) -> None:
    with live_site(database_url) as site:
        frames = asyncio.run(_feed(site, FIRST))
        hint = httpx.post(
            f"{site.url}/api/v1/live/c-pii-names/hints",
            json={"text": "Ask Jane Collins to confirm jo.pii@example.com"},
            headers=site.auth("lead"),
        )
        assert hint.status_code == 201, hint.text
        assert hint.json()["text"] == "Ask [FIRST_NAME] [LAST_NAME] to confirm [EMAIL]"
        world = site.world
    with live_site(database_url, world=world) as again:  # a restart: the name is not kept
        frames += asyncio.run(_feed(again, SECOND, since=0))
        record = live_sessions.live_session(again.store, "c-pii-names")
        assert record is not None
        stored_events = live_sessions.live_events(again.store, record.id)
        ended = next(f for f in frames if f["type"] == "ended")
        stored = again.store.get_conversation(world.viewer("ann"), ended["stored_id"])
        audit = audit_log.list_audit(again.store, world.viewer("admin"))
    for event in stored_events:
        assert not _raw(event.payload), event.payload
    assert "name_digests" in stored_events[0].payload
    for frame in frames:
        assert not _raw(str(frame)), frame
    body = stored.conversation.to_json()
    assert not _raw(body), body
    texts = [t.text for t in stored.conversation.turns]
    assert texts[-2] == "Thanks. [FIRST_NAME]'s husband is on [PHONE] too."
    assert texts[-1] == "Noted, Mrs. [LAST_NAME]. Anything else?"
    assert stored.conversation.customer is not None
    assert stored.conversation.customer.name == "[FIRST_NAME] [LAST_NAME]"
    assert stored.summary.redacted
    assert stored.scorecard is not None
    verdicts = {i.behaviour: i.verdict.value for i in stored.scorecard.checklist}
    assert verdicts["uses_name"] == "done"
    assert stored.scorecard == Analyzer().analyze(stored.conversation).scorecard
    hints = [a.detail for a in audit if a.action == "live_hint"]
    assert hints == ["redacted 1 email, 1 first_name, 1 last_name"]
