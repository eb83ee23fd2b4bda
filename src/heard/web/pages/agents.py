"""An agent's page: `/me` for the signed-in agent, `/agents/{id}` for a lead of the agent's
team (or an admin; the agent may open their own). Both are drawn from
`heard.store.agent_home.agent_home`, the same call as `GET /api/v1/agents/{id}/home`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from heard.store import Store, Viewer, dashboards
from heard.store.agent_home import agent_home
from heard.store.records import ConversationFilter
from heard.web import dispute_views, views
from heard.web.deps import StoreDep
from heard.web.pages import trends
from heard.web.pages.conversation import agent_names, note_view
from heard.web.pages.dashboard import MOMENTS_SHOWN, varied
from heard.web.pages.session import Agent, PageId, Signed, User, html, pages

router = APIRouter(include_in_schema=False)


def home_view(store: Store, viewer: Viewer, agent_id: int, *, is_self: bool) -> views.AgentHomeView:
    """The agent's page as `viewer` may see it (NotFound for an agent outside their scope)."""
    home = agent_home(store, viewer, agent_id)
    agent = home.agent
    names = agent_names(store, viewer) | {agent.id: agent.name or agent.external_id}
    best = dashboards.moments(
        store, viewer, ConversationFilter(agent_id=agent_id), limit=4 * MOMENTS_SHOWN
    )
    return views.AgentHomeView(
        agent_id=str(agent.id),
        name=agent.name or agent.external_id,
        team=agent.team,
        mean=agent.mean_score,
        is_self=is_self,
        trend=trends.trend(home.trend),
        behaviours=home.behaviours,
        best=varied(best.best),
        waiting=[note_view(n, names) for n in home.notes],
        disputes=[dispute_views.line(d, viewer) for d in home.disputes],
        recent=[
            views.ConversationSummary(
                id=str(c.id),
                channel=c.channel.value,
                started_at=c.started_at,
                agent=c.agent,
                listening_score=c.listening_score,
            )
            for c in home.recent
        ],
    )


def _render(request: Request, user: Signed, view: views.AgentHomeView) -> HTMLResponse:
    return html(pages(request).agent_home(view, user=user.page_user, csrf_token=user.csrf))


@router.get("/me")
def my_home(request: Request, user: Agent, store: StoreDep) -> HTMLResponse:
    """The signed-in agent's own page."""
    agent_id = user.user.agent_id
    assert agent_id is not None  # Agent needs it
    view = home_view(store, user.viewer, agent_id, is_self=True)
    if not view.name:
        view.name = user.page_user.name
    return _render(request, user, view)


@router.get("/agents/{agent_id}")
def agent_page(request: Request, agent_id: PageId, user: User, store: StoreDep) -> HTMLResponse:
    """An agent's page for a lead of their team or an admin (the agent: their own); anyone
    else gets the 404 page, as for an agent that does not exist."""
    is_self = user.user.agent_id == agent_id
    return _render(request, user, home_view(store, user.viewer, agent_id, is_self=is_self))
