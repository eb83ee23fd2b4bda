"""Editing users and issuing reset links through the API (SQLite and PostgreSQL): admins only,
the same store functions as the admin pages (so the same stored result and the same audit
entries), errors naming their field, a reset link shown once and kept as its hash."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from heard.store import UserRole, Viewer, accounts, audit_log
from heard.store.tables import AgentRow, PasswordResetRow
from web.api.conftest import Api
from web.pages.test_page_routes import csrf, sign_in

V1 = "/api/v1"


def audit(api: Api, action: str, user_id: int) -> list[str | None]:
    entries = audit_log.search(api.store, Viewer.system(), limit=500).entries
    return [e.detail for e in entries if e.action == action and e.object_id == str(user_id)]


def team_names(api: Api, user_id: int) -> list[str]:
    names = {t.id: t.name for t in api.store.list_teams(Viewer.system())}
    return sorted(names[t] for t in accounts.get_user(api.store, user_id).team_ids)


def test_an_admin_edits_name_role_and_teams(api: Api) -> None:
    bea = api.world.users["bea"]
    answer = api.client.patch(
        f"{V1}/users/{bea}",
        json={"name": "Bea B", "teams": ["Red", "Green"]},
        headers=api.headers("admin"),
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["name"], answer.json()["role"]) == ("Bea B", "lead")
    assert team_names(api, bea) == ["Green", "Red"]
    assert audit(api, "edit", bea) == ["name changed; teams Blue → Red, Green"]
    kept = api.client.patch(f"{V1}/users/{bea}", json={}, headers=api.headers("admin"))
    assert kept.status_code == 200 and kept.json() == answer.json()
    assert len(audit(api, "edit", bea)) == 1, "nothing changed, nothing written"
    agent = api.client.patch(
        f"{V1}/users/{bea}",
        json={"role": "agent", "teams": ["Red"], "agent_id": "bea-7"},
        headers=api.headers("admin"),
    )
    assert agent.status_code == 200, agent.text
    with api.store._session() as session:
        row = session.scalars(select(AgentRow).where(AgentRow.user_id == bea)).one()
        assert row.external_id == "bea-7"


def test_deactivating_and_the_last_admin(api: Api) -> None:
    ann, admin = api.world.users["ann"], api.world.users["admin"]
    headers = api.headers("admin")
    off = api.client.patch(f"{V1}/users/{ann}", json={"active": False}, headers=headers)
    assert off.status_code == 200 and off.json()["active"] is False
    assert api.client.get(f"{V1}/me", headers=api.headers("agent")).status_code == 401
    on = api.client.patch(f"{V1}/users/{ann}", json={"active": True}, headers=headers)
    assert on.json()["active"] is True
    assert audit(api, "deactivate", ann) == [None] and audit(api, "activate", ann) == [None]
    for body, field in (({"role": "lead"}, "role"), ({"active": False}, "active")):
        refused = api.client.patch(f"{V1}/users/{admin}", json=body, headers=headers)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["field"] == field
    both = api.client.patch(
        f"{V1}/users/{admin}", json={"name": "Root", "active": False}, headers=headers
    )
    assert both.status_code == 409
    assert accounts.get_user(api.store, admin).name != "Root", (
        "a refusal leaves the user as they were"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "boss"}, "$.role"),
        ({"name": "x" * 201}, "$.name"),
        ({"teams": ["Blue", "Red"]}, "teams"),  # Ann is an agent: one team
        ({"teams": ["Blue", "x" * 201]}, "$.teams[1]"),
        ({"teams": "Blue"}, "$.teams"),
        ({"active": "maybe"}, "$.active"),
        ({"email": "new@x.test"}, "$.email"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(api: Api, body: dict, field: str) -> None:
    ann = api.world.users["ann"]
    before = accounts.get_user(api.store, ann)
    answer = api.client.patch(f"{V1}/users/{ann}", json=body, headers=api.headers("admin"))
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field, answer.text
    assert accounts.get_user(api.store, ann) == before


def test_unknown_users_and_other_roles(api: Api) -> None:
    for path, method in (("/users/99999", "PATCH"), ("/users/99999/reset-link", "POST")):
        answer = api.client.request(
            method,
            V1 + path,
            json={"name": "X"} if method == "PATCH" else None,
            headers=api.headers("admin"),
        )
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["field"] == "user_id"
    ann = api.world.users["ann"]
    for role in ("agent", "lead", "other_lead"):
        edit = api.client.patch(
            f"{V1}/users/{ann}", json={"role": "admin"}, headers=api.headers(role)
        )
        link = api.client.post(f"{V1}/users/{ann}/reset-link", headers=api.headers(role))
        assert (edit.status_code, link.status_code) == (403, 403), role
    assert accounts.get_user(api.store, ann).role == UserRole.AGENT
    assert accounts.reset_links(api.store, ann) == []


def test_a_reset_link_is_shown_once_and_kept_hashed(api: Api) -> None:
    abe = api.world.users["abe"]
    answer = api.client.post(f"{V1}/users/{abe}/reset-link", headers=api.headers("admin"))
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert set(made) == {"id", "user_id", "created_at", "expires_at", "url"}
    secret = made["url"].rsplit("/reset/", 1)[1]
    assert made["url"] == f"http://testserver/reset/{secret}"
    with api.store._session() as session:
        row = session.get(PasswordResetRow, made["id"])
        assert row is not None and row.secret_hash == accounts.secret_hash(secret)
        assert secret not in repr(row.__dict__)
    assert accounts.reset_user(api.store, secret).id == abe
    assert len(audit(api, "issue_reset", abe)) == 1
    again = api.client.post(f"{V1}/users/{abe}/reset-link", headers=api.headers("admin")).json()
    assert again["url"] != made["url"]
    visitor = TestClient(api.app)
    assert visitor.get(f"/reset/{secret}").status_code == 410, "replaced by the newer link"
    assert visitor.get(again["url"].removeprefix("http://testserver")).status_code == 200
    api.client.patch(f"{V1}/users/{abe}", json={"active": False}, headers=api.headers("admin"))
    off = api.client.post(f"{V1}/users/{abe}/reset-link", headers=api.headers("admin"))
    assert off.status_code == 422 and off.json()["error"]["field"] == "user_id"


def test_the_page_and_the_api_store_the_same(api: Api) -> None:
    """Two like users, one edited through the admin page, the other through the API: the
    same stored user, the same audit entries."""
    page_user = accounts.create_user(api.store, "p1@x.test", role=UserRole.LEAD, teams=["Blue"])
    api_user = accounts.create_user(api.store, "p2@x.test", role=UserRole.LEAD, teams=["Blue"])
    page = TestClient(api.app)
    assert sign_in(page, "admin@x.test").status_code == 303
    token = csrf(page, "/admin/users")
    sent = page.post(
        f"/admin/users/{page_user.id}",
        data={"csrf_token": token, "name": "Pat", "role": "agent", "teams": ["Red"]},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    answer = api.client.patch(
        f"{V1}/users/{api_user.id}",
        json={"name": "Pat", "role": "agent", "teams": ["Red"]},
        headers=api.headers("admin"),
    )
    assert answer.status_code == 200, answer.text
    by_page, by_api = (
        accounts.get_user(api.store, page_user.id),
        accounts.get_user(api.store, api_user.id),
    )
    fields = ("name", "role", "active", "team_ids")
    assert [getattr(by_page, f) for f in fields] == [getattr(by_api, f) for f in fields]
    assert by_page.agent_id is not None and by_api.agent_id is not None
    assert audit(api, "edit", page_user.id) == audit(api, "edit", api_user.id)
    assert audit(api, "edit", api_user.id) == ["name changed; role lead → agent; teams Blue → Red"]

    shown = page.post(
        f"/admin/users/{page_user.id}/reset-link",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    found = re.search(r'id="reset-url"[^>]*value="[^"]*/reset/([^"]+)"', shown.text)
    assert found is not None
    link = api.client.post(
        f"{V1}/users/{api_user.id}/reset-link", headers=api.headers("admin")
    ).json()
    secrets = {page_user.id: found.group(1), api_user.id: link["url"].rsplit("/reset/", 1)[1]}
    for user_id, secret in secrets.items():
        assert accounts.reset_user(api.store, secret).id == user_id
        (kept,) = accounts.reset_links(api.store, user_id)
        assert kept.used_at is None
        assert len(audit(api, "issue_reset", user_id)) == 1
