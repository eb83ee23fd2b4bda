"""The web pages' routes: sign-in, the dashboard, conversations and coaching notes, the agent's
home, recognition, customer feedback, upload and the public survey. Each route reads the store
as the signed-in viewer, fills a view model (heard.web.views) and renders it; every form POST
carries the session's CSRF token."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, Path, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from heard.errors import InputError
from heard.importers import importers
from heard.importers.base import ImportOptions, Source
from heard.importers.registry import read_source
from heard.ingest import IngestService
from heard.model import Channel, Polarity
from heard.model.values import FIRST_DAY, LAST_DAY, Text, check_day
from heard.settings import Settings
from heard.store import (
    ConversationFilter,
    Store,
    UserRole,
    Viewer,
    coaching_notes,
    dashboards,
    disputes,
    signins,
    surveys,
)
from heard.store import records as store_records
from heard.store.errors import Conflict, Invalid, NotFound, StoreError
from heard.store.records import IngestStatus, NoteStatus
from heard.web import auth, dispute_views, recordings, views
from heard.web.deps import IngestDep, SettingsDep, StoreDep
from heard.web.errors import ApiError
from heard.web.pages import trends
from heard.web.pages.rendering import Pages, default_pages
from heard.web.review_views import AssignForm, assign_form
from heard.web.sockets import socket_guard
from heard.web.throttle import SignInRefused, SignInThrottle, client_address

CSRF_KEY = "csrf"
"""The session cookie's key that holds the session's CSRF token."""

router = APIRouter(include_in_schema=False)


class SignInNeeded(Exception):
    """A page asked for by someone not signed in: they are sent to /sign-in and back."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


# --- sessions and CSRF -----------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (a fresh one after each sign-in)."""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return token


def check_csrf(request: Request, sent: object) -> None:
    expected = request.session.get(CSRF_KEY)
    if not (
        isinstance(expected, str)
        and isinstance(sent, str)
        and expected
        and secrets.compare_digest(expected, sent)
    ):
        raise ApiError(
            403, "csrf", "the form has expired or did not come from this site; reload and retry"
        )


async def csrf_checked(request: Request) -> None:
    """A dependency of every POST form: the form's csrf_token must match the session's."""
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))


CsrfChecked = Annotated[None, Depends(csrf_checked)]


def page_user(user: store_records.UserRecord, store: Store) -> views.PageUser:
    """What the layout shows of the signed-in person; for leads and admins, how many
    disputes wait for them (the navigation's count)."""
    agent_id = None
    if user.agent_id is not None:
        agent_id = str(user.agent_id)
    return views.PageUser(
        name=user.name or user.email,
        email=user.email,
        role=user.role,
        agent_id=agent_id,
        open_disputes=disputes.open_count(store, user.viewer()),
    )


class Signed:
    """The signed-in caller of a page: their record, viewer and what the layout shows."""

    def __init__(self, request: Request, principal: auth.Principal, store: Store) -> None:
        self.request = request
        self.user = principal.user
        self.viewer: Viewer = principal.viewer
        self.page_user = page_user(principal.user, store)

    @property
    def role(self) -> UserRole:
        return self.user.role

    @property
    def csrf(self) -> str:
        return csrf_token(self.request)


def signed_in(request: Request, store: StoreDep) -> Signed:
    principal = auth.from_session(store, request)
    if principal is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInNeeded(target if request.method == "GET" else "/")
    return Signed(request, principal, store)


def lead_or_admin(user: Annotated[Signed, Depends(signed_in)]) -> Signed:
    if user.role not in (UserRole.LEAD, UserRole.ADMIN):
        raise ApiError(403, "forbidden", "this page is for team leads and admins")
    return user


def agent_only(user: Annotated[Signed, Depends(signed_in)]) -> Signed:
    if user.role != UserRole.AGENT or user.user.agent_id is None:
        raise ApiError(403, "forbidden", "this page is for agents linked to their agent record")
    return user


User = Annotated[Signed, Depends(signed_in)]
Lead = Annotated[Signed, Depends(lead_or_admin)]
Agent = Annotated[Signed, Depends(agent_only)]
PageId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def pages(request: Request) -> Pages:
    return getattr(request.app.state, "pages", None) or default_pages()


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def local_path(value: str | None, default: str) -> str:
    """`value` when it is a path on this site (never another host), else `default`."""
    if not value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or value.startswith("//"):
        return default
    return value


