"""Agents, teams, trends, score distribution, best and worst moments, recognition."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from heard.model.values import Day
from heard.store import dashboards
from heard.store.records import (
    AgentRecord,
    Distribution,
    Moments,
    Recognition,
    TeamRecord,
    TrendPoint,
)
from heard.web.api.conversations import ERRORS
from heard.web.api.filters import Filter, Id, IdQuery
from heard.web.deps import Reader, SettingsDep, StoreDep

router = APIRouter(tags=["dashboards"])


@router.get("/agents", response_model=list[AgentRecord], responses=ERRORS)
def list_agents(principal: Reader, store: StoreDep, team: IdQuery = None) -> list[AgentRecord]:
    """Agents the caller may see, with their conversation count and mean Listening Score."""
    return store.list_agents(principal.viewer, team_id=team)


@router.get("/agents/{agent_id}", response_model=AgentRecord, responses=ERRORS)
def get_agent(agent_id: Id, principal: Reader, store: StoreDep) -> AgentRecord:
    return store.get_agent(principal.viewer, agent_id)


@router.get("/teams", response_model=list[TeamRecord], responses=ERRORS)
def list_teams(principal: Reader, store: StoreDep) -> list[TeamRecord]:
    """Teams the caller may see (a lead: the teams they lead; an agent: their own)."""
    return store.list_teams(principal.viewer)


@router.get("/trends", response_model=list[TrendPoint], responses=ERRORS)
def trends(
    principal: Reader, store: StoreDep, where: Filter, by: Literal["day", "week"] = "week"
) -> list[TrendPoint]:
    """Per day or week: conversations, mean Listening Score, mean score per component."""
    return dashboards.trends(store, principal.viewer, where, by=by)


@router.get("/distribution", response_model=Distribution, responses=ERRORS)
def distribution(principal: Reader, store: StoreDep, where: Filter) -> Distribution:
    """How many conversations scored in each band of 10 points."""
    return dashboards.distribution(store, principal.viewer, where)


@router.get("/moments", response_model=Moments, responses=ERRORS)
def moments(
    principal: Reader,
    store: StoreDep,
    where: Filter,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> Moments:
    """The best and worst moments (findings with their quote) in the filtered conversations."""
    return dashboards.moments(store, principal.viewer, where, limit=limit)


@router.get("/recognition", response_model=Recognition, responses=ERRORS)
def recognition(
    principal: Reader,
    store: StoreDep,
    settings: SettingsDep,
    week: Annotated[Day | None, Query(description="any day of the week; default this week")] = None,
    team: IdQuery = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> Recognition:
    """Listeners of the week by score and by improvement, and behaviour badges."""
    return dashboards.recognition(
        store,
        principal.viewer,
        week=week or date.today(),
        team_id=team,
        limit=limit,
        min_conversations=settings.recognition_min_conversations,
    )
