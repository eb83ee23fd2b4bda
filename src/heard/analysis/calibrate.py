"""Fitting the Listening Score's rubric to outcomes (`heard calibrate`).

The score stays the rubric's own arithmetic (heard.analysis.scoring.score): per component, the
points of the positive behaviours done over those called for, less the points of the negative
behaviours seen (at most `MAX_DEDUCTIONS` each), then a weighted mean of the components. What
the analysis found does not depend on points or weights, so each conversation is analysed once
and reduced to an `Observation` (each positive behaviour done / missed / not called for, each
negative behaviour's count); `listening_scores` then gives, for any points and weights, the
score the scorer would give (to its 0.1 rounding).

The fit is a coordinate search over readable values: each behaviour's points from `POINTS`,
each component's weight from `WEIGHTS`, one at a time, keeping the value under which the score
ranks the conversations by outcome best (ROC AUC), until no change helps. Polarity, `applies`,
labels, tips and thresholds are the base rubric's; neutral behaviours keep 0 points. How well a
fit holds beyond the conversations it saw is measured by cross-validation: the search is run
on four fifths and the AUC read on the fifth left out, five times.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from heard.analysis.rubric import Rubric
from heard.analysis.scoring import MAX_DEDUCTIONS
from heard.model import Conversation, Scorecard, Verdict

POINTS = (0, 2, 4, 6, 8, 10, 12, 15, 20, 25, 30)
"""Points a calibrated behaviour may get: round numbers a QA lead can read and compare."""
WEIGHTS = (0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.5, 2.0)
"""Weights a calibrated component may get: every component keeps counting (on STAR's train
part with the detectors of commit 62cdab3, 5×5-fold CV AUC 0.628; letting weights reach 0 gave
0.624)."""
MIN_GAIN = 0.002
"""AUC a change must add on the conversations fitted to be taken, else the base rubric's value
stays (on STAR's train part with the detectors of commit 62cdab3, 5×5-fold CV AUC: 0.623 at
0.001, 0.628 at 0.002, 0.623 at 0.004)."""
PASSES = 4
FOLDS = 5
MIN_ANSWERS = 20
"""Answers of each kind (felt heard / did not) a fit needs; fewer is refused."""


@dataclass(frozen=True)
class Observation:
    """What the analysis of one conversation found, as far as the score can use it."""

    done: frozenset[str]
    """Positive behaviours done."""
    missed: frozenset[str]
    """Positive behaviours called for and not done."""
    counts: dict[str, int] = field(default_factory=dict)
    """Negative behaviours seen, with how many times."""

    @classmethod
    def of(cls, card: Scorecard) -> Observation:
        counts: dict[str, int] = {}
        for finding in card.findings:
            counts[finding.behaviour] = counts.get(finding.behaviour, 0) + 1
        return cls(
            done=frozenset(i.behaviour for i in card.checklist if i.verdict == Verdict.DONE),
            missed=frozenset(i.behaviour for i in card.checklist if i.verdict == Verdict.MISSED),
            counts=counts,
        )

    def to_json(self) -> dict[str, Any]:
        return {"done": sorted(self.done), "missed": sorted(self.missed), "counts": self.counts}


@dataclass
class Parameters:
    """The numbers a calibration may change: points by behaviour, weight by component."""

    points: dict[str, float]
    weights: dict[str, float]

    @classmethod
    def of(cls, rubric: Rubric) -> Parameters:
        return cls(
            points={n: b.points for n, b in rubric.behaviours.items() if b.polarity != "neutral"},
            weights={n: c.weight for n, c in rubric.components.items()},
        )

    def copy(self) -> Parameters:
        return Parameters(dict(self.points), dict(self.weights))

    def apply(self, rubric: Rubric) -> Rubric:
        """`rubric` with these points and weights (everything else unchanged)."""
        behaviours = {
            n: b.model_copy(update={"points": self.points.get(n, b.points)})
            for n, b in rubric.behaviours.items()
        }
        components = {
            n: c.model_copy(update={"weight": self.weights.get(n, c.weight)})
            for n, c in rubric.components.items()
        }
        return rubric.model_copy(update={"behaviours": behaviours, "components": components})


class Table:
    """Observations as arrays, for scoring many parameter settings fast."""

    def __init__(self, rubric: Rubric, observations: Sequence[Observation]) -> None:
        self.components = list(rubric.components)
        index = {c: k for k, c in enumerate(self.components)}
        self.positive = [n for n, b in rubric.behaviours.items() if b.polarity == "positive"]
        self.negative = [n for n, b in rubric.behaviours.items() if b.polarity == "negative"]
        n = len(observations)
        self.done = np.zeros((n, len(self.positive)))
        self.called = np.zeros((n, len(self.positive)))
        self.count = np.zeros((n, len(self.negative)))
        for i, o in enumerate(observations):
            for j, name in enumerate(self.positive):
                self.done[i, j] = name in o.done
                self.called[i, j] = name in o.done or name in o.missed
            for j, name in enumerate(self.negative):
                self.count[i, j] = min(o.counts.get(name, 0), MAX_DEDUCTIONS)
        self.pos_component = np.zeros((len(self.positive), len(self.components)))
        for j, name in enumerate(self.positive):
            self.pos_component[j, index[rubric.behaviours[name].component]] = 1
        self.neg_component = np.zeros((len(self.negative), len(self.components)))
        for j, name in enumerate(self.negative):
            self.neg_component[j, index[rubric.behaviours[name].component]] = 1

    def __len__(self) -> int:
        return self.done.shape[0]

    def rows(self, rows: np.ndarray) -> Table:
        part = object.__new__(Table)
        part.__dict__.update(self.__dict__)
        part.done, part.called, part.count = self.done[rows], self.called[rows], self.count[rows]
        return part

    def scores(self, p: Parameters, *, rounded: bool = True) -> np.ndarray:
        """The Listening Score of each conversation under `p` (NaN where there is none), as
        heard.analysis.scoring.score computes it (without its rounding to 0.1 when not
        `rounded`)."""
        pos = np.array([p.points[n] for n in self.positive])
        neg = np.array([p.points[n] for n in self.negative])
        weight = np.array([p.weights[c] for c in self.components])
        possible = (self.called * pos) @ self.pos_component
        credit = (self.done * pos) @ self.pos_component
        penalty = (self.count * neg) @ self.neg_component
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(
                possible > 0,
                100 * credit / np.where(possible > 0, possible, 1),
                np.where(penalty > 0, 100.0, np.nan),
            )
        value = np.clip(value - penalty, 0, 100)
        value = np.round(value, 1) if rounded else value
        used = ~np.isnan(value) & (weight > 0)
        total = (used * weight).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            listening = np.where(used, value, 0) @ weight / np.where(total > 0, total, 1)
        listening = np.round(listening, 1) if rounded else listening
        return np.where(total > 0, listening, np.nan)


def auc(scores: np.ndarray, y: np.ndarray) -> float:
    """ROC AUC of `scores` for the outcome `y` (ties count half); a conversation with no score
    ranks in the middle, so a rubric cannot gain by leaving conversations unscored."""
    from scipy.stats import rankdata

    known = ~np.isnan(scores)
    filled = np.where(known, scores, np.median(scores[known]) if known.any() else 0.0)
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(filled)
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def search(
    table: Table,
    y: np.ndarray,
    start: Parameters,
    *,
    points: Sequence[float] = POINTS,
    weights: Sequence[float] = WEIGHTS,
    passes: int = PASSES,
) -> tuple[Parameters, float]:
    """Coordinate search from `start` for the points and weights under which the score ranks
    `y` best; each behaviour and component in turn takes the value of its grid that helps
    most. Returns the parameters and their AUC on `table`."""
    best = start.copy()
    best_auc = auc(table.scores(best), y)
    for _ in range(passes):
        changed = False
        slots = [("points", n, points) for n in [*table.positive, *table.negative]] + [
            ("weights", c, weights) for c in table.components
        ]
        for kind, name, grid in slots:
            current = getattr(best, kind)[name]
            chosen, chosen_auc = current, best_auc
            for value in grid:
                if value == current:
                    continue
                trial = best.copy()
                getattr(trial, kind)[name] = value
                if kind == "weights" and not any(w > 0 for w in trial.weights.values()):
                    continue
                value_auc = auc(table.scores(trial), y)
                if value_auc > chosen_auc + MIN_GAIN:
                    chosen, chosen_auc = value, value_auc
            if chosen != current:
                getattr(best, kind)[name] = chosen
                best_auc, changed = chosen_auc, True
        if not changed:
            break
    return best, best_auc


def folds(y: np.ndarray, k: int = FOLDS, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y))


@dataclass
class Calibration:
    """A fitted rubric's numbers and how well they, and the base rubric's, rank the outcome."""

    parameters: Parameters
    base: Parameters
    examples: int
    positives: int
    train_auc: float
    base_auc: float
    cv_auc: float
    """Mean over folds of the AUC on the fold left out, fitted on the rest."""
    base_cv_auc: float
    """The base rubric's mean AUC over the same folds."""
    fold_aucs: list[float]

    def to_json(self) -> dict[str, Any]:
        changed = {
            n: {"from": self.base.points[n], "to": v}
            for n, v in self.parameters.points.items()
            if v != self.base.points[n]
        }
        changed_weights = {
            c: {"from": self.base.weights[c], "to": v}
            for c, v in self.parameters.weights.items()
            if v != self.base.weights[c]
        }
        return {
            "examples": self.examples,
            "positives": self.positives,
            "cv_auc": round(self.cv_auc, 4),
            "base_cv_auc": round(self.base_cv_auc, 4),
            "fold_aucs": [round(a, 4) for a in self.fold_aucs],
            "train_auc": round(self.train_auc, 4),
            "base_train_auc": round(self.base_auc, 4),
            "points": changed,
            "weights": changed_weights,
        }


