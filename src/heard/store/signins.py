"""Signing in: checking a password (`verify_password`), and what the audit log keeps of a
failed one: the user it was for, or, for an email that is no user's, a digest and a masked form
of it (never the email as typed), and the address; then the browser's sign-in session, kept by
the server (`start_session`, `session_user`, `end_session`, `valid_session_ids`; the rules are
`heard.store.access`'s)."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from heard.store import access, accounts, audit_log
from heard.store.access import Lifetimes
from heard.store.tables import UserRow

if TYPE_CHECKING:
    from heard.store.records import UserRecord
    from heard.store.repository import Store


class Hasher(Protocol):
    """What checking a password needs of argon2's `PasswordHasher`."""

    def hash(self, password: str) -> str: ...

    def verify(self, hash: str, password: str) -> bool: ...

    def check_needs_rehash(self, hash: str) -> bool: ...


FAILED = "sign_in_failed"
"""The audit action of a failed sign-in."""


def _printable(text: str) -> str:
    """`text` without control characters or lone surrogates (neither database stores them)."""
    return "".join(c for c in text if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF)


def email_digest(email: str) -> str:
    """A short digest of a normalised email: the same typed email gives the same digest, so
    repeated tries on one unknown email can be told apart from many different ones."""
    normal = email.strip().lower().encode("utf-8", "surrogatepass")
    return "sha256:" + hashlib.sha256(normal).hexdigest()[:16]


def masked_email(email: str) -> str:
    """The first character of the local part and the domain: `j…@example.com`."""
    local, at, domain = _printable(email.strip().lower()).rpartition("@")
    if not at:
        return (domain[:1] + "…") if domain else "…"
    return f"{local[:1]}…@{domain[:100]}"


def origin(address: str | None) -> str | None:
    """The audit detail naming where a sign-in came from: `from 203.0.113.9`."""
    return f"from {_printable(address)[:64]}" if address else None


def failure(
    *, user_id: int | None, email: str, reason: str, address: str | None
) -> tuple[str, str, str]:
    """(object type, object id, detail) of the audit entry of a failed sign-in."""
    where = f" {origin(address)}" if address else ""
    if user_id is not None:
        return "user", str(user_id), f"{reason}{where}"
    return "email", email_digest(email), f"{reason} {masked_email(email)}{where}"


def _check_decoy(store: Store, hasher: Hasher, password: str) -> None:
    """One argon2 check of `password` against a hash of a random password made once with the
    store's hasher: what checking a known user's password costs."""
    if store.decoy_hash is None:
        store.decoy_hash = hasher.hash(secrets.token_urlsafe(24))
    with contextlib.suppress(VerificationError, InvalidHashError):
        hasher.verify(store.decoy_hash, password)


def verify_password(
    store: Store,
    email: str,
    password: str,
    *,
    address: str | None = None,
    hasher: Hasher | None = None,
) -> UserRecord | None:
    """The active user with this email and password, or None.

    Every failure is audited (`FAILED`, see `failure`). An unknown email costs one argon2 check,
    as a known one does (no timing hint). The check runs outside any transaction: no database
    connection (nor SQLite's write lock) is held for its ~0.1 s. `hasher` does the argon2
    work (default: the store's; the web app passes it run at low priority)."""
    hasher = hasher or store.hasher
    with store._session() as session:
        row = session.scalars(
            select(UserRow).where(UserRow.email == email.strip().lower())
        ).one_or_none()
        found = None if row is None else (row.id, row.active, row.password_hash)
    reason = None
    rehashed = None
    if found is None or not found[1] or not found[2]:
        _check_decoy(store, hasher, password)
        reason = "unknown email" if found is None else "inactive or without password"
    else:
        try:
            hasher.verify(found[2], password)
        except (VerificationError, InvalidHashError):
            reason = "wrong password"
        else:
            if hasher.check_needs_rehash(found[2]):
                rehashed = hasher.hash(password)
    with store._session() as session:
        row = None if found is None else session.get(UserRow, found[0])
        if reason is None and (row is None or not row.active or row.password_hash != found[2]):
            reason = "changed while signing in"  # deactivated, or a new password, meanwhile
        if reason is not None:
            user_id = None if found is None else found[0]
            what = failure(user_id=user_id, email=email, reason=reason, address=address)
            audit_log.write(session, None, FAILED, *what)
            return None
        assert row is not None
        if rehashed is not None:
            row.password_hash = rehashed
        audit_log.write(session, row.id, "sign_in", "user", str(row.id), origin(address))
        return accounts.user_record(session, row)


# --- sign-in sessions --------------------------------------------------------------------------


def start_session(store: Store, user_id: int, *, lifetimes: Lifetimes) -> tuple[int, str]:
    """A new sign-in session of the user: (its id, the secret the cookie carries; only
    its hash is kept)."""
    with store._session() as session:
        return access.start_session(session, user_id, lifetimes)


def session_user(
    store: Store, secret: str, *, lifetimes: Lifetimes
) -> tuple[UserRecord, int] | None:
    """The active user of the live session that `secret` opens, and the session's id; None
    when it is unknown, revoked, expired, or the user is inactive."""
    with store._session() as session:
        found = access.session_by_secret(session, secret, lifetimes)
        if found is None:
            return None
        row, user = found
        return accounts.user_record(session, user), row.id


def end_session(store: Store, session_id: int, *, by: int | None = None) -> None:
    """Sign-out: revoke the session, so its cookie, copied or not, stops working."""
    with store._session() as session:
        if access.revoke_sessions(session, session_id=session_id):
            audit_log.write(session, by, "sign_out", "session", str(session_id), None)


def valid_session_ids(store: Store, session_ids: Iterable[int]) -> set[int]:
    """Which of `session_ids` (`Principal.session_id`) are still live: not revoked (sign-out,
    user deactivated), not expired, their user active. One query per 500 ids, no writes:
    for re-checking many open connections at once."""
    with store._session() as session:
        return access.valid_session_ids(session, session_ids)
