"""The page routes over a real store: sign-in and sessions, CSRF on every form, HTML error
pages, the dashboard's filters, coaching notes, upload results and the survey."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from conftest import EXAMPLES
from heard.store import Viewer, coaching_notes, surveys
from heard.web.auth import survey_token
from teamdata import PASSWORD
from web.api.conftest import Api

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: TestClient, path: str = "/sign-in") -> str:
    found = CSRF.search(client.get(path).text)
    assert found is not None
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD, next: str = "/"):
    token = csrf(client)
    return client.post(
        "/sign-in",
        data={"csrf_token": token, "email": email, "password": password, "next": next},
        follow_redirects=False,
    )


@pytest.fixture
def web(api: Api) -> Api:
    api.client.cookies.clear()
    return api


def test_signed_out_pages_redirect_to_sign_in_and_back(web: Api) -> None:
    answer = web.client.get("/dashboard?team=Blue", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=/dashboard%3Fteam%3DBlue"
    page = web.client.get(answer.headers["location"])
    assert 'name="next" value="/dashboard?team=Blue"' in page.text
    signed = sign_in(web.client, "bea@x.test", next="/dashboard?team=Blue")
    assert (signed.status_code, signed.headers["location"]) == (303, "/dashboard?team=Blue")
    assert web.client.get("/dashboard?team=Blue").status_code == 200


def test_wrong_password_is_refused_without_saying_which_part(web: Api) -> None:
    answer = sign_in(web.client, "bea@x.test", password="not the password")
    assert answer.status_code == 401
    assert "Wrong email or password." in answer.text
    assert 'value="bea@x.test"' in answer.text
    assert web.client.get("/dashboard", follow_redirects=False).status_code == 303


def test_sign_in_never_redirects_to_another_site(web: Api) -> None:
    answer = sign_in(web.client, "bea@x.test", next="https://evil.example/x")
    assert answer.headers["location"] == "/"
    web.client.cookies.clear()
    answer = sign_in(web.client, "bea@x.test", next="//evil.example/x")
    assert answer.headers["location"] == "/"


def test_start_page_goes_where_the_role_works(web: Api) -> None:
    sign_in(web.client, "ann@x.test")
    assert web.client.get("/", follow_redirects=False).headers["location"] == "/me"
    web.client.cookies.clear()
    sign_in(web.client, "bea@x.test")
    assert web.client.get("/", follow_redirects=False).headers["location"] == "/dashboard"


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_every_form_post_needs_the_sessions_csrf_token(web: Api, token: str | None) -> None:
    sign_in(web.client, "bea@x.test")
    conversation = web.world.conversations["ann-1"]
    data = {"text": "Try a reflection", "turn": "1"}
    if token is not None:
        data["csrf_token"] = token
    answer = web.client.post(
        f"/conversations/{conversation}/notes", data=data, follow_redirects=False
    )
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "did not come from this site" in answer.text
    assert coaching_notes.list_notes(web.store, Viewer.system(), conversation_id=conversation) == []
    sign_out = web.client.post("/sign-out", data={"csrf_token": "forged"}, follow_redirects=False)
    assert sign_out.status_code == 403


def test_the_csrf_token_changes_on_sign_in(web: Api) -> None:
    before = csrf(web.client)
    sign_in(web.client, "bea@x.test")
    assert csrf(web.client, "/dashboard") != before


def test_sign_out_ends_the_session(web: Api) -> None:
    sign_in(web.client, "bea@x.test")
    token = csrf(web.client, "/dashboard")
    answer = web.client.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert answer.headers["location"] == "/sign-in"
    assert web.client.get("/dashboard", follow_redirects=False).status_code == 303


def test_pages_get_html_errors_and_the_api_keeps_json(web: Api) -> None:
    sign_in(web.client, "rex@x.test")
    page = web.client.get(f"/conversations/{web.world.conversations['ann-1']}")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Not found" in page.text and "Sign out" in page.text
    api = web.client.get(f"/api/v1/conversations/{web.world.conversations['ann-1']}")
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"
    missing = web.client.get("/no-such-page")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert web.client.get("/api/v1/no-such").json()["error"]["code"] == "not_found"


def test_dashboard_draws_the_leads_team_and_filters(web: Api) -> None:
    sign_in(web.client, "bea@x.test")
    page = web.client.get("/dashboard")
    assert page.status_code == 200
    assert "<h1>Blue</h1>" in page.text
    assert 'id="trend-chart"' in page.text and 'id="histogram-chart"' in page.text
    assert "Ann" in page.text and "Abe" in page.text and "Ray" not in page.text
    assert "3 conversations" in page.text
    ann = web.world.agents["ann"]
    only_ann = web.client.get(f"/dashboard?agent={ann}&channel=chat")
    assert "2 conversations" in only_ann.text
    assert f'<option value="{ann}" selected>' in only_ann.text
    bad = web.client.get("/dashboard?date_from=yesterday")
    assert bad.status_code == 422 and "date_from must be a date" in bad.text
    other_team = web.client.get("/dashboard?team=Red")
    assert other_team.status_code == 404


def test_a_note_on_a_turn_reaches_the_agent_who_acknowledges_it(web: Api) -> None:
    conversation = web.world.conversations["ann-1"]
    sign_in(web.client, "bea@x.test")
    token = csrf(web.client, f"/conversations/{conversation}")
    added = web.client.post(
        f"/conversations/{conversation}/notes",
        data={"csrf_token": token, "text": "Name the feeling first", "turn": "1"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    (note,) = coaching_notes.list_notes(web.store, Viewer.system(), conversation_id=conversation)
    assert (note.turn, note.text, note.status.value) == (1, "Name the feeling first", "open")
    assert added.headers["location"] == f"/conversations/{conversation}#note-{note.id}"
    web.client.cookies.clear()
    sign_in(web.client, "ann@x.test")
    home = web.client.get("/me")
    assert "Name the feeling first" in home.text
    token = csrf(web.client, "/me")
    done = web.client.post(
        f"/notes/{note.id}/acknowledge",
        data={"csrf_token": token},
        headers={"referer": "http://testserver/me"},
        follow_redirects=False,
    )
    assert done.headers["location"] == f"/me#note-{note.id}"
    assert (
        coaching_notes.get_note(web.store, Viewer.system(), note.id).status.value == "acknowledged"
    )
    assert "Name the feeling first" not in web.client.get("/me").text
    again = web.client.post(
        f"/notes/{note.id}/acknowledge", data={"csrf_token": token}, follow_redirects=False
    )
    assert again.status_code == 409 and again.headers["content-type"].startswith("text/html")


def blue_example() -> bytes:
    """Example 09 as a conversation of team Blue (the one Bea leads)."""
    data = json.loads((EXAMPLES / "09-chat-happy-short.json").read_text())
    data["agent"]["team"] = "Blue"
    return json.dumps(data).encode()


def test_upload_reports_each_file_and_stores_the_good_ones(web: Api) -> None:
    sign_in(web.client, "bea@x.test")
    token = csrf(web.client, "/upload")
    before = web.store.list_conversations(Viewer.system()).total
    answer = web.client.post(
        "/upload",
        data={"csrf_token": token, "format": "auto"},
        files=[
            ("files", ("good.json", blue_example(), "x")),
            ("files", ("bad.json", b'{"turns": [{"role": "agent"}]', "x")),
            ("files", ("theirs.json", (EXAMPLES / "09-chat-happy-short.json").read_bytes(), "x")),
        ],
        headers={"accept": "application/json"},
    )
    assert answer.status_code == 200
    good, bad, theirs = answer.json()["results"]
    assert theirs["ok"] is False
    assert theirs["error"] == (
        "you may store conversations of your teams only (Blue), not of team 'Retail Care'"
    )
    assert (good["file"], good["ok"], good["created"], good["conversations"]) == (
        "good.json",
        True,
        1,
        1,
    )
    assert bad["file"] == "bad.json" and bad["ok"] is False and "bad.json" in bad["error"]
    assert web.store.list_conversations(Viewer.system()).total == before + 1
    page = web.client.post(
        "/upload",
        data={"csrf_token": token},
        files=[("files", ("good.json", blue_example(), "x"))],
    )
    assert page.headers["content-type"].startswith("text/html")
    assert "1 unchanged" in page.text


def test_survey_link_takes_answers_without_sign_in(web: Api) -> None:
    conversation = web.world.conversations["ann-1"]
    link = f"/survey/{survey_token(web.settings, conversation)}"
    form = web.client.get(link)
    assert form.status_code == 200 and "You spoke with Ann" in form.text
    token = CSRF.search(form.text).group(1)  # type: ignore[union-attr]
    missing = web.client.post(link, data={"csrf_token": token, "csat": "4"})
    assert missing.status_code == 422 and "Please answer both questions" in missing.text
    sent = web.client.post(
        link, data={"csrf_token": token, "csat": "4", "felt_heard": "5", "comment": "Kind"}
    )
    assert sent.status_code == 200 and "Your answers reached the team" in sent.text
    (answer,) = surveys.list_feedback(web.store, Viewer.system())
    assert (answer.csat, answer.felt_heard, answer.comment) == (4, 5, "Kind")
    forged = web.client.get(f"/survey/{survey_token(web.settings, conversation)}x")
    assert forged.status_code == 404 and "not valid" in forged.text
    sign_in(web.client, "bea@x.test")
    chart = web.client.get("/feedback")
    assert 'class="chart"' in chart.text


def test_recognition_shows_an_agent_their_teams_board(web: Api) -> None:
    sign_in(web.client, "ann@x.test")
    page = web.client.get("/recognition?week=2026-03-02")
    assert page.status_code == 200
    assert "Ann" in page.text and "Abe" in page.text and "Ray" not in page.text


def test_moments_shown_vary_by_behaviour_first() -> None:
    from datetime import UTC, datetime

    from heard.store.records import Moment
    from heard.web.pages.dashboard import varied

    def moment(n: int, behaviour: str) -> Moment:
        return Moment(
            conversation_id=n,
            agent_id=1,
            agent="Ann",
            occurred_at=datetime(2026, 3, 2, tzinfo=UTC),
            behaviour=behaviour,
            component="empathy",
            polarity="positive",
            turn=1,
            start=0,
            end=4,
            quote="Ann,",
            explanation="why",
            confidence=1.0,
        )

    ranked = [moment(1, "uses_name"), moment(2, "uses_name"), moment(3, "empathy")]
    shown = varied(ranked, limit=2)
    assert [(m.conversation_id, m.behaviour) for m in shown] == [
        ("1", "uses_name"),
        ("3", "empathy"),
    ]
    assert [m.conversation_id for m in varied(ranked)] == ["1", "3", "2"]
