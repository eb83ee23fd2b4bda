"""Pages as HTML strings: one Jinja2 environment (autoescaping on, undefined names an error)
over web/templates, and one render method per page taking its view model. Routes wrap the
string in a response; tests read it directly."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from heard import __version__, numbers
from heard.analysis.rubric import Rubric, load_rubric
from heard.model import Concern, ConcernStatus
from heard.report.content import VERDICT_WORD, metric_text, outcome_text, score_text, trajectory
from heard.web import charts
from heard.web.assets import asset_url
from heard.web.pages.transcript import concern_rows, transcript
from heard.web.timeline import call_timeline, clock
from heard.web.views import (
    AgentHomeView,
    ConversationListView,
    ConversationView,
    DashboardView,
    FeedbackChartView,
    LiveBoardView,
    LivePanelView,
    LiveWatchView,
    PageUser,
    RecognitionView,
    SignInView,
    SurveyView,
    UploadView,
    UserRole,
)

NAV: dict[UserRole, tuple[tuple[str, str, str], ...]] = {
    UserRole.AGENT: (
        ("home", "My home", "/me"),
        ("conversations", "Conversations", "/conversations"),
        ("reviews", "Reviews", "/reviews"),
        ("recognition", "Recognition", "/recognition"),
    ),
    UserRole.LEAD: (
        ("dashboard", "Dashboard", "/dashboard"),
        ("conversations", "Conversations", "/conversations"),
        ("reviews", "Reviews", "/reviews"),
        ("disputes", "Disputes", "/disputes"),
        ("recognition", "Recognition", "/recognition"),
        ("feedback", "Customer feedback", "/feedback"),
        ("upload", "Upload", "/upload"),
        ("live", "Live", "/live"),
    ),
    UserRole.ADMIN: (
        ("dashboard", "Dashboard", "/dashboard"),
        ("conversations", "Conversations", "/conversations"),
        ("reviews", "Reviews", "/reviews"),
        ("disputes", "Disputes", "/disputes"),
        ("recognition", "Recognition", "/recognition"),
        ("feedback", "Customer feedback", "/feedback"),
        ("upload", "Upload", "/upload"),
        ("live", "Live", "/live"),
        ("users", "Users", "/admin/users"),
        ("audit", "Audit log", "/admin/audit"),
    ),
}
"""(key, label, path) of the navigation links each role sees."""


def path_part(value: object) -> str:
    """A value quoted to sit in one URL path segment (a conversation id may hold '/')."""
    return quote(str(value), safe="")


def chart(figure: charts.Figure | None, *, id: str, label: str) -> Markup:
    """A chart drawn as inline SVG (heard.web.svgplot) with `label` as its title."""
    if figure is None:
        return Markup("")
    return Markup(figure.html(id=id, title=label))


CONCERN_ORDER = {
    ConcernStatus.RAISED: 0,
    ConcernStatus.ACKNOWLEDGED: 1,
    ConcernStatus.ADDRESSED: 2,
    ConcernStatus.CONFIRMED: 3,
}
"""The agent panel's checklist order: open concerns (raised, only acknowledged) first."""


def open_first(concerns: Iterable[Concern]) -> list[Concern]:
    """Concerns with the open ones first, each group in the order the customer raised them."""
    return sorted(concerns, key=lambda c: (CONCERN_ORDER[c.status], c.span.turn, c.id))


