"""SQL tables of the store (SQLAlchemy 2 typed declarative); rows never leave heard.store."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from heard.analysis.rubric import MAX_COMPONENTS

# Every datetime is stored as naive UTC; the store converts at its edges.


class Base(DeclarativeBase):
    pass


class TeamRow(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AgentRow(Base):
    __tablename__ = "agents"
    __table_args__ = (
        UniqueConstraint("scope", "external_id", name="uq_agents_scope_external_id"),
        Index("ix_agents_external_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    scope: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    """The team's id (0 for none), kept with `team_id`: an external id is unique in its team."""
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)


class TeamLeadRow(Base):
    __tablename__ = "team_leads"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    """After this the token is refused like a revoked one (migration 0009 gave the tokens made
    before it 90 days from the upgrade)."""


class SignInSessionRow(Base):
    """A browser signed in with a password: the session cookie carries the random secret,
    only its SHA-256 is kept here. Refused once revoked (sign-out, the user deactivated) or
    past `expires_at`, which each use moves to min(created + the absolute lifetime, now + the
    idle lifetime), written at most once a minute with `last_seen_at`."""

    __tablename__ = "sign_in_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class ConversationRow(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint(
            "scope", "source", "external_id", name="uq_conversations_scope_source_external_id"
        ),
        Index("ix_conversations_source_external_id", "source", "external_id"),
        Index("ix_conversations_team_occurred", "team_id", "occurred_at"),
        Index("ix_conversations_agent_occurred", "agent_id", "occurred_at"),
        Index("ix_conversations_channel_occurred", "channel", "occurred_at"),
        Index("ix_conversations_emotion_occurred", "emotion", "occurred_at"),
        Index("ix_conversations_escalated_occurred", "escalated", "occurred_at"),
        Index("ix_conversations_felt_heard", "felt_heard"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str] = mapped_column(String(300))
    conversation_id: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    redacted: Mapped[bool] = mapped_column(Boolean)
    turns: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    body_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    scorecard_id: Mapped[int | None] = mapped_column(Integer)
    """A copy of the current scorecard's id (None: none yet), kept with it by every ingest and
    rescore, so lists and charts read it without joining `scorecards`. No foreign key: the
    scorecard points back here already."""
    listening_score: Mapped[float | None] = mapped_column(Float)
    """A copy of the current scorecard's Listening Score, kept like `scorecard_id`."""
    scope: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    """The team's id (0 for none), kept with `team_id`: (scope, source, external_id) is the
    ingest key, so one team's ids never collide with another's."""
    emotion: Mapped[str | None] = mapped_column(String(16))
    """A copy of the current scorecard's `emotion`, kept like `scorecard_id` (migration 0014)."""
    escalated: Mapped[bool | None] = mapped_column(Boolean)
    """A copy of the current scorecard's `escalated`, kept like `scorecard_id`."""
    felt_heard: Mapped[float | None] = mapped_column(Float)
    """A copy of the current scorecard's `felt_heard`, kept like `scorecard_id`."""


