"""Evidence pointers and the results of analysis: spans, findings, scorecards."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

Score = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class _Plain(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Span(_Plain):
    """A pointer into a conversation: turn index and character offsets [start, end)."""

    turn: Annotated[int, Field(ge=0)]
    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} is before its start {self.start}")
        return self


class Polarity(StrEnum):
    """Whether a finding shows good listening, poor listening, or is only a measurement."""

    POSITIVE = "positive"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"


class Finding(_Plain):
    """One observed behaviour, with the exact words that show it."""

    detector: str = Field(description="versioned detector name, e.g. heard.empathy.v1")
    behaviour: str = Field(description="the rubric behaviour, e.g. empathy, repeat_ask")
    component: str = Field(description="the rubric component it belongs to")
    polarity: Polarity
    spans: list[Span] = Field(min_length=1)
    confidence: Probability = 1.0
    explanation: str = ""
    suggestion: str | None = None
    data: dict[str, JsonValue] = Field(default_factory=dict)

    @property
    def key(self) -> str:
        """ "behaviour:turn:start:end" of its first span: how reviews and disputes name it."""
        span = self.spans[0]
        return f"{self.behaviour}:{span.turn}:{span.start}:{span.end}"


class Verdict(StrEnum):
    """How a checklist item came out."""

    DONE = "done"
    MISSED = "missed"
    NOT_APPLICABLE = "n/a"


class ChecklistItem(_Plain):
    behaviour: str
    component: str
    verdict: Verdict
    reason: str = ""


class ComponentScore(_Plain):
    component: str
    score: Score | None = Field(description="None when nothing in the component applied")
    weight: Annotated[float, Field(ge=0)] = 1.0
    findings: int = 0


class Tip(_Plain):
    """A coaching tip: the moment, what to do, and a better phrasing."""

    behaviour: str
    message: str
    span: Span | None = None
    suggestion: str | None = None
    priority: float = 0.0


class ConcernStatus(StrEnum):
    """How far a customer's concern got: raised → acknowledged → addressed → confirmed."""

    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    ADDRESSED = "addressed"
    CONFIRMED = "confirmed"


class Concern(_Plain):
    """A concern or question the customer raised, followed turn by turn."""

    id: Annotated[int, Field(ge=0)]
    kind: str = Field(description="question, request or problem")
    span: Span = Field(description="the customer's words that raise it")
    quote: str
    status: ConcernStatus
    raised_again: list[int] = Field(
        default_factory=list, description="customer turns that raised it again"
    )
    acknowledged: int | None = Field(default=None, description="agent turn that acknowledged it")
    addressed: int | None = Field(default=None, description="agent turn that addressed it")
    confirmed: int | None = Field(
        default=None, description="customer turn that confirmed it was resolved"
    )


NEGATIVE_EMOTIONS = ("anger", "frustration", "worry", "sadness", "confusion")
"""The customer emotions that mean they are upset."""
EMOTIONS = (*NEGATIVE_EMOTIONS, "satisfaction", "neutral")
"""Every customer emotion heard reads."""
ACKNOWLEDGE_FIRST = frozenset({"anger", "frustration", "worry", "sadness"})
"""The upsets an agent acknowledges before solving (the reply check, the live nudges, rushing):
every negative emotion but confusion, which calls for a clearer answer rather than comfort."""
SAID_OUTRIGHT = frozenset({"sadness"})
"""Emotions that call for care (an acknowledgement, a tip, a nudge) only where the customer's
own words said them — a cue word of grief or heartbreak — not where only the emotion model read
them: it reads a polite let-down ("ok, thanks anyway", "well never mind") as sadness, as the
corpus labels it, and condolences there ring false. The reading itself stays."""


def calls_for_care(label: str, source: object) -> bool:
    """Whether a customer turn read as `label` (by the lexicon or the model: `source`) is an
    upset that coaching answers: a negative emotion, said outright where `SAID_OUTRIGHT`."""
    return label in NEGATIVE_EMOTIONS and (label not in SAID_OUTRIGHT or source != "model")


def read_by_model(findings: Sequence[Finding]) -> frozenset[int]:
    """The customer turns whose emotion only the emotion model read (no cue word): the source
    `calls_for_care` weighs."""
    return frozenset(
        f.spans[0].turn
        for f in findings
        if f.behaviour == "customer_emotion" and f.data.get("source") == "model"
    )


class TurnEmotion(_Plain):
    """The customer's emotion in one of their turns, with its intensity."""

    turn: Annotated[int, Field(ge=0)]
    label: str = Field(
        description="anger, frustration, worry, sadness, confusion, satisfaction or neutral"
    )
    intensity: Probability = 0.0


def peak_emotion(emotions: Sequence[TurnEmotion]) -> TurnEmotion | None:
    """The customer's strongest emotion: the most intense negative one (the earliest of
    equals); when they showed none, the most intense of any kind other than neutral; None when
    every reading is neutral or there is none."""
    negative = [e for e in emotions if e.label in NEGATIVE_EMOTIONS]
    felt = negative or [e for e in emotions if e.label != "neutral"]
    return max(felt, key=lambda e: (e.intensity, -e.turn)) if felt else None


def strongest_emotion(emotions: Sequence[TurnEmotion]) -> str | None:
    """The label of `peak_emotion`; "neutral" when the customer showed none; None when their
    emotion was not read (no customer turn, or no emotion detector ran)."""
    if not emotions:
        return None
    peak = peak_emotion(emotions)
    return peak.label if peak is not None else "neutral"


class OutcomePrediction(_Plain):
    """What the outcome model predicts the customer would say, with how well it predicts."""

    felt_heard: Probability = Field(
        description="probability the customer felt heard and helped (would say the agent stayed "
        "calm and helpful throughout)"
    )
    annoyed: Probability = Field(
        description="probability the customer became annoyed or aggressive during the conversation"
    )
    model: str = Field(description="the model that predicted it, e.g. star-outcome-<digest>")
    validity: dict[str, float] = Field(
        default_factory=dict,
        description="the model's ROC AUC per output on held-out conversations, e.g. felt_heard_auc",
    )


class Scorecard(_Plain):
    """The scored result of analysing one conversation."""

    conversation_id: str
    listening_score: Score | None = None
    components: list[ComponentScore] = Field(default_factory=list)
    metrics: dict[str, float | int | str | None] = Field(default_factory=dict)
    checklist: list[ChecklistItem] = Field(default_factory=list)
    tips: list[Tip] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    concerns: list[Concern] = Field(
        default_factory=list, description="the customer's concerns and how far each got"
    )
    emotions: list[TurnEmotion] = Field(
        default_factory=list, description="customer emotion per customer turn, in turn order"
    )
    outcome: OutcomePrediction | None = Field(
        default=None,
        description="the outcome model's prediction (None when no outcome model is installed)",
    )
    rubric: str | None = Field(default=None, description="rubric name and version")
    detectors: dict[str, str] = Field(default_factory=dict, description="detector → version")
    overturned: list[Finding] = Field(
        default_factory=list,
        description="findings a lead overturned on the agent's dispute: kept as evidence, "
        "not scored (the checklist, components and Listening Score are without them)",
    )
