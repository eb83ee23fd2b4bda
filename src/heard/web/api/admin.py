"""Users, API tokens and the audit log (admins only), and the caller's own session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from heard.store import accounts, api_tokens, signins
from heard.store.audit_log import list_audit
from heard.store.records import AuditEntry, UserRecord
from heard.web.api.conversations import ERRORS
from heard.web.api.filters import Id, IdQuery
from heard.web.api.schemas import (
    ErrorOut,
    ResetLinkOut,
    SessionIn,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
)
from heard.web.auth import sign_in, sign_out
from heard.web.deps import Admin, Reader, SettingsDep, StoreDep
from heard.web.errors import ApiError
from heard.web.sockets import socket_guard
from heard.web.throttle import SignInRefused, SignInThrottle, client_address

router = APIRouter(tags=["admin"])

LAST_ADMIN_ERRORS = {
    **ERRORS,
    409: {"model": ErrorOut, "description": "it would leave no active admin able to act"},
}


@router.get("/users", response_model=list[UserOut], responses=ERRORS)
def list_users(principal: Admin, store: StoreDep) -> list[UserOut]:
    return [UserOut.of(u) for u in accounts.list_users(store)]


@router.post(
    "/users",
    response_model=UserOut,
    status_code=201,
    responses={**ERRORS, 409: {"model": ErrorOut, "description": "a user has this email"}},
)
def create_user(body: UserIn, principal: Admin, store: StoreDep) -> UserOut:
    user = accounts.create_user(
        store,
        body.email,
        role=body.role,
        password=body.password,
        name=body.name,
        agent_external_id=body.agent_id,
        teams=body.teams,
        by=principal.user.id,
    )
    return UserOut.of(user)


@router.get("/users/{user_id}", response_model=UserOut, responses=ERRORS)
def get_user(user_id: Id, principal: Admin, store: StoreDep) -> UserOut:
    return UserOut.of(accounts.get_user(store, user_id))


@router.patch("/users/{user_id}", response_model=UserOut, responses=LAST_ADMIN_ERRORS)
def patch_user(
    user_id: Id, body: UserPatch, principal: Admin, store: StoreDep, request: Request
) -> UserOut:
    """Change a user's name (`""` clears it), role and teams, or deactivate (or reactivate)
    them, as the admin pages do; a field left out is kept. A lead leads `teams`; an agent is
    in one; an admin in none. Deactivated: their tokens stop working, their sign-in sessions
    are revoked and their open live sockets are closed. 409 when it would leave no active
    admin able to act (yourself included)."""
    before = accounts.get_user(store, user_id)
    user = accounts.change_user(
        store,
        user_id,
        name=body.name,
        role=body.role,
        teams=body.teams,
        agent_external_id=body.agent_id or None,
        active=body.active,
        by=principal.user.id,
    )
    if before.active and not user.active:
        socket_guard(request.app).deactivated(user_id=user.id)
    elif user.role != before.role or user.team_ids != before.team_ids:
        socket_guard(request.app).recheck_soon()
    return UserOut.of(user)


@router.post(
    "/users/{user_id}/reset-link",
    response_model=ResetLinkOut,
    status_code=201,
    responses=ERRORS,
)
def create_reset_link(
    user_id: Id, principal: Admin, store: StoreDep, settings: SettingsDep, request: Request
) -> ResetLinkOut:
    """A one-time link that lets the user set a new password, working for
    `HEARD_RESET_LINK_HOURS`; it is in this answer only (heard keeps its hash). The user's
    earlier unused link stops working. 422 for a deactivated user."""
    link, secret = accounts.issue_reset(
        store, user_id, hours=settings.reset_link_hours, by=principal.user.id
    )
    url = str(request.base_url).rstrip("/") + accounts.reset_path(secret)
    return ResetLinkOut(**link.model_dump(exclude={"used_at"}), url=url)


@router.get("/users/{user_id}/tokens", response_model=list[TokenOut], responses=ERRORS)
def list_tokens(user_id: Id, principal: Admin, store: StoreDep) -> list[TokenOut]:
    accounts.get_user(store, user_id)
    return [TokenOut.of(t) for t in api_tokens.list_tokens(store, user_id)]


@router.post(
    "/users/{user_id}/tokens", response_model=TokenCreatedOut, status_code=201, responses=ERRORS
)
def create_token(
    user_id: Id, body: TokenIn, principal: Admin, store: StoreDep, settings: SettingsDep
) -> TokenCreatedOut:
    """A new API token for the user, working for `expires_in_days` (default
    `HEARD_TOKEN_DAYS`); the token is in this answer only."""
    record, token = api_tokens.create_token(
        store,
        user_id,
        scopes=body.scopes,
        name=body.name,
        days=body.expires_in_days or settings.token_days,
        by=principal.user.id,
    )
    return TokenCreatedOut(**TokenOut.of(record).model_dump(), token=token)


@router.delete("/tokens/{token_id}", response_model=TokenOut, responses=LAST_ADMIN_ERRORS)
def revoke_token(token_id: Id, principal: Admin, store: StoreDep, request: Request) -> TokenOut:
    """Revoke a token: it stops working, and the live sockets it opened are closed. 409 when it
    is the last live admin token of an admin without a password and no other active admin
    could act."""
    record = api_tokens.revoke_token(store, token_id, by=principal.user.id)
    socket_guard(request.app).revoked(token_id=record.id)
    return TokenOut.of(record)


@router.get("/audit", response_model=list[AuditEntry], responses=ERRORS)
def audit_log(
    principal: Admin,
    store: StoreDep,
    user: IdQuery = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntry]:
    """Who viewed or changed what, newest first."""
    return list_audit(store, principal.viewer, offset=offset, limit=limit, user_id=user)


@router.get("/me", response_model=UserOut, responses=ERRORS, tags=["session"])
def me(principal: Reader) -> UserOut:
    return UserOut.of(principal.user)


SIGN_IN_ERRORS = {**ERRORS, 429: {"model": ErrorOut}, 503: {"model": ErrorOut}}


@router.post("/session", response_model=UserOut, responses=SIGN_IN_ERRORS, tags=["session"])
async def create_session(body: SessionIn, request: Request, store: StoreDep) -> UserOut:
    """Sign in with email and password; the answer sets the session cookie. After a few
    failures on one account or from one address, further attempts wait (429 with
    Retry-After, doubling); 503 with Retry-After while every password check is busy."""
    throttle: SignInThrottle = request.app.state.sign_in
    address = client_address(request)
    checking = throttle.low_priority(store.hasher)

    def verify() -> UserRecord | None:
        return signins.verify_password(
            store, body.email, body.password, address=address, hasher=checking
        )

    try:
        user = await throttle.attempt(
            verify,
            email=body.email,
            address=address,
        )
    except SignInRefused as exc:
        raise ApiError(exc.status, exc.code, exc.message, headers=exc.headers) from None
    if user is None:
        raise ApiError(401, "unauthorized", "wrong email or password", field="password")
    await run_in_threadpool(sign_in, request, store, user)
    return UserOut.of(user)


@router.delete("/session", status_code=204, responses=ERRORS, tags=["session"])
def delete_session(request: Request, store: StoreDep) -> Response:
    """Sign out: the sign-in session is revoked, so a copy of the cookie stops working too,
    and the live sockets it opened are closed."""
    sign_out(request, store)
    socket_guard(request.app).recheck_soon()
    return Response(status_code=204)
