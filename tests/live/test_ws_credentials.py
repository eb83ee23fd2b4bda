"""Open live sockets follow their credentials (issue 18, defect 2): a revoked token, a
deactivated user, a lost role, team or agent link, an expired panel key close a feed or watch
socket within a second with an error frame saying why and a documented close code, and
nothing more is stored from it or sent to it. Real server on loopback, SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, event, update
from websockets.exceptions import ConnectionClosed

from databases import database_url
from heard.store import Scope, Store, accounts, api_tokens, live_sessions
from heard.store.tables import AgentRow, TeamLeadRow, UserRow
from heard.web.app import SESSION_COOKIE
from live.liveserver import Site, Socket, live_site, open_socket
from teamdata import GOOD_TURNS, PASSWORD

__all__ = ["database_url"]

WITHIN = 2.0
"""Seconds a socket may stay open after its credentials stop standing: the server rechecks
every RECHECK_SECONDS (0.5), and on a loaded 2-core CI run one close took 1.36 s (a session's
on PostgreSQL, while another worker ran); never closing fails at `closed`'s 5 s."""


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    with live_site(database_url) as site:
        yield site


def token(site: Site, user: str, *scopes: Scope) -> tuple[int, dict[str, str]]:
    """A fresh token of `user` (its id and the Authorization header)."""
    record, secret = api_tokens.create_token(
        site.store, site.world.users[user], scopes=scopes or (Scope.READ, Scope.WRITE), name="test"
    )
    return record.id, {"Authorization": f"Bearer {secret}"}


async def closed(socket: Socket, *, began: float, timeout: float = 5.0) -> dict[str, Any]:
    """Read until the server closes `socket`: the frames before, the close code and reason,
    and the seconds since `began` (perf_counter)."""
    frames: list[dict[str, Any]] = []
    try:
        while True:
            frames.append(await socket.frame(timeout))
    except ConnectionClosed as exc:
        assert exc.rcvd is not None, "the client closed, not the server"
        return {
            "frames": frames,
            "code": exc.rcvd.code,
            "reason": exc.rcvd.reason,
            "seconds": time.perf_counter() - began,
        }


async def started(site: Site, conversation_id: str, headers: dict[str, str]) -> Socket:
    """A feed socket of a conversation of Ann's with its start and first turn applied."""
    feed = await open_socket(site.feed_url(conversation_id), headers)
    await feed.until("hello")
    await feed.send({"type": "start", "seq": 1, "channel": "chat", "agent_id": "ann"})
    await feed.until("ack", event=1)
    await feed.send({"type": "turn", "seq": 2, "role": "customer", "text": GOOD_TURNS[0][1]})
    await feed.until("ack", event=2)
    return feed


def stored_events(store: Store, conversation_id: str) -> list[int]:
    record = live_sessions.live_session(store, conversation_id)
    assert record is not None
    return [e.seq for e in live_sessions.live_events(store, record.id) if e.seq is not None]


def as_admin(site: Site) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=site.url, headers=site.auth("admin"))


def test_revoking_a_token_closes_its_feed_and_the_next_turn_is_not_stored(site: Site) -> None:
    token_id, headers = token(site, "ann")
    keeps = {"Authorization": f"Bearer {site.tokens['agent']}"}  # Ann's other token

    async def run() -> tuple[dict, bool, dict]:
        feed = await started(site, "c-revoke", headers)
        other = await open_socket(site.watch_url("c-revoke"), keeps)
        await other.until("hello")
        async with as_admin(site) as client:
            began = time.perf_counter()
            answer = await client.delete(f"/api/v1/tokens/{token_id}")
            assert answer.status_code == 200 and answer.json()["revoked_at"]
            next_turn = {"type": "turn", "seq": 3, "role": "agent", "text": GOOD_TURNS[1][1]}
            try:  # sent at once: the server must not apply it
                await feed.send(next_turn)
                sent = True
            except ConnectionClosed:
                sent = False
            found = await closed(feed, began=began)
            await client.post("/api/v1/live/c-revoke/hints", json={"text": "Still here"})
        alive = await other.until("hint")  # the same user's other token keeps its socket
        await other.close()
        return found, sent, alive

    found, sent, alive = asyncio.run(run())
    assert found["code"] == 4401 and found["reason"] == "unauthorised"
    assert found["seconds"] < WITHIN
    errors = [f for f in found["frames"] if f["type"] == "error"]
    assert errors == [
        {
            "type": "error",
            "seq": None,
            "code": "unauthorised",
            "message": "the token was revoked",
            "event": None,
            "expected": None,
        }
    ]
    assert not [f for f in found["frames"] if f["type"] == "ack" and f["event"] == 3]
    assert stored_events(site.store, "c-revoke") == [1, 2], f"turn 3 sent={sent} was stored"
    assert alive["hint"]["text"] == "Still here"


