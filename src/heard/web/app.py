"""The application factory: settings, store and ingest service in, a FastAPI app out (nothing at
import time)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from heard import __version__
from heard.ingest import IngestService
from heard.live.audio import AudioSettings
from heard.live.hub import LiveHub
from heard.live.limits import LiveLimits
from heard.live.nudges import NudgePolicy
from heard.live.redaction import name_key
from heard.settings import Settings
from heard.store import Store
from heard.web import errors, swagger
from heard.web.api import router as api_router
from heard.web.assets import mount_static
from heard.web.headers import SecurityHeaders, security_headers
from heard.web.pages import admin as admin_pages
from heard.web.pages import agents as agent_pages
from heard.web.pages import conversation as conversation_pages
from heard.web.pages import dashboard as dashboard_pages
from heard.web.pages import disputes as dispute_pages
from heard.web.pages import listing as list_pages
from heard.web.pages import live as live_pages
from heard.web.pages import passwords as password_pages
from heard.web.pages import reviews as review_pages
from heard.web.pages import session as page_session
from heard.web.pages import sign_in as sign_in_pages
from heard.web.pages import survey as survey_pages
from heard.web.pages import upload as upload_pages
from heard.web.sockets import SocketGuard
from heard.web.throttle import SignInThrottle

SESSION_COOKIE = "heard_session"


class BodyLimit:
    """Refuses request bodies over `limit` bytes with 413, before a route reads them."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0
        too_large = False

        async def counting() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    too_large = True
                    raise _TooLarge
            return message

        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting, tracking)
        except _TooLarge:
            if not started:
                await self._refuse(send)
        except Exception:
            if too_large and not started:
                await self._refuse(send)
            else:
                raise

    async def _refuse(self, send: Send) -> None:
        body = orjson.dumps(
            errors.error_body(
                "too_large", f"the request body is over the limit of {self.limit:,} bytes"
            )
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


class HeardApp(FastAPI):
    """FastAPI with the security headers outside everything else, Starlette's own 500 answer
    included (middleware added with `add_middleware` sits inside that one)."""

    def __init__(self, *, security_headers: Mapping[str, str], **options: Any) -> None:
        self.security_headers = dict(security_headers)
        super().__init__(**options)

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack(), headers=self.security_headers)


def prepare_to_serve(ingest: IngestService) -> None:
    """Before serving: load the analyzer and its models (one small analysis and the sentence
    encoder: loaded on first use, it stalled every live session for ~300 ms) and every
    country's telephone-number rules (loaded per country on first use: the first live events
    took up to 80 ms to redact), then move every object alive after start-up out of the
    garbage collector's sight and make collections rarer (`heard.runtime.serving_gc`).
    For the `heard serve` process only (not in tests)."""
    from phonenumbers.phonemetadata import PhoneMetadata

    from heard import embed as embeddings
    from heard.model import Channel, Conversation, Role, Turn
    from heard.redact import redact_text
    from heard.runtime import serving_gc

    ingest.warm()
    sample = Conversation(
        id="warm-up",
        channel=Channel.CHAT,
        turns=[
            Turn(index=0, role=Role.CUSTOMER, text="My order has not arrived and I am worried."),
            Turn(index=1, role=Role.AGENT, text="I'm sorry to hear that. Let me check it now."),
        ],
    )
    ingest.analyzer().analyze(sample)
    PhoneMetadata.load_all()
    redact_text("Call +44 20 7946 0958 or 415-555-0100; card 4111 1111 1111 1111; a@b.example")
    if embeddings.available():  # loaded by the first detector that compares meanings
        embeddings.encode(["warm up"])
    serving_gc()


def create_app(
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    ingest: IngestService | None = None,
) -> FastAPI:
    """The team app. Without `store`, one is opened at `settings.database_url` (and closed when
    the app shuts down) with an ingest service on as many workers as the settings say; tests
    pass their own store, which then redacts as `settings` say, and get an ingest service on
    this process (`settings.ingest_workers`, else 1) unless they pass `ingest` too."""
    settings = settings or Settings()
    owned = store is None
    store = store or Store.from_settings(settings)
    store.redact = settings.redact
    if ingest is None:
        ingest = (
            IngestService.from_settings(store, settings)
            if owned
            else IngestService(
                store, workers=settings.ingest_workers or 1, redact_names=settings.redact_names
            )
        )

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        yield
        app_.state.live.metrics.stop()
        app_.state.live.recognition.close()
        app_.state.sign_in.close()
        ingest.close()
        if owned:
            store.close()

    app = HeardApp(
        title="heard",
        version=__version__,
        summary="Active-listening intelligence for customer service: the team app's API.",
        openapi_url="/openapi.json",
        docs_url=None,  # our own page: Swagger UI from the app's files (heard.web.swagger)
        redoc_url=None,
        lifespan=lifespan,
        security_headers=security_headers(https=settings.https),
    )
    app.state.settings = settings
    app.state.store = store
    app.state.ingest = ingest
    app.state.sign_in = SignInThrottle.from_settings(settings)
    app.state.live = LiveHub(
        store,
        ingest,
        redact=settings.redact,
        policy=NudgePolicy.from_settings(settings),
        limits=LiveLimits.from_settings(settings),
        name_key=name_key(settings.key()),
        audio=AudioSettings.from_settings(settings),
    )
    app.state.live_sockets = SocketGuard(store, app.state.live)
    errors.install(app, page_error=page_session.error_page)
    page_session.install(app)
    app.include_router(api_router)
    app.include_router(list_pages.router)
    app.include_router(review_pages.router)
    app.include_router(dispute_pages.router)
    app.include_router(agent_pages.router)
    for module in (sign_in_pages, dashboard_pages, conversation_pages, upload_pages, survey_pages):
        app.include_router(module.router)
    app.include_router(live_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(password_pages.router)
    app.include_router(swagger.router)
    mount_static(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.key(),
        session_cookie=SESSION_COOKIE,
        same_site="lax",
        https_only=settings.https,
        max_age=round(settings.session_max_hours * 3600),
    )
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes)
    if settings.trusted_proxies:  # outermost: every layer sees the caller's own address
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app
