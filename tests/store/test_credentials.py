"""How credentials stand, many at once (api_tokens.standing, the open live sockets' re-check)
and one token at sign-in (api_tokens.authenticate_token), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, event

from heard.store import Store, accounts, api_tokens
from heard.store.records import Scope
from heard.store.tables import TeamLeadRow
from teamdata import World, build_world, open_store


@pytest.fixture
def world(database_url: str) -> Any:
    store = open_store(database_url)
    yield build_world(store)
    store.close()


def test_standing_gives_usable_tokens_and_users_as_stored_now(world: World) -> None:
    store: Store = world.store
    ann, bea = world.users["ann"], world.users["bea"]
    kept, kept_token = api_tokens.create_token(store, ann, scopes=[Scope.READ], name="kept")
    gone, _ = api_tokens.create_token(store, bea, scopes=[Scope.READ, Scope.WRITE], name="gone")
    api_tokens.revoke_token(store, gone.id)
    accounts.set_active(store, ann, active=False)
    with store.engine.begin() as db:
        db.execute(delete(TeamLeadRow).where(TeamLeadRow.user_id == bea))
    found = api_tokens.standing(
        store, token_ids={kept.id, gone.id, 10_000}, user_ids=[*world.users.values(), 10_000]
    )
    assert found.tokens == {kept.id: [Scope.READ]}
    assert found.users == {u: accounts.get_user(store, u) for u in world.users.values()}
    assert found.users[ann].active is False and found.users[ann].agent_id == world.agents["ann"]
    assert found.users[ann].team_ids == [world.teams["Blue"]]  # an agent: their agent's team
    assert found.users[bea].team_ids == []
    assert api_tokens.authenticate_token(store, kept_token) is None  # its user is inactive
    assert api_tokens.standing(store) == type(found)()


def test_standing_asks_a_few_queries_however_many_ids(world: World) -> None:
    store: Store = world.store
    statements: list[str] = []

    def counted(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", counted)
    try:
        found = api_tokens.standing(store, token_ids=range(1, 1201), user_ids=range(1, 1201))
    finally:
        event.remove(store.engine, "before_cursor_execute", counted)
    assert set(found.users) == set(world.users.values())
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 3 + 3 + 2  # users and tokens: 3 chunks of 500; agents, leads: 1


def test_authenticate_token_gives_the_token_record(world: World) -> None:
    store: Store = world.store
    record, token = api_tokens.create_token(
        store, world.users["bea"], scopes=[Scope.READ], name="x"
    )
    user, found = api_tokens.authenticate_token(store, token)
    assert (user.id, found.id, found.scopes) == (world.users["bea"], record.id, [Scope.READ])
    assert api_tokens.verify_token(store, token) == (user, [Scope.READ])
    api_tokens.revoke_token(store, record.id)
    assert (
        api_tokens.authenticate_token(store, token) is None
        and api_tokens.verify_token(store, token) is None
    )
