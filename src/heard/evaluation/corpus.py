"""`heard eval` on heard's own listening corpus (data/corpus/, issue 19).

Each corpus label is a task scored on the corpus test part three ways, side by side:

- **default** — heard's default analysis (the analyzer `heard analyze` runs) of a conversation
  made of the item's context turns, the customer turn and the agent turn; the findings on the
  agent turn (and the readings of the customer turn) become the label through one table,
  `DEFAULT`;
- **baseline** — the simplest rule that could do the label's job (a '?' for a question, a
  short cue list for an acknowledgement), one table, `BASELINE`;
- **trained** — `heard train`'s TF-IDF + logistic classifier (`heard.learn.classifier.fit`) fitted
  on the corpus train and dev parts (its cross-validation tunes there) and scored on test.

Figures are given for all test items and per origin: real turns (STAR, Harper Valley, ABCD)
and written ones (none yet). Tasks are gathered into behaviour groups (`GROUPS`); a group's
figure is the unweighted mean of its tasks' macro-F1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from heard.evaluation.baselines import (
    AFFIRM,
    EMPATHY,
    EXPLORE,
    INTERPRET,
    INTERPRETATION,
    PARAPHRASE,
    QUESTION,
    REACTION,
    REFLECT_FEELING,
    UNDERSTOOD,
    WH,
    BaselineRule,
    Cue,
    FirstCue,
    SharesWord,
)
from heard.evaluation.metrics import Report, classification_report
from heard.evaluation.predictors import (
    QUESTIONS,
    RULES,
    AnyOf,
    Choice,
    Levels,
    Predictor,
    strong_forms,
)
from heard.learn.corpus import EMOTIONS, HEARD_EMOTIONS, Item, Labels, load_corpus
from heard.learn.datasets import NO, YES, Example, Task
from heard.model import Channel, Conversation, Role, Turn

DATASET = "corpus"
REAL = frozenset({"star", "hvb", "abcd"})
WRITTEN = "written"
ORIGINS = ("real", "written")
NO_WRITTEN = "no written items yet"
EVALUATED = ("train", "dev")
"""The parts `heard train`'s model is fitted (and tuned) on; test is only scored."""


def default_folder() -> Path:
    """data/corpus of the repository this package was imported from."""
    return Path(__file__).resolve().parents[3] / "data" / "corpus"


def origin(item: Item) -> str:
    return "real" if item.source in REAL else WRITTEN


# --- what the default analysis says about one item ------------------------------------------


@dataclass(frozen=True, slots=True)
class Reading:
    """The default analysis of one item, reduced to what the corpus labels need."""

    agent: frozenset[str]
    """Behaviours of findings that point into the agent turn (the conversation's last)."""
    emotion: str
    """heard's emotion label of the customer turn ("neutral" when none)."""
    concerns: int
    """Concerns heard tracked as raised in the customer turn."""
    strong: frozenset[str] = frozenset()
    """Those of them found in their strong form (a finding ``level`` of 2)."""


def as_conversation(item: Item) -> Conversation:
    """The item's context turns, then the customer turn, then the agent turn."""
    turns = [*item.context, ("customer", item.customer), ("agent", item.agent)]
    name = "call" if item.channel == "voice" else item.channel
    channel = Channel(name) if name in {c.value for c in Channel} else Channel.CHAT
    return Conversation(
        id=item.id,
        channel=channel,
        turns=[
            Turn(index=i, role=Role.AGENT if role == "agent" else Role.CUSTOMER, text=text)
            for i, (role, text) in enumerate(turns)
        ],
    )


_ANALYZER = None


def _read(conversations: list[Conversation]) -> list[Reading]:
    global _ANALYZER
    if _ANALYZER is None:
        from heard.analysis import Analyzer

        _ANALYZER = Analyzer(outcome=False)
    out = []
    for conversation, analysis in zip(
        conversations, _ANALYZER.analyze_many(conversations), strict=True
    ):
        last = len(conversation.turns) - 1
        emotions = analysis.annotations.get("customer_emotion", {})
        assert isinstance(emotions, dict)
        emotion = emotions.get(last - 1) or emotions.get(str(last - 1)) or {}
        raised = analysis.annotations.get("concerns", [])
        assert isinstance(raised, list)
        found = [f for f in analysis.scorecard.findings if f.spans[0].turn == last]
        out.append(
            Reading(
                agent=frozenset(f.behaviour for f in found),
                strong=strong_forms(found),
                emotion=str(emotion.get("label", "neutral")) if isinstance(emotion, dict) else "",
                concerns=sum(c.span.turn == last - 1 for c in raised),
            )
        )
    return out


