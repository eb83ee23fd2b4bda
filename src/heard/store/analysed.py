"""What the store is given to write: conversations already redacted and analysed, with their
scorecards as the rows they are stored in. `heard.ingest` fills these (it redacts and
analyses); the store only writes them, so it needs neither the analyzer nor the engines.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from heard.model import Conversation

AnalysisVersion = tuple[str, str, str]
"""(rubric ref, rubric digest, detectors digest) of the analysis that made a scorecard: a
stored scorecard of another version is rescored (`heard.ingest.cards.analysis_version`)."""


def digest(text: str | bytes) -> str:
    """The SHA-256 of `text`, hex: a stored body's digest says whether it changed."""
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


@dataclass(frozen=True)
class CardRows:
    """One scorecard as the store keeps it: the scorecard row, its components and verdicts."""

    listening_score: float | None
    body: str
    detectors: str
    components: list[tuple[str, float | None]]
    verdicts: list[tuple[str, str, str, int]]
    """(behaviour, component, verdict, findings of the behaviour)."""
    emotion: str | None = None
    """The customer's strongest emotion (`heard.model.strongest_emotion`)."""
    escalated: bool = False
    """Whether a customer escalation cue was found."""
    felt_heard: float | None = None
    """The outcome model's felt-heard probability (None: no outcome model)."""


@dataclass(frozen=True)
class IngestBatch:
    """Conversations to store as they will be stored (redacted already when `redacted`), with
    their JSON bodies and the bodies' digests (an unchanged digest stores nothing)."""

    conversations: list[Conversation]
    bodies: list[str]
    digests: list[str]
    redacted: bool

    @classmethod
    def of(cls, conversations: Sequence[Conversation], *, redacted: bool) -> IngestBatch:
        bodies = [c.to_json() for c in conversations]
        return cls(list(conversations), bodies, [digest(b) for b in bodies], redacted)


@dataclass
class CardStream:
    """An ingest's scorecards: those at hand (`cards`, by position in the batch) and those the
    analysis still yields, part by part, for the positions in `changed`, in order (the store
    writes the first parts while the later ones are being analysed)."""

    changed: list[int]
    parts: Iterator[list[CardRows]] = field(default_factory=lambda: iter(()))
    cards: dict[int, CardRows] = field(default_factory=dict)

    def finished(self) -> CardStream:
        """Every scorecard at hand (the parts still to come waited for), for another try of a
        write that failed part way."""
        done = sum(1 for i in self.changed if i in self.cards)
        rest = self.changed[done:]
        for part in self.parts:
            self.cards.update(zip(rest, part, strict=False))
            rest = rest[len(part) :]
        return CardStream([], iter(()), self.cards)


class Unanalysed(Exception):
    """A write found conversations stored with another body since the ingest asked which to
    analyse (another writer changed them): nothing was written; analyse `positions` (of the
    batch) and write again."""

    def __init__(self, positions: list[int]) -> None:
        super().__init__(f"{len(positions)} conversations changed since they were looked at")
        self.positions = positions
