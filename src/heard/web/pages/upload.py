"""The upload page: files in any supported format (or `auto`), each read and stored on its own
(a file that fails changes nothing), with per-file results as a page or as JSON for the
page's script."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from heard.errors import InputError
from heard.importers import importers
from heard.importers.base import ImportOptions
from heard.ingest import IngestService
from heard.settings import Settings
from heard.store.errors import Invalid, StoreError
from heard.store.records import IngestStatus
from heard.web import recordings, views
from heard.web.deps import IngestDep, SettingsDep
from heard.web.pages.session import CsrfChecked, Lead, Signed, html, pages

router = APIRouter(include_in_schema=False)


def upload_view(
    settings: Settings, results: list[views.UploadResult] | None = None
) -> views.UploadView:
    return views.UploadView(
        formats=sorted(importers()),
        max_upload_bytes=settings.max_upload_bytes,
        results=results or [],
    )


@router.get("/upload")
def upload_form(request: Request, user: Lead, settings: SettingsDep) -> HTMLResponse:
    view = upload_view(settings)
    return html(pages(request).upload(view, user=user.page_user, csrf_token=user.csrf))


async def import_one(
    ingest: IngestService, settings: Settings, user: Signed, upload: UploadFile, format: str
) -> views.UploadResult:
    """One uploaded file read and stored on its own: a file that fails changes nothing."""
    name = upload.filename or "upload"
    options = ImportOptions(max_bytes=settings.max_upload_bytes)
    try:
        fmt, found, source = await recordings.read_upload(upload, format=format, options=options)
    except InputError as exc:
        return views.UploadResult(file=name, ok=False, error=str(exc))
    if not found:
        return views.UploadResult(file=name, ok=False, format=fmt, error="no conversations")
    try:
        stored = await run_in_threadpool(
            recordings.store_parts,
            ingest,
            [recordings.part(found, source, fmt)],
            redact=settings.redact,
            user_id=user.user.id,
            viewer=user.viewer,
            options=options,
        )
    except StoreError as exc:  # refused (another team's, a duplicate, busy): nothing stored
        return views.UploadResult(file=name, ok=False, format=fmt, error=exc.message)
    report = stored.report
    return views.UploadResult(
        file=name,
        ok=True,
        format=fmt,
        conversations=len(found),
        turns=sum(len(c.turns) for c in found),
        created=report.count(IngestStatus.CREATED),
        updated=report.count(IngestStatus.UPDATED),
        unchanged=report.count(IngestStatus.UNCHANGED),
        recordings=len(stored.recordings),
        notes=stored.notes,
    )


@router.post("/upload")
async def upload(
    request: Request,
    user: Lead,
    ingest: IngestDep,
    settings: SettingsDep,
    _: CsrfChecked,
    files: list[UploadFile],
    format: Annotated[str, Form(max_length=100)] = "auto",
) -> Response:
    """Per-file results: as JSON when asked (`Accept: application/json`, the page's script),
    else the upload page listing them."""
    if format != "auto" and format not in importers():
        raise Invalid(
            f"unknown format {format!r}; use auto or one of: {', '.join(sorted(importers()))}",
            field="format",
        )
    results = [await import_one(ingest, settings, user, f, format) for f in files]
    view = upload_view(settings, results)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(view.model_dump(mode="json"))
    return html(pages(request).upload(view, user=user.page_user, csrf_token=user.csrf))
