"""The conversation viewer's call timeline: who spoke when (a bar per turn on the customer's
and the agent's lane), the overlaps (interruptions and backchannels) and the silences (dead
air, holds) marked, drawn as inline SVG by the template (`timeline_macros.html`). Every mark
and every figure in its caption is one the analysis reported — the call metrics and the
interruption, backchannel, dead-air and hold findings with their seconds — never a second
reckoning of them here. Positions are percentages of the call's length, so the drawing
stretches to any width without distorting its text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from heard.model import Conversation, Finding, Role, Scorecard, Turn

MarkKind = Literal["interruption", "backchannel", "dead_air", "hold"]

MIN_WIDTH = 0.4
"""The narrowest mark or bar drawn (percent of the width), so a short one stays visible."""
TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
"""Seconds between axis ticks: the smallest that gives at most MAX_TICKS ticks."""
MAX_TICKS = 8
LANES: tuple[str, ...] = (Role.CUSTOMER.value, Role.AGENT.value)
"""The speech lanes, top to bottom; the silence lane is drawn below them."""


def clock(seconds: float) -> str:
    """m:ss (h:mm:ss past an hour)."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass(frozen=True)
class Bar:
    """One turn on its speaker's lane."""

    turn: int
    role: str
    start: float
    end: float
    x: float
    width: float

    @property
    def label(self) -> str:
        return f"turn {self.turn} · {self.role} · {clock(self.start)}–{clock(self.end)}"


@dataclass(frozen=True)
class Mark:
    """An overlap or a silence the analysis found, with the finding it comes from."""

    kind: MarkKind
    start: float
    end: float
    x: float
    width: float
    turn: int
    finding: int
    """The finding's position in the scorecard (the viewer's #f{id})."""
    label: str
    seconds: float
    """The finding's own figure: seconds of overlap, of silence, on hold."""


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass
class Timeline:
    seconds: float
    bars: list[Bar] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    """The caption: the analysis's call metrics and its counts of what is marked."""
    lanes: tuple[str, ...] = LANES

    def of(self, kind: MarkKind) -> list[Mark]:
        return [m for m in self.marks if m.kind == kind]


def _place(start: float, end: float, total: float) -> tuple[float, float]:
    """(x, width) in percent of `total`, the width at least MIN_WIDTH and inside the drawing."""
    x = max(0.0, min(100.0, 100 * start / total))
    width = max(MIN_WIDTH, 100 * max(0.0, end - start) / total)
    return round(min(x, 100 - MIN_WIDTH), 3), round(min(width, 100 - x), 3)


def _seconds(finding: Finding, key: str) -> float | None:
    value = finding.data.get(key)
    return float(value) if isinstance(value, int | float) and value >= 0 else None


def _hold_span(conversation: Conversation, turn: Turn, finding: Finding) -> tuple[float, float]:
    """Where a hold the analysis measured sits: a silence read for timing only ends at its
    turn; a hold marker is its own turn; an announced hold ends when the agent comes back
    (heard.detectors.patience: the wait up to the agent's next turn)."""
    assert turn.start is not None and turn.end is not None
    seconds = _seconds(finding, "seconds") or 0.0
    if finding.data.get("timing_only"):
        return turn.start - seconds, turn.start
    if turn.role == Role.SYSTEM:
        return turn.start, turn.start + seconds
    back = next(
        (
            t
            for t in conversation.turns[turn.index + 1 :]
            if t.role == Role.AGENT and t.start is not None
        ),
        None,
    )
    if back is not None and back.start is not None:
        return back.start - seconds, back.start
    return turn.end, turn.end + seconds


