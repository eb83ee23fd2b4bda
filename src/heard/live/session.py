"""A conversation in progress: turns arrive one by one, the batch detectors re-run over the
conversation so far, and a running scorecard, concern tracker and nudges come out.

The session knows nothing of sequence numbers, sockets or the store: the transport (the
WebSocket route, `heard live replay`) orders events and delivers what `apply` returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from heard.analysis import Analyzer
from heard.analysis.analyzer import Analysis
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
from heard.model import Agent, Conversation, Customer, Role, Scorecard, Turn


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
    ) -> None:
        self.conversation_id = conversation_id
        self.start = start
        self.analyzer = analyzer
        self.turns: list[Turn] = []
        self.partials: dict[Role, PartialEvent] = {}
        self.analysis: Analysis | None = None
        self.ended = False
        self.started_at = datetime.now(UTC)

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

    def apply(self, event: TurnEvent | PartialEvent | TickEvent | EndEvent) -> LiveUpdate:
        """Apply one event (in order; the transport has checked its sequence number)."""
        if isinstance(event, PartialEvent):
            self.partials[event.role] = event
            return LiveUpdate()
        if isinstance(event, TickEvent):
            return LiveUpdate()
        if isinstance(event, EndEvent):
            self.ended = True
            analysis = self.analyzer.analyze(self.conversation)
            self.analysis = analysis
            return LiveUpdate(state=self.state(), scorecard=analysis.scorecard)
        self.partials.pop(event.role, None)
        self.turns.append(
            Turn(
                index=len(self.turns),
                role=event.role,
                text=event.text,
                start=event.start,
                end=event.end,
                words=event.words,
            )
        )
        self.analysis = self.analyzer.analyze(self.conversation)
        return LiveUpdate(state=self.state())

    def state(self) -> LiveState:
        """The running picture of the conversation."""
        card = self.analysis.scorecard if self.analysis else None
        emotions = card.emotions if card else []
        return LiveState(
            conversation_id=self.conversation_id,
            turns=len(self.turns),
            listening_score=card.listening_score if card else None,
            components={c.component: c.score for c in card.components} if card else {},
            concerns=card.concerns if card else [],
            emotion=emotions[-1].label if emotions else None,
            emotion_intensity=emotions[-1].intensity if emotions else 0.0,
            ended=self.ended,
        )
