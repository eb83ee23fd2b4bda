"""What each web page shows, as plain data: the routes fill these from the store, the templates
lay them out. No queries, no HTML, nothing of the web framework here; roles and note states are
the store's own enums."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from urllib.parse import quote as quote_url

from pydantic import BaseModel, ConfigDict, Field

from heard import numbers
from heard.language import names
from heard.live.events import EndSummary, Hint, LiveState, Nudge
from heard.model import Channel, Conversation, Polarity, Role, Scorecard
from heard.store.agent_home import BehaviourTrend
from heard.store.disputes import Dispute, Target
from heard.store.records import OUTCOME_BANDS, NoteStatus, Snippet, UserRole
from heard.web.review_views import AssignForm

Score = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Answer = Annotated[int, Field(ge=1, le=5)]


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PageUser(_View):
    """The signed-in person a page is drawn for (the navigation depends on the role)."""

    name: str
    email: str
    role: UserRole
    agent_id: str | None = Field(default=None, description="the agent row linked to the user")
    open_disputes: int = Field(
        default=0, ge=0, description="disputes waiting for the user's decision (leads, admins)"
    )


# --- shared pieces ---------------------------------------------------------------------------


class TrendPoint(_View):
    """One period of a trend: its first day, the mean Listening Score and how many conversations."""

    period: date
    mean: Score | None = None
    n: int = Field(default=0, ge=0)

    @property
    def shown(self) -> float | None:
        """The mean a chart may draw: None (a gap) when the period had no score or fewer than
        heard.numbers.MIN_CONVERSATIONS conversations."""
        return self.mean if numbers.enough(self.n) else None


class ComponentTrend(_View):
    """A component's mean score per period."""

    component: str
    points: list[TrendPoint] = Field(default_factory=list)


class HistogramBin(_View):
    """Conversations whose Listening Score falls in [lower, upper) (the last bin includes 100)."""

    lower: float
    upper: float
    count: int = Field(ge=0)


class Moment(_View):
    """A finding worth a talk: the quote, where it is, and why it matters."""

    conversation_id: str
    turn: int = Field(ge=0)
    quote: str
    behaviour: str
    component: str
    polarity: Polarity
    explanation: str = ""
    suggestion: str | None = None
    agent: str | None = None
    at: datetime | None = None


class ConversationSummary(_View):
    """A conversation in a list: enough to recognise and open it."""

    id: str
    channel: str
    started_at: datetime | None = None
    agent: str | None = None
    listening_score: Score | None = None


class NoteEvent(_View):
    """A reply or status change in a note's thread."""

    author: str
    at: datetime
    kind: Literal["reply", "acknowledged", "disputed", "resolved", "reopened"] = "reply"
    text: str = ""


class Note(_View):
    """A coaching note left on a moment of a conversation, with its thread."""

    id: int
    conversation_id: str
    turn: int | None = Field(default=None, ge=0)
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=0)
    author: str
    agent: str | None = None
    text: str
    status: NoteStatus = NoteStatus.OPEN
    created_at: datetime
    events: list[NoteEvent] = Field(default_factory=list)
    quote: str | None = Field(default=None, description="the words the note was made on")

    @property
    def url(self) -> str:
        """The conversation at the note's turn (its notes without one)."""
        at = f"t{self.turn}" if self.turn is not None else "notes"
        return f"/conversations/{quote_url(self.conversation_id, safe='')}#{at}"


class DecideForm(_View):
    """A lead's accept / reject form of a dispute, as typed when it was refused."""

    reply: str = ""
    error: str | None = None


class DisputeLine(_View):
    """A dispute as a page lists it: how old it is, and for a lead who may decide it, the form."""

    dispute: Dispute
    age: str = Field(description="how long ago it was raised, in words")
    can_decide: bool = False
    form: DecideForm = Field(default_factory=DecideForm)

    @property
    def url(self) -> str:
        """The conversation at the disputed turn (its disputes without one)."""
        d = self.dispute
        at = f"t{d.turn}" if d.turn is not None else "disputes"
        return f"/conversations/{d.conversation_id}#{at}"