def calibrate(
    rubric: Rubric,
    observations: Sequence[Observation],
    outcomes: Sequence[bool],
    *,
    progress: Callable[[str], None] = lambda _: None,
) -> Calibration:
    """Fit `rubric`'s points and weights to `outcomes` (True: the customer felt heard and
    helped); a ValueError when either answer has fewer than `MIN_ANSWERS` conversations."""
    y = np.array([bool(v) for v in outcomes])
    positives = int(y.sum())
    if min(positives, len(y) - positives) < MIN_ANSWERS:
        raise ValueError(
            f"too few answers to calibrate on: {positives} felt heard and "
            f"{len(y) - positives} did not; each needs at least {MIN_ANSWERS}"
        )
    table = Table(rubric, observations)
    base = Parameters.of(rubric)
    fold_aucs, base_aucs = [], []
    for k, (fit_rows, held_rows) in enumerate(folds(y), start=1):
        fitted, _ = search(table.rows(fit_rows), y[fit_rows], base)
        held = table.rows(held_rows)
        fold_aucs.append(auc(held.scores(fitted), y[held_rows]))
        base_aucs.append(auc(held.scores(base), y[held_rows]))
        progress(f"fold {k}: held-out AUC {fold_aucs[-1]:.3f} (base {base_aucs[-1]:.3f})")
    fitted, train_auc = search(table, y, base)
    progress(f"all train conversations: AUC {train_auc:.3f}")
    return Calibration(
        parameters=fitted,
        base=base,
        examples=len(y),
        positives=positives,
        train_auc=train_auc,
        base_auc=auc(table.scores(base), y),
        cv_auc=float(np.mean(fold_aucs)),
        base_cv_auc=float(np.mean(base_aucs)),
        fold_aucs=fold_aucs,
    )


