"""The watch WebSocket, hints and who may see what, and a restarted server that rebuilds a
live conversation from the store (SQLite and PostgreSQL, real server on loopback)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from databases import database_url
from heard.store import audit_log
from live.liveserver import Site, live_site, open_socket
from live.test_ws_feed import events
from teamdata import GOOD_TURNS

__all__ = ["database_url"]


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    with live_site(database_url) as site:
        yield site


async def _refused(site: Site, url: str, role: str | None) -> tuple[dict, int]:
    socket = await open_socket(url, site.auth(role) if role else None)
    frame = await socket.frame()
    try:
        await socket.frame()
    except ConnectionClosed as exc:
        assert exc.rcvd is not None
        return frame, exc.rcvd.code
    raise AssertionError("the socket stayed open")


def test_watchers_see_frames_and_hints_reach_the_agent_panel(site: Site) -> None:
    sent = events(GOOD_TURNS)

    async def run() -> dict:
        feed = await open_socket(site.feed_url("c-watch"), site.auth("agent"))
        await feed.until("hello")
        await feed.send(sent[0])
        await feed.until("ack", event=1)
        panel = await open_socket(site.watch_url("c-watch", since=0), site.auth("agent"))
        board = await open_socket(site.watch_url("c-watch"), site.auth("lead"))
        assert (await panel.frame())["type"] == "hello"
        assert (await panel.frame()) == {"type": "ack", "seq": 1, "event": 1, "duplicate": False}
        assert (await board.frame())["last_frame"] == 1
        refusals = {
            "other agent": await _refused(site, site.watch_url("c-watch"), "other_agent"),
            "other lead": await _refused(site, site.watch_url("c-watch"), "other_lead"),
            "nobody": await _refused(site, site.watch_url("c-watch"), None),
            "unknown": await _refused(site, site.watch_url("c-nope"), "admin"),
            "reader feeding": await _refused(site, site.feed_url("c-watch"), "reader"),
            "other agent feeding": await _refused(site, site.feed_url("c-watch"), "other_agent"),
        }
        await feed.send(sent[1])
        state = await board.until("state")
        assert state["state"]["turns"] == 1
        async with httpx.AsyncClient(base_url=site.url) as client:
            listed = await client.get("/api/v1/live", headers=site.auth("lead"))
            hidden = await client.get("/api/v1/live", headers=site.auth("other_lead"))
            sent_hint = await client.post(
                "/api/v1/live/c-watch/hints",
                json={"text": "Acknowledge the double charge first"},
                headers=site.auth("lead"),
            )
            by_agent = await client.post(
                "/api/v1/live/c-watch/hints", json={"text": "x"}, headers=site.auth("agent")
            )
            by_other_lead = await client.post(
                "/api/v1/live/c-watch/hints", json={"text": "x"}, headers=site.auth("other_lead")
            )
            one = await client.get("/api/v1/live/c-watch", headers=site.auth("agent"))
        hint = await panel.until("hint")
        feed_frames = []
        await feed.send(sent[2])
        while (frame := await feed.frame())["type"] != "state":
            feed_frames.append(frame)
        for socket in (feed, panel, board):
            await socket.close()
        return {
            "refusals": refusals,
            "listed": listed,
            "hidden": hidden,
            "hint": sent_hint,
            "by_agent": by_agent.status_code,
            "by_other_lead": by_other_lead.status_code,
            "hint_frame": hint,
            "one": one.json(),
            "feed_frames": feed_frames + feed.seen,
        }

    found = asyncio.run(run())
    codes = {k: (frame["code"], close) for k, (frame, close) in found["refusals"].items()}
    assert codes == {
        "other agent": ("forbidden", 4403),
        # another team's live ids are out of reach: answered as one that does not exist
        "other lead": ("unknown_conversation", 4404),
        "nobody": ("unauthorised", 4401),
        "unknown": ("unknown_conversation", 4404),
        "reader feeding": ("forbidden", 4403),
        "other agent feeding": ("forbidden", 4403),
    }
    assert [s["conversation_id"] for s in found["listed"].json()] == ["c-watch"]
    assert found["listed"].json()[0]["turns"] == 1
    assert found["hidden"].json() == []
    assert found["hint"].status_code == 201
    assert found["hint"].json() == {
        "id": "h1",
        "text": "Acknowledge the double charge first",
        "author": "Bea",
    }
    assert (found["by_agent"], found["by_other_lead"]) == (403, 404)
    assert found["hint_frame"]["hint"]["id"] == "h1"
    assert found["one"]["hints"][0]["id"] == "h1"
    assert [t["text"] for t in found["one"]["transcript"]] == [GOOD_TURNS[0][1]]
    assert all(f["type"] != "hint" for f in found["feed_frames"]), "the feed got a private hint"
    audit = audit_log.list_audit(site.store, site.world.viewer("admin"))
    assert {"live_start", "live_hint"} <= {a.action for a in audit}


def test_a_restarted_server_rebuilds_the_conversation_from_the_store(database_url: str) -> None:
    sent = events(GOOD_TURNS)

    async def first_half(site: Site) -> list[dict]:
        feed = await open_socket(site.feed_url("c-restart"), site.auth("agent"))
        await feed.until("hello")
        for event in sent[:4]:
            await feed.send(event)
            await feed.until("ack", event=event["seq"])
        await feed.until("state", event=4)
        await feed.close()
        return feed.seen

    async def second_half(site: Site) -> tuple[dict, list[dict]]:
        feed = await open_socket(site.feed_url("c-restart", since=0), site.auth("agent"))
        hello = await feed.until("hello")
        replayed = [await feed.frame() for _ in range(hello["last_frame"])]
        for event in sent[hello["last_event"] :]:
            await feed.send(event)
        await feed.until("ended")
        await feed.close()
        return hello, replayed + feed.seen[1 + len(replayed) :]

    with live_site(database_url) as site:
        before = asyncio.run(first_half(site))
        world = site.world
    with live_site(database_url, world=world) as again:
        other = httpx.get(
            f"{again.url}/api/v1/live/c-restart", headers=again.auth("other_agent"), timeout=60
        )
        assert other.status_code == 404
        assert "c-restart" not in again.app.state.live.conversations, "rebuilt for a stranger"
        hello, after = asyncio.run(second_half(again))
        stored = again.store.get_conversation(again.world.viewer("ann"), after[-1]["stored_id"])
    assert hello["last_event"] == 4
    numbered_before = [f for f in before if f.get("seq") is not None]
    assert hello["last_frame"] == len(numbered_before)
    assert after[: len(numbered_before)] == numbered_before, "rebuilt frames differ"
    assert [(t.role.value, t.text) for t in stored.conversation.turns] == GOOD_TURNS
