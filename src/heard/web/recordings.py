"""Uploads that store conversations, and with a call read from a recording its audio: the
redacted copy, with every redacted word's stretch of time silenced (heard.audio.redaction),
kept beside the stored call (heard.store.recordings) for the conversation viewer's player.
Conversations are stored through the ingest service (heard.ingest).
The recording as uploaded is never kept; with redaction off (an admin's choice) no audio is
kept at all, since no copy of it could be called redacted. One service for the upload page
and `POST /api/v1/conversations/upload`."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from fastapi import UploadFile
from fastapi.concurrency import run_in_threadpool

from heard.errors import InputError
from heard.importers.base import ImportOptions, Source
from heard.importers.registry import read_source
from heard.ingest import IngestService
from heard.model import Conversation
from heard.store import Store, StoreError, Viewer
from heard.store import recordings as store_recordings
from heard.store.records import IngestReport, RecordingInfo

log = logging.getLogger(__name__)

AUDIO_FORMAT = "audio"
"""The importer that reads call recordings (heard.importers.audio)."""


@dataclass
class Part:
    """Conversations read from one uploaded file; `recording` when the file was a call's
    audio (its bytes, for the redacted copy)."""

    conversations: list[Conversation]
    recording: Source | None = None


@dataclass
class Stored:
    """What storing some parts gave: the ingest's report, the recordings kept, and why audio
    was not kept where it was not."""

    report: IngestReport
    recordings: list[RecordingInfo] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


async def read_upload(
    upload: UploadFile, *, format: str, options: ImportOptions
) -> tuple[str, list[Conversation], Source]:
    """(format, conversations, source) of one uploaded file, read off the event loop: the
    one reading the upload page and the API share. A file over `options.max_bytes` or one its
    importer refuses is an InputError naming the file (and the line where it has one)."""
    name = upload.filename or "upload"
    data = await upload.read()
    if len(data) > options.max_bytes:
        raise InputError(
            f"file is {len(data):,} bytes, over the limit of {options.max_bytes:,}",
            where=Source(name, b"").where(),
            code="too_large",
        )
    source = Source(name, data)
    fmt, found = await run_in_threadpool(read_source, source, format=format, options=options)
    return fmt, found, source


def part(conversations: list[Conversation], source: Source, format: str) -> Part:
    return Part(conversations, source if format == AUDIO_FORMAT else None)


def store_parts(
    ingest: IngestService,
    parts: list[Part],
    *,
    redact: bool,
    user_id: int | None,
    viewer: Viewer,
    options: ImportOptions | None = None,
) -> Stored:
    """Store every part's conversations in one ingest (all or nothing), then keep the redacted
    copy of each recorded call's audio. A copy that cannot be made is a note, never a failure
    of the upload: the call is stored either way."""
    conversations = [c for p in parts for c in p.conversations]
    recorded = any(p.recording is not None for p in parts)
    if not recorded or not redact:
        report = ingest.ingest(conversations, redact=redact, user_id=user_id, viewer=viewer)
        notes = (
            ["the audio was not kept: with redaction off no copy of it can be redacted"]
            if recorded
            else []
        )
        return Stored(report, notes=notes)
    # redacted first, so that the words the copy silences are the ones the store keeps
    analysed = ingest.analyse(conversations, redact=True)
    report = ingest.ingest(
        [c for c, _ in analysed],
        analysed=[card for _, card in analysed],
        redact=True,
        user_id=user_id,
        viewer=viewer,
    )
    stored = Stored(report)
    at = 0
    for each in parts:
        count = len(each.conversations)
        if each.recording is not None:
            for (conversation, _), item in zip(
                analysed[at : at + count], report.items[at : at + count], strict=True
            ):
                _keep(ingest.store, stored, each.recording, conversation, item.id, user_id, options)
        at += count
    return stored


def _keep(
    store: Store,
    stored: Stored,
    source: Source,
    conversation: Conversation,
    conversation_id: int,
    user_id: int | None,
    options: ImportOptions | None,
) -> None:
    from heard.audio.redaction import redacted_copy
    from heard.importers.audio import call_recording

    try:
        copy = redacted_copy(call_recording(source, options or ImportOptions()), conversation)
        stored.recordings.append(
            store_recordings.keep_copy(store, conversation_id, copy, user_id=user_id)
        )
    except (InputError, ValueError, StoreError) as exc:
        log.info("recording of conversation %s not kept (%s)", conversation_id, type(exc).__name__)
        stored.notes.append(f"the audio of {source.name} was not kept ({exc})")
