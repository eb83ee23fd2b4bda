"""POST /api/v1/replies/check: a draft checked against heard JSON or an importer format's
text, for any signed-in role; bad input gets a 4xx naming the field; nothing is stored."""

from __future__ import annotations

import json
import time

import pytest

from conftest import EXAMPLES
from web.api.conftest import Api

URL = "/api/v1/replies/check"
CHAT = {
    "id": "draft-1",
    "channel": "chat",
    "turns": [
        {
            "index": 0,
            "role": "customer",
            "text": "Can I change the delivery address to 12 Elm Street?",
        },
        {
            "index": 1,
            "role": "customer",
            "text": "Also, when will the refund for the broken lamp come through?",
        },
    ],
}
TEXT = (
    "Customer: Can I change the delivery address to 12 Elm Street?\n"
    "Customer: Also, when will the refund for the broken lamp come through?\n"
)
SKIPS = "I've changed the delivery address to 12 Elm Street. You'll get an email within the hour."
BOTH = (
    "I've changed the delivery address to 12 Elm Street, and the refund for the broken lamp "
    "will reach your card within 3 working days."
)
QUESTION = "Also, when will the refund for the broken lamp come through?"


@pytest.mark.parametrize("role", ["agent", "lead", "admin"])
def test_a_skipped_question_is_named(api: Api, role: str) -> None:
    answer = api.client.post(
        URL, json={"conversation": CHAT, "draft": SKIPS}, headers=api.headers(role)
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "issues": [
            {
                "kind": "unaddressed_concern",
                "message": f"They asked “{QUESTION}” — this reply doesn't answer it.",
                "suggestion": "Answer that question directly — or, if you can't yet, say when "
                "you will.",
                "concern": QUESTION,
                "span": None,
            }
        ],
        "ok": False,
    }


@pytest.mark.parametrize("body", [{"conversation": CHAT}, {"content": TEXT, "format": "text"}])
def test_a_draft_answering_both_is_ok(api: Api, body: dict) -> None:
    answer = api.client.post(URL, json={**body, "draft": BOTH}, headers=api.headers("agent"))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"issues": [], "ok": True}


def test_content_in_an_importer_format(api: Api) -> None:
    answer = api.client.post(
        URL, json={"content": TEXT, "format": "auto", "draft": SKIPS}, headers=api.headers("agent")
    )
    assert answer.status_code == 200, answer.text
    assert [i["concern"] for i in answer.json()["issues"]] == [QUESTION]


def test_spans_point_into_the_draft(api: Api) -> None:
    draft = "We'll issue an RMA by Friday."
    answer = api.client.post(
        URL,
        json={"content": "Customer: My lamp is broken. I want a new one.\n", "draft": draft},
        headers=api.headers("agent"),
    )
    assert answer.status_code == 200, answer.text
    jargon = [i for i in answer.json()["issues"] if i["kind"] == "jargon"]
    assert [draft[i["span"]["start"] : i["span"]["end"]] for i in jargon] == ["RMA"]
    assert jargon[0]["suggestion"] == "Say “return label” instead."


def test_nothing_is_stored(api: Api) -> None:
    before = api.client.get("/api/v1/conversations", headers=api.headers("admin")).json()
    api.client.post(URL, json={"conversation": CHAT, "draft": SKIPS}, headers=api.headers("admin"))
    after = api.client.get("/api/v1/conversations", headers=api.headers("admin")).json()
    assert after == before


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"conversation": CHAT, "draft": ""}, "$.draft", "at least 1 character"),
        ({"conversation": CHAT, "draft": "   "}, "draft", "the draft is empty"),
        ({"conversation": CHAT}, "$.draft", "Field required"),
        ({"draft": "Hi"}, None, "either conversation"),
        ({"conversation": CHAT, "content": TEXT, "draft": "Hi"}, None, "either conversation"),
        (
            {
                "conversation": {**CHAT, "turns": [{"index": 0, "role": "boss", "text": "x"}]},
                "draft": "Hi",
            },
            "$.conversation.turns[0].role",
            "",
        ),
        ({"conversation": {**CHAT, "channel": "fax"}, "draft": "Hi"}, "$.conversation.channel", ""),
        ({"content": TEXT, "format": "fax", "draft": "Hi"}, "format", "unknown format 'fax'"),
        ({"content": "{not json", "format": "json", "draft": "Hi"}, "content", "content"),
        ({"content": "\x00\x01", "draft": "Hi"}, "content", "could not recognise the format"),
    ],
)
def test_bad_input_names_the_field(api: Api, body: dict, field: str | None, words: str) -> None:
    answer = api.client.post(URL, json=body, headers=api.headers("agent"))
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error.get("field") == field or (field is None and "field" not in error), error
    assert words in error["message"]


def test_several_conversations_need_an_id(api: Api) -> None:
    lines = "\n".join(json.dumps({**CHAT, "id": name}) for name in ("draft-1", "draft-2"))
    answer = api.client.post(
        URL,
        json={"content": lines, "format": "jsonl", "draft": SKIPS},
        headers=api.headers("agent"),
    )
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["field"] == "id"
    assert "holds 2 conversations" in error["message"] and "draft-1, draft-2" in error["message"]
    answer = api.client.post(
        URL,
        json={"content": lines, "format": "jsonl", "id": "draft-2", "draft": SKIPS},
        headers=api.headers("agent"),
    )
    assert answer.status_code == 200, answer.text


def test_anonymous_is_refused(api: Api) -> None:
    answer = api.client.post(URL, json={"conversation": CHAT, "draft": SKIPS})
    assert answer.status_code == 401


def test_an_example_file_checks_in_milliseconds(api: Api) -> None:
    conversation = json.loads((EXAMPLES / "04-email-multi-concern.json").read_text())
    conversation["turns"] = conversation["turns"][:1]  # the customer's three-point email
    body = {
        "content": json.dumps(conversation),
        "format": "json",
        "draft": "Hi Helen, thanks for your email.",
    }
    headers = api.headers("agent")
    api.client.post(URL, json=body, headers=headers)  # warm up: detectors and models load once
    started = time.perf_counter()
    for _ in range(20):
        answer = api.client.post(URL, json=body, headers=headers)
        assert answer.status_code == 200
    mean = (time.perf_counter() - started) / 20
    kinds = [i["kind"] for i in answer.json()["issues"]]
    assert kinds.count("unaddressed_concern") == 3, answer.json()
    assert mean < 0.25, mean  # ~10–20 ms on a quiet machine; generous for a busy shared one
