"""The conversations page: every conversation the signed-in viewer may see, searched by words
(turns, agent, customer), filtered (team, agent, channel, dates, score range, a behaviour done
or missed), sorted and paged by cursor, each linking to its conversation page, with the
filtered set's CSV and Parquet export (the API's /api/v1/export, which takes the same filters
and the session) and the viewer's own saved views of the filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from heard.model import Channel
from heard.model.values import Text
from heard.store import ConversationFilter, Store, UserRole, Viewer
from heard.store import saved_views as saved
from heard.store.errors import Conflict, Invalid, NotFound
from heard.store.paging import MAX_CURSOR
from heard.store.records import AgentRecord, TeamRecord
from heard.store.search import MAX_SEARCH
from heard.web import views
from heard.web.deps import StoreDep
from heard.web.pages.routes import (
    Blank,
    CsrfChecked,
    PageId,
    User,
    _optional_date,
    _start_of,
    back,
    html,
    pages,
    see_other,
)
from heard.web.review_views import AssignForm, assign_form

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
"""Conversations a page lists."""
Order = Literal["newest", "oldest", "score", "-score"]
Cursor = Annotated[Text | None, Query(max_length=MAX_CURSOR)]
FormValue = Annotated[Text | None, Form(max_length=MAX_SEARCH)]


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


def chosen_filters(query: dict[str, str | None]) -> views.ListFilters:
    """The page's filters from its query parameters (or a saved view's), checked."""
    channel = query.get("channel") or None
    if channel and channel not in {c.value for c in Channel}:
        raise Invalid(f"no channel {channel!r}", field="channel")
    order = query.get("order") or "newest"
    if order not in ("newest", "oldest", "score", "-score"):
        raise Invalid(f"no sort order {order!r}", field="order")
    q = (query.get("q") or "").strip()
    if len(q) > MAX_SEARCH:
        raise Invalid(f"a search is at most {MAX_SEARCH} characters", field="q")
    return views.ListFilters(
        q=q or None,
        team=query.get("team") or None,
        agent=query.get("agent") or None,
        channel=channel,
        date_from=_optional_date(query.get("date_from"), "date_from"),
        date_to=_optional_date(query.get("date_to"), "date_to"),
        min_score=_score(query.get("min_score"), "min_score"),
        max_score=_score(query.get("max_score"), "max_score"),
        done=query.get("done") or None,
        missed=query.get("missed") or None,
        order=order,  # type: ignore[arg-type]
    )


def filter_of(
    chosen: views.ListFilters,
    *,
    teams: list[TeamRecord],
    agents: list[AgentRecord],
    behaviours: list[tuple[str, str]],
) -> ConversationFilter:
    """The store's filter for the page's filters `chosen` (ids as the form sends them), checked
    against the viewer's teams and agents and the rubric's behaviours."""
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
    return ConversationFilter(
        team_id=team_id,
        agent_id=agent_id,
        channel=Channel(chosen.channel) if chosen.channel else None,
        start=_start_of(chosen.date_from),
        end=_start_of(chosen.date_to + timedelta(days=1)) if chosen.date_to else None,
        min_score=low,
        max_score=high,
        done=[chosen.done] if chosen.done else [],
        missed=[chosen.missed] if chosen.missed else [],
        search=chosen.q,
    )


def list_view(
    store: Store,
    viewer: Viewer,
    chosen: views.ListFilters,
    *,
    behaviours: list[tuple[str, str]],
    after: str | None = None,
    before: str | None = None,
) -> views.ConversationListView:
    """The page's rows for the filters `chosen` (ids as the form sends them)."""
    teams = store.list_teams(viewer)
    agents = store.list_agents(viewer)
    where = filter_of(chosen, teams=teams, agents=agents, behaviours=behaviours)
    team_id, agent_id = where.team_id, where.agent_id
    low, high = where.min_score, where.max_score
    found = store.list_conversations(
        viewer, where, limit=PAGE_SIZE, order=chosen.order, after=after, before=before
    )
    form = page_query(chosen)
    api = {
        key: value
        for key, value in (
            ("q", chosen.q),
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
                snippet=item.snippet,
            )
            for item in found.items
        ],
        total=found.total,
        query=form,
        previous_url=_page_url(form, before=found.previous) if found.previous else None,
        next_url=_page_url(form, after=found.next) if found.next else None,
        export_query=urlencode(api),
        saved=[
            views.SavedViewLink(id=v.id, name=v.name, url=_page_url(v.filters))
            for v in saved.list_views(store, viewer)
        ],
    )


