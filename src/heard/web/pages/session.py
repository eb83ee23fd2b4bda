"""What every page route shares: the signed-in person of a request (`Signed`, and the `User`,
`Lead`, `Agent` dependencies), the session's CSRF token and its check on every form POST,
the responses pages give (`html`, `see_other`, `back`), the HTML error page, and sending
signed-out callers to /sign-in."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from heard.model.values import FIRST_DAY, LAST_DAY, Text, check_day
from heard.store import Store, UserRole, Viewer, disputes
from heard.store import records as store_records
from heard.store.errors import Invalid
from heard.web import auth, views
from heard.web.deps import StoreDep
from heard.web.errors import ApiError
from heard.web.pages.rendering import Pages, default_pages

CSRF_KEY = "csrf"
"""The session cookie's key that holds the session's CSRF token."""


class SignInNeeded(Exception):
    """A page asked for by someone not signed in: they are sent to /sign-in and back."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


# --- sessions and CSRF -----------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (a fresh one after each sign-in)."""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return token


def check_csrf(request: Request, sent: object) -> None:
    expected = request.session.get(CSRF_KEY)
    if not (
        isinstance(expected, str)
        and isinstance(sent, str)
        and expected
        and secrets.compare_digest(expected, sent)
    ):
        raise ApiError(
            403, "csrf", "the form has expired or did not come from this site; reload and retry"
        )


async def csrf_checked(request: Request) -> None:
    """A dependency of every POST form: the form's csrf_token must match the session's."""
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))


CsrfChecked = Annotated[None, Depends(csrf_checked)]


def page_user(user: store_records.UserRecord, store: Store) -> views.PageUser:
    """What the layout shows of the signed-in person; for leads and admins, how many
    disputes wait for them (the navigation's count)."""
    agent_id = None
    if user.agent_id is not None:
        agent_id = str(user.agent_id)
    return views.PageUser(
        name=user.name or user.email,
        email=user.email,
        role=user.role,
        agent_id=agent_id,
        open_disputes=disputes.open_count(store, user.viewer()),
    )


class Signed:
    """The signed-in caller of a page: their record, viewer and what the layout shows."""

    def __init__(self, request: Request, principal: auth.Principal, store: Store) -> None:
        self.request = request
        self.user = principal.user
        self.viewer: Viewer = principal.viewer
        self.page_user = page_user(principal.user, store)

    @property
    def role(self) -> UserRole:
        return self.user.role

    @property
    def csrf(self) -> str:
        return csrf_token(self.request)


def signed_in(request: Request, store: StoreDep) -> Signed:
    principal = auth.from_session(store, request)
    if principal is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInNeeded(target if request.method == "GET" else "/")
    return Signed(request, principal, store)


def lead_or_admin(user: Annotated[Signed, Depends(signed_in)]) -> Signed:
    if user.role not in (UserRole.LEAD, UserRole.ADMIN):
        raise ApiError(403, "forbidden", "this page is for team leads and admins")
    return user


def agent_only(user: Annotated[Signed, Depends(signed_in)]) -> Signed:
    if user.role != UserRole.AGENT or user.user.agent_id is None:
        raise ApiError(403, "forbidden", "this page is for agents linked to their agent record")
    return user


User = Annotated[Signed, Depends(signed_in)]
Lead = Annotated[Signed, Depends(lead_or_admin)]
Agent = Annotated[Signed, Depends(agent_only)]
PageId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def pages(request: Request) -> Pages:
    return getattr(request.app.state, "pages", None) or default_pages()


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def local_path(value: str | None, default: str) -> str:
    """`value` when it is a path on this site (never another host), else `default`."""
    if not value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or value.startswith("//"):
        return default
    return value


def back(request: Request, default: str) -> str:
    """Where a form goes after posting: the page it was on (same site), else `default`."""
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        if parts.netloc == request.url.netloc and parts.path.startswith("/"):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return default


def error_page(request: Request, status: int, message: str) -> Response:
    """The HTML error page of a page route (the API keeps its JSON errors)."""
    store: Store = request.app.state.store
    user = None
    token = ""
    if "session" in request.scope:
        principal = auth.from_session(store, request)
        if principal is not None:
            user = page_user(principal.user, store)
        token = csrf_token(request)
    body = pages(request).error(status=status, message=message, user=user, csrf_token=token)
    return html(body, status)


def install(app: Any) -> None:
    """Send signed-out callers of a page to /sign-in (and back afterwards)."""

    @app.exception_handler(SignInNeeded)
    async def _sign_in(_: Request, exc: SignInNeeded) -> Response:
        return see_other(f"/sign-in?next={quote(exc.next_path, safe='/')}")


# --- query values --------------------------------------------------------------------------


Blank = Annotated[Text | None, Query(max_length=200)]


def optional_date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return check_day(date.fromisoformat(value))
    except ValueError:
        raise Invalid(
            f"{field} must be a date like 2026-01-31, from {FIRST_DAY} to {LAST_DAY}, "
            f"got {value!r}",
            field=field,
        ) from None


def start_of(day: date | None) -> datetime | None:
    """The first moment (UTC) of `day`."""
    return None if day is None else datetime.combine(day, datetime.min.time(), tzinfo=UTC)
