"""Values no store keeps alike — a NUL, a lone surrogate, an id longer than its column, a date
near year 1 or 9999 — get the same 422 naming the field on SQLite and PostgreSQL, from every
route that takes them, and change nothing (issue 18, defects 4 and 5)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from heard.model.values import NUL_MESSAGE, SURROGATE_MESSAGE
from heard.store import Viewer, coaching_notes
from teamdata import conversation, ingest
from web.api.conftest import Api
from web.api.test_api import body, snapshot

V1 = "/api/v1"
NUL = "bad\x00value"
SURROGATE = "bad\ud800value"


def send(client: TestClient, method: str, path: str, **kwargs: Any):  # type: ignore[no-untyped-def]
    """A request whose JSON body may hold a lone surrogate (httpx would refuse to encode it)."""
    if "json" in kwargs:
        kwargs["content"] = json.dumps(kwargs.pop("json"))
        kwargs["headers"] = {**kwargs.get("headers", {}), "Content-Type": "application/json"}
    return client.request(method, path, **kwargs)


def refused(answer, field: str, words: str = "") -> None:  # type: ignore[no-untyped-def]
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["field"] == field, error
    assert words in error["message"], error


def ingest_case(path: tuple, value: object) -> dict:
    doc = body(conversation("bad-1", agent="ann", team="Blue"))
    into = doc
    for part in path[:-1]:
        into = into[part]
    into[path[-1]] = value
    return doc


INGEST = [
    (("agent", "id"), "a" * 201, "$.agent.id", "at most 200 characters"),
    (("agent", "name"), "n" * 201, "$.agent.name", "at most 200 characters"),
    (("agent", "team"), "t" * 201, "$.agent.team", "at most 200 characters"),
    (("source",), "s" * 201, "$.source", "at most 200 characters"),
    (("external_id",), "e" * 301, "$.external_id", "at most 300 characters"),
    (("id",), "i" * 301, "$.id", "at most 300 characters"),
    (("agent", "id"), NUL, "$.agent.id", NUL_MESSAGE),
    (("source",), NUL, "$.source", NUL_MESSAGE),
    (("turns", 0, "text"), NUL, "$.turns[0].text", NUL_MESSAGE),
    (("turns", 0, "text"), SURROGATE, "$.turns[0].text", SURROGATE_MESSAGE),
    (("agent", "name"), SURROGATE, "$.agent.name", SURROGATE_MESSAGE),
    (("metadata",), {"k": [NUL]}, "$.metadata", NUL_MESSAGE),
    (("started_at",), "9999-12-31T23:59:59+00:00", "$.started_at", "2999-12-31"),
    (("started_at",), "0001-01-01T00:00:00-05:00", "$.started_at", "1900-01-01"),
    (("turns",), [], "$.turns", "a conversation needs at least one turn"),
]


def test_ingest_refuses_what_a_store_cannot_keep_alike(api: Api) -> None:
    before = snapshot(api)
    good = body(conversation("good-1", agent="ann", team="Blue"))
    for path, value, field, words in INGEST:
        doc = ingest_case(path, value)
        one = send(api.client, "POST", f"{V1}/conversations", json=doc, headers=api.headers("lead"))
        refused(one, field, words)
        batch = send(
            api.client,
            "POST",
            f"{V1}/conversations/batch",
            json={"conversations": [good, doc]},
            headers=api.headers("lead"),
        )
        refused(batch, field.replace("$", "$.conversations[1]", 1), words)
    assert snapshot(api) == before


def test_the_longest_keys_are_kept(api: Api) -> None:
    doc = ingest_case(("agent",), {"id": "a" * 200, "name": "n" * 200, "team": "t" * 200})
    doc.update(id="i" * 300, external_id="e" * 300, source="s" * 200)
    answer = api.client.post(f"{V1}/conversations", json=doc, headers=api.headers("admin"))
    assert answer.status_code == 200, answer.text
    stored = api.client.get(
        f"{V1}/conversations/{answer.json()['items'][0]['id']}", headers=api.headers("admin")
    ).json()["conversation"]
    assert (stored["external_id"], stored["agent"]["id"]) == ("e" * 300, "a" * 200)


def note_id(api: Api) -> int:
    conv = api.world.conversations["ann-1"]
    made = api.client.post(
        f"{V1}/conversations/{conv}/notes",
        json={"text": "Try a reflection", "turn": 1},
        headers=api.headers("lead"),
    )
    assert made.status_code == 201, made.text
    return made.json()["id"]


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
def test_notes_and_replies_refuse_bad_text(api: Api, bad: str) -> None:
    conv = api.world.conversations["ann-1"]
    made = note_id(api)
    lead, agent = api.headers("lead"), api.headers("agent")
    cases = [
        ("POST", f"{V1}/conversations/{conv}/notes", {"text": bad}, lead),
        ("PATCH", f"{V1}/notes/{made}", {"text": bad}, lead),
        ("POST", f"{V1}/notes/{made}/replies", {"text": bad}, agent),
        ("POST", f"{V1}/notes/{made}/acknowledge", {"text": bad}, agent),
        ("POST", f"{V1}/notes/{made}/dispute", {"text": bad}, agent),
        ("POST", f"{V1}/notes/{made}/resolve", {"text": bad}, lead),
    ]
    for method, path, sent, headers in cases:
        refused(send(api.client, method, path, json=sent, headers=headers), "$.text")
    note = api.client.get(f"{V1}/notes/{made}", headers=lead).json()
    assert (note["text"], note["status"]) == ("Try a reflection", "open")


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
def test_survey_comment_refuses_bad_text(api: Api, bad: str) -> None:
    conv = api.world.conversations["ann-1"]
    link = api.client.get(f"{V1}/conversations/{conv}/survey-link", headers=api.headers("lead"))
    answer = send(
        api.client,
        "POST",
        f"{V1}/feedback/{link.json()['token']}",
        json={"csat": 4, "felt_heard": 5, "comment": bad},
    )
    refused(answer, "$.comment")
    assert api.store.counts()["feedback"] == 0


SIGN_IN = [
    ({"email": NUL, "password": "whatever1"}, "$.email", NUL_MESSAGE),
    ({"email": SURROGATE, "password": "whatever1"}, "$.email", SURROGATE_MESSAGE),
    ({"email": "bea@x.test", "password": NUL}, "$.password", NUL_MESSAGE),
    ({"email": "bea@x.test", "password": SURROGATE}, "$.password", SURROGATE_MESSAGE),
    ({"email": "b" * 321, "password": "whatever1"}, "$.email", "at most 320"),
]
USERS = [
    ({"email": f"x{NUL}@x.test", "role": "lead"}, "$.email", "email address"),
    ({"email": "x" * 320 + "@x.test", "role": "lead"}, "$.email", "at most 320"),
    ({"email": "no-at-sign", "role": "lead"}, "$.email", "email address"),
    ({"email": "x@x.test", "role": "lead", "name": NUL}, "$.name", NUL_MESSAGE),
    ({"email": "x@x.test", "role": "lead", "teams": ["t" * 201]}, "$.teams[0]", "200"),
    ({"email": "x@x.test", "role": "agent", "agent_id": "a" * 201}, "$.agent_id", "200"),
    ({"email": "x@x.test", "role": "lead", "password": f"long{SURROGATE}"}, "$.password", ""),
]


def test_sign_in_and_users_refuse_bad_values(api: Api) -> None:
    for sent, field, words in SIGN_IN:
        refused(send(api.client, "POST", f"{V1}/session", json=sent), field, words)
        assert api.client.get(f"{V1}/me").status_code == 401
    before = api.store.counts()["users"]
    for sent, field, words in USERS:
        answer = send(api.client, "POST", f"{V1}/users", json=sent, headers=api.headers("admin"))
        refused(answer, field, words)
    assert api.store.counts()["users"] == before
    user = api.world.users["bea"]
    for name, words in [(NUL, NUL_MESSAGE), ("n" * 201, "at most 200")]:
        answer = send(
            api.client,
            "POST",
            f"{V1}/users/{user}/tokens",
            json={"name": name},
            headers=api.headers("admin"),
        )
        refused(answer, "$.name", words)


FILTER_ROUTES = ["conversations", "trends", "distribution", "moments", "feedback", "export"]


FILTERS = [
    ({"missed": NUL}, "$.missed[0]", NUL_MESSAGE),
    ({"done": NUL}, "$.done[0]", NUL_MESSAGE),
    ({"done": "b" * 65}, "$.done[0]", "at most 64"),
    ({"start": "9999-12-31T23:59:59"}, "$.start", "2999-12-31"),
    ({"end": "0001-01-01T00:00:00-05:00"}, "$.end", "1900-01-01"),
]


def test_filters_refuse_bad_values(api: Api) -> None:
    for route in FILTER_ROUTES:
        for params, field, words in FILTERS:
            answer = api.client.get(f"{V1}/{route}", params=params, headers=api.headers("lead"))
            refused(answer, field, words)


def test_recognition_weeks_at_the_edges(api: Api) -> None:
    for week in ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"]:
        answer = api.client.get(
            f"{V1}/recognition", params={"week": week}, headers=api.headers("lead")
        )
        refused(answer, "$.week", "from 1900-01-01 to 2999-12-31")
    for week in ["1900-01-01", "2999-12-31"]:
        answer = api.client.get(
            f"{V1}/recognition", params={"week": week}, headers=api.headers("lead")
        )
        assert answer.status_code == 200, answer.text


def test_filters_at_the_ends_of_the_range_work(api: Api) -> None:
    params = {"start": "1900-01-01T00:00:00+14:00", "end": "2999-12-31T23:59:59-12:00"}
    for route in FILTER_ROUTES:
        answer = api.client.get(f"{V1}/{route}", params=params, headers=api.headers("lead"))
        assert answer.status_code == 200, (route, answer.text)
    listed = api.client.get(f"{V1}/conversations", params=params, headers=api.headers("admin"))
    assert listed.json()["total"] == 4


def test_live_ids_and_hints_refuse_bad_values(api: Api) -> None:
    for method, path in [
        ("GET", "live/%00"),
        ("POST", "live/%00/panel-link"),
        ("POST", "live/%00/hints"),
        ("GET", "live/" + "x" * 301),
    ]:
        answer = api.client.request(
            method, f"{V1}/{path}", json={"text": "hi"}, headers=api.headers("lead")
        )
        refused(answer, "$.conversation_id")
    answer = send(
        api.client, "POST", f"{V1}/live/c1/hints", json={"text": NUL}, headers=api.headers("lead")
    )
    refused(answer, "$.text", NUL_MESSAGE)


def test_a_note_on_a_conversation_without_turns(api: Api) -> None:
    """The API refuses a conversation without turns, but the live feed stores one when a call
    ends before anyone spoke; a note on it is a note on the conversation, never a 500."""
    empty = conversation("live-empty", agent="ann", team="Blue", turns=[("agent", "x")])
    empty.turns = []
    [item] = ingest(api.store, [empty]).items
    lead = api.headers("lead")
    whole = api.client.post(
        f"{V1}/conversations/{item.id}/notes", json={"text": "Call dropped?"}, headers=lead
    )
    assert whole.status_code == 201, whole.text
    on_turn = api.client.post(
        f"{V1}/conversations/{item.id}/notes", json={"text": "x", "turn": 0}, headers=lead
    )
    refused(on_turn, "turn", "it has no turns")
    detail = api.client.get(f"{V1}/conversations/{item.id}", headers=lead)
    assert detail.status_code == 200 and detail.json()["conversation"].get("turns", []) == []
    assert [
        n.text
        for n in coaching_notes.list_notes(api.store, Viewer.system(), conversation_id=item.id)
    ] == ["Call dropped?"]
