"""The conversation at the centre of heard: who spoke, what they said, and when."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from heard.model.values import (
    AgentKey,
    ConversationKey,
    ExternalId,
    Metadata,
    Moment,
    Name,
    SourceName,
    Text,
)

MAX_SECONDS = 1e10
"""The latest time into a conversation heard takes (317 years): far below where adding it to
a date overflows, far above any call or thread (or a Unix time given as seconds)."""

Seconds = Annotated[float, Field(ge=0, le=MAX_SECONDS, allow_inf_nan=False)]


class Channel(StrEnum):
    """How the conversation took place."""

    CALL = "call"
    CHAT = "chat"
    EMAIL = "email"
    SMS = "sms"
    SOCIAL = "social"


class Role(StrEnum):
    """Who produced a turn."""

    AGENT = "agent"
    CUSTOMER = "customer"
    SYSTEM = "system"
    BOT = "bot"


class _Plain(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, validate_assignment=False)


class Word(_Plain):
    """One recognised word with its timing, as speech recognition reports it."""

    text: Text
    start: Seconds
    end: Seconds
    confidence: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _end_after_start(self) -> Word:
        if self.end < self.start:
            raise ValueError(f"word end {self.end} s is before its start {self.start} s")
        return self


class Turn(_Plain):
    """One utterance, message or email in a conversation."""

    index: Annotated[int, Field(ge=0)]
    role: Role
    text: Text
    speaker_id: Text | None = None
    start: Seconds | None = Field(default=None, description="seconds from the start of the call")
    end: Seconds | None = Field(default=None, description="seconds from the start of the call")
    words: list[Word] | None = Field(default=None, description="word timings when known")
    sent_at: Moment | None = Field(default=None, description="when a message was sent")
    subject: Text | None = Field(default=None, description="email subject line")
    metadata: Metadata = Field(default_factory=dict)

    @model_validator(mode="after")
    def _end_after_start(self) -> Turn:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"turn end {self.end} s is before its start {self.start} s")
        return self

    @property
    def timed(self) -> bool:
        return self.start is not None and self.end is not None

    @property
    def duration(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return self.end - self.start


class Agent(_Plain):
    """The agent who served the customer."""

    id: AgentKey | None = None
    name: Name | None = None
    team: Name | None = None


class Customer(_Plain):
    """The customer."""

    id: Text | None = None
    name: Name | None = None


class Conversation(_Plain):
    """A whole customer-service conversation: a call, a chat, an email thread."""

    id: ConversationKey
    channel: Channel
    turns: list[Turn] = Field(default_factory=list)
    external_id: ExternalId | None = Field(
        default=None, description="the id in the source system; with `source`, the ingest key"
    )
    source: SourceName | None = Field(default=None, description="the system or format it came from")
    started_at: Moment | None = None
    language: Text | None = Field(default=None, description="BCP 47 tag such as en-US")
    agent: Agent | None = None
    customer: Customer | None = None
    metadata: Metadata = Field(default_factory=dict)

    @model_validator(mode="after")
    def _indexes_in_order(self) -> Conversation:
        for position, turn in enumerate(self.turns):
            if turn.index != position:
                raise ValueError(
                    f"turn at position {position} has index {turn.index}; "
                    "turn indexes must count 0, 1, 2, … in order"
                )
        return self

    @property
    def timed(self) -> bool:
        """True when every turn has start and end times."""
        return bool(self.turns) and all(t.timed for t in self.turns)

    def by_role(self, role: Role) -> list[Turn]:
        return [t for t in self.turns if t.role == role]

    def to_json(self, **kwargs: Any) -> str:
        return self.model_dump_json(exclude_defaults=True, **kwargs)