def read_all(
    items: Sequence[Item],
    *,
    workers: int = 1,
    chunk: int = 100,
    advance: Callable[[int], None] | None = None,
) -> list[Reading]:
    """The default analysis of each item, in input order (batched, in processes if asked)."""
    conversations = [as_conversation(i) for i in items]
    chunks = [conversations[i : i + chunk] for i in range(0, len(conversations), chunk)]
    results: list[Reading] = []
    if workers <= 1 or len(chunks) <= 1:
        mapped = map(_read, chunks)
        pool = None
    else:
        pool = ProcessPoolExecutor(max_workers=workers)
        mapped = pool.map(_read, chunks)
    try:
        for part, done in zip(chunks, mapped, strict=True):
            results += done
            if advance:
                advance(len(part))
    finally:
        if pool is not None:
            pool.shutdown()
    return results


# --- the tasks ------------------------------------------------------------------------------

EMOTION_OF = {heard: ours for ours, heard in HEARD_EMOTIONS.items()} | {"anger": "frustration"}
"""heard's customer emotions → the corpus's."""


@dataclass(frozen=True)
class FromBehaviours:
    """A label from the behaviours found in the agent turn, by one of evaluation's rules."""

    rule: AnyOf | Levels | Choice

    def label(self, reading: Reading) -> str:
        return self.rule.label(reading.agent, reading.strong)

    def describe(self) -> str:
        from heard.evaluation.docs import describe_rule

        return describe_rule(self.rule)


@dataclass(frozen=True)
class CustomerEmotion:
    def label(self, reading: Reading) -> str:
        return EMOTION_OF.get(reading.emotion, "neutral")

    def describe(self) -> str:
        pairs = ", ".join(f"{k} → {v}" for k, v in EMOTION_OF.items() if k != v)
        return f"the customer_emotion reading of the customer turn ({pairs})"


@dataclass(frozen=True)
class HasConcern:
    def label(self, reading: Reading) -> str:
        return YES if reading.concerns else NO

    def describe(self) -> str:
        return "yes if the concerns detector tracks a concern raised in the customer turn"


Mapping = FromBehaviours | CustomerEmotion | HasConcern


def _level(value: int) -> str:
    return str(value)


def _binary(value: bool) -> str:
    return YES if value else NO


@dataclass(frozen=True)
class CorpusTask:
    """One corpus label as a classification task."""

    name: str
    group: str
    title: str
    labels: tuple[str, ...]
    gold: Callable[[Labels], str | None] = field(repr=False)
    """The item's label, or None where the task does not apply (e.g. open/closed without a
    question)."""
    side: str = "agent"
    """Which turn is classified: ``agent`` (in reply to the customer turn) or ``customer``."""

    @property
    def positive(self) -> str | None:
        return YES if self.labels == (NO, YES) else None


def _flag(name: str) -> Callable[[Labels], str]:
    return lambda lab: _binary(bool(lab.agent[name]))


def _levels(name: str) -> Callable[[Labels], str]:
    return lambda lab: _level(int(lab.agent[name]))


def _some(name: str) -> Callable[[Labels], str]:
    return lambda lab: _binary(int(lab.agent[name]) > 0)


def _open_closed(lab: Labels) -> str | None:
    q = lab.agent["question"]
    return None if q == "none" else str(q)


def _answers(lab: Labels) -> str | None:
    a = lab.agent["answers_concern"]
    return None if a == "na" else YES if a == "yes" else NO


_EMPATHY = (("er", "Emotional reaction"), ("ip", "Interpretation"), ("ex", "Exploration"))
LEVELS = ("0", "1", "2")

