"""The whole team app end to end in chromium: the real app (create_app) served by uvicorn on a
loopback port over a store loaded with the examples and a small generated team (heard.demo.site),
signed in through the sign-in page like a person would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from browser.example_site import EXAMPLES
from databases import database_url
from heard.demo.site import DemoSite, example_conversations, seed_store
from heard.settings import Settings
from heard.store import (
    ConversationFilter,
    Store,
    UserRole,
    Viewer,
    accounts,
    coaching_notes,
    surveys,
)
from heard.web import create_app
from loopback import serve
from teamdata import conversation, open_store

__all__ = ["database_url"]


@dataclass
class TeamSite:
    url: str
    store: Store
    demo: DemoSite

    def lead(self):
        return self.demo.first(UserRole.LEAD)

    def agent(self):
        """The first agent of the lead's team (the one the seeded notes are for)."""
        return self.demo.first(UserRole.AGENT)

    def agents_conversation(self) -> int:
        agent = self.demo.team.agents[0]
        row = next(a for a in self.store.list_agents(Viewer.system()) if a.external_id == agent.id)
        page = self.store.list_conversations(
            Viewer.system(), ConversationFilter(agent_id=row.id), limit=1, order="score"
        )
        return page.items[0].id


def load_team_site(url: str) -> tuple[Store, DemoSite]:
    store = open_store(url)
    demo = seed_store(
        store,
        examples=example_conversations(EXAMPLES),
        weeks=2,
        agents_per_team=2,
        per_agent_per_week=3,
    )
    return store, demo


@pytest.fixture(scope="module")
def team_site(tmp_path_factory) -> Iterator[TeamSite]:
    url = f"sqlite:///{tmp_path_factory.mktemp('team-app') / 'heard.db'}"
    store, demo = load_team_site(url)
    settings = Settings(database_url=url, secret_key="browser-test-secret")
    with serve(create_app(settings, store=store)) as base:
        yield TeamSite(base, store, demo)
    store.close()


def sign_in(page, site: TeamSite, email: str, password: str) -> None:
    page.goto(f"{site.url}/sign-in")
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def charts_drawn(page, selector: str) -> None:
    """The chart is there as an SVG image with a title (drawn by the server, no script)."""
    chart = page.locator(f"{selector} svg.plot[role=img]")
    assert chart.count() == 1, selector
    assert chart.locator("title").first.text_content(), selector


def test_lead_coaches_and_the_agent_acknowledges(browser, team_site, screenshot) -> None:
    lead = team_site.lead()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, team_site, lead.email, lead.password)
    assert page.url.endswith("/dashboard")
    for chart in ("#trend-chart", "#histogram-chart", "#component-chart"):
        charts_drawn(page, chart)
    assert page.locator("table.agents svg.sparkline").count() >= 2
    screenshot(page, "team-dashboard")
    context.close()
    coach_and_acknowledge(browser, team_site, screenshot, prefix="team")


def coach_and_acknowledge(browser, site: TeamSite, screenshot, *, prefix: str) -> None:
    """The lead opens the agent's weakest conversation, sees the highlights and adds a note on
    turn 1; the agent finds it on their home page and acknowledges it; the lead sees that."""
    lead, agent = site.lead(), site.agent()
    lead_context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = lead_context.new_page()
    sign_in(page, site, lead.email, lead.password)
    conversation = site.agents_conversation()
    page.goto(f"{site.url}/conversations/{conversation}")
    assert page.locator("mark.hl").count() > 0
    page.locator("mark.hl").first.hover()
    page.locator("#popover").wait_for(state="visible")
    page.locator("#t1 button.note-here").click()
    page.fill("#note-text", "Say back what they told you before you fix it.")
    page.get_by_role("button", name="Add note").click()
    page.wait_for_load_state("load")
    found = re.search(r"#note-(\d+)$", page.url)
    assert found, page.url
    note_id = int(found.group(1))
    assert "Say back what they told you" in page.locator(f"#note-{note_id}").inner_text()
    assert coaching_notes.get_note(site.store, Viewer.system(), note_id).turn == 1
    screenshot(page, f"{prefix}-conversation-note")

    agent_context = browser.new_context(viewport={"width": 1280, "height": 900})
    mine = agent_context.new_page()
    sign_in(mine, site, agent.email, agent.password)
    assert mine.url.endswith("/me")
    waiting = mine.locator(f"#note-{note_id}")
    assert "Say back what they told you" in waiting.inner_text()
    screenshot(mine, f"{prefix}-agent-home")
    waiting.get_by_role("button", name="Acknowledge").click()
    mine.wait_for_load_state("load")
    assert mine.locator(f"#note-{note_id}").count() == 0, "no longer waiting"
    assert (
        coaching_notes.get_note(site.store, Viewer.system(), note_id).status.value == "acknowledged"
    )

    page.goto(f"{site.url}/conversations/{conversation}")
    assert "acknowledged" in page.locator(f"#note-{note_id}").inner_text().lower()
    screenshot(page, f"{prefix}-note-acknowledged")
    lead_context.close()
    agent_context.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_sign_in_and_coaching_on_postgresql(browser, database_url: str, screenshot) -> None:
    store = open_store(database_url)
    try:
        demo = seed_store(store, weeks=1, agents_per_team=1, per_agent_per_week=3)
        settings = Settings(database_url=database_url, secret_key="browser-test-secret")
        with serve(create_app(settings, store=store)) as base:
            coach_and_acknowledge(browser, TeamSite(base, store, demo), screenshot, prefix="pg")
    finally:
        store.close()


