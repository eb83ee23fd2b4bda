"""Where an ingested conversation belongs — its team, its agent and the stored conversation it
replaces — and whether the caller may put it there.

Keys hold within a team (migration 0008): a conversation is the same one on a second ingest
when its (source, external id) matches within its team, an agent when its external id does.

- Admins, and the CLI, demo and bench jobs (the system viewer), see every team: a name
  resolves across teams when that is unambiguous (an agent named without a team is the one
  agent of that id, a conversation sent again under another team moves there), as before
  keys were scoped.
- A lead resolves names within the teams they lead, and writes there only. Another team's
  ids are invisible to them: a ticket number or agent id that another team also uses makes a
  new conversation or agent in the lead's team, never a hit on the other team's, so the
  answer is the same whether the other exists or not. A conversation that names no team goes
  to the lead's team when they lead one, else it must name one.
- An agent (the live feed) writes conversations of their own agent, in their own team.

Everything a caller may not do is refused before anything is created or changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from heard.model import Conversation
from heard.store.bulk import insert_missing
from heard.store.errors import Forbidden, Invalid, NotFound
from heard.store.records import UserRole, Viewer
from heard.store.tables import AgentRow, ConversationRow, TeamRow

DEFAULT_SOURCE = "api"
"""The source of a conversation that names none; with its external id (or id), the key."""

CHUNK = 500
"""Values per IN list."""


def ingest_key(conversation: Conversation) -> tuple[str, str]:
    """(source, external id): with the team, what makes a conversation the same one on a
    second ingest."""
    return conversation.source or DEFAULT_SOURCE, conversation.external_id or conversation.id


@dataclass(frozen=True)
class StoredRow:
    """A stored conversation an ingest may replace."""

    id: int
    digest: str
    occurred_at: datetime
    scope: int
    agent_id: int | None


@dataclass
class Place:
    """Where one conversation of an ingest goes."""

    team: str | None
    """The team's name (None: no team)."""
    team_id: int | None
    """None: no team, or a team not created yet."""
    agent: str | None
    """The agent's external id (None: no agent)."""
    agent_name: str | None
    agent_id: int | None
    """None: no agent, or an agent not created yet."""
    adopt: bool = False
    """The agent has no team yet and joins this one (admins only)."""
    unnamed: bool = False
    """The stored agent has no name yet: it takes `agent_name`."""
    row: StoredRow | None = None
    """The stored conversation this one replaces (None: a new one)."""

    @property
    def scope(self) -> int:
        return self.team_id or 0


@dataclass(frozen=True)
class _Agent:
    id: int
    external_id: str
    team_id: int | None
    name: str | None


def _field(index: int, count: int, path: str) -> str:
    return path if count == 1 else f"conversations[{index}].{path}"


def _names(teams: Sequence[int], names: dict[int, str]) -> str:
    return ", ".join(sorted(names.get(t, str(t)) for t in teams)) or "none"


