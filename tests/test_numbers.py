"""heard.numbers' rules on hand-worked answers: rounding before signing, the minimum sample for
a change, continuous periods and Welch's interval for a difference of means."""

from __future__ import annotations

from datetime import date

import pytest

from heard import numbers


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "n/a"),
        (-0.3, "±0"),
        (-0.0, "±0"),
        (0.49, "±0"),
        (0.0, "±0"),
        (2.6, "+3"),
        (-2.4, "-2"),
        (-37.0, "-37"),
        (10.0, "+10"),
    ],
)
def test_signed_rounds_before_it_signs(value: float | None, text: str) -> None:
    assert numbers.signed(value) == text


def test_a_change_needs_the_minimum_on_both_sides() -> None:
    minimum = numbers.MIN_CONVERSATIONS
    assert numbers.change(60.0, minimum, 70.0, minimum) == 10.0
    assert numbers.change(60.0, minimum, 23.0, 1) is None  # a one-conversation week
    assert numbers.change(60.0, minimum - 1, 70.0, 50) is None
    assert numbers.change(None, 9, 70.0, 9) is None  # conversations but no score: no change
    assert numbers.change_text(None) == numbers.TOO_FEW == "n/a (too few)"
    assert numbers.change_text(numbers.change(70.2, 6, 69.9, 6)) == "±0"
    assert numbers.direction(-0.3) == "" and numbers.direction(-0.6) == "down"
    assert numbers.direction(2) == "up" and numbers.direction(None) == ""


def test_continuous_periods_list_every_week() -> None:
    weeks = numbers.continuous_periods(date(2026, 4, 6), date(2026, 5, 4))
    assert weeks == [
        date(2026, 4, 6),
        date(2026, 4, 13),
        date(2026, 4, 20),
        date(2026, 4, 27),
        date(2026, 5, 4),
    ]
    assert numbers.continuous_periods(date(2026, 5, 4), date(2026, 4, 6)) == []


def test_variance_from_sums() -> None:
    values = [50.0, 52.0, 48.0, 50.0, 50.0]
    assert numbers.variance(5, sum(values), sum(v * v for v in values)) == pytest.approx(2.0)
    assert numbers.variance(1, 50.0, 2500.0) == 0.0


def test_welch_interval_by_hand() -> None:
    # means 50 and 60, variance 2 each side, n 5: se = sqrt(0.8), df = 8, t(0.975, 8) = 2.306
    low, high = numbers.difference_interval((5, 50.0, 2.0), (5, 60.0, 2.0))  # type: ignore[misc]
    half = 2.306004 * 0.8**0.5
    assert (low, high) == (pytest.approx(10 - half, abs=1e-4), pytest.approx(10 + half, abs=1e-4))
    assert numbers.improved((low, high))


def test_noise_and_decline_are_not_improvement() -> None:
    # 3 of 5 good then 4 of 5 good (good 90, bad 30): the mean rises 12 but the spread is wide
    noisy = numbers.difference_interval((5, 66.0, 1080.0), (5, 78.0, 720.0))
    assert noisy is not None and noisy[0] < 0 < noisy[1] and not numbers.improved(noisy)
    decline = numbers.difference_interval((5, 80.0, 4.0), (5, 60.0, 4.0))
    assert decline is not None and decline[1] < 0 and not numbers.improved(decline)
    assert numbers.difference_interval((1, 80.0, 0.0), (5, 90.0, 4.0)) is None
    assert not numbers.improved(None)
    # no spread on either side: the interval is the difference itself
    assert numbers.difference_interval((5, 40.0, 0.0), (5, 90.0, 0.0)) == (50.0, 50.0)
