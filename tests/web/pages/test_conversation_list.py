"""The conversations page over a real store (SQLite and PostgreSQL): a lead finds any
conversation of their teams by filters, sorts and pages through them, and exports the filtered
set; nobody sees another team's conversations; a refused filter is shown by its field, what
was typed kept (422)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from heard.store import coaching_notes, surveys
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


@pytest.mark.parametrize(
    ("query", "field", "words", "kept"),
    [
        ("min_score=abc", "min_score", "Type a score from 0 to 100.", "abc"),
        ("max_score=101", "max_score", "Type a score from 0 to 100.", "101"),
        ("min_score=80&max_score=20", "max_score", "below the lowest", "20"),
        ("missed=teleportation", "missed", "Choose a behaviour from the list.", None),
        ("channel=fax", "channel", "Choose a channel from the list.", None),
        ("team=RED", "team", "Choose one of your teams.", None),
        ("date_from=2026-02-01&date_to=2026-01-01", "date_to", "before the ‘from’ date", None),
        ("date_from=31/01/2026", "date_from", "Type a date like 2026-01-31.", None),
        ("emotion=rage", "emotion", "Choose an emotion from the list.", None),
        ("escalated=maybe", "escalated", "Choose yes or no.", None),
        ("has_notes=2", "has_notes", "Choose yes or no.", None),
        ("survey=loved-it", "survey", "Choose a survey answer from the list.", None),
        ("outcome=great", "outcome", "Choose a predicted outcome from the list.", None),
        ("order=random", "order", "Choose a sort order from the list.", None),
        ("q=%2A%2A%2A", "q", "Type a word to search for", "***"),
    ],
)
def test_a_refused_filter_is_shown_by_its_field_with_the_others_kept(
    web: Api, query: str, field: str, words: str, kept: str | None
) -> None:
    sign_in(web.client, "bea@x.test")
    if "RED" in query:  # a team that is not Bea's
        query = query.replace("RED", str(web.world.teams["Red"]))
    answer = web.client.get(f"/conversations?{query}&agent={web.world.agents['ann']}")
    assert answer.status_code == 422, (query, answer.status_code)
    page = BeautifulSoup(answer.text, "html.parser")
    control = page.select_one(f'[name="{field}"]')
    assert control["aria-invalid"] == "true"
    error = page.select_one(f"#{control['aria-describedby']}")
    assert words in error.get_text(), error.get_text()
    if kept is not None:  # what was typed stays in the box
        assert control["value"] == kept
    agent = page.select_one('select[name="agent"] option[selected]')
    assert agent["value"] == str(web.world.agents["ann"])  # the other filters stay too
    assert rows(answer.text) == [] and page.select_one(".exports") is None
    assert "could not be used" in page.select_one(".filter-errors").get_text()


def test_two_refused_filters_are_both_shown(web: Api) -> None:
    sign_in(web.client, "bea@x.test")
    answer = web.client.get("/conversations?min_score=x&emotion=rage")
    page = BeautifulSoup(answer.text, "html.parser")
    assert answer.status_code == 422
    assert [e.get_text() for e in page.select(".filters .field-error")] == [
        "Type a score from 0 to 100.",
        "Choose an emotion from the list.",
    ]


def test_the_new_filters_find_what_was_read_and_done(web: Api) -> None:
    """Emotion, escalation, notes, survey and outcome on the page: the bad conversations are
    the frustrated, escalated ones; a note and a survey answer are found by their filters;
    each choice has its human name, and the form keeps it."""
    sign_in(web.client, "bea@x.test")
    escalated = rows(web.client.get("/conversations?escalated=yes").text)
    assert sorted(escalated) == ["abe-1", "ann-2"]
    assert rows(web.client.get("/conversations?escalated=no").text) == ["ann-1"]
    upset = web.client.get("/conversations?emotion=upset").text
    assert sorted(rows(upset)) == ["abe-1", "ann-2"]
    assert sorted(rows(web.client.get("/conversations?emotion=frustration").text)) == [
        "abe-1",
        "ann-2",
    ]
    assert rows(web.client.get("/conversations?emotion=satisfaction").text) == ["ann-1"]
    assert rows(web.client.get("/conversations?has_notes=yes").text) == []
    coaching_notes.create_note(
        web.world.store,
        web.world.viewer("bea"),
        web.world.conversations["ann-1"],
        text="Nice opening.",
    )
    assert rows(web.client.get("/conversations?has_notes=yes").text) == ["ann-1"]
    assert sorted(rows(web.client.get("/conversations?has_notes=no").text)) == [
        "abe-1",
        "ann-2",
    ]
    surveys.submit_feedback(
        web.world.store, web.world.conversations["ann-2"], csat=2, felt_heard=1, comment=None
    )
    assert rows(web.client.get("/conversations?survey=not_heard").text) == ["ann-2"]
    assert rows(web.client.get("/conversations?survey=satisfied").text) == []
    assert sorted(rows(web.client.get("/conversations?survey=unanswered").text)) == [
        "abe-1",
        "ann-1",
    ]
    likely = rows(web.client.get("/conversations?outcome=likely_heard").text)
    assert "ann-1" in likely  # the good one (0.99 felt heard)
    page = BeautifulSoup(
        web.client.get("/conversations?emotion=upset&escalated=yes&outcome=at_risk").text,
        "html.parser",
    )
    chosen = {
        s["name"]: s.select_one("option[selected]").get_text()
        for s in page.select("form.filters select")
        if s.select_one("option[selected]")
    }
    assert chosen["emotion"] == "any upset: anger, frustration, worry, sadness or confusion"
    assert chosen["escalated"] == "yes"
    assert chosen["outcome"] == "at risk of not feeling heard (below 80%)"
    assert page.select_one('label[for="filter-emotion"]').get_text() == (
        "Customer’s strongest emotion"
    )


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


def test_a_search_counted_only_up_to_a_cap_says_more_than(
    web: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a million stored a common word is counted up to search.COUNTED: the page says "more
    than", and the rows are the same ones (thresholds made tiny)."""
    from heard.store import search
    from heard.web.pages import listing

    sign_in(web.client, "bea@x.test")
    before = rows(web.client.get("/conversations?q=charged").text)
    monkeypatch.setattr(search, "FEW", 1)
    monkeypatch.setattr(search, "COUNTED", 1)
    monkeypatch.setattr(listing, "PAGE_SIZE", 1)  # more follow the first page: counted
    answer = web.client.get("/conversations?q=charged")
    assert rows(answer.text) == before[:1] and len(before) >= 2
    assert "more than 1 conversations match" in answer.text
    assert "Export them all:" in answer.text


def test_a_lead_of_another_team_never_finds_blues_words_on_the_page(web: Api) -> None:
    sign_in(web.client, "rex@x.test")  # leads Red; "manager" is said only in Blue's
    answer = web.client.get("/conversations?q=manager")
    assert answer.status_code == 200 and rows(answer.text) == []
    assert "0 conversations match" in answer.text
    export = web.client.get("/api/v1/export?q=manager&format=csv")
    assert list(csv.DictReader(io.StringIO(export.text))) == []


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
