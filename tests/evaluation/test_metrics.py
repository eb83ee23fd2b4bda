"""Metrics against cases worked out by hand, and properties that must hold for any input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from heard.evaluation.metrics import (
    auc_with_ci,
    average_ranks,
    bootstrap,
    classification_report,
    roc_auc,
    spearman,
    spearman_with_ci,
)


def test_single_label_report_by_hand() -> None:
    # gold:      a a a b b c
    # predicted: a a b b c c
    # a: tp 2 fp 0 fn 1 → P 1, R 2/3, F1 0.8
    # b: tp 1 fp 1 fn 1 → P 1/2, R 1/2, F1 1/2
    # c: tp 1 fp 1 fn 0 → P 1/2, R 1, F1 2/3
    gold = [("a",), ("a",), ("a",), ("b",), ("b",), ("c",)]
    predicted = [("a",), ("a",), ("b",), ("b",), ("c",), ("c",)]
    report = classification_report(gold, predicted, ["a", "b", "c"])
    a, b, c = (report.labels[x] for x in "abc")
    assert (a.precision, a.recall, a.f1, a.support) == pytest.approx((1, 2 / 3, 0.8, 3))
    assert (b.precision, b.recall, b.f1, b.support) == pytest.approx((0.5, 0.5, 0.5, 2))
    assert (c.precision, c.recall, c.f1, c.support) == pytest.approx((0.5, 1, 2 / 3, 1))
    assert report.macro_f1 == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert report.accuracy == pytest.approx(4 / 6)
    assert report.n == 6


def test_multi_label_report_by_hand() -> None:
    # joy: tp 1 (ex 0), fn 1 (ex 1) → P 1, R 1/2, F1 2/3
    # anger: tp 1 (ex 1), fp 1 (ex 2) → P 1/2, R 1, F1 2/3
    # fear: never gold, never predicted → 0 (zero_division = 0)
    # neutral: tp 1 (ex 2) → F1 1
    gold = [("joy",), ("joy", "anger"), ("neutral",)]
    predicted = [("joy",), ("anger",), ("anger", "neutral")]
    report = classification_report(gold, predicted, ["joy", "anger", "fear", "neutral"])
    assert report.labels["joy"].f1 == pytest.approx(2 / 3)
    assert report.labels["anger"].f1 == pytest.approx(2 / 3)
    assert report.labels["fear"].f1 == 0 and report.labels["fear"].support == 0
    assert report.labels["neutral"].f1 == 1
    assert report.macro_f1 == pytest.approx((2 / 3 + 2 / 3 + 0 + 1) / 4)
    assert report.accuracy == pytest.approx(1 / 3)  # exact match only for the first


def test_report_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="2 gold"):
        classification_report([("a",), ("b",)], [("a",)], ["a", "b"])


def test_to_dict_shape() -> None:
    report = classification_report([("yes",), ("no",)], [("yes",), ("yes",)], ["no", "yes"])
    assert report.to_dict() == {
        "labels": {
            "no": {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1},
            "yes": {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "support": 1},
        },
        "macro_f1": 0.3333,
        "accuracy": 0.5,
        "n": 2,
    }


def test_average_ranks_share_ties() -> None:
    assert average_ranks([10, 20, 20, 5]).tolist() == [2.0, 3.5, 3.5, 1.0]


@pytest.mark.parametrize(
    ("scores", "positive", "expected"),
    [
        ([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 0.75),  # the scikit-learn docs example
        ([1, 2, 3, 4], [0, 0, 1, 1], 1.0),
        ([4, 3, 2, 1], [0, 0, 1, 1], 0.0),
        ([1, 1, 1, 1], [0, 1, 0, 1], 0.5),  # all ties count half
        ([1, 2, 2, 3], [0, 0, 1, 1], 0.875),  # one tied pair of four
    ],
)
def test_roc_auc_by_hand(scores: list[float], positive: list[int], expected: float) -> None:
    assert roc_auc(scores, [bool(p) for p in positive]) == pytest.approx(expected)


def test_roc_auc_one_class_is_undefined() -> None:
    assert math.isnan(roc_auc([1, 2, 3], [True, True, True]))


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        ([1, 2, 3, 4, 5], [5, 6, 7, 8, 7], 0.8207826816681233),  # the scipy docs example
        ([1, 2, 3], [10, 20, 30], 1.0),
        ([1, 2, 3], [3, 2, 1], -1.0),
    ],
)
def test_spearman_by_hand(x: list[float], y: list[float], expected: float) -> None:
    assert spearman(x, y) == pytest.approx(expected)


def test_spearman_constant_is_undefined() -> None:
    assert math.isnan(spearman([1, 2, 3], [4, 4, 4]))


def test_bootstrap_is_fixed_and_brackets_the_value() -> None:
    rng = np.random.default_rng(0)
    y = rng.random(200) < 0.3
    s = y + rng.normal(0, 1, 200)
    first = auc_with_ci(s.tolist(), y.tolist())
    again = auc_with_ci(s.tolist(), y.tolist())
    assert first == again
    assert first.ci_low < first.value < first.ci_high
    assert first.n == 200
    assert 0.6 < first.value < 0.9


def test_bootstrap_drops_undefined_resamples() -> None:
    # with one positive in 30, many resamples miss it; those are dropped, not counted as nan
    est = auc_with_ci([float(i) for i in range(30)], [i == 29 for i in range(30)], resamples=200)
    assert est.value == 1.0
    assert est.ci_low == 1.0 and est.ci_high == 1.0


def test_bootstrap_all_undefined_gives_nan_interval() -> None:
    est = bootstrap(lambda x, y: float("nan"), [1.0, 2.0], [1.0, 2.0], resamples=10)
    assert math.isnan(est.ci_low) and est.to_dict("auc")["ci_low"] is None


def test_spearman_interval_shape() -> None:
    est = spearman_with_ci([1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 6, 5])
    assert est.to_dict("spearman").keys() == {"spearman", "ci_low", "ci_high", "n"}
    assert -1 <= est.ci_low <= est.value <= est.ci_high <= 1


labels = st.sampled_from(["a", "b", "c"])


@given(st.lists(st.tuples(labels, labels), min_size=1, max_size=40))
def test_f1_and_accuracy_lie_in_unit_interval(pairs: list[tuple[str, str]]) -> None:
    report = classification_report([(g,) for g, _ in pairs], [(p,) for _, p in pairs], "abc")
    for score in report.labels.values():
        assert 0 <= score.precision <= 1 and 0 <= score.recall <= 1 and 0 <= score.f1 <= 1
    assert 0 <= report.macro_f1 <= 1 and 0 <= report.accuracy <= 1
    assert sum(s.support for s in report.labels.values()) == len(pairs)


@given(st.lists(labels, min_size=1, max_size=40))
def test_perfect_predictions_score_one_on_present_labels(gold: list[str]) -> None:
    report = classification_report([(g,) for g in gold], [(g,) for g in gold], "abc")
    assert report.accuracy == 1
    assert all(report.labels[g].f1 == 1 for g in gold)


@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=50, unique=True),
    st.data(),
)
def test_auc_of_a_perfect_ranking_is_one(scores: list[float], data: st.DataObject) -> None:
    cut = data.draw(st.integers(1, len(scores) - 1))
    ordered = sorted(scores)
    positive = [i >= cut for i in range(len(ordered))]
    assert roc_auc(ordered, positive) == 1.0
    assert roc_auc(ordered, [not p for p in positive]) == 0.0


@given(
    st.lists(st.integers(0, 5), min_size=2, max_size=40),
    st.lists(st.booleans(), min_size=2, max_size=40),
)
def test_auc_in_unit_interval_and_flips(scores: list[int], positive: list[bool]) -> None:
    n = min(len(scores), len(positive))
    scores, positive = scores[:n], positive[:n]
    auc = roc_auc(scores, positive)
    if all(positive) or not any(positive):
        assert math.isnan(auc)
    else:
        assert 0 <= auc <= 1
        assert roc_auc([-s for s in scores], positive) == pytest.approx(1 - auc)
