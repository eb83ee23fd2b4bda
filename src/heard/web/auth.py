"""Sign-in for the web app: bearer API tokens, the session cookie, signed survey links and
signed agent-panel keys."""

from __future__ import annotations

from dataclasses import dataclass

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
    found = store.verify_token(token.strip())
    if found is None:
        raise BadCredentials("the token is unknown, revoked, or its user is inactive")
    user, scopes = found
    return Principal(user=user, scopes=frozenset(scopes), via="token")


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
    try:
        data = _panel_serializer(settings).loads(key, max_age=settings.panel_link_hours * 3600)
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
    return Principal(user=user, scopes=frozenset({Scope.READ}), via="panel", live=live)
