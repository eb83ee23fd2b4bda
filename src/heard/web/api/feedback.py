"""Customer feedback: the public survey answer (by signed link) and what leads read of it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from heard.store.records import Feedback, FeedbackPair
from heard.web.api.conversations import ERRORS
from heard.web.api.filters import Filter
from heard.web.api.schemas import FeedbackIn
from heard.web.auth import survey_conversation
from heard.web.deps import Reader, SettingsDep, StoreDep
from heard.web.errors import ApiError

router = APIRouter(tags=["feedback"])


@router.post("/feedback/{token}", response_model=Feedback, status_code=201, responses=ERRORS)
def submit_feedback(
    token: Annotated[str, Path(max_length=500)],
    answers: FeedbackIn,
    store: StoreDep,
    settings: SettingsDep,
) -> Feedback:
    """The customer's answers to the survey link (no sign-in: the signed token is the key)."""
    conversation_id = survey_conversation(settings, token)
    if conversation_id is None:
        raise ApiError(404, "not_found", "this survey link is not valid", field="token")
    return store.submit_feedback(
        conversation_id, csat=answers.csat, felt_heard=answers.felt_heard, comment=answers.comment
    )


@router.get("/feedback", response_model=list[Feedback], responses=ERRORS)
def list_feedback(principal: Reader, store: StoreDep, where: Filter) -> list[Feedback]:
    return store.list_feedback(principal.viewer, where)


@router.get("/feedback/pairs", response_model=list[FeedbackPair], responses=ERRORS)
def feedback_pairs(principal: Reader, store: StoreDep, where: Filter) -> list[FeedbackPair]:
    """Listening Score beside CSAT and "did you feel heard?", one pair per survey."""
    return store.feedback_pairs(principal.viewer, where)
