"""schemathesis with every check, as admin, lead, agent and anonymous, on SQLite and PostgreSQL
(`heard.bench.fuzzing`, the engine of `heard bench fuzz`): no operation answers with a 5xx, every
operation is reached as every role, and what each role gets through follows the roles."""

from __future__ import annotations

import pytest

from heard.bench.fuzzing import ROLES, bench_fuzz

CASES = 3
"""Cases per operation and role here; `heard bench fuzz` runs 60 (docs/security.md)."""

ANONYMOUS_MAY = {"POST /api/v1/session", "DELETE /api/v1/session"}
"""What answers 2xx without credentials: signing in and out."""


@pytest.mark.slow
def test_no_server_errors_as_any_role(database_url: str) -> None:
    result = bench_fuzz(database_url=database_url, cases=CASES)
    examples = [
        example for found in result["roles"].values() for example in found["server_error_examples"]
    ]
    assert result["server_errors"] == 0, examples
    operations = result["settings"]["operations"]
    assert operations >= 40
    assert set(result["roles"]) == set(ROLES)
    for role, found in result["roles"].items():
        assert len(found["operations"]) == operations, role
        assert found["cases"] >= operations * 2, role
    assert result["cases"] >= operations * len(ROLES) * 2
    # Every check ran, the server-error one among them.
    assert {"not_a_server_error", "ignored_auth", "response_schema_conformance"} <= set(
        result["settings"]["checks"]
    )
    roles = result["roles"]
    assert set(roles["anonymous"]["accepted"]) <= ANONYMOUS_MAY
    assert "GET /api/v1/users" in roles["admin"]["accepted"]
    assert "GET /api/v1/users" not in roles["lead"]["accepted"]
    assert "GET /api/v1/users" not in roles["agent"]["accepted"]
    assert "GET /api/v1/conversations" in roles["agent"]["accepted"]
    # Credentials never leaked between roles: the anonymous fuzz was refused almost always.
    assert roles["anonymous"]["statuses"].get("401", 0) > roles["anonymous"]["cases"] // 2
