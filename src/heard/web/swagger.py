"""The API's interactive page, /api/docs: Swagger UI from the installed swagger-ui-bundle-v2
package (/static/vendor/swagger-ui/), started by our own /static/api-docs.js (each linked by
its hashed name, heard.web.assets), so the page loads nothing from another host and runs under
the app's Content-Security-Policy (no inline script)."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from heard.web.assets import SWAGGER_DIR, asset_url

DOCS_PATH = "/api/docs"
OAUTH2_REDIRECT_PATH = "/docs/oauth2-redirect"

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="{favicon}" type="image/svg+xml">
<link rel="stylesheet" href="{css}">
<script src="{bundle}" defer></script>
<script src="{starter}" defer></script>
</head>
<body>
<div id="swagger-ui" data-openapi="{openapi}" data-oauth2-redirect="{redirect}"></div>
</body>
</html>
"""

_REDIRECT = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Swagger UI: OAuth2 redirect</title></head>
<body><script src="{script}"></script></body>
</html>
"""


@router.get(DOCS_PATH)
def api_docs(request: Request) -> HTMLResponse:
    app = request.app
    page = _PAGE.format(
        title=escape(f"{app.title} API"),
        favicon=asset_url("favicon.svg"),
        css=asset_url(f"{SWAGGER_DIR}swagger-ui.css"),
        bundle=asset_url(f"{SWAGGER_DIR}swagger-ui-bundle.js"),
        starter=asset_url("api-docs.js"),
        openapi=escape(app.openapi_url or "/openapi.json"),
        redirect=OAUTH2_REDIRECT_PATH,
    )
    return HTMLResponse(page)


@router.get(OAUTH2_REDIRECT_PATH)
def oauth2_redirect() -> HTMLResponse:
    return HTMLResponse(_REDIRECT.format(script=asset_url(f"{SWAGGER_DIR}oauth2-redirect.js")))
