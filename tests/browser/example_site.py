"""A tiny web app for the browser tests: the real static files and page renderers, with views
built from the bundled examples analysed by heard's Analyzer (no store: the routes that wire
pages to the store are tested elsewhere)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import mean

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from heard.analysis import Analyzer
from heard.errors import InputError
from heard.importers import importers, read_file, read_source
from heard.importers.base import Source
from heard.model import Conversation, Polarity, Role, Scorecard
from heard.report.content import quote
from heard.web import mount_static
from heard.web.pages import (
    render_agent_home,
    render_conversation,
    render_dashboard,
    render_feedback,
    render_recognition,
    render_sign_in,
    render_survey,
    render_upload,
)
from heard.web.views import (
    AgentHomeView,
    AgentRow,
    Badge,
    ComponentTrend,
    ConversationSummary,
    ConversationView,
    DashboardFilters,
    DashboardView,
    FeedbackChartView,
    FeedbackPoint,
    HistogramBin,
    Listener,
    Moment,
    Note,
    NoteEvent,
    NoteStatus,
    PageUser,
    RecognitionView,
    SignInView,
    SurveyView,
    TrendPoint,
    UploadResult,
    UploadView,
    UserRole,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

LEAD = PageUser(name="Lena Lead", email="lead@example.com", role=UserRole.LEAD)
AGENT = PageUser(name="Tom Reilly", email="tom@example.com", role=UserRole.AGENT, agent_id="ag-202")


@dataclass
class ExampleData:
    conversations: list[Conversation]
    cards: list[Scorecard]
    skipped: list[dict[str, str]]
    survey_answers: list[dict[str, str]] = field(default_factory=list)

    def by_id(self, conversation_id: str) -> tuple[Conversation, Scorecard, dict[str, str]]:
        for conversation, card, skipped in zip(
            self.conversations, self.cards, self.skipped, strict=True
        ):
            if conversation.id == conversation_id:
                return conversation, card, skipped
        raise KeyError(conversation_id)


def load_examples(folder: Path) -> ExampleData:
    conversations = [c for path in sorted(folder.glob("*.json")) for c in read_file(path)[1]]
    analyses = Analyzer().analyze_many(conversations)
    return ExampleData(
        conversations, [a.scorecard for a in analyses], [a.skipped for a in analyses]
    )


def _week(day: datetime) -> date:
    return (day - timedelta(days=day.weekday())).date()


def _moments(data: ExampleData, polarity: Polarity, limit: int) -> list[Moment]:
    found = []
    for conversation, card in zip(data.conversations, data.cards, strict=True):
        for finding in card.findings:
            span = finding.spans[0]
            turn = conversation.turns[span.turn]
            if finding.polarity != polarity or turn.role != Role.AGENT or span.end == span.start:
                continue
            found.append(
                Moment(
                    conversation_id=conversation.id,
                    turn=span.turn,
                    quote=quote(conversation, span),
                    behaviour=finding.behaviour,
                    component=finding.component,
                    polarity=finding.polarity,
                    explanation=finding.explanation,
                    suggestion=finding.suggestion,
                    agent=conversation.agent.name if conversation.agent else None,
                    at=conversation.started_at,
                )
            )
    found.sort(key=lambda m: (m.behaviour, m.conversation_id))
    seen: set[str] = set()
    picked = []
    for moment in found:
        if moment.behaviour not in seen:
            seen.add(moment.behaviour)
            picked.append(moment)
    return picked[:limit]


def dashboard_view(data: ExampleData) -> DashboardView:
    """The examples as one team's weeks: means per week, per component, per agent."""
    dated = [
        (c, card)
        for c, card in zip(data.conversations, data.cards, strict=True)
        if c.started_at is not None and card.listening_score is not None
    ]
    weeks = sorted({_week(c.started_at) for c, _ in dated if c.started_at})
    by_week: dict[date, list[Scorecard]] = defaultdict(list)
    for c, card in dated:
        assert c.started_at is not None
        by_week[_week(c.started_at)].append(card)
    trend = [
        TrendPoint(
            period=w,
            mean=mean(
                card.listening_score for card in by_week[w] if card.listening_score is not None
            ),
            n=len(by_week[w]),
        )
        for w in weeks
    ]
    names = sorted({c.component for card in data.cards for c in card.components})
    components = []
    for name in names:
        points = []
        for w in weeks:
            scores = [
                c.score
                for card in by_week[w]
                for c in card.components
                if c.component == name and c.score is not None
            ]
            points.append(
                TrendPoint(period=w, mean=mean(scores) if scores else None, n=len(scores))
            )
        components.append(ComponentTrend(component=name, points=points))
    scores = [card.listening_score for _, card in dated if card.listening_score is not None]
    histogram = [
        HistogramBin(
            lower=low,
            upper=low + 10,
            count=sum(1 for s in scores if low <= s < low + 10 or (low == 90 and s == 100)),
        )
        for low in range(0, 100, 10)
    ]
    agents: dict[str, list[tuple[Conversation, Scorecard]]] = defaultdict(list)
    for c, card in dated:
        if c.agent and c.agent.id:
            agents[c.agent.id].append((c, card))
    rows = []
    for agent_id, items in sorted(agents.items()):
        weekly = []
        for w in weeks:
            in_week = [
                card.listening_score
                for c, card in items
                if c.started_at and _week(c.started_at) == w and card.listening_score is not None
            ]
            weekly.append(mean(in_week) if in_week else None)
        known = [v for v in weekly if v is not None]
        first = items[0][0].agent
        assert first is not None
        rows.append(
            AgentRow(
                agent_id=agent_id,
                name=first.name or agent_id,
                team=first.team,
                n=len(items),
                mean=mean(
                    card.listening_score for _, card in items if card.listening_score is not None
                ),
                change=known[-1] - known[-2] if len(known) > 1 else None,
                weekly=weekly,
            )
        )
    teams = sorted({c.agent.team for c, _ in dated if c.agent and c.agent.team})
    return DashboardView(
        teams=teams,
        date_from=weeks[0],
        date_to=weeks[-1] + timedelta(days=6),
        filters=DashboardFilters(teams=teams, agents=[(r.agent_id, r.name) for r in rows]),
        conversations=len(dated),
        mean=mean(scores),
        trend=trend,
        components=components,
        histogram=histogram,
        agents=rows,
        best=_moments(data, Polarity.POSITIVE, 5),
        worst=_moments(data, Polarity.NEGATIVE, 5),
    )