CORPUS_TASKS: tuple[CorpusTask, ...] = (
    CorpusTask(
        "corpus.acknowledgement",
        "acknowledging",
        "Acknowledgement",
        (NO, YES),
        _flag("acknowledgement"),
    ),
    CorpusTask(
        "corpus.question",
        "questions",
        "Asks a question",
        (NO, YES),
        lambda lab: _binary(lab.agent["question"] != "none"),
    ),
    CorpusTask(
        "corpus.open_closed",
        "questions",
        "Open vs closed (turns with a question)",
        ("closed", "open"),
        _open_closed,
    ),
    CorpusTask(
        "corpus.clarifying", "questions", "Clarifying question", (NO, YES), _flag("clarifying")
    ),
    *(
        task
        for key, title in _EMPATHY
        for task in (
            CorpusTask(
                f"corpus.{key}", "empathy", f"{title} (0/1/2)", LEVELS, _levels(f"empathy_{key}")
            ),
            CorpusTask(
                f"corpus.{key}.binary",
                "empathy",
                f"{title} (none vs some)",
                (NO, YES),
                _some(f"empathy_{key}"),
            ),
        )
    ),
    CorpusTask(
        "corpus.affirmation",
        "empathy",
        "Affirmation / reassurance",
        (NO, YES),
        _flag("affirmation"),
    ),
    CorpusTask("corpus.paraphrase", "reflecting", "Paraphrase", (NO, YES), _flag("paraphrase")),
    CorpusTask(
        "corpus.reflection_of_feeling",
        "reflecting",
        "Reflection of feeling",
        (NO, YES),
        _flag("reflection_of_feeling"),
    ),
    CorpusTask(
        "corpus.answers_concern",
        "answering",
        "Answers the concern (yes vs partly/no, where there is one)",
        (NO, YES),
        _answers,
    ),
    CorpusTask(
        "corpus.resolution_check",
        "closing",
        "Resolution check",
        (NO, YES),
        _flag("resolution_check"),
    ),
    CorpusTask(
        "corpus.dismissive", "harmful", "Dismissive or blaming", (NO, YES), _flag("dismissive")
    ),
    CorpusTask("corpus.jargon", "harmful", "Jargon", (NO, YES), _flag("jargon")),
    CorpusTask(
        "corpus.emotion",
        "customer",
        "Customer emotion (6 classes)",
        EMOTIONS,
        lambda lab: str(lab.customer["emotion"]),
        side="customer",
    ),
    CorpusTask(
        "corpus.has_concern",
        "customer",
        "Customer raises a concern",
        (NO, YES),
        lambda lab: _binary(bool(lab.customer["concerns"])),
        side="customer",
    ),
)
TASKS = {t.name: t for t in CORPUS_TASKS}
GROUPS: dict[str, str] = {
    "acknowledging": "acknowledgement",
    "questions": "question asked, open vs closed, clarifying",
    "empathy": "emotional reaction, interpretation, exploration (0/1/2 and none vs some), "
    "affirmation",
    "reflecting": "paraphrase, reflection of feeling",
    "answering": "answers the customer's concern",
    "closing": "resolution check",
    "harmful": "dismissive or blaming, jargon",
    "customer": "customer emotion, has a concern",
}
"""Behaviour group → what it gathers (each task names its group)."""

EXPLORATION = Levels(strong=(), weak=("open_question",))
"""A service agent's exploration is an open question (weak): our guidelines make questions that
only collect task data 0 ("What's your account number?", "Which date?"), and heard's question
detector already types those closed, one answer each. EPITOME's peers ask about the poster's
situation and nothing else, so there any question explores (`predictors.RULES`). Chosen on the
corpus dev part: exploration 0/1/2 macro-F1 0.298 → 0.430, none vs some 0.458 → 0.669."""

DEFAULT: dict[str, Mapping] = {
    "corpus.acknowledgement": FromBehaviours(AnyOf(("acknowledgement",))),
    "corpus.question": FromBehaviours(AnyOf(QUESTIONS)),
    "corpus.open_closed": FromBehaviours(RULES["annomi.open_closed"]),
    "corpus.clarifying": FromBehaviours(AnyOf(("clarifying_question",))),
    **{
        f"corpus.{key}{suffix}": FromBehaviours(RULES[f"epitome.{key}{suffix}"])
        for key, _ in _EMPATHY
        for suffix in ("", ".binary")
    },
    "corpus.ex": FromBehaviours(EXPLORATION),
    "corpus.ex.binary": FromBehaviours(EXPLORATION.binary),
    "corpus.affirmation": FromBehaviours(AnyOf(("reassurance",))),
    "corpus.paraphrase": FromBehaviours(AnyOf(("paraphrase", "summary"))),
    "corpus.reflection_of_feeling": FromBehaviours(AnyOf(("reflection_of_feeling",))),
    "corpus.answers_concern": FromBehaviours(
        Choice(("unaddressed_concern", "ignores_last_turn"), when=NO, otherwise=YES)
    ),
    "corpus.resolution_check": FromBehaviours(AnyOf(("resolution_check",))),
    "corpus.dismissive": FromBehaviours(AnyOf(("dismissive", "blame", "condescending"))),
    "corpus.jargon": FromBehaviours(AnyOf(("jargon",))),
    "corpus.emotion": CustomerEmotion(),
    "corpus.has_concern": HasConcern(),
}
"""Corpus task → how heard's default analysis answers it: the one mapping table."""


