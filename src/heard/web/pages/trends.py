"""The dashboard's and the agent home's numbers, built by the rules of heard.numbers: trends
over every week between the first and the last (empty weeks are gaps), each point with its n;
per-agent weekly means hidden below the minimum sample; a change only between two weeks that
both have enough conversations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from heard import numbers
from heard.store import records as store_records
from heard.web import views

AgentWeeks = dict[date, tuple[int, float | None]]
"""One agent's weeks: week start → (conversations, mean Listening Score or None)."""


def weeks_of(points: list[store_records.TrendPoint]) -> list[date]:
    """Every week from the first to the last of `points` (the store lists only weeks with
    conversations)."""
    if not points:
        return []
    return numbers.continuous_periods(points[0].period, points[-1].period)


def trend(points: list[store_records.TrendPoint]) -> list[views.TrendPoint]:
    """A point per week, empty weeks included (n 0, no mean), so a chart breaks its line."""
    found = {p.period: p for p in points}
    return [
        views.TrendPoint(
            period=week,
            mean=found[week].listening_score if week in found else None,
            n=found[week].conversations if week in found else 0,
        )
        for week in weeks_of(points)
    ]


def components(points: list[store_records.TrendPoint]) -> list[views.ComponentTrend]:
    """Per rubric component, a point per week like `trend`; n counts the week's conversations
    where the component has a mean, 0 where it has none."""
    found = {p.period: p for p in points}
    names = sorted({name for p in points for name in p.components})
    result = []
    for name in names:
        shown = []
        for week in weeks_of(points):
            point = found.get(week)
            mean = None if point is None else point.components.get(name)
            n = point.conversations if point is not None and mean is not None else 0
            shown.append(views.TrendPoint(period=week, mean=mean, n=n))
        result.append(views.ComponentTrend(component=name, points=shown))
    return result


def agent_row(
    agent: store_records.AgentRecord, agent_weeks: AgentWeeks, weeks: list[date]
) -> views.AgentRow | None:
    """An agent's dashboard row over `weeks` (continuous, oldest first), None when they had no
    conversation: their mean over all scored conversations, a sparkline point per week with
    enough conversations, and the change from the week before the last to the last."""
    n = sum(count for count, _ in agent_weeks.values())
    if not n:
        return None
    scored = [(c, m) for c, m in agent_weeks.values() if m is not None]
    mean = sum(c * m for c, m in scored) / sum(c for c, _ in scored) if scored else None
    weekly = []
    for week in weeks:
        count, week_mean = agent_weeks.get(week, (0, None))
        weekly.append(week_mean if numbers.enough(count) else None)
    n_after, after = agent_weeks.get(weeks[-1], (0, None)) if weeks else (0, None)
    n_before, before = (0, None)
    if weeks:
        n_before, before = agent_weeks.get(weeks[-1] - timedelta(days=7), (0, None))
    return views.AgentRow(
        agent_id=str(agent.id),
        name=agent.name or agent.external_id,
        team=agent.team,
        n=n,
        mean=None if mean is None else round(mean, 2),
        change=numbers.change(before, n_before, after, n_after),
        n_before=n_before,
        n_after=n_after,
        weekly=weekly,
    )


PICKER_WEEKS = 26
"""How many recent weeks the recognition page's picker offers."""
LOOK_BACK = 8
"""How many complete weeks the recognition page looks back for one with a board."""


def complete_weeks(points: list[store_records.TrendPoint], today: date) -> list[date]:
    """The weeks of `points` that have ended by `today` (a week is complete after its Sunday),
    newest first."""
    this_monday = today - timedelta(days=today.weekday())
    return [p.period for p in reversed(points) if p.period < this_monday]


def board_week(weeks: list[date], has_board: Callable[[date], bool], today: date) -> date:
    """The week the recognition page shows when none is asked for: the newest complete week
    (of `weeks`, newest first) whose board ranks someone, looking back `LOOK_BACK` weeks; else
    the newest complete week; else this week."""
    for week in weeks[:LOOK_BACK]:
        if has_board(week):
            return week
    return weeks[0] if weeks else today - timedelta(days=today.weekday())


def badge_text(badge: store_records.Badge) -> str:
    """What earned a badge, in counts first: "in 5 of their 6 conversations (83%)"."""
    return f"in {badge.done} of their {badge.judged} conversations ({badge.rate:.0%})"
