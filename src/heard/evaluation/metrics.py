"""Accuracy figures: per-label precision/recall/F1, macro-F1, ROC AUC, Spearman ρ, bootstrap CIs.

Small and dependency-light on purpose (numpy only), each checked against hand-computed cases.
A label nobody predicted has precision 0; a label with no gold examples has recall 0
(scikit-learn's ``zero_division=0``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20240603


@dataclass(frozen=True, slots=True)
class LabelScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class Report:
    """Classification figures for one task."""

    labels: dict[str, LabelScore]
    macro_f1: float
    accuracy: float
    """Share of examples whose predicted label set equals the gold one (exact match)."""
    n: int

    def to_dict(self) -> dict[str, object]:
        return {
            "labels": {
                name: {
                    "precision": round(s.precision, 4),
                    "recall": round(s.recall, 4),
                    "f1": round(s.f1, 4),
                    "support": s.support,
                }
                for name, s in self.labels.items()
            },
            "macro_f1": round(self.macro_f1, 4),
            "accuracy": round(self.accuracy, 4),
            "n": self.n,
        }


def _score(tp: int, fp: int, fn: int) -> LabelScore:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return LabelScore(precision, recall, f1, tp + fn)


def classification_report(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], labels: Sequence[str]
) -> Report:
    """Per-label figures, one label versus the rest, for single- or multi-label tasks.

    Each item of `gold` and `predicted` is the set of labels of one example (a one-element
    tuple for single-label tasks). Macro-F1 is the unweighted mean over `labels`.
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold label sets but {len(predicted)} predictions")
    gold_sets = [frozenset(g) for g in gold]
    predicted_sets = [frozenset(p) for p in predicted]
    scores = {}
    for label in labels:
        tp = fp = fn = 0
        for g, p in zip(gold_sets, predicted_sets, strict=True):
            if label in p:
                tp += label in g
                fp += label not in g
            elif label in g:
                fn += 1
        scores[label] = _score(tp, fp, fn)
    n = len(gold_sets)
    exact = sum(g == p for g, p in zip(gold_sets, predicted_sets, strict=True))
    return Report(
        labels=scores,
        macro_f1=sum(s.f1 for s in scores.values()) / len(scores) if scores else 0.0,
        accuracy=exact / n if n else 0.0,
        n=n,
    )


def average_ranks(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Ranks from 1, ties sharing the mean of their positions."""
    _, inverse, counts = np.unique(
        np.asarray(values, dtype=float), return_inverse=True, return_counts=True
    )
    ends = np.cumsum(counts)
    return ((ends - counts + ends + 1) / 2)[inverse.reshape(-1)]


def roc_auc(scores: Sequence[float] | np.ndarray, positive: Sequence[bool] | np.ndarray) -> float:
    """Probability that a positive scores above a negative (ties count half); nan if one class."""
    y = np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if not n_pos or not n_neg:
        return float("nan")
    ranks = average_ranks(scores)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def spearman(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """Spearman's ρ (Pearson correlation of average ranks); nan when either side is constant."""
    rx, ry = average_ranks(x), average_ranks(y)
    if len(rx) < 2 or rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


@dataclass(frozen=True, slots=True)
class Estimate:
    """A figure with its bootstrap 95% interval."""

    value: float
    ci_low: float
    ci_high: float
    n: int

    def to_dict(self, name: str) -> dict[str, object]:
        def r(v: float) -> float | None:
            return None if np.isnan(v) else round(v, 4)

        return {
            name: r(self.value),
            "ci_low": r(self.ci_low),
            "ci_high": r(self.ci_high),
            "n": self.n,
        }


def bootstrap(
    statistic: Callable[[np.ndarray, np.ndarray], float],
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Estimate:
    """`statistic(x, y)` with a percentile 95% interval from resampling items (conversations)
    with replacement; resamples where the statistic is undefined (one class) are dropped."""
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    value = statistic(xs, ys)
    rng = np.random.default_rng(seed)
    n = len(xs)
    draws = np.array(
        [statistic(xs[i], ys[i]) for i in rng.integers(0, n, size=(resamples, n))] if n else []
    )
    draws = draws[~np.isnan(draws)]
    if not len(draws):
        return Estimate(value, float("nan"), float("nan"), n)
    low, high = np.percentile(draws, [2.5, 97.5])
    return Estimate(value, float(low), float(high), n)


def auc_with_ci(scores: Sequence[float], positive: Sequence[bool], **kw: int) -> Estimate:
    return bootstrap(lambda s, y: roc_auc(s, y.astype(bool)), scores, positive, **kw)


def spearman_with_ci(x: Sequence[float], y: Sequence[float], **kw: int) -> Estimate:
    return bootstrap(spearman, x, y, **kw)
