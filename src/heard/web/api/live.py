"""Live coaching over the network: the feed WebSocket a desktop or speech bridge sends turn
events to, the watch WebSocket of the agent panel and the supervisor, and the REST view of
live conversations with supervisors' hints. The hub (heard.live.hub) does the work."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Path, Request, WebSocket
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from starlette.websockets import WebSocketDisconnect, WebSocketState

from heard.live.audio import feed_positions
from heard.live.conversations import LiveConversation, Subscriber, need
from heard.live.errors import LiveError
from heard.live.events import ErrorFrame, HelloFrame, Hint, LiveState, Nudge
from heard.live.hub import LiveHub
from heard.model import Turn
from heard.model.values import ConversationKey, Text, describe
from heard.store import Scope, Store, UserRole, audit_log
from heard.web.api.conversations import ERRORS
from heard.web.auth import (
    BadCredentials,
    Principal,
    from_bearer,
    from_panel_key,
    from_session,
    panel_key,
)
from heard.web.deps import LeadWriter, PanelReader, Reader, SettingsDep, StoreDep
from heard.web.deps import need as needs
from heard.web.errors import ApiError
from heard.web.sockets import CLOSE_FORBIDDEN, CLOSE_UNAUTHORISED, GuardedSocket, socket_guard

router = APIRouter(tags=["live"])

CLOSE_UNKNOWN = 4404
CLOSE_TOO_SLOW = 4408
"""WebSocket close codes besides the credentials' (heard.web.sockets: 4401 bad or no longer
valid, 4403 not or no longer allowed): no such conversation, the client read too slowly
(frames piled up)."""

LiveId = Annotated[ConversationKey, Path(description="the conversation's id in the feed")]


def get_hub(request: Request) -> LiveHub:
    return request.app.state.live


# ------------------------------------------------------------------ schemas


class LiveSummary(BaseModel):
    """A live conversation on the supervisor board."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: str
    agent: str | None = Field(description="the agent's name (or id in the feed)")
    agent_id: int | None = Field(description="the agent's id in the store")
    team_id: int | None
    started: datetime
    turns: int
    listening_score: float | None
    emotion: str | None
    escalation_risk: float
    last_nudge: Nudge | None
    need: float = Field(description="0–1, how much it needs a supervisor's eye; sorted by it")


