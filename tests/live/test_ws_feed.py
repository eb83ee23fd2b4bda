"""The feed WebSocket against a real server on loopback (SQLite and PostgreSQL): a whole
conversation with state frames, a dropped and resumed connection, error frames."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from databases import database_url
from live.liveserver import Site, live_site, open_socket
from teamdata import GOOD_TURNS, PII_TURNS

__all__ = ["database_url"]


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    with live_site(database_url) as site:
        yield site


def events(turns: list[tuple[str, str]], *, agent: str | None = "ann") -> list[dict]:
    found: list[dict] = [{"type": "start", "seq": 1, "channel": "chat", "agent_id": agent}]
    for i, (role, text) in enumerate(turns):
        found.append({"type": "turn", "seq": i + 2, "role": role, "text": text, "time": 5.0 * i})
    found.append({"type": "end", "seq": len(turns) + 2})
    return found


def test_a_whole_conversation_gives_acks_states_and_a_stored_scorecard(site: Site) -> None:
    async def run() -> list[dict]:
        feed = await open_socket(site.feed_url("c-whole"), site.auth("agent"))
        hello = await feed.frame()
        assert hello == {
            "type": "hello",
            "seq": None,
            "conversation_id": "c-whole",
            "last_event": 0,
            "last_frame": 0,
        }
        for event in events(GOOD_TURNS):
            await feed.send(event)
            ack = await feed.until("ack")
            assert ack["event"] == event["seq"] and not ack["duplicate"]
            if event["type"] == "turn":
                state = await feed.until("state")
                assert state["event"] == event["seq"]
                assert state["state"]["turns"] == event["seq"] - 1
        ended = await feed.until("ended")
        await feed.close()
        return [*feed.seen, ended]

    frames = asyncio.run(run())
    ended = frames[-1]
    assert ended["scorecard"]["listening_score"] is not None
    numbers = [f["seq"] for f in frames[1:-1]]
    assert numbers == sorted(numbers) and numbers[0] == 1
    stored = site.store.get_conversation(site.world.viewer("ann"), ended["stored_id"])
    assert [t.text for t in stored.conversation.turns] == [t for _, t in GOOD_TURNS]
    assert stored.conversation.source == "live"
    assert stored.conversation.external_id == "c-whole"
    assert stored.scorecard is not None


def test_turn_text_is_redacted_before_it_is_sent_or_stored(site: Site) -> None:
    async def run() -> dict:
        feed = await open_socket(site.feed_url("c-pii"), site.auth("agent"))
        watch = None
        for event in events(PII_TURNS):
            await feed.send(event)
            await feed.until("ack", event=event["seq"])
            if watch is None:
                watch = await open_socket(site.watch_url("c-pii"), site.auth("lead"))
                await watch.until("hello")
        turn = await watch.until("state")
        ended = await feed.until("ended")
        await feed.close()
        await watch.close()
        return {"state": turn, "ended": ended}

    found = asyncio.run(run())
    stored = site.store.get_conversation(site.world.viewer("bea"), found["ended"]["stored_id"])
    text = stored.conversation.turns[0].text
    assert "4111" not in text and "jo@example.com" not in text
    assert "[CARD]" in text and "[EMAIL]" in text
    rows = site.store.live_events(site.store.live_session("c-pii").id)
    assert all("4111" not in r.payload and "jo@example.com" not in r.payload for r in rows)
