"""Page weight in chromium, on SQLite and PostgreSQL: the first load of every chart page (an
empty cache) transfers at most 300 KB, its charts are inline SVG images named by their titles
with no chart library fetched, static files come gzipped, and once cached they are not asked
for again on the next page (hashed names, immutable)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from browser.example_site import EXAMPLES
from databases import postgres_database
from heard.demo.site import DemoSite, example_conversations, seed_store
from heard.settings import Settings
from heard.store import Store, UserRole, Viewer
from heard.web import create_app
from loopback import serve
from teamdata import open_store

BUDGET = 300_000
"""The most a chart page may transfer on its first load, every file included (issue 21)."""


@dataclass
class Hits:
    """The paths the server was asked for, in order."""

    paths: list[str] = field(default_factory=list)

    def wrap(self, app):
        async def counting(scope, receive, send):
            if scope["type"] == "http":
                self.paths.append(scope["path"])
            await app(scope, receive, send)

        return counting


@dataclass
class Site:
    url: str
    store: Store
    demo: DemoSite
    hits: Hits


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request, tmp_path_factory) -> Iterator[Site]:
    if request.param == "sqlite":
        yield from _site(f"sqlite:///{tmp_path_factory.mktemp('weight') / 'heard.db'}")
        return
    with postgres_database() as url:
        yield from _site(url)


def _site(url: str) -> Iterator[Site]:
    store = open_store(url)
    try:
        demo = seed_store(
            store,
            examples=example_conversations(EXAMPLES),
            weeks=6,
            agents_per_team=2,
            per_agent_per_week=3,
        )
        hits = Hits()
        app = create_app(Settings(database_url=url, secret_key="weight-test-secret"), store=store)
        with serve(hits.wrap(app)) as base:
            yield Site(base, store, demo, hits)
    finally:
        store.close()


def signed_in_cookies(browser, site: Site, role: UserRole) -> list:
    person = site.demo.first(role)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{site.url}/sign-in")
    page.fill("#email", person.email)
    page.fill("#password", person.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    cookies = context.cookies()
    context.close()
    return cookies


def first_load(browser, site: Site, cookies: list, path: str, *, width: int = 1280):
    """Open `path` in a new context (an empty cache): the page, its requests with their
    transferred sizes, and the context for more navigations."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies(cookies)
    page = context.new_page()
    finished: list = []
    page.on("requestfinished", lambda request: finished.append(request))
    answer = page.goto(f"{site.url}{path}")
    assert answer is not None and answer.status == 200, path
    page.wait_for_load_state("networkidle")
    return page, finished, context


def transferred(requests: list) -> int:
    total = 0
    for request in requests:
        sizes = request.sizes()
        total += sizes["responseHeadersSize"] + sizes["responseBodySize"]
    return total


CHARTS = {
    "/dashboard": [
        "Mean Listening Score per week",
        "Conversations per Listening Score band",
        "Mean score per rubric component per week",
    ],
    "/feedback": ["Listening Score against CSAT", "Listening Score against Felt heard"],
}


def chart_pages(site: Site) -> dict[str, tuple[UserRole, list[str]]]:
    """Every page with a chart, who opens it, and its charts' titles."""
    viewer = Viewer.system()
    agent = site.demo.team.agents[0]
    row = next(a for a in site.store.list_agents(viewer) if a.external_id == agent.id)
    conversation = site.store.list_conversations(viewer, limit=1, order="score").items[0].id
    return {
        "/dashboard": (UserRole.LEAD, CHARTS["/dashboard"]),
        "/feedback": (UserRole.LEAD, CHARTS["/feedback"]),
        f"/conversations/{conversation}": (UserRole.LEAD, ["Customer emotion by turn: "]),
        f"/agents/{row.id}": (
            UserRole.LEAD,
            [f"{row.name or row.external_id}'s mean Listening Score per week"],
        ),
        "/me": (UserRole.AGENT, ["My mean Listening Score per week"]),
    }


def test_every_chart_page_loads_under_300_kb_with_svg_charts(browser, site: Site) -> None:
    roles = (UserRole.LEAD, UserRole.AGENT)
    cookies = {role: signed_in_cookies(browser, site, role) for role in roles}
    weights = {}
    for path, (role, titles) in chart_pages(site).items():
        page, requests, context = first_load(browser, site, cookies[role], path)
        weights[path] = transferred(requests)
        urls = [r.url for r in requests]
        assert not any("plotly" in url for url in urls), urls
        assert all(url.startswith(site.url) for url in urls), "nothing from another host"
        for title in titles:  # a title ending in ": " is the start of the chart's name
            chart = page.get_by_role("img", name=title, exact=not title.endswith(": "))
            assert chart.count() == 1, (path, title)
            assert chart.evaluate("e => e.tagName") == "svg"
            box = chart.bounding_box()
            assert box and box["width"] > 200 and box["height"] > 100, (path, title, box)
        for figure in page.locator("figure.chart svg.plot").all():
            assert figure.get_attribute("role") == "img"
            assert figure.locator("desc").count() == 1
        for request in requests:
            if "/static/" in request.url and not request.url.endswith(".png"):
                assert request.response().headers.get("content-encoding") == "gzip", request.url
        context.close()
    assert all(weight <= BUDGET for weight in weights.values()), weights


def test_static_files_are_not_fetched_again_on_the_next_page(browser, site: Site) -> None:
    cookies = signed_in_cookies(browser, site, UserRole.LEAD)
    page, requests, context = first_load(browser, site, cookies, "/dashboard")
    assert transferred(requests) <= BUDGET
    static = [r.url for r in requests if "/static/" in r.url]
    assert any(".css" in url for url in static) and any(".js" in url for url in static)
    site.hits.paths.clear()
    page.goto(f"{site.url}/feedback")
    page.wait_for_load_state("networkidle")
    page.goto(f"{site.url}/dashboard")
    page.wait_for_load_state("networkidle")
    asked = [p for p in site.hits.paths if p.startswith("/static/")]
    assert asked == [], f"cached files asked for again: {asked}"
    context.close()


def test_a_chart_point_tells_its_details_on_tap(browser, site: Site) -> None:
    """On a phone (no hover) a tap on a week writes its tooltip under the chart."""
    cookies = signed_in_cookies(browser, site, UserRole.LEAD)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto(f"{site.url}/dashboard")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    last = page.locator("#trend-chart rect.slot").last
    expected = last.locator("title").text_content()
    assert expected.startswith("week of ")
    last.tap()
    readout = page.locator("#trend-chart .chart-readout")
    assert readout.inner_text() == expected
    size = page.locator("#trend-chart text").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize) * e.getScreenCTM().a"
    )
    assert size >= 11, "axis labels stay readable on a phone"
    context.close()