def test_survey_answer_reaches_the_feedback_chart(browser, team_site, screenshot) -> None:
    lead = team_site.lead()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, team_site, lead.email, lead.password)
    conversation = team_site.agents_conversation()
    answered = surveys.survey_answer(team_site.store, conversation) is not None  # by the seed
    link = page.request.get(
        f"{team_site.url}/api/v1/conversations/{conversation}/survey-link"
    ).json()["path"]
    page.goto(f"{team_site.url}/feedback")
    charts_drawn(page, "#csat-chart")
    before = page.locator("#csat-chart svg.plot circle").count()

    phone_context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    phone = phone_context.new_page()
    phone.goto(f"{team_site.url}{link}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.locator("label[for=csat-2]").tap()
    phone.locator("label[for=heard-1]").tap()
    phone.locator("#comment").fill("Nobody listened to me.")
    phone.get_by_role("button", name="Send").tap()
    phone.get_by_role("heading", name="Thank you!").wait_for()
    screenshot(phone, "team-survey-phone")
    answers = surveys.list_feedback(
        team_site.store, Viewer.system(), ConversationFilter(), limit=1000
    )
    assert any(
        a.conversation_id == conversation and (a.csat, a.felt_heard) == (2, 1) for a in answers
    )

    page.goto(f"{team_site.url}/feedback")
    charts_drawn(page, "#csat-chart")
    # one answer a conversation: an answer the seed gave is replaced, not added to
    assert page.locator("#csat-chart svg.plot circle").count() == before + (not answered)
    screenshot(page, "team-feedback")
    context.close()
    phone_context.close()


def test_upload_through_the_page(browser, team_site, tmp_path, screenshot) -> None:
    lead = team_site.lead()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, team_site, lead.email, lead.password)
    before = team_site.store.list_conversations(Viewer.system()).total
    good = tmp_path / "new-chat.json"
    led = accounts.user_by_email(team_site.store, lead.email).team_ids
    (team,) = [t.name for t in team_site.store.list_teams(Viewer.system()) if t.id in led]
    uploaded = conversation("uploaded-1", agent="ag-upload", team=team)  # a lead stores their own
    good.write_text(uploaded.to_json(), encoding="utf-8")
    bad = tmp_path / "broken.json"
    bad.write_text('{"id": "x", "channel": "chat", "turns": [')
    page.goto(f"{team_site.url}/upload")
    page.set_input_files("#files", [str(good), str(bad)])
    page.get_by_role("button", name="Upload").click()
    page.locator(".result.ok").wait_for()
    page.locator(".result.error").wait_for()
    assert "1 conversation" in page.locator(".result.ok").inner_text()
    assert "broken.json" in page.locator(".result.error").inner_text()
    screenshot(page, "team-upload")
    assert team_site.store.list_conversations(Viewer.system()).total == before + 1
    context.close()


def test_an_agent_cannot_open_anothers_conversation(browser, team_site) -> None:
    agent = team_site.agent()
    other = team_site.demo.team.agents[1]
    row = next(a for a in team_site.store.list_agents(Viewer.system()) if a.external_id == other.id)
    theirs = team_site.store.list_conversations(
        Viewer.system(), ConversationFilter(agent_id=row.id), limit=1
    ).items[0]
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, team_site, agent.email, agent.password)
    answer = page.goto(f"{team_site.url}/conversations/{theirs.id}")
    assert answer is not None and answer.status == 404
    assert page.get_by_role("heading", name="Not found").is_visible()
    context.close()


