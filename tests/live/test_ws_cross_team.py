"""Live conversations across teams (issue 18, defect 1 on the live feed): a live id holds within
its team, so another team's live conversation of the same id is neither reached nor revealed.
An agent of Red opening the feed of an id that Blue has live gets exactly what an unused id
gives, starts a conversation of his own, and Blue's goes on untouched; a lead of Red watching
it is told it does not exist, as for an id nobody uses; a live conversation ended under the id
of another team's stored conversation is stored in the agent's team, never over it. Real
server on loopback, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from databases import database_url
from heard.store import Scope, Viewer, api_tokens, live_sessions
from live.liveserver import Site, Socket, live_site, open_socket
from teamdata import GOOD_TURNS, conversation, ingest

__all__ = ["database_url"]


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    with live_site(database_url) as site:
        _, site.tokens["red_agent"] = api_tokens.create_token(
            site.store, site.world.users["ray"], scopes=[Scope.READ, Scope.WRITE], name="ray"
        )
        yield site


async def feed_of(site: Site, role: str, key: str) -> tuple[Socket, dict]:
    socket = await open_socket(site.feed_url(key), site.auth(role))
    return socket, await socket.until("hello")


async def start(socket: Socket, turns: int = 1) -> None:
    await socket.send({"type": "start", "seq": 1, "channel": "chat"})
    await socket.until("ack", event=1)
    for seq in range(2, turns + 2):
        role, text = GOOD_TURNS[(seq - 2) % len(GOOD_TURNS)]
        await socket.send({"type": "turn", "seq": seq, "role": role, "text": text})
        await socket.until("ack", event=seq)


async def refusal_of_watch(site: Site, role: str, key: str) -> tuple[str, int]:
    socket = await open_socket(site.watch_url(key), site.auth(role))
    frame = await socket.until("error")
    await asyncio.wait_for(socket.connection.wait_closed(), 10)
    return frame["code"], socket.connection.close_code or 0


def test_another_teams_live_id_is_answered_as_a_missing_one(site: Site) -> None:
    async def run() -> dict:
        ann, _ = await feed_of(site, "agent", "shared-1")
        await start(ann, turns=3)
        found: dict = {}
        # Ray (Red) on Blue's id and on an id nobody uses: the same hello, the same start
        for key in ("shared-1", "fresh-1"):
            ray, hello = await feed_of(site, "red_agent", key)
            found[key] = {"hello": hello}
            await start(ray, turns=1)
            await ray.send({"type": "end", "seq": 3})
            ended = await ray.until("ended")
            found[key]["stored"] = ended["stored_id"]
            await ray.close()
        # Blue's conversation went on untouched: its next event is 5, as before
        await ann.send({"type": "turn", "seq": 5, "role": "customer", "text": "Still there?"})
        found["ann_next"] = await ann.until("ack", event=5)
        await ann.close()
        return found

    found = asyncio.run(run())
    for key in ("shared-1", "fresh-1"):
        hello = found[key]["hello"]
        assert (hello["last_event"], hello["last_frame"]) == (0, 0), key
    assert found["ann_next"]["duplicate"] is False
    blue = site.world.teams["Blue"]
    red = site.world.teams["Red"]
    (anns,) = live_sessions.live_sessions(site.store, "shared-1", scopes=[blue])
    (rays,) = live_sessions.live_sessions(site.store, "shared-1", scopes=[red])
    assert (anns.status, anns.last_event, anns.agent_id) == ("live", 5, site.world.agents["ann"])
    assert (rays.status, rays.agent_id) == ("ended", site.world.agents["ray"])
    stored = site.store.get_conversation(Viewer.system(), found["shared-1"]["stored"])
    assert stored.summary.team_id == red


def test_watching_another_teams_live_id_is_answered_as_a_missing_one(site: Site) -> None:
    async def run() -> dict:
        ann, _ = await feed_of(site, "agent", "watched-1")
        await start(ann, turns=2)
        found = {
            key: await refusal_of_watch(site, "other_lead", key)
            for key in ("watched-1", "nobody-1")
        }
        bea = await open_socket(site.watch_url("watched-1"), site.auth("lead"))
        found["bea"] = await bea.until("hello")
        await bea.close()
        await ann.close()
        return found

    found = asyncio.run(run())
    assert found["watched-1"] == found["nobody-1"] == ("unknown_conversation", 4404)
    assert found["bea"]["last_event"] == 3
    for role in ("other_lead", "other_agent"):
        answers = [asyncio.run(_rest(site, role, key)) for key in ("watched-1", "nobody-1")]
        assert answers[0] == answers[1] == (404, {"code": "not_found", "field": "conversation_id"})


async def _rest(site: Site, role: str, key: str) -> tuple[int, dict]:
    async with httpx.AsyncClient(base_url=site.url, headers=site.auth(role)) as client:
        answer = await client.get(f"/api/v1/live/{key}")
        body = answer.json()
        error = body.get("error", {})
        return answer.status_code, {"code": error.get("code"), "field": error.get("field")}


def test_a_live_conversation_never_replaces_another_teams_stored_one(site: Site) -> None:
    """Red's conversation stored from the live source under id taken-1; Ann (Blue) feeds and
    ends a live conversation of that id: hers is stored in Blue, Red's is unchanged."""
    report = ingest(
        site.store,
        [conversation("taken-1", agent="ray", team="Red", source="live")],
        viewer=Viewer.system(),
    )
    (red_item,) = report.items
    before = site.store.get_conversation(Viewer.system(), red_item.id)

    async def run() -> dict:
        ann, _ = await feed_of(site, "agent", "taken-1")
        await start(ann, turns=2)
        await ann.send({"type": "end", "seq": 4})
        ended = await ann.until("ended")
        await ann.close()
        return ended

    ended = asyncio.run(run())
    assert ended["stored_id"] != red_item.id
    after = site.store.get_conversation(Viewer.system(), red_item.id)
    assert after.conversation == before.conversation
    assert after.summary.team_id == site.world.teams["Red"]
    hers = site.store.get_conversation(Viewer.system(), ended["stored_id"])
    assert hers.summary.team_id == site.world.teams["Blue"]
    assert hers.summary.agent_id == site.world.agents["ann"]