def live_for(started: datetime | None, *, now: datetime | None = None) -> str:
    """How long a conversation has been live, as `m:ss` (or `h:mm:ss`); `—` when unknown."""
    if started is None:
        return "—"
    now = now or datetime.now(UTC)
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    seconds = max(0, int((now - started).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class Pages:
    """Renders every page of the web app from its view model."""

    def __init__(self, *, rubric: Rubric | None = None) -> None:
        self.rubric = rubric or load_rubric()
        self.env = Environment(
            loader=PackageLoader("heard.web", "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(
            path_part=path_part,
            score=score_text,
            outcome=outcome_text,
            metric=metric_text,
            component_label=self.component_label,
            behaviour_label=self.behaviour_label,
            sparkline=lambda values, label="": Markup(charts.sparkline(values, label=label)),
            signed=numbers.signed,
            open_first=open_first,
        )
        self.env.globals.update(
            version=__version__,
            min_n=numbers.MIN_CONVERSATIONS,
            chart=chart,
            asset=asset_url,
            charts=charts,
            component_colour=charts.component_colour,
            verdict_word=VERDICT_WORD,
            live_for=live_for,
            clock=clock,
        )

    def component_label(self, name: str) -> str:
        component = self.rubric.components.get(name)
        return component.label if component else name.replace("_", " ")

    def behaviour_label(self, name: str) -> str:
        behaviour = self.rubric.behaviour(name)
        return behaviour.label if behaviour else name.replace("_", " ")

    def render(
        self,
        template: str,
        *,
        user: PageUser | None,
        csrf_token: str = "",
        active: str = "",
        **context: Any,
    ) -> str:
        """Any template with the base layout's context: the user, their navigation, the token."""
        nav = NAV[user.role] if user else ()
        return self.env.get_template(template).render(
            user=user, nav=nav, active=active, csrf_token=csrf_token, **context
        )

    def dashboard(self, view: DashboardView, *, user: PageUser, csrf_token: str = "") -> str:
        labels = {name: c.label for name, c in self.rubric.components.items()}
        return self.render(
            "dashboard.html",
            user=user,
            csrf_token=csrf_token,
            active="dashboard",
            view=view,
            trend_chart=charts.score_trend(view.trend) if view.trend else None,
            component_chart=(
                charts.component_trends(view.components, labels=labels) if view.components else None
            ),
            histogram_chart=charts.score_histogram(view.histogram) if view.histogram else None,
        )

    def conversations(
        self, view: ConversationListView, *, user: PageUser, csrf_token: str = ""
    ) -> str:
        return self.render(
            "conversations.html",
            user=user,
            csrf_token=csrf_token,
            active="conversations",
            view=view,
        )

    def conversation(self, view: ConversationView, *, user: PageUser, csrf_token: str = "") -> str:
        conversation, card = view.conversation, view.scorecard
        lines = transcript(conversation, card, notes=view.notes, words=view.audio is not None)
        components = sorted({f.component for f in card.findings})
        checklist: dict[str, list] = {"done": [], "missed": [], "n/a": []}
        for item in card.checklist:
            checklist[item.verdict.value].append(item)
        return self.render(
            "conversation.html",
            user=user,
            csrf_token=csrf_token,
            view=view,
            conversation=conversation,
            card=card,
            lines=lines,
            legend=components,
            checklist=checklist,
            concerns=concern_rows(card.concerns),
            trajectory=trajectory(card.emotions).describe(),
            emotion_chart=(
                charts.emotion_chart(card.emotions, turns=len(conversation.turns))
                if card.emotions
                else None
            ),
            timeline=call_timeline(
                conversation, card, seconds=view.audio.seconds if view.audio else None
            ),
            can_coach=user.role in (UserRole.LEAD, UserRole.ADMIN),
            is_agent=user.role == UserRole.AGENT,
        )

    def agent_home(self, view: AgentHomeView, *, user: PageUser, csrf_token: str = "") -> str:
        return self.render(
            "agent_home.html",
            user=user,
            csrf_token=csrf_token,
            active="home",
            view=view,
            trend_chart=charts.score_trend(view.trend) if view.trend else None,
        )

    def recognition(self, view: RecognitionView, *, user: PageUser, csrf_token: str = "") -> str:
        return self.render(
            "recognition.html", user=user, csrf_token=csrf_token, active="recognition", view=view
        )

    def feedback(self, view: FeedbackChartView, *, user: PageUser, csrf_token: str = "") -> str:
        answers = {"csat": "CSAT", "felt_heard": "Felt heard"}
        return self.render(
            "feedback.html",
            user=user,
            csrf_token=csrf_token,
            active="feedback",
            view=view,
            answers=[
                (
                    key,
                    title,
                    charts.feedback_scatter(view.points, answer=key) if view.points else None,
                    charts.mean_score_by_answer(view.points, answer=key),
                )
                for key, title in answers.items()
            ],
        )

    def upload(self, view: UploadView, *, user: PageUser, csrf_token: str = "") -> str:
        return self.render(
            "upload.html", user=user, csrf_token=csrf_token, active="upload", view=view
        )

    def live_board(self, view: LiveBoardView, *, user: PageUser, csrf_token: str = "") -> str:
        return self.render(
            "live_board.html", user=user, csrf_token=csrf_token, active="live", view=view
        )

    def live_watch(self, view: LiveWatchView, *, user: PageUser, csrf_token: str = "") -> str:
        nudges_at: dict[int, list] = {}
        for nudge in view.nudges:
            at = nudge.turn if nudge.turn is not None else len(view.turns) - 1
            nudges_at.setdefault(at, []).append(nudge)
        return self.render(
            "live_watch.html",
            user=user,
            csrf_token=csrf_token,
            active="live",
            view=view,
            nudges_at=nudges_at,
        )

    def live_panel(self, view: LivePanelView, *, user: PageUser, csrf_token: str = "") -> str:
        """The agent panel: a page of its own (no navigation), small enough for an iframe."""
        return self.render("live_panel.html", user=user, csrf_token=csrf_token, view=view)

    def survey(self, view: SurveyView, *, csrf_token: str = "") -> str:
        return self.render("survey.html", user=None, csrf_token=csrf_token, view=view)

    def sign_in(self, view: SignInView, *, csrf_token: str = "") -> str:
        return self.render("sign_in.html", user=None, csrf_token=csrf_token, view=view)

    def error(
        self, *, status: int, message: str, user: PageUser | None = None, csrf_token: str = ""
    ) -> str:
        """A page for 403, 404 and the like, inside the normal layout."""
        return self.render(
            "error.html", user=user, csrf_token=csrf_token, status=status, message=message
        )


@cache
def default_pages() -> Pages:
    """Pages with the default rubric's labels, made once."""
    return Pages()


def render_dashboard(view: DashboardView, *, user: PageUser, csrf_token: str = "") -> str:
    return default_pages().dashboard(view, user=user, csrf_token=csrf_token)


def render_conversation(view: ConversationView, *, user: PageUser, csrf_token: str = "") -> str:
    return default_pages().conversation(view, user=user, csrf_token=csrf_token)


def render_agent_home(view: AgentHomeView, *, user: PageUser, csrf_token: str = "") -> str:
    return default_pages().agent_home(view, user=user, csrf_token=csrf_token)


def render_recognition(view: RecognitionView, *, user: PageUser, csrf_token: str = "") -> str:
    return default_pages().recognition(view, user=user, csrf_token=csrf_token)


def render_feedback(view: FeedbackChartView, *, user: PageUser, csrf_token: str = "") -> str:
    return default_pages().feedback(view, user=user, csrf_token=csrf_token)


def render_upload(view: UploadView, *, user: PageUser, csrf_token: str = "") -> str:
    return default_pages().upload(view, user=user, csrf_token=csrf_token)


def render_live_board(view: LiveBoardView, *, user: PageUser, csrf_token: str = "") -> str:
    return default_pages().live_board(view, user=user, csrf_token=csrf_token)


def render_live_watch(view: LiveWatchView, *, user: PageUser, csrf_token: str = "") -> str:
    return default_pages().live_watch(view, user=user, csrf_token=csrf_token)


def render_live_panel(view: LivePanelView, *, user: PageUser, csrf_token: str = "") -> str:
    return default_pages().live_panel(view, user=user, csrf_token=csrf_token)


def render_survey(view: SurveyView, *, csrf_token: str = "") -> str:
    return default_pages().survey(view, csrf_token=csrf_token)


def render_sign_in(view: SignInView, *, csrf_token: str = "") -> str:
    return default_pages().sign_in(view, csrf_token=csrf_token)


def render_error(
    *, status: int, message: str, user: PageUser | None = None, csrf_token: str = ""
) -> str:
    return default_pages().error(status=status, message=message, user=user, csrf_token=csrf_token)
