"""API request and response schemas (apart from the tables and the domain model)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from heard.model import Conversation, Scorecard, Turn
from heard.model.values import AgentKey, Email, Name, Text
from heard.store.records import (
    ConversationSummary,
    Feedback,
    IngestItem,
    Note,
    RecordingInfo,
    Scope,
    ScorecardInfo,
    TokenRecord,
    UserRecord,
    UserRole,
)

Rating = Annotated[int, Field(ge=1, le=5)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


class ConversationIn(Conversation):
    """A conversation to store: heard's format, with at least one turn."""

    turns: list[Turn] = Field(json_schema_extra={"minItems": 1})

    @field_validator("turns")
    @classmethod
    def _some_turns(cls, turns: list[Turn]) -> list[Turn]:
        if not turns:
            raise ValueError("a conversation needs at least one turn")
        return turns


class BatchIn(_In):
    conversations: list[ConversationIn] = Field(min_length=1, max_length=5000)


class IngestOut(BaseModel):
    """What an ingest stored: per conversation its id and whether it was new, updated or the
    same as before."""

    created: int
    updated: int
    unchanged: int
    redacted: bool
    items: list[IngestItem]
    recordings: list[int] = Field(
        default_factory=list,
        description="conversations whose call audio was kept (the redacted copy): "
        "GET /api/v1/conversations/{id}/audio plays it",
    )
    notes: list[str] = Field(default_factory=list, description="e.g. why audio was not kept")


class FileError(BaseModel):
    file: str
    code: str
    message: str
    line: int | None = None
    path: str | None = None


class ConversationOut(BaseModel):
    """One conversation for the viewer: transcript, current scorecard with its findings, the
    scorecard versions, coaching notes and survey answers."""

    summary: ConversationSummary
    conversation: Conversation
    scorecard: Scorecard | None
    scorecard_info: ScorecardInfo | None
    versions: list[ScorecardInfo]
    notes: list[Note]
    feedback: list[Feedback]
    recording: RecordingInfo | None = Field(
        default=None,
        description="the call's audio (the redacted copy), when it was kept: "
        "GET /api/v1/conversations/{id}/audio",
    )


class SurveyLinkOut(BaseModel):
    conversation_id: int
    token: str
    path: str = Field(description="the survey page, relative to the app's address")


class NoteIn(_In):
    text: Text = Field(min_length=1, max_length=10_000)
    turn: int | None = Field(default=None, ge=0)
    span_start: int | None = Field(default=None, ge=0)
    span_end: int | None = Field(default=None, ge=0)


class NoteTextIn(_In):
    text: Text = Field(min_length=1, max_length=10_000)


class NoteResponseIn(_In):
    text: Text | None = Field(default=None, max_length=10_000)


class FeedbackIn(_In):
    csat: Rating | None = None
    felt_heard: Rating | None = None
    comment: Text | None = Field(default=None, max_length=5_000)


class UserIn(_In):
    email: Email
    role: UserRole
    name: Name | None = None
    password: Text | None = Field(default=None, min_length=8, max_length=1_000)
    agent_id: AgentKey | None = Field(
        default=None, description="the agent's external id (agents only)"
    )
    teams: list[Name] = Field(default_factory=list, max_length=50)


class UserPatch(_In):
    """What to change about a user; a field left out is kept."""

    name: Name | None = Field(default=None, description="the display name ('' clears it)")
    role: UserRole | None = None
    teams: list[Name] | None = Field(
        default=None,
        max_length=50,
        description="the teams a lead leads, or the agent's one team (an admin is in none)",
    )
    agent_id: AgentKey | None = Field(
        default=None,
        description="the agent's id in the conversations, for a user becoming an agent "
        "(default: their email)",
    )
    active: bool | None = Field(
        default=None,
        description="false: their sessions are revoked, tokens refused, live sockets closed",
    )


class ResetLinkOut(BaseModel):
    id: int
    user_id: int
    created_at: datetime
    expires_at: datetime = Field(description="after this the link no longer works")
    url: str = Field(
        description="the link to send the user; it works once and is shown this once only "
        "(heard keeps its SHA-256)"
    )


class UserOut(BaseModel):
    id: int
    email: str
    name: str | None
    role: UserRole
    active: bool
    agent_id: int | None
    team_ids: list[int]
    created_at: datetime

    @classmethod
    def of(cls, user: UserRecord) -> UserOut:
        return cls.model_validate(user.model_dump())


class TokenIn(_In):
    scopes: list[Scope] = Field(default_factory=lambda: [Scope.READ], min_length=1)
    name: Name | None = None
    expires_in_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="how long the token works (default: the server's HEARD_TOKEN_DAYS, 90)",
    )


class TokenOut(BaseModel):
    id: int
    user_id: int
    name: str | None
    scopes: list[Scope]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime = Field(description="after this the token is refused like a revoked one")

    @classmethod
    def of(cls, token: TokenRecord) -> TokenOut:
        return cls.model_validate(token.model_dump())


class TokenCreatedOut(TokenOut):
    token: str = Field(description="the token itself; shown this once only")


class SessionIn(_In):
    email: Text = Field(min_length=1, max_length=320)
    password: Text = Field(min_length=1, max_length=1_000)
