"""Every API error has one shape: {"error": {"code", "message", "field"?}} with a 4xx status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from heard.errors import InputError, json_path
from heard.model.values import describe
from heard.store.errors import Conflict, Forbidden, Invalid, NotFound, StoreError

STORE_STATUS: dict[type[StoreError], int] = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    Invalid: 422,
}

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "expired",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "throttled",
    503: "busy",
}


class ApiError(Exception):
    """An error a route raises on purpose, with its status, code, message and field."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    error.update(extra)
    return {"error": error}


def input_error_response(exc: InputError) -> JSONResponse:
    status = 413 if exc.code == "too_large" else 422
    field = exc.where.path or ("format" if exc.code == "unknown_format" else None)
    return JSONResponse(
        error_body(exc.code, str(exc), field, file=exc.where.file, line=exc.where.line),
        status_code=status,
    )


API_PREFIXES = ("/api/", "/openapi.json", "/docs/", "/static/")
"""Paths that keep JSON errors; every other path is a page and gets an HTML error page."""

PageError = Callable[[Request, int, str], Response]
"""Draws the HTML error page of a page route: (request, status, message) → response."""


def is_page(request: Request) -> bool:
    path = request.url.path
    return not any(path == p.rstrip("/") or path.startswith(p) for p in API_PREFIXES)


def install(app: FastAPI, *, page_error: PageError | None = None) -> None:
    """JSON errors for the API; with `page_error`, HTML error pages for every other path."""

    def page(request: Request, status: int, message: str) -> Response | None:
        if page_error is not None and is_page(request):
            return page_error(request, status, message)
        return None

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> Response:
        if (html := page(request, exc.status, exc.message)) is not None:
            return html
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        headers.update(exc.headers or {})
        return JSONResponse(
            error_body(exc.code, exc.message, exc.field), status_code=exc.status, headers=headers
        )

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError) -> Response:
        status = STORE_STATUS.get(type(exc), 400)
        retry = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(max(1, round(retry)))} if retry is not None else None
        if (html := page(request, status, exc.message)) is not None:
            html.headers.update(headers or {})
            return html
        extra = {"retry_after": retry} if retry is not None else {}
        return JSONResponse(
            error_body(exc.code, exc.message, exc.field, **extra),
            status_code=status,
            headers=headers,
        )

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> Response:
        if (html := page(request, 422, str(exc))) is not None:
            return html
        return input_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"msg": "invalid request", "loc": ()}
        loc = [p for p in first.get("loc", ()) if p not in ("body", "query", "path", "header")]
        field = json_path(loc) if loc else None
        message = describe(first) if "type" in first else "invalid request"
        where = f" at {field}" if field else ""
        if (html := page(request, 422, f"{message}{where}")) is not None:
            return html
        return JSONResponse(
            error_body("invalid", f"{message}{where}", field, errors=len(exc.errors())),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if (html := page(request, exc.status_code, str(exc.detail))) is not None:
            return html
        code = HTTP_CODES.get(exc.status_code, "error")
        return JSONResponse(
            error_body(code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
