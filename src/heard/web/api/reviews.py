"""Reviews and calibration sessions: leads assign conversations to reviewers of their teams (by
hand or by a rule over the conversation filters), reviewers submit their answers, the answers
are exported as JSON lines for training; calibration sessions compare reviewers with each other
and with heard. A review or session the caller may not see answers 404, as a missing one."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from heard.store import calibration, reviews
from heard.store.calibration import CalibrationDetail, CalibrationSession
from heard.store.reviews import Answers, Assigned, Review, ReviewDetail, Reviewer, ReviewStatus
from heard.web.api.conversations import ERRORS
from heard.web.api.filters import Filter, Id, IdQuery
from heard.web.api.schemas import ErrorOut
from heard.web.deps import LeadReader, LeadWriter, Reader, StoreDep, Writer

router = APIRouter(tags=["reviews"])
CONFLICT = {**ERRORS, 409: {"model": ErrorOut, "description": "out of order"}}


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reviewer: int = Field(ge=1, le=2**31 - 1, description="the reviewer's user id")
    rule: reviews.Rule = Field(
        default="hand",
        description="hand: the conversations named; sample, lowest or escalated: chosen from "
        "the conversations matching the query's filters (as GET /conversations takes them)",
    )
    conversations: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        default_factory=list, max_length=reviews.MAX_ASSIGN
    )
    count: int = Field(default=10, ge=1, le=reviews.MAX_ASSIGN, description="for a rule")


class AnswersIn(Answers):
    behaviours: dict[str, Literal["done", "missed", "n/a"]] = Field(  # type: ignore[assignment]
        max_length=100,
        description="every checklist behaviour → done (did well), missed (needs work) or n/a "
        "(not needed)",
    )
    findings: dict[str, Literal["agree", "disagree"]] = Field(  # type: ignore[assignment]
        default_factory=dict, max_length=500, description='finding key ("behaviour:turn:start:end")'
    )
    notes: dict[str, Annotated[str, Field(max_length=reviews.NOTE_LENGTH)]] = Field(
        default_factory=dict, max_length=600
    )
    note: str | None = Field(default=None, max_length=reviews.NOTE_LENGTH)


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=calibration.NAME_LENGTH)
    reviewers: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        min_length=2, max_length=calibration.MAX_REVIEWERS
    )
    conversations: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        min_length=1, max_length=reviews.MAX_ASSIGN
    )


@router.get("/reviewers", response_model=list[Reviewer], responses=ERRORS)
def list_reviewers(principal: LeadReader, store: StoreDep) -> list[Reviewer]:
    """The people the caller may assign reviews to: the users of their teams."""
    return reviews.reviewers(store, principal.viewer)


@router.post("/reviews", response_model=Assigned, status_code=201, responses=CONFLICT)
async def assign_reviews(
    body: AssignIn, where: Filter, principal: LeadWriter, store: StoreDep
) -> Assigned:
    """Assign conversations to a reviewer of the caller's teams: those named, or by a rule from
    the conversations matching the filters. Conversations the reviewer already has, or handled
    as the agent, are skipped (counted in `skipped`)."""
    return await run_in_threadpool(
        reviews.assign,
        store,
        principal.viewer,
        reviewer_id=body.reviewer,
        conversation_ids=body.conversations,
        rule=body.rule,
        where=where,
        count=body.count,
    )


@router.get("/reviews", response_model=list[Review], responses=ERRORS)
def list_reviews(
    principal: Reader,
    store: StoreDep,
    reviewer: IdQuery = None,
    status: ReviewStatus | None = None,
    session: IdQuery = None,
    mine: Annotated[bool, Query(description="only those assigned to the caller")] = False,
) -> list[Review]:
    """Reviews the caller may see: their own queue; a lead's teams'; an admin's all."""
    viewer = principal.viewer
    return reviews.list_reviews(
        store,
        viewer,
        reviewer_id=viewer.user_id if mine else reviewer,
        status=status,
        session_id=session,
    )


@router.get("/reviews/{review_id}", response_model=ReviewDetail, responses=ERRORS)
def get_review(review_id: Id, principal: Reader, store: StoreDep) -> ReviewDetail:
    """A review with its conversation, the behaviours to score and, unless it is blind (in a
    calibration session, not yet submitted), heard's scorecard and findings."""
    return reviews.get_review(store, principal.viewer, review_id)


@router.post("/reviews/{review_id}/answers", response_model=Review, responses=CONFLICT)
async def submit_review(
    review_id: Id, body: AnswersIn, principal: Writer, store: StoreDep
) -> Review:
    """The reviewer's answers: every checklist behaviour, any findings; final once sent."""
    answers = Answers.model_validate(body.model_dump())
    return await run_in_threadpool(reviews.submit, store, principal.viewer, review_id, answers)


@router.get(
    "/review-labels",
    responses={
        **ERRORS,
        200: {
            "content": {"application/x-ndjson": {}},
            "description": "one JSON object a line (docs/api.md: review labels)",
        },
    },
)
def export_labels(principal: LeadReader, store: StoreDep) -> StreamingResponse:
    """Every answer of the submitted reviews the caller may see, as JSON lines in the shape of
    `heard train`'s examples (docs/api.md)."""
    reviews.may_export(principal.viewer)
    return StreamingResponse(
        reviews.export_jsonl(store, principal.viewer),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="review-labels.jsonl"'},
    )


@router.get("/calibrations", response_model=list[CalibrationSession], responses=ERRORS)
def list_sessions(principal: Reader, store: StoreDep) -> list[CalibrationSession]:
    """Calibration sessions the caller made, reviews in, or (a lead) holds conversations of."""
    return calibration.list_sessions(store, principal.viewer)


@router.post("/calibrations", response_model=CalibrationSession, status_code=201, responses=ERRORS)
async def create_session(
    body: SessionIn, principal: LeadWriter, store: StoreDep
) -> CalibrationSession:
    """A session in which each reviewer reviews each conversation blind."""
    return await run_in_threadpool(
        calibration.create_session,
        store,
        principal.viewer,
        name=body.name,
        reviewer_ids=body.reviewers,
        conversation_ids=body.conversations,
    )


@router.get("/calibrations/{session_id}", response_model=CalibrationDetail, responses=ERRORS)
def get_session(session_id: Id, principal: Reader, store: StoreDep) -> CalibrationDetail:
    """A session, its reviews (answers hidden until it is complete) and, once complete, how far
    the reviewers agree per behaviour and conversation and with heard."""
    return calibration.get_session(store, principal.viewer, session_id)


@router.post(
    "/calibrations/{session_id}/close", response_model=CalibrationSession, responses=CONFLICT
)
def close_session(session_id: Id, principal: Writer, store: StoreDep) -> CalibrationSession:
    """End a session before everyone submitted (its maker or an admin)."""
    return calibration.close_session(store, principal.viewer, session_id)