# --- analysis ----------------------------------------------------------------------------

_ANALYZERS: dict[str | None, Any] = {}


def _observe(job: tuple[str | None, list[Conversation]]) -> list[Observation]:
    from heard.analysis import Analyzer
    from heard.analysis.rubric import load_rubric

    path, conversations = job
    if path not in _ANALYZERS:
        _ANALYZERS[path] = Analyzer(rubric=load_rubric(path), outcome=False)
    analyzer = _ANALYZERS[path]
    return [Observation.of(analyzer.analyze(c).scorecard) for c in conversations]


def observe(
    conversations: Sequence[Conversation],
    *,
    rubric_path: str | None = None,
    workers: int = 1,
    chunk: int = 100,
    advance: Callable[[int], None] = lambda _: None,
) -> list[Observation]:
    """Each conversation analysed on its own (as `heard eval` does) with the rubric in
    `rubric_path` (heard's default when None), in a process pool when `workers` > 1."""
    jobs = [
        (rubric_path, list(conversations[i : i + chunk]))
        for i in range(0, len(conversations), chunk)
    ]
    found: list[Observation] = []
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            found += _observe(job)
            advance(len(job[1]))
        return found
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        for job, done in zip(jobs, pool.map(_observe, jobs), strict=True):
            found += done
            advance(len(job[1]))
    return found


