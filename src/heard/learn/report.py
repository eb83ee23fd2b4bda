"""Held-out figures of a classifier: precision, recall, F1 and support per label, macro-F1,
accuracy and n, in the shape `heard train --json` and `heard eval --json` print."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from heard.learn.datasets import Example


def figures(
    labels: Sequence[str], gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]
) -> dict[str, Any]:
    """Per-label and overall figures; accuracy counts exact matches of the label set."""
    per_label = {}
    for label in labels:
        tp = sum(label in p and label in g for p, g in zip(predicted, gold, strict=True))
        fp = sum(label in p and label not in g for p, g in zip(predicted, gold, strict=True))
        fn = sum(label not in p and label in g for p, g in zip(predicted, gold, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
        per_label[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": tp + fn,
        }
    n = len(gold)
    correct = sum(set(p) == set(g) for p, g in zip(predicted, gold, strict=True))
    return {
        "labels": per_label,
        "macro_f1": round(sum(v["f1"] for v in per_label.values()) / len(per_label), 4)
        if per_label
        else 0.0,
        "accuracy": round(correct / n, 4) if n else 0.0,
        "n": n,
    }


def held_out(model: Any, examples: Sequence[Example]) -> dict[str, Any]:
    """Figures of `model` (a TextClassifier) on `examples`."""
    return figures(model.labels, [e.labels for e in examples], model.predict(examples))
