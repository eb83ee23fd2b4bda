"""The rubric: components, behaviours, weights, points and thresholds, read from TOML."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from heard.errors import InputError, Location, input_error_from_validation

Applies = Literal[
    "always",
    "customer_upset",
    "customer_worried",
    "customer_named",
    "long_or_multi",
    "questions_asked",
    "closed_exploring",
    "long_call",
    "held_long",
    "problem_vague",
    "written_reply",
    "customer_gave_details",
    "need_not_confirmed",
    "customer_explained",
    "action_pending",
]


ON_SCREEN = frozenset({"chat", "sms", "social"})
"""Channels whose turns stay on the customer's screen."""

MODEL_USES = ("customer_emotion",)
"""Where a rubric may select a trained model."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Component(_Strict):
    label: str
    weight: float = Field(default=1.0, ge=0)


class Behaviour(_Strict):
    component: str
    polarity: Literal["positive", "negative", "neutral"]
    points: float = Field(default=0, ge=0)
    priority: float | None = Field(default=None, ge=0)
    """The order of this behaviour's tips, highest first (its `points` when not given): a
    calibrated rubric keeps the hand-written coaching order while its points follow outcomes."""
    applies: Applies = "always"
    label: str
    missed: str | None = None
    """What a tip says when the behaviour was called for and not shown: a sentence about the
    agent ("The agent did not acknowledge what the customer said"). Without it, "Missed:
    acknowledges what the customer said" read as if the agent had (a fragment to both blind
    judges, sample u)."""
    tip: str | None = None
    chat_tip: str | None = None
    """The tip in a chat, SMS or social thread, where the customer's words are on screen:
    saying them back there reads as parroting (judged usable 8 times in 26), so a behaviour
    may give other words for it; `tip` when not given."""

    @property
    def rank(self) -> float:
        """How much the behaviour matters in coaching, highest first: its `priority`, else its
        points (the order of its tips, and of what went well in the live panel's summary)."""
        return self.points if self.priority is None else self.priority

    def tip_for(self, channel: str) -> str | None:
        """The tip for a conversation on `channel`."""
        if self.chat_tip is not None and channel in ON_SCREEN:
            return self.chat_tip
        return self.tip


class Thresholds(_Strict):
    dead_air_seconds: float = Field(default=5.0, gt=0)
    backchannel_seconds: float = Field(default=1.0, gt=0)
    backchannel_words: int = Field(default=3, ge=1)
    vague_problem_words: int = Field(default=15, ge=1)
    long_hold_seconds: float = Field(default=60.0, gt=0)
    silent_hold_seconds: float = Field(default=30.0, gt=0)
    rushing_reply_words: int = Field(default=4, ge=1)
    rushing_upset_words: int = Field(default=25, ge=1)
    personalised_specifics: int = Field(default=2, ge=1)
    near_duplicate_jaccard: float = Field(default=0.7, gt=0, le=1)
    near_duplicate_min_words: int = Field(default=12, ge=1)
    hard_sentence_words: int = Field(default=25, ge=1)
    hard_sentence_reading_ease: float = Field(default=30.0)
    uses_details_weight: int = Field(default=2, ge=1)
    concern_addressed_weight: int = Field(default=2, ge=1)
    paraphrase_similarity: float = Field(default=0.2, ge=-1, le=1)
    paraphrase_faithfulness: float = Field(default=0.6, ge=0, le=1)
    parroting_overlap: float = Field(default=0.7, ge=0, le=1)
    ignores_similarity: float = Field(default=0.37, ge=-1, le=1)
    emotion_model_confidence: float = Field(default=0.3, gt=0, le=1)
    """Probability a trained emotion model needs to label a turn the lexicon left neutral."""
    flat_pitch_range_semitones: float = Field(default=2.0, gt=0, le=12)
    """An agent turn whose pitch range (10th to 90th percentile) is under this is flat."""
    flat_voiced_seconds: float = Field(default=1.5, gt=0)
    """Voiced speech a turn needs before its pitch range can be called flat."""
    fast_speech_ratio: float = Field(default=1.35, gt=1)
    """An agent turn this many times the agent's own usual rate is fast…"""
    fast_speech_words_per_second: float = Field(default=3.5, gt=0)
    """…and at least this fast outright (conversational English: 2.5–3 words a second)."""
    raised_voice_db: float = Field(default=6.0, gt=0)
    """A turn this many dB louder than the speaker's own usual level is a raised voice."""


MAX_COMPONENTS = 16
"""Components a rubric may have: the store copies each conversation's component scores into
that many columns, so trends under a score or behaviour filter add up one row a conversation."""


class Rubric(_Strict):
    """Weights and points a QA team can change without touching code."""

    name: str
    version: str
    components: dict[str, Component] = Field(max_length=MAX_COMPONENTS)
    behaviours: dict[str, Behaviour]
    thresholds: Thresholds = Thresholds()
    models: dict[str, str] = {}
    """Trained models by use (``customer_emotion``): a model JSON path, relative to the
    rubric file, or ``"none"`` to use none; heard's shipped model where not set."""

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def behaviour(self, name: str) -> Behaviour | None:
        return self.behaviours.get(name)


def load_rubric(path: str | Path | None = None) -> Rubric:
    """The rubric in `path`, or heard's default; errors name the file and the field."""
    if path is None:
        text = files("heard.analysis").joinpath("default_rubric.toml").read_text("utf-8")
        where = Location(file="default_rubric.toml")
    else:
        where = Location(file=str(path))
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise InputError(
                f"cannot read rubric: {exc.strerror or exc}",
                where=where,
                expected="a TOML rubric file",
                code="not_a_file",
            ) from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            f"malformed TOML: {exc}", where=where, expected="a TOML rubric", code="malformed"
        ) from exc
    try:
        rubric = Rubric.model_validate(raw)
    except ValidationError as exc:
        raise input_error_from_validation(exc, where) from exc
    for use, model in rubric.models.items():
        if use not in MODEL_USES:
            raise InputError(
                f"unknown model use {use!r}",
                where=where.at(path=f"$.models.{use}"),
                expected="one of " + ", ".join(MODEL_USES),
            )
        if model == "none":
            continue
        resolved = Path(model) if path is None else Path(path).parent / model
        if not resolved.is_file():
            raise InputError(
                f"no model file {str(resolved)!r}",
                where=where.at(path=f"$.models.{use}"),
                expected="the JSON file `heard train` wrote (relative to the rubric), or none",
                code="not_a_file",
            )
        rubric.models[use] = str(resolved)
    for name, behaviour in rubric.behaviours.items():
        if behaviour.component not in rubric.components:
            raise InputError(
                f"behaviour {name!r} names unknown component {behaviour.component!r}",
                where=where.at(path=f"$.behaviours.{name}.component"),
                expected=f"one of {', '.join(rubric.components)}",
            )
    return rubric