class LiveDetail(BaseModel):
    """One live conversation: its state, transcript so far (redacted), nudges and hints."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: str
    agent: str | None
    agent_id: int | None
    team_id: int | None
    started: datetime
    last_event: int
    last_frame: int
    state: LiveState
    transcript: list[Turn]
    nudges: list[Nudge]
    hints: list[Hint]
    ended: bool
    stored_id: int | None = Field(description="the stored conversation, once ended")


class HintIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text = Field(min_length=1, max_length=2000)


def _agent(live: LiveConversation) -> str | None:
    start = live.session.start
    return start.agent_name or start.agent_id


def summary(live: LiveConversation) -> LiveSummary:
    state = live.state
    return LiveSummary(
        conversation_id=live.conversation_id,
        agent=_agent(live),
        agent_id=live.record.agent_id,
        team_id=live.record.team_id,
        started=live.record.started_at,
        turns=state.turns,
        listening_score=state.listening_score,
        emotion=state.emotion,
        escalation_risk=state.escalation_risk,
        last_nudge=live.nudges[-1] if live.nudges else None,
        need=need(state, live.nudges),
    )


def detail(live: LiveConversation) -> LiveDetail:
    return LiveDetail(
        conversation_id=live.conversation_id,
        agent=_agent(live),
        agent_id=live.record.agent_id,
        team_id=live.record.team_id,
        started=live.record.started_at,
        last_event=live.last_event,
        last_frame=live.last_frame,
        state=live.state,
        transcript=list(live.session.turns),
        nudges=list(live.nudges),
        hints=list(live.hints),
        ended=live.session.ended,
        stored_id=live.stored_id,
    )


# ------------------------------------------------------------------ REST


AdminReader = Annotated[Principal, Depends(needs(Scope.READ, UserRole.ADMIN))]


@router.get("/live-metrics", responses=ERRORS)
def live_metrics(principal: AdminReader, request: Request) -> dict[str, object]:
    """How the live hub keeps up (admins): event-loop lag and milliseconds per phase of each
    event (redact, store, analyse, publish, event; end_save per ended conversation) — n,
    p50, p95, p99 and max of the latest samples."""
    return get_hub(request).metrics.report()


@router.delete("/live-metrics", status_code=204, responses=ERRORS)
def reset_live_metrics(principal: AdminReader, request: Request) -> None:
    """Forget the samples so far (admins; `heard bench live` does it after its warm-up)."""
    get_hub(request).metrics.reset()


@router.get("/live", response_model=list[LiveSummary], responses=ERRORS)
def list_live(principal: Reader, request: Request) -> list[LiveSummary]:
    """Live conversations the caller may watch (agent: their own; lead: their teams'),
    most in need first."""
    found = [summary(live) for live in get_hub(request).visible(principal.viewer)]
    return sorted(found, key=lambda s: (-s.need, s.started))


async def _visible(
    request: Request, principal: Principal, conversation_id: str
) -> LiveConversation:
    try:
        live = await get_hub(request).find(conversation_id, viewer=principal.viewer)
    except LiveError:
        live = None
    if live is None:
        raise ApiError(
            404, "not_found", f"no live conversation {conversation_id!r}", field="conversation_id"
        )
    return live


@router.get("/live/{conversation_id}", response_model=LiveDetail, responses=ERRORS)
async def get_live(conversation_id: LiveId, principal: PanelReader, request: Request) -> LiveDetail:
    """The running state, transcript so far, nudges and hints of a live conversation (also
    for the agent panel's key of this conversation)."""
    return detail(await _visible(request, principal, conversation_id))


class PanelLink(BaseModel):
    """A signed link to one live conversation's agent panel, for an iframe on another site."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="the panel's path on this server, with its key")
    key: str = Field(description="the key alone (read only, this conversation only)")
    expires_at: datetime


@router.post(
    "/live/{conversation_id}/panel-link",
    response_model=PanelLink,
    status_code=201,
    responses=ERRORS,
)
async def panel_link(
    conversation_id: LiveId,
    principal: Reader,
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
) -> PanelLink:
    """A signed link that opens the agent panel of a live conversation you may watch without
    heard's session cookie — which a browser does not send to a page framed by another site
    (a CRM). The key acts as you, read only, for this conversation's panel, its watch stream,
    its state and the reply checker, for `HEARD_PANEL_LINK_HOURS` (default 12). Audited."""
    live = await _visible(request, principal, conversation_id)
    key = panel_key(settings, live.conversation_id, principal.user.id)
    await asyncio.to_thread(
        audit_log.audit,
        store,
        user_id=principal.user.id,
        action="panel_link",
        object_type="live_conversation",
        object_id=live.conversation_id,
    )
    return PanelLink(
        path=f"/live/{quote(live.conversation_id, safe='')}/panel?key={key}",
        key=key,
        expires_at=datetime.now(UTC) + timedelta(hours=settings.panel_link_hours),
    )


@router.post(
    "/live/{conversation_id}/hints", response_model=Hint, status_code=201, responses=ERRORS
)
async def send_hint(
    conversation_id: LiveId, body: HintIn, principal: LeadWriter, request: Request
) -> Hint:
    """A private hint to the agent (leads of the agent's team, admins): shown in the agent
    panel through the watch stream."""
    live = await _visible(request, principal, conversation_id)
    if live.session.ended:
        raise ApiError(409, "ended", "the conversation has ended", field="conversation_id")
    author = principal.user.name or principal.user.email
    return await get_hub(request).hint(live, body.text, author=author, user_id=principal.user.id)


# ------------------------------------------------------------------ WebSockets


_LIVE_ID: TypeAdapter[str] = TypeAdapter(ConversationKey)


def id_problem(conversation_id: str) -> str | None:
    """Why `conversation_id` (from a socket's path) cannot name a live conversation, or None:
    the same rule as the REST routes' `LiveId` (1–300 characters, no NUL)."""
    try:
        _LIVE_ID.validate_python(conversation_id)
    except ValidationError as exc:
        return f"conversation id: {describe(exc.errors()[0])}"
    return None


def _same_origin(websocket: WebSocket) -> bool:
    """A browser's socket signed in by cookie must come from our own pages."""
    origin = websocket.headers.get("origin")
    if not origin:
        return True
    return urlsplit(origin).netloc == websocket.headers.get("host")


def authenticate(websocket: WebSocket, store: Store, conversation_id: str) -> Principal:
    """The caller from `Authorization: Bearer`, `?token=`, an agent panel's `?key=` (read
    only, this conversation only) or the session cookie."""
    header = websocket.headers.get("authorization")
    token = websocket.query_params.get("token")
    key = websocket.query_params.get("key")
    if header:
        return from_bearer(store, header)
    if token:
        return from_bearer(store, f"Bearer {token}")
    if key:
        return from_panel_key(store, websocket.app.state.settings, key, conversation_id)
    principal = from_session(store, websocket)
    if principal is None:
        raise BadCredentials("sign in, or send 'Authorization: Bearer <token>' or ?token=<token>")
    if not _same_origin(websocket):
        raise BadCredentials("a signed-in browser may only connect from heard's own pages")
    return principal


def _since(websocket: WebSocket) -> int | None:
    raw = websocket.query_params.get("since")
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise LiveError("bad_event", f"since: expected a whole number ≥ 0, got {raw!r}")
    return int(raw)


async def _refuse(websocket: WebSocket, code: str, message: str, close: int) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_text(ErrorFrame(code=code, message=message).model_dump_json())  # type: ignore[arg-type]
        await websocket.close(code=close, reason=code)


async def _writer(websocket: WebSocket, subscriber: Subscriber) -> None:
    """Send what the hub queued for this socket, in order."""
    while True:
        text = await subscriber.queue.get()
        if text is None:
            await websocket.close(code=subscriber.close_code, reason=subscriber.close_reason)
            return
        await websocket.send_text(text)


async def _open(
    websocket: WebSocket, conversation_id: str, *, scope: Scope
) -> tuple[LiveHub, Principal, int | None] | None:
    """Accept and authenticate a socket (refusing it with an error frame when that fails)."""
    await websocket.accept()
    hub: LiveHub = websocket.app.state.live
    try:
        principal = await asyncio.to_thread(authenticate, websocket, hub.store, conversation_id)
    except BadCredentials as exc:
        await _refuse(websocket, "unauthorised", str(exc), CLOSE_UNAUTHORISED)
        return None
    if scope not in principal.scopes:
        await _refuse(
            websocket, "forbidden", f"the token lacks the {scope.value!r} scope", CLOSE_FORBIDDEN
        )
        return None
    if (problem := id_problem(conversation_id)) is not None:
        await _refuse(websocket, "unknown_conversation", problem, CLOSE_UNKNOWN)
        return None
    try:
        since = _since(websocket)
    except LiveError as exc:
        await _refuse(websocket, exc.code, exc.message, CLOSE_UNKNOWN)
        return None
    return hub, principal, since


async def _serve(
    websocket: WebSocket,
    hub: LiveHub,
    live: LiveConversation | None,
    conversation_id: str,
    guarded: GuardedSocket,
    since: int | None,
) -> None:
    """Say hello, send the missed frames, then relay: frames out, events in (feed only),
    while the socket's credentials stand (heard.web.sockets)."""
    own = guarded.subscriber
    backlog: list[str] = []
    if live is not None and since is not None:
        try:
            backlog = live.since(since, watch=own.watch, viewer=own.viewer)
        except LiveError as exc:
            backlog = [exc.frame()]
    hello = HelloFrame(
        conversation_id=conversation_id,
        last_event=live.last_event if live else 0,
        last_frame=live.last_frame if live else 0,
        audio=feed_positions(live),
    )
    own.put(hello.model_dump_json(exclude={"audio"} if hello.audio is None else None))
    for text in backlog:
        own.put(text)
    guard = socket_guard(websocket.app)
    guard.add(guarded)
    if live is not None:
        live.subscribers.add(own)  # no await since the backlog was taken: nothing missed
    writer = asyncio.create_task(_writer(websocket, own))
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            if not await guard.admit(guarded):
                with contextlib.suppress(Exception):
                    await writer  # it sends the error frame saying why and closes the socket
                break
            if own.watch:
                continue  # a watch stream is read-only
            raw = message.get("text")
            if raw is None:
                raw = message.get("bytes") or b""
            await hub.feed(conversation_id, raw, guarded.principal.viewer, own)
            if writer.done():
                break
    except WebSocketDisconnect:
        pass
    finally:
        guard.discard(guarded)
        hub.unsubscribe(hub.subscribed(conversation_id, own), own)
        writer.cancel()
        with contextlib.suppress(BaseException):
            await writer
        if websocket.client_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close()


@router.websocket("/live/{conversation_id}")
async def feed_socket(websocket: WebSocket, conversation_id: str) -> None:
    """The feed: turn events (and a call's audio frames) in, ack / turn / nudge / adoption /
    state / ended / summary frames out."""
    opened = await _open(websocket, conversation_id, scope=Scope.WRITE)
    if opened is None:
        return
    hub, principal, since = opened
    try:
        live = await hub.find(conversation_id, viewer=principal.viewer, feed=True)
    except LiveError as exc:
        await _refuse(websocket, exc.code, exc.message, CLOSE_FORBIDDEN)
        return
    own = Subscriber(watch=False, viewer=principal.viewer)
    guarded = GuardedSocket(principal, conversation_id, own, Scope.WRITE)
    await _serve(websocket, hub, live, conversation_id, guarded, since)


@router.websocket("/live/{conversation_id}/watch")
async def watch_socket(websocket: WebSocket, conversation_id: str) -> None:
    """Read-only: the feed's frames plus supervisors' hints (agent panel, supervisor); the
    summary frame after the end links the stored conversation only for who may open it."""
    opened = await _open(websocket, conversation_id, scope=Scope.READ)
    if opened is None:
        return
    hub, principal, since = opened
    try:
        live = await hub.find(conversation_id, viewer=principal.viewer)
    except LiveError as exc:
        await _refuse(websocket, exc.code, exc.message, CLOSE_FORBIDDEN)
        return
    if live is None:
        await _refuse(
            websocket,
            "unknown_conversation",
            f"conversation {conversation_id!r} is not live (no start event yet)",
            CLOSE_UNKNOWN,
        )
        return
    own = Subscriber(watch=True, viewer=principal.viewer)
    guarded = GuardedSocket(principal, conversation_id, own, Scope.READ)
    await _serve(websocket, hub, live, conversation_id, guarded, since)
