"""One large live turn no longer freezes everything (issue 18, defect 9): a 15 MB message and
a turn one character over the limit are refused with an error frame naming the field, size,
limit and setting, nothing is stored, the session goes on, and another conversation's events
are acknowledged promptly meanwhile; a turn of the largest allowed size is analysed off the
event loop. Real server on loopback, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest

from databases import database_url
from heard.store import Store, live_sessions
from live.liveserver import Site, Socket, live_site, open_socket
from teamdata import GOOD_TURNS

__all__ = ["database_url"]

STALL_BOUND = 2.0
"""Seconds another conversation's ack may take while the large messages go in: generous for
a busy shared 2-core machine (seen up to 0.55 s at a load average of 10; 0.1–0.25 s on a
quieter one); before the limit one 15 MB turn held the loop for 12.4 s."""


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    with live_site(database_url) as site:
        yield site


def stored_events(store: Store, conversation_id: str) -> list[int]:
    record = live_sessions.live_session(store, conversation_id)
    assert record is not None
    return [e.seq for e in live_sessions.live_events(store, record.id) if e.seq is not None]


async def other_conversation(site: Site, stop: asyncio.Event, acks: list[float]) -> None:
    """Abe's conversation, one short turn at a time, each ack's latency kept, until `stop`."""
    feed = await open_socket(site.feed_url("c-other"), site.auth("other_agent"))
    await feed.until("hello")
    await feed.send({"type": "start", "seq": 1, "channel": "chat"})
    await feed.until("ack", event=1)
    seq = 2
    while not stop.is_set():
        role, text = GOOD_TURNS[seq % len(GOOD_TURNS)]
        began = time.perf_counter()
        await feed.send({"type": "turn", "seq": seq, "role": role, "text": text})
        await feed.until("ack", event=seq)
        acks.append(time.perf_counter() - began)
        seq += 1
        await asyncio.sleep(0.02)
    await feed.close()


async def refusal(feed: Socket) -> dict:
    frame = await feed.until("error")
    assert frame["code"] == "too_large", frame
    return frame


def test_oversized_turns_are_refused_and_other_sessions_keep_their_pace(site: Site) -> None:
    sentence = "I was charged twice for my order and nobody has answered my emails. "
    largest = (sentence * 400)[:20_000]

    async def run() -> dict:
        stop, acks = asyncio.Event(), []
        other = asyncio.create_task(other_conversation(site, stop, acks))
        feed = await open_socket(site.feed_url("c-large"), site.auth("agent"))
        await feed.until("hello")
        await feed.send({"type": "start", "seq": 1, "channel": "chat"})
        await feed.until("ack", event=1)
        await feed.send({"type": "turn", "seq": 2, "role": "customer", "text": GOOD_TURNS[0][1]})
        await feed.until("ack", event=2)
        while len(acks) < 3:
            await asyncio.sleep(0.05)
        before = len(acks)
        found: dict = {}
        huge = {"type": "turn", "seq": 3, "role": "customer", "text": "x" * 15_000_000}
        await feed.send(await asyncio.to_thread(json.dumps, huge))  # the client's loop: free
        found["huge"] = await refusal(feed)
        over = {"type": "turn", "seq": 3, "role": "customer", "text": "y" * 20_001}
        await feed.send(over)
        found["over"] = await refusal(feed)
        partial = {"type": "partial", "seq": 3, "role": "customer", "start": 0, "end": 1}
        await feed.send({**partial, "text": "z" * 20_001})
        found["partial"] = await refusal(feed)
        found["stored_after_refusals"] = stored_events(site.store, "c-large")
        await feed.send({"type": "turn", "seq": 3, "role": "customer", "text": largest})
        found["largest"] = await feed.until("ack", event=3)
        await feed.send({"type": "turn", "seq": 4, "role": "agent", "text": GOOD_TURNS[1][1]})
        found["after"] = await feed.until("ack", event=4)
        during = len(acks) - before
        stop.set()
        await other
        await feed.close()
        found["acks"], found["during"] = acks, during
        return found

    found = asyncio.run(run())
    assert found["huge"]["message"].startswith(
        "the message: 15,000,058 characters, more than the limit of 1,048,576 "
        "(setting live_max_message_bytes, HEARD_LIVE_MAX_MESSAGE_BYTES)"
    )
    assert (found["huge"]["event"], found["huge"]["expected"]) == (None, 3)
    assert found["over"]["message"].startswith(
        "turn.text: 20,001 characters, more than the limit of 20,000 "
        "(setting live_max_turn_chars, HEARD_LIVE_MAX_TURN_CHARS)"
    )
    assert (found["over"]["event"], found["over"]["expected"]) == (3, 3)
    assert found["partial"]["message"].startswith("partial.text: 20,001 characters")
    assert found["stored_after_refusals"] == [1, 2]
    assert found["largest"]["duplicate"] is False and found["after"]["event"] == 4
    assert stored_events(site.store, "c-large") == [1, 2, 3, 4]
    assert found["during"] >= 1, "the other conversation made no progress meanwhile"
    assert max(found["acks"]) < STALL_BOUND, sorted(found["acks"])[-5:]
