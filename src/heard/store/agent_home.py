"""An agent's home, as the agent or a lead of their team sees it: the weekly Listening Score,
a per-behaviour scorecard over the weeks (how often the agent did well, out of the
conversations where the behaviour applied), their recent conversations, their disputes and the
coaching notes still open. The numbers follow heard.numbers: each week carries its n, a rate
over fewer than the minimum sample is not given, and weeks without conversations are gaps."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from heard import numbers
from heard.analysis.rubric import load_rubric
from heard.store import coaching_notes, dashboards, scoping
from heard.store.disputes import Dispute, DisputeStatus, list_disputes
from heard.store.records import (
    AgentRecord,
    ConversationFilter,
    ConversationSummary,
    Note,
    NoteStatus,
    TrendPoint,
    Viewer,
)
from heard.store.tables import DailyVerdictRow

if TYPE_CHECKING:
    from heard.store.repository import Store

WEEKS = 12
"""How many weeks the behaviour scorecard covers, ending with the agent's latest week."""
RECENT = 10
"""Conversations listed on an agent's home."""
DECIDED_SHOWN = 10
"""Decided disputes listed beside the open ones (newest first)."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BehaviourWeek(_Record):
    """One week of a behaviour: in how many conversations it applied and was done well."""

    period: date = Field(description="the week's Monday")
    judged: int = Field(ge=0, description="conversations where it applied (done or missed)")
    done: int = Field(ge=0, description="of those, how many did well")
    rate: float | None = Field(
        default=None,
        description="done / judged in percent; None below heard.numbers.MIN_CONVERSATIONS",
    )


class BehaviourTrend(_Record):
    """A behaviour's weeks (every week of the span, empty ones with judged 0) and its total."""

    behaviour: str
    polarity: str = Field(description="positive: did it; negative: avoided it (done)")
    judged: int = Field(ge=0)
    done: int = Field(ge=0)
    rate: float | None = Field(default=None, description="over every week; None when too few")
    weeks: list[BehaviourWeek] = Field(default_factory=list)


class AgentHome(_Record):
    agent: AgentRecord
    min_conversations: int = Field(description="the fewest a week needs for its figure")
    trend: list[TrendPoint] = Field(default_factory=list, description="weeks with conversations")
    behaviours: list[BehaviourTrend] = Field(default_factory=list)
    recent: list[ConversationSummary] = Field(default_factory=list)
    disputes: list[Dispute] = Field(
        default_factory=list, description="open ones, then the latest decided"
    )
    notes: list[Note] = Field(
        default_factory=list, description="coaching notes still open or disputed"
    )


def _rate(done: int, judged: int) -> float | None:
    return round(100 * done / judged, 1) if numbers.enough(judged) else None


def behaviour_trends(
    store: Store, viewer: Viewer, agent_id: int, *, weeks: int = WEEKS
) -> list[BehaviourTrend]:
    """Per checklist behaviour, the agent's last `weeks` weeks (ending with their latest week
    with a judged behaviour), from the daily verdict rollup as the viewer may see it; in the
    rubric's order."""
    period = dashboards.period_start(store.dialect, "week", DailyVerdictRow.day).label("period")
    stmt = select(
        period,
        DailyVerdictRow.behaviour,
        func.sum(DailyVerdictRow.judged),
        func.sum(DailyVerdictRow.done),
    ).group_by(period, DailyVerdictRow.behaviour)
    stmt = scoping.rollup_where(
        stmt, DailyVerdictRow, viewer, ConversationFilter(agent_id=agent_id)
    )
    with store._session() as session:
        rows = [
            (p if isinstance(p, date) else date.fromisoformat(str(p)), b, int(j), int(d))
            for p, b, j, d in session.execute(stmt)
        ]
    if not rows:
        return []
    last = max(p for p, _, _, _ in rows)
    span = numbers.continuous_periods(last - timedelta(days=7 * (weeks - 1)), last)
    found: dict[str, dict[date, tuple[int, int]]] = {}
    for p, behaviour, judged, done in rows:
        if p >= span[0]:
            found.setdefault(behaviour, {})[p] = (judged, done)
    rubric = load_rubric()
    order = {name: i for i, name in enumerate(rubric.behaviours)}
    trends = []
    for behaviour in sorted(found, key=lambda b: (order.get(b, len(order)), b)):
        by_week = found[behaviour]
        judged = sum(j for j, _ in by_week.values())
        done = sum(d for _, d in by_week.values())
        known = rubric.behaviours.get(behaviour)
        trends.append(
            BehaviourTrend(
                behaviour=behaviour,
                polarity=known.polarity if known is not None else "positive",
                judged=judged,
                done=done,
                rate=_rate(done, judged),
                weeks=[
                    BehaviourWeek(
                        period=week,
                        judged=by_week.get(week, (0, 0))[0],
                        done=by_week.get(week, (0, 0))[1],
                        rate=_rate(by_week.get(week, (0, 0))[1], by_week.get(week, (0, 0))[0]),
                    )
                    for week in span
                ],
            )
        )
    return trends


def agent_home(store: Store, viewer: Viewer, agent_id: int, *, recent: int = RECENT) -> AgentHome:
    """The agent's home as the viewer may see it: the agent themselves, a lead of their team or
    an admin (anyone else: NotFound, as for a missing agent)."""
    agent = store.get_agent(viewer, agent_id)
    mine = ConversationFilter(agent_id=agent_id)
    disputes = list_disputes(store, viewer, agent_id=agent_id)
    still_open = [d for d in disputes if d.status == DisputeStatus.OPEN]
    decided = [d for d in disputes if d.status != DisputeStatus.OPEN][:DECIDED_SHOWN]
    notes = coaching_notes.list_notes(store, viewer, agent_id=agent_id)
    return AgentHome(
        agent=agent,
        min_conversations=numbers.MIN_CONVERSATIONS,
        trend=dashboards.trends(store, viewer, mine),
        behaviours=behaviour_trends(store, viewer, agent_id),
        recent=store.list_conversations(viewer, mine, limit=recent).items,
        disputes=still_open + decided,
        notes=[n for n in notes if n.status in (NoteStatus.OPEN, NoteStatus.DISPUTED)],
    )
