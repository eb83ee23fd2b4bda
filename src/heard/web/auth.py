"""Sign-in for the web app: bearer API tokens, the session cookie, signed survey links and
signed agent-panel keys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from starlette.requests import HTTPConnection, Request

from heard.settings import Settings
from heard.store import Scope, Store, UserRole
from heard.store.errors import NotFound
from heard.store.records import UserRecord, Viewer

SESSION_USER = "user_id"
"""The session cookie's key that holds the signed-in user's id."""

SESSION_SCOPES = {
    UserRole.AGENT: frozenset({Scope.READ, Scope.WRITE}),
    UserRole.LEAD: frozenset({Scope.READ, Scope.WRITE}),
    UserRole.ADMIN: frozenset({Scope.READ, Scope.WRITE, Scope.ADMIN}),
}
"""What a signed-in browser may do: everything its role allows."""


@dataclass(frozen=True)
class Principal:
    """Who is calling, how they proved it, and what they may do."""

    user: UserRecord
    scopes: frozenset[Scope]
    via: str  # "token", "session" or "panel"
    live: str | None = None
    """For a panel key: the one live conversation it opens (read only); None otherwise."""
    token_id: int | None = None
    """For a bearer token: its id (what `recheck` asks the store about)."""
    expires_at: datetime | None = None
    """When the credentials stop working by themselves (a panel key), None when never."""

    @property
    def viewer(self) -> Viewer:
        return self.user.viewer()

    @property
    def role(self) -> UserRole:
        return self.user.role


class BadCredentials(Exception):
    """An Authorization header that is malformed, unknown, revoked or of an inactive user."""


def from_bearer(store: Store, authorization: str) -> Principal:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise BadCredentials("the Authorization header must be 'Bearer <token>'")
    found = store.authenticate_token(token.strip())
    if found is None:
        raise BadCredentials("the token is unknown, revoked, or its user is inactive")
    user, record = found
    return Principal(user=user, scopes=frozenset(record.scopes), via="token", token_id=record.id)


def from_session(store: Store, request: HTTPConnection) -> Principal | None:
    user_id = request.session.get(SESSION_USER) if "session" in request.scope else None
    if not isinstance(user_id, int):
        return None
    try:
        user = store.get_user(user_id)
    except NotFound:
        return None
    if not user.active:
        return None
    return Principal(user=user, scopes=SESSION_SCOPES[user.role], via="session")


def sign_in(request: Request, user: UserRecord) -> None:
    """Remember the user in the session cookie (a fresh session: nothing from before is kept)."""
    request.session.clear()
    request.session[SESSION_USER] = user.id


def sign_out(request: Request) -> None:
    request.session.clear()


def _survey_serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.key(), salt="heard.survey")


def survey_token(settings: Settings, conversation_id: int) -> str:
    """The signed token of a conversation's survey link (`/survey/{token}`)."""
    return _survey_serializer(settings).dumps({"conversation": conversation_id})


def survey_conversation(settings: Settings, token: str) -> int | None:
    """The conversation a survey token was signed for, or None when the signature is bad."""
    try:
        data = _survey_serializer(settings).loads(token)
    except BadSignature:
        return None
    value = data.get("conversation") if isinstance(data, dict) else None
    return value if isinstance(value, int) else None


PANEL_HEADER = "X-Heard-Panel-Key"
"""The header (or `?key=` on the page and the watch socket) carrying an agent-panel key."""


def _panel_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.key(), salt="heard.panel")


def panel_key(settings: Settings, conversation_id: str, user_id: int) -> str:
    """A signed key that opens one live conversation's agent panel as `user_id`, read only,
    for `settings.panel_link_hours`: for a panel framed by another site, where the browser
    does not send heard's `SameSite=Lax` session cookie."""
    return _panel_serializer(settings).dumps({"c": conversation_id, "u": user_id})


def from_panel_key(
    store: Store, settings: Settings, key: str, conversation_id: str | None
) -> Principal:
    """The read-only caller a panel key stands for (BadCredentials when it is forged, expired,
    for another conversation than `conversation_id`, or its user is gone or inactive; with
    `conversation_id` None, a key for any conversation will do)."""
    lifetime = settings.panel_link_hours * 3600
    try:
        data, signed = _panel_serializer(settings).loads(
            key, max_age=lifetime, return_timestamp=True
        )
    except SignatureExpired:
        raise BadCredentials("the panel key has expired: open the panel link again") from None
    except BadSignature:
        raise BadCredentials("the panel key is not one heard signed") from None
    live = data.get("c") if isinstance(data, dict) else None
    user_id = data.get("u") if isinstance(data, dict) else None
    if not isinstance(live, str) or not isinstance(user_id, int):
        raise BadCredentials("the panel key is not one heard signed")
    if conversation_id is not None and live != conversation_id:
        raise BadCredentials("the panel key is for another conversation")
    try:
        user = store.get_user(user_id)
    except NotFound:
        raise BadCredentials("the panel key's user no longer exists") from None
    if not user.active:
        raise BadCredentials("the panel key's user is inactive")
    return Principal(
        user=user,
        scopes=frozenset({Scope.READ}),
        via="panel",
        live=live,
        expires_at=signed + timedelta(seconds=lifetime),
    )


@dataclass(frozen=True)
class Lapse:
    """Why credentials that signed a caller in no longer stand."""

    code: Literal["unauthorised", "forbidden"]
    """unauthorised: the credentials no longer work; forbidden: they work, but no longer
    allow what they were used for."""
    message: str


def recheck(store: Store, principals: Sequence[Principal]) -> list[Principal | Lapse]:
    """Each principal as its credentials stand now, in one batch (a few queries however many
    there are): a fresh Principal — the user's role, agent and teams as stored now, a
    session's scopes following the role — or the Lapse that says why the credentials no
    longer stand: a revoked or expired token, a deactivated or deleted user, an expired
    panel key. The open live sockets call it every half second (heard.web.sockets)."""
    standing = store.standing(
        token_ids={p.token_id for p in principals if p.token_id is not None},
        user_ids={p.user.id for p in principals},
    )
    stamp = datetime.now(UTC)
    found: list[Principal | Lapse] = []
    for principal in principals:
        user = standing.users.get(principal.user.id)
        if principal.token_id is not None and principal.token_id not in standing.tokens:
            found.append(Lapse("unauthorised", "the token was revoked or has expired"))
        elif principal.expires_at is not None and principal.expires_at <= stamp:
            what = "the panel key has" if principal.via == "panel" else "the credentials have"
            found.append(Lapse("unauthorised", f"{what} expired"))
        elif user is None:
            found.append(Lapse("unauthorised", "the user no longer exists"))
        elif not user.active:
            found.append(Lapse("unauthorised", "the user was deactivated"))
        else:
            scopes = SESSION_SCOPES[user.role] if principal.via == "session" else principal.scopes
            found.append(replace(principal, user=user, scopes=scopes))
    return found
