"""The live coaching pages: the supervisor's board of conversations in progress, the watch page
of one of them (with the private hint form) and the agent panel. Each page is drawn from the
live hub's state at load; live.js then follows the watch WebSocket (or polls the board).

The agent panel may be embedded in an iframe: its Content-Security-Policy (the app's, see
heard.web.headers) has `frame-ancestors` from the setting `panel_frame_ancestors` (default
`'self'`) and it sends no `X-Frame-Options`. The board and the watch page may be framed by this
site only (`frame-ancestors 'self'`, `X-Frame-Options: SAMEORIGIN`); every other page of the
app by none."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from heard.model.values import ConversationKey, Text
from heard.store.errors import Invalid
from heard.web import auth, views
from heard.web.deps import SettingsDep, StoreDep
from heard.web.errors import ApiError
from heard.web.headers import content_security_policy
from heard.web.pages.session import (
    CsrfChecked,
    Lead,
    Signed,
    User,
    back,
    html,
    pages,
    see_other,
    signed_in,
)

if TYPE_CHECKING:
    from heard.live.conversations import LiveConversation
    from heard.live.hub import LiveHub

router = APIRouter(include_in_schema=False)

LiveId = Annotated[ConversationKey, Path()]
"""The same ids as the feed and the API take (1–300 characters, no NUL)."""

BOARD_POLL_SECONDS = 2.0
"""How often the board's script asks GET /api/v1/live for the current rows."""

HINT_MAX = 2000
"""Longest private hint, in characters."""


def hub(request: Request) -> LiveHub:
    found = getattr(request.app.state, "live", None)
    if found is None:
        raise ApiError(503, "unavailable", "live coaching is not running in this app")
    return found


async def watchable(request: Request, conversation_id: str, user: User) -> LiveConversation:
    """The live conversation, when `user` may watch it (its agent, their lead, an admin);
    otherwise a 404, as for any conversation outside the viewer's scope."""
    live = await hub(request).find(conversation_id)
    if live is None or not live.may_watch(user.viewer):
        raise ApiError(404, "not_found", f"no live conversation {conversation_id!r} among yours")
    return live


def framed(
    response: HTMLResponse, ancestors: str, *, x_frame_options: str | None = None
) -> HTMLResponse:
    """The app's Content-Security-Policy with these `frame-ancestors`, and `X-Frame-Options`
    as given (none: the header cannot name other sites, and the panel's may)."""
    response.headers["Content-Security-Policy"] = content_security_policy(frame_ancestors=ancestors)
    if x_frame_options is not None:
        response.headers["X-Frame-Options"] = x_frame_options
    return response


def agent_name(live: LiveConversation) -> str | None:
    start = live.session.start
    return start.agent_name or start.agent_id


def board_rows(request: Request, user: User) -> list[views.LiveRow]:
    from heard.live.conversations import need

    rows = []
    for live in hub(request).visible(user.viewer):
        state = live.state
        rows.append(
            views.LiveRow(
                conversation_id=live.conversation_id,
                agent=agent_name(live),
                started=live.record.started_at,
                turns=state.turns,
                listening_score=state.listening_score,
                emotion=state.emotion,
                escalation_risk=state.escalation_risk,
                last_nudge=live.nudges[-1].message if live.nudges else None,
                last_nudge_label=live.nudges[-1].label if live.nudges else None,
                need=need(state, live.nudges),
            )
        )
    rows.sort(key=lambda r: (-r.need, r.started is None, r.started))
    return rows


@router.get("/live")
def board(request: Request, user: Lead) -> HTMLResponse:
    view = views.LiveBoardView(rows=board_rows(request, user), poll_seconds=BOARD_POLL_SECONDS)
    body = pages(request).live_board(view, user=user.page_user, csrf_token=user.csrf)
    return framed(html(body), "'self'", x_frame_options="SAMEORIGIN")


@router.get("/live/{conversation_id}")
async def watch(request: Request, conversation_id: LiveId, user: Lead) -> HTMLResponse:
    live = await watchable(request, conversation_id, user)
    view = views.LiveWatchView(
        conversation_id=live.conversation_id,
        agent=agent_name(live),
        channel=live.session.start.channel,
        state=live.state,
        turns=[views.LiveTurn(index=t.index, role=t.role, text=t.text) for t in live.session.turns],
        nudges=list(live.nudges),
        hints=list(live.hints),
        last_frame=live.last_frame,
    )
    body = pages(request).live_watch(view, user=user.page_user, csrf_token=user.csrf)
    return framed(html(body), "'self'", x_frame_options="SAMEORIGIN")


@router.get("/live/{conversation_id}/panel")
async def panel(
    request: Request,
    conversation_id: LiveId,
    settings: SettingsDep,
    store: StoreDep,
    key: Annotated[str | None, Query(max_length=4000)] = None,
) -> HTMLResponse:
    """The agent panel, for the signed-in browser, or for whoever holds a signed panel key of
    this conversation (`POST /api/v1/live/{id}/panel-link`): a page framed by another site
    gets no session cookie from the browser."""
    if key:
        try:
            principal = await asyncio.to_thread(
                auth.from_panel_key, store, settings, key, conversation_id
            )
        except auth.BadCredentials as exc:
            raise ApiError(401, "unauthorized", str(exc)) from None
        user = Signed(request, principal, store)
    else:
        user = signed_in(request, store)
    live = await watchable(request, conversation_id, user)
    view = views.LivePanelView(
        key=key,
        conversation_id=live.conversation_id,
        channel=live.session.start.channel,
        state=live.state,
        nudge=live.nudges[-1] if live.nudges and not live.session.ended else None,
        summary=live.summary_for(user.viewer),
        hints=list(live.hints),
        last_frame=live.last_frame,
    )
    body = pages(request).live_panel(view, user=user.page_user, csrf_token="" if key else user.csrf)
    response = framed(html(body), settings.panel_frame_ancestors)
    if key:  # the key is in the address: never pass it on in a Referer
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.post("/live/{conversation_id}/hints")
async def send_hint(
    request: Request,
    conversation_id: LiveId,
    user: Lead,
    _: CsrfChecked,
    text: Annotated[Text, Form(max_length=HINT_MAX)],
) -> Response:
    """A private hint from the watch page's form: JSON (201, the Hint) for the page's script
    (`Accept: application/json`), else back to the watch page."""
    if not text.strip():
        raise Invalid("the hint is empty: write what the agent should do", field="text")
    live = await watchable(request, conversation_id, user)
    if live.session.ended:
        raise ApiError(409, "ended", "the conversation has ended: the hint would reach no one")
    hint = await hub(request).hint(
        live, text.strip(), author=user.page_user.name, user_id=user.user.id
    )
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(hint.model_dump(mode="json"), status_code=201)
    return see_other(back(request, f"/live/{quote(conversation_id, safe='')}") + "#hint-h")
