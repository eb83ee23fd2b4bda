"""Call recordings: the audio of a call imported from a recording, as the conversation viewer
plays it. Only the redacted copy is kept (every redacted word's stretch of time silenced, see
heard.audio.redaction), one a conversation, deleted with it. Its bytes are read a piece at a
time (`piece`), so that an HTTP Range request never loads the whole recording; who may
listen is who may see the conversation."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import LargeBinary, delete, func, select
from sqlalchemy.orm import Session

from heard.store import audit_log, scoping
from heard.store.errors import Invalid, NotFound
from heard.store.records import RecordingInfo, Viewer
from heard.store.tables import ConversationRow, RecordingRow

if TYPE_CHECKING:
    from heard.store.repository import Store

CONTENT_TYPES = frozenset({"audio/wav"})
"""The media types the store keeps (the redacted copy is written as 16-bit PCM WAV)."""
PIECE_BYTES = 1 << 20
"""The most bytes one read takes from the database."""


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _info(row: RecordingRow) -> RecordingInfo:
    return RecordingInfo(
        conversation_id=row.conversation_id,
        content_type=row.content_type,
        size=row.size,
        digest=row.digest,
        seconds=row.seconds,
        channels=row.channels,
        sample_rate=row.sample_rate,
        redacted=row.redacted,
        silenced_seconds=row.silenced_seconds,
        created_at=row.created_at.replace(tzinfo=UTC),  # stored as naive UTC
    )


class Copy(Protocol):
    """A recording's redacted copy as heard.audio.redaction makes it (`RedactedCopy`)."""

    wav: bytes
    seconds: float
    channels: int
    rate: int
    content_type: str

    @property
    def silenced_seconds(self) -> float: ...


def keep_copy(
    store: Store, conversation_id: int, copy: Copy, *, user_id: int | None = None
) -> RecordingInfo:
    """Keep a redacted copy as the recording of a stored conversation (`keep`): the one way
    an upload and a live call keep their audio."""
    return keep(
        store,
        conversation_id,
        copy.wav,
        content_type=copy.content_type,
        seconds=copy.seconds,
        channels=copy.channels,
        sample_rate=copy.rate,
        silenced_seconds=copy.silenced_seconds,
        redacted=True,
        user_id=user_id,
    )


def keep(
    store: Store,
    conversation_id: int,
    audio: bytes,
    *,
    content_type: str,
    seconds: float,
    channels: int,
    sample_rate: int,
    silenced_seconds: float,
    redacted: bool,
    user_id: int | None = None,
) -> RecordingInfo:
    """Keep `audio` as the recording of a stored conversation, replacing the one it had.
    Only a redacted copy is kept: anything else is Invalid, as is an empty or unknown file.
    The caller has stored the conversation (as a viewer allowed to), so no viewer here."""
    if not redacted:
        raise Invalid(
            "heard keeps only the redacted copy of a call's audio (redacted words silenced)",
            field="redacted",
        )
    if content_type not in CONTENT_TYPES:
        raise Invalid(f"cannot keep {content_type!r} audio", field="content_type")
    if not audio:
        raise Invalid("the recording is empty", field="audio")
    digest = hashlib.sha256(audio).hexdigest()
    with store._session() as session:
        if session.get(ConversationRow, conversation_id) is None:
            raise NotFound(f"no conversation {conversation_id}", field="conversation_id")
        row = session.scalars(
            select(RecordingRow).where(RecordingRow.conversation_id == conversation_id)
        ).one_or_none()
        if row is not None and row.digest == digest:
            return _info(row)
        if row is not None:
            session.execute(delete(RecordingRow).where(RecordingRow.id == row.id))
        row = RecordingRow(
            conversation_id=conversation_id,
            content_type=content_type,
            size=len(audio),
            digest=digest,
            seconds=round(seconds, 3),
            channels=channels,
            sample_rate=sample_rate,
            redacted=True,
            silenced_seconds=round(silenced_seconds, 2),
            created_at=now(),
            audio=audio,
        )
        session.add(row)
        session.flush()
        audit_log.write(
            session,
            user_id,
            "store",
            "recording",
            str(conversation_id),
            f"{len(audio):,} bytes, {silenced_seconds:.1f} s silenced",
        )
        return _info(row)


def describe(session: Session, conversation_id: int) -> RecordingInfo | None:
    """The conversation's recording without its bytes (None: it has none)."""
    row = session.scalars(
        select(RecordingRow).where(RecordingRow.conversation_id == conversation_id)
    ).one_or_none()
    return _info(row) if row is not None else None


def recording(store: Store, viewer: Viewer, conversation_id: int) -> RecordingInfo:
    """The recording of a conversation the viewer may see; NotFound when they may not see it
    or it has none."""
    with store._session() as session:
        scoping.visible(session, viewer, conversation_id)
        found = describe(session, conversation_id)
        if found is None:
            raise NotFound(
                f"conversation {conversation_id} has no recording", field="conversation_id"
            )
        return found


def listened(store: Store, viewer: Viewer, conversation_id: int) -> None:
    """Write a listen to the audit log (once a play: the player's first request, not every
    seek)."""
    with store._session() as session:
        audit_log.write(
            session, viewer.user_id, "listen", "conversation", str(conversation_id), None
        )


def piece(store: Store, found: RecordingInfo, start: int, end: int) -> bytes:
    """Bytes `start` to `end` (inclusive, as in a Range header) of the recording `found`
    described, at most PIECE_BYTES of them; empty when that recording has since been replaced
    or deleted (its digest no longer matches)."""
    length = min(end - start + 1, PIECE_BYTES)
    if start < 0 or length <= 0 or start >= found.size:
        return b""
    with store._session() as session:
        data = session.scalar(
            select(func.substr(RecordingRow.audio, start + 1, length, type_=LargeBinary)).where(
                RecordingRow.conversation_id == found.conversation_id,
                RecordingRow.digest == found.digest,
            )
        )
    return bytes(data) if data is not None else b""


def pieces(store: Store, found: RecordingInfo, start: int, end: int) -> Iterator[bytes]:
    """Bytes `start` to `end` (inclusive) in pieces of at most PIECE_BYTES, read as they are
    sent; stops early when the recording was replaced meanwhile."""
    at = start
    while at <= end:
        data = piece(store, found, at, end)
        if not data:
            return
        yield data
        at += len(data)