def page_query(chosen: views.ListFilters) -> dict[str, str]:
    """The filters as the page's query parameters (those left at their default left out)."""
    return {
        key: value
        for key, value in (
            ("q", chosen.q),
            ("team", chosen.team),
            ("agent", chosen.agent),
            ("channel", chosen.channel),
            ("date_from", chosen.date_from.isoformat() if chosen.date_from else None),
            ("date_to", chosen.date_to.isoformat() if chosen.date_to else None),
            ("min_score", _number(chosen.min_score)),
            ("max_score", _number(chosen.max_score)),
            ("done", chosen.done),
            ("missed", chosen.missed),
            ("order", None if chosen.order == "newest" else chosen.order),
        )
        if value
    }


def _number(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"


def _page_url(form: dict[str, str], **cursor: str) -> str:
    query = urlencode({**form, **cursor})
    return "/conversations" + (f"?{query}" if query else "")


def behaviours_of(request: Request) -> list[tuple[str, str]]:
    renderer = pages(request)
    return [
        (name, renderer.behaviour_label(name))
        for name, b in renderer.rubric.behaviours.items()
        if b.polarity != "neutral"
    ]


def render_list(
    request: Request,
    user: User,
    store: Store,
    chosen: views.ListFilters,
    *,
    after: str | None = None,
    before: str | None = None,
    save_name: str = "",
    save_error: str | None = None,
    assign: AssignForm | None = None,
    status: int = 200,
) -> Response:
    view = list_view(
        store, user.viewer, chosen, behaviours=behaviours_of(request), after=after, before=before
    )
    if assign is None and user.role in (UserRole.LEAD, UserRole.ADMIN):
        assign = assign_form(store, user.viewer)
    view = view.model_copy(
        update={"save_name": save_name, "save_error": save_error, "assign": assign}
    )
    body = pages(request).conversations(view, user=user.page_user, csrf_token=user.csrf)
    return html(body, status)


@router.get("/conversations")
def conversations(
    request: Request,
    user: User,
    store: StoreDep,
    q: Annotated[Text | None, Query(max_length=MAX_SEARCH)] = None,
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
    after: Cursor = None,
    before: Cursor = None,
) -> Response:
    chosen = chosen_filters(
        {
            "q": q,
            "team": team,
            "agent": agent,
            "channel": channel,
            "date_from": date_from,
            "date_to": date_to,
            "min_score": min_score,
            "max_score": max_score,
            "done": done,
            "missed": missed,
            "order": order,
        }
    )
    return render_list(request, user, store, chosen, after=after, before=before)


@router.post("/conversations/views")
async def save_view(
    request: Request,
    user: User,
    store: StoreDep,
    _: CsrfChecked,
    name: Annotated[Text, Form(max_length=saved.NAME_LENGTH * 4)] = "",
    q: FormValue = None,
    team: FormValue = None,
    agent: FormValue = None,
    channel: FormValue = None,
    date_from: FormValue = None,
    date_to: FormValue = None,
    min_score: FormValue = None,
    max_score: FormValue = None,
    done: FormValue = None,
    missed: FormValue = None,
    order: FormValue = None,
) -> Response:
    """Keep the page's current filters under a name; a name that is missing, too long or
    taken shows the page again with the error by the name and the name as typed."""
    chosen = chosen_filters(
        {
            "q": q,
            "team": team,
            "agent": agent,
            "channel": channel,
            "date_from": date_from,
            "date_to": date_to,
            "min_score": min_score,
            "max_score": max_score,
            "done": done,
            "missed": missed,
            "order": order,
        }
    )
    filters = page_query(chosen)
    try:
        view = await run_in_threadpool(saved.save, store, user.viewer, name=name, filters=filters)
    except (Invalid, Conflict) as exc:
        if exc.field != "name":
            raise
        status = 409 if isinstance(exc, Conflict) else 422
        return await run_in_threadpool(
            render_list,
            request,
            user,
            store,
            chosen,
            save_name=name,
            save_error=exc.message,
            status=status,
        )
    return see_other(_page_url(view.filters) + "#saved-views")


@router.post("/conversations/views/{view_id}/delete")
async def delete_view(
    request: Request, view_id: PageId, user: User, store: StoreDep, _: CsrfChecked
) -> Response:
    """Delete one of the viewer's own saved views, then back to the page it was on."""
    await run_in_threadpool(saved.delete, store, user.viewer, view_id)
    return see_other(back(request, "/conversations"))