class ScorecardRow(Base):
    __tablename__ = "scorecards"
    __table_args__ = (
        Index("ix_scorecards_current_score", "conversation_id", "current", "listening_score", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    rubric: Mapped[str] = mapped_column(String(200))
    rubric_digest: Mapped[str] = mapped_column(String(64))
    detectors: Mapped[str] = mapped_column(Text)
    detectors_digest: Mapped[str] = mapped_column(String(64))
    listening_score: Mapped[float | None] = mapped_column(Float)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    current: Mapped[bool] = mapped_column(Boolean)
    moments: Mapped[str | None] = mapped_column(Text)
    """The body's candidate moments in short (see `moment_candidates`), so the best and worst
    moments of hundreds of conversations are read without their whole scorecards; None on
    scorecards that stopped being current before migration 0005."""
    emotion: Mapped[str | None] = mapped_column(String(16))
    """The customer's strongest emotion (`heard.model.strongest_emotion`; None: not read).
    This and the next two are the body's in short, for the conversation filters (None on
    scorecards that stopped being current before migration 0014)."""
    escalated: Mapped[bool | None] = mapped_column(Boolean)
    """Whether the body holds a customer escalation cue finding."""
    felt_heard: Mapped[float | None] = mapped_column(Float)
    """The outcome model's felt-heard probability (None: no outcome model)."""


class ComponentScoreRow(Base):
    __tablename__ = "scorecard_components"

    scorecard_id: Mapped[int] = mapped_column(
        ForeignKey("scorecards.id", ondelete="CASCADE"), primary_key=True
    )
    component: Mapped[str] = mapped_column(String(64), primary_key=True)
    score: Mapped[float | None] = mapped_column(Float)


class VerdictRow(Base):
    __tablename__ = "scorecard_verdicts"

    scorecard_id: Mapped[int] = mapped_column(
        ForeignKey("scorecards.id", ondelete="CASCADE"), primary_key=True
    )
    behaviour: Mapped[str] = mapped_column(String(64), primary_key=True)
    component: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(8))
    findings: Mapped[int] = mapped_column(Integer)


class ConversationVerdictRow(Base):
    """A copy of each done or missed verdict of a conversation's current scorecard, beside the
    conversation's time, agent, team, channel, current scorecard and Listening Score; kept by
    every ingest and rescore. A filter on a behaviour (and a score, team, agent, channel or
    dates) reads one range of these rows instead of joining every conversation to its current
    scorecard and its verdicts: the key starts with (behaviour, verdict, occurred_at), and on
    SQLite the table is that key (WITHOUT ROWID), so the range holds every column it needs."""

    __tablename__ = "conversation_verdicts"
    __table_args__ = (
        Index("ix_conversation_verdicts_conversation", "conversation_id", "behaviour", "verdict"),
        {"sqlite_with_rowid": False},
    )

    behaviour: Mapped[str] = mapped_column(String(64), primary_key=True)
    verdict: Mapped[str] = mapped_column(String(8), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    scorecard_id: Mapped[int] = mapped_column(Integer)
    listening_score: Mapped[float | None] = mapped_column(Float)


COMPONENT_SLOTS = MAX_COMPONENTS
"""Score columns of `conversation_components` (s0 … s15): as many as a rubric may have."""


class ComponentLayoutRow(Base):
    """A set of component names some current scorecard scores, as a JSON list in sorted order:
    `conversation_components` slot i holds the score of the layout's i-th name."""

    __tablename__ = "component_layouts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    components: Mapped[str] = mapped_column(Text, unique=True)


class ConversationComponentsRow(Base):
    """A copy of the current scorecard's component scores, one row a conversation, kept by every
    ingest and rescore like `conversation_verdicts`. Trends under a score or behaviour filter
    add these columns up for the matching conversations (a few per conversation) instead of
    joining each to its scorecard's component rows and grouping those (one per component).
    No conversation without a current scorecard has a row; a component the scorecard does not
    score is a slot its layout does not name; a component it left unscored is NULL."""

    __tablename__ = "conversation_components"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    layout_id: Mapped[int] = mapped_column(Integer)
    """The `component_layouts` row naming the slots (no foreign key: layouts are never
    deleted)."""
    s0: Mapped[float | None] = mapped_column(Float)
    s1: Mapped[float | None] = mapped_column(Float)
    s2: Mapped[float | None] = mapped_column(Float)
    s3: Mapped[float | None] = mapped_column(Float)
    s4: Mapped[float | None] = mapped_column(Float)
    s5: Mapped[float | None] = mapped_column(Float)
    s6: Mapped[float | None] = mapped_column(Float)
    s7: Mapped[float | None] = mapped_column(Float)
    s8: Mapped[float | None] = mapped_column(Float)
    s9: Mapped[float | None] = mapped_column(Float)
    s10: Mapped[float | None] = mapped_column(Float)
    s11: Mapped[float | None] = mapped_column(Float)
    s12: Mapped[float | None] = mapped_column(Float)
    s13: Mapped[float | None] = mapped_column(Float)
    s14: Mapped[float | None] = mapped_column(Float)
    s15: Mapped[float | None] = mapped_column(Float)


class DailyScoreRow(Base):
    """Per day, agent, team and channel: conversations and the sum of their current scores,
    overall (component "") and per component; kept by every ingest and rescore so trends,
    sparklines and weekly means read a few thousand rows instead of every scorecard.
    No agent or team is 0 (ids start at 1)."""

    __tablename__ = "daily_scores"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    agent_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    component: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversations: Mapped[int] = mapped_column(Integer)
    scored: Mapped[int] = mapped_column(Integer)
    """Conversations with a score for the component (the mean is total / scored)."""
    total: Mapped[float] = mapped_column(Float)


class DailyVerdictRow(Base):
    """Per day, agent, team and channel and behaviour: current scorecards that judged the
    behaviour (done or missed), how many did it, and its findings; kept like `daily_scores`
    (recognition's badges read it)."""

    __tablename__ = "daily_verdicts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    agent_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    behaviour: Mapped[str] = mapped_column(String(64), primary_key=True)
    judged: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer)
    findings: Mapped[int] = mapped_column(Integer)


class DailyBandRow(Base):
    """Per day, agent, team and channel: conversations per band of 10 Listening Score points
    (band -1: unscored); kept like `daily_scores` (the score distribution reads it)."""

    __tablename__ = "daily_bands"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    agent_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversations: Mapped[int] = mapped_column(Integer)


class NoteRow(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    turn: Mapped[int | None] = mapped_column(Integer)
    span_start: Mapped[int | None] = mapped_column(Integer)
    span_end: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class NoteEventRow(Base):
    __tablename__ = "note_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)


class FeedbackRow(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    csat: Mapped[int | None] = mapped_column(Integer)
    felt_heard: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    answer_of: Mapped[int | None] = mapped_column(Integer, unique=True)
    """The conversation whose one survey answer this is (its links take one answer, replaced
    within the edit window); None on the answers stored before migration 0009, when a link
    took any number. No foreign key: `conversation_id` is the one that cascades."""
    edited_at: Mapped[datetime | None] = mapped_column(DateTime)
    """When the answer was last replaced through its link (None: never)."""


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_user_id_id", "user_id", "id"),
        Index("ix_audit_log_action_id", "action", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)


class LiveSessionRow(Base):
    """A conversation fed live through the WebSocket (one row per conversation id)."""

    __tablename__ = "live_sessions"
    __table_args__ = (
        Index("ix_live_sessions_status_team", "status", "team_id"),
        UniqueConstraint("scope", "conversation_id", name="uq_live_sessions_scope_conversation_id"),
        Index("ix_live_sessions_conversation_id", "conversation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    last_event: Mapped[int] = mapped_column(Integer)
    last_event_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(8))
    stored_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    scope: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    """The team's id (0 for none): a live conversation's id holds within its team."""


class LiveEventRow(Base):
    """One applied client event (or seq NULL: a supervisor's hint, or an event the server made
    from a call's audio), text already redacted."""

    __tablename__ = "live_events"
    __table_args__ = (UniqueConstraint("session_id", "seq", name="uq_live_events_session_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int | None] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)


class SavedViewRow(Base):
    """A user's named filters of the conversations page (migration 0010): private to them."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_views_user_id_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    filters: Mapped[str] = mapped_column(Text)
    """The page's query as a JSON object of strings (see `heard.store.saved_views.FIELDS`)."""
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PasswordResetRow(Base):
    """A one-time link an admin issued so a user sets a new password (migration 0012): only
    the SHA-256 of its secret is kept; it works once (`used_at`) and until `expires_at`."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    """When the link set a password, or was replaced by a newer one (None: still usable)."""
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CalibrationSessionRow(Base):
    """A calibration session (migration 0011): several reviewers score the same conversations
    blind; its reviews are the `reviews` rows that name it. Closed by its lead or, in effect,
    once every review is submitted."""

    __tablename__ = "calibration_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)


class ReviewRow(Base):
    """A conversation assigned to a reviewer by a lead (migration 0011): by hand, by a rule or
    in a calibration session; submitted once, with its answers in `review_labels`."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint(
            "session_key", "conversation_id", "reviewer_id", name="uq_reviews_session_conversation"
        ),
        Index("ix_reviews_reviewer_status", "reviewer_id", "status"),
        Index("ix_reviews_team_status", "team_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    """The conversation's team when assigned: its leads see the review."""
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"), index=True
    )
    session_key: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    """The session's id (0 for none), kept with `session_id`: a reviewer reviews a conversation
    once outside sessions and once in each session."""
    rule: Mapped[str] = mapped_column(String(16))
    """How it was chosen: hand, sample, lowest, escalated or calibration."""
    status: Mapped[str] = mapped_column(String(16))
    """assigned, then submitted."""
    scorecard_id: Mapped[int | None] = mapped_column(Integer)
    """heard's scorecard the answers were compared with (the current one when submitted)."""
    note: Mapped[str | None] = mapped_column(Text)
    """The reviewer's overall note, redacted as coaching notes are."""
    assigned_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)


class ReviewLabelRow(Base):
    """One answer of a submitted review (migration 0011): a checklist verdict on a behaviour
    (done / missed / n/a: did well / needs work / not needed) or agreement with one of heard's
    findings (agree / disagree), beside what heard said; the labels `heard reviews export`
    writes."""

    __tablename__ = "review_labels"
    __table_args__ = (
        UniqueConstraint(
            "review_id", "kind", "behaviour", "finding", name="uq_review_labels_review_item"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    """behaviour or finding."""
    behaviour: Mapped[str] = mapped_column(String(64))
    finding: Mapped[str] = mapped_column(String(64), server_default=text("''"))
    """A finding's place, "turn:start:end" of its first span ('' for a behaviour)."""
    detector: Mapped[str | None] = mapped_column(String(200))
    verdict: Mapped[str] = mapped_column(String(16))
    heard: Mapped[str | None] = mapped_column(String(16))
    """heard's verdict on the behaviour (done, missed, n/a; None: not in its checklist);
    "found" for a finding."""
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class DisputeRow(Base):
    """An agent disagreeing with one of heard's findings or scores on their conversation
    (migration 0013), with their reason; a lead of the conversation's team (or an admin)
    accepts it (heard was wrong: the finding or score is overturned) or rejects it with a
    reply (heard stands: upheld). Decided disputes are labels `heard reviews export` writes
    beside the review labels."""

    __tablename__ = "disputes"
    __table_args__ = (
        UniqueConstraint(
            "conversation_id", "kind", "behaviour", "finding", name="uq_disputes_target"
        ),
        Index("ix_disputes_status_created", "status", "created_at"),
        Index("ix_disputes_agent_status", "agent_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    """The agent whose conversation it is (who raised it)."""
    raised_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    """finding (one of heard's findings) or score (the Listening Score or a checklist verdict)."""
    behaviour: Mapped[str] = mapped_column(String(64))
    """The finding's or checklist item's behaviour; `listening_score` for the score itself."""
    finding: Mapped[str] = mapped_column(String(64), server_default=text("''"))
    """A finding's place, "turn:start:end" of its first span ('' for a score)."""
    turn: Mapped[int | None] = mapped_column(Integer)
    span_start: Mapped[int | None] = mapped_column(Integer)
    span_end: Mapped[int | None] = mapped_column(Integer)
    detector: Mapped[str | None] = mapped_column(String(200))
    heard: Mapped[str | None] = mapped_column(String(16))
    """What heard said: "found" for a finding, the checklist verdict, or the score."""
    scorecard_id: Mapped[int | None] = mapped_column(Integer)
    """The scorecard disputed (the conversation's current one when raised)."""
    quote: Mapped[str | None] = mapped_column(Text)
    """The words disputed, as stored (redacted): the finding's span or the turn pointed at."""
    reason: Mapped[str] = mapped_column(Text)
    """The agent's reason, redacted as coaching notes are."""
    status: Mapped[str] = mapped_column(String(16))
    """open, then accepted (overturned) or rejected (upheld)."""
    reply: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class RecordingRow(Base):
    """A call's audio as the store keeps it (migration 0015): the redacted copy, with every
    redacted word's stretch of time silenced (heard.audio.redaction), one per conversation.
    `audio` is read in pieces (`heard.store.recordings`), never with the row."""

    __tablename__ = "recordings"
    __table_args__ = (UniqueConstraint("conversation_id", name="uq_recordings_conversation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    """Bytes of `audio`."""
    digest: Mapped[str] = mapped_column(String(64))
    """SHA-256 of `audio` (hex): the answer's ETag."""
    seconds: Mapped[float] = mapped_column(Float)
    channels: Mapped[int] = mapped_column(Integer)
    sample_rate: Mapped[int] = mapped_column(Integer)
    redacted: Mapped[bool] = mapped_column(Boolean)
    """Whether the transcript's redacted words were silenced (the only copy heard keeps)."""
    silenced_seconds: Mapped[float] = mapped_column(Float)
    """Seconds of audio silenced over the redacted words."""
    created_at: Mapped[datetime] = mapped_column(DateTime)
    audio: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
