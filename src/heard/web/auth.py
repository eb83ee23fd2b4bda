"""Sign-in for the web app: bearer API tokens, the session cookie (naming a sign-in session kept
by the store), signed survey links that expire, and signed agent-panel keys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from starlette.requests import HTTPConnection, Request

from heard.settings import Settings
from heard.store import Scope, Store, UserRole, accounts, api_tokens, signins
from heard.store.access import Lifetimes
from heard.store.errors import NotFound
from heard.store.records import UserRecord, Viewer

SESSION_SECRET = "sid"
"""The session cookie's key that holds the secret of its sign-in session (the store keeps the
secret's hash, the user and the session's lifetimes; cookies from before held `user_id`, which
nothing reads any more)."""

PRINCIPAL_KEY = "heard.principal"
"""Where the request keeps the caller its session cookie named, once looked up."""

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
    session_id: int | None = None
    """For a session cookie: the store's id of the sign-in session (`signins.valid_session_ids`
    says whether it is still live); None otherwise."""
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
    found = api_tokens.authenticate_token(store, token.strip())
    if found is None:
        raise BadCredentials("the token is unknown, revoked, expired, or its user is inactive")
    user, record = found
    return Principal(user=user, scopes=frozenset(record.scopes), via="token", token_id=record.id)


def session_lifetimes(settings: Settings) -> Lifetimes:
    return Lifetimes(
        idle=timedelta(hours=settings.session_idle_hours),
        absolute=timedelta(hours=settings.session_max_hours),
    )


def from_session(store: Store, request: HTTPConnection) -> Principal | None:
    """The signed-in caller of the session cookie, or None: no cookie, or its sign-in session
    is unknown, revoked (signed out, user deactivated), expired, or its user inactive. Looked up
    once a request."""
    if PRINCIPAL_KEY in request.scope:
        return request.scope[PRINCIPAL_KEY]
    secret = request.session.get(SESSION_SECRET) if "session" in request.scope else None
    principal = None
    if isinstance(secret, str) and secret:
        settings: Settings = request.app.state.settings
        found = signins.session_user(store, secret, lifetimes=session_lifetimes(settings))
        if found is not None:
            user, session_id = found
            principal = Principal(
                user=user, scopes=SESSION_SCOPES[user.role], via="session", session_id=session_id
            )
    request.scope[PRINCIPAL_KEY] = principal
    return principal


def sign_in(request: Request, store: Store, user: UserRecord) -> None:
    """Start a sign-in session and name it in a fresh cookie (nothing from before is kept; the
    session the cookie named before, if any, is revoked)."""
    sign_out(request, store)
    settings: Settings = request.app.state.settings
    _, secret = signins.start_session(store, user.id, lifetimes=session_lifetimes(settings))
    request.session[SESSION_SECRET] = secret


def sign_out(request: Request, store: Store) -> None:
    """Revoke the cookie's sign-in session (a copy of the cookie stops working too) and empty
    the cookie."""
    principal = from_session(store, request)
    if principal is not None and principal.session_id is not None:
        signins.end_session(store, principal.session_id, by=principal.user.id)
    request.session.clear()
    request.scope[PRINCIPAL_KEY] = None


SURVEY_SALT = "heard.survey"


class SurveyLinkExpired(Exception):
    """A survey link heard signed that no longer works: older than `survey_link_days`, or made
    before links expired (those carried no time and are refused)."""


def _survey_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.key(), salt=SURVEY_SALT)


def survey_token(settings: Settings, conversation_id: int) -> str:
    """The signed, timed token of a conversation's survey link (`/survey/{token}`); it works for
    `settings.survey_link_days`."""
    return _survey_serializer(settings).dumps({"conversation": conversation_id})


def survey_conversation(settings: Settings, token: str) -> int | None:
    """The conversation a survey token was signed for; None when heard did not sign it;
    SurveyLinkExpired when it did, but the link has expired (or carries no time: made before
    links expired)."""
    try:
        data = _survey_serializer(settings).loads(
            token, max_age=settings.survey_link_days * 24 * 3600
        )
    except SignatureExpired:
        raise SurveyLinkExpired("this survey link has expired") from None
    except BadSignature:
        try:  # a link from before links expired: signed, untimed
            URLSafeSerializer(settings.key(), salt=SURVEY_SALT).loads(token)
        except BadSignature:
            return None
        raise SurveyLinkExpired("this survey link has expired") from None
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
        user = accounts.get_user(store, user_id)
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
    longer stand: a revoked or expired token, a signed-out or expired sign-in session, a
    deactivated or deleted user, an expired panel key. The open live sockets call it every
    half second (heard.web.sockets)."""
    standing = api_tokens.standing(
        store,
        token_ids={p.token_id for p in principals if p.token_id is not None},
        user_ids={p.user.id for p in principals},
        session_ids={p.session_id for p in principals if p.session_id is not None},
    )
    stamp = datetime.now(UTC)
    found: list[Principal | Lapse] = []
    for principal in principals:
        user = standing.users.get(principal.user.id)
        if principal.token_id is not None and principal.token_id not in standing.tokens:
            found.append(Lapse("unauthorised", "the token was revoked or has expired"))
        elif principal.session_id is not None and principal.session_id not in standing.sessions:
            found.append(Lapse("unauthorised", "the sign-in session ended (signed out or expired)"))
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