class RaiseForm(_View):
    """The agent's "I disagree" form on their conversation, as typed when it was refused."""

    targets: list[Target] = Field(default_factory=list, description="what may be disputed")
    target: str = Field(default="", description="the chosen target's key")
    turn: str = ""
    reason: str = ""
    errors: dict[str, str] = Field(default_factory=dict, description="target, turn, reason")

    @property
    def open_targets(self) -> list[Target]:
        """Targets not disputed yet."""
        return [t for t in self.targets if t.disputed is None]


class ConversationDisputes(_View):
    """The conversation page's disputes: each listed, the agent's form, and the status of each
    disputed finding by its key ("behaviour:turn:start:end") for the transcript."""

    lines: list[DisputeLine] = Field(default_factory=list)
    form: RaiseForm | None = Field(default=None, description="for the conversation's agent")
    findings: dict[str, Dispute] = Field(default_factory=dict)


class FeedbackAnswer(_View):
    """One customer's survey answers."""

    csat: Answer
    felt_heard: Answer
    comment: str = ""
    submitted_at: datetime | None = None


# --- pages -----------------------------------------------------------------------------------


class DashboardFilters(_View):
    """The dashboard's filter form: what is chosen and what can be chosen."""

    team: str | None = None
    agent: str | None = None
    channel: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    teams: list[str] = Field(default_factory=list)
    agents: list[tuple[str, str]] = Field(
        default_factory=list, description="(agent id, name) pairs to choose from"
    )
    channels: list[str] = Field(default_factory=lambda: ["call", "chat", "email", "sms", "social"])


class AgentRow(_View):
    """One agent in the dashboard's table."""

    agent_id: str
    name: str
    team: str | None = None
    n: int = Field(ge=0)
    mean: Score | None = None
    change: float | None = Field(
        default=None,
        description="mean in the last week minus the week before; None unless both weeks have "
        "heard.numbers.MIN_CONVERSATIONS conversations",
    )
    n_before: int = Field(default=0, ge=0, description="conversations in the week before")
    n_after: int = Field(default=0, ge=0, description="conversations in the last week")
    weekly: list[float | None] = Field(
        default_factory=list,
        description="weekly means, oldest first; None where a week had too few conversations",
    )

    @property
    def change_text(self) -> str:
        return numbers.change_text(self.change)

    @property
    def change_direction(self) -> str:
        return numbers.direction(self.change)


class DashboardView(_View):
    """The lead's dashboard."""

    teams: list[str]
    date_from: date
    date_to: date
    filters: DashboardFilters = Field(default_factory=DashboardFilters)
    conversations: int = Field(default=0, ge=0)
    mean: Score | None = None
    trend: list[TrendPoint] = Field(default_factory=list)
    components: list[ComponentTrend] = Field(default_factory=list)
    histogram: list[HistogramBin] = Field(default_factory=list)
    agents: list[AgentRow] = Field(default_factory=list)
    best: list[Moment] = Field(default_factory=list)
    worst: list[Moment] = Field(default_factory=list)


def _band_name(band: str) -> str:
    low, high = OUTCOME_BANDS[band]
    if low <= 0:
        share = f"below {high:.0%}"
    elif high >= 1:
        share = f"{low:.0%} or more"
    else:
        share = f"{low:.0%} to {high:.0%}"
    return f"{names.name('outcome', band)} ({share})"


class ListFilters(_View):
    """The conversations page's filter form: each filter as sent (the text of its query
    parameter, trimmed, so a refused value is shown again as it was typed), why any was refused,
    and what can be chosen (values with their human names)."""

    q: str = Field(default="", description="the words searched for")
    team: str = ""
    agent: str = ""
    channel: str = ""
    date_from: str = ""
    date_to: str = ""
    min_score: str = ""
    max_score: str = ""
    done: str = ""
    missed: str = ""
    emotion: str = ""
    escalated: str = ""
    has_notes: str = ""
    survey: str = ""
    outcome: str = ""
    order: str = "newest"
    errors: dict[str, str] = Field(
        default_factory=dict, description="filter → why its value was refused"
    )
    teams: list[tuple[str, str]] = Field(
        default_factory=list, description="(team id, name) pairs to choose from"
    )
    agents: list[tuple[str, str]] = Field(
        default_factory=list, description="(agent id, name) pairs to choose from"
    )
    channels: list[tuple[str, str]] = Field(
        default_factory=lambda: [(c.value, c.value) for c in Channel]
    )
    behaviours: list[tuple[str, str]] = Field(
        default_factory=list, description="(behaviour, label) pairs to choose from"
    )
    emotions: list[tuple[str, str]] = Field(default_factory=lambda: names.choices("emotion"))
    surveys: list[tuple[str, str]] = Field(default_factory=lambda: names.choices("survey"))
    outcomes: list[tuple[str, str]] = Field(
        default_factory=lambda: [(band, _band_name(band)) for band in OUTCOME_BANDS]
    )
    yes_no: list[tuple[str, str]] = Field(default_factory=lambda: names.choices("yes_no"))
    orders: list[tuple[str, str]] = Field(default_factory=lambda: names.choices("order"))


