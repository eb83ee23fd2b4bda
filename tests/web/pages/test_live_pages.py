"""The live pages over a real store and the real live hub: a conversation is fed through the
feed WebSocket (TestClient's real ASGI socket), then the board, the watch page and the agent
panel are read as each role; the hint form needs the session's CSRF token and its hint
reaches the watch stream. The pieces the script redraws are checked on the rendered HTML."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from bs4 import BeautifulSoup

from heard.language.names import name
from heard.live.events import EndSummary, Hint, LiveState, Nudge, SummaryTip
from heard.live.nudges import KINDS
from heard.model import Concern, ConcernStatus, Span
from heard.web.pages import render_live_board, render_live_panel, render_live_watch
from heard.web.views import (
    LiveBoardView,
    LivePanelView,
    LiveRow,
    LiveTurn,
    LiveWatchView,
    PageUser,
    UserRole,
)
from teamdata import PASSWORD
from web.api.conftest import Api, make_settings

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

CHAT = [
    ("customer", "Hi, my parcel never arrived and I am really annoyed. Where is it?"),
    ("agent", "Let me check the tracking for you."),
    ("customer", "Also, can I get a refund for the delivery fee?"),
]


def feed(api: Api, conversation_id: str, turns=CHAT, *, channel: str = "chat") -> list[dict]:
    """Start `conversation_id` as Ann (the agent, by token) and send `turns`; the frames."""
    events: list[dict[str, Any]] = [
        {"type": "start", "seq": 1, "channel": channel, "agent_id": "ann", "agent_name": "Ann"}
    ]
    events += [
        {"type": "turn", "seq": i + 2, "role": role, "text": text, "time": float(i)}
        for i, (role, text) in enumerate(turns)
    ]
    frames = []
    with api.client.websocket_connect(
        f"/api/v1/live/{conversation_id}", headers=api.headers("agent")
    ) as socket:
        assert socket.receive_json()["type"] == "hello"
        for event in events:
            socket.send_text(json.dumps(event))
            while True:
                frame = socket.receive_json()
                frames.append(frame)
                assert frame["type"] != "error", frame
                if frame["type"] == "state" or (frame["type"] == "ack" and event["seq"] == 1):
                    break
    return frames


def sign_in(api: Api, who: str) -> str:
    """Sign `who` in (session cookie); the session's CSRF token."""
    api.client.cookies.clear()
    answer = api.client.post(
        "/api/v1/session", json={"email": f"{who}@x.test", "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    found = CSRF.search(api.client.get("/sign-in").text)
    assert found is not None
    return found.group(1)


@pytest.fixture
def live(api: Api) -> Api:
    api.client.cookies.clear()
    feed(api, "chat-1")
    return api


def test_board_lists_the_live_conversations_a_lead_may_watch(live: Api) -> None:
    sign_in(live, "bea")
    page = live.client.get("/live")
    assert page.status_code == 200
    assert 'href="/live/chat-1"' in page.text
    assert ">Ann</a>" in page.text
    assert 'aria-current="page">Live</a>' in page.text
    assert page.headers["content-security-policy"].endswith("; frame-ancestors 'self'")
    sign_in(live, "rex")  # a lead of another team
    other = live.client.get("/live")
    assert other.status_code == 200
    assert "/live/chat-1" not in other.text
    assert "No conversations are live right now." in other.text
    sign_in(live, "admin")
    assert 'href="/live/chat-1"' in live.client.get("/live").text


def test_board_is_for_leads_and_admins(live: Api) -> None:
    sign_in(live, "ann")
    page = live.client.get("/live")
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert ">Live</a>" not in page.text  # an agent has no Live link either
    live.client.cookies.clear()
    answer = live.client.get("/live", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in?next=/live")


def test_watch_page_draws_the_conversation_so_far(live: Api) -> None:
    sign_in(live, "bea")
    page = live.client.get("/live/chat-1")
    assert page.status_code == 200, page.text
    text = page.text
    for _, said in CHAT:
        assert said.split(",")[0] in text
    detail = live.client.get("/api/v1/live/chat-1").json()
    assert f'data-since="{detail["last_frame"]}"' in text
    assert 'action="/live/chat-1/hints"' in text
    assert CSRF.search(text) is not None
    assert text.count('class="turn ') == len(CHAT)
    assert page.headers["content-security-policy"].endswith("; frame-ancestors 'self'")


@pytest.mark.parametrize(
    ("who", "status"), [("ann", 403), ("abe", 403), ("rex", 404), ("admin", 200)]
)
def test_watch_page_access(live: Api, who: str, status: int) -> None:
    sign_in(live, who)
    page = live.client.get("/live/chat-1")
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")


def test_unknown_live_conversation_is_a_404_page(live: Api) -> None:
    sign_in(live, "bea")
    for path in ("/live/nope", "/live/nope/panel"):
        page = live.client.get(path)
        assert page.status_code == 404
        assert "no live conversation &#39;nope&#39;" in page.text


@pytest.mark.parametrize(
    ("who", "status"), [("ann", 200), ("abe", 404), ("bea", 200), ("rex", 404), ("admin", 200)]
)
def test_panel_access(live: Api, who: str, status: int) -> None:
    sign_in(live, who)
    assert live.client.get("/live/chat-1/panel").status_code == status


def test_panel_may_be_framed_by_the_configured_sites_only(live: Api) -> None:
    sign_in(live, "ann")
    page = live.client.get("/live/chat-1/panel")
    assert page.headers["content-security-policy"].endswith("; frame-ancestors 'self'")
    assert "x-frame-options" not in page.headers
    assert 'data-live="panel"' in page.text
    assert 'id="draft-form"' in page.text  # a chat: the reply checker is offered
    assert "<nav" not in page.text  # no navigation in the small panel
    live.app.state.settings = make_settings(
        panel_frame_ancestors="'self'   https://crm.example.com"
    )
    page = live.client.get("/live/chat-1/panel")
    assert page.headers["content-security-policy"].endswith(
        "; frame-ancestors 'self' https://crm.example.com"
    )


@pytest.mark.parametrize(
    "value", ["", "'self'; script-src *", "a,b", "'self' 'unsafe-inline'", "<evil>"]
)
def test_frame_ancestors_setting_refuses_what_is_not_a_source_list(value: str) -> None:
    with pytest.raises(ValueError, match="frame-ancestors"):
        make_settings(panel_frame_ancestors=value)


def test_call_panel_has_no_draft_box(live: Api) -> None:
    feed(live, "call-1", [("customer", "Hello, I need help with my bill.")], channel="call")
    sign_in(live, "ann")
    page = live.client.get("/live/call-1/panel")
    assert page.status_code == 200
    assert "draft-form" not in page.text
    assert 'data-channel="call"' in page.text


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_hint_form_needs_the_sessions_csrf_token(live: Api, token: str | None) -> None:
    sign_in(live, "bea")
    data = {"text": "Answer the refund question first"}
    if token is not None:
        data["csrf_token"] = token
    answer = live.client.post("/live/chat-1/hints", data=data, follow_redirects=False)
    assert answer.status_code == 403
    assert "did not come from this site" in answer.text
    assert live.client.get("/api/v1/live/chat-1").json()["hints"] == []


def test_hint_form_sends_a_hint_to_the_agent_panel(live: Api) -> None:
    token = sign_in(live, "bea")
    since = live.client.get("/api/v1/live/chat-1").json()["last_frame"]
    with live.client.websocket_connect(
        f"/api/v1/live/chat-1/watch?since={since}", headers=live.headers("agent")
    ) as watch:
        assert watch.receive_json()["type"] == "hello"
        answer = live.client.post(
            "/live/chat-1/hints",
            data={"csrf_token": token, "text": "  Answer the refund question first  "},
            headers={"referer": "http://testserver/live/chat-1"},
            follow_redirects=False,
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/live/chat-1#hint-h"
        frame = watch.receive_json()
    assert frame["type"] == "hint"
    assert frame["hint"]["text"] == "Answer the refund question first"
    assert frame["hint"]["author"] == "Bea"
    assert frame["seq"] == since + 1
    # the script's way: JSON back, 201
    answer = live.client.post(
        "/live/chat-1/hints",
        data={"csrf_token": token, "text": "Offer a call-back"},
        headers={"accept": "application/json"},
    )
    assert answer.status_code == 201
    assert answer.json()["text"] == "Offer a call-back"
    sign_in(live, "ann")
    panel = live.client.get("/live/chat-1/panel").text
    assert panel.index("Offer a call-back") < panel.index("Answer the refund question first")
    assert "from Bea" in panel


def test_hint_form_refuses_agents_empty_hints_and_other_teams(live: Api) -> None:
    token = sign_in(live, "ann")
    answer = live.client.post("/live/chat-1/hints", data={"csrf_token": token, "text": "x"})
    assert answer.status_code == 403
    token = sign_in(live, "bea")
    answer = live.client.post("/live/chat-1/hints", data={"csrf_token": token, "text": "   "})
    assert answer.status_code == 422
    assert "the hint is empty" in answer.text
    token = sign_in(live, "rex")
    answer = live.client.post("/live/chat-1/hints", data={"csrf_token": token, "text": "Hi"})
    assert answer.status_code == 404
    assert (
        live.client.get("/api/v1/live/chat-1", headers=live.headers("admin")).json()["hints"] == []
    )


# --- the rendered pieces, from literal views ---------------------------------------------------

AGENT = PageUser(name="Ann", email="ann@x.test", role=UserRole.AGENT, agent_id="1")
LEAD = PageUser(name="Bea", email="bea@x.test", role=UserRole.LEAD)


def concern(i: int, status: ConcernStatus, quote: str) -> Concern:
    return Concern(
        id=i,
        kind="question",
        span=Span(turn=i, start=0, end=len(quote)),
        quote=quote,
        status=status,
    )


def state(**changes: Any) -> LiveState:
    return LiveState(conversation_id="c1", **changes)


def test_panel_lists_open_concerns_first_and_escapes_text() -> None:
    view = LivePanelView(
        conversation_id="c1",
        channel="chat",
        state=state(
            concerns=[
                concern(0, ConcernStatus.ADDRESSED, "where is my parcel"),
                concern(1, ConcernStatus.CONFIRMED, "what about the label"),
                concern(2, ConcernStatus.RAISED, "<script>alert(1)</script> refund?"),
                concern(3, ConcernStatus.ACKNOWLEDGED, "can you call me"),
            ]
        ),
        nudge=Nudge(
            id="n2",
            kind="open_concern",
            severity="warn",
            message="They asked about a refund: still open",
            suggestion="About the refund: …",
        ),
        hints=[Hint(id="h1", text="first", author="Bea"), Hint(id="h2", text="second")],
        last_frame=9,
    )
    html = render_live_panel(view, user=AGENT)
    assert html.count("disabled") == 0  # a live chat's reply checker is on
    quotes = ("refund?", "can you call me", "where is my parcel", "what about the label")
    order = [html.index(q) for q in quotes]
    assert order == sorted(order)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert html.count('class="nudge ') == 1
    assert 'class="nudge sev-warn"' in html
    assert "Try:</strong> About the refund: …" in html
    assert html.index("second") < html.index("first")  # newest hint on top
    assert "from your lead" in html and "from Bea" in html
    assert 'data-since="9"' in html
    assert '<script src="/static/live.' in html
    assert "http://" not in html and "https://" not in html  # only our own assets


def shown_text(html: str) -> str:
    """What a person reads on the page: its text, without tags and attributes."""
    return BeautifulSoup(html, "html.parser").get_text(" ")


@pytest.mark.parametrize("kind", KINDS)
def test_nudges_are_named_as_people_say_them_never_by_their_id(kind: str) -> None:
    """Every nudge kind shows its human name (heard.language.names) on the agent's panel, the
    watch page and the board; its id reaches no text a person reads."""
    nudge = Nudge(id="n1", kind=kind, severity="warn", message="Say it back", turn=0)
    label = name("nudge", kind)
    assert nudge.label == label and "_" not in label
    panel = render_live_panel(
        LivePanelView(conversation_id="c1", channel="chat", state=state(), nudge=nudge),
        user=AGENT,
    )
    watch = render_live_watch(
        LiveWatchView(
            conversation_id="c1",
            channel="chat",
            state=state(turns=1),
            turns=[LiveTurn(index=0, role="customer", text="Hello")],
            nudges=[nudge],
        ),
        user=LEAD,
    )
    board = render_live_board(
        LiveBoardView(
            rows=[
                LiveRow(
                    conversation_id="c1",
                    last_nudge=nudge.message,
                    last_nudge_label=nudge.label,
                )
            ]
        ),
        user=LEAD,
    )
    for html in (panel, watch, board):
        text = shown_text(html)
        assert label in text
        rest = text.replace(label, "")
        assert kind not in rest and kind.replace("_", " ") not in rest


def test_an_ended_panel_shows_the_summary_in_place_of_the_nudges() -> None:
    summary = EndSummary(
        listening_score=71.6,
        went_well=["Shows empathy or validates", "Checks the problem is solved"],
        tip=SummaryTip(message="Answer <b>every</b> point", suggestion="About the refund: …"),
        stored_id=42,
    )
    view = LivePanelView(
        conversation_id="c1", channel="chat", state=state(ended=True), summary=summary
    )
    html = render_live_panel(view, user=AGENT)
    body = html[html.index('id="summary-slot"') :]
    assert '<h2 id="summary-h">Conversation ended</h2>' in body
    assert '<strong class="summary-figure">72</strong>' in body
    assert body.index("Went well") < body.index("Shows empathy or validates")
    assert "<li>Checks the problem is solved</li>" in body
    assert body.index("One thing to try") < body.index("Answer &lt;b&gt;every&lt;/b&gt; point")
    assert "Try:</strong> About the refund: …" in body
    assert '<a href="/conversations/42" target="_blank" rel="noopener">' in body
    assert re.search(r'id="nudge-slot" aria-live="polite" hidden>', html)
    assert 'data-status="ended"' in html
    # the reply checker is off, and says why
    page = BeautifulSoup(html, "html.parser")
    closed = page.select_one("#draft-closed")
    assert closed is not None and not closed.has_attr("hidden")
    assert "This conversation has ended" in closed.get_text()
    assert page.select_one("#draft-text").has_attr("disabled")
    assert page.select_one("#draft-form button[type=submit]").has_attr("disabled")
    # a viewer who may not open the stored conversation: the same summary, no link
    unlinked = view.model_copy(update={"summary": summary.unlinked()})
    html = render_live_panel(unlinked, user=AGENT)
    assert "Conversation ended" in html and "/conversations/" not in html
    # nothing done well, no tip, no score
    bare = view.model_copy(
        update={"summary": EndSummary(listening_score=None, went_well=[], stored_id=None)}
    )
    html = render_live_panel(bare, user=AGENT)
    assert "Nothing stood out this time." in html and "Nothing to change this time." in html
    assert "of 100" not in html


def test_watch_page_puts_nudges_at_their_turn() -> None:
    view = LiveWatchView(
        conversation_id="a/b",
        agent="Ann",
        channel="call",
        state=state(turns=3, listening_score=61.4, emotion="frustration", escalation_risk=0.42),
        turns=[
            LiveTurn(index=0, role="customer", text="I am so fed up"),
            LiveTurn(index=1, role="agent", text="What is your account number?"),
            LiveTurn(index=2, role="customer", text="I told you already"),
        ],
        nudges=[
            Nudge(
                id="n1",
                kind="acknowledge_emotion",
                severity="urgent",
                message="Acknowledge first",
                turn=0,
            )
        ],
        last_frame=4,
    )
    html = render_live_watch(view, user=LEAD, csrf_token="tok")
    assert (
        html.index("I am so fed up")
        < html.index("Acknowledge first")
        < html.index("What is your account number?")
    )
    assert 'action="/live/a%2Fb/hints"' in html
    assert 'value="tok"' in html
    assert ">61<" in html and "42%" in html and "frustration" in html
