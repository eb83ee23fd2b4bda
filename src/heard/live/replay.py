"""Replaying a stored conversation as live events: the timeline of start, partial, turn, tick
and end events a speech-recognition bridge or a chat desktop would have sent, at real pace or
faster, and a driver that feeds them to any event sink (a LiveSession in process, or a
WebSocket) and collects the nudges, adoptions and per-event latency that come back.

Calls use each turn's start and end (and partials from word timings when present), with ticks
through the silences; chats use the gaps between the messages' `sent_at`; conversations with
neither are paced by a typing (or speaking) speed estimate and carry no clock.
"""

from __future__ import annotations

import math
import time as clock
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from heard.analysis import Analyzer
from heard.live.adoption import KindAdoption
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
from heard.live.nudges import NudgePolicy
from heard.live.session import LiveSession, LiveUpdate
from heard.model import Channel, Conversation, Turn

LiveEvent = StartEvent | TurnEvent | PartialEvent | TickEvent | EndEvent

PARTIAL_WORDS = 4
"""A call turn with word timings sends a partial every this many words."""
TICK_SECONDS = 5.0
"""A silence in a call sends a tick every this many seconds."""
TYPING_CHARS_PER_SECOND = 5.0
"""Untimed chats: about 60 words a minute of typing."""
SPEAKING_WORDS_PER_SECOND = 2.5
"""Untimed calls: about 150 words a minute of speech."""
MIN_TURN_SECONDS = 1.0


def _call_timeline(turns: list[Turn]) -> list[tuple[float, int, LiveEvent]]:
    """(time, order, event without seq) for a timed call."""
    found: list[tuple[float, int, LiveEvent]] = []
    order = 0
    for turn in turns:
        assert turn.start is not None and turn.end is not None
        words = turn.words or []
        for upto in range(PARTIAL_WORDS, len(words), PARTIAL_WORDS):
            last = words[upto - 1]
            found.append(
                (
                    last.end,
                    order,
                    PartialEvent(
                        seq=1,
                        role=turn.role,
                        text=" ".join(w.text for w in words[:upto]),
                        start=turn.start,
                        end=max(turn.start, last.end),
                        time=last.end,
                    ),
                )
            )
            order += 1
        found.append(
            (
                turn.end,
                order,
                TurnEvent(
                    seq=1,
                    role=turn.role,
                    text=turn.text,
                    start=turn.start,
                    end=turn.end,
                    words=turn.words,
                    time=turn.end,
                ),
            )
        )
        order += 1
    # ticks through the silences, when nobody speaks
    spans = sorted((t.start or 0.0, t.end or 0.0) for t in turns)
    spoken_until = 0.0
    for start, end in spans:
        tick = spoken_until + TICK_SECONDS
        while tick < start:
            found.append((tick, order, TickEvent(seq=1, time=tick)))
            order += 1
            tick += TICK_SECONDS
        spoken_until = max(spoken_until, end)
    return sorted(found, key=lambda item: (item[0], item[1]))


def timeline(conversation: Conversation) -> list[tuple[float, LiveEvent]]:
    """(seconds since the start, event) for every event of the replay, seq numbered 1, 2, …"""
    turns = conversation.turns
    timed: list[tuple[float, LiveEvent]] = []
    clocked = True
    if conversation.channel == Channel.CALL and conversation.timed:
        timed = [(t, e) for t, _, e in _call_timeline(turns)]
    elif turns and all(t.sent_at is not None for t in turns):
        first = turns[0].sent_at
        assert first is not None
        at = 0.0
        for turn in turns:
            assert turn.sent_at is not None
            at = max(at, (turn.sent_at - first).total_seconds())
            timed.append((at, TurnEvent(seq=1, role=turn.role, text=turn.text, time=at)))
    else:
        clocked = False
        at = 0.0
        for turn in turns:
            if conversation.channel == Channel.CALL:
                took = len(turn.text.split()) / SPEAKING_WORDS_PER_SECOND
            else:
                took = len(turn.text) / TYPING_CHARS_PER_SECOND
            at += max(MIN_TURN_SECONDS, took)
            timed.append((at, TurnEvent(seq=1, role=turn.role, text=turn.text)))
    end_at = timed[-1][0] if timed else 0.0
    start = StartEvent(
        seq=1,
        time=0.0 if clocked else None,
        channel=conversation.channel,
        agent_id=conversation.agent.id if conversation.agent else None,
        agent_name=conversation.agent.name if conversation.agent else None,
        customer_name=conversation.customer.name if conversation.customer else None,
        language=conversation.language,
    )
    every: list[tuple[float, LiveEvent]] = [(0.0, start), *timed]
    every.append((end_at, EndEvent(seq=1, time=end_at if clocked else None)))
    return [(at, event.model_copy(update={"seq": n})) for n, (at, event) in enumerate(every, 1)]