# --- the rubric file ---------------------------------------------------------------------

_SECTION = re.compile(r"^\[(?P<name>[^\]]+)\]\s*(#.*)?$")
_POINTS = re.compile(r"^(?P<lead>\s*points\s*=\s*)(?P<value>[^#\s]+)(?P<rest>.*)$")
_POLARITY = re.compile(r"^\s*polarity\s*=")
_PRIORITY = re.compile(r"^\s*priority\s*=")
_WEIGHT = re.compile(r"(?P<lead>\bweight\s*=\s*)(?P<value>[0-9.eE+-]+)")
_TOP = re.compile(r"^(?P<key>name|version)\s*=\s*\"[^\"]*\"\s*$")


def number(value: float, *, decimal: bool = False) -> str:
    """A TOML number as a person writes it: 10 for points, 1.0 or 0.8 for weights."""
    if float(value).is_integer():
        return f"{value:.1f}" if decimal else str(int(value))
    return f"{value:g}"


def rubric_text(
    base_text: str,
    parameters: Parameters,
    *,
    header: Sequence[str],
    name: str | None = None,
    version: str | None = None,
) -> str:
    """The base rubric's TOML with `parameters`' points and weights put in place, its name and
    version replaced when given, and `header` as comment lines on top. A behaviour whose points
    change keeps its tips' place among the others: it gets `priority` = its base points (unless
    it has a priority already). Comments, tips and thresholds stay as written. A ValueError
    when a value cannot be placed."""
    lines = base_text.splitlines()
    out: list[str] = [f"# {line}".rstrip() for line in header]
    section: str | None = None
    placed: set[str] = set()
    for line in lines:
        heading = _SECTION.match(line.strip())
        if heading:
            section = heading["name"].strip()
            out.append(line)
            continue
        behaviour = section.removeprefix("behaviours.") if section else None
        if section is None:
            top = _TOP.match(line)
            if top and top["key"] == "name" and name is not None:
                line = f'name = "{name}"'
            elif top and top["key"] == "version" and version is not None:
                line = f'version = "{version}"'
        elif section == "components":
            key = line.split("=", 1)[0].strip()
            weight = _WEIGHT.search(line)
            if key in parameters.weights and weight:
                value = number(parameters.weights[key], decimal=True)
                line = line[: weight.start("value")] + value + line[weight.end("value") :]
                placed.add(f"weight:{key}")
        elif behaviour in parameters.points:
            value = number(parameters.points[behaviour])
            found = _POINTS.match(line)
            if found:
                line = found["lead"] + value + found["rest"]
                placed.add(f"points:{behaviour}")
                if float(found["value"]) != parameters.points[behaviour] and not _has(
                    lines, behaviour, _PRIORITY
                ):  # tips keep the order the base gave them
                    out.append(line)
                    line = f"priority = {found['value']}"
            elif _POLARITY.match(line) and not _has(lines, behaviour, _POINTS):
                out.append(line)  # a behaviour written without points gets them after polarity
                line = f"points = {value}"
                placed.add(f"points:{behaviour}")
                if parameters.points[behaviour] != 0 and not _has(lines, behaviour, _PRIORITY):
                    out.append(line)
                    line = "priority = 0"
        out.append(line)
    missing = [f"{c} weight" for c in parameters.weights if f"weight:{c}" not in placed]
    missing += [f"{b} points" for b in parameters.points if f"points:{b}" not in placed]
    if missing:
        raise ValueError(
            "no place in the base rubric's text for " + ", ".join(missing) + " (write each "
            'component as `name = { label = "…", weight = 1.0 }` under [components] and each '
            "behaviour as a [behaviours.NAME] table)"
        )
    return "\n".join(out) + "\n"


def _has(lines: list[str], behaviour: str, key: re.Pattern[str]) -> bool:
    """Whether the behaviour's table in `lines` has a line matching `key`."""
    inside = False
    for line in lines:
        heading = _SECTION.match(line.strip())
        if heading:
            inside = heading["name"].strip() == f"behaviours.{behaviour}"
        elif inside and key.match(line):
            return True
    return False


def digest(parts: Sequence[str]) -> str:
    """sha256 of a sequence of strings (for outcomes read from a store)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()
