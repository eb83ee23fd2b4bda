"""Disputes end to end in chromium: an agent disputes a finding from the conversation page (a
refused form keeps what was typed and says what is wrong by the field), the lead sees it in
the navigation's count and in the inbox with the quoted words, refuses to reject without a
reply, accepts it, and the agent sees the outcome on their page; the inbox and an agent's
page fit a phone. Accepting a finding takes it out of the score: the conversation page shows
it under "Not counted", the score does not fall, and the dispute says so."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from heard.settings import Settings
from heard.store import Store
from heard.web import create_app
from loopback import serve
from teamdata import PASSWORD, World, build_world, open_store


@dataclass
class Site:
    url: str
    world: World


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    url = f"sqlite:///{tmp_path_factory.mktemp('disputes') / 'heard.db'}"
    store: Store = open_store(url)
    world = build_world(store)
    settings = Settings(database_url=url, secret_key="browser-dispute-secret")
    with serve(create_app(settings, store=store)) as base:
        yield Site(base, world)
    store.close()


def signed_in(browser, site: Site, who: str, *, width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{site.url}/sign-in")
    page.fill("#email", f"{who}@x.test")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    return context, page


def test_agent_disputes_lead_accepts_agent_sees_the_outcome(
    browser, site: Site, screenshot
) -> None:
    conversation_id = site.world.conversations["ann-2"]

    # Ann opens her conversation and disagrees with a finding in the transcript
    ann_context, ann = signed_in(browser, site, "ann")
    ann.goto(f"{site.url}/conversations/{conversation_id}")
    ann.locator("details.findings summary").first.click()
    ann.get_by_role("link", name="Disagree with this?").first.click()
    ann.wait_for_url(re.compile(r"\?dispute=finding"))
    chosen = ann.input_value("#dispute-target")
    assert chosen.startswith("finding:")
    ann.get_by_role("button", name="Send to my lead").click()  # no reason: refused
    assert "Say why you disagree." in ann.inner_text("#dispute-reason-error")
    assert ann.input_value("#dispute-target") == chosen  # the choice is kept
    assert ann.get_attribute("#dispute-reason", "aria-invalid") == "true"
    ann.fill("#dispute-reason", "I told them what I could do; this was not dismissive")
    ann.get_by_role("button", name="Send to my lead").click()
    ann.wait_for_url(re.compile(r"#dispute-\d+$"))
    dispute_id = ann.url.rsplit("-", 1)[1]
    item = ann.locator(f"#dispute-{dispute_id}")
    assert "open" in item.locator(".status").inner_text()
    quote = item.locator("blockquote.quote").inner_text()
    assert quote
    score_before = float(ann.inner_text(".score-big strong"))
    assert ann.locator("#overturned").count() == 0

    # Bea sees it counted in her navigation and in the inbox, with the quoted words
    bea_context, bea = signed_in(browser, site, "bea")
    count = bea.locator('nav a[href="/disputes"] .count')
    assert count.inner_text().startswith("1")
    bea.locator('nav a[href="/disputes"]').click()
    bea.wait_for_url(re.compile(r"/disputes$"))
    item = bea.locator(f"#dispute-{dispute_id}")
    assert item.locator("blockquote.quote").inner_text() == quote
    assert "this was not dismissive" in item.locator(".reason").inner_text()
    assert "Ann" in item.locator(".meta").inner_text()
    screenshot(bea, "disputes-inbox")

    # rejecting needs a reply: refused by the field, the typed text kept
    bea.fill(f"#reply-{dispute_id}", "   ")
    bea.get_by_role("button", name="Reject: heard stands").click()
    error = bea.locator(f"#reply-{dispute_id}-error")
    assert "the agent reads this" in error.inner_text()
    bea.fill(f"#reply-{dispute_id}", "Fair: you offered a next step")
    bea.get_by_role("button", name="Accept: heard was wrong").click()
    bea.wait_for_url(re.compile(r"/disputes\?decided=\d+$"))
    assert "no longer counts in the score" in bea.inner_text(".notice")
    assert bea.locator('nav a[href="/disputes"] .count').count() == 0
    assert "No open disputes" in bea.inner_text("main")

    # Ann sees the outcome and the reply on her page and on the conversation
    ann.goto(f"{site.url}/me")
    item = ann.locator(f"#dispute-{dispute_id}")
    assert "accepted: heard was wrong" in item.locator(".status").inner_text()
    assert "Fair: you offered a next step" in item.locator(".decision").inner_text()
    screenshot(ann, "disputes-agent-home", full_page=False)
    ann.goto(f"{site.url}/conversations/{conversation_id}")
    assert "overturned" in ann.locator(f"#dispute-{dispute_id} .status").inner_text()
    # the finding no longer counts, and the page says so rather than hiding it
    assert "no longer counts" in ann.inner_text(f"#dispute-{dispute_id} .not-counted")
    overturned = ann.locator("#overturned")
    assert "Not counted: disputed and accepted" in overturned.inner_text()
    assert overturned.locator(f'a[href="#dispute-{dispute_id}"]').count() == 1
    assert float(ann.inner_text(".score-big strong")) >= score_before
    ann_context.close()

    # Bea opens Ann's page from the dashboard
    bea.goto(f"{site.url}/dashboard")
    bea.get_by_role("link", name="Ann", exact=True).click()
    bea.wait_for_url(re.compile(r"/agents/\d+$"))
    assert bea.locator("h1").inner_text() == "Ann"
    assert bea.locator("table.behaviours tbody tr").count() > 0
    bea_context.close()

    # the inbox and an agent's page fit a phone
    phone_context, phone = signed_in(browser, site, "bea", width=390)
    for path, name in (
        (f"/agents/{site.world.agents['ann']}", "disputes-agent-page-phone"),
        ("/disputes?status=all", "disputes-inbox-phone"),
    ):
        phone.goto(site.url + path)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path
        screenshot(phone, name, full_page=False)
    phone_context.close()
