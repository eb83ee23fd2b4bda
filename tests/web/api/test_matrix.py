"""The role × route matrix: every API route, called by each kind of caller, answers as expected."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.routing import Route

from conftest import EXAMPLES
from heard.store import (
    accounts,
    api_tokens,
    calibration,
    coaching_notes,
    disputes,
    recordings,
    reviews,
    saved_views,
)
from heard.store.records import Scope
from heard.web.auth import survey_token
from teamdata import PASSWORD, analyzer, conversation, ingest
from web.api.conftest import ROLES, USER_OF_ROLE, Api

# Expected status per caller, in ROLES order:
# anonymous, agent (Ann, owns the conversation), other agent (Abe, same team),
# lead (Bea, Ann's lead), other lead (Rex, another team), admin.
EVERYONE = (401, 200, 200, 200, 200, 200)
OWNER_LEAD_ADMIN = (401, 200, 404, 200, 404, 200)
TEAM_LEAD_ADMIN_WRITE = (401, 403, 403, 200, 403, 200)
"""Storing conversations of Ann's team (Blue): her lead and admins; Rex leads another team."""
ADMIN_ONLY = (401, 403, 403, 403, 403, 200)
PUBLIC = (200,) * 6
# Pages answer a signed-out caller with a redirect to /sign-in (303) and refusals with HTML.
PAGE_EVERYONE = (303, 200, 200, 200, 200, 200)
PAGE_OWNER_LEAD_ADMIN = (303, 200, 404, 200, 404, 200)
PAGE_LEAD_ADMIN = (303, 403, 403, 200, 200, 200)
PAGE_ADMIN_ONLY = (303, 403, 403, 403, 403, 200)
PAGE_ADMIN_WRITE = (303, 403, 403, 403, 403, 303)


@dataclass
class Call:
    expected: tuple[int, ...]
    path: Callable[[Api], dict[str, Any]] = lambda api: {}
    body: Callable[[Api], Any] | None = None
    files: Callable[[Api], Any] | None = None
    params: dict[str, Any] | None = None
    form: Callable[[Api], dict[str, Any]] | None = None


def conv(api: Api) -> dict[str, Any]:
    return {"conversation_id": api.world.conversations["ann-1"]}


def recorded(api: Api) -> dict[str, Any]:
    """Ann's conversation, with audio kept (the same bytes each time: kept once)."""
    recordings.keep(
        api.store,
        api.world.conversations["ann-1"],
        b"RIFF....WAVEfmt ",
        content_type="audio/wav",
        seconds=1.0,
        channels=1,
        sample_rate=8000,
        silenced_seconds=0.0,
        redacted=True,
    )
    return conv(api)


def fresh_note(api: Api) -> dict[str, Any]:
    """A new open note by Bea on Ann's conversation, so every caller finds it open."""
    note = coaching_notes.create_note(
        api.store,
        api.world.viewer("bea"),
        api.world.conversations["ann-1"],
        text="Try a reflection here",
    )
    return {"note_id": note.id}


def fresh_token(api: Api) -> dict[str, Any]:
    record, _ = api_tokens.create_token(api.store, api.world.users["ann"], scopes=[Scope.READ])
    return {"token_id": record.id}


def new_user(api: Api) -> dict[str, Any]:
    count = len(accounts.list_users(api.store))
    return {"email": f"user{count}@x.test", "role": "agent", "password": PASSWORD}


def one_conversation(api: Api) -> dict[str, Any]:
    return json.loads(conversation("matrix-1", agent="ann", team="Blue").to_json())


def live_conversation(api: Api) -> dict[str, Any]:
    """A live conversation of Ann's (started once through the feed socket)."""
    key = "matrix-live"
    if not api.app.state.live.in_memory(key):
        headers = api.headers("agent")
        with api.client.websocket_connect(f"/api/v1/live/{key}", headers=headers) as socket:
            assert socket.receive_json()["type"] == "hello"
            socket.send_json({"type": "start", "seq": 1, "channel": "chat"})
            assert socket.receive_json()["type"] == "ack"
    return {"conversation_id": key}


