"""What `heard eval` measures: heard's shipped detectors and models, mapped to task labels.

Each labelled example becomes a short conversation (customer: the context it answers, agent:
the text) that the default `Analyzer` scores; the behaviours found in the agent's turn map to
the task's labels through one declared table, `RULES`, by behaviour name — a detector added
later counts as soon as it is registered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Protocol, TypeVar

from heard.learn.datasets import NO, YES, Example, Task
from heard.model import Channel, Conversation, Finding, Role, Scorecard, Turn

if TYPE_CHECKING:
    from heard.analysis import Analyzer
    from heard.learn.outcome import OutcomeModel

T = TypeVar("T")

QUESTIONS = (
    "open_question",
    "closed_question",
    "clarifying_question",
    "follow_up_question",
    "resolution_check",
)
"""Behaviours that ask the customer something. The resolution check ("Is there anything else I
can help with?") is a closed question (docs/annotation.md) that heard's question detector
leaves to its own behaviour, so the two never count one sentence twice."""
ANGER = frozenset({"anger", "frustration"})


class Predictor(Protocol):
    """Anything that labels examples: detectors, a shipped model, a `heard train` model."""

    def predict(self, examples: list[Example]) -> list[tuple[str, ...]]: ...


@dataclass(frozen=True)
class AnyOf:
    """yes when the agent turn shows any of `behaviours`, else no."""

    behaviours: tuple[str, ...]

    def label(self, found: frozenset[str], strong: frozenset[str] = frozenset()) -> str:
        return YES if found & set(self.behaviours) else NO


@dataclass(frozen=True)
class Levels:
    """EPITOME's 0/1/2: 2 when a strong behaviour shows, a graded one shows in its strong form
    (its finding's ``level`` is 2) or several distinct ones show; 1 for one weak or a graded
    one in its weak form; else 0."""

    strong: tuple[str, ...]
    weak: tuple[str, ...]
    graded: tuple[str, ...] = ()
    """Behaviours whose findings carry their own level (`heard.learn.listening.STRENGTH`)."""

    def label(self, found: frozenset[str], strong: frozenset[str] = frozenset()) -> str:
        hits = found & set(self.strong + self.weak + self.graded)
        if found & set(self.strong) or strong & set(self.graded) or len(hits) >= 2:
            return "2"
        return "1" if hits else "0"

    @property
    def binary(self) -> AnyOf:
        return AnyOf(self.strong + self.graded + self.weak)


@dataclass(frozen=True)
class Choice:
    """`when` if the agent turn shows any of `behaviours`, else `otherwise`."""

    behaviours: tuple[str, ...]
    when: str
    otherwise: str

    def label(self, found: frozenset[str], strong: frozenset[str] = frozenset()) -> str:
        return self.when if found & set(self.behaviours) else self.otherwise


Rule = AnyOf | Levels | Choice

_ER = Levels(strong=(), weak=(), graded=("empathy",))
"""An emotional reaction is the empathy finding, its level its own (heard.learned.v1's strength
head, trained on the corpus' emotional reactions 0/1/2). Apologies and reassurance are not
reactions of themselves (docs/annotation.md: an apology for a refusal is 0), and naming the
customer's feeling is an interpretation."""
_IP = Levels(
    strong=("paraphrase", "reflection_of_feeling", "summary"), weak=("check_understanding",)
)
_EX = Levels(
    strong=("clarifying_question", "follow_up_question"),
    weak=("open_question", "closed_question"),
)
RULES: dict[str, Rule] = {
    "epitome.er": _ER,
    "epitome.er.binary": _ER.binary,
    "epitome.ip": _IP,
    "epitome.ip.binary": _IP.binary,
    "epitome.ex": _EX,
    "epitome.ex.binary": _EX.binary,
    "annomi.reflection": AnyOf(("paraphrase", "reflection_of_feeling", "summary")),
    "annomi.question": AnyOf(QUESTIONS),
    "annomi.open_closed": Choice(("open_question",), when="open", otherwise="closed"),
    "esconv.question": AnyOf(QUESTIONS),
    "esconv.restatement": AnyOf(("paraphrase", "summary")),
    "esconv.reflection": AnyOf(("reflection_of_feeling",)),
    "esconv.affirmation": AnyOf(("reassurance", "empathy")),
}
"""Task → how the behaviours found in the agent's turn become its label."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the analysis of one conversation says, reduced to what evaluation needs."""

    last_turn: frozenset[str]
    """Behaviours of findings that point into the conversation's last turn."""
    listening_score: float | None
    peak_anger: float
    """Highest intensity of a customer turn read as anger or frustration (0 when none)."""
    felt_heard: float | None = None
    """The outcome model's probabilities (None when no outcome model is installed)."""
    annoyed: float | None = None
    strong: frozenset[str] = frozenset()
    """Those of them found in their strong form (a finding ``level`` of 2)."""


def strong_forms(findings: Sequence[Finding]) -> frozenset[str]:
    """Behaviours among `findings` found in their strong form (a ``level`` of 2)."""
    return frozenset(f.behaviour for f in findings if f.data.get("level") == 2)


def as_conversation(example: Example) -> Conversation:
    """customer: the context (when there is one), agent: the text."""
    turns = []
    if example.context.strip():
        turns.append(Turn(index=0, role=Role.CUSTOMER, text=example.context))
    turns.append(Turn(index=len(turns), role=Role.AGENT, text=example.text))
    return Conversation(id=example.id or "example", channel=Channel.CHAT, turns=turns)


_ANALYZERS: dict[bool, Analyzer] = {}


def _analyzer(*, outcome: bool) -> Analyzer:
    """The default analyzer of this process (with or without the shipped outcome model)."""
    if outcome not in _ANALYZERS:
        from heard.analysis import Analyzer

        _ANALYZERS[outcome] = Analyzer(outcome=outcome)
    return _ANALYZERS[outcome]


def _outcomes(
    conversations: list[Conversation], outcome_model: OutcomeModel | None = None
) -> list[Outcome]:
    """Each conversation's `Outcome`; its outcome probabilities from `outcome_model` when one
    is given (a model `heard eval --test-data` fitted), else from the shipped one."""
    analyzer = _analyzer(outcome=outcome_model is None)
    results = []
    for conversation in conversations:
        analysis = analyzer.analyze(conversation)
        last = len(conversation.turns) - 1
        emotions = analysis.annotations.get("customer_emotion", {})
        assert isinstance(emotions, dict)
        predicted = analysis.scorecard.outcome
        if outcome_model is not None and conversation.turns:
            predicted = outcome_model.predict(conversation, analysis.scorecard)
        found = [f for f in analysis.scorecard.findings if f.spans[0].turn == last]
        results.append(
            Outcome(
                last_turn=frozenset(f.behaviour for f in found),
                strong=strong_forms(found),
                listening_score=analysis.scorecard.listening_score,
                peak_anger=max(
                    (float(e["intensity"]) for e in emotions.values() if e["label"] in ANGER),
                    default=0.0,
                ),
                felt_heard=predicted.felt_heard if predicted else None,
                annoyed=predicted.annoyed if predicted else None,
            )
        )
    return results


def analyze_all(
    conversations: Sequence[Conversation],
    *,
    workers: int = 1,
    chunk: int = 250,
    advance: Callable[[int], None] | None = None,
    outcome_model: OutcomeModel | None = None,
) -> list[Outcome]:
    """`Outcome`s in input order; in a process pool when `workers` > 1 and there is enough work.
    With `outcome_model`, its probabilities replace the shipped outcome model's."""
    return _chunked(
        partial(_outcomes, outcome_model=outcome_model),
        conversations,
        workers=workers,
        chunk=chunk,
        advance=advance,
    )


def _scorecards(conversations: list[Conversation]) -> list[Scorecard]:
    return [_analyzer(outcome=False).analyze(c).scorecard for c in conversations]


def score_all(
    conversations: Sequence[Conversation],
    *,
    workers: int = 1,
    chunk: int = 250,
    advance: Callable[[int], None] | None = None,
) -> list[Scorecard]:
    """The default analysis' scorecards (no outcome prediction: what an outcome model is
    fitted on), in input order."""
    return _chunked(_scorecards, conversations, workers=workers, chunk=chunk, advance=advance)


def _chunked(
    work: Callable[[list[Conversation]], list[T]],
    conversations: Sequence[Conversation],
    *,
    workers: int,
    chunk: int,
    advance: Callable[[int], None] | None,
) -> list[T]:
    chunks = [list(conversations[i : i + chunk]) for i in range(0, len(conversations), chunk)]
    results: list[T] = []
    if workers <= 1 or len(chunks) <= 1:
        for part in chunks:
            results += work(part)
            if advance:
                advance(len(part))
        return results
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for part, done in zip(chunks, pool.map(work, chunks), strict=True):
            results += done
            if advance:
                advance(len(part))
    return results


class DetectorPredictor:
    """heard's shipped detectors, through `RULES`, for the tasks they cover."""

    def __init__(self, task: Task, outcomes: dict[str, Outcome]) -> None:
        self.rule = RULES[task.name]
        self.outcomes = outcomes
        """Example id → its analysis (shared by the tasks of one data set)."""

    def predict(self, examples: list[Example]) -> list[tuple[str, ...]]:
        return [
            (self.rule.label(self.outcomes[e.id].last_turn, self.outcomes[e.id].strong),)
            for e in examples
        ]


def shipped_model(task: Task) -> tuple[Predictor | None, str]:
    """heard's default model for `task` and '' — or None and why there is none."""
    import heard.learn

    default_model = getattr(heard.learn, "default_model", None)
    if default_model is None:
        return None, "heard.learn.default_model is not installed"
    model = default_model(task.name)
    if model is None:
        return None, f"no default model ships for {task.name}"
    return model, ""


def trainer() -> tuple[Callable[..., Predictor] | None, str]:
    """`heard train`'s fitting function, or None and why it is not available."""
    try:
        from heard.learn.classifier import fit
    except ImportError:
        return None, "heard.learn.classifier is not installed"
    return fit, ""