def test_pages_and_api_docs_run_under_the_security_headers(browser, team_site, screenshot) -> None:
    """The real pages, with their charts and scripts, and Swagger UI, all under the app's CSP:
    nothing refused (the autouse check), nothing fetched from another host."""
    lead = team_site.lead()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda r: elsewhere.append(r.url) if not r.url.startswith(team_site.url) else None,
    )
    sign_in(page, team_site, lead.email, lead.password)
    conversation = team_site.agents_conversation()
    for path, chart in (
        ("/dashboard", "#trend-chart"),
        (f"/conversations/{conversation}", None),
        ("/feedback", "#csat-chart"),
        ("/recognition", None),
        ("/upload", None),
        ("/live", None),
    ):
        answer = page.goto(f"{team_site.url}{path}")
        assert answer is not None and answer.status == 200, path
        headers = answer.headers
        assert "script-src 'self';" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == ("SAMEORIGIN" if path == "/live" else "DENY")
        if chart:
            charts_drawn(page, chart)
        if path.startswith("/conversations/"):
            widths = page.eval_on_selector_all(
                ".bar > span[data-width]", "bars => bars.map(b => b.getBoundingClientRect().width)"
            )
            assert widths and max(widths) > 0, "bar lengths set by the script, not style="
    docs = page.goto(f"{team_site.url}/api/docs")
    assert docs is not None and "script-src 'self';" in docs.headers["content-security-policy"]
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 20
    assert "heard" in page.locator(".info .title").inner_text()
    screenshot(page, "team-api-docs")
    assert not elsewhere, elsewhere
    context.close()


def test_lead_finds_a_conversation_on_the_list_and_on_a_phone(browser, team_site, screenshot):
    """The conversations page: filter by agent and score, sort worst first; by notes and the
    customer's emotion; a refused score; open one; at 390 px the page does not overflow
    sideways (the table scrolls in its own box)."""
    lead = team_site.lead()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, team_site, lead.email, lead.password)
    page.get_by_role("link", name="Conversations").click()
    page.wait_for_load_state("load")
    total = page.locator("table.conversations tbody tr").count()
    assert total > 0
    agent = team_site.demo.team.agents[0]
    page.select_option('select[name="agent"]', label=agent.name)
    page.select_option('select[name="order"]', value="score")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state("load")
    shown = page.locator("table.conversations tbody tr")
    assert 0 < shown.count() <= total
    assert all(agent.name in shown.nth(i).inner_text() for i in range(shown.count()))
    scores = [float(shown.nth(i).locator("td").nth(6).inner_text()) for i in range(shown.count())]
    assert scores == sorted(scores)  # lowest first
    screenshot(page, "team-conversations")
    filter_by_what_was_read_and_done(page, team_site, screenshot)
    page.get_by_role("link", name="Clear").click()
    page.wait_for_load_state("load")
    shown = page.locator("table.conversations tbody tr")
    first = shown.first.locator("a").inner_text()
    shown.first.locator("a").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == first
    context.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    small = phone.new_page()
    sign_in(small, team_site, lead.email, lead.password)
    small.goto(f"{team_site.url}/conversations")
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
    screenshot(small, "team-conversations-phone")
    phone.close()


def filter_by_what_was_read_and_done(page, site: TeamSite, screenshot, *, prefix: str = "") -> None:
    """The new filters in the browser: the conversations with coaching notes whose customer was
    upset, as the store counts them; the choices stay in the form and go to the export; a
    score out of range is refused by its field, with what was typed and chosen kept."""
    viewer = accounts.user_by_email(site.store, site.lead().email).viewer()
    where = ConversationFilter(has_notes=True, emotion="upset")
    expected = site.store.list_conversations(viewer, where, limit=50)
    assert expected.total > 0  # the demo's coaching notes are on upset customers' chats
    page.goto(f"{site.url}/conversations")
    page.get_by_label("Has coaching notes").select_option(label="yes")
    page.get_by_label("Customer’s strongest emotion").select_option(value="upset")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state("load")
    shown = page.locator("table.conversations tbody tr td:nth-of-type(2) a")
    assert shown.all_inner_texts() == [i.conversation_id for i in expected.items]
    assert f"{expected.total} conversation" in page.locator(".page-head .meta").inner_text()
    assert page.get_by_label("Has coaching notes").input_value() == "yes"
    export = page.locator(".exports a", has_text="CSV").get_attribute("href") or ""
    assert "has_notes=yes" in export and "emotion=upset" in export
    answer = page.request.get(f"{site.url}{export}")
    assert answer.ok and answer.text().count("\n") == expected.total + 1  # header + rows
    screenshot(page, f"{prefix}team-conversations-filters")

    page.get_by_label("Score from").fill("150")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state("load")
    score = page.get_by_label("Score from")
    assert score.get_attribute("aria-invalid") == "true" and score.input_value() == "150"
    assert page.locator("#filter-min_score-error").inner_text() == "Type a score from 0 to 100."
    assert page.get_by_label("Customer’s strongest emotion").input_value() == "upset"
    assert page.locator("table.conversations").count() == 0
    screenshot(page, f"{prefix}team-conversations-refused-filter")


