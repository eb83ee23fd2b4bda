"""Signed agent-panel keys: a panel framed by another site gets no session cookie, so a key
from `POST /api/v1/live/{id}/panel-link` opens that one conversation's panel, watch stream,
state and the reply checker, read only (real server on loopback, SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from itsdangerous import TimestampSigner
from websockets.exceptions import ConnectionClosed

from databases import database_url
from heard.settings import Settings
from heard.store import UserRole, accounts, audit_log
from heard.web.auth import PANEL_HEADER, BadCredentials, from_panel_key, panel_key
from live.liveserver import Site, live_site, open_socket, site_settings
from live.test_ws_feed import events
from teamdata import GOOD_TURNS

__all__ = ["database_url"]


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    with live_site(database_url) as site:
        yield site


def test_a_key_opens_one_conversation_read_only(site: Site) -> None:
    sent = events(GOOD_TURNS)

    async def run() -> dict:
        feed = await open_socket(site.feed_url("c-key"), site.auth("agent"))
        await feed.until("hello")
        for event in sent[:3]:
            await feed.send(event)
        await feed.until("ack", event=3)
        other = await open_socket(site.feed_url("c-key-other"), site.auth("agent"))
        await other.until("hello")
        await other.send(sent[0])
        await other.until("ack", event=1)
        async with httpx.AsyncClient(base_url=site.url) as client:
            link = await client.post("/api/v1/live/c-key/panel-link", headers=site.auth("agent"))
            refused_link = await client.post(
                "/api/v1/live/c-key/panel-link", headers=site.auth("other_agent")
            )
            key = link.json()["key"]
            keyed = {PANEL_HEADER: key}
            page = await client.get(link.json()["path"])
            page_other = await client.get(f"/live/c-key-other/panel?key={key}")
            page_forged = await client.get(f"/live/c-key/panel?key={key[:-2]}xx")
            state = await client.get("/api/v1/live/c-key", headers=keyed)
            state_other = await client.get("/api/v1/live/c-key-other", headers=keyed)
            checked = await client.post(
                "/api/v1/replies/check",
                headers=keyed,
                json={
                    "conversation": {
                        "id": "c-key",
                        "channel": "chat",
                        "turns": state.json()["transcript"],
                    },
                    "draft": "I'm sorry about that. I'll fix it today.",
                },
            )
            elsewhere = await client.get("/api/v1/conversations", headers=keyed)
            board = await client.get("/api/v1/live", headers=keyed)
            hint = await client.post(
                "/api/v1/live/c-key/hints", headers=keyed, json={"text": "Say sorry"}
            )
            mint = await client.post("/api/v1/live/c-key/panel-link", headers=keyed)
        watch = await open_socket(site.watch_url("c-key", since=0, key=key), None)
        hello = await watch.frame()
        await watch.until("ack", event=3)
        refusals = {}
        for name, url in (
            ("feed", site.feed_url("c-key", key=key)),
            ("other watch", site.watch_url("c-key-other", key=key)),
        ):
            socket = await open_socket(url, None)
            frame = await socket.frame()
            try:
                await socket.frame()
            except ConnectionClosed as exc:
                refusals[name] = (frame["code"], exc.rcvd.code if exc.rcvd else None)
        return {
            "link": link,
            "refused_link": refused_link,
            "page": page,
            "page_other": page_other,
            "page_forged": page_forged,
            "state": state,
            "state_other": state_other,
            "checked": checked,
            "elsewhere": elsewhere,
            "board": board,
            "hint": hint,
            "mint": mint,
            "hello": hello,
            "refusals": refusals,
            "key": key,
        }

    got = asyncio.run(run())
    link = got["link"]
    assert link.status_code == 201 and got["refused_link"].status_code == 404
    assert parse_qs(urlsplit(link.json()["path"]).query)["key"] == [got["key"]]
    page = got["page"]
    assert page.status_code == 200 and f'data-key="{got["key"]}"' in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["content-security-policy"].endswith("; frame-ancestors 'self'")
    assert "set-cookie" not in page.headers
    assert got["page_other"].status_code == 401 and "another conversation" in got["page_other"].text
    assert got["page_forged"].status_code == 401
    assert got["state"].status_code == 200 and got["state"].json()["state"]["turns"] == 2
    assert got["state_other"].status_code == 401
    assert got["checked"].status_code == 200, got["checked"].text
    for refused in ("elsewhere", "board", "hint", "mint"):  # only the panel's own routes
        assert got[refused].status_code == 401, refused
    assert got["hello"]["type"] == "hello"
    assert got["refusals"] == {"feed": ("forbidden", 4403), "other watch": ("unauthorised", 4401)}
    audit = audit_log.list_audit(site.store, site.world.viewer("admin"))
    assert any(e.action == "panel_link" and e.object_id == "c-key" for e in audit)


def test_keys_expire_and_die_with_their_user(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = site_settings(panel_link_hours=1.0)
    ann = accounts.get_user(site.store, site.world.users["ann"])
    fresh = panel_key(settings, "c-1", ann.id)
    assert from_panel_key(site.store, settings, fresh, "c-1").live == "c-1"
    assert from_panel_key(site.store, settings, fresh, None).user.id == ann.id
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3601)
    old = panel_key(settings, "c-1", ann.id)
    monkeypatch.undo()
    with pytest.raises(BadCredentials, match="expired"):
        from_panel_key(site.store, settings, old, "c-1")
    other_secret = Settings(database_url="sqlite://", secret_key="another-secret-key")
    with pytest.raises(BadCredentials, match="not one heard signed"):
        from_panel_key(site.store, other_secret, fresh, "c-1")
    accounts.set_active(site.store, ann.id, active=False)
    with pytest.raises(BadCredentials, match="inactive"):
        from_panel_key(site.store, settings, fresh, "c-1")
    assert ann.role == UserRole.AGENT
