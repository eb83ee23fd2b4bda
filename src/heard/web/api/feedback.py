"""Customer feedback: the public survey answer (by signed link) and what leads read of it."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Response

from heard.store import surveys
from heard.store.records import Feedback, FeedbackPair
from heard.web.api.conversations import ERRORS
from heard.web.api.filters import Filter
from heard.web.api.schemas import ErrorOut, FeedbackIn
from heard.web.auth import SurveyLinkExpired, survey_conversation
from heard.web.deps import Reader, SettingsDep, StoreDep
from heard.web.errors import ApiError

router = APIRouter(tags=["feedback"])


SURVEY_ERRORS = {
    **ERRORS,
    200: {"model": Feedback, "description": "the answer replaced the link's first one"},
    409: {"model": ErrorOut, "description": "answered, and the edit window has passed"},
    410: {"model": ErrorOut, "description": "the survey link has expired"},
}


@router.post("/feedback/{token}", response_model=Feedback, status_code=201, responses=SURVEY_ERRORS)
def submit_feedback(
    token: Annotated[str, Path(max_length=500)],
    answers: FeedbackIn,
    response: Response,
    store: StoreDep,
    settings: SettingsDep,
) -> Feedback:
    """The customer's answers to the survey link (no sign-in: the signed token is the key). A
    conversation takes one answer: 201 for the first; another through its links within
    `HEARD_SURVEY_EDIT_MINUTES` of the first replaces it (200), after that it is refused (409).
    An expired link is 410."""
    try:
        conversation_id = survey_conversation(settings, token)
    except SurveyLinkExpired as exc:
        raise ApiError(410, "expired", f"{exc}: ask for a new one", field="token") from None
    if conversation_id is None:
        raise ApiError(404, "not_found", "this survey link is not valid", field="token")
    feedback = surveys.submit_feedback(
        store,
        conversation_id,
        csat=answers.csat,
        felt_heard=answers.felt_heard,
        comment=answers.comment,
        edit_window=timedelta(minutes=settings.survey_edit_minutes),
    )
    if feedback.edited_at is not None:
        response.status_code = 200
    return feedback


@router.get("/feedback", response_model=list[Feedback], responses=ERRORS)
def list_feedback(principal: Reader, store: StoreDep, where: Filter) -> list[Feedback]:
    return surveys.list_feedback(store, principal.viewer, where)


@router.get("/feedback/pairs", response_model=list[FeedbackPair], responses=ERRORS)
def feedback_pairs(principal: Reader, store: StoreDep, where: Filter) -> list[FeedbackPair]:
    """Listening Score beside CSAT and "did you feel heard?", one pair per survey."""
    return surveys.feedback_pairs(store, principal.viewer, where)