def place(
    session: Session,
    conversations: Sequence[Conversation],
    viewer: Viewer,
    *,
    create: bool = False,
) -> list[Place]:
    """Where each conversation goes, checked against what `viewer` may write (Forbidden or
    Invalid naming the conversation's field when refused; nothing is created then). With
    `create`, missing teams and agents are created (teams, then agents, each in sorted order,
    so two ingests creating the same ones wait for each other rather than deadlock) and the
    stored conversations each one replaces are found (`Place.row`)."""
    count = len(conversations)
    named = sorted({c.agent.team for c in conversations if c.agent and c.agent.team})
    teams = _teams(session, named)
    own: _Agent | None = None
    if viewer.role == UserRole.AGENT:
        own = _own_agent(session, viewer)
    refs = sorted({_agent_ref(c) for c in conversations} - {None})  # type: ignore[type-var]
    agents = _agents(session, refs, None if viewer.is_admin else _visible_teams(viewer, own))
    team_names = _team_names(session, viewer.team_ids) if viewer.role == UserRole.LEAD else {}
    places: list[Place] = []
    for index, conversation in enumerate(conversations):
        agent = conversation.agent
        ref = _agent_ref(conversation)
        team = agent.team if agent and agent.team else None
        team_id = teams.get(team) if team else None
        where = _field(index, count, "agent.team")
        if own is not None:
            place_ = _own_place(conversation, own, team, team_id, teams, index, count)
            places.append(place_)
            continue
        if team is not None and viewer.role == UserRole.LEAD and team_id not in viewer.team_ids:
            yours = _names(viewer.team_ids, team_names)
            raise Forbidden(
                f"you may store conversations of your teams only ({yours}), not of team {team!r}",
                field=where,
            )
        candidates = agents.get(ref, []) if ref else []
        chosen: _Agent | None = None
        adopt = False
        if team is not None:
            in_team = [a for a in candidates if team_id is not None and a.team_id == team_id]
            teamless = [a for a in candidates if a.team_id is None]
            if in_team:
                chosen = in_team[0]
            elif viewer.is_admin and teamless:
                chosen, adopt = teamless[0], True
            elif len(candidates) == 1 and candidates[0].team_id is not None:
                chosen = candidates[0]  # an agent of another team (one the caller may see)
        elif len(candidates) == 1:
            chosen = candidates[0]
            team_id = chosen.team_id
            team = _team_name(session, team_id) if team_id is not None else None
        elif len(candidates) > 1:
            raise Invalid(
                f"agent {ref!r} is in several teams ("
                f"{_names([a.team_id or 0 for a in candidates], _team_names(session, None))}): "
                "name the team in agent.team",
                field=where,
            )
        if team is None and viewer.role == UserRole.LEAD:
            if len(viewer.team_ids) != 1:
                raise Invalid(
                    f"name the team in agent.team: you lead {_names(viewer.team_ids, team_names)}",
                    field=where,
                )
            team_id = viewer.team_ids[0]
            team = team_names.get(team_id)
        places.append(
            Place(
                team=team,
                team_id=team_id,
                agent=ref,
                agent_name=agent.name if agent else None,
                agent_id=chosen.id if chosen else None,
                adopt=adopt,
                unnamed=chosen is not None and chosen.name is None,
            )
        )
    _refuse_twice(conversations, places)
    if create:
        _create(session, places)
    find_rows(session, conversations, places, viewer, own)
    return places


def _agent_ref(conversation: Conversation) -> str | None:
    agent = conversation.agent
    if agent is None:
        return None
    return agent.id or agent.name or None


def _teams(session: Session, names: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(names), CHUNK):
        found.update(
            session.execute(
                select(TeamRow.name, TeamRow.id).where(
                    TeamRow.name.in_(names[start : start + CHUNK])
                )
            ).all()
        )
    return found


def _team_names(session: Session, ids: Sequence[int] | None) -> dict[int, str]:
    """Names of the teams with these ids (of every team when `ids` is None)."""
    stmt = select(TeamRow.id, TeamRow.name)
    if ids is not None:
        stmt = stmt.where(TeamRow.id.in_(list(ids) or [-1]))
    return dict(session.execute(stmt).all())


def _team_name(session: Session, team_id: int) -> str | None:
    return session.scalar(select(TeamRow.name).where(TeamRow.id == team_id))


def _own_agent(session: Session, viewer: Viewer) -> _Agent:
    row = session.execute(
        select(AgentRow.id, AgentRow.external_id, AgentRow.team_id, AgentRow.name).where(
            AgentRow.id == (viewer.agent_id or -1)
        )
    ).first()
    if row is None:
        raise Forbidden("your user is not linked to an agent", field="agent.id")
    return _Agent(*row)


def _visible_teams(viewer: Viewer, own: _Agent | None) -> list[int | None]:
    if own is not None:
        return [own.team_id]
    return list(viewer.team_ids)


