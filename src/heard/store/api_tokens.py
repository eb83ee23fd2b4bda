"""API tokens: made for a user with scopes and a lifetime (shown once, kept as SHA-256), used to
sign in until revoked or expired, listed and revoked (never the last thing that lets an active
admin act, see `heard.store.access`); and how credentials stand now (`standing`: tokens, users
and sign-in sessions checked many at once, the open live sockets' re-check). Made and revoked
tokens are audited."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from heard.store import access, accounts, audit_log, credentials
from heard.store.clock import from_db, now
from heard.store.errors import Invalid, NotFound
from heard.store.records import Scope, Standing, TokenRecord, UserRecord, UserRole
from heard.store.redaction import free_text, with_note
from heard.store.tables import ApiTokenRow, UserRow

if TYPE_CHECKING:
    from heard.store.repository import Store

NAME_LENGTH = 200
"""A token's name (`api_tokens.name`)."""
TOKEN_PREFIX = "heard_"
"""What every API token starts with (a token without it is not looked up)."""
TOKEN_DAYS = 90
"""How long a new API token works unless its maker says otherwise (`HEARD_TOKEN_DAYS`)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    store: Store,
    user_id: int,
    *,
    scopes: Iterable[Scope] = (Scope.READ,),
    name: str | None = None,
    days: int = TOKEN_DAYS,
    by: int | None = None,
) -> tuple[TokenRecord, str]:
    """A new API token for the user, working for `days`: the record and the token itself
    (shown only once)."""
    chosen = sorted({Scope(s) for s in scopes}, key=list(Scope).index)
    if not chosen:
        raise Invalid("a token needs at least one scope", field="scopes")
    if not 1 <= days <= 3650:
        raise Invalid(f"a token works 1 to 3650 days, got {days}", field="days")
    redacted = None
    if name is not None:
        name, redacted = free_text(name, redact=store.redact, limit=NAME_LENGTH)
    with store._session() as session:
        user = session.get(UserRow, user_id)
        if user is None:
            raise NotFound(f"no user {user_id}", field="user_id")
        if Scope.ADMIN in chosen and user.role != UserRole.ADMIN.value:
            raise Invalid("only admins may hold an admin-scoped token", field="scopes")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        stamp = now()
        row = ApiTokenRow(
            user_id=user_id,
            token_hash=hash_token(token),
            scopes=" ".join(s.value for s in chosen),
            name=name,
            created_at=stamp,
            expires_at=stamp + timedelta(days=days),
        )
        session.add(row)
        session.flush()
        detail = with_note(f"for user {user_id}", redacted)
        audit_log.write(session, by, "create", "token", str(row.id), detail)
        return token_record(row), token


def token_record(row: ApiTokenRow) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        scopes=[Scope(s) for s in row.scopes.split()],
        created_at=from_db(row.created_at),  # type: ignore[arg-type]
        last_used_at=from_db(row.last_used_at),
        revoked_at=from_db(row.revoked_at),
        expires_at=from_db(row.expires_at),  # type: ignore[arg-type]
    )


def verify_token(store: Store, token: str) -> tuple[UserRecord, list[Scope]] | None:
    """The active user and the scopes of a usable (unrevoked, unexpired) token, or None."""
    found = authenticate_token(store, token)
    return None if found is None else (found[0], found[1].scopes)


def authenticate_token(store: Store, token: str) -> tuple[UserRecord, TokenRecord] | None:
    """The active user and the record of a usable (unrevoked, unexpired) token, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with store._session() as session:
        row = session.scalars(
            select(ApiTokenRow).where(
                ApiTokenRow.token_hash == hash_token(token), credentials.usable_token()
            )
        ).one_or_none()
        stamp = now()
        if row is None:
            return None
        user = session.get(UserRow, row.user_id)
        if user is None or not user.active:
            return None
        if row.last_used_at is None or stamp - row.last_used_at > timedelta(minutes=1):
            row.last_used_at = stamp
        return accounts.user_record(session, user), token_record(row)


def standing(
    store: Store,
    *,
    token_ids: Collection[int] = (),
    user_ids: Collection[int] = (),
    session_ids: Collection[int] = (),
) -> Standing:
    """How credentials stand now, in a few queries however many are asked about: the
    usable tokens among `token_ids`, the users among `user_ids` as stored now (their
    active flag, role, agent and teams) and the live sign-in sessions among
    `session_ids`. The open live sockets' re-check."""
    with store._session() as session:
        rows = credentials.user_rows(session, user_ids)
        links = credentials.links(session, rows)
        return Standing(
            tokens=credentials.usable_tokens(session, token_ids),
            users={row.id: accounts.user_record_with(row, links[row.id]) for row in rows},
            sessions=access.valid_session_ids(session, session_ids) if session_ids else set(),
        )


def list_tokens(store: Store, user_id: int | None = None) -> list[TokenRecord]:
    with store._session() as session:
        stmt = select(ApiTokenRow).order_by(ApiTokenRow.id)
        if user_id is not None:
            stmt = stmt.where(ApiTokenRow.user_id == user_id)
        return [token_record(r) for r in session.scalars(stmt)]


def revoke_token(store: Store, token_id: int, *, by: int | None = None) -> TokenRecord:
    """Revoke a token (again: no change). Refused (Conflict) when it is the last thing that
    let an active admin act (their last live admin token, and no password) and no other
    active admin could act."""
    with store._session() as session:
        access.lock_admins(session)
        row = session.get(ApiTokenRow, token_id)
        if row is None:
            raise NotFound(f"no token {token_id}", field="token_id")
        if row.revoked_at is None:
            row.revoked_at = now()
            if Scope.ADMIN.value in row.scopes.split():
                access.keep_an_admin(session, field="token_id")
            audit_log.write(session, by, "revoke", "token", str(token_id), None)
        return token_record(row)