def _a_word_of(store: Store, viewer: Viewer) -> str:
    """A longer word of one of the conversations the viewer may see."""
    item = store.list_conversations(viewer, limit=1).items[0]
    turns = store.get_conversation(viewer, item.id).conversation.turns
    words = re.findall(r"[a-z]{7,}", " ".join(t.text.lower() for t in turns))
    return max(words, key=len)


def search_and_save_a_view(browser, site: TeamSite, screenshot, *, prefix: str = "") -> None:
    """A lead searches by a word, sees each matching turn with the word marked, saves the
    search under a name (a missing or taken name is shown by the field, what was typed kept),
    opens it again from the saved views, and deletes it."""
    lead = site.lead()
    viewer = accounts.user_by_email(site.store, lead.email).viewer()
    word = _a_word_of(site.store, viewer)
    expected = site.store.list_conversations(viewer, ConversationFilter(search=word)).total
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, site, lead.email, lead.password)
    page.goto(f"{site.url}/conversations")
    page.get_by_label("Search").fill(word.upper())
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state("load")
    shown = page.locator("table.conversations tbody tr")
    assert shown.count() == min(expected, 50) and expected > 0
    marks = page.locator("p.snippet mark")
    assert marks.count() >= shown.count()
    assert all(marks.nth(i).inner_text().lower().startswith(word) for i in range(marks.count()))
    assert f"{expected} conversation" in page.locator(".page-head .meta").inner_text()

    name = page.get_by_label("Save these filters as")
    page.get_by_role("button", name="Save view").click()
    page.wait_for_load_state("load")
    assert page.locator("#view-name-error").inner_text() == "Give the view a name."
    assert page.get_by_label("Search").input_value() == word.upper()  # the search stays
    name.fill("Calls about " + word)
    page.get_by_role("button", name="Save view").click()
    page.wait_for_load_state("load")
    saved = page.locator(".saved-list a")
    assert saved.all_inner_texts() == ["Calls about " + word]
    screenshot(page, f"{prefix}team-conversations-search")

    name.fill("calls ABOUT " + word)  # the same name in other letters: taken
    page.get_by_role("button", name="Save view").click()
    page.wait_for_load_state("load")
    assert "already have a view named" in page.locator("#view-name-error").inner_text()
    assert name.input_value() == "calls ABOUT " + word  # what was typed is kept
    assert page.locator("#view-name").get_attribute("aria-invalid") == "true"

    page.get_by_role("link", name="Clear").click()
    page.wait_for_load_state("load")
    assert page.get_by_label("Search").input_value() == ""
    page.locator(".saved-list a").first.click()
    page.wait_for_load_state("load")
    assert page.get_by_label("Search").input_value().lower() == word
    assert page.locator("table.conversations tbody tr").count() == min(expected, 50)
    page.get_by_role("button", name=f"Delete the view Calls about {word}").click()
    page.wait_for_load_state("load")
    assert page.locator(".saved-list a").count() == 0
    context.close()


def test_lead_searches_and_keeps_a_saved_view(browser, team_site, screenshot) -> None:
    search_and_save_a_view(browser, team_site, screenshot)


def test_search_and_saved_view_on_postgresql(browser, database_url: str, screenshot) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the SQLite run is test_lead_searches_and_keeps_a_saved_view")
    store = open_store(database_url)
    try:
        demo = seed_store(store, weeks=1, agents_per_team=1, per_agent_per_week=3)
        settings = Settings(database_url=database_url, secret_key="browser-test-secret")
        with serve(create_app(settings, store=store)) as base:
            site = TeamSite(base, store, demo)
            search_and_save_a_view(browser, site, screenshot, prefix="pg-")
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            sign_in(page, site, site.lead().email, site.lead().password)
            filter_by_what_was_read_and_done(page, site, screenshot, prefix="pg-")
            context.close()
    finally:
        store.close()
