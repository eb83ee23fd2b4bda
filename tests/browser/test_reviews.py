"""Reviews end to end in chromium: a lead assigns a conversation from the conversations page,
starts a calibration session; two reviewers score blind (a refused form keeps what was typed),
and the session then shows their agreement per behaviour and with heard; the review page fits
a phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from heard.settings import Settings
from heard.store import Store, reviews
from heard.web import create_app
from loopback import serve
from teamdata import PASSWORD, World, build_world, open_store


@dataclass
class Site:
    url: str
    world: World


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    url = f"sqlite:///{tmp_path_factory.mktemp('reviews') / 'heard.db'}"
    store: Store = open_store(url)
    world = build_world(store)
    settings = Settings(database_url=url, secret_key="browser-review-secret")
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


def answer_all(page, *, empathy: str) -> None:
    """Tick an answer for every behaviour: "did well" everywhere, `empathy` for empathy."""
    for radio in page.locator('input[type="radio"][value="done"]').all():
        radio.check()
    page.check(f'input[name="b:empathy"][value="{empathy}"]')


def test_assign_review_and_calibrate(browser, site: Site) -> None:
    world = site.world
    lead_context, lead = signed_in(browser, site, "bea")
    lead.goto(f"{site.url}/conversations")
    lead.get_by_label("Tick ann-1 to assign").check()
    lead.get_by_role("button", name="Assign for review").click()  # no reviewer chosen
    assert "Choose who reviews them." in lead.locator("#assign-error").inner_text()
    assert lead.get_by_label("Tick ann-1 to assign").is_checked()  # the choice is kept
    lead.select_option("#assign-reviewer", label="Abe")
    lead.get_by_role("button", name="Assign for review").click()
    lead.wait_for_url(re.compile(r"/reviews\?assigned=1"))
    assert "Assigned 1 conversation." in lead.inner_text("main")
    assert "Abe" in lead.inner_text("main")

    # a calibration session on both of Ann's conversations, Abe and Bea reviewing
    lead.goto(f"{site.url}/conversations")
    for name in ("ann-1", "ann-2"):
        lead.get_by_label(f"Tick {name} to assign").check()
    lead.get_by_text("Or start a calibration session with them").click()
    lead.fill("#session-name", "March calibration")
    lead.get_by_role("checkbox", name="Abe", exact=True).check()
    lead.get_by_role("button", name="Start the session").click()  # one reviewer: refused
    assert "two or more reviewers" in lead.locator("#assign-error").inner_text()
    assert lead.input_value("#session-name") == "March calibration"
    lead.get_by_role("checkbox", name="Bea", exact=True).check()
    lead.get_by_role("button", name="Start the session").click()
    lead.wait_for_url(re.compile(r"/calibrations/\d+$"))
    session_url = lead.url
    assert "0 of 4 reviews submitted" in lead.inner_text("main")

    # Abe reviews blind; a refused form keeps his note
    abe_context, abe = signed_in(browser, site, "abe")
    abe.goto(session_url)
    abe.locator("main a[href^='/reviews/']").first.click()
    assert "Blind review" in abe.inner_text("main")
    assert abe.locator(".review-findings").count() == 0
    abe.fill('input[name="n:empathy"]', "Apologised, mail me at jo@example.com")
    abe.get_by_role("button", name="Submit the review").click()
    assert "Choose did well, needs work or not needed for" in abe.inner_text("#review-error")
    assert abe.input_value('input[name="n:empathy"]') == "Apologised, mail me at jo@example.com"
    for review in range(2):
        if review:
            abe.goto(session_url)
            abe.locator("main a[href^='/reviews/']").nth(1).click()
        answer_all(abe, empathy="done")
        abe.get_by_role("button", name="Submit the review").click()
        abe.wait_for_url(re.compile(r"/calibrations/\d+$"))
    assert "Answers stay hidden" in abe.inner_text("main")

    # Bea (also a reviewer) answers "needs work" for empathy on both
    lead.goto(session_url)
    for review in range(2):
        lead.goto(session_url)
        lead.locator("section a[href^='/reviews/']").nth(review).click()
        answer_all(lead, empathy="missed")
        lead.get_by_role("button", name="Submit the review").click()
        lead.wait_for_url(re.compile(r"/calibrations/\d+$"))
    text = lead.inner_text("main")
    assert "Agreement per behaviour" in text and "Each reviewer and heard" in text
    empathy = lead.locator("table.agreement tr", has_text="Shows empathy").first.inner_text()
    assert re.search(r"\b2\s+0%", empathy), empathy  # 2 conversations, no pair agreed
    assert "Abe" in text and "Bea" in text

    # what heard said shows once submitted; the note was redacted before it was stored
    abe.goto(session_url)
    abe.locator("main a[href^='/reviews/']").first.click()
    body = abe.inner_text("main")
    assert "heard's Listening Score" in body and "example.com" not in body
    abe_context.close()

    # a reviewer's page fits a phone
    phone_context, phone = signed_in(browser, site, "abe", width=390)
    review_id = next(
        r.id for r in reviews.list_reviews(world.store, world.viewer("abe")) if r.session_id is None
    )
    phone.goto(f"{site.url}/reviews/{review_id}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone_context.close()
    lead_context.close()
