"""The live pages in chromium against the real app (store, live hub, WebSocket routes) served
by uvicorn on loopback. A Python websockets client plays the agent's desktop: it feeds a
bundled example chat turn by turn while the agent's panel is open; a lead opens the board,
watches the conversation and sends a hint that appears in the agent's panel (two browser
contexts, each signed in through the sign-in form). Screenshots go to out/screenshots/."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape as html_escape
from pathlib import Path

import httpx
import pytest
from fastapi.responses import HTMLResponse
from websockets.asyncio.client import connect

from browser.example_site import EXAMPLES
from heard.importers import read_file
from heard.store import Scope, Store, api_tokens
from heard.web import create_app
from loopback import serve
from teamdata import PASSWORD, World, build_world, open_store
from web.api.conftest import make_settings

EXAMPLE = EXAMPLES / "03-chat-angry-handled-badly.json"
"""An angry customer answered with a form and 'calm down': live coaching should speak up."""


@dataclass
class LiveSite:
    url: str
    store: Store
    world: World
    token: str
    """Ann's (the agent's) API token, for the feed socket."""
    lead_token: str
    """Bea's (Ann's lead) API token."""

    def feed_url(self, conversation_id: str) -> str:
        return "ws" + self.url.removeprefix("http") + f"/api/v1/live/{conversation_id}"


@pytest.fixture
def live_site(tmp_path: Path) -> Iterator[LiveSite]:
    store = open_store(f"sqlite:///{tmp_path / 'live.db'}")
    world = build_world(store)
    # the CRM page below is also reached as http://localhost:PORT: another site than
    # http://127.0.0.1:PORT, so a panel it frames gets no session cookie
    app = create_app(make_settings(panel_frame_ancestors="'self' http://localhost:*"), store=store)

    @app.get("/embed/{conversation_id}", include_in_schema=False)
    def embed(conversation_id: str) -> HTMLResponse:
        """A page of the same site that shows the panel in an iframe, as a CRM would."""
        return HTMLResponse(
            "<!doctype html><title>CRM</title><h1>Customer record</h1>"
            f'<iframe id="panel" src="/live/{conversation_id}/panel" width="360" height="640">'
            "</iframe>"
        )

    @app.get("/crm", include_in_schema=False)
    def crm(panel: str) -> HTMLResponse:
        """A CRM of another site that frames the panel by its signed link (`panel`), with a
        policy of its own (as another site would have), not heard's."""
        return HTMLResponse(
            "<!doctype html><title>CRM</title><h1>Customer record</h1>"
            f'<iframe id="panel" src="{html_escape(panel)}" width="360" height="640"></iframe>',
            headers={"Content-Security-Policy": "frame-src http://127.0.0.1:*"},
        )

    _, token = api_tokens.create_token(store, world.users["ann"], scopes=[Scope.READ, Scope.WRITE])
    _, lead_token = api_tokens.create_token(
        store, world.users["bea"], scopes=[Scope.READ, Scope.WRITE]
    )
    with serve(app) as url:
        yield LiveSite(url=url, store=store, world=world, token=token, lead_token=lead_token)
    store.close()


