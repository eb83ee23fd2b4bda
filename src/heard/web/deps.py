"""Route dependencies: the settings, the store, the ingest service and the caller, as
`Annotated` types."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from heard.ingest import IngestService
from heard.settings import Settings
from heard.store import Scope, Store, UserRole
from heard.web.auth import (
    PANEL_HEADER,
    BadCredentials,
    Principal,
    from_bearer,
    from_panel_key,
    from_session,
)
from heard.web.errors import ApiError

bearer = HTTPBearer(auto_error=False, description="an API token: `heard token create`")
panel_header = APIKeyHeader(
    name=PANEL_HEADER,
    auto_error=False,
    description="an agent-panel key (read only, one live conversation): "
    "`POST /api/v1/live/{conversation_id}/panel-link`",
)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_ingest(request: Request) -> IngestService:
    return request.app.state.ingest


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
IngestDep = Annotated[IngestService, Depends(get_ingest)]


def optional_principal(
    request: Request,
    store: StoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal | None:
    """The caller from a bearer token (preferred) or the session cookie; None when neither."""
    header = request.headers.get("authorization")
    if header:
        try:
            return from_bearer(store, header)
        except BadCredentials as exc:
            raise ApiError(401, "unauthorized", str(exc)) from None
    del credentials  # declared for the OpenAPI security scheme; the header is read above
    return from_session(store, request)


def need(scope: Scope, *roles: UserRole) -> Callable[..., Principal]:
    """A dependency: a signed-in caller whose token (or session) has `scope` and, when `roles`
    are given, whose role is one of them."""

    def dependency(
        principal: Annotated[Principal | None, Depends(optional_principal)],
    ) -> Principal:
        if principal is None:
            raise ApiError(401, "unauthorized", "sign in or send 'Authorization: Bearer <token>'")
        if scope not in principal.scopes:
            raise ApiError(403, "forbidden", f"the token lacks the {scope.value!r} scope")
        if roles and principal.role not in roles:
            allowed = " or ".join(r.value for r in roles)
            raise ApiError(403, "forbidden", f"this needs the role {allowed}")
        return principal

    return dependency


Reader = Annotated[Principal, Depends(need(Scope.READ))]
Writer = Annotated[Principal, Depends(need(Scope.WRITE))]
LeadWriter = Annotated[Principal, Depends(need(Scope.WRITE, UserRole.LEAD, UserRole.ADMIN))]
LeadReader = Annotated[Principal, Depends(need(Scope.READ, UserRole.LEAD, UserRole.ADMIN))]
Admin = Annotated[Principal, Depends(need(Scope.ADMIN, UserRole.ADMIN))]


def reader_or_panel(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal | None, Depends(optional_principal)],
    key: Annotated[str | None, Depends(panel_header)],
) -> Principal:
    """A caller with the read scope, or else an agent panel's key (`X-Heard-Panel-Key`): the
    few routes the panel calls accept it; a key names one live conversation, and a route with
    a `conversation_id` only accepts the key of that one."""
    if principal is None and key:
        try:
            principal = from_panel_key(
                store, settings, key, request.path_params.get("conversation_id")
            )
        except BadCredentials as exc:
            raise ApiError(401, "unauthorized", str(exc)) from None
    return need(Scope.READ)(principal)


PanelReader = Annotated[Principal, Depends(reader_or_panel)]
