"""The conversation filters every list, chart and export takes as query parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from heard.language import names
from heard.model import Channel
from heard.model.values import Behaviour, Moment
from heard.store import ConversationFilter
from heard.store.records import EmotionChoice, OutcomeBand, SurveyChoice
from heard.store.search import MAX_SEARCH

Score = Annotated[float | None, Query(ge=0, le=100)]
Probability = Annotated[
    float | None,
    Query(ge=0, le=1, description="the outcome model's predicted felt-heard probability, 0 to 1"),
]

MAX_ID = 2_147_483_647
"""Ids are 32-bit integers in PostgreSQL; a larger one cannot name anything."""
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Behaviours = Annotated[list[Behaviour], Query(max_length=20)]


def _described(field: str, kind: str) -> str:
    """A filter's description: the store's, then each value with its human name."""
    described = ConversationFilter.model_fields[field].description or ""
    return f"{described}. Values: " + "; ".join(
        f"{value} ({label})" for value, label in names.choices(kind)
    )


def conversation_filter(
    agent: Annotated[int | None, Query(ge=1, le=MAX_ID, description="agent id")] = None,
    team: Annotated[int | None, Query(ge=1, le=MAX_ID, description="team id")] = None,
    channel: Channel | None = None,
    start: Annotated[Moment | None, Query(description="occurred at or after")] = None,
    end: Annotated[Moment | None, Query(description="occurred before")] = None,
    min_score: Score = None,
    max_score: Score = None,
    done: Behaviours = [],  # noqa: B006 - FastAPI reads the default, never mutated
    missed: Behaviours = [],  # noqa: B006
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_SEARCH,
            description="words every conversation must hold (in its turns or its agent's or "
            "customer's name), each as a word or a word's start; text is searched as stored, "
            "redacted",
        ),
    ] = None,
    emotion: Annotated[
        EmotionChoice | None, Query(description=_described("emotion", "emotion"))
    ] = None,
    escalated: Annotated[
        bool | None,
        Query(description="whether a customer escalation cue was found (asked for a manager…)"),
    ] = None,
    has_notes: Annotated[
        bool | None, Query(description="whether the conversation has coaching notes")
    ] = None,
    survey: Annotated[
        SurveyChoice | None, Query(description=_described("survey", "survey"))
    ] = None,
    outcome: Annotated[
        OutcomeBand | None, Query(description=_described("outcome", "outcome"))
    ] = None,
    min_felt_heard: Probability = None,
    max_felt_heard: Probability = None,
) -> ConversationFilter:
    return ConversationFilter(
        agent_id=agent,
        team_id=team,
        channel=channel,
        start=start,
        end=end,
        min_score=min_score,
        max_score=max_score,
        done=done,
        missed=missed,
        search=q or None,
        emotion=emotion,
        escalated=escalated,
        has_notes=has_notes,
        survey=survey,
        outcome=outcome,
        min_felt_heard=min_felt_heard,
        max_felt_heard=max_felt_heard,
    )


Filter = Annotated[ConversationFilter, Depends(conversation_filter)]
