"""The sign-in pages: `/` (to the right start page), the sign-in form (throttled, argon2 via
heard.store.signins) and sign-out (revoking the session and its live sockets)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from heard.model.values import Text
from heard.store import UserRole, signins
from heard.web import auth, views
from heard.web.deps import StoreDep
from heard.web.pages.session import CsrfChecked, csrf_token, html, local_path, pages, see_other
from heard.web.sockets import socket_guard
from heard.web.throttle import SignInRefused, SignInThrottle, client_address

router = APIRouter(include_in_schema=False)


@router.get("/")
def start(request: Request, store: StoreDep) -> Response:
    principal = auth.from_session(store, request)
    if principal is None:
        return see_other("/sign-in")
    return see_other("/me" if principal.role == UserRole.AGENT else "/dashboard")


@router.get("/sign-in")
def sign_in_form(
    request: Request, next: Annotated[Text, Query(max_length=2000)] = "/"
) -> HTMLResponse:
    view = views.SignInView(next=local_path(next, "/"))
    return html(pages(request).sign_in(view, csrf_token=csrf_token(request)))


@router.post("/sign-in")
async def sign_in(
    request: Request,
    store: StoreDep,
    _: CsrfChecked,
    email: Annotated[Text, Form(max_length=320)],
    password: Annotated[Text, Form(max_length=1000)],
    next: Annotated[Text, Form(max_length=2000)] = "/",
) -> Response:
    throttle: SignInThrottle = request.app.state.sign_in
    address = client_address(request)
    checking = throttle.low_priority(store.hasher)
    try:
        user = await throttle.attempt(
            lambda: signins.verify_password(
                store, email, password, address=address, hasher=checking
            ),
            email=email,
            address=address,
        )
    except SignInRefused as exc:
        view = views.SignInView(email=email, error=refusal(exc), next=local_path(next, "/"))
        body = html(pages(request).sign_in(view, csrf_token=csrf_token(request)), exc.status)
        body.headers.update(exc.headers)
        return body
    if user is None:
        view = views.SignInView(
            email=email, error="Wrong email or password.", next=local_path(next, "/")
        )
        return html(pages(request).sign_in(view, csrf_token=csrf_token(request)), 401)
    await run_in_threadpool(auth.sign_in, request, store, user)
    csrf_token(request)
    return see_other(local_path(next, "/"))


def refusal(exc: SignInRefused) -> str:
    """What the sign-in page says when an attempt was refused before its password was checked."""
    if exc.status == 503:
        return "The server is busy signing other people in. Try again in a moment."
    wait = exc.retry_after
    if wait < 120:
        when = "1 second" if wait == 1 else f"{wait} seconds"
    else:
        when = f"{-(-wait // 60)} minutes"
    return f"Too many failed sign-ins. Try again in {when}."


@router.post("/sign-out")
async def sign_out(request: Request, store: StoreDep, _: CsrfChecked) -> Response:
    """Revoke the sign-in session (a copy of the cookie stops working too) and close the live
    sockets it opened."""
    await run_in_threadpool(auth.sign_out, request, store)
    socket_guard(request.app).recheck_soon()
    return see_other("/sign-in")