@dataclass
class Feeder:
    """The agent's desktop: sends events over the feed socket from a thread of its own."""

    site: LiveSite
    conversation_id: str
    frames: list[dict] = field(default_factory=list)
    seq: int = 0
    _loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._socket = self._run(self._connect())
        hello = json.loads(self._run(self._socket.recv()))
        assert hello["type"] == "hello", hello

    async def _connect(self):
        return await connect(
            self.site.feed_url(self.conversation_id),
            additional_headers={"Authorization": f"Bearer {self.site.token}"},
        )

    def _run(self, coroutine, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def _send(self, event: dict) -> list[dict]:
        await self._socket.send(json.dumps(event))
        got = []
        while True:
            frame = json.loads(await self._socket.recv())
            got.append(frame)
            assert frame["type"] != "error", frame
            last = {"start": "ack", "end": "ended"}.get(event["type"], "state")
            if frame["type"] == last:
                return got

    def send(self, type: str, **fields) -> list[dict]:
        self.seq += 1
        got = self._run(self._send({"type": type, "seq": self.seq, **fields}))
        self.frames += got
        return got

    def close(self) -> None:
        self._run(self._socket.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        assert self._thread is not None
        self._thread.join(timeout=5)


def signed_in(browser, site: LiveSite, email: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    page.goto(f"{site.url}/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def example_turns() -> list[tuple[str, str]]:
    _, conversations = read_file(EXAMPLE)
    return [(t.role.value, t.text) for t in conversations[0].turns]


def test_agent_panel_shows_a_nudge_during_a_replay(browser, live_site, screenshot) -> None:
    feeder = Feeder(live_site, "live-chat-1")
    feeder.send("start", channel="chat", agent_id="ann", agent_name="Ann")
    context, panel = signed_in(browser, live_site, "ann@x.test")
    try:
        panel.set_viewport_size({"width": 360, "height": 720})
        panel.goto(f"{live_site.url}/live/live-chat-1/panel")
        panel.wait_for_selector(".live-status[data-status=live]")
        assert panel.locator(".nudge").count() == 0
        seen_at = None
        for i, (role, text) in enumerate(example_turns()):
            feeder.send("turn", role=role, text=text, time=float(10 * i))
            if seen_at is None and panel.locator(".nudge:not(.superseded)").count():
                seen_at = i
        sent = [f["nudge"] for f in feeder.frames if f["type"] == "nudge"]
        assert sent, "the replay raised no nudge"
        card = panel.locator(".nudge:not(.superseded)")
        card.first.wait_for()
        assert card.count() == 1  # at most one nudge on screen
        assert card.first.get_attribute("data-nudge") == sent[-1]["id"]
        assert sent[-1]["message"] in card.first.inner_text()
        # the card names the nudge's kind as people say it, never by its id
        heading = card.first.locator(".nudge-kind").text_content() or ""  # before CSS capitals
        assert sent[-1]["label"] and heading.startswith(sent[-1]["label"])
        assert "_" not in heading
        assert sent[-1]["kind"] not in (card.first.text_content() or "").replace(heading, "")
        assert seen_at is not None, "no nudge appeared while the turns were arriving"
        screenshot(panel, "live-panel-nudge")
        for frame in feeder.frames:
            if frame["type"] == "nudge":
                assert "_" not in frame["nudge"]["label"]
        feeder.send("end")
        panel.wait_for_selector(".live-status[data-status=ended]")
        assert panel.errors == []
    finally:
        feeder.close()
        context.close()


def test_lead_sends_a_hint_that_appears_in_the_agent_panel(browser, live_site, screenshot) -> None:
    feeder = Feeder(live_site, "live-chat-2")
    feeder.send("start", channel="chat", agent_id="ann", agent_name="Ann")
    turns = example_turns()
    for role, text in turns[:3]:
        feeder.send("turn", role=role, text=text)
    agent, panel = signed_in(browser, live_site, "ann@x.test")
    lead, board = signed_in(browser, live_site, "bea@x.test")
    try:
        # the agent's panel, inside an iframe of a page of the same site (frame-ancestors 'self')
        panel.set_viewport_size({"width": 420, "height": 720})
        panel.goto(f"{live_site.url}/embed/live-chat-2")
        frame = panel.frame_locator("#panel")
        frame.locator(".live-status[data-status=live]").wait_for()
        frame.locator("#live-concerns").wait_for()

        # the lead: the board lists the conversation, then the watch page
        board.click("nav >> text=Live")
        row = board.locator('#board-rows tr[data-conversation="live-chat-2"]')
        row.wait_for()
        assert "Ann" in row.inner_text()
        feeder.send("turn", role=turns[3][0], text=turns[3][1])  # the board polls for it
        board.wait_for_function(
            "() => document.querySelector('#board-rows tr td:nth-child(5)')"
            ".textContent.trim() === '4'",
            timeout=10_000,
        )
        screenshot(board, "live-board")
        row.locator("a").click()
        board.wait_for_selector(".live-status[data-status=live]")
        assert board.locator("#live-transcript li.turn").count() == 4
        feeder.send("turn", role=turns[4][0], text=turns[4][1])  # arrives while watching
        board.wait_for_selector('#live-transcript li.turn[data-turn="4"]')

        board.fill("#hint-text", "He asked for a manager: acknowledge how upset he is first.")
        board.click("#hint-form button[type=submit]")
        board.wait_for_selector("#hint-status:has-text('Sent.')")
        hint = frame.locator(".hint-item").first
        hint.wait_for(timeout=10_000)
        assert "acknowledge how upset he is first" in hint.inner_text()
        assert "from Bea" in hint.inner_text()
        screenshot(board, "live-watch")
        screenshot(panel, "live-panel-hint-iframe")
        assert board.errors == [] and panel.errors == []
    finally:
        feeder.close()
        agent.close()
        lead.close()


def test_a_panel_framed_by_another_site_works_by_its_signed_link(
    browser, live_site, screenshot
) -> None:
    """No sign-in at all: the CRM on http://localhost frames the panel on http://127.0.0.1 by
    the link `POST /api/v1/live/{id}/panel-link` gave; nudges, a lead's hint and the reply
    checker all work inside the iframe."""
    feeder = Feeder(live_site, "live-chat-3")
    feeder.send("start", channel="chat", agent_id="ann", agent_name="Ann")
    auth = {"Authorization": f"Bearer {live_site.token}"}
    link = httpx.post(f"{live_site.url}/api/v1/live/live-chat-3/panel-link", headers=auth)
    assert link.status_code == 201, link.text
    context = browser.new_context(viewport={"width": 420, "height": 720})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    crm = live_site.url.replace("127.0.0.1", "localhost")
    try:
        page.goto(f"{crm}/crm?panel={live_site.url}{link.json()['path']}")
        frame = page.frame_locator("#panel")
        frame.locator(".live-status[data-status=live]").wait_for(timeout=10_000)
        assert context.cookies(live_site.url) == []  # no session: the key does it all
        for i, (role, text) in enumerate(example_turns()[:4]):
            feeder.send("turn", role=role, text=text, time=float(10 * i))
        sent = [f["nudge"] for f in feeder.frames if f["type"] == "nudge"]
        assert sent, "the turns raised no nudge"
        card = frame.locator(f'.nudge[data-nudge="{sent[-1]["id"]}"]')
        card.wait_for(timeout=10_000)
        lead = httpx.post(
            f"{live_site.url}/api/v1/live/live-chat-3/hints",
            json={"text": "Apologise for the wait before the form."},
            headers={"Authorization": f"Bearer {live_site.lead_token}"},
        )
        assert lead.status_code == 201, lead.text
        frame.locator('.hint-item:has-text("Apologise for the wait")').wait_for(timeout=10_000)
        frame.locator("#draft-text").fill("Please fill in the form.")
        frame.locator("#draft-form button[type=submit]").click()
        frame.locator("#reply-issues li").first.wait_for(timeout=10_000)
        assert frame.locator("#reply-issues li").count() >= 1
        screenshot(page, "live-panel-cross-site")
        assert errors == []
    finally:
        feeder.close()
        context.close()


SUMMARY_TURNS = [
    ("customer", "Hi, I was charged twice and I'm really upset about it."),
    ("agent", "I'm so sorry, that sounds really frustrating. Could you tell me more?"),
    ("customer", "Please refund to my card 4111 1111 1111 1111, email jo.pii@example.com."),
    ("agent", "Thanks. Is there anything else?"),
]
"""Done well: empathy and a closing check; the tip quotes the card number and email (redacted)."""


def test_the_panel_shows_the_summary_and_its_link_when_the_conversation_ends(
    browser, live_site, screenshot
) -> None:
    """On a phone-wide panel: the end replaces the nudges with the summary (score, went well,
    one thing to try, a link that opens the stored conversation in a new tab) and turns the
    reply checker off, saying why (a draft typed is kept); a reload draws the same from the
    server."""
    feeder = Feeder(live_site, "live-chat-4")
    feeder.send("start", channel="chat", agent_id="ann", agent_name="Ann")
    context, panel = signed_in(browser, live_site, "ann@x.test")
    try:
        panel.set_viewport_size({"width": 390, "height": 844})
        panel.goto(f"{live_site.url}/live/live-chat-4/panel")
        panel.wait_for_selector(".live-status[data-status=live]")
        for role, text in SUMMARY_TURNS:
            feeder.send("turn", role=role, text=text)
        draft = panel.locator("#draft-text")
        assert draft.is_enabled() and panel.locator("#draft-closed").is_hidden()
        draft.fill("Thanks for waiting")
        feeder.send("end")
        stored_id = feeder.frames[-1]["stored_id"]
        stored = live_site.store.get_conversation(live_site.world.viewer("ann"), stored_id)
        card = stored.scorecard
        assert card is not None and card.listening_score is not None

        def check_summary() -> None:
            box = panel.locator("#end-summary")
            box.wait_for(timeout=10_000)
            assert box.get_by_role("heading", name="Conversation ended").is_visible()
            assert box.get_by_role("heading", name="Went well").is_visible()
            assert box.get_by_role("heading", name="One thing to try").is_visible()
            figure = box.locator(".summary-figure").inner_text()
            assert figure == f"{card.listening_score:.0f}"
            assert box.locator(".went-well li").all_inner_texts() == [
                "Shows empathy or validates",
                "Checks the problem is solved",
            ]
            text = box.inner_text()
            assert card.tips[0].message in text and "[CARD]" in text
            assert panel.locator("#nudge-slot").is_hidden()
            # no reply to check once it ended: the box and its button are off, and say why
            closed = panel.locator("#draft-closed")
            closed.wait_for(timeout=10_000)
            assert "This conversation has ended" in closed.inner_text()
            assert draft.is_disabled()
            assert panel.get_by_role("button", name="Check reply").is_disabled()
            assert draft.get_attribute("aria-describedby") == "draft-closed"
            link = box.get_by_role("link", name="Open the conversation")
            assert link.get_attribute("href") == f"/conversations/{stored_id}"
            assert link.get_attribute("target") == "_blank"
            assert panel.evaluate("document.documentElement.scrollWidth") <= 390
            assert "4111" not in panel.content() and "jo.pii" not in panel.content()

        check_summary()
        assert draft.input_value() == "Thanks for waiting"  # what was typed is kept
        screenshot(panel, "live-panel-summary")
        with context.expect_page() as opened:
            panel.get_by_role("link", name="Open the conversation").click()
        conversation = opened.value
        conversation.wait_for_load_state()
        assert conversation.url.endswith(f"/conversations/{stored_id}")
        assert "[CARD]" in conversation.locator("main").inner_text()  # the agent may open it
        panel.reload()  # the first paint, from the server
        check_summary()
        assert panel.errors == []
    finally:
        feeder.close()
        context.close()
