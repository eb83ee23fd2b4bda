"""What every report shows, worked out once: highlighted pieces of turns, the customer's
emotion trajectory, quotes of moments. The renderers only lay these out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from heard.model import (
    Conversation,
    Finding,
    Polarity,
    Scorecard,
    Span,
    Tip,
    Turn,
    TurnEmotion,
    Verdict,
    peak_emotion,
)

POLARITY_MARK = {Polarity.POSITIVE: "✓", Polarity.NEGATIVE: "✗", Polarity.NEUTRAL: "•"}
VERDICT_MARK = {Verdict.DONE: "✓", Verdict.MISSED: "✗", Verdict.NOT_APPLICABLE: "–"}
VERDICT_WORD = {Verdict.DONE: "done", Verdict.MISSED: "missed", Verdict.NOT_APPLICABLE: "n/a"}
_STRENGTH = {Polarity.NEGATIVE: 3, Polarity.POSITIVE: 2, Polarity.NEUTRAL: 1}


@dataclass(frozen=True)
class ConversationReport:
    """One analysed conversation, as a report shows it."""

    conversation: Conversation
    scorecard: Scorecard
    skipped: dict[str, str] = field(default_factory=dict)
    file: str | None = None


@dataclass(frozen=True)
class Segment:
    """A piece of a turn's text and the findings whose spans cover it (none: plain text)."""

    text: str
    findings: tuple[Finding, ...] = ()

    @property
    def polarity(self) -> Polarity | None:
        """The polarity to show: negative outranks positive, which outranks neutral."""
        if not self.findings:
            return None
        return max((f.polarity for f in self.findings), key=_STRENGTH.__getitem__)


@dataclass(frozen=True)
class Trajectory:
    """The customer's emotion at the start, at the end, and at its peak."""

    start: TurnEmotion | None
    end: TurnEmotion | None
    peak: TurnEmotion | None

    def describe(self) -> str:
        """One line: "anger → neutral; peak anger 0.8 at turn 2"."""
        if self.start is None or self.end is None:
            return "not measured"
        text = f"{self.start.label} → {self.end.label}"
        if self.peak is not None:
            text += f"; peak {self.peak.label} {self.peak.intensity:.1f} at turn {self.peak.turn}"
        return text


def trajectory(emotions: Sequence[TurnEmotion]) -> Trajectory:
    """Start, end and peak of the customer's emotion.

    The peak is the most intense negative emotion (the earliest of equals); when the customer
    showed none, the most intense emotion of any kind other than neutral.
    """
    if not emotions:
        return Trajectory(None, None, None)
    return Trajectory(emotions[0], emotions[-1], peak_emotion(emotions))


def label(finding: Finding) -> str:
    """The finding's behaviour, with the emotion for customer emotion: "customer_emotion: anger"."""
    emotion = finding.data.get("emotion")
    return f"{finding.behaviour}: {emotion}" if emotion else finding.behaviour


def findings_by_turn(card: Scorecard) -> dict[int, list[Finding]]:
    """turn index → the findings with a span in that turn, in order of position."""
    found: dict[int, list[Finding]] = {}
    for finding in card.findings:
        for turn in dict.fromkeys(s.turn for s in finding.spans):
            found.setdefault(turn, []).append(finding)
    for turn, items in found.items():
        items.sort(key=lambda f: min(s.start for s in f.spans if s.turn == turn))
    return found


def whole_turn(span: Span, turn: Turn) -> bool:
    """A span covering the whole turn (timing findings, missed moments): shown as a tag only."""
    return span.start == 0 and span.end >= len(turn.text)


def segments(turn: Turn, findings: Sequence[Finding]) -> list[Segment]:
    """The turn's text cut where highlighted spans begin and end, each piece with its findings.

    Spans covering the whole turn and empty spans are not highlighted; overlapping spans are
    both kept (a piece covered by two findings carries both).
    """
    spans = [
        (span, finding)
        for finding in findings
        for span in finding.spans
        if span.turn == turn.index and span.end > span.start and not whole_turn(span, turn)
    ]
    cuts = sorted({0, len(turn.text), *(s.start for s, _ in spans), *(s.end for s, _ in spans)})
    pieces: list[Segment] = []
    for start, end in pairwise(cuts):
        covering: list[Finding] = []
        for span, finding in spans:
            if span.start <= start and end <= span.end and all(f is not finding for f in covering):
                covering.append(finding)
        if pieces and _same(pieces[-1].findings, covering):
            pieces[-1] = Segment(pieces[-1].text + turn.text[start:end], pieces[-1].findings)
        else:
            pieces.append(Segment(turn.text[start:end], tuple(covering)))
    return pieces or [Segment(turn.text)]


def _same(a: Sequence[Finding], b: Sequence[Finding]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def quote(conversation: Conversation, span: Span, *, limit: int = 160) -> str:
    """The words a span points to, shortened to `limit` characters."""
    if span.turn >= len(conversation.turns):
        return ""
    text = conversation.turns[span.turn].text[span.start : span.end].strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def tip_moment(conversation: Conversation, tip: Tip, *, limit: int = 240) -> str | None:
    """The whole turn a tip is about (the words around the moment), when it points to one."""
    if tip.span is None or tip.span.turn >= len(conversation.turns):
        return None
    turn = conversation.turns[tip.span.turn]
    return quote(conversation, Span(turn=turn.index, start=0, end=len(turn.text)), limit=limit)


def stamp(turn: Turn) -> str:
    """When the turn happened: mm:ss into a call, or the time a message was sent."""
    if turn.start is not None:
        minutes, seconds = divmod(int(turn.start), 60)
        return f"{minutes:02d}:{seconds:02d}"
    if turn.sent_at is not None:
        return turn.sent_at.strftime("%H:%M")
    return ""


def score_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def outcome_text(card: Scorecard) -> str | None:
    """The outcome model's prediction in words, with how well it predicts on held-out
    conversations, e.g. "predicted: felt heard 91% · annoyed 4% (held-out AUC 0.71 / 0.86,
    star-outcome-0123456789ab)"; None when the scorecard has none."""
    outcome = card.outcome
    if outcome is None:
        return None
    aucs = [outcome.validity.get(f"{name}_auc") for name in ("felt_heard", "annoyed")]
    validity = " / ".join("n/a" if a is None else f"{a:.2f}" for a in aucs)
    return (
        f"predicted: felt heard {outcome.felt_heard:.0%} · annoyed {outcome.annoyed:.0%} "
        f"(held-out AUC {validity}, {outcome.model})"
    )


def agent_name(conversation: Conversation) -> str | None:
    agent = conversation.agent
    return (agent.name or agent.id) if agent else None


def customer_name(conversation: Conversation) -> str | None:
    customer = conversation.customer
    return (customer.name or customer.id) if customer else None


def metric_text(value: float | int | str | None) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
