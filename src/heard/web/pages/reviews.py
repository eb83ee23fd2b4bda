"""The review pages: the queue (/reviews), one review to answer (/reviews/{id}), a calibration
session (/calibrations/{id}), and the "assign for review" form of the conversations and
conversation pages (POST /reviews/assign), whose refusals show the page again with the error by
the field and what was chosen kept."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.datastructures import FormData

from heard.store import Store, UserRole, calibration, reviews
from heard.store import saved_views as saved
from heard.store.errors import Conflict, Invalid, NotFound, StoreError
from heard.store.reviews import Answers, ReviewStatus
from heard.web import review_views as rv
from heard.web.deps import SettingsDep, StoreDep
from heard.web.pages.conversation import conversation_page
from heard.web.pages.listing import behaviours_of, chosen_filters, filter_of, render_list
from heard.web.pages.session import CsrfChecked, PageId, Signed, User, html, pages, see_other

router = APIRouter(include_in_schema=False)

ASSIGN_FIELDS = {"reviewer", "reviewers", "rule", "count", "conversations", "name"}
"""Fields of the assign form whose refusal is shown by the field (others are errors of the page)."""


def _ids(values: list[str], field: str) -> list[int]:
    found = []
    for value in values:
        if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 2**31:
            raise Invalid(f"{value!r} is not an id", field=field)
        found.append(int(value))
    return found


def _text(form: FormData, key: str, limit: int = 300) -> str:
    value = form.get(key)
    return value[:limit] if isinstance(value, str) else ""


def _texts(form: FormData, key: str) -> list[str]:
    return [v[:20] for v in form.getlist(key) if isinstance(v, str)][: reviews.MAX_ASSIGN]


@router.post("/reviews/assign")
async def assign(
    request: Request, user: User, store: StoreDep, settings: SettingsDep, _: CsrfChecked
) -> Response:
    """Assign the ticked conversations (or those a rule picks from the page's filters) to a
    reviewer, or start a calibration session with them; then to the queue or the session."""
    form = await request.form()
    typed = rv.AssignForm(
        reviewers=[],
        reviewer=_text(form, "reviewer", 20),
        chosen=_texts(form, "reviewers"),
        rule=_text(form, "rule", 20) or "hand",
        count=_text(form, "count", 20) or "10",
        name=_text(form, "name", 400),
        conversations=_texts(form, "conversation"),
        single=_text(form, "single", 20) or None,
    )
    calibrate = _text(form, "action", 20) == "calibrate"
    query = {key: _text(form, key) or None for key in saved.FIELDS}
    chosen = chosen_filters(query)
    try:
        target = await run_in_threadpool(_assign, request, user, store, typed, chosen, calibrate)
    except StoreError as exc:
        if exc.field not in ASSIGN_FIELDS:
            raise
        status = 409 if isinstance(exc, Conflict) else 404 if isinstance(exc, NotFound) else 422
        shown = rv.assign_form(
            store,
            user.viewer,
            **typed.model_dump(exclude={"reviewers"}),
        ).model_copy(update={"error": exc.message, "error_field": exc.field})
        if typed.single:
            return await run_in_threadpool(
                conversation_page,
                request,
                int(typed.single),
                user,
                store,
                settings,
                assign=shown,
                status=status,
            )
        return await run_in_threadpool(
            render_list, request, user, store, chosen, assign=shown, status=status
        )
    return see_other(target)


def _assign(
    request: Request,
    user: Signed,
    store: Store,
    typed: rv.AssignForm,
    chosen: object,
    calibrate: bool,
) -> str:
    """Do what the form asks; where to go next."""
    teams = store.list_teams(user.viewer)
    agents = store.list_agents(user.viewer)
    where = filter_of(chosen, teams=teams, agents=agents, behaviours=behaviours_of(request))  # type: ignore[arg-type]
    if typed.rule not in reviews.RULES:
        raise Invalid("Choose which conversations to assign.", field="rule")
    count = typed.count.strip()
    if not (count.isascii() and count.isdigit()) or not 1 <= int(count) <= reviews.MAX_ASSIGN:
        raise Invalid(f"Give a number from 1 to {reviews.MAX_ASSIGN}.", field="count")
    ticked = _ids(typed.conversations, "conversations")
    if typed.single:
        ticked = _ids([typed.single], "conversations")
    if calibrate:
        if typed.rule == "hand":
            picked = ticked
        else:
            picked = reviews.choose(
                store,
                user.viewer,
                rule=typed.rule,
                where=where,
                count=int(count),  # type: ignore[arg-type]
            )
            if not picked:
                raise Invalid("No conversation matches: change the filters.", field="rule")
        made = calibration.create_session(
            store,
            user.viewer,
            name=typed.name,
            reviewer_ids=_ids(typed.chosen, "reviewers"),
            conversation_ids=picked,
        )
        return f"/calibrations/{made.id}"
    if not typed.reviewer:
        raise Invalid("Choose who reviews them.", field="reviewer")
    done = reviews.assign(
        store,
        user.viewer,
        reviewer_id=_ids([typed.reviewer], "reviewer")[0],
        conversation_ids=ticked,
        rule=typed.rule,  # type: ignore[arg-type]
        where=where,
        count=int(count),
    )
    if not done.reviews and not done.skipped:
        raise Invalid("No conversation matches: change the filters.", field="rule")
    return f"/reviews?assigned={len(done.reviews)}&skipped={done.skipped}"


@router.get("/reviews")
def queue(
    request: Request, user: User, store: StoreDep, assigned: int = -1, skipped: int = 0
) -> Response:
    """The viewer's queue; for leads, their teams' reviews and the calibration sessions."""
    viewer = user.viewer
    everything = reviews.list_reviews(store, viewer)
    mine = [r for r in everything if r.reviewer_id == viewer.user_id]
    lead = user.role in (UserRole.LEAD, UserRole.ADMIN)
    message = None
    if assigned >= 0:
        message = f"Assigned {assigned} conversation{'s' if assigned != 1 else ''}." + (
            f" {skipped} left out: the reviewer already had them or handled them as the agent."
            if skipped
            else ""
        )
    view = rv.QueueView(
        mine=[r for r in mine if r.session_id is None or r.status == ReviewStatus.ASSIGNED]
        + [r for r in mine if r.session_id is not None and r.status != ReviewStatus.ASSIGNED],
        teams=[r for r in everything if r.reviewer_id != viewer.user_id] if lead else [],
        sessions=calibration.list_sessions(store, viewer),
        is_lead=lead,
        message=message,
    )
    body = pages(request).render(
        "reviews.html", user=user.page_user, csrf_token=user.csrf, active="reviews", view=view
    )
    return html(body)


def review_form(request: Request, store: Store, user: Signed, review_id: int) -> rv.ReviewForm:
    detail = reviews.get_review(store, user.viewer, review_id)
    renderer = pages(request)
    heard = (
        {i.behaviour: i.verdict.value for i in detail.scorecard.checklist}
        if detail.scorecard
        else {}
    )
    given = {lab.behaviour: lab.verdict for lab in detail.review.labels if lab.kind == "behaviour"}
    given |= {
        f"{lab.behaviour}:{lab.finding}": lab.verdict
        for lab in detail.review.labels
        if lab.kind == "finding"
    }
    notes = {
        lab.behaviour if lab.kind == "behaviour" else f"{lab.behaviour}:{lab.finding}": lab.note
        for lab in detail.review.labels
        if lab.note
    }
    session = None
    if detail.review.session_id is not None:
        session = calibration.get_session(store, user.viewer, detail.review.session_id).session
    return rv.ReviewForm(
        detail=detail,
        behaviours=[(b, renderer.behaviour_label(b)) for b in detail.behaviours],
        heard=heard,
        findings=detail.findings,
        answers=given,
        notes=notes,
        note=detail.review.note or "",
        session=session,
    )


def _render_review(
    request: Request, user: Signed, form: rv.ReviewForm, status: int = 200
) -> Response:
    body = pages(request).render(
        "review.html",
        user=user.page_user,
        csrf_token=user.csrf,
        active="reviews",
        view=form,
        verdicts=rv.VERDICT_LABELS,
    )
    return html(body, status)


@router.get("/reviews/{review_id}")
def review(request: Request, review_id: PageId, user: User, store: StoreDep) -> Response:
    return _render_review(request, user, review_form(request, store, user, review_id))


@router.post("/reviews/{review_id}")
async def submit(
    request: Request,
    review_id: PageId,
    user: User,
    store: StoreDep,
    _: CsrfChecked,
    note: Annotated[str, Form(max_length=reviews.NOTE_LENGTH * 2)] = "",
) -> Response:
    """The reviewer's answers; a refusal shows the form again with every answer and note kept
    and the unanswered behaviours marked."""
    form = await request.form()
    typed = await run_in_threadpool(review_form, request, store, user, review_id)
    behaviours = {
        b: v
        for b, _ in typed.behaviours
        if isinstance(v := form.get(f"b:{b}"), str) and v in reviews.VERDICTS
    }
    findings = {
        f.key: v
        for f in typed.findings
        if isinstance(v := form.get(f"f:{f.key}"), str) and v in reviews.FINDING_VERDICTS
    }
    keys = [b for b, _ in typed.behaviours] + [f.key for f in typed.findings]
    notes = {k: v.strip() for k in keys if isinstance(v := form.get(f"n:{k}"), str) and v.strip()}
    answers = Answers(behaviours=behaviours, findings=findings, notes=notes, note=note or None)
    try:
        await run_in_threadpool(reviews.submit, store, user.viewer, review_id, answers)
    except (Invalid, Conflict) as exc:
        kept = typed.model_copy(
            update={
                "answers": behaviours | findings,
                "notes": notes,
                "note": note,
                "error": _wording(exc, typed, behaviours),
                "missing": [b for b, _ in typed.behaviours if b not in behaviours],
            }
        )
        return _render_review(request, user, kept, 409 if isinstance(exc, Conflict) else 422)
    if typed.detail.review.session_id is not None:
        return see_other(f"/calibrations/{typed.detail.review.session_id}")
    return see_other(f"/reviews/{review_id}")


def _wording(exc: StoreError, typed: rv.ReviewForm, given: dict[str, str]) -> str:
    missing = [label for b, label in typed.behaviours if b not in given]
    if exc.field == "behaviours" and missing:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        return f"Choose did well, needs work or not needed for: {shown}."
    return exc.message


@router.get("/calibrations/{session_id}")
def session_page(request: Request, session_id: PageId, user: User, store: StoreDep) -> Response:
    detail = calibration.get_session(store, user.viewer, session_id)
    view = rv.CalibrationView(
        detail=detail, mine=[r for r in detail.reviews if r.reviewer_id == user.viewer.user_id]
    )
    body = pages(request).render(
        "calibration.html", user=user.page_user, csrf_token=user.csrf, active="reviews", view=view
    )
    return html(body)


@router.post("/calibrations/{session_id}/close")
async def close(
    request: Request, session_id: PageId, user: User, store: StoreDep, _: CsrfChecked
) -> Response:
    await run_in_threadpool(calibration.close_session, store, user.viewer, session_id)
    return see_other(f"/calibrations/{session_id}")