# --- the simplest rules (the rule kinds and word lists: heard.evaluation.baselines) -------

BASELINE: dict[str, BaselineRule] = {
    "corpus.acknowledgement": Cue(
        r"\b(i see|i understand|got it|okay|ok|alright|sure|understood|thanks for)\b"
    ),
    "corpus.question": Cue(QUESTION),
    "corpus.open_closed": Cue(WH, when="open", otherwise="closed", per_question=True),
    "corpus.clarifying": Cue(
        r"\b(do you mean|which|exactly|clarify|specify|confirm)\b", needs_question=True
    ),
    "corpus.er": REACTION,
    "corpus.er.binary": Cue(EMPATHY),
    "corpus.ip": INTERPRETATION,
    "corpus.ip.binary": Cue(f"{INTERPRET}|{UNDERSTOOD}"),
    "corpus.ex": Cue(EXPLORE, when="1", otherwise="0", needs_question=True),
    "corpus.ex.binary": Cue(EXPLORE, needs_question=True),
    "corpus.affirmation": Cue(AFFIRM),
    "corpus.paraphrase": Cue(PARAPHRASE),
    "corpus.reflection_of_feeling": Cue(REFLECT_FEELING),
    "corpus.answers_concern": SharesWord(),
    "corpus.resolution_check": Cue(
        r"anything else|else i can|other questions|further assistance|help with anything"
    ),
    "corpus.dismissive": Cue(
        r"calm down|not my (problem|fault)|you should have|nothing (i|we) can do"
    ),
    "corpus.jargon": Cue(r"\b[A-Z]{3,}\b", case=True),
    "corpus.emotion": FirstCue(
        (
            ("frustration", r"frustrat|annoy|ridiculous|angry|unacceptable|again"),
            ("anxiety", r"worr|anxious|nervous|scared|afraid"),
            ("sadness", r"\bsad\b|upset|passed away|lost my"),
            ("confusion", r"confus|don't understand|not sure|what do you mean"),
            ("satisfaction", r"thank|great|perfect|awesome|appreciate"),
        ),
        otherwise="neutral",
    ),
    "corpus.has_concern": Cue(r"\?|\b(can|could|would|need|want|help|please|how)\b"),
}
"""Corpus task → the simplest rule that could do its job, on the classified turn (the agent
turn, with the customer turn as context; for customer tasks, the customer turn)."""


# --- scoring --------------------------------------------------------------------------------


def example(task: CorpusTask, item: Item, label: str) -> Example:
    """The item as `heard train` sees it: the classified turn and what it answers."""
    if task.side == "customer":
        before = [text for role, text in item.context if role == "agent"]
        return Example(
            item.id, item.conversation_id, item.customer, (label,), before[-1] if before else ""
        )
    return Example(item.id, item.conversation_id, item.agent, (label,), item.customer)


def as_task(task: CorpusTask, labels: tuple[str, ...]) -> Task:
    """The corpus task as a `heard.learn.datasets.Task` for `heard train`'s fit."""
    return Task(
        name=task.name,
        dataset=DATASET,
        file="labels.jsonl",
        title=task.title,
        labels=labels,
        load=lambda _path: [],
        positive=task.positive if labels == (NO, YES) else None,
        licence="CC BY 4.0 labels; STAR MIT, Harper Valley CC BY 4.0, ABCD MIT text",
        commercial=True,
    )


def report(task: CorpusTask, gold: Sequence[str], predicted: Sequence[str]) -> Report:
    """Per-label figures; macro-F1 over the labels in the gold or predicted labels
    (scikit-learn's default), so a level nobody wrote or predicted does not count as 0."""
    present = [label for label in task.labels if label in set(gold) | set(predicted)]
    return classification_report([(g,) for g in gold], [(p,) for p in predicted], present)


def measurable(task: CorpusTask, gold: Sequence[str]) -> bool:
    """Whether the test part can measure the task: at least two different gold labels."""
    return len(set(gold)) >= 2


@dataclass
class Scored:
    """One corpus task's figures: predictor → origin ("all", "real", "written") → report."""

    task: CorpusTask
    n: dict[str, int]
    reports: dict[str, dict[str, Report | None]]
    why: dict[str, str] = field(default_factory=dict)
    """Predictor → why it has no figures."""
    measurable: dict[str, bool] = field(default_factory=dict)
    """Origin → whether its gold labels hold two or more classes."""


PREDICTORS = ("default", "baseline", "trained")