def test_a_revocation_in_the_store_closes_the_socket_by_the_timer(site: Site) -> None:
    """As another process or the CLI would revoke: no notice reaches this server."""
    token_id, headers = token(site, "ann")

    async def run() -> dict:
        feed = await started(site, "c-cli", headers)
        watch = await open_socket(site.watch_url("c-cli"), headers)
        await watch.until("hello")
        began = time.perf_counter()
        await asyncio.to_thread(api_tokens.revoke_token, site.store, token_id)
        found = {"feed": await closed(feed, began=began)}
        found["watch"] = await closed(watch, began=began)
        return found

    found = asyncio.run(run())
    for socket in ("feed", "watch"):
        assert found[socket]["code"] == 4401, socket
        assert found[socket]["seconds"] < WITHIN, socket
        assert found[socket]["frames"][-1]["message"] == "the token was revoked or has expired"
    assert stored_events(site.store, "c-cli") == [1, 2]


@pytest.mark.parametrize("through", ["api", "store"])
def test_deactivating_the_user_closes_their_watch_and_a_later_hint_never_reaches_it(
    site: Site, through: str
) -> None:
    ann = site.world.users["ann"]

    async def run() -> tuple[dict, dict, dict]:
        feed = await started(site, "c-gone", site.auth("admin"))
        panel = await open_socket(site.watch_url("c-gone"), site.auth("agent"))
        board = await open_socket(site.watch_url("c-gone"), site.auth("admin"))
        await panel.until("hello")
        await board.until("hello")
        async with as_admin(site) as client:
            began = time.perf_counter()
            if through == "api":
                answer = await client.patch(f"/api/v1/users/{ann}", json={"active": False})
                assert answer.status_code == 200 and answer.json()["active"] is False
            else:
                await asyncio.to_thread(accounts.set_active, site.store, ann, active=False)
            hint = await client.post("/api/v1/live/c-gone/hints", json={"text": "Say sorry"})
            assert hint.status_code == 201
        found = await closed(panel, began=began)
        board_hint = await board.until("hint")
        await feed.close()
        await board.close()
        return found, board_hint, hint.json()

    found, board_hint, hint = asyncio.run(run())
    assert (found["code"], found["reason"]) == (4401, "unauthorised")
    assert found["seconds"] < WITHIN
    assert found["frames"][-1]["message"] == "the user was deactivated"
    assert board_hint["hint"] == hint
    if through == "api":  # the hint was sent after the change took effect: never delivered
        assert not [f for f in found["frames"] if f["type"] == "hint"]


def _no_longer_leads(store: Store, users: dict[str, int]) -> None:
    with store.engine.begin() as db:
        db.execute(delete(TeamLeadRow).where(TeamLeadRow.user_id == users["bea"]))


def _demoted(store: Store, users: dict[str, int]) -> None:
    with store.engine.begin() as db:
        db.execute(update(UserRow).where(UserRow.id == users["bea"]).values(role="agent"))


def _unlinked(store: Store, users: dict[str, int]) -> None:
    with store.engine.begin() as db:
        db.execute(update(AgentRow).where(AgentRow.user_id == users["ann"]).values(user_id=None))


