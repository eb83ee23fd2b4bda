"""A call's audio: the stored redacted copy, streamed with HTTP Range support (a browser's
<audio> seeks with Range requests), to whoever may see the conversation."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response, StreamingResponse

from heard.store import recordings
from heard.store.records import RecordingInfo
from heard.web.api.filters import Id
from heard.web.api.schemas import ErrorOut
from heard.web.deps import Reader, StoreDep

router = APIRouter(tags=["conversations"])

CACHE_CONTROL = "private, no-cache"
"""Browsers may keep the audio but ask again before using it (an ETag makes that a 304), so
that a viewer who lost access to the conversation is refused at once."""
_SPEC = re.compile(r"\s*(\d*)\s*-\s*(\d*)\s*")

Unsatisfiable = Literal["unsatisfiable"]


def byte_range(header: str | None, size: int) -> tuple[int, int] | Unsatisfiable | None:
    """The (first, last) byte of a `Range: bytes=…` header for a body of `size` bytes; None
    for the whole body (no header, another unit, several ranges or a malformed one, which
    RFC 9110 lets a server ignore); "unsatisfiable" when it starts past the end."""
    if not header:
        return None
    unit, _, specs = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in specs:
        return None
    found = _SPEC.fullmatch(specs)
    if found is None or not (found.group(1) or found.group(2)):
        return None
    first, last = found.group(1), found.group(2)
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else None
    if end is not None and end < start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, size - 1 if end is None else min(end, size - 1)


def _etag(found: RecordingInfo) -> str:
    return f'"{found.digest}"'


def _headers(found: RecordingInfo, conversation_id: int) -> dict[str, str]:
    return {
        "Accept-Ranges": "bytes",
        "ETag": _etag(found),
        "Cache-Control": CACHE_CONTROL,
        "Content-Disposition": f'inline; filename="conversation-{conversation_id}.wav"',
    }


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


AUDIO = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/conversations/{conversation_id}/audio",
    response_class=Response,
    responses={
        200: {"content": {"audio/wav": AUDIO}, "description": "the whole recording"},
        206: {"content": {"audio/wav": AUDIO}, "description": "the bytes the Range asked for"},
        304: {"description": "unchanged since the ETag in If-None-Match"},
        401: {"model": ErrorOut},
        403: {"model": ErrorOut},
        404: {"model": ErrorOut, "description": "no such conversation to the caller, or no audio"},
        416: {"description": "the Range starts past the end (Content-Range: bytes */size)"},
        422: {"model": ErrorOut},
    },
)
def conversation_audio(
    conversation_id: Id,
    request: Request,
    principal: Reader,
    store: StoreDep,
    range: Annotated[
        str | None,
        Header(max_length=200, description="bytes=first-last, bytes=first- or bytes=-count"),
    ] = None,
) -> Response:
    """The call's audio as the store keeps it: the redacted copy (the transcript's redacted
    words silenced), 16-bit PCM WAV. Answers a single byte Range with 206 and Content-Range,
    honours If-Range and If-None-Match (ETag: the audio's SHA-256). Who may see the
    conversation may listen; anyone else gets 404, as for the conversation. Listening is
    audited once a play (the request from the first byte), not every seek."""
    found = recordings.recording(store, principal.viewer, conversation_id)  # 404 first
    wanted = byte_range(range, found.size)
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range.strip() != _etag(found):
        wanted = None  # changed since the browser's copy: the whole of the new one
    if wanted is None or (wanted != "unsatisfiable" and wanted[0] == 0):
        recordings.listened(store, principal.viewer, conversation_id)
    headers = _headers(found, conversation_id)
    if _matches(request.headers.get("if-none-match"), _etag(found)):
        return Response(status_code=304, headers=headers)
    if wanted == "unsatisfiable":
        return Response(
            status_code=416, headers={**headers, "Content-Range": f"bytes */{found.size}"}
        )
    first, last = wanted if wanted is not None else (0, found.size - 1)
    headers["Content-Length"] = str(last - first + 1)
    if wanted is not None:
        headers["Content-Range"] = f"bytes {first}-{last}/{found.size}"
    return StreamingResponse(
        recordings.pieces(store, found, first, last),
        status_code=206 if wanted is not None else 200,
        media_type=found.content_type,
        headers=headers,
    )
