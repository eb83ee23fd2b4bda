"""Small pydantic records the store takes and returns (never ORM rows)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from heard.model import Channel, Conversation, Scorecard


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserRole(StrEnum):
    AGENT = "agent"
    LEAD = "lead"
    ADMIN = "admin"


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


class Viewer(_Record):
    """Who is asking: every query is scoped by it (agent → own, lead → their teams, admin → all)."""

    user_id: int | None = None
    role: UserRole
    agent_id: int | None = None
    team_ids: list[int] = Field(default_factory=list)

    @classmethod
    def system(cls) -> Viewer:
        """The viewer of the CLI and of ingest jobs: sees everything, acts as no user."""
        return cls(role=UserRole.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == UserRole.ADMIN


class UserRecord(_Record):
    id: int
    email: str
    name: str | None
    role: UserRole
    active: bool
    agent_id: int | None = None
    team_ids: list[int] = Field(default_factory=list)
    created_at: datetime

    def viewer(self) -> Viewer:
        return Viewer(
            user_id=self.id, role=self.role, agent_id=self.agent_id, team_ids=self.team_ids
        )


class TokenRecord(_Record):
    id: int
    user_id: int
    name: str | None
    scopes: list[Scope]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime


class Standing(_Record):
    """How credentials stand now (`api_tokens.standing`): the usable tokens asked about with their
    scopes (a revoked, expired or unknown one is missing), the users asked about as stored
    now, inactive ones included (a deleted one is missing), and the live sign-in sessions."""

    tokens: dict[int, list[Scope]] = Field(default_factory=dict)
    users: dict[int, UserRecord] = Field(default_factory=dict)
    sessions: set[int] = Field(default_factory=set)
    """The sign-in sessions asked about that are still live (not signed out or expired)."""


class TeamRecord(_Record):
    id: int
    name: str
    agents: int = 0
    conversations: int = 0
    mean_score: float | None = None


class AgentRecord(_Record):
    id: int
    external_id: str
    name: str | None
    team_id: int | None
    team: str | None
    user_id: int | None
    conversations: int = 0
    mean_score: float | None = None


class IngestStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class IngestItem(_Record):
    id: int
    source: str
    external_id: str
    status: IngestStatus
    listening_score: float | None = None


class IngestReport(_Record):
    items: list[IngestItem] = Field(default_factory=list)

    def count(self, status: IngestStatus) -> int:
        return sum(1 for item in self.items if item.status == status)


class RescoreReport(_Record):
    checked: int
    """Conversations stored."""
    rescored: int
    """Conversations given a new scorecard."""
    changed: int = 0
    """Stale conversations an ingest changed while the rescore analysed them: they keep the
    scorecard of their new body, which that ingest wrote."""


class Behaviour(_Record):
    """A behaviour filter: conversations whose current scorecard has this verdict for it."""

    behaviour: str
    verdict: Literal["done", "missed"]


EmotionChoice = Literal[
    "anger", "frustration", "worry", "sadness", "confusion", "satisfaction", "neutral", "upset"
]
"""The customer's strongest emotion a filter asks for (`heard.model.strongest_emotion`);
upset: any of the negative ones."""
SurveyChoice = Literal["answered", "unanswered", "satisfied", "unsatisfied", "heard", "not_heard"]
"""A survey answer a filter asks for: any or none; CSAT 4–5 or 1–3; felt heard 4–5 or 1–3."""
OutcomeBand = Literal["likely_heard", "unsure", "at_risk"]
"""A band of the outcome model's predicted probability that the customer felt heard."""
OUTCOME_BANDS: dict[str, tuple[float, float]] = {
    "likely_heard": (0.9, 1.0),
    "unsure": (0.8, 0.9),
    "at_risk": (0.0, 0.8),
}
"""Each band's felt-heard probabilities, from low (in) to high (out; 1.0 is in the top band).
Set on an earlier shipped outcome model (trained on STAR, where 97% felt heard), on which the
generated demo team had its lowest sixth at risk and its top half likely heard; today's model
(refitted in issue 19) puts 6% of that team at risk and 84% likely heard. A team whose own
refitted model reads otherwise filters by `min_felt_heard` / `max_felt_heard`."""


