"""Cross-team writes (issue 18, defect 1): every path that stores conversations, called by
every role, for a conversation of the caller's own team, of another team and one that does
not exist. Nothing of another team is ever changed or revealed: a key another team uses makes
a new conversation in the caller's team, answered exactly as a key nobody uses; a team the
caller does not lead is refused alike whether it exists or not. And every route that takes an
id answers an object of another team exactly as one that does not exist."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from heard.store import Viewer, coaching_notes, surveys
from heard.store.records import NoteStatus
from teamdata import PASSWORD, conversation
from web.api.conftest import USER_OF_ROLE, Api
from web.api.test_matrix import CSRF, MATRIX, is_page

PATHS = ("one", "batch", "upload", "page")
"""The ways to store conversations: POST /api/v1/conversations, …/batch, …/upload, and the
upload page's form."""


def body_of(convs: list[Any]) -> list[dict[str, Any]]:
    return [json.loads(c.to_json()) for c in convs]


def store_through(api: Api, path: str, role: str, convs: list[Any]) -> tuple[int, dict]:
    """Store `convs` as `role` through `path`: (status, answer) with the answer reduced to
    what a caller learns (counts and statuses, or the error's code, field and message)."""
    api.client.cookies.clear()
    if path == "page":
        if role == "anonymous":
            answer = api.client.post("/upload", follow_redirects=False)
            return answer.status_code, {}
        email = f"{USER_OF_ROLE[role]}@x.test"
        api.client.post("/api/v1/session", json={"email": email, "password": PASSWORD})
        page = api.client.get("/upload")
        if page.status_code != 200:
            return page.status_code, {}
        token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        files = [
            ("files", (f"c{i}.json", json.dumps(b), "application/json"))
            for i, b in enumerate(body_of(convs))
        ]
        answer = api.client.post(
            "/upload",
            data={"csrf_token": token},
            files=files,
            headers={"accept": "application/json"},
        )
        results = answer.json()["results"]
        return answer.status_code, {
            "results": [
                {k: r.get(k) for k in ("ok", "created", "updated", "unchanged", "error")}
                for r in results
            ]
        }
    headers = api.headers(role)
    if path == "one":
        (one,) = body_of(convs)
        answer = api.client.post("/api/v1/conversations", headers=headers, json=one)
    elif path == "batch":
        answer = api.client.post(
            "/api/v1/conversations/batch",
            headers=headers,
            json={"conversations": body_of(convs)},
        )
    else:
        files = [
            ("files", (f"c{i}.json", json.dumps(b), "application/json"))
            for i, b in enumerate(body_of(convs))
        ]
        answer = api.client.post("/api/v1/conversations/upload", headers=headers, files=files)
    data = answer.json()
    if answer.status_code >= 400:
        error = data["error"]
        return answer.status_code, {k: error.get(k) for k in ("code", "field", "message")}
    return answer.status_code, {
        "counts": (data["created"], data["updated"], data["unchanged"]),
        "statuses": [item["status"] for item in data["items"]],
    }


def snapshot(api: Api, key: str) -> dict[str, Any]:
    """Everything stored about one of the world's conversations, as its admin sees it."""
    conversation_id = api.world.conversations[key]
    detail = api.store.get_conversation(Viewer.system(), conversation_id)
    return {
        "body": detail.conversation.to_json(),
        "team": detail.summary.team_id,
        "agent": detail.summary.agent_id,
        "score": detail.summary.listening_score,
        "notes": [(n.id, n.text) for n in detail.notes],
        "feedback": [(f.csat, f.felt_heard, f.comment) for f in detail.feedback],
    }


def with_note_and_answer(api: Api) -> None:
    """Bea's coaching note and a customer's survey answer on Ann's first conversation."""
    ann_1 = api.world.conversations["ann-1"]
    coaching_notes.create_note(
        api.store, api.world.viewer("bea"), ann_1, text="Lovely reflection here"
    )
    surveys.submit_feedback(api.store, ann_1, csat=4, felt_heard=5, comment="She listened")


def others_see(api: Api, role: str, key: str) -> int:
    return api.client.get(
        f"/api/v1/conversations/{api.world.conversations[key]}", headers=api.headers(role)
    ).status_code