def fresh_view(api: Api) -> dict[str, Any]:
    """A new saved view of Bea's, so every caller finds it there."""
    count = len(saved_views.list_views(api.store, api.world.viewer("bea")))
    view = saved_views.save(api.store, api.world.viewer("bea"), name=f"v{count}", filters={})
    return {"view_id": view.id}


def view_name(api: Api) -> dict[str, Any]:
    """A name no caller has used yet."""
    names = sum(
        len(saved_views.list_views(api.store, api.world.viewer(u))) for u in api.world.users
    )
    return {"name": f"view {names}"}


def reset_link(api: Api) -> dict[str, Any]:
    """A fresh reset link of a user of its own (so no caller's password changes)."""
    from heard.store import UserRole, accounts

    user = accounts.create_user(
        api.store, f"reset{len(accounts.list_users(api.store))}@x.test", role=UserRole.AGENT
    )
    _, secret = accounts.issue_reset(api.store, user.id, hours=1)
    return {"secret": secret}


def fresh_review(api: Api) -> dict[str, Any]:
    """A new review of ann-1 by Abe, assigned by Bea (Blue's lead)."""
    store, world = api.store, api.world
    made = calibration.create_session(
        store,
        world.viewer("bea"),
        name="matrix",
        reviewer_ids=[world.users["abe"], world.users["bea"]],
        conversation_ids=[world.conversations["ann-1"]],
    )
    found = reviews.list_reviews(store, world.viewer("abe"), session_id=made.id)
    return {"review_id": found[0].id, "session_id": made.id}


def review_answers(api: Api) -> dict[str, Any]:
    """Every behaviour of ann-1's checklist answered "done"."""
    card = api.store.get_conversation(api.world.viewer("admin"), api.world.conversations["ann-1"])
    assert card.scorecard is not None
    return {"behaviours": {i.behaviour: "done" for i in card.scorecard.checklist}}


def assign_body(api: Api) -> dict[str, Any]:
    return {"reviewer": api.world.users["bea"], "conversations": [api.world.conversations["ann-2"]]}


def session_body(api: Api) -> dict[str, Any]:
    return {
        "name": "Calibrate",
        "reviewers": [api.world.users["abe"], api.world.users["bea"]],
        "conversations": [api.world.conversations["ann-1"]],
    }


def ann_conversation(api: Api) -> dict[str, Any]:
    """A new conversation of Ann's (Blue), so she can dispute its score once per caller."""
    count = len(api.store.list_conversations(api.world.viewer("admin"), limit=500).items)
    made = conversation(f"matrix-d{count}", agent="ann", agent_name="Ann", team="Blue")
    report = ingest(api.store, [made], analyzer=analyzer())
    return {"conversation_id": report.items[0].id}


def fresh_dispute(api: Api) -> dict[str, Any]:
    """A new open dispute of Ann's on a new conversation of hers, so every caller finds it open."""
    conversation_id = ann_conversation(api)["conversation_id"]
    made = disputes.raise_dispute(
        api.store, api.world.viewer("ann"), conversation_id, score="listening_score", reason="Low"
    )
    return {"dispute_id": made.id}


def survey(api: Api) -> dict[str, Any]:
    return {"token": survey_token(api.settings, api.world.conversations["ann-1"])}


