"""The JSON API under /api/v1."""

from fastapi import APIRouter

from heard.web.api import (
    admin,
    conversations,
    dashboards,
    disputes,
    feedback,
    live,
    notes,
    recordings,
    replies,
    reviews,
    saved_views,
)

PREFIX = "/api/v1"

ROUTERS = tuple(
    m.router
    for m in (
        conversations,
        recordings,
        dashboards,
        notes,
        feedback,
        admin,
        live,
        replies,
        saved_views,
        reviews,
        disputes,
    )
)
"""The API's routers, each with paths relative to PREFIX."""

router = APIRouter(prefix=PREFIX)
for part in ROUTERS:
    router.include_router(part)

__all__ = ["PREFIX", "ROUTERS", "router"]