def _mark(
    conversation: Conversation, finding: Finding
) -> tuple[MarkKind, float, float, str, float] | None:
    turn_index = finding.spans[0].turn
    if turn_index >= len(conversation.turns):
        return None
    turn = conversation.turns[turn_index]
    if turn.start is None or turn.end is None:
        return None
    at = clock(turn.start)
    if finding.behaviour in ("interruption", "backchannel_overlap"):
        overlap = _seconds(finding, "overlap_seconds") or 0.0
        kind: MarkKind = "interruption" if finding.behaviour == "interruption" else "backchannel"
        what = "Interruption" if kind == "interruption" else "Backchannel"
        label = f"{what} at {at}, {overlap:.1f} s of overlap"
        return kind, turn.start, turn.start + overlap, label, overlap
    if finding.behaviour == "dead_air":
        silence = _seconds(finding, "silence_seconds") or 0.0
        label = f"Dead air, {silence:.1f} s before {at}"
        return "dead_air", turn.start - silence, turn.start, label, silence
    if finding.behaviour == "hold":
        start, end = _hold_span(conversation, turn, finding)
        held = _seconds(finding, "seconds")
        length = f", {held:.0f} s" if held is not None else ""
        return "hold", start, end, f"Hold at {clock(start)}{length}", held or 0.0
    return None


def _ticks(total: float) -> list[Tick]:
    step = next((s for s in TICK_STEPS if total / s <= MAX_TICKS), TICK_STEPS[-1])
    count = int(total // step)
    return [Tick(round(100 * i * step / total, 3), clock(i * step)) for i in range(count + 1)]


def _figures(card: Scorecard, timeline: Timeline) -> list[str]:
    metrics = card.metrics
    figures = []
    ratio = metrics.get("talk_ratio")
    if isinstance(ratio, int | float):
        figures.append(f"agent talk ratio {100 * ratio:.0f}%")
    longest = metrics.get("longest_monologue_seconds")
    if isinstance(longest, int | float):
        figures.append(f"longest agent monologue {longest:.0f} s")
    rate = metrics.get("agent_words_per_minute")
    if isinstance(rate, int | float):
        figures.append(f"agent {rate:.0f} words a minute")
    interruptions = timeline.of("interruption")
    figures.append(f"{len(interruptions)} interruption{'s' if len(interruptions) != 1 else ''}")
    backchannels = timeline.of("backchannel")
    if backchannels:
        figures.append(f"{len(backchannels)} backchannel{'s' if len(backchannels) != 1 else ''}")
    dead = [m.seconds for m in timeline.of("dead_air")]
    figures.append(
        f"dead air {sum(dead):.1f} s in {len(dead)} silence{'s' if len(dead) != 1 else ''}"
        if dead
        else "no dead air"
    )
    holds = metrics.get("holds")
    if isinstance(holds, int | float) and holds:
        seconds = metrics.get("hold_seconds")
        length = f", {seconds:.0f} s" if isinstance(seconds, int | float) else ""
        figures.append(f"{holds:.0f} hold{'s' if holds != 1 else ''}{length}")
    return figures


def call_timeline(
    conversation: Conversation, card: Scorecard, *, seconds: float | None = None
) -> Timeline | None:
    """The timeline of a timed call (None when the turns have no times). `seconds`: the
    recording's length, when it runs on after the last turn."""
    if not conversation.timed:
        return None
    ends = [t.end for t in conversation.turns if t.end is not None]
    total = max([*ends, seconds or 0.0, 1.0])
    timeline = Timeline(seconds=round(total, 3), ticks=_ticks(total))
    for turn in conversation.turns:
        if turn.role.value not in LANES or turn.start is None or turn.end is None:
            continue
        x, width = _place(turn.start, turn.end, total)
        timeline.bars.append(Bar(turn.index, turn.role.value, turn.start, turn.end, x, width))
    for position, finding in enumerate(card.findings):
        found = _mark(conversation, finding)
        if found is None:
            continue
        kind, start, end, label, figure = found
        start, end = max(0.0, start), min(total, max(start, end))
        x, width = _place(start, end, total)
        timeline.marks.append(
            Mark(
                kind,
                round(start, 3),
                round(end, 3),
                x,
                width,
                finding.spans[0].turn,
                position,
                label + f" (turn {finding.spans[0].turn})",
                figure,
            )
        )
    timeline.figures = _figures(card, timeline)
    return timeline
