"""Conversations: ingest (JSON or files in any importer format), list, one, export, survey link."""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from heard.errors import InputError
from heard.importers import importers
from heard.importers.base import ImportOptions
from heard.ingest import IngestService
from heard.model import Conversation
from heard.store import UserRole, audit_log
from heard.store.paging import MAX_CURSOR, Order
from heard.store.records import ConversationPage, IngestReport, IngestStatus
from heard.web import exports, recordings
from heard.web.api.filters import Filter, Id
from heard.web.api.schemas import (
    BatchIn,
    ConversationIn,
    ConversationOut,
    ErrorOut,
    FileError,
    IngestOut,
    SurveyLinkOut,
)
from heard.web.auth import Principal, survey_token
from heard.web.deps import IngestDep, LeadReader, LeadWriter, Reader, SettingsDep, StoreDep
from heard.web.errors import ApiError, error_body

router = APIRouter(tags=["conversations"])

ERRORS = {
    400: {"model": ErrorOut, "description": "the body is not JSON (or not a form) at all"},
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    404: {"model": ErrorOut},
    413: {"model": ErrorOut},
    422: {"model": ErrorOut},
}


def _redact(principal: Principal, redact: bool | None, default: bool) -> bool:
    if redact is False and principal.role != UserRole.ADMIN:
        raise ApiError(403, "forbidden", "only an admin may store text unredacted", field="redact")
    return default if redact is None else redact


def _out(report: IngestReport, redacted: bool) -> IngestOut:
    return IngestOut(
        created=report.count(IngestStatus.CREATED),
        updated=report.count(IngestStatus.UPDATED),
        unchanged=report.count(IngestStatus.UNCHANGED),
        redacted=redacted,
        items=report.items,
    )


async def _ingest(
    ingest: IngestService, principal: Principal, conversations: list[Conversation], redact: bool
) -> IngestOut:
    report = await run_in_threadpool(
        ingest.ingest,
        conversations,
        redact=redact,
        user_id=principal.user.id,
        viewer=principal.viewer,
    )
    return _out(report, redact)


RedactQuery = Annotated[
    bool | None,
    Query(
        description="redact personal data first (default: the server's setting; "
        "only an admin may turn it off)"
    ),
]


@router.post("/conversations", response_model=IngestOut, responses=ERRORS)
async def ingest_one(
    conversation: ConversationIn,
    principal: LeadWriter,
    ingest: IngestDep,
    settings: SettingsDep,
    redact: RedactQuery = None,
) -> IngestOut:
    """Store and score one conversation in heard's JSON format."""
    return await _ingest(
        ingest, principal, [conversation], _redact(principal, redact, settings.redact)
    )


@router.post("/conversations/batch", response_model=IngestOut, responses=ERRORS)
async def ingest_batch(
    batch: BatchIn,
    principal: LeadWriter,
    ingest: IngestDep,
    settings: SettingsDep,
    redact: RedactQuery = None,
) -> IngestOut:
    """Store and score many conversations: all or nothing (one invalid item stores none)."""
    return await _ingest(
        ingest, principal, batch.conversations, _redact(principal, redact, settings.redact)
    )


@router.post(
    "/conversations/upload",
    response_model=IngestOut,
    responses={**ERRORS, 422: {"description": "a file failed: per-file errors, nothing stored"}},
)
async def ingest_files(
    files: Annotated[list[UploadFile], File(description="one or more exports")],
    principal: LeadWriter,
    ingest: IngestDep,
    settings: SettingsDep,
    format: Annotated[str, Form(description="an importer name, or auto")] = "auto",
    redact: RedactQuery = None,
) -> IngestOut | JSONResponse:
    """Import files in any format heard reads (`heard formats`). All or nothing: when any file
    fails to parse, the answer lists each file's error (file, line, JSON path) and nothing is
    stored."""
    if format != "auto" and format not in importers():
        raise ApiError(
            422,
            "unknown_format",
            f"unknown format {format!r}; use auto or one of: {', '.join(sorted(importers()))}",
            field="format",
        )
    chosen = _redact(principal, redact, settings.redact)
    options = ImportOptions(max_bytes=settings.max_upload_bytes)
    parts: list[recordings.Part] = []
    failed: list[FileError] = []
    for upload in files:
        name = upload.filename or "upload"
        try:
            fmt, found, source = await recordings.read_upload(
                upload, format=format, options=options
            )
            parts.append(recordings.part(found, source, fmt))
        except InputError as exc:
            failed.append(
                FileError(
                    file=name,
                    code=exc.code,
                    message=str(exc),
                    line=exc.where.line,
                    path=exc.where.path,
                )
            )
    if failed:
        status = 413 if all(f.code == "too_large" for f in failed) else 422
        first = failed[0]
        body = error_body(
            first.code,
            f"{len(failed)} of {len(files)} files failed; nothing was stored. {first.message}",
            "files",
            files=[f.model_dump() for f in failed],
        )
        return JSONResponse(body, status_code=status)
    if not any(p.conversations for p in parts):
        raise ApiError(422, "empty", "the files hold no conversations", field="files")
    stored = await run_in_threadpool(
        recordings.store_parts,
        ingest,
        parts,
        redact=chosen,
        user_id=principal.user.id,
        viewer=principal.viewer,
        options=options,
    )
    out = _out(stored.report, chosen)
    out.recordings = [r.conversation_id for r in stored.recordings]
    out.notes = stored.notes
    return out