MATRIX: dict[tuple[str, str], Call] = {
    ("GET", "/"): Call((303,) * 6),
    ("GET", "/sign-in"): Call(PUBLIC),
    ("POST", "/sign-in"): Call(
        (303,) * 6, form=lambda api: {"email": "abe@x.test", "password": PASSWORD}
    ),
    ("POST", "/sign-out"): Call((303,) * 6, form=lambda api: {}),
    ("GET", "/dashboard"): Call(PAGE_LEAD_ADMIN),
    ("GET", "/conversations"): Call(PAGE_EVERYONE),  # each sees their own (test_conversation_list)
    ("GET", "/conversations/{conversation_id}"): Call(PAGE_OWNER_LEAD_ADMIN, path=conv),
    ("POST", "/conversations/views"): Call((303,) * 6, form=view_name),
    ("POST", "/conversations/views/{view_id}/delete"): Call(
        (303, 404, 404, 303, 404, 404), path=fresh_view, form=lambda api: {}
    ),
    ("POST", "/conversations/{conversation_id}/notes"): Call(
        (303, 403, 404, 303, 404, 303), path=conv, form=lambda api: {"text": "Try this", "turn": 1}
    ),
    ("POST", "/notes/{note_id}/acknowledge"): Call(
        (303, 303, 404, 403, 404, 403), path=fresh_note, form=lambda api: {}
    ),
    ("POST", "/notes/{note_id}/dispute"): Call(
        (303, 303, 404, 403, 404, 403), path=fresh_note, form=lambda api: {"text": "No"}
    ),
    ("POST", "/notes/{note_id}/resolve"): Call(
        (303, 403, 404, 303, 404, 303), path=fresh_note, form=lambda api: {}
    ),
    ("POST", "/notes/{note_id}/replies"): Call(
        (303, 303, 404, 303, 404, 303), path=fresh_note, form=lambda api: {"text": "Thanks"}
    ),
    ("GET", "/me"): Call((303, 200, 200, 403, 403, 403)),
    ("GET", "/agents/{agent_id}"): Call(
        PAGE_OWNER_LEAD_ADMIN, path=lambda api: {"agent_id": api.world.agents["ann"]}
    ),
    ("GET", "/disputes"): Call(PAGE_EVERYONE),
    ("POST", "/disputes/{dispute_id}/accept"): Call(
        (303, 403, 404, 303, 404, 303), path=fresh_dispute, form=lambda api: {}
    ),
    ("POST", "/disputes/{dispute_id}/reject"): Call(
        (303, 403, 404, 303, 404, 303), path=fresh_dispute, form=lambda api: {"reply": "Stands"}
    ),
    ("POST", "/conversations/{conversation_id}/disputes"): Call(
        (303, 303, 404, 403, 404, 403),
        path=ann_conversation,
        form=lambda api: {"target": "score:listening_score", "reason": "Too low"},
    ),
    ("GET", "/reviews"): Call(PAGE_EVERYONE),
    ("POST", "/reviews/assign"): Call(
        (303, 403, 403, 303, 404, 303),
        form=lambda api: {
            "reviewer": str(api.world.users["bea"]),
            "conversation": str(api.world.conversations["abe-1"]),
        },
    ),
    # Abe reviews it, Bea leads Blue; Ann (whose conversation it is) and Rex (Red) see nothing
    ("GET", "/reviews/{review_id}"): Call((303, 404, 200, 200, 404, 200), path=fresh_review),
    ("POST", "/reviews/{review_id}"): Call(
        (303, 404, 303, 403, 404, 403),
        path=fresh_review,
        form=lambda api: {f"b:{b}": v for b, v in review_answers(api)["behaviours"].items()},
    ),
    ("GET", "/calibrations/{session_id}"): Call((303, 404, 200, 200, 404, 200), path=fresh_review),
    ("POST", "/calibrations/{session_id}/close"): Call(
        (303, 404, 403, 303, 404, 303), path=fresh_review, form=lambda api: {}
    ),
    ("GET", "/recognition"): Call(PAGE_EVERYONE),
    ("GET", "/feedback"): Call(PAGE_LEAD_ADMIN),
    ("GET", "/upload"): Call(PAGE_LEAD_ADMIN),
    ("POST", "/upload"): Call(
        PAGE_LEAD_ADMIN,
        form=lambda api: {},
        files=lambda api: [
            ("files", ("c.json", (EXAMPLES / "09-chat-happy-short.json").read_bytes(), "x"))
        ],
    ),
    ("GET", "/live"): Call(PAGE_LEAD_ADMIN),
    ("GET", "/live/{conversation_id}"): Call(
        (303, 403, 403, 200, 404, 200), path=live_conversation
    ),
    ("GET", "/live/{conversation_id}/panel"): Call(PAGE_OWNER_LEAD_ADMIN, path=live_conversation),
    ("POST", "/live/{conversation_id}/hints"): Call(
        (303, 403, 403, 303, 404, 303),
        path=live_conversation,
        form=lambda api: {"text": "Slow down"},
    ),
    ("GET", "/admin"): Call((303, 403, 403, 403, 403, 303)),
    ("GET", "/admin/users"): Call(PAGE_ADMIN_ONLY),
    ("POST", "/admin/users"): Call(PAGE_ADMIN_WRITE, form=new_user),
    ("GET", "/admin/users/{user_id}"): Call(
        PAGE_ADMIN_ONLY, path=lambda api: {"user_id": api.world.users["ann"]}
    ),
    ("POST", "/admin/users/{user_id}"): Call(
        PAGE_ADMIN_WRITE,
        path=lambda api: {"user_id": api.world.users["rex"]},
        form=lambda api: {"name": "Rex", "role": "lead", "teams": ["Red"]},
    ),
    ("POST", "/admin/users/{user_id}/active"): Call(
        PAGE_ADMIN_WRITE,
        path=lambda api: {"user_id": api.world.users["rex"]},
        form=lambda api: {"active": "true"},
    ),
    ("POST", "/admin/users/{user_id}/reset-link"): Call(
        PAGE_ADMIN_ONLY,
        path=lambda api: {"user_id": api.world.users["abe"]},
        form=lambda api: {},
    ),
    ("POST", "/admin/users/{user_id}/tokens"): Call(
        (303, 403, 403, 403, 403, 201),
        path=lambda api: {"user_id": api.world.users["ann"]},
        form=lambda api: {"scopes": ["read"], "name": "matrix"},
    ),
    ("POST", "/admin/tokens/{token_id}/revoke"): Call(
        PAGE_ADMIN_WRITE, path=fresh_token, form=lambda api: {}
    ),
    ("GET", "/admin/audit"): Call(PAGE_ADMIN_ONLY),
    ("GET", "/account/password"): Call(PAGE_EVERYONE),
    ("POST", "/account/password"): Call(
        (303, 422, 422, 422, 422, 422),  # the new password typed twice differently
        form=lambda api: {
            "current_password": PASSWORD,
            "new_password": "one new password",
            "confirm": "another new password",
        },
    ),
    ("GET", "/reset/{secret}"): Call(PUBLIC, path=reset_link),
    ("POST", "/reset/{secret}"): Call(
        PUBLIC,
        path=reset_link,
        form=lambda api: {"password": "a chosen password", "confirm": "a chosen password"},
    ),
    ("GET", "/survey/{token}"): Call(PUBLIC, path=survey),
    ("POST", "/survey/{token}"): Call(
        PUBLIC, path=survey, form=lambda api: {"csat": "4", "felt_heard": "5"}
    ),
    ("GET", "/openapi.json"): Call(PUBLIC),
    ("GET", "/api/docs"): Call(PUBLIC),
    ("GET", "/docs/oauth2-redirect"): Call(PUBLIC),
    ("GET", "/api/v1/agents"): Call(EVERYONE),
    ("GET", "/api/v1/agents/{agent_id}"): Call(
        OWNER_LEAD_ADMIN, path=lambda api: {"agent_id": api.world.agents["ann"]}
    ),
    ("GET", "/api/v1/audit"): Call(ADMIN_ONLY),
    ("GET", "/api/v1/conversations"): Call(EVERYONE),
    ("POST", "/api/v1/conversations"): Call(TEAM_LEAD_ADMIN_WRITE, body=one_conversation),
    ("POST", "/api/v1/conversations/batch"): Call(
        TEAM_LEAD_ADMIN_WRITE, body=lambda api: {"conversations": [one_conversation(api)]}
    ),
    ("POST", "/api/v1/conversations/upload"): Call(
        TEAM_LEAD_ADMIN_WRITE,
        files=lambda api: [("files", ("c.json", json.dumps(one_conversation(api)), "x"))],
    ),
    ("GET", "/api/v1/conversations/{conversation_id}"): Call(OWNER_LEAD_ADMIN, path=conv),
    ("GET", "/api/v1/conversations/{conversation_id}/notes"): Call(OWNER_LEAD_ADMIN, path=conv),
    ("POST", "/api/v1/conversations/{conversation_id}/notes"): Call(
        (401, 403, 404, 201, 404, 201), path=conv, body=lambda api: {"text": "Nice paraphrase"}
    ),
    ("GET", "/api/v1/conversations/{conversation_id}/audio"): Call(OWNER_LEAD_ADMIN, path=recorded),
    ("GET", "/api/v1/conversations/{conversation_id}/survey-link"): Call(
        (401, 403, 403, 200, 404, 200), path=conv
    ),
    ("GET", "/api/v1/conversations/{conversation_id}/disputes"): Call(OWNER_LEAD_ADMIN, path=conv),
    ("GET", "/api/v1/conversations/{conversation_id}/dispute-targets"): Call(
        OWNER_LEAD_ADMIN, path=conv
    ),
    ("POST", "/api/v1/conversations/{conversation_id}/disputes"): Call(
        (401, 201, 404, 403, 404, 403),
        path=ann_conversation,
        body=lambda api: {"score": "listening_score", "reason": "Too low"},
    ),
    ("GET", "/api/v1/disputes"): Call(EVERYONE),
    ("GET", "/api/v1/disputes/{dispute_id}"): Call(OWNER_LEAD_ADMIN, path=fresh_dispute),
    ("POST", "/api/v1/disputes/{dispute_id}/accept"): Call(
        (401, 403, 404, 200, 404, 200), path=fresh_dispute, body=lambda api: {}
    ),
    ("POST", "/api/v1/disputes/{dispute_id}/reject"): Call(
        (401, 403, 404, 200, 404, 200), path=fresh_dispute, body=lambda api: {"reply": "Stands"}
    ),
    ("GET", "/api/v1/agents/{agent_id}/home"): Call(
        OWNER_LEAD_ADMIN, path=lambda api: {"agent_id": api.world.agents["ann"]}
    ),
    ("GET", "/api/v1/distribution"): Call(EVERYONE),
    ("GET", "/api/v1/export"): Call(EVERYONE, params={"format": "csv"}),
    ("GET", "/api/v1/feedback"): Call(EVERYONE),
    ("GET", "/api/v1/feedback/pairs"): Call(EVERYONE),
    ("POST", "/api/v1/feedback/{token}"): Call(
        (200,) * 6,  # the survey page's row answered ann-1 first: each of these replaces it
        path=lambda api: {"token": survey_token(api.settings, api.world.conversations["ann-1"])},
        body=lambda api: {"csat": 5, "felt_heard": 4},
    ),
    ("GET", "/api/v1/live"): Call(EVERYONE),
    ("GET", "/api/v1/live-metrics"): Call(ADMIN_ONLY),
    ("DELETE", "/api/v1/live-metrics"): Call((401, 403, 403, 403, 403, 204)),
    ("GET", "/api/v1/live/{conversation_id}"): Call(OWNER_LEAD_ADMIN, path=live_conversation),
    ("POST", "/api/v1/live/{conversation_id}/panel-link"): Call(
        (401, 201, 404, 201, 404, 201), path=live_conversation
    ),
    ("POST", "/api/v1/live/{conversation_id}/hints"): Call(
        (401, 403, 403, 201, 404, 201),
        path=live_conversation,
        body=lambda api: {"text": "Acknowledge first"},
    ),
    ("GET", "/api/v1/me"): Call(EVERYONE),
    ("GET", "/api/v1/moments"): Call(EVERYONE),
    ("GET", "/api/v1/notes"): Call(EVERYONE),
    ("GET", "/api/v1/saved-views"): Call(EVERYONE),
    ("POST", "/api/v1/saved-views"): Call((401, 201, 201, 201, 201, 201), body=view_name),
    ("DELETE", "/api/v1/saved-views/{view_id}"): Call(
        (401, 404, 404, 204, 404, 404), path=fresh_view
    ),
    ("GET", "/api/v1/notes/{note_id}"): Call(OWNER_LEAD_ADMIN, path=fresh_note),
    ("PATCH", "/api/v1/notes/{note_id}"): Call(
        (401, 403, 404, 200, 404, 200), path=fresh_note, body=lambda api: {"text": "Edited"}
    ),
    ("DELETE", "/api/v1/notes/{note_id}"): Call((401, 403, 404, 204, 404, 204), path=fresh_note),
    ("POST", "/api/v1/notes/{note_id}/replies"): Call(
        OWNER_LEAD_ADMIN, path=fresh_note, body=lambda api: {"text": "Thanks"}
    ),
    ("POST", "/api/v1/notes/{note_id}/acknowledge"): Call(
        (401, 200, 404, 403, 404, 403), path=fresh_note, body=lambda api: {}
    ),
    ("POST", "/api/v1/notes/{note_id}/dispute"): Call(
        (401, 200, 404, 403, 404, 403), path=fresh_note, body=lambda api: {"text": "I disagree"}
    ),
    ("POST", "/api/v1/notes/{note_id}/resolve"): Call(
        (401, 403, 404, 200, 404, 200), path=fresh_note, body=lambda api: {}
    ),
    ("GET", "/api/v1/recognition"): Call(EVERYONE),
    ("GET", "/api/v1/reviewers"): Call((401, 403, 403, 200, 200, 200)),
    ("GET", "/api/v1/reviews"): Call(EVERYONE),
    ("POST", "/api/v1/reviews"): Call((401, 403, 403, 201, 404, 201), body=assign_body),
    ("GET", "/api/v1/reviews/{review_id}"): Call((401, 404, 200, 200, 404, 200), path=fresh_review),
    ("POST", "/api/v1/reviews/{review_id}/answers"): Call(
        (401, 404, 200, 403, 404, 403), path=fresh_review, body=review_answers
    ),
    ("GET", "/api/v1/review-labels"): Call((401, 403, 403, 200, 200, 200)),
    ("GET", "/api/v1/calibrations"): Call(EVERYONE),
    ("POST", "/api/v1/calibrations"): Call((401, 403, 403, 201, 404, 201), body=session_body),
    ("GET", "/api/v1/calibrations/{session_id}"): Call(
        (401, 404, 200, 200, 404, 200), path=fresh_review
    ),
    ("POST", "/api/v1/calibrations/{session_id}/close"): Call(
        (401, 404, 403, 200, 404, 200), path=fresh_review
    ),
    ("POST", "/api/v1/replies/check"): Call(
        EVERYONE,
        body=lambda api: {
            "content": "Customer: Can I change the delivery address?\n",
            "draft": "Yes, I've changed it; you'll get an email within the hour.",
        },
    ),
    ("POST", "/api/v1/session"): Call(
        PUBLIC, body=lambda api: {"email": "ann@x.test", "password": PASSWORD}
    ),
    ("DELETE", "/api/v1/session"): Call((204,) * 6),
    ("GET", "/api/v1/teams"): Call(EVERYONE),
    ("DELETE", "/api/v1/tokens/{token_id}"): Call(ADMIN_ONLY, path=fresh_token),
    ("GET", "/api/v1/trends"): Call(EVERYONE),
    ("GET", "/api/v1/users"): Call(ADMIN_ONLY),
    ("POST", "/api/v1/users"): Call((401, 403, 403, 403, 403, 201), body=new_user),
    ("GET", "/api/v1/users/{user_id}"): Call(
        ADMIN_ONLY, path=lambda api: {"user_id": api.world.users["ann"]}
    ),
    ("PATCH", "/api/v1/users/{user_id}"): Call(
        ADMIN_ONLY,
        path=lambda api: {"user_id": api.world.users["rex"]},
        body=lambda api: {"name": "Rex", "role": "lead", "teams": ["Red"], "active": True},
    ),
    ("POST", "/api/v1/users/{user_id}/reset-link"): Call(
        (401, 403, 403, 403, 403, 201), path=lambda api: {"user_id": api.world.users["abe"]}
    ),
    ("GET", "/api/v1/users/{user_id}/tokens"): Call(
        ADMIN_ONLY, path=lambda api: {"user_id": api.world.users["ann"]}
    ),
    ("POST", "/api/v1/users/{user_id}/tokens"): Call(
        (401, 403, 403, 403, 403, 201),
        path=lambda api: {"user_id": api.world.users["ann"]},
        body=lambda api: {"scopes": ["read"]},
    ),
}


