"""The conversations page: every conversation the signed-in viewer may see, filtered (team,
agent, channel, dates, score range, a behaviour done or missed), sorted and paged, each linking
to its conversation page, with the filtered set's CSV and Parquet export (the API's /api/v1/export,
which takes the same filters and the session)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from heard.model import Channel
from heard.store import ConversationFilter, Store, Viewer
from heard.store.errors import Invalid, NotFound
from heard.web import views
from heard.web.deps import StoreDep
from heard.web.pages.routes import (
    Blank,
    User,
    _optional_date,
    _start_of,
    html,
    pages,
)

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
"""Conversations a page lists."""
MAX_PAGE = 200_000
Order = Literal["newest", "oldest", "score", "-score"]


def _score(value: str | None, field: str) -> float | None:
    if not value:
        return None
    try:
        score = float(value)
    except ValueError:
        raise Invalid(
            f"{field} must be a number from 0 to 100, got {value!r}", field=field
        ) from None
    if not 0 <= score <= 100:
        raise Invalid(f"{field} must be from 0 to 100, got {value}", field=field)
    return score


def list_view(
    store: Store,
    viewer: Viewer,
    chosen: views.ListFilters,
    *,
    page: int,
    behaviours: list[tuple[str, str]],
) -> views.ConversationListView:
    """The page's rows for the filters `chosen` (ids as the form sends them)."""
    teams = store.list_teams(viewer)
    agents = store.list_agents(viewer)
    team_id = agent_id = None
    if chosen.team:
        team_id = next((t.id for t in teams if str(t.id) == chosen.team), None)
        if team_id is None:
            raise NotFound(f"no team {chosen.team!r} among yours", field="team")
    if chosen.agent:
        agent_id = next((a.id for a in agents if str(a.id) == chosen.agent), None)
        if agent_id is None:
            raise NotFound(f"no agent {chosen.agent!r} among yours", field="agent")
    known = {name for name, _ in behaviours}
    for field, value in (("done", chosen.done), ("missed", chosen.missed)):
        if value and value not in known:
            raise Invalid(f"no behaviour {value!r} in the rubric", field=field)
    if chosen.date_from and chosen.date_to and chosen.date_to < chosen.date_from:
        raise Invalid("the 'to' date is before the 'from' date", field="date_to")
    low, high = chosen.min_score, chosen.max_score
    if low is not None and high is not None and high < low:
        raise Invalid("the highest score is below the lowest", field="max_score")
    where = ConversationFilter(
        team_id=team_id,
        agent_id=agent_id,
        channel=Channel(chosen.channel) if chosen.channel else None,
        start=_start_of(chosen.date_from),
        end=_start_of(chosen.date_to + timedelta(days=1)) if chosen.date_to else None,
        min_score=low,
        max_score=high,
        done=[chosen.done] if chosen.done else [],
        missed=[chosen.missed] if chosen.missed else [],
    )
    found = store.list_conversations(
        viewer, where, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE, order=chosen.order
    )
    form = {
        key: value
        for key, value in (
            ("team", chosen.team),
            ("agent", chosen.agent),
            ("channel", chosen.channel),
            ("date_from", chosen.date_from.isoformat() if chosen.date_from else None),
            ("date_to", chosen.date_to.isoformat() if chosen.date_to else None),
            ("min_score", _number(low)),
            ("max_score", _number(high)),
            ("done", chosen.done),
            ("missed", chosen.missed),
            ("order", None if chosen.order == "newest" else chosen.order),
        )
        if value
    }
    pages_total = max(1, -(-found.total // PAGE_SIZE))
    api = {
        key: value
        for key, value in (
            ("team", team_id),
            ("agent", agent_id),
            ("channel", chosen.channel),
            ("start", where.start.isoformat() if where.start else None),
            ("end", where.end.isoformat() if where.end else None),
            ("min_score", _number(low)),
            ("max_score", _number(high)),
            ("done", chosen.done),
            ("missed", chosen.missed),
        )
        if value is not None and value != ""
    }
    return views.ConversationListView(
        filters=chosen.model_copy(
            update={
                "teams": [(str(t.id), t.name) for t in teams],
                "agents": [(str(a.id), a.name or a.external_id) for a in agents],
                "behaviours": behaviours,
            }
        ),
        rows=[
            views.ListRow(
                id=item.id,
                conversation_id=item.conversation_id,
                occurred_at=item.occurred_at,
                channel=item.channel,
                agent=item.agent,
                team=item.team,
                turns=item.turns,
                listening_score=item.listening_score,
            )
            for item in found.items
        ],
        total=found.total,
        first=(page - 1) * PAGE_SIZE + 1 if found.items else 0,
        previous_url=_page_url(form, page - 1) if page > 1 else None,
        next_url=_page_url(form, page + 1) if page < pages_total else None,
        export_query=urlencode(api),
    )


def _number(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"


def _page_url(form: dict[str, str], page: int) -> str:
    query = urlencode({**form, **({"page": str(page)} if page > 1 else {})})
    return "/conversations" + (f"?{query}" if query else "")


@router.get("/conversations")
def conversations(
    request: Request,
    user: User,
    store: StoreDep,
    team: Blank = None,
    agent: Blank = None,
    channel: Blank = None,
    date_from: Blank = None,
    date_to: Blank = None,
    min_score: Blank = None,
    max_score: Blank = None,
    done: Blank = None,
    missed: Blank = None,
    order: Order = "newest",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    if channel and channel not in {c.value for c in Channel}:
        raise Invalid(f"no channel {channel!r}", field="channel")
    renderer = pages(request)
    behaviours = [
        (name, renderer.behaviour_label(name))
        for name, b in renderer.rubric.behaviours.items()
        if b.polarity != "neutral"
    ]
    chosen = views.ListFilters(
        team=team or None,
        agent=agent or None,
        channel=channel or None,
        date_from=_optional_date(date_from, "date_from"),
        date_to=_optional_date(date_to, "date_to"),
        min_score=_score(min_score, "min_score"),
        max_score=_score(max_score, "max_score"),
        done=done or None,
        missed=missed or None,
        order=order,
    )
    view = list_view(store, user.viewer, chosen, page=page, behaviours=behaviours)
    return html(renderer.conversations(view, user=user.page_user, csrf_token=user.csrf))