CHANGES: dict[str, tuple[str, Callable[[Store, dict[str, int]], None]]] = {
    "lead removed from the team": ("lead", _no_longer_leads),
    "lead made an agent": ("lead", _demoted),
    "agent unlinked from the agent": ("agent", _unlinked),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_losing_the_right_to_watch_or_feed_closes_the_socket(site: Site, change: str) -> None:
    role, make_change = CHANGES[change]

    async def run() -> dict:
        # started by the admin: whoever started a conversation may go on feeding it
        start = await started(site, "c-role", site.auth("admin"))
        feed = await open_socket(site.feed_url("c-role"), site.auth(role))
        watch = await open_socket(site.watch_url("c-role"), site.auth(role))
        await feed.until("hello")
        await watch.until("hello")
        began = time.perf_counter()
        await asyncio.to_thread(make_change, site.store, site.world.users)
        found = {"feed": await closed(feed, began=began), "watch": await closed(watch, began=began)}
        await start.close()
        return found

    found = asyncio.run(run())
    for socket, what in (("feed", "feed"), ("watch", "watch")):
        assert (found[socket]["code"], found[socket]["reason"]) == (4403, "forbidden"), socket
        assert found[socket]["seconds"] < WITHIN, socket
        message = found[socket]["frames"][-1]["message"]
        assert message == f"you may no longer {what} this conversation"


def test_a_panel_key_of_a_deactivated_user_closes_its_watch(site: Site) -> None:
    async def run() -> dict:
        feed = await started(site, "c-key", site.auth("agent"))
        async with httpx.AsyncClient(base_url=site.url) as client:
            link = await client.post("/api/v1/live/c-key/panel-link", headers=site.auth("lead"))
        key = link.json()["key"]
        panel = await open_socket(site.watch_url("c-key", key=key))
        await panel.until("hello")
        async with as_admin(site) as client:
            began = time.perf_counter()
            await client.patch(f"/api/v1/users/{site.world.users['bea']}", json={"active": False})
        found = await closed(panel, began=began)
        await feed.send({"type": "turn", "seq": 3, "role": "agent", "text": GOOD_TURNS[1][1]})
        assert (await feed.until("ack"))["event"] == 3  # the agent's own feed goes on
        await feed.close()
        return found

    found = asyncio.run(run())
    assert (found["code"], found["reason"]) == (4401, "unauthorised")
    assert found["seconds"] < WITHIN


def test_a_panel_key_whose_user_may_no_longer_watch_is_closed_by_the_timer(site: Site) -> None:
    async def run() -> dict:
        feed = await started(site, "c-key2", site.auth("agent"))
        async with httpx.AsyncClient(base_url=site.url) as client:
            link = await client.post("/api/v1/live/c-key2/panel-link", headers=site.auth("lead"))
        panel = await open_socket(site.watch_url("c-key2", key=link.json()["key"]))
        await panel.until("hello")
        began = time.perf_counter()
        await asyncio.to_thread(_no_longer_leads, site.store, site.world.users)
        found = await closed(panel, began=began)
        await feed.close()
        return found

    found = asyncio.run(run())
    assert (found["code"], found["reason"]) == (4403, "forbidden")
    assert found["seconds"] < WITHIN


def test_a_panel_keys_socket_closes_when_the_key_expires(database_url: str) -> None:
    with live_site(database_url, panel_link_hours=1.5 / 3600) as site:

        async def run() -> dict:
            feed = await started(site, "c-short", site.auth("agent"))
            async with httpx.AsyncClient(base_url=site.url) as client:
                link = await client.post(
                    "/api/v1/live/c-short/panel-link", headers=site.auth("agent")
                )
            panel = await open_socket(site.watch_url("c-short", key=link.json()["key"]))
            await panel.until("hello")
            found = await closed(panel, began=time.perf_counter())
            await feed.close()
            return found

        found = asyncio.run(run())
    assert (found["code"], found["reason"]) == (4401, "unauthorised")
    assert found["frames"][-1]["message"] == "the panel key has expired"
    assert found["seconds"] < 1.5 + WITHIN


def test_the_timer_checks_every_socket_in_one_batch(site: Site) -> None:
    """20 open sockets cost the same few queries a tick as one (not one per socket)."""
    lead_reads: list[float] = []

    def counted(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "team_leads" in statement:
            lead_reads.append(time.perf_counter())

    async def run() -> float:
        feed = await started(site, "c-many", site.auth("agent"))
        sockets = [
            await open_socket(site.watch_url("c-many"), site.auth(role))
            for role in ("agent", "lead", "admin", "reader") * 5
        ]
        for socket in sockets:
            await socket.until("hello")
        event.listen(site.store.engine, "before_cursor_execute", counted)
        try:
            began = time.perf_counter()
            await asyncio.sleep(2.0)
            seconds = time.perf_counter() - began
        finally:
            event.remove(site.store.engine, "before_cursor_execute", counted)
        for socket in [feed, *sockets]:
            await socket.close()
        return seconds

    seconds = asyncio.run(run())
    ticks = seconds / 0.5
    assert 2 <= len(lead_reads) <= ticks + 2, (len(lead_reads), ticks)


async def signed_in(site: Site, email: str) -> str:
    """The Cookie header of a browser signed in as `email` through POST /api/v1/session."""
    async with httpx.AsyncClient(base_url=site.url) as client:
        signed = await client.post("/api/v1/session", json={"email": email, "password": PASSWORD})
        assert signed.status_code == 200
        return f"{SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}"


def test_a_session_socket_closes_when_its_user_is_deactivated(site: Site) -> None:
    async def run() -> dict:
        feed = await started(site, "c-cookie", site.auth("agent"))
        watch = await open_socket(
            site.watch_url("c-cookie"), {"Cookie": await signed_in(site, "bea@x.test")}
        )
        await watch.until("hello")
        began = time.perf_counter()
        await asyncio.to_thread(
            accounts.set_active, site.store, site.world.users["bea"], active=False
        )
        found = await closed(watch, began=began)
        await feed.close()
        return found

    found = asyncio.run(run())
    assert (found["code"], found["reason"]) == (4401, "unauthorised")
    assert found["seconds"] < WITHIN


def test_signing_out_closes_the_sessions_sockets(site: Site) -> None:
    async def run() -> dict:
        feed = await started(site, "c-signout", site.auth("agent"))
        cookie = await signed_in(site, "bea@x.test")
        watch = await open_socket(site.watch_url("c-signout"), {"Cookie": cookie})
        await watch.until("hello")
        async with httpx.AsyncClient(base_url=site.url) as client:
            began = time.perf_counter()
            out = await client.delete("/api/v1/session", headers={"Cookie": cookie})
            assert out.status_code == 204
        try:
            found = await closed(watch, began=began, timeout=WITHIN + 0.5)
        except TimeoutError:
            found = {"code": None, "seconds": None}
        await feed.close()
        return found

    found = asyncio.run(run())
    assert found["code"] == 4401
    assert found["seconds"] < WITHIN
