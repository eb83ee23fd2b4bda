"""The conversation viewer's transcript worked out for the template: each turn cut into pieces
at the findings' spans (overlaps kept), every piece knowing its findings and component, and
for a call with audio each piece cut again into its recognised words with their times (the
player's spans); the concern tracker's steps. Text stays text here; the template escapes it."""

from __future__ import annotations

from dataclasses import dataclass, field

from heard.model import Concern, Conversation, Finding, Polarity, Scorecard, Turn
from heard.report.content import findings_by_turn, label, quote, segments, stamp, whole_turn
from heard.web.views import Note

_STRENGTH = {Polarity.NEGATIVE: 3, Polarity.POSITIVE: 2, Polarity.NEUTRAL: 1}


@dataclass(frozen=True)
class FindingItem:
    """A finding as the viewer lists it; `id` is its position in the scorecard."""

    id: int
    behaviour: str
    label: str
    component: str
    polarity: str
    explanation: str
    suggestion: str | None
    quote: str
    turn: int
    detail: str | None = None
    """what the behaviour label leaves out, e.g. the emotion of customer_emotion"""
    start: int = 0
    end: int = 0

    @property
    def key(self) -> str:
        """ "behaviour:turn:start:end" of its first span, as reviews and disputes name it."""
        return f"{self.behaviour}:{self.turn}:{self.start}:{self.end}"


@dataclass(frozen=True)
class Run:
    """A stretch of a piece's text: a recognised word (with its times) or what lies between."""

    text: str
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class Piece:
    """A run of a turn's text and the findings whose spans cover all of it."""

    text: str
    findings: tuple[int, ...] = ()
    component: str | None = None
    polarity: str | None = None
    runs: tuple[Run, ...] = ()
    """The piece cut at its words, for the player (empty: show `text` as it is)."""

    @property
    def overlap(self) -> bool:
        return len(self.findings) > 1


@dataclass
class TurnLine:
    index: int
    role: str
    text_pieces: list[Piece]
    when: str = ""
    start: float | None = None
    end: float | None = None
    subject: str | None = None
    findings: list[FindingItem] = field(default_factory=list)
    whole: list[FindingItem] = field(default_factory=list)
    """findings that cover the whole turn (timing, missed moments): shown as tags"""
    notes: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class ConcernRow:
    id: int
    kind: str
    quote: str
    status: str
    steps: tuple[tuple[str, int | None], ...]
    raised_again: tuple[int, ...]


def finding_items(conversation: Conversation, card: Scorecard) -> list[FindingItem]:
    items = []
    for position, finding in enumerate(card.findings):
        span = finding.spans[0]
        items.append(
            FindingItem(
                id=position,
                behaviour=finding.behaviour,
                label=label(finding),
                component=finding.component,
                polarity=finding.polarity.value,
                explanation=finding.explanation,
                suggestion=finding.suggestion,
                quote=quote(conversation, span),
                turn=span.turn,
                detail=str(finding.data["emotion"]) if finding.data.get("emotion") else None,
                start=span.start,
                end=span.end,
            )
        )
    return items


def _primary(findings: tuple[Finding, ...]) -> Finding:
    """The finding whose component colours a piece: negative over positive over neutral, then
    the first in the turn."""
    strongest = max(_STRENGTH[f.polarity] for f in findings)
    return next(f for f in findings if _STRENGTH[f.polarity] == strongest)


WORD_REACH = 80
"""How far past the last word a recognised word is looked for in the turn's text; farther,
the text was edited and the word is left without a span."""


def word_places(turn: Turn) -> list[tuple[int, int, float, float]]:
    """(first, end) characters of each recognised word in the turn's text, with its times:
    found in order (speech recognition joins the words with spaces; redaction replaces a word
    in both)."""
    places = []
    at = 0
    for word in turn.words or ():
        token = word.text.strip()
        if not token:
            continue
        found = turn.text.find(token, at, at + WORD_REACH + len(token))
        if found < 0:
            continue
        places.append((found, found + len(token), word.start, word.end))
        at = found + len(token)
    return places


def _runs(text: str, offset: int, places: list[tuple[int, int, float, float]]) -> tuple[Run, ...]:
    """The piece `text` (starting at character `offset` of its turn) cut at the words."""
    runs: list[Run] = []
    at = offset
    end = offset + len(text)
    for first, last, start, stop in places:
        if last <= at or first >= end:
            continue
        first, last = max(first, at), min(last, end)
        if first > at:
            runs.append(Run(text[at - offset : first - offset]))
        runs.append(Run(text[first - offset : last - offset], start, stop))
        at = last
    if at < end:
        runs.append(Run(text[at - offset :]))
    return tuple(runs)


def transcript(
    conversation: Conversation,
    card: Scorecard,
    *,
    notes: list[Note] | None = None,
    words: bool = False,
) -> list[TurnLine]:
    """Every turn of the conversation with its highlighted pieces, findings and note ids; with
    `words` (a call with audio), each piece cut at its recognised words."""
    items = finding_items(conversation, card)
    position = {id(f): i for i, f in enumerate(card.findings)}
    by_turn = findings_by_turn(card)
    notes_by_turn: dict[int, list[int]] = {}
    for note in notes or []:
        if note.turn is not None:
            notes_by_turn.setdefault(note.turn, []).append(note.id)
    lines = []
    for turn in conversation.turns:
        marks = by_turn.get(turn.index, [])
        places = word_places(turn) if words else []
        pieces = []
        offset = 0
        for segment in segments(turn, marks):
            runs = _runs(segment.text, offset, places) if places else ()
            offset += len(segment.text)
            if not segment.findings:
                pieces.append(Piece(segment.text, runs=runs))
                continue
            primary = _primary(segment.findings)
            pieces.append(
                Piece(
                    segment.text,
                    tuple(position[id(f)] for f in segment.findings),
                    primary.component,
                    primary.polarity.value,
                    runs,
                )
            )
        whole = [
            items[position[id(f)]]
            for f in marks
            if all(s.turn != turn.index or whole_turn(s, turn) or s.end == s.start for s in f.spans)
        ]
        lines.append(
            TurnLine(
                index=turn.index,
                role=turn.role.value,
                text_pieces=pieces,
                when=stamp(turn),
                start=turn.start,
                end=turn.end,
                subject=turn.subject,
                findings=[items[position[id(f)]] for f in marks],
                whole=whole,
                notes=notes_by_turn.get(turn.index, []),
            )
        )
    return lines


def concern_rows(concerns: list[Concern]) -> list[ConcernRow]:
    """Each concern with the turn of every step it reached (None: not reached)."""
    return [
        ConcernRow(
            id=c.id,
            kind=c.kind,
            quote=c.quote,
            status=c.status.value,
            steps=(
                ("raised", c.span.turn),
                ("acknowledged", c.acknowledged),
                ("addressed", c.addressed),
                ("confirmed", c.confirmed),
            ),
            raised_again=tuple(c.raised_again),
        )
        for c in concerns
    ]
