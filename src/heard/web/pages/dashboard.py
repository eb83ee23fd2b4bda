"""The numbers pages: the dashboard (trend, components, score distribution, agents' rows,
best and worst moments, by team, agent, channel and dates), the recognition board and the
customer feedback chart."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from heard.model import Channel, Polarity
from heard.store import ConversationFilter, Store, UserRole, Viewer, dashboards, surveys
from heard.store import records as store_records
from heard.store.errors import Invalid, NotFound
from heard.web import views
from heard.web.deps import StoreDep
from heard.web.pages import trends
from heard.web.pages.conversation import agent_names
from heard.web.pages.session import (
    Blank,
    Lead,
    Signed,
    User,
    html,
    optional_date,
    pages,
    start_of,
)

router = APIRouter(include_in_schema=False)


def _moment(m: store_records.Moment) -> views.Moment:
    return views.Moment(
        conversation_id=str(m.conversation_id),
        turn=m.turn,
        quote=m.quote,
        behaviour=m.behaviour,
        component=m.component,
        polarity=Polarity(m.polarity),
        explanation=m.explanation,
        agent=m.agent,
        at=m.occurred_at,
    )


MOMENTS_SHOWN = 5


def varied(moments: list[store_records.Moment], limit: int = MOMENTS_SHOWN) -> list[views.Moment]:
    """Up to `limit` moments, one per behaviour first (the store ranks by confidence, which
    would fill the list with the most certain behaviour), then the rest in the store's order."""
    first: list[store_records.Moment] = []
    seen: set[str] = set()
    for m in moments:
        if m.behaviour not in seen:
            seen.add(m.behaviour)
            first.append(m)
    rest = [m for m in moments if m not in first]
    return [_moment(m) for m in (first + rest)[:limit]]


def dashboard_view(
    store: Store,
    viewer: Viewer,
    *,
    team: str | None,
    agent: str | None,
    channel: str | None,
    date_from: date | None,
    date_to: date | None,
) -> views.DashboardView:
    teams = store.list_teams(viewer)
    agents = store.list_agents(viewer)
    team_id = next((t.id for t in teams if t.name == team), None)
    if team and team_id is None:
        raise NotFound(f"no team {team!r} among yours", field="team")
    agent_id = None
    if agent:
        agent_id = next((a.id for a in agents if str(a.id) == agent), None)
        if agent_id is None:
            raise NotFound(f"no agent {agent!r} among yours", field="agent")
    if date_from and date_to and date_to < date_from:
        raise Invalid("the 'to' date is before the 'from' date", field="date_to")
    where = ConversationFilter(
        team_id=team_id,
        agent_id=agent_id,
        channel=Channel(channel) if channel else None,
        start=start_of(date_from),
        end=start_of(date_to + timedelta(days=1)) if date_to else None,
    )
    trend = dashboards.trends(store, viewer, where)
    distribution = dashboards.distribution(store, viewer, where)
    moments = dashboards.moments(store, viewer, where, limit=4 * MOMENTS_SHOWN)
    weeks = trends.weeks_of(trend)
    per_agent = dashboards.agent_trends(store, viewer, where)
    rows = []
    for a in agents:
        if (team_id is not None and a.team_id != team_id) or (
            agent_id is not None and a.id != agent_id
        ):
            continue
        row = trends.agent_row(a, per_agent.get(a.id, {}), weeks)
        if row is not None:
            rows.append(row)
    scored_trend = [p for p in trend if p.listening_score is not None]
    total_scored = sum(p.conversations for p in scored_trend)
    overall = (
        sum(p.conversations * (p.listening_score or 0) for p in scored_trend) / total_scored
        if total_scored
        else None
    )
    today = datetime.now(UTC).date()
    first = date_from or (weeks[0] if weeks else today)
    last = date_to or (weeks[-1] + timedelta(days=6) if weeks else today)
    shown_teams = [team] if team else [t.name for t in teams]
    return views.DashboardView(
        teams=shown_teams,
        date_from=first,
        date_to=max(first, last),
        filters=views.DashboardFilters(
            team=team,
            agent=agent,
            channel=channel,
            date_from=date_from,
            date_to=date_to,
            teams=[t.name for t in teams],
            agents=[(str(a.id), a.name or a.external_id) for a in agents],
        ),
        conversations=distribution.total,
        mean=None if overall is None else round(overall, 2),
        trend=trends.trend(trend),
        components=trends.components(trend),
        histogram=[
            views.HistogramBin(lower=b.low, upper=b.high, count=b.conversations)
            for b in distribution.bins
        ],
        agents=rows,
        best=varied(moments.best),
        worst=varied(moments.worst),
    )


