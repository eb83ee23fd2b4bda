"""The socket guard without a network: an event on a socket whose last check is stale waits
for a fresh one, and a lapse drops the frames still queued, sends why and closes (SQLite and
PostgreSQL)."""

from __future__ import annotations

import asyncio
import json

import pytest

from databases import database_url
from heard.ingest import IngestService
from heard.live.conversations import Subscriber
from heard.live.hub import LiveHub
from heard.store import Scope, api_tokens
from heard.web import sockets
from heard.web.auth import from_bearer
from heard.web.sockets import GuardedSocket, SocketGuard
from teamdata import build_world, open_store

__all__ = ["database_url"]


def test_a_stale_socket_is_checked_before_its_event(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(database_url)
    try:
        world = build_world(store)
        record, token = api_tokens.create_token(
            store, world.users["ann"], scopes=[Scope.READ, Scope.WRITE]
        )
        principal = from_bearer(store, f"Bearer {token}")
        assert principal.token_id == record.id
        # the timer stays quiet
        guard = SocketGuard(store, LiveHub(store, IngestService(store)), interval=3600)

        async def run() -> tuple[bool, bool, list[object]]:
            own = Subscriber(watch=False)
            socket = GuardedSocket(principal, "c-stale", own, Scope.WRITE)
            guard.add(socket)
            own.put('{"type": "ack"}')
            fresh = await guard.admit(socket)  # confirmed at connect: no query
            await asyncio.to_thread(api_tokens.revoke_token, store, record.id)
            monkeypatch.setattr(sockets, "STALE_SECONDS", 0.0)
            admitted = await guard.admit(socket)
            queued = [own.queue.get_nowait() for _ in range(own.queue.qsize())]
            return fresh, admitted, queued

        fresh, admitted, queued = asyncio.run(run())
    finally:
        store.close()
    assert fresh and not admitted
    assert len(queued) == 2 and queued[1] is None  # the queued ack was dropped
    assert json.loads(queued[0])["message"] == "the token was revoked or has expired"
    assert guard.sockets == set()
