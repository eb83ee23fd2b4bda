"""Percent agreement and Fleiss' kappa on examples with known answers."""

from __future__ import annotations

import pytest

from heard.learn.agreement import fleiss_kappa, percent_agreement

WIKIPEDIA = [
    (0, 0, 0, 0, 14),
    (0, 2, 6, 4, 2),
    (0, 0, 3, 5, 6),
    (0, 3, 9, 2, 0),
    (2, 2, 8, 1, 1),
    (7, 7, 0, 0, 0),
    (3, 2, 6, 3, 0),
    (2, 5, 3, 2, 2),
    (6, 5, 2, 1, 0),
    (0, 2, 2, 3, 7),
]
"""Fleiss' kappa's worked example (14 raters, 5 categories, 10 items): P̄ 0.378, κ 0.210."""


def test_fleiss_kappa_of_the_worked_example() -> None:
    items = [[c for c, n in enumerate(row) for _ in range(n)] for row in WIKIPEDIA]
    assert percent_agreement(items) == pytest.approx(0.378, abs=0.001)
    assert fleiss_kappa(items) == pytest.approx(0.210, abs=0.001)


def test_two_raters_by_hand() -> None:
    items = [["done", "done"], ["done", "missed"], ["missed", "missed"], ["missed", "missed"]]
    assert percent_agreement(items) == 0.75
    # chance: (3/8)² + (5/8)² = 34/64
    assert fleiss_kappa(items) == pytest.approx((0.75 - 34 / 64) / (1 - 34 / 64))


def test_items_with_one_rating_are_left_out_and_one_category_is_undefined() -> None:
    assert percent_agreement([["done"]]) is None
    assert fleiss_kappa([["done"], ["missed"]]) is None
    assert fleiss_kappa([["done", "done"], ["done", "done", "done"]]) is None
    assert percent_agreement([["done", "done"], ["n/a"]]) == 1.0
