"""The conversations page: every conversation the signed-in viewer may see, searched by words
(turns, agent, customer), filtered (team, agent, channel, dates, score range, a behaviour done
or missed, the customer's strongest emotion, an escalation, coaching notes, the survey answer,
the predicted outcome), sorted and paged by cursor, each linking to its conversation page,
with the filtered set's CSV and Parquet export (the API's /api/v1/export, which takes the same
filters and the session) and the viewer's own saved views of the filters.

The page's filters are `saved_views.FIELDS`, read one way from a query, a form or a saved
view (`chosen_filters`), checked in one place (`check`: every refusal shown by its field, what
was typed kept) and written back one way (`page_query`; the export's query is the same with
the dates as moments)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Annotated, Any, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from heard.model import Channel
from heard.model.values import FIRST_DAY, LAST_DAY, Text
from heard.store import ConversationFilter, Store, UserRole, Viewer
from heard.store import saved_views as saved
from heard.store.errors import Conflict, Invalid
from heard.store.paging import MAX_CURSOR, ORDERS
from heard.store.records import AgentRecord, EmotionChoice, OutcomeBand, SurveyChoice, TeamRecord
from heard.store.search import MAX_SEARCH, search_words
from heard.web import views
from heard.web.deps import StoreDep
from heard.web.pages.session import (
    CsrfChecked,
    PageId,
    Signed,
    User,
    back,
    html,
    pages,
    see_other,
    start_of,
)
from heard.web.review_views import AssignForm, assign_form

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
"""Conversations a page lists."""
FIELDS = saved.FIELDS
"""The page's filters (query parameters, form fields, what a saved view keeps)."""
Cursor = Annotated[Text | None, Query(max_length=MAX_CURSOR)]
YES_NO = {"yes": True, "no": False}


def chosen_filters(values: Mapping[str, object]) -> views.ListFilters:
    """The page's filters as sent (a query, a form or a saved view): each one's text, trimmed;
    anything else (missing, a file) is none."""
    typed = {
        field: value.strip()
        for field in FIELDS
        if isinstance(value := values.get(field), str) and value.strip()
    }
    return views.ListFilters(**typed)


async def sent_filters(request: Request) -> views.ListFilters:
    """The filters of a page request: its query, or the form it posts."""
    if request.method == "GET":
        return chosen_filters(request.query_params)
    return chosen_filters(await request.form())


SentFilters = Annotated[views.ListFilters, Depends(sent_filters)]


# --- checking ----------------------------------------------------------------------------------


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError("Type a date like 2026-01-31.") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"Type a date from {FIRST_DAY} to {LAST_DAY}.")
    return day


def _score(text: str) -> float:
    try:
        score = float(text)
    except ValueError:
        raise ValueError("Type a score from 0 to 100.") from None
    if not 0 <= score <= 100:  # NaN is neither
        raise ValueError("Type a score from 0 to 100.")
    return score


def _values(choices: Any) -> dict[str, str]:
    """Each value of a Literal type, as itself."""
    return {value: value for value in get_args(choices)}


def _one_of(known: Mapping[str, Any], message: str) -> Callable[[str], Any]:
    """A reader of a value that must be one of `known`'s keys (read as what it maps to)."""

    def read(text: str) -> Any:
        if text not in known:
            raise ValueError(message)
        return known[text]

    return read


def _words(text: str) -> str:
    try:
        search_words(text)
    except Invalid as exc:
        raise ValueError(exc.message[:1].upper() + exc.message[1:] + ".") from None
    return text


