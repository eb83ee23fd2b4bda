"""Disputes and an agent's home: the conversation's agent disputes a finding or a score with a
reason; a lead of its team (or an admin) accepts it (heard overturned) or rejects it with a
reply (upheld); the agent reads the outcome. The same store calls as the pages
(heard.store.disputes, heard.store.agent_home). A dispute, conversation or agent the caller may
not see answers 404, as a missing one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from heard.model.values import Text
from heard.store import disputes
from heard.store.agent_home import AgentHome, agent_home
from heard.store.disputes import Dispute, DisputeStatus, Target
from heard.web.api.conversations import ERRORS
from heard.web.api.filters import Id, IdQuery
from heard.web.api.schemas import ErrorOut
from heard.web.deps import IngestDep, Reader, StoreDep, Writer

router = APIRouter(tags=["disputes"])
CONFLICT = {**ERRORS, 409: {"model": ErrorOut, "description": "disputed or decided already"}}


class DisputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    finding: str | None = Field(
        default=None,
        max_length=200,
        description='a finding of the current scorecard, "behaviour:turn:start:end" (its first '
        "span); give this or `score`",
    )
    score: str | None = Field(
        default=None,
        max_length=64,
        description=f"`{disputes.LISTENING_SCORE}`, or a checklist behaviour for its verdict",
    )
    turn: int | None = Field(
        default=None, ge=0, le=2**31 - 1, description="for a score: the turn that shows it"
    )
    reason: Annotated[Text, Field(max_length=disputes.TEXT_LENGTH)] = Field(
        description="why heard is wrong (redacted before it is stored)"
    )


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reply: Annotated[Text, Field(max_length=disputes.TEXT_LENGTH)] | None = Field(
        default=None, description="to the agent; needed to reject"
    )


@router.get("/disputes", response_model=list[Dispute], responses=ERRORS)
def list_disputes(
    principal: Reader,
    store: StoreDep,
    status: DisputeStatus | None = None,
    agent: IdQuery = None,
    conversation: IdQuery = None,
) -> list[Dispute]:
    """Disputes the caller may see, newest first: an agent's own, a lead's teams', an admin's
    all (`status=open` is a lead's inbox)."""
    return disputes.list_disputes(
        store, principal.viewer, status=status, agent_id=agent, conversation_id=conversation
    )


@router.get("/disputes/{dispute_id}", response_model=Dispute, responses=ERRORS)
def get_dispute(dispute_id: Id, principal: Reader, store: StoreDep) -> Dispute:
    return disputes.get_dispute(store, principal.viewer, dispute_id)


@router.post("/disputes/{dispute_id}/accept", response_model=Dispute, responses=CONFLICT)
def accept(dispute_id: Id, body: DecisionIn, principal: Writer, ingest: IngestDep) -> Dispute:
    """heard was wrong: the finding or score is marked overturned, and an overturned finding
    no longer counts: the conversation is scored again without it (a lead of the
    conversation's team, an admin)."""
    return ingest.decide_dispute(principal.viewer, dispute_id, accept=True, reply=body.reply)


@router.post("/disputes/{dispute_id}/reject", response_model=Dispute, responses=CONFLICT)
def reject(dispute_id: Id, body: DecisionIn, principal: Writer, ingest: IngestDep) -> Dispute:
    """heard stands (upheld), with a reply the agent reads (a lead of the conversation's team,
    an admin)."""
    return ingest.decide_dispute(principal.viewer, dispute_id, accept=False, reply=body.reply)


@router.get(
    "/conversations/{conversation_id}/disputes", response_model=list[Dispute], responses=ERRORS
)
def conversation_disputes(conversation_id: Id, principal: Reader, store: StoreDep) -> list[Dispute]:
    """The conversation's disputes (who may see the conversation: its agent, their lead,
    admins)."""
    return disputes.list_disputes(store, principal.viewer, conversation_id=conversation_id)


@router.get(
    "/conversations/{conversation_id}/dispute-targets",
    response_model=list[Target],
    responses=ERRORS,
)
def dispute_targets(conversation_id: Id, principal: Reader, store: StoreDep) -> list[Target]:
    """What may be disputed on the conversation — the Listening Score, each checklist verdict,
    each good or poor listening finding — with the `key` to send and whether it is disputed."""
    return disputes.targets(store, principal.viewer, conversation_id)


@router.post(
    "/conversations/{conversation_id}/disputes",
    response_model=Dispute,
    status_code=201,
    responses=CONFLICT,
)
def raise_dispute(
    conversation_id: Id, body: DisputeIn, principal: Writer, store: StoreDep
) -> Dispute:
    """The conversation's agent disputes a finding (`finding`) or a score (`score`, with an
    optional `turn`), saying why; one dispute per finding or score."""
    return disputes.raise_dispute(
        store,
        principal.viewer,
        conversation_id,
        finding=body.finding,
        score=body.score,
        turn=body.turn,
        reason=body.reason,
    )


@router.get("/agents/{agent_id}/home", response_model=AgentHome, responses=ERRORS)
def home(agent_id: Id, principal: Reader, store: StoreDep) -> AgentHome:
    """An agent's home: their weekly Listening Score, per-behaviour scorecard by week (each
    week's n; a rate only over heard.numbers' minimum sample; empty weeks with n 0), recent
    conversations, disputes and open notes. The agent, a lead of their team, an admin."""
    return agent_home(store, principal.viewer, agent_id)