class ListRow(_View):
    """One conversation in the list."""

    id: int
    conversation_id: str
    occurred_at: datetime
    channel: Channel
    agent: str | None = None
    team: str | None = None
    turns: int = Field(ge=0)
    listening_score: Score | None = None
    snippet: Snippet | None = Field(default=None, description="where a search matched")


class SavedViewLink(_View):
    """One of the viewer's saved views: its name and the page it opens."""

    id: int
    name: str
    url: str


class ConversationListView(_View):
    """The conversations the viewer may see, filtered, sorted and paged."""

    filters: ListFilters
    rows: list[ListRow]
    total: int = Field(ge=0, description="conversations matching the filters")
    total_exact: bool = Field(
        default=True, description="false: a search counted only up to `total`, and more match"
    )
    query: dict[str, str] = Field(
        default_factory=dict, description="the filters as the page's query parameters"
    )

    @property
    def counted(self) -> str:
        """The count as the page says it: "1,234", or "more than 10,000"."""
        return f"{self.total:,}" if self.total_exact else f"more than {self.total:,}"

    previous_url: str | None = None
    next_url: str | None = None
    export_query: str = Field(default="", description="the filters as an /api/export query")
    saved: list[SavedViewLink] = Field(default_factory=list, description="the viewer's views")
    save_name: str = Field(default="", description="the view name as typed")
    save_error: str | None = Field(default=None, description="why that name was refused")
    assign: AssignForm | None = Field(default=None, description="for leads: assign for review")


class CallAudio(_View):
    """A call's stored audio as the viewer's player loads it (always the redacted copy)."""

    url: str = Field(description="the audio route, GET /api/v1/conversations/{id}/audio")
    seconds: float = Field(ge=0)
    silenced_seconds: float = Field(default=0, ge=0)


class ConversationView(_View):
    """One conversation with its current scorecard, coaching notes and customer feedback."""

    conversation: Conversation
    scorecard: Scorecard
    notes: list[Note] = Field(default_factory=list)
    feedback: list[FeedbackAnswer] = Field(default_factory=list)
    survey_url: str | None = Field(default=None, description="the customer's survey link")
    url_id: str | None = Field(
        default=None, description="the id in the page's URL, when not the conversation's own"
    )
    skipped: dict[str, str] = Field(default_factory=dict)
    assign: AssignForm | None = Field(default=None, description="for leads: assign for review")
    disputes: ConversationDisputes = Field(default_factory=ConversationDisputes)
    audio: CallAudio | None = Field(default=None, description="the call's audio, when kept")


class AgentHomeView(_View):
    """An agent's page, for them or a lead of their team: their trend, per-behaviour scorecard
    by week, best moments, disputes, the notes still open and recent conversations."""

    agent_id: str
    name: str
    team: str | None = None
    mean: Score | None = None
    is_self: bool = Field(default=True, description="the agent's own page (else a lead's view)")
    trend: list[TrendPoint] = Field(default_factory=list)
    behaviours: list[BehaviourTrend] = Field(
        default_factory=list, description="per behaviour, how often they did well by week"
    )
    best: list[Moment] = Field(default_factory=list)
    waiting: list[Note] = Field(default_factory=list, description="notes open or disputed")
    disputes: list[DisputeLine] = Field(default_factory=list)
    recent: list[ConversationSummary] = Field(default_factory=list)
    weeks_shown: int = Field(default=6, ge=1, description="weeks the scorecard table shows")


