"""The live protocol: the events a client sends about a conversation in progress and the
frames heard sends back. Plain data shared by the live session, the WebSocket route, the
replay tool and the benchmark.

Every client event carries `seq`, counting 1, 2, 3, … per conversation. The server applies
event `seq` only when it is exactly one more than the last applied; a repeat of an applied
number is acknowledged again without being applied twice, a gap is refused with an error
frame naming the number expected. Every server frame carries its own `seq` (1, 2, 3, … per
conversation), so a client that reconnects with `since=N` gets the frames after N it missed.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from heard.language.names import name
from heard.model import Channel, Concern, Role, Scorecard, Span, Turn, Word
from heard.model.conversation import Seconds
from heard.model.values import AgentKey, Metadata, Name, Text


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seq: Annotated[int, Field(ge=1, description="1, 2, 3, … per conversation, no gaps")]
    time: Seconds | None = Field(
        default=None,
        description="seconds since the conversation started, on the client's clock "
        "(calls: the audio clock; chats: since the first message)",
    )


class StartEvent(_Event):
    """Opens a conversation (the first event, seq 1)."""

    type: Literal["start"] = "start"
    channel: Channel = Channel.CALL
    agent_id: AgentKey | None = Field(default=None, description="the agent's id in the store")
    agent_name: Name | None = None
    customer_name: Name | None = None
    language: Text | None = None
    metadata: Metadata = Field(default_factory=dict)


class TurnEvent(_Event):
    """A final turn: what one party said or wrote, complete."""

    type: Literal["turn"] = "turn"
    role: Role
    text: Text
    start: Seconds | None = None
    end: Seconds | None = None
    words: list[Word] | None = None


class PartialEvent(_Event):
    """A speech-recognition result still in progress for the party speaking now; the next
    partial or the final turn of the same role replaces it."""

    type: Literal["partial"] = "partial"
    role: Role
    text: Text
    start: Seconds
    end: Seconds


class TickEvent(_Event):
    """The client's clock moved on with nobody speaking (silence checks need it)."""

    type: Literal["tick"] = "tick"
    time: Seconds


class EndEvent(_Event):
    """The conversation is over: heard scores it and stores it."""

    type: Literal["end"] = "end"


Event = Annotated[
    StartEvent | TurnEvent | PartialEvent | TickEvent | EndEvent, Field(discriminator="type")
]


class Severity:
    """How urgent a nudge is."""

    INFO = "info"
    WARN = "warn"
    URGENT = "urgent"


class Nudge(BaseModel):
    """One piece of live advice for the agent, with the words that prompted it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="unique in the conversation, e.g. n3")
    kind: str = Field(
        description="acknowledge_emotion, interruption, open_concern, paraphrase, jargon, "
        "talk_ratio, silence, …"
    )
    severity: Literal["info", "warn", "urgent"]
    message: str
    evidence: Span | None = Field(default=None, description="the words that prompted it")
    suggestion: str | None = Field(default=None, description="a phrasing the agent could use")
    turn: int | None = Field(default=None, description="the turn after which it was raised")
    time: Seconds | None = None
    label: str = Field(
        default="",
        description="the kind's human name, as panels, boards and commands show it "
        "(heard.language.names; filled from `kind` when not given)",
    )

    @model_validator(mode="after")
    def _named(self) -> Nudge:
        if not self.label:
            self.label = name("nudge", self.kind)
        return self


class Adoption(BaseModel):
    """Whether the agent did what a nudge suggested within the next two agent turns."""

    model_config = ConfigDict(extra="forbid")

    nudge: str
    kind: str
    adopted: bool
    turn: int | None = Field(default=None, description="the agent turn that did it")


class LiveState(BaseModel):
    """The running picture of a conversation in progress."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: str
    turns: int = 0
    listening_score: float | None = None
    components: dict[str, float | None] = Field(default_factory=dict)
    concerns: list[Concern] = Field(default_factory=list)
    emotion: str | None = Field(default=None, description="the customer's latest emotion")
    emotion_intensity: float = 0.0
    escalation_risk: Annotated[float, Field(ge=0, le=1)] = 0.0
    talk_ratio: float | None = Field(default=None, description="agent share of recent talk")
    ended: bool = False


class Hint(BaseModel):
    """A private note from a supervisor to the agent, shown only in the agent panel."""

    model_config = ConfigDict(extra="forbid")

    id: str
    text: str
    author: str | None = None