@pytest.mark.parametrize("path", PATHS)
def test_a_lead_never_reaches_another_teams_conversation(api: Api, path: str) -> None:
    """Rex (lead of Red) sends Blue's ticket number under his own team, and a ticket number
    nobody uses: the same answer — a new conversation in Red — and Blue's is untouched, its
    note and survey answer unread."""
    with_note_and_answer(api)
    before = snapshot(api, "ann-1")
    other = store_through(
        api, path, "other_lead", [conversation("ann-1", agent="ann", team="Red", good=False)]
    )
    missing = store_through(
        api, path, "other_lead", [conversation("nobody-1", agent="ann", team="Red", good=False)]
    )
    assert other == missing
    assert other[0] == 200
    assert other[1] in (
        {"counts": (1, 0, 0), "statuses": ["created"]},
        {"results": [{"ok": True, "created": 1, "updated": 0, "unchanged": 0, "error": None}]},
    )
    assert snapshot(api, "ann-1") == before
    assert others_see(api, "other_lead", "ann-1") == 404
    assert others_see(api, "lead", "ann-1") == 200
    # Rex's "ann" is an agent of Red: Blue's Ann sees nothing of his conversations
    mine = api.store.list_conversations(api.world.viewer("ann"))
    assert {c.id for c in mine.items} == {
        api.world.conversations["ann-1"],
        api.world.conversations["ann-2"],
    }
    reds = api.store.list_conversations(api.world.viewer("rex")).items
    assert {c.external_id for c in reds} == {"ray-1", "ann-1", "nobody-1"}
    assert len({c.agent_id for c in reds if c.external_id != "ray-1"}) == 1
    assert api.world.agents["ann"] not in {c.agent_id for c in reds}


@pytest.mark.parametrize("path", PATHS)
def test_a_team_the_caller_does_not_lead_is_refused_alike_whether_it_exists_or_not(
    api: Api, path: str
) -> None:
    before = snapshot(api, "ann-1")
    blue = store_through(api, path, "other_lead", [conversation("ann-1", team="Blue")])
    green = store_through(api, path, "other_lead", [conversation("ann-1", team="Green")])
    mask = re.compile(r"'(Blue|Green)'")

    def masked(found: tuple[int, dict]) -> str:
        return mask.sub("'…'", json.dumps(found))

    assert masked(blue) == masked(green)
    if path == "page":
        (result,) = blue[1]["results"]
        assert result["ok"] is False
        assert result["error"] == (
            "you may store conversations of your teams only (Red), not of team 'Blue'"
        )
    else:
        assert blue[0] == 403
        assert blue[1]["code"] == "forbidden"
        assert blue[1]["field"] in ("agent.team", "conversations[0].agent.team")
    assert snapshot(api, "ann-1") == before
    assert "Green" not in {t.name for t in api.store.list_teams(Viewer.system())}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("role", ["anonymous", "agent", "other_agent"])
def test_agents_and_strangers_store_nothing_through_the_api(api: Api, path: str, role: str) -> None:
    """Agents feed their own conversations live only; nobody signed out stores anything. The
    answer is the same for their own team's conversation, another's and a new one."""
    before = snapshot(api, "ann-1")
    answers = [
        store_through(api, path, role, [conversation(key, agent="ann", team=team)])
        for key, team in (("ann-1", "Blue"), ("ray-1", "Red"), ("nobody-2", "Blue"))
    ]
    assert len({json.dumps(a) for a in answers}) == 1
    assert answers[0][0] in (401, 403, 303)
    assert snapshot(api, "ann-1") == before


@pytest.mark.parametrize("path", PATHS)
def test_a_lead_updates_their_own_teams_conversations(api: Api, path: str) -> None:
    changed = conversation("ann-1", agent="ann", agent_name="Ann", team="Blue", good=False)
    status, answer = store_through(api, path, "lead", [changed])
    assert status == 200
    assert answer in (
        {"counts": (0, 1, 0), "statuses": ["updated"]},
        {"results": [{"ok": True, "created": 0, "updated": 1, "unchanged": 0, "error": None}]},
    )
    detail = api.store.get_conversation(Viewer.system(), api.world.conversations["ann-1"])
    assert detail.summary.agent_id == api.world.agents["ann"]
    assert [t.text for t in detail.conversation.turns] == [t.text for t in changed.turns]


def test_a_lead_of_one_team_stores_teamless_conversations_in_it(api: Api) -> None:
    """A file that names no team goes to the team of the lead who uploads it (it used to be
    stored without one and vanish from that lead's view)."""
    status, answer = store_through(api, "one", "lead", [conversation("loose-1", team=None)])
    assert (status, answer["counts"]) == (200, (1, 0, 0))
    (found,) = [
        c
        for c in api.store.list_conversations(api.world.viewer("bea")).items
        if c.external_id == "loose-1"
    ]
    assert found.team_id == api.world.teams["Blue"]


