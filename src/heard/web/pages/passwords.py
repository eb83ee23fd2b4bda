"""Setting a password from the web: anyone signed in changes their own (knowing the current
one: checked under the sign-in throttle, so a borrowed session cannot guess it), and the page
of a one-time reset link an admin issued sets a new one without signing in. Both revoke the
person's other sign-in sessions; both are audited by the store (heard.store.accounts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi import Form as FormField
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from heard.model.values import Text
from heard.store import accounts
from heard.store.errors import Invalid, NotFound
from heard.web import auth, views
from heard.web.deps import StoreDep
from heard.web.errors import ApiError
from heard.web.pages.session import CsrfChecked, User, csrf_token, html, pages
from heard.web.pages.sign_in import refusal
from heard.web.throttle import SignInRefused, SignInThrottle, client_address

router = APIRouter(include_in_schema=False)

Password = Annotated[Text, FormField(max_length=accounts.PASSWORD_MAX)]
ResetSecret = Annotated[str, Path(max_length=200)]

MISMATCH = "The two new passwords are not the same: type it again in both boxes."


def _new_password(password: str, confirm: str, field: str) -> dict[str, str]:
    try:
        accounts.check_password(password, field=field)
    except Invalid as exc:
        return {field: exc.message}
    if password != confirm:
        return {"confirm": MISMATCH}
    return {}


# --- your own password -------------------------------------------------------------------------


def _render_password(request: Request, user: User, view: views.PasswordView, status: int = 200):
    body = pages(request).render(
        "password.html", user=user.page_user, csrf_token=user.csrf, active="password", view=view
    )
    return html(body, status)


@router.get("/account/password")
def password_form(request: Request, user: User) -> Response:
    return _render_password(request, user, views.PasswordView())


@router.post("/account/password")
async def change_password(
    request: Request,
    user: User,
    store: StoreDep,
    _: CsrfChecked,
    current_password: Password = "",
    new_password: Password = "",
    confirm: Password = "",
) -> Response:
    """Change the signed-in person's password. A wrong current password counts as a failed
    sign-in on the account (the same waits after a few); the other sessions are revoked,
    this one stays."""
    errors = _new_password(new_password, confirm, "new_password")
    if not current_password:
        errors["current_password"] = "Type your current password."
    if errors:
        return _render_password(request, user, views.PasswordView(errors=errors), 422)
    throttle: SignInThrottle = request.app.state.sign_in
    principal = auth.from_session(store, request)
    keep = principal.session_id if principal is not None else None
    try:
        changed = await throttle.attempt(
            lambda: accounts.change_password(
                store,
                user.user.id,
                current=current_password,
                new=new_password,
                keep_session=keep,
                hasher=throttle.low_priority(store.hasher),
            ),
            email=user.user.email,
            address=client_address(request),
        )
    except SignInRefused as exc:
        view = views.PasswordView(errors={"current_password": refusal(exc)})
        response = _render_password(request, user, view, exc.status)
        response.headers.update(exc.headers)
        return response
    if changed is None:
        view = views.PasswordView(errors={"current_password": "That is not your current password."})
        return _render_password(request, user, view, 422)
    return _render_password(request, user, views.PasswordView(done=True))


# --- a reset link ------------------------------------------------------------------------------


def _render_reset(request: Request, view: views.ResetView, status: int = 200) -> Response:
    """The reset page; its address holds the link's secret, so no Referer carries it on."""
    body = pages(request).render("reset.html", user=None, csrf_token=csrf_token(request), view=view)
    response = html(body, status)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _reset_user(store, secret: str):  # type: ignore[no-untyped-def]
    try:
        return accounts.reset_user(store, secret)
    except accounts.ResetLinkUnusable as exc:
        raise ApiError(410, "expired", exc.message) from None
    except NotFound as exc:
        raise ApiError(404, "not_found", exc.message) from None


@router.get("/reset/{secret}")
def reset_form(request: Request, secret: ResetSecret, store: StoreDep) -> Response:
    target = _reset_user(store, secret)
    return _render_reset(request, views.ResetView(action=f"/reset/{secret}", email=target.email))


@router.post("/reset/{secret}")
async def reset_password(
    request: Request,
    secret: ResetSecret,
    store: StoreDep,
    _: CsrfChecked,
    password: Password = "",
    confirm: Password = "",
) -> Response:
    """Set the new password (8 to 1,000 characters, typed twice); the link is spent."""
    target = _reset_user(store, secret)
    view = views.ResetView(action=f"/reset/{secret}", email=target.email)
    errors = _new_password(password, confirm, "password")
    if errors:
        return _render_reset(request, view.model_copy(update={"errors": errors}), 422)
    try:
        await run_in_threadpool(accounts.use_reset, store, secret, password=password)
    except accounts.ResetLinkUnusable as exc:
        raise ApiError(410, "expired", exc.message) from None
    return _render_reset(request, view.model_copy(update={"done": True}))
