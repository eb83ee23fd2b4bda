"""The JSON API under /api/v1."""

from fastapi import APIRouter

from heard.web.api import admin, conversations, dashboards, feedback, notes

PREFIX = "/api/v1"

router = APIRouter(prefix=PREFIX)
for module in (conversations, dashboards, notes, feedback, admin):
    router.include_router(module.router)

__all__ = ["PREFIX", "router"]
