"""The JSON API on SQLite and PostgreSQL: ingest, queries, notes, feedback, users, bad input."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq

from conftest import EXAMPLES
from teamdata import PASSWORD, PII_TURNS, conversation
from web.api.conftest import Api

V1 = "/api/v1"


def snapshot(api: Api) -> tuple[dict[str, int], list[tuple]]:
    """What is stored, to check that a refused request changed nothing."""
    page = api.store.list_conversations(api.world.viewer("admin"), limit=500)
    return (
        {k: v for k, v in api.store.counts().items() if k != "audit_log"},
        [(c.id, c.external_id, c.listening_score, c.turns) for c in page.items],
    )


def body(conv) -> dict:
    return json.loads(conv.to_json())


def test_ingest_json_is_idempotent_and_redacts(api: Api) -> None:
    headers = api.headers("lead")
    new = conversation("api-1", agent="ann", team="Blue", turns=PII_TURNS)
    first = api.client.post(f"{V1}/conversations", json=body(new), headers=headers)
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["redacted"]) == (1, True)
    again = api.client.post(f"{V1}/conversations", json=body(new), headers=headers)
    assert (again.json()["unchanged"], again.json()["items"][0]["id"]) == (
        1,
        first.json()["items"][0]["id"],
    )
    detail = api.client.get(
        f"{V1}/conversations/{first.json()['items'][0]['id']}", headers=headers
    ).json()
    assert "4111" not in detail["conversation"]["turns"][0]["text"]
    refused = api.client.post(
        f"{V1}/conversations", params={"redact": "false"}, json=body(new), headers=headers
    )
    assert refused.status_code == 403 and refused.json()["error"]["field"] == "redact"


def test_batch_is_all_or_nothing(api: Api) -> None:
    before = snapshot(api)
    good = body(conversation("batch-1", agent="ann", team="Blue"))
    bad = body(conversation("batch-2", agent="ann", team="Blue"))
    bad["turns"][1]["index"] = 7
    response = api.client.post(
        f"{V1}/conversations/batch",
        json={"conversations": [good, bad]},
        headers=api.headers("lead"),
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["field"] == "$.conversations[1]"
    assert "has index 7" in error["message"]
    assert snapshot(api) == before
    ok = api.client.post(
        f"{V1}/conversations/batch",
        json={"conversations": [good, body(conversation("batch-3", agent="abe", team="Blue"))]},
        headers=api.headers("lead"),
    )
    assert ok.status_code == 200 and ok.json()["created"] == 2


def test_upload_files_in_any_format(api: Api) -> None:
    files = [
        ("files", (p.name, p.read_bytes(), "application/octet-stream"))
        for p in sorted(EXAMPLES.glob("0[1-3]*.json"))
    ]
    text = b"Agent: Hello, how can I help?\nCustomer: My parcel never came.\n"
    files.append(("files", ("chat.txt", text, "text/plain")))
    response = api.client.post(
        f"{V1}/conversations/upload", files=files, headers=api.headers("admin")
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 4


def test_bad_uploads_are_refused_and_change_nothing(api: Api) -> None:
    before = snapshot(api)
    good = ("files", ("ok.json", (EXAMPLES / "01-call-interruptions.json").read_bytes(), "x"))
    broken = (
        "files",
        ("broken.jsonl", b'{"id": "a", "channel": "chat", "turns": []}\n{"id": ', "x"),
    )
    response = api.client.post(
        f"{V1}/conversations/upload", files=[good, broken], headers=api.headers("lead")
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["files"][0]["file"] == "broken.jsonl" and error["files"][0]["line"] == 2
    assert "broken.jsonl, line 2" in error["message"] and "nothing was stored" in error["message"]
    unknown = api.client.post(
        f"{V1}/conversations/upload",
        files=[good],
        data={"format": "no-such-format"},
        headers=api.headers("lead"),
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "format"
    big = ("files", ("big.json", b" " * 300_000, "x"))
    too_large = api.client.post(
        f"{V1}/conversations/upload", files=[big], headers=api.headers("lead")
    )
    assert too_large.status_code == 413 and too_large.json()["error"]["code"] == "too_large"
    malformed = api.client.post(
        f"{V1}/conversations",
        content=b'{"id": "x", "channel": ',
        headers={**api.headers("lead"), "Content-Type": "application/json"},
    )
    assert malformed.status_code == 422 and malformed.json()["error"]["code"] == "invalid"
    wrong = api.client.post(
        f"{V1}/conversations",
        json={"id": "x", "channel": "fax", "turns": []},
        headers=api.headers("lead"),
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "$.channel"
    assert snapshot(api) == before


def test_list_filters_and_one_conversation(api: Api) -> None:
    headers = api.headers("lead")
    page = api.client.get(f"{V1}/conversations", params={"missed": "dismissive"}, headers=headers)
    assert {c["external_id"] for c in page.json()["items"]} == {"ann-2", "abe-1"}
    page = api.client.get(
        f"{V1}/conversations",
        params={"agent": api.world.agents["ann"], "min_score": 50, "limit": 1},
        headers=headers,
    ).json()
    assert page["total"] == 1 and page["items"][0]["external_id"] == "ann-1"
    one = api.client.get(
        f"{V1}/conversations/{api.world.conversations['ann-1']}", headers=headers
    ).json()
    assert one["scorecard"]["findings"] and one["scorecard_info"]["current"] is True
    assert one["summary"]["agent"] == "Ann"
    bad = api.client.get(f"{V1}/conversations", params={"min_score": 101}, headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "$.min_score"


def test_dashboards(api: Api) -> None:
    headers = api.headers("lead")
    trends = api.client.get(f"{V1}/trends", params={"by": "day"}, headers=headers).json()
    assert sum(p["conversations"] for p in trends) == 3
    assert api.client.get(f"{V1}/distribution", headers=headers).json()["total"] == 3
    moments = api.client.get(f"{V1}/moments", headers=headers).json()
    assert moments["best"] and moments["worst"]
    recognition = api.client.get(
        f"{V1}/recognition", params={"week": "2026-03-04"}, headers=headers
    ).json()
    assert recognition["week"] == "2026-03-02" and recognition["min_conversations"] == 5
    assert [t["name"] for t in api.client.get(f"{V1}/teams", headers=headers).json()] == ["Blue"]


def test_export_csv_and_parquet(api: Api) -> None:
    headers = api.headers("lead")
    response = api.client.get(f"{V1}/export", params={"format": "csv"}, headers=headers)
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.strip().splitlines()
    assert lines[0].startswith("id,source,external_id") and len(lines) == 4
    assert "component_empathy" in lines[0]
    parquet = api.client.get(
        f"{V1}/export",
        params={"format": "parquet", "agent": api.world.agents["ann"]},
        headers=headers,
    )
    table = pq.read_table(io.BytesIO(parquet.content))
    assert sorted(table.column("external_id").to_pylist()) == ["ann-1", "ann-2"]


def test_notes_flow(api: Api) -> None:
    conv = api.world.conversations["ann-2"]
    created = api.client.post(
        f"{V1}/conversations/{conv}/notes",
        json={"text": "Acknowledge first", "turn": 1, "span_start": 0, "span_end": 10},
        headers=api.headers("lead"),
    )
    assert created.status_code == 201, created.text
    note = created.json()["id"]
    waiting = api.client.get(f"{V1}/notes", params={"status": "open"}, headers=api.headers("agent"))
    assert [n["id"] for n in waiting.json()] == [note]
    ack = api.client.post(f"{V1}/notes/{note}/acknowledge", json={}, headers=api.headers("agent"))
    assert ack.json()["status"] == "acknowledged"
    again = api.client.post(f"{V1}/notes/{note}/dispute", json={}, headers=api.headers("agent"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    span = api.client.post(
        f"{V1}/conversations/{conv}/notes",
        json={"text": "x", "turn": 1, "span_start": 5, "span_end": 9999},
        headers=api.headers("lead"),
    )
    assert span.status_code == 422 and span.json()["error"]["field"] == "span_end"


def test_survey_link_and_feedback(api: Api) -> None:
    conv = api.world.conversations["ann-1"]
    link = api.client.get(
        f"{V1}/conversations/{conv}/survey-link", headers=api.headers("lead")
    ).json()
    assert link["path"] == f"/survey/{link['token']}"
    submitted = api.client.post(
        f"{V1}/feedback/{link['token']}", json={"csat": 4, "felt_heard": 5, "comment": "thanks"}
    )
    assert submitted.status_code == 201 and submitted.json()["conversation_id"] == conv
    forged = api.client.post(f"{V1}/feedback/{link['token']}x", json={"csat": 4})
    assert forged.status_code == 404
    out_of_range = api.client.post(f"{V1}/feedback/{link['token']}", json={"csat": 9})
    assert out_of_range.status_code == 422
    pairs = api.client.get(f"{V1}/feedback/pairs", headers=api.headers("agent")).json()
    assert [(p["csat"], p["felt_heard"]) for p in pairs] == [(4, 5)]


def test_session_cookie_and_tokens(api: Api) -> None:
    client = api.client
    client.cookies.clear()
    wrong = client.post(f"{V1}/session", json={"email": "bea@x.test", "password": "nope"})
    assert wrong.status_code == 401
    signed = client.post(f"{V1}/session", json={"email": "bea@x.test", "password": PASSWORD})
    assert signed.status_code == 200
    assert client.get(f"{V1}/me").json()["email"] == "bea@x.test"
    assert client.get(f"{V1}/users").status_code == 403
    client.delete(f"{V1}/session")
    assert client.get(f"{V1}/me").status_code == 401
    admin = api.headers("admin")
    user = client.post(
        f"{V1}/users",
        json={"email": "new@x.test", "role": "lead", "password": PASSWORD, "teams": ["Red"]},
        headers=admin,
    ).json()
    token = client.post(
        f"{V1}/users/{user['id']}/tokens", json={"scopes": ["read"]}, headers=admin
    ).json()
    reader = {"Authorization": f"Bearer {token['token']}"}
    assert [t["name"] for t in client.get(f"{V1}/teams", headers=reader).json()] == ["Red"]
    scoped = client.post(
        f"{V1}/conversations/{api.world.conversations['ray-1']}/notes",
        json={"text": "hi"},
        headers=reader,
    )
    assert scoped.status_code == 403 and "write" in scoped.json()["error"]["message"]
    client.delete(f"{V1}/tokens/{token['id']}", headers=admin)
    assert client.get(f"{V1}/teams", headers=reader).status_code == 401
    actions = {e["action"] for e in client.get(f"{V1}/audit", headers=admin).json()}
    assert {"create", "revoke", "sign_in"} <= actions
