"""The pages take the same values as the API (heard.model.values): a NUL in a form, a date near
year 1 or 9999, a digit that is not ASCII get a 422 page, never a 500, on SQLite and PostgreSQL
(issue 18, defects 4 and 5); a conversation stored without turns still has a working page."""

from __future__ import annotations

from heard.store import Viewer, coaching_notes
from heard.web.auth import survey_token
from teamdata import conversation, ingest
from web.api.conftest import Api
from web.pages.test_page_routes import csrf, sign_in, web

__all__ = ["web"]

NUL = "bad\x00value"


def test_sign_in_refuses_a_nul_without_signing_in(web: Api) -> None:
    answer = sign_in(web.client, "bea@x.test\x00")
    assert answer.status_code == 422 and "NUL" in answer.text
    answer = sign_in(web.client, "bea@x.test", password=NUL)
    assert answer.status_code == 422
    assert web.client.get("/dashboard", follow_redirects=False).status_code == 303


def test_note_forms_refuse_bad_values(web: Api) -> None:
    sign_in(web.client, "bea@x.test")
    page = f"/conversations/{web.world.conversations['ann-1']}"
    token = csrf(web.client, page)
    post = f"{page}/notes"
    for data in [{"text": NUL}, {"text": "ok", "turn": "²"}, {"text": "ok", "turn": "٣"}]:
        answer = web.client.post(post, data={"csrf_token": token, **data})
        assert answer.status_code == 422, (data, answer.status_code)
    made = coaching_notes.create_note(
        web.store,
        web.world.viewer("bea"),
        web.world.conversations["ann-1"],
        text="Try a reflection",
    )
    for action in ("replies", "resolve"):
        answer = web.client.post(
            f"/notes/{made.id}/{action}", data={"csrf_token": token, "text": NUL}
        )
        assert answer.status_code == 422, (action, answer.text)
    assert [n.text for n in coaching_notes.list_notes(web.store, Viewer.system())] == [
        "Try a reflection"
    ]


def test_survey_refuses_bad_values(web: Api) -> None:
    link = f"/survey/{survey_token(web.settings, web.world.conversations['ann-1'])}"
    token = csrf(web.client, link)
    answer = web.client.post(
        link, data={"csrf_token": token, "csat": "4", "felt_heard": "5", "comment": NUL}
    )
    assert answer.status_code == 422
    unreadable = web.client.post(
        link, data={"csrf_token": token, "csat": "²", "felt_heard": "5", "comment": "fine"}
    )
    assert unreadable.status_code == 422 and "1 to 5" in unreadable.text
    assert web.store.counts()["feedback"] == 0


def test_dates_at_the_edges_are_refused_and_the_ends_of_the_range_work(web: Api) -> None:
    sign_in(web.client, "bea@x.test")
    for path in [
        "/dashboard?date_to=9999-12-31",
        "/dashboard?date_from=0001-01-01",
        "/dashboard?date_from=1899-12-31",
        "/dashboard?team=bad%00value",
        "/recognition?week=0001-01-01",
        "/recognition?week=9999-12-31",
    ]:
        answer = web.client.get(path)
        assert answer.status_code == 422, (path, answer.status_code)
        assert "text/html" in answer.headers["content-type"]
    for path in [
        "/dashboard?date_from=1900-01-01&date_to=2999-12-31",
        "/recognition?week=2999-12-31",
        "/recognition?week=1900-01-01",
    ]:
        assert web.client.get(path).status_code == 200, path


def test_a_conversation_without_turns_has_a_page(web: Api) -> None:
    empty = conversation("live-empty", agent="ann", team="Blue", turns=[("agent", "x")])
    empty.turns = []
    [item] = ingest(web.store, [empty]).items
    sign_in(web.client, "bea@x.test")
    page = f"/conversations/{item.id}"
    assert web.client.get(page).status_code == 200
    token = csrf(web.client, page)
    added = web.client.post(
        f"{page}/notes", data={"csrf_token": token, "text": "Dropped?"}, follow_redirects=False
    )
    assert added.status_code == 303
    on_turn = web.client.post(f"{page}/notes", data={"csrf_token": token, "text": "x", "turn": "0"})
    assert on_turn.status_code == 422 and "no turns" in on_turn.text
