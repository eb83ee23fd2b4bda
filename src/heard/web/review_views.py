"""View models of the review pages (the queue, one review, a calibration session) and of the
"assign for review" form the conversations and conversation pages carry."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from heard.store import Store, Viewer, reviews
from heard.store.calibration import CalibrationDetail, CalibrationSession
from heard.store.reviews import FindingItem, Review, ReviewDetail

RULE_LABELS = {
    "hand": "the ones ticked",
    "sample": "a random sample of these",
    "lowest": "the lowest-scoring of these",
    "escalated": "the escalated ones among these",
}
"""How the assign form names each rule."""
VERDICT_LABELS = {"done": "did well", "missed": "needs work", "n/a": "not needed"}
"""A checklist answer in the reviewer's words."""
FINDING_LABELS = {"agree": "agree", "disagree": "disagree"}


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssignForm(_View):
    """The form that assigns conversations for review or starts a calibration session, with
    what was typed and the error, when it was refused."""

    reviewers: list[tuple[str, str]] = Field(description="(user id, name) one may assign to")
    reviewer: str = ""
    chosen: list[str] = Field(default_factory=list, description="a session's reviewers")
    rule: str = "hand"
    count: str = "10"
    name: str = ""
    conversations: list[str] = Field(default_factory=list, description="ticked ids")
    error: str | None = None
    error_field: str | None = None
    single: str | None = Field(default=None, description="the conversation page's one id")


class ReviewForm(_View):
    """One review to answer (or, once submitted, to read) with what was typed on a refusal."""

    detail: ReviewDetail
    behaviours: list[tuple[str, str]] = Field(description="(name, label) in checklist order")
    heard: dict[str, str] = Field(default_factory=dict, description="heard's verdicts")
    findings: list[FindingItem] = Field(default_factory=list)
    answers: dict[str, str] = Field(default_factory=dict)
    notes: dict[str, str] = Field(default_factory=dict)
    note: str = ""
    error: str | None = None
    missing: list[str] = Field(default_factory=list, description="behaviours left unanswered")
    session: CalibrationSession | None = None


class QueueView(_View):
    """The reviews page: the viewer's queue, their teams' reviews and calibration sessions."""

    mine: list[Review]
    teams: list[Review] = Field(default_factory=list)
    sessions: list[CalibrationSession] = Field(default_factory=list)
    is_lead: bool = False
    message: str | None = None


class CalibrationView(_View):
    detail: CalibrationDetail
    mine: list[Review] = Field(default_factory=list, description="the viewer's own reviews")


def assign_form(store: Store, viewer: Viewer, **typed: object) -> AssignForm:
    """The "assign for review" form with the people the viewer may assign to."""
    people = [(str(r.id), r.name) for r in reviews.reviewers(store, viewer)]
    return AssignForm(reviewers=people, **typed)  # type: ignore[arg-type]