def check(
    chosen: views.ListFilters,
    *,
    teams: list[TeamRecord],
    agents: list[AgentRecord],
    behaviours: list[tuple[str, str]],
) -> tuple[ConversationFilter, dict[str, str]]:
    """The store's filter for the page's filters `chosen`, checked against the viewer's teams
    and agents and the rubric's behaviours, and why each refused filter was (field → message,
    in the form's order; the filter leaves the refused ones out)."""
    errors: dict[str, str] = {}
    behaviour_names = {name: name for name, _ in behaviours}
    readers: dict[str, Callable[[str], Any]] = {
        "q": _words,
        "team": _one_of({str(t.id): t.id for t in teams}, "Choose one of your teams."),
        "agent": _one_of({str(a.id): a.id for a in agents}, "Choose one of your agents."),
        "channel": _one_of({c.value: c for c in Channel}, "Choose a channel from the list."),
        "date_from": _day,
        "date_to": _day,
        "min_score": _score,
        "max_score": _score,
        "done": _one_of(behaviour_names, "Choose a behaviour from the list."),
        "missed": _one_of(behaviour_names, "Choose a behaviour from the list."),
        "emotion": _one_of(_values(EmotionChoice), "Choose an emotion from the list."),
        "escalated": _one_of(YES_NO, "Choose yes or no."),
        "has_notes": _one_of(YES_NO, "Choose yes or no."),
        "survey": _one_of(_values(SurveyChoice), "Choose a survey answer from the list."),
        "outcome": _one_of(_values(OutcomeBand), "Choose a predicted outcome from the list."),
        "order": _one_of({o: o for o in ORDERS}, "Choose a sort order from the list."),
    }
    read: dict[str, Any] = {}
    for field in FIELDS:
        text = getattr(chosen, field)
        if not text:
            continue
        if len(text) > MAX_SEARCH:
            errors[field] = f"At most {MAX_SEARCH} characters."
            continue
        try:
            read[field] = readers[field](text)
        except ValueError as exc:
            errors[field] = str(exc)
    first, last = read.get("date_from"), read.get("date_to")
    if first and last and last < first:
        errors.setdefault("date_to", "The ‘to’ date is before the ‘from’ date.")
        read.pop("date_to")
    low, high = read.get("min_score"), read.get("max_score")
    if low is not None and high is not None and high < low:
        errors.setdefault("max_score", "The highest score is below the lowest.")
        read.pop("max_score")
    where = ConversationFilter(
        team_id=read.get("team"),
        agent_id=read.get("agent"),
        channel=read.get("channel"),
        start=start_of(read.get("date_from")),
        end=start_of(read["date_to"] + timedelta(days=1)) if "date_to" in read else None,
        min_score=read.get("min_score"),
        max_score=read.get("max_score"),
        done=[read["done"]] if "done" in read else [],
        missed=[read["missed"]] if "missed" in read else [],
        search=read.get("q"),
        emotion=read.get("emotion"),
        escalated=read.get("escalated"),
        has_notes=read.get("has_notes"),
        survey=read.get("survey"),
        outcome=read.get("outcome"),
    )
    return where, {field: errors[field] for field in FIELDS if field in errors}


def filter_of(
    chosen: views.ListFilters,
    *,
    teams: list[TeamRecord],
    agents: list[AgentRecord],
    behaviours: list[tuple[str, str]],
) -> ConversationFilter:
    """`check`'s filter; Invalid naming the first refused field when any was."""
    where, errors = check(chosen, teams=teams, agents=agents, behaviours=behaviours)
    if errors:
        field, message = next(iter(errors.items()))
        raise Invalid(message, field=field)
    return where


# --- writing back ------------------------------------------------------------------------------


def page_query(chosen: views.ListFilters) -> dict[str, str]:
    """The filters as the page's query parameters (those left at their default left out)."""
    return {
        field: value
        for field in FIELDS
        if (value := getattr(chosen, field)) and not (field == "order" and value == "newest")
    }


def export_query(chosen: views.ListFilters, where: ConversationFilter) -> dict[str, str]:
    """The filters as /api/v1/export takes them: the page's, with its days as the moments
    they start and end (the API's `start` and `end`) and without the sort order."""
    query = {
        field: value
        for field, value in page_query(chosen).items()
        if field not in ("date_from", "date_to", "order")
    }
    for field, moment in (("start", where.start), ("end", where.end)):
        if moment is not None:
            query[field] = moment.isoformat()
    return query


def _page_url(form: dict[str, str], **cursor: str) -> str:
    query = urlencode({**form, **cursor})
    return "/conversations" + (f"?{query}" if query else "")