def app_routes(routes: list[Any]) -> set[tuple[str, str]]:
    """(method, path) of every route, including those of included routers (FastAPI ≥ 0.16x
    keeps them behind a wrapper whose effective routes carry the full path)."""
    found: set[tuple[str, str]] = set()
    for route in routes:
        if hasattr(route, "effective_route_contexts"):
            for context in route.effective_route_contexts():
                methods = getattr(context.original_route, "methods", None) or ()
                found |= {(m, context.path) for m in methods if m != "HEAD"}
        elif isinstance(route, Route):
            found |= {(m, route.path) for m in route.methods or () if m != "HEAD"}
    return found


def test_matrix_covers_every_route(api: Api) -> None:
    routes = app_routes(api.app.routes)
    assert len(routes) > 30
    assert routes == set(MATRIX), {
        "untested": sorted(routes - set(MATRIX)),
        "gone": sorted(set(MATRIX) - routes),
    }


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def is_page(template: str) -> bool:
    return not template.startswith(("/api/", "/openapi.json", "/docs/"))


def page_session(api: Api, role: str) -> str:
    """Sign `role` in with a session cookie (pages take no bearer tokens); the form token."""
    if role != "anonymous":
        email = f"{USER_OF_ROLE[role]}@x.test"
        answer = api.client.post("/api/v1/session", json={"email": email, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
    found = CSRF.search(api.client.get("/sign-in").text)
    assert found is not None
    return found.group(1)


def test_role_route_matrix(api: Api) -> None:
    found: dict[tuple[str, str], tuple[int, ...]] = {}
    for (method, template), call in MATRIX.items():
        statuses = []
        for role in ROLES:
            api.client.cookies.clear()
            path = template.format(**call.path(api))
            if is_page(template):
                token = page_session(api, role)
                response = api.client.request(
                    method,
                    path,
                    params=call.params,
                    data={"csrf_token": token, **call.form(api)} if call.form else None,
                    files=call.files(api) if call.files else None,
                    follow_redirects=False,
                )
                if response.status_code >= 400:
                    assert response.headers["content-type"].startswith("text/html"), (
                        method,
                        path,
                        role,
                    )
            else:
                response = api.client.request(
                    method,
                    path,
                    headers=api.headers(role),
                    params=call.params,
                    json=call.body(api) if call.body else None,
                    files=call.files(api) if call.files else None,
                )
            statuses.append(response.status_code)
            if response.status_code >= 400 and path.startswith("/api/v1"):
                assert set(response.json()) == {"error"}, (method, path, role, response.text)
        found[(method, template)] = tuple(statuses)
    wrong = {
        f"{m} {p}": {"expected": MATRIX[(m, p)].expected, "got": got}
        for (m, p), got in found.items()
        if got != MATRIX[(m, p)].expected
    }
    assert not wrong, wrong
