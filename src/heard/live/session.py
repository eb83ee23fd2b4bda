"""A conversation in progress: turns arrive one by one, the batch detectors re-run over the
conversation so far, and a running scorecard, concern tracker and nudges come out.

The session knows nothing of sequence numbers, sockets or the store: the transport (the
WebSocket route, `heard live replay`) orders events and delivers what `apply` returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from heard.analysis import Analyzer
from heard.analysis.analyzer import Analysis
from heard.analysis.context import Context
from heard.live.adoption import AdoptionTracker, KindAdoption
from heard.live.events import (
    Adoption,
    EndEvent,
    LiveState,
    Nudge,
    PartialEvent,
    StartEvent,
    TickEvent,
    TurnEvent,
)
from heard.live.nudges import NudgePolicy, Nudger, Situation, candidates, talk_ratio
from heard.model import Agent, Channel, ConcernStatus, Conversation, Customer, Role, Scorecard, Turn

EMOTION_RISK = {"anger": 1.0, "frustration": 0.8, "worry": 0.5, "sadness": 0.5, "confusion": 0.4}
"""How much each customer emotion, at full intensity, adds to the escalation risk."""
ESCALATION_CUE_RISK = 0.35
"""Added for a recent escalation cue ("let me speak to a manager", "I'll cancel")."""
VULNERABILITY_RISK = 1.0
"""Added for a recent sign the customer may be at risk (`lexicons/vulnerability.txt`): a lead
should see that conversation first, whatever else it shows."""
NOT_HEARD_RISK = 0.2
"""Added for a recent "not heard" cue ("I already told you")."""
RAISED_AGAIN_RISK = 0.15
"""Added per open concern the customer had to raise again (at most two count)."""
RECENT_TURNS = 4
"""Cues in the last this-many turns count as recent."""


@dataclass
class LiveUpdate:
    """What one event changed."""

    nudges: list[Nudge] = field(default_factory=list)
    adoptions: list[Adoption] = field(default_factory=list)
    state: LiveState | None = None
    """The new running picture, when the event changed it."""
    scorecard: Scorecard | None = None
    """The final scorecard, on the end event."""


class LiveSession:
    """One conversation in progress."""

    def __init__(
        self,
        conversation_id: str,
        start: StartEvent,
        *,
        analyzer: Analyzer,
        policy: NudgePolicy | None = None,
    ) -> None:
        self.conversation_id = conversation_id
        self.start = start
        self.analyzer = analyzer
        self.policy = policy or NudgePolicy()
        self.turns: list[Turn] = []
        self.partials: dict[Role, PartialEvent] = {}
        self.analysis: Analysis | None = None
        self.ended = False
        self.started_at = datetime.now(UTC)
        self.now: float | None = start.time
        """The conversation clock: the latest time any event carried."""
        self.nudger = Nudger(self.policy)
        self.adoption = AdoptionTracker()
        self.nudges: list[Nudge] = []
        self._ctx: Context | None = None
        self._unfinished: Literal["turn", "end"] | None = None
        """An event `apply` took in whose analysis is still to run (see `resume`)."""

    @property
    def conversation(self) -> Conversation:
        """The final turns so far, as a Conversation the batch analysis accepts."""
        return Conversation(
            id=self.conversation_id,
            channel=self.start.channel,
            turns=list(self.turns),
            external_id=self.conversation_id,
            source="live",
            started_at=self.started_at,
            language=self.start.language,
            agent=Agent(id=self.start.agent_id, name=self.start.agent_name)
            if self.start.agent_id or self.start.agent_name
            else None,
            customer=Customer(name=self.start.customer_name) if self.start.customer_name else None,
            metadata=dict(self.start.metadata),
        )

    def _clock(self, *times: float | None) -> None:
        for t in times:
            if t is not None and (self.now is None or t > self.now):
                self.now = t

    def apply(self, event: TurnEvent | PartialEvent | TickEvent | EndEvent) -> LiveUpdate:
        """Apply one event (in order; the transport has checked its sequence number).

        A final turn or the end is analysed by `resume`, called from here: when the analysis
        raises EmbeddingsNeeded (it runs inside `heard.embed.deferred()`), the event stays
        taken in, and the caller encodes those texts and calls `resume` again."""
        if self._unfinished is not None:
            raise ValueError("the previous event's analysis has not finished: call resume()")
        if self.ended:
            raise ValueError("the conversation has ended; no more events are applied")
        if isinstance(event, StartEvent):
            raise ValueError("the conversation has already started")
        if isinstance(event, PartialEvent):
            self._clock(event.time, event.end)
            self.partials[event.role] = event
            return self._advise(turned=False)
        if isinstance(event, TickEvent):
            self._clock(event.time)
            return self._advise(turned=False)
        if isinstance(event, EndEvent):
            self._clock(event.time)
            self.ended = True
            self.partials.clear()
            self._unfinished = "end"
            return self.resume()
        self._clock(event.time, event.end)
        self.partials.pop(event.role, None)
        if not event.text.strip():
            # an empty final: the recogniser dropped what it had heard; no turn to analyse
            return self._advise(turned=False)
        sent_at = None
        if self.start.channel != Channel.CALL and event.time is not None:
            sent_at = self.started_at + timedelta(seconds=event.time)
        self.turns.append(
            Turn(
                index=len(self.turns),
                role=event.role,
                text=event.text,
                start=event.start,
                end=event.end,
                words=event.words,
                sent_at=sent_at,
            )
        )
        self._unfinished = "turn"
        return self.resume()

    def resume(self) -> LiveUpdate:
        """Analyse the conversation with the event `apply` took in, and advise."""
        unfinished = self._unfinished
        if unfinished is None:
            raise ValueError("no event is waiting for its analysis")
        self._analyse()
        self._unfinished = None
        if unfinished == "end":
            assert self.analysis is not None
            adoptions = self.adoption.update(self._situation(), final=True)
            return LiveUpdate(
                adoptions=adoptions, state=self.state(), scorecard=self.analysis.scorecard
            )
        return self._advise(turned=True)

    def abandon(self) -> None:
        """Give up the analysis of the event `apply` took in (a detector failed): the event
        stays applied, the analysis stays the one before it."""
        self._unfinished = None

    def _analyse(self) -> None:
        conversation = self.conversation
        self.analysis = self.analyzer.analyze(conversation)
        self._ctx = self.analyzer.context(conversation)

    def _situation(self) -> Situation:
        if self._ctx is None:
            self._ctx = self.analyzer.context(self.conversation)
        return Situation(
            ctx=self._ctx,
            scorecard=self.analysis.scorecard if self.analysis else None,
            partials=self.partials,
            now=self.now,
            policy=self.policy,
        )

    def _advise(self, *, turned: bool) -> LiveUpdate:
        """Adoptions the new turn decided, then at most one nudge the policy lets through."""
        sit = self._situation()
        adoptions = self.adoption.update(sit) if turned else []
        pending = candidates(sit)
        chosen = self.nudger.choose(pending, now=self.now, turns=len(self.turns))
        nudges = []
        if chosen is not None:
            nudge, candidate = chosen
            self.adoption.watch(nudge, after=len(self.turns), time=self.now, data=candidate.data)
            self.nudges.append(nudge)
            nudges.append(nudge)
        changed = turned or bool(nudges) or bool(adoptions)
        return LiveUpdate(
            nudges=nudges, adoptions=adoptions, state=self.state() if changed else None
        )

    def adoption_report(self) -> dict[str, KindAdoption]:
        """Per nudge kind: shown, decided, adopted and the adoption rate."""
        return self.adoption.report()

    def escalation_risk(self) -> float:
        """0–1: the customer's latest emotion and its intensity, recent escalation and
        "not heard" cues, and open concerns the customer had to raise again."""
        card = self.analysis.scorecard if self.analysis else None
        if card is None:
            return 0.0
        risk = 0.0
        if card.emotions:
            latest = card.emotions[-1]
            risk += EMOTION_RISK.get(latest.label, 0.0) * max(latest.intensity, 0.5)
        recent = len(self.turns) - RECENT_TURNS
        cues = {f.behaviour for f in card.findings if f.spans[0].turn >= recent}
        if "escalation_cue" in cues:
            risk += ESCALATION_CUE_RISK
        if "vulnerability_cue" in cues:
            risk += VULNERABILITY_RISK
        if "not_heard_cue" in cues:
            risk += NOT_HEARD_RISK
        again = [
            c
            for c in card.concerns
            if c.raised_again and c.status not in (ConcernStatus.ADDRESSED, ConcernStatus.CONFIRMED)
        ]
        risk += RAISED_AGAIN_RISK * min(2, len(again))
        return round(min(1.0, risk), 2)

    def state(self) -> LiveState:
        """The running picture of the conversation."""
        card = self.analysis.scorecard if self.analysis else None
        emotions = card.emotions if card else []
        ratio = talk_ratio(self._situation()) if self.start.channel == Channel.CALL else None
        return LiveState(
            conversation_id=self.conversation_id,
            turns=len(self.turns),
            listening_score=card.listening_score if card else None,
            components={c.component: c.score for c in card.components} if card else {},
            concerns=card.concerns if card else [],
            emotion=emotions[-1].label if emotions else None,
            emotion_intensity=emotions[-1].intensity if emotions else 0.0,
            escalation_risk=self.escalation_risk(),
            talk_ratio=round(ratio, 2) if ratio is not None else None,
            ended=self.ended,
        )
