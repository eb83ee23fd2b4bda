"""The dispute pages: the inbox (/disputes: a lead's teams' disputes, an admin's all, an
agent's own, by status), a lead's accept / reject forms (from the inbox or the conversation
page), and the agent's "Disagree with heard" form on their conversation's page. A refused form
shows its page again with what was typed and the error by the field; the store does every
check (heard.store.disputes), as for the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from heard.model.values import Text
from heard.store import UserRole, coaching_notes, disputes
from heard.store.errors import Conflict, Invalid, NotFound, StoreError
from heard.store.records import NoteStatus
from heard.web import dispute_views as dv
from heard.web import views
from heard.web.deps import IngestDep, SettingsDep, StoreDep
from heard.web.pages.conversation import agent_names, conversation_page, note_view
from heard.web.pages.session import CsrfChecked, PageId, Signed, User, html, pages, see_other

router = APIRouter(include_in_schema=False)

FormText = Annotated[Text, Form(max_length=10_000)]
"""A typed text: longer than the store takes (it says so by the field), shorter than abuse."""
RAISE_FIELDS = {"target": "target", "finding": "target", "score": "target", "turn": "turn"}
"""The store's field of a refused dispute → the form's field that shows it."""


def _inbox(
    request: Request,
    user: Signed,
    store: StoreDep,
    *,
    status: str,
    typed: dict[int, views.DecideForm] | None = None,
    message: str | None = None,
    code: int = 200,
) -> HTMLResponse:
    viewer = user.viewer
    disputed = coaching_notes.list_notes(store, viewer, status=NoteStatus.DISPUTED)
    names = agent_names(store, viewer)
    view = dv.inbox(
        store,
        viewer,
        status=status,
        notes=[note_view(n, names) for n in disputed],
        typed=typed,
        message=message,
    )
    body = pages(request).render(
        "disputes.html",
        user=user.page_user,
        csrf_token=user.csrf,
        active="disputes",
        view=view,
        statuses=[(s, dv.STATUS_LABELS[s]) for s in dv.STATUSES],
        status_labels=dv.STATUS_LABELS,
    )
    return html(body, code)


def _decided_message(store: StoreDep, user: Signed, dispute_id: int) -> str | None:
    try:
        d = disputes.get_dispute(store, user.viewer, dispute_id)
    except NotFound:
        return None
    if d.status == disputes.DisputeStatus.ACCEPTED:
        if d.kind == disputes.DisputeKind.FINDING:
            return (
                f"Accepted the dispute on {d.conversation}: heard's finding is overturned and "
                "no longer counts in the score."
            )
        return f"Accepted the dispute on {d.conversation}: heard's score is marked overturned."
    if d.status == disputes.DisputeStatus.REJECTED:
        return f"Rejected the dispute on {d.conversation}: heard's finding stands."
    return None


@router.get("/disputes")
def inbox(
    request: Request,
    user: User,
    store: StoreDep,
    status: Annotated[Text | None, Query(max_length=20)] = None,
    decided: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> HTMLResponse:
    """The disputes the viewer may see, by `status` (open by default, accepted, rejected,
    all); `decided`: the dispute just decided, said at the top."""
    status = status or "open"
    if status not in dv.STATUSES:
        raise Invalid(f"status is one of {', '.join(dv.STATUSES)}", field="status")
    message = _decided_message(store, user, decided) if decided else None
    return _inbox(request, user, store, status=status, message=message)


async def _decide(
    request: Request,
    dispute_id: int,
    user: Signed,
    store: StoreDep,
    ingest: IngestDep,
    settings: SettingsDep,
    *,
    accept: bool,
    reply: str,
    back: str,
) -> Response:
    try:
        done = await run_in_threadpool(
            ingest.decide_dispute, user.viewer, dispute_id, accept=accept, reply=reply or None
        )
    except Invalid as exc:
        if exc.field != "reply":
            raise
        typed = {dispute_id: views.DecideForm(reply=reply, error=exc.message)}
        if back == "conversation":
            conversation_id = disputes.get_dispute(store, user.viewer, dispute_id).conversation_id
            return await run_in_threadpool(
                conversation_page,
                request,
                conversation_id,
                user,
                store,
                settings,
                decided=typed,
                status=422,
            )
        return await run_in_threadpool(
            _inbox, request, user, store, status="open", typed=typed, code=422
        )
    if back == "conversation":
        return see_other(f"/conversations/{done.conversation_id}#dispute-{done.id}")
    return see_other(f"/disputes?decided={done.id}")


@router.post("/disputes/{dispute_id}/accept")
async def accept(
    request: Request,
    dispute_id: PageId,
    user: User,
    store: StoreDep,
    ingest: IngestDep,
    settings: SettingsDep,
    _: CsrfChecked,
    reply: FormText = "",
    back: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Accept: heard was wrong; the finding or score is marked overturned, and a finding no
    longer counts in the score (a reply optional)."""
    return await _decide(
        request, dispute_id, user, store, ingest, settings, accept=True, reply=reply, back=back
    )


@router.post("/disputes/{dispute_id}/reject")
async def reject(
    request: Request,
    dispute_id: PageId,
    user: User,
    store: StoreDep,
    ingest: IngestDep,
    settings: SettingsDep,
    _: CsrfChecked,
    reply: FormText = "",
    back: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Reject: heard stands (upheld); the reply, which the agent reads, is needed."""
    return await _decide(
        request, dispute_id, user, store, ingest, settings, accept=False, reply=reply, back=back
    )


def _turn(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) >= 2**31:
        raise Invalid("Choose a turn from the list.", field="turn")
    return int(value)


def _raise(store: StoreDep, user: Signed, conversation_id: int, typed: views.RaiseForm) -> int:
    kind, _, key = typed.target.partition(":")
    if kind not in ("finding", "score") or not key:
        raise Invalid("Choose what you disagree with.", field="target")
    made = disputes.raise_dispute(
        store,
        user.viewer,
        conversation_id,
        finding=key if kind == "finding" else None,
        score=key if kind == "score" else None,
        turn=_turn(typed.turn) if kind == "score" else None,
        reason=typed.reason,
    )
    return made.id


@router.post("/conversations/{conversation_id}/disputes")
async def raise_dispute(
    request: Request,
    conversation_id: PageId,
    user: User,
    store: StoreDep,
    settings: SettingsDep,
    _: CsrfChecked,
    target: Annotated[str, Form(max_length=300)] = "",
    turn: Annotated[str, Form(max_length=12)] = "",
    reason: FormText = "",
) -> Response:
    """The conversation's agent disputes a finding or a score; then back to the conversation
    at the dispute. Refused (nothing chosen, no reason, disputed already): the page again,
    with what was typed and the error by its field (422, 409)."""
    typed = views.RaiseForm(target=target, turn=turn, reason=reason)
    try:
        made = await run_in_threadpool(_raise, store, user, conversation_id, typed)
    except StoreError as exc:
        field = RAISE_FIELDS.get(exc.field or "", exc.field)
        if field not in ("target", "turn", "reason") or user.role != UserRole.AGENT:
            raise
        typed.errors = {field: exc.message}
        return await run_in_threadpool(
            conversation_page,
            request,
            conversation_id,
            user,
            store,
            settings,
            dispute=typed,
            status=409 if isinstance(exc, Conflict) else 422,
        )
    return see_other(f"/conversations/{conversation_id}#dispute-{made}")
