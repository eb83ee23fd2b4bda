"""Numbers that never mislead: the rules every page and the store follow when they show a
period's mean, a change between periods or an improvement (docs/web.md, "Numbers that never
mislead").

- A period's mean (a trend point, a sparkline point, either side of a change) is shown only
  over at least `MIN_CONVERSATIONS` conversations; below that it is a gap, never a zero.
- Periods with no conversations are gaps (`continuous_periods` lists every period between the
  first and the last, so a chart breaks its line instead of joining April to October).
- A change is shown only when both periods have `MIN_CONVERSATIONS`, else "n/a (too few)";
  it is rounded before it is signed, so it never reads "-0".
- An improvement counts ("most improved") only when the `CONFIDENCE` interval of the
  difference of the two periods' per-conversation means (Welch) lies wholly above 0.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

MIN_CONVERSATIONS = 5
"""The fewest conversations a period needs for its mean to be shown or compared: below five,
one unusual conversation moves a mean by 20 points or more."""

CONFIDENCE = 0.95
"""The confidence of the interval an improvement must clear to be called one."""

TOO_FEW = "n/a (too few)"
"""What a change shows when either period has fewer than `MIN_CONVERSATIONS` conversations."""


def signed(value: float | None, *, digits: int = 0) -> str:
    """`value` with its sign, rounded first: 2.4 → "+2", -0.3 → "±0" (never "-0"); None →
    "n/a"."""
    if value is None:
        return "n/a"
    rounded = round(value, digits)
    if rounded == 0:
        return "±0"
    return f"{rounded:+.{digits}f}"


def enough(n: int, minimum: int = MIN_CONVERSATIONS) -> bool:
    return n >= minimum


def change(
    before: float | None,
    n_before: int,
    after: float | None,
    n_after: int,
    *,
    minimum: int = MIN_CONVERSATIONS,
) -> float | None:
    """`after - before` (rounded to 2 places) when both means exist over at least `minimum`
    conversations each, else None."""
    if before is None or after is None or not enough(n_before, minimum):
        return None
    if not enough(n_after, minimum):
        return None
    return round(after - before, 2)


def change_text(value: float | None) -> str:
    """A change as a page shows it: signed and rounded, or "n/a (too few)" when there is
    none (`change` gives none only when a side has too few conversations or no score)."""
    return TOO_FEW if value is None else signed(value)


def direction(value: float | None) -> str:
    """ "up", "down" or "" for a change, judged on the rounded value a page shows."""
    if value is None or round(value) == 0:
        return ""
    return "up" if value > 0 else "down"


def continuous_periods(first: date, last: date, *, days: int = 7) -> list[date]:
    """Every period start from `first` to `last` (inclusive), `days` apart."""
    if last < first:
        return []
    return [first + timedelta(days=days * i) for i in range((last - first).days // days + 1)]


def difference_interval(
    before: tuple[int, float, float],
    after: tuple[int, float, float],
    *,
    confidence: float = CONFIDENCE,
) -> tuple[float, float] | None:
    """The `confidence` interval of mean(after) - mean(before), each side given as
    (conversations, mean, sample variance), by Welch's t (unequal variances; the
    Welch–Satterthwaite degrees of freedom); None when a side has fewer than 2 conversations
    (no spread to tell noise from change)."""
    (n0, m0, v0), (n1, m1, v1) = before, after
    if n0 < 2 or n1 < 2:
        return None
    diff = m1 - m0
    a, b = v0 / n0, v1 / n1
    se = math.sqrt(a + b)
    if se == 0:
        return diff, diff
    df = (a + b) ** 2 / ((a * a) / (n0 - 1) + (b * b) / (n1 - 1))
    from scipy.stats import t  # scikit-learn's dependency; loaded only when needed

    half = float(t.ppf(0.5 + confidence / 2, df)) * se
    return diff - half, diff + half


def variance(n: int, total: float, squares: float) -> float:
    """The sample variance of `n` values from their sum and sum of squares (never negative)."""
    if n < 2:
        return 0.0
    return max(0.0, (squares - total * total / n) / (n - 1))


def improved(interval: tuple[float, float] | None) -> bool:
    """Whether an improvement is outside the noise: its whole interval is above 0."""
    return interval is not None and interval[0] > 0
