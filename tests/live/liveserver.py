"""A live app served by uvicorn on a loopback port, with the test team and a token per role,
and a small WebSocket client for the feed and watch sockets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect

from heard.settings import Settings
from heard.store import Scope, Store, api_tokens
from heard.web import create_app
from loopback import serve
from teamdata import World, build_world, open_store

ROLE_USERS = {"agent": "ann", "other_agent": "abe", "lead": "bea", "other_lead": "rex"}


@dataclass
class Site:
    url: str
    store: Store
    world: World
    settings: Settings
    app: FastAPI
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def ws(self) -> str:
        return "ws" + self.url.removeprefix("http")

    def feed_url(self, conversation_id: str, **params: Any) -> str:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"{self.ws}/api/v1/live/{conversation_id}" + (f"?{query}" if query else "")

    def watch_url(self, conversation_id: str, **params: Any) -> str:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"{self.ws}/api/v1/live/{conversation_id}/watch" + (f"?{query}" if query else "")

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def site_settings(**changes: Any) -> Settings:
    return Settings(database_url="sqlite://", secret_key="test-secret-key", **changes)


@contextmanager
def live_site(database_url: str, *, world: World | None = None, **changes: Any) -> Iterator[Site]:
    """The team app with live coaching on a store at `database_url` (built once: a second
    site on the same database reuses `world`, as a restarted server would), with the test
    settings and `changes` to them."""
    store = open_store(database_url)
    if world is None:
        world = build_world(store)
    else:
        world = World(store, world.users, world.agents, world.teams, world.conversations)
    settings = site_settings(**changes)
    app = create_app(settings, store=store)
    try:
        with serve(app) as url:
            site = Site(url=url, store=store, world=world, settings=settings, app=app)
            for role, user in {**ROLE_USERS, "admin": "admin"}.items():
                scopes = [Scope.READ, Scope.WRITE] + ([Scope.ADMIN] if role == "admin" else [])
                _, token = api_tokens.create_token(
                    store, world.users[user], scopes=scopes, name=role
                )
                site.tokens[role] = token
            _, site.tokens["reader"] = api_tokens.create_token(
                store, world.users["ann"], scopes=[Scope.READ], name="read only"
            )
            yield site
    finally:
        store.close()


class Socket:
    """A WebSocket client that reads JSON frames with a timeout."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.seen: list[dict[str, Any]] = []

    async def send(self, event: dict[str, Any] | str) -> None:
        await self.connection.send(event if isinstance(event, str) else json.dumps(event))

    async def frame(self, timeout: float = 20.0) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.connection.recv(), timeout)
        frame = json.loads(raw)
        self.seen.append(frame)
        return frame

    async def until(self, kind: str, timeout: float = 20.0, **match: Any) -> dict[str, Any]:
        """Frames up to and including the first of `kind` matching `match`."""
        while True:
            frame = await self.frame(timeout)
            if frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame

    async def close(self) -> None:
        await self.connection.close()


async def open_socket(url: str, headers: dict[str, str] | None = None) -> Socket:
    return Socket(await connect(url, additional_headers=headers or {}, open_timeout=10))
