"""The customer's survey, reached by a signed link with no sign-in: CSAT and "felt heard"
from 1 to 5 and a comment; a second answer within the edit window replaces the first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse

from heard.model.values import Text
from heard.settings import Settings
from heard.store import Store, surveys
from heard.store import records as store_records
from heard.store.errors import Conflict, NotFound
from heard.web import auth, views
from heard.web.deps import SettingsDep, StoreDep
from heard.web.errors import ApiError
from heard.web.pages.session import CsrfChecked, csrf_token, html, pages

router = APIRouter(include_in_schema=False)


def _survey_target(
    store: Store, settings: Settings, token: str
) -> store_records.ConversationSummary:
    try:
        conversation_id = auth.survey_conversation(settings, token)
    except auth.SurveyLinkExpired:
        raise ApiError(
            410, "expired", "This survey link has expired. Thank you for wanting to answer."
        ) from None
    if conversation_id is None:
        raise ApiError(404, "not_found", "this survey link is not valid")
    try:
        return store.conversation_for_survey(conversation_id)
    except NotFound:
        raise ApiError(404, "not_found", "this survey link is no longer valid") from None


def _first_name(agent: str | None) -> str | None:
    return agent.split()[0] if agent and agent.strip() else None


SurveyToken = Annotated[str, Path(max_length=500)]


def _edit_window(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.survey_edit_minutes)


def _survey_html(request: Request, view: views.SurveyView, status: int = 200) -> HTMLResponse:
    """The survey page; its address holds the link's secret, so no Referer carries it on."""
    response = html(pages(request).survey(view, csrf_token=csrf_token(request)), status)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


CLOSED = "You have answered this survey already, thank you. The answer can no longer be changed."


@router.get("/survey/{token}")
def survey_form(
    request: Request, token: SurveyToken, store: StoreDep, settings: SettingsDep
) -> HTMLResponse:
    target = _survey_target(store, settings, token)
    view = views.SurveyView(action=f"/survey/{token}", agent=_first_name(target.agent))
    earlier = surveys.survey_answer(store, target.id)
    if earlier is not None:
        until = earlier.submitted_at + _edit_window(settings)
        if datetime.now(UTC) > until:
            view.closed = CLOSED
        else:
            view.notice = (
                "You have answered already: sending again replaces your answer "
                f"(until {until:%H:%M} UTC)."
            )
            view.csat, view.felt_heard = earlier.csat, earlier.felt_heard
    return _survey_html(request, view)


def _answer(value: str | None) -> int | None:
    if value and value.strip().isascii() and value.strip().isdigit() and 1 <= int(value) <= 5:
        return int(value)
    return None


@router.post("/survey/{token}")
async def survey_answer(
    request: Request,
    token: SurveyToken,
    store: StoreDep,
    settings: SettingsDep,
    _: CsrfChecked,
    csat: Annotated[str | None, Form(max_length=10)] = None,
    felt_heard: Annotated[str | None, Form(max_length=10)] = None,
    comment: Annotated[Text, Form(max_length=2000)] = "",
) -> HTMLResponse:
    """The answer; a second within the edit window replaces the first, after it is a 409 page."""
    target = _survey_target(store, settings, token)
    action = f"/survey/{token}"
    answers = _answer(csat), _answer(felt_heard)
    if answers[0] is None or answers[1] is None:
        view = views.SurveyView(
            action=action,
            agent=_first_name(target.agent),
            error="Please answer both questions with a number from 1 to 5.",
            csat=answers[0],
            felt_heard=answers[1],
            comment=comment,
        )
        return _survey_html(request, view, 422)
    try:
        surveys.submit_feedback(
            store,
            target.id,
            csat=answers[0],
            felt_heard=answers[1],
            comment=comment,
            edit_window=_edit_window(settings),
        )
    except Conflict:
        view = views.SurveyView(action=action, agent=_first_name(target.agent), closed=CLOSED)
        return _survey_html(request, view, 409)
    view = views.SurveyView(action=action, agent=_first_name(target.agent), submitted=True)
    return _survey_html(request, view)