def score(
    task: CorpusTask,
    test: Sequence[tuple[Item, str]],
    predictions: dict[str, list[str] | None],
    why: dict[str, str],
) -> Scored:
    """Reports per predictor and origin ("all" and each of `ORIGINS`)."""
    parts = {
        "all": list(range(len(test))),
        **{o: [i for i, (item, _) in enumerate(test) if origin(item) == o] for o in ORIGINS},
    }
    scored = Scored(task, {o: len(ix) for o, ix in parts.items()}, {}, dict(why))
    for who in PREDICTORS:
        predicted = predictions.get(who)
        scored.reports[who] = {}
        for part, ix in parts.items():
            gold = [test[i][1] for i in ix]
            scored.measurable[part] = measurable(task, gold)
            scored.reports[who][part] = (
                report(task, gold, [predicted[i] for i in ix]) if predicted and ix else None
            )
    return scored


def group_figures(scored: Sequence[Scored]) -> dict[str, dict[str, dict[str, float | None]]]:
    """Group → predictor → origin → mean macro-F1 of its measurable tasks (None when none)."""
    out: dict[str, dict[str, dict[str, float | None]]] = {}
    for group in GROUPS:
        members = [s for s in scored if s.task.group == group]
        out[group] = {}
        for who in PREDICTORS:
            out[group][who] = {}
            for part in ("all", *ORIGINS):
                values = [
                    r.macro_f1
                    for s in members
                    if s.measurable.get(part)
                    and (r := s.reports.get(who, {}).get(part)) is not None
                ]
                out[group][who][part] = sum(values) / len(values) if values else None
    return out


@dataclass
class CorpusEvaluation:
    folder: Path
    tasks: list[Scored]
    groups: dict[str, dict[str, dict[str, float | None]]]
    sizes: dict[str, int]
    """Items per split."""
    sources: dict[str, int]
    """Test items per source."""


Progress = Callable[[str, int], Callable[[int], None]]


def evaluate_corpus(
    folder: Path,
    *,
    tasks: Sequence[str] | None = None,
    fit: Callable[..., Predictor] | None = None,
    why_not: str = "not requested (--no-trained)",
    workers: int = 1,
    progress: Progress | None = None,
) -> CorpusEvaluation:
    """Default, baseline and trained figures for each corpus task on the test part; `fit`
    (`heard train`'s fit, `heard.evaluation.predictors.trainer`) gives the trained column,
    or `why_not` says why there is none."""
    start = progress or (lambda _d, _n: lambda _k: None)
    pairs = load_corpus(folder)
    selected = [t for t in CORPUS_TASKS if not tasks or t.name in tasks]
    test = [(item, lab) for item, lab in pairs if item.split == "test"]
    fit_on = [(item, lab) for item, lab in pairs if item.split in EVALUATED]
    readings = read_all(
        [item for item, _ in test],
        workers=workers,
        advance=start("corpus: analysing", len(test)),
    )
    advance = start("corpus: fitting", len(selected)) if fit is not None else None
    scored = []
    for task in selected:
        rows = [(i, item, task.gold(lab)) for i, (item, lab) in enumerate(test)]
        kept = [(i, item, g) for i, item, g in rows if g is not None]
        gold_test = [(item, g) for _, item, g in kept]
        mapping, rule = DEFAULT[task.name], BASELINE[task.name]
        predictions: dict[str, list[str] | None] = {
            "default": [mapping.label(readings[i]) for i, _, _ in kept],
            "baseline": [
                rule.label(example(task, item, g).text, example(task, item, g).context)
                for _, item, g in kept
            ],
            "trained": None,
        }
        why: dict[str, str] = {}
        if fit is None:
            why["trained"] = why_not
        else:
            train = [
                example(task, item, g) for item, lab in fit_on if (g := task.gold(lab)) is not None
            ]
            seen = tuple(label for label in task.labels if any(e.label == label for e in train))
            if len(seen) < 2:
                why["trained"] = "the train and dev parts hold one label only"
            else:
                model = fit(as_task(task, seen), train)
                predicted = model.predict([example(task, item, g) for _, item, g in kept])
                predictions["trained"] = [p[0] for p in predicted]
            if advance:
                advance(1)
        scored.append(score(task, gold_test, predictions, why))
    sizes: dict[str, int] = {}
    for item, _ in pairs:
        sizes[item.split] = sizes.get(item.split, 0) + 1
    sources: dict[str, int] = {}
    for item, _ in test:
        sources[item.source] = sources.get(item.source, 0) + 1
    return CorpusEvaluation(folder, scored, group_figures(scored), sizes, sources)
