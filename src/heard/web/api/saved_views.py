"""Saved views: a user's named filters of the conversations page, private to them (anyone
else's answer 404, as a missing one)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from heard.store import saved_views
from heard.store.records import SavedView
from heard.web.api.conversations import ERRORS
from heard.web.api.filters import Id
from heard.web.api.schemas import ErrorOut
from heard.web.deps import Reader, StoreDep, Writer

router = APIRouter(tags=["saved views"])
SAVE_ERRORS = {**ERRORS, 409: {"model": ErrorOut, "description": "a view of that name exists"}}


class SavedViewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=saved_views.NAME_LENGTH)
    filters: dict[str, str] = Field(
        default_factory=dict,
        max_length=len(saved_views.FIELDS),
        description="the conversations page's query parameters: " + ", ".join(saved_views.FIELDS),
    )


class SavedViewOut(SavedView):
    url: str = Field(description="the conversations page with these filters")


def out(view: SavedView) -> SavedViewOut:
    query = urlencode(view.filters)
    return SavedViewOut(**view.model_dump(), url="/conversations" + (f"?{query}" if query else ""))


@router.get("/saved-views", response_model=list[SavedViewOut], responses=ERRORS)
def list_saved_views(principal: Reader, store: StoreDep) -> list[SavedViewOut]:
    """The caller's own saved views, by name."""
    return [out(v) for v in saved_views.list_views(store, principal.viewer)]


@router.post("/saved-views", response_model=SavedViewOut, status_code=201, responses=SAVE_ERRORS)
async def save_view(body: SavedViewIn, principal: Writer, store: StoreDep) -> SavedViewOut:
    """Keep filters under a name (409 when the caller has a view of that name already)."""
    view = await run_in_threadpool(
        saved_views.save, store, principal.viewer, name=body.name, filters=body.filters
    )
    return out(view)


@router.delete("/saved-views/{view_id}", status_code=204, responses=ERRORS)
def delete_saved_view(view_id: Id, principal: Writer, store: StoreDep) -> Response:
    """Delete one of the caller's own saved views."""
    saved_views.delete(store, principal.viewer, view_id)
    return Response(status_code=204)
