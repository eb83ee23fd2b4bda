"""How sign-in credentials stand: the condition a token must meet to sign anyone in, and the
batched reads that check many open live sockets' tokens and users at once (the web app's
socket guard asks every half second, one query per kind rather than one per socket)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from heard.store.records import Scope, UserRole
from heard.store.tables import AgentRow, ApiTokenRow, TeamLeadRow, UserRow

CHUNK = 500
"""Ids per `IN (…)` list (SQLite's bound-parameter limit is far above)."""

Links = tuple[int | None, list[int]]
"""A user's agent id and team ids, as `UserRecord` carries them."""


def usable_token() -> ColumnElement[bool]:
    """What a token row must be to sign anyone in: not revoked, not expired — one condition,
    so signing in (`api_tokens.authenticate_token`) and the open sockets' re-check
    (`api_tokens.standing`) can never disagree."""
    from heard.store.repository import now  # the store's one clock

    return and_(ApiTokenRow.revoked_at.is_(None), ApiTokenRow.expires_at > now())


def _chunks(ids: Collection[int]) -> list[list[int]]:
    ordered = sorted(ids)
    return [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)]


def usable_tokens(session: Session, token_ids: Collection[int]) -> dict[int, list[Scope]]:
    """The usable tokens among `token_ids`, with their scopes (a revoked or unknown one is
    missing)."""
    found: dict[int, list[Scope]] = {}
    for chunk in _chunks(token_ids):
        rows = session.execute(
            select(ApiTokenRow.id, ApiTokenRow.scopes).where(
                ApiTokenRow.id.in_(chunk), usable_token()
            )
        )
        for token_id, scopes in rows:
            found[token_id] = [Scope(s) for s in scopes.split()]
    return found


def user_rows(session: Session, user_ids: Collection[int]) -> list[UserRow]:
    """The users among `user_ids` that exist (active or not)."""
    found: list[UserRow] = []
    for chunk in _chunks(user_ids):
        found.extend(session.scalars(select(UserRow).where(UserRow.id.in_(chunk))))
    return found


def links(session: Session, rows: Sequence[UserRow]) -> dict[int, Links]:
    """Each user's agent and teams in two queries: a lead's teams are those they lead; an
    agent leading none is in their agent's team."""
    agents: dict[int, tuple[int, int | None]] = {}
    teams: dict[int, list[int]] = {row.id: [] for row in rows}
    for chunk in _chunks(teams):
        for user_id, agent_id, team_id in session.execute(
            select(AgentRow.user_id, AgentRow.id, AgentRow.team_id).where(
                AgentRow.user_id.in_(chunk)
            )
        ):
            agents[user_id] = (agent_id, team_id)
        for user_id, team_id in session.execute(
            select(TeamLeadRow.user_id, TeamLeadRow.team_id)
            .where(TeamLeadRow.user_id.in_(chunk))
            .order_by(TeamLeadRow.team_id)
        ):
            teams[user_id].append(team_id)
    found: dict[int, Links] = {}
    for row in rows:
        agent_id, agent_team = agents.get(row.id, (None, None))
        led = teams[row.id]
        if agent_id is not None and not led and row.role == UserRole.AGENT.value:
            led = [agent_team] if agent_team is not None else []
        found[row.id] = (agent_id, led)
    return found