class Listener(_View):
    """An agent on the listeners-of-the-week board."""

    agent_id: str
    name: str
    team: str | None = None
    n: int = Field(ge=0)
    mean: Score
    previous: Score | None = Field(default=None, description="mean in the week before")
    previous_n: int = Field(default=0, ge=0, description="conversations in the week before")
    low: float | None = Field(default=None, description="the improvement's 95% interval, low end")
    high: float | None = Field(default=None, description="the improvement's 95% interval, top")

    @property
    def improvement(self) -> float | None:
        return None if self.previous is None else self.mean - self.previous


class Badge(_View):
    """A behaviour badge: who did it most this week."""

    behaviour: str
    title: str
    agent: str
    value: str = Field(description="what earned it, e.g. '14 paraphrases'")


class RecognitionView(_View):
    """Listeners of the week, by score and by improvement, only among agents with enough
    conversations to be fair, and behaviour badges."""

    week_start: date
    min_n: int = Field(ge=1)
    latest: bool = Field(
        default=False,
        description="the week was not asked for: it is the last complete week with a board",
    )
    weeks: list[date] = Field(default_factory=list, description="weeks the picker offers")
    by_score: list[Listener] = Field(default_factory=list)
    by_improvement: list[Listener] = Field(default_factory=list)
    badges: list[Badge] = Field(default_factory=list)
    too_few: list[str] = Field(
        default_factory=list, description="agents left out with fewer than min_n conversations"
    )


class FeedbackPoint(_View):
    """A conversation's Listening Score next to what its customer answered."""

    conversation_id: str
    listening_score: Score
    csat: Answer
    felt_heard: Answer
    agent: str | None = None


class FeedbackChartView(_View):
    """Listening Score against the customers' survey answers."""

    points: list[FeedbackPoint] = Field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None


class SurveyView(_View):
    """The customer's survey, reached by a signed link; no sign-in."""

    action: str = Field(description="where the form posts, the survey link itself")
    agent: str | None = Field(default=None, description="the agent's first name, if shown")
    company: str | None = None
    submitted: bool = False
    error: str | None = None
    csat: Answer | None = None
    felt_heard: Answer | None = None
    comment: str = ""
    notice: str | None = Field(
        default=None, description="above the form: the link was answered and may be changed"
    )
    closed: str | None = Field(
        default=None, description="why the link takes no answer now (no form is shown)"
    )


class UploadResult(_View):
    """What happened to one uploaded file."""

    file: str
    ok: bool
    format: str | None = None
    conversations: int = Field(default=0, ge=0)
    turns: int = Field(default=0, ge=0)
    created: int = Field(default=0, ge=0)
    updated: int = Field(default=0, ge=0)
    unchanged: int = Field(default=0, ge=0)
    recordings: int = Field(default=0, ge=0, description="calls whose redacted audio was kept")
    notes: list[str] = Field(default_factory=list, description="e.g. why audio was not kept")
    error: str | None = Field(default=None, description="why it failed, naming line and field")


class UploadView(_View):
    """The upload page; after a post without JavaScript, the results per file."""

    formats: list[str] = Field(default_factory=list, description="importer names to choose from")
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    results: list[UploadResult] = Field(default_factory=list)


class SignInView(_View):
    """The sign-in form."""

    email: str = ""
    error: str | None = None
    next: str = "/"


# --- live coaching ---------------------------------------------------------------------------


class LiveRow(_View):
    """A conversation in progress on the supervisor's board."""

    conversation_id: str
    agent: str | None = None
    started: datetime | None = None
    turns: int = Field(default=0, ge=0)
    listening_score: float | None = None
    emotion: str | None = None
    escalation_risk: float = Field(default=0.0, ge=0, le=1)
    last_nudge: str | None = Field(default=None, description="the last nudge's message")
    last_nudge_label: str | None = Field(
        default=None, description="the last nudge's kind, by its human name"
    )
    need: float = Field(default=0.0, description="how much it needs a supervisor: sorted by")


class LiveBoardView(_View):
    """The supervisor's board: the live conversations the viewer may watch, neediest first."""

    rows: list[LiveRow] = Field(default_factory=list)
    poll_seconds: float = Field(default=2.0, gt=0)


class LiveTurn(_View):
    """A final turn of a conversation in progress (text already redacted by the store)."""

    index: int = Field(ge=0)
    role: Role
    text: str


