"""The conversation page (transcript, scorecard, notes, feedback; for leads the review
assignment form, for its agent the dispute form) and the coaching notes' forms: add,
acknowledge, dispute, resolve, reply."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from heard.model.values import Text
from heard.settings import Settings
from heard.store import Store, UserRole, Viewer, coaching_notes
from heard.store import records as store_records
from heard.store.errors import Invalid, NotFound
from heard.store.records import NoteStatus
from heard.web import auth, dispute_views, views
from heard.web.deps import SettingsDep, StoreDep
from heard.web.pages.session import (
    CsrfChecked,
    PageId,
    Signed,
    User,
    back,
    html,
    pages,
    see_other,
)
from heard.web.review_views import AssignForm, assign_form

router = APIRouter(include_in_schema=False)


EVENT_KINDS = {"reply", "acknowledged", "disputed", "resolved"}


def note_view(note: store_records.Note, agents: dict[int, str]) -> views.Note:
    return views.Note(
        id=note.id,
        conversation_id=str(note.conversation_id),
        turn=note.turn,
        start=note.span_start,
        end=note.span_end,
        author=note.author or f"user {note.author_id}",
        agent=agents.get(note.agent_id) if note.agent_id is not None else None,
        text=note.text,
        status=note.status,
        created_at=note.created_at,
        quote=note.quote,
        events=[
            views.NoteEvent(
                author=e.user or f"user {e.user_id}",
                at=e.at,
                kind=e.kind.value,  # type: ignore[arg-type]
                text=e.text or "",
            )
            for e in note.events
            if e.kind.value in EVENT_KINDS
        ],
    )


def agent_names(store: Store, viewer: Viewer) -> dict[int, str]:
    return {a.id: a.name or a.external_id for a in store.list_agents(viewer)}


@router.get("/conversations/{conversation_id}")
def conversation(
    request: Request,
    conversation_id: PageId,
    user: User,
    store: StoreDep,
    settings: SettingsDep,
    dispute: Annotated[Text | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    """The conversation; `dispute` (a finding's or score's key) chooses it in the agent's
    "Disagree with heard" form."""
    form = views.RaiseForm(target=dispute) if dispute else None
    return conversation_page(request, conversation_id, user, store, settings, dispute=form)


def conversation_page(
    request: Request,
    conversation_id: int,
    user: Signed,
    store: Store,
    settings: Settings,
    *,
    assign: AssignForm | None = None,
    dispute: views.RaiseForm | None = None,
    decided: dict[int, views.DecideForm] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The conversation page; for leads with the "assign for review" form (`assign`: as typed
    when it was refused) and each open dispute's decide form (`decided`: as typed), for its
    agent the "Disagree with heard" form (`dispute`: as typed)."""
    detail = store.get_conversation(user.viewer, conversation_id)
    if detail.scorecard is None:
        raise NotFound(f"conversation {conversation_id} has no scorecard yet")
    names = agent_names(store, user.viewer)
    coach = user.role in (UserRole.LEAD, UserRole.ADMIN)
    view = views.ConversationView(
        conversation=detail.conversation,
        scorecard=detail.scorecard,
        notes=[note_view(n, names) for n in detail.notes],
        feedback=[
            views.FeedbackAnswer(
                csat=f.csat,
                felt_heard=f.felt_heard,
                comment=f.comment or "",
                submitted_at=f.submitted_at,
            )
            for f in detail.feedback
            if f.csat is not None and f.felt_heard is not None
        ],
        survey_url=f"/survey/{auth.survey_token(settings, conversation_id)}" if coach else None,
        url_id=str(conversation_id),
        assign=(assign or assign_form(store, user.viewer, single=str(conversation_id)))
        if coach
        else None,
        disputes=dispute_views.for_conversation(
            store,
            user.viewer,
            conversation_id,
            agent_id=detail.summary.agent_id,
            form=dispute,
            typed=decided,
        ),
        audio=views.CallAudio(
            url=f"/api/v1/conversations/{conversation_id}/audio",
            seconds=detail.recording.seconds,
            silenced_seconds=detail.recording.silenced_seconds,
        )
        if detail.recording is not None
        else None,
    )
    body = pages(request).conversation(view, user=user.page_user, csrf_token=user.csrf)
    return html(body, status)


def _turn(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    if not (value.strip().isascii() and value.strip().isdigit()):
        raise Invalid(f"turn must be a number, got {value!r}", field="turn")
    return int(value)


@router.post("/conversations/{conversation_id}/notes")
async def add_note(
    request: Request,
    conversation_id: PageId,
    user: User,
    store: StoreDep,
    _: CsrfChecked,
    text: Annotated[Text, Form(max_length=10_000)],
    turn: Annotated[str | None, Form(max_length=12)] = None,
    start: Annotated[str | None, Form(max_length=12)] = None,
    end: Annotated[str | None, Form(max_length=12)] = None,
) -> Response:
    note = coaching_notes.create_note(
        store,
        user.viewer,
        conversation_id,
        text=text,
        turn=_turn(turn),
        span_start=_turn(start),
        span_end=_turn(end),
    )
    return see_other(f"/conversations/{conversation_id}#note-{note.id}")


def _after_note(request: Request, note: store_records.Note) -> Response:
    default = f"/conversations/{note.conversation_id}"
    return see_other(f"{back(request, default)}#note-{note.id}")


NoteWord = Annotated[Text | None, Form(max_length=10_000)]
"""The word an agent or lead may add when moving a note on."""


@router.post("/notes/{note_id}/acknowledge")
async def acknowledge_note(
    request: Request,
    note_id: PageId,
    user: User,
    store: StoreDep,
    _: CsrfChecked,
    text: NoteWord = None,
) -> Response:
    return _move(request, note_id, user, store, NoteStatus.ACKNOWLEDGED, text)


@router.post("/notes/{note_id}/dispute")
async def dispute_note(
    request: Request,
    note_id: PageId,
    user: User,
    store: StoreDep,
    _: CsrfChecked,
    text: NoteWord = None,
) -> Response:
    return _move(request, note_id, user, store, NoteStatus.DISPUTED, text)


@router.post("/notes/{note_id}/resolve")
async def resolve_note(
    request: Request,
    note_id: PageId,
    user: User,
    store: StoreDep,
    _: CsrfChecked,
    text: NoteWord = None,
) -> Response:
    return _move(request, note_id, user, store, NoteStatus.RESOLVED, text)


def _move(
    request: Request,
    note_id: int,
    user: User,
    store: StoreDep,
    status: NoteStatus,
    text: str | None,
) -> Response:
    note = coaching_notes.move_note(store, user.viewer, note_id, status, text=text or None)
    return _after_note(request, note)


@router.post("/notes/{note_id}/replies")
async def reply_to_note(
    request: Request,
    note_id: PageId,
    user: User,
    store: StoreDep,
    _: CsrfChecked,
    text: Annotated[Text, Form(max_length=10_000)],
) -> Response:
    note = coaching_notes.reply_to_note(store, user.viewer, note_id, text=text)
    return _after_note(request, note)
