"""The accuracy and validity targets of issues 3 and 19, and whether a run met them."""

from __future__ import annotations

from dataclasses import dataclass

from heard.evaluation.corpus import GROUPS
from heard.evaluation.run import Evaluation, Result
from heard.learn.datasets import TASKS


@dataclass(frozen=True)
class Target:
    task: str
    metric: str
    """``macro_f1``, ``accuracy``, ``f1`` (positive label), ``auc`` or ``spearman``."""
    minimum: float
    trained: bool = False
    """Whether it applies to the model `heard train` fits rather than the default."""
    source: str = ""
    against: str = ""
    """What the minimum is, when it is not a fixed figure (``simplest rule``: the run's own
    figure for the task's rule, `heard.evaluation.baselines.SHARED`)."""


TARGETS: tuple[Target, ...] = (
    Target("epitome.er", "macro_f1", 0.74, source="Sharma et al. 2020 RoBERTa 74.46"),
    Target("epitome.ip", "macro_f1", 0.63, source="Sharma et al. 2020 RoBERTa 62.60"),
    Target("epitome.ex", "macro_f1", 0.73, source="Sharma et al. 2020 RoBERTa 72.58"),
    Target("goemotions.ekman", "macro_f1", 0.64, source="Demszky et al. 2020 BERT"),
    Target("annomi.question", "f1", 0.90),
    Target("annomi.open_closed", "accuracy", 0.85),
    Target("annomi.reflection", "f1", 0.75),
    Target("star.calm_helpful", "auc", 0.70),
    Target("star.calm_helpful", "auc", 0.65, source="issue 19: the calibrated Listening Score"),
    Target("star.user_annoyed", "auc", 0.80),
    Target("star.calm_helpful.outcome", "auc", 0.78, source="issue 19: above the TF-IDF baseline"),
    Target("star.user_annoyed.outcome", "auc", 0.88, source="issue 19: above the TF-IDF baseline"),
    Target("harper_valley.caller_rating", "spearman", 0.30),
    *(
        Target(task, metric, minimum, source="issue 19: heard's defaults")
        for task, metric, minimum in (
            ("epitome.er", "macro_f1", 0.60),
            ("epitome.ip", "macro_f1", 0.50),
            ("epitome.ex", "macro_f1", 0.62),
            ("annomi.question", "f1", 0.92),
            ("annomi.reflection", "f1", 0.55),
            ("esconv.question", "f1", 0.80),
            ("esconv.restatement", "f1", 0.35),
            ("esconv.reflection", "f1", 0.35),
            ("esconv.affirmation", "f1", 0.40),
            ("goemotions.ekman", "macro_f1", 0.60),
        )
    ),
    *(
        Target(t.name, "macro_f1", t.reference.macro_f1, trained=True, source=t.reference.source)
        for t in TASKS.values()
        if t.reference and t.reference.macro_f1 is not None
    ),
    *(
        Target(f"corpus.{group}", "macro_f1", 0.80, source="issue 19: heard's own corpus")
        for group in GROUPS
    ),
)


RULE_BEATEN: tuple[tuple[str, str], ...] = (
    ("epitome.er", "macro_f1"),
    ("epitome.ip", "macro_f1"),
    ("epitome.ex", "macro_f1"),
    ("annomi.question", "f1"),
    ("annomi.open_closed", "accuracy"),
    ("annomi.reflection", "f1"),
    ("esconv.question", "f1"),
    ("esconv.restatement", "f1"),
    ("esconv.reflection", "f1"),
    ("esconv.affirmation", "f1"),
    ("goemotions.ekman", "macro_f1"),
)
"""Issue 19: heard's defaults at least match the simplest rule on each of these tasks (the rule
scored on the same test part in the same run)."""


@dataclass(frozen=True)
class Check:
    target: Target
    value: float | None
    """None when the run has no figure for it (task skipped or not selected)."""

    @property
    def met(self) -> bool | None:
        return None if self.value is None else self.value >= self.target.minimum

    @property
    def gap(self) -> float | None:
        """Measured minus required (negative when missed)."""
        return None if self.value is None else self.value - self.target.minimum


def check(evaluation: Evaluation) -> list[Check]:
    """Each target against the run's figures (only targets whose task was run)."""
    by_name: dict[str, Result] = {r.name: r for r in evaluation.results}
    checks = [
        Check(t, by_name[t.task].figure(t.metric, trained=t.trained))
        for t in TARGETS
        if t.task in by_name
    ]
    for task, metric in RULE_BEATEN:
        result = by_name.get(task)
        rule = result.figure(metric, baseline=True) if result else None
        if result is None or rule is None or not result.n:
            continue
        target = Target(
            task,
            metric,
            rule,
            source="issue 19: at least the regex baseline",
            against="simplest rule",
        )
        checks.append(Check(target, result.figure(metric)))
    if evaluation.corpus is not None:
        groups = evaluation.corpus.groups
        checks += [
            Check(t, groups[t.task.removeprefix("corpus.")]["default"]["all"])
            for t in TARGETS
            if t.task.startswith("corpus.")
        ]
    return checks