ErrorCode = Literal[
    "bad_json",
    "bad_event",
    "out_of_order",
    "unknown_conversation",
    "already_started",
    "ended",
    "unauthorised",
    "forbidden",
    "since_too_old",
    "store_error",
    "too_large",
    "ambiguous",
    "bad_audio",
    "audio_unavailable",
    "recognition_failed",
]


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seq: int | None = Field(
        default=None, description="server frame number (1, 2, 3, … per conversation)"
    )


class HelloFrame(_Frame):
    """Sent on connect: how far the conversation got, so a client knows where to resume."""

    type: Literal["hello"] = "hello"
    conversation_id: str
    last_event: int = Field(description="the last client event applied (0: none yet)")
    last_frame: int = Field(description="the last server frame sent (0: none yet)")
    audio: dict[str, int] | None = Field(
        default=None,
        description="calls streaming audio: per channel (agent, customer), the sample offset "
        "to send from (what the server holds; after a restart, the end of the last "
        "recognised turn or audio tick)",
    )


class AckFrame(_Frame):
    """Event `event` was applied (or had been: `duplicate`)."""

    type: Literal["ack"] = "ack"
    event: int
    duplicate: bool = False


_AUDIO_SEQ = Field(
    default=None,
    description="the event the server made from the call's audio (a recognised turn or a "
    "tick of the audio clock) that caused this frame; `event` is then null",
)


class NudgeFrame(_Frame):
    type: Literal["nudge"] = "nudge"
    event: int | None = Field(description="the client event that raised it")
    audio_seq: int | None = _AUDIO_SEQ
    nudge: Nudge


class StateFrame(_Frame):
    type: Literal["state"] = "state"
    event: int | None
    audio_seq: int | None = _AUDIO_SEQ
    state: LiveState


class AdoptionFrame(_Frame):
    type: Literal["adoption"] = "adoption"
    event: int | None
    audio_seq: int | None = _AUDIO_SEQ
    adoption: Adoption


class TurnFrame(_Frame):
    """A turn recognised from the call's audio, as applied (redacted); the nudge, adoption
    and state frames it causes follow with the same `audio_seq`."""

    type: Literal["turn"] = "turn"
    audio_seq: int = Field(description="1, 2, 3, … per conversation: the server's own events")
    turn: Turn


class HintFrame(_Frame):
    type: Literal["hint"] = "hint"
    hint: Hint


class EndedFrame(_Frame):
    type: Literal["ended"] = "ended"
    event: int
    scorecard: Scorecard
    stored_id: int | None = Field(default=None, description="the conversation's id in the store")


class SummaryTip(BaseModel):
    """The one thing to try next time: the top coaching tip of the stored scorecard."""

    model_config = ConfigDict(extra="forbid")

    message: str
    suggestion: str | None = None


class EndSummary(BaseModel):
    """What the agent panel shows when a conversation ends, from the stored scorecard (built by
    heard.live.summary): small on purpose, never the whole scorecard."""

    model_config = ConfigDict(extra="forbid")

    listening_score: float | None = Field(description="the stored Listening Score, 0–100")
    went_well: list[str] = Field(
        default_factory=list,
        max_length=2,
        description="up to two things the agent did well, as the rubric names them",
    )
    tip: SummaryTip | None = Field(default=None, description="the top coaching tip, if any")
    stored_id: int | None = Field(
        default=None,
        description="the stored conversation's id (its page: /conversations/{stored_id}); "
        "null for a listener who may not open it",
    )

    def unlinked(self) -> EndSummary:
        """The summary for a listener who may not open the stored conversation."""
        return self.model_copy(update={"stored_id": None})


class SummaryFrame(_Frame):
    """Sent right after `ended`: the summary of the stored conversation for the agent panel.
    The same frame for every listener but for `summary.stored_id`, which only a listener who
    may open the stored conversation gets (the others get null: no link they cannot open)."""

    type: Literal["summary"] = "summary"
    event: int
    summary: EndSummary


class ErrorFrame(_Frame):
    """An event was refused; the session goes on (an error never closes other sessions)."""

    type: Literal["error"] = "error"
    code: ErrorCode
    message: str
    event: int | None = Field(default=None, description="the refused event's seq, when known")
    expected: int | None = Field(default=None, description="the seq the server expects next")


Frame = Annotated[
    HelloFrame
    | AckFrame
    | NudgeFrame
    | StateFrame
    | AdoptionFrame
    | TurnFrame
    | HintFrame
    | EndedFrame
    | SummaryFrame
    | ErrorFrame,
    Field(discriminator="type"),
]