class ConversationFilter(_Record):
    agent_id: int | None = None
    team_id: int | None = None
    channel: Channel | None = None
    start: datetime | None = Field(default=None, description="occurred at or after")
    end: datetime | None = Field(default=None, description="occurred before")
    min_score: float | None = None
    max_score: float | None = None
    done: list[str] = Field(default_factory=list, description="behaviours done")
    missed: list[str] = Field(default_factory=list, description="behaviours missed")
    search: str | None = Field(
        default=None,
        description="words the conversation holds, each as a word or a word's start (all of "
        "them, in its turns or its agent's or customer's name, as stored: redacted)",
    )
    emotion: EmotionChoice | None = Field(
        default=None,
        description="the customer's strongest emotion: the most intense upset one, else "
        "satisfaction, else neutral; upset: any of anger, frustration, worry, sadness or "
        "confusion",
    )
    escalated: bool | None = Field(
        default=None,
        description="whether a customer escalation cue was found (asked for a manager, "
        "threatened to leave, raised their voice in anger)",
    )
    has_notes: bool | None = Field(default=None, description="whether it has coaching notes")
    survey: SurveyChoice | None = Field(
        default=None,
        description="the customer's survey answer: answered or unanswered; satisfied (CSAT 4–5) "
        "or unsatisfied (1–3); heard (felt heard 4–5) or not_heard (1–3)",
    )
    outcome: OutcomeBand | None = Field(
        default=None,
        description="the band of the predicted probability that the customer felt heard: "
        + "; ".join(f"{b} {low:g} to {high:g}" for b, (low, high) in OUTCOME_BANDS.items()),
    )
    min_felt_heard: float | None = Field(
        default=None, ge=0, le=1, description="predicted felt-heard probability at least this"
    )
    max_felt_heard: float | None = Field(
        default=None, ge=0, le=1, description="predicted felt-heard probability at most this"
    )


class SnippetPart(_Record):
    text: str
    match: bool = False


class Snippet(_Record):
    """Where a search's words are in a conversation: a short piece of its best-matching turn
    (or of its agent's or customer's name), split into parts that match and parts that do not."""

    turn: int | None = Field(description="the turn's index; None for a name")
    speaker: str = Field(description="agent, customer, system, or the name's owner")
    parts: list[SnippetPart]


class ConversationSummary(_Record):
    id: int
    source: str
    external_id: str
    conversation_id: str
    channel: Channel
    started_at: datetime | None
    occurred_at: datetime
    agent_id: int | None
    agent: str | None
    team_id: int | None
    team: str | None
    turns: int
    redacted: bool
    listening_score: float | None
    components: dict[str, float | None] = Field(default_factory=dict)
    emotion: str | None = Field(
        default=None, description="the customer's strongest emotion (None: not read)"
    )
    escalated: bool | None = Field(
        default=None, description="whether a customer escalation cue was found"
    )
    felt_heard: float | None = Field(
        default=None, description="the outcome model's predicted felt-heard probability"
    )
    snippet: Snippet | None = Field(default=None, description="with a search: where it matched")


class ConversationPage(_Record):
    """One page of a list, found by position (keyset paging): `next` and `previous` are the
    cursors of the pages after and before it (None: there is none)."""

    total: int = Field(description="conversations matching the filters, on every page")
    total_exact: bool = Field(
        default=True,
        description="false: a search found in very many conversations counted them only up "
        "to `total` (1,000), and more match",
    )
    limit: int
    items: list[ConversationSummary]
    next: str | None = None
    previous: str | None = None


class SavedView(_Record):
    """A user's named filters of the conversations page (the page's query parameters)."""

    id: int
    name: str
    filters: dict[str, str]
    created_at: datetime


class NoteStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    DISPUTED = "disputed"
    RESOLVED = "resolved"


class NoteEventKind(StrEnum):
    CREATED = "created"
    REPLY = "reply"
    EDITED = "edited"
    ACKNOWLEDGED = "acknowledged"
    DISPUTED = "disputed"
    RESOLVED = "resolved"


class NoteEvent(_Record):
    id: int
    user_id: int
    user: str | None
    kind: NoteEventKind
    text: str | None
    at: datetime


class Note(_Record):
    id: int
    conversation_id: int
    turn: int | None
    span_start: int | None
    span_end: int | None
    author_id: int
    author: str | None
    agent_id: int | None
    text: str
    status: NoteStatus
    created_at: datetime
    updated_at: datetime
    events: list[NoteEvent] = Field(default_factory=list)
    quote: str | None = Field(
        default=None,
        description="the words the note was made on (its span, else its turn, cut), as stored",
    )


