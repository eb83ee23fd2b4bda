"""The conversation being analysed, with shared, computed-once views of its text."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple, TypeVar

from heard.analysis.encoder import SentenceEncoder, default_encoder
from heard.analysis.rubric import Rubric
from heard.model import Conversation, Finding, Polarity, Role, Span, Turn

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
_WORD = re.compile(r"[A-Za-z0-9']+")
_TOKEN = re.compile(r"[$£€]?[A-Za-z0-9]+(?:[.,:/'’-][A-Za-z0-9]+)*|\[[A-Z_]+\]")
"""Words, numbers with their joiners ($64.99, 2:14, W48-1, cast-iron) and [PLACEHOLDER]s."""
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a turn: its text and its character offsets in the turn."""

    turn: int
    start: int
    end: int
    text: str

    @property
    def span(self) -> Span:
        return Span(turn=self.turn, start=self.start, end=self.end)


class Token(NamedTuple):
    """A word, number or redaction placeholder of a turn, with its offsets in the turn."""

    start: int
    end: int
    text: str


@dataclass
class Context:
    """One conversation under analysis, plus annotations detectors assign for each other."""

    conversation: Conversation
    rubric: Rubric
    annotations: dict[str, Any] = field(default_factory=dict)
    views: dict[str, Any] = field(default_factory=dict, repr=False)
    """Computed-once views that detectors share (not part of the analysis output)."""
    encoder: SentenceEncoder = field(default_factory=default_encoder, repr=False, kw_only=True)
    """Where detectors that require embeddings get their vectors (the analyzer's encoder)."""

    @property
    def turns(self) -> list[Turn]:
        return self.conversation.turns

    def view(self, name: str, compute: Callable[[], T]) -> T:
        """The view `name` of this conversation, computed by `compute` the first time only (a
        detector's candidates, asked for by `embedding_texts` and again by `detect`)."""
        if name not in self.views:
            self.views[name] = compute()
        return self.views[name]  # type: ignore[no-any-return]

    @cached_property
    def sentences(self) -> list[list[Sentence]]:
        """Sentences of every turn, with offsets (a simple splitter on . ! ? and newlines)."""
        result = []
        for turn in self.turns:
            found = []
            for match in _SENTENCE.finditer(turn.text):
                raw = match.group(0)
                stripped = raw.strip()
                if not stripped:
                    continue
                start = match.start() + (len(raw) - len(raw.lstrip()))
                found.append(Sentence(turn.index, start, start + len(stripped), stripped))
            result.append(found)
        return result

    def sentence_at(self, turn: int, at: int) -> Sentence | None:
        """The sentence of turn `turn` that holds character `at` (None: between sentences)."""
        return next((s for s in self.sentences[turn] if s.start <= at < s.end), None)

    @cached_property
    def words(self) -> list[list[str]]:
        """Lower-cased words of every turn."""
        return [[w.lower() for w in _WORD.findall(t.text)] for t in self.turns]

    @cached_property
    def tokens(self) -> list[list[Token]]:
        """Tokens of every turn, with offsets."""
        make = tuple.__new__  # Token's own __new__ is a Python function: a third of the time
        return [
            [make(Token, (m.start(), m.end(), m.group())) for m in _TOKEN.finditer(t.text)]
            for t in self.turns
        ]

    def previous(self, index: int, role: Role) -> Turn | None:
        """The nearest turn before `index` with the given role."""
        for turn in reversed(self.turns[:index]):
            if turn.role == role:
                return turn
        return None

    def replies(self) -> Iterator[tuple[list[Turn], Turn]]:
        """(the customer turns since the agent last spoke, the agent turn answering them)."""
        waiting: list[Turn] = []
        for turn in self.turns:
            if turn.role == Role.CUSTOMER:
                waiting.append(turn)
            elif turn.role == Role.AGENT:
                yield waiting, turn
                waiting = []

    def finding(
        self,
        detector: str,
        behaviour: str,
        component: str,
        polarity: Polarity,
        span: Span | list[Span],
        *,
        confidence: float = 1.0,
        explanation: str = "",
        suggestion: str | None = None,
        **data: Any,
    ) -> Finding:
        return Finding(
            detector=detector,
            behaviour=behaviour,
            component=component,
            polarity=polarity,
            spans=span if isinstance(span, list) else [span],
            confidence=confidence,
            explanation=explanation,
            suggestion=suggestion,
            data=data,
        )
