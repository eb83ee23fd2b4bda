"""The conversation filters every list, chart and export takes as query parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from heard.model import Channel
from heard.model.values import Behaviour, Moment
from heard.store import ConversationFilter
from heard.store.search import MAX_SEARCH

Score = Annotated[float | None, Query(ge=0, le=100)]

MAX_ID = 2_147_483_647
"""Ids are 32-bit integers in PostgreSQL; a larger one cannot name anything."""
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Behaviours = Annotated[list[Behaviour], Query(max_length=20)]


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
    )


Filter = Annotated[ConversationFilter, Depends(conversation_filter)]
