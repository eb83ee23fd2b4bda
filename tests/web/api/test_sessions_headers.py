"""Headers and sessions over the real app, on SQLite and PostgreSQL: security headers on every
kind of answer, Secure cookies and HSTS behind HTTPS, sign-out that a copied cookie does not
survive, tokens that expire, survey links that expire and take one answer, Swagger UI from
the app's own files, and the admin who cannot be removed."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import itsdangerous
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from heard.web import create_app
from heard.web.app import SESSION_COOKIE
from heard.web.assets import IMMUTABLE, asset_url, load_asset, source_of
from heard.web.auth import survey_token
from teamdata import PASSWORD
from web.api.conftest import Api, make_settings

V1 = "/api/v1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

EVERY_ANSWER = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_secured(answer, *, frame: str = "'none'") -> None:
    for name, value in EVERY_ANSWER.items():
        assert answer.headers.get(name) == value, (answer.request.url, name)
    policy = answer.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'", "no inline script, no other host"
    assert directives["style-src"] == "'self'", "no inline style, no hash exceptions"
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert directives["frame-ancestors"] == frame
    assert "camera=()" in answer.headers["permissions-policy"]
    if frame == "'none'":
        assert answer.headers["x-frame-options"] == "DENY"


def sign_in(client: TestClient, who: str) -> None:
    answer = client.post(f"{V1}/session", json={"email": f"{who}@x.test", "password": PASSWORD})
    assert answer.status_code == 200, answer.text


def test_every_kind_of_answer_carries_the_headers(api: Api) -> None:
    client = api.client

    @api.app.get("/test-crash", include_in_schema=False)
    def crash() -> None:
        raise RuntimeError("boom")

    answers = [
        client.get("/sign-in"),  # a page
        client.get(f"{V1}/me"),  # an API error (401)
        client.get(f"{V1}/me", headers=api.headers("lead")),  # an API answer
        client.get("/static/heard.css"),  # a static file
        client.get(asset_url("vendor/swagger-ui/swagger-ui-bundle.js")),
        client.get("/nowhere"),  # an HTML error page
        client.get("/", follow_redirects=False),  # a redirect
        client.post(f"{V1}/conversations", content=b"x" * 300_000),  # the body limit's 413
        client.get("/api/docs"),
        client.get("/openapi.json"),
    ]
    assert [a.status_code for a in answers] == [200, 401, 200, 200, 200, 404, 303, 413, 200, 200]
    for answer in answers:
        assert_secured(answer)
    with TestClient(api.app, raise_server_exceptions=False) as crashing:
        failed = crashing.get("/test-crash")
    assert failed.status_code == 500
    assert_secured(failed)
    assert "strict-transport-security" not in answers[0].headers, "not behind HTTPS"


def test_behind_https_cookies_are_secure_and_hsts_is_sent(api: Api) -> None:
    settings = make_settings(https=True)
    app = create_app(settings, store=api.store)
    with TestClient(app, base_url="https://testserver") as client:
        signed = client.post(f"{V1}/session", json={"email": "bea@x.test", "password": PASSWORD})
        cookie = signed.headers["set-cookie"]
        assert "secure" in cookie.lower() and "httponly" in cookie.lower()
        assert "samesite=lax" in cookie.lower()
        assert signed.headers["strict-transport-security"] == "max-age=31536000"
        assert client.get(f"{V1}/me").status_code == 200
    plain = api.client.post(f"{V1}/session", json={"email": "bea@x.test", "password": PASSWORD})
    assert "secure" not in plain.headers["set-cookie"].lower()


def test_a_cookie_copied_before_sign_out_no_longer_works(api: Api) -> None:
    sign_in(api.client, "bea")
    copied = api.client.cookies[SESSION_COOKIE]
    assert api.client.delete(f"{V1}/session").status_code == 204
    with TestClient(api.app, cookies={SESSION_COOKIE: copied}) as thief:
        assert thief.get(f"{V1}/me").status_code == 401
        assert thief.get("/dashboard", follow_redirects=False).status_code == 303

    page = TestClient(api.app)  # the sign-out button of the pages
    token = CSRF.search(page.get("/sign-in").text).group(1)  # type: ignore[union-attr]
    page.post(
        "/sign-in",
        data={"csrf_token": token, "email": "bea@x.test", "password": PASSWORD},
        follow_redirects=False,
    )
    copied = page.cookies[SESSION_COOKIE]
    token = CSRF.search(page.get("/dashboard").text).group(1)  # type: ignore[union-attr]
    out = page.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    with TestClient(api.app, cookies={SESSION_COOKIE: copied}) as thief:
        assert thief.get(f"{V1}/me").status_code == 401
    actions = [
        e["action"] for e in api.client.get(f"{V1}/audit", headers=api.headers("admin")).json()
    ]
    assert actions.count("sign_out") == 2


def test_deactivating_a_user_ends_their_sessions(api: Api) -> None:
    sign_in(api.client, "bea")
    copied = api.client.cookies[SESSION_COOKIE]
    bea = api.world.users["bea"]
    admin = api.headers("admin")
    assert api.client.patch(f"{V1}/users/{bea}", json={"active": False}, headers=admin).is_success
    assert api.client.patch(f"{V1}/users/{bea}", json={"active": True}, headers=admin).is_success
    with TestClient(api.app, cookies={SESSION_COOKIE: copied}) as old:
        assert old.get(f"{V1}/me").status_code == 401, "reactivating revives no session"


def test_a_cookie_from_before_sessions_were_kept_signs_no_one_in(api: Api) -> None:
    from base64 import b64encode

    import orjson

    data = b64encode(orjson.dumps({"user_id": api.world.users["admin"]}))
    forged = itsdangerous.TimestampSigner(api.settings.key()).sign(data).decode()
    with TestClient(api.app, cookies={SESSION_COOKIE: forged}) as old:
        assert old.get(f"{V1}/me").status_code == 401


def test_the_session_idles_out(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from heard.store import access

    api.app.state.settings = make_settings(session_idle_hours=0.5)
    sign_in(api.client, "bea")
    real = access.now
    monkeypatch.setattr(access, "now", lambda: real() + timedelta(minutes=29))
    assert api.client.get(f"{V1}/me").status_code == 200  # used: good for 30 more minutes
    monkeypatch.setattr(access, "now", lambda: real() + timedelta(minutes=58))
    assert api.client.get(f"{V1}/me").status_code == 200
    monkeypatch.setattr(access, "now", lambda: real() + timedelta(minutes=89))
    assert api.client.get(f"{V1}/me").status_code == 401


def test_tokens_expire_by_default_and_by_choice(api: Api) -> None:
    admin = api.headers("admin")
    bea = api.world.users["bea"]
    api.app.state.settings = make_settings(token_days=30)
    default = api.client.post(f"{V1}/users/{bea}/tokens", json={}, headers=admin).json()
    chosen = api.client.post(
        f"{V1}/users/{bea}/tokens", json={"expires_in_days": 2}, headers=admin
    ).json()
    lifetime = {
        t["id"]: t["expires_at"]
        for t in api.client.get(f"{V1}/users/{bea}/tokens", headers=admin).json()
    }
    assert default["expires_at"] == lifetime[default["id"]] and chosen["id"] in lifetime
    from datetime import datetime

    def days(token: dict) -> float:
        made, ends = (datetime.fromisoformat(token[k]) for k in ("created_at", "expires_at"))
        return (ends - made) / timedelta(days=1)

    assert (round(days(default)), round(days(chosen))) == (30, 2)
    too_long = api.client.post(
        f"{V1}/users/{bea}/tokens", json={"expires_in_days": 4000}, headers=admin
    )
    assert too_long.status_code == 422
    with api.store.engine.begin() as connection:
        connection.execute(
            text("UPDATE api_tokens SET expires_at = :past WHERE id = :id"),
            {"past": datetime(2020, 1, 1), "id": chosen["id"]},
        )
    expired = api.client.get(f"{V1}/me", headers={"Authorization": f"Bearer {chosen['token']}"})
    assert expired.status_code == 401 and "expired" in expired.json()["error"]["message"]
    fresh = {"Authorization": f"Bearer {default['token']}"}
    assert api.client.get(f"{V1}/me", headers=fresh).status_code == 200


def test_the_last_admin_cannot_be_removed(api: Api) -> None:
    admin = api.headers("admin")
    me = api.world.users["admin"]
    refused = api.client.patch(f"{V1}/users/{me}", json={"active": False}, headers=admin)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "conflict"
    assert "no active admin would be left able to act" in refused.json()["error"]["message"]
    bot = api.client.post(
        f"{V1}/users", json={"email": "bot@x.test", "role": "admin"}, headers=admin
    ).json()
    made = api.client.post(
        f"{V1}/users/{bot['id']}/tokens", json={"scopes": ["read", "admin"]}, headers=admin
    ).json()
    bot_headers = {"Authorization": f"Bearer {made['token']}"}
    assert api.client.patch(
        f"{V1}/users/{me}", json={"active": False}, headers=bot_headers
    ).is_success
    last = api.client.delete(f"{V1}/tokens/{made['id']}", headers=bot_headers)
    assert last.status_code == 409 and last.json()["error"]["field"] == "token_id"
    assert api.client.get(f"{V1}/me", headers=bot_headers).status_code == 200


def _survey_form(client: TestClient, link: str) -> tuple[str, str]:
    page = client.get(link)
    return page.text, CSRF.search(page.text).group(1)  # type: ignore[union-attr]


def test_a_survey_link_takes_one_answer_editable_within_the_window(api: Api) -> None:
    conversation = api.world.conversations["ann-1"]
    token = survey_token(api.settings, conversation)
    first = api.client.post(f"{V1}/feedback/{token}", json={"csat": 2, "felt_heard": 2})
    assert first.status_code == 201 and first.json()["edited_at"] is None
    again = api.client.post(f"{V1}/feedback/{token}", json={"csat": 4, "felt_heard": 5})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    link = f"/survey/{token}"
    text_, csrf = _survey_form(api.client, link)
    assert "sending again replaces your answer" in text_
    assert 'id="csat-4" name="csat" value="4" required checked' in text_
    page = api.client.post(link, data={"csrf_token": csrf, "csat": "5", "felt_heard": "5"})
    assert page.status_code == 200 and "Thank you!" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    answers = api.client.get(f"{V1}/feedback", headers=api.headers("admin")).json()
    assert [(a["csat"], a["felt_heard"]) for a in answers] == [(5, 5)]

    api.app.state.settings = make_settings(survey_edit_minutes=0)
    closed = api.client.post(f"{V1}/feedback/{token}", json={"csat": 1})
    assert closed.status_code == 409
    assert "can no longer be changed" in closed.json()["error"]["message"]
    closed_page = api.client.get(link)
    assert "This survey is closed" in closed_page.text and "<form" not in closed_page.text
    refused = api.client.post(link, data={"csrf_token": csrf, "csat": "1", "felt_heard": "1"})
    assert refused.status_code == 409 and "can no longer be changed" in refused.text


def test_survey_links_expire_and_old_untimed_links_are_refused(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation = api.world.conversations["ann-1"]
    fresh = survey_token(api.settings, conversation)
    monkeypatch.setattr(
        itsdangerous.TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 31 * 86400
    )
    old = survey_token(api.settings, conversation)
    monkeypatch.undo()
    untimed = itsdangerous.URLSafeSerializer(api.settings.key(), salt="heard.survey").dumps(
        {"conversation": conversation}
    )
    for token in (old, untimed):
        answer = api.client.post(f"{V1}/feedback/{token}", json={"csat": 3})
        assert answer.status_code == 410, answer.text
        assert answer.json()["error"] == {
            "code": "expired",
            "message": "this survey link has expired: ask for a new one",
            "field": "token",
        }
        page = api.client.get(f"/survey/{token}")
        assert page.status_code == 410 and "This survey link has expired" in page.text
    assert api.client.post(f"{V1}/feedback/{fresh}", json={"csat": 3}).status_code == 201
    api.app.state.settings = make_settings(survey_link_days=40)
    assert api.client.post(f"{V1}/feedback/{old}", json={"csat": 3}).status_code == 200


def test_static_files_are_cached_by_hash_and_gzipped_but_pages_are_not(api: Api) -> None:
    """Through the whole app: a hashed file is kept a year and sent gzipped, under the same
    security headers as everything else; a page is neither (it carries the CSRF token)."""
    sign_in(api.client, "bea")
    page = api.client.get("/dashboard", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and "content-encoding" not in page.headers
    for url in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        answer = api.client.get(url, headers={"Accept-Encoding": "gzip"})
        assert answer.status_code == 200, url
        assert answer.headers["cache-control"] == IMMUTABLE, url
        assert answer.headers["content-encoding"] == "gzip", url
        assert_secured(answer)
    stylesheet = asset_url("heard.css")
    assert stylesheet in page.text
    assert api.client.get(stylesheet).content == source_of("heard.css").read_bytes()
    plain = api.client.get("/static/heard.css")
    assert plain.headers["cache-control"] == "no-cache" and plain.headers["etag"]
    assert load_asset(source_of("heard.css")).digest in stylesheet


def test_swagger_ui_comes_from_the_app_itself(api: Api) -> None:
    page = api.client.get("/api/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    assert "<script>" not in page.text, "no inline script"
    assert "cdn" not in page.text.lower()
    for source in sources:
        assert api.client.get(source).status_code == 200, source
    redirect = api.client.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200
    (script,) = re.findall(r'<script src="([^"]+)"></script>', redirect.text)
    assert api.client.get(script).status_code == 200
    assert api.client.get("/static/vendor/swagger-ui/index.html").status_code == 404
    assert api.client.get("/openapi.json").json()["info"]["title"] == "heard"
