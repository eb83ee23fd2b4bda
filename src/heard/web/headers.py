"""Security headers on every HTTP answer of the app (pages, API, static files, errors,
redirects): a Content-Security-Policy without inline script, no framing (the live pages set
their own frame-ancestors), nosniff, a referrer policy, a cross-origin opener policy, a
permissions policy, and HSTS when the app is reached over HTTPS."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP_SOURCES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
"""The policy's directives. Scripts only from this site, never inline. Styles only from this
site too, with no 'unsafe-inline' and no hashes: the templates carry no style attribute (a
bar's length is `data-width`, set by the page's script through the CSSOM, which CSP does not
govern), and the charts are inline SVG drawn on the server (heard.web.svgplot) whose
presentation attributes are not styles.
`connect-src 'self'` covers the live pages' WebSocket (same host, ws: or wss:)."""

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
"""Browser features no heard page uses."""

HSTS = "max-age=31536000"
"""Strict-Transport-Security when `https` is set: a year, this host only."""


def content_security_policy(*, frame_ancestors: str = "'none'") -> str:
    """The app's policy, with `frame-ancestors` as given (the live pages' own framing)."""
    sources = {**CSP_SOURCES, "frame-ancestors": frame_ancestors}
    return "; ".join(f"{name} {value}" for name, value in sources.items())


def security_headers(*, https: bool) -> dict[str, str]:
    """The headers every answer gets unless its route set them itself."""
    headers = {
        "Content-Security-Policy": content_security_policy(),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": PERMISSIONS_POLICY,
    }
    if https:
        headers["Strict-Transport-Security"] = HSTS
    return headers


class SecurityHeaders:
    """Adds `headers` to each HTTP answer that does not carry them already. A route that sets
    its own Content-Security-Policy (the live pages, which may be framed) chooses its framing:
    it gets no X-Frame-Options unless it set one."""

    def __init__(self, app: ASGIApp, *, headers: Mapping[str, str]) -> None:
        self.app = app
        self.headers = dict(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                own_policy = "content-security-policy" in headers
                for name, value in self.headers.items():
                    if name in headers or (own_policy and name == "X-Frame-Options"):
                        continue
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
