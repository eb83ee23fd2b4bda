"""The feed WebSocket against a real server on loopback (SQLite and PostgreSQL): a whole
conversation with state frames, a dropped and resumed connection, error frames."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from databases import database_url
from heard.analysis import Analyzer
from heard.store import live_sessions
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
    # stored from the session's own analysis: what a fresh batch analysis of it gives
    fresh = Analyzer().analyze(stored.conversation).scorecard
    assert stored.scorecard.listening_score == fresh.listening_score
    assert ended["scorecard"] == fresh.model_dump(mode="json")


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
    rows = live_sessions.live_events(site.store, live_sessions.live_session(site.store, "c-pii").id)
    assert all("4111" not in r.payload and "jo@example.com" not in r.payload for r in rows)


async def _feed_all(site: Site, conversation_id: str, sent: list[dict]) -> dict:
    feed = await open_socket(site.feed_url(conversation_id), site.auth("agent"))
    await feed.until("hello")
    for event in sent:
        await feed.send(event)
    ended = await feed.until("ended")
    await feed.close()
    return ended


def test_a_dropped_connection_resumes_with_nothing_lost_or_doubled(site: Site) -> None:
    """The socket dies abruptly after event 3 was sent (its frames maybe unread); the client
    reconnects with since=<last frame seen>, resends from hello.last_event + 1 with two
    already-acknowledged events repeated, and the stored conversation equals the source."""
    sent = events(GOOD_TURNS)

    async def run() -> tuple[dict, list[dict], list[dict]]:
        feed = await open_socket(site.feed_url("c-drop"), site.auth("agent"))
        await feed.until("hello")
        for event in sent[:3]:
            await feed.send(event)
        await feed.until("ack", event=2)
        last_seen = max(f["seq"] for f in feed.seen if f.get("seq") is not None)
        feed.connection.transport.abort()  # no close handshake: the network went away
        await asyncio.sleep(0.3)
        again = await open_socket(site.feed_url("c-drop", since=last_seen), site.auth("agent"))
        hello = await again.frame()
        assert hello["type"] == "hello"
        assert hello["last_event"] == 3
        resent = [e for e in sent if e["seq"] >= hello["last_event"] - 1]
        for event in resent:
            await again.send(event)
        await again.until("ended")
        await again.close()
        return hello, feed.seen, again.seen

    hello, before, after = asyncio.run(run())
    last_seen = max(f["seq"] for f in before if f.get("seq") is not None)
    backlog = [
        f["seq"] for f in after[1:] if f.get("seq") is not None and f["seq"] <= hello["last_frame"]
    ]
    assert backlog == list(range(last_seen + 1, hello["last_frame"] + 1))
    numbered = [f["seq"] for f in before + after if f.get("seq") is not None]
    assert numbered == list(range(1, len(numbered) + 1)), "a frame was lost or sent twice"
    duplicates = [f for f in after if f["type"] == "ack" and f["duplicate"]]
    assert [f["event"] for f in duplicates] == [2, 3]
    ended = after[-1]
    stored = site.store.get_conversation(site.world.viewer("ann"), ended["stored_id"])
    assert [(t.role.value, t.text) for t in stored.conversation.turns] == GOOD_TURNS
    rows = live_sessions.live_events(
        site.store, live_sessions.live_session(site.store, "c-drop").id
    )
    assert [r.seq for r in rows] == [e["seq"] for e in sent]


def test_bad_messages_get_error_frames_and_another_session_keeps_working(site: Site) -> None:
    async def run() -> tuple[list[dict], dict]:
        other = await open_socket(site.feed_url("c-other"), site.auth("agent"))
        await other.until("hello")
        other_events = events(GOOD_TURNS)
        await other.send(other_events[0])
        await other.until("ack", event=1)

        bad = await open_socket(site.feed_url("c-bad"), site.auth("agent"))
        await bad.until("hello")
        errors = []
        await bad.send({"type": "turn", "seq": 1, "role": "customer", "text": "hi"})
        errors.append(await bad.until("error"))
        await bad.send(events(GOOD_TURNS)[0])
        await bad.until("ack", event=1)
        await bad.send("{not json")
        errors.append(await bad.until("error"))
        await bad.send({"type": "turn", "seq": 2, "role": "customer"})
        errors.append(await bad.until("error"))
        await bad.send({"type": "turn", "seq": 5, "role": "customer", "text": "hello"})
        errors.append(await bad.until("error"))
        await bad.send({"type": "turn", "seq": 1, "role": "customer", "text": "again"})
        duplicate = await bad.until("ack")
        assert duplicate["duplicate"] and duplicate["seq"] is None
        await bad.send({"type": "start", "seq": 2})
        errors.append(await bad.until("error"))
        nobody = await open_socket(site.feed_url("c-bad"))
        errors.append(await nobody.frame())
        try:
            await nobody.frame()
        except Exception as exc:  # the server closed this socket only
            assert exc.rcvd.code == 4401  # type: ignore[attr-defined]
        for event in other_events[1:]:
            await other.send(event)
        ended = await other.until("ended")
        await bad.send({"type": "turn", "seq": 2, "role": "customer", "text": "still here"})
        await bad.until("ack", event=2)
        await bad.close()
        await other.close()
        return errors, ended

    errors, ended = asyncio.run(run())
    assert [e["code"] for e in errors] == [
        "unknown_conversation",
        "bad_json",
        "bad_event",
        "out_of_order",
        "already_started",
        "unauthorised",
    ]
    assert "text" in errors[2]["message"]
    assert errors[3]["expected"] == 2 and errors[3]["event"] == 5
    assert ended["stored_id"] is not None