class Feedback(_Record):
    id: int
    conversation_id: int
    csat: int | None
    felt_heard: int | None
    comment: str | None
    submitted_at: datetime
    edited_at: datetime | None = None
    """When the answer was last replaced through its survey link (None: never)."""


class FeedbackPair(_Record):
    conversation_id: int
    listening_score: float | None
    csat: int | None
    felt_heard: int | None


class ScorecardInfo(_Record):
    id: int
    rubric: str
    detectors_digest: str
    created_at: datetime
    current: bool


class RecordingInfo(_Record):
    """A call's stored audio, without its bytes: always the redacted copy (every redacted
    word's stretch of time silenced)."""

    conversation_id: int
    content_type: str = Field(description="the audio's media type, audio/wav")
    size: int = Field(description="bytes")
    digest: str = Field(description="SHA-256 of the bytes (hex), the answer's ETag")
    seconds: float
    channels: int
    sample_rate: int
    redacted: bool = Field(description="the transcript's redacted words are silenced in it")
    silenced_seconds: float
    created_at: datetime


class ConversationDetail(_Record):
    summary: ConversationSummary
    conversation: Conversation
    scorecard: Scorecard | None
    scorecard_info: ScorecardInfo | None
    versions: list[ScorecardInfo] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    feedback: list[Feedback] = Field(default_factory=list)
    recording: RecordingInfo | None = Field(
        default=None, description="the call's audio (redacted copy), when it was kept"
    )


class TrendPoint(_Record):
    period: date
    conversations: int
    listening_score: float | None
    components: dict[str, float | None] = Field(default_factory=dict)


class DistributionBin(_Record):
    low: int
    high: int
    conversations: int


class Distribution(_Record):
    bins: list[DistributionBin]
    unscored: int
    total: int


class Moment(_Record):
    conversation_id: int
    agent_id: int | None
    agent: str | None
    occurred_at: datetime
    behaviour: str
    component: str
    polarity: Literal["positive", "negative"]
    turn: int
    start: int
    end: int
    quote: str
    explanation: str
    confidence: float


class Moments(_Record):
    best: list[Moment]
    worst: list[Moment]


class Listener(_Record):
    agent_id: int
    agent: str | None
    team: str | None
    conversations: int
    mean_score: float
    previous_mean: float | None = None
    previous_conversations: int = 0
    improvement: float | None = None
    improvement_low: float | None = Field(
        default=None, description="lower end of the improvement's 95% interval (Welch)"
    )
    improvement_high: float | None = Field(
        default=None, description="upper end of the improvement's 95% interval (Welch)"
    )


class Badge(_Record):
    badge: str
    behaviour: str
    agent_id: int
    agent: str | None
    rate: float = Field(description="share of the agent's conversations with the behaviour done")
    findings: int
    done: int = Field(default=0, description="conversations with the behaviour done")
    judged: int = Field(default=0, description="conversations where the behaviour was judged")


class Recognition(_Record):
    week: date
    min_conversations: int
    by_score: list[Listener]
    by_improvement: list[Listener]
    badges: list[Badge]


class AuditEntry(_Record):
    id: int
    at: datetime
    user_id: int | None
    user: str | None
    action: str
    object_type: str
    object_id: str | None
    detail: str | None


class LiveSessionRecord(_Record):
    """A conversation fed live: who it belongs to and how far it got."""

    id: int
    conversation_id: str
    channel: Channel
    agent_id: int | None
    team_id: int | None
    user_id: int | None
    started_at: datetime
    last_event: int
    last_event_at: datetime
    status: Literal["live", "ended"]
    stored_id: int | None = None
    scope: int = 0
    """The team's id (0 for none): the conversation's id is unique within it."""


class LiveOutcome(_Record):
    """The stored conversation an ended live session became: where it is placed (who may open
    it) and, when asked for, its current scorecard."""

    stored_id: int
    agent_id: int | None
    team_id: int | None
    scorecard: Scorecard | None = None


class LiveEventRecord(_Record):
    """A stored live event (`seq` None: a supervisor's hint, or type `audio`: an event the
    server made from a call's audio); `payload` is its JSON."""

    seq: int | None
    type: str
    payload: str
    at: datetime
