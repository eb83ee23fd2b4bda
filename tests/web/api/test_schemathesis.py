"""schemathesis against /openapi.json with an admin token: no operation answers with a 5xx."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from heard.store import Scope
from heard.web import create_app
from teamdata import build_world, open_store
from web.api.conftest import make_settings

EXAMPLES_PER_OPERATION = 20


@pytest.mark.slow
def test_no_server_errors(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'heard.db'}")
    world = build_world(store)
    _, token = store.create_token(
        world.users["admin"], scopes=[Scope.READ, Scope.WRITE, Scope.ADMIN]
    )
    app = create_app(make_settings(max_upload_bytes=100_000), store=store)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    tested = []
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            # The session routes would swap the caller; they are covered by the API tests.
            if operation.path == "/api/v1/session":
                continue

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            check()
            tested.append(f"{operation.method.upper()} {operation.path}")
    finally:
        store.close()
    assert len(tested) >= 30, tested
