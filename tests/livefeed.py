"""Helpers for live tests: a shared analyzer and a way to feed literal conversations."""

from __future__ import annotations

from dataclasses import dataclass, field

from heard.analysis import Analyzer
from heard.live.events import Adoption, Nudge, PartialEvent, StartEvent, TickEvent, TurnEvent
from heard.live.nudges import NudgePolicy
from heard.live.session import LiveSession
from heard.model import Channel, Role


@dataclass
class Fed:
    session: LiveSession
    nudges: list[Nudge] = field(default_factory=list)
    adoptions: list[Adoption] = field(default_factory=list)

    def kinds(self) -> list[str]:
        return [n.kind for n in self.nudges]

    def of(self, kind: str) -> list[Nudge]:
        return [n for n in self.nudges if n.kind == kind]


def feed(
    analyzer: Analyzer,
    events: list[tuple],
    *,
    channel: Channel = Channel.CHAT,
    policy: NudgePolicy | None = None,
    end: bool = False,
) -> Fed:
    """Feed ("agent"|"customer", text[, start, end]) turns, ("partial", role, text, start,
    end) and ("tick", time) to a new session with an interval of 0 unless a policy is given."""
    session = LiveSession(
        "t",
        StartEvent(seq=1, channel=channel, time=0.0 if channel == Channel.CALL else None),
        analyzer=analyzer,
        policy=policy or NudgePolicy(interval_seconds=0, min_turns=0),
    )
    fed = Fed(session)
    for seq, item in enumerate(events, 2):
        if item[0] == "partial":
            _, role, text, start, stop = item
            event = PartialEvent(seq=seq, role=Role(role), text=text, start=start, end=stop)
        elif item[0] == "tick":
            event = TickEvent(seq=seq, time=item[1])
        elif len(item) == 4:
            role, text, start, stop = item
            event = TurnEvent(seq=seq, role=Role(role), text=text, start=start, end=stop, time=stop)
        elif len(item) == 3:
            role, text, time = item
            event = TurnEvent(seq=seq, role=Role(role), text=text, time=time)
        else:
            role, text = item
            event = TurnEvent(seq=seq, role=Role(role), text=text)
        update = session.apply(event)
        fed.nudges += update.nudges
        fed.adoptions += update.adoptions
    if end:
        from heard.live.events import EndEvent

        update = session.apply(EndEvent(seq=len(events) + 2))
        fed.adoptions += update.adoptions
    return fed