Cursor = Annotated[
    str | None,
    Query(
        max_length=MAX_CURSOR,
        description="a page's `next` (for the page after it) or `previous` (before it)",
    ),
]


@router.get("/conversations", response_model=ConversationPage, responses=ERRORS)
def list_conversations(
    principal: Reader,
    store: StoreDep,
    where: Filter,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    order: Order = "newest",
    after: Cursor = None,
    before: Cursor = None,
) -> ConversationPage:
    """Conversations the caller may see, with the filters, newest first; `total` counts all.
    Pages follow one another by cursor: pass a page's `next` as `after` for the page after it,
    its `previous` as `before` for the one before; conversations stored meanwhile never shift
    them. With `q`, each conversation has the `snippet` of its turn that matched."""
    return store.list_conversations(
        principal.viewer, where, limit=limit, order=order, after=after, before=before
    )


@router.get("/conversations/{conversation_id}", response_model=ConversationOut, responses=ERRORS)
def get_conversation(conversation_id: Id, principal: Reader, store: StoreDep) -> ConversationOut:
    """One conversation with its current scorecard and findings (the view is audited)."""
    detail = store.get_conversation(principal.viewer, conversation_id)
    return ConversationOut.model_validate(detail.model_dump())


@router.get(
    "/conversations/{conversation_id}/survey-link", response_model=SurveyLinkOut, responses=ERRORS
)
def survey_link(
    conversation_id: Id, principal: LeadReader, store: StoreDep, settings: SettingsDep
) -> SurveyLinkOut:
    """The signed survey link to send the customer (no sign-in needed to answer it)."""
    store.get_conversation(principal.viewer, conversation_id)  # 404 unless visible
    token = survey_token(settings, conversation_id)
    return SurveyLinkOut(conversation_id=conversation_id, token=token, path=f"/survey/{token}")


@router.get(
    "/export",
    responses={
        **ERRORS,
        200: {"content": {"text/csv": {}, "application/vnd.apache.parquet": {}}},
    },
    response_class=StreamingResponse,
)
def export(
    principal: Reader,
    store: StoreDep,
    where: Filter,
    format: Literal["csv", "parquet"] = "csv",
) -> StreamingResponse:
    """The conversations the filters select, one row each with scores, as CSV or Parquet,
    oldest first, streamed as they are read. The audit log records the rows sent (and whether
    the export was cut short)."""
    names = exports.columns(store.component_names())
    read = store.iter_conversations(principal.viewer, where)
    first = next(read, None)  # a bad filter fails here, as a 422, before the response starts
    read = itertools.chain([first] if first else [], read)

    def done(rows: int, finished: bool) -> None:
        cut = "" if finished else " (cut short)"
        audit_log.audit(
            store,
            user_id=principal.user.id,
            action="export",
            object_type="conversation",
            detail=f"{rows} rows as {format}{cut}",
        )

    parts = exports.counted(exports.rows(read), done)
    if format == "csv":
        body, media, name = exports.csv_chunks(names, parts), "text/csv", "conversations.csv"
    else:
        body = exports.parquet_chunks(names, parts)
        media, name = "application/vnd.apache.parquet", "conversations.parquet"
    return StreamingResponse(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
