"""View models of disputes — the inbox (/disputes), the disputes section and "dispute this"
form of the conversation page — and the builders the pages share, so a refused form comes
back with what was typed and its error by the field."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from heard.store import Store, UserRole, Viewer, disputes
from heard.store.disputes import Dispute, DisputeStatus
from heard.web.views import ConversationDisputes, DecideForm, DisputeLine, Note, RaiseForm

STATUSES = ("open", "accepted", "rejected", "all")
"""The inbox's status filter, in the order its links show them."""
STATUS_LABELS = {
    "open": "Open",
    "accepted": "Accepted (heard overturned)",
    "rejected": "Rejected (heard upheld)",
    "all": "All",
}


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InboxView(_View):
    """The disputes page: a lead's teams' disputes (an admin's all; an agent's own), by status,
    with the accept / reject form of each open one; and the coaching notes agents disputed."""

    status: str = "open"
    counts: dict[str, int] = Field(default_factory=dict, description="by status, and all")
    lines: list[DisputeLine] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list, description="disputed coaching notes")
    can_decide: bool = False
    message: str | None = Field(default=None, description="what the last decision did")


def age_text(created: datetime, *, now: datetime | None = None) -> str:
    """How long ago, in words: "just now", "5 minutes", "3 hours", "2 days", "5 weeks"."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    seconds = max(0, int((now - created).total_seconds()))
    for size, unit in ((7 * 86400, "week"), (86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "just now"


def may_decide(viewer: Viewer) -> bool:
    return viewer.role in (UserRole.LEAD, UserRole.ADMIN)


def line(
    dispute: Dispute, viewer: Viewer, typed: dict[int, DecideForm] | None = None
) -> DisputeLine:
    return DisputeLine(
        dispute=dispute,
        age=age_text(dispute.created_at),
        can_decide=may_decide(viewer) and dispute.status == DisputeStatus.OPEN,
        form=(typed or {}).get(dispute.id, DecideForm()),
    )


def inbox(
    store: Store,
    viewer: Viewer,
    *,
    status: str = "open",
    notes: list[Note] | None = None,
    typed: dict[int, DecideForm] | None = None,
    message: str | None = None,
) -> InboxView:
    """The inbox by `status` (one of STATUSES); `typed`: decide forms as typed, by dispute."""
    counts = {s.value: n for s, n in disputes.counts(store, viewer).items()}
    counts["all"] = sum(counts.values())
    chosen = None if status == "all" else DisputeStatus(status)
    found = disputes.list_disputes(store, viewer, status=chosen)
    return InboxView(
        status=status,
        counts=counts,
        lines=[line(d, viewer, typed) for d in found],
        notes=notes or [],
        can_decide=may_decide(viewer),
        message=message,
    )


def for_conversation(
    store: Store,
    viewer: Viewer,
    conversation_id: int,
    *,
    agent_id: int | None,
    form: RaiseForm | None = None,
    typed: dict[int, DecideForm] | None = None,
) -> ConversationDisputes:
    """The conversation's disputes; the raise form (as typed, or fresh with `form`'s target
    chosen) when the viewer is the conversation's agent (`agent_id`)."""
    found = disputes.list_disputes(store, viewer, conversation_id=conversation_id)
    mine = viewer.role == UserRole.AGENT and agent_id is not None and viewer.agent_id == agent_id
    raise_form = None
    if mine:
        raise_form = form or RaiseForm()
        raise_form.targets = disputes.targets(store, viewer, conversation_id)
    return ConversationDisputes(
        lines=[line(d, viewer, typed) for d in found],
        form=raise_form,
        findings={f"{d.behaviour}:{d.finding}": d for d in found if d.finding},
    )
