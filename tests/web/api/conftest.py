"""An app on a fresh store (SQLite and PostgreSQL) with the test team, and a token per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from databases import database_url
from heard.settings import Settings
from heard.store import Scope, Store, api_tokens
from heard.web import create_app
from teamdata import World, build_world, open_store

__all__ = ["database_url"]

ROLES = ("anonymous", "agent", "other_agent", "lead", "other_lead", "admin")
"""Who calls, in the role × route matrix: the agent is Ann (the conversations' owner), the
other agent Abe (same team), the lead Bea (Ann's team), the other lead Rex (another team)."""

USER_OF_ROLE = {
    "agent": "ann",
    "other_agent": "abe",
    "lead": "bea",
    "other_lead": "rex",
    "admin": "admin",
}


@dataclass
class Api:
    app: FastAPI
    client: TestClient
    world: World
    settings: Settings
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def store(self) -> Store:
        return self.world.store

    def headers(self, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def make_settings(**changes) -> Settings:
    return Settings(database_url="sqlite://", secret_key="test-secret-key", **changes)


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    store = open_store(database_url)
    world = build_world(store)
    settings = make_settings(max_upload_bytes=200_000)
    app = create_app(settings, store=store)
    result = Api(app=app, client=TestClient(app), world=world, settings=settings)
    for role, user in USER_OF_ROLE.items():
        scopes = [Scope.READ, Scope.WRITE] + ([Scope.ADMIN] if role == "admin" else [])
        _, token = api_tokens.create_token(store, world.users[user], scopes=scopes, name=role)
        result.tokens[role] = token
    with result.client:
        yield result
    store.close()