def example_notes(conversation: Conversation) -> list[Note]:
    at = conversation.started_at or datetime(2026, 1, 1, tzinfo=UTC)
    return [
        Note(
            id=1,
            conversation_id=conversation.id,
            turn=1,
            author=LEAD.name,
            agent=AGENT.name,
            text="Here the customer was still talking — let them finish before you answer.",
            created_at=at + timedelta(days=1),
        ),
        Note(
            id=2,
            conversation_id=conversation.id,
            turn=3,
            author=LEAD.name,
            text="Good recovery after the hold.",
            status=NoteStatus.DISPUTED,
            created_at=at + timedelta(days=1),
            events=[
                NoteEvent(
                    author=AGENT.name,
                    at=at + timedelta(days=2),
                    kind="disputed",
                    text="The line dropped, I did not mean to cut in.",
                )
            ],
        ),
    ]


def make_app(data: ExampleData) -> Starlette:
    """Routes that render every page from the example views (the lead by default; `?as=agent`
    shows the agent's view)."""

    def user_of(request: Request) -> PageUser:
        return AGENT if request.query_params.get("as") == "agent" else LEAD

    async def conversation(request: Request) -> Response:
        try:
            c, card, skipped = data.by_id(request.path_params["id"])
        except KeyError:
            return HTMLResponse("not found", status_code=404)
        view = ConversationView(
            conversation=c, scorecard=card, skipped=skipped, notes=example_notes(c)
        )
        return HTMLResponse(render_conversation(view, user=user_of(request), csrf_token="t"))

    async def dashboard(request: Request) -> Response:
        return HTMLResponse(render_dashboard(dashboard_view(data), user=LEAD, csrf_token="t"))

    async def home(request: Request) -> Response:
        view = dashboard_view(data)
        mine = [
            (c, card)
            for c, card in zip(data.conversations, data.cards, strict=True)
            if c.agent and c.agent.id == AGENT.agent_id
        ]
        page = AgentHomeView(
            agent_id="ag-202",
            name=AGENT.name,
            mean=next((r.mean for r in view.agents if r.agent_id == "ag-202"), None),
            trend=view.trend,
            best=[m for m in view.best if m.agent == AGENT.name] or view.best[:2],
            waiting=[n for n in example_notes(mine[0][0]) if n.status == NoteStatus.OPEN],
            recent=[
                ConversationSummary(
                    id=c.id,
                    channel=c.channel.value,
                    started_at=c.started_at,
                    agent=AGENT.name,
                    listening_score=card.listening_score,
                )
                for c, card in mine
            ],
        )
        return HTMLResponse(render_agent_home(page, user=AGENT, csrf_token="t"))

    async def recognition(request: Request) -> Response:
        rows = dashboard_view(data).agents
        ranked = sorted((r for r in rows if r.mean is not None), key=lambda r: -(r.mean or 0))
        listeners = [
            Listener(agent_id=r.agent_id, name=r.name, team=r.team, n=r.n, mean=r.mean or 0)
            for r in ranked
        ]
        view = RecognitionView(
            week_start=date(2026, 1, 12),
            min_n=1,
            by_score=listeners[:3],
            by_improvement=[
                Listener(
                    agent_id=r.agent_id,
                    name=r.name,
                    n=r.n,
                    mean=r.mean or 0,
                    previous=max(0.0, (r.mean or 0) - r.change),
                )
                for r in rows
                if r.change is not None and r.change > 0
            ],
            badges=[
                Badge(
                    behaviour="paraphrase",
                    title="Best paraphraser",
                    agent=ranked[0].name,
                    value="paraphrased in every conversation",
                )
            ],
        )
        return HTMLResponse(render_recognition(view, user=user_of(request), csrf_token="t"))

    async def feedback(request: Request) -> Response:
        points = [
            FeedbackPoint(
                conversation_id=c.id,
                listening_score=card.listening_score,
                csat=max(1, min(5, round(card.listening_score / 20) or 1)),
                felt_heard=max(1, min(5, round(card.listening_score / 22) or 1)),
            )
            for c, card in zip(data.conversations, data.cards, strict=True)
            if card.listening_score is not None
        ]
        view = FeedbackChartView(points=points)
        return HTMLResponse(render_feedback(view, user=LEAD, csrf_token="t"))

    async def survey(request: Request) -> Response:
        action = f"/survey/{request.path_params['token']}"
        if request.method == "POST":
            form = await request.form()
            answers = {k: str(v) for k, v in form.items()}
            if not answers.get("csat") or not answers.get("felt_heard"):
                view = SurveyView(action=action, error="Please answer both questions.")
                return HTMLResponse(render_survey(view), status_code=422)
            data.survey_answers.append(answers)
            return HTMLResponse(render_survey(SurveyView(action=action, submitted=True)))
        return HTMLResponse(render_survey(SurveyView(action=action, agent="Tom")))

    async def upload(request: Request) -> Response:
        if request.method == "GET":
            view = UploadView(formats=sorted(importers()))
            return HTMLResponse(render_upload(view, user=LEAD, csrf_token="t"))
        form = await request.form()
        results = []
        for item in form.getlist("files"):
            if isinstance(item, str):
                continue
            raw = await item.read()
            name = item.filename or "upload"
            try:
                fmt, found = read_source(
                    Source(name=name, data=raw), format=str(form.get("format") or "auto")
                )
            except InputError as exc:
                results.append(UploadResult(file=name, ok=False, error=str(exc)))
                continue
            results.append(
                UploadResult(
                    file=name,
                    ok=True,
                    format=fmt,
                    conversations=len(found),
                    turns=sum(len(c.turns) for c in found),
                )
            )
        view = UploadView(results=results)
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse(view.model_dump(mode="json"))
        return HTMLResponse(render_upload(view, user=LEAD, csrf_token="t"))

    async def sign_in(request: Request) -> Response:
        return HTMLResponse(render_sign_in(SignInView(), csrf_token="t"))

    app = Starlette(
        routes=[
            Route("/conversations/{id:path}", conversation),
            Route("/dashboard", dashboard),
            Route("/me", home),
            Route("/recognition", recognition),
            Route("/feedback", feedback),
            Route("/survey/{token}", survey, methods=["GET", "POST"]),
            Route("/upload", upload, methods=["GET", "POST"]),
            Route("/sign-in", sign_in),
        ]
    )
    mount_static(app)
    return app


def all_examples(data: ExampleData) -> Sequence[str]:
    return [c.id for c in data.conversations]
