"""The people who use the team app, and what an admin changes about them: users created (an
agent linked to their agent record, a lead to the teams they lead), read and (de)activated; a
user's name, role and teams; a password changed by its owner (who knows the current one); and
one-time reset links an admin issues, kept as SHA-256 hashes like API tokens, that expire and
work once. Every change is audited; the rule that some active admin stays able to act holds
throughout (`heard.store.access`). Functions take the `Store`, as `heard.store.saved_views`
does."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from heard.store import access, audit_log, credentials
from heard.store.clock import from_db
from heard.store.errors import Conflict, Invalid, NotFound, StoreError
from heard.store.records import Scope, UserRecord, UserRole
from heard.store.redaction import free_text, with_note
from heard.store.tables import (
    AgentRow,
    ApiTokenRow,
    PasswordResetRow,
    SignInSessionRow,
    TeamLeadRow,
    TeamRow,
    UserRow,
)

if TYPE_CHECKING:
    from heard.store.repository import Store
    from heard.store.signins import Hasher

PASSWORD_MIN = 8
"""The fewest characters of a password (as `create_user` asks)."""
PASSWORD_MAX = 1000
"""The most characters of a password (the sign-in form's limit)."""
NAME_LENGTH = 200
"""A user's or team's name (`users.name`, `teams.name`)."""
MAX_TEAMS = 50
"""The most teams one lead leads."""
RESET_SECRET_BYTES = 32
"""Random bytes of a reset link's secret (the link carries it; the store keeps its SHA-256)."""


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class ResetLinkUnusable(StoreError):
    """A reset link heard made that no longer works: used already, replaced by a newer one,
    expired, or its user deactivated (the web page answers 410)."""

    code = "expired"


class ResetLink(BaseModel):
    """A password reset link as the store keeps it (never its secret)."""

    id: int
    user_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


def check_password(password: str, *, field: str = "password") -> None:
    """Invalid (in words a person reads) unless `password` is 8 to 1,000 characters."""
    if len(password) < PASSWORD_MIN:
        raise Invalid(
            f"A password needs at least {PASSWORD_MIN} characters; this one has {len(password)}.",
            field=field,
        )
    if len(password) > PASSWORD_MAX:
        raise Invalid(f"A password is at most {PASSWORD_MAX:,} characters.", field=field)


def clean_teams(teams: Iterable[str]) -> list[str]:
    """Team names as kept: spaces at the ends dropped, empty ones and repeats left out."""
    found: list[str] = []
    for team in teams:
        name = " ".join(team.split())
        if not name:
            continue
        if len(name) > NAME_LENGTH:
            raise Invalid(f"A team's name is at most {NAME_LENGTH} characters.", field="teams")
        if any(not c.isprintable() for c in name):
            raise Invalid("A team's name cannot hold control characters.", field="teams")
        if name not in found:
            found.append(name)
    if len(found) > MAX_TEAMS:
        raise Invalid(f"A lead leads at most {MAX_TEAMS} teams.", field="teams")
    return found


# --- users: created, read, (de)activated -------------------------------------------------------


def user_record(session: Session, row: UserRow) -> UserRecord:
    """The record of a stored user, with their agent and teams."""
    return user_record_with(row, credentials.links(session, [row])[row.id])


def user_record_with(row: UserRow, links: credentials.Links) -> UserRecord:
    """The record of a stored user whose agent and teams are at hand (`credentials.links`)."""
    agent_id, teams = links
    return UserRecord(
        id=row.id,
        email=row.email,
        name=row.name,
        role=UserRole(row.role),
        active=row.active,
        agent_id=agent_id,
        team_ids=teams,
        created_at=from_db(row.created_at),  # type: ignore[arg-type]
    )


def create_user(
    store: Store,
    email: str,
    *,
    role: UserRole,
    password: str | None = None,
    name: str | None = None,
    agent_external_id: str | None = None,
    teams: Iterable[str] = (),
    by: int | None = None,
) -> UserRecord:
    """A user; an agent is linked to the agent row `agent_external_id` (created when new,
    in the first of `teams`); a lead leads `teams` (created when new)."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise Invalid(f"{email!r} is not an email address", field="email")
    if password is not None and len(password) < 8:
        raise Invalid("a password needs at least 8 characters", field="password")
    teams = [t.strip() for t in teams if t.strip()]
    if agent_external_id is not None and role != UserRole.AGENT:
        raise Invalid("only agents are linked to an agent id", field="agent_id")
    redacted = None
    if name is not None:
        name, redacted = free_text(name, redact=store.redact, limit=NAME_LENGTH)
    try:
        with store._session() as session:
            if session.scalar(select(UserRow.id).where(UserRow.email == email)) is not None:
                raise Conflict(f"a user {email} already exists", field="email")
            row = UserRow(
                email=email,
                name=name,
                role=role.value,
                password_hash=store.hasher.hash(password) if password else None,
                active=True,
                created_at=now(),
            )
            session.add(row)
            session.flush()
            team_ids = [store._team_id(session, t) for t in teams]
            if role == UserRole.AGENT:
                agent = user_agent(
                    session, agent_external_id or email, name, team_ids[0] if team_ids else None
                )
                agent.user_id = row.id
                session.flush()
            elif role == UserRole.LEAD:
                session.add_all(TeamLeadRow(user_id=row.id, team_id=t) for t in team_ids)
                session.flush()
            detail = with_note(f"{email} as {role.value}", redacted)
            audit_log.write(session, by, "create", "user", str(row.id), detail)
            return user_record(session, row)
    except IntegrityError as exc:
        raise Conflict(f"a user {email} already exists", field="email") from exc


def user_agent(session: Session, external: str, name: str | None, team_id: int | None) -> AgentRow:
    """The agent row a new agent user is linked to: the agent with this external id in
    `team_id` (or without a team, who joins it), else — no team given — the one agent with
    this id in any team; created when there is none (agent ids hold within a team)."""
    rows = list(
        session.scalars(
            select(AgentRow).where(AgentRow.external_id == external).order_by(AgentRow.id)
        )
    )
    if team_id is not None:
        rows = [r for r in rows if r.team_id in (team_id, None)]
        rows.sort(key=lambda r: r.team_id is None)  # the team's own agent first
    elif len(rows) > 1:
        raise Invalid(
            f"agent {external} is in {len(rows)} teams: name the team (teams)", field="teams"
        )
    agent = rows[0] if rows else None
    if agent is None:
        agent = AgentRow(external_id=external, name=name, team_id=team_id, scope=team_id or 0)
        session.add(agent)
    elif agent.user_id is not None:
        raise Conflict(f"agent {external} already has a user", field="agent_id")
    elif team_id is not None and agent.team_id is None:
        agent.team_id = team_id
        agent.scope = team_id
    return agent


def list_users(store: Store) -> list[UserRecord]:
    with store._session() as session:
        return [
            user_record(session, r) for r in session.scalars(select(UserRow).order_by(UserRow.id))
        ]


def get_user(store: Store, user_id: int) -> UserRecord:
    with store._session() as session:
        row = session.get(UserRow, user_id)
        if row is None:
            raise NotFound(f"no user {user_id}", field="user_id")
        return user_record(session, row)


def user_by_email(store: Store, email: str) -> UserRecord:
    with store._session() as session:
        row = session.scalars(
            select(UserRow).where(UserRow.email == email.strip().lower())
        ).one_or_none()
        if row is None:
            raise NotFound(f"no user {email}", field="email")
        return user_record(session, row)


def set_active(store: Store, user_id: int, *, active: bool, by: int | None = None) -> UserRecord:
    """Deactivate (or reactivate) a user: a deactivated user's sessions are revoked and
    their tokens refused. Refused (Conflict) when it would leave no active admin able to
    act, the caller included."""
    with store._session() as session:
        access.lock_admins(session)
        row = session.get(UserRow, user_id)
        if row is None:
            raise NotFound(f"no user {user_id}", field="user_id")
        was_admin = row.active and row.role == UserRole.ADMIN.value
        row.active = active
        if not active:
            if was_admin:
                access.keep_an_admin(session, field="active")
            ended = access.revoke_sessions(session, user_id=user_id)
            detail = f"{ended} sessions revoked" if ended else None
        else:
            detail = None
        audit_log.write(
            session, by, "activate" if active else "deactivate", "user", str(user_id), detail
        )
        return user_record(session, row)


# --- name, role and teams ----------------------------------------------------------------------


def _team_names(session: Session, team_ids: list[int]) -> list[str]:
    if not team_ids:
        return []
    names = dict(
        session.execute(select(TeamRow.id, TeamRow.name).where(TeamRow.id.in_(team_ids))).all()
    )
    return [names[t] for t in team_ids if t in names]


def edit_user(
    store: Store,
    user_id: int,
    *,
    name: str | None = None,
    role: UserRole | None = None,
    teams: Iterable[str] | None = None,
    agent_external_id: str | None = None,
    by: int | None = None,
) -> UserRecord:
    """Change a user's name (`""` clears it), role and teams (None: keep). A lead leads
    `teams` (created when new); an agent is in at most one, the team of the agent record
    their user is linked to (linked to the record with the same agent id in that team,
    created when new; a user becoming an agent is linked to `agent_external_id`, default
    their email, as `create_user` does); an admin is in none (teams given are ignored).
    An agent who becomes a lead or admin is unlinked from their agent record (their
    conversations stay). An admin who stops being one loses their admin-scoped tokens;
    refused (Conflict) when no active admin would be left able to act. Audited as `edit`
    with what changed; nothing changed, nothing written."""
    kept_name = redacted = None
    if name is not None:
        cleaned = " ".join(name.split())
        if len(cleaned) > NAME_LENGTH:
            raise Invalid(f"A name is at most {NAME_LENGTH} characters.", field="name")
        kept_name, redacted = free_text(cleaned, redact=store.redact, limit=NAME_LENGTH)
    wanted_teams = None if teams is None else clean_teams(teams)
    with store._session() as session:
        access.lock_admins(session)
        row = session.get(UserRow, user_id)
        if row is None:
            raise NotFound(f"no user {user_id}", field="user_id")
        old_role = UserRole(row.role)
        new_role = role or old_role
        agent_id, team_ids = credentials.links(session, [row])[row.id]
        old_teams = _team_names(session, team_ids)
        new_teams = old_teams if wanted_teams is None else wanted_teams
        if new_role == UserRole.ADMIN:
            new_teams = []
        if new_role == UserRole.AGENT and len(new_teams) > 1:
            raise Invalid("An agent is in one team: choose one.", field="teams")
        changes: list[str] = []
        if name is not None and (kept_name or None) != row.name:
            row.name = kept_name or None
            changes.append("name changed")
        if new_role != old_role:
            row.role = new_role.value
            changes.append(f"role {old_role.value} → {new_role.value}")
        if new_teams != old_teams or new_role != old_role:
            _place(
                store,
                session,
                row,
                new_role,
                new_teams,
                agent_id=agent_id,
                external=agent_external_id or row.email,
            )
            if new_teams != old_teams:
                changes.append(
                    f"teams {', '.join(old_teams) or 'none'} → {', '.join(new_teams) or 'none'}"
                )
        if old_role == UserRole.ADMIN and new_role != UserRole.ADMIN:
            revoked = _revoke_admin_tokens(session, row.id)
            if revoked:
                changes.append(f"{revoked} admin tokens revoked")
            if row.active:
                access.keep_an_admin(session, field="role")
        if not changes:
            return user_record(session, row)
        session.flush()
        detail = with_note("; ".join(changes), redacted)
        audit_log.write(session, by, "edit", "user", str(row.id), detail)
        return user_record(session, row)


def change_user(
    store: Store,
    user_id: int,
    *,
    name: str | None = None,
    role: UserRole | None = None,
    teams: Iterable[str] | None = None,
    agent_external_id: str | None = None,
    active: bool | None = None,
    by: int | None = None,
) -> UserRecord:
    """`edit_user` and `set_active` together, as the API and `heard user edit` ask (the
    admin pages send them as two forms). None keeps what is there. The teams are checked
    first; a deactivation is applied before the edit (so its refusal, Conflict when no active
    admin would be left able to act, leaves the user as they were) and an activation after
    it. The active state is written (and audited) only when it changes."""
    current = get_user(store, user_id)
    if teams is not None:
        teams = clean_teams(teams)
        if (role or current.role) == UserRole.AGENT and len(teams) > 1:
            raise Invalid("An agent is in one team: choose one.", field="teams")
    editing = any(v is not None for v in (name, role, teams, agent_external_id))
    switch = active is not None and active != current.active
    if switch and active is False:
        current = set_active(store, user_id, active=False, by=by)
    if editing:
        current = edit_user(
            store,
            user_id,
            name=name,
            role=role,
            teams=teams,
            agent_external_id=agent_external_id,
            by=by,
        )
    if switch and active is True:
        current = set_active(store, user_id, active=True, by=by)
    return current


def _place(
    store: Store,
    session: Session,
    row: UserRow,
    role: UserRole,
    teams: list[str],
    *,
    agent_id: int | None,
    external: str,
) -> None:
    """Link the user to what their role and teams say: a lead's team_leads rows, an agent's
    agent record."""
    session.execute(delete(TeamLeadRow).where(TeamLeadRow.user_id == row.id))
    team_ids = [store._team_id(session, t) for t in teams]
    if role == UserRole.LEAD:
        session.add_all(TeamLeadRow(user_id=row.id, team_id=t) for t in team_ids)
    agent = None if agent_id is None else session.get(AgentRow, agent_id)
    if role != UserRole.AGENT:
        if agent is not None:
            agent.user_id = None
        session.flush()
        return
    team_id = team_ids[0] if team_ids else None
    if agent is not None:
        if team_id is None or agent.team_id == team_id:
            session.flush()
            return
        if agent.team_id is None:
            agent.team_id = agent.scope = team_id
            session.flush()
            return
        agent.user_id = None  # another team: the agent record with this agent id there
        session.flush()
        external = agent.external_id
    linked = user_agent(session, external, row.name, team_id)
    linked.user_id = row.id
    session.flush()


def _revoke_admin_tokens(session: Session, user_id: int) -> int:
    rows = session.scalars(
        select(ApiTokenRow).where(ApiTokenRow.user_id == user_id, ApiTokenRow.revoked_at.is_(None))
    ).all()
    stamp = now()
    revoked = 0
    for token in rows:
        if Scope.ADMIN.value in token.scopes.split():
            token.revoked_at = stamp
            revoked += 1
    return revoked


# --- the owner changes their password ----------------------------------------------------------


def _revoke_other_sessions(session: Session, user_id: int, keep: int | None) -> int:
    stmt = update(SignInSessionRow).where(
        SignInSessionRow.user_id == user_id, SignInSessionRow.revoked_at.is_(None)
    )
    if keep is not None:
        stmt = stmt.where(SignInSessionRow.id != keep)
    return session.execute(stmt.values(revoked_at=now())).rowcount or 0  # type: ignore[attr-defined]


def change_password(
    store: Store,
    user_id: int,
    *,
    current: str,
    new: str,
    keep_session: int | None = None,
    hasher: Hasher | None = None,
) -> UserRecord | None:
    """Set the user's own password after checking the current one: the user, or None when
    `current` is wrong (audited as `password_change_failed`). Every other sign-in session of
    theirs is revoked (`keep_session`, the one asking, stays). The new password must be 8 to
    1,000 characters (Invalid on `new_password`). The argon2 work runs outside any
    transaction, as signing in does (`heard.store.signins`)."""
    check_password(new, field="new_password")
    hasher = hasher or store.hasher
    with store._session() as session:
        row = session.get(UserRow, user_id)
        if row is None or not row.active:
            raise NotFound(f"no user {user_id}", field="user_id")
        old_hash = row.password_hash
    right = False
    if old_hash:
        with contextlib.suppress(VerificationError, InvalidHashError):
            right = hasher.verify(old_hash, current)
    new_hash = hasher.hash(new) if right else None
    with store._session() as session:
        row = session.get(UserRow, user_id)
        if row is None or not row.active or row.password_hash != old_hash or new_hash is None:
            audit_log.write(session, user_id, "password_change_failed", "user", str(user_id), None)
            return None
        row.password_hash = new_hash
        ended = _revoke_other_sessions(session, user_id, keep_session)
        detail = f"{ended} other sessions revoked" if ended else None
        audit_log.write(session, user_id, "change_password", "user", str(user_id), detail)
        return user_record(session, row)


# --- reset links an admin issues ---------------------------------------------------------------


def _link(row: PasswordResetRow) -> ResetLink:
    return ResetLink(
        id=row.id,
        user_id=row.user_id,
        created_at=row.created_at.replace(tzinfo=UTC),
        expires_at=row.expires_at.replace(tzinfo=UTC),
        used_at=None if row.used_at is None else row.used_at.replace(tzinfo=UTC),
    )


def issue_reset(
    store: Store, user_id: int, *, hours: float, by: int | None = None
) -> tuple[ResetLink, str]:
    """A new reset link for an active user, working once for `hours`: the record and the
    secret the link carries (shown this once; only its SHA-256 is kept). The user's earlier
    unused links stop working. Audited as `issue_reset`."""
    if not 0 < hours <= 24 * 14:
        raise Invalid("A reset link works from a minute to 14 days.", field="hours")
    secret = secrets.token_urlsafe(RESET_SECRET_BYTES)
    with store._session() as session:
        user = session.get(UserRow, user_id)
        if user is None:
            raise NotFound(f"no user {user_id}", field="user_id")
        if not user.active:
            raise Invalid(
                "This user is deactivated: activate them before sending a reset link.",
                field="user_id",
            )
        stamp = now()
        replaced = session.execute(
            update(PasswordResetRow)
            .where(PasswordResetRow.user_id == user_id, PasswordResetRow.used_at.is_(None))
            .values(used_at=stamp)
        ).rowcount  # type: ignore[attr-defined]
        row = PasswordResetRow(
            user_id=user_id,
            secret_hash=secret_hash(secret),
            created_at=stamp,
            expires_at=stamp + timedelta(hours=hours),
            created_by=by,
        )
        session.add(row)
        session.flush()
        detail = f"link {row.id} until {row.expires_at:%Y-%m-%d %H:%M} UTC"
        if replaced:
            detail += f"; {replaced} earlier link{'s' if replaced != 1 else ''} replaced"
        audit_log.write(session, by, "issue_reset", "user", str(user_id), detail)
        return _link(row), secret


def reset_path(secret: str) -> str:
    """Where the team app takes a reset link's secret (the page that sets the password)."""
    return f"/reset/{secret}"


UNUSABLE = "This link has expired or was used already. Ask an admin for a new one."


def _usable(session: Session, secret: str) -> tuple[PasswordResetRow, UserRow]:
    row = session.scalars(
        select(PasswordResetRow).where(PasswordResetRow.secret_hash == secret_hash(secret))
    ).one_or_none()
    if row is None:
        raise NotFound("This password link is not one heard made.", field="link")
    user = session.get(UserRow, row.user_id)
    if row.used_at is not None or row.expires_at <= now() or user is None or not user.active:
        raise ResetLinkUnusable(UNUSABLE, field="link")
    return row, user


def reset_user(store: Store, secret: str) -> UserRecord:
    """The user a usable reset link is for; NotFound for a link heard did not make,
    ResetLinkUnusable for one used, replaced, expired or of a deactivated user."""
    with store._session() as session:
        _, user = _usable(session, secret)
        return user_record(session, user)


def use_reset(
    store: Store, secret: str, *, password: str, hasher: Hasher | None = None
) -> UserRecord:
    """Set the user's password through a reset link, once: the link is spent by a conditional
    update, so two uses at the same moment cannot both succeed. Every sign-in session of the
    user is revoked. Audited as `reset_password` by the user."""
    check_password(password, field="password")
    with store._session() as session:
        _usable(session, secret)
    new_hash = (hasher or store.hasher).hash(password)  # outside any transaction
    with store._session() as session:
        row, user = _usable(session, secret)
        spent = session.execute(
            update(PasswordResetRow)
            .where(PasswordResetRow.id == row.id, PasswordResetRow.used_at.is_(None))
            .values(used_at=now())
        ).rowcount  # type: ignore[attr-defined]
        if spent != 1:
            raise ResetLinkUnusable(UNUSABLE, field="link")
        user.password_hash = new_hash
        ended = _revoke_other_sessions(session, user.id, None)
        detail = f"link {row.id}" + (f"; {ended} sessions revoked" if ended else "")
        audit_log.write(session, user.id, "reset_password", "user", str(user.id), detail)
        return user_record(session, user)


def reset_links(store: Store, user_id: int) -> list[ResetLink]:
    """The user's reset links, newest first (what an admin sees: never a secret)."""
    with store._session() as session:
        rows = session.scalars(
            select(PasswordResetRow)
            .where(PasswordResetRow.user_id == user_id)
            .order_by(PasswordResetRow.id.desc())
        )
        return [_link(r) for r in rows]