@router.get("/dashboard")
def dashboard(
    request: Request,
    user: Lead,
    store: StoreDep,
    team: Blank = None,
    agent: Blank = None,
    channel: Blank = None,
    date_from: Blank = None,
    date_to: Blank = None,
) -> HTMLResponse:
    if channel and channel not in {c.value for c in Channel}:
        raise Invalid(f"no channel {channel!r}", field="channel")
    view = dashboard_view(
        store,
        user.viewer,
        team=team or None,
        agent=agent or None,
        channel=channel or None,
        date_from=optional_date(date_from, "date_from"),
        date_to=optional_date(date_to, "date_to"),
    )
    return html(pages(request).dashboard(view, user=user.page_user, csrf_token=user.csrf))


# --- recognition, feedback -------------------------------------------------------------------


def board_viewer(user: Signed) -> Viewer:
    """Who the recognition board is drawn for: an agent sees their team's board (names and
    means only), leads their teams, admins everyone."""
    if user.role == UserRole.AGENT:
        return Viewer(user_id=user.user.id, role=UserRole.LEAD, team_ids=user.user.team_ids)
    return user.viewer


def _listener(x: store_records.Listener) -> views.Listener:
    return views.Listener(
        agent_id=str(x.agent_id),
        name=x.agent or f"agent {x.agent_id}",
        team=x.team,
        n=x.conversations,
        mean=x.mean_score,
        previous=x.previous_mean,
        previous_n=x.previous_conversations,
        low=x.improvement_low,
        high=x.improvement_high,
    )


@router.get("/recognition")
def recognition(
    request: Request,
    user: User,
    store: StoreDep,
    week: Blank = None,
) -> HTMLResponse:
    viewer = board_viewer(user)
    chosen = optional_date(week, "week")
    today = datetime.now(UTC).date()
    complete = trends.complete_weeks(dashboards.trends(store, viewer), today)
    if chosen is None:
        board_week = trends.board_week(
            complete, lambda w: bool(dashboards.recognition(store, viewer, week=w).by_score), today
        )
        board = dashboards.recognition(store, viewer, week=board_week)
    else:
        board = dashboards.recognition(store, viewer, week=chosen)
    in_week = dashboards.agent_trends(
        store,
        viewer,
        ConversationFilter(
            start=start_of(board.week), end=start_of(board.week + timedelta(days=7))
        ),
    )
    ranked = {x.agent_id for x in board.by_score}
    names = agent_names(store, viewer)
    too_few = sorted(
        names[a]
        for a, weeks in in_week.items()
        if a in names
        and a not in ranked
        and sum(n for n, _ in weeks.values()) < board.min_conversations
    )
    view = views.RecognitionView(
        week_start=board.week,
        min_n=board.min_conversations,
        latest=chosen is None,
        weeks=complete[: trends.PICKER_WEEKS],
        by_score=[_listener(x) for x in board.by_score],
        by_improvement=[_listener(x) for x in board.by_improvement],
        badges=[
            views.Badge(
                behaviour=b.behaviour,
                title=b.badge,
                agent=b.agent or f"agent {b.agent_id}",
                value=trends.badge_text(b),
            )
            for b in board.badges
        ],
        too_few=too_few,
    )
    return html(pages(request).recognition(view, user=user.page_user, csrf_token=user.csrf))


@router.get("/feedback")
def feedback(request: Request, user: Lead, store: StoreDep) -> HTMLResponse:
    pairs = surveys.feedback_pairs(store, user.viewer)
    view = views.FeedbackChartView(
        points=[
            views.FeedbackPoint(
                conversation_id=str(p.conversation_id),
                listening_score=p.listening_score,
                csat=p.csat,
                felt_heard=p.felt_heard,
            )
            for p in pairs
            if p.listening_score is not None and p.csat is not None and p.felt_heard is not None
        ]
    )
    return html(pages(request).feedback(view, user=user.page_user, csrf_token=user.csrf))
