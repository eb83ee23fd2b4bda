"""Who may still act: browser sign-in sessions kept by the server (revoked on sign-out and when
the user is deactivated, ended by idle and absolute lifetimes), and the rule that some active
admin stays able to act (a password to sign in with, or a live admin token). `heard.store.signins`,
`accounts` and `api_tokens` call these inside their own transactions."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.orm import Session

from heard.store.errors import Conflict
from heard.store.records import Scope, UserRole
from heard.store.tables import ApiTokenRow, SignInSessionRow, UserRow

SESSION_SECRET_BYTES = 32
"""Random bytes of a session's secret (the cookie carries it; the store keeps its SHA-256)."""

SEEN_EVERY = timedelta(minutes=1)
"""A session's last use is written at most this often: not a write per request."""

VALID_IDS_CHUNK = 500
"""Session ids checked per statement by `valid_session_ids`."""


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Lifetimes:
    """How long a sign-in session lasts: `idle` without a request, `absolute` after sign-in."""

    idle: timedelta
    absolute: timedelta

    def expiry(self, created_at: datetime, seen_at: datetime) -> datetime:
        return min(created_at + self.absolute, seen_at + self.idle)


# --- sign-in sessions --------------------------------------------------------------------------


def start_session(session: Session, user_id: int, lifetimes: Lifetimes) -> tuple[int, str]:
    """A new sign-in session of the user: (its id, the secret for the cookie). The user's ended
    sessions (revoked or expired) are deleted on the way."""
    stamp = now()
    session.execute(
        delete(SignInSessionRow).where(
            SignInSessionRow.user_id == user_id,
            or_(SignInSessionRow.revoked_at.is_not(None), SignInSessionRow.expires_at <= stamp),
        )
    )
    secret = secrets.token_urlsafe(SESSION_SECRET_BYTES)
    row = SignInSessionRow(
        secret_hash=secret_hash(secret),
        user_id=user_id,
        created_at=stamp,
        last_seen_at=stamp,
        expires_at=lifetimes.expiry(stamp, stamp),
    )
    session.add(row)
    session.flush()
    return row.id, secret


def session_by_secret(
    session: Session, secret: str, lifetimes: Lifetimes
) -> tuple[SignInSessionRow, UserRow] | None:
    """The live session a cookie's secret opens and its active user, or None. Its last use and
    expiry are moved on when the last write is over `SEEN_EVERY` old."""
    stamp = now()
    found = session.execute(
        select(SignInSessionRow, UserRow)
        .join(UserRow, UserRow.id == SignInSessionRow.user_id)
        .where(SignInSessionRow.secret_hash == secret_hash(secret))
    ).one_or_none()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or row.expires_at <= stamp or not user.active:
        return None
    if stamp - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = stamp
        row.expires_at = lifetimes.expiry(row.created_at, stamp)
    return row, user


def revoke_sessions(
    session: Session, *, session_id: int | None = None, user_id: int | None = None
) -> int:
    """Revoke one session (`session_id`) or every live one of a user (`user_id`); how many."""
    stmt = update(SignInSessionRow).where(SignInSessionRow.revoked_at.is_(None))
    if session_id is not None:
        stmt = stmt.where(SignInSessionRow.id == session_id)
    if user_id is not None:
        stmt = stmt.where(SignInSessionRow.user_id == user_id)
    return session.execute(stmt.values(revoked_at=now())).rowcount or 0  # type: ignore[attr-defined]


def valid_session_ids(session: Session, session_ids: Iterable[int]) -> set[int]:
    """Those of `session_ids` that are still live: not revoked, not expired, user active."""
    wanted = sorted(set(session_ids))
    stamp = now()
    valid: set[int] = set()
    for start in range(0, len(wanted), VALID_IDS_CHUNK):
        chunk = wanted[start : start + VALID_IDS_CHUNK]
        valid.update(
            session.scalars(
                select(SignInSessionRow.id)
                .join(UserRow, UserRow.id == SignInSessionRow.user_id)
                .where(
                    SignInSessionRow.id.in_(chunk),
                    SignInSessionRow.revoked_at.is_(None),
                    SignInSessionRow.expires_at > stamp,
                    UserRow.active.is_(True),
                )
            )
        )
    return valid


# --- some admin stays able to act --------------------------------------------------------------

LAST_ADMIN = (
    "no active admin would be left able to act (an active admin needs a password or an "
    "unrevoked, unexpired admin token): make another admin first"
)


def lock_admins(session: Session) -> None:
    """Make the admin rule's check and the change it guards one step: the first statement of
    the transaction. On PostgreSQL the admins' rows are locked in id order (two admins
    deactivating each other at once wait for one another instead of both passing the check);
    on SQLite a write takes the database's write lock before anything is read."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            select(UserRow.id)
            .where(UserRow.role == UserRole.ADMIN.value)
            .order_by(UserRow.id)
            .with_for_update()
        )
    else:
        session.execute(
            update(UserRow).where(UserRow.role == UserRole.ADMIN.value).values(role=UserRow.role)
        )


def admins_able_to_act(session: Session) -> int:
    """Active admins who can still act: with a password, or an unrevoked, unexpired token
    carrying the admin scope."""
    live_admin_token = exists().where(
        ApiTokenRow.user_id == UserRow.id,
        ApiTokenRow.revoked_at.is_(None),
        ApiTokenRow.expires_at > now(),
        ApiTokenRow.scopes.contains(Scope.ADMIN.value),
    )
    return len(
        session.scalars(
            select(UserRow.id).where(
                UserRow.role == UserRole.ADMIN.value,
                UserRow.active.is_(True),
                or_(UserRow.password_hash.is_not(None), live_admin_token),
            )
        ).all()
    )


def keep_an_admin(session: Session, *, field: str) -> None:
    """Refuse (Conflict) a change, already flushed, that leaves no active admin able to act."""
    session.flush()
    if admins_able_to_act(session) == 0:
        raise Conflict(LAST_ADMIN, field=field)
