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


Hz = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Change = Annotated[float, Field(allow_inf_nan=False)]


class Tone(_Plain):
    """How a turn sounded, measured from the call's audio (docs/audio.md, "Tone"): pitch,
    loudness and speaking rate, and each one's change against the speaker's own baseline
    (their median over the call; None when they have fewer than three measured turns)."""

    pitch_median_hz: Hz | None = Field(default=None, description="median pitch of voiced speech")
    pitch_range_hz: Hz | None = Field(
        default=None, description="pitch range: 90th minus 10th percentile of voiced frames"
    )
    pitch_range_semitones: Hz | None = Field(
        default=None, description="the same range in semitones (12·log2 of high/low)"
    )
    loudness_dbfs: Annotated[float, Field(le=0, allow_inf_nan=False)] | None = Field(
        default=None, description="RMS level of the active speech, dB below full scale"
    )
    loudness_lufs: Annotated[float, Field(le=5, allow_inf_nan=False)] | None = Field(
        default=None, description="the same, K-weighted (ITU-R BS.1770), in LUFS"
    )
    words_per_second: Hz | None = Field(
        default=None, description="words a second of speaking time (pauses of 0.5 s+ left out)"
    )
    voiced_seconds: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.0
    pitch_change_semitones: Change | None = Field(
        default=None, description="median pitch against the speaker's baseline, semitones"
    )
    pitch_range_change_semitones: Change | None = Field(
        default=None, description="pitch range against the speaker's baseline, semitones"
    )
    loudness_change_db: Change | None = Field(
        default=None, description="loudness against the speaker's baseline, dB"
    )
    rate_change_ratio: Hz | None = Field(
        default=None, description="speaking rate divided by the speaker's baseline rate"
    )


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
    tone: Tone | None = Field(
        default=None, description="tone of voice measured from the call's audio"
    )
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
