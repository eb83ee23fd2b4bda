"""Four clients posting the same conversations, edited and shuffled, at once through the API
(issue 18, defect 3: PostgreSQL deadlocks answered 500 and rows ended in client order). Every
answer is a success or a 409 with Retry-After that the client honours; none is a 500, and the
store ends consistent: one row per conversation holding one client's version, one current
scorecard each, copies and rollups that match the scorecards."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from heard.model import Conversation
from heard.store import Scope, api_tokens
from heard.store.tables import ConversationRow, ScorecardRow
from heard.web import create_app
from loopback import serve
from store.test_copies import assert_copies_match
from store.test_rollup import assert_rollup_matches
from teamdata import MONDAY, build_world, conversation, open_store
from web.api.conftest import make_settings

CLIENTS = 4
BATCH = 6


def edited(base: Conversation, client: int) -> dict:
    """`base` as client `client` sends it: every turn's text ends with the client's mark."""
    data = base.model_dump(mode="json", exclude_none=True)
    for turn in data["turns"]:
        turn["text"] += f" (client {client})"
    return data


def originals() -> list[Conversation]:
    found = [
        conversation(
            f"c-{i}",
            agent=f"ag-{i % 5}",
            team=("Blue", "Red")[i % 2],
            good=i % 3 > 0,
            at=MONDAY + timedelta(days=i % 9),
            source="concurrent",
        )
        for i in range(30)
    ]
    # the world's own conversations too, so updates meet inserts
    found += [conversation(k, agent="ann", agent_name="Ann", team="Blue") for k in ("ann-1",)]
    return found


@pytest.mark.slow
def test_four_clients_posting_the_same_conversations_never_get_a_server_error(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(database_url)
    world = build_world(store)
    _, token = api_tokens.create_token(
        store, world.users["admin"], scopes=[Scope.READ, Scope.WRITE, Scope.ADMIN]
    )
    app = create_app(make_settings(max_upload_bytes=5_000_000), store=store)
    base = originals()
    statuses: Counter[int] = Counter()
    retried = Counter()
    errors: list[str] = []
    start = threading.Barrier(CLIENTS)

    def client(number: int, url: str) -> None:
        shuffled = [edited(c, number) for c in base]
        random.Random(number).shuffle(shuffled)
        batches = [shuffled[i : i + BATCH] for i in range(0, len(shuffled), BATCH)]
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120
        ) as http:
            start.wait()
            for batch in batches:
                for _ in range(20):
                    answer = http.post("/api/v1/conversations/batch", json={"conversations": batch})
                    statuses[answer.status_code] += 1
                    if answer.status_code != 409:
                        break
                    assert int(answer.headers["Retry-After"]) >= 1
                    assert answer.json()["error"]["retry_after"] >= 1
                    retried[number] += 1
                    time.sleep(0.05)  # a test need not wait the whole second
                if answer.status_code != 200:
                    errors.append(f"client {number}: {answer.status_code} {answer.text[:300]}")

    try:
        with serve(app) as url:
            threads = [
                threading.Thread(target=client, args=(n, url)) for n in range(1, CLIENTS + 1)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert not errors, errors
        assert statuses[500] == 0
        with store.engine.connect() as connection:
            rows = connection.execute(
                select(ConversationRow.external_id, ConversationRow.body, func.count())
                .where(ConversationRow.external_id.in_([c.external_id for c in base]))
                .group_by(ConversationRow.external_id, ConversationRow.body)
            ).all()
            current = dict(
                connection.execute(
                    select(ScorecardRow.conversation_id, func.count())
                    .where(ScorecardRow.current.is_(True))
                    .group_by(ScorecardRow.conversation_id)
                ).all()
            )
        assert sorted(r[0] for r in rows) == sorted(c.external_id for c in base)  # one row each
        for external_id, body, _ in rows:
            assert any(f"(client {n})" in body for n in range(1, CLIENTS + 1)), external_id
        assert set(current.values()) == {1}
        assert_copies_match(store)
        assert_rollup_matches(world, monkeypatch)
    finally:
        store.close()