def back(request: Request, default: str) -> str:
    """Where a form goes after posting: the page it was on (same site), else `default`."""
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        if parts.netloc == request.url.netloc and parts.path.startswith("/"):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return default


def error_page(request: Request, status: int, message: str) -> Response:
    """The HTML error page of a page route (the API keeps its JSON errors)."""
    store: Store = request.app.state.store
    user = None
    token = ""
    if "session" in request.scope:
        principal = auth.from_session(store, request)
        if principal is not None:
            user = page_user(principal.user, store)
        token = csrf_token(request)
    body = pages(request).error(status=status, message=message, user=user, csrf_token=token)
    return html(body, status)


def install(app: Any) -> None:
    """Send signed-out callers of a page to /sign-in (and back afterwards)."""

    @app.exception_handler(SignInNeeded)
    async def _sign_in(_: Request, exc: SignInNeeded) -> Response:
        return see_other(f"/sign-in?next={quote(exc.next_path, safe='/')}")


# --- sign-in ---------------------------------------------------------------------------------


@router.get("/")
def start(request: Request, store: StoreDep) -> Response:
    principal = auth.from_session(store, request)
    if principal is None:
        return see_other("/sign-in")
    return see_other("/me" if principal.role == UserRole.AGENT else "/dashboard")


@router.get("/sign-in")
def sign_in_form(
    request: Request, next: Annotated[Text, Query(max_length=2000)] = "/"
) -> HTMLResponse:
    view = views.SignInView(next=local_path(next, "/"))
    return html(pages(request).sign_in(view, csrf_token=csrf_token(request)))


@router.post("/sign-in")
async def sign_in(
    request: Request,
    store: StoreDep,
    _: CsrfChecked,
    email: Annotated[Text, Form(max_length=320)],
    password: Annotated[Text, Form(max_length=1000)],
    next: Annotated[Text, Form(max_length=2000)] = "/",
) -> Response:
    throttle: SignInThrottle = request.app.state.sign_in
    address = client_address(request)
    checking = throttle.low_priority(store.hasher)
    try:
        user = await throttle.attempt(
            lambda: signins.verify_password(
                store, email, password, address=address, hasher=checking
            ),
            email=email,
            address=address,
        )
    except SignInRefused as exc:
        view = views.SignInView(email=email, error=refusal(exc), next=local_path(next, "/"))
        body = html(pages(request).sign_in(view, csrf_token=csrf_token(request)), exc.status)
        body.headers.update(exc.headers)
        return body
    if user is None:
        view = views.SignInView(
            email=email, error="Wrong email or password.", next=local_path(next, "/")
        )
        return html(pages(request).sign_in(view, csrf_token=csrf_token(request)), 401)
    await run_in_threadpool(auth.sign_in, request, store, user)
    csrf_token(request)
    return see_other(local_path(next, "/"))


def refusal(exc: SignInRefused) -> str:
    """What the sign-in page says when an attempt was refused before its password was checked."""
    if exc.status == 503:
        return "The server is busy signing other people in. Try again in a moment."
    wait = exc.retry_after
    if wait < 120:
        when = "1 second" if wait == 1 else f"{wait} seconds"
    else:
        when = f"{-(-wait // 60)} minutes"
    return f"Too many failed sign-ins. Try again in {when}."


@router.post("/sign-out")
async def sign_out(request: Request, store: StoreDep, _: CsrfChecked) -> Response:
    """Revoke the sign-in session (a copy of the cookie stops working too) and close the live
    sockets it opened."""
    await run_in_threadpool(auth.sign_out, request, store)
    socket_guard(request.app).recheck_soon()
    return see_other("/sign-in")


# --- dashboard -------------------------------------------------------------------------------


def _start_of(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, datetime.min.time(), tzinfo=UTC)


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
        start=_start_of(date_from),
        end=_start_of(date_to + timedelta(days=1)) if date_to else None,
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


Blank = Annotated[Text | None, Query(max_length=200)]


def _optional_date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return check_day(date.fromisoformat(value))
    except ValueError:
        raise Invalid(
            f"{field} must be a date like 2026-01-31, from {FIRST_DAY} to {LAST_DAY}, "
            f"got {value!r}",
            field=field,
        ) from None


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
        date_from=_optional_date(date_from, "date_from"),
        date_to=_optional_date(date_to, "date_to"),
    )
    return html(pages(request).dashboard(view, user=user.page_user, csrf_token=user.csrf))