class LiveWatchView(_View):
    """A supervisor watching one conversation: transcript, nudges at their turns, the running
    picture, hints sent so far, and where the watch stream should resume (`last_frame`)."""

    conversation_id: str
    agent: str | None = None
    channel: Channel = Channel.CALL
    state: LiveState
    turns: list[LiveTurn] = Field(default_factory=list)
    nudges: list[Nudge] = Field(default_factory=list)
    hints: list[Hint] = Field(default_factory=list)
    last_frame: int = Field(default=0, ge=0)


class LivePanelView(_View):
    """The agent panel: the current nudge (at most one) — once the conversation ended, its
    summary instead — the concern checklist, the supervisor's hints (newest first) and, for
    chats and emails, the reply checker."""

    conversation_id: str
    channel: Channel = Channel.CALL
    state: LiveState
    nudge: Nudge | None = None
    summary: EndSummary | None = None
    """The end-of-conversation summary as the viewer gets it (its link only if they may open
    the stored conversation)."""
    hints: list[Hint] = Field(default_factory=list)
    last_frame: int = Field(default=0, ge=0)
    key: str | None = None
    """The signed panel key it was opened with (the script sends it back), if any."""

    @property
    def drafts(self) -> bool:
        """Whether the panel offers the reply checker (written channels only)."""
        return self.channel != Channel.CALL


# --- administration and passwords ------------------------------------------------------------


class UserLine(_View):
    """A user as the admin pages list them."""

    id: int
    email: str
    name: str | None = None
    role: UserRole
    active: bool
    teams: list[str] = Field(default_factory=list)
    created_at: datetime


class UserForm(_View):
    """The create or edit form of a user, as typed (never a password)."""

    email: str = ""
    name: str = ""
    role: str = "agent"
    teams: list[str] = Field(default_factory=list)
    new_team: str = ""
    agent_id: str = ""


class TokenLine(_View):
    """An API token as the user's admin page lists it (never the token itself)."""

    id: int
    name: str | None = None
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None = None
    expires_at: datetime
    revoked_at: datetime | None = None
    state: Literal["active", "revoked", "expired"]


class TokenForm(_View):
    """The new-token form, as typed."""

    name: str = ""
    scopes: list[str] = Field(default_factory=lambda: ["read"])
    days: str = ""


class AdminUsersView(_View):
    """Every user, and the form that adds one (with its errors by field)."""

    users: list[UserLine]
    teams: list[str] = Field(default_factory=list, description="every team's name")
    form: UserForm = Field(default_factory=UserForm)
    errors: dict[str, str] = Field(default_factory=dict)


class AdminUserView(_View):
    """One user: the edit form, activation, a reset link, their tokens. `new_token` and
    `reset_url` are shown once, on the page the POST that made them answers."""

    user: UserLine
    teams: list[str] = Field(default_factory=list)
    form: UserForm
    errors: dict[str, str] = Field(default_factory=dict)
    message: str | None = Field(default=None, description="a refusal shown at the top")
    notice: str | None = Field(default=None, description="what the last action did")
    tokens: list[TokenLine] = Field(default_factory=list)
    token_form: TokenForm = Field(default_factory=TokenForm)
    token_errors: dict[str, str] = Field(default_factory=dict)
    new_token: str | None = None
    reset_url: str | None = None
    reset_until: datetime | None = None
    reset_hours: float = 24.0
    token_days: int = 90
    is_self: bool = False


class AuditLine(_View):
    id: int
    at: datetime
    user: str | None = None
    action: str
    object_type: str
    object_id: str | None = None
    detail: str | None = None


class AuditFilters(_View):
    """The audit log's filters as chosen (ids and ISO dates as the form sends them)."""

    user: str = ""
    action: str = ""
    date_from: str = ""
    date_to: str = ""


class AuditView(_View):
    entries: list[AuditLine]
    filters: AuditFilters = Field(default_factory=AuditFilters)
    users: list[tuple[str, str]] = Field(default_factory=list, description="(id, email)")
    actions: list[str] = Field(default_factory=list)
    newer_url: str | None = None
    older_url: str | None = None


class PasswordView(_View):
    """The change-your-password form: errors by field, or that it is done. Passwords typed
    are never sent back into the form."""

    errors: dict[str, str] = Field(default_factory=dict)
    done: bool = False


class ResetView(_View):
    """The page of a reset link: the form that sets a new password, or that it is set."""

    action: str
    email: str
    errors: dict[str, str] = Field(default_factory=dict)
    done: bool = False
