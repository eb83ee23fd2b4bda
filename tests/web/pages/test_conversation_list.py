"""The conversations page over a real store (SQLite and PostgreSQL): a lead finds any
conversation of their teams by filters, sorts and pages through them, and exports the filtered
set; nobody sees another team's conversations; bad filters get a clear 422 page."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from heard.web.pages import listing
from teamdata import MONDAY
from web.api.conftest import Api
from web.pages.test_page_routes import csrf, sign_in, web

__all__ = ["web"]


def rows(html: str) -> list[str]:
    page = BeautifulSoup(html, "html.parser")
    return [a.get_text() for a in page.select("table.conversations tbody td:nth-of-type(2) a")]


def test_a_lead_lists_their_teams_conversations_newest_first(web: Api) -> None:
    sign_in(web.client, "bea@x.test")  # lead of Blue
    answer = web.client.get("/conversations")
    assert answer.status_code == 200
    listed = rows(answer.text)
    assert listed[0] == "ann-2" and sorted(listed) == ["abe-1", "ann-1", "ann-2"]
    assert "ray-1" not in answer.text  # team Red is not Bea's
    assert "3 conversations match" in answer.text
    link = BeautifulSoup(answer.text, "html.parser").select_one("table.conversations a")
    assert web.client.get(link["href"]).status_code == 200  # each row opens its conversation


def test_filters_and_sort_find_the_conversation(web: Api) -> None:
    sign_in(web.client, "bea@x.test")
    ann = web.world.agents["ann"]
    assert sorted(rows(web.client.get(f"/conversations?agent={ann}").text)) == ["ann-1", "ann-2"]
    by_score = rows(web.client.get("/conversations?order=-score").text)
    worst_first = rows(web.client.get("/conversations?order=score").text)
    assert by_score[0] == "ann-1" and worst_first[-1] == "ann-1"
    low = web.client.get("/conversations?max_score=50").text
    assert "ann-1" not in rows(low) and "ann-2" in rows(low)
    missed = web.client.get("/conversations?missed=empathy").text
    assert rows(missed) and "ann-1" not in rows(missed)
    tuesday = (MONDAY + timedelta(days=1)).date().isoformat()
    day = web.client.get(f"/conversations?date_from={tuesday}&date_to={tuesday}").text
    assert rows(day) == ["ann-2"]  # only Tuesday's


def test_the_form_keeps_what_was_chosen_and_export_takes_the_same_filters(web: Api) -> None:
    sign_in(web.client, "bea@x.test")
    ann = web.world.agents["ann"]
    page = BeautifulSoup(
        web.client.get(f"/conversations?agent={ann}&max_score=90&order=score").text,
        "html.parser",
    )
    assert page.select_one('select[name="agent"] option[selected]')["value"] == str(ann)
    assert page.select_one('input[name="max_score"]')["value"] == "90"
    assert page.select_one('select[name="order"] option[selected]')["value"] == "score"
    href = page.select_one(".exports a")["href"]
    exported = web.client.get(href)
    assert exported.status_code == 200
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert {r["conversation_id"] for r in table} == set(rows(str(page)))


def test_paging_walks_every_conversation_once(web: Api, monkeypatch) -> None:
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    sign_in(web.client, "bea@x.test")
    seen, url = [], "/conversations"
    while url:
        page = web.client.get(url).text
        seen += rows(page)
        found = re.search(r'href="([^"]+)" rel="next"', page)
        url = found.group(1).replace("&amp;", "&") if found else ""
    assert sorted(seen) == ["abe-1", "ann-1", "ann-2"]


def test_an_agent_sees_only_their_own(web: Api) -> None:
    sign_in(web.client, "ann@x.test")
    assert sorted(rows(web.client.get("/conversations").text)) == ["ann-1", "ann-2"]


def test_bad_filters_get_a_clear_page_not_a_crash(web: Api) -> None:
    sign_in(web.client, "bea@x.test")
    red = web.world.teams["Red"]
    for query, words in [
        ("min_score=abc", "min_score must be a number"),
        ("max_score=101", "from 0 to 100"),
        ("min_score=80&max_score=20", "below the lowest"),
        ("missed=teleportation", "no behaviour"),
        ("channel=fax", "no channel"),
        (f"team={red}", "no team"),
        ("date_from=2026-02-01&date_to=2026-01-01", "before the 'from' date"),
    ]:
        answer = web.client.get(f"/conversations?{query}")
        assert answer.status_code in (404, 422), (query, answer.status_code)
        text = BeautifulSoup(answer.text, "html.parser").get_text()
        assert words in text, (query, text[-400:])


def snippets(html: str) -> list[str]:
    page = BeautifulSoup(html, "html.parser")
    return [" ".join(m.get_text() for m in p.select("mark")) for p in page.select("p.snippet")]


def test_search_finds_by_word_shows_the_matching_turn_and_keeps_the_words(web: Api) -> None:
    sign_in(web.client, "bea@x.test")
    answer = web.client.get("/conversations?q=manager")
    assert sorted(rows(answer.text)) == ["abe-1", "ann-2"]
    assert snippets(answer.text) == ["manager", "manager"]
    page = BeautifulSoup(answer.text, "html.parser")
    assert page.select_one('input[name="q"]')["value"] == "manager"
    assert "q=manager" in page.select_one(".exports a")["href"]  # the export takes the search
    link = page.select_one("table.conversations td a")["href"]
    assert link.endswith("#t2")  # the customer's turn that said it
    assert rows(web.client.get("/conversations?q=zzzz").text) == []
    assert "No conversations match this search" in web.client.get("/conversations?q=zzzz").text


def test_a_lead_of_another_team_never_finds_blues_words_on_the_page(web: Api) -> None:
    sign_in(web.client, "rex@x.test")  # leads Red; "manager" is said only in Blue's
    answer = web.client.get("/conversations?q=manager")
    assert answer.status_code == 200 and rows(answer.text) == []
    assert "0 conversations match" in answer.text
    export = web.client.get("/api/v1/export?q=manager&format=csv")
    assert list(csv.DictReader(io.StringIO(export.text))) == []


def test_a_search_without_words_gets_a_clear_page(web: Api) -> None:
    sign_in(web.client, "bea@x.test")
    answer = web.client.get("/conversations?q=%2A%2A%2A")
    assert answer.status_code == 422
    assert "type a word to search for" in BeautifulSoup(answer.text, "html.parser").get_text()


def _save(web: Api, name: str, **filters: str):
    page = web.client.get("/conversations?" + "&".join(f"{k}={v}" for k, v in filters.items()))
    form = BeautifulSoup(page.text, "html.parser").select_one("form.save-view")
    data = {i["name"]: i.get("value", "") for i in form.select("input[name]")}
    return web.client.post(
        "/conversations/views", data={**data, "name": name}, follow_redirects=False
    )


def test_a_saved_view_keeps_the_filters_and_is_its_owners_alone(web: Api) -> None:
    sign_in(web.client, "bea@x.test")
    saved = _save(web, "Angry", q="manager", order="score")
    assert saved.status_code == 303
    assert saved.headers["location"] == "/conversations?q=manager&order=score#saved-views"
    page = BeautifulSoup(web.client.get("/conversations").text, "html.parser")
    (link,) = page.select(".saved-list a")
    assert link.get_text() == "Angry"
    assert sorted(rows(web.client.get(link["href"]).text)) == ["abe-1", "ann-2"]
    delete = page.select_one(".saved-list form")["action"]
    token = csrf(web.client, "/conversations")
    web.client.cookies.clear()
    sign_in(web.client, "rex@x.test")
    assert "Angry" not in web.client.get("/conversations").text
    other = csrf(web.client, "/conversations")
    refused = web.client.post(delete, data={"csrf_token": other}, follow_redirects=False)
    assert refused.status_code == 404
    web.client.cookies.clear()
    sign_in(web.client, "bea@x.test")
    token = csrf(web.client, "/conversations")
    gone = web.client.post(delete, data={"csrf_token": token}, follow_redirects=False)
    assert gone.status_code == 303
    assert (
        BeautifulSoup(web.client.get("/conversations").text, "html.parser").select(".saved-list a")
        == []
    )


@pytest.mark.parametrize(
    ("name", "status", "words"),
    [
        ("   ", 422, "Give the view a name."),
        ("x" * 150, 422, "at most 100 characters"),
        ("angry", 409, "You already have a view named “angry”"),
    ],
)
def test_a_refused_view_name_is_shown_by_the_field_with_the_name_as_typed(
    web: Api, name: str, status: int, words: str
) -> None:
    sign_in(web.client, "bea@x.test")
    assert _save(web, "Angry").status_code == 303
    answer = _save(web, name, q="manager", max_score="90")
    assert answer.status_code == status
    page = BeautifulSoup(answer.text, "html.parser")
    field = page.select_one("#view-name")
    assert field["value"] == name and field["aria-invalid"] == "true"
    assert words in page.select_one("#view-name-error").get_text()
    assert page.select_one('input[name="q"]')["value"] == "manager"  # the filters stay too
    assert page.select_one('input[name="max_score"]')["value"] == "90"
    assert sorted(rows(answer.text)) == ["abe-1", "ann-2"]