# --- the page ----------------------------------------------------------------------------------


def list_view(
    store: Store,
    viewer: Viewer,
    chosen: views.ListFilters,
    *,
    behaviours: list[tuple[str, str]],
    after: str | None = None,
    before: str | None = None,
) -> views.ConversationListView:
    """The page's rows for the filters `chosen`; none, with the refusals by their fields, when
    any filter was refused."""
    teams = store.list_teams(viewer)
    agents = store.list_agents(viewer)
    where, errors = check(chosen, teams=teams, agents=agents, behaviours=behaviours)
    form = page_query(chosen)
    shown = views.ConversationListView(
        filters=chosen.model_copy(
            update={
                "teams": [(str(t.id), t.name) for t in teams],
                "agents": [(str(a.id), a.name or a.external_id) for a in agents],
                "behaviours": behaviours,
                "errors": errors,
            }
        ),
        rows=[],
        total=0,
        query=form,
        saved=[
            views.SavedViewLink(id=v.id, name=v.name, url=_page_url(v.filters))
            for v in saved.list_views(store, viewer)
        ],
    )
    if errors:
        return shown
    found = store.list_conversations(
        viewer,
        where,
        limit=PAGE_SIZE,
        order=chosen.order,
        after=after,
        before=before,  # type: ignore[arg-type]
    )
    return shown.model_copy(
        update={
            "rows": [
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
            "total": found.total,
            "total_exact": found.total_exact,
            "previous_url": _page_url(form, before=found.previous) if found.previous else None,
            "next_url": _page_url(form, after=found.next) if found.next else None,
            "export_query": urlencode(export_query(chosen, where)),
        }
    )


def behaviours_of(request: Request) -> list[tuple[str, str]]:
    renderer = pages(request)
    return [
        (name, renderer.behaviour_label(name))
        for name, b in renderer.rubric.behaviours.items()
        if b.polarity != "neutral"
    ]


def render_list(
    request: Request,
    user: Signed,
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
    """The page; 422 when a filter was refused (shown by its field)."""
    view = list_view(
        store, user.viewer, chosen, behaviours=behaviours_of(request), after=after, before=before
    )
    if view.filters.errors:
        status, assign = 422, None
    elif assign is None and user.role in (UserRole.LEAD, UserRole.ADMIN):
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
    chosen: SentFilters,
    after: Cursor = None,
    before: Cursor = None,
) -> Response:
    return render_list(request, user, store, chosen, after=after, before=before)


@router.post("/conversations/views")
async def save_view(
    request: Request,
    user: User,
    store: StoreDep,
    _: CsrfChecked,
    chosen: SentFilters,
    name: Annotated[Text, Form(max_length=saved.NAME_LENGTH * 4)] = "",
) -> Response:
    """Keep the page's current filters under a name; a name that is missing, too long or
    taken (or a filter refused) shows the page again with the error by its field and what was
    typed kept."""
    return await run_in_threadpool(_save, request, user, store, chosen, name)


def _save(
    request: Request, user: Signed, store: Store, chosen: views.ListFilters, name: str
) -> Response:
    _, errors = check(
        chosen,
        teams=store.list_teams(user.viewer),
        agents=store.list_agents(user.viewer),
        behaviours=behaviours_of(request),
    )
    if errors:
        return render_list(request, user, store, chosen, save_name=name)
    try:
        view = saved.save(store, user.viewer, name=name, filters=page_query(chosen))
    except (Invalid, Conflict) as exc:
        if exc.field != "name":
            raise
        status = 409 if isinstance(exc, Conflict) else 422
        return render_list(
            request, user, store, chosen, save_name=name, save_error=exc.message, status=status
        )
    return see_other(_page_url(view.filters) + "#saved-views")


@router.post("/conversations/views/{view_id}/delete")
async def delete_view(
    request: Request, view_id: PageId, user: User, store: StoreDep, _: CsrfChecked
) -> Response:
    """Delete one of the viewer's own saved views, then back to the page it was on."""
    await run_in_threadpool(saved.delete, store, user.viewer, view_id)
    return see_other(back(request, "/conversations"))