def _agents(
    session: Session, refs: Sequence[str], teams: list[int | None] | None
) -> dict[str, list[_Agent]]:
    """The agents with these external ids, in `teams` only unless it is None (None in the list
    stands for no team)."""
    found: dict[str, list[_Agent]] = defaultdict(list)
    for start in range(0, len(refs), CHUNK):
        stmt = select(AgentRow.id, AgentRow.external_id, AgentRow.team_id, AgentRow.name).where(
            AgentRow.external_id.in_(refs[start : start + CHUNK])
        )
        if teams is not None:
            scopes = [t or 0 for t in teams]
            stmt = stmt.where(AgentRow.scope.in_(scopes or [-1]))
        for row in session.execute(stmt.order_by(AgentRow.id)):
            found[row[1]].append(_Agent(*row))
    return found


def _own_place(
    conversation: Conversation,
    own: _Agent,
    team: str | None,
    team_id: int | None,
    teams: dict[str, int],
    index: int,
    count: int,
) -> Place:
    """An agent's conversation: their own agent, in their own team."""
    ref = _agent_ref(conversation)
    if ref is not None and ref != own.external_id:
        raise Forbidden(
            f"agent {ref!r} is not your agent ({own.external_id!r})",
            field=_field(index, count, "agent.id"),
        )
    if team is not None and team_id != own.team_id:
        raise Forbidden(f"team {team!r} is not your team", field=_field(index, count, "agent.team"))
    names = {v: k for k, v in teams.items()}
    return Place(
        team=team if team is not None else names.get(own.team_id or -1),
        team_id=own.team_id,
        agent=own.external_id,
        agent_name=own.name or (conversation.agent.name if conversation.agent else None),
        agent_id=own.id,
        unnamed=own.name is None,
    )


def _refuse_twice(conversations: Sequence[Conversation], places: Sequence[Place]) -> None:
    """Invalid when two conversations of one ingest have the same key in the same team (one
    would silently replace the other)."""
    first: dict[tuple[str | None, str, str], int] = {}
    for index, (conversation, where) in enumerate(zip(conversations, places, strict=True)):
        key = (where.team, *ingest_key(conversation))
        if key in first:
            source, external_id = key[1], key[2]
            raise Invalid(
                f"conversations {first[key]} and {index} have the same source {source!r} and "
                f"external id {external_id!r}"
                + (f" in team {where.team!r}" if where.team else "")
                + ": send each conversation once",
                field=f"conversations[{index}].external_id",
            )
        first[key] = index


def _create(session: Session, places: Sequence[Place]) -> None:
    """Create the missing teams, then the missing agents (each in sorted order), and let
    teamless agents join their conversation's team (`Place.adopt`)."""
    missing = sorted({p.team for p in places if p.team is not None and p.team_id is None})
    if missing:
        from heard.store.repository import now  # the store's one clock

        for name in missing:
            insert_missing(session, TeamRow.__table__, {"name": name, "created_at": now()}, "name")
        created = _teams(session, missing)
        for p in places:
            if p.team is not None and p.team_id is None:
                p.team_id = created[p.team]
    adopted = sorted({(p.agent_id, p.team_id) for p in places if p.adopt}, key=str)
    for agent_id, team_id in adopted:
        session.execute(
            AgentRow.__table__.update()
            .where(AgentRow.id == agent_id, AgentRow.team_id.is_(None))
            .values(team_id=team_id, scope=team_id or 0)
        )
    wanted = sorted(
        {
            (p.scope, p.agent): p for p in places if p.agent is not None and p.agent_id is None
        }.items()
    )
    for (scope, ref), p in wanted:
        insert_missing(
            session,
            AgentRow.__table__,
            {"external_id": ref, "name": p.agent_name, "team_id": p.team_id, "scope": scope},
            ("scope", "external_id"),
        )
    if wanted:
        ids = {
            (scope, ref): agent_id
            for agent_id, scope, ref in session.execute(
                select(AgentRow.id, AgentRow.scope, AgentRow.external_id).where(
                    AgentRow.external_id.in_(sorted({ref for (_, ref), _ in wanted}))
                )
            )
        }
        for p in places:
            if p.agent is not None and p.agent_id is None:
                p.agent_id = ids[(p.scope, p.agent)]
    named = {p.agent_id: p.agent_name for p in places if p.unnamed and p.agent_name}
    if named:  # an agent first seen without a name gets the first one a conversation gives
        for agent_id in sorted(named):  # type: ignore[type-var]
            session.execute(
                AgentRow.__table__.update()
                .where(AgentRow.id == agent_id, AgentRow.name.is_(None))
                .values(name=named[agent_id])
            )


