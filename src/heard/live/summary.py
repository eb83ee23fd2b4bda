"""The end-of-conversation summary the agent panel shows when a live conversation ends: the
stored scorecard's Listening Score, up to two things the agent did well (named as the rubric
names them, never by id) and the one thing to try (the scorecard's top coaching tip).

Built from the scorecard as stored, so the panel says what the conversation's page says. Its
free text (the tip, which may quote the conversation) passes through the hub's redaction
before it is sent, like every other text on the live sockets (heard.live.redaction)."""

from __future__ import annotations

import logging

from heard.analysis.rubric import Rubric
from heard.live.conversations import LiveConversation
from heard.live.events import EndSummary, SummaryFrame, SummaryTip
from heard.live.redaction import LiveRedaction
from heard.model import Scorecard, Verdict
from heard.store import Store, live_sessions
from heard.store.dashboards import BARE_MOMENTS

log = logging.getLogger(__name__)

WENT_WELL = 2
"""How many things the agent did well the summary names, at most."""


def went_well(scorecard: Scorecard, rubric: Rubric) -> list[str]:
    """Up to `WENT_WELL` positive behaviours the agent showed, by their rubric labels.

    Candidates are the checklist's positive behaviours marked done (a negative one avoided is
    no thing done well), save a name used (`BARE_MOMENTS`: no moment to celebrate, as on the
    dashboard). They rank by how much the behaviour matters in coaching (`Behaviour.rank`)
    times how sure heard is of its strongest finding; the second is taken from another
    component than the first when one is done (not "shows empathy" and "reflects the feeling"
    for one kind reply), else the next in rank. Ties keep the rubric's order."""
    strongest: dict[str, float] = {}
    for finding in scorecard.findings:
        known = strongest.get(finding.behaviour, 0.0)
        strongest[finding.behaviour] = max(known, finding.confidence)
    ranked: list[tuple[float, int, str, str]] = []
    for order, item in enumerate(scorecard.checklist):
        behaviour = rubric.behaviour(item.behaviour)
        if (
            behaviour is None
            or behaviour.polarity != "positive"
            or item.verdict != Verdict.DONE
            or item.behaviour in BARE_MOMENTS
        ):
            continue
        strength = behaviour.rank * strongest.get(item.behaviour, 1.0)
        ranked.append((-strength, order, behaviour.component, behaviour.label))
    ranked.sort()
    if not ranked:
        return []
    first, rest = ranked[0], ranked[1:]
    other = next((r for r in rest if r[2] != first[2]), rest[0] if rest else None)
    return [r[3] for r in (first, other) if r is not None][:WENT_WELL]


def end_summary(scorecard: Scorecard, rubric: Rubric, *, stored_id: int | None) -> EndSummary:
    """The summary of a stored conversation (`stored_id`) from its stored scorecard, with the
    link for listeners who may open it (`EndSummary.unlinked` for the others)."""
    tip = scorecard.tips[0] if scorecard.tips else None  # the scorecard ranks its tips
    return EndSummary(
        listening_score=scorecard.listening_score,
        went_well=went_well(scorecard, rubric),
        tip=SummaryTip(message=tip.message, suggestion=tip.suggestion) if tip else None,
        stored_id=stored_id,
    )


def summarise(
    live: LiveConversation,
    store: Store,
    redaction: LiveRedaction,
    seq: int,
    *,
    stored: Scorecard | None = None,
) -> None:
    """Publish the summary frame of an ended conversation, right after its ended frame (end
    event `seq`): from `stored`, the scorecard stored as the session analysed it, else the
    stored conversation's current scorecard read back; its tip redacted like every text sent.
    Nothing when no conversation was stored. A failure here leaves the end as it was (the
    conversation stored, `ended` sent): the panel then shows no summary."""
    if live.stored_id is None:
        return
    try:
        outcome = live_sessions.live_outcome(store, live.stored_id, scorecard=stored is None)
        scorecard = stored or (outcome.scorecard if outcome is not None else None)
        if outcome is None or scorecard is None:
            return
        summary = end_summary(scorecard, live.session.analyzer.rubric, stored_id=live.stored_id)
    except Exception:  # the conversation is stored and `ended` sent: only the summary is lost
        log.exception("live: the summary of %s could not be made", live.conversation_id)
        return
    live.outcome = outcome.model_copy(update={"scorecard": None})
    live.summary = redaction.summary(summary, live.name)
    live.publish(SummaryFrame(event=seq, summary=live.summary))
