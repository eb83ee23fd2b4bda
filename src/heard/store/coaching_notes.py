"""Coaching notes: a lead (or admin) writes a note on a conversation, a turn or a span of a
turn; the agent it is for acknowledges or disputes it, anyone who sees the conversation may
reply, the lead resolves it. Each change is an event of the note's thread, redacted as the
store redacts and audited. A note is seen by whoever sees its conversation."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, Literal

import orjson
from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from heard.store import audit_log, quotes, scoping
from heard.store.clock import from_db, now
from heard.store.errors import Conflict, Forbidden, Invalid, NotFound
from heard.store.records import Note, NoteEvent, NoteEventKind, NoteStatus, UserRole, Viewer
from heard.store.redaction import free_text
from heard.store.tables import ConversationRow, NoteEventRow, NoteRow, UserRow

if TYPE_CHECKING:
    from heard.store.repository import Store


def note_records(session: Session, stmt: Select[Any]) -> list[Note]:
    """The notes `stmt` selects, oldest first, with their events, authors and quotes."""
    rows = session.scalars(stmt.order_by(NoteRow.created_at, NoteRow.id)).all()
    if not rows:
        return []
    users = dict(session.execute(select(UserRow.id, UserRow.name)).all())
    emails = dict(session.execute(select(UserRow.id, UserRow.email)).all())
    turns = quotes.turn_texts(session, {r.conversation_id for r in rows if r.turn is not None})
    events: dict[int, list[NoteEvent]] = defaultdict(list)
    for event in session.scalars(
        select(NoteEventRow)
        .where(NoteEventRow.note_id.in_([r.id for r in rows]))
        .order_by(NoteEventRow.at, NoteEventRow.id)
    ):
        events[event.note_id].append(
            NoteEvent(
                id=event.id,
                user_id=event.user_id,
                user=users.get(event.user_id) or emails.get(event.user_id),
                kind=NoteEventKind(event.kind),
                text=event.text,
                at=from_db(event.at),  # type: ignore[arg-type]
            )
        )
    return [
        Note(
            id=r.id,
            conversation_id=r.conversation_id,
            turn=r.turn,
            span_start=r.span_start,
            span_end=r.span_end,
            author_id=r.author_id,
            author=users.get(r.author_id) or emails.get(r.author_id),
            agent_id=r.agent_id,
            text=r.text,
            status=NoteStatus(r.status),
            created_at=from_db(r.created_at),  # type: ignore[arg-type]
            updated_at=from_db(r.updated_at),  # type: ignore[arg-type]
            events=events.get(r.id, []),
            quote=quotes.quoted(turns.get(r.conversation_id, []), r.turn, r.span_start, r.span_end),
        )
        for r in rows
    ]


def _note(session: Session, viewer: Viewer, note_id: int) -> tuple[NoteRow, ConversationRow]:
    note = session.get(NoteRow, note_id)
    if note is None:
        raise NotFound(f"no note {note_id}", field="note_id")
    try:
        conversation = scoping.visible(session, viewer, note.conversation_id)
    except NotFound:
        raise NotFound(f"no note {note_id}", field="note_id") from None
    return note, conversation


def _note_event(
    store: Store,
    session: Session,
    note: NoteRow,
    viewer: Viewer,
    kind: NoteEventKind,
    text: str | None,
    *,
    detail: str | None = None,
) -> None:
    """Record an event of a note (its `text` redacted as the store redacts), audited with
    `detail` or what redaction replaced in `text`."""
    if viewer.user_id is None:
        raise Forbidden("coaching notes need a signed-in user")
    if text is not None:
        text, detail = free_text(text, redact=store.redact)
    stamp = now()
    session.add(
        NoteEventRow(note_id=note.id, user_id=viewer.user_id, kind=kind.value, text=text, at=stamp)
    )
    note.updated_at = stamp
    audit_log.write(session, viewer.user_id, kind.value, "note", str(note.id), detail)


def create_note(
    store: Store,
    viewer: Viewer,
    conversation_id: int,
    *,
    text: str,
    turn: int | None = None,
    span_start: int | None = None,
    span_end: int | None = None,
) -> Note:
    """A lead's (or admin's) coaching note on a conversation, a turn, or a span of a turn."""
    if not text.strip():
        raise Invalid("a note needs some text", field="text")
    text, detail = free_text(text, redact=store.redact)
    with store._session() as session:
        conversation = scoping.visible(session, viewer, conversation_id)
        if viewer.role == UserRole.AGENT or viewer.user_id is None:
            raise Forbidden("only leads and admins write coaching notes")
        # heard JSON leaves out an empty list of turns (a live call that ended unheard)
        turns = [t["text"] for t in orjson.loads(conversation.body).get("turns", [])]
        if turn is not None and not 0 <= turn < len(turns):
            raise Invalid(
                f"turn {turn} is not in the conversation (0–{len(turns) - 1})"
                if turns
                else f"turn {turn} is not in the conversation: it has no turns",
                field="turn",
            )
        if (span_start is None) != (span_end is None):
            raise Invalid("give both span_start and span_end, or neither", field="span_start")
        if span_start is not None and span_end is not None:
            if turn is None:
                raise Invalid("a span needs its turn", field="turn")
            if not 0 <= span_start <= span_end <= len(turns[turn]):
                raise Invalid(
                    f"span {span_start}–{span_end} is outside turn {turn} (0–{len(turns[turn])})",
                    field="span_end",
                )
        stamp = now()
        note = NoteRow(
            conversation_id=conversation.id,
            turn=turn,
            span_start=span_start,
            span_end=span_end,
            author_id=viewer.user_id,
            agent_id=conversation.agent_id,
            text=text,
            status=NoteStatus.OPEN.value,
            created_at=stamp,
            updated_at=stamp,
        )
        session.add(note)
        session.flush()
        _note_event(store, session, note, viewer, NoteEventKind.CREATED, None, detail=detail)
        return note_records(session, select(NoteRow).where(NoteRow.id == note.id))[0]


def get_note(store: Store, viewer: Viewer, note_id: int) -> Note:
    with store._session() as session:
        note, _ = _note(session, viewer, note_id)
        return note_records(session, select(NoteRow).where(NoteRow.id == note.id))[0]


def list_notes(
    store: Store,
    viewer: Viewer,
    *,
    conversation_id: int | None = None,
    status: NoteStatus | None = None,
    agent_id: int | None = None,
) -> list[Note]:
    with store._session() as session:
        visible = scoping.scoped(select(ConversationRow.id), viewer)
        stmt = select(NoteRow).where(NoteRow.conversation_id.in_(visible))
        if conversation_id is not None:
            scoping.visible(session, viewer, conversation_id)  # NotFound unless visible
            stmt = stmt.where(NoteRow.conversation_id == conversation_id)
        if status is not None:
            stmt = stmt.where(NoteRow.status == status.value)
        if agent_id is not None:
            stmt = stmt.where(NoteRow.agent_id == agent_id)
        return note_records(session, stmt)


def reply_to_note(store: Store, viewer: Viewer, note_id: int, *, text: str) -> Note:
    if not text.strip():
        raise Invalid("a reply needs some text", field="text")
    with store._session() as session:
        note, _ = _note(session, viewer, note_id)
        _note_event(store, session, note, viewer, NoteEventKind.REPLY, text)
        return note_records(session, select(NoteRow).where(NoteRow.id == note.id))[0]


def edit_note(store: Store, viewer: Viewer, note_id: int, *, text: str) -> Note:
    if not text.strip():
        raise Invalid("a note needs some text", field="text")
    with store._session() as session:
        note, _ = _note(session, viewer, note_id)
        if note.author_id != viewer.user_id and not viewer.is_admin:
            raise Forbidden("only the note's author or an admin may edit it")
        note.text, detail = free_text(text, redact=store.redact)
        _note_event(store, session, note, viewer, NoteEventKind.EDITED, None, detail=detail)
        return note_records(session, select(NoteRow).where(NoteRow.id == note.id))[0]


def delete_note(store: Store, viewer: Viewer, note_id: int) -> None:
    with store._session() as session:
        note, _ = _note(session, viewer, note_id)
        if note.author_id != viewer.user_id and not viewer.is_admin:
            raise Forbidden("only the note's author or an admin may delete it")
        session.execute(delete(NoteEventRow).where(NoteEventRow.note_id == note.id))
        session.delete(note)
        audit_log.write(session, viewer.user_id, "delete", "note", str(note_id), None)


def respond_to_note(
    store: Store,
    viewer: Viewer,
    note_id: int,
    *,
    status: Literal[NoteStatus.ACKNOWLEDGED, NoteStatus.DISPUTED],
    text: str | None = None,
) -> Note:
    """The agent the note is for acknowledges or disputes it (from open; a disputed note may
    still be acknowledged)."""
    with store._session() as session:
        note, _ = _note(session, viewer, note_id)
        if viewer.role != UserRole.AGENT or viewer.agent_id != note.agent_id:
            raise Forbidden("only the agent the note is for may acknowledge or dispute it")
        allowed = {
            NoteStatus.ACKNOWLEDGED: {NoteStatus.OPEN, NoteStatus.DISPUTED},
            NoteStatus.DISPUTED: {NoteStatus.OPEN},
        }[status]
        if NoteStatus(note.status) not in allowed:
            raise Conflict(
                f"the note is {note.status}; it cannot become {status.value}", field="status"
            )
        note.status = status.value
        kind = (
            NoteEventKind.ACKNOWLEDGED
            if status == NoteStatus.ACKNOWLEDGED
            else NoteEventKind.DISPUTED
        )
        _note_event(store, session, note, viewer, kind, text)
        return note_records(session, select(NoteRow).where(NoteRow.id == note.id))[0]


def resolve_note(store: Store, viewer: Viewer, note_id: int, *, text: str | None = None) -> Note:
    """A lead (or admin) closes a note, settling a dispute."""
    with store._session() as session:
        note, _ = _note(session, viewer, note_id)
        if viewer.role == UserRole.AGENT:
            raise Forbidden("only leads and admins resolve notes")
        if note.status == NoteStatus.RESOLVED.value:
            raise Conflict("the note is already resolved", field="status")
        note.status = NoteStatus.RESOLVED.value
        _note_event(store, session, note, viewer, NoteEventKind.RESOLVED, text)
        return note_records(session, select(NoteRow).where(NoteRow.id == note.id))[0]


def move_note(
    store: Store, viewer: Viewer, note_id: int, status: NoteStatus, *, text: str | None = None
) -> Note:
    """A note moved on to `status` with an optional word: acknowledged or disputed by its agent
    (`respond_to_note`), resolved by a lead or admin (`resolve_note`). What the API's and the
    pages' acknowledge, dispute and resolve all call."""
    if status == NoteStatus.RESOLVED:
        return resolve_note(store, viewer, note_id, text=text)
    if status in (NoteStatus.ACKNOWLEDGED, NoteStatus.DISPUTED):
        return respond_to_note(store, viewer, note_id, status=status, text=text)
    raise Invalid(f"a note cannot be moved back to {status.value}", field="status")