def events(conversation: Conversation, *, speed: float = 1.0) -> Iterator[tuple[float, LiveEvent]]:
    """(seconds to wait before sending, event) for a replay at `speed` × real pace
    (`speed` 0: no waiting at all)."""
    if speed < 0:
        raise ValueError(f"speed must be 0 (as fast as possible) or more, not {speed}")
    previous = 0.0
    for at, event in timeline(conversation):
        yield (0.0 if speed == 0 else (at - previous) / speed), event
        previous = at


EventSink = Callable[[LiveEvent], LiveUpdate]
"""Takes one event (start first), returns what it changed: a LiveSession in process, or a
client of the live WebSocket."""


def session_sink(
    conversation_id: str, *, analyzer: Analyzer, policy: NudgePolicy | None = None
) -> EventSink:
    """An event sink running a LiveSession in this process."""
    session: LiveSession | None = None

    def send(event: LiveEvent) -> LiveUpdate:
        nonlocal session
        if isinstance(event, StartEvent):
            session = LiveSession(conversation_id, event, analyzer=analyzer, policy=policy)
            return LiveUpdate(state=session.state())
        if session is None:
            raise ValueError("the first event of a replay must be the start event")
        return session.apply(event)

    return send


@dataclass
class ReplayRun:
    """What came back from replaying one conversation."""

    conversation_id: str
    events: int = 0
    nudges: list[tuple[int, Nudge]] = field(default_factory=list)
    """(event seq, nudge) in the order they arrived."""
    adoptions: list[Adoption] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    """Seconds from sending each event to its update."""
    state: LiveState | None = None

    def adoption_report(self) -> dict[str, KindAdoption]:
        """Per kind: nudges shown, adoptions decided and adopted (from the stream alone)."""
        kinds: dict[str, KindAdoption] = {}
        for _, nudge in self.nudges:
            kinds.setdefault(nudge.kind, KindAdoption(kind=nudge.kind)).shown += 1
        for adoption in self.adoptions:
            kind = kinds.setdefault(adoption.kind, KindAdoption(kind=adoption.kind))
            kind.decided += 1
            kind.adopted += adoption.adopted
        return dict(sorted(kinds.items()))


def replay(
    conversation: Conversation,
    sink: EventSink,
    *,
    speed: float = 1.0,
    on_update: Callable[[LiveEvent, LiveUpdate], None] | None = None,
    sleep: Callable[[float], None] = clock.sleep,
) -> ReplayRun:
    """Send a conversation's events to `sink` at `speed` and collect what comes back;
    `on_update` sees each event with its update as it arrives (to print nudges live)."""
    run = ReplayRun(conversation_id=conversation.id)
    for delay, event in events(conversation, speed=speed):
        if delay > 0:
            sleep(delay)
        started = clock.perf_counter()
        update = sink(event)
        run.latencies.append(clock.perf_counter() - started)
        run.events += 1
        run.nudges.extend((event.seq, n) for n in update.nudges)
        run.adoptions.extend(update.adoptions)
        if update.state is not None:
            run.state = update.state
        if on_update is not None:
            on_update(event, update)
    return run


def percentile(values: list[float], share: float) -> float | None:
    """The value below which `share` of the values lie (nearest rank)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))
    return ordered[rank]