# --- conversations and coaching notes --------------------------------------------------------

EVENT_KINDS = {"reply", "acknowledged", "disputed", "resolved"}


def note_view(note: store_records.Note, agents: dict[int, str]) -> views.Note:
    return views.Note(
        id=note.id,
        conversation_id=str(note.conversation_id),
        turn=note.turn,
        start=note.span_start,
        end=note.span_end,
        author=note.author or f"user {note.author_id}",
        agent=agents.get(note.agent_id) if note.agent_id is not None else None,
        text=note.text,
        status=note.status,
        created_at=note.created_at,
        quote=note.quote,
        events=[
            views.NoteEvent(
                author=e.user or f"user {e.user_id}",
                at=e.at,
                kind=e.kind.value,  # type: ignore[arg-type]
                text=e.text or "",
            )
            for e in note.events
            if e.kind.value in EVENT_KINDS
        ],
    )


def agent_names(store: Store, viewer: Viewer) -> dict[int, str]:
    return {a.id: a.name or a.external_id for a in store.list_agents(viewer)}


@router.get("/conversations/{conversation_id}")
def conversation(
    request: Request,
    conversation_id: PageId,
    user: User,
    store: StoreDep,
    settings: SettingsDep,
    dispute: Annotated[Text | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    """The conversation; `dispute` (a finding's or score's key) chooses it in the agent's
    "Disagree with heard" form."""
    form = views.RaiseForm(target=dispute) if dispute else None
    return conversation_page(request, conversation_id, user, store, settings, dispute=form)


def conversation_page(
    request: Request,
    conversation_id: int,
    user: Signed,
    store: Store,
    settings: Settings,
    *,
    assign: AssignForm | None = None,
    dispute: views.RaiseForm | None = None,
    decided: dict[int, views.DecideForm] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The conversation page; for leads with the "assign for review" form (`assign`: as typed
    when it was refused) and each open dispute's decide form (`decided`: as typed), for its
    agent the "Disagree with heard" form (`dispute`: as typed)."""
    detail = store.get_conversation(user.viewer, conversation_id)
    if detail.scorecard is None:
        raise NotFound(f"conversation {conversation_id} has no scorecard yet")
    names = agent_names(store, user.viewer)
    coach = user.role in (UserRole.LEAD, UserRole.ADMIN)
    view = views.ConversationView(
        conversation=detail.conversation,
        scorecard=detail.scorecard,
        notes=[note_view(n, names) for n in detail.notes],
        feedback=[
            views.FeedbackAnswer(
                csat=f.csat,
                felt_heard=f.felt_heard,
                comment=f.comment or "",
                submitted_at=f.submitted_at,
            )
            for f in detail.feedback
            if f.csat is not None and f.felt_heard is not None
        ],
        survey_url=f"/survey/{auth.survey_token(settings, conversation_id)}" if coach else None,
        url_id=str(conversation_id),
        assign=(assign or assign_form(store, user.viewer, single=str(conversation_id)))
        if coach
        else None,
        disputes=dispute_views.for_conversation(
            store,
            user.viewer,
            conversation_id,
            agent_id=detail.summary.agent_id,
            form=dispute,
            typed=decided,
        ),
        audio=views.CallAudio(
            url=f"/api/v1/conversations/{conversation_id}/audio",
            seconds=detail.recording.seconds,
            silenced_seconds=detail.recording.silenced_seconds,
        )
        if detail.recording is not None
        else None,
    )
    body = pages(request).conversation(view, user=user.page_user, csrf_token=user.csrf)
    return html(body, status)


def _turn(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    if not (value.strip().isascii() and value.strip().isdigit()):
        raise Invalid(f"turn must be a number, got {value!r}", field="turn")
    return int(value)


@router.post("/conversations/{conversation_id}/notes")
async def add_note(
    request: Request,
    conversation_id: PageId,
    user: User,
    store: StoreDep,
    _: CsrfChecked,
    text: Annotated[Text, Form(max_length=10_000)],
    turn: Annotated[str | None, Form(max_length=12)] = None,
    start: Annotated[str | None, Form(max_length=12)] = None,
    end: Annotated[str | None, Form(max_length=12)] = None,
) -> Response:
    note = coaching_notes.create_note(
        store,
        user.viewer,
        conversation_id,
        text=text,
        turn=_turn(turn),
        span_start=_turn(start),
        span_end=_turn(end),
    )
    return see_other(f"/conversations/{conversation_id}#note-{note.id}")


def _after_note(request: Request, note: store_records.Note) -> Response:
    default = f"/conversations/{note.conversation_id}"
    return see_other(f"{back(request, default)}#note-{note.id}")


@router.post("/notes/{note_id}/acknowledge")
async def acknowledge_note(
    request: Request,
    note_id: PageId,
    user: User,
    store: StoreDep,
    _: CsrfChecked,
    text: Annotated[Text | None, Form(max_length=10_000)] = None,
) -> Response:
    note = coaching_notes.respond_to_note(
        store, user.viewer, note_id, status=NoteStatus.ACKNOWLEDGED, text=text or None
    )
    return _after_note(request, note)


@router.post("/notes/{note_id}/dispute")
async def dispute_note(
    request: Request,
    note_id: PageId,
    user: User,
    store: StoreDep,
    _: CsrfChecked,
    text: Annotated[Text | None, Form(max_length=10_000)] = None,
) -> Response:
    note = coaching_notes.respond_to_note(
        store, user.viewer, note_id, status=NoteStatus.DISPUTED, text=text or None
    )
    return _after_note(request, note)


@router.post("/notes/{note_id}/resolve")
async def resolve_note(
    request: Request,
    note_id: PageId,
    user: User,
    store: StoreDep,
    _: CsrfChecked,
    text: Annotated[Text | None, Form(max_length=10_000)] = None,
) -> Response:
    note = coaching_notes.resolve_note(store, user.viewer, note_id, text=text or None)
    return _after_note(request, note)


@router.post("/notes/{note_id}/replies")
async def reply_to_note(
    request: Request,
    note_id: PageId,
    user: User,
    store: StoreDep,
    _: CsrfChecked,
    text: Annotated[Text, Form(max_length=10_000)],
) -> Response:
    note = coaching_notes.reply_to_note(store, user.viewer, note_id, text=text)
    return _after_note(request, note)


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
    chosen = _optional_date(week, "week")
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
            start=_start_of(board.week), end=_start_of(board.week + timedelta(days=7))
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


# --- upload ----------------------------------------------------------------------------------


def upload_view(
    settings: Settings, results: list[views.UploadResult] | None = None
) -> views.UploadView:
    return views.UploadView(
        formats=sorted(importers()),
        max_upload_bytes=settings.max_upload_bytes,
        results=results or [],
    )


@router.get("/upload")
def upload_form(request: Request, user: Lead, settings: SettingsDep) -> HTMLResponse:
    view = upload_view(settings)
    return html(pages(request).upload(view, user=user.page_user, csrf_token=user.csrf))


async def import_one(
    ingest: IngestService, settings: Settings, user: Signed, upload: UploadFile, format: str
) -> views.UploadResult:
    """One uploaded file read and stored on its own: a file that fails changes nothing."""
    name = upload.filename or "upload"
    data = await upload.read()
    options = ImportOptions(max_bytes=settings.max_upload_bytes)
    try:
        if len(data) > settings.max_upload_bytes:
            raise InputError(
                f"file is {len(data):,} bytes, over the limit of {settings.max_upload_bytes:,}",
                where=Source(name, b"").where(),
                code="too_large",
            )
        fmt, found = await run_in_threadpool(
            read_source, Source(name, data), format=format, options=options
        )
    except InputError as exc:
        return views.UploadResult(file=name, ok=False, error=str(exc))
    if not found:
        return views.UploadResult(file=name, ok=False, format=fmt, error="no conversations")
    try:
        stored = await run_in_threadpool(
            recordings.store_parts,
            ingest,
            [recordings.part(found, Source(name, data), fmt)],
            redact=settings.redact,
            user_id=user.user.id,
            viewer=user.viewer,
            options=options,
        )
    except StoreError as exc:  # refused (another team's, a duplicate, busy): nothing stored
        return views.UploadResult(file=name, ok=False, format=fmt, error=exc.message)
    report = stored.report
    return views.UploadResult(
        file=name,
        ok=True,
        format=fmt,
        conversations=len(found),
        turns=sum(len(c.turns) for c in found),
        created=report.count(IngestStatus.CREATED),
        updated=report.count(IngestStatus.UPDATED),
        unchanged=report.count(IngestStatus.UNCHANGED),
        recordings=len(stored.recordings),
        notes=stored.notes,
    )


@router.post("/upload")
async def upload(
    request: Request,
    user: Lead,
    ingest: IngestDep,
    settings: SettingsDep,
    _: CsrfChecked,
    files: list[UploadFile],
    format: Annotated[str, Form(max_length=100)] = "auto",
) -> Response:
    """Per-file results: as JSON when asked (`Accept: application/json`, the page's script),
    else the upload page listing them."""
    if format != "auto" and format not in importers():
        raise Invalid(
            f"unknown format {format!r}; use auto or one of: {', '.join(sorted(importers()))}",
            field="format",
        )
    results = [await import_one(ingest, settings, user, f, format) for f in files]
    view = upload_view(settings, results)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(view.model_dump(mode="json"))
    return html(pages(request).upload(view, user=user.page_user, csrf_token=user.csrf))


# --- the customer's survey -------------------------------------------------------------------


def _survey_target(
    store: Store, settings: Settings, token: str
) -> store_records.ConversationSummary:
    try:
        conversation_id = auth.survey_conversation(settings, token)
    except auth.SurveyLinkExpired:
        raise ApiError(
            410, "expired", "This survey link has expired. Thank you for wanting to answer."
        ) from None
    if conversation_id is None:
        raise ApiError(404, "not_found", "this survey link is not valid")
    try:
        return store.conversation_for_survey(conversation_id)
    except NotFound:
        raise ApiError(404, "not_found", "this survey link is no longer valid") from None


def _first_name(agent: str | None) -> str | None:
    return agent.split()[0] if agent and agent.strip() else None


SurveyToken = Annotated[str, Path(max_length=500)]


def _edit_window(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.survey_edit_minutes)


def _survey_html(request: Request, view: views.SurveyView, status: int = 200) -> HTMLResponse:
    """The survey page; its address holds the link's secret, so no Referer carries it on."""
    response = html(pages(request).survey(view, csrf_token=csrf_token(request)), status)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


CLOSED = "You have answered this survey already, thank you. The answer can no longer be changed."


@router.get("/survey/{token}")
def survey_form(
    request: Request, token: SurveyToken, store: StoreDep, settings: SettingsDep
) -> HTMLResponse:
    target = _survey_target(store, settings, token)
    view = views.SurveyView(action=f"/survey/{token}", agent=_first_name(target.agent))
    earlier = surveys.survey_answer(store, target.id)
    if earlier is not None:
        until = earlier.submitted_at + _edit_window(settings)
        if datetime.now(UTC) > until:
            view.closed = CLOSED
        else:
            view.notice = (
                "You have answered already: sending again replaces your answer "
                f"(until {until:%H:%M} UTC)."
            )
            view.csat, view.felt_heard = earlier.csat, earlier.felt_heard
    return _survey_html(request, view)


def _answer(value: str | None) -> int | None:
    if value and value.strip().isascii() and value.strip().isdigit() and 1 <= int(value) <= 5:
        return int(value)
    return None


@router.post("/survey/{token}")
async def survey_answer(
    request: Request,
    token: SurveyToken,
    store: StoreDep,
    settings: SettingsDep,
    _: CsrfChecked,
    csat: Annotated[str | None, Form(max_length=10)] = None,
    felt_heard: Annotated[str | None, Form(max_length=10)] = None,
    comment: Annotated[Text, Form(max_length=2000)] = "",
) -> HTMLResponse:
    """The answer; a second within the edit window replaces the first, after it is a 409 page."""
    target = _survey_target(store, settings, token)
    action = f"/survey/{token}"
    answers = _answer(csat), _answer(felt_heard)
    if answers[0] is None or answers[1] is None:
        view = views.SurveyView(
            action=action,
            agent=_first_name(target.agent),
            error="Please answer both questions with a number from 1 to 5.",
            csat=answers[0],
            felt_heard=answers[1],
            comment=comment,
        )
        return _survey_html(request, view, 422)
    try:
        surveys.submit_feedback(
            store,
            target.id,
            csat=answers[0],
            felt_heard=answers[1],
            comment=comment,
            edit_window=_edit_window(settings),
        )
    except Conflict:
        view = views.SurveyView(action=action, agent=_first_name(target.agent), closed=CLOSED)
        return _survey_html(request, view, 409)
    view = views.SurveyView(action=action, agent=_first_name(target.agent), submitted=True)
    return _survey_html(request, view)