def test_an_admin_moves_a_conversation_between_teams(api: Api) -> None:
    status, answer = store_through(
        api, "one", "admin", [conversation("ann-1", agent="ann", agent_name="Ann", team="Red")]
    )
    assert (status, answer["counts"]) == (200, (0, 1, 0))
    assert others_see(api, "other_lead", "ann-1") == 200
    assert others_see(api, "lead", "ann-1") == 404


@pytest.mark.parametrize("path", ["batch", "upload"])
def test_one_key_twice_in_one_ingest_is_refused_and_nothing_is_stored(api: Api, path: str) -> None:
    total = api.store.list_conversations(Viewer.system()).total
    twice = [
        conversation("dup-1", team="Blue"),
        conversation("other", team="Blue"),
        conversation("dup-1", team="Blue", good=False),
    ]
    status, answer = store_through(api, path, "admin", twice)
    assert status == 422
    assert answer == {
        "code": "invalid",
        "field": "conversations[2].external_id",
        "message": "conversations 0 and 2 have the same source 'test' and external id 'dup-1' "
        "in team 'Blue': send each conversation once",
    }
    assert api.store.list_conversations(Viewer.system()).total == total


# ------------------------------------------------------------------ routes that take an id

MISSING = {int: 2_000_000_000, str: "no-such-conversation"}
ROLES_THAT_MAY_NOT_SEE = ("other_agent", "other_lead")


def _missing(value: Any) -> Any:
    return MISSING[type(value)]


@pytest.mark.parametrize(
    "route",
    [
        key
        for key, call in MATRIX.items()
        if "{" in key[1] and "{token}" not in key[1] and "{user_id}" not in key[1]
    ],
    ids=lambda key: f"{key[0]} {key[1]}",
)
def test_another_teams_object_is_answered_as_a_missing_one(
    api: Api, route: tuple[str, str]
) -> None:
    """Every route with an id (conversation, note, live conversation, agent, token), called by
    someone who may not see the object: the same status, error code and message as for an id
    that does not exist (with the id masked) — it never says the object is there."""
    method, template = route
    call = MATRIX[route]
    for role in ROLES_THAT_MAY_NOT_SEE:
        params = call.path(api)
        found = _call(api, role, method, template, params, call)
        if found[0] != 404:
            continue  # allowed, or refused for the role alone (403 whatever the object)
        missing = _call(
            api, role, method, template, {k: _missing(v) for k, v in params.items()}, call
        )
        words = [str(v) for v in (*params.values(), *MISSING.values()) if isinstance(v, str)]
        pattern = "|".join([*(re.escape(w) for w in words), r"\d+"])
        masked = [re.sub(pattern, "ID", json.dumps(answer)) for answer in (found, missing)]
        assert masked[0] == masked[1], (role, method, template)


def _call(
    api: Api, role: str, method: str, template: str, params: dict[str, Any], call: Any
) -> tuple[int, Any]:
    api.client.cookies.clear()
    path = template.format(**params)
    if is_page(template):
        email = f"{USER_OF_ROLE[role]}@x.test"
        api.client.post("/api/v1/session", json={"email": email, "password": PASSWORD})
        token = CSRF.search(api.client.get("/sign-in").text).group(1)  # type: ignore[union-attr]
        answer = api.client.request(
            method,
            path,
            data={"csrf_token": token, **call.form(api)} if call.form else None,
            follow_redirects=False,
        )
        return answer.status_code, None
    answer = api.client.request(
        method,
        path,
        headers=api.headers(role),
        json=call.body(api) if call.body else None,
        params=call.params,
    )
    body = answer.json() if answer.status_code >= 400 else None
    return answer.status_code, body


def test_notes_of_another_team_stay_unchanged(api: Api) -> None:
    """Rex, who may not see Ann's conversation, changes nothing of its note by any route."""
    note = coaching_notes.create_note(
        api.store,
        api.world.viewer("bea"),
        api.world.conversations["ann-1"],
        text="Try a reflection",
    )
    headers = api.headers("other_lead")
    for method, path, body in (
        ("PATCH", f"/api/v1/notes/{note.id}", {"text": "Rewritten"}),
        ("POST", f"/api/v1/notes/{note.id}/replies", {"text": "Mine now"}),
        ("POST", f"/api/v1/notes/{note.id}/resolve", {}),
        ("DELETE", f"/api/v1/notes/{note.id}", None),
    ):
        assert api.client.request(method, path, headers=headers, json=body).status_code == 404
    kept = coaching_notes.get_note(api.store, Viewer.system(), note.id)
    assert (kept.text, kept.status, len(kept.events)) == (
        "Try a reflection",
        NoteStatus.OPEN,
        len(note.events),
    )
