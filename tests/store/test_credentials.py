"""How credentials stand, many at once (Store.standing, the open live sockets' re-check) and
one token at sign-in (Store.authenticate_token), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, event

from heard.store import Store
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
    kept, kept_token = store.create_token(ann, scopes=[Scope.READ], name="kept")
    gone, _ = store.create_token(bea, scopes=[Scope.READ, Scope.WRITE], name="gone")
    store.revoke_token(gone.id)
    store.set_active(ann, active=False)
    with store.engine.begin() as db:
        db.execute(delete(TeamLeadRow).where(TeamLeadRow.user_id == bea))
    found = store.standing(
        token_ids={kept.id, gone.id, 10_000}, user_ids=[*world.users.values(), 10_000]
    )
    assert found.tokens == {kept.id: [Scope.READ]}
    assert found.users == {u: store.get_user(u) for u in world.users.values()}
    assert found.users[ann].active is False and found.users[ann].agent_id == world.agents["ann"]
    assert found.users[ann].team_ids == [world.teams["Blue"]]  # an agent: their agent's team
    assert found.users[bea].team_ids == []
    assert store.authenticate_token(kept_token) is None  # its user is inactive
    assert store.standing() == type(found)()


def test_standing_asks_a_few_queries_however_many_ids(world: World) -> None:
    store: Store = world.store
    statements: list[str] = []

    def counted(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", counted)
    try:
        found = store.standing(token_ids=range(1, 1201), user_ids=range(1, 1201))
    finally:
        event.remove(store.engine, "before_cursor_execute", counted)
    assert set(found.users) == set(world.users.values())
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 3 + 3 + 2  # users and tokens: 3 chunks of 500; agents, leads: 1


def test_authenticate_token_gives_the_token_record(world: World) -> None:
    store: Store = world.store
    record, token = store.create_token(world.users["bea"], scopes=[Scope.READ], name="x")
    user, found = store.authenticate_token(token)
    assert (user.id, found.id, found.scopes) == (world.users["bea"], record.id, [Scope.READ])
    assert store.verify_token(token) == (user, [Scope.READ])
    store.revoke_token(record.id)
    assert store.authenticate_token(token) is None and store.verify_token(token) is None
