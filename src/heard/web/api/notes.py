"""Coaching notes: written by leads on a turn or span, acknowledged or disputed by the agent,
resolved by the lead, with a thread of replies."""

from __future__ import annotations

from fastapi import APIRouter, Response

from heard.store import coaching_notes
from heard.store.records import Note, NoteStatus
from heard.web.api.conversations import ERRORS
from heard.web.api.filters import Id, IdQuery
from heard.web.api.schemas import NoteIn, NoteResponseIn, NoteTextIn
from heard.web.deps import Reader, StoreDep, Writer

router = APIRouter(tags=["notes"])


@router.get("/conversations/{conversation_id}/notes", response_model=list[Note], responses=ERRORS)
def conversation_notes(conversation_id: Id, principal: Reader, store: StoreDep) -> list[Note]:
    return coaching_notes.list_notes(store, principal.viewer, conversation_id=conversation_id)


@router.post(
    "/conversations/{conversation_id}/notes",
    response_model=Note,
    status_code=201,
    responses=ERRORS,
)
def create_note(conversation_id: Id, note: NoteIn, principal: Writer, store: StoreDep) -> Note:
    """A coaching note (leads and admins) on the conversation, a turn, or a span of a turn."""
    return coaching_notes.create_note(
        store,
        principal.viewer,
        conversation_id,
        text=note.text,
        turn=note.turn,
        span_start=note.span_start,
        span_end=note.span_end,
    )


@router.get("/notes", response_model=list[Note], responses=ERRORS)
def list_notes(
    principal: Reader,
    store: StoreDep,
    status: NoteStatus | None = None,
    agent: IdQuery = None,
) -> list[Note]:
    """Notes the caller may see; an agent's open notes are the ones waiting for them."""
    return coaching_notes.list_notes(store, principal.viewer, status=status, agent_id=agent)


@router.get("/notes/{note_id}", response_model=Note, responses=ERRORS)
def get_note(note_id: Id, principal: Reader, store: StoreDep) -> Note:
    return coaching_notes.get_note(store, principal.viewer, note_id)


@router.patch("/notes/{note_id}", response_model=Note, responses=ERRORS)
def edit_note(note_id: Id, body: NoteTextIn, principal: Writer, store: StoreDep) -> Note:
    """Change a note's text (its author or an admin)."""
    return coaching_notes.edit_note(store, principal.viewer, note_id, text=body.text)


@router.delete("/notes/{note_id}", status_code=204, responses=ERRORS)
def delete_note(note_id: Id, principal: Writer, store: StoreDep) -> Response:
    coaching_notes.delete_note(store, principal.viewer, note_id)
    return Response(status_code=204)


@router.post("/notes/{note_id}/replies", response_model=Note, responses=ERRORS)
def reply(note_id: Id, body: NoteTextIn, principal: Writer, store: StoreDep) -> Note:
    return coaching_notes.reply_to_note(store, principal.viewer, note_id, text=body.text)


@router.post("/notes/{note_id}/acknowledge", response_model=Note, responses=ERRORS)
def acknowledge(note_id: Id, body: NoteResponseIn, principal: Writer, store: StoreDep) -> Note:
    """The agent the note is for accepts it."""
    return _move(store, principal, note_id, NoteStatus.ACKNOWLEDGED, body)


@router.post("/notes/{note_id}/dispute", response_model=Note, responses=ERRORS)
def dispute(note_id: Id, body: NoteResponseIn, principal: Writer, store: StoreDep) -> Note:
    """The agent the note is for disagrees; a lead resolves it."""
    return _move(store, principal, note_id, NoteStatus.DISPUTED, body)


@router.post("/notes/{note_id}/resolve", response_model=Note, responses=ERRORS)
def resolve(note_id: Id, body: NoteResponseIn, principal: Writer, store: StoreDep) -> Note:
    """A lead (or admin) closes the note."""
    return _move(store, principal, note_id, NoteStatus.RESOLVED, body)


def _move(
    store: StoreDep, principal: Writer, note_id: int, status: NoteStatus, body: NoteResponseIn
) -> Note:
    return coaching_notes.move_note(store, principal.viewer, note_id, status, text=body.text)
