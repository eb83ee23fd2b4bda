"""The admin pages and the password forms over a real store (SQLite and PostgreSQL): only admins
reach them, every change is audited, forms refused keep what was typed and say why by the
field, a token and a reset link are shown once, a reset link works once."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from heard.store import Viewer, accounts, api_tokens, audit_log
from teamdata import PASSWORD
from web.api.conftest import Api
from web.pages.test_page_routes import csrf, sign_in

ADMIN_PAGES = ("/admin", "/admin/users", "/admin/users/{ann}", "/admin/audit")


@pytest.fixture
def web(api: Api) -> Api:
    api.client.cookies.clear()
    return api


def as_admin(web: Api) -> str:
    assert sign_in(web.client, "admin@x.test").status_code == 303
    return csrf(web.client, "/admin/users")


def post(client: TestClient, path: str, token: str, **data) -> object:
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def actions(web: Api) -> list[tuple[str, str | None]]:
    entries = audit_log.search(web.store, Viewer.system(), limit=200).entries
    return [(e.action, e.object_id) for e in entries]


@pytest.mark.parametrize("who", ["ann", "bea"])
def test_agents_and_leads_get_a_403_page_and_no_admin_link(web: Api, who: str) -> None:
    assert sign_in(web.client, f"{who}@x.test").status_code == 303
    for path in ADMIN_PAGES:
        answer = web.client.get(path.format(ann=web.world.users["ann"]), follow_redirects=False)
        assert answer.status_code == 403, path
        assert "for admins" in answer.text
    token = csrf(web.client, "/recognition")
    answer = post(web.client, "/admin/users", token, email="x@x.test", role="admin")
    assert answer.status_code == 403
    assert all(u.email != "x@x.test" for u in accounts.list_users(web.store))
    assert 'href="/admin/users"' not in web.client.get("/recognition").text


def test_adding_a_user_keeps_what_was_typed_and_says_what_is_wrong(web: Api) -> None:
    token = as_admin(web)
    page = web.client.get("/admin/users").text
    assert 'maxlength="320"' in page and 'maxlength="200"' in page and 'maxlength="1000"' in page
    answer = post(
        web.client,
        "/admin/users",
        token,
        email="not an email",
        name="Cat <b>Stone</b>",
        role="agent",
        teams=["Blue", "Red"],
        password="short",
    )
    assert answer.status_code == 422
    text = answer.text
    assert "Enter an email address such as name@example.com." in text
    assert "An agent is in one team: choose one." in text
    assert "A password needs at least 8 characters; this one has 5." in text
    assert 'value="not an email"' in text and 'value="Cat &lt;b&gt;Stone&lt;/b&gt;"' in text
    assert 'value="short"' not in text, "a password is never sent back"
    assert text.count('aria-invalid="true"') >= 3 and 'role="alert"' in text
    taken = post(web.client, "/admin/users", token, email="ANN@x.test", role="agent")
    assert taken.status_code == 409
    assert "There is already a user with this email address." in taken.text
    made = post(
        web.client,
        "/admin/users",
        token,
        email="cat@x.test",
        name="Cat",
        role="lead",
        teams=["Blue"],
        new_team="Green",
    )
    assert made.status_code == 303
    user = accounts.user_by_email(web.store, "cat@x.test")
    assert made.headers["location"] == f"/admin/users/{user.id}?created=1"
    assert len(user.team_ids) == 2
    assert ("create", str(user.id)) in actions(web)
    assert "Send them a reset link" in web.client.get(made.headers["location"]).text


def test_editing_role_and_teams_is_audited_and_the_last_admin_stays(web: Api) -> None:
    token = as_admin(web)
    bea = web.world.users["bea"]
    answer = post(
        web.client, f"/admin/users/{bea}", token, name="Bea B", role="lead", teams=["Red"]
    )
    assert answer.status_code == 303
    assert accounts.get_user(web.store, bea).name == "Bea B"
    assert ("edit", str(bea)) in actions(web)
    admin = web.world.users["admin"]
    refused = post(web.client, f"/admin/users/{admin}", token, name="Root", role="lead")
    assert refused.status_code == 409
    assert "no active admin would be left" in refused.text.lower()
    assert 'value="Root"' in refused.text, "the form as typed"
    assert accounts.get_user(web.store, admin).role.value == "admin"
    alone = post(web.client, f"/admin/users/{admin}/active", token, active="false")
    assert alone.status_code == 409 and accounts.get_user(web.store, admin).active


def test_deactivating_signs_the_user_out(web: Api) -> None:
    other = TestClient(web.app)
    assert sign_in(other, "ann@x.test").status_code == 303
    assert other.get("/me").status_code == 200
    token = as_admin(web)
    ann = web.world.users["ann"]
    assert post(web.client, f"/admin/users/{ann}/active", token, active="false").status_code == 303
    assert other.get("/me", follow_redirects=False).status_code == 303
    assert ("deactivate", str(ann)) in actions(web)
    assert post(web.client, f"/admin/users/{ann}/active", token, active="true").status_code == 303
    assert accounts.get_user(web.store, ann).active


def test_a_token_is_shown_once_listed_and_revoked(web: Api) -> None:
    token = as_admin(web)
    ann = web.world.users["ann"]
    bad = post(web.client, f"/admin/users/{ann}/tokens", token, name="CRM", days="0")
    assert bad.status_code == 422
    assert "Choose what the token may do" in bad.text and "1 to 3,650 days" in bad.text
    assert 'value="CRM"' in bad.text
    admin_scope = post(web.client, f"/admin/users/{ann}/tokens", token, scopes=["admin"])
    assert "Only an admin&#39;s token may carry the admin scope." in admin_scope.text
    made = post(
        web.client, f"/admin/users/{ann}/tokens", token, name="CRM", scopes=["read"], days="7"
    )
    assert made.status_code == 201
    secret = re.search(r'id="new-token"[^>]*value="([^"]+)"', made.text)
    assert secret and secret.group(1).startswith("heard_")
    assert api_tokens.verify_token(web.store, secret.group(1)) is not None
    again = web.client.get(f"/admin/users/{ann}").text
    assert secret.group(1) not in again and "CRM" in again
    record = next(t for t in api_tokens.list_tokens(web.store, ann) if t.name == "CRM")
    revoked = post(web.client, f"/admin/tokens/{record.id}/revoke", token)
    assert revoked.status_code == 303 and revoked.headers["location"].endswith("#tokens")
    assert api_tokens.verify_token(web.store, secret.group(1)) is None
    assert {("create", str(record.id)), ("revoke", str(record.id))} <= set(actions(web))
    assert post(web.client, "/admin/tokens/99999/revoke", token).status_code == 404


def test_a_reset_link_sets_a_password_once_then_signs_in(web: Api) -> None:
    token = as_admin(web)
    made = post(web.client, "/admin/users", token, email="dan@x.test", role="agent", teams=["Blue"])
    dan = int(made.headers["location"].split("/")[-1].split("?")[0])
    issued = post(web.client, f"/admin/users/{dan}/reset-link", token)
    assert issued.status_code == 200
    url = re.search(r'id="reset-url"[^>]*value="([^"]+)"', issued.text)
    assert url is not None
    path = "/reset/" + html.unescape(url.group(1)).rsplit("/reset/", 1)[1]
    assert ("issue_reset", str(dan)) in actions(web)

    visitor = TestClient(web.app)
    form = visitor.get(path)
    assert form.status_code == 200 and "dan@x.test" in form.text
    assert form.headers["referrer-policy"] == "no-referrer"
    form_token = csrf(visitor, path)
    mismatch = post(visitor, path, form_token, password="long enough 1", confirm="long enough 2")
    assert mismatch.status_code == 422 and "not the same" in mismatch.text
    done = post(visitor, path, form_token, password="dans own secret", confirm="dans own secret")
    assert done.status_code == 200 and "Your password is set" in done.text
    assert visitor.get(path).status_code == 410
    assert "expired or was used already" in visitor.get(path).text
    assert visitor.get("/reset/not-a-real-link").status_code == 404
    assert sign_in(visitor, "dan@x.test", "dans own secret").status_code == 303
    assert ("reset_password", str(dan)) in actions(web)


def test_changing_your_own_password_needs_the_current_one(web: Api) -> None:
    other = TestClient(web.app)
    assert sign_in(other, "bea@x.test").status_code == 303
    assert sign_in(web.client, "bea@x.test").status_code == 303
    token = csrf(web.client, "/account/password")
    wrong = post(
        web.client,
        "/account/password",
        token,
        current_password="wrong one",
        new_password="brand new pass",
        confirm="brand new pass",
    )
    assert wrong.status_code == 422 and "That is not your current password." in wrong.text
    short = post(
        web.client,
        "/account/password",
        token,
        current_password=PASSWORD,
        new_password="tiny",
        confirm="tiny",
    )
    assert short.status_code == 422 and "at least 8 characters" in short.text
    done = post(
        web.client,
        "/account/password",
        token,
        current_password=PASSWORD,
        new_password="brand new pass",
        confirm="brand new pass",
    )
    assert done.status_code == 200 and "Your password is changed" in done.text
    assert web.client.get("/dashboard").status_code == 200, "this session stays"
    assert other.get("/dashboard", follow_redirects=False).status_code == 303, "others end"
    bea = str(web.world.users["bea"])
    assert {("password_change_failed", bea), ("change_password", bea)} <= set(actions(web))


def test_the_audit_log_filters_and_pages(web: Api) -> None:
    token = as_admin(web)
    ann = web.world.users["ann"]
    for i in range(60):
        audit_log.audit(
            web.store, user_id=ann, action="view", object_type="conversation", object_id=str(i)
        )
    first = web.client.get("/admin/audit", params={"user": ann, "action": "view"})
    assert first.status_code == 200
    assert first.text.count("<tr>") == 51  # the head row and 50 entries
    older = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert older is not None
    second = web.client.get(html.unescape(older.group(1)))
    assert second.text.count("<tr>") == 11 and 'rel="prev"' in second.text
    assert 'rel="next"' not in second.text
    bad = web.client.get(
        "/admin/audit", params={"date_from": "2026-02-02", "date_to": "2026-02-01"}
    )
    assert bad.status_code == 422 and "before the" in bad.text
    none = web.client.get("/admin/audit", params={"date_to": "2000-01-01"})
    assert "No entries match these filters." in none.text
    del token
