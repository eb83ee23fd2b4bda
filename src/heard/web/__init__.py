"""The team app on the web: `create_app()` builds the FastAPI application (API under /api/v1)."""

from heard.web.app import create_app

__all__ = ["create_app"]
