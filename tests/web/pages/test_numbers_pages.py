"""Numbers that never mislead, on generated teams with known answers, over a real store (SQLite
and PostgreSQL): a change needs enough conversations in both weeks and never reads "-0"; empty
weeks are gaps; a decliner or noise is never "most improved"; badges need a minimum count; the
recognition page falls back to the last complete week with a board."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from heard import numbers
from heard.store import Store, Viewer, dashboards
from heard.web import charts
from heard.web.pages import render_dashboard
from heard.web.pages.dashboard import dashboard_view
from heard.web.views import PageUser, TrendPoint
from teamdata import MONDAY, analyzer, conversation, ingest, open_store
from web.api.conftest import Api
from web.chartsvg import plot_of, points, segments, slots
from web.pages.test_page_routes import sign_in

MIN = numbers.MIN_CONVERSATIONS
WEEK = timedelta(days=7)
LEAD = PageUser(name="Lead", email="lead@x.test", role="lead")


def week_of(agent: str, week: int, good: int, bad: int, team: str = "Blue") -> list:
    """`good` then `bad` conversations of `agent` in week `week` (0 = MONDAY's), an hour apart."""
    start = MONDAY + week * WEEK
    return [
        conversation(
            f"{agent}-w{week}-{i}",
            agent=agent,
            agent_name=agent.title(),
            team=team,
            good=i < good,
            at=start + timedelta(hours=i),
        )
        for i in range(good + bad)
    ]


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = open_store(database_url)
    convs = (
        week_of("imp", 0, 0, MIN)  # improves: all poor, then all good
        + week_of("imp", 1, MIN, 0)
        + week_of("dee", 0, MIN, 0)  # declines: all good, then all poor
        + week_of("dee", 1, 0, MIN)
        + week_of("noi", 0, 3, 2)  # up a little, inside the noise
        + week_of("noi", 1, 4, 1)
        + week_of("one", 0, MIN, 0)  # one (poor) conversation in the new week
        + week_of("one", 1, 0, 1)
        + week_of("flat", 0, MIN, 0)  # the same both weeks
        + week_of("flat", 1, MIN, 0)
        + week_of("gap", 0, MIN, 0, team="Red")  # April ... then October, in short
        + week_of("gap", 4, MIN, 0, team="Red")
        + week_of("gap", 5, 0, 1, team="Red")
    )
    ingest(opened, convs, analyzer=analyzer())
    yield opened
    opened.close()


def scores(store: Store) -> tuple[float, float]:
    """The Listening Score of a good and of a poor conversation (every copy scores the same)."""
    page = store.list_conversations(Viewer.system(), limit=200)
    found = {c.external_id: c.listening_score for c in page.items}
    good, bad = found["flat-w0-0"], found["imp-w0-0"]
    assert good is not None and bad is not None and good - bad > 10
    return good, bad


def test_a_change_needs_enough_conversations_in_both_weeks(store: Store) -> None:
    good, bad = scores(store)
    view = dashboard_view(
        store,
        Viewer.system(),
        team="Blue",
        agent=None,
        channel=None,
        date_from=None,
        date_to=None,
    )
    rows = {row.name: row for row in view.agents}
    assert rows["Imp"].change == pytest.approx(round(good - bad, 2), abs=0.011)
    assert (
        rows["Imp"].change_text == numbers.signed(good - bad)
        and rows["Imp"].change_direction == "up"
    )
    assert rows["Dee"].change == pytest.approx(round(bad - good, 2), abs=0.011)
    assert rows["Dee"].change_direction == "down"
    one = rows["One"]  # a one-conversation week shows no change
    assert (one.change, one.n_before, one.n_after) == (None, MIN, 1)
    assert one.change_text == "n/a (too few)" and one.weekly == [pytest.approx(good), None]
    assert rows["Flat"].change == 0 and rows["Flat"].change_text == "±0"
    # the team's weeks carry their n
    assert [(p.n, p.shown is not None) for p in view.trend] == [(25, True), (21, True)]
    page = BeautifulSoup(render_dashboard(view, user=LEAD), "html.parser")
    cells = [row.find_all("td")[4].get_text() for row in page.select("table.agents tbody tr")]
    assert "n/a (too few)" in cells and "±0" in cells
    assert not any(re.fullmatch(r"-0", cell) for cell in cells)


def test_empty_and_thin_weeks_are_gaps_not_zeros(store: Store) -> None:
    good, _ = scores(store)
    view = dashboard_view(
        store,
        Viewer.system(),
        team="Red",
        agent=None,
        channel=None,
        date_from=None,
        date_to=None,
    )
    assert [p.n for p in view.trend] == [MIN, 0, 0, 0, MIN, 1]
    assert [p.period for p in view.trend] == [(MONDAY + i * WEEK).date() for i in range(6)]
    trend = plot_of(charts.score_trend(view.trend).svg(id="t", title="trend"))
    columns = slots(trend)
    assert [gap for _, gap in columns] == [False, True, True, True, False, True]
    assert [title.rsplit(": ", 1)[1] for title, _ in columns] == [
        f"{good:.0f} ({MIN} conversations)",
        "no conversations",
        "no conversations",
        "no conversations",
        f"{good:.0f} ({MIN} conversations)",
        f"1 conversation, too few for a mean (a week needs {MIN})",
    ]
    assert len(points(trend)) == 2, "a point for each week with enough conversations"
    assert segments(trend) == [], "the two weeks with a mean are not joined over the gap"
    components = plot_of(charts.component_trends(view.components).svg(id="c", title="c"))
    assert [gap for _, gap in slots(components)] == [False, True, True, True, False, True]
    assert segments(components) == []
    [row] = view.agents
    assert row.weekly == [pytest.approx(good), None, None, None, pytest.approx(good), None]
    page = plot_of(render_dashboard(view, user=LEAD), "#trend-chart svg.plot")
    assert slots(page) == columns and len(points(page)) == 2
    assert [t.get_text() for t in page.find_all("text") if t.get_text().startswith("n=")] == [
        f"n={n}" for n in (MIN, 0, 0, 0, MIN, 1)
    ], "every week's n under its label"


def test_a_period_with_conversations_but_no_score_is_not_zero() -> None:
    trend = [
        TrendPoint(period=MONDAY.date(), mean=70, n=MIN),
        TrendPoint(period=(MONDAY + WEEK).date(), mean=None, n=12),
    ]
    svg = plot_of(charts.score_trend(trend).svg(id="t", title="trend"))
    second = MONDAY + WEEK
    assert slots(svg)[1] == (
        f"week of {second.day} {second:%b %Y}: 12 conversations, none scored",
        True,
    )
    assert points(svg) == [f"week of {MONDAY.day} {MONDAY:%b %Y}: 70 ({MIN} conversations)"]


def test_a_decliner_or_noise_is_never_most_improved(store: Store) -> None:
    good, bad = scores(store)
    board = dashboards.recognition(store, Viewer.system(), week=(MONDAY + WEEK).date())
    assert [x.agent for x in board.by_improvement] == ["Imp"]
    [imp] = board.by_improvement
    assert imp.improvement == pytest.approx(good - bad, abs=0.011)
    assert imp.improvement_low == imp.improvement_high == imp.improvement  # no spread: exact
    listed = {x.agent: x for x in board.by_score}
    assert set(listed) == {"Imp", "Dee", "Noi", "Flat"}  # One had a single conversation
    noi = listed["Noi"]
    assert noi.improvement == pytest.approx(0.2 * (good - bad), abs=0.011)  # up, but noise
    assert noi.improvement_low is not None and noi.improvement_low < 0
    assert listed["Dee"].improvement is not None and listed["Dee"].improvement < 0
    assert board.badges and all(b.done >= MIN and b.judged >= b.done for b in board.badges)


def test_badges_need_a_minimum_count(store: Store) -> None:
    thin = dashboards.recognition(
        store, Viewer.system(), week=(MONDAY + 5 * WEEK).date(), min_conversations=1
    )
    assert all(b.done >= 1 for b in thin.badges)
    strict = dashboards.recognition(
        store, Viewer.system(), week=(MONDAY + WEEK).date(), min_conversations=6
    )
    assert strict.badges == [] and strict.by_score == []


def test_recognition_shows_the_last_complete_week_after_a_quiet_one(api: Api) -> None:
    today = datetime.now(UTC)
    this_monday = (today - timedelta(days=today.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    busy = this_monday - 2 * WEEK  # then a quiet week, then one conversation this week
    convs = [
        conversation(f"busy-{i}", agent="ann", agent_name="Ann", at=busy + timedelta(hours=i))
        for i in range(MIN)
    ] + [
        conversation("now-0", agent="abe", agent_name="Abe", at=this_monday + timedelta(minutes=1))
    ]
    ingest(api.store, convs, analyzer=analyzer())
    api.client.cookies.clear()
    sign_in(api.client, "bea@x.test")
    page = BeautifulSoup(api.client.get("/recognition").text, "html.parser")
    text = page.get_text(" ", strip=True)
    assert f"Week of {busy.date().isoformat()} (the last complete week with a board)" in text
    assert "Ann" in page.select_one("ol.podium").get_text()
    picker = [o["value"] for o in page.select("select[name=week] option")]
    assert picker[0] == busy.date().isoformat() and this_monday.date().isoformat() not in picker
    for badge in page.select("li.badge"):
        assert re.search(r"in (\d+) of their (\d+) conversations", badge.get_text())
        assert "(0 times)" not in badge.get_text()
    asked = api.client.get(f"/recognition?week={this_monday.date().isoformat()}").text
    assert "the last complete week" not in asked and f"Nobody had {MIN} conversations" in asked
