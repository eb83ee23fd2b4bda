"""The live protocol takes the same values as the API (heard.model.values): a socket whose id
has a NUL or is longer than 300 characters is refused with an error frame and close 4404; an
event with a NUL, an overlong agent id or a time past the bound gets a bad_event frame and the
session goes on; a live id longer than the audit log's 64-character column still gets its
panel link (real server on loopback, SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from databases import database_url
from heard.model.values import NUL_MESSAGE
from heard.store import Viewer, audit_log
from live.liveserver import Site, live_site, open_socket

__all__ = ["database_url"]


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    with live_site(database_url) as site:
        yield site


def test_bad_ids_and_bad_events_are_refused_and_the_session_goes_on(site: Site) -> None:
    async def refused_socket(path: str) -> tuple[dict, int | None]:
        socket = await open_socket(f"{site.ws}/api/v1/live/{path}", site.auth("agent"))
        frame = await socket.until("error")
        try:
            await socket.frame(5)
        except ConnectionClosed as closed:
            return frame, closed.rcvd.code if closed.rcvd else None
        return frame, None

    async def run() -> tuple[list, list, dict]:
        sockets = [
            await refused_socket("%00"),
            await refused_socket("x" * 301),
            await refused_socket("%00/watch"),
        ]
        feed = await open_socket(site.feed_url("c-values"), site.auth("admin"))
        await feed.until("hello")
        errors = []
        for event in [
            {"type": "start", "seq": 1, "channel": "chat", "agent_id": "a" * 201},
            {"type": "start", "seq": 1, "channel": "chat", "agent_name": "Ann\x00"},
            {"type": "start", "seq": 1, "channel": "chat", "metadata": {"k": ["\x00"]}},
        ]:
            await feed.send(event)
            errors.append(await feed.until("error"))
        await feed.send({"type": "start", "seq": 1, "channel": "chat", "agent_id": "ann"})
        await feed.until("ack", event=1)
        for event in [
            {"type": "turn", "seq": 2, "role": "customer", "text": "hi\x00"},
            {"type": "partial", "seq": 2, "role": "customer", "text": "\x00", "start": 0, "end": 1},
            {"type": "turn", "seq": 2, "role": "customer", "text": "hi", "time": 2e10},
        ]:
            await feed.send(event)
            errors.append(await feed.until("error"))
        await feed.send({"type": "turn", "seq": 2, "role": "customer", "text": "hello there"})
        ack = await feed.until("ack", event=2)
        await feed.close()
        return sockets, errors, ack

    sockets, errors, ack = asyncio.run(run())
    for frame, code in sockets:
        assert (frame["code"], code) == ("unknown_conversation", 4404), (frame, code)
    assert "NUL" in sockets[0][0]["message"] and "300" in sockets[1][0]["message"]
    assert [e["code"] for e in errors] == ["bad_event"] * 6
    assert "agent_id" in errors[0]["message"] and "200" in errors[0]["message"]
    assert NUL_MESSAGE in errors[1]["message"] and NUL_MESSAGE in errors[3]["message"]
    assert "10000000000" in errors[5]["message"]
    assert ack["duplicate"] is False


def test_a_live_id_longer_than_the_audit_column_gets_its_panel_link(site: Site) -> None:
    long_id = "call-" + "x" * 295  # 300 characters: the longest a live id may be

    async def run() -> httpx.Response:
        feed = await open_socket(site.feed_url(long_id), site.auth("agent"))
        await feed.until("hello")
        await feed.send({"type": "start", "seq": 1, "channel": "chat"})
        await feed.until("ack", event=1)
        async with httpx.AsyncClient(base_url=site.url) as client:
            link = await client.post(
                f"/api/v1/live/{long_id}/panel-link", headers=site.auth("agent")
            )
            page = await client.get(link.json()["path"]) if link.status_code == 201 else None
        await feed.close()
        assert page is not None and page.status_code == 200, page
        return link

    link = asyncio.run(run())
    assert link.status_code == 201, link.text
    [entry] = [
        e
        for e in audit_log.list_audit(site.store, Viewer.system(), limit=50)
        if e.action == "panel_link"
    ]
    digest = hashlib.sha256(long_id.encode()).hexdigest()[:16]
    assert entry.object_id is not None and len(entry.object_id) == 64
    assert entry.object_id == f"{long_id[:47]}~{digest}"