def find_rows(
    session: Session,
    conversations: Sequence[Conversation],
    places: Sequence[Place],
    viewer: Viewer,
    own: _Agent | None = None,
) -> None:
    """Set each place's `row`: the stored conversation it replaces, among those `viewer` may
    see. The one with the same key in the conversation's team, else — when the caller may see
    exactly one other with that key (admins: in any team; leads: in their teams) — that one,
    which moves to the conversation's team. An agent's conversation that would replace
    another agent's is NotFound, as one that does not exist."""
    if viewer.role == UserRole.AGENT and own is None:
        own = _own_agent(session, viewer)
    scopes: list[int] | None = None
    if viewer.role == UserRole.LEAD:
        scopes = list(viewer.team_ids)
    elif own is not None:
        scopes = [own.team_id or 0]
    keys = [ingest_key(c) for c in conversations]
    stored = _stored(session, sorted(set(keys)), scopes)
    claimed: set[int] = set()
    for key, where in zip(keys, places, strict=True):
        if where.team_id is not None:
            target: int | None = where.team_id
        else:  # no team (scope 0), or a team not created yet (nothing stored there)
            target = 0 if where.team is None else None
        exact = [r for r in stored.get(key, []) if r.scope == target]
        if exact:
            where.row = exact[0]
            claimed.add(exact[0].id)
    for key, where in zip(keys, places, strict=True):
        others = [r for r in stored.get(key, []) if r.id not in claimed]
        if where.row is None and len(others) == 1:
            where.row = others[0]
            claimed.add(others[0].id)
    if own is not None:
        for index, (key, where) in enumerate(zip(keys, places, strict=True)):
            if where.row is not None and where.row.agent_id != own.id:
                raise NotFound(
                    f"no conversation {key[1]!r} from {key[0]!r} of yours",
                    field=_field(index, len(places), "external_id"),
                )


def _stored(
    session: Session, keys: Sequence[tuple[str, str]], scopes: list[int] | None
) -> dict[tuple[str, str], list[StoredRow]]:
    """The stored conversations with these keys, in `scopes` only unless it is None."""
    found: dict[tuple[str, str], list[StoredRow]] = defaultdict(list)
    by_source: dict[str, list[str]] = defaultdict(list)
    for source, external_id in keys:
        by_source[source].append(external_id)
    for source, ids in sorted(by_source.items()):
        for start in range(0, len(ids), CHUNK):
            stmt = select(
                ConversationRow.external_id,
                ConversationRow.id,
                ConversationRow.body_digest,
                ConversationRow.occurred_at,
                ConversationRow.scope,
                ConversationRow.agent_id,
            ).where(
                ConversationRow.source == source,
                ConversationRow.external_id.in_(ids[start : start + CHUNK]),
            )
            if scopes is not None:
                stmt = stmt.where(ConversationRow.scope.in_(scopes or [-1]))
            for external_id, *row in session.execute(stmt.order_by(ConversationRow.id)):
                found[(source, external_id)].append(StoredRow(*row))
    return found
